// SPDX-License-Identifier: MIT
/*
 * The mapper: checks and estimates row-stationary mappings, and searches
 * them.  The estimate is a closed form of the very schedule emit.c writes
 * (docs/model.md, "Counting"), so the search compares what the device will
 * actually be asked to do; only data-dependent terms (zero gating, RLC
 * sizes) are expectations.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler_internal.h"

/* ---- layer shape --------------------------------------------------------- */

unsigned rs_conv_out_height(const struct rs_conv *cv)
{
	unsigned padded = cv->in_height + cv->pad_top + cv->pad_bottom;

	if (!cv->stride_h || padded < cv->kernel_h)
		return 0;
	return (padded - cv->kernel_h) / cv->stride_h + 1;
}

unsigned rs_conv_out_width(const struct rs_conv *cv)
{
	unsigned padded = cv->in_width + cv->pad_left + cv->pad_right;

	if (!cv->stride_w || padded < cv->kernel_w)
		return 0;
	return (padded - cv->kernel_w) / cv->stride_w + 1;
}

uint64_t rs_conv_macs(const struct rs_conv *cv)
{
	return (uint64_t)cv->batch * cv->out_channels * rs_conv_out_height(cv) *
	       rs_conv_out_width(cv) * (cv->in_channels / cv->groups) *
	       cv->kernel_h * cv->kernel_w;
}

