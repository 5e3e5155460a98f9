// SPDX-License-Identifier: MIT
/*
 * The model's results are bit-identical to the reference convolution:
 * random layers (batch, channels, filters, kernel, stride, padding, groups,
 * depthwise, fully connected, both precisions, RLC tensors) under random
 * valid mappings and under the mapper's own, and AlexNet CONV1-5 at batch 4.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alexnet.h"
#include "check_main.h"
#include "random_case.h"
#include "ref_conv.h"

static struct rs_hw_params hw;

static void setup(void)
{
	rs_hw_params_default(&hw);
}

/* Runs a placed case and compares every output; returns mismatches. */
static size_t run_and_compare(struct rs_model *model, struct layer_case *lc,
			      uint64_t seed)
{
	size_t n = layer_ofmap_count(&lc->cv), bad = 0;
	int32_t *got = calloc(n, sizeof(*got)), *want = calloc(n, sizeof(*want));
	struct rs_model_result res;
	enum rowstat_status st;

	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_nonnull(want);
	st = layer_execute(model, lc, &res, got);
	ck_assert_msg(st == ROWSTAT_OK, "seed %llu: %s (%s)",
		      (unsigned long long)seed, rs_hw_status_name(st), res.detail);
	ref_conv(&lc->cv, lc->ifmap, lc->filters, lc->bias, want);
	for (size_t i = 0; i < n; i++)
		bad += got[i] != want[i];
	ck_assert_uint_eq(res.counts.macs, accel_conv_macs(&lc->cv));
	free(got);
	free(want);
	return bad;
}

static void random_layers(const char *kernel, unsigned count, unsigned scale,
			  uint64_t seed0)
{
	struct rs_model *model = rs_model_create(&hw);
	unsigned ran = 0;

	ck_assert_ptr_nonnull(model);
	ck_assert_int_eq(rs_model_select_simd(model, kernel), 0);
	ck_assert_str_eq(rs_model_simd(model), kernel);
	for (unsigned i = 0; i < count; i++) {
		struct layer_case lc;
		struct rng r = { seed0 + i };
		char err[256];
		int ret;

		memset(&lc, 0, sizeof(lc));
		random_conv(&r, scale, &lc.cv, &lc.in, &lc.out);
		if (random_mapping(&r, &hw, &lc.cv, &lc.in, &lc.out, &lc.map))
			continue;
		ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.35, rng_range(&r, 0, 1) ? 0 : 6), 0);
		ret = layer_place(&lc, &hw, err, sizeof(err));
		if (ret == -E2BIG) {
			/* A legal but absurdly fine tiling: the emitter refuses it. */
			layer_free(&lc);
			continue;
		}
		ck_assert_msg(ret == 0, "seed %llu: %s", (unsigned long long)(seed0 + i), err);
		ck_assert_msg(run_and_compare(model, &lc, seed0 + i) == 0,
			      "seed %llu: outputs differ from the reference",
			      (unsigned long long)(seed0 + i));
		layer_free(&lc);
		ran++;
	}
	/* Most random layers must have produced a run, or the test proves little. */
	ck_assert_uint_ge(ran, count * 9 / 10);
	rs_model_destroy(model);
}

/* Whether this CPU runs the kernels called `name`. */
static bool have_simd(const char *name)
{
	struct rs_model *probe = rs_model_create(&hw);
	bool have = !rs_model_select_simd(probe, name);

	rs_model_destroy(probe);
	return have;
}

START_TEST(random_layers_match_reference_avx2)
{
	if (!have_simd("avx2") && test_skip("avx2", "this CPU has no AVX2"))
		return;
	random_layers("avx2", test_quick() ? 120 : 500, 1, 1000);
	random_layers("avx2", test_quick() ? 20 : 80, 3, 50000);
}
END_TEST

START_TEST(random_layers_match_reference_scalar)
{
	random_layers("scalar", test_quick() ? 60 : 250, 1, 2000);
	random_layers("scalar", test_quick() ? 10 : 40, 3, 60000);
}
END_TEST

/* LAYER commands in a placed case's stream. */
static unsigned stream_layers(const struct layer_case *lc)
{
	unsigned layers = 0;

	for (size_t at = 0; at < lc->stream.len;) {
		const struct rowstat_cmd_header *h = (const void *)(lc->stream.buf + at);

		layers += h->opcode == ROWSTAT_OP_LAYER;
		at += 4u * le16toh(h->dwords);
	}
	return layers;
}

/*
 * Layers with more input channels than one LAYER carries run as several
 * LAYERs accumulating in the GLB: exact under the mapper's choice by every
 * objective and under random legal mappings.
 */
