// SPDX-License-Identifier: GPL-2.0-only
/* Drivers put their name in devlink info themselves (the core does from 6.2). */
#include <net/devlink.h>

int rowstat_probe(struct devlink_info_req *req);
int rowstat_probe(struct devlink_info_req *req)
{
	return devlink_info_driver_name_put(req, "p");
}
