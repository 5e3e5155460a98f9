// SPDX-License-Identifier: MIT
/*
 * Every way a command stream can be malformed ends the job with its own
 * status code, the byte offset of the offending command and a message that
 * names the field; a stream refused at validation changes no memory; data
 * faults (unmapped memory, corrupt compressed data) stop the job cleanly.
 */
#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "layer_run.h"

static struct rs_hw_params hw;
static struct rs_model *model;
static struct layer_case lc;	/* a small valid layer, placed in memory */
static uint8_t *base;		/* its stream */
static size_t base_len;

/* One filter of 3x3 over a 6x5 image, two channels, padding 1, bias, ReLU. */
static void setup(void)
{
	struct rng r = { 1 };
	char err[256];

	rs_hw_params_default(&hw);
	model = rs_model_create(&hw);
	memset(&lc, 0, sizeof(lc));
	lc.cv = (struct accel_conv){
		.batch = 1, .in_channels = 2, .in_height = 6, .in_width = 5,
		.out_channels = 3, .kernel_h = 3, .kernel_w = 3, .groups = 1,
		.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1,
		.pad_left = 1, .pad_right = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.relu = true, .bias = true, .requant_mult = 1, .requant_shift = 6,
	};
	lc.map = (struct accel_mapping){
		.set_rows = 3, .set_cols = 6, .filters_per_pe = 3,
		.channels_per_pe = 2, .filter_sets = 1, .channel_sets = 1,
		.taps_per_pe = 3, .images_per_pass = 1, .tile_n = 1, .tile_e = 6,
		.tile_f = 5, .tile_m = 3, .tile_c = 2,
	};
	ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.2, 8), 0);
	ck_assert_int_eq(layer_place(&lc, &hw, err, sizeof(err)), 0);
	base = malloc(lc.stream.len + 4096);
	memcpy(base, lc.stream.buf, lc.stream.len);
	base_len = lc.stream.len;
}

static void teardown(void)
{
	free(base);
	layer_free(&lc);
	rs_model_destroy(model);
}

/* Offset of the idx-th command with this opcode in the base stream. */
static size_t find(const uint8_t *s, size_t len, unsigned opcode, unsigned idx)
{
	for (size_t off = 0; off < len; off += 4u * (s[off + 2] | (s[off + 3] << 8))) {
		if (s[off] == opcode && idx-- == 0)
			return off;
	}
	ck_abort_msg("opcode %u not found", opcode);
	return 0;
}

/* Runs `len` bytes of `s` placed at the stream's VA; checks the outcome. */
static struct rs_model_result expect_at(const uint8_t *s, size_t len, uint64_t va,
				      enum rowstat_status status, size_t offset,
				      const char *detail)
{
	struct rs_model_result res;

	ck_assert(va - lc.mem.base + len <= lc.mem.size);
	memcpy(sim_mem_ptr(&lc.mem, va), s, len);
	rs_model_run(model, va, (uint32_t)len, &lc.mem.ops, NULL, &res);
	ck_assert_msg(res.status == status, "status %s (%s), expected %s",
		      rs_hw_status_name(res.status), res.detail, rs_hw_status_name(status));
	if (status != ROWSTAT_OK) {
		ck_assert_msg(res.error_offset == offset, "offset %u, expected %zu (%s)",
			      res.error_offset, offset, res.detail);
		ck_assert_msg(strstr(res.detail, detail), "detail \"%s\" lacks \"%s\"",
			      res.detail, detail);
	}
	return res;
}

static struct rs_model_result expect(const uint8_t *s, size_t len,
				   enum rowstat_status status, size_t offset,
				   const char *detail)
{
	return expect_at(s, len, lc.stream_va, status, offset, detail);
}

/* A copy of the base stream with one command edited through `edit`. */
#define WITH_CMD(type, opcode, idx, edit_stmt, status, detail) do {	\
	uint8_t *s = malloc(base_len);					\
	size_t off = find(base, base_len, opcode, idx);			\
	type c;								\
									\
	memcpy(s, base, base_len);					\
	memcpy(&c, s + off, sizeof(c));					\
	edit_stmt;							\
	memcpy(s + off, &c, sizeof(c));					\
	expect(s, base_len, status, off, detail);			\
	free(s);							\
} while (0)

START_TEST(base_stream_runs)
{
	expect(base, base_len, ROWSTAT_OK, 0, "");
}
END_TEST

