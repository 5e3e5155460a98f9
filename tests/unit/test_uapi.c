// SPDX-License-Identifier: MIT
/*
 * The contracts in uapi/ and hwif/ have the layouts docs/hardware.md gives.
 * Layouts and constants are compile-time facts, so they are asserted at
 * compile time: this file does not build if one drifts.  What runs is what
 * can only be seen at run time: the statistics record's byte order, and
 * that encoding and decoding it lose nothing.
 */
#include <stddef.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include <rowstat_accel.h>
#include <rowstat_fw.h>
#include <rowstat_mmu.h>
#include <rowstat_regs.h>
#include <rowstat_ring.h>
#include <rs_hw.h>

#include "check_main.h"

#define OFFSET(type, field, value) \
	ROWSTAT_STATIC_ASSERT(offsetof(struct type, field) == (value), #type "." #field)

/* Commands (docs/hardware.md section 7). */
OFFSET(rowstat_cmd_header, dwords, 2);
OFFSET(rowstat_cmd_layer, ifmap_prec, 4);
OFFSET(rowstat_cmd_layer, batch, 8);
OFFSET(rowstat_cmd_layer, out_height, 24);
OFFSET(rowstat_cmd_layer, stride_h, 28);
OFFSET(rowstat_cmd_layer, pad_left, 32);
OFFSET(rowstat_cmd_layer, requant_shift, 34);
OFFSET(rowstat_cmd_layer, requant_mult, 36);
OFFSET(rowstat_cmd_layer, filter_stride, 40);
OFFSET(rowstat_cmd_layer, filter_va, 48);
OFFSET(rowstat_cmd_layer, bias_va, 56);
OFFSET(rowstat_cmd_mapping, set_rows, 4);
OFFSET(rowstat_cmd_mapping, images_per_pass, 18);
OFFSET(rowstat_cmd_dma, direction, 4);
OFFSET(rowstat_cmd_dma, dram_va, 8);
OFFSET(rowstat_cmd_dma, glb_addr, 16);
OFFSET(rowstat_cmd_dma, count, 20);
OFFSET(rowstat_cmd_dma, dram_stride, 36);
OFFSET(rowstat_cmd_dma, glb_stride, 48);
OFFSET(rowstat_glb_tile, origin, 4);
OFFSET(rowstat_glb_tile, extent, 12);
OFFSET(rowstat_glb_tile, stride, 20);
OFFSET(rowstat_cmd_pass, flags, 4);
OFFSET(rowstat_cmd_pass, n0, 8);
OFFSET(rowstat_cmd_pass, s_count, 34);
OFFSET(rowstat_cmd_pass, ifmap, 40);
OFFSET(rowstat_cmd_pass, psum, 72);
/* Every command keeps the stream 8-byte aligned. */
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_cmd_pass) % ROWSTAT_STREAM_ALIGN == 0, "PASS");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_cmd_mapping) % ROWSTAT_STREAM_ALIGN == 0, "MAP");

/* What the device writes to memory: statistics, descriptors, firmware. */
OFFSET(rowstat_job_stats, fault_va, 16);
OFFSET(rowstat_job_stats, cycles, 24);
OFFSET(rowstat_job_stats, dram_read_bytes, 80);
OFFSET(rowstat_job_stats, energy, 264);
OFFSET(rowstat_job_desc, seqno, 8);
OFFSET(rowstat_job_desc, stream_va, 16);
OFFSET(rowstat_job_desc, stream_bytes, 24);
OFFSET(rowstat_job_desc, context, 28);
OFFSET(rowstat_job_desc, stats_va, 32);
OFFSET(rowstat_job_desc, cycle_budget, 40);
OFFSET(rowstat_fw_header, crc32, 20);

/* Page tables: 512 entries of 8 bytes fill a page; a VA splits 9/9/9/12. */
ROWSTAT_STATIC_ASSERT(ROWSTAT_PT_ENTRIES * 8 == ROWSTAT_PAGE_SIZE, "table size");
ROWSTAT_STATIC_ASSERT(ROWSTAT_PT_INDEX((1ull << 39) - 1, 2) == 511, "top index");
ROWSTAT_STATIC_ASSERT(ROWSTAT_PT_INDEX(0x40201000ull, 0) == 1, "L0 index");
ROWSTAT_STATIC_ASSERT(ROWSTAT_PT_INDEX(0x40201000ull, 1) == 1, "L1 index");
ROWSTAT_STATIC_ASSERT(ROWSTAT_PT_INDEX(0x40201000ull, 2) == 1, "L2 index");
ROWSTAT_STATIC_ASSERT((ROWSTAT_PTE_ADDR_MASK & ROWSTAT_PTE_RESERVED_MASK) == 0, "PTE bits");
ROWSTAT_STATIC_ASSERT((ROWSTAT_PTE_ADDR_MASK | ROWSTAT_PTE_RESERVED_MASK |
		       ROWSTAT_PTE_VALID | ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE) == ~0ull,
		      "every PTE bit is defined");

