// SPDX-License-Identifier: GPL-2.0-only
/* The scheduler's last wait before run_job is prepare_job (dependency on 6.1). */
#include <drm/gpu_scheduler.h>

struct dma_fence *rowstat_probe(struct drm_sched_job *job, struct drm_sched_entity *entity);
struct dma_fence *rowstat_probe(struct drm_sched_job *job, struct drm_sched_entity *entity)
{
	return NULL;
}

const struct drm_sched_backend_ops rowstat_probe_ops = {
	.prepare_job = rowstat_probe,
};
