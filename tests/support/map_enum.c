// SPDX-License-Identifier: MIT
/*
 * The exhaustive mapping enumerator: see map_enum.h.  It reaches into the
 * compiler's internals (the layout statistics and the constant-time
 * estimate) so that it prices mappings exactly as the search does.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../libaccel/src/compiler_internal.h"
#include "map_enum.h"

bool map_enum_better(enum accel_map_objective obj, uint64_t energy_a, uint64_t cycles_a,
		     uint64_t energy_b, uint64_t cycles_b)
{
	switch (obj) {
	case ACCEL_MAP_ENERGY:
		return energy_a < energy_b || (energy_a == energy_b && cycles_a < cycles_b);
	case ACCEL_MAP_LATENCY:
		return cycles_a < cycles_b || (cycles_a == cycles_b && energy_a < energy_b);
	default:
		return (double)energy_a * cycles_a < (double)energy_b * cycles_b;
	}
}

/* The objective's value of an energy and cycles (a bound's, or an estimate's). */
static double objective_of(enum accel_map_objective obj, double energy, double cycles)
{
	return obj == ACCEL_MAP_ENERGY ? energy : obj == ACCEL_MAP_LATENCY ? cycles :
	       energy * cycles;
}

double map_enum_value(enum accel_map_objective obj, const struct accel_estimate *est)
{
	return objective_of(obj, (double)est->energy, (double)est->cycles);
}

/*
 * The statistics of every tile size t of a dimension (index t - 1), their
 * componentwise minimum over sizes 1..t (what bounds every tile up to t),
 * and for rows and columns the fewest held in the GLB by any size >= t.
 */
struct split_table {
	struct accel_split *at, *min;
};

struct rows_table {
	struct accel_rows *at, *min;
	unsigned *held_floor;
};

struct cols_table {
	struct accel_cols *at, *min;
	unsigned *held_floor;
};

#define MIN_INTO(dst, src, field) \
	((dst).field = (src).field < (dst).field ? (src).field : (dst).field)

static void split_min(struct accel_split *d, const struct accel_split *s)
{
	MIN_INTO(*d, *s, tiles);
	MIN_INTO(*d, *s, subs);
	MIN_INTO(*d, *s, sum_min);
	MIN_INTO(*d, *s, sum_sets);
	MIN_INTO(*d, *s, max_sets);
}

static void rows_min(struct accel_rows *d, const struct accel_rows *s)
{
	MIN_INTO(*d, *s, tiles);
	MIN_INTO(*d, *s, subs);
	MIN_INTO(*d, *s, real);
	MIN_INTO(*d, *s, first_sum);
	MIN_INTO(*d, *s, first_max);
	MIN_INTO(*d, *s, held_sum);
	MIN_INTO(*d, *s, held_max);
	MIN_INTO(*d, *s, held_first);
}

static void cols_min(struct accel_cols *d, const struct accel_cols *s)
{
	MIN_INTO(*d, *s, tiles);
	MIN_INTO(*d, *s, used);
	MIN_INTO(*d, *s, real);
	MIN_INTO(*d, *s, held_sum);
	MIN_INTO(*d, *s, held_max);
	MIN_INTO(*d, *s, held_first);
}

struct enumeration {
	const struct rs_hw_params *hw;
	const struct accel_conv *cv;
	const struct accel_tensor *in, *out;
	const struct accel_map_hints *hints;
	enum accel_map_objective obj;
	struct accel_shape sh;
	/* Per taps: the column statistics of every tile_f. */
	struct cols_table **cols;
	/* Per (set_rows, set_cols): the row statistics of every tile_e. */
	struct rows_table **rows;
	/* Per array configuration: the splits of every tile size. */
	struct split_table dn, dm, dc;
	/* Array configurations whose bound may beat the best. */
	struct array_config *config;
	size_t configs, configs_cap;
	struct map_enum_result *res;
	double tolerance;	/* prune what cannot beat the best by more than this */
	double pruned_least;	/* the least objective value of a bound pruned */
	int error;
};

