// SPDX-License-Identifier: MIT
/*
 * The exhaustive enumerator (tests/support/map_enum.c) against brute force:
 * every field of every mapping, one past each canonical limit, checked by
 * accel_mapping_check and priced by accel_mapping_estimate.  Small
 * hardware (a 3x3 array, tiny RFs, a 4 KiB GLB) keeps brute force short
 * while the GLB, the RFs and the array all bind.
 */
#include <errno.h>
#include <string.h>

#include "check_main.h"
#include "../../libaccel/src/compiler_internal.h"
#include "map_enum.h"
#include "random_case.h"

static struct rs_hw_params hw;

static void setup(void)
{
	rs_hw_params_default(&hw);
	hw.array_rows = 3;
	hw.array_cols = 3;
	hw.rf_ifmap = 4;
	hw.rf_filter = 8;
	hw.rf_psum = 3;
	hw.glb_bytes = 4096;
}

/* The best by each objective, from one pass over every mapping. */
struct brute {
	bool found;
	struct accel_estimate best[3];
	uint64_t legal;
};

static void brute_tiles(const struct accel_conv *cv, const struct accel_tensor *in,
			const struct accel_tensor *out, struct accel_mapping m,
			unsigned E, unsigned F, struct brute *b)
{
	unsigned Cg = cv->in_channels / cv->groups, Mg = cv->out_channels / cv->groups;

	for (m.tile_n = 1; m.tile_n <= cv->batch; m.tile_n++)
	for (m.tile_m = 1; m.tile_m <= Mg; m.tile_m++)
	for (m.tile_c = 1; m.tile_c <= Cg; m.tile_c++)
	for (m.tile_e = 1; m.tile_e <= E; m.tile_e++)
	for (m.tile_f = 1; m.tile_f <= F; m.tile_f++)
	for (unsigned db = 0; db < 4; db++) {
		struct accel_estimate est;

		m.double_ifmap = db & 1;
		m.double_psum = db & 2;
		if (accel_mapping_check(&hw, cv, &m, in, out, NULL, 0))
			continue;
		b->legal++;
		accel_mapping_estimate(&hw, cv, &m, in, out, NULL, &est);
		for (unsigned obj = 0; obj < 3; obj++)
			if (!b->found || map_enum_better(obj, est.energy, est.cycles,
							 b->best[obj].energy,
							 b->best[obj].cycles))
				b->best[obj] = est;
		b->found = true;
	}
}

/* Every array field up to one past what the layer can use. */
static void brute_force(const struct accel_conv *cv, const struct accel_tensor *in,
			const struct accel_tensor *out, struct brute *b)
{
	unsigned E = accel_conv_out_height(cv), F = accel_conv_out_width(cv);
	unsigned Cg = cv->in_channels / cv->groups, Mg = cv->out_channels / cv->groups;
	struct accel_mapping m = { 0 };

	for (m.set_rows = 1; m.set_rows <= min_u(cv->kernel_h + 1, hw.array_rows); m.set_rows++)
	for (m.taps_per_pe = 1; m.taps_per_pe <= min_u(cv->kernel_w + 1, hw.rf_ifmap);
	     m.taps_per_pe++)
	for (m.set_cols = 1; m.set_cols <= E + 1; m.set_cols++)
	for (m.channels_per_pe = 1; m.channels_per_pe <= Cg + 1; m.channels_per_pe++)
	for (m.filters_per_pe = 1; m.filters_per_pe <= min_u(Mg + 1, hw.rf_psum);
	     m.filters_per_pe++)
	for (m.channel_sets = 1; m.channel_sets <= Cg + 1; m.channel_sets++)
	for (m.filter_sets = 1; m.filter_sets <= Mg + 1; m.filter_sets++)
	for (m.images_per_pass = 1; m.images_per_pass <= cv->batch + 1; m.images_per_pass++) {
		struct rs_hw_mapping hm = {
			.set_rows = m.set_rows, .set_cols = m.set_cols,
			.filters_per_pe = m.filters_per_pe,
			.channels_per_pe = m.channels_per_pe,
			.filter_sets = m.filter_sets, .channel_sets = m.channel_sets,
			.taps_per_pe = m.taps_per_pe, .images_per_pass = m.images_per_pass,
		};

		if (!rs_hw_mapping_check(&hw, &hm, "", NULL, 0))
			brute_tiles(cv, in, out, m, E, F, b);
	}
}

