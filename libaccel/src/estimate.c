// SPDX-License-Identifier: MIT
/*
 * The closed-form cost of a mapping: the counts docs/model.md defines,
 * summed over the very schedule emit.c writes, without running anything.
 * A mapping's tiling is first reduced to statistics per dimension (the
 * layout); the cost is then a closed form of those, so a search can reuse
 * the statistics of one tile size across every choice of the others.
 * Only data-dependent terms (zero gating, RLC sizes) are expectations.
 * For raw tensors the passes, GLB accesses, DRAM bytes and peak active PEs
 * equal what the model counts (tests/unit/test_counts.c).
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler_internal.h"

/* Adds `count` tiles of len values each to d. */
static void split_add(struct accel_split *d, uint64_t count, unsigned len, unsigned sub,
		      unsigned per_pe)
{
	unsigned full = len / sub, rest = len % sub;
	unsigned full_sets = div_up(sub, per_pe), rest_sets = div_up(rest, per_pe);

	if (!count || !len)
		return;
	d->tiles += count;
	d->subs += count * (full + (rest != 0));
	d->sum_min += count * ((uint64_t)full * min_u(sub, per_pe) + min_u(rest, per_pe));
	d->sum_sets += count * ((uint64_t)full * full_sets + rest_sets);
	if (full && full_sets > d->max_sets)
		d->max_sets = full_sets;
	if (rest_sets > d->max_sets)
		d->max_sets = rest_sets;
}

/* Adds `count` parts of len values each, cut in tiles. */
static void split_part(struct accel_split *d, uint64_t count, unsigned len, unsigned tile,
		       unsigned sub, unsigned per_pe)
{
	split_add(d, count * (len / tile), tile, sub, per_pe);
	split_add(d, count, len % tile, sub, per_pe);
}

/* In closed form: the full tiles alike, then the remainder. */
void accel_split_get(unsigned total, unsigned tile, unsigned sub, unsigned per_pe,
		     struct accel_split *d)
{
	memset(d, 0, sizeof(*d));
	split_part(d, 1, total, tile, sub, per_pe);
}

void accel_split_parts(unsigned total, unsigned part, unsigned tile, unsigned sub,
		       unsigned per_pe, struct accel_split *d)
{
	memset(d, 0, sizeof(*d));
	split_part(d, total / part, part, tile, sub, per_pe);
	if (total % part)
		split_part(d, 1, total % part, min_u(tile, total % part), sub, per_pe);
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
		*real = span_len(span_clip((long)lo - pad, (long)hi - pad, limit));
		return;
	}
	for (unsigned o = oa; o < ob; o++) {
		*used += width;
		*real += span_len(span_clip((long)(o * step + ka) - pad,
					    (long)(o * step + kb) - pad, limit));
	}
}

/* Rows: every e-sub of every e-tile against every filter-row chunk. */
void accel_rows_get(const struct accel_shape *sh, const struct accel_tensor *in,
		    unsigned tile_e, unsigned set_cols, unsigned set_rows,
		    struct accel_rows *rs)
{
	memset(rs, 0, sizeof(*rs));
	for (unsigned ea = 0; ea < sh->E; ea += tile_e) {
		unsigned eb = min_u(ea + tile_e, sh->E);
		unsigned first = min_u(set_cols, eb - ea);
		unsigned held = span_len(accel_tile_rows(sh, in, ea, eb));

		if (!rs->tiles)
			rs->held_first = held;
		rs->tiles++;
		rs->first_sum += first;
		if (first > rs->first_max)
			rs->first_max = first;
		rs->held_sum += held;
		if (held > rs->held_max)
			rs->held_max = held;
		for (unsigned e0 = ea; e0 < eb; e0 += set_cols) {
			unsigned e1 = min_u(e0 + set_cols, eb);

			rs->subs++;
			for (unsigned r0 = 0; r0 < sh->R; r0 += set_rows) {
				uint64_t used, real;

				used_positions(e0, e1, r0, min_u(r0 + set_rows, sh->R),
					       sh->Uh, sh->pt, sh->H, &used, &real);
				rs->real += real;
			}
		}
	}
}

/* Columns: every f-tile against every filter-column chunk. */
void accel_cols_get(const struct accel_shape *sh, const struct accel_tensor *in,
		    unsigned tile_f, unsigned taps, struct accel_cols *cs)
{
	memset(cs, 0, sizeof(*cs));
	for (unsigned fa = 0; fa < sh->F; fa += tile_f) {
		unsigned fb = min_u(fa + tile_f, sh->F);
		unsigned held = span_len(accel_tile_cols(sh, in, fa, fb));

		if (!cs->tiles)
			cs->held_first = held;
		cs->tiles++;
		cs->held_sum += held;
		if (held > cs->held_max)
			cs->held_max = held;
		for (unsigned s0 = 0; s0 < sh->S; s0 += taps) {
			uint64_t used, real;

			used_positions(fa, fb, s0, min_u(s0 + taps, sh->S),
				       sh->Uw, sh->pl, sh->W, &used, &real);
			cs->used += used;
			cs->real += real;
		}
	}
}

void accel_layout_get(const struct accel_conv *cv, const struct accel_tensor *in,
		      const struct accel_mapping *map, struct accel_layout *lo)
{
	unsigned p = map->filters_per_pe, q = map->channels_per_pe;

	memset(lo, 0, sizeof(*lo));
	accel_shape_get(cv, &lo->sh);
	accel_split_get(lo->sh.N, map->tile_n, map->images_per_pass, map->images_per_pass,
			&lo->dn);
	accel_split_get(lo->sh.Mg, map->tile_m, p * map->filter_sets, p, &lo->dm);
	accel_split_parts(lo->sh.Cg, lo->sh.P, map->tile_c, q * map->channel_sets, q, &lo->dc);
	accel_rows_get(&lo->sh, in, map->tile_e, map->set_cols, map->set_rows, &lo->rows);
	accel_cols_get(&lo->sh, in, map->tile_f, map->taps_per_pe, &lo->cols);
	lo->rch = div_up(lo->sh.R, map->set_rows);
	lo->sch = div_up(lo->sh.S, map->taps_per_pe);
}

/* The array's and the GLB's counts for one group. */
struct array_counts {
	uint64_t outputs, passes, macs, mac_cycles;
	uint64_t psum_wr, psum_rd, glb_ifmap;
	uint64_t noc_ifmap, noc_filter, noc_psum, drains, fill;
	uint64_t filter_bytes;		/* over the link: filters and biases */
	double filter_transfers;	/* passes that load filters */
	bool one_block;			/* one block, kept in the spads */
	double window;			/* step_window_share's, if asked for */
};

/* Of the work of `len` values in subs of `sub`, by min(sub, per_pe): the last sub's share. */
static double last_sub_share(unsigned len, unsigned sub, unsigned per_pe)
{
	unsigned full = len / sub, rest = len % sub;
	double whole = (double)full * min_u(sub, per_pe) + min_u(rest, per_pe);

	return whole > 0 ? min_u(rest ? rest : sub, per_pe) / whole : 1;
}

/*
 * A step's share of compute after its last filter block's load: the last
 * filter-row chunk, filter-column chunk (its taps), channel sub and filter
 * sub, which are the remainders, not the average (the step's tiles taken
 * whole).  Filter rows run in parallel; taps, channels and filters in turn.
 */
static double last_block_share(const struct accel_mapping *map, const struct accel_layout *lo)
{
	const struct accel_shape *sh = &lo->sh;
	unsigned taps = map->taps_per_pe, last_taps = sh->S - (lo->sch - 1) * taps;
	unsigned tile_c = min_u(map->tile_c, sh->P), tile_m = min_u(map->tile_m, sh->Mg);

	return 1.0 / lo->rch * last_taps / sh->S *
	       last_sub_share(tile_c, map->channels_per_pe * map->channel_sets,
			      map->channels_per_pe) *
	       last_sub_share(tile_m, map->filters_per_pe * map->filter_sets,
			      map->filters_per_pe);
}

/*
 * A step's share of compute after its last use of the link: its last
 * filter block's load (last_block_share), or a bias load.
 */
static double step_window_share(const struct accel_conv *cv, const struct accel_mapping *map,
				const struct accel_layout *lo, bool one_block)
{
	uint64_t blocks = (uint64_t)lo->dn.subs * lo->rows.subs * lo->cols.tiles * lo->dm.subs;
	double loads_per_step = (double)lo->rch * lo->sch * lo->dc.subs * lo->dm.subs /
				((double)lo->dc.tiles * lo->dm.tiles);
	double passes_per_step = (double)blocks /
				 ((double)lo->dn.tiles * lo->rows.tiles * lo->cols.tiles * lo->dm.tiles);
	double first_steps = 1.0 / lo->dc.tiles;
	double window = one_block || loads_per_step <= 1 ? 1 : last_block_share(map, lo);

	/*
	 * The passes that start a psum tile load its biases over the link
	 * too.  They are a step's first reduction step, so the last of them
	 * is the last pass when a step has one (in the steps of the first
	 * channel tile).
	 */
	if (cv->bias && lo->rch == 1 && lo->sch == 1 && lo->dc.subs == lo->dc.tiles &&
	    passes_per_step > 1)
		window = first_steps / passes_per_step + (1 - first_steps) * window;
	return window;
}