/* Exactly: the objective first, then the other quantity on a tie. */
static bool exact_may_improve(const struct enumeration *en, double energy, double cycles)
{
	const struct map_enum_result *r = en->res;

	switch (en->obj) {
	case ACCEL_MAP_ENERGY:
		return energy < r->est.energy ||
		       (energy <= r->est.energy && cycles < r->est.cycles);
	case ACCEL_MAP_LATENCY:
		return cycles < r->est.cycles ||
		       (cycles <= r->est.cycles && energy < r->est.energy);
	default:
		return energy * cycles < (double)r->est.energy * r->est.cycles;
	}
}

/*
 * Could a mapping bounded below by (energy, cycles) still beat the best (by
 * more than the tolerance, if any)?  A bound pruned is remembered: the
 * least of them bounds the optimum from below.
 */
static bool may_improve(struct enumeration *en, double energy, double cycles)
{
	const struct map_enum_result *r = en->res;
	double value = objective_of(en->obj, energy, cycles);
	bool may;

	if (!r->found)
		return true;
	if (en->tolerance > 0)
		may = value * (1 + en->tolerance) < map_enum_value(en->obj, &r->est);
	else
		may = exact_may_improve(en, energy, cycles);
	if (!may && value < en->pruned_least)
		en->pruned_least = value;
	return may;
}

static bool bound_may_improve(struct enumeration *en, const struct accel_mapping *m,
			      const struct accel_layout *lo)
{
	double energy, cycles;

	accel_layout_bound(en->hw, en->cv, m, lo, en->in, en->out, en->hints, &energy, &cycles,
			   NULL);
	return may_improve(en, energy, cycles);
}

static const struct cols_table *cols_table(struct enumeration *en, unsigned taps)
{
	struct cols_table **t = &en->cols[taps - 1];
	unsigned F = en->sh.F;

	if (*t)
		return *t;
	*t = calloc(1, sizeof(**t));
	if (!*t || !((*t)->at = calloc(F, sizeof(*(*t)->at))) ||
	    !((*t)->min = calloc(F, sizeof(*(*t)->min))) ||
	    !((*t)->held_floor = calloc(F, sizeof(unsigned)))) {
		en->error = -ENOMEM;
		return NULL;
	}
	for (unsigned f = 1; f <= F; f++) {
		accel_cols_get(&en->sh, en->in, f, taps, &(*t)->at[f - 1]);
		(*t)->min[f - 1] = (*t)->at[f - 1];
		if (f > 1)
			cols_min(&(*t)->min[f - 1], &(*t)->min[f - 2]);
	}
	for (unsigned f = F; f >= 1; f--)
		(*t)->held_floor[f - 1] = f == F ? (*t)->at[f - 1].held_max :
					  min_u((*t)->at[f - 1].held_max, (*t)->held_floor[f]);
	return *t;
}

static const struct rows_table *rows_table(struct enumeration *en, unsigned set_rows,
					   unsigned set_cols)
{
	struct rows_table **t = &en->rows[(set_rows - 1) * en->sh.E + set_cols - 1];
	unsigned E = en->sh.E;

	if (*t)
		return *t;
	*t = calloc(1, sizeof(**t));
	if (!*t || !((*t)->at = calloc(E, sizeof(*(*t)->at))) ||
	    !((*t)->min = calloc(E, sizeof(*(*t)->min))) ||
	    !((*t)->held_floor = calloc(E, sizeof(unsigned)))) {
		en->error = -ENOMEM;
		return NULL;
	}
	for (unsigned e = 1; e <= E; e++) {
		accel_rows_get(&en->sh, en->in, e, set_cols, set_rows, &(*t)->at[e - 1]);
		(*t)->min[e - 1] = (*t)->at[e - 1];
		if (e > 1)
			rows_min(&(*t)->min[e - 1], &(*t)->min[e - 2]);
	}
	for (unsigned e = E; e >= 1; e--)
		(*t)->held_floor[e - 1] = e == E ? (*t)->at[e - 1].held_max :
					  min_u((*t)->at[e - 1].held_max, (*t)->held_floor[e]);
	return *t;
}

