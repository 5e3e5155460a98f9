// SPDX-License-Identifier: MIT
/*
 * The compiler and the hardware description: layer and mapping checks name
 * the bad field, the placement rule for PE sets, the search respects the
 * GLB and pinned parameters, and the emitter refuses what it cannot do.
 */
#include <errno.h>
#include <string.h>

#include "alexnet.h"
#include "check_main.h"
#include "networks.h"

static struct rs_hw_params hw;
static struct accel_conv conv;
static struct accel_tensor raw;

static void setup(void)
{
	rs_hw_params_default(&hw);
	conv = (struct accel_conv){
		.batch = 2, .in_channels = 16, .in_height = 13, .in_width = 13,
		.out_channels = 32, .kernel_h = 3, .kernel_w = 3, .groups = 1,
		.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1,
		.pad_left = 1, .pad_right = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.requant_mult = 1,
	};
	memset(&raw, 0, sizeof(raw));
}

START_TEST(hardware_parameters_are_checked)
{
	struct rs_hw_params p;
	const char *why = NULL;

	rs_hw_params_default(&p);
	ck_assert_int_eq(rs_hw_params_check(&p, &why), 0);
	p.array_rows = 0;
	ck_assert_int_eq(rs_hw_params_check(&p, &why), -1);
	ck_assert_str_eq(why, "array_rows must be 1..64");
	ck_assert_ptr_null(rs_model_create(&p));
	rs_hw_params_default(&p);
	p.glb_bytes = 100;
	ck_assert_int_eq(rs_hw_params_check(&p, &why), -1);
	ck_assert_str_eq(why, "glb_bytes must be 4 KiB..64 MiB");
	rs_hw_params_default(&p);
	p.precisions = 1u << 5;
	ck_assert_int_eq(rs_hw_params_check(&p, &why), -1);
	rs_hw_params_default(&p);
	p.dram_bw = 0;
	ck_assert_int_eq(rs_hw_params_check(&p, &why), -1);
	ck_assert_str_eq(why, "dram_bw must be nonzero");
}
END_TEST

START_TEST(pe_sets_fold_and_stack)
{
	unsigned vertical;

	/* CONV1's 11x7 sets: one row of two slots. */
	ck_assert_uint_eq(rs_hw_array_slots(&hw, 11, 7, &vertical), 2);
	ck_assert_uint_eq(vertical, 1);
	/* CONV2's 5x27 set folds into two strips of 14 and 13 columns. */
	ck_assert_uint_eq(rs_hw_array_slots(&hw, 5, 27, &vertical), 1);
	ck_assert_uint_eq(rs_hw_array_slots(&hw, 5, 43, &vertical), 0);
	/* 3x13 sets: a column of four slots, channel sets stack within it. */
	ck_assert_uint_eq(rs_hw_array_slots(&hw, 3, 13, &vertical), 4);
	ck_assert(rs_hw_array_fits(&hw, 3, 13, 2, 2));
	ck_assert(rs_hw_array_fits(&hw, 3, 13, 1, 4));
	ck_assert(!rs_hw_array_fits(&hw, 3, 13, 1, 5));
	ck_assert(!rs_hw_array_fits(&hw, 3, 13, 2, 3));
	/* 3x7 sets: 4 x 2 slots; 3 channel sets per column leave room for 2 groups. */
	ck_assert(rs_hw_array_fits(&hw, 3, 7, 2, 3));
	ck_assert(!rs_hw_array_fits(&hw, 3, 7, 3, 3));
}
END_TEST

