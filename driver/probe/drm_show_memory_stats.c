// SPDX-License-Identifier: GPL-2.0-only
/* drm_show_memory_stats() prints the fdinfo memory keys (6.5). */
#include <drm/drm_file.h>

void rowstat_probe(struct drm_printer *p, struct drm_file *f);
void rowstat_probe(struct drm_printer *p, struct drm_file *f)
{
	drm_show_memory_stats(p, f);
}
