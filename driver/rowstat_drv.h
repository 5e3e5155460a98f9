/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rowstat.ko: the driver's shared types.  One file per concern:
 *   rowstat_drv.c     the DRM driver, ioctl table, open/close, PCI probe
 *   rowstat_hw.c      register access, bring-up, reset, interrupts
 *   rowstat_fw.c      firmware loading and the boot handshake
 *   rowstat_mmu.c     per-file device address spaces and page tables
 *   rowstat_gem.c     buffers
 *   rowstat_job.c     submission, drm_sched, completion, recovery
 *   rowstat_debugfs.c debugfs and fdinfo
 *   rowstat_devlink.c devlink info, health reporters and flash
 */
#ifndef ROWSTAT_DRV_H
#define ROWSTAT_DRV_H

#include <linux/atomic.h>
#include <linux/dma-fence.h>
#include <linux/io.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_mm.h>
#include <drm/gpu_scheduler.h>

#include <rowstat_accel.h>
#include <rowstat_mmu.h>
#include <rowstat_regs.h>
#include <rowstat_ring.h>
#include <rs_hw_fw.h>

#include "rowstat_config.h"

#define ROWSTAT_RING_ORDER	6	/* 64 descriptors per ring */
#define ROWSTAT_RING_ENTRIES	BIT(ROWSTAT_RING_ORDER)
/* Device VAs the kernel hands out: the first 1 MiB stays unmapped. */
#define ROWSTAT_VA_START	BIT_ULL(20)

struct rowstat_device;
struct rowstat_job;
struct rowstat_pt;

/* One device ring: a drm_sched instance feeding a descriptor ring. */
struct rowstat_ring {
	struct rowstat_device *rdev;
	unsigned int index;
	struct drm_gpu_scheduler sched;
	char name[16];

	struct rowstat_job_desc *desc;	/* ROWSTAT_RING_ENTRIES, coherent */
	dma_addr_t desc_dma;
	__le64 *fence_cpu;		/* where the device writes seqnos */
	dma_addr_t fence_dma;
	u64 fence_context;

	/*
	 * lock guards tail, seqno, the pending list and the fences' signalling
	 * (it is their dma_fence lock); taken from the interrupt handlers.
	 */
	spinlock_t lock;
	u32 tail;			/* free-running, as the doorbell */
	u64 seqno;			/* last one emitted */
	struct list_head pending;	/* jobs on the device, oldest first */
};

/*
 * A file's device address space.  It holds one of the device's contexts
 * only while it has jobs: bound when a job is about to run, and given to
 * another address space once none of its jobs is left (rowstat_ctx_bind).
 */
struct rowstat_ctx {
	struct kref ref;
	struct rowstat_device *rdev;
	/* Under rdev->ctx_lock: the device's context, or -1; the jobs holding it. */
	int slot;
	unsigned int slot_users;
	struct list_head lru;		/* in rdev->ctx_lru while it holds one */
	struct list_head link;		/* in rdev->ctx_list */

	/* pt_lock guards the page tables and the VA allocator. */
	struct mutex pt_lock;
	struct drm_mm va;
	struct rowstat_pt *root;	/* the level-2 table */

	/*
	 * Where the device writes each job's statistics: one record per ring
	 * entry, mapped at stats_va in this context.
	 */
	struct rowstat_job_stats *stats_cpu;
	dma_addr_t stats_dma;
	struct drm_mm_node stats_node;
	u64 stats_va;

	bool guilty;			/* a job faulted or hung: refuse submits */
	atomic_t faults;
	u64 fault_va;

	/* Per ring: device cycles and time on the device, for fdinfo. */
	atomic64_t cycles[ROWSTAT_MAX_RINGS];
	atomic64_t busy_ns[ROWSTAT_MAX_RINGS];
	atomic64_t jobs;
	u32 client_id;
};

/* Per open file. */
struct rowstat_file {
	struct rowstat_device *rdev;
	struct rowstat_ctx *ctx;
	struct drm_sched_entity entity[ROWSTAT_MAX_RINGS];
};