START_TEST(stream_alignment_and_size)
{
	struct rs_model_result res;

	/* No command is at fault: the offset says so (docs/hardware.md 7.8). */
	rs_model_run(model, lc.stream_va + 4, (uint32_t)base_len, &lc.mem.ops, NULL, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_STREAM_ALIGN);
	ck_assert_uint_eq(res.error_offset, ROWSTAT_NO_OFFSET);
	rs_model_run(model, lc.stream_va, (uint32_t)base_len - 4, &lc.mem.ops, NULL, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_STREAM_ALIGN);
	ck_assert_uint_eq(res.error_offset, ROWSTAT_NO_OFFSET);
	rs_model_run(model, lc.stream_va, 0, &lc.mem.ops, NULL, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_STREAM_SIZE);
	ck_assert_uint_eq(res.error_offset, ROWSTAT_NO_OFFSET);
	rs_model_run(model, lc.stream_va, ROWSTAT_STREAM_MAX_BYTES + 8, &lc.mem.ops, NULL, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_STREAM_SIZE);
	ck_assert_uint_eq(res.error_offset, ROWSTAT_NO_OFFSET);
	ck_assert_ptr_nonnull(strstr(res.detail, "allowed"));
}
END_TEST

START_TEST(truncated_streams)
{
	size_t end = find(base, base_len, ROWSTAT_OP_END, 0);
	size_t layer = find(base, base_len, ROWSTAT_OP_LAYER, 0);

	/* Everything but END. */
	expect(base, end, ROWSTAT_ERR_TRUNCATED, end, "without END");
	/* A LAYER cut after 32 of its 64 bytes. */
	expect(base, layer + 32, ROWSTAT_ERR_TRUNCATED, layer, "past the stream's end");
}
END_TEST

START_TEST(unknown_opcodes_and_wrong_sizes)
{
	WITH_CMD(struct rowstat_cmd_barrier, ROWSTAT_OP_BARRIER, 0,
		 c.hdr.opcode = 0x77, ROWSTAT_ERR_OPCODE, "unknown opcode 119");
	WITH_CMD(struct rowstat_cmd_barrier, ROWSTAT_OP_BARRIER, 0,
		 c.hdr.opcode = 0, ROWSTAT_ERR_OPCODE, "unknown opcode 0");
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0,
		 c.hdr.dwords = htole16(14), ROWSTAT_ERR_CMD_SIZE, "LAYER.dwords 14, expected 16");
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0,
		 c.hdr.dwords = 0, ROWSTAT_ERR_CMD_SIZE, "PASS.dwords 0");
}
END_TEST

START_TEST(reserved_fields_must_be_zero)
{
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0, c.hdr.reserved = 1,
		 ROWSTAT_ERR_RESERVED, "LAYER header reserved byte");
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0, c.reserved1 = 5,
		 ROWSTAT_ERR_RESERVED, "LAYER reserved field");
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0, c.flags |= 0x80,
		 ROWSTAT_ERR_RESERVED, "LAYER.flags unknown bits 0x80");
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0,
		 c.flags &= ~ROWSTAT_LAYER_BIAS, ROWSTAT_ERR_RESERVED,
		 "LAYER.bias_va set without the BIAS flag");
	WITH_CMD(struct rowstat_cmd_mapping, ROWSTAT_OP_MAPPING, 0, c.reserved = 1,
		 ROWSTAT_ERR_RESERVED, "MAPPING reserved");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0, c.reserved1 = 1,
		 ROWSTAT_ERR_RESERVED, "DMA reserved");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0, c.flags = 0x10,
		 ROWSTAT_ERR_RESERVED, "DMA.flags unknown bits 0x10");
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0, c.reserved1[0] = 1,
		 ROWSTAT_ERR_RESERVED, "PASS reserved");
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0, c.flags |= htole16(0x100),
		 ROWSTAT_ERR_RESERVED, "PASS.flags unknown bits 0x100");
	WITH_CMD(struct rowstat_cmd_barrier, ROWSTAT_OP_BARRIER, 0, c.reserved = 1,
		 ROWSTAT_ERR_RESERVED, "BARRIER reserved");
	WITH_CMD(struct rowstat_cmd_end, ROWSTAT_OP_END, 0, c.reserved = 1,
		 ROWSTAT_ERR_RESERVED, "END reserved");
}
END_TEST

