// SPDX-License-Identifier: GPL-2.0-only
/*
 * rowstat: per-file device address spaces (docs/hardware.md section 6).
 * Each open file owns a three-level page table that only this file writes;
 * the device can reach nothing that is not mapped there.  The device has
 * few MMU contexts (CAP_CONTEXTS), so an address space holds one only while
 * it has jobs to run: open files cost the device nothing.
 */
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "rowstat_drv.h"

/* One 4 KiB table and, above level 0, the CPU view of its children. */
struct rowstat_pt {
	__le64 *cpu;
	dma_addr_t dma;
	struct rowstat_pt **child;
};

static struct rowstat_pt *rowstat_pt_alloc(struct rowstat_device *rdev, int level)
{
	struct rowstat_pt *pt = kzalloc(sizeof(*pt), GFP_KERNEL);

	if (!pt)
		return NULL;
	pt->cpu = dma_alloc_coherent(rdev->drm.dev, ROWSTAT_PAGE_SIZE, &pt->dma,
				     GFP_KERNEL);
	if (level > 0)
		pt->child = kcalloc(ROWSTAT_PT_ENTRIES, sizeof(*pt->child), GFP_KERNEL);
	if (!pt->cpu || (level > 0 && !pt->child)) {
		if (pt->cpu)
			dma_free_coherent(rdev->drm.dev, ROWSTAT_PAGE_SIZE, pt->cpu,
					  pt->dma);
		kfree(pt->child);
		kfree(pt);
		return NULL;
	}
	return pt;
}

static void rowstat_pt_free(struct rowstat_device *rdev, struct rowstat_pt *pt,
			    int level)
{
	unsigned int i;

	if (!pt)
		return;
	for (i = 0; level > 0 && i < ROWSTAT_PT_ENTRIES; i++)
		rowstat_pt_free(rdev, pt->child[i], level - 1);
	dma_free_coherent(rdev->drm.dev, ROWSTAT_PAGE_SIZE, pt->cpu, pt->dma);
	kfree(pt->child);
	kfree(pt);
}

/* The level-0 table covering va, created on the way down if create. */
static struct rowstat_pt *rowstat_pt_walk(struct rowstat_ctx *ctx, u64 va,
					  bool create)
{
	struct rowstat_pt *pt = ctx->root;
	int level;

	for (level = ROWSTAT_PT_LEVELS - 1; level > 0; level--) {
		unsigned int i = ROWSTAT_PT_INDEX(va, level);

		if (!pt->child[i]) {
			if (!create)
				return NULL;
			pt->child[i] = rowstat_pt_alloc(ctx->rdev, level - 1);
			if (!pt->child[i])
				return NULL;
			/* The child is filled (zeroed) before it is linked. */
			dma_wmb();
			WRITE_ONCE(pt->cpu[i], cpu_to_le64(pt->child[i]->dma |
							   ROWSTAT_PTE_VALID));
		}
		pt = pt->child[i];
	}
	return pt;
}

#define ROWSTAT_STATS_BYTES \
	PAGE_ALIGN(ROWSTAT_MAX_RINGS * ROWSTAT_RING_ENTRIES * \
		   sizeof(struct rowstat_job_stats))

static int rowstat_pt_fill_range(struct rowstat_ctx *ctx, u64 va, dma_addr_t addr,
				 u64 bytes, u64 access);
static void rowstat_pt_clear(struct rowstat_ctx *ctx, u64 va, u64 bytes);