/* With overlap, a->window too: only the transfers' overlap reads it. */
static void array_counts(const struct accel_conv *cv, const struct accel_mapping *map,
			 const struct accel_layout *lo, bool overlap, struct array_counts *a)
{
	const struct accel_shape *sh = &lo->sh;
	uint64_t red_steps = (uint64_t)lo->dc.subs * lo->rch * lo->sch;
	uint64_t filter_blocks = (uint64_t)sh->Mg * sh->Cg * sh->R * sh->S;
	uint64_t blocks = (uint64_t)lo->dn.subs * lo->rows.subs * lo->cols.tiles * lo->dm.subs;
	/*
	 * Each spatial tile loads every filter block once.  When one block is
	 * all a group needs, the spads keep it from tile to tile.
	 */
	bool one_block = lo->rch == 1 && lo->sch == 1 && lo->dm.subs == 1 && lo->dc.subs == 1;
	uint64_t loads = one_block ? 1 :
			 (uint64_t)lo->dn.tiles * lo->rows.tiles * lo->cols.tiles;

	a->window = overlap ? step_window_share(cv, map, lo, one_block) : 1;
	a->filter_transfers = one_block ? 1 :
		(double)loads * lo->rch * lo->sch * lo->dc.subs * lo->dm.subs;
	a->one_block = one_block;
	a->outputs = (uint64_t)sh->N * sh->Mg * sh->E * sh->F;
	a->passes = blocks * red_steps;
	a->macs = sh->macs / sh->G;
	a->mac_cycles = (uint64_t)sh->N * sh->F * sh->S * lo->dc.sum_min * lo->dm.sum_min *
			lo->rows.subs * lo->rch;
	a->psum_wr = a->outputs * red_steps;
	a->psum_rd = a->psum_wr - a->outputs;
	a->glb_ifmap = (uint64_t)sh->N * sh->Cg * lo->dm.subs * lo->rows.real * lo->cols.real;
	a->noc_ifmap = (uint64_t)sh->N * sh->Cg * lo->dm.sum_sets * sh->E * sh->R *
		       lo->cols.used;
	a->noc_filter = one_block ?
		(uint64_t)min_u(map->set_cols, min_u(map->tile_e, sh->E)) * filter_blocks :
		(uint64_t)lo->dn.tiles * lo->cols.tiles * lo->rows.first_sum * filter_blocks;
	a->filter_bytes = loads * filter_blocks * sh->wb +
			  (cv->bias ? 4ull * sh->Mg * lo->dn.subs * lo->rows.subs *
				      lo->cols.tiles : 0);
	a->noc_psum = a->outputs * ((uint64_t)lo->sch * sh->R * lo->dc.sum_sets + red_steps - 1);
	a->drains = (uint64_t)sh->N * sh->F * sh->E * sh->R * sh->Mg * lo->dc.sum_sets * lo->sch;
	a->fill = blocks * ((uint64_t)lo->sch * sh->R * lo->dc.sum_sets +
			    (uint64_t)lo->rch * lo->dc.subs * sh->S);
}

/*
 * The pieces of one dimension a pass covers, by size and by whether they
 * start a reduction (the first filter-row or filter-column chunk, the
 * first channel sub of a psum tile): how many, and the sums a pass's
 * costs read (taps, in-image rows or columns).
 */
#define PIECE_KINDS 16

struct pieces {
	unsigned kinds;
	bool overflow;
	struct piece {
		unsigned size;
		bool first;
		double count, taps, real;
	} v[PIECE_KINDS];
};

static void piece_add(struct pieces *pc, unsigned size, bool first, double taps, double real)
{
	unsigned k;

	for (k = 0; k < pc->kinds && (pc->v[k].size != size || pc->v[k].first != first); k++)
		;
	if (k == pc->kinds) {
		if (k == PIECE_KINDS) {
			pc->overflow = true;
			return;
		}
		pc->v[k] = (struct piece){ .size = size, .first = first };
		pc->kinds++;
	}
	pc->v[k].count++;
	pc->v[k].taps += taps;
	pc->v[k].real += real;
}

/*
 * The passes of a range of a step: its tiles [a, b) of images, output
 * rows and columns, filters and channels, from filter-row chunk r0 and
 * filter-column chunk s0 on.  init: its first channel sub starts the
 * psum tile.
 */
struct pass_range {
	unsigned na, nb, ea, eb, fa, fb, ma, mb, ca, cb;
	unsigned r0, s0;
	bool init;
};

/* Adds the subs of `sub` values over [a, b). */
static void pieces_subs(struct pieces *pc, unsigned a, unsigned b, unsigned sub)
{
	for (unsigned x = a; x < b; x += sub)
		piece_add(pc, min_u(sub, b - x), false, 0, 0);
}

/* Adds the output-row subs of [ea, eb) against the filter-row chunks from r_from. */
static void pieces_rows(struct pieces *pc, const struct accel_shape *sh,
			const struct accel_mapping *map, unsigned ea, unsigned eb, unsigned r_from)
{
	for (unsigned e0 = ea; e0 < eb; e0 += map->set_cols) {
		unsigned e1 = min_u(e0 + map->set_cols, eb);

		for (unsigned r0 = r_from; r0 < sh->R; r0 += map->set_rows) {
			uint64_t used, real;

			used_positions(e0, e1, r0, min_u(r0 + map->set_rows, sh->R), sh->Uh,
				       sh->pt, sh->H, &used, &real);
			piece_add(pc, e1 - e0, r0 == 0, 0, (double)real);
		}
	}
}

/* Adds the output columns [fa, fb) against the filter-column chunks from s_from. */
static void pieces_cols(struct pieces *pc, const struct accel_shape *sh,
			const struct accel_mapping *map, unsigned fa, unsigned fb, unsigned s_from)
{
	for (unsigned s0 = s_from; s0 < sh->S; s0 += map->taps_per_pe) {
		unsigned s1 = min_u(s0 + map->taps_per_pe, sh->S);
		uint64_t used, real;

		used_positions(fa, fb, s0, s1, sh->Uw, sh->pl, sh->W, &used, &real);
		piece_add(pc, fb - fa, s0 == 0, s1 - s0, (double)real);
	}
}

/* Adds the channel subs of [ca, cb); the first starts its psum tile if init. */
static void pieces_channels(struct pieces *pc, unsigned ca, unsigned cb, unsigned sub, bool init)
{
	for (unsigned c0 = ca; c0 < cb; c0 += sub)
		piece_add(pc, min_u(sub, cb - c0), init && c0 == ca, 0, 0);
}

/*
 * The longer of MACs and GLB accesses, summed over the passes the pieces
 * make (every combination of one piece per dimension), class by class.
 */
static double pieces_cost(const struct rs_hw_params *hw, const struct accel_mapping *map,
			  const struct pieces *n, const struct pieces *e, const struct pieces *f,
			  const struct pieces *m, const struct pieces *c)
{
	unsigned q = map->channels_per_pe, p = map->filters_per_pe;
	double bw = hw->glb_bw, total = 0;

	for (unsigned a = 0; a < n->kinds; a++)
		for (unsigned b = 0; b < e->kinds; b++)
			for (unsigned d = 0; d < f->kinds; d++)
				for (unsigned g = 0; g < m->kinds; g++)
					for (unsigned k = 0; k < c->kinds; k++) {
						const struct piece *pn = &n->v[a], *pe = &e->v[b];
						const struct piece *pf = &f->v[d], *pm = &m->v[g];
						const struct piece *pc = &c->v[k];
						bool init = pc->first && pe->first && pf->first;
						double others = pn->count * pm->count * pc->count;
						double passes = others * pe->count * pf->count;
						double nn = pn->size, ee = pe->size, ff = pf->size;
						double cc = pc->size, mm = pm->size;
						double macs = nn * ff * min_u(pc->size, q) *
							      min_u(pm->size, p) * pf->taps *
							      others * pe->count;
						double glb = (nn * cc * pe->real * pf->real * others +
							      nn * mm * ee * ff * (init ? 1 : 2) *
							      passes) / bw;

						/* Each pass's GLB time rounds up: half a cycle. */
						total += macs >= glb ? macs :
							 glb + (bw > 1 ? 0.5 * passes : 0);
					}
	return total;
}

static bool pieces_overflow(const struct pieces *n, const struct pieces *e,
			    const struct pieces *f, const struct pieces *m, const struct pieces *c)
{
	return n->overflow || e->overflow || f->overflow || m->overflow || c->overflow;
}

/*
 * The array's cycles of one group, pass by pass: a pass takes the longer
 * of its MACs and its GLB accesses (rounded up), so passes unlike each
 * other, the remainders of tiles and subs and the first reduction step's
 * psums, take more than the longer of the totals.  The passes fall into
 * classes by their images, output rows, output columns, channels, filters
 * and whether they start a psum tile; the classes differ where the MACs
 * or the GLB bind, and within a class they bind alike.  Negative when a
 * dimension has too many kinds of pieces to class (then the totals do).
 */
static double pass_compute(const struct rs_hw_params *hw, const struct accel_mapping *map,
			   const struct accel_layout *lo)
{
	const struct accel_shape *sh = &lo->sh;
	unsigned qr = map->channels_per_pe * map->channel_sets;
	unsigned pt = map->filters_per_pe * map->filter_sets;
	struct pieces n = { 0 }, e = { 0 }, f = { 0 }, m = { 0 }, c = { 0 };

	for (unsigned na = 0; na < sh->N; na += map->tile_n)
		pieces_subs(&n, na, min_u(na + map->tile_n, sh->N), map->images_per_pass);
	for (unsigned ma = 0; ma < sh->Mg; ma += map->tile_m)
		pieces_subs(&m, ma, min_u(ma + map->tile_m, sh->Mg), pt);
	for (unsigned ca = 0; ca < sh->Cg;) {
		unsigned cb = accel_channel_tile_end(sh, map->tile_c, ca);

		pieces_channels(&c, ca, cb, qr, ca == 0);
		ca = cb;
	}
	for (unsigned ea = 0; ea < sh->E; ea += map->tile_e)
		pieces_rows(&e, sh, map, ea, min_u(ea + map->tile_e, sh->E), 0);
	for (unsigned fa = 0; fa < sh->F; fa += map->tile_f)
		pieces_cols(&f, sh, map, fa, min_u(fa + map->tile_f, sh->F), 0);
	if (pieces_overflow(&n, &e, &f, &m, &c))
		return -1;
	return pieces_cost(hw, map, &n, &e, &f, &m, &c);
}

