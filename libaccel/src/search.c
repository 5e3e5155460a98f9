// SPDX-License-Identifier: MIT
/*
 * The mapping search.  Stage 1 scores array configurations (PE set shape,
 * p, q, t, r, images per pass) as if the GLB held the whole layer, pruned by
 * the RF and array limits; stage 2 fits GLB tilings to the best of them,
 * with the largest filter tile that fits for each choice of the others.
 * Both compare accel_mapping_estimate's figures by the objective.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler_internal.h"

/* Array configurations stage 2 tries. */
#define ARRAY_KEEP 96

/*
 * Lower is better, compared first on `primary`, then on `secondary`.  For a
 * single objective, values within 0.1% count as equal and the other
 * quantity decides.
 */
struct score {
	double primary, secondary;
};

static struct score score(const struct accel_estimate *e, enum accel_map_objective obj)
{
	double energy = (double)e->energy + 1, cycles = (double)e->cycles + 1;
	double bucket = 1.0 / log(1.001);
	struct score s;

	switch (obj) {
	case ACCEL_MAP_ENERGY:
		s.primary = floor(log(energy) * bucket);
		s.secondary = cycles;
		break;
	case ACCEL_MAP_LATENCY:
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
	struct accel_mapping map;
	struct score score;
};

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	return better(x->score, y->score) ? -1 : better(y->score, x->score);
}

/* One search: its inputs, the stage-1 shortlist and the best so far. */
struct search {
	const struct rs_hw_params *hw;
	const struct accel_conv *cv;
	const struct accel_tensor *in, *out;
	const struct accel_map_hints *hints;
	const struct accel_map_options *fx;
	struct accel_shape sh;
	unsigned set_rows, taps;
	struct candidate *list;
	unsigned count;
	bool found;
	struct score best_score;
	struct accel_mapping *best;
	struct accel_estimate *best_est;
};

