// SPDX-License-Identifier: GPL-2.0-only
/*
 * rowstat: telemetry.  DRM fdinfo (Documentation/gpu/drm-usage-stats.rst)
 * and debugfs: /sys/kernel/debug/rowstat/<PCI address>/{rings,contexts,
 * counters,firmware}.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include <drm/drm_print.h>

#include "rowstat_drv.h"

static struct dentry *rowstat_debugfs_root;

static void rowstat_fdinfo_engines(struct drm_printer *p, struct rowstat_ctx *ctx)
{
	struct rowstat_device *rdev = ctx->rdev;
	int slot = READ_ONCE(ctx->slot);
	unsigned int n;

	for (n = 0; n < rdev->rings; n++) {
		drm_printf(p, "drm-engine-ring%u:\t%llu ns\n", n,
			   (u64)atomic64_read(&ctx->busy_ns[n]));
		drm_printf(p, "drm-cycles-ring%u:\t%llu\n", n,
			   (u64)atomic64_read(&ctx->cycles[n]));
		drm_printf(p, "drm-maxfreq-ring%u:\t%u kHz\n", n, rdev->hw.clock_khz);
	}
	/* The device context it holds now: it takes one when it has jobs. */
	if (slot >= 0)
		drm_printf(p, "rowstat-context:\t%d\n", slot);
	else
		drm_printf(p, "rowstat-context:\tnone\n");
	drm_printf(p, "rowstat-jobs:\t%llu\n", (u64)atomic64_read(&ctx->jobs));
	drm_printf(p, "rowstat-guilty:\t%u\n", READ_ONCE(ctx->guilty));
}

#ifdef HAVE_DRM_SHOW_FDINFO
/* The DRM core prints drm-driver, drm-client-id and drm-pdev first. */
void rowstat_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct rowstat_file *rfile = file->driver_priv;

	rowstat_fdinfo_engines(p, rfile->ctx);
#ifdef HAVE_DRM_SHOW_MEMORY_STATS
	drm_show_memory_stats(p, file);
#endif
}
#else
/* 6.1: the driver prints every key itself. */
void rowstat_show_fdinfo_legacy(struct seq_file *m, struct file *f)
{
	struct drm_file *file = f->private_data;
	struct rowstat_file *rfile = file->driver_priv;
	struct drm_printer p = drm_seq_file_printer(m);

	drm_printf(&p, "drm-driver:\t%s\n", ROWSTAT_DRIVER_NAME);
	drm_printf(&p, "drm-pdev:\t%s\n", pci_name(rfile->rdev->pdev));
	drm_printf(&p, "drm-client-id:\t%u\n", rfile->ctx->client_id);
	rowstat_fdinfo_engines(&p, rfile->ctx);
}
#endif

static int rowstat_rings_show(struct seq_file *m, void *unused)
{
	struct rowstat_device *rdev = m->private;
	unsigned int n;

	for (n = 0; n < rdev->rings; n++) {
		struct rowstat_ring *ring = &rdev->ring[n];
		struct list_head *pos;
		unsigned int pending = 0;
		unsigned long flags;
		u64 seqno, fence;
		u32 tail;

		spin_lock_irqsave(&ring->lock, flags);
		list_for_each(pos, &ring->pending)
			pending++;
		seqno = ring->seqno;
		tail = ring->tail;
		fence = le64_to_cpu(READ_ONCE(*ring->fence_cpu));
		spin_unlock_irqrestore(&ring->lock, flags);
		seq_printf(m, "ring%u: seqno %llu fence %llu on-device %u tail %u head %u status 0x%08x\n",
			   n, seqno, fence, pending, tail,
			   rowstat_read(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_HEAD)),
			   rowstat_read(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_STATUS)));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rowstat_rings);