START_TEST(layer_checks_name_the_field)
{
	char err[128];
	struct accel_conv c = conv;

	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), 0);
	c.groups = 3;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "groups 3 does not divide in_channels 16 and out_channels 32");
	c = conv;
	c.pad_left = 3;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "pad_left 3 outside 0..2");
	c = conv;
	c.ofmap_prec = 7;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "ofmap_prec 7 not supported");
	c = conv;
	c.kernel_h = 20;
	c.pad_top = c.pad_bottom = 0;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "kernel 20x3 larger than the padded input 13x15");
	/* Past one LAYER's channels the compiler splits, up to its own limit. */
	c = conv;
	c.in_channels = 25088;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), 0);
	c.in_channels = ACCEL_MAX_IN_CHANNELS + 1;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "in_channels 1048577 outside 1..1048576");
	c.in_channels = 0;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "in_channels 0 outside 1..1048576");
	c.in_channels = c.out_channels = c.groups = 9000;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "groups 9000 above 8192: a layer of more than 8192 in_channels is "
			 "split by channel, each part with every group");
	/* Past one LAYER's images or filters, sub-layers, up to their own limits. */
	c = conv;
	c.groups = 1;
	c.in_channels = 9000;
	c.out_channels = 9000;
	c.batch = 2000;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), 0);
	c.out_channels = ACCEL_MAX_OUT_CHANNELS;
	c.batch = ACCEL_MAX_BATCH;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), 0);
	c.out_channels = ACCEL_MAX_OUT_CHANNELS + 1;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "out_channels 1048577 outside 1..1048576");
	c.out_channels = 0;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "out_channels 0 outside 1..1048576");
	c.out_channels = 9000;
	c.batch = ACCEL_MAX_BATCH + 1;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "batch 65537 outside 1..65536");
	c.batch = 0;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "batch 0 outside 1..65536");
	c.batch = 1;
	c.groups = 2;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "groups 2: a layer of more than 8192 out_channels is split by "
			 "filter only with groups 1");
	c = conv;
	c.in_channels = ACCEL_MAX_IN_CHANNELS;
	c.in_height = c.in_width = c.kernel_h = c.kernel_w = 64;
	c.pad_top = c.pad_bottom = c.pad_left = c.pad_right = 0;
	ck_assert_int_eq(accel_conv_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "a filter of 8589934592 bytes exceeds LAYER.filter_stride's 32 bits");
}
END_TEST

START_TEST(mapping_checks_name_the_problem)
{
	struct accel_mapping m = {
		.set_rows = 3, .set_cols = 13, .filters_per_pe = 16,
		.channels_per_pe = 4, .filter_sets = 2, .channel_sets = 2,
		.taps_per_pe = 3, .images_per_pass = 2, .tile_n = 2, .tile_e = 13,
		.tile_f = 13, .tile_m = 32, .tile_c = 8,
	};
	struct accel_mapping b;
	struct accel_tensor rlc_rows = { .rlc = true, .seg_rows = 1 };
	struct accel_tensor rlc_bad = { .rlc = true, .seg_rows = 5 };
	char err[160];

	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &m, &raw, &raw, err, sizeof(err)), 0);
	b = m;
	b.channel_sets = 3;
	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &b, &raw, &raw, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "filter_sets 2 x channel_sets 3"));
	b = m;
	b.channels_per_pe = 5;
	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &b, &raw, &raw, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "filters_per_pe 16 x channels_per_pe 5 x taps_per_pe 3 exceeds the filter RF (224)");
	b = m;
	b.tile_m = 33;
	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &b, &raw, &raw, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "tile_m 33 outside 1..32");
	b = m;
	b.tile_f = 7;
	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &b, &raw, &rlc_rows, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "an RLC ofmap needs tile_f = out_width 13");
	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &m, &rlc_bad, &raw, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "ifmap seg_rows 5: 1 or in_height 13");
	/* Two images x 64 filters x 13 x 13 x 4 bytes, double-buffered: too much. */
	struct accel_conv wide = conv;

	wide.out_channels = 64;
	b = m;
	b.tile_m = 64;
	ck_assert_int_eq(accel_mapping_check(&hw, &wide, &b, &raw, &raw, err, sizeof(err)), 0);
	b.double_psum = true;
	ck_assert_int_eq(accel_mapping_check(&hw, &wide, &b, &raw, &raw, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "GLB bytes, the GLB has 110592"));
}
END_TEST

/*
 * Mappings the review found the compiler accepting and the device refusing
 * (or running differently): products that wrap in 32 bits, fields wider
 * than the stream's 16 bits, and a GLB total that wraps at 4 GiB.
 */
