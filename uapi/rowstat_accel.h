/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * rowstat: the kernel driver's ioctl interface (rowstat.ko), on
 * /dev/accel/accelN (kernels with DRM accel) or a DRM render node (6.1).
 *
 * Every struct has a fixed size and explicit padding, user pointers are
 * __u64, and the kernel refuses (-EINVAL) nonzero padding, reserved fields
 * and unknown flags, so that each can gain meaning later.  Completion is
 * signalled through DRM syncobjs (DRM_IOCTL_SYNCOBJ_*); buffers are shared
 * as dma-bufs (PRIME).  docs/driver.md documents every call and errno.
 */
#ifndef ROWSTAT_ACCEL_H
#define ROWSTAT_ACCEL_H

#include <rowstat_cmd.h>	/* ROWSTAT_OP_LIMIT */
#include <rowstat_common.h>

#if defined(__KERNEL__)
#include <drm/drm.h>
#else
#include <drm.h>	/* libdrm's copy: pkg-config --cflags libdrm */
#endif

#if defined(__cplusplus)
extern "C" {
#endif

/* The driver's name in DRM_IOCTL_VERSION and in fdinfo. */
#define ROWSTAT_DRIVER_NAME		"rowstat"

/*
 * Interface version (DRM_IOCTL_VERSION's major.minor): minor grows with each
 * compatible addition.
 *   1.0: GET_PARAM, BO_CREATE, BO_INFO, BO_WAIT, SUBMIT.
 *   1.1: BO_CREATE's ROWSTAT_BO_READ_ONLY.
 */
#define ROWSTAT_DRIVER_MAJOR		1
#define ROWSTAT_DRIVER_MINOR		1

#define DRM_ROWSTAT_GET_PARAM		0x00
#define DRM_ROWSTAT_BO_CREATE		0x01
#define DRM_ROWSTAT_BO_INFO		0x02
#define DRM_ROWSTAT_BO_WAIT		0x03
#define DRM_ROWSTAT_SUBMIT		0x04

/* ---- GET_PARAM ------------------------------------------------------------ */

enum rowstat_param {
	ROWSTAT_PARAM_HW_VERSION = 0,	/* ROWSTAT_VERSION(major, minor) */
	ROWSTAT_PARAM_CMD_VERSION = 1,	/* command-stream format */
	ROWSTAT_PARAM_FW_VERSION = 2,	/* of the running firmware */
	ROWSTAT_PARAM_ARRAY_ROWS = 3,
	ROWSTAT_PARAM_ARRAY_COLS = 4,
	ROWSTAT_PARAM_RF_FILTER = 5,	/* entries per PE */
	ROWSTAT_PARAM_RF_IFMAP = 6,
	ROWSTAT_PARAM_RF_PSUM = 7,
	ROWSTAT_PARAM_GLB_BYTES = 8,
	ROWSTAT_PARAM_PRECISIONS = 9,	/* ROWSTAT_PREC_BIT() mask */
	ROWSTAT_PARAM_CLOCK_KHZ = 10,
	ROWSTAT_PARAM_DRAM_BW = 11,	/* bytes per 1000 cycles (firmware's) */
	ROWSTAT_PARAM_GLB_BW = 12,	/* values per cycle (firmware's) */
	ROWSTAT_PARAM_VA_BITS = 13,	/* device virtual address width */
	/* Energy per access, ROWSTAT_ENERGY_FRAC_BITS fixed point (firmware's). */
	ROWSTAT_PARAM_ENERGY_MAC = 14,
	ROWSTAT_PARAM_ENERGY_RF = 15,
	ROWSTAT_PARAM_ENERGY_NOC = 16,
	ROWSTAT_PARAM_ENERGY_GLB = 17,
	ROWSTAT_PARAM_ENERGY_DRAM = 18,
	ROWSTAT_PARAM_PRIORITIES = 19,	/* SUBMIT priorities: 0..value-1 */
	ROWSTAT_PARAM_JOB_TIMEOUT_MS = 20,	/* a job running longer is reset */
	ROWSTAT_PARAM_VA_START = 21,	/* where the kernel places buffers */
	ROWSTAT_PARAM_VA_END = 22,	/* exclusive */
	/* Cycles the firmware spends decoding each opcode (ROWSTAT_PARAM_DECODE). */
	ROWSTAT_PARAM_DECODE_BASE = 23,
	ROWSTAT_PARAM_COUNT = ROWSTAT_PARAM_DECODE_BASE + ROWSTAT_OP_LIMIT,
};

/* ENERGY_MAC..ENERGY_DRAM, indexed by enum rowstat_level. */
#define ROWSTAT_PARAM_ENERGY(level)	(ROWSTAT_PARAM_ENERGY_MAC + (level))
/* The running firmware's decode cycles of opcode op, 0..ROWSTAT_OP_LIMIT-1. */
#define ROWSTAT_PARAM_DECODE(op)	(ROWSTAT_PARAM_DECODE_BASE + (op))

struct drm_rowstat_get_param {
	__u32 param;		/* in: enum rowstat_param */
	__u32 pad;		/* must be 0 */
	__u64 value;		/* out */
};

/* ---- Buffers -------------------------------------------------------------- */

/*
 * A GEM shmem object, zero-filled, mapped into the calling file's device
 * address space at a VA the kernel chooses.  size is rounded up to whole
 * pages (and returned so).  The object is mapped for the device read-write,
 * or with ROWSTAT_BO_READ_ONLY for reading only, in every file that holds
 * it: a job that writes it faults (-EFAULT), as a write outside any buffer
 * does.  The CPU's mapping (mmap) stays writable.
 */
#define ROWSTAT_BO_READ_ONLY		(1u << 0)
#define ROWSTAT_BO_FLAGS		ROWSTAT_BO_READ_ONLY

struct drm_rowstat_bo_create {
	__u64 size;		/* in: bytes, 1..ROWSTAT_BO_MAX_BYTES; out: rounded */
	__u32 flags;		/* in: 0 or ROWSTAT_BO_READ_ONLY */
	__u32 handle;		/* out */
	__u64 va;		/* out: device VA in this file's context */
	__u64 mmap_offset;	/* out: for mmap() on the same fd */
};

#define ROWSTAT_BO_MAX_BYTES		(1ull << 32)

/*
 * What the calling file needs of a handle it holds (one it created or one
 * it imported with PRIME): its size, its device VA in this file's context
 * and its mmap offset.
 */
struct drm_rowstat_bo_info {
	__u32 handle;		/* in */
	__u32 flags;		/* in: 0 */
	__u64 size;		/* out */
	__u64 va;		/* out */
	__u64 mmap_offset;	/* out */
};

/*
 * Waits until every job using the buffer has finished.  timeout_ns is an
 * absolute CLOCK_MONOTONIC time (0 polls): -ETIME when it passes first, and
 * the call restarts after a signal with the same deadline.
 */
struct drm_rowstat_bo_wait {
	__u32 handle;		/* in */
	__u32 flags;		/* in: 0 */
	__s64 timeout_ns;	/* in: absolute CLOCK_MONOTONIC */
};

/* ---- Submission ---------------------------------------------------------- */

/*
 * Runs the command stream at stream_offset..+stream_bytes of the stream
 * buffer, in the calling file's context, after every in_syncs syncobj has
 * signalled.  out_sync (0 for none) gets the job's fence, which signals with
 * an error if the job fails: -EFAULT (an MMU fault: the context is then
 * guilty), -ETIMEDOUT (it hung and the device was reset: guilty too),
 * -EINVAL (the device refused the stream: see the statistics),
 * -ETIME (its cycle budget ran out), -ECANCELED (the device was reset or
 * unplugged under it).  A guilty context's later submits fail with
 * -ECANCELED.
 *
 * The device writes struct rowstat_job_stats at stats_offset of the
 * stats_handle buffer when the job ends (stats_handle 0: nowhere).
 * bo_handles lists every other buffer the job reads or writes: they stay
 * resident and mapped until it ends, and their BO_WAIT waits for it.
 */
struct drm_rowstat_submit {
	__u64 bo_handles;	/* user pointer to __u32[bo_handle_count] */
	__u64 in_syncs;		/* user pointer to __u32[in_sync_count] */
	__u64 stream_offset;	/* bytes into the stream buffer, 8-aligned */
	__u64 stats_offset;	/* bytes into the stats buffer, 8-aligned */
	__u32 bo_handle_count;	/* at most ROWSTAT_SUBMIT_MAX_BOS */
	__u32 in_sync_count;	/* at most ROWSTAT_SUBMIT_MAX_SYNCS */
	__u32 stream_handle;
	__u32 stream_bytes;	/* multiple of 8, 8..ROWSTAT_STREAM_MAX_BYTES */
	__u32 stats_handle;	/* 0: no statistics */
	__u32 out_sync;		/* syncobj handle, 0: none */
	__u32 priority;		/* 0 (lowest) .. PARAM_PRIORITIES - 1 */
	__u32 flags;		/* 0 */
	__u64 reserved;		/* 0 */
};

#define ROWSTAT_SUBMIT_MAX_BOS		4096
#define ROWSTAT_SUBMIT_MAX_SYNCS	256

#define DRM_IOCTL_ROWSTAT_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ROWSTAT_GET_PARAM, struct drm_rowstat_get_param)
#define DRM_IOCTL_ROWSTAT_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ROWSTAT_BO_CREATE, struct drm_rowstat_bo_create)
#define DRM_IOCTL_ROWSTAT_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ROWSTAT_BO_INFO, struct drm_rowstat_bo_info)
#define DRM_IOCTL_ROWSTAT_BO_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_ROWSTAT_BO_WAIT, struct drm_rowstat_bo_wait)
#define DRM_IOCTL_ROWSTAT_SUBMIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_ROWSTAT_SUBMIT, struct drm_rowstat_submit)

ROWSTAT_STATIC_ASSERT(sizeof(struct drm_rowstat_get_param) == 16, "get_param");
ROWSTAT_STATIC_ASSERT(sizeof(struct drm_rowstat_bo_create) == 32, "bo_create");
ROWSTAT_STATIC_ASSERT(sizeof(struct drm_rowstat_bo_info) == 32, "bo_info");
ROWSTAT_STATIC_ASSERT(sizeof(struct drm_rowstat_bo_wait) == 16, "bo_wait");
ROWSTAT_STATIC_ASSERT(sizeof(struct drm_rowstat_submit) == 72, "submit");

#if defined(__cplusplus)
}
#endif

#endif /* ROWSTAT_ACCEL_H */