START_TEST(commands_need_a_layer_and_a_mapping)
{
	struct accel_stream s;
	struct rowstat_cmd_dma d;
	struct rowstat_cmd_pass p;

	memcpy(&d, base + find(base, base_len, ROWSTAT_OP_DMA, 0), sizeof(d));
	memcpy(&p, base + find(base, base_len, ROWSTAT_OP_PASS, 0), sizeof(p));
	accel_stream_init(&s);
	accel_stream_mapping(&s, &lc.map);
	accel_stream_end(&s);
	expect(s.buf, s.len, ROWSTAT_ERR_NO_LAYER, 0, "MAPPING before any LAYER");
	accel_stream_free(&s);
	accel_stream_init(&s);
	accel_stream_dma(&s, &d);
	accel_stream_end(&s);
	expect(s.buf, s.len, ROWSTAT_ERR_NO_LAYER, 0, "DMA before any LAYER");
	accel_stream_free(&s);
	accel_stream_init(&s);
	accel_stream_pass(&s, &p);
	accel_stream_end(&s);
	expect(s.buf, s.len, ROWSTAT_ERR_NO_LAYER, 0, "PASS before any LAYER");
	accel_stream_free(&s);
	/* A new LAYER drops the mapping of the previous one. */
	accel_stream_init(&s);
	accel_stream_layer(&s, &lc.cv, lc.filter_va, lc.bias_va);
	accel_stream_mapping(&s, &lc.map);
	accel_stream_layer(&s, &lc.cv, lc.filter_va, lc.bias_va);
	accel_stream_pass(&s, &p);
	accel_stream_end(&s);
	expect(s.buf, s.len, ROWSTAT_ERR_NO_MAPPING, 64 + 24 + 64, "PASS before a MAPPING");
	accel_stream_free(&s);
}
END_TEST

#define LAYER_SHAPE(field, value, detail)				\
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0,		\
		 c.field = (value), ROWSTAT_ERR_LAYER_SHAPE, detail)

START_TEST(layer_shapes_out_of_range)
{
	LAYER_SHAPE(batch, 0, "LAYER.batch 0 outside 1..1024");
	LAYER_SHAPE(batch, htole16(2000), "LAYER.batch 2000");
	LAYER_SHAPE(in_channels, 0, "LAYER.in_channels 0");
	LAYER_SHAPE(in_height, htole16(5000), "LAYER.in_height 5000");
	LAYER_SHAPE(in_width, 0, "LAYER.in_width 0");
	LAYER_SHAPE(out_channels, htole16(9000), "LAYER.out_channels 9000");
	LAYER_SHAPE(kernel_h, htole16(65), "LAYER.kernel_h 65");
	LAYER_SHAPE(kernel_w, 0, "LAYER.kernel_w 0");
	LAYER_SHAPE(groups, 0, "LAYER.groups 0");
	LAYER_SHAPE(groups, htole16(3), "LAYER.groups 3 outside 1..2");
	LAYER_SHAPE(stride_h, 0, "LAYER.stride_h 0");
	LAYER_SHAPE(stride_w, 17, "LAYER.stride_w 17");
	LAYER_SHAPE(pad_top, 3, "LAYER.pad_top 3 outside 0..2");
	LAYER_SHAPE(pad_right, 9, "LAYER.pad_right 9");
	LAYER_SHAPE(out_height, htole16(5), "LAYER.out_height 5, the shape gives 6");
	LAYER_SHAPE(out_width, htole16(9), "LAYER.out_width 9, the shape gives 5");
	LAYER_SHAPE(filter_va, htole64(lc.filter_va + 1), "LAYER.filter_va");
	LAYER_SHAPE(bias_va, htole64(lc.bias_va + 2), "LAYER.bias_va");
	/* Odd for 16-bit filters, then shorter than one filter. */
	LAYER_SHAPE(filter_stride, htole32(3), "LAYER.filter_stride 3: 0 or a multiple of 2");
	LAYER_SHAPE(filter_stride, htole32(2), "LAYER.filter_stride 2: 0 or a multiple of 2");
	/* Two groups with three filters: 3 is not divisible by 2. */
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0,
		 (c.groups = htole16(2), c.out_channels = htole16(3)),
		 ROWSTAT_ERR_LAYER_SHAPE, "does not divide");
	/* A 7-row kernel on 6 rows padded by 0. */
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0,
		 (c.kernel_h = htole16(9), c.pad_top = 0, c.pad_bottom = 0),
		 ROWSTAT_ERR_LAYER_SHAPE, "larger than the padded input");
}
END_TEST

