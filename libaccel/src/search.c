// SPDX-License-Identifier: MIT
/*
 * The mapping search.  Stage 1 bounds array configurations (PE set shape
 * of every height, p, q, t, r, images per pass) with every tile as large
 * as the layer, pruned by the RF and array limits, and keeps the best
 * ranked (rank_cycles).  It ranks groups of them first and opens the best
 * lazily.  Stage 2 fits GLB tilings to them: balanced splits and whole
 * sub multiples of each dimension, with the largest filter tile that fits
 * for each choice of the others.  It runs in passes (stage2_passes): a
 * few tiles per dimension on every configuration whose bound can still
 * win, walked one dimension at a time (stage2_around), which ranks them by
 * what they really cost; every combination of more tiles on the best
 * ranked, and of every tile choice on the best of those.  All compare
 * accel_layout_price_buffers' figures by the objective; the statistics of
 * a tile size are computed once per configuration.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler_internal.h"

/* Array configurations stage 1 keeps for stage 2. */
#define ARRAY_KEEP 256

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
	/* 1 / log(1.001): 0.1% steps of log(value). */
	const double bucket = 1000.4999167;
	double energy = (double)e->energy + 1, cycles = (double)e->cycles + 1;
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

/* The score of an energy and cycles (truncated as an estimate's). */
static struct score bound_score(double energy, double cycles, enum accel_map_objective obj)
{
	struct accel_estimate lb = {
		.energy = (uint64_t)energy, .cycles = (uint64_t)cycles,
	};

	return score(&lb, obj);
}

/* An array configuration, with the bound of all its tilings and its rank. */
struct candidate {
	struct accel_mapping map;
	struct score score;	/* the rank: bound energy, rank_cycles */
	double energy, cycles;	/* lower bounds */
	unsigned passes;	/* of stage 2's, those it went through */
	bool tried;		/* a tiling of the last of them fits */
	struct score tried_score;	/* the best such tiling's */
};

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	return better(x->score, y->score) ? -1 : better(y->score, x->score);
}

/* Those through the most passes first, then those a tiling fits, best first. */
static int cmp_tried(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->passes != y->passes)
		return x->passes > y->passes ? -1 : 1;
	if (x->tried != y->tried)
		return x->tried ? -1 : 1;
	if (!x->tried)
		return 0;
	return better(x->tried_score, y->tried_score) ? -1 :
	       better(y->tried_score, x->tried_score);
}

/* The best mapping of each of the best array configurations priced. */
struct runners {
	unsigned count;
	struct accel_map_candidate v[ACCEL_MAP_RUNNER_UPS + 1];
	struct score score[ACCEL_MAP_RUNNER_UPS + 1];
};

static bool same_array(const struct accel_mapping *a, const struct accel_mapping *b)
{
	return a->set_rows == b->set_rows && a->set_cols == b->set_cols &&
	       a->filters_per_pe == b->filters_per_pe &&
	       a->channels_per_pe == b->channels_per_pe && a->filter_sets == b->filter_sets &&
	       a->channel_sets == b->channel_sets && a->taps_per_pe == b->taps_per_pe &&
	       a->images_per_pass == b->images_per_pass;
}

/*
 * Keeps the configuration's best if it ranks, replacing its older entry,
 * unless another configuration already listed costs exactly the same: one
 * that differs only where it makes no difference tells the caller nothing.
 */
static void runners_offer(struct runners *rn, const struct accel_mapping *map,
			  const struct accel_estimate *est, struct score sc)
{
	unsigned cap = ACCEL_MAP_RUNNER_UPS + 1, at;

	for (at = 0; at < rn->count; at++)
		if (!same_array(&rn->v[at].map, map) && rn->v[at].est.energy == est->energy &&
		    rn->v[at].est.cycles == est->cycles)
			return;
	for (at = 0; at < rn->count && !same_array(&rn->v[at].map, map); at++)
		;
	if (at < rn->count) {
		if (!better(sc, rn->score[at]))
			return;
		/* Take it out; it goes back in at its new rank. */
		memmove(&rn->v[at], &rn->v[at + 1], (rn->count - at - 1) * sizeof(rn->v[0]));
		memmove(&rn->score[at], &rn->score[at + 1],
			(rn->count - at - 1) * sizeof(rn->score[0]));
		rn->count--;
	}
	for (at = rn->count; at && better(sc, rn->score[at - 1]); at--)
		;
	if (at == cap)
		return;
	if (rn->count == cap)
		rn->count--;
	memmove(&rn->v[at + 1], &rn->v[at], (rn->count - at) * sizeof(rn->v[0]));
	memmove(&rn->score[at + 1], &rn->score[at], (rn->count - at) * sizeof(rn->score[0]));
	rn->v[at].map = *map;
	rn->v[at].est = *est;
	rn->score[at] = sc;
	rn->count++;
}

/*
 * The filter sets stage 1 offers for each p, ascending, with the split of
 * the filters each gives and the least of each split statistic up to it:
 * a configuration's limits only cut a prefix of each p's list.
 */
struct filter_choices {
	unsigned pmax;
	unsigned *first;		/* [p]: index of p's first choice; [pmax + 1]: end */
	unsigned *t;
	struct accel_split *dm, *least;
};

/*
 * Stage 1's configurations short of p, t and images per pass, with what
 * their bound needs and the bound of all their choices.
 */
struct group {
	struct accel_mapping m;
	unsigned pmax, tmax;
	struct accel_rows rows;
	struct accel_cols cols;
	struct accel_split dc;
	struct score score;
};

/*
 * The statistics of the row and column tiles met so far in one search, by
 * what decides them: configurations share their set shapes and taps, and
 * stage 2 sets up the same tile sizes for each.  Rows are keyed by
 * (tile_e, set_cols, set_rows), columns by (tile_f, taps, 0): set_rows is
 * never 0, so one table holds both.  Open addressing; a full table
 * computes what it cannot hold.
 */
#define MEMO_SLOTS 2048

struct memo_entry {
	unsigned key[3];	/* key[0] == 0: empty */
	union {
		struct accel_rows rows;
		struct accel_cols cols;
	};
};

struct stats_memo {
	unsigned count;
	struct memo_entry v[MEMO_SLOTS];
};

/* The mappings whose walks decide, by their prices. */
#define FINALISTS 64

/* One search: its inputs, the stage-1 shortlist and the best so far. */
struct search {
	const struct rs_hw_params *hw;
	const struct accel_conv *cv;	/* what it maps: the smallest sub-layer */
	const struct accel_conv *layer;	/* what it reports estimates of */
	struct accel_conv part;
	const struct accel_tensor *in, *out;
	const struct accel_map_hints *hints;
	const struct accel_map_options *fx;
	struct accel_shape sh;
	unsigned taps, q_lo, q_hi;	/* stage 1's filter columns, for these q */
	struct accel_cols cols_whole;
	struct candidate *list;
	unsigned count;
	bool found;
	struct score best_score;
	struct accel_mapping *best;
	struct accel_estimate *best_est;
	struct runners *runners;	/* NULL unless explaining */
	struct filter_choices *fc;
	unsigned images_most;	/* stage 1's most images per pass */
	struct group *groups;
	unsigned groups_count, groups_cap;
	struct stats_memo *memo;	/* NULL: none */
	bool nomem;
	struct accel_mapping averaged_best;
	unsigned finalist_count;
	struct finalist {
		struct accel_mapping map;
		struct score score;	/* its price's */
	} finalists[FINALISTS];
};