/* Rings, doorbells and contexts sit in their own pages of BAR0. */
ROWSTAT_STATIC_ASSERT(ROWSTAT_REG_PERF_HI(ROWSTAT_PERF_COUNT - 1) < ROWSTAT_REG_RING_BASE,
		      "perf below rings");
ROWSTAT_STATIC_ASSERT(ROWSTAT_REG_RING(ROWSTAT_MAX_RINGS - 1, ROWSTAT_RING_ERR_OFFSET) + 4 <=
		      ROWSTAT_REG_DOORBELL_BASE, "rings below doorbells");
ROWSTAT_STATIC_ASSERT(ROWSTAT_REG_DOORBELL(ROWSTAT_MAX_RINGS - 1) + 4 <= ROWSTAT_REG_CTX_BASE,
		      "doorbells below contexts");
ROWSTAT_STATIC_ASSERT(ROWSTAT_REG_CTX(ROWSTAT_MAX_CONTEXTS - 1, ROWSTAT_CTX_CTRL) + 4 <=
		      ROWSTAT_BAR_REGS_SIZE, "contexts inside BAR0");
ROWSTAT_STATIC_ASSERT(ROWSTAT_RING_ERR_OFFSET < ROWSTAT_RING_STRIDE, "ring block");
ROWSTAT_STATIC_ASSERT(ROWSTAT_REG_ENERGY(ROWSTAT_LEVEL_DRAM) == ROWSTAT_REG_ENERGY_DRAM,
		      "energy registers by level");
/* Interrupt causes: one bit per ring below the error bits. */
ROWSTAT_STATIC_ASSERT(ROWSTAT_IRQ_RING(ROWSTAT_MAX_RINGS - 1) < ROWSTAT_IRQ_JOB_ERROR,
		      "ring causes");
ROWSTAT_STATIC_ASSERT(ROWSTAT_MSIX_VECTORS(4) == 5, "vectors");

/* RLC: three 21-bit pairs and a terminator per word; worst-case slots. */
ROWSTAT_STATIC_ASSERT(ROWSTAT_RLC_PAIRS_PER_WORD * ROWSTAT_RLC_PAIR_BITS + 1 == 64, "word");
ROWSTAT_STATIC_ASSERT(ROWSTAT_RLC_SLOT_BYTES(1) == 8, "slot 1");
ROWSTAT_STATIC_ASSERT(ROWSTAT_RLC_SLOT_BYTES(3) == 8, "slot 3");
ROWSTAT_STATIC_ASSERT(ROWSTAT_RLC_SLOT_BYTES(4) == 16, "slot 4");
ROWSTAT_STATIC_ASSERT(ROWSTAT_RLC_SLOT_BYTES(169) == 8 * 57, "slot 169");

/* The record's counts mirror the host counters field for field. */
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_job_stats) - offsetof(struct rowstat_job_stats, cycles) ==
		      sizeof(struct rs_hw_counters), "stats record and counters");

/* Counters whose every field differs, so a swapped field shows. */
static void distinct_counters(struct rs_hw_counters *c)
{
	uint64_t *v = (uint64_t *)c;

	for (size_t i = 0; i < sizeof(*c) / sizeof(uint64_t); i++)
		v[i] = 0x0101010101010101ull * (i + 1) + i;
}

START_TEST(stats_record_is_little_endian)
{
	struct rs_hw_counters c;
	struct rowstat_job_stats st;
	const uint8_t *b = (const uint8_t *)&st;

	memset(&c, 0, sizeof(c));
	c.cycles = 0x0102030405060708ull;
	c.energy[ROWSTAT_LEVEL_DRAM][ROWSTAT_DT_PSUM] = 0xa1;
	rs_hw_stats_encode(ROWSTAT_ERR_HAZARD, 0x1234, 0, &c, &st);
	ck_assert_uint_eq(b[offsetof(struct rowstat_job_stats, version)], ROWSTAT_STATS_VERSION);
	ck_assert_uint_eq(b[offsetof(struct rowstat_job_stats, status)], ROWSTAT_ERR_HAZARD);
	ck_assert_uint_eq(b[offsetof(struct rowstat_job_stats, error_offset)], 0x34);
	ck_assert_uint_eq(b[offsetof(struct rowstat_job_stats, error_offset) + 1], 0x12);
	ck_assert_uint_eq(b[offsetof(struct rowstat_job_stats, cycles)], 0x08);
	ck_assert_uint_eq(b[offsetof(struct rowstat_job_stats, cycles) + 7], 0x01);
	ck_assert_uint_eq(b[offsetof(struct rowstat_job_stats, energy) +
			    8 * (ROWSTAT_LEVEL_DRAM * ROWSTAT_DT_COUNT + ROWSTAT_DT_PSUM)], 0xa1);
}
END_TEST

