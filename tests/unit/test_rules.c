// SPDX-License-Identifier: MIT
/*
 * The hardware rules library: one decision for the device and the
 * compiler.  Random mappings over the full range of every field, values
 * near each field's limit included, get the same verdict (and the same
 * words) from the compiler's check and from the device's decode of the
 * MAPPING the compiler would emit.  Also: the parameters read from a
 * device's registers, and the output-size rule at its edges.
 */
#include <errno.h>
#include <string.h>

#include <rowstat/compiler.h>
#include <rowstat_regs.h>
#include <rs_model.h>

#include "check_main.h"
#include "layer_run.h"

static struct rs_hw_params hw;

static void setup(void)
{
	rs_hw_params_default(&hw);
}

/* A value for one field: small, near a limit, or anywhere in 16 or 32 bits. */
static uint32_t draw_field(struct rng *r)
{
	static const uint32_t edges[] = {
		0, 1, 2, 3, 11, 12, 13, 14, 15, 23, 24, 25, 223, 224, 225, 1023, 1024,
		1025, 4096, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000, 0x10001, 0x1ffff,
		0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu,
	};
	uint64_t pick = rng_next(r);

	switch (pick % 5) {
	case 0:
	case 1:
		return 1 + (uint32_t)(pick >> 8) % 20;
	case 2:
		return edges[(pick >> 8) % (sizeof(edges) / sizeof(edges[0]))];
	case 3:
		return (uint32_t)(pick >> 16) & 0xffff;
	default:
		return (uint32_t)(pick >> 32);
	}
}

/* The device's verdict on LAYER + MAPPING + END, validated only. */
static enum rowstat_status device_verdict(struct rs_model *model, struct sim_mem *mem,
					  uint64_t va, const struct accel_conv *cv,
					  const struct accel_mapping *map,
					  struct rs_model_result *res)
{
	struct rs_model_opts opts = { .validate_only = true };
	struct accel_stream s;

	accel_stream_init(&s);
	accel_stream_layer(&s, cv, 0x1000, 0);
	/* What the compiler would emit: the stream carries 16-bit fields. */
	accel_stream_mapping(&s, map);
	accel_stream_end(&s);
	ck_assert_int_eq(s.error, 0);
	memcpy(sim_mem_ptr(mem, va), s.buf, s.len);
	rs_model_run(model, va, (uint32_t)s.len, &mem->ops, &opts, res);
	accel_stream_free(&s);
	return res->status;
}

START_TEST(compiler_and_device_agree_on_every_mapping)
{
	const struct accel_conv cv = {
		.batch = 2, .in_channels = 8, .in_height = 9, .in_width = 9,
		.out_channels = 8, .kernel_h = 3, .kernel_w = 3, .groups = 1,
		.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1,
		.pad_left = 1, .pad_right = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.requant_mult = 1,
	};
	const struct accel_tensor raw = { 0 };
	struct rs_model *model = rs_model_create(&hw);
	struct sim_mem mem;
	uint64_t va;
	unsigned count = test_quick() ? 40000 : 200000;
	unsigned accepted = 0, wide = 0, refused = 0;
	struct rng r = { 0x5eed };

	ck_assert_int_eq(sim_mem_init(&mem, 0x100000, 1 << 16), 0);
	va = sim_mem_alloc(&mem, 4096);
	for (unsigned i = 0; i < count; i++) {
		struct accel_mapping map = {
			.tile_n = 1, .tile_e = 1, .tile_f = 1, .tile_m = 1, .tile_c = 1,
		};
		unsigned *f[] = {
			&map.set_rows, &map.set_cols, &map.filters_per_pe,
			&map.channels_per_pe, &map.filter_sets, &map.channel_sets,
			&map.taps_per_pe, &map.images_per_pass,
		};
		struct rs_model_result res;
		char err[RS_MODEL_DETAIL_MAX];
		bool fits16 = true, compiler_ok;

		/*
		 * Half the cases: every field drawn.  The other half: a small,
		 * mostly legal mapping with one field drawn, so that each field's
		 * own limit decides.
		 */
		if (i % 2) {
			for (int k = 0; k < 8; k++)
				*f[k] = draw_field(&r);
		} else {
			for (int k = 0; k < 8; k++)
				*f[k] = rng_range(&r, 1, 3);
			*f[rng_range(&r, 0, 7)] = draw_field(&r);
		}
		for (int k = 0; k < 8; k++)
			fits16 &= *f[k] <= 0xffff;
		compiler_ok = !accel_mapping_check(&hw, &cv, &map, &raw, &raw, err, sizeof(err));
		if (!fits16) {
			/* The stream cannot carry it: the compiler must refuse. */
			ck_assert_msg(!compiler_ok, "case %u: a field above 16 bits accepted", i);
			wide++;
			continue;
		}
		device_verdict(model, &mem, va, &cv, &map, &res);
		ck_assert_msg(compiler_ok == (res.status == ROWSTAT_OK),
			      "case %u: compiler %s (%s), device %s (%s)", i,
			      compiler_ok ? "accepts" : "refuses", compiler_ok ? "" : err,
			      rs_hw_status_name(res.status), res.detail);
		if (compiler_ok) {
			accepted++;
			continue;
		}
		/* One function decided both: the same words after the device's prefix. */
		ck_assert_msg(!strncmp(res.detail, "MAPPING.", 8) && !strcmp(res.detail + 8, err),
			      "case %u: device \"%s\", compiler \"%s\"", i, res.detail, err);
		refused++;
	}
	/* Every kind of case was drawn often enough to mean something. */
	ck_assert_uint_ge(accepted, count / 20);
	ck_assert_uint_ge(refused, count / 10);
	ck_assert_uint_ge(wide, count / 10);
	sim_mem_free(&mem);
	rs_model_destroy(model);
}
END_TEST