static struct accel_conv small_conv(unsigned batch, unsigned c, unsigned hw_in, unsigned m,
				    unsigned k, unsigned stride, unsigned pad, unsigned groups)
{
	return (struct accel_conv){
		.batch = batch, .in_channels = c, .in_height = hw_in, .in_width = hw_in,
		.out_channels = m, .kernel_h = k, .kernel_w = k, .groups = groups,
		.stride_h = stride, .stride_w = stride, .pad_top = pad, .pad_bottom = pad,
		.pad_left = pad, .pad_right = pad, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.requant_mult = 1,
	};
}

/*
 * Within a tolerance, the enumerator's mapping is that near the optimum,
 * and its lower bound lies between the optimum and its mapping's value
 * over 1 + tolerance.
 */
static void near_optimum_agrees(const struct accel_conv *cv, const struct accel_tensor *in,
				const struct accel_tensor *out, unsigned obj, double optimum,
				const char *what)
{
	static const double tolerances[] = { 0.01, 0.05, 0.3 };

	for (unsigned i = 0; i < 3; i++) {
		double tol = tolerances[i], value;
		struct map_enum_result r;

		ck_assert_int_eq(map_enum_near_optimum(&hw, cv, in, out, NULL, obj, tol, NULL, &r),
				 0);
		ck_assert(r.found);
		value = map_enum_value(obj, &r.est);
		ck_assert_msg(value <= optimum * (1 + tol) && r.lower_bound <= optimum &&
			      r.lower_bound * (1 + tol) >= value,
			      "%s obj %u tolerance %.2f: value %.6g, lower bound %.6g, optimum %.6g",
			      what, obj, tol, value, r.lower_bound, optimum);
		ck_assert_int_eq(accel_mapping_check(&hw, cv, &r.map, in, out, NULL, 0), 0);
	}
}

static void agree(const struct accel_conv *cv, const struct accel_tensor *in,
		  const struct accel_tensor *out, const char *what)
{
	struct brute b = { 0 };

	brute_force(cv, in, out, &b);
	for (unsigned obj = 0; obj < 3; obj++) {
		struct map_enum_result r;
		struct accel_estimate again;

		ck_assert_int_eq(map_enum_optimum(&hw, cv, in, out, NULL, obj, NULL, &r), 0);
		ck_assert_msg(b.found == r.found, "%s obj %u: brute force %d, enumerator %d",
			      what, obj, b.found, r.found);
		if (!b.found)
			continue;
		ck_assert_msg(b.legal > 1000, "%s: only %llu legal mappings", what,
			      (unsigned long long)b.legal);
		ck_assert_msg(b.best[obj].energy == r.est.energy &&
			      b.best[obj].cycles == r.est.cycles,
			      "%s obj %u: brute force energy %llu cycles %llu, enumerator "
			      "energy %llu cycles %llu", what, obj,
			      (unsigned long long)b.best[obj].energy,
			      (unsigned long long)b.best[obj].cycles,
			      (unsigned long long)r.est.energy, (unsigned long long)r.est.cycles);
		/* Its mapping is legal and costs what it says. */
		ck_assert_int_eq(accel_mapping_check(&hw, cv, &r.map, in, out, NULL, 0), 0);
		accel_mapping_estimate(&hw, cv, &r.map, in, out, NULL, &again);
		ck_assert(memcmp(&again, &r.est, sizeof(again)) == 0);
		/* It pruned: fewer mappings priced than brute force checked. */
		ck_assert_uint_lt(r.evaluated, b.legal);
		ck_assert(r.lower_bound == map_enum_value(obj, &r.est));
		near_optimum_agrees(cv, in, out, obj, map_enum_value(obj, &b.best[obj]), what);
	}
}