START_TEST(layer_precision_and_quantization)
{
	struct rs_hw_params q16 = hw;
	struct rs_model *only_q16;
	struct rs_model_result res;

	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0, c.ifmap_prec = 3,
		 ROWSTAT_ERR_LAYER_PREC, "LAYER.ifmap_prec 3 not supported");
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0, c.ofmap_prec = 0,
		 ROWSTAT_ERR_LAYER_PREC, "LAYER.ofmap_prec 0");
	WITH_CMD(struct rowstat_cmd_layer, ROWSTAT_OP_LAYER, 0, c.requant_shift = 63,
		 ROWSTAT_ERR_LAYER_QUANT, "LAYER.requant_shift 63 above 62");
	/* A device without INT8 refuses INT8 filters. */
	q16.precisions = ROWSTAT_PREC_BIT(ROWSTAT_PREC_Q16);
	only_q16 = rs_model_create(&q16);
	ck_assert_ptr_nonnull(only_q16);
	{
		uint8_t *s = malloc(base_len);
		size_t off = find(base, base_len, ROWSTAT_OP_LAYER, 0);

		memcpy(s, base, base_len);
		s[off + offsetof(struct rowstat_cmd_layer, filter_prec)] = ROWSTAT_PREC_INT8;
		memcpy(sim_mem_ptr(&lc.mem, lc.stream_va), s, base_len);
		rs_model_run(only_q16, lc.stream_va, (uint32_t)base_len, &lc.mem.ops, NULL, &res);
		ck_assert_int_eq(res.status, ROWSTAT_ERR_LAYER_PREC);
		ck_assert_ptr_nonnull(strstr(res.detail, "LAYER.filter_prec 2 not supported"));
		free(s);
	}
	rs_model_destroy(only_q16);
}
END_TEST

#define MAPPING(field, value, status, detail)				\
	WITH_CMD(struct rowstat_cmd_mapping, ROWSTAT_OP_MAPPING, 0,	\
		 c.field = htole16(value), status, detail)

START_TEST(mappings_that_do_not_fit)
{
	MAPPING(set_rows, 0, ROWSTAT_ERR_MAP_ARRAY, "MAPPING.set_rows is zero");
	MAPPING(images_per_pass, 0, ROWSTAT_ERR_MAP_ARRAY, "MAPPING.images_per_pass is zero");
	MAPPING(images_per_pass, 1025, ROWSTAT_ERR_MAP_ARRAY, "MAPPING.images_per_pass 1025");
	MAPPING(set_rows, 13, ROWSTAT_ERR_MAP_ARRAY, "exceeds the array's 12 rows");
	/* 5 rows x 50 columns folds into 4 strips = 20 rows. */
	WITH_CMD(struct rowstat_cmd_mapping, ROWSTAT_OP_MAPPING, 0,
		 (c.set_rows = htole16(5), c.set_cols = htole16(50)),
		 ROWSTAT_ERR_MAP_ARRAY, "does not fit the 12x14 array");
	/* 3-row sets: four stack in a column, so five channel sets cannot. */
	MAPPING(channel_sets, 5, ROWSTAT_ERR_MAP_ARRAY, "only 4 sets stack");
	/* 3x6 sets: 4 x 2 slots; 3 channel sets leave one slot per column. */
	WITH_CMD(struct rowstat_cmd_mapping, ROWSTAT_OP_MAPPING, 0,
		 (c.channel_sets = htole16(3), c.filter_sets = htole16(3)),
		 ROWSTAT_ERR_MAP_ARRAY, "filter_sets 3 x channel_sets 3");
	WITH_CMD(struct rowstat_cmd_mapping, ROWSTAT_OP_MAPPING, 0,
		 (c.filters_per_pe = htole16(24), c.channels_per_pe = htole16(4)),
		 ROWSTAT_ERR_MAP_RF, "x taps_per_pe 3 exceeds the filter RF (224)");
	MAPPING(channels_per_pe, 5, ROWSTAT_ERR_MAP_RF, "exceeds the ifmap RF (12)");
	WITH_CMD(struct rowstat_cmd_mapping, ROWSTAT_OP_MAPPING, 0,
		 (c.filters_per_pe = htole16(25), c.channels_per_pe = htole16(1),
		  c.taps_per_pe = htole16(1)),
		 ROWSTAT_ERR_MAP_RF, "exceeds the psum RF (24)");
}
END_TEST