/* The statistics area: kernel memory the device writes in this context. */
static int rowstat_ctx_stats_map(struct rowstat_ctx *ctx)
{
	struct rowstat_device *rdev = ctx->rdev;
	int ret;

	ctx->stats_cpu = dma_alloc_coherent(rdev->drm.dev, ROWSTAT_STATS_BYTES,
					    &ctx->stats_dma, GFP_KERNEL);
	if (!ctx->stats_cpu)
		return -ENOMEM;
	ret = drm_mm_insert_node_generic(&ctx->va, &ctx->stats_node,
					 ROWSTAT_STATS_BYTES + ROWSTAT_PAGE_SIZE,
					 ROWSTAT_PAGE_SIZE, 0, DRM_MM_INSERT_BEST);
	if (ret)
		return ret;
	ctx->stats_va = ctx->stats_node.start;
	/* The device writes job statistics there. */
	ret = rowstat_pt_fill_range(ctx, ctx->stats_va, ctx->stats_dma, ROWSTAT_STATS_BYTES,
				    ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
	if (ret)
		rowstat_pt_clear(ctx, ctx->stats_va, ROWSTAT_STATS_BYTES);
	return ret;
}

static void rowstat_ctx_free(struct rowstat_ctx *ctx)
{
	struct rowstat_device *rdev = ctx->rdev;

	if (drm_mm_node_allocated(&ctx->stats_node))
		drm_mm_remove_node(&ctx->stats_node);
	drm_mm_takedown(&ctx->va);
	if (ctx->stats_cpu)
		dma_free_coherent(rdev->drm.dev, ROWSTAT_STATS_BYTES, ctx->stats_cpu,
				  ctx->stats_dma);
	rowstat_pt_free(rdev, ctx->root, ROWSTAT_PT_LEVELS - 1);
	mutex_destroy(&ctx->pt_lock);
	kfree(ctx);
}

/* fdinfo's drm-client-id where the DRM core has none (6.1). */
static atomic_t rowstat_next_client_id;

/* A new address space; it takes one of the device's contexts at its first job. */
struct rowstat_ctx *rowstat_ctx_create(struct rowstat_device *rdev)
{
	struct rowstat_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	int ret;

	if (!ctx)
		return ERR_PTR(-ENOMEM);
	kref_init(&ctx->ref);
	ctx->rdev = rdev;
	ctx->slot = -1;
	INIT_LIST_HEAD(&ctx->lru);
	ctx->client_id = atomic_inc_return(&rowstat_next_client_id);
	mutex_init(&ctx->pt_lock);
	drm_mm_init(&ctx->va, ROWSTAT_VA_START,
		    (1ull << rdev->va_bits) - ROWSTAT_VA_START);
	ctx->root = rowstat_pt_alloc(rdev, ROWSTAT_PT_LEVELS - 1);
	ret = ctx->root ? rowstat_ctx_stats_map(ctx) : -ENOMEM;
	if (ret) {
		rowstat_ctx_free(ctx);
		return ERR_PTR(ret);
	}
	mutex_lock(&rdev->ctx_list_lock);
	list_add(&ctx->link, &rdev->ctx_list);
	mutex_unlock(&rdev->ctx_list_lock);
	return ctx;
}

/* Points the device's context at the address space's tables.  ctx_lock. */
static void rowstat_ctx_program(struct rowstat_ctx *ctx)
{
	struct rowstat_device *rdev = ctx->rdev;
	unsigned int s = ctx->slot;

	rowstat_write_live(rdev, ROWSTAT_REG_CTX(s, ROWSTAT_CTX_PT_LO),
			   lower_32_bits(ctx->root->dma));
	rowstat_write_live(rdev, ROWSTAT_REG_CTX(s, ROWSTAT_CTX_PT_HI),
			   upper_32_bits(ctx->root->dma));
	rowstat_write_live(rdev, ROWSTAT_REG_CTX(s, ROWSTAT_CTX_CTRL),
			   ROWSTAT_CTX_CTRL_ENABLE);
	rowstat_write_live(rdev, ROWSTAT_REG_MMU_INVALIDATE, s);
}

/*
 * Disables the device's context and drops its cached translations, so
 * that nothing of this address space stays reachable there.  ctx_lock;
 * no job holds it.
 */
static void rowstat_ctx_release_slot(struct rowstat_ctx *ctx)
{
	struct rowstat_device *rdev = ctx->rdev;
	unsigned int s = ctx->slot;

	rowstat_write_live(rdev, ROWSTAT_REG_CTX(s, ROWSTAT_CTX_CTRL), 0);
	rowstat_write_live(rdev, ROWSTAT_REG_MMU_INVALIDATE, s);
	WRITE_ONCE(rdev->ctx_slot[s], NULL);
	WRITE_ONCE(ctx->slot, -1);
	list_del_init(&ctx->lru);
}

static const char *rowstat_ctx_fence_driver_name(struct dma_fence *fence)
{
	return ROWSTAT_DRIVER_NAME;
}

static const char *rowstat_ctx_fence_timeline_name(struct dma_fence *fence)
{
	return "rowstat-contexts";
}

static const struct dma_fence_ops rowstat_ctx_fence_ops = {
	.get_driver_name = rowstat_ctx_fence_driver_name,
	.get_timeline_name = rowstat_ctx_fence_timeline_name,
};

/* The fence a job waiting for a device context waits on.  ctx_lock. */
static struct dma_fence *rowstat_ctx_freed_fence(struct rowstat_device *rdev)
{
	struct dma_fence *f = rdev->ctx_freed;

	if (!f) {
		f = kzalloc(sizeof(*f), GFP_ATOMIC);
		if (!f)
			return NULL;
		dma_fence_init(f, &rowstat_ctx_fence_ops, &rdev->ctx_lock,
			       rdev->ctx_fence_context, ++rdev->ctx_fence_seqno);
		rdev->ctx_freed = f;
	}
	return dma_fence_get(f);
}

/* A device context may have freed: the waiting jobs ask again.  ctx_lock. */
static void rowstat_ctx_wake_waiters(struct rowstat_device *rdev)
{
	struct dma_fence *f = rdev->ctx_freed;

	if (f) {
		rdev->ctx_freed = NULL;
		dma_fence_signal_locked(f);
		dma_fence_put(f);
	}
}

void rowstat_ctx_waiters_fini(struct rowstat_device *rdev)
{
	unsigned long flags;

	spin_lock_irqsave(&rdev->ctx_lock, flags);
	rowstat_ctx_wake_waiters(rdev);
	spin_unlock_irqrestore(&rdev->ctx_lock, flags);
}

/*
 * A job of ctx is about to run: ctx keeps the device context it holds,
 * or takes a free one, or the one of the least recently bound address
 * space that has no job left.  Each success holds the context until
 * rowstat_ctx_unbind.  -EBUSY when every context has jobs, with *wait a
 * fence signalled when one may have freed.  While jobs wait, a context
 * with jobs takes no more: it drains, so that it frees, and no address
 * space keeps the others out by never going idle.
 */
int rowstat_ctx_bind(struct rowstat_ctx *ctx, struct dma_fence **wait)
{
	struct rowstat_device *rdev = ctx->rdev;
	struct rowstat_ctx *idle = NULL, *c;
	unsigned long flags;
	unsigned int s;

	spin_lock_irqsave(&rdev->ctx_lock, flags);
	if (ctx->slot >= 0 && ctx->slot_users && rdev->ctx_freed)
		goto busy;
	if (ctx->slot < 0) {
		for (s = 0; s < rdev->contexts && rdev->ctx_slot[s]; s++)
			;
		if (s == rdev->contexts) {
			list_for_each_entry(c, &rdev->ctx_lru, lru) {
				if (!c->slot_users) {
					idle = c;
					break;
				}
			}
			if (!idle)
				goto busy;
			s = idle->slot;
			rowstat_ctx_release_slot(idle);
			atomic64_inc(&rdev->count.ctx_evictions);
		}
		WRITE_ONCE(ctx->slot, s);
		WRITE_ONCE(rdev->ctx_slot[s], ctx);
		list_add_tail(&ctx->lru, &rdev->ctx_lru);
		rowstat_ctx_program(ctx);
	} else {
		list_move_tail(&ctx->lru, &rdev->ctx_lru);
	}
	ctx->slot_users++;
	spin_unlock_irqrestore(&rdev->ctx_lock, flags);
	return 0;

busy:
	*wait = rowstat_ctx_freed_fence(rdev);
	spin_unlock_irqrestore(&rdev->ctx_lock, flags);
	return *wait ? -EBUSY : -ENOMEM;
}

/* A job's hold on its device context ends; the context stays bound, idle. */
void rowstat_ctx_unbind(struct rowstat_ctx *ctx)
{
	struct rowstat_device *rdev = ctx->rdev;
	unsigned long flags;

	spin_lock_irqsave(&rdev->ctx_lock, flags);
	if (!WARN_ON(!ctx->slot_users) && !--ctx->slot_users)
		rowstat_ctx_wake_waiters(rdev);
	spin_unlock_irqrestore(&rdev->ctx_lock, flags);
}

/* After a reset: every bound context again. */
void rowstat_mmu_program_all(struct rowstat_device *rdev)
{
	unsigned long flags;
	unsigned int s;

	spin_lock_irqsave(&rdev->ctx_lock, flags);
	for (s = 0; s < rdev->contexts; s++)
		if (rdev->ctx_slot[s])
			rowstat_ctx_program(rdev->ctx_slot[s]);
	spin_unlock_irqrestore(&rdev->ctx_lock, flags);
}

/*
 * The last reference goes when the file is closed and its last job has
 * ended, so no job of this context is on the device any more.
 */
static void rowstat_ctx_release(struct kref *ref)
{
	struct rowstat_ctx *ctx = container_of(ref, struct rowstat_ctx, ref);
	struct rowstat_device *rdev = ctx->rdev;
	unsigned long flags;

	spin_lock_irqsave(&rdev->ctx_lock, flags);
	WARN_ON(ctx->slot_users);
	if (ctx->slot >= 0)
		rowstat_ctx_release_slot(ctx);
	spin_unlock_irqrestore(&rdev->ctx_lock, flags);
	mutex_lock(&rdev->ctx_list_lock);
	list_del(&ctx->link);
	mutex_unlock(&rdev->ctx_list_lock);
	rowstat_ctx_free(ctx);
}

void rowstat_ctx_put(struct rowstat_ctx *ctx)
{
	kref_put(&ctx->ref, rowstat_ctx_release);
}

/* Clears the PTEs of [va, va + bytes); the tables stay for reuse. */
static void rowstat_pt_clear(struct rowstat_ctx *ctx, u64 va, u64 bytes)
{
	u64 end = va + bytes;

	while (va < end) {
		struct rowstat_pt *pt = rowstat_pt_walk(ctx, va, false);

		if (pt)
			WRITE_ONCE(pt->cpu[ROWSTAT_PT_INDEX(va, 0)], 0);
		va += ROWSTAT_PAGE_SIZE;
	}
}

/* Maps bytes of contiguous bus memory at va; on failure the caller clears. */
static int rowstat_pt_fill_range(struct rowstat_ctx *ctx, u64 va, dma_addr_t addr,
				 u64 bytes, u64 access)
{
	dma_addr_t end = addr + bytes;

	for (; addr < end; addr += ROWSTAT_PAGE_SIZE, va += ROWSTAT_PAGE_SIZE) {
		struct rowstat_pt *pt = rowstat_pt_walk(ctx, va, true);

		if (!pt)
			return -ENOMEM;
		WRITE_ONCE(pt->cpu[ROWSTAT_PT_INDEX(va, 0)],
			   cpu_to_le64((addr & ROWSTAT_PTE_ADDR_MASK) | ROWSTAT_PTE_VALID |
				       access));
	}
	return 0;
}

static int rowstat_pt_fill(struct rowstat_ctx *ctx, u64 va, struct sg_table *sgt,
			   u64 access)
{
	struct scatterlist *sg;
	u64 at = va;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (rowstat_pt_fill_range(ctx, at, sg_dma_address(sg), sg_dma_len(sg),
					  access)) {
			rowstat_pt_clear(ctx, va, at + sg_dma_len(sg) - va);
			return -ENOMEM;
		}
		at += sg_dma_len(sg);
	}
	return 0;
}