START_TEST(enumerator_matches_brute_force_raw)
{
	static const struct accel_tensor raw = { 0 };
	struct accel_conv cv;

	/* The psum tile of the whole layer (2x4x8x8x4 bytes) overflows the GLB. */
	cv = small_conv(2, 2, 10, 4, 3, 1, 1, 1);
	agree(&cv, &raw, &raw, "3x3 pad 1");
	if (test_quick())	/* the sanitizer build: one layer per format */
		return;
	cv = small_conv(2, 3, 11, 4, 3, 2, 0, 1);
	agree(&cv, &raw, &raw, "3x3 stride 2");
	cv = small_conv(1, 4, 9, 4, 2, 1, 0, 2);
	agree(&cv, &raw, &raw, "2x2, 2 groups");
	cv = small_conv(2, 4, 12, 6, 1, 1, 0, 1);
	agree(&cv, &raw, &raw, "1x1");
}
END_TEST

START_TEST(enumerator_matches_brute_force_rlc)
{
	struct accel_conv cv = small_conv(2, 2, 10, 4, 3, 1, 1, 1);
	struct accel_tensor raw = { 0 };
	struct accel_tensor rows = { .rlc = true, .seg_rows = 1 };
	struct accel_tensor planes_in = { .rlc = true, .seg_rows = 10 };
	struct accel_tensor planes_out = { .rlc = true, .seg_rows = 10 };

	agree(&cv, &rows, &raw, "RLC-row ifmap");
	if (test_quick())
		return;
	agree(&cv, &planes_in, &rows, "RLC-plane ifmap, RLC-row ofmap");
	agree(&cv, &raw, &planes_out, "RLC-plane ofmap");
}
END_TEST

/* How far from the optimum the search may land, by any objective. */
#define SEARCH_RATIO_LIMIT 1.02

/*
 * The search against the optimum on seeded random layers (depthwise,
 * grouped, FC, strided, 1x1 and the rest random_conv draws, in random
 * tensor formats), on the default hardware, by every objective: near the
 * optimum, and never -ENOSPC where a legal mapping exists.
 */
START_TEST(search_is_near_the_optimum)
{
	struct rs_hw_params def;
	struct rng r = { 7 + (uint64_t)_i };
	unsigned layers = test_quick() ? 4 : 16, within2 = 0, total = 0;
	double worst = 1;

	rs_hw_params_default(&def);
	for (unsigned i = 0; i < layers; i++) {
		struct accel_conv cv;
		struct accel_tensor in, out;

		random_conv(&r, 2, &cv, &in, &out);
		for (unsigned obj = 0; obj < 3; obj++) {
			struct accel_map_options opts = { .objective = obj };
			struct accel_mapping m;
			struct accel_estimate est;
			struct map_enum_result opt;
			int ret = accel_map_search(&def, &cv, &in, &out, NULL, &opts, &m, &est);
			double ratio;

			ck_assert_int_eq(map_enum_optimum(&def, &cv, &in, &out, NULL, obj,
							  ret ? NULL : &m, &opt), 0);
			ck_assert_msg(!ret == opt.found,
				      "layer %u (%ux%ux%u, %u filters %ux%u/%u, groups %u): "
				      "search %d, optimum %s", i, cv.in_channels, cv.in_height,
				      cv.in_width, cv.out_channels, cv.kernel_h, cv.kernel_w,
				      cv.stride_h, cv.groups, ret, opt.found ? "found" : "none");
			if (ret)
				continue;
			ratio = map_enum_value(obj, &est) / map_enum_value(obj, &opt.est);
			worst = ratio > worst ? ratio : worst;
			within2 += ratio <= 1.02;
			total++;
			ck_assert_msg(ratio <= SEARCH_RATIO_LIMIT,
				      "layer %u (%ux%ux%u, %u filters %ux%u/%u, groups %u, batch %u) "
				      "objective %u: %.4fx the optimum", i, cv.in_channels,
				      cv.in_height, cv.in_width, cv.out_channels, cv.kernel_h,
				      cv.kernel_w, cv.stride_h, cv.groups, cv.batch, obj, ratio);
		}
	}
	printf("search: %u of %u within 2%% of the optimum, worst %.4fx (%u random layers "
	       "x 3 objectives)\n", within2, total, worst, layers);
}
END_TEST