#define PASS_FIELD(field, value, status, detail)			\
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0,		\
		 c.field = htole16(value), status, detail)

START_TEST(passes_outside_the_layer_or_mapping)
{
	PASS_FIELD(m_count, 0, ROWSTAT_ERR_PASS_RANGE, "PASS.m_count is zero");
	PASS_FIELD(n0, 1, ROWSTAT_ERR_PASS_RANGE, "PASS.n0 1 + n_count 1 beyond the layer's 1");
	PASS_FIELD(e_count, 7, ROWSTAT_ERR_PASS_RANGE, "PASS.e0 0 + e_count 7");
	PASS_FIELD(s0, 1, ROWSTAT_ERR_PASS_RANGE, "PASS.s0 1 + s_count 3");
	PASS_FIELD(f_count, 6, ROWSTAT_ERR_PASS_RANGE, "PASS.f0 0 + f_count 6");
	PASS_FIELD(r_count, 4, ROWSTAT_ERR_PASS_RANGE, "PASS.r0 0 + r_count 4");
	PASS_FIELD(c_count, 3, ROWSTAT_ERR_PASS_RANGE, "PASS.c0 0 + c_count 3");
	PASS_FIELD(m_count, 4, ROWSTAT_ERR_PASS_RANGE, "PASS.m0 0 + m_count 4");
}
END_TEST

/* Passes that exceed the mapping, and channel ranges that leave the group. */
START_TEST(passes_beyond_the_mapping_or_group)
{
	struct accel_stream s;
	struct rowstat_cmd_pass p;
	struct accel_mapping small = lc.map;
	struct accel_conv grouped = lc.cv;

	memcpy(&p, base + find(base, base_len, ROWSTAT_OP_PASS, 0), sizeof(p));
	small.filters_per_pe = 2;
	accel_stream_init(&s);
	accel_stream_layer(&s, &lc.cv, lc.filter_va, lc.bias_va);
	accel_stream_mapping(&s, &small);
	accel_stream_pass(&s, &p);
	accel_stream_end(&s);
	expect(s.buf, s.len, ROWSTAT_ERR_PASS_RANGE, 88,
	       "PASS.m_count 3 exceeds filters_per_pe x filter_sets 2");
	accel_stream_free(&s);

	/* Two groups of one channel: a pass over both channels crosses groups. */
	grouped.groups = 1;
	grouped.out_channels = 2;
	grouped.groups = 2;
	accel_stream_init(&s);
	accel_stream_layer(&s, &grouped, lc.filter_va, lc.bias_va);
	accel_stream_mapping(&s, &lc.map);
	p.m_count = htole16(1);
	accel_stream_pass(&s, &p);
	accel_stream_end(&s);
	expect(s.buf, s.len, ROWSTAT_ERR_PASS_RANGE, 88, "outside group 0 (0..0)");
	accel_stream_free(&s);
	accel_stream_init(&s);
	accel_stream_layer(&s, &grouped, lc.filter_va, lc.bias_va);
	accel_stream_mapping(&s, &lc.map);
	p.m_count = htole16(2);
	p.c_count = htole16(1);
	accel_stream_pass(&s, &p);
	accel_stream_end(&s);
	expect(s.buf, s.len, ROWSTAT_ERR_PASS_RANGE, 88, "span two groups");
	accel_stream_free(&s);
}
END_TEST

START_TEST(glb_tiles_must_hold_the_pass)
{
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0,
		 c.ifmap.extent[1] = htole16(5), ROWSTAT_ERR_PASS_TILE,
		 "PASS.ifmap holds rows 0..4, the pass uses 0..5");
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0,
		 c.ifmap.origin[0] = htole16(1), ROWSTAT_ERR_PASS_TILE,
		 "PASS.ifmap columns origin 1 + extent 5 beyond the layer's 5");
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0,
		 c.psum.extent[2] = htole16(2), ROWSTAT_ERR_PASS_TILE,
		 "PASS.psum holds filters 0..1, the pass uses 0..2");
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0,
		 c.psum.extent[3] = 0, ROWSTAT_ERR_PASS_TILE, "PASS.psum.extent[3] is zero");
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0,
		 c.psum.addr = htole32(hw.glb_bytes - 8), ROWSTAT_ERR_GLB_BOUNDS,
		 "PASS.psum GLB range");
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0,
		 c.psum.addr = htole32(2), ROWSTAT_ERR_GLB_BOUNDS,
		 "PASS.psum.addr 0x2 not 4-byte aligned");
	WITH_CMD(struct rowstat_cmd_pass, ROWSTAT_OP_PASS, 0,
		 c.ifmap.stride[0] = htole32(11), ROWSTAT_ERR_GLB_BOUNDS,
		 "PASS.ifmap.stride[0] 11 not a multiple of 2");
}
END_TEST