/*
 * The cycles of a range's passes, their fill and drain included (each
 * pass adds its filter rows times its channel sets, and its taps):
 * negative if too many kinds of pieces.
 */
static double range_compute(const struct rs_hw_params *hw, const struct accel_mapping *map,
			    const struct accel_shape *sh, const struct pass_range *pr)
{
	unsigned q = map->channels_per_pe, qr = q * map->channel_sets;
	unsigned pt = map->filters_per_pe * map->filter_sets;
	struct pieces n = { 0 }, e = { 0 }, f = { 0 }, m = { 0 }, c = { 0 };
	double rows = 0, rch = 0, sets = 0, csubs = 0, blocks, fill;

	pieces_subs(&n, pr->na, pr->nb, map->images_per_pass);
	pieces_subs(&m, pr->ma, pr->mb, pt);
	pieces_channels(&c, pr->ca, pr->cb, qr, pr->init);
	pieces_rows(&e, sh, map, pr->ea, pr->eb, pr->r0);
	pieces_cols(&f, sh, map, pr->fa, pr->fb, pr->s0);
	if (pieces_overflow(&n, &e, &f, &m, &c))
		return -1;
	for (unsigned r0 = pr->r0; r0 < sh->R; r0 += map->set_rows, rch++)
		rows += min_u(map->set_rows, sh->R - r0);
	for (unsigned c0 = pr->ca; c0 < pr->cb; c0 += qr, csubs++)
		sets += div_up(min_u(qr, pr->cb - c0), q);
	/* Per image sub, row sub and filter sub: every (r, s, c) block's fill. */
	blocks = (double)div_up(pr->nb - pr->na, map->images_per_pass) *
		 div_up(pr->eb - pr->ea, map->set_cols) * div_up(pr->mb - pr->ma, pt);
	fill = blocks * (rows * sets * (double)div_up(sh->S - pr->s0, map->taps_per_pe) +
			 rch * csubs * (double)(sh->S - pr->s0));
	return pieces_cost(hw, map, &n, &e, &f, &m, &c) + fill;
}

/* DRAM traffic of the ifmap tiles and the ofmap. */
struct tensor_traffic {
	double ifmap_bytes, ofmap_bytes;
	uint64_t ifmap_elems;		/* GLB writes of the loads */
	unsigned reloads;		/* of the ifmap, once per filter tile */
};

/*
 * Every (e, f) tile pair loads its rows x columns of every image and
 * channel, so the sums over the pairs are products of the sums per axis.
 */
static void tensor_traffic(const struct accel_mapping *map, const struct accel_layout *lo,
			   const struct accel_tensor *in, const struct accel_tensor *out,
			   const struct accel_map_hints *hints, struct tensor_traffic *t)
{
	const struct accel_shape *sh = &lo->sh;
	double din = hints && hints->ifmap_density > 0 ? hints->ifmap_density : 1;
	double dout = hints && hints->ofmap_density > 0 ? hints->ofmap_density : 1;
	unsigned reloads = map->tile_c >= sh->Cg ? 1 : lo->dm.tiles;
	uint64_t outputs = (uint64_t)sh->N * sh->Mg * sh->E * sh->F;
	uint64_t images = (uint64_t)sh->N * sh->Cg * reloads;
	double planes;

	memset(t, 0, sizeof(*t));
	if (!in->rlc)
		planes = (double)lo->rows.held_sum * lo->cols.held_sum * sh->ib;
	else if (in->seg_rows == sh->H)
		planes = (double)lo->rows.tiles * lo->cols.tiles *
			 accel_rlc_segment_bytes(sh->H * sh->W, din);
	else
		planes = (double)lo->rows.held_sum * lo->cols.tiles *
			 accel_rlc_segment_bytes(sh->W, din);
	t->reloads = reloads;
	t->ifmap_bytes = planes * images;
	t->ifmap_elems = lo->rows.held_sum * lo->cols.held_sum * images;
	if (!out->rlc)
		t->ofmap_bytes = (double)outputs * sh->ob;
	else if (out->seg_rows == sh->E)
		t->ofmap_bytes = (double)sh->N * sh->Mg *
				 accel_rlc_segment_bytes(sh->E * sh->F, dout);
	else
		t->ofmap_bytes = (double)sh->N * sh->Mg * sh->E *
				 accel_rlc_segment_bytes(sh->F, dout);
}

/* max(0, x) */
static double excess(double x)
{
	return x > 0 ? x : 0;
}

/*
 * Step k of a group: the values its ifmap load moves (*loaded) and the
 * outputs of its psum tile (*outputs), either may be NULL.  Steps go
 * images, rows, columns, filters and channels (emit.c).
 */
static void tile_values(const struct accel_mapping *map, const struct accel_layout *lo,
			const struct accel_tensor *in, double k, double *loaded, double *outputs)
{
	const struct accel_shape *sh = &lo->sh;
	uint64_t step = (uint64_t)k, per_m = lo->dc.tiles;
	uint64_t spatial = step / per_m / lo->dm.tiles;
	unsigned mi = (unsigned)(step / per_m % lo->dm.tiles);
	unsigned fi = (unsigned)(spatial % lo->cols.tiles);
	unsigned ei = (unsigned)(spatial / lo->cols.tiles % lo->rows.tiles);
	unsigned ni = (unsigned)(spatial / lo->cols.tiles / lo->rows.tiles);
	unsigned na = ni * map->tile_n, ea = ei * map->tile_e, fa = fi * map->tile_f;
	unsigned ma = mi * map->tile_m;
	unsigned nn = min_u(map->tile_n, sh->N - na), ee = min_u(map->tile_e, sh->E - ea);
	unsigned ff = min_u(map->tile_f, sh->F - fa), mm = min_u(map->tile_m, sh->Mg - ma);
	/* Asked of the first step, and of steps holding every channel. */
	unsigned cc = map->tile_c >= sh->Cg ? sh->Cg : min_u(map->tile_c, min_u(sh->P, sh->Cg));

	if (loaded)
		*loaded = (double)nn * cc *
			  span_len(accel_tile_rows(sh, in, ea, ea + ee)) *
			  span_len(accel_tile_cols(sh, in, fa, fa + ff));
	if (outputs)
		*outputs = (double)nn * mm * ee * ff;
}

/* The layer's tiles and steps, over every group. */
struct tile_counts {
	double spatial;		/* images x rows x columns */
	double psum_tiles;	/* and filters: each stored once */
	double steps;		/* and channels */
	double loads;		/* of ifmap tiles: per spatial tile if resident */
	/*
	 * Of a group's first, second, last but one and last step: the values
	 * their loads move and the outputs of their psum tiles, where
	 * buffered_transfers reads them.
	 */
	double first_loaded, first_outputs, last_outputs;
	double second_loaded, before_last_outputs;	/* when every step loads and stores */
};

/*
 * both_buffers: whether a mapping with both buffers is to be estimated;
 * only its overlap reads the second and last but one steps.
 */
static void tile_counts_get(const struct accel_mapping *map, const struct accel_layout *lo,
			    const struct accel_tensor *in, bool both_buffers, struct tile_counts *tc)
{
	const struct accel_shape *sh = &lo->sh;
	double per_group;

	tc->spatial = (double)lo->sh.G * lo->dn.tiles * lo->rows.tiles * lo->cols.tiles;
	tc->psum_tiles = tc->spatial * lo->dm.tiles;
	tc->steps = tc->psum_tiles * lo->dc.tiles;
	tc->loads = map->tile_c >= lo->sh.Cg ? tc->spatial : tc->steps;
	per_group = tc->steps / sh->G;
	/* The first tiles of every dimension, and the last (remainders). */
	tc->first_loaded = (double)min_u(map->tile_n, sh->N) *
			   (map->tile_c >= sh->Cg ? sh->Cg :
			    min_u(map->tile_c, min_u(sh->P, sh->Cg))) *
			   lo->rows.held_first * lo->cols.held_first;
	tc->first_outputs = (double)min_u(map->tile_n, sh->N) * min_u(map->tile_m, sh->Mg) *
			    min_u(map->tile_e, sh->E) * min_u(map->tile_f, sh->F);
	tc->last_outputs = (double)(sh->N - (lo->dn.tiles - 1) * map->tile_n) *
			   (sh->Mg - (lo->dm.tiles - 1) * map->tile_m) *
			   (sh->E - (lo->rows.tiles - 1) * map->tile_e) *
			   (sh->F - (lo->cols.tiles - 1) * map->tile_f);
	if (both_buffers && tc->loads == tc->steps && tc->psum_tiles == tc->steps) {
		/* Step 0's are the first tiles' above (a whole layer's, in stage 1). */
		if (per_group > 1)
			tile_values(map, lo, in, 1, &tc->second_loaded, NULL);
		else
			tc->second_loaded = tc->first_loaded;
		if (per_group > 2)
			tile_values(map, lo, in, per_group - 2, NULL, &tc->before_last_outputs);
		else
			tc->before_last_outputs = tc->first_outputs;
	}
}

/* What the walk over a layer's steps reads besides the layout. */
struct walk_inputs {
	const struct accel_tensor *in, *out;
	const struct accel_map_hints *hints;
	bool bias;
	bool one_block;
};

/* What of the double-buffered transfers the passes cannot hide. */
struct buffered {
	double first, last;	/* the first load and the last store */
	double exposed;		/* the rest, past the compute beside them */
};

/*
 * Phase k runs step k's passes with the prefetch of step k + 1's ifmap
 * tile and the store of the psum tile step k - 1 finished, across the
 * groups too; a transfer takes the link after the filter loads of the
 * passes before it, so it overlaps only `window` of the phase's compute.
 * Steps are alike on average, so the phases fall into classes by the
 * transfers they carry.  All figures are the layer's.
 */