/*
 * The memo's entry for a key: found (*found), or claimed for the caller to
 * fill; NULL without a memo or with it three quarters full, so that a
 * probe ends soon.
 */
static struct memo_entry *memo_entry(struct search *s, unsigned a, unsigned b, unsigned c,
				     bool *found)
{
	struct stats_memo *mm = s->memo;
	uint64_t h = ((uint64_t)a * 0x9e3779b1u) ^ ((uint64_t)b * 0x85ebca77u) ^
		     ((uint64_t)c * 0xc2b2ae3du);
	unsigned i;

	*found = false;
	if (!mm)
		return NULL;
	for (i = (unsigned)(h ^ h >> 29) % MEMO_SLOTS; mm->v[i].key[0]; i = (i + 1) % MEMO_SLOTS) {
		const unsigned *k = mm->v[i].key;

		if (k[0] == a && k[1] == b && k[2] == c) {
			*found = true;
			return &mm->v[i];
		}
	}
	if (4 * (mm->count + 1) > 3 * MEMO_SLOTS)
		return NULL;
	mm->count++;
	mm->v[i].key[0] = a;
	mm->v[i].key[1] = b;
	mm->v[i].key[2] = c;
	return &mm->v[i];
}

/* accel_rows_get for this search's layer, through the memo. */
static void rows_get(struct search *s, unsigned tile_e, unsigned set_cols, unsigned set_rows,
		     struct accel_rows *rows)
{
	bool found;
	struct memo_entry *e = memo_entry(s, tile_e, set_cols, set_rows, &found);

	if (found) {
		*rows = e->rows;
		return;
	}
	accel_rows_get(&s->sh, s->in, tile_e, set_cols, set_rows, rows);
	if (e)
		e->rows = *rows;
}

/* accel_cols_get for this search's layer, through the memo. */
static void cols_get(struct search *s, unsigned tile_f, unsigned taps, struct accel_cols *cols)
{
	bool found;
	struct memo_entry *e = memo_entry(s, tile_f, taps, 0, &found);

	if (found) {
		*cols = e->cols;
		return;
	}
	accel_cols_get(&s->sh, s->in, tile_f, taps, cols);
	if (e)
		e->cols = *cols;
}

/*
 * Keeps the best ARRAY_KEEP candidates in a heap with the worst on top, so
 * a candidate is compared with the worst kept in constant time.
 */
static void keep_best(struct search *s, const struct candidate *c)
{
	struct candidate *h = s->list;
	unsigned i;

	if (s->count == ARRAY_KEEP) {
		if (!better(c->score, h[0].score))
			return;
		/* Replace the top and sift it down. */
		i = 0;
		for (;;) {
			unsigned l = 2 * i + 1, r = l + 1, worst = i;
			const struct candidate *w = c;

			if (l < s->count && better(w->score, h[l].score))
				worst = l, w = &h[l];
			if (r < s->count && better(w->score, h[r].score))
				worst = r;
			if (worst == i)
				break;
			h[i] = h[worst];
			i = worst;
		}
		h[i] = *c;
		return;
	}
	/* Append and sift up. */
	for (i = s->count++; i && better(h[(i - 1) / 2].score, c->score); i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i] = *c;
}

/*
 * Is width the least that cuts total into as few pieces of width * unit?
 * A wider set with the same count runs the same passes on more PEs, so
 * stage 1 offers only the least width per count.
 */
static bool least_width(unsigned total, unsigned unit, unsigned width)
{
	return width == div_up(total, unit * div_up(total, unit * width));
}

/* Images per pass: powers of two up to the batch, and the batch. */
static unsigned next_images(unsigned n, unsigned N)
{
	return n < N && 2 * n > N ? N : 2 * n;
}

/* Images per pass: powers of two up to the batch, and the batch (or the pin). */
static bool images_offered(const struct search *s, unsigned n)
{
	return !s->fx->images_per_pass || n == s->fx->images_per_pass;
}

/* The most images per pass stage 1 offers; 0 if none. */
static unsigned images_most(const struct search *s)
{
	unsigned most = 0;

	for (unsigned n = 1; n <= s->sh.N; n = next_images(n, s->sh.N))
		if (images_offered(s, n))
			most = n;
	return most;
}

/*
 * The cycles stage 1 ranks by: halfway between the bound, which assumes
 * every transfer hidden, and the whole-layer tiling, which hides none.
 * Ranked by the bound alone, a small layer's best configurations fall
 * behind those whose load and store no tiling of theirs hides; by the
 * whole layer alone, a large layer's fall behind those that only fit
 * untiled.
 */
static double rank_cycles(double bound, double whole)
{
	return (bound + whole) / 2;
}

/*
 * One array configuration with n images per pass, with the bound of every
 * tiling and its rank; lo->dm and lo->dc are its filters' and channels'.
 */
static void stage1_bound(const struct search *s, struct accel_layout *lo,
			 struct accel_mapping m, unsigned n, struct candidate *c)
{
	double whole_cycles;

	m.images_per_pass = n;
	accel_split_get(s->sh.N, s->sh.N, n, n, &lo->dn);
	memset(c, 0, sizeof(*c));
	c->map = m;
	accel_layout_bound(s->hw, s->cv, &m, lo, s->in, s->out, s->hints, &c->energy,
			   &c->cycles, &whole_cycles);
	c->score = bound_score(c->energy, rank_cycles(c->cycles, whole_cycles), s->fx->objective);
}

/* Does stage 1 offer p filters per PE in t filter sets? */
static bool stage1_offers(const struct search *s, unsigned p, unsigned t)
{
	/* More sets than the filters fill cost the same, on more PEs. */
	if (t > div_up(s->sh.Mg, p) || (s->fx->filters_per_pe && p != s->fx->filters_per_pe))
		return false;
	return s->fx->filter_sets ? t == s->fx->filter_sets : least_width(s->sh.Mg, p, t);
}

/* Lowers each statistic a bound reads to the least of least's and d's. */
static void split_least(struct accel_split *least, const struct accel_split *d)
{
	least->subs = min_u(least->subs, d->subs);
	if (d->sum_min < least->sum_min)
		least->sum_min = d->sum_min;
	if (d->sum_sets < least->sum_sets)
		least->sum_sets = d->sum_sets;
}

static void filter_choices_free(struct filter_choices *fc)
{
	if (!fc)
		return;
	free(fc->first);
	free(fc->t);
	free(fc->dm);
	free(fc->least);
	free(fc);
}

/* Every (p, t) stage 1 may offer on this hardware; NULL without memory. */
static struct filter_choices *filter_choices_get(const struct search *s)
{
	unsigned vertical, tall = rs_hw_array_slots(s->hw, 1, 1, &vertical);
	struct filter_choices *fc = calloc(1, sizeof(*fc));
	unsigned count = 0, i = 0;

