// SPDX-License-Identifier: GPL-2.0-only
/* drm_gem_vmap() wants the reservation held; _unlocked takes it (6.2). */
#include <drm/drm_gem.h>

int rowstat_probe(struct drm_gem_object *obj, struct iosys_map *map);
int rowstat_probe(struct drm_gem_object *obj, struct iosys_map *map)
{
	return drm_gem_vmap_unlocked(obj, map);
}
