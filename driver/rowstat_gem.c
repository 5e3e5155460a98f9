// SPDX-License-Identifier: GPL-2.0-only
/*
 * rowstat: buffers.  GEM shmem objects, mapped into the device address
 * space of every file that holds a handle to them (created or imported):
 * the mapping is made when the handle is, and goes when the handle and the
 * last job using the buffer are gone.
 */
#include <linux/dma-resv.h>
#include <linux/slab.h>

#include <drm/drm_gem.h>
#include <drm/drm_utils.h>

#include "rowstat_drv.h"

static struct rowstat_mapping *rowstat_mapping_find(struct rowstat_bo *bo,
						    struct rowstat_ctx *ctx)
{
	struct rowstat_mapping *map;

	list_for_each_entry(map, &bo->mappings, link)
		if (map->ctx == ctx)
			return map;
	return NULL;
}

/* The buffer's mapping in ctx, referenced; NULL if the file has no handle. */
struct rowstat_mapping *rowstat_bo_mapping_get(struct rowstat_bo *bo,
					       struct rowstat_ctx *ctx)
{
	struct rowstat_mapping *map;

	mutex_lock(&bo->mappings_lock);
	map = rowstat_mapping_find(bo, ctx);
	if (map)
		kref_get(&map->ref);
	mutex_unlock(&bo->mappings_lock);
	return map;
}

static void rowstat_mapping_release(struct kref *ref)
{
	struct rowstat_mapping *map = container_of(ref, struct rowstat_mapping, ref);

	list_del(&map->link);
	rowstat_mmu_unmap(map);
	rowstat_ctx_put(map->ctx);
	drm_gem_object_put(&map->bo->base.base);
	kfree(map);
}

void rowstat_mapping_put(struct rowstat_mapping *map)
{
	struct rowstat_bo *bo = map->bo;

	/* The mapping holds the object: it outlives the lock taken here. */
	drm_gem_object_get(&bo->base.base);
	mutex_lock(&bo->mappings_lock);
	kref_put(&map->ref, rowstat_mapping_release);
	mutex_unlock(&bo->mappings_lock);
	drm_gem_object_put(&bo->base.base);
}

/* A handle was created in a file: map the buffer into its address space. */
static int rowstat_gem_open(struct drm_gem_object *obj, struct drm_file *file)
{
	struct rowstat_file *rfile = file->driver_priv;
	struct rowstat_bo *bo = to_rowstat_bo(obj);
	struct rowstat_mapping *map;
	int ret;

	mutex_lock(&bo->mappings_lock);
	map = rowstat_mapping_find(bo, rfile->ctx);
	if (map) {
		/* A second handle cannot happen: GEM keeps one per file. */
		mutex_unlock(&bo->mappings_lock);
		return 0;
	}
	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map) {
		mutex_unlock(&bo->mappings_lock);
		return -ENOMEM;
	}
	kref_init(&map->ref);
	map->bo = bo;
	map->ctx = rfile->ctx;
	ret = rowstat_mmu_map(map);
	if (ret) {
		mutex_unlock(&bo->mappings_lock);
		kfree(map);
		return ret;
	}
	kref_get(&map->ctx->ref);
	drm_gem_object_get(obj);
	list_add_tail(&map->link, &bo->mappings);
	mutex_unlock(&bo->mappings_lock);
	return 0;
}

/* The file's handle went: jobs still using the buffer keep it mapped. */
static void rowstat_gem_close(struct drm_gem_object *obj, struct drm_file *file)
{
	struct rowstat_file *rfile = file->driver_priv;
	struct rowstat_bo *bo = to_rowstat_bo(obj);
	struct rowstat_mapping *map;

	mutex_lock(&bo->mappings_lock);
	map = rowstat_mapping_find(bo, rfile->ctx);
	mutex_unlock(&bo->mappings_lock);
	if (map)
		rowstat_mapping_put(map);
}

static void rowstat_gem_free(struct drm_gem_object *obj)
{
	struct rowstat_bo *bo = to_rowstat_bo(obj);

	WARN_ON(!list_empty(&bo->mappings));
	mutex_destroy(&bo->mappings_lock);
	drm_gem_shmem_free(&bo->base);
}

static const struct drm_gem_object_funcs rowstat_gem_funcs = {
	.free = rowstat_gem_free,
	.open = rowstat_gem_open,
	.close = rowstat_gem_close,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

struct drm_gem_object *rowstat_gem_create_object(struct drm_device *drm, size_t size)
{
	struct rowstat_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL);

	if (!bo)
		return ERR_PTR(-ENOMEM);
	mutex_init(&bo->mappings_lock);
	INIT_LIST_HEAD(&bo->mappings);
	bo->base.base.funcs = &rowstat_gem_funcs;
	return &bo->base.base;
}

/* VA and mmap offset of a handle this file holds. */
static int rowstat_bo_describe(struct drm_gem_object *obj, struct drm_file *file,
			       u64 *va, u64 *mmap_offset)
{
	struct rowstat_file *rfile = file->driver_priv;
	struct rowstat_mapping *map;
	int ret;

	map = rowstat_bo_mapping_get(to_rowstat_bo(obj), rfile->ctx);
	if (!map)
		return -ENOENT;
	*va = map->node.start;
	rowstat_mapping_put(map);
	ret = drm_gem_create_mmap_offset(obj);
	if (ret)
		return ret;
	*mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
	return 0;
}

int rowstat_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_rowstat_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	u64 size;
	int ret;

	if (args->flags & ~ROWSTAT_BO_FLAGS) {
		drm_dbg_driver(drm, "BO_CREATE: unknown flags 0x%x\n", args->flags);
		return -EINVAL;
	}
	if (!args->size || args->size > ROWSTAT_BO_MAX_BYTES) {
		drm_dbg_driver(drm, "BO_CREATE: size %llu not in 1..%llu\n",
			       args->size, ROWSTAT_BO_MAX_BYTES);
		return -EINVAL;
	}
	size = PAGE_ALIGN(args->size);
	shmem = drm_gem_shmem_create(drm, size);
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	/* Before the handle: creating it maps the object. */
	to_rowstat_bo(&shmem->base)->read_only = args->flags & ROWSTAT_BO_READ_ONLY;
	ret = drm_gem_handle_create(file, &shmem->base, &args->handle);
	if (!ret) {
		ret = rowstat_bo_describe(&shmem->base, file, &args->va,
					  &args->mmap_offset);
		if (ret)
			drm_gem_handle_delete(file, args->handle);
	}
	/* The handle holds the object now (or nothing does). */
	drm_gem_object_put(&shmem->base);
	if (!ret)
		args->size = size;
	return ret;
}

int rowstat_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_rowstat_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->flags)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = rowstat_bo_describe(obj, file, &args->va, &args->mmap_offset);
	args->size = obj->size;
	drm_gem_object_put(obj);
	return ret;
}

int rowstat_ioctl_bo_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_rowstat_bo_wait *args = data;
	struct drm_gem_object *obj;
	long timeout, ret;

	if (args->flags)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
	ret = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_READ, true, timeout);
	drm_gem_object_put(obj);
	if (ret == 0)
		return -ETIME;
	return ret < 0 ? ret : 0;
}
