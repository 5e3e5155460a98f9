/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * rowstat hardware interface: the device's PCI identity, its BAR0 register
 * map, its hardware defaults and the interrupt vectors.
 *
 * What only the kernel driver and the device share (with the firmware tool
 * and the device tests), as QEMU's include/block/nvme.h serves both its nvme
 * device and its nvme driver.  Not uapi: user space sees the device through
 * the driver's ioctls and the command-stream format in uapi/.
 * docs/hardware.md is the prose specification.
 */
#ifndef ROWSTAT_REGS_H
#define ROWSTAT_REGS_H

#include <rowstat_cmd.h>

/* ---- PCI identity -------------------------------------------------------- */

/*
 * 0x1234 is the vendor ID QEMU's own test devices use; the FPGA board gets a
 * real ID when it has one.  Class 0x1200 is "processing accelerator".
 */
#define ROWSTAT_PCI_VENDOR_ID		0x1234
#define ROWSTAT_PCI_DEVICE_ID		0x5253
#define ROWSTAT_PCI_REVISION		0x01
#define ROWSTAT_PCI_CLASS		0x1200

#define ROWSTAT_BAR_REGS		0	/* 64 KiB, 32-bit MMIO */
#define ROWSTAT_BAR_MSIX		2	/* MSI-X table and PBA */
#define ROWSTAT_BAR_REGS_SIZE		0x10000

/* ---- Version and identity ---------------------------------------------- */

#define ROWSTAT_ID_MAGIC		0x52535441u	/* "RSTA" */
#define ROWSTAT_HW_VERSION_MAJOR	1
#define ROWSTAT_HW_VERSION_MINOR	0

/* ---- Hardware defaults: Eyeriss v1 (JSSC 2017) ----------------------------- */

#define ROWSTAT_DEFAULT_ARRAY_ROWS	12
#define ROWSTAT_DEFAULT_ARRAY_COLS	14
#define ROWSTAT_DEFAULT_RF_FILTER	224	/* entries */
#define ROWSTAT_DEFAULT_RF_IFMAP	12
#define ROWSTAT_DEFAULT_RF_PSUM		24
#define ROWSTAT_DEFAULT_GLB_BYTES	(108 * 1024)
#define ROWSTAT_DEFAULT_CLOCK_KHZ	200000
/* 64-bit link at 60 MHz = 480 MB/s = 2400 bytes per 1000 core cycles. */
#define ROWSTAT_DEFAULT_DRAM_BW		2400
/* Array-side GLB bandwidth, values per core cycle. */
#define ROWSTAT_DEFAULT_GLB_BW		8
#define ROWSTAT_DEFAULT_RINGS		4
#define ROWSTAT_DEFAULT_CONTEXTS	16

/* Energy per access (uapi's ROWSTAT_ENERGY_FRAC_BITS fixed point). */
#define ROWSTAT_DEFAULT_ENERGY_MAC	(1 * ROWSTAT_ENERGY_ONE)
#define ROWSTAT_DEFAULT_ENERGY_RF	(1 * ROWSTAT_ENERGY_ONE)
#define ROWSTAT_DEFAULT_ENERGY_NOC	(2 * ROWSTAT_ENERGY_ONE)
#define ROWSTAT_DEFAULT_ENERGY_GLB	(6 * ROWSTAT_ENERGY_ONE)
#define ROWSTAT_DEFAULT_ENERGY_DRAM	(200 * ROWSTAT_ENERGY_ONE)

/* Hard limits of the register encodings (not of any one configuration). */
#define ROWSTAT_MAX_ARRAY_DIM		255
#define ROWSTAT_MAX_RINGS		8
#define ROWSTAT_MAX_CONTEXTS		64

/* ---- BAR0 register map (32-bit registers, little-endian) ------------------ */

