// SPDX-License-Identifier: GPL-2.0-only
/* The DRM accel subsystem: /dev/accel/accelN, DRIVER_COMPUTE_ACCEL (6.2). */
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>

int rowstat_probe(void);
int rowstat_probe(void)
{
	return DRIVER_COMPUTE_ACCEL;
}