START_TEST(dma_commands_out_of_shape)
{
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0, c.direction = 3,
		 ROWSTAT_ERR_DMA_SHAPE, "DMA.direction 3");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0, c.dtype = ROWSTAT_DT_FILTER,
		 ROWSTAT_ERR_DMA_SHAPE, "only ifmap loads and psum stores");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0, c.count[2] = 0,
		 ROWSTAT_ERR_DMA_SHAPE, "DMA.count[2] is zero");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0,
		 (c.count[0] = htole32(70000), c.count[1] = htole32(70000)),
		 ROWSTAT_ERR_DMA_SHAPE, "more than 2^32 elements");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0,
		 c.dram_va = htole64(lc.in.va + 1), ROWSTAT_ERR_DMA_SHAPE,
		 "not 2-byte aligned");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0,
		 c.dram_stride[1] = htole32(7), ROWSTAT_ERR_DMA_SHAPE,
		 "DMA.dram_stride[1] 7 not a multiple of 2");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0,
		 c.dram_va = htole64((1ull << 39) - 16), ROWSTAT_ERR_DMA_SHAPE,
		 "leaves the 39-bit VA space");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0,
		 (c.flags = ROWSTAT_DMA_RLC, c.dram_va = htole64(lc.in.va + 2)),
		 ROWSTAT_ERR_DMA_SHAPE, "not 8-byte aligned for RLC");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0,
		 (c.flags = ROWSTAT_DMA_RLC, c.dram_stride[0] = htole32(12)),
		 ROWSTAT_ERR_DMA_SHAPE, "DMA.dram_stride[0] 12 not a multiple of 8");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0,
		 (c.flags = ROWSTAT_DMA_RLC, c.dram_stride[0] = htole32(8),
		  c.dram_stride[1] = htole32(64), c.dram_stride[2] = htole32(128)),
		 ROWSTAT_ERR_DMA_SHAPE, "smaller than the RLC slot of 5 values (16 bytes)");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0,
		 c.glb_addr = htole32(hw.glb_bytes - 4), ROWSTAT_ERR_GLB_BOUNDS,
		 "past the GLB's 110592 bytes");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0,
		 c.glb_addr = htole32(1), ROWSTAT_ERR_GLB_BOUNDS,
		 "DMA.glb_addr 0x1 not 2-byte aligned");
}
END_TEST

START_TEST(dma_and_pass_racing_on_the_glb)
{
	struct accel_stream s;
	struct rowstat_cmd_dma load, store;
	struct rowstat_cmd_pass p;
	size_t pass_off;

	memcpy(&load, base + find(base, base_len, ROWSTAT_OP_DMA, 0), sizeof(load));
	memcpy(&store, base + find(base, base_len, ROWSTAT_OP_DMA, 1), sizeof(store));
	memcpy(&p, base + find(base, base_len, ROWSTAT_OP_PASS, 0), sizeof(p));
	/* The load and the pass that reads it without a BARRIER between. */
	accel_stream_init(&s);
	accel_stream_layer(&s, &lc.cv, lc.filter_va, lc.bias_va);
	accel_stream_mapping(&s, &lc.map);
	accel_stream_dma(&s, &load);
	pass_off = s.len;
	accel_stream_pass(&s, &p);
	accel_stream_end(&s);
	expect(s.buf, s.len, ROWSTAT_ERR_HAZARD, pass_off, "that a DMA loads");
	accel_stream_free(&s);
	/* The store of psums a pass in the same phase writes. */
	accel_stream_init(&s);
	accel_stream_layer(&s, &lc.cv, lc.filter_va, lc.bias_va);
	accel_stream_mapping(&s, &lc.map);
	accel_stream_dma(&s, &load);
	accel_stream_barrier(&s);
	accel_stream_pass(&s, &p);
	pass_off = s.len;
	accel_stream_dma(&s, &store);
	accel_stream_end(&s);
	expect(s.buf, s.len, ROWSTAT_ERR_HAZARD, pass_off, "races a pass");
	accel_stream_free(&s);
}
END_TEST