/* Identity and capabilities: read-only. */
#define ROWSTAT_REG_ID			0x0000
#define ROWSTAT_REG_HW_VERSION		0x0004
#define ROWSTAT_REG_CMD_VERSION		0x0008	/* command-stream format */
#define ROWSTAT_REG_FW_ABI		0x000c	/* firmware ABI accepted */
#define ROWSTAT_REG_CAP_ARRAY		0x0010
#define   ROWSTAT_CAP_ARRAY_ROWS(v)	((v) & 0xff)
#define   ROWSTAT_CAP_ARRAY_COLS(v)	(((v) >> 8) & 0xff)
#define ROWSTAT_REG_CAP_RF_FILTER	0x0014
#define ROWSTAT_REG_CAP_RF_IFMAP	0x0018
#define ROWSTAT_REG_CAP_RF_PSUM		0x001c
#define ROWSTAT_REG_CAP_GLB_BYTES	0x0020
#define ROWSTAT_REG_CAP_PRECISIONS	0x0024
#define ROWSTAT_REG_CAP_CLOCK_KHZ	0x0028
#define ROWSTAT_REG_CAP_DRAM_BW		0x002c	/* bytes per 1000 cycles */
#define ROWSTAT_REG_CAP_GLB_BW		0x0030	/* values per cycle */
#define ROWSTAT_REG_CAP_RINGS		0x0034
#define ROWSTAT_REG_CAP_CONTEXTS	0x0038
#define ROWSTAT_REG_CAP_VA_BITS		0x003c
#define ROWSTAT_REG_ENERGY_MAC		0x0040
#define ROWSTAT_REG_ENERGY_RF		0x0044
#define ROWSTAT_REG_ENERGY_NOC		0x0048
#define ROWSTAT_REG_ENERGY_GLB		0x004c
#define ROWSTAT_REG_ENERGY_DRAM		0x0050
/* ENERGY_MAC .. ENERGY_DRAM, indexed by enum rowstat_level. */
#define ROWSTAT_REG_ENERGY(level)	(ROWSTAT_REG_ENERGY_MAC + 4 * (level))
/* The running firmware's decode cycles per opcode (0..ROWSTAT_OP_LIMIT-1). */
#define ROWSTAT_REG_DECODE_BASE		0x00e0
#define ROWSTAT_REG_DECODE(op)		(ROWSTAT_REG_DECODE_BASE + 4 * (op))

/* Control and status. */
#define ROWSTAT_REG_CTRL		0x0060
#define   ROWSTAT_CTRL_ENABLE		(1u << 0)	/* accept doorbells */
#define   ROWSTAT_CTRL_RESET		(1u << 1)	/* reads 1 until done */
#define ROWSTAT_REG_STATUS		0x0064
#define   ROWSTAT_STATUS_FW_READY	(1u << 0)
#define   ROWSTAT_STATUS_BUSY		(1u << 1)
#define   ROWSTAT_STATUS_HALTED		(1u << 2)	/* fatal, needs reset */
#define ROWSTAT_REG_IRQ_STATUS		0x0068	/* write 1 to clear */
#define ROWSTAT_REG_IRQ_MASK		0x006c	/* 1 = enabled */
#define   ROWSTAT_IRQ_RING(n)		(1u << (n))	/* job completed */
#define   ROWSTAT_IRQ_JOB_ERROR		(1u << 16)
#define   ROWSTAT_IRQ_MMU_FAULT		(1u << 17)
#define   ROWSTAT_IRQ_FW		(1u << 18)	/* boot done or fw error */
#define ROWSTAT_REG_HEARTBEAT		0x0070	/* advanced by firmware */
/* Which ring's job is executing: its entry at that ring's HEAD. */
#define ROWSTAT_REG_RUNNING		0x0074
#define   ROWSTAT_RUNNING_VALID		(1u << 31)	/* a job is executing */
#define   ROWSTAT_RUNNING_RING(v)	((v) & 0xff)