/* A register file with the default device's values. */
struct regs {
	uint32_t v[ROWSTAT_BAR_REGS_SIZE / 4];
};

static uint32_t read_reg(void *opaque, uint32_t offset)
{
	return ((struct regs *)opaque)->v[offset / 4];
}

static void default_regs(struct regs *rf)
{
	memset(rf, 0, sizeof(*rf));
	rf->v[ROWSTAT_REG_ID / 4] = ROWSTAT_ID_MAGIC;
	rf->v[ROWSTAT_REG_HW_VERSION / 4] = ROWSTAT_VERSION(ROWSTAT_HW_VERSION_MAJOR, 3);
	rf->v[ROWSTAT_REG_CMD_VERSION / 4] = ROWSTAT_VERSION(ROWSTAT_CMD_VERSION_MAJOR, 0);
	rf->v[ROWSTAT_REG_CAP_ARRAY / 4] = 12 | 14 << 8;
	rf->v[ROWSTAT_REG_CAP_RF_FILTER / 4] = 224;
	rf->v[ROWSTAT_REG_CAP_RF_IFMAP / 4] = 12;
	rf->v[ROWSTAT_REG_CAP_RF_PSUM / 4] = 24;
	rf->v[ROWSTAT_REG_CAP_GLB_BYTES / 4] = 108 * 1024;
	rf->v[ROWSTAT_REG_CAP_PRECISIONS / 4] = 6;
	rf->v[ROWSTAT_REG_CAP_CLOCK_KHZ / 4] = 200000;
	rf->v[ROWSTAT_REG_CAP_DRAM_BW / 4] = 2400;
	rf->v[ROWSTAT_REG_CAP_GLB_BW / 4] = 8;
	rf->v[ROWSTAT_REG_CAP_VA_BITS / 4] = 39;
	for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		rf->v[ROWSTAT_REG_ENERGY(l) / 4] = 256 * (l + 1);
}

START_TEST(parameters_come_from_the_capability_registers)
{
	struct regs rf;
	struct rs_hw_params p, def;
	char why[160];

	default_regs(&rf);
	rf.v[ROWSTAT_REG_CAP_ARRAY / 4] = 8 | 16 << 8;
	rf.v[ROWSTAT_REG_CAP_GLB_BYTES / 4] = 64 * 1024;
	ck_assert_int_eq(rs_hw_params_from_regs(&p, read_reg, &rf, why, sizeof(why)), 0);
	rs_hw_params_default(&def);
	ck_assert_uint_eq(p.array_rows, 8);
	ck_assert_uint_eq(p.array_cols, 16);
	ck_assert_uint_eq(p.glb_bytes, 64 * 1024);
	ck_assert_uint_eq(p.rf_filter, 224);
	ck_assert_uint_eq(p.va_bits, 39);
	for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		ck_assert_uint_eq(p.energy[l], 256 * (l + 1));
	/* The firmware's command table is not in registers. */
	ck_assert_uint_eq(p.opcode_mask, def.opcode_mask);
}
END_TEST