__attribute__((format(printf, 3, 4)))
static int einval(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int field_range(char *err, size_t errlen, const char *name, unsigned v,
		       unsigned lo, unsigned hi)
{
	if (v < lo || v > hi)
		return einval(err, errlen, "%s %u outside %u..%u", name, v, lo, hi);
	return 0;
}

/* The device's own rules (rs_layer_shape_check), without its capabilities. */
int rs_conv_check(const struct rs_conv *cv, char *err, size_t errlen)
{
	struct rs_layer_shape ls = {
		.prec = { cv->ifmap_prec, cv->filter_prec, cv->ofmap_prec },
		.batch = cv->batch, .in_channels = cv->in_channels,
		.in_height = cv->in_height, .in_width = cv->in_width,
		.out_channels = cv->out_channels, .kernel_h = cv->kernel_h,
		.kernel_w = cv->kernel_w, .groups = cv->groups,
		.stride_h = cv->stride_h, .stride_w = cv->stride_w,
		.pad_top = cv->pad_top, .pad_bottom = cv->pad_bottom,
		.pad_left = cv->pad_left, .pad_right = cv->pad_right,
		.requant_shift = cv->requant_shift,
	};

	return rs_layer_shape_check(NULL, &ls, "", err, errlen) ? -EINVAL : 0;
}

void conv_shape_get(const struct rs_conv *cv, struct conv_shape *sh)
{
	sh->N = cv->batch;
	sh->C = cv->in_channels;
	sh->H = cv->in_height;
	sh->W = cv->in_width;
	sh->M = cv->out_channels;
	sh->R = cv->kernel_h;
	sh->S = cv->kernel_w;
	sh->G = cv->groups;
	sh->E = rs_conv_out_height(cv);
	sh->F = rs_conv_out_width(cv);
	sh->Cg = sh->C / sh->G;
	sh->Mg = sh->M / sh->G;
	sh->Uh = cv->stride_h;
	sh->Uw = cv->stride_w;
	sh->pt = cv->pad_top;
	sh->pl = cv->pad_left;
	sh->ib = cv->ifmap_prec == ROWSTAT_PREC_INT8 ? 1 : 2;
	sh->wb = cv->filter_prec == ROWSTAT_PREC_INT8 ? 1 : 2;
	sh->ob = cv->ofmap_prec == ROWSTAT_PREC_INT8 ? 1 : 2;
}

static struct span clip_span(long lo, long hi, unsigned limit)
{
	struct span s;

	if (lo < 0)
		lo = 0;
	if (hi > (long)limit)
		hi = limit;
	if (hi < lo)
		hi = lo;
	s.lo = (unsigned)lo;
	s.hi = (unsigned)hi;
	return s;
}

struct span input_rows(const struct conv_shape *sh, unsigned ea, unsigned eb)
{
	return clip_span((long)ea * sh->Uh - sh->pt,
			 (long)(eb - 1) * sh->Uh - sh->pt + sh->R, sh->H);
}

struct span input_cols(const struct conv_shape *sh, unsigned fa, unsigned fb)
{
	return clip_span((long)fa * sh->Uw - sh->pl,
			 (long)(fb - 1) * sh->Uw - sh->pl + sh->S, sh->W);
}

struct span tile_rows(const struct conv_shape *sh, const struct rs_tensor *in,
		      unsigned ea, unsigned eb)
{
	struct span all = { 0, sh->H };

	return in->rlc && in->seg_rows == sh->H ? all : input_rows(sh, ea, eb);
}

struct span tile_cols(const struct conv_shape *sh, const struct rs_tensor *in,
		      unsigned fa, unsigned fb)
{
	struct span all = { 0, sh->W };

	return in->rlc ? all : input_cols(sh, fa, fb);
}

static uint32_t align8(uint64_t v)
{
	return (uint32_t)((v + 7) & ~7ull);
}

void glb_plan_get(const struct conv_shape *sh, const struct rs_tensor *in,
		  const struct rs_mapping *map, struct glb_plan *plan)
{
	unsigned rows = 0, cols = span_len(tile_cols(sh, in, 0, min_u(map->tile_f, sh->F)));
	uint64_t psum, ifmap;

	/* The tallest tile is a full-height one not clipped by padding. */
	for (unsigned ea = 0; ea < sh->E; ea += map->tile_e) {
		unsigned r = span_len(tile_rows(sh, in, ea, min_u(ea + map->tile_e, sh->E)));

		rows = r > rows ? r : rows;
	}
	for (unsigned fa = 0; fa < sh->F; fa += map->tile_f) {
		unsigned c = span_len(tile_cols(sh, in, fa, min_u(fa + map->tile_f, sh->F)));

		cols = c > cols ? c : cols;
	}
	psum = (uint64_t)map->tile_n * map->tile_m * map->tile_e * map->tile_f * 4;
	ifmap = (uint64_t)map->tile_n * min_u(map->tile_c, sh->Cg) * rows * cols * sh->ib;
	if (psum > UINT32_MAX / 4 || ifmap > UINT32_MAX / 4) {
		plan->total = UINT32_MAX;
		return;
	}
	plan->psum_bytes = align8(psum);
	plan->ifmap_bytes = align8(ifmap);
	plan->psum_addr[0] = 0;
	plan->psum_addr[1] = map->double_psum ? plan->psum_bytes : 0;
	plan->ifmap_addr[0] = plan->psum_bytes * (map->double_psum ? 2 : 1);
	plan->ifmap_addr[1] = plan->ifmap_addr[0] +
			      (map->double_ifmap ? plan->ifmap_bytes : 0);
	plan->total = plan->ifmap_addr[1] + plan->ifmap_bytes;
}

double rlc_segment_bytes(unsigned len, double density)
{
	/* Nonzeros, one pair per 32 zeros of long runs, and the tail pair. */
	double pairs = len * density + len * (1 - density) / 32.0 + 1;
	double words = (pairs + 2) / 3.0;

	if (pairs > len)
		words = (len + 2) / 3;
	return 8.0 * (unsigned)words;
}

/* ---- mapping check -------------------------------------------------------- */

int rs_mapping_check(const struct rs_hw_params *hw, const struct rs_conv *cv,
		     const struct rs_mapping *map, const struct rs_tensor *in,
		     const struct rs_tensor *out, char *err, size_t errlen)
{
	struct conv_shape sh;
	struct glb_plan plan;
	int ret = rs_conv_check(cv, err, errlen);

	if (ret)
		return ret;
	conv_shape_get(cv, &sh);
	if (!map->set_rows || map->set_rows > hw->array_rows)
		return einval(err, errlen, "set_rows %u outside 1..%u", map->set_rows,
			      hw->array_rows);
	unsigned vertical;

	if (!rs_array_slots(hw, map->set_rows, map->set_cols, &vertical))
		return einval(err, errlen, "a %ux%u PE set does not fit the %ux%u array",
			      map->set_rows, map->set_cols, hw->array_rows,
			      hw->array_cols);
	if (!rs_array_fits(hw, map->set_rows, map->set_cols, map->filter_sets,
			   map->channel_sets))
		return einval(err, errlen,
			      "filter_sets %u x channel_sets %u PE sets do not fit (at most %u channel sets stack)",
			      map->filter_sets, map->channel_sets, vertical);
	if (!map->filters_per_pe || !map->channels_per_pe || !map->taps_per_pe ||
	    !map->images_per_pass)
		return einval(err, errlen, "a per-PE parameter is zero");
	if (map->filters_per_pe * map->channels_per_pe * map->taps_per_pe > hw->rf_filter ||
	    map->channels_per_pe * map->taps_per_pe > hw->rf_ifmap ||
	    map->filters_per_pe > hw->rf_psum)
		return einval(err, errlen, "p %u, q %u, taps %u overflow the RFs",
			      map->filters_per_pe, map->channels_per_pe,
			      map->taps_per_pe);
	if (field_range(err, errlen, "tile_n", map->tile_n, 1, sh.N) ||
	    field_range(err, errlen, "tile_e", map->tile_e, 1, sh.E) ||
	    field_range(err, errlen, "tile_f", map->tile_f, 1, sh.F) ||
	    field_range(err, errlen, "tile_m", map->tile_m, 1, sh.Mg) ||
	    field_range(err, errlen, "tile_c", map->tile_c, 1, sh.Cg))
		return -EINVAL;
	if (in->rlc && in->seg_rows != 1 && in->seg_rows != sh.H)
		return einval(err, errlen, "ifmap seg_rows %u: 1 or in_height %u",
			      in->seg_rows, sh.H);
	if (out->rlc && out->seg_rows != 1 && out->seg_rows != sh.E)
		return einval(err, errlen, "ofmap seg_rows %u: 1 or out_height %u",
			      out->seg_rows, sh.E);
	if (out->rlc && map->tile_f != sh.F)
		return einval(err, errlen, "an RLC ofmap needs tile_f = out_width %u",
			      sh.F);
	if (out->rlc && out->seg_rows == sh.E && sh.E > 1 && map->tile_e != sh.E)
		return einval(err, errlen,
			      "an RLC ofmap of whole planes needs tile_e = out_height %u",
			      sh.E);
	glb_plan_get(&sh, in, map, &plan);
	if (plan.total > hw->glb_bytes)
		return einval(err, errlen, "tiles need %u GLB bytes, the GLB has %u",
			      plan.total, hw->glb_bytes);
	return 0;
}

/* ---- closed-form estimate --------------------------------------------------- */

/* Sums over the sub-blocks a dimension splits into (tiles, then subs). */
struct dim_split {
	unsigned tiles, subs;
	uint64_t sum_min;	/* sum of min(sub, per_pe) */
	uint64_t sum_sets;	/* sum of ceil(sub / per_pe) */
	unsigned max_sets;
};

static void split_dim(unsigned total, unsigned tile, unsigned sub,
		      unsigned per_pe, struct dim_split *d)
{
	memset(d, 0, sizeof(*d));
	for (unsigned a = 0; a < total; a += tile) {
		unsigned tb = min_u(a + tile, total);

		d->tiles++;
		for (unsigned b = a; b < tb; b += sub) {
			unsigned len = min_u(sub, tb - b);
			unsigned sets = div_up(len, per_pe);

			d->subs++;
			d->sum_min += min_u(len, per_pe);
			d->sum_sets += sets;
			if (sets > d->max_sets)
				d->max_sets = sets;
		}
	}
}

/* Distinct and in-image positions o*U + k - pad for o in [oa,ob), k in [ka,kb). */
static void used_positions(unsigned oa, unsigned ob, unsigned ka, unsigned kb,
			   unsigned step, unsigned pad, unsigned limit,
			   uint64_t *used, uint64_t *real)
{
	unsigned lo = oa * step + ka, hi = (ob - 1) * step + kb;	/* padded */
	unsigned width = kb - ka;

	*used = 0;
	*real = 0;
	if (step <= width) {
		/* The windows overlap or touch: one contiguous run. */
		*used = hi - lo;
		struct span r = clip_span((long)lo - pad, (long)hi - pad, limit);

		*real = span_len(r);
		return;
	}
	for (unsigned o = oa; o < ob; o++) {
		struct span r = clip_span((long)(o * step + ka) - pad,
					  (long)(o * step + kb) - pad, limit);

		*used += width;
		*real += span_len(r);
	}
}

void rs_mapping_estimate(const struct rs_hw_params *hw, const struct rs_conv *cv,
			 const struct rs_mapping *map, const struct rs_tensor *in,
			 const struct rs_tensor *out,
			 const struct rs_map_hints *hints, struct rs_estimate *est)
{
	struct conv_shape sh;
	struct dim_split dn, dm, dc;
	struct glb_plan plan;
	unsigned rch = 0, sch = 0, esub = 0, etiles = 0, ftiles = 0;
	uint64_t rows_real = 0, cols_real = 0, cols_used = 0, ee_first_sum = 0;
	double din = hints && hints->ifmap_density > 0 ? hints->ifmap_density : 1;
	double dout = hints && hints->ofmap_density > 0 ? hints->ofmap_density : 1;
	unsigned p = map->filters_per_pe, q = map->channels_per_pe;
	unsigned ee_first_max = 0;

	memset(est, 0, sizeof(*est));
	conv_shape_get(cv, &sh);
	glb_plan_get(&sh, in, map, &plan);
	split_dim(sh.N, map->tile_n, map->images_per_pass, map->images_per_pass, &dn);
	split_dim(sh.Mg, map->tile_m, p * map->filter_sets, p, &dm);
	split_dim(sh.Cg, map->tile_c, q * map->channel_sets, q, &dc);
	for (unsigned r0 = 0; r0 < sh.R; r0 += map->set_rows)
		rch++;
	for (unsigned s0 = 0; s0 < sh.S; s0 += map->taps_per_pe)
		sch++;

	/* Rows: every e-sub of every e-tile against every filter-row chunk. */
	for (unsigned ea = 0; ea < sh.E; ea += map->tile_e) {
		unsigned eb = min_u(ea + map->tile_e, sh.E);
		unsigned first = min_u(map->set_cols, eb - ea);

		etiles++;
		ee_first_sum += first;
		if (first > ee_first_max)
			ee_first_max = first;
		for (unsigned e0 = ea; e0 < eb; e0 += map->set_cols) {
			unsigned e1 = min_u(e0 + map->set_cols, eb);

			esub++;
			for (unsigned r0 = 0; r0 < sh.R; r0 += map->set_rows) {
				uint64_t used, real;

				used_positions(e0, e1, r0, min_u(r0 + map->set_rows, sh.R),
					       sh.Uh, sh.pt, sh.H, &used, &real);
				/* Rows repeat only if stride < rows per set. */
				rows_real += real;
			}
		}
	}
	for (unsigned fa = 0; fa < sh.F; fa += map->tile_f) {
		unsigned fb = min_u(fa + map->tile_f, sh.F);

		ftiles++;
		for (unsigned s0 = 0; s0 < sh.S; s0 += map->taps_per_pe) {
			uint64_t used, real;

			used_positions(fa, fb, s0, min_u(s0 + map->taps_per_pe, sh.S),
				       sh.Uw, sh.pl, sh.W, &used, &real);
			cols_used += used;
			cols_real += real;
		}
	}

	uint64_t G = sh.G;
	uint64_t outputs = (uint64_t)sh.N * sh.Mg * sh.E * sh.F;
	uint64_t red_steps = (uint64_t)dc.subs * rch * sch;
	uint64_t passes = (uint64_t)dn.subs * esub * ftiles * dm.subs * red_steps;
	uint64_t macs = rs_conv_macs(cv) / G;
	uint64_t mac_cycles = (uint64_t)sh.N * sh.F * sh.S * dc.sum_min * dm.sum_min * esub * rch;
	uint64_t psum_wr = outputs * red_steps, psum_rd = psum_wr - outputs;
	uint64_t glb_ifmap = (uint64_t)sh.N * sh.Cg * dm.subs * rows_real * cols_real;
	uint64_t noc_ifmap = (uint64_t)sh.N * sh.Cg * dm.sum_sets * sh.E * sh.R * cols_used;
	uint64_t filter_blocks = (uint64_t)sh.Mg * sh.Cg * sh.R * sh.S;
	/*
	 * Each spatial tile loads every filter block once.  When one block is
	 * all a group needs, the spads keep it from tile to tile.
	 */
	bool one_block = rch == 1 && sch == 1 && dm.subs == 1 && dc.subs == 1;
	uint64_t loads = one_block ? 1 : (uint64_t)dn.tiles * etiles * ftiles;
	uint64_t noc_filter = one_block ?
		(uint64_t)min_u(map->set_cols, min_u(map->tile_e, sh.E)) * filter_blocks :
		(uint64_t)dn.tiles * ftiles * ee_first_sum * filter_blocks;
	uint64_t filter_bytes = loads * filter_blocks * sh.wb +
				(cv->bias ? 4ull * sh.Mg * dn.subs * esub * ftiles : 0);
	uint64_t noc_psum = outputs * ((uint64_t)sch * sh.R * dc.sum_sets + red_steps - 1);
	uint64_t drains = (uint64_t)sh.N * sh.F * sh.E * sh.R * sh.Mg * dc.sum_sets * sch;
	uint64_t fill = (uint64_t)dn.subs * esub * ftiles * dm.subs *
			((uint64_t)sch * sh.R * dc.sum_sets + (uint64_t)rch * dc.subs * sh.S);

	/* DRAM traffic of the ifmap tiles and the ofmap. */
	double ifmap_bytes = 0, ofmap_bytes;
	uint64_t ifmap_elems = 0;
	bool resident = map->tile_c >= sh.Cg;
	unsigned reloads = resident ? 1 : dm.tiles;

	for (unsigned ea = 0; ea < sh.E; ea += map->tile_e) {
		struct span rows = tile_rows(&sh, in, ea, min_u(ea + map->tile_e, sh.E));

		for (unsigned fa = 0; fa < sh.F; fa += map->tile_f) {
			struct span cols = tile_cols(&sh, in, fa, min_u(fa + map->tile_f, sh.F));
			double plane;

			if (!in->rlc)
				plane = (double)span_len(rows) * span_len(cols) * sh.ib;
			else if (in->seg_rows == sh.H)
				plane = rlc_segment_bytes(sh.H * sh.W, din);
			else
				plane = span_len(rows) * rlc_segment_bytes(sh.W, din);
			ifmap_bytes += plane * sh.N * sh.Cg * reloads;
			ifmap_elems += (uint64_t)span_len(rows) * span_len(cols) *
				       sh.N * sh.Cg * reloads;
		}
	}
	if (!out->rlc)
		ofmap_bytes = (double)outputs * sh.ob;
	else if (out->seg_rows == sh.E)
		ofmap_bytes = (double)sh.N * sh.Mg * rlc_segment_bytes(sh.E * sh.F, dout);
	else
		ofmap_bytes = (double)sh.N * sh.Mg * sh.E * rlc_segment_bytes(sh.F, dout);

	uint64_t glb_total = psum_wr + psum_rd + glb_ifmap + ifmap_elems + outputs;
	uint64_t dram = (uint64_t)(ifmap_bytes + ofmap_bytes) + filter_bytes;
	uint64_t e_mac = macs * hw->energy[ROWSTAT_LEVEL_MAC];
	uint64_t e_rf = (macs * 4 + drains + noc_ifmap + noc_filter) * hw->energy[ROWSTAT_LEVEL_RF];
	uint64_t e_noc = (noc_ifmap + noc_filter + noc_psum) * hw->energy[ROWSTAT_LEVEL_NOC];
	uint64_t e_glb = glb_total * hw->energy[ROWSTAT_LEVEL_GLB];
	uint64_t e_dram = dram * hw->energy[ROWSTAT_LEVEL_DRAM] / 2;

	/* Cycles: the array, stalled by its filter loads, against the link. */
	double per_kc = 1000.0 / hw->dram_bw;
	uint64_t glb_array = psum_wr + psum_rd + glb_ifmap;
	uint64_t compute = (mac_cycles > glb_array / hw->glb_bw ? mac_cycles :
			    glb_array / hw->glb_bw) + fill;
	double filter_cycles = filter_bytes * per_kc;
	double load_cycles = ifmap_bytes * per_kc, store_cycles = ofmap_bytes * per_kc;
	double array_time = compute + filter_cycles;
	double serial = (map->double_ifmap ? 0 : load_cycles) +
			(map->double_psum ? 0 : store_cycles);
	double overlap = (map->double_ifmap ? load_cycles : 0) +
			 (map->double_psum ? store_cycles : 0);
	double first = 0, last = 0;

	/* With prefetching the first load and the last store stay exposed. */
	if (map->double_ifmap)
		first = load_cycles / (dn.tiles * etiles * ftiles * (resident ? 1 : dm.tiles * dc.tiles));
	if (map->double_psum)
		last = store_cycles / (dn.tiles * etiles * ftiles * dm.tiles);
	double busy = array_time > filter_cycles + overlap ? array_time :
		      filter_cycles + overlap;

	est->cycles = (uint64_t)(G * (busy + serial + first + last));
	est->passes = G * passes;
	est->dram_bytes = G * dram;
	est->glb_accesses = G * glb_total;
	est->energy = G * (e_mac + e_rf + e_noc + e_glb + e_dram);
	est->pe_active = (unsigned)(dm.max_sets * dc.max_sets * min_u(map->set_rows, sh.R) *
				    ee_first_max);
	est->glb_bytes_used = plan.total;
}

/* ---- search ----------------------------------------------------------------- */

/*
 * Lower is better, compared first on `primary`, then on `secondary`.  For a
 * single objective, values within 0.1% count as equal and the other
 * quantity decides.
 */
struct score {
	double primary, secondary;
};

static struct score score(const struct rs_estimate *e, enum rs_map_objective obj)
{
	double energy = (double)e->energy + 1, cycles = (double)e->cycles + 1;
	double bucket = 1.0 / log(1.001);
	struct score s;

	switch (obj) {
	case RS_MAP_ENERGY:
		s.primary = floor(log(energy) * bucket);
		s.secondary = cycles;
		break;
	case RS_MAP_LATENCY:
		s.primary = floor(log(cycles) * bucket);
		s.secondary = energy;
		break;
	default:
		s.primary = energy * cycles;
		s.secondary = 0;
		break;
	}
	return s;
}

static bool better(struct score a, struct score b)
{
	return a.primary < b.primary ||
	       (a.primary == b.primary && a.secondary < b.secondary);
}

struct candidate {
	struct rs_mapping map;
	struct score score;
};

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	return better(x->score, y->score) ? -1 : better(y->score, x->score);
}