START_TEST(compiler_refuses_what_the_device_cannot_run)
{
	struct accel_mapping m = {
		.set_rows = 3, .set_cols = 13, .filters_per_pe = 1,
		.channels_per_pe = 1, .filter_sets = 1, .channel_sets = 1,
		.taps_per_pe = 1, .images_per_pass = 1, .tile_n = 1, .tile_e = 1,
		.tile_f = 1, .tile_m = 1, .tile_c = 1,
	};
	struct accel_mapping b;
	struct accel_conv huge = {
		.batch = 635, .in_channels = 2, .in_height = 113, .in_width = 3741,
		.out_channels = 1, .kernel_h = 1, .kernel_w = 1, .groups = 1,
		.stride_h = 1, .stride_w = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.requant_mult = 1,
	};
	char err[160];

	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &m, &raw, &raw, err, sizeof(err)), 0);
	b = m;
	b.channels_per_pe = b.taps_per_pe = 65536;
	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &b, &raw, &raw, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "channels_per_pe 65536 does not fit the 16-bit field");
	b = m;
	b.channels_per_pe = (1u << 31) + 1;
	b.taps_per_pe = 2;
	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &b, &raw, &raw, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "channels_per_pe 2147483649 does not fit the 16-bit field");
	b = m;
	b.images_per_pass = ROWSTAT_MAX_BATCH + 1;
	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &b, &raw, &raw, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "images_per_pass 1025 above 1024");
	/* Two double-buffered 1 GiB tiles of each kind: 4 GiB of GLB. */
	b = m;
	b.set_rows = 1;
	b.set_cols = 1;
	b.tile_n = 635;
	b.tile_c = 2;
	b.tile_e = 113;
	b.tile_f = 3741;
	b.double_ifmap = b.double_psum = true;
	ck_assert_int_eq(accel_mapping_check(&hw, &huge, &b, &raw, &raw, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "GLB"));
}
END_TEST

START_TEST(search_fits_the_glb_and_honours_pins)
{
	struct accel_mapping m;
	struct accel_estimate est;
	struct accel_map_options pin = { .objective = ACCEL_MAP_ENERGY, .set_cols = 13,
				      .filters_per_pe = 8, .channel_sets = 2 };
	struct rs_hw_params tiny = hw;

	ck_assert_int_eq(accel_map_search(&hw, &conv, &raw, &raw, NULL, NULL, &m, &est), 0);
	ck_assert_int_eq(accel_mapping_check(&hw, &conv, &m, &raw, &raw, NULL, 0), 0);
	ck_assert_uint_le(est.glb_bytes_used, hw.glb_bytes);
	ck_assert_uint_gt(est.pe_active, 0);
	ck_assert_int_eq(accel_map_search(&hw, &conv, &raw, &raw, NULL, &pin, &m, &est), 0);
	ck_assert_uint_eq(m.set_cols, 13);
	ck_assert_uint_eq(m.filters_per_pe, 8);
	ck_assert_uint_eq(m.channel_sets, 2);
	/* A published mapping: the set height pinned, every set busy in every pass. */
	pin.set_rows = 2;
	pin.full_sets = true;
	ck_assert_int_eq(accel_map_search(&hw, &conv, &raw, &raw, NULL, &pin, &m, &est), 0);
	ck_assert_uint_eq(m.set_rows, 2);
	ck_assert(m.tile_m % (m.filters_per_pe * m.filter_sets) == 0 || m.tile_m == 32);
	ck_assert(m.tile_c % (m.channels_per_pe * m.channel_sets) == 0 || m.tile_c == 16);
	ck_assert(m.tile_e % m.set_cols == 0 || m.tile_e == 13);
	ck_assert(m.tile_n % m.images_per_pass == 0 || m.tile_n == 2);
	/*
	 * A 4 KiB GLB cannot hold one psum row of a 4096-wide layer, but
	 * narrower column tiles fit: the search used to answer -ENOSPC.
	 */
	tiny.glb_bytes = 4096;
	conv.in_width = 4096;
	ck_assert_int_eq(accel_map_search(&tiny, &conv, &raw, &raw, NULL, NULL, &m, NULL), 0);
	ck_assert_int_eq(accel_mapping_check(&tiny, &conv, &m, &raw, &raw, NULL, 0), 0);
	ck_assert_uint_lt(m.tile_f, 4096 / 4);
	/* An RLC ifmap tile holds whole rows: three of 4096 values do not fit. */
	{
		struct accel_tensor rows = { .rlc = true, .seg_rows = 1 };

		ck_assert_int_eq(accel_map_search(&tiny, &conv, &rows, &raw, NULL, NULL, &m,
						  NULL), -ENOSPC);
	}
}
END_TEST