static void buffered_transfers(const struct accel_mapping *map, const struct accel_layout *lo,
			       const struct tile_counts *tc, const struct tensor_traffic *t,
			       double load, double store, double compute, double window,
			       struct buffered *b)
{
	const struct accel_shape *sh = &lo->sh;
	bool resident = map->tile_c >= sh->Cg;
	double spatial = tc->spatial, psum_tiles = tc->psum_tiles, steps = tc->steps;
	double loads = tc->loads;
	double l, s, w, load_elems, store_elems;

	if (!map->double_ifmap && !map->double_psum) {
		memset(b, 0, sizeof(*b));
		return;
	}
	/*
	 * The first load and the last store are the first and last tiles',
	 * which remainders and edges make unlike the average: scaled by
	 * their values against the average's (half a cycle of rounding each).
	 */
	load_elems = (double)t->ifmap_elems * sh->G / loads;
	store_elems = (double)sh->N * sh->Mg * sh->E * sh->F * sh->G / psum_tiles;
	b->first = (load / loads - 0.5) * tc->first_loaded / load_elems + 0.5;
	b->last = (store / psum_tiles - 0.5) * tc->last_outputs / store_elems + 0.5;
	/* The other transfers share the rest. */
	l = loads > 1 ? (load - b->first) / (loads - 1) : 0;
	s = psum_tiles > 1 ? (store - b->last) / (psum_tiles - 1) : 0;
	w = window * compute / steps;
	if (!map->double_ifmap)
		b->first = 0;
	if (!map->double_psum)
		b->last = 0;
	if (map->double_ifmap && map->double_psum && loads == steps && psum_tiles == steps) {
		/*
		 * Every step loads and stores (its spatial tile, every filter and
		 * channel): the first phase only prefetches the second tile, behind
		 * the first tile's window, and the last only stores the tile before,
		 * behind the last one's; windows go as the tiles' outputs.
		 */
		double second, before_last;

		if (steps < 2) {
			b->exposed = 0;
			return;
		}
		second = (load / loads - 0.5) * tc->second_loaded / load_elems + 0.5;
		before_last = (store / psum_tiles - 0.5) * tc->before_last_outputs / store_elems +
			      0.5;
		if (steps > 2) {
			l = (load - b->first - second) / (loads - 2);
			s = (store - b->last - before_last) / (psum_tiles - 2);
		}
		b->exposed = (steps - 2) * excess(l + s - w) +
			     excess(second - w * tc->first_outputs / store_elems) +
			     excess(before_last - w * tc->last_outputs / store_elems);
	} else if (map->double_ifmap && map->double_psum) {
		b->exposed = resident ?
			(spatial - 1) * excess(l + s - w) + (steps - spatial) * excess(s - w) :
			(psum_tiles - 1) * excess(l + s - w) + (steps - psum_tiles) * excess(l - w);
	} else if (map->double_ifmap) {
		b->exposed = (loads - 1) * excess(l - w);
	} else {
		b->exposed = (psum_tiles - 1) * excess(s - w);
	}
}

/* A step's part in its phase and its neighbours': transfers and window, in cycles. */
struct step_cost {
	double load;		/* of its ifmap tile, if it loads one */
	double store;		/* of its psum tile, if it completes one */
	double window;		/* its compute after its last use of the link */
};

/* The link's cycles for bytes: whole cycles, or half a cycle more on average. */
static double link_cycles(const struct rs_hw_params *hw, double bytes, bool exact)
{
	if (exact)
		return (double)(((uint64_t)bytes * 1000 + hw->dram_bw - 1) / hw->dram_bw);
	return bytes * 1000.0 / hw->dram_bw + 0.5;
}

/* Walks no more spatial tiles a group, or steps a tile: past them, steps are averaged. */
#define WALK_TILES_MAX 4096
#define WALK_INNER_MAX 512
/* Kinds of tiles per dimension, and of steps within a tile, a walk tells apart. */
#define WALK_KINDS 8
#define WALK_WINDOWS 16

/* A kind of spatial tile: its steps' phases within it, and its end steps. */
struct tile_class {
	double inner;			/* the phases of all but its first and last step */
	struct step_cost head[2];	/* its first two steps (one if it has one) */
	struct step_cost tail[2];	/* its last two steps */
};

/*
 * The kinds of tiles of one dimension: tiles alike in size, and in where
 * they reach into the padding or past the image (elsewhere a tile's
 * in-image rows and columns are its size's), are alike in their steps.
 */
struct dim_kinds {
	unsigned count;
	unsigned size[WALK_KINDS], at[WALK_KINDS];	/* at: UINT_MAX inside */
};

/* One walk's constants and the kinds of tiles it has walked. */
struct walk {
	const struct rs_hw_params *hw;
	const struct accel_mapping *map;
	const struct accel_layout *lo;
	const struct walk_inputs *wi;
	double in_segment, out_segment;	/* expected RLC bytes of a segment */
	unsigned inner_count;		/* steps per spatial tile */
	struct dim_kinds e, f;
	/* By kind of images, rows and columns: walked (1) or not (0). */
	unsigned char walked[2][WALK_KINDS][WALK_KINDS];
	struct tile_class classes[2][WALK_KINDS][WALK_KINDS];
};

/* The constants of a walk over map's steps. */
static void walk_init(struct walk *w, const struct rs_hw_params *hw,
		      const struct accel_mapping *map, const struct accel_layout *lo,
		      const struct walk_inputs *wi)
{
	const struct accel_shape *sh = &lo->sh;
	double din = wi->hints && wi->hints->ifmap_density > 0 ? wi->hints->ifmap_density : 1;
	double dout = wi->hints && wi->hints->ofmap_density > 0 ? wi->hints->ofmap_density : 1;

	w->hw = hw;
	w->map = map;
	w->lo = lo;
	w->wi = wi;
	w->in_segment = !wi->in->rlc ? 0 :
			accel_rlc_segment_bytes(wi->in->seg_rows == sh->H ? sh->H * sh->W : sh->W,
						din);
	w->out_segment = !wi->out->rlc ? 0 :
			 accel_rlc_segment_bytes(wi->out->seg_rows == sh->E ? sh->E * sh->F :
						 sh->F, dout);
}

/* The load of step st's ifmap tile: every channel when they stay resident. */
static double step_load(const struct walk *w, const struct pass_range *st)
{
	const struct accel_shape *sh = &w->lo->sh;
	const struct accel_tensor *in = w->wi->in;
	unsigned cn = w->map->tile_c >= sh->Cg ? sh->Cg : st->cb - st->ca;
	double images = (double)(st->nb - st->na) * cn;
	unsigned rows = span_len(accel_tile_rows(sh, in, st->ea, st->eb));

	if (!in->rlc)
		return link_cycles(w->hw, images * rows *
				   span_len(accel_tile_cols(sh, in, st->fa, st->fb)) * sh->ib, true);
	if (in->seg_rows == sh->H)
		return link_cycles(w->hw, images * w->in_segment, false);
	return link_cycles(w->hw, images * rows * w->in_segment, false);
}

static double step_store(const struct walk *w, const struct pass_range *st)
{
	const struct accel_shape *sh = &w->lo->sh;
	const struct accel_tensor *out = w->wi->out;
	double planes = (double)(st->nb - st->na) * (st->mb - st->ma);

	if (!out->rlc)
		return link_cycles(w->hw, planes * (st->eb - st->ea) * (st->fb - st->fa) * sh->ob,
				   true);
	if (out->seg_rows == sh->E)
		return link_cycles(w->hw, planes * w->out_segment, false);
	return link_cycles(w->hw, planes * (st->eb - st->ea) * w->out_segment, false);
}

/* The start of the last sub of `sub` values in [a, b). */
static unsigned last_sub(unsigned a, unsigned b, unsigned sub)
{
	return a + (b - a - 1) / sub * sub;
}

/*
 * A step's compute after its last use of the link, which the transfers
 * of its phase overlap (see buffered_transfers).  The passes run filter-row
 * chunk, filter-column chunk and channel sub, then filters, rows and
 * images (emit.c); each block's first pass loads its filters, and every
 * pass that starts a psum tile loads its biases.  So the window is the
 * last block's passes; the last pass alone when the block starting the
 * psum tile is the last and has biases; the whole step when one filter
 * block stays in the spads and no bias comes.  Negative if the passes
 * fall into too many classes.
 */
static double step_window(const struct walk *w, const struct pass_range *st)
{
	const struct accel_mapping *map = w->map;
	const struct accel_layout *lo = w->lo;
	unsigned qr = map->channels_per_pe * map->channel_sets;
	unsigned pt = map->filters_per_pe * map->filter_sets;
	struct pass_range last = *st;
	bool one_chunk = lo->rch == 1 && lo->sch == 1;

	if (w->wi->one_block && !w->wi->bias)
		return range_compute(w->hw, map, &lo->sh, st);
	last.r0 = (lo->rch - 1) * map->set_rows;
	last.s0 = (lo->sch - 1) * map->taps_per_pe;
	last.ca = last_sub(st->ca, st->cb, qr);
	last.ma = last_sub(st->ma, st->mb, pt);
	last.init = st->init && one_chunk && last.ca == st->ca;
	if (last.init && w->wi->bias) {
		last.na = last_sub(st->na, st->nb, map->images_per_pass);
		last.ea = last_sub(st->ea, st->eb, map->set_cols);
	}
	return range_compute(w->hw, map, &lo->sh, &last);
}

/* Phase `cur`'s exposed transfers: the prefetch of next's tile, the store of prev's. */
static double phase_excess(const struct accel_mapping *map, const struct step_cost *prev,
			   const struct step_cost *cur, const struct step_cost *next)
{
	double load = map->double_ifmap && next ? next->load : 0;
	double store = map->double_psum && prev ? prev->store : 0;

	return excess(load + store - cur->window);
}

/* Does a tile of outputs [a, b) read padding or past the image's end? */
static bool at_edge(unsigned a, unsigned b, unsigned stride, unsigned pad, unsigned kernel,
		    unsigned limit)
{
	return (long)a * stride < (long)pad || (long)(b - 1) * stride + kernel > (long)limit + pad;
}