/*
 * The search's value over the exhaustive optimum's by objective obj, on a
 * layer where both must find a mapping.
 */
static double search_over_optimum(const struct rs_hw_params *params, const struct accel_conv *cv,
				  const struct accel_tensor *in, const struct accel_tensor *out,
				  unsigned obj)
{
	struct accel_map_options opts = { .objective = obj };
	struct accel_mapping m;
	struct accel_estimate est;
	struct map_enum_result opt;

	ck_assert_int_eq(accel_map_search(params, cv, in, out, NULL, &opts, &m, &est), 0);
	ck_assert_int_eq(map_enum_optimum(params, cv, in, out, NULL, obj, &m, &opt), 0);
	ck_assert(opt.found);
	return map_enum_value(obj, &est) / map_enum_value(obj, &opt.est);
}

/*
 * 3-channel stems, which random_conv does not draw: 7x7/2, 11x11/4 and
 * 3x3/2 over an RGB image, raw and with an RLC output, by every objective.
 */
START_TEST(search_is_near_the_optimum_on_stems)
{
	static const struct {
		unsigned H, M, R, U, pad;
	} stems[] = {
		{ 40, 16, 7, 2, 3 },
		{ 63, 12, 11, 4, 0 },
		{ 48, 8, 3, 2, 1 },
	};
	struct rs_hw_params def;
	double worst = 1;
	unsigned checked = 0;

	rs_hw_params_default(&def);
	for (unsigned i = 0; i < sizeof(stems) / sizeof(stems[0]); i++) {
		struct accel_conv cv = {
			.batch = 2, .in_channels = 3, .in_height = stems[i].H,
			.in_width = stems[i].H, .out_channels = stems[i].M,
			.kernel_h = stems[i].R, .kernel_w = stems[i].R, .groups = 1,
			.stride_h = stems[i].U, .stride_w = stems[i].U,
			.pad_top = stems[i].pad, .pad_bottom = stems[i].pad,
			.pad_left = stems[i].pad, .pad_right = stems[i].pad,
			.ifmap_prec = ROWSTAT_PREC_Q16, .filter_prec = ROWSTAT_PREC_Q16,
			.ofmap_prec = ROWSTAT_PREC_Q16, .requant_mult = 1, .bias = true,
		};
		struct accel_tensor raw = { 0 }, rows = { .rlc = true, .seg_rows = 1 };

		for (unsigned obj = 0; obj < 3; obj++) {
			double ratio = search_over_optimum(&def, &cv, &raw, obj == 1 ? &rows : &raw,
							   obj);

			ck_assert_msg(ratio <= SEARCH_RATIO_LIMIT, "stem %u objective %u: %.4fx", i, obj,
				      ratio);
			worst = ratio > worst ? ratio : worst;
			checked++;
		}
	}
	ck_assert_uint_eq(checked, 9);
	printf("search: stems within %.4fx of the optimum\n", worst);
}
END_TEST

/*
 * Small-batch FC layers, whose time is mostly the first load and the last
 * store: their optima tile the images unevenly (3 and 1 of 4), so that
 * the last tile's store is short.  By every objective, raw tensors.
 */