START_TEST(objectives_trade_energy_for_latency)
{
	struct alexnet_layer l;
	struct accel_tensor in = { .rlc = true, .seg_rows = 13 }, out = in;
	struct accel_map_options e = { .objective = ACCEL_MAP_ENERGY };
	struct accel_map_options t = { .objective = ACCEL_MAP_LATENCY };
	struct accel_mapping me, mt;
	struct accel_estimate ee, et;

	alexnet_layer_get(2, ALEXNET_BATCH, &l);
	ck_assert_int_eq(accel_map_search(&hw, &l.cv, &in, &out, NULL, &e, &me, &ee), 0);
	ck_assert_int_eq(accel_map_search(&hw, &l.cv, &in, &out, NULL, &t, &mt, &et), 0);
	ck_assert_uint_le(ee.energy, et.energy);
	ck_assert_uint_le(et.cycles, ee.cycles);
}
END_TEST

START_TEST(emitter_refuses_bad_mappings_and_huge_streams)
{
	struct accel_stream s;
	struct accel_mapping m = {
		.set_rows = 3, .set_cols = 1, .filters_per_pe = 1,
		.channels_per_pe = 1, .filter_sets = 1, .channel_sets = 1,
		.taps_per_pe = 1, .images_per_pass = 1, .tile_n = 1, .tile_e = 1,
		.tile_f = 1, .tile_m = 1, .tile_c = 1,
	};
	struct accel_conv big = conv;
	char err[160];

	accel_stream_init(&s);
	m.set_rows = 13;
	ck_assert_int_eq(accel_emit_conv(&s, &hw, &conv, &m, 0x1000, 0, &raw, &raw,
				      err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "set_rows 13 exceeds the array's 12 rows");
	ck_assert_uint_eq(s.len, 0);
	/* One output per pass on a 512x256x56x56 layer: far over 16 MiB. */
	m.set_rows = 3;
	big.in_channels = 256;
	big.out_channels = 512;
	big.in_height = big.in_width = 56;
	ck_assert_int_eq(accel_emit_conv(&s, &hw, &big, &m, 0x1000, 0, &raw, &raw,
				      err, sizeof(err)), -E2BIG);
	ck_assert_ptr_nonnull(strstr(err, "use larger tiles"));
	accel_stream_free(&s);
	/* A stream nearly full already: what is left decides, not the whole 16 MiB. */
	{
		static uint8_t filler[ROWSTAT_STREAM_MAX_BYTES - 1024];

		accel_stream_init(&s);
		accel_stream_raw(&s, filler, sizeof(filler));
		/* 39936 passes: far fewer than 16 MiB holds, more than 1024 bytes. */
		m.set_rows = 3;
		m.tile_n = 2;
		m.tile_e = m.tile_f = 13;
		m.tile_m = 32;
		m.tile_c = 16;
		ck_assert_int_eq(accel_emit_conv(&s, &hw, &conv, &m, 0x1000, 0, &raw, &raw,
					      err, sizeof(err)), -E2BIG);
		ck_assert_msg(strstr(err, "passes, more than the 1024 bytes left"), "%s", err);
		/* Refused before anything was appended. */
		ck_assert_uint_eq(s.len, sizeof(filler));
		accel_stream_free(&s);
	}
}
END_TEST

/* Field by field: struct copies need not carry the padding. */
static bool same_mapping(const struct accel_mapping *a, const struct accel_mapping *b)
{
	return a->set_rows == b->set_rows && a->set_cols == b->set_cols &&
	       a->filters_per_pe == b->filters_per_pe &&
	       a->channels_per_pe == b->channels_per_pe && a->filter_sets == b->filter_sets &&
	       a->channel_sets == b->channel_sets && a->taps_per_pe == b->taps_per_pe &&
	       a->images_per_pass == b->images_per_pass && a->tile_n == b->tile_n &&
	       a->tile_e == b->tile_e && a->tile_f == b->tile_f && a->tile_m == b->tile_m &&
	       a->tile_c == b->tile_c && a->double_ifmap == b->double_ifmap &&
	       a->double_psum == b->double_psum;
}

/*
 * The search cache: a hit gives what the search gives, whatever the VAs,
 * ReLU or requantization; formats, shapes and options are different keys;
 * the oldest entry leaves first; -ENOSPC is kept, bad arguments are not.
 */
START_TEST(search_cache_returns_what_the_search_would)
{
	struct accel_map_cache *cache = accel_map_cache_create(2);
	struct accel_map_cache_stats st;
	struct accel_mapping direct, cached;
	struct accel_estimate direct_est, cached_est;
	struct accel_tensor placed = { .va = 0x100000 }, rlc = { .rlc = true, .seg_rows = 1 };
	struct accel_conv other = conv, bad = conv;
	struct rs_hw_params tiny = hw;

	ck_assert_ptr_nonnull(cache);
	ck_assert_int_eq(accel_map_search(&hw, &conv, &raw, &raw, NULL, NULL, &direct,
					  &direct_est), 0);
	ck_assert_int_eq(accel_map_search_cached(cache, &hw, &conv, &raw, &raw, NULL, NULL,
						 &cached, &cached_est), 0);
	ck_assert(same_mapping(&cached, &direct));
	ck_assert_uint_eq(cached_est.energy, direct_est.energy);
	ck_assert_uint_eq(cached_est.cycles, direct_est.cycles);
	ck_assert_uint_eq(cached_est.dram_bytes, direct_est.dram_bytes);
	other.relu = !conv.relu;
	other.requant_mult = 77;
	other.requant_shift = 5;
	memset(&cached, 0, sizeof(cached));
	ck_assert_int_eq(accel_map_search_cached(cache, &hw, &other, &placed, &placed, NULL,
						 NULL, &cached, NULL), 0);
	ck_assert(same_mapping(&cached, &direct));
	accel_map_cache_stats(cache, &st);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.entries, 1);
	ck_assert_uint_eq(st.capacity, 2);

	/* Another format, then another shape: two more entries, the first out. */
	ck_assert_int_eq(accel_map_search_cached(cache, &hw, &conv, &rlc, &raw, NULL, NULL,
						 &cached, NULL), 0);
	other = conv;
	other.batch = 3;
	ck_assert_int_eq(accel_map_search_cached(cache, &hw, &other, &raw, &raw, NULL, NULL,
						 &cached, NULL), 0);
	ck_assert_int_eq(accel_map_search_cached(cache, &hw, &conv, &raw, &raw, NULL, NULL,
						 &cached, &cached_est), 0);
	ck_assert(same_mapping(&cached, &direct));
	accel_map_cache_stats(cache, &st);
	ck_assert_uint_eq(st.misses, 4);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.entries, 2);

	/* Nothing fits a GLB of 4 KiB for a 4096-wide RLC-row layer: kept. */
	tiny.glb_bytes = 4096;
	other = conv;
	other.in_width = 4096;
	other.in_height = 3;
	ck_assert_int_eq(accel_map_search_cached(cache, &tiny, &other, &rlc, &raw, NULL, NULL,
						 &cached, NULL), -ENOSPC);
	ck_assert_int_eq(accel_map_search_cached(cache, &tiny, &other, &rlc, &raw, NULL, NULL,
						 &cached, NULL), -ENOSPC);
	bad.groups = 0;
	ck_assert_int_eq(accel_map_search_cached(cache, &hw, &bad, &raw, &raw, NULL, NULL,
						 &cached, NULL), -EINVAL);
	ck_assert_int_eq(accel_map_search_cached(cache, &hw, &bad, &raw, &raw, NULL, NULL,
						 &cached, NULL), -EINVAL);
	accel_map_cache_stats(cache, &st);
	ck_assert_uint_eq(st.hits, 2);
	ck_assert_uint_eq(st.misses, 7);
	accel_map_cache_destroy(cache);

	/* No cache: the plain search. */
	ck_assert_int_eq(accel_map_search_cached(NULL, &hw, &conv, &raw, &raw, NULL, NULL,
						 &cached, NULL), 0);
	ck_assert(same_mapping(&cached, &direct));
	errno = 0;
	ck_assert_ptr_null(accel_map_cache_create(0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(accel_map_cache_create(ACCEL_MAP_CACHE_MAX + 1));
	ck_assert_int_eq(errno, EINVAL);
	accel_map_cache_destroy(NULL);
	/* No cache: zero statistics, and searches go straight through. */
	memset(&st, 0xff, sizeof(st));
	accel_map_cache_stats(NULL, &st);
	ck_assert_uint_eq(st.hits + st.misses + st.entries + st.capacity, 0);
}
END_TEST

/*
 * The stream builder refuses, with a sticky -EINVAL, a LAYER or MAPPING
 * value wider than its command field, instead of truncating it.
 */
START_TEST(stream_builder_refuses_values_wider_than_their_fields)
{
	struct accel_mapping m = {
		.set_rows = 3, .set_cols = 1, .filters_per_pe = 1,
		.channels_per_pe = 1, .filter_sets = 1, .channel_sets = 1,
		.taps_per_pe = 1, .images_per_pass = 1,
	};
	struct accel_conv wide = conv;
	struct accel_stream s;

	accel_stream_init(&s);
	accel_stream_layer(&s, &conv, 0x1000, 0);
	accel_stream_mapping(&s, &m);
	ck_assert_int_eq(s.error, 0);
	ck_assert_uint_eq(s.len, sizeof(struct rowstat_cmd_layer) +
				 sizeof(struct rowstat_cmd_mapping));
	accel_stream_free(&s);
	for (unsigned field = 0; field < 4; field++) {
		wide = conv;
		m.images_per_pass = 1;
		accel_stream_init(&s);
		if (field == 0)
			wide.in_channels = 65536 * wide.groups;
		else if (field == 1)
			wide.stride_h = 256;
		else if (field == 2)
			wide.pad_left = 300;
		if (field == 3) {
			m.images_per_pass = 65536;
			accel_stream_mapping(&s, &m);
		} else {
			accel_stream_layer(&s, &wide, 0x1000, 0);
		}
		ck_assert_msg(s.error == -EINVAL, "field %u: error %d", field, s.error);
		ck_assert_uint_eq(s.len, 0);
		/* Sticky: nothing more is appended. */
		accel_stream_barrier(&s);
		ck_assert_uint_eq(s.len, 0);
		accel_stream_free(&s);
	}
}
END_TEST

/*
 * A batch: ResNet-18's layers (21, of 12 shapes) with a bad one among them
 * give, on any number of threads, what each search gives alone; each shape
 * is searched once, and a repeat gets the estimate its first lacks.
 */
START_TEST(batch_maps_each_shape_once_as_the_search_would)
{
	static struct net_layer layers[NET_MAX_LAYERS];
	static struct accel_map_request reqs[NET_MAX_LAYERS + 1];
	static struct accel_mapping maps[NET_MAX_LAYERS + 1], direct[NET_MAX_LAYERS];
	static struct accel_estimate ests[NET_MAX_LAYERS + 1], direct_est[NET_MAX_LAYERS];
	unsigned count = net_layers(NET_RESNET18, 1, layers, NET_MAX_LAYERS), bad_at = 5;
	static const unsigned threads[] = { 1, 2, 3, 0 };
	struct accel_map_cache *cache = accel_map_cache_create(64);
	struct accel_map_cache_stats st;
	struct accel_conv bad = conv;
	struct rs_hw_params tiny = hw;
	struct accel_tensor rlc = { .rlc = true, .seg_rows = 1 };

	ck_assert_uint_eq(count, 21);
	ck_assert_ptr_nonnull(cache);
	bad.groups = 0;
	for (unsigned i = 0; i < count; i++)
		ck_assert_int_eq(accel_map_search(&hw, &layers[i].cv, &raw, &raw, NULL, NULL,
						  &direct[i], &direct_est[i]), 0);
	for (unsigned k = 0; k < sizeof(threads) / sizeof(threads[0]); k++) {
		memset(maps, 0, sizeof(maps));
		memset(ests, 0, sizeof(ests));
		for (unsigned i = 0, j = 0; i <= count; i++) {
			bool is_bad = i == bad_at;

			reqs[i] = (struct accel_map_request){
				.cv = is_bad ? &bad : &layers[j].cv, .in = &raw, .out = &raw,
				.map = &maps[i],
				/* The first of each shape without an estimate, on one run. */
				.est = k == 1 && i < 8 ? NULL : &ests[i], .ret = 12345,
			};
			j += !is_bad;
		}
		ck_assert_int_eq(accel_map_search_batch(k == 3 ? cache : NULL, &hw, reqs, count + 1,
							threads[k]), -EINVAL);
		for (unsigned i = 0, j = 0; i <= count; i++) {
			if (i == bad_at) {
				ck_assert_int_eq(reqs[i].ret, -EINVAL);
				continue;
			}
			ck_assert_msg(reqs[i].ret == 0, "threads %u: layer %s: %d", threads[k],
				      layers[j].name, reqs[i].ret);
			ck_assert_msg(same_mapping(&maps[i], &direct[j]), "threads %u: layer %s",
				      threads[k], layers[j].name);
			if (reqs[i].est) {
				ck_assert_uint_eq(ests[i].energy, direct_est[j].energy);
				ck_assert_uint_eq(ests[i].cycles, direct_est[j].cycles);
				ck_assert_uint_eq(ests[i].glb_bytes_used, direct_est[j].glb_bytes_used);
			}
			j++;
		}
	}
	/* The cached run searched each distinct shape once, the bad one too. */
	accel_map_cache_stats(cache, &st);
	ck_assert_uint_eq(st.misses, 13);
	ck_assert_uint_eq(st.hits, 0);
	ck_assert_int_eq(accel_map_search_batch(cache, &hw, reqs, count + 1, 2), -EINVAL);
	accel_map_cache_stats(cache, &st);
	ck_assert_uint_eq(st.hits, 12);
	accel_map_cache_destroy(cache);

	/* Nothing fits: every repeat reports it. */
	tiny.glb_bytes = 4096;
	bad = conv;
	bad.in_width = 4096;
	bad.in_height = 3;
	for (unsigned i = 0; i < 3; i++)
		reqs[i] = (struct accel_map_request){ .cv = &bad, .in = &rlc, .out = &raw,
						      .map = &maps[i] };
	ck_assert_int_eq(accel_map_search_batch(NULL, &tiny, reqs, 3, 2), -ENOSPC);
	for (unsigned i = 0; i < 3; i++)
		ck_assert_int_eq(reqs[i].ret, -ENOSPC);

	/* Arguments: nothing is looked at. */
	ck_assert_int_eq(accel_map_search_batch(NULL, &hw, NULL, 1, 1), -EINVAL);
	ck_assert_int_eq(accel_map_search_batch(NULL, NULL, reqs, 1, 1), -EINVAL);
	ck_assert_int_eq(accel_map_search_batch(NULL, &hw, NULL, 0, 1), 0);
	reqs[0].ret = 12345;
	reqs[1].map = NULL;
	ck_assert_int_eq(accel_map_search_batch(NULL, &hw, reqs, 2, 1), -EINVAL);
	ck_assert_int_eq(reqs[0].ret, 12345);
	reqs[1].map = &maps[1];
	reqs[1].cv = NULL;
	ck_assert_int_eq(accel_map_search_batch(NULL, &hw, reqs, 2, 1), -EINVAL);
}
END_TEST

/*
 * accel_map_explain: the chosen mapping is the search's; the runner-ups are
 * legal, of other array configurations, no better, in order and each of a
 * different cost; the limit named is the one whose doubling gains most.
 */
START_TEST(explain_gives_runner_ups_and_the_binding_limit)
{
	struct accel_map_explanation ex;
	struct accel_mapping direct;
	struct accel_conv big = conv, dw = conv, bad = conv;
	struct rs_hw_params tiny_glb = hw, tiny_array = hw;
	struct accel_tensor rlc = { .rlc = true, .seg_rows = 1 };
	char err[160];

	ck_assert_int_eq(accel_map_search(&hw, &conv, &raw, &raw, NULL, NULL, &direct, NULL), 0);
	ck_assert_int_eq(accel_map_explain(&hw, &conv, &raw, &raw, NULL, NULL, &ex), 0);
	ck_assert(same_mapping(&ex.chosen.map, &direct));
	ck_assert_double_eq(ex.chosen.value, (double)ex.chosen.est.energy / ROWSTAT_ENERGY_ONE *
						     (double)ex.chosen.est.cycles);
	ck_assert_uint_ge(ex.runner_ups, 4);
	for (unsigned i = 0; i < ex.runner_ups; i++) {
		const struct accel_map_candidate *c = &ex.runner_up[i];

		ck_assert_msg(accel_mapping_check(&hw, &conv, &c->map, &raw, &raw, err,
						  sizeof(err)) == 0, "runner-up %u: %s", i, err);
		ck_assert(c->value >= ex.chosen.value);
		ck_assert(!i || c->value >= ex.runner_up[i - 1].value);
		/* Each costs something different: a tie would say nothing. */
		ck_assert(c->est.energy != ex.chosen.est.energy ||
			  c->est.cycles != ex.chosen.est.cycles);
		for (unsigned j = 0; j < i; j++)
			ck_assert_msg(c->est.energy != ex.runner_up[j].est.energy ||
				      c->est.cycles != ex.runner_up[j].est.cycles,
				      "runner-ups %u and %u cost the same", j, i);
		ck_assert(c->map.set_cols != ex.chosen.map.set_cols ||
			  c->map.set_rows != ex.chosen.map.set_rows ||
			  c->map.filters_per_pe != ex.chosen.map.filters_per_pe ||
			  c->map.channels_per_pe != ex.chosen.map.channels_per_pe ||
			  c->map.filter_sets != ex.chosen.map.filter_sets ||
			  c->map.channel_sets != ex.chosen.map.channel_sets ||
			  c->map.taps_per_pe != ex.chosen.map.taps_per_pe ||
			  c->map.images_per_pass != ex.chosen.map.images_per_pass);
	}
	for (unsigned k = ACCEL_LIMIT_RF; k < ACCEL_LIMIT_COUNT; k++) {
		ck_assert(ex.relaxed[k] > 0 && ex.relaxed[k] <= 1);
		if (ex.limit != ACCEL_LIMIT_NONE)
			ck_assert(ex.relaxed[ex.limit] <= ex.relaxed[k]);
		else
			ck_assert(ex.relaxed[k] >= 0.999);
	}

	/* 64 channels at 56x56 in a 4 KiB GLB: the GLB binds. */
	big.batch = 1;
	big.in_channels = big.out_channels = 64;
	big.in_height = big.in_width = 56;
	tiny_glb.glb_bytes = 4096;
	ck_assert_int_eq(accel_map_explain(&tiny_glb, &big, &raw, &raw, NULL, NULL, &ex), 0);
	ck_assert_int_eq(ex.limit, ACCEL_LIMIT_GLB);
	ck_assert(ex.relaxed[ACCEL_LIMIT_GLB] < 0.9);
	/* A depthwise layer on 2x2 PEs: the array binds. */
	dw.in_channels = dw.out_channels = dw.groups = 32;
	dw.in_height = dw.in_width = 28;
	tiny_array.array_rows = tiny_array.array_cols = 2;
	ck_assert_int_eq(accel_map_explain(&tiny_array, &dw, &raw, &raw, NULL, NULL, &ex), 0);
	ck_assert_int_eq(ex.limit, ACCEL_LIMIT_ARRAY);
	ck_assert(ex.relaxed[ACCEL_LIMIT_ARRAY] < 0.5);

	ck_assert_int_eq(accel_map_explain(&hw, &conv, &raw, &raw, NULL, NULL, NULL), -EINVAL);
	bad.groups = 0;
	ck_assert_int_eq(accel_map_explain(&hw, &bad, &raw, &raw, NULL, NULL, &ex), -EINVAL);
	big.in_width = 4096;
	big.in_height = 3;
	ck_assert_int_eq(accel_map_explain(&tiny_glb, &big, &rlc, &raw, NULL, NULL, &ex), -ENOSPC);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("compiler");
	TCase *tc = tcase_create("checks");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, hardware_parameters_are_checked);
	tcase_add_test(tc, pe_sets_fold_and_stack);
	tcase_add_test(tc, layer_checks_name_the_field);
	tcase_add_test(tc, mapping_checks_name_the_problem);
	tcase_add_test(tc, compiler_refuses_what_the_device_cannot_run);
	tcase_add_test(tc, search_fits_the_glb_and_honours_pins);
	tcase_add_test(tc, objectives_trade_energy_for_latency);
	tcase_add_test(tc, emitter_refuses_bad_mappings_and_huge_streams);
	tcase_add_test(tc, stream_builder_refuses_values_wider_than_their_fields);
	tcase_add_test(tc, search_cache_returns_what_the_search_would);
	tcase_add_test(tc, batch_maps_each_shape_once_as_the_search_would);
	tcase_add_test(tc, explain_gives_runner_ups_and_the_binding_limit);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
