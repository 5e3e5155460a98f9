/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * rowstat hardware interface: the device MMU's page-table format
 * (docs/hardware.md section 6).  Context registers and fault reporting are
 * in rowstat_regs.h.
 */
#ifndef ROWSTAT_MMU_H
#define ROWSTAT_MMU_H

#include <rowstat_common.h>

/*
 * Per-context page tables in host memory, owned by the kernel: three levels
 * of 512 eight-byte entries, 4 KiB pages, 39-bit device VA.  Only level-0
 * entries map pages.  A VA splits as [38:30] L2 index, [29:21] L1, [20:12] L0,
 * [11:0] page offset.
 */
#define ROWSTAT_VA_BITS			39
#define ROWSTAT_PAGE_SHIFT		12
#define ROWSTAT_PAGE_SIZE		(1u << ROWSTAT_PAGE_SHIFT)
#define ROWSTAT_PT_LEVELS		3
#define ROWSTAT_PT_ENTRIES		512
#define ROWSTAT_PT_INDEX_BITS		9
#define ROWSTAT_PT_INDEX(va, level)	(((va) >> (ROWSTAT_PAGE_SHIFT + \
					  ROWSTAT_PT_INDEX_BITS * (level))) & \
					 (ROWSTAT_PT_ENTRIES - 1))

#define ROWSTAT_PTE_VALID		(1ull << 0)
#define ROWSTAT_PTE_READ		(1ull << 1)
#define ROWSTAT_PTE_WRITE		(1ull << 2)
#define ROWSTAT_PTE_ADDR_MASK		0x000ffffffffff000ull
/* Bits that must be zero: 3..11 and 52..63. */
#define ROWSTAT_PTE_RESERVED_MASK	0xfff0000000000ff8ull

#endif /* ROWSTAT_MMU_H */