static int rowstat_contexts_show(struct seq_file *m, void *unused)
{
	struct rowstat_device *rdev = m->private;
	struct rowstat_ctx *ctx;
	unsigned long flags;
	unsigned int users;
	int slot;

	mutex_lock(&rdev->ctx_list_lock);
	list_for_each_entry(ctx, &rdev->ctx_list, link) {
		spin_lock_irqsave(&rdev->ctx_lock, flags);
		slot = ctx->slot;
		users = ctx->slot_users;
		spin_unlock_irqrestore(&rdev->ctx_lock, flags);
		if (slot >= 0)
			seq_printf(m, "context%d: ", slot);
		else
			seq_puts(m, "unbound: ");
		seq_printf(m, "client %u jobs %llu holders %u guilty %u faults %d last-fault-va 0x%llx\n",
			   ctx->client_id, (u64)atomic64_read(&ctx->jobs), users,
			   READ_ONCE(ctx->guilty), atomic_read(&ctx->faults),
			   READ_ONCE(ctx->fault_va));
	}
	mutex_unlock(&rdev->ctx_list_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rowstat_contexts);

static int rowstat_counters_show(struct seq_file *m, void *unused)
{
	struct rowstat_device *rdev = m->private;
	struct rowstat_counters *c = &rdev->count;

	seq_printf(m, "submitted %llu\ncompleted %llu\nfailed %llu\nmmu-faults %llu\n"
		   "timeouts %llu\nresets %llu\nfirmware-crashes %llu\ncontext-evictions %llu\n"
		   "context-waits %llu\n",
		   (u64)atomic64_read(&c->submitted), (u64)atomic64_read(&c->completed),
		   (u64)atomic64_read(&c->failed), (u64)atomic64_read(&c->faults),
		   (u64)atomic64_read(&c->timeouts), (u64)atomic64_read(&c->resets),
		   (u64)atomic64_read(&c->fw_crashes), (u64)atomic64_read(&c->ctx_evictions),
		   (u64)atomic64_read(&c->ctx_waits));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rowstat_counters);

static int rowstat_firmware_show(struct seq_file *m, void *unused)
{
	struct rowstat_device *rdev = m->private;
	u32 status = rowstat_read(rdev, ROWSTAT_REG_FW_STATUS);

	seq_printf(m, "name %s\nbytes %zu\nversion %u.%u\nstate %u\nerror %s\nheartbeat %u\n",
		   rdev->fw_name, rdev->fw_size,
		   ROWSTAT_VERSION_MAJOR(rdev->fw_version),
		   ROWSTAT_VERSION_MINOR(rdev->fw_version), ROWSTAT_FW_STATE(status),
		   rs_hw_fw_error_name(ROWSTAT_FW_ERROR(status)),
		   rowstat_read(rdev, ROWSTAT_REG_HEARTBEAT));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rowstat_firmware);

void rowstat_debugfs_init(struct rowstat_device *rdev)
{
	struct dentry *dir;

	if (!rowstat_debugfs_root)
		rowstat_debugfs_root = debugfs_create_dir(ROWSTAT_DRIVER_NAME, NULL);
	dir = debugfs_create_dir(pci_name(rdev->pdev), rowstat_debugfs_root);
	rdev->debugfs = dir;
	debugfs_create_file("rings", 0400, dir, rdev, &rowstat_rings_fops);
	debugfs_create_file("contexts", 0400, dir, rdev, &rowstat_contexts_fops);
	debugfs_create_file("counters", 0400, dir, rdev, &rowstat_counters_fops);
	debugfs_create_file("firmware", 0400, dir, rdev, &rowstat_firmware_fops);
}

void rowstat_debugfs_fini(struct rowstat_device *rdev)
{
	debugfs_remove_recursive(rdev->debugfs);
	rdev->debugfs = NULL;
}

/* The driver's directory goes with the module. */
void rowstat_debugfs_exit(void)
{
	debugfs_remove_recursive(rowstat_debugfs_root);
	rowstat_debugfs_root = NULL;
}