START_TEST(search_is_near_the_optimum_on_small_batches)
{
	static const struct {
		unsigned N, C, M;
	} fcs[] = {
		{ 4, 65, 11 }, { 4, 61, 18 }, { 3, 40, 24 }, { 5, 77, 9 }, { 6, 33, 30 },
	};
	struct accel_tensor raw = { 0 };
	struct rs_hw_params def;
	double worst = 1;

	rs_hw_params_default(&def);
	for (unsigned i = 0; i < sizeof(fcs) / sizeof(fcs[0]); i++) {
		struct accel_conv cv = {
			.batch = fcs[i].N, .in_channels = fcs[i].C, .in_height = 1, .in_width = 1,
			.out_channels = fcs[i].M, .kernel_h = 1, .kernel_w = 1, .groups = 1,
			.stride_h = 1, .stride_w = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
			.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
			.requant_mult = 1,
		};

		for (unsigned obj = 0; obj < 3; obj++) {
			double ratio = search_over_optimum(&def, &cv, &raw, &raw, obj);

			ck_assert_msg(ratio <= SEARCH_RATIO_LIMIT,
				      "FC %u (batch %u, %u to %u) objective %u: %.4fx", i, fcs[i].N,
				      fcs[i].C, fcs[i].M, obj, ratio);
			worst = ratio > worst ? ratio : worst;
		}
	}
	printf("search: small-batch FC layers within %.4fx of the optimum\n", worst);
}
END_TEST

/*
 * Whether any legal mapping exists: the one with every array parameter and
 * tile at its least (whole rows or planes where an RLC ofmap needs them)
 * uses the least GLB, and no other choice decides legality.
 */
static bool some_mapping_fits(const struct rs_hw_params *h, const struct accel_conv *cv,
			      const struct accel_tensor *in, const struct accel_tensor *out)
{
	unsigned E = accel_conv_out_height(cv), F = accel_conv_out_width(cv);
	struct accel_mapping m = {
		.set_rows = 1, .set_cols = 1, .filters_per_pe = 1, .channels_per_pe = 1,
		.filter_sets = 1, .channel_sets = 1, .taps_per_pe = 1, .images_per_pass = 1,
		.tile_n = 1, .tile_m = 1, .tile_c = 1,
		.tile_e = out->rlc && out->seg_rows == E ? E : 1,
		.tile_f = out->rlc ? F : 1,
	};

	return accel_mapping_check(h, cv, &m, in, out, NULL, 0) == 0;
}

/*
 * No false -ENOSPC: on random layers, in every combination of tensor
 * formats (raw, RLC rows, RLC planes on each side), on the default GLB and
 * a 4 KiB one, the search finds a mapping exactly when one exists.
 */
START_TEST(search_finds_a_mapping_whenever_one_exists)
{
	struct rs_hw_params def, small;
	struct rng r = { 77 };
	unsigned layers = test_quick() ? 20 : 80, found = 0, none = 0;

	rs_hw_params_default(&def);
	small = def;
	small.glb_bytes = 4096;
	for (unsigned i = 0; i < layers; i++) {
		struct accel_conv cv;
		struct accel_tensor in, out;

		random_conv(&r, 2, &cv, &in, &out);
		/* Wide rows, on the small GLB, where whole compressed rows do not fit. */
		if (i % 2) {
			cv.in_width = cv.in_width * 97 > 4096 ? 4096 : cv.in_width * 97;
			ck_assert_int_eq(accel_conv_check(&cv, NULL, 0), 0);
		}
		for (unsigned f = 0; f < 9; f++) {
			const struct rs_hw_params *h = i % 2 ? &small : &def;
			unsigned E = accel_conv_out_height(&cv);
			struct accel_tensor fin = {
				.rlc = f % 3 != 0, .seg_rows = f % 3 == 2 ? cv.in_height : f % 3,
			};
			struct accel_tensor fout = {
				.rlc = f / 3 != 0, .seg_rows = f / 3 == 2 ? E : f / 3,
			};
			struct accel_mapping m;
			int ret = accel_map_search(h, &cv, &fin, &fout, NULL, NULL, &m, NULL);
			bool exists = some_mapping_fits(h, &cv, &fin, &fout);

			ck_assert_msg((ret == 0) == exists,
				      "layer %u (%ux%ux%u, %u filters %ux%u/%u, groups %u, batch %u), "
				      "formats %u, GLB %u: search %d, a mapping %s", i, cv.in_channels,
				      cv.in_height, cv.in_width, cv.out_channels, cv.kernel_h,
				      cv.kernel_w, cv.stride_h, cv.groups, cv.batch, f, h->glb_bytes,
				      ret, exists ? "exists" : "does not exist");
			found += exists;
			none += !exists;
		}
	}
	/* Both answers must have been put to the test. */
	ck_assert_uint_ge(found, layers);
	ck_assert_uint_ge(none, layers / 4);
}
END_TEST