/* Filters per PE: the most the RFs allow, and the least that keeps as few passes. */
static unsigned p_choices(unsigned pmax, unsigned Mg, unsigned t, unsigned out[2])
{
	unsigned n = 0, groups;

	if (!pmax)
		return 0;
	out[n++] = pmax;
	groups = div_up(Mg, pmax * t);
	if (div_up(Mg, groups * t) < pmax)
		out[n++] = div_up(Mg, groups * t);
	return n;
}

/* Keeps the best `keep` candidates in a bounded array. */
static void keep_best(struct candidate *list, unsigned *count, unsigned keep,
		      const struct candidate *c)
{
	if (*count < keep) {
		list[(*count)++] = *c;
		return;
	}
	unsigned worst = 0;

	for (unsigned i = 1; i < *count; i++)
		if (better(list[worst].score, list[i].score))
			worst = i;
	if (better(c->score, list[worst].score))
		list[worst] = *c;
}

#define ARRAY_KEEP 96

int rs_map_search(const struct rs_hw_params *hw, const struct rs_conv *cv,
		  const struct rs_tensor *in, const struct rs_tensor *out,
		  const struct rs_map_hints *hints,
		  const struct rs_map_options *opts, struct rs_mapping *best,
		  struct rs_estimate *best_est)
{
	struct conv_shape sh;
	struct candidate *arr;
	unsigned narr = 0;
	bool found = false;
	struct score best_score = { 0, 0 };