/* Firmware boot (docs/hardware.md, "Firmware"). */
#define ROWSTAT_REG_FW_ADDR_LO		0x0080
#define ROWSTAT_REG_FW_ADDR_HI		0x0084
#define ROWSTAT_REG_FW_SIZE		0x0088
#define ROWSTAT_REG_FW_CTRL		0x008c
#define   ROWSTAT_FW_CTRL_BOOT		(1u << 0)
#define ROWSTAT_REG_FW_STATUS		0x0090
#define   ROWSTAT_FW_STATE(v)		((v) & 0xff)
#define   ROWSTAT_FW_ERROR(v)		(((v) >> 8) & 0xff)
#define   ROWSTAT_FW_STATUS(state, err)	((state) | ((err) << 8))
#define ROWSTAT_REG_FW_VERSION		0x0094	/* of the running image */

enum rowstat_fw_state {
	ROWSTAT_FW_STATE_OFF = 0,
	ROWSTAT_FW_STATE_BOOTING = 1,
	ROWSTAT_FW_STATE_RUNNING = 2,
	ROWSTAT_FW_STATE_FAILED = 3,
};

enum rowstat_fw_error {
	ROWSTAT_FW_OK = 0,
	ROWSTAT_FW_ERR_DMA = 1,		/* image could not be read */
	ROWSTAT_FW_ERR_MAGIC = 2,
	ROWSTAT_FW_ERR_ABI = 3,		/* incompatible ABI major */
	ROWSTAT_FW_ERR_SIZE = 4,	/* truncated or oversized */
	ROWSTAT_FW_ERR_CHECKSUM = 5,
	ROWSTAT_FW_ERR_SECTION = 6,	/* malformed section table */
	ROWSTAT_FW_ERR_CRASHED = 7,	/* firmware stopped after boot */
};

/* MMU fault report: valid while ROWSTAT_IRQ_MMU_FAULT is pending. */
#define ROWSTAT_REG_FAULT_ADDR_LO	0x00c0
#define ROWSTAT_REG_FAULT_ADDR_HI	0x00c4
#define ROWSTAT_REG_FAULT_INFO		0x00c8
#define   ROWSTAT_FAULT_CONTEXT(v)	((v) & 0xff)
#define   ROWSTAT_FAULT_WRITE		(1u << 8)	/* else a read */
#define   ROWSTAT_FAULT_REASON(v)	(((v) >> 12) & 0xf)
#define   ROWSTAT_FAULT_RING(v)		(((v) >> 16) & 0xff)
#define   ROWSTAT_FAULT_INFO(ctx, write, reason, ring) \
	(((ctx) & 0xff) | ((write) ? ROWSTAT_FAULT_WRITE : 0) | \
	 (((reason) & 0xf) << 12) | (((ring) & 0xff) << 16))

enum rowstat_fault_reason {
	ROWSTAT_FAULT_NONE = 0,
	ROWSTAT_FAULT_NOT_PRESENT = 1,	/* a PTE on the walk had V clear */
	ROWSTAT_FAULT_PERMISSION = 2,	/* leaf lacks R or W */
	ROWSTAT_FAULT_BAD_PTE = 3,	/* reserved bits, or leaf above L0 */
	ROWSTAT_FAULT_ADDRESS = 4,	/* VA beyond ROWSTAT_VA_BITS */
	ROWSTAT_FAULT_WALK = 5,		/* page-table read failed on the bus */
	ROWSTAT_FAULT_CONTEXT = 6,	/* context not enabled */
	ROWSTAT_FAULT_BUS = 7,		/* translated access failed on the bus */
};

/* MMU control. */
#define ROWSTAT_REG_MMU_INVALIDATE	0x00d0	/* write a context id */

/*
 * Performance counters: 64-bit, cumulative since reset.  Writing
 * ROWSTAT_PERF_SNAPSHOT latches all of them at once; reads return the latch.
 */
#define ROWSTAT_REG_PERF_CTRL		0x0100
#define   ROWSTAT_PERF_SNAPSHOT		(1u << 0)
#define   ROWSTAT_PERF_CLEAR		(1u << 1)
#define ROWSTAT_REG_PERF_BASE		0x0110
#define ROWSTAT_REG_PERF_LO(i)		(ROWSTAT_REG_PERF_BASE + 8 * (i))
#define ROWSTAT_REG_PERF_HI(i)		(ROWSTAT_REG_PERF_BASE + 8 * (i) + 4)

