/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * rowstat hardware interface: the job-ring descriptor, in kernel-owned
 * memory at a bus address (docs/hardware.md section 5).  The ring registers
 * and doorbells are in rowstat_regs.h.
 */
#ifndef ROWSTAT_RING_H
#define ROWSTAT_RING_H

#include <rowstat_cmd.h>

enum rowstat_desc_opcode {
	ROWSTAT_DESC_NOP = 0,		/* completes at once, fence written */
	ROWSTAT_DESC_RUN = 1,		/* execute a command stream */
};

#define ROWSTAT_DESC_IRQ		(1u << 0)	/* interrupt on completion */

/* One ring entry, in kernel-owned memory at a bus address. */
struct rowstat_job_desc {
	__le32 opcode;
	__le32 flags;
	__le64 seqno;		/* written to the fence address on completion */
	__le64 stream_va;	/* device VA in the job's context, 8 aligned */
	__le32 stream_bytes;	/* multiple of 8 */
	__le16 context;		/* MMU context the job runs in */
	__le16 reserved0;
	__le64 stats_va;	/* 0, or where struct rowstat_job_stats goes */
	__le64 cycle_budget;	/* 0: ROWSTAT_DEFAULT_CYCLE_BUDGET */
	__le64 reserved1[2];
};

ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_job_desc) == 64,
		      "ring entries are 64 bytes");

#endif /* ROWSTAT_RING_H */