	const struct rs_map_options none = { 0 };
	const struct rs_map_options *fx = opts ? opts : &none;

	if (rs_conv_check(cv, NULL, 0))
		return -EINVAL;
	conv_shape_get(cv, &sh);
	arr = calloc(ARRAY_KEEP, sizeof(*arr));
	if (!arr)
		return -ENOMEM;

	unsigned set_rows = min_u(sh.R, hw->array_rows);
	/* Split R evenly over the fewest chunks. */
	set_rows = div_up(sh.R, div_up(sh.R, set_rows));
	unsigned taps = min_u(sh.S, hw->rf_ifmap);

	taps = div_up(sh.S, div_up(sh.S, taps));

	/* Stage 1: array-level choices, scored as if the GLB held everything. */

	for (unsigned e = 1; e <= sh.E; e++) {
		unsigned vertical, slots = rs_array_slots(hw, set_rows, e, &vertical);

		if (!slots)
			break;
		if (fx->set_cols && e != fx->set_cols)
			continue;
		for (unsigned q = 1; q <= min_u(sh.Cg, hw->rf_ifmap / taps); q++) {
			unsigned pmax = min_u(min_u(hw->rf_psum, sh.Mg),
					      hw->rf_filter / (q * taps));

			if (fx->channels_per_pe && q != fx->channels_per_pe)
				continue;
			for (unsigned r = 1; r <= vertical; r++) {
				unsigned tmax = (vertical / r) * (slots / vertical);

				if (r > 1 && (r - 1) * q >= sh.Cg)
					break;
				if (fx->channel_sets && r != fx->channel_sets)
					continue;
				for (unsigned t = 1; t <= tmax; t++) {
					unsigned ps[2], np;

					if (t > 1 && (t - 1) * pmax >= sh.Mg)
						break;
					if (fx->filter_sets && t != fx->filter_sets)
						continue;
					if (fx->filters_per_pe) {
						ps[0] = fx->filters_per_pe;
						np = fx->filters_per_pe <= pmax ? 1 : 0;
					} else {
						np = p_choices(pmax, sh.Mg, t, ps);
					}
					for (unsigned i = 0; i < np; i++) {
						for (unsigned n = 1; n <= sh.N; n = n < sh.N && 2 * n > sh.N ? sh.N : 2 * n) {
							struct candidate c;
							struct rs_estimate est;

							if (fx->images_per_pass && n != fx->images_per_pass)
								continue;
							memset(&c, 0, sizeof(c));
							c.map.set_rows = set_rows;
							c.map.set_cols = e;
							c.map.filters_per_pe = ps[i];
							c.map.channels_per_pe = q;
							c.map.filter_sets = t;
							c.map.channel_sets = r;
							c.map.taps_per_pe = taps;
							c.map.images_per_pass = n;
							c.map.tile_n = sh.N;
							c.map.tile_e = sh.E;
							c.map.tile_f = sh.F;
							c.map.tile_m = sh.Mg;
							c.map.tile_c = sh.Cg;
							rs_mapping_estimate(hw, cv, &c.map, in, out,
									    hints, &est);
							c.score = score(&est, fx->objective);
							keep_best(arr, &narr, ARRAY_KEEP, &c);
						}
					}
				}
			}
		}
	}
	qsort(arr, narr, sizeof(*arr), cmp_candidate);