/* A stream refused at validation has written nothing, even stores before the fault. */
START_TEST(refused_streams_change_no_memory)
{
	uint8_t *s = malloc(base_len + 8);
	size_t end = find(base, base_len, ROWSTAT_OP_END, 0);
	size_t out_bytes = accel_tensor_bytes(1, 3, 6, 5, 2, &lc.out);
	uint8_t *before = malloc(out_bytes);

	memset(sim_mem_ptr(&lc.mem, lc.out.va), 0xa5, out_bytes);
	memcpy(before, sim_mem_ptr(&lc.mem, lc.out.va), out_bytes);
	/* The valid stream, then an unknown command instead of END. */
	memcpy(s, base, base_len);
	s[end] = 0x42;
	expect(s, base_len, ROWSTAT_ERR_OPCODE, end, "unknown opcode 66");
	ck_assert_mem_eq(sim_mem_ptr(&lc.mem, lc.out.va), before, out_bytes);
	free(s);
	free(before);
}
END_TEST

START_TEST(faults_stop_the_job_and_name_the_address)
{
	uint64_t bad = (lc.mem.base + lc.mem.size + 0x1000) & ~7ull;
	struct rs_model_result res;

	/* The stream itself is unmapped. */
	rs_model_run(model, bad, 64, &lc.mem.ops, NULL, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_FAULT);
	ck_assert_uint_eq(res.fault_va, bad);
	ck_assert_uint_eq(res.error_offset, ROWSTAT_NO_OFFSET);
	ck_assert(!res.fault_write);
	/* A DMA load from, and a store to, unmapped memory. */
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 0, c.dram_va = htole64(bad),
		 ROWSTAT_ERR_FAULT, "DMA load read faulted");
	WITH_CMD(struct rowstat_cmd_dma, ROWSTAT_OP_DMA, 1, c.dram_va = htole64(bad),
		 ROWSTAT_ERR_FAULT, "DMA store write faulted");
	/* Filters and bias are fetched by the PASS that needs them. */
	for (int which = 0; which < 2; which++) {
		uint8_t *s = malloc(base_len);
		size_t off = find(base, base_len, ROWSTAT_OP_LAYER, 0);
		struct rowstat_cmd_layer c;

		memcpy(s, base, base_len);
		memcpy(&c, s + off, sizeof(c));
		if (which)
			c.bias_va = htole64(bad);
		else
			c.filter_va = htole64(bad);
		memcpy(s + off, &c, sizeof(c));
		res = expect(s, base_len, ROWSTAT_ERR_FAULT,
			     find(base, base_len, ROWSTAT_OP_PASS, 0),
			     which ? "bias read faulted" : "filter read faulted");
		ck_assert_uint_eq(res.fault_va, bad);
		free(s);
	}
}
END_TEST

/* The offset a data fault reports is the command's, found at execution. */
START_TEST(fault_offsets_point_at_the_command)
{
	struct rs_model_result res;
	uint8_t *s = malloc(base_len);
	size_t off = find(base, base_len, ROWSTAT_OP_DMA, 1);
	struct rowstat_cmd_dma d;
	uint64_t bad = lc.mem.base + lc.mem.size + 0x2000;

	memcpy(s, base, base_len);
	memcpy(&d, s + off, sizeof(d));
	d.dram_va = htole64(bad);
	memcpy(s + off, &d, sizeof(d));
	res = expect(s, base_len, ROWSTAT_ERR_FAULT, off, "DMA store");
	ck_assert_uint_eq(res.fault_va, bad);
	ck_assert(res.fault_write);
	/* Work before the fault was done and counted. */
	ck_assert_uint_eq(res.counts.passes, 1);
	free(s);
}
END_TEST