START_TEST(stats_record_round_trips)
{
	struct rs_hw_counters c, back;
	struct rowstat_job_stats st;
	enum rowstat_status status;
	uint32_t offset;
	uint64_t fault;

	distinct_counters(&c);
	rs_hw_stats_encode(ROWSTAT_ERR_FAULT, 1234, 0xdead0000beefull, &c, &st);
	memset(&back, 0, sizeof(back));
	ck_assert_int_eq(rs_hw_stats_decode(&st, &status, &offset, &fault, &back), 0);
	ck_assert_int_eq(status, ROWSTAT_ERR_FAULT);
	ck_assert_uint_eq(offset, 1234);
	ck_assert_uint_eq(fault, 0xdead0000beefull);
	ck_assert_mem_eq(&back, &c, sizeof(c));
	/* A record of another version is refused. */
	st.version = 0;
	ck_assert_int_eq(rs_hw_stats_decode(&st, &status, &offset, &fault, &back), -1);
}
END_TEST

/* The value written after `prefix` in the file's text; ~0 when absent. */
static unsigned long syz_value(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);

	return p ? strtoul(p + strlen(prefix), NULL, 0) : ~0ul;
}

/*
 * tests/syzkaller/dev_rowstat.txt spells out the ioctl numbers, the
 * GET_PARAM values and BO_CREATE's flags (syz-extract cannot see our
 * header): they must be the header's.  Run from the repository root, as make does.
 */
START_TEST(syzkaller_description_matches_the_header)
{
	static const struct {
		const char *prefix;
		unsigned long want;
	} calls[] = {
		{ "ioctl$ROWSTAT_GET_PARAM(fd fd_rowstat, cmd const[", DRM_IOCTL_ROWSTAT_GET_PARAM },
		{ "ioctl$ROWSTAT_BO_CREATE(fd fd_rowstat, cmd const[", DRM_IOCTL_ROWSTAT_BO_CREATE },
		{ "ioctl$ROWSTAT_BO_INFO(fd fd_rowstat, cmd const[", DRM_IOCTL_ROWSTAT_BO_INFO },
		{ "ioctl$ROWSTAT_BO_WAIT(fd fd_rowstat, cmd const[", DRM_IOCTL_ROWSTAT_BO_WAIT },
		{ "ioctl$ROWSTAT_SUBMIT(fd fd_rowstat, cmd const[", DRM_IOCTL_ROWSTAT_SUBMIT },
		{ "stream_bytes\tint32[8:", ROWSTAT_STREAM_MAX_BYTES },
		{ "size\t\tint64[1:", ROWSTAT_BO_MAX_BYTES },
	};
	char text[8192];
	FILE *f = fopen("tests/syzkaller/dev_rowstat.txt", "r");
	size_t n;
	char want[256] = "rowstat_param = 0";

	ck_assert_msg(f != NULL, "tests/syzkaller/dev_rowstat.txt: run from the repository root");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	ck_assert_uint_lt(n, sizeof(text) - 1);
	text[n] = 0;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		ck_assert_msg(syz_value(text, calls[i].prefix) == calls[i].want,
			      "%s: 0x%lx in the description, 0x%lx in the header",
			      calls[i].prefix, syz_value(text, calls[i].prefix), calls[i].want);
	for (unsigned p = 1; p < ROWSTAT_PARAM_COUNT; p++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), ", %u", p);
	strcat(want, "\n");
	ck_assert_msg(strstr(text, want) != NULL, "rowstat_param must list 0..%u",
		      ROWSTAT_PARAM_COUNT - 1);
	snprintf(want, sizeof(want), "rowstat_bo_flags = 0x%x\n", ROWSTAT_BO_FLAGS);
	ck_assert_msg(strstr(text, want) != NULL, "rowstat_bo_flags must be 0x%x",
		      ROWSTAT_BO_FLAGS);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("uapi");
	TCase *tc = tcase_create("stats-record");

	tcase_add_test(tc, stats_record_is_little_endian);
	tcase_add_test(tc, stats_record_round_trips);
	tcase_add_test(tc, syzkaller_description_matches_the_header);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