/* The kind of a tile [a, b) of outputs; -1 past WALK_KINDS kinds. */
static int dim_kind(struct dim_kinds *d, unsigned a, unsigned b, unsigned stride, unsigned pad,
		    unsigned kernel, unsigned limit)
{
	unsigned at = at_edge(a, b, stride, pad, kernel, limit) ? a : UINT_MAX;

	for (unsigned i = 0; i < d->count; i++)
		if (d->size[i] == b - a && d->at[i] == at)
			return (int)i;
	if (d->count == WALK_KINDS)
		return -1;
	d->size[d->count] = b - a;
	d->at[d->count] = at;
	return (int)d->count++;
}

/*
 * Walks the steps of spatial tile st (its filters and channels aside)
 * into tc; false if the passes have too many kinds.
 */
static bool tile_walk(struct walk *w, const struct pass_range *st, struct tile_class *tc)
{
	const struct accel_mapping *map = w->map;
	const struct accel_shape *sh = &w->lo->sh;
	bool resident = map->tile_c >= sh->Cg;
	struct {
		unsigned m, c, init;
		double window;
	} seen[WALK_WINDOWS];
	unsigned seen_count = 0, j = 0;
	struct step_cost before = { 0 }, prev = { 0 };
	struct pass_range r = *st;

	memset(tc, 0, sizeof(*tc));
	for (r.ma = 0; r.ma < sh->Mg; r.ma += map->tile_m) {
		r.mb = min_u(r.ma + map->tile_m, sh->Mg);
		for (r.ca = 0; r.ca < sh->Cg; r.ca = r.cb, j++) {
			struct step_cost cur;
			unsigned i;

			r.cb = accel_channel_tile_end(sh, map->tile_c, r.ca);
			r.init = r.ca == 0;
			/* Windows differ by the step's filters and channels alone. */
			for (i = 0; i < seen_count; i++)
				if (seen[i].m == r.mb - r.ma && seen[i].c == r.cb - r.ca &&
				    seen[i].init == r.init)
					break;
			if (i == seen_count) {
				if (i == WALK_WINDOWS)
					return false;
				seen[i].m = r.mb - r.ma;
				seen[i].c = r.cb - r.ca;
				seen[i].init = r.init;
				seen[i].window = step_window(w, &r);
				if (seen[i].window < 0)
					return false;
				seen_count++;
			}
			cur.window = seen[i].window;
			cur.load = !resident || r.ma == 0 ? step_load(w, &r) : 0;
			cur.store = r.cb == sh->Cg ? step_store(w, &r) : 0;
			if (j < 2)
				tc->head[j] = cur;
			if (j + 2 >= w->inner_count)
				tc->tail[j + 2 - w->inner_count] = cur;
			/* Step j - 1's phase, when it has neighbours in the tile. */
			if (j >= 2)
				tc->inner += phase_excess(map, &before, &prev, &cur);
			before = prev;
			prev = cur;
		}
	}
	return true;
}

/*
 * The kind of spatial tile st, of kinds n (images), e (rows) and f
 * (columns), walked the first time it is met; NULL if it cannot be.
 */
static const struct tile_class *tile_class(struct walk *w, const struct pass_range *st,
					   unsigned n, unsigned e, unsigned f)
{
	if (!w->walked[n][e][f]) {
		if (!tile_walk(w, st, &w->classes[n][e][f]))
			return NULL;
		w->walked[n][e][f] = 1;
	}
	return &w->classes[n][e][f];
}

/* The phases of spatial tile t's first and last steps, between tiles p and n. */
static double tile_ends(const struct walk *w, const struct tile_class *p,
			const struct tile_class *t, const struct tile_class *n)
{
	const struct accel_mapping *map = w->map;
	const struct step_cost *p_last = p ? &p->tail[1] : NULL;
	const struct step_cost *n_first = n ? &n->head[0] : NULL;

	if (w->inner_count == 1)
		return phase_excess(map, p_last, &t->head[0], n_first);
	return phase_excess(map, p_last, &t->head[0], &t->head[1]) +
	       phase_excess(map, &t->tail[0], &t->tail[1], n_first);
}

/*
 * buffered_transfers step by step, in emit.c's order: tiles that differ
 * (the remainders of every dimension, the tiles at the image's edges)
 * pair a phase's window with its neighbours' transfers, which the
 * average misses, as max(0, x) is convex.  A spatial tile runs the same
 * filter and channel tiles as every other, so the phases within one
 * depend on its kind alone, and the walk goes tile by tile.  Every group
 * runs the same tiles: one group is walked, its last phase prefetching
 * its first tile again and its first storing its last tile's psums; the
 * layer's first and last phases are then corrected.  Returns false when
 * the walk is too long or has too many kinds to tell apart.
 */
static bool walk_transfers(const struct rs_hw_params *hw, const struct accel_mapping *map,
			   const struct accel_layout *lo, const struct walk_inputs *wi,
			   struct buffered *b)
{
	const struct accel_shape *sh = &lo->sh;
	double tiles = (double)lo->dn.tiles * lo->rows.tiles * lo->cols.tiles;
	double inner = (double)lo->dm.tiles * lo->dc.tiles;
	const struct tile_class *first = NULL, *second = NULL, *before = NULL, *prev = NULL;
	unsigned count = 0;
	struct walk w;
	double sum = 0;

	if (tiles > WALK_TILES_MAX || inner > WALK_INNER_MAX)
		return false;
	walk_init(&w, hw, map, lo, wi);
	w.inner_count = (unsigned)inner;
	w.e.count = w.f.count = 0;
	memset(w.walked, 0, sizeof(w.walked));
	/* The group's spatial tiles in order; tile t - 1's phases once t is known. */
	for (unsigned na = 0; na < sh->N; na += map->tile_n)
		for (unsigned ea = 0; ea < sh->E; ea += map->tile_e)
			for (unsigned fa = 0; fa < sh->F; fa += map->tile_f) {
				struct pass_range st = {
					.na = na, .nb = min_u(na + map->tile_n, sh->N),
					.ea = ea, .eb = min_u(ea + map->tile_e, sh->E),
					.fa = fa, .fb = min_u(fa + map->tile_f, sh->F),
				};
				int e = dim_kind(&w.e, ea, st.eb, sh->Uh, sh->pt, sh->R, sh->H);
				int f = dim_kind(&w.f, fa, st.fb, sh->Uw, sh->pl, sh->S, sh->W);
				const struct tile_class *cur;

				if (e < 0 || f < 0)
					return false;
				cur = tile_class(&w, &st, st.nb - na < map->tile_n, (unsigned)e,
						 (unsigned)f);
				if (!cur)
					return false;
				if (count >= 2)
					sum += prev->inner + tile_ends(&w, before, prev, cur);
				if (!count)
					first = cur;
				else if (count == 1)
					second = cur;
				before = prev;
				prev = cur;
				count++;
			}
	b->first = map->double_ifmap ? first->head[0].load : 0;
	b->last = map->double_psum ? prev->tail[1].store : 0;
	if (count == 1 && w.inner_count == 1) {
		/* One step a group: the phases differ only at the layer's ends. */
		const struct step_cost *one = &first->head[0];

		b->exposed = sh->G < 2 ? 0 :
			     (sh->G - 2) * phase_excess(map, one, one, one) +
			     phase_excess(map, NULL, one, one) + phase_excess(map, one, one, NULL);
		return true;
	}
	if (count == 1) {
		sum = first->inner + tile_ends(&w, first, first, first);
		b->exposed = sh->G * sum - tile_ends(&w, first, first, first) +
			     tile_ends(&w, NULL, first, NULL);
		return true;
	}
	/* The group's last and first tiles, its ends wrapped around. */
	sum += prev->inner + tile_ends(&w, before, prev, first) +
	       first->inner + tile_ends(&w, prev, first, second);
	/* The layer's first phase stores nothing, and its last prefetches nothing. */
	b->exposed = sh->G * sum -
		     tile_ends(&w, prev, first, second) + tile_ends(&w, NULL, first, second) -
		     tile_ends(&w, before, prev, first) + tile_ends(&w, before, prev, NULL);
	return true;
}

/* The cycles no buffering choice hides: the array's and the link's. */
struct busy {
	double array;		/* compute, stalled by the filter loads */
	double link;		/* every transfer */
};

/* A layer's parts before any overlap, in cycles. */
struct layer_times {
	double compute;		/* the passes, their fill included */
	double filters;		/* filter and bias loads, which stall the array */
	double load, store;	/* of the ifmap tiles and the psum tiles */
};

static void layer_times_get(const struct rs_hw_params *hw, const struct accel_layout *lo,
			    const struct tile_counts *tc, const struct array_counts *a,
			    const struct tensor_traffic *t, double passes_time,
			    struct layer_times *lt, struct busy *busy)
{
	double G = lo->sh.G, per_kc = 1000.0 / hw->dram_bw;
	uint64_t glb_array = a->psum_wr + a->psum_rd + a->glb_ifmap;
	/* floor(glb_array / glb_bw), exact in doubles below 2^53 */
	uint64_t glb_cycles = (uint64_t)((double)glb_array / hw->glb_bw);
	/* The passes' MACs against their GLB accesses: class by class, or in total. */
	double longer = passes_time >= 0 ? passes_time :
			(double)(a->mac_cycles > glb_cycles ? a->mac_cycles : glb_cycles);

	lt->compute = G * (longer + a->fill);
	/* Every transfer takes whole cycles: half a cycle more each, on average. */
	lt->filters = G * (a->filter_bytes * per_kc + 0.5 * a->filter_transfers);
	lt->load = G * t->ifmap_bytes * per_kc + 0.5 * tc->loads;
	lt->store = G * t->ofmap_bytes * per_kc + 0.5 * tc->psum_tiles;
	/*
	 * A bound takes every transfer at its bytes' cycles, which a walk's
	 * whole cycles never go below (it rounds each up, where the averages
	 * add half a cycle); nor does the layer take less than the link.
	 */
	busy->array = lt->compute + lt->filters;
	busy->link = lt->filters + lt->load + lt->store - 0.5 * (tc->loads + tc->psum_tiles);
}