static void split_table_fill(struct split_table *t, unsigned total, unsigned sub,
			     unsigned per_pe)
{
	for (unsigned s = 1; s <= total; s++) {
		accel_split_get(total, s, sub, per_pe, &t->at[s - 1]);
		t->min[s - 1] = t->at[s - 1];
		if (s > 1)
			split_min(&t->min[s - 1], &t->min[s - 2]);
	}
}

static void consider(struct enumeration *en, const struct accel_mapping *m,
		     const struct accel_layout *lo)
{
	struct accel_estimate est;
	struct map_enum_result *r = en->res;

	accel_layout_estimate(en->hw, en->cv, m, lo, en->in, en->out, en->hints, &est);
	r->evaluated++;
	if (!r->found || map_enum_better(en->obj, est.energy, est.cycles, r->est.energy,
					 r->est.cycles)) {
		r->found = true;
		r->map = *m;
		r->est = est;
	}
}

/* Does a tiling, with these held rows and columns, fit the GLB? */
static bool glb_fits(const struct enumeration *en, const struct accel_mapping *m,
		     unsigned rows, unsigned cols)
{
	struct accel_glb_plan plan;

	accel_glb_plan_held(&en->sh, m, rows, cols, &plan);
	return plan.total <= en->hw->glb_bytes;
}

/* Tile dimensions, in the order the enumeration fixes them. */
enum { DIM_M, DIM_C, DIM_N, DIM_E, DIM_F, DIMS };

/* One level of the enumeration: the tiles fixed so far, and the layout. */
struct level {
	struct accel_mapping m;
	struct accel_layout lo;
	const struct rows_table *rt;
	const struct cols_table *ct;
	unsigned lowest[DIMS];	/* the smallest legal tile of each dimension */
	unsigned top[DIMS];	/* no larger tile of an unfixed one can fit */
};

static unsigned *tile_field(struct accel_mapping *m, unsigned dim)
{
	switch (dim) {
	case DIM_M:
		return &m->tile_m;
	case DIM_C:
		return &m->tile_c;
	case DIM_N:
		return &m->tile_n;
	case DIM_E:
		return &m->tile_e;
	default:
		return &m->tile_f;
	}
}

/*
 * Could any completion of lv with tile t in dimension dim fit the GLB?
 * The other unfixed dimensions are taken at their smallest tiles and the
 * fewest rows and columns any tile holds, so "no" is certain.
 */
static bool may_fit(const struct enumeration *en, const struct level *lv, unsigned fixed,
		    unsigned dim, unsigned t)
{
	struct accel_mapping m = lv->m;
	unsigned rows, cols;

	m.double_ifmap = m.double_psum = false;
	for (unsigned d = fixed; d < DIMS; d++)
		*tile_field(&m, d) = d == dim ? t : lv->lowest[d];
	rows = fixed > DIM_E ? lv->rt->at[m.tile_e - 1].held_max :
	       lv->rt->held_floor[m.tile_e - 1];
	cols = fixed > DIM_F ? lv->ct->at[m.tile_f - 1].held_max :
	       lv->ct->held_floor[m.tile_f - 1];
	return glb_fits(en, &m, rows, cols);
}

/*
 * May the tilings that keep the first `fixed` dimensions of lv fit the GLB
 * and beat the best?  Sets lv->top of the others: tiles past it cannot
 * fit, so the statistics' minimum up to it bounds every completion.
 */
static bool level_open(struct enumeration *en, struct level *lv, unsigned fixed)
{
	const struct accel_shape *sh = &en->sh;
	const unsigned extent[DIMS] = { sh->Mg, sh->Cg, sh->N, sh->E, sh->F };
	struct accel_mapping bound = lv->m;
	struct accel_layout lo = lv->lo;

	for (unsigned d = fixed; d < DIMS; d++) {
		unsigned lo_t = lv->lowest[d], hi_t = extent[d];

		if (!may_fit(en, lv, fixed, d, lo_t))
			return false;
		while (lo_t < hi_t) {	/* may_fit only falls as t grows */
			unsigned mid = lo_t + (hi_t - lo_t + 1) / 2;

			if (may_fit(en, lv, fixed, d, mid))
				lo_t = mid;
			else
				hi_t = mid - 1;
		}
		lv->top[d] = lo_t;
		*tile_field(&bound, d) = lo_t;
		switch (d) {
		case DIM_M:
			lo.dm = en->dm.min[lo_t - 1];
			break;
		case DIM_C:
			lo.dc = en->dc.min[lo_t - 1];
			break;
		case DIM_N:
			lo.dn = en->dn.min[lo_t - 1];
			break;
		case DIM_E:
			lo.rows = lv->rt->min[lo_t - 1];
			break;
		default:
			lo.cols = lv->ct->min[lo_t - 1];
			break;
		}
	}
	return bound_may_improve(en, &bound, &lo);
}