/* A buffer's mapping into one context (per handle-holding file). */
struct rowstat_mapping {
	struct list_head link;		/* in rowstat_bo.mappings */
	struct kref ref;		/* the file's handle, and each job */
	struct rowstat_bo *bo;
	struct rowstat_ctx *ctx;
	struct drm_mm_node node;
	bool mapped;
};

struct rowstat_bo {
	struct drm_gem_shmem_object base;
	bool read_only;			/* for the device; set before any mapping */
	/* mappings_lock guards the list of this buffer's mappings. */
	struct mutex mappings_lock;
	struct list_head mappings;
};

static inline struct rowstat_bo *to_rowstat_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct rowstat_bo, base);
}

/* devlink health reporters. */
enum rowstat_health_kind {
	ROWSTAT_HEALTH_MMU_FAULT,
	ROWSTAT_HEALTH_TIMEOUT,
	ROWSTAT_HEALTH_FIRMWARE,
	ROWSTAT_HEALTH_COUNT,
};

/* What a reporter's dump shows of its last event. */
struct rowstat_health_event {
	u64 va;			/* faulting VA */
	u64 seqno;		/* the job's */
	u32 context;
	u32 ring;
	u32 info;		/* FAULT_INFO, or FW_STATUS */
	u32 fw_version;
};

/* What health reporting counts (debugfs, devlink). */
struct rowstat_counters {
	atomic64_t submitted;
	atomic64_t completed;
	atomic64_t failed;
	atomic64_t faults;
	atomic64_t timeouts;
	atomic64_t resets;
	atomic64_t fw_crashes;
	atomic64_t ctx_evictions;	/* a context taken from an idle address space */
	atomic64_t ctx_waits;		/* a job waited: every context had jobs */
};

struct rowstat_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *regs;

	struct rs_hw_params hw;		/* capability registers, then firmware */
	u32 hw_version;
	u32 cmd_version;
	u32 fw_abi;
	u32 rings;
	u32 contexts;
	u32 va_bits;
	u32 fw_version;			/* 0 until a firmware runs */

	/* The firmware image, kept in DMA memory to boot again after a reset. */
	void *fw_cpu;
	dma_addr_t fw_dma;
	size_t fw_size;
	char fw_name[64];

	struct rowstat_ring ring[ROWSTAT_MAX_RINGS];
	unsigned int job_timeout_ms;

	/*
	 * ctx_lock guards the device's contexts and which address space holds
	 * each; taken from the interrupt handlers (a job's end releases its
	 * context).  ctx_list_lock guards the list of every address space,
	 * which debugfs walks: a walk as long as the open files are many
	 * keeps interrupts on.
	 */
	spinlock_t ctx_lock;
	struct rowstat_ctx *ctx_slot[ROWSTAT_MAX_CONTEXTS];
	struct list_head ctx_lru;	/* address spaces holding one, least recent first */
	struct mutex ctx_list_lock;
	struct list_head ctx_list;	/* every address space */
	/* While jobs wait for a device context: signalled when one frees. */
	struct dma_fence *ctx_freed;
	u64 ctx_fence_context, ctx_fence_seqno;

	/* reset_lock serialises recovery against itself and against removal. */
	struct mutex reset_lock;
	bool fw_crashed;		/* the firmware stopped: no job is guilty */
	/*
	 * Every recovery runs on reset_wq, one at a time: each ring's timeout,
	 * a firmware crash, a flash.  A recovery stops every scheduler, which
	 * cancels the other rings' timeouts still queued behind it: they
	 * timed out waiting on the same fault, and must not reset again.
	 */
	struct workqueue_struct *reset_wq;
	struct work_struct crash_work;
	struct work_struct recover_work;
	int recover_ret;

	struct rowstat_counters count;
	struct dentry *debugfs;

	struct devlink *devlink;
	struct devlink_health_reporter *health[ROWSTAT_HEALTH_COUNT];
	/* health_lock guards the pending events; taken in interrupts. */
	spinlock_t health_lock;
	unsigned long health_pending;
	struct rowstat_health_event health_last[ROWSTAT_HEALTH_COUNT];
	struct work_struct health_work;
};

static inline struct rowstat_device *to_rowstat_device(struct drm_device *drm)
{
	return container_of(drm, struct rowstat_device, drm);
}