/*
 * The layer's cycles: the array, stalled by its filter loads, against the
 * link.
 */
static double layer_cycles(const struct rs_hw_params *hw, const struct accel_mapping *map,
			   const struct accel_layout *lo, const struct tile_counts *tc,
			   const struct array_counts *a, const struct tensor_traffic *t,
			   const struct walk_inputs *wi, bool walk, double passes_time,
			   struct busy *busy)
{
	struct layer_times lt;
	struct buffered b;
	double serial, total;

	layer_times_get(hw, lo, tc, a, t, passes_time, &lt, busy);
	serial = (map->double_ifmap ? 0 : lt.load) + (map->double_psum ? 0 : lt.store);
	/* Transfers follow the last filter block's load: its passes hide them. */
	if (!walk || (!map->double_ifmap && !map->double_psum) ||
	    !walk_transfers(hw, map, lo, wi, &b))
		buffered_transfers(map, lo, tc, t, lt.load, lt.store, lt.compute, a->window, &b);
	/* Without double buffers, max(a, f) + l + s >= max(a, f + l + s). */
	total = busy->array + serial + b.first + b.last + b.exposed;
	return total > busy->link ? total : busy->link;
}

/*
 * The firmware's decode cycles (docs/hardware.md section 8): the command
 * processor decodes the stream in order and never waits, and no command
 * starts before its decode ends.  So the execution starts after the first
 * LAYER, MAPPING and load are decoded (*head), and the layer ends no
 * sooner than the whole stream's decode (the return value), counting the
 * commands accel_emit_conv writes and the caller's END.
 */
static double decode_cycles(const struct rs_hw_params *hw, const struct accel_mapping *map,
			    const struct accel_layout *lo, const struct tile_counts *tc,
			    uint64_t passes, double *head)
{
	const uint32_t *d = hw->decode_cycles;
	const struct accel_shape *sh = &lo->sh;
	double stores = tc->psum_tiles, steps = tc->steps, loads = tc->loads;
	double layers, barriers;

	/* A device without decode costs (the default's) paces nothing. */
	*head = 0;
	if (!(d[ROWSTAT_OP_END] | d[ROWSTAT_OP_LAYER] | d[ROWSTAT_OP_MAPPING] | d[ROWSTAT_OP_DMA] |
	      d[ROWSTAT_OP_PASS] | d[ROWSTAT_OP_BARRIER]))
		return 0;
	/* A split layer changes part at every channel part of every psum tile. */
	layers = sh->parts > 1 ? stores * sh->parts : 1;
	barriers = 1 + steps + (map->double_psum ? 1 : stores) + (map->double_ifmap ? 0 : loads - 1);
	*head = (double)d[ROWSTAT_OP_LAYER] + d[ROWSTAT_OP_MAPPING] + d[ROWSTAT_OP_DMA];
	return layers * (d[ROWSTAT_OP_LAYER] + d[ROWSTAT_OP_MAPPING]) +
	       (loads + stores) * d[ROWSTAT_OP_DMA] + (double)passes * d[ROWSTAT_OP_PASS] +
	       barriers * d[ROWSTAT_OP_BARRIER] + d[ROWSTAT_OP_END];
}

/* Replays no more steps than this: past them, decode is far from pacing the layer. */
#define REPLAY_STEPS_MAX 4096

/*
 * The device's clocks as a replay of the stream keeps them (docs/hardware.md
 * section 8): when the last barrier released, the array and the link are
 * free, and the decoder's progress.  Without decode costs (d NULL), the
 * same replay gives the execution alone.
 */
struct replay {
	const uint32_t *d;
	double sync, array, link, decoded;
	bool unclassed;		/* a step's passes were too varied to price */
};

static double later(double a, double b)
{
	return a > b ? a : b;
}

static void replay_decode(struct replay *r, unsigned opcode, double count)
{
	if (r->d)
		r->decoded += count * r->d[opcode];
}

static void replay_dma(struct replay *r, double cycles)
{
	replay_decode(r, ROWSTAT_OP_DMA, 1);
	r->link = later(later(r->sync, r->link), r->decoded) + cycles;
}

static void replay_barrier(struct replay *r)
{
	replay_decode(r, ROWSTAT_OP_BARRIER, 1);
	r->sync = later(later(r->array, r->link), r->decoded);
}

/*
 * A step's passes, alike: each starts once decoded, so the run ends no
 * sooner than the last one's decode and its share of the time.  Their
 * filter loads hold the link until `window` before the end.
 */
static void replay_passes(struct replay *r, double passes, double time, double window)
{
	double first = r->decoded + (r->d ? r->d[ROWSTAT_OP_PASS] : 0);
	double end = later(later(r->sync, r->array), first) + time;

	replay_decode(r, ROWSTAT_OP_PASS, passes);
	r->array = later(end, r->decoded + time / passes);
	r->link = later(r->link, r->array - window);
}

/* The layer's steps in the emitter's order (emit.c's plan_steps), group by group. */
struct replay_step {
	struct pass_range st;
	unsigned g, part;
	bool started, load, last_c;
};

static bool replay_step_next(const struct walk *w, struct replay_step *rs)
{
	const struct accel_mapping *map = w->map;
	const struct accel_shape *sh = &w->lo->sh;
	struct pass_range *st = &rs->st;

	if (!rs->started) {
		memset(rs, 0, sizeof(*rs));
		rs->started = true;
	} else if ((st->ca = st->cb) < sh->Cg) {
		/* the next channel tile */
	} else if ((st->ca = 0, st->ma += map->tile_m) < sh->Mg) {
		/* the next filter tile */
	} else if ((st->ma = 0, st->fa += map->tile_f) < sh->F) {
		/* the next column tile */
	} else if ((st->fa = 0, st->ea += map->tile_e) < sh->E) {
		/* the next row tile */
	} else if ((st->ea = 0, st->na += map->tile_n) < sh->N) {
		/* the next image tile */
	} else if (++rs->g < sh->G) {
		st->na = 0;
	} else {
		return false;
	}
	rs->part = st->ca / sh->P;
	st->nb = min_u(st->na + map->tile_n, sh->N);
	st->eb = min_u(st->ea + map->tile_e, sh->E);
	st->fb = min_u(st->fa + map->tile_f, sh->F);
	st->mb = min_u(st->ma + map->tile_m, sh->Mg);
	st->cb = accel_channel_tile_end(sh, map->tile_c, st->ca);
	st->init = st->ca == 0;
	rs->load = map->tile_c < sh->Cg || st->ma == 0;
	rs->last_c = st->cb == sh->Cg;
	return true;
}

/*
 * A step's passes and their array time: their compute, and the loads of
 * their filter blocks and biases, at the bytes' cycles and half a cycle
 * more each (filters stay in the spads when a group has one block); and
 * its window (step_window), or the layer's share when the step's passes
 * are too varied to class.
 */
static bool replay_step_time(const struct walk *w, const struct replay_step *rs,
			     double window_share, double *passes, double *time, double *window)
{
	const struct accel_mapping *map = w->map;
	const struct accel_layout *lo = w->lo;
	const struct accel_shape *sh = &lo->sh;
	const struct pass_range *st = &rs->st;
	double per_kc = 1000.0 / w->hw->dram_bw;
	double runs = (double)div_up(st->nb - st->na, map->images_per_pass) *
		      div_up(st->eb - st->ea, map->set_cols);
	double msubs = div_up(st->mb - st->ma, map->filters_per_pe * map->filter_sets);
	double blocks = (double)lo->rch * lo->sch * msubs *
			div_up(st->cb - st->ca, map->channels_per_pe * map->channel_sets);
	double compute = range_compute(w->hw, map, sh, st);
	bool group_first = !(st->na | st->ea | st->fa | st->ma | st->ca);
	double links = 0;

	if (compute < 0)
		return false;
	if (!w->wi->one_block || group_first)
		links += (double)(st->mb - st->ma) * (st->cb - st->ca) * sh->R * sh->S * sh->wb *
			 per_kc + 0.5 * (w->wi->one_block ? 1 : blocks);
	if (w->wi->bias && st->init)
		links += runs * (st->mb - st->ma) * 4 * per_kc + 0.5 * runs * msubs;
	*passes = runs * blocks;
	*time = compute + links;
	*window = step_window(w, st);
	if (*window < 0)
		*window = compute * window_share;
	return true;
}

static void replay_step(struct replay *r, const struct walk *w, double window_share,
			const struct replay_step *cur, const struct replay_step *next,
			double *pending, unsigned *part)
{
	const struct accel_mapping *map = w->map;
	const struct pass_range *st = &cur->st;
	double passes, time, window;
	double load_next = next && next->load ? step_load(w, &next->st) : 0;
	double store = cur->last_c ? step_store(w, st) : 0;

	if (cur->part != *part) {
		replay_decode(r, ROWSTAT_OP_LAYER, 1);
		replay_decode(r, ROWSTAT_OP_MAPPING, 1);
		*part = cur->part;
	}
	if (replay_step_time(w, cur, window_share, &passes, &time, &window))
		replay_passes(r, passes, time, window);
	else
		r->unclassed = true;
	if (map->double_ifmap && next && next->load)
		replay_dma(r, load_next);
	if (*pending >= 0) {
		replay_dma(r, *pending);
		*pending = -1;
	}
	replay_barrier(r);
	if (cur->last_c && map->double_psum) {
		*pending = store;
	} else if (cur->last_c) {
		replay_dma(r, store);
		replay_barrier(r);
	}
	if (!map->double_ifmap && next && next->load) {
		replay_dma(r, load_next);
		replay_barrier(r);
	}
}