START_TEST(split_layers_match_reference)
{
	struct rs_model *model = rs_model_create(&hw);
	struct accel_conv cv;
	unsigned cases = split_conv(0, &cv), ran = 0;

	ck_assert_ptr_nonnull(model);
	for (unsigned i = 0; i < cases; i++) {
		for (unsigned k = 0; k < 5; k++) {
			struct layer_case lc;
			struct rng r = { 4400 + 10 * i + k };
			struct accel_map_options opts = { .objective = k % 3 };
			char err[256];

			memset(&lc, 0, sizeof(lc));
			split_conv(i, &lc.cv);
			if (k < 3)
				ck_assert_int_eq(accel_map_search(&hw, &lc.cv, &lc.in, &lc.out, NULL,
								  &opts, &lc.map, NULL), 0);
			else
				ck_assert_int_eq(random_mapping(&r, &hw, &lc.cv, &lc.in, &lc.out,
								&lc.map), 0);
			ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.3,
							  lc.cv.ifmap_prec == ROWSTAT_PREC_INT8 ?
							  6 : 9), 0);
			ck_assert_msg(layer_place(&lc, &hw, err, sizeof(err)) == 0, "case %u: %s",
				      i, err);
			/* More than one LAYER in the stream. */
			ck_assert_uint_ge(stream_layers(&lc), 2);
			ck_assert_msg(run_and_compare(model, &lc, 4400 + 10 * i + k) == 0,
				      "case %u mapping %u: outputs differ from the reference", i, k);
			layer_free(&lc);
			ran++;
		}
	}
	ck_assert_uint_eq(ran, cases * 5);
	rs_model_destroy(model);
}
END_TEST

/*
 * Layers with more images or filters than one LAYER carries run as
 * sub-layers over slices of the same tensors: exact under the mapper's
 * choice by every objective, under random legal mappings (those the
 * stream can hold), and with RLC tensors of rows and of planes.
 */
START_TEST(sublayers_match_reference)
{
	struct rs_model *model = rs_model_create(&hw);
	struct accel_conv cv;
	unsigned cases = sublayer_conv(0, &cv), ran = 0, random_ran = 0;

	ck_assert_ptr_nonnull(model);
	for (unsigned i = 0; i < cases; i++) {
		for (unsigned k = 0; k < 7; k++) {
			struct layer_case lc;
			struct rng r = { 5500 + 10 * i + k };
			struct accel_map_options opts = { .objective = k % 3 };
			char err[256];
			int ret;

			memset(&lc, 0, sizeof(lc));
			sublayer_conv(i, &lc.cv);
			/* 5, 6: RLC tensors, in rows and in planes, sliced by image and filter. */
			if (k >= 5) {
				lc.in.rlc = lc.out.rlc = true;
				lc.in.seg_rows = k == 5 ? 1 : lc.cv.in_height;
				lc.out.seg_rows = k == 5 ? 1 : accel_conv_out_height(&lc.cv);
			}
			if (k < 3 || k >= 5)
				ck_assert_int_eq(accel_map_search(&hw, &lc.cv, &lc.in, &lc.out, NULL,
								  &opts, &lc.map, NULL), 0);
			else
				ck_assert_int_eq(random_mapping(&r, &hw, &lc.cv, &lc.in, &lc.out,
								&lc.map), 0);
			ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.3, 0), 0);
			ret = layer_place(&lc, &hw, err, sizeof(err));
			if (k >= 3 && k < 5 && ret == -E2BIG) {
				layer_free(&lc);
				continue;
			}
			ck_assert_msg(ret == 0, "case %u: %s", i, err);
			ck_assert_uint_ge(stream_layers(&lc), 2);
			ck_assert_msg(run_and_compare(model, &lc, 5500 + 10 * i + k) == 0,
				      "case %u mapping %u: outputs differ from the reference", i, k);
			layer_free(&lc);
			ran++;
			random_ran += k >= 3 && k < 5;
		}
	}
	ck_assert_uint_ge(ran, cases * 5);
	ck_assert_uint_ge(random_ran, 1);
	rs_model_destroy(model);
}
END_TEST

struct simd_run {
	const char *simd;
	struct layer_case *lc;
	size_t bad;
	const char *used;
};

static void *run_in_thread(void *arg)
{
	struct simd_run *sr = arg;
	struct rs_model *m = rs_model_create(&hw);

	if (!m || rs_model_select_simd(m, sr->simd))
		return NULL;
	for (int i = 0; i < 20; i++)
		sr->bad += run_and_compare(m, sr->lc, 7);
	sr->used = rs_model_simd(m);
	rs_model_destroy(m);
	return NULL;
}

/*
 * Two models, two kernels, two threads at once: each keeps the kernel it
 * chose (the choice was once process-wide).
 */
START_TEST(each_model_keeps_its_own_kernels)
{
	struct layer_case lc[2];
	struct simd_run runs[2] = { { .simd = "scalar" }, { .simd = "avx2" } };
	pthread_t threads[2];
	struct rng r = { 7 };
	char err[256];

	if (!have_simd("avx2")) {
		if (test_skip("avx2", "this CPU has no AVX2"))
			return;
	}
	for (int i = 0; i < 2; i++) {
		memset(&lc[i], 0, sizeof(lc[i]));
		random_conv(&r, 2, &lc[i].cv, &lc[i].in, &lc[i].out);
		ck_assert_int_eq(accel_map_search(&hw, &lc[i].cv, &lc[i].in, &lc[i].out, NULL,
						  NULL, &lc[i].map, NULL), 0);
		ck_assert_int_eq(layer_alloc_data(&lc[i], &r, 0.3, 0), 0);
		ck_assert_msg(layer_place(&lc[i], &hw, err, sizeof(err)) == 0, "%s", err);
		runs[i].lc = &lc[i];
	}
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, run_in_thread, &runs[i]), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
		ck_assert_ptr_nonnull(runs[i].used);
		ck_assert_str_eq(runs[i].used, runs[i].simd);
		ck_assert_uint_eq(runs[i].bad, 0);
		layer_free(&lc[i]);
	}
}
END_TEST