	/* Stage 2: GLB tilings that fit, for the best array configurations. */
	for (unsigned a = 0; a < narr; a++) {
		struct rs_mapping m = arr[a].map;
		unsigned n = m.images_per_pass;
		unsigned qr = m.channels_per_pe * m.channel_sets;
		unsigned pt = m.filters_per_pe * m.filter_sets;
		unsigned f_opts[4] = { sh.F, div_up(sh.F, 2), div_up(sh.F, 3), div_up(sh.F, 4) };
		unsigned c_opts[3] = { sh.Cg, min_u(qr, sh.Cg), min_u(2 * qr, sh.Cg) };

		for (unsigned tn = n; tn < sh.N + n; tn += n) {
			m.tile_n = min_u(tn, sh.N);
			for (unsigned te = m.set_cols; te < sh.E + m.set_cols; te += m.set_cols) {
				m.tile_e = min_u(te, sh.E);
				for (unsigned fi = 0; fi < 4; fi++) {
					if (fi && f_opts[fi] == f_opts[fi - 1])
						continue;
					m.tile_f = f_opts[fi];
					for (unsigned ci = 0; ci < 3; ci++) {
						if (ci && c_opts[ci] == c_opts[ci - 1])
							continue;
						m.tile_c = c_opts[ci];
						for (unsigned db = 0; db < 4; db++) {
							struct rs_estimate est;
							unsigned lo = 1, hi = div_up(sh.Mg, pt), fit = 0;

							m.double_ifmap = db & 1;
							m.double_psum = db & 2;
							/* Largest tile_m (in whole filter groups) that fits. */
							while (lo <= hi) {
								unsigned mid = (lo + hi) / 2;

								m.tile_m = min_u(mid * pt, sh.Mg);
								if (!rs_mapping_check(hw, cv, &m, in, out, NULL, 0)) {
									fit = mid;
									lo = mid + 1;
								} else {
									hi = mid - 1;
								}
							}
							if (!fit)
								continue;
							m.tile_m = min_u(fit * pt, sh.Mg);
							rs_mapping_estimate(hw, cv, &m, in, out, hints, &est);
							if (!found || better(score(&est, fx->objective), best_score)) {
								found = true;
								best_score = score(&est, fx->objective);
								*best = m;
								if (best_est)
									*best_est = est;
							}
						}
					}
				}
			}
		}
	}
	free(arr);
	return found ? 0 : -ENOSPC;
}