/*
 * The layer's cycles, replaying its stream (emit.c's emit_schedule) on
 * the device's clocks step by step, with decode costs d or none; negative
 * if a step could not be priced.
 */
static double replay_layer(const struct walk *w, double window_share, const uint32_t *d)
{
	struct replay r = { .d = d };
	struct replay_step cur = { 0 }, next;
	double pending = -1;
	unsigned part = 0;
	bool more;

	replay_decode(&r, ROWSTAT_OP_LAYER, 1);
	replay_decode(&r, ROWSTAT_OP_MAPPING, 1);
	if (!replay_step_next(w, &cur))
		return 0;
	if (cur.load) {
		replay_dma(&r, step_load(w, &cur.st));
		replay_barrier(&r);
	}
	do {
		next = cur;
		more = replay_step_next(w, &next);
		replay_step(&r, w, window_share, &cur, more ? &next : NULL, &pending, &part);
		cur = next;
	} while (more);
	if (pending >= 0) {
		replay_dma(&r, pending);
		replay_barrier(&r);
	}
	replay_decode(&r, ROWSTAT_OP_END, 1);
	if (r.unclassed)
		return -1;
	return later(r.sync, later(later(r.array, r.link), r.decoded));
}

/*
 * A layer whose decode is near its execution: a phase of tiny passes
 * waits for their decode, and its transfers for theirs after the passes',
 * though the whole stream's decode is within the execution.  The replay
 * with decode costs (*with) and without; false past REPLAY_STEPS_MAX.
 */
static bool decode_replay(const struct rs_hw_params *hw, const struct accel_mapping *map,
			  const struct accel_layout *lo, const struct walk_inputs *wi,
			  double steps, double window_share, double *with, double *without)
{
	struct walk w;

	if (steps > REPLAY_STEPS_MAX)
		return false;
	walk_init(&w, hw, map, lo, wi);
	*with = replay_layer(&w, window_share, hw->decode_cycles);
	*without = replay_layer(&w, window_share, NULL);
	return *with >= 0 && *without >= 0;
}

/*
 * The MACs expected not to be gated: a MAC reading padding always is, one
 * reading the image when its value is zero (density: the hint's, or 1).
 * Gated MACs spend no MAC energy and no filter or psum RF accesses.
 */
static uint64_t ungated_macs(const struct accel_shape *sh, const struct accel_map_hints *hints)
{
	double density = hints && hints->ifmap_density > 0 && hints->ifmap_density < 1 ?
			 hints->ifmap_density : 1;

	return (uint64_t)((double)sh->real_macs * density + 0.5);
}

/* What the GLB adds to a bound's link traffic, per group. */
struct glb_floor {
	double bytes;		/* filters and ifmaps */
	double filter_bytes;	/* filters alone, at their least */
};

/*
 * A tiling that fits the GLB has S spatial tiles and T filter tiles whose
 * S * T psum tiles, each within the GLB, hold every output: S * T >= K.
 * Filters load once per spatial tile (unless one block stays in the
 * spads); the ifmap once per filter tile, or once if each tile holds every
 * channel, and then the S tiles hold all the image read: S >= I.  The
 * least of S * Fb + T * Ib over the reals, with S and T no smaller than
 * lo's (its tiles of the dimensions already chosen) and T <= Mg, bounds
 * every tiling, as does the least of S * Fb alone.  Biases are left out.
 */
static void glb_floor_get(const struct rs_hw_params *hw, const struct accel_mapping *map,
			  const struct accel_layout *lo, const struct array_counts *a,
			  const struct tensor_traffic *t, struct glb_floor *fl)
{
	const struct accel_shape *sh = &lo->sh;
	double glb = hw->glb_bytes, mg = sh->Mg;
	double fb = (double)sh->Mg * sh->Cg * sh->R * sh->S * sh->wb;
	double ib = t->ifmap_bytes / t->reloads;
	double s0 = (double)lo->dn.tiles * lo->rows.tiles * lo->cols.tiles, t0 = lo->dm.tiles;
	double k = (double)sh->N * sh->Mg * sh->E * sh->F * 4 / glb;
	double image = (double)sh->N * sh->Cg * sh->ib * lo->rows.held_sum * lo->cols.held_sum /
		       glb;
	bool resident = map->tile_c >= sh->Cg;
	double base = s0 * fb + (resident ? 1 : t0) * ib;
	double sa, sb, best, least_filters;

	memset(fl, 0, sizeof(*fl));
	if (a->one_block)
		return;
	/* Any channel tile: T = K / S, the convex sum least at sqrt(K Ib / Fb). */
	sa = s0 > k / mg ? s0 : k / mg;
	if (s0 * t0 >= k) {
		best = s0 * fb + t0 * ib;
	} else {
		sb = sqrt(k * ib / fb);
		sb = sb < sa ? sa : sb > k / t0 ? k / t0 : sb;
		best = sb * fb + k / sb * ib;
	}
	least_filters = sa * fb;
	/* Every channel in each tile (not where the channel tile is chosen smaller). */
	if (resident) {
		double sr = sa > image ? sa : image;

		if (sr * fb + ib < best)
			best = sr * fb + ib;
	}
	fl->bytes = best > base ? best - base : 0;
	fl->filter_bytes = least_filters - s0 * fb;
}

/* What a bound needs besides the estimate. */
struct bound_terms {
	double busy_cycles;	/* no buffering hides them */
	uint64_t filter_energy;	/* filter RF and NoC accesses some tiling saves */
};

/* What a mapping costs that its buffering choice does not change. */
struct layout_counts {
	struct tile_counts tc;
	struct array_counts a;
	struct tensor_traffic t;
	uint64_t glb_total, dram;
	uint64_t energy;	/* all but the DRAM's */
	struct walk_inputs wi;
};

static void layout_counts_get(const struct rs_hw_params *hw, const struct accel_conv *cv,
			      const struct accel_mapping *map, const struct accel_layout *lo,
			      const struct accel_tensor *in, const struct accel_tensor *out,
			      const struct accel_map_hints *hints, bool overlap, bool both_buffers,
			      struct layout_counts *lc)
{
	const struct array_counts *a = &lc->a;
	uint64_t ungated;

	tile_counts_get(map, lo, in, both_buffers, &lc->tc);
	array_counts(cv, map, lo, overlap, &lc->a);
	lc->wi = (struct walk_inputs){ .in = in, .out = out, .hints = hints, .bias = cv->bias,
				       .one_block = lc->a.one_block };
	tensor_traffic(map, lo, in, out, hints, &lc->t);
	lc->glb_total = a->psum_wr + a->psum_rd + a->glb_ifmap + lc->t.ifmap_elems + a->outputs;
	lc->dram = (uint64_t)(lc->t.ifmap_bytes + lc->t.ofmap_bytes) + a->filter_bytes;
	ungated = ungated_macs(&lo->sh, hints);
	if (lo->sh.G > 1)
		ungated /= lo->sh.G;
	lc->energy = rs_hw_level_energy(ROWSTAT_LEVEL_MAC, ungated, hw->energy) +
		     rs_hw_level_energy(ROWSTAT_LEVEL_RF, a->macs + 3 * ungated + a->drains +
					a->noc_ifmap + a->noc_filter, hw->energy) +
		     rs_hw_level_energy(ROWSTAT_LEVEL_NOC,
					a->noc_ifmap + a->noc_filter + a->noc_psum, hw->energy) +
		     rs_hw_level_energy(ROWSTAT_LEVEL_GLB, lc->glb_total, hw->energy);
}

/* The estimate's counts and energy, which no buffering choice changes. */
static void layout_totals(const struct rs_hw_params *hw, const struct accel_mapping *map,
			  const struct accel_layout *lo, const struct layout_counts *lc,
			  uint64_t dram_more, struct accel_estimate *est)
{
	uint64_t G = lo->sh.G, dram = lc->dram + dram_more;

	memset(est, 0, sizeof(*est));
	est->passes = G * lc->a.passes;
	est->dram_bytes = G * dram;
	est->glb_accesses = G * lc->glb_total;
	est->energy = G * (lc->energy + rs_hw_level_energy(ROWSTAT_LEVEL_DRAM, dram, hw->energy));
	est->pe_active = (unsigned)(lo->dm.max_sets * lo->dc.max_sets *
				    min_u(map->set_rows, lo->sh.R) * lo->rows.first_max);
}

/*
 * The estimate from the counts, for map's buffering; dram_more: bytes a
 * bound adds; passes_time: pass_compute's, or negative for the totals'.
 * The cycles no buffering hides go to busy.
 */
static void layout_finish(const struct rs_hw_params *hw, const struct accel_mapping *map,
			  const struct accel_layout *lo, const struct layout_counts *lc,
			  uint64_t dram_more, double passes_time, bool walk,
			  struct accel_estimate *est, struct busy *busy)
{
	const struct tile_counts *tc = &lc->tc;
	uint64_t G = lo->sh.G;
	double cycles, decode, head;

	layout_totals(hw, map, lo, lc, dram_more, est);
	cycles = layer_cycles(hw, map, lo, tc, &lc->a, &lc->t, &lc->wi, walk, passes_time, busy);
	decode = decode_cycles(hw, map, lo, tc, G * lc->a.passes, &head);
	if (decode) {
		/* Decoding outruns the execution, or paces it to the last store. */
		double last_store = G * lc->t.ofmap_bytes * 1000.0 / hw->dram_bw / tc->psum_tiles;
		double bound = later(cycles + head, decode + last_store), with, without;

		/*
		 * Or paces some phases and not others: a walk replays them.  The
		 * replay takes a step's passes alike, so without decode it errs
		 * from the walk either way; what decode adds to it is right where
		 * the execution paces, and its own figure where decode does.
		 */
		if (walk && 2 * decode >= cycles &&
		    decode_replay(hw, map, lo, &lc->wi, tc->steps, lc->a.window, &with, &without))
			bound = later(bound, fmin(cycles + with - without, with));
		cycles = bound;
		if (busy->link < decode)
			busy->link = decode;
	}
	est->cycles = (uint64_t)cycles;
}

