// SPDX-License-Identifier: GPL-2.0-only
/*
 * rowstat: jobs.  SUBMIT builds a job from the file's buffers and syncobjs
 * and hands it to drm_sched; each device ring has its own scheduler, and
 * SUBMIT's priority picks the ring.  run_job writes a descriptor and rings
 * the doorbell; the ring's MSI-X vector signals the hardware fences from
 * the fence value the device writes (docs/hardware.md section 5).
 *
 * The device writes each job's statistics into the context's statistics
 * area (one slot per ring entry, mapped in the context like a buffer); the
 * completion handler takes the cycles from there for fdinfo and copies the
 * record to the caller's statistics buffer before the fence signals.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/iosys-map.h>
#include <linux/slab.h>

#include <drm/drm_gem.h>
#include <drm/drm_syncobj.h>

#include "rowstat_drv.h"

struct rowstat_job {
	struct drm_sched_job base;
	struct rowstat_device *rdev;
	struct rowstat_ring *ring;
	struct rowstat_ctx *ctx;

	/* Every buffer the job touches, each with its mapping held. */
	struct drm_gem_object **bos;
	struct rowstat_mapping **maps;
	unsigned int bo_count;

	u64 stream_va;
	u32 stream_bytes;
	struct iosys_map stats_map;	/* the caller's statistics, or null */
	struct drm_gem_object *stats_bo;

	/* Set by run_job, under ring->lock. */
	struct dma_fence *hw_fence;
	struct list_head link;		/* in ring->pending */
	u64 seqno;
	unsigned int slot;		/* descriptor index */
	ktime_t start;

	/* It holds its address space's device context (rowstat_ctx_bind). */
	bool holds_ctx;
	/* It ended for good: a resubmission after a reset must not run it again. */
	bool retired;
};

static inline struct rowstat_job *to_rowstat_job(struct drm_sched_job *job)
{
	return container_of(job, struct rowstat_job, base);
}

static const char *rowstat_fence_driver_name(struct dma_fence *fence)
{
	return ROWSTAT_DRIVER_NAME;
}

static const char *rowstat_fence_timeline_name(struct dma_fence *fence)
{
	return "rowstat-ring";
}

static const struct dma_fence_ops rowstat_fence_ops = {
	.get_driver_name = rowstat_fence_driver_name,
	.get_timeline_name = rowstat_fence_timeline_name,
};

/* The statistics slot of a descriptor in a context's statistics area. */
static struct rowstat_job_stats *rowstat_stats_slot(struct rowstat_ctx *ctx,
						    unsigned int ring,
						    unsigned int slot)
{
	return &ctx->stats_cpu[ring * ROWSTAT_RING_ENTRIES + slot];
}

static u64 rowstat_stats_slot_va(struct rowstat_ctx *ctx, unsigned int ring,
				 unsigned int slot)
{
	return ctx->stats_va + (u64)(ring * ROWSTAT_RING_ENTRIES + slot) *
	       sizeof(struct rowstat_job_stats);
}

/* Cycles the scheduler's timeout allows: the job ends itself first. */
static u64 rowstat_cycle_budget(struct rowstat_device *rdev)
{
	return (u64)rdev->job_timeout_ms * rdev->hw.clock_khz;
}

/* The record of a job the kernel ended before the device wrote one. */
static void rowstat_stats_cancelled(struct rowstat_job_stats *stats)
{
	stats->version = cpu_to_le32(ROWSTAT_STATS_VERSION);
	stats->status = cpu_to_le32(ROWSTAT_ERR_CANCELLED);
	stats->error_offset = cpu_to_le32(ROWSTAT_NO_OFFSET);
}

/* The job's hold on its device context ends, once: it will not run (again). */
static void rowstat_job_release_ctx(struct rowstat_job *job)
{
	if (job->holds_ctx) {
		job->holds_ctx = false;
		rowstat_ctx_unbind(job->ctx);
	}
}

/*
 * A job that will not run: the guilty job of a reset, or any job once the
 * device is gone.  It gets a CANCELLED statistics record and a signalled
 * fence carrying the error, which every drm_sched version passes on (and
 * on the scheduler's fence itself, which drm_sched before 6.4 does not).
 */
static struct dma_fence *rowstat_job_skip(struct rowstat_job *job,
					  struct dma_fence *fence, int error)
{
	struct rowstat_ring *ring = job->ring;
	struct rowstat_job_stats cancelled = { 0 };