START_TEST(foreign_or_broken_devices_are_refused)
{
	struct regs rf;
	struct rs_hw_params p;
	char why[160];

	default_regs(&rf);
	rf.v[ROWSTAT_REG_ID / 4] = 0x12345678;
	ck_assert_int_eq(rs_hw_params_from_regs(&p, read_reg, &rf, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "ID 0x12345678 is not a rowstat device's (0x52535441)");
	default_regs(&rf);
	rf.v[ROWSTAT_REG_HW_VERSION / 4] = ROWSTAT_VERSION(2, 0);
	ck_assert_int_eq(rs_hw_params_from_regs(&p, read_reg, &rf, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "HW_VERSION 2.0: this software supports major version 1");
	default_regs(&rf);
	rf.v[ROWSTAT_REG_CMD_VERSION / 4] = ROWSTAT_VERSION(7, 1);
	ck_assert_int_eq(rs_hw_params_from_regs(&p, read_reg, &rf, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "CMD_VERSION 7.1: this software supports major version 1");
	default_regs(&rf);
	rf.v[ROWSTAT_REG_CAP_RF_PSUM / 4] = 0;
	ck_assert_int_eq(rs_hw_params_from_regs(&p, read_reg, &rf, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "capability registers: rf_psum must be 1..1024 entries");
	default_regs(&rf);
	rf.v[ROWSTAT_REG_CAP_VA_BITS / 4] = 64;
	ck_assert_int_eq(rs_hw_params_from_regs(&p, read_reg, &rf, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "capability registers: va_bits must be 32..52");
}
END_TEST

START_TEST(output_size_at_its_edges)
{
	/* (in + pads - kernel) / stride + 1, 0 when nothing fits. */
	ck_assert_uint_eq(rs_hw_out_extent(227, 0, 0, 11, 4), 55);
	ck_assert_uint_eq(rs_hw_out_extent(13, 1, 1, 3, 1), 13);
	ck_assert_uint_eq(rs_hw_out_extent(1, 0, 0, 1, 16), 1);
	ck_assert_uint_eq(rs_hw_out_extent(2, 0, 0, 3, 1), 0);
	ck_assert_uint_eq(rs_hw_out_extent(2, 1, 0, 3, 1), 1);
	ck_assert_uint_eq(rs_hw_out_extent(5, 0, 0, 1, 0), 0);
	ck_assert_uint_eq(rs_hw_out_extent(4096, 63, 63, 64, 1), 4159);
	/* The compiler's output size is this rule. */
	{
		struct accel_conv cv = {
			.in_height = 224, .in_width = 225, .kernel_h = 7, .kernel_w = 7,
			.stride_h = 2, .stride_w = 3, .pad_top = 3, .pad_bottom = 2,
			.pad_left = 3, .pad_right = 3,
		};

		ck_assert_uint_eq(accel_conv_out_height(&cv), rs_hw_out_extent(224, 3, 2, 7, 2));
		ck_assert_uint_eq(accel_conv_out_width(&cv), rs_hw_out_extent(225, 3, 3, 7, 3));
	}
}
END_TEST

/* SUBMIT's fence errors (uapi/rowstat_accel.h), one rule for the driver and libaccel. */
START_TEST(a_status_fails_a_job_with_its_errno)
{
	ck_assert_int_eq(rs_hw_status_errno(ROWSTAT_OK), 0);
	ck_assert_int_eq(rs_hw_status_errno(ROWSTAT_ERR_FAULT), -EFAULT);
	ck_assert_int_eq(rs_hw_status_errno(ROWSTAT_ERR_BUDGET), -ETIME);
	ck_assert_int_eq(rs_hw_status_errno(ROWSTAT_ERR_CANCELLED), -ECANCELED);
	ck_assert_int_eq(rs_hw_status_errno(ROWSTAT_ERR_INTERNAL), -EIO);
	/* Every other status is a refused stream. */
	for (int st = ROWSTAT_OK + 1; st <= ROWSTAT_ERR_COUNT; st++)
		if (st != ROWSTAT_ERR_FAULT && st != ROWSTAT_ERR_BUDGET &&
		    st != ROWSTAT_ERR_CANCELLED && st != ROWSTAT_ERR_INTERNAL)
			ck_assert_int_eq(rs_hw_status_errno((enum rowstat_status)st), -EINVAL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("one-decision");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, compiler_and_device_agree_on_every_mapping);
	tcase_add_test(tc, parameters_come_from_the_capability_registers);
	tcase_add_test(tc, foreign_or_broken_devices_are_refused);
	tcase_add_test(tc, output_size_at_its_edges);
	tcase_add_test(tc, a_status_fails_a_job_with_its_errno);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