static inline u32 rowstat_read(struct rowstat_device *rdev, u32 reg)
{
	return readl(rdev->regs + reg);
}

static inline void rowstat_write(struct rowstat_device *rdev, u32 reg, u32 val)
{
	writel(val, rdev->regs + reg);
}

/*
 * A write from a path that can run after removal (a file closed late, a
 * job freed late): skipped once the device is gone.
 */
static inline void rowstat_write_live(struct rowstat_device *rdev, u32 reg, u32 val)
{
	int idx;

	if (drm_dev_enter(&rdev->drm, &idx)) {
		rowstat_write(rdev, reg, val);
		drm_dev_exit(idx);
	}
}

/* rowstat_hw.c */
int rowstat_hw_probe(struct rowstat_device *rdev);
int rowstat_hw_start(struct rowstat_device *rdev);
int rowstat_hw_reset(struct rowstat_device *rdev);
void rowstat_hw_stop(struct rowstat_device *rdev);
int rowstat_irq_init(struct rowstat_device *rdev);
void rowstat_irq_fini(struct rowstat_device *rdev);
void rowstat_hw_ring_doorbell(struct rowstat_ring *ring);

/* rowstat_fw.c */
int rowstat_fw_load(struct rowstat_device *rdev, const char *name);
int rowstat_fw_replace(struct rowstat_device *rdev, const u8 *data, size_t size,
		       const char **why);
int rowstat_fw_boot(struct rowstat_device *rdev);
void rowstat_fw_fini(struct rowstat_device *rdev);

/* rowstat_mmu.c */
struct rowstat_ctx *rowstat_ctx_create(struct rowstat_device *rdev);
void rowstat_ctx_put(struct rowstat_ctx *ctx);
int rowstat_ctx_bind(struct rowstat_ctx *ctx, struct dma_fence **wait);
void rowstat_ctx_unbind(struct rowstat_ctx *ctx);
void rowstat_ctx_waiters_fini(struct rowstat_device *rdev);
void rowstat_mmu_program_all(struct rowstat_device *rdev);
int rowstat_mmu_map(struct rowstat_mapping *map);
void rowstat_mmu_unmap(struct rowstat_mapping *map);

/* rowstat_gem.c */
struct drm_gem_object *rowstat_gem_create_object(struct drm_device *drm, size_t size);
struct rowstat_mapping *rowstat_bo_mapping_get(struct rowstat_bo *bo,
					       struct rowstat_ctx *ctx);
void rowstat_mapping_put(struct rowstat_mapping *map);
int rowstat_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int rowstat_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);
int rowstat_ioctl_bo_wait(struct drm_device *drm, void *data, struct drm_file *file);

/* rowstat_job.c */
int rowstat_sched_init(struct rowstat_device *rdev);
void rowstat_sched_fini(struct rowstat_device *rdev);
int rowstat_file_entities_init(struct rowstat_file *rfile);
void rowstat_file_entities_fini(struct rowstat_file *rfile);
int rowstat_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file);
void rowstat_ring_complete(struct rowstat_ring *ring);
void rowstat_job_error(struct rowstat_device *rdev);
void rowstat_fw_crashed(struct rowstat_device *rdev);
int rowstat_device_recover(struct rowstat_device *rdev);
void rowstat_fail_all_pending(struct rowstat_device *rdev, int error, bool final);

/* rowstat_devlink.c */
int rowstat_devlink_init(struct rowstat_device *rdev);
void rowstat_devlink_fini(struct rowstat_device *rdev);
void rowstat_health_event(struct rowstat_device *rdev, enum rowstat_health_kind kind,
			  const struct rowstat_health_event *ev);

/* rowstat_debugfs.c */
void rowstat_debugfs_init(struct rowstat_device *rdev);
void rowstat_debugfs_fini(struct rowstat_device *rdev);
void rowstat_debugfs_exit(void);
#ifdef HAVE_DRM_SHOW_FDINFO
void rowstat_show_fdinfo(struct drm_printer *p, struct drm_file *file);
#else
void rowstat_show_fdinfo_legacy(struct seq_file *m, struct file *f);
#endif

#endif /* ROWSTAT_DRV_H */