	rowstat_job_release_ctx(job);
	rowstat_stats_cancelled(&cancelled);
	if (!iosys_map_is_null(&job->stats_map))
		iosys_map_memcpy_to(&job->stats_map, 0, &cancelled, sizeof(cancelled));
	atomic64_inc(&job->rdev->count.failed);
	dma_fence_init(fence, &rowstat_fence_ops, &ring->lock, ring->fence_context,
		       job->seqno);
	dma_fence_set_error(fence, error);
	dma_fence_set_error(&job->base.s_fence->finished, error);
	dma_fence_signal(fence);
	dma_fence_put(job->hw_fence);
	job->hw_fence = dma_fence_get(fence);
	return fence;
}

/*
 * The scheduler's last wait before run_job: the job's address space needs
 * one of the device's contexts.  While every one of them has jobs, the job
 * waits for one to free (rowstat_ctx_bind's fence) and asks again.
 */
static struct dma_fence *rowstat_prepare_job(struct drm_sched_job *sched_job,
					     struct drm_sched_entity *entity)
{
	struct rowstat_job *job = to_rowstat_job(sched_job);
	struct rowstat_device *rdev = job->rdev;
	struct dma_fence *wait = NULL;
	int ret;

	if (job->holds_ctx)
		return NULL;
#ifndef HAVE_DRM_SCHED_PREPARE_JOB
	/* 6.1 asks too when it kills a closed file's queued jobs, which never run. */
	if (current != sched_job->sched->thread)
		return NULL;
#endif
	/* A job that will not run needs none: run_job skips it. */
	if (sched_job->s_fence->finished.error || drm_dev_is_unplugged(&rdev->drm))
		return NULL;
	ret = rowstat_ctx_bind(job->ctx, &wait);
	if (!ret) {
		job->holds_ctx = true;
		return NULL;
	}
	atomic64_inc(&rdev->count.ctx_waits);
	if (wait)
		return wait;
	/* No memory for the fence: the oldest job on a ring ends first. */
	for (unsigned int n = 0; n < rdev->rings && !wait; n++) {
		struct rowstat_ring *ring = &rdev->ring[n];
		struct rowstat_job *oldest;
		unsigned long flags;

		spin_lock_irqsave(&ring->lock, flags);
		oldest = list_first_entry_or_null(&ring->pending, struct rowstat_job, link);
		if (oldest)
			wait = dma_fence_get(oldest->hw_fence);
		spin_unlock_irqrestore(&ring->lock, flags);
	}
	return wait ? wait : dma_fence_get_stub();
}

static struct dma_fence *rowstat_run_job(struct drm_sched_job *sched_job)
{
	struct rowstat_job *job = to_rowstat_job(sched_job);
	struct rowstat_ring *ring = job->ring;
	struct rowstat_job_desc *desc;
	struct dma_fence *fence;
	unsigned long flags;
	int idx;

	/* It ended just before a reset stopped its scheduler: ended it stays. */
	if (job->retired)
		return dma_fence_get(job->hw_fence);
	fence = kzalloc(sizeof(*fence), GFP_KERNEL);
	if (!fence)
		return ERR_PTR(-ENOMEM);
	if (unlikely(job->base.s_fence->finished.error))
		return rowstat_job_skip(job, fence, job->base.s_fence->finished.error);
	/* After removal nothing reaches the device: unplug waits for us. */
	if (!drm_dev_enter(&job->rdev->drm, &idx))
		return rowstat_job_skip(job, fence, -ENODEV);
	/* rowstat_prepare_job bound the context; nothing runs without one. */
	if (WARN_ON(!job->holds_ctx)) {
		drm_dev_exit(idx);
		return rowstat_job_skip(job, fence, -EIO);
	}

	spin_lock_irqsave(&ring->lock, flags);
	job->seqno = ++ring->seqno;
	job->slot = ring->tail % ROWSTAT_RING_ENTRIES;
	dma_fence_init(fence, &rowstat_fence_ops, &ring->lock,
		       ring->fence_context, job->seqno);
	dma_fence_put(job->hw_fence);
	job->hw_fence = dma_fence_get(fence);