enum rowstat_perf_counter {
	ROWSTAT_PERF_CYCLES = 0,
	ROWSTAT_PERF_MACS = 1,
	ROWSTAT_PERF_MACS_GATED = 2,
	ROWSTAT_PERF_DRAM_READ_BYTES = 3,
	ROWSTAT_PERF_DRAM_WRITE_BYTES = 4,
	ROWSTAT_PERF_GLB_ACCESSES = 5,
	ROWSTAT_PERF_JOBS_DONE = 6,
	ROWSTAT_PERF_JOBS_FAILED = 7,
	ROWSTAT_PERF_ENERGY = 8,	/* ROWSTAT_ENERGY_FRAC_BITS fixed point */
	ROWSTAT_PERF_COUNT = 9,
};

/* ---- Job rings ----------------------------------------------------------- */

#define ROWSTAT_REG_RING_BASE		0x1000
#define ROWSTAT_RING_STRIDE		0x40
#define ROWSTAT_REG_RING(n, reg)	(ROWSTAT_REG_RING_BASE + \
					 ROWSTAT_RING_STRIDE * (n) + (reg))
#define ROWSTAT_RING_ADDR_LO		0x00	/* bus address of entries */
#define ROWSTAT_RING_ADDR_HI		0x04
#define ROWSTAT_RING_SIZE_LOG2		0x08	/* entries, 1..12 */
#define ROWSTAT_RING_HEAD		0x0c	/* RO: next entry to consume */
#define ROWSTAT_RING_TAIL		0x10	/* RO: last doorbell value */
#define ROWSTAT_RING_CTRL		0x14
#define   ROWSTAT_RING_CTRL_ENABLE	(1u << 0)
#define   ROWSTAT_RING_CTRL_RESUME	(1u << 1)	/* skip failed job */
#define   ROWSTAT_RING_PRIORITY(v)	(((v) >> 8) & 0x3)
#define ROWSTAT_RING_STATUS		0x18	/* RO */
#define   ROWSTAT_RING_STATUS_HALTED	(1u << 31)
#define   ROWSTAT_RING_STATUS_ERROR(v)	((v) & 0xffff)
#define ROWSTAT_RING_FENCE_ADDR_LO	0x1c	/* bus address, 8 aligned */
#define ROWSTAT_RING_FENCE_ADDR_HI	0x20
#define ROWSTAT_RING_ERR_SEQ_LO		0x24	/* RO: seqno of failed job */
#define ROWSTAT_RING_ERR_SEQ_HI		0x28
#define ROWSTAT_RING_ERR_OFFSET		0x2c	/* RO: stream byte offset */
#define ROWSTAT_RING_MAX_SIZE_LOG2	12

/* Writing a ring's doorbell publishes entries up to (not including) tail. */
#define ROWSTAT_REG_DOORBELL_BASE	0x2000
#define ROWSTAT_REG_DOORBELL(n)		(ROWSTAT_REG_DOORBELL_BASE + 4 * (n))

/* MSI-X: one vector per ring, then one for errors, MMU faults and firmware. */
#define ROWSTAT_MSIX_RING(n)		(n)
#define ROWSTAT_MSIX_ERROR(rings)	(rings)
#define ROWSTAT_MSIX_VECTORS(rings)	((rings) + 1)

/* ---- MMU contexts ---------------------------------------------------------- */

/* Context c's page-table root and enable (hwif/rowstat_mmu.h: the tables). */
#define ROWSTAT_REG_CTX_BASE		0x3000
#define ROWSTAT_CTX_STRIDE		0x10
#define ROWSTAT_REG_CTX(n, reg)		(ROWSTAT_REG_CTX_BASE + \
					 ROWSTAT_CTX_STRIDE * (n) + (reg))
#define ROWSTAT_CTX_PT_LO		0x0	/* bus address of the L2 table */
#define ROWSTAT_CTX_PT_HI		0x4
#define ROWSTAT_CTX_CTRL		0x8
#define   ROWSTAT_CTX_CTRL_ENABLE	(1u << 0)

#endif /* ROWSTAT_REGS_H */