static void enum_level(struct enumeration *en, const struct level *parent, unsigned dim)
{
	struct level lv = *parent;

	/* Largest first: good mappings early make the bounds prune more. */
	for (unsigned t = parent->top[dim]; t >= parent->lowest[dim]; t--) {
		*tile_field(&lv.m, dim) = t;
		switch (dim) {
		case DIM_M:
			lv.lo.dm = en->dm.at[t - 1];
			break;
		case DIM_C:
			lv.lo.dc = en->dc.at[t - 1];
			break;
		case DIM_N:
			lv.lo.dn = en->dn.at[t - 1];
			break;
		case DIM_E:
			lv.lo.rows = lv.rt->at[t - 1];
			break;
		default:
			lv.lo.cols = lv.ct->at[t - 1];
			break;
		}
		if (dim + 1 < DIMS) {
			if (level_open(en, &lv, dim + 1))
				enum_level(en, &lv, dim + 1);
			continue;
		}
		if (!bound_may_improve(en, &lv.m, &lv.lo))
			continue;
		for (unsigned db = 0; db < 4; db++) {
			lv.m.double_ifmap = db & 1;
			lv.m.double_psum = db & 2;
			if (glb_fits(en, &lv.m, lv.lo.rows.held_max, lv.lo.cols.held_max))
				consider(en, &lv.m, &lv.lo);
		}
	}
}

static void enum_tiles(struct enumeration *en, const struct accel_mapping *m,
		       const struct rows_table *rt, const struct cols_table *ct)
{
	const struct accel_shape *sh = &en->sh;
	struct level lv = { .m = *m, .rt = rt, .ct = ct, .lowest = { 1, 1, 1, 1, 1 } };

	/* RLC ofmaps are written in whole rows, or whole planes. */
	if (en->out->rlc)
		lv.lowest[DIM_F] = sh->F;
	if (en->out->rlc && en->out->seg_rows == sh->E && sh->E > 1)
		lv.lowest[DIM_E] = sh->E;
	lv.lo.sh = *sh;
	lv.lo.rch = div_up(sh->R, m->set_rows);
	lv.lo.sch = div_up(sh->S, m->taps_per_pe);
	if (level_open(en, &lv, 0))
		enum_level(en, &lv, DIM_M);
}

/* An array configuration and the bound of all its tilings. */
struct array_config {
	struct accel_mapping m;
	double energy, cycles;
};