/* accel_split_get's closed form against a walk over every tile and sub. */
START_TEST(split_statistics_match_a_walk)
{
	unsigned checked = 0;

	for (unsigned total = 1; total <= 40; total++)
		for (unsigned tile = 1; tile <= total; tile++)
			for (unsigned sub = 1; sub <= tile + 1; sub++)
				for (unsigned per_pe = 1; per_pe <= sub + 1; per_pe++) {
					struct accel_split d, w = { 0 };

					for (unsigned a = 0; a < total; a += tile, w.tiles++)
						for (unsigned b = a; b < min_u(a + tile, total);
						     b += sub) {
							unsigned len = min_u(sub, min_u(a + tile, total) - b);
							unsigned sets = div_up(len, per_pe);

							w.subs++;
							w.sum_min += min_u(len, per_pe);
							w.sum_sets += sets;
							if (sets > w.max_sets)
								w.max_sets = sets;
						}
					accel_split_get(total, tile, sub, per_pe, &d);
					ck_assert_uint_eq(d.tiles, w.tiles);
					ck_assert_uint_eq(d.subs, w.subs);
					ck_assert_uint_eq(d.sum_min, w.sum_min);
					ck_assert_uint_eq(d.sum_sets, w.sum_sets);
					ck_assert_uint_eq(d.max_sets, w.max_sets);
					checked++;
				}
	ck_assert_uint_gt(checked, 10000);
}
END_TEST

/*
 * The configuration bound, which prunes the search and the enumerator,
 * never exceeds the estimate of any tiling of that configuration: random
 * layers and mappings, and strides above the kernel (a ResNet shortcut's
 * 1x1 stride 2), where smaller tiles skip the rows between windows; on the
 * default hardware and on the small one, whose 4 KiB GLB makes every
 * layer tile (the bound's GLB floor).
 */
START_TEST(config_bound_holds_for_every_tiling)
{
	static const unsigned strided[][4] = {	/* kernel, stride, pad, size */
		{ 1, 2, 0, 14 }, { 1, 3, 0, 17 }, { 2, 3, 1, 20 }, { 3, 4, 1, 23 }, { 1, 2, 1, 9 },
	};
	const unsigned kinds = sizeof(strided) / sizeof(strided[0]);
	struct rs_hw_params def;
	struct rng r = { 99 };
	unsigned checked = 0;

	rs_hw_params_default(&def);
	for (unsigned i = 0; i < 120; i++) {
		const struct rs_hw_params *h = i < 60 ? &def : &hw;
		struct accel_conv cv;
		struct accel_tensor in, out;

		random_conv(&r, 2, &cv, &in, &out);
		if (i % 60 < 5 * kinds) {
			const unsigned *k = strided[i % kinds];

			cv.kernel_h = cv.kernel_w = k[0];
			cv.stride_h = cv.stride_w = k[1];
			cv.pad_top = cv.pad_bottom = cv.pad_left = cv.pad_right = k[2];
			cv.in_height = cv.in_width = k[3];
			/* Raw ifmaps: an RLC one is loaded whole anyway. */
			memset(&in, 0, sizeof(in));
			if (i % 60 >= 2 * kinds)
				memset(&out, 0, sizeof(out));
		}
		for (unsigned j = 0; j < 40; j++) {
			struct accel_mapping m;
			struct accel_estimate est;
			double energy, cycles;

			if (random_mapping(&r, h, &cv, &in, &out, &m))
				continue;
			accel_mapping_estimate(h, &cv, &m, &in, &out, NULL, &est);
			accel_config_bound(h, &cv, &m, &in, &out, NULL, &energy, &cycles);
			ck_assert_msg(energy <= (double)est.energy && cycles <= (double)est.cycles,
				      "layer %u (%ux%u stride %u, pad %u, %ux%u) mapping %u: bound "
				      "energy %.0f cycles %.0f above the estimate's %llu, %llu", i,
				      cv.kernel_h, cv.kernel_w, cv.stride_h, cv.pad_top, cv.in_height,
				      cv.in_width, j, energy, cycles,
				      (unsigned long long)est.energy, (unsigned long long)est.cycles);
			checked++;
		}
	}
	ck_assert_uint_gt(checked, 2000);
}
END_TEST

