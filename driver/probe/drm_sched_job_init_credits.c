// SPDX-License-Identifier: GPL-2.0-only
/* drm_sched_job_init() takes the job's credits (6.7). */
#include <drm/gpu_scheduler.h>

int rowstat_probe(struct drm_sched_job *job, struct drm_sched_entity *e);
int rowstat_probe(struct drm_sched_job *job, struct drm_sched_entity *e)
{
	return drm_sched_job_init(job, e, 1, NULL);
}