	if (!fc)
		return NULL;
	fc->pmax = min_u(s->hw->rf_psum, s->sh.Mg);
	for (unsigned p = 1; p <= fc->pmax; p++)
		for (unsigned t = 1; t <= min_u(tall, div_up(s->sh.Mg, p)); t++)
			count += stage1_offers(s, p, t);
	fc->first = calloc(fc->pmax + 2, sizeof(*fc->first));
	fc->t = calloc(count + 1, sizeof(*fc->t));
	fc->dm = calloc(count + 1, sizeof(*fc->dm));
	fc->least = calloc(count + 1, sizeof(*fc->least));
	if (!fc->first || !fc->t || !fc->dm || !fc->least) {
		filter_choices_free(fc);
		return NULL;
	}
	for (unsigned p = 1; p <= fc->pmax; p++) {
		fc->first[p] = i;
		for (unsigned t = 1; t <= min_u(tall, div_up(s->sh.Mg, p)); t++) {
			struct accel_split *d = &fc->dm[i], *least = &fc->least[i];

			if (!stage1_offers(s, p, t))
				continue;
			fc->t[i] = t;
			accel_split_get(s->sh.Mg, s->sh.Mg, p * t, p, d);
			*least = *d;
			if (i > fc->first[p])
				split_least(least, &least[-1]);
			i++;
		}
	}
	fc->first[fc->pmax + 1] = i;
	return fc;
}

/* How many of p's choices have at most tmax filter sets. */
static unsigned filter_choices_upto(const struct filter_choices *fc, unsigned p, unsigned tmax)
{
	unsigned lo = fc->first[p], hi = fc->first[p + 1];

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (fc->t[mid] <= tmax)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - fc->first[p];
}

/*
 * The rank of every p, t and images per pass of a group: the bound never
 * falls as the split statistics grow, nor in practice the whole layer's
 * cycles, so the least of each over the choices ranks them all.  False if
 * the group offers no choice.
 */
static bool group_bound(const struct search *s, struct accel_layout *lo, struct group *g)
{
	const struct filter_choices *fc = s->fc;
	struct accel_split least = { .tiles = 1, .subs = UINT32_MAX, .sum_min = UINT64_MAX,
				     .sum_sets = UINT64_MAX };
	struct accel_mapping m = g->m;
	double energy, cycles, whole_cycles;
	unsigned n = s->images_most;

	for (unsigned p = 1; p <= g->pmax; p++) {
		unsigned upto = filter_choices_upto(fc, p, g->tmax);
		const struct accel_split *d;

		if (!upto)
			continue;
		d = &fc->least[fc->first[p] + upto - 1];
		split_least(&least, d);
	}
	if (least.subs == UINT32_MAX || !n)
		return false;
	lo->dm = least;
	accel_split_get(s->sh.N, s->sh.N, n, n, &lo->dn);
	m.images_per_pass = n;
	accel_layout_bound(s->hw, s->cv, &m, lo, s->in, s->out, s->hints, &energy, &cycles,
			   &whole_cycles);
	g->score = bound_score(energy, rank_cycles(cycles, whole_cycles), s->fx->objective);
	return true;
}

/* Records a group of configurations for a set shape, q and r. */
static void stage1_group(struct search *s, struct accel_layout *lo, struct accel_mapping m,
			 unsigned tmax)
{
	struct group *g;

	if (s->groups_count == s->groups_cap) {
		unsigned cap = s->groups_cap ? 2 * s->groups_cap : 256;
		struct group *more = realloc(s->groups, cap * sizeof(*more));

		if (!more) {
			s->nomem = true;
			return;
		}
		s->groups = more;
		s->groups_cap = cap;
	}
	g = &s->groups[s->groups_count];
	m.filters_per_pe = m.filter_sets = 1;
	g->m = m;
	g->pmax = min_u(s->fc->pmax, s->hw->rf_filter / (m.channels_per_pe * m.taps_per_pe));
	g->tmax = tmax;
	accel_split_parts(s->sh.Cg, s->sh.P, s->sh.P, m.channels_per_pe * m.channel_sets,
			  m.channels_per_pe, &lo->dc);
	g->rows = lo->rows;
	g->cols = lo->cols;
	g->dc = lo->dc;
	s->groups_count += group_bound(s, lo, g);
}

/*
 * Stage 1 opens its groups lazily, best rank first.  An unopened group
 * stands for all its configurations; an open one, for each p, for its
 * filter-set choices from the most sets down (their ranks grow as the
 * sets shrink), the next of which is priced with the most images per
 * pass (the best rank of its images).
 */
struct pending {
	struct score score;
	double energy, cycles;	/* of a cursor: its configuration's bound */
	unsigned group;
	unsigned p, at;		/* p == 0: the group unopened; at: in s->fc */
};

struct pending_heap {
	struct pending *v;
	unsigned count, cap;
};

static bool pending_push(struct pending_heap *h, const struct pending *x)
{
	unsigned i;

	if (h->count == h->cap) {
		unsigned cap = h->cap ? 2 * h->cap : 256;
		struct pending *more = realloc(h->v, cap * sizeof(*more));

		if (!more)
			return false;
		h->v = more;
		h->cap = cap;
	}
	for (i = h->count++; i && better(x->score, h->v[(i - 1) / 2].score); i = (i - 1) / 2)
		h->v[i] = h->v[(i - 1) / 2];
	h->v[i] = *x;
	return true;
}

static struct pending pending_pop(struct pending_heap *h)
{
	struct pending top = h->v[0], last = h->v[--h->count];
	unsigned i = 0;

	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, best = l;

		if (l >= h->count)
			break;
		if (r < h->count && better(h->v[r].score, h->v[l].score))
			best = r;
		if (!better(h->v[best].score, last.score))
			break;
		h->v[i] = h->v[best];
		i = best;
	}
	if (h->count)
		h->v[i] = last;
	return top;
}

/* A group's layout, short of the filters and images. */
static void group_layout(const struct search *s, const struct group *g, struct accel_layout *lo)
{
	memset(lo, 0, sizeof(*lo));
	lo->sh = s->sh;
	lo->rows = g->rows;
	lo->cols = g->cols;
	lo->dc = g->dc;
	lo->rch = div_up(s->sh.R, g->m.set_rows);
	lo->sch = div_up(s->sh.S, g->m.taps_per_pe);
}

/* A group's configuration for choice `at` of p, short of the images per pass. */
static struct accel_mapping cursor_config(const struct search *s, const struct group *g,
					  unsigned p, unsigned at)
{
	struct accel_mapping m = g->m;

	m.filters_per_pe = p;
	m.filter_sets = s->fc->t[at];
	return m;
}

