// SPDX-License-Identifier: MIT
/*
 * The contracts in uapi/ have the layouts docs/hardware.md gives: field
 * offsets and sizes of every shared structure, register offsets that do
 * not collide, and the little-endian statistics record.
 */
#include <stddef.h>
#include <string.h>

#include "../../uapi/rowstat_fw.h"
#include "../support/check_main.h"
#include "../support/layer_run.h"

#define OFF(type, field, value) ck_assert_uint_eq(offsetof(struct type, field), value)

START_TEST(command_layouts)
{
	ck_assert_uint_eq(sizeof(struct rowstat_cmd_header), 4);
	OFF(rowstat_cmd_header, dwords, 2);
	ck_assert_uint_eq(sizeof(struct rowstat_cmd_layer), 64);
	OFF(rowstat_cmd_layer, ifmap_prec, 4);
	OFF(rowstat_cmd_layer, batch, 8);
	OFF(rowstat_cmd_layer, out_height, 24);
	OFF(rowstat_cmd_layer, stride_h, 28);
	OFF(rowstat_cmd_layer, pad_left, 32);
	OFF(rowstat_cmd_layer, requant_shift, 34);
	OFF(rowstat_cmd_layer, requant_mult, 36);
	OFF(rowstat_cmd_layer, filter_va, 48);
	OFF(rowstat_cmd_layer, bias_va, 56);
	ck_assert_uint_eq(sizeof(struct rowstat_cmd_mapping), 24);
	OFF(rowstat_cmd_mapping, set_rows, 4);
	OFF(rowstat_cmd_mapping, images_per_pass, 18);
	ck_assert_uint_eq(sizeof(struct rowstat_cmd_dma), 64);
	OFF(rowstat_cmd_dma, direction, 4);
	OFF(rowstat_cmd_dma, dram_va, 8);
	OFF(rowstat_cmd_dma, glb_addr, 16);
	OFF(rowstat_cmd_dma, count, 20);
	OFF(rowstat_cmd_dma, dram_stride, 36);
	OFF(rowstat_cmd_dma, glb_stride, 48);
	ck_assert_uint_eq(sizeof(struct rowstat_glb_tile), 32);
	OFF(rowstat_glb_tile, origin, 4);
	OFF(rowstat_glb_tile, extent, 12);
	OFF(rowstat_glb_tile, stride, 20);
	ck_assert_uint_eq(sizeof(struct rowstat_cmd_pass), 104);
	OFF(rowstat_cmd_pass, flags, 4);
	OFF(rowstat_cmd_pass, n0, 8);
	OFF(rowstat_cmd_pass, s_count, 34);
	OFF(rowstat_cmd_pass, ifmap, 40);
	OFF(rowstat_cmd_pass, psum, 72);
	ck_assert_uint_eq(sizeof(struct rowstat_cmd_end), 8);
	ck_assert_uint_eq(sizeof(struct rowstat_cmd_barrier), 8);
	/* Every command keeps the stream 8-byte aligned. */
	ck_assert_uint_eq(sizeof(struct rowstat_cmd_pass) % ROWSTAT_STREAM_ALIGN, 0);
	ck_assert_uint_eq(sizeof(struct rowstat_cmd_mapping) % ROWSTAT_STREAM_ALIGN, 0);
}
END_TEST