/*
 * The estimate, with the GLB bytes if glb; with bt, the bound's terms too.
 * The search prices most mappings only to compare them, and a GLB plan
 * costs as much as the rest.  A bound that needs no estimate of the
 * cycles (est_cycles false) leaves them 0: it takes only what no
 * buffering hides, and skips the transfers' overlap.
 */
static void layout_cost(const struct rs_hw_params *hw, const struct accel_conv *cv,
			const struct accel_mapping *map, const struct accel_layout *lo,
			const struct accel_tensor *in, const struct accel_tensor *out,
			const struct accel_map_hints *hints, bool glb, bool walk, bool est_cycles,
			struct accel_estimate *est, struct bound_terms *bt)
{
	struct layout_counts lc;
	struct accel_glb_plan plan;
	struct glb_floor fl = { 0 };
	uint64_t filter_spare;
	double link_kc;
	struct busy busy;

	layout_counts_get(hw, cv, map, lo, in, out, hints, est_cycles,
			  est_cycles && map->double_ifmap && map->double_psum, &lc);
	if (bt)
		glb_floor_get(hw, map, lo, &lc.a, &lc.t, &fl);
	/*
	 * An estimate classes the passes; the search's prices and bounds take
	 * the totals, which never exceed it (the longer of sums is no more
	 * than the sum of the longer), for speed.
	 */
	if (est_cycles) {
		layout_finish(hw, map, lo, &lc, (uint64_t)fl.bytes,
			      glb ? pass_compute(hw, map, lo) : -1, walk, est, &busy);
	} else {
		struct layer_times lt;
		double head, decode;

		layout_totals(hw, map, lo, &lc, (uint64_t)fl.bytes, est);
		layer_times_get(hw, lo, &lc.tc, &lc.a, &lc.t, -1, &lt, &busy);
		decode = decode_cycles(hw, map, lo, &lc.tc, est->passes, &head);
		if (busy.link < decode)
			busy.link = decode;
	}
	if (glb) {
		accel_glb_plan_held(&lo->sh, map, lo->rows.held_max, lo->cols.held_max, &plan);
		est->glb_bytes_used = plan.total;
	}
	if (!bt)
		return;
	/*
	 * A block kept in the spads goes out once per tile_e's first sub:
	 * smaller row tiles send it fewer times, down to once.  Otherwise
	 * the tiles given (whole, or chosen) send the filters the least.
	 */
	filter_spare = lc.a.one_block ? lc.a.noc_filter - (uint64_t)lo->sh.Mg * lo->sh.Cg *
						       lo->sh.R * lo->sh.S : 0;
	link_kc = lo->sh.G * 1000.0 / hw->dram_bw;
	busy.array += fl.filter_bytes * link_kc;
	busy.link += fl.bytes * link_kc;
	bt->busy_cycles = busy.array > busy.link ? busy.array : busy.link;
	bt->filter_energy = lo->sh.G *
			    (rs_hw_level_energy(ROWSTAT_LEVEL_RF, filter_spare, hw->energy) +
			     rs_hw_level_energy(ROWSTAT_LEVEL_NOC, filter_spare, hw->energy));
}

void accel_layout_estimate(const struct rs_hw_params *hw, const struct accel_conv *cv,
			   const struct accel_mapping *map, const struct accel_layout *lo,
			   const struct accel_tensor *in, const struct accel_tensor *out,
			   const struct accel_map_hints *hints, struct accel_estimate *est)
{
	layout_cost(hw, cv, map, lo, in, out, hints, true, true, true, est, NULL);
}

void accel_layout_estimate_averaged(const struct rs_hw_params *hw, const struct accel_conv *cv,
				    const struct accel_mapping *map, const struct accel_layout *lo,
				    const struct accel_tensor *in, const struct accel_tensor *out,
				    const struct accel_map_hints *hints, struct accel_estimate *est)
{
	layout_cost(hw, cv, map, lo, in, out, hints, true, false, true, est, NULL);
}

void accel_layout_price_buffers(const struct rs_hw_params *hw, const struct accel_conv *cv,
				const struct accel_mapping *map, const struct accel_layout *lo,
				const struct accel_tensor *in, const struct accel_tensor *out,
				const struct accel_map_hints *hints, unsigned choices,
				struct accel_estimate est[4])
{
	struct accel_mapping m = *map;
	struct layout_counts lc;
	struct busy busy;

	layout_counts_get(hw, cv, map, lo, in, out, hints, choices & ~1u, choices & 8, &lc);
	for (unsigned db = 0; db < 4; db++) {
		if (!(choices & 1u << db))
			continue;
		m.double_ifmap = db & 1;
		m.double_psum = db & 2;
		layout_finish(hw, &m, lo, &lc, 0, -1, false, &est[db], &busy);
	}
}

void accel_layout_bound(const struct rs_hw_params *hw, const struct accel_conv *cv,
			const struct accel_mapping *map, const struct accel_layout *lo,
			const struct accel_tensor *in, const struct accel_tensor *out,
			const struct accel_map_hints *hints, double *energy, double *cycles,
			double *whole_cycles)
{
	struct accel_mapping both = *map;
	struct accel_estimate est;
	struct bound_terms bt;

	both.double_ifmap = both.double_psum = true;
	layout_cost(hw, cv, &both, lo, in, out, hints, false, false, whole_cycles != NULL, &est,
		    &bt);
	*energy = (double)(est.energy - bt.filter_energy);
	/* The estimate truncates cycles to an integer: one less bounds it. */
	*cycles = bt.busy_cycles > 1 ? bt.busy_cycles - 1 : 0;
	if (whole_cycles)
		*whole_cycles = (double)est.cycles;
}

void accel_layout_bound_filters(const struct rs_hw_params *hw, const struct accel_conv *cv,
				const struct accel_mapping *map, struct accel_layout *lo,
				const struct accel_tensor *in, const struct accel_tensor *out,
				const struct accel_map_hints *hints, unsigned most_m,
				double *energy, double *cycles)
{
	unsigned tiles = div_up(lo->sh.Mg, most_m);
	struct accel_mapping whole = *map;

	whole.tile_m = lo->sh.Mg;
	if (lo->dm.tiles < tiles)
		lo->dm.tiles = tiles;
	if (lo->dm.subs < tiles)
		lo->dm.subs = tiles;
	accel_layout_bound(hw, cv, &whole, lo, in, out, hints, energy, cycles, NULL);
}

void accel_layout_least_held(const struct accel_shape *sh, const struct accel_tensor *in,
			     struct accel_rows *rows, struct accel_cols *cols)
{
	/* RLC ifmaps load whole rows, or whole planes. */
	unsigned least_rows = in->rlc && in->seg_rows == sh->H ? sh->H : sh->rows_read;
	unsigned least_cols = in->rlc ? sh->W : sh->cols_read;

	if (rows && rows->held_sum > least_rows)
		rows->held_sum = least_rows;
	if (cols && cols->held_sum > least_cols)
		cols->held_sum = least_cols;
}

void accel_config_bound(const struct rs_hw_params *hw, const struct accel_conv *cv,
			const struct accel_mapping *map, const struct accel_tensor *in,
			const struct accel_tensor *out, const struct accel_map_hints *hints,
			double *energy, double *cycles)
{
	struct accel_mapping whole = *map;
	struct accel_layout lo;
	struct accel_shape sh;

	accel_shape_get(cv, &sh);
	whole.tile_n = sh.N;
	whole.tile_m = sh.Mg;
	whole.tile_c = sh.P;
	whole.tile_e = sh.E;
	whole.tile_f = sh.F;
	accel_layout_get(cv, in, &whole, &lo);
	accel_layout_least_held(&sh, in, &lo.rows, &lo.cols);
	accel_layout_bound(hw, cv, &whole, &lo, in, out, hints, energy, cycles, NULL);
}

static void estimate_add(struct accel_estimate *sum, const struct accel_estimate *e,
			 uint64_t times)
{
	sum->cycles += times * e->cycles;
	sum->passes += times * e->passes;
	sum->dram_bytes += times * e->dram_bytes;
	sum->glb_accesses += times * e->glb_accesses;
	sum->energy += times * e->energy;
	sum->pe_active = sum->pe_active > e->pe_active ? sum->pe_active : e->pe_active;
	sum->glb_bytes_used = sum->glb_bytes_used > e->glb_bytes_used ?
			      sum->glb_bytes_used : e->glb_bytes_used;
}

void accel_mapping_estimate(const struct rs_hw_params *hw, const struct accel_conv *cv,
			    const struct accel_mapping *map, const struct accel_tensor *in,
			    const struct accel_tensor *out,
			    const struct accel_map_hints *hints, struct accel_estimate *est)
{
	struct accel_sublayers sl;
	struct accel_layout lo;

	accel_sublayers_get(cv, &sl);
	if (!accel_sublayered(&sl)) {
		accel_layout_get(cv, in, map, &lo);
		accel_layout_estimate(hw, cv, map, &lo, in, out, hints, est);
		return;
	}
	/* Sub-layers run one after the other: at most two sizes a dimension. */
	memset(est, 0, sizeof(*est));
	for (unsigned bn = 0; bn < 2; bn++) {
		unsigned n_count = bn ? sl.n_big : sl.n_parts - sl.n_big;

		for (unsigned bm = 0; bm < 2 && n_count; bm++) {
			unsigned m_count = bm ? sl.m_big : sl.m_parts - sl.m_big;
			struct accel_conv part = *cv;
			struct accel_estimate e;

			if (!m_count)
				continue;
			part.batch = sl.n_size + bn;
			part.out_channels = sl.m_size + bm;
			accel_layout_get(&part, in, map, &lo);
			accel_layout_estimate(hw, &part, map, &lo, in, out, hints, &e);
			estimate_add(est, &e, (uint64_t)n_count * m_count);
		}
	}
}