/* Pushes a cursor at choice `at` of p, priced; false without memory. */
static bool cursor_push(struct search *s, struct pending_heap *h, unsigned group, unsigned p,
			unsigned at)
{
	const struct group *g = &s->groups[group];
	struct pending x = { .group = group, .p = p, .at = at };
	struct accel_layout lo;
	struct candidate c;

	group_layout(s, g, &lo);
	lo.dm = s->fc->dm[at];
	stage1_bound(s, &lo, cursor_config(s, g, p, at), s->images_most, &c);
	x.score = c.score;
	x.energy = c.energy;
	x.cycles = c.cycles;
	return pending_push(h, &x);
}

/* Takes a cursor's configuration with every images per pass; moves it on. */
static bool cursor_take(struct search *s, struct pending_heap *h, const struct pending *x)
{
	const struct group *g = &s->groups[x->group];
	struct accel_mapping m = cursor_config(s, g, x->p, x->at);
	struct candidate c = { .map = m, .score = x->score, .energy = x->energy,
			       .cycles = x->cycles };
	struct accel_layout lo;

	c.map.images_per_pass = s->images_most;
	keep_best(s, &c);
	group_layout(s, g, &lo);
	lo.dm = s->fc->dm[x->at];
	for (unsigned n = 1; n < s->images_most; n = next_images(n, s->sh.N)) {
		if (!images_offered(s, n))
			continue;
		stage1_bound(s, &lo, m, n, &c);
		keep_best(s, &c);
	}
	return x->at == s->fc->first[x->p] || cursor_push(s, h, x->group, x->p, x->at - 1);
}

/* Opens a group: a cursor per p at its most filter sets. */
static bool group_open(struct search *s, struct pending_heap *h, unsigned group)
{
	const struct group *g = &s->groups[group];

	for (unsigned p = 1; p <= g->pmax; p++) {
		unsigned upto = filter_choices_upto(s->fc, p, g->tmax);

		if (upto && !cursor_push(s, h, group, p, s->fc->first[p] + upto - 1))
			return false;
	}
	return true;
}

/* Keeps the best configurations by bound, opening groups and cursors best first. */
static void stage1_rank(struct search *s)
{
	struct pending_heap h = { 0 };
	bool ok = true;

	for (unsigned i = 0; i < s->groups_count && ok; i++) {
		struct pending x = { .score = s->groups[i].score, .group = i };

		ok = pending_push(&h, &x);
	}
	while (ok && h.count) {
		struct pending x = pending_pop(&h);

		if (s->count == ARRAY_KEEP && !better(x.score, s->list[0].score))
			break;
		ok = x.p ? cursor_take(s, &h, &x) : group_open(s, &h, x.group);
	}
	if (!ok)
		s->nomem = true;
	free(h.v);
}

/* Stage 1 for s->taps filter columns per PE. */
static void stage1_taps(struct search *s)
{
	const struct accel_shape *sh = &s->sh;
	struct accel_layout lo = { .sh = *sh };
	struct accel_mapping m = {
		.taps_per_pe = s->taps, .tile_n = sh->N, .tile_e = sh->E, .tile_f = sh->F,
		.tile_m = sh->Mg, .tile_c = sh->P,
	};

	lo.cols = s->cols_whole;
	lo.sch = div_up(sh->S, s->taps);
	for (m.set_rows = 1; m.set_rows <= min_u(sh->R, s->hw->array_rows); m.set_rows++) {
		if (s->fx->set_rows && m.set_rows != min_u(s->fx->set_rows, sh->R))
			continue;
		lo.rch = div_up(sh->R, m.set_rows);
		for (m.set_cols = 1; m.set_cols <= sh->E; m.set_cols++) {
			unsigned vertical, slots = rs_hw_array_slots(s->hw, m.set_rows, m.set_cols,
								     &vertical);

			if (!slots)
				break;
			if (s->fx->set_cols ? m.set_cols != s->fx->set_cols :
			    !least_width(sh->E, 1, m.set_cols))
				continue;
			rows_get(s, sh->E, m.set_cols, m.set_rows, &lo.rows);
			accel_layout_least_held(sh, s->in, &lo.rows, NULL);
			for (m.channels_per_pe = s->q_lo;
			     m.channels_per_pe <= min_u(min_u(sh->P, s->q_hi),
							s->hw->rf_ifmap / s->taps);
			     m.channels_per_pe++) {
				unsigned q = m.channels_per_pe;

				if (s->fx->channels_per_pe && q != s->fx->channels_per_pe)
					continue;
				for (m.channel_sets = 1;
				     m.channel_sets <= min_u(vertical, div_up(sh->P, q));
				     m.channel_sets++) {
					if (s->fx->channel_sets ?
					    m.channel_sets != s->fx->channel_sets :
					    !least_width(sh->P, q, m.channel_sets))
						continue;
					stage1_group(s, &lo, m, (vertical / m.channel_sets) *
							     (slots / vertical));
				}
			}
		}
	}
}

/*
 * Stage 1: array-level choices, scored with every tile whole (the GLB only
 * as a floor on the traffic, accel_layout_bound).
 * Channels and filter columns per PE share the ifmap RF (q * taps): each q
 * is tried with the most columns the RF then holds, and with S split
 * evenly over as few chunks of at most that.  The groups are bounded
 * first and opened best first, until none can rank among those kept.
 */
static void stage1(struct search *s)
{
	unsigned rf = s->hw->rf_ifmap;

	for (unsigned q = 1; q <= min_u(rf, s->sh.P);) {
		unsigned most = min_u(s->sh.S, rf / q), even, q_end = q;

		while (q_end < rf && min_u(s->sh.S, rf / (q_end + 1)) == most)
			q_end++;
		even = div_up(s->sh.S, div_up(s->sh.S, most));
		s->q_lo = q;
		s->q_hi = q_end;
		for (unsigned k = 0; k < 2; k++) {
			if (k && most == even)
				break;
			s->taps = k ? most : even;
			cols_get(s, s->sh.F, s->taps, &s->cols_whole);
			accel_layout_least_held(&s->sh, s->in, NULL, &s->cols_whole);
			stage1_taps(s);
		}
		q = q_end + 1;
	}
	stage1_rank(s);
}