	desc = &ring->desc[job->slot];
	memset(desc, 0, sizeof(*desc));
	desc->opcode = cpu_to_le32(ROWSTAT_DESC_RUN);
	desc->flags = cpu_to_le32(ROWSTAT_DESC_IRQ);
	desc->seqno = cpu_to_le64(job->seqno);
	desc->stream_va = cpu_to_le64(job->stream_va);
	desc->stream_bytes = cpu_to_le32(job->stream_bytes);
	desc->context = cpu_to_le16(job->ctx->slot);
	desc->stats_va = cpu_to_le64(rowstat_stats_slot_va(job->ctx, ring->index,
							   job->slot));
	desc->cycle_budget = cpu_to_le64(rowstat_cycle_budget(job->rdev));
	memset(rowstat_stats_slot(job->ctx, ring->index, job->slot), 0,
	       sizeof(struct rowstat_job_stats));
	/* The descriptor is in memory before the doorbell publishes it. */
	dma_wmb();
	ring->tail++;
	list_add_tail(&job->link, &ring->pending);
	job->start = ktime_get();
	rowstat_hw_ring_doorbell(ring);
	spin_unlock_irqrestore(&ring->lock, flags);
	drm_dev_exit(idx);
	return fence;
}

/*
 * Ends a job on the device: statistics out, fence signalled.  ring->lock.
 * A job a reset took off the device (!final) runs again: only its hardware
 * fence ends.  A final error also goes on the scheduler's fence, which
 * drm_sched before 6.4 does not do.
 */
static void rowstat_job_retire(struct rowstat_ring *ring, struct rowstat_job *job,
			       int error, bool final)
{
	struct rowstat_ctx *ctx = job->ctx;
	struct rowstat_job_stats *stats;

	list_del_init(&job->link);
	if (!final) {
		/* It runs again after the reset: nothing to report yet. */
		dma_fence_set_error(job->hw_fence, error);
		dma_fence_signal_locked(job->hw_fence);
		return;
	}
	job->retired = true;
	rowstat_job_release_ctx(job);
	stats = rowstat_stats_slot(ctx, ring->index, job->slot);
	/* Ended by the kernel (a reset) before the device wrote anything. */
	if (error && !stats->version)
		rowstat_stats_cancelled(stats);
	if (!iosys_map_is_null(&job->stats_map))
		iosys_map_memcpy_to(&job->stats_map, 0, stats, sizeof(*stats));
	atomic64_add(le64_to_cpu(READ_ONCE(stats->cycles)), &ctx->cycles[ring->index]);
	atomic64_add(ktime_to_ns(ktime_sub(ktime_get(), job->start)),
		     &ctx->busy_ns[ring->index]);
	atomic64_inc(&ctx->jobs);
	if (error) {
		atomic64_inc(&ring->rdev->count.failed);
		dma_fence_set_error(job->hw_fence, error);
		dma_fence_set_error(&job->base.s_fence->finished, error);
	} else {
		atomic64_inc(&ring->rdev->count.completed);
	}
	dma_fence_signal_locked(job->hw_fence);
}

/* The ring's vector: every job up to the fence value is done. */
void rowstat_ring_complete(struct rowstat_ring *ring)
{
	struct rowstat_job *job, *next;
	unsigned long flags;
	u64 done;

	spin_lock_irqsave(&ring->lock, flags);
	done = le64_to_cpu(READ_ONCE(*ring->fence_cpu));
	list_for_each_entry_safe(job, next, &ring->pending, link) {
		if (job->seqno > done)
			break;
		rowstat_job_retire(ring, job, 0, true);
	}
	spin_unlock_irqrestore(&ring->lock, flags);
}

/*
 * JOB_ERROR: a halted ring's failed job gets its error, the jobs before it
 * completed, and the ring goes on with the next entry.
 */
void rowstat_job_error(struct rowstat_device *rdev)
{
	unsigned int n;

	for (n = 0; n < rdev->rings; n++) {
		struct rowstat_ring *ring = &rdev->ring[n];
		u32 status = rowstat_read(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_STATUS));
		struct rowstat_job *job, *next;
		unsigned long flags;
		u64 seq;

		if (!(status & ROWSTAT_RING_STATUS_HALTED))
			continue;
		seq = rowstat_read(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_ERR_SEQ_LO)) |
		      (u64)rowstat_read(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_ERR_SEQ_HI)) << 32;
		rowstat_ring_complete(ring);
		spin_lock_irqsave(&ring->lock, flags);
		list_for_each_entry_safe(job, next, &ring->pending, link) {
			int err;

			if (job->seqno != seq)
				continue;
			err = rs_hw_status_errno(ROWSTAT_RING_STATUS_ERROR(status));
			/* A failure that names no error: the device contradicts itself. */
			if (!err)
				err = -EIO;
			if (err == -EFAULT)
				WRITE_ONCE(job->ctx->guilty, true);
			rowstat_job_retire(ring, job, err, true);
			break;
		}
		spin_unlock_irqrestore(&ring->lock, flags);
		rowstat_write(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_CTRL),
			      rowstat_read(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_CTRL)) |
			      ROWSTAT_RING_CTRL_RESUME);
	}
}