START_TEST(corrupt_compressed_data_is_refused)
{
	struct layer_case rl;
	struct rng r = { 3 };
	struct rs_model_result res;
	char err[256];
	uint8_t *seg;

	memset(&rl, 0, sizeof(rl));
	rl.cv = lc.cv;
	rl.cv.ifmap_prec = ROWSTAT_PREC_INT8;
	rl.map = lc.map;
	rl.in = (struct accel_tensor){ .rlc = true, .seg_rows = 1 };
	ck_assert_int_eq(layer_alloc_data(&rl, &r, 0.5, 0), 0);
	ck_assert_int_eq(layer_place(&rl, &hw, err, sizeof(err)), 0);
	ck_assert_int_eq(layer_execute(model, &rl, &res, NULL), ROWSTAT_OK);
	/* The first row's segment: five values in two words, then no terminator. */
	seg = sim_mem_ptr(&rl.mem, rl.in.va);
	ck_assert_uint_eq(rs_hw_rlc_encode((const int16_t[]){ 1, 2, 3, 4, 5 }, 5, seg), 16);
	ck_assert_int_eq(layer_execute(model, &rl, &res, NULL), ROWSTAT_OK);
	seg[15] &= 0x7f;
	ck_assert_int_eq(layer_execute(model, &rl, &res, NULL), ROWSTAT_ERR_RLC);
	ck_assert_ptr_nonnull(strstr(res.detail, "RLC segment"));
	/* An int8 tensor whose level does not fit 8 bits. */
	rs_hw_rlc_encode((const int16_t[]){ 300, 0, 0, 0, 0 }, 5, seg);
	ck_assert_int_eq(layer_execute(model, &rl, &res, NULL), ROWSTAT_ERR_RLC);
	ck_assert_ptr_nonnull(strstr(res.detail, "RLC level 300 out of int8 range"));
	layer_free(&rl);
}
END_TEST

START_TEST(cancellation_and_validation_only)
{
	int cancel = 1;
	struct rs_model_opts opts = { .cancel = &cancel };
	struct rs_model_result res;

	rs_model_run(model, lc.stream_va, (uint32_t)base_len, &lc.mem.ops, &opts, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_CANCELLED);
	cancel = 0;
	opts.validate_only = true;
	rs_model_run(model, lc.stream_va, (uint32_t)base_len, &lc.mem.ops, &opts, &res);
	ck_assert_int_eq(res.status, ROWSTAT_OK);
	ck_assert_uint_eq(res.counts.macs, 0);
}
END_TEST

/* The firmware's command table decides which opcodes the device accepts. */
START_TEST(opcodes_the_firmware_does_not_enable)
{
	struct rs_hw_params no_pass = hw;
	struct rs_model *m;
	struct rs_model_result res;

	no_pass.opcode_mask &= ~(1u << ROWSTAT_OP_PASS);
	m = rs_model_create(&no_pass);
	ck_assert_ptr_nonnull(m);
	rs_model_run(m, lc.stream_va, (uint32_t)base_len, &lc.mem.ops, NULL, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_OPCODE);
	ck_assert_uint_eq(res.error_offset, find(base, base_len, ROWSTAT_OP_PASS, 0));
	ck_assert_str_eq(res.detail, "opcode 5 (PASS) not enabled by the firmware");
	rs_model_destroy(m);
}
END_TEST

START_TEST(every_status_has_a_name)
{
	for (int s = 0; s < ROWSTAT_ERR_COUNT; s++)
		ck_assert_str_ne(rs_hw_status_name(s), "unknown");
	ck_assert_str_eq(rs_hw_status_name(ROWSTAT_ERR_COUNT), "unknown");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("stream-errors");
	TCase *tc = tcase_create("malformed");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, base_stream_runs);
	tcase_add_test(tc, stream_alignment_and_size);
	tcase_add_test(tc, truncated_streams);
	tcase_add_test(tc, unknown_opcodes_and_wrong_sizes);
	tcase_add_test(tc, reserved_fields_must_be_zero);
	tcase_add_test(tc, commands_need_a_layer_and_a_mapping);
	tcase_add_test(tc, layer_shapes_out_of_range);
	tcase_add_test(tc, layer_precision_and_quantization);
	tcase_add_test(tc, mappings_that_do_not_fit);
	tcase_add_test(tc, passes_outside_the_layer_or_mapping);
	tcase_add_test(tc, passes_beyond_the_mapping_or_group);
	tcase_add_test(tc, glb_tiles_must_hold_the_pass);
	tcase_add_test(tc, dma_commands_out_of_shape);
	tcase_add_test(tc, dma_and_pass_racing_on_the_glb);
	tcase_add_test(tc, refused_streams_change_no_memory);
	tcase_add_test(tc, faults_stop_the_job_and_name_the_address);
	tcase_add_test(tc, fault_offsets_point_at_the_command);
	tcase_add_test(tc, corrupt_compressed_data_is_refused);
	tcase_add_test(tc, cancellation_and_validation_only);
	tcase_add_test(tc, opcodes_the_firmware_does_not_enable);
	tcase_add_test(tc, every_status_has_a_name);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