/* Sorts a few values, largest first: stage 2 does this for every configuration. */
static void sort_desc(unsigned *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		unsigned x = v[i], j;

		for (j = i; j && v[j - 1] < x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/*
 * Tile sizes worth trying for a dimension of `total` cut in subs of `sub`:
 * the balanced split into k tiles for every k (dense) or for k growing by
 * about half each time, and each rounded down to whole subs.  With
 * whole_subs (options->full_sets), only whole subs or the whole dimension.
 * Descending, distinct; returns how many (at most cap).
 */
static unsigned tile_choices(unsigned total, unsigned sub, bool dense, bool whole_subs,
			     unsigned *out, unsigned cap)
{
	unsigned n = 0, kept = 0;

	for (unsigned k = 1; k <= total && n + 4 <= cap; k += dense ? 1 : (k + 1) / 2) {
		unsigned t = div_up(total, k);

		if (dense && k > 1 && t == div_up(total, k - 1))
			continue;
		out[n++] = t;
		if (t > sub && t % sub)
			out[n++] = t / sub * sub;
	}
	/* The smallest tiles: one sub, and one element. */
	out[n++] = min_u(sub, total);
	out[n++] = 1;
	sort_desc(out, n);
	for (unsigned i = 0; i < n; i++)
		if ((!kept || out[i] != out[kept - 1]) &&
		    (!whole_subs || out[i] % sub == 0 || out[i] == total))
			out[kept++] = out[i];
	return kept;
}

#define TILE_CHOICES 64

/*
 * Image tile sizes: the balanced ones, or with `every` (the passes after
 * the first) every size of a batch up to TILE_CHOICES.  A small layer's
 * time is mostly its first load and last store, and its best tiles can be
 * uneven: 3 and 1 of 4 images, whose last store is a quarter of the
 * batch's (search_is_near_the_optimum_on_small_batches).
 */
static unsigned image_tile_choices(unsigned N, unsigned per_pass, bool every, bool whole_subs,
				   unsigned *out)
{
	unsigned kept = 0;

	if (!every || N > TILE_CHOICES)
		return tile_choices(N, per_pass, true, whole_subs, out, TILE_CHOICES);
	for (unsigned n = N; n; n--)
		if (!whole_subs || n % per_pass == 0 || n == N)
			out[kept++] = n;
	return kept;
}

/*
 * Stage 2's passes: at most how many tiles per dimension each tries (with
 * TILE_CHOICES, every balanced split of the spatial ones), and how many of
 * the configurations it takes, ranked by the pass before (the first: by
 * stage 1).  A pass ranks by what the configurations really cost, which
 * the whole-layer figures cannot see (the GLB), for the next.
 */
static const struct stage2_pass {
	unsigned choices, keep;
} stage2_passes[] = {
	{ 4, ARRAY_KEEP },
	{ 8, 64 },
	{ TILE_CHOICES, 4 },
};

#define STAGE2_PASSES (sizeof(stage2_passes) / sizeof(stage2_passes[0]))

/*
 * The filter tile sizes stage2_buffers prices: slot i < nm is m_opt[i];
 * then the largest whole and any sizes of each buffering choice, where
 * they are not among m_opt.
 */
#define FILTER_SLOTS (TILE_CHOICES + 8)
#define FILTER_TRIES (4 * (TILE_CHOICES + 2))

/* The filter tiles stage2_buffers tries, in its order: slot and buffering choice. */
struct filter_tries {
	unsigned count;
	unsigned char db[FILTER_TRIES];
	unsigned char slot[FILTER_TRIES];
	unsigned char mask[FILTER_SLOTS];	/* the buffering choices of each slot */
	unsigned tile_m[FILTER_SLOTS];
};

/* One array configuration's tilings: the statistics of each tile choice. */
struct tiling {
	unsigned choices;	/* at most this many tiles per dimension */
	bool filters_capped;	/* partial bounds count the filter tiles the GLB forces */
	bool found;
	struct score best_score;
	struct accel_mapping best;	/* of this configuration, by price */
	struct accel_mapping m;
	struct accel_layout lo;
	unsigned nn, ne, nf, nc, nm;
	unsigned m_opt[TILE_CHOICES], n_opt[TILE_CHOICES], e_opt[TILE_CHOICES], f_opt[TILE_CHOICES];
	unsigned c_opt[TILE_CHOICES];
	struct accel_split dn[TILE_CHOICES], dc[TILE_CHOICES];
	struct accel_split dm_whole;	/* the filters in one tile */
	struct accel_rows rows[TILE_CHOICES];
	struct accel_cols cols[TILE_CHOICES];
	/* stage2_buffers' tries, and each tile size priced */
	struct filter_tries tries;
	struct accel_split priced_dm[FILTER_SLOTS];
	struct accel_estimate priced_est[FILTER_SLOTS][4];
};

/*
 * The GLB bytes of one ifmap tile of m's tiles, holding rows x cols: its
 * tile_m and buffers do not change them.
 */
static uint64_t tile_ifmap_bytes(const struct search *s, const struct accel_mapping *m,
				 unsigned rows, unsigned cols)
{
	struct accel_glb_plan plan;

	accel_glb_plan_held(&s->sh, m, rows, cols, &plan);
	return plan.ifmap_bytes;
}

/* The largest tile_m that fits beside an ifmap tile of ifmap_bytes, with m's buffers. */
static unsigned largest_tile_m(const struct search *s, const struct accel_mapping *m,
			       uint64_t ifmap_bytes, bool whole)
{
	return accel_glb_most_filters(&s->sh, m, s->hw->glb_bytes, ifmap_bytes, whole);
}

/*
 * The best mappings by price, whose walks (estimate.c, walk_transfers:
 * the steps' transfers against their windows, one by one) choose among
 * them at the end, with the best by the averaged estimate: a walk costs
 * more than the search can spend on every mapping it prices, and comes
 * out a few percent from the average either way.
 */
static void finalist_offer(struct search *s, const struct accel_mapping *m, struct score sc)
{
	unsigned at = s->finalist_count;

	if (at == FINALISTS) {
		if (!better(sc, s->finalists[FINALISTS - 1].score))
			return;
		at--;
	} else {
		s->finalist_count++;
	}
	for (; at && better(sc, s->finalists[at - 1].score); at--)
		s->finalists[at] = s->finalists[at - 1];
	s->finalists[at].map = *m;
	s->finalists[at].score = sc;
}

/*
 * Keeps one priced mapping (dm: its filter split) as the configuration's
 * best if its price is, among the finalists if its price is, and as the
 * search's best if its averaged estimate is.  A price takes the passes'
 * MACs and GLB time in total, an estimate class by class (estimate.c,
 * pass_compute), and a price is never above its averaged estimate: so
 * only a price below the best averaged estimate can beat it, and only
 * those are estimated.
 */
static void stage2_keep(struct search *s, struct tiling *tl, const struct accel_mapping *m,
			const struct accel_split *dm, struct accel_estimate est)
{
	struct score sc = score(&est, s->fx->objective), full_sc;

	if (!tl->found || better(sc, tl->best_score)) {
		tl->found = true;
		tl->best_score = sc;
		tl->best = *m;
	}
	finalist_offer(s, m, sc);
	if (s->found && !better(sc, s->best_score))
		return;
	tl->lo.dm = *dm;
	accel_layout_estimate_averaged(s->hw, s->cv, m, &tl->lo, s->in, s->out, s->hints, &est);
	full_sc = score(&est, s->fx->objective);
	if (!s->found || better(full_sc, s->best_score)) {
		s->found = true;
		s->best_score = full_sc;
		s->averaged_best = *m;
	}
}

/* Walks m; keeps it if it scores best so far and the DMA strides allow it. */
static void finalist_walk(struct search *s, const struct accel_mapping *m, bool *found,
			  struct score *best_score)
{
	struct accel_estimate est;
	struct score sc;

	if (accel_mapping_check(s->hw, s->layer, m, s->in, s->out, NULL, 0))
		return;
	accel_mapping_estimate(s->hw, s->layer, m, s->in, s->out, s->hints, &est);
	sc = score(&est, s->fx->objective);
	if (!*found || better(sc, *best_score)) {
		*found = true;
		*best_score = sc;
		*s->best = *m;
		if (s->best_est)
			*s->best_est = est;
	}
}

/*
 * The search's choice: of the finalists and the best averaged estimate,
 * the one whose walk scores best, of those the DMA strides (what no tile
 * decides) allow.
 */
static void finalists_choose(struct search *s)
{
	struct score best_score = { 0 };
	bool found = false;

	if (s->found)
		finalist_walk(s, &s->averaged_best, &found, &best_score);
	for (unsigned i = 0; i < s->finalist_count; i++)
		finalist_walk(s, &s->finalists[i].map, &found, &best_score);
	s->found = found;
}

/* Tries tile_m with buffering choice db; special: its slot if not among m_opt. */
static void filter_try(const struct tiling *tl, struct filter_tries *ft, unsigned db,
		       unsigned tile_m, unsigned special)
{
	unsigned lo = 0, hi = tl->nm, slot = special;

	/* m_opt descends */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (tl->m_opt[mid] > tile_m)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < tl->nm && tl->m_opt[lo] == tile_m)
		slot = lo;
	ft->tile_m[slot] = tile_m;
	ft->mask[slot] |= (unsigned char)(1u << db);
	ft->db[ft->count] = (unsigned char)db;
	ft->slot[ft->count++] = (unsigned char)slot;
}

/*
 * Both buffering choices for one tiling, with the largest filter tiles
 * that fit (of whole p*t sets and of any size), and the smaller balanced
 * ones: more filter tiles hide more of the last store.  Each tile size is
 * priced once for every buffering choice that tries it.
 */
static void stage2_buffers(struct search *s, struct tiling *tl)
{
	struct accel_mapping m = tl->m;
	struct filter_tries *ft = &tl->tries;
	uint64_t ifmap_bytes = tile_ifmap_bytes(s, &tl->m, tl->lo.rows.held_max,
						tl->lo.cols.held_max);
	unsigned slots = tl->nm + 8;

	ft->count = 0;
	memset(ft->mask, 0, slots);
	for (unsigned db = 0; db < 4; db++) {
		unsigned whole, any;

		m.double_ifmap = db & 1;
		m.double_psum = db & 2;
		whole = largest_tile_m(s, &m, ifmap_bytes, true);
		if (whole)
			filter_try(tl, ft, db, whole, tl->nm + 2 * db);
		if (s->fx->full_sets)
			continue;
		any = largest_tile_m(s, &m, ifmap_bytes, false);
		if (any && any != whole)
			filter_try(tl, ft, db, any, tl->nm + 2 * db + 1);
		for (unsigned i = 0; i < tl->nm; i++)
			if (tl->m_opt[i] < any && tl->m_opt[i] != whole)
				filter_try(tl, ft, db, tl->m_opt[i], i);
	}
	m = tl->m;
	for (unsigned k = 0; k < slots; k++) {
		if (!ft->mask[k])
			continue;
		m.tile_m = ft->tile_m[k];
		accel_split_get(s->sh.Mg, m.tile_m, m.filters_per_pe * m.filter_sets,
				m.filters_per_pe, &tl->priced_dm[k]);
		tl->lo.dm = tl->priced_dm[k];
		accel_layout_price_buffers(s->hw, s->cv, &m, &tl->lo, s->in, s->out, s->hints,
					   ft->mask[k], tl->priced_est[k]);
	}
	for (unsigned i = 0; i < ft->count; i++) {
		unsigned k = ft->slot[i];

		m.tile_m = ft->tile_m[k];
		m.double_ifmap = ft->db[i] & 1;
		m.double_psum = ft->db[i] & 2;
		stage2_keep(s, tl, &m, &tl->priced_dm[k], tl->priced_est[k][ft->db[i]]);
	}
}

/* Could a configuration bounded by c still beat the best? */
static bool may_improve(const struct search *s, const struct candidate *c)
{
	return !s->found ||
	       better(bound_score(c->energy, c->cycles, s->fx->objective), s->best_score);
}

/* How far stage 2 has chosen a tiling's tiles, in its loop order. */
enum chosen {
	CHOSEN_ROWS,		/* tile_n and tile_e */
	CHOSEN_COLS,		/* and tile_f */
	CHOSEN_CHANNELS,	/* and tile_c */
};

/*
 * The largest filter tile of any tiling that keeps tl's tiles of the
 * dimensions already chosen: what fits beside the smallest ifmap tile
 * left to choose, unbuffered.  0 if none fits.
 */
static unsigned most_filters(const struct search *s, const struct tiling *tl,
			     enum chosen chosen)
{
	struct accel_mapping one = tl->m;
	unsigned cols = tl->lo.cols.held_max;

	/* The choices descend: the last is the smallest. */
	if (chosen < CHOSEN_CHANNELS)
		one.tile_c = tl->c_opt[tl->nc - 1];
	if (chosen < CHOSEN_COLS) {
		one.tile_f = tl->f_opt[tl->nf - 1];
		cols = tl->cols[tl->nf - 1].held_max;
	}
	one.double_ifmap = one.double_psum = false;
	return largest_tile_m(s, &one, tile_ifmap_bytes(s, &one, tl->lo.rows.held_max, cols),
			      false);
}

/*
 * May a tiling that keeps tl's tiles of the dimensions already chosen beat
 * the best?  The others are taken whole: their statistics are then least,
 * and the bound (accel_layout_bound) holds for every choice of them.  The
 * GLB caps the filter tile, so a large layer has several filter tiles
 * (accel_layout_bound_filters, if tl->filters_capped): without them the
 * bound sees none of the ifmap reloads and stores they cost, and lets
 * through tilings whose only fitting filter tiles are small, to be priced
 * in vain.  Nothing fits beside an ifmap tile too large for the GLB.
 */
static bool partial_may_improve(const struct search *s, const struct tiling *tl,
				enum chosen chosen)
{
	const struct accel_shape *sh = &s->sh;
	struct accel_mapping m = tl->m;
	struct accel_layout lo = tl->lo;
	unsigned most_m = most_filters(s, tl, chosen);
	struct candidate c;

	if (!most_m)
		return false;
	lo.dm = tl->dm_whole;
	if (chosen < CHOSEN_CHANNELS) {
		m.tile_c = sh->P;
		lo.dc = tl->dc[0];	/* tile_c = P comes first */
	}
	if (chosen < CHOSEN_COLS) {
		m.tile_f = sh->F;
		lo.cols = tl->cols[0];
		accel_layout_least_held(sh, s->in, NULL, &lo.cols);
	}
	accel_layout_bound_filters(s->hw, s->cv, &m, &lo, s->in, s->out, s->hints,
				   tl->filters_capped ? most_m : sh->Mg, &c.energy, &c.cycles);
	return may_improve(s, &c);
}

/* A configuration's tile choices, tl->choices per dimension, and the statistics of each. */
static void stage2_setup(struct search *s, struct tiling *tl, const struct accel_mapping *m)
{
	const struct accel_shape *sh = &s->sh;
	unsigned q = m->channels_per_pe;
	bool full = s->fx->full_sets;
	unsigned cap = tl->choices;
	bool dense = cap == TILE_CHOICES;

	tl->found = false;
	tl->m = *m;
	tl->lo.sh = *sh;
	tl->lo.rch = div_up(sh->R, m->set_rows);
	tl->lo.sch = div_up(sh->S, m->taps_per_pe);
	tl->nn = image_tile_choices(sh->N, m->images_per_pass, cap > stage2_passes[0].choices,
				    full, tl->n_opt);
	tl->ne = tile_choices(sh->E, m->set_cols, dense, full, tl->e_opt, cap);
	tl->nf = tile_choices(sh->F, sh->F, dense, false, tl->f_opt, cap);
	tl->nm = tile_choices(sh->Mg, m->filters_per_pe * m->filter_sets, false, false,
			      tl->m_opt, cap);
	tl->nc = tile_choices(sh->P, q * m->channel_sets, false, full, tl->c_opt, cap);
	/* RLC ofmaps are written in whole rows, or whole planes. */
	if (s->out->rlc)
		tl->nf = 1;
	if (s->out->rlc && s->out->seg_rows == sh->E)
		tl->ne = 1;
	accel_split_get(sh->Mg, sh->Mg, m->filters_per_pe * m->filter_sets, m->filters_per_pe,
			&tl->dm_whole);
	for (unsigned i = 0; i < tl->nn; i++)
		accel_split_get(sh->N, tl->n_opt[i], m->images_per_pass, m->images_per_pass,
				&tl->dn[i]);
	for (unsigned i = 0; i < tl->ne; i++)
		rows_get(s, tl->e_opt[i], m->set_cols, m->set_rows, &tl->rows[i]);
	for (unsigned i = 0; i < tl->nf; i++)
		cols_get(s, tl->f_opt[i], m->taps_per_pe, &tl->cols[i]);
	for (unsigned i = 0; i < tl->nc; i++)
		accel_split_parts(sh->Cg, sh->P, tl->c_opt[i], q * m->channel_sets, q,
				  &tl->dc[i]);
}

/* Every combination of the tile choices, pruned by the partial bounds. */
static void stage2_product(struct search *s, struct tiling *tl)
{
	for (unsigned a = 0; a < tl->nn; a++) {
		tl->m.tile_n = tl->n_opt[a];
		tl->lo.dn = tl->dn[a];
		for (unsigned b = 0; b < tl->ne; b++) {
			tl->m.tile_e = tl->e_opt[b];
			tl->lo.rows = tl->rows[b];
			if (!partial_may_improve(s, tl, CHOSEN_ROWS))
				continue;
			for (unsigned c = 0; c < tl->nf; c++) {
				tl->m.tile_f = tl->f_opt[c];
				tl->lo.cols = tl->cols[c];
				if (!partial_may_improve(s, tl, CHOSEN_COLS))
					continue;
				for (unsigned d = 0; d < tl->nc; d++) {
					tl->m.tile_c = tl->c_opt[d];
					tl->lo.dc = tl->dc[d];
					if (!partial_may_improve(s, tl, CHOSEN_CHANNELS))
						continue;
					stage2_buffers(s, tl);
				}
			}
		}
	}
}

/* The dimensions stage2_around walks: images, rows, columns, channels. */
#define WALKED 4

/* Takes the at[d]-th choice of each walked dimension d. */
static void tiling_select(struct tiling *tl, const unsigned at[WALKED])
{
	tl->m.tile_n = tl->n_opt[at[0]];
	tl->lo.dn = tl->dn[at[0]];
	tl->m.tile_e = tl->e_opt[at[1]];
	tl->lo.rows = tl->rows[at[1]];
	tl->m.tile_f = tl->f_opt[at[2]];
	tl->lo.cols = tl->cols[at[2]];
	tl->m.tile_c = tl->c_opt[at[3]];
	tl->lo.dc = tl->dc[at[3]];
}

/*
 * The first pass for one configuration: from every tile whole, every
 * choice of one dimension at a time, the others kept at the
 * configuration's best so far, until a round over the dimensions improves
 * nothing.  It costs the sum of the choices' counts, not their product,
 * and ranks the configurations as well as the product does (on the random
 * layers against the exhaustive optimum, and on the networks' layers); it
 * can stop short of the best tiling where the GLB couples the rows and
 * the columns, which the later passes' products find.  A walk on which
 * nothing fits takes the product.
 */
static void stage2_around(struct search *s, struct tiling *tl, const struct accel_mapping *m)
{
	unsigned at[WALKED] = { 0 }, count[WALKED];	/* choice 0: the whole dimension */
	unsigned still = 0;	/* walks in a row that improved nothing */
	bool gained = false;

	stage2_setup(s, tl, m);
	count[0] = tl->nn;
	count[1] = tl->ne;
	count[2] = tl->nf;
	count[3] = tl->nc;
	tiling_select(tl, at);
	stage2_buffers(s, tl);
	/*
	 * A dimension walked since the others last moved would price the
	 * same tilings again: the walk ends when every other one is walked
	 * without a gain after the last that had one (all four, if none).
	 */
	for (unsigned d = 0; still < (gained ? WALKED - 1 : WALKED); d = (d + 1) % WALKED) {
		unsigned best = at[d];
		bool improved = false;

		for (unsigned i = 0; i < count[d]; i++) {
			struct score before = tl->best_score;
			bool had = tl->found;

			if (i == best)
				continue;
			at[d] = i;
			tiling_select(tl, at);
			if (!partial_may_improve(s, tl, CHOSEN_CHANNELS))
				continue;
			stage2_buffers(s, tl);
			if (tl->found && (!had || better(tl->best_score, before))) {
				best = i;
				improved = true;
			}
		}
		at[d] = best;
		still = improved ? 0 : still + 1;
		gained |= improved;
	}
	/* Nothing fit on the way: only smaller tiles in several dimensions at once may. */
	if (!tl->found)
		stage2_product(s, tl);
}

/* Runs a set-up search; 0, -ENOSPC or -ENOMEM. */
static int search_run(struct search *s)
{
	struct tiling *tl;

	accel_shape_get(s->cv, &s->sh);
	s->images_most = images_most(s);
	s->list = calloc(ARRAY_KEEP, sizeof(*s->list));
	tl = malloc(sizeof(*tl));
	s->fc = filter_choices_get(s);
	/* Optional: without it, every statistic is computed afresh. */
	s->memo = calloc(1, sizeof(*s->memo));
	if (!s->list || !tl || !s->fc) {
		free(s->memo);
		free(s->list);
		free(tl);
		filter_choices_free(s->fc);
		return -ENOMEM;
	}
	stage1(s);
	filter_choices_free(s->fc);
	free(s->groups);
	if (s->nomem) {
		free(s->memo);
		free(s->list);
		free(tl);
		return -ENOMEM;
	}
	qsort(s->list, s->count, sizeof(*s->list), cmp_candidate);
	for (unsigned k = 0; k < STAGE2_PASSES; k++) {
		/* Until a tiling fits, every configuration gets each pass. */
		unsigned take = s->found ? min_u(s->count, stage2_passes[k].keep) : s->count;

		tl->choices = stage2_passes[k].choices;
		/*
		 * The first pass ranks the configurations by their best prices
		 * for the next: one whose every tiling on the walk the capped
		 * bound cuts would go unranked and miss the products, which
		 * try tilings the walk does not (MobileNetV2's block11.project
		 * at batch 4, by latency, ran 3.7% slower).
		 */
		tl->filters_capped = k > 0;
		for (unsigned a = 0; a < take; a++) {
			struct candidate *c = &s->list[a];

			if (c->passes < k || (s->found && k && !c->tried))
				break;
			/* Ranked by stage 1, not by bound: a later one may still win. */
			if (!may_improve(s, c))
				continue;
			if (k) {
				stage2_setup(s, tl, &c->map);
				stage2_product(s, tl);
			} else {
				stage2_around(s, tl, &c->map);
			}
			c->passes = k + 1;
			/*
			 * A later pass whose bounds cut every tiling leaves the
			 * configuration its rank: the best tiling it had stands.
			 */
			if (tl->found || !k) {
				c->tried = tl->found;
				c->tried_score = tl->best_score;
			}
			if (s->runners && tl->found) {
				struct accel_estimate est;

				accel_mapping_estimate(s->hw, s->layer, &tl->best, s->in, s->out,
						       s->hints, &est);
				runners_offer(s->runners, &tl->best, &est,
					      score(&est, s->fx->objective));
			}
		}
		qsort(s->list, s->count, sizeof(*s->list), cmp_tried);
	}
	free(tl);
	free(s->list);
	free(s->memo);
	finalists_choose(s);
	return s->found ? 0 : -ENOSPC;
}

/* A search's inputs, with no options meaning none pinned; -EINVAL for a bad layer. */
static int search_init(struct search *s, const struct rs_hw_params *hw,
		       const struct accel_conv *cv, const struct accel_tensor *in,
		       const struct accel_tensor *out, const struct accel_map_hints *hints,
		       const struct accel_map_options *opts)
{
	static const struct accel_map_options none;
	struct accel_sublayers sl;
	unsigned n0, m0;

	memset(s, 0, sizeof(*s));
	s->hw = hw;
	s->cv = s->layer = cv;
	s->in = in;
	s->out = out;
	s->hints = hints;
	s->fx = opts ? opts : &none;
	if (accel_conv_check(cv, NULL, 0))
		return -EINVAL;
	/* A mapping of the smallest sub-layer is legal for them all. */
	accel_sublayers_get(cv, &sl);
	if (accel_sublayered(&sl)) {
		accel_sublayer(cv, &sl, sl.n_parts - 1, sl.m_parts - 1, &s->part, &n0, &m0);
		s->cv = &s->part;
	}
	return 0;
}

int accel_map_search(const struct rs_hw_params *hw, const struct accel_conv *cv,
		     const struct accel_tensor *in, const struct accel_tensor *out,
		     const struct accel_map_hints *hints,
		     const struct accel_map_options *opts, struct accel_mapping *best,
		     struct accel_estimate *best_est)
{
	struct search s;

	if (search_init(&s, hw, cv, in, out, hints, opts))
		return -EINVAL;
	s.best = best;
	s.best_est = best_est;
	return search_run(&s);
}

/* The objective's value of an estimate, lower is better. */
static double objective_value(const struct accel_estimate *e, enum accel_map_objective obj)
{
	double energy = (double)e->energy / ROWSTAT_ENERGY_ONE, cycles = (double)e->cycles;

	return obj == ACCEL_MAP_ENERGY ? energy : obj == ACCEL_MAP_LATENCY ? cycles :
	       energy * cycles;
}

/* The hardware with one limit doubled, within what the rules accept. */
static void relax(struct rs_hw_params *hw, enum accel_map_limit limit)
{
	switch (limit) {
	case ACCEL_LIMIT_RF:
		hw->rf_filter = min_u(2 * hw->rf_filter, RS_HW_MAX_RF);
		hw->rf_ifmap = min_u(2 * hw->rf_ifmap, RS_HW_MAX_RF);
		hw->rf_psum = min_u(2 * hw->rf_psum, RS_HW_MAX_RF);
		break;
	case ACCEL_LIMIT_ARRAY:
		hw->array_rows = min_u(2 * hw->array_rows, RS_HW_MAX_ARRAY);
		hw->array_cols = min_u(2 * hw->array_cols, RS_HW_MAX_ARRAY);
		break;
	case ACCEL_LIMIT_GLB:
		hw->glb_bytes = min_u(2 * hw->glb_bytes, RS_HW_MAX_GLB);
		break;
	default:
		break;
	}
}

int accel_map_explain(const struct rs_hw_params *hw, const struct accel_conv *cv,
		      const struct accel_tensor *in, const struct accel_tensor *out,
		      const struct accel_map_hints *hints,
		      const struct accel_map_options *opts, struct accel_map_explanation *ex)
{
	struct runners runners = { 0 };
	struct search s;
	const struct accel_map_options *fx;
	double chosen, gain = 0;
	int ret;

	if (!ex || search_init(&s, hw, cv, in, out, hints, opts))
		return -EINVAL;
	fx = s.fx;
	memset(ex, 0, sizeof(*ex));
	s.runners = &runners;
	s.best = &ex->chosen.map;
	s.best_est = &ex->chosen.est;
	ret = search_run(&s);
	if (ret)
		return ret;
	ex->chosen.value = chosen = objective_value(&ex->chosen.est, fx->objective);
	/* The chosen configuration heads the list; the others follow it. */
	for (unsigned i = 0; i < runners.count; i++) {
		struct accel_map_candidate *c = &runners.v[i];

		if (same_array(&c->map, &ex->chosen.map) || ex->runner_ups == ACCEL_MAP_RUNNER_UPS)
			continue;
		c->value = objective_value(&c->est, fx->objective);
		ex->runner_up[ex->runner_ups++] = *c;
	}
	for (unsigned k = ACCEL_LIMIT_RF; k < ACCEL_LIMIT_COUNT; k++) {
		struct rs_hw_params more = *hw;
		struct accel_mapping map;
		struct accel_estimate est;

		relax(&more, k);
		/* A limit already at the rules' maximum cannot be relaxed. */
		if (!memcmp(&more, hw, sizeof(more)) ||
		    accel_map_search(&more, cv, in, out, hints, opts, &map, &est)) {
			ex->relaxed[k] = 1;
			continue;
		}
		/*
		 * The chosen mapping stays legal, at the same cost, on larger
		 * hardware: a search that lands worse there is the heuristic's.
		 */
		ex->relaxed[k] = objective_value(&est, fx->objective) / chosen;
		if (ex->relaxed[k] > 1)
			ex->relaxed[k] = 1;
		/* Less than 0.1% is no gain: the objective's own tolerance. */
		if (ex->relaxed[k] < 0.999 && 1 - ex->relaxed[k] > gain) {
			gain = 1 - ex->relaxed[k];
			ex->limit = k;
		}
	}
	return 0;
}