/* Phase 1: one canonical array configuration's bound, kept if it may win. */
static void bound_array(struct enumeration *en, struct accel_mapping m)
{
	const struct accel_shape *sh = &en->sh;
	const struct rows_table *rt = rows_table(en, m.set_rows, m.set_cols);
	const struct cols_table *ct = cols_table(en, m.taps_per_pe);
	struct rs_hw_mapping hm;
	struct accel_layout lo = { .sh = *sh };
	struct array_config c;

	if (!rt || !ct)
		return;
	accel_hw_mapping(&m, &hm);
	if (rs_hw_mapping_check(en->hw, &hm, "", NULL, 0))
		return;
	en->res->array_configs++;
	m.tile_n = sh->N, m.tile_m = sh->Mg, m.tile_c = sh->Cg;
	m.tile_e = sh->E, m.tile_f = sh->F;
	accel_split_get(sh->N, sh->N, m.images_per_pass, m.images_per_pass, &lo.dn);
	accel_split_get(sh->Mg, sh->Mg, m.filters_per_pe * m.filter_sets, m.filters_per_pe,
			&lo.dm);
	accel_split_get(sh->Cg, sh->Cg, m.channels_per_pe * m.channel_sets,
			m.channels_per_pe, &lo.dc);
	/* The least statistics of any tile size bound every tiling. */
	lo.rows = rt->min[sh->E - 1];
	lo.cols = ct->min[sh->F - 1];
	lo.rch = div_up(sh->R, m.set_rows);
	lo.sch = div_up(sh->S, m.taps_per_pe);
	c.m = m;
	accel_layout_bound(en->hw, en->cv, &m, &lo, en->in, en->out, en->hints, &c.energy,
			   &c.cycles, NULL);
	if (!may_improve(en, c.energy, c.cycles))
		return;
	if (en->configs == en->configs_cap) {
		size_t cap = en->configs_cap ? 2 * en->configs_cap : 4096;
		struct array_config *grown = realloc(en->config, cap * sizeof(*grown));

		if (!grown) {
			en->error = -ENOMEM;
			return;
		}
		en->config = grown;
		en->configs_cap = cap;
	}
	en->config[en->configs++] = c;
}

static enum accel_map_objective sort_objective;

static int cmp_config(const void *a, const void *b)
{
	const struct array_config *x = a, *y = b;
	double kx, ky, sx, sy;

	switch (sort_objective) {
	case ACCEL_MAP_ENERGY:
		kx = x->energy, ky = y->energy, sx = x->cycles, sy = y->cycles;
		break;
	case ACCEL_MAP_LATENCY:
		kx = x->cycles, ky = y->cycles, sx = x->energy, sy = y->energy;
		break;
	default:
		kx = x->energy * x->cycles, ky = y->energy * y->cycles, sx = sy = 0;
		break;
	}
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return sx < sy ? -1 : sx > sy;
}

/* Phase 2: the configurations best bound first, until none may win. */
static void search_arrays(struct enumeration *en)
{
	const struct accel_shape *sh = &en->sh;

	if (!en->configs)	/* qsort's array may not be NULL */
		return;
	sort_objective = en->obj;
	qsort(en->config, en->configs, sizeof(*en->config), cmp_config);
	for (size_t i = 0; i < en->configs && !en->error; i++) {
		const struct array_config *c = &en->config[i];
		const struct accel_mapping *m = &c->m;

		if (!may_improve(en, c->energy, c->cycles))
			break;
		en->res->array_searched++;
		split_table_fill(&en->dn, sh->N, m->images_per_pass, m->images_per_pass);
		split_table_fill(&en->dm, sh->Mg, m->filters_per_pe * m->filter_sets,
				 m->filters_per_pe);
		split_table_fill(&en->dc, sh->Cg, m->channels_per_pe * m->channel_sets,
				 m->channels_per_pe);
		enum_tiles(en, m, rows_table(en, m->set_rows, m->set_cols),
			   cols_table(en, m->taps_per_pe));
	}
}

static void enum_arrays(struct enumeration *en)
{
	const struct rs_hw_params *hw = en->hw;
	const struct accel_shape *sh = &en->sh;
	struct accel_mapping m = { 0 };

	for (m.set_rows = 1; m.set_rows <= min_u(sh->R, hw->array_rows); m.set_rows++)
	for (m.taps_per_pe = 1; m.taps_per_pe <= min_u(sh->S, hw->rf_ifmap); m.taps_per_pe++)
	for (m.set_cols = 1; m.set_cols <= sh->E; m.set_cols++) {
		unsigned vertical, slots = rs_hw_array_slots(hw, m.set_rows, m.set_cols,
							     &vertical);
		unsigned qmax = min_u(sh->Cg, hw->rf_ifmap / m.taps_per_pe);

		if (!slots)
			break;
		for (m.channels_per_pe = 1; m.channels_per_pe <= qmax; m.channels_per_pe++) {
			unsigned q = m.channels_per_pe;
			unsigned pmax = min_u(min_u(sh->Mg, hw->rf_psum),
					      hw->rf_filter / (q * m.taps_per_pe));

			for (m.filters_per_pe = 1; m.filters_per_pe <= pmax; m.filters_per_pe++)
			for (m.channel_sets = 1;
			     m.channel_sets <= min_u(vertical, div_up(sh->Cg, q));
			     m.channel_sets++) {
				unsigned tmax = (vertical / m.channel_sets) * (slots / vertical);

				tmax = min_u(tmax, div_up(sh->Mg, m.filters_per_pe));
				for (m.filter_sets = 1; m.filter_sets <= tmax; m.filter_sets++)
				for (m.images_per_pass = 1;
				     m.images_per_pass <= min_u(sh->N, ROWSTAT_MAX_BATCH);
				     m.images_per_pass++) {
					bound_array(en, m);
					if (en->error)
						return;
				}
			}
		}
	}
}