/*
 * Every job on the device ends with error: for good (removal), or only on
 * the device, to run again (reset).
 */
void rowstat_fail_all_pending(struct rowstat_device *rdev, int error, bool final)
{
	unsigned int n;

	for (n = 0; n < rdev->rings; n++) {
		struct rowstat_ring *ring = &rdev->ring[n];
		struct rowstat_job *job, *next;
		unsigned long flags;

		spin_lock_irqsave(&ring->lock, flags);
		list_for_each_entry_safe(job, next, &ring->pending, link)
			rowstat_job_retire(ring, job, error, final);
		spin_unlock_irqrestore(&ring->lock, flags);
	}
}

static void rowstat_sched_start(struct drm_gpu_scheduler *sched)
{
#ifdef HAVE_DRM_SCHED_START_NO_RECOVERY
	drm_sched_start(sched);
#else
	drm_sched_start(sched, true);
#endif
}

/*
 * A stop and start of one scheduler: it takes the job back (and frees it
 * if it has ended), with no reset.
 */
static void rowstat_sched_restart(struct rowstat_device *rdev, struct rowstat_job *job)
{
	struct drm_gpu_scheduler *sched = &job->ring->sched;
	struct drm_sched_job *s_job;

	mutex_lock(&rdev->reset_lock);
	drm_sched_stop(sched, &job->base);
	/*
	 * The stop dropped the hardware fence of every job still on the
	 * device, and a start would end them as if done, their buffers and
	 * device context freed under the device: give the fences back.
	 */
	spin_lock(&sched->job_list_lock);
	list_for_each_entry(s_job, &sched->pending_list, list)
		if (!s_job->s_fence->parent)
			s_job->s_fence->parent = dma_fence_get(to_rowstat_job(s_job)->hw_fence);
	spin_unlock(&sched->job_list_lock);
	rowstat_sched_start(sched);
	mutex_unlock(&rdev->reset_lock);
}

/*
 * Recovery: stop every scheduler, reset the device (after which it touches
 * no host memory), boot the firmware again, and run again every job that
 * was queued or on the device, except the guilty one.  timed_out is the
 * job whose timer fired (NULL after a firmware crash): drm_sched took it off
 * its list and drm_sched_stop() puts it back.
 */
static int rowstat_recover(struct rowstat_device *rdev, struct rowstat_job *timed_out,
			   struct rowstat_job *guilty)
{
	unsigned int n;
	int ret;

	mutex_lock(&rdev->reset_lock);
	for (n = 0; n < rdev->rings; n++)
		drm_sched_stop(&rdev->ring[n].sched,
			       timed_out && timed_out->ring == &rdev->ring[n] ?
			       &timed_out->base : NULL);
	if (guilty) {
		WRITE_ONCE(guilty->ctx->guilty, true);
		dma_fence_set_error(&guilty->base.s_fence->finished, -ETIMEDOUT);
	}
	rowstat_write(rdev, ROWSTAT_REG_IRQ_MASK, 0);
	rowstat_hw_reset(rdev);
	/* The device no longer runs them: their hardware fences end here. */
	rowstat_fail_all_pending(rdev, -ECANCELED, false);
	atomic64_inc(&rdev->count.resets);
	rdev->fw_crashed = false;
	ret = rowstat_hw_start(rdev);
	if (ret)
		drm_err(&rdev->drm, "the device did not come back after a reset\n");
	for (n = 0; n < rdev->rings; n++) {
		drm_sched_resubmit_jobs(&rdev->ring[n].sched);
		rowstat_sched_start(&rdev->ring[n].sched);
	}
	mutex_unlock(&rdev->reset_lock);
	return ret;
}

static void rowstat_recover_work(struct work_struct *work)
{
	struct rowstat_device *rdev = container_of(work, struct rowstat_device,
						   recover_work);

	rdev->recover_ret = rowstat_recover(rdev, NULL, NULL);
}

/*
 * A reset with no job to blame (a new firmware image), queued behind the
 * timeouts and crashes in flight, and waited for.
 */
