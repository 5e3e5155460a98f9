// SPDX-License-Identifier: GPL-2.0-only
/* drm_sched_init() takes a submit workqueue, run queues and credits (6.8). */
#include <drm/gpu_scheduler.h>

int rowstat_probe(struct drm_gpu_scheduler *s, const struct drm_sched_backend_ops *o,
		  struct device *dev);
int rowstat_probe(struct drm_gpu_scheduler *s, const struct drm_sched_backend_ops *o,
		  struct device *dev)
{
	return drm_sched_init(s, o, NULL, 1, 1, 0, 1, NULL, NULL, "p", dev);
}
