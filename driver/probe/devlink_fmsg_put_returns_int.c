// SPDX-License-Identifier: GPL-2.0-only
/* devlink_fmsg_*_put() return an error code (void from 6.7). */
#include <net/devlink.h>

int rowstat_probe(struct devlink_fmsg *fmsg);
int rowstat_probe(struct devlink_fmsg *fmsg)
{
	int ret = devlink_fmsg_u64_pair_put(fmsg, "p", 1);

	return ret;
}