/* Keeps the best ARRAY_KEEP candidates. */
static void keep_best(struct search *s, const struct candidate *c)
{
	unsigned worst = 0;

	if (s->count < ARRAY_KEEP) {
		s->list[s->count++] = *c;
		return;
	}
	for (unsigned i = 1; i < s->count; i++)
		if (better(s->list[worst].score, s->list[i].score))
			worst = i;
	if (better(c->score, s->list[worst].score))
		s->list[worst] = *c;
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

/* Images per pass: powers of two up to the batch, and the batch. */
static unsigned next_images(unsigned n, unsigned N)
{
	return n < N && 2 * n > N ? N : 2 * n;
}

/* Scores one array configuration with every tile as large as the layer. */
static void stage1_score(struct search *s, unsigned e, unsigned p, unsigned q,
			 unsigned t, unsigned r)
{
	for (unsigned n = 1; n <= s->sh.N; n = next_images(n, s->sh.N)) {
		struct candidate c;
		struct accel_estimate est;

		if (s->fx->images_per_pass && n != s->fx->images_per_pass)
			continue;
		memset(&c, 0, sizeof(c));
		c.map = (struct accel_mapping){
			.set_rows = s->set_rows, .set_cols = e, .filters_per_pe = p,
			.channels_per_pe = q, .filter_sets = t, .channel_sets = r,
			.taps_per_pe = s->taps, .images_per_pass = n,
			.tile_n = s->sh.N, .tile_e = s->sh.E, .tile_f = s->sh.F,
			.tile_m = s->sh.Mg, .tile_c = s->sh.Cg,
		};
		accel_mapping_estimate(s->hw, s->cv, &c.map, s->in, s->out, s->hints, &est);
		c.score = score(&est, s->fx->objective);
		keep_best(s, &c);
	}
}

/* Filter sets t (and p) for a set shape, q and r. */
static void stage1_filter_sets(struct search *s, unsigned e, unsigned q, unsigned r,
			       unsigned tmax)
{
	unsigned pmax = min_u(min_u(s->hw->rf_psum, s->sh.Mg),
			      s->hw->rf_filter / (q * s->taps));

	for (unsigned t = 1; t <= tmax; t++) {
		unsigned ps[2], np;

		if (t > 1 && (t - 1) * pmax >= s->sh.Mg)
			break;
		if (s->fx->filter_sets && t != s->fx->filter_sets)
			continue;
		if (s->fx->filters_per_pe) {
			ps[0] = s->fx->filters_per_pe;
			np = s->fx->filters_per_pe <= pmax ? 1 : 0;
		} else {
			np = p_choices(pmax, s->sh.Mg, t, ps);
		}
		for (unsigned i = 0; i < np; i++)
			stage1_score(s, e, ps[i], q, t, r);
	}
}

/* Stage 1: array-level choices, scored as if the GLB held everything. */
static void stage1(struct search *s)
{
	for (unsigned e = 1; e <= s->sh.E; e++) {
		unsigned vertical, slots = rs_hw_array_slots(s->hw, s->set_rows, e, &vertical);

		if (!slots)
			break;
		if (s->fx->set_cols && e != s->fx->set_cols)
			continue;
		for (unsigned q = 1; q <= min_u(s->sh.Cg, s->hw->rf_ifmap / s->taps); q++) {
			if (s->fx->channels_per_pe && q != s->fx->channels_per_pe)
				continue;
			for (unsigned r = 1; r <= vertical; r++) {
				if (r > 1 && (r - 1) * q >= s->sh.Cg)
					break;
				if (s->fx->channel_sets && r != s->fx->channel_sets)
					continue;
				stage1_filter_sets(s, e, q, r, (vertical / r) * (slots / vertical));
			}
		}
	}
}

/* The largest tile_m, in whole filter groups, that passes the check; 0 if none. */
static unsigned largest_tile_m(const struct search *s, struct accel_mapping *m)
{
	unsigned pt = m->filters_per_pe * m->filter_sets;
	unsigned lo = 1, hi = div_up(s->sh.Mg, pt), fit = 0;

	while (lo <= hi) {
		unsigned mid = (lo + hi) / 2;

		m->tile_m = min_u(mid * pt, s->sh.Mg);
		if (!accel_mapping_check(s->hw, s->cv, m, s->in, s->out, NULL, 0)) {
			fit = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return fit ? min_u(fit * pt, s->sh.Mg) : 0;
}

/* Tries both buffering choices for one tiling of m; keeps the best. */
static void stage2_buffers(struct search *s, struct accel_mapping m)
{
	for (unsigned db = 0; db < 4; db++) {
		struct accel_estimate est;
		struct score sc;

		m.double_ifmap = db & 1;
		m.double_psum = db & 2;
		m.tile_m = largest_tile_m(s, &m);
		if (!m.tile_m)
			continue;
		accel_mapping_estimate(s->hw, s->cv, &m, s->in, s->out, s->hints, &est);
		sc = score(&est, s->fx->objective);
		if (!s->found || better(sc, s->best_score)) {
			s->found = true;
			s->best_score = sc;
			*s->best = m;
			if (s->best_est)
				*s->best_est = est;
		}
	}
}

/* The filter and channel tile choices for one image and row tiling of m. */
static void stage2_tiles(struct search *s, struct accel_mapping m)
{
	const struct accel_shape *sh = &s->sh;
	unsigned qr = m.channels_per_pe * m.channel_sets;
	unsigned f_opts[4] = { sh->F, div_up(sh->F, 2), div_up(sh->F, 3), div_up(sh->F, 4) };
	unsigned c_opts[3] = { sh->Cg, min_u(qr, sh->Cg), min_u(2 * qr, sh->Cg) };

	for (unsigned fi = 0; fi < 4; fi++) {
		if (fi && f_opts[fi] == f_opts[fi - 1])
			continue;
		m.tile_f = f_opts[fi];
		for (unsigned ci = 0; ci < 3; ci++) {
			if (ci && c_opts[ci] == c_opts[ci - 1])
				continue;
			m.tile_c = c_opts[ci];
			stage2_buffers(s, m);
		}
	}
}

/* Stage 2: GLB tilings that fit, for one array configuration. */
static void stage2(struct search *s, struct accel_mapping m)
{
	const struct accel_shape *sh = &s->sh;
	unsigned n = m.images_per_pass;

	for (unsigned tn = n; tn < sh->N + n; tn += n) {
		m.tile_n = min_u(tn, sh->N);
		for (unsigned te = m.set_cols; te < sh->E + m.set_cols; te += m.set_cols) {
			m.tile_e = min_u(te, sh->E);
			stage2_tiles(s, m);
		}
	}
}

int accel_map_search(const struct rs_hw_params *hw, const struct accel_conv *cv,
		     const struct accel_tensor *in, const struct accel_tensor *out,
		     const struct accel_map_hints *hints,
		     const struct accel_map_options *opts, struct accel_mapping *best,
		     struct accel_estimate *best_est)
{
	static const struct accel_map_options none;
	struct search s = {
		.hw = hw, .cv = cv, .in = in, .out = out, .hints = hints,
		.fx = opts ? opts : &none, .best = best, .best_est = best_est,
	};

	if (accel_conv_check(cv, NULL, 0))
		return -EINVAL;
	accel_shape_get(cv, &s.sh);
	s.list = calloc(ARRAY_KEEP, sizeof(*s.list));
	if (!s.list)
		return -ENOMEM;
	/* Split R and S evenly over the fewest chunks the array and RF allow. */
	s.set_rows = min_u(s.sh.R, hw->array_rows);
	s.set_rows = div_up(s.sh.R, div_up(s.sh.R, s.set_rows));
	s.taps = min_u(s.sh.S, hw->rf_ifmap);
	s.taps = div_up(s.sh.S, div_up(s.sh.S, s.taps));
	stage1(&s);
	qsort(s.list, s.count, sizeof(*s.list), cmp_candidate);
	for (unsigned a = 0; a < s.count; a++)
		stage2(&s, s.list[a].map);
	free(s.list);
	return s.found ? 0 : -ENOSPC;
}