int map_enum_optimum(const struct rs_hw_params *hw, const struct accel_conv *cv,
		     const struct accel_tensor *in, const struct accel_tensor *out,
		     const struct accel_map_hints *hints, enum accel_map_objective obj,
		     const struct accel_mapping *incumbent, struct map_enum_result *res)
{
	return map_enum_near_optimum(hw, cv, in, out, hints, obj, 0, incumbent, res);
}

int map_enum_near_optimum(const struct rs_hw_params *hw, const struct accel_conv *cv,
			  const struct accel_tensor *in, const struct accel_tensor *out,
			  const struct accel_map_hints *hints, enum accel_map_objective obj,
			  double tolerance, const struct accel_mapping *incumbent,
			  struct map_enum_result *res)
{
	struct enumeration en = {
		.hw = hw, .cv = cv, .in = in, .out = out, .hints = hints, .obj = obj,
		.res = res, .tolerance = tolerance, .pruned_least = INFINITY,
	};
	unsigned row_tables;

	memset(res, 0, sizeof(*res));
	if (accel_conv_check(cv, NULL, 0))
		return -EINVAL;
	accel_shape_get(cv, &en.sh);
	if (incumbent && !accel_mapping_check(hw, cv, incumbent, in, out, NULL, 0)) {
		res->found = true;
		res->map = *incumbent;
		accel_mapping_estimate(hw, cv, incumbent, in, out, hints, &res->est);
	}
	row_tables = min_u(en.sh.R, hw->array_rows) * en.sh.E;
	en.cols = calloc(en.sh.S, sizeof(*en.cols));
	en.rows = calloc(row_tables, sizeof(*en.rows));
	en.dn.at = calloc(en.sh.N, sizeof(*en.dn.at));
	en.dn.min = calloc(en.sh.N, sizeof(*en.dn.min));
	en.dm.at = calloc(en.sh.Mg, sizeof(*en.dm.at));
	en.dm.min = calloc(en.sh.Mg, sizeof(*en.dm.min));
	en.dc.at = calloc(en.sh.Cg, sizeof(*en.dc.at));
	en.dc.min = calloc(en.sh.Cg, sizeof(*en.dc.min));
	if (en.cols && en.rows && en.dn.at && en.dn.min && en.dm.at && en.dm.min &&
	    en.dc.at && en.dc.min) {
		enum_arrays(&en);
		if (!en.error)
			search_arrays(&en);
	} else {
		en.error = -ENOMEM;
	}
	for (unsigned i = 0; en.cols && i < en.sh.S; i++)
		if (en.cols[i]) {
			free(en.cols[i]->at);
			free(en.cols[i]->min);
			free(en.cols[i]->held_floor);
			free(en.cols[i]);
		}
	for (unsigned i = 0; en.rows && i < row_tables; i++)
		if (en.rows[i]) {
			free(en.rows[i]->at);
			free(en.rows[i]->min);
			free(en.rows[i]->held_floor);
			free(en.rows[i]);
		}
	free(en.config);
	free(en.cols);
	free(en.rows);
	free(en.dn.at);
	free(en.dn.min);
	free(en.dm.at);
	free(en.dm.min);
	free(en.dc.at);
	free(en.dc.min);
	if (res->found) {
		double found = map_enum_value(obj, &res->est);

		res->lower_bound = en.pruned_least < found ? en.pruned_least : found;
	}
	return en.error;
}