START_TEST(mapper_choices_match_reference)
{
	struct rs_model *model = rs_model_create(&hw);
	unsigned count = test_quick() ? 15 : 60;

	for (unsigned i = 0; i < count; i++) {
		struct layer_case lc;
		struct rng r = { 3000 + i };
		char err[256];

		memset(&lc, 0, sizeof(lc));
		random_conv(&r, 2, &lc.cv, &lc.in, &lc.out);
		ck_assert_int_eq(accel_map_search(&hw, &lc.cv, &lc.in, &lc.out, NULL, NULL,
					       &lc.map, NULL), 0);
		ck_assert_int_eq(accel_mapping_check(&hw, &lc.cv, &lc.map, &lc.in, &lc.out,
						  err, sizeof(err)), 0);
		ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.5, 0), 0);
		ck_assert_msg(layer_place(&lc, &hw, err, sizeof(err)) == 0, "%s", err);
		ck_assert_msg(run_and_compare(model, &lc, 3000 + i) == 0,
			      "seed %u: outputs differ", 3000 + i);
		layer_free(&lc);
	}
	rs_model_destroy(model);
}
END_TEST

/* A pass whose every input is padding still writes bias-only outputs. */
START_TEST(padding_only_rows_and_wide_strides)
{
	struct rs_model *model = rs_model_create(&hw);
	struct layer_case lc;
	struct rng r = { 77 };
	char err[256];

	memset(&lc, 0, sizeof(lc));
	lc.cv = (struct accel_conv){
		.batch = 1, .in_channels = 2, .in_height = 3, .in_width = 9,
		.out_channels = 3, .kernel_h = 5, .kernel_w = 2, .groups = 1,
		.stride_h = 1, .stride_w = 5, .pad_top = 4, .pad_bottom = 4,
		.pad_left = 1, .pad_right = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.bias = true, .requant_mult = 1,
	};
	/* One filter row per pass: rows 0..3 of output row 0 are padding only. */
	lc.map = (struct accel_mapping){
		.set_rows = 1, .set_cols = 1, .filters_per_pe = 1,
		.channels_per_pe = 1, .filter_sets = 1, .channel_sets = 1,
		.taps_per_pe = 1, .images_per_pass = 1, .tile_n = 1, .tile_e = 1,
		.tile_f = 1, .tile_m = 1, .tile_c = 1,
	};
	ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.0, 0), 0);
	ck_assert_msg(layer_place(&lc, &hw, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(run_and_compare(model, &lc, 77), 0);
	layer_free(&lc);
	rs_model_destroy(model);
}
END_TEST

START_TEST(alexnet_conv_layers_batch4_match_reference)
{
	struct rs_model *model = rs_model_create(&hw);

	for (unsigned i = 0; i < ALEXNET_LAYERS; i++) {
		for (int eyeriss = 0; eyeriss < 2; eyeriss++) {
			struct alexnet_layer l;
			struct layer_case lc;
			char err[256];

			/* Under the sanitizers one mapping per layer keeps the run short. */
			if (test_quick() && eyeriss)
				continue;
			alexnet_layer_get(i, ALEXNET_BATCH, &l);
			ck_assert_msg(alexnet_case(&hw, &l, eyeriss ? &l.eyeriss : NULL, 0xa1e + i, &lc, NULL,
						   err, sizeof(err)) == 0, "%s", err);
			ck_assert_msg(run_and_compare(model, &lc, i) == 0,
				      "%s (%s mapping): outputs differ", l.name,
				      eyeriss ? "Eyeriss" : "rowstat");
			layer_free(&lc);
		}
	}
	rs_model_destroy(model);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model-exactness");
	TCase *random = tcase_create("random-layers");
	TCase *alexnet = tcase_create("alexnet");

	tcase_add_checked_fixture(random, setup, NULL);
	tcase_set_timeout(random, 600);
	tcase_add_test(random, random_layers_match_reference_avx2);
	tcase_add_test(random, random_layers_match_reference_scalar);
	tcase_add_test(random, each_model_keeps_its_own_kernels);
	tcase_add_test(random, mapper_choices_match_reference);
	tcase_add_test(random, padding_only_rows_and_wide_strides);
	tcase_add_test(random, split_layers_match_reference);
	tcase_add_test(random, sublayers_match_reference);
	suite_add_tcase(s, random);
	tcase_add_checked_fixture(alexnet, setup, NULL);
	tcase_set_timeout(alexnet, 900);
	tcase_add_test(alexnet, alexnet_conv_layers_batch4_match_reference);
	suite_add_tcase(s, alexnet);
	return s;
}

CHECK_MAIN(make_suite)
