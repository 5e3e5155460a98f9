// SPDX-License-Identifier: GPL-2.0-only
/* drm_sched_start() lost its full_recovery argument (6.12). */
#include <drm/gpu_scheduler.h>

void rowstat_probe(struct drm_gpu_scheduler *s);
void rowstat_probe(struct drm_gpu_scheduler *s)
{
	drm_sched_start(s);
}
