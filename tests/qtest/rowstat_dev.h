/* SPDX-License-Identifier: MIT */
/*
 * Driving a rowstat device from a qtest: PCI enumeration and BARs, MSI-X
 * messages aimed at guest RAM (so tests can see each interrupt), firmware
 * boot, per-context page tables and job rings, as docs/hardware.md
 * specifies them.  A stand-in for the kernel driver, for device tests only.
 */
#ifndef RS_ROWSTAT_DEV_H
#define RS_ROWSTAT_DEV_H

#include <stdbool.h>

#include <rowstat_mmu.h>
#include <rowstat_regs.h>
#include <rowstat_ring.h>
#include <rs_hw_fw.h>
#include "qtest_client.h"

/* Guest-physical layout the helpers use (the machine has 512 MiB). */
#define G_PT_POOL	0x01000000ull	/* page tables, 4 MiB */
#define G_RINGS		0x01400000ull	/* ring entries, 64 KiB per ring */
#define G_FENCES	0x01500000ull	/* one 8-byte fence per ring */
#define G_MSIX		0x01510000ull	/* MSI-X messages land here, 4 bytes each */
#define G_FW		0x01520000ull	/* firmware image */
#define G_DATA		0x02000000ull	/* tensors and streams */
#define G_BAR0		0xe0000000ull
#define G_BAR2		0xe0010000ull
#define MSIX_DATA(v)	(0xab00u + (v))

struct pt_page {
	uint64_t pa;
	uint64_t e[512];
	bool dirty;
};

struct rsdev {
	struct qts *q;
	unsigned devfn;
	uint32_t tail[ROWSTAT_MAX_RINGS];
	uint64_t pt_next, data_next;
	uint64_t root[ROWSTAT_MAX_CONTEXTS];
	struct pt_page *pages;
	size_t npages, cap;
};

/* Starts QEMU with `-device <args>` and enables the device, its BARs and MSI-X. */
struct rsdev *rsdev_open(const char *args);
void rsdev_close(struct rsdev *d);

uint32_t rsdev_rd(struct rsdev *d, uint32_t reg);
void rsdev_wr(struct rsdev *d, uint32_t reg, uint32_t v);
uint32_t rsdev_cfg_read(struct rsdev *d, unsigned reg);

/*
 * Writes CTRL.RESET and waits (in real time) until the reset is done: the
 * bit reads 1 until the device has left any job.  False on a timeout.
 */
bool rsdev_reset(struct rsdev *d, int timeout_ms);

/* Loads an image and boots it; returns FW_STATUS. */
uint32_t rsdev_boot(struct rsdev *d, const void *img, size_t len);
/* Boots firmware/rowstat-fw.conf's image and checks it runs. */
void rsdev_boot_default(struct rsdev *d);
/* The image firmware/rowstat-fw.conf describes. */
size_t rsdev_default_image(uint8_t *out, size_t cap);

/* Guest memory for data, 4 KiB aligned. */
uint64_t rsdev_alloc(struct rsdev *d, size_t bytes);

/* Enables a context and maps [va, va+len) to [pa, pa+len) with PTE bits. */
void rsdev_ctx_enable(struct rsdev *d, unsigned ctx);
void rsdev_map(struct rsdev *d, unsigned ctx, uint64_t va, uint64_t pa, uint64_t len,
	       uint64_t perms);
/* Writes one raw PTE of the level-0 table for va (creating tables). */
void rsdev_set_pte(struct rsdev *d, unsigned ctx, uint64_t va, uint64_t pte);
/* Writes the page tables built so far to guest memory. */
void rsdev_flush_tables(struct rsdev *d);

void rsdev_ring_init(struct rsdev *d, unsigned ring, unsigned size_log2);
/* Queues one RUN job and rings the doorbell. */
void rsdev_submit(struct rsdev *d, unsigned ring, unsigned ctx, uint64_t seqno,
		  uint64_t stream_va, uint32_t bytes, uint64_t stats_va, uint32_t flags);
/* Writes a raw descriptor at the ring's tail and rings the doorbell. */
void rsdev_submit_desc(struct rsdev *d, unsigned ring, const struct rowstat_job_desc *desc);
uint64_t rsdev_fence(struct rsdev *d, unsigned ring);

/* Polls (in real time) until the fence shows seqno, or the ring halts. */
bool rsdev_wait_fence(struct rsdev *d, unsigned ring, uint64_t seqno, int timeout_ms);
bool rsdev_wait_halted(struct rsdev *d, unsigned ring, int timeout_ms);

/* The MSI-X message slot of a vector: MSIX_DATA(v) once it fired, else 0. */
uint32_t rsdev_msix(struct rsdev *d, unsigned vector);
/*
 * The message written for `vector`, waiting up to timeout_ms for it: the
 * device updates its registers and fences before it sends the MSI-X message
 * (as hardware may), so a message can land just after the state is visible.
 */
uint32_t rsdev_wait_msix(struct rsdev *d, unsigned vector, int timeout_ms);
void rsdev_msix_clear(struct rsdev *d, unsigned vector);

#endif