int rowstat_device_recover(struct rowstat_device *rdev)
{
	queue_work(rdev->reset_wq, &rdev->recover_work);
	flush_work(&rdev->recover_work);
	return rdev->recover_ret;
}

/*
 * The job executing on the device (RUNNING names its ring; it is that
 * ring's oldest job on the device), or NULL when none is.  One job runs at
 * a time, so a timed-out job may be innocent, waiting behind it.
 */
static struct rowstat_job *rowstat_running_job(struct rowstat_device *rdev)
{
	u32 running = rowstat_read(rdev, ROWSTAT_REG_RUNNING);
	struct rowstat_ring *ring;
	struct rowstat_job *job;
	unsigned long flags;

	if (!(running & ROWSTAT_RUNNING_VALID) ||
	    ROWSTAT_RUNNING_RING(running) >= rdev->rings)
		return NULL;
	ring = &rdev->ring[ROWSTAT_RUNNING_RING(running)];
	spin_lock_irqsave(&ring->lock, flags);
	job = list_first_entry_or_null(&ring->pending, struct rowstat_job, link);
	spin_unlock_irqrestore(&ring->lock, flags);
	return job;
}

static enum drm_gpu_sched_stat rowstat_timedout_job(struct drm_sched_job *sched_job)
{
	struct rowstat_job *job = to_rowstat_job(sched_job);
	struct rowstat_device *rdev = job->rdev;
	struct rowstat_job *guilty = NULL;

	int idx;