/*
 * Maps a buffer into a context at a VA of the kernel's choosing, with an
 * unmapped guard page after it so that an overrun faults.
 */
int rowstat_mmu_map(struct rowstat_mapping *map)
{
	struct drm_gem_shmem_object *shmem = &map->bo->base;
	struct rowstat_ctx *ctx = map->ctx;
	size_t size = shmem->base.size;
	struct sg_table *sgt;
	int ret;

	sgt = drm_gem_shmem_get_pages_sgt(shmem);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	mutex_lock(&ctx->pt_lock);
	ret = drm_mm_insert_node_generic(&ctx->va, &map->node,
					 size + ROWSTAT_PAGE_SIZE,
					 ROWSTAT_PAGE_SIZE, 0, DRM_MM_INSERT_BEST);
	if (!ret) {
		ret = rowstat_pt_fill(ctx, map->node.start, sgt,
				      map->bo->read_only ? ROWSTAT_PTE_READ :
				      ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
		if (ret)
			drm_mm_remove_node(&map->node);
	}
	mutex_unlock(&ctx->pt_lock);
	if (!ret)
		map->mapped = true;
	return ret;
}

/* Drops the device's cached translations of ctx, if it holds a device context. */
static void rowstat_ctx_invalidate(struct rowstat_ctx *ctx)
{
	struct rowstat_device *rdev = ctx->rdev;
	unsigned long flags;

	spin_lock_irqsave(&rdev->ctx_lock, flags);
	if (ctx->slot >= 0)
		rowstat_write_live(rdev, ROWSTAT_REG_MMU_INVALIDATE, ctx->slot);
	spin_unlock_irqrestore(&rdev->ctx_lock, flags);
}

/* Unmaps, and drops the device's cached translations before the pages go. */
void rowstat_mmu_unmap(struct rowstat_mapping *map)
{
	struct rowstat_ctx *ctx = map->ctx;

	if (!map->mapped)
		return;
	mutex_lock(&ctx->pt_lock);
	rowstat_pt_clear(ctx, map->node.start, map->bo->base.base.size);
	rowstat_ctx_invalidate(ctx);
	drm_mm_remove_node(&map->node);
	mutex_unlock(&ctx->pt_lock);
	map->mapped = false;
}