/*
 * The search's partial bounds take the filters whole but at least as many
 * filter tiles as the GLB forces, at each point of its loops: every tile
 * chosen but the filters'; the channel tile left to choose (taken whole);
 * the columns too (whole, with the fewest columns any tiling holds).  The
 * most filters are then those that fit beside the smallest ifmap tile
 * left, unbuffered: one channel, one column.  On random layers and legal
 * mappings, on the default GLB and the 4 KiB one: the mapping's filter
 * tile fits that most, and the bound for filter tiles up to it never
 * exceeds the mapping's estimate; nor, with every tile chosen, does the
 * bound for filter tiles up to the mapping's own.
 */
START_TEST(filter_tiles_bound_holds_for_every_tiling)
{
	struct rs_hw_params def;
	struct rng r = { 4242 };
	unsigned checked = 0, several = 0;

	rs_hw_params_default(&def);
	for (unsigned i = 0; i < 120; i++) {
		const struct rs_hw_params *h = i < 60 ? &def : &hw;
		struct accel_conv cv;
		struct accel_tensor in, out;
		struct accel_shape sh;

		random_conv(&r, 2, &cv, &in, &out);
		accel_shape_get(&cv, &sh);
		for (unsigned j = 0; j < 40; j++) {
			struct accel_mapping m;
			struct accel_estimate est;

			if (random_mapping(&r, h, &cv, &in, &out, &m))
				continue;
			accel_mapping_estimate(h, &cv, &m, &in, &out, NULL, &est);
			for (unsigned level = 0; level < 4; level++) {
				/* level 3: every tile chosen, filter tiles up to the mapping's */
				struct accel_mapping left = m, least = m;
				struct accel_layout bound;
				struct accel_glb_plan plan;
				double energy, cycles;
				unsigned most;

				least.tile_m = 1;
				least.double_ifmap = least.double_psum = false;
				if (level == 1 || level == 2) {
					left.tile_c = sh.P;
					least.tile_c = 1;
				}
				if (level == 2) {
					left.tile_f = sh.F;
					least.tile_f = 1;
				}
				accel_glb_plan(&sh, &in, &least, &plan);
				most = accel_glb_most_filters(&sh, &least, h->glb_bytes,
							      plan.ifmap_bytes, false);
				ck_assert_msg(m.tile_m <= most, "layer %u mapping %u level %u: "
					      "tile_m %u fits, most %u", i, j, level, m.tile_m, most);
				if (level == 3)
					most = m.tile_m;
				left.tile_m = sh.Mg;
				accel_layout_get(&cv, &in, &left, &bound);
				if (level == 2)
					accel_layout_least_held(&sh, &in, NULL, &bound.cols);
				accel_layout_bound_filters(h, &cv, &left, &bound, &in, &out, NULL, most,
							   &energy, &cycles);
				ck_assert_msg(energy <= (double)est.energy &&
					      cycles <= (double)est.cycles,
					      "layer %u mapping %u level %u (tile_m %u of %u, most %u): "
					      "bound energy %.0f cycles %.0f above the estimate's "
					      "%llu, %llu", i, j, level, m.tile_m, sh.Mg, most, energy,
					      cycles, (unsigned long long)est.energy,
					      (unsigned long long)est.cycles);
			}
			several += m.tile_m < sh.Mg;
			checked++;
		}
	}
	ck_assert_uint_gt(checked, 2000);
	ck_assert_uint_gt(several, 500);
}
END_TEST