	/*
	 * It finished as the timer fired, or removal ended it: no reset, but
	 * the job goes back to its scheduler (which took it off its list) to
	 * be freed.
	 */
	if (dma_fence_is_signaled(job->hw_fence) || !drm_dev_enter(&rdev->drm, &idx)) {
		rowstat_sched_restart(rdev, job);
		return DRM_GPU_SCHED_STAT_NOMINAL;
	}
	if (READ_ONCE(rdev->fw_crashed)) {
		drm_warn(&rdev->drm, "firmware stopped: resetting the device\n");
	} else {
		guilty = rowstat_running_job(rdev);
		atomic64_inc(&rdev->count.timeouts);
		if (guilty) {
			struct rowstat_health_event ev = {
				.seqno = guilty->seqno,
				.ring = guilty->ring->index,
				.context = guilty->ctx->slot,
			};

			drm_warn(&rdev->drm, "job %llu on ring %u did not finish in %u ms: resetting the device\n",
				 guilty->seqno, guilty->ring->index, rdev->job_timeout_ms);
			rowstat_health_event(rdev, ROWSTAT_HEALTH_TIMEOUT, &ev);
		} else {
			drm_warn(&rdev->drm, "ring %u stalled, no job running: resetting\n",
				 job->ring->index);
		}
	}
	rowstat_recover(rdev, job, guilty);
	drm_dev_exit(idx);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void rowstat_crash_work(struct work_struct *work)
{
	struct rowstat_device *rdev = container_of(work, struct rowstat_device,
						   crash_work);
	unsigned int n;
	bool busy = false;
	int idx;

	if (!drm_dev_enter(&rdev->drm, &idx))
		return;
	/* A scheduler with work recovers through its timeout handler. */
	for (n = 0; n < rdev->rings; n++) {
		struct rowstat_ring *ring = &rdev->ring[n];

		if (!list_empty(&ring->pending)) {
			drm_sched_fault(&ring->sched);
			busy = true;
		}
	}
	if (!busy)
		rowstat_recover(rdev, NULL, NULL);
	drm_dev_exit(idx);
}

void rowstat_fw_crashed(struct rowstat_device *rdev)
{
	struct rowstat_health_event ev = {
		.info = rowstat_read(rdev, ROWSTAT_REG_FW_STATUS),
	};

	rowstat_health_event(rdev, ROWSTAT_HEALTH_FIRMWARE, &ev);
	atomic64_inc(&rdev->count.fw_crashes);
	WRITE_ONCE(rdev->fw_crashed, true);
	queue_work(rdev->reset_wq, &rdev->crash_work);
}

static void rowstat_job_put_resources(struct rowstat_job *job)
{
	unsigned int i;

	if (job->stats_bo) {
		if (!iosys_map_is_null(&job->stats_map))
#ifdef HAVE_DRM_GEM_VMAP_UNLOCKED
			drm_gem_vunmap_unlocked(job->stats_bo, &job->stats_map);
#else
			drm_gem_shmem_vunmap(to_drm_gem_shmem_obj(job->stats_bo),
					     &job->stats_map);
#endif
		drm_gem_object_put(job->stats_bo);
	}
	for (i = 0; i < job->bo_count; i++) {
		if (job->maps[i])
			rowstat_mapping_put(job->maps[i]);
		if (job->bos[i])
			drm_gem_object_put(job->bos[i]);
	}
	kvfree(job->maps);
	kvfree(job->bos);
	if (job->ctx)
		rowstat_ctx_put(job->ctx);
	dma_fence_put(job->hw_fence);
	kfree(job);
}

static void rowstat_free_job(struct drm_sched_job *sched_job)
{
	struct rowstat_job *job = to_rowstat_job(sched_job);

	drm_sched_job_cleanup(sched_job);
	rowstat_job_release_ctx(job);
	rowstat_job_put_resources(job);
}

static const struct drm_sched_backend_ops rowstat_sched_ops = {
#ifdef HAVE_DRM_SCHED_PREPARE_JOB
	.prepare_job = rowstat_prepare_job,
#else
	.dependency = rowstat_prepare_job,
#endif
	.run_job = rowstat_run_job,
	.timedout_job = rowstat_timedout_job,
	.free_job = rowstat_free_job,
};

int rowstat_sched_init(struct rowstat_device *rdev)
{
	long timeout = msecs_to_jiffies(rdev->job_timeout_ms);
	unsigned int n;
	int ret;

	rdev->reset_wq = alloc_ordered_workqueue("rowstat-reset", 0);
	if (!rdev->reset_wq)
		return -ENOMEM;
	INIT_WORK(&rdev->crash_work, rowstat_crash_work);
	INIT_WORK(&rdev->recover_work, rowstat_recover_work);
	for (n = 0; n < rdev->rings; n++) {
		struct rowstat_ring *ring = &rdev->ring[n];

#ifdef HAVE_DRM_SCHED_INIT_SUBMIT_WQ
		ret = drm_sched_init(&ring->sched, &rowstat_sched_ops, NULL,
				     DRM_SCHED_PRIORITY_COUNT, ROWSTAT_RING_ENTRIES, 0,
				     timeout, rdev->reset_wq, NULL, ring->name,
				     rdev->drm.dev);
#else
		ret = drm_sched_init(&ring->sched, &rowstat_sched_ops,
				     ROWSTAT_RING_ENTRIES, 0, timeout, rdev->reset_wq,
				     NULL, ring->name, rdev->drm.dev);
#endif
		if (ret) {
			while (n--)
				drm_sched_fini(&rdev->ring[n].sched);
			destroy_workqueue(rdev->reset_wq);
			return ret;
		}
	}
	return 0;
}

/* Whether a scheduler still holds jobs it has not freed. */
static bool rowstat_sched_busy(struct drm_gpu_scheduler *sched)
{
	bool busy;

	spin_lock(&sched->job_list_lock);
	busy = !list_empty(&sched->pending_list);
	spin_unlock(&sched->job_list_lock);
	return busy;
}

/*
 * With the DRM device, after the last file closed (or on a failed probe).
 * Every job has ended (removal failed those on the device, run_job skips
 * the rest): let the schedulers free them before they stop, which
 * drm_sched_fini() of these kernels does not do.  Bounded: a free is quick.
 */
void rowstat_sched_fini(struct rowstat_device *rdev)
{
	unsigned int n, tries;

	for (n = 0; n < rdev->rings; n++) {
		for (tries = 0; tries < 50 && rowstat_sched_busy(&rdev->ring[n].sched); tries++)
			msleep(20);
		drm_sched_fini(&rdev->ring[n].sched);
	}
	destroy_workqueue(rdev->reset_wq);
}

int rowstat_file_entities_init(struct rowstat_file *rfile)
{
	struct rowstat_device *rdev = rfile->rdev;
	unsigned int n;
	int ret;

	for (n = 0; n < rdev->rings; n++) {
		struct drm_gpu_scheduler *sched = &rdev->ring[n].sched;

		ret = drm_sched_entity_init(&rfile->entity[n],
					    DRM_SCHED_PRIORITY_NORMAL, &sched, 1, NULL);
		if (ret) {
			while (n--)
				drm_sched_entity_destroy(&rfile->entity[n]);
			return ret;
		}
	}
	return 0;
}

void rowstat_file_entities_fini(struct rowstat_file *rfile)
{
	unsigned int n;

	for (n = 0; n < rfile->rdev->rings; n++)
		drm_sched_entity_destroy(&rfile->entity[n]);
}

/* Looks up a handle and holds it and its mapping in this file's context. */
static int rowstat_job_add_bo(struct rowstat_job *job, struct drm_file *file,
			      u32 handle, const char *what)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(file, handle);
	unsigned int i = job->bo_count, k;