START_TEST(device_memory_layouts)
{
	ck_assert_uint_eq(sizeof(struct rowstat_job_desc), 64);
	OFF(rowstat_job_desc, seqno, 8);
	OFF(rowstat_job_desc, stream_va, 16);
	OFF(rowstat_job_desc, stream_bytes, 24);
	OFF(rowstat_job_desc, context, 28);
	OFF(rowstat_job_desc, stats_va, 32);
	ck_assert_uint_eq(sizeof(struct rowstat_job_stats), 384);
	OFF(rowstat_job_stats, fault_va, 16);
	OFF(rowstat_job_stats, cycles, 24);
	OFF(rowstat_job_stats, dram_read_bytes, 80);
	OFF(rowstat_job_stats, energy, 264);
	ck_assert_uint_eq(sizeof(struct rowstat_fw_header), 32);
	OFF(rowstat_fw_header, crc32, 20);
	ck_assert_uint_eq(sizeof(struct rowstat_fw_section), 16);
	/* Page tables: 512 entries of 8 bytes fill a page. */
	ck_assert_uint_eq(ROWSTAT_PT_ENTRIES * 8, ROWSTAT_PAGE_SIZE);
	ck_assert_uint_eq(ROWSTAT_PT_INDEX((1ull << 39) - 1, 2), 511);
	ck_assert_uint_eq(ROWSTAT_PT_INDEX(0x40201000ull, 0), 1);
	ck_assert_uint_eq(ROWSTAT_PT_INDEX(0x40201000ull, 1), 1);
	ck_assert_uint_eq(ROWSTAT_PT_INDEX(0x40201000ull, 2), 1);
	ck_assert_uint_eq(ROWSTAT_PTE_ADDR_MASK & ROWSTAT_PTE_RESERVED_MASK, 0);
	ck_assert_uint_eq(ROWSTAT_PTE_ADDR_MASK | ROWSTAT_PTE_RESERVED_MASK |
			  ROWSTAT_PTE_VALID | ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE, ~0ull);
}
END_TEST

START_TEST(register_blocks_do_not_overlap)
{
	/* Rings, doorbells and contexts sit in their own pages of BAR0. */
	ck_assert_uint_lt(ROWSTAT_REG_PERF_HI(ROWSTAT_PERF_COUNT - 1), ROWSTAT_REG_RING_BASE);
	ck_assert_uint_le(ROWSTAT_REG_RING(ROWSTAT_MAX_RINGS - 1, ROWSTAT_RING_ERR_OFFSET) + 4,
			  ROWSTAT_REG_DOORBELL_BASE);
	ck_assert_uint_le(ROWSTAT_REG_DOORBELL(ROWSTAT_MAX_RINGS - 1) + 4, ROWSTAT_REG_CTX_BASE);
	ck_assert_uint_le(ROWSTAT_REG_CTX(ROWSTAT_MAX_CONTEXTS - 1, ROWSTAT_CTX_CTRL) + 4,
			  ROWSTAT_BAR_REGS_SIZE);
	ck_assert_uint_lt(ROWSTAT_RING_ERR_OFFSET, ROWSTAT_RING_STRIDE);
	/* Interrupt causes: one bit per ring below the error bits. */
	ck_assert_uint_lt(ROWSTAT_IRQ_RING(ROWSTAT_MAX_RINGS - 1), ROWSTAT_IRQ_JOB_ERROR);
	ck_assert_uint_eq(ROWSTAT_MSIX_VECTORS(4), 5);
}
END_TEST

START_TEST(rlc_slot_sizes)
{
	ck_assert_uint_eq(ROWSTAT_RLC_SLOT_BYTES(1), 8);
	ck_assert_uint_eq(ROWSTAT_RLC_SLOT_BYTES(3), 8);
	ck_assert_uint_eq(ROWSTAT_RLC_SLOT_BYTES(4), 16);
	ck_assert_uint_eq(ROWSTAT_RLC_SLOT_BYTES(169), 8 * 57);
	ck_assert_uint_eq(ROWSTAT_RLC_PAIRS_PER_WORD * ROWSTAT_RLC_PAIR_BITS + 1, 64);
}
END_TEST

START_TEST(stats_record_is_little_endian)
{
	struct rs_job_result res;
	struct rowstat_job_stats st;
	const uint8_t *b = (const uint8_t *)&st;

	memset(&res, 0, sizeof(res));
	res.status = ROWSTAT_ERR_HAZARD;
	res.error_offset = 0x1234;
	res.counts.cycles = 0x0102030405060708ull;
	res.counts.energy[ROWSTAT_LEVEL_DRAM][ROWSTAT_DT_PSUM] = 0xa1;
	rs_job_stats_encode(&res, &st);
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

static Suite *make_suite(void)
{
	Suite *s = suite_create("uapi");
	TCase *tc = tcase_create("layouts");

	tcase_add_test(tc, command_layouts);
	tcase_add_test(tc, device_memory_layouts);
	tcase_add_test(tc, register_blocks_do_not_overlap);
	tcase_add_test(tc, rlc_slot_sizes);
	tcase_add_test(tc, stats_record_is_little_endian);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