START_TEST(enumerator_refuses_bad_layers)
{
	struct accel_conv cv = small_conv(1, 2, 8, 2, 3, 1, 0, 1);
	struct accel_tensor raw = { 0 };
	struct map_enum_result r;

	cv.groups = 0;
	ck_assert_int_eq(map_enum_optimum(&hw, &cv, &raw, &raw, NULL, ACCEL_MAP_EDP, NULL, &r),
			 -EINVAL);
	ck_assert(!r.found);
}
END_TEST

/*
 * The search prices with the passes' totals and keeps what the averaged
 * estimate, pass class by pass class, says: a price must never exceed it
 * (stage2_keep estimates only prices below its last finalist's), and both
 * count the same energy, on random mappings of every kind of layer.
 */
START_TEST(a_price_never_exceeds_its_estimate)
{
	unsigned checked = 0, higher = 0;

	for (unsigned i = 0; i < 400; i++) {
		struct accel_conv cv;
		struct accel_tensor in, out;
		struct accel_mapping map;
		struct accel_layout lo;
		struct accel_estimate prices[4], price, est;
		struct rng r = { 31000 + i };
		unsigned db;

		random_conv(&r, 1 + i % 2, &cv, &in, &out);
		if (random_mapping(&r, &hw, &cv, &in, &out, &map))
			continue;
		accel_layout_get(&cv, &in, &map, &lo);
		/* As the search prices: every buffering choice from one set of counts. */
		db = (map.double_ifmap ? 1 : 0) | (map.double_psum ? 2 : 0);
		accel_layout_price_buffers(&hw, &cv, &map, &lo, &in, &out, NULL, 0xf, prices);
		price = prices[db];
		accel_layout_estimate_averaged(&hw, &cv, &map, &lo, &in, &out, NULL, &est);
		ck_assert_msg(price.cycles <= est.cycles, "seed %u: price %llu cycles, estimate %llu",
			      31000 + i, (unsigned long long)price.cycles,
			      (unsigned long long)est.cycles);
		ck_assert_uint_eq(price.energy, est.energy);
		higher += est.cycles > price.cycles;
		checked++;
	}
	ck_assert_uint_ge(checked, 200);
	/* The classes see something the totals do not, or the test proves little. */
	ck_assert_uint_gt(higher, checked / 10);
}
END_TEST

/*
 * Three cases, each to run alone by CK_RUN_CASE: the enumerator against
 * brute force takes most of the time, the bounds a second, the search
 * some seconds.
 */
static Suite *make_suite(void)
{
	Suite *s = suite_create("mapper");
	TCase *en = tcase_create("enumerator"), *bounds = tcase_create("bounds");
	TCase *search = tcase_create("search");

	tcase_add_checked_fixture(en, setup, NULL);
	tcase_set_timeout(en, 600);
	tcase_add_test(en, enumerator_matches_brute_force_raw);
	tcase_add_test(en, enumerator_matches_brute_force_rlc);
	tcase_add_test(en, enumerator_refuses_bad_layers);
	suite_add_tcase(s, en);
	tcase_add_checked_fixture(bounds, setup, NULL);
	tcase_set_timeout(bounds, 600);
	tcase_add_test(bounds, split_statistics_match_a_walk);
	tcase_add_test(bounds, config_bound_holds_for_every_tiling);
	tcase_add_test(bounds, filter_tiles_bound_holds_for_every_tiling);
	tcase_add_test(bounds, a_price_never_exceeds_its_estimate);
	suite_add_tcase(s, bounds);
	tcase_add_checked_fixture(search, setup, NULL);
	tcase_set_timeout(search, 600);
	tcase_add_loop_test(search, search_is_near_the_optimum, 0, 2);
	tcase_add_test(search, search_is_near_the_optimum_on_stems);
	tcase_add_test(search, search_is_near_the_optimum_on_small_batches);
	tcase_add_test(search, search_finds_a_mapping_whenever_one_exists);
	suite_add_tcase(s, search);
	return s;
}

CHECK_MAIN(make_suite)