	if (!obj) {
		drm_dbg_driver(file->minor->dev, "SUBMIT: %s handle %u does not exist\n",
			       what, handle);
		return -ENOENT;
	}
	/* A buffer listed twice is held once: its reservation locks once. */
	for (k = 0; k < i; k++) {
		if (job->bos[k] == obj) {
			drm_gem_object_put(obj);
			return 0;
		}
	}
	job->bos[i] = obj;
	job->maps[i] = rowstat_bo_mapping_get(to_rowstat_bo(obj), job->ctx);
	job->bo_count++;
	return job->maps[i] ? 0 : -ENOENT;
}

static int rowstat_submit_check(struct drm_device *drm,
				const struct drm_rowstat_submit *args)
{
	if (args->flags || args->reserved) {
		drm_dbg_driver(drm, "SUBMIT: unknown flags or reserved field set\n");
		return -EINVAL;
	}
	if (args->bo_handle_count > ROWSTAT_SUBMIT_MAX_BOS ||
	    args->in_sync_count > ROWSTAT_SUBMIT_MAX_SYNCS) {
		drm_dbg_driver(drm, "SUBMIT: bo_handle_count or in_sync_count too large\n");
		return -EINVAL;
	}
	if (args->priority >= to_rowstat_device(drm)->rings) {
		drm_dbg_driver(drm, "SUBMIT: priority %u too high\n", args->priority);
		return -EINVAL;
	}
	if (!args->stream_bytes || args->stream_bytes > ROWSTAT_STREAM_MAX_BYTES ||
	    args->stream_bytes % ROWSTAT_STREAM_ALIGN ||
	    args->stream_offset % ROWSTAT_STREAM_ALIGN) {
		drm_dbg_driver(drm, "SUBMIT: stream_offset or stream_bytes invalid\n");
		return -EINVAL;
	}
	if (args->stats_handle ? args->stats_offset % 8 : args->stats_offset) {
		drm_dbg_driver(drm, "SUBMIT: stats_offset invalid\n");
		return -EINVAL;
	}
	return 0;
}

/* The stream's VA: it must lie inside its buffer. */
static int rowstat_job_stream(struct rowstat_job *job,
			      const struct drm_rowstat_submit *args)
{
	struct drm_gem_object *obj = job->bos[0];

	if (args->stream_offset > obj->size ||
	    obj->size - args->stream_offset < args->stream_bytes) {
		drm_dbg_driver(obj->dev, "SUBMIT: stream runs past its buffer\n");
		return -EINVAL;
	}
	job->stream_va = job->maps[0]->node.start + args->stream_offset;
	job->stream_bytes = args->stream_bytes;
	return 0;
}

static int rowstat_job_stats_target(struct rowstat_job *job, struct drm_file *file,
				    const struct drm_rowstat_submit *args)
{
	struct drm_gem_object *obj;
	struct iosys_map map;
	int ret;

	if (!args->stats_handle)
		return 0;
	obj = drm_gem_object_lookup(file, args->stats_handle);
	if (!obj)
		return -ENOENT;
	job->stats_bo = obj;
	if (args->stats_offset > obj->size ||
	    obj->size - args->stats_offset < sizeof(struct rowstat_job_stats)) {
		drm_dbg_driver(obj->dev, "SUBMIT: statistics run past their buffer\n");
		return -EINVAL;
	}
#ifdef HAVE_DRM_GEM_VMAP_UNLOCKED
	ret = drm_gem_vmap_unlocked(obj, &map);
#else
	ret = drm_gem_shmem_vmap(to_drm_gem_shmem_obj(obj), &map);
#endif
	if (ret)
		return ret;
	job->stats_map = map;
	iosys_map_incr(&job->stats_map, args->stats_offset);
	return 0;
}

/* Buffers, stream and statistics: everything that can fail on bad input. */
static int rowstat_job_lookup(struct rowstat_job *job, struct drm_file *file,
			      const struct drm_rowstat_submit *args)
{
	u32 __user *uhandles = u64_to_user_ptr(args->bo_handles);
	unsigned int i, count = args->bo_handle_count + 1;
	int ret;

	job->bos = kvcalloc(count, sizeof(*job->bos), GFP_KERNEL);
	job->maps = kvcalloc(count, sizeof(*job->maps), GFP_KERNEL);
	if (!job->bos || !job->maps)
		return -ENOMEM;
	ret = rowstat_job_add_bo(job, file, args->stream_handle, "stream");
	if (ret)
		return ret;
	ret = rowstat_job_stream(job, args);
	if (ret)
		return ret;
	for (i = 0; i < args->bo_handle_count; i++) {
		u32 handle;

		if (get_user(handle, uhandles + i))
			return -EFAULT;
		ret = rowstat_job_add_bo(job, file, handle, "buffer");
		if (ret)
			return ret;
	}
	return rowstat_job_stats_target(job, file, args);
}

static int rowstat_job_add_syncs(struct rowstat_job *job, struct drm_file *file,
				 const struct drm_rowstat_submit *args)
{
	u32 __user *usyncs = u64_to_user_ptr(args->in_syncs);
	unsigned int i;
	int ret;

	for (i = 0; i < args->in_sync_count; i++) {
		struct dma_fence *fence;
		u32 handle;

		if (get_user(handle, usyncs + i))
			return -EFAULT;
		ret = drm_syncobj_find_fence(file, handle, 0, 0, &fence);
		if (ret) {
			drm_dbg_driver(file->minor->dev, "SUBMIT: in_syncs[%u]: no syncobj %u\n",
				       i, handle);
			return ret;
		}
		ret = drm_sched_job_add_dependency(&job->base, fence);
		if (ret)
			return ret;
	}
	return 0;
}

/* Implicit sync: wait for other users of the buffers, then become one. */
static int rowstat_job_push(struct rowstat_job *job, struct drm_syncobj *out)
{
	struct ww_acquire_ctx acquire;
	struct dma_fence *done;
	unsigned int i;
	int ret;

	ret = drm_gem_lock_reservations(job->bos, job->bo_count, &acquire);
	if (ret)
		return ret;
	for (i = 0; i < job->bo_count; i++) {
		ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
		if (!ret)
			ret = drm_sched_job_add_implicit_dependencies(&job->base,
								      job->bos[i], true);
		if (ret) {
			drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire);
			return ret;
		}
	}
	drm_sched_job_arm(&job->base);
	done = dma_fence_get(&job->base.s_fence->finished);
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, done, DMA_RESV_USAGE_WRITE);
	drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire);
	atomic64_inc(&job->rdev->count.submitted);
	drm_sched_entity_push_job(&job->base);
	if (out)
		drm_syncobj_replace_fence(out, done);
	dma_fence_put(done);
	return 0;
}

int rowstat_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct rowstat_device *rdev = to_rowstat_device(drm);
	struct rowstat_file *rfile = file->driver_priv;
	struct drm_rowstat_submit *args = data;
	struct drm_syncobj *out = NULL;
	struct rowstat_job *job;
	int ret;

	ret = rowstat_submit_check(drm, args);
	if (ret)
		return ret;
	if (READ_ONCE(rfile->ctx->guilty))
		return -ECANCELED;
	if (args->out_sync) {
		out = drm_syncobj_find(file, args->out_sync);
		if (!out)
			return -ENOENT;
	}
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		ret = -ENOMEM;
		goto out_sync;
	}
	job->rdev = rdev;
	job->ring = &rdev->ring[args->priority];
	job->ctx = rfile->ctx;
	kref_get(&job->ctx->ref);
	INIT_LIST_HEAD(&job->link);
	ret = rowstat_job_lookup(job, file, args);
	if (ret)
		goto out_job;
#ifdef HAVE_DRM_SCHED_JOB_INIT_CREDITS
	ret = drm_sched_job_init(&job->base, &rfile->entity[args->priority], 1, rfile);
#else
	ret = drm_sched_job_init(&job->base, &rfile->entity[args->priority], rfile);
#endif
	if (ret)
		goto out_job;
	ret = rowstat_job_add_syncs(job, file, args);
	if (!ret)
		ret = rowstat_job_push(job, out);
	if (ret) {
		drm_sched_job_cleanup(&job->base);
		goto out_job;
	}
	goto out_sync;
out_job:
	rowstat_job_put_resources(job);
out_sync:
	if (out)
		drm_syncobj_put(out);
	return ret;
}
