/* SPDX-License-Identifier: MIT */
/*
 * libaccel compiler: what its source files share.  Every symbol here is
 * internal (hidden) and starts with accel_ like the public API.
 *
 *   shape.c     layer shape, tile spans and the GLB plan
 *   check.c     layer and mapping checks
 *   estimate.c  the closed-form cost of a mapping
 *   search.c    the mapping search
 *   cache.c     a cache of searches
 *   emit.c      the command stream of a mapped layer
 *   stream.c    single commands
 *   tensor.c    tensors in device memory
 */
#ifndef ACCEL_COMPILER_INTERNAL_H
#define ACCEL_COMPILER_INTERNAL_H

#include "rowstat/compiler.h"

/* Half-open range [lo, hi). */
struct span {
	unsigned lo, hi;
};

static inline unsigned span_len(struct span s)
{
	return s.hi - s.lo;
}

/* [lo, hi) clipped to [0, limit). */
static inline struct span span_clip(long lo, long hi, unsigned limit)
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

static inline unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

static inline unsigned div_up(unsigned a, unsigned b)
{
	return (a + b - 1) / b;
}

/*
 * Derived shape of a layer, per group.  A layer with more input channels
 * than one LAYER command carries runs as `parts` LAYERs of P channels per
 * group (the last may have fewer), accumulating in the GLB.
 */
struct accel_shape {
	unsigned N, C, H, W, M, R, S, G, E, F, Cg, Mg;
	unsigned P, parts;
	uint64_t real_macs;	/* of macs, those whose input is in the image */
	unsigned Uh, Uw, pt, pl;
	unsigned ib, wb, ob;	/* element bytes */
	uint64_t macs;		/* of the whole layer */
	unsigned rows_read, cols_read;	/* image rows, columns some output reads */
};

void accel_shape_get(const struct accel_conv *cv, struct accel_shape *sh);
/* How many parts a layer's channels are split into, and *per_part of each group's. */
unsigned accel_channel_parts(const struct accel_conv *cv, unsigned *per_part);

/*
 * A layer with more images or filters than one LAYER carries runs as
 * sub-layers, each with every input channel: balanced parts of the batch
 * (independent images) and, for groups 1, of the filters (independent
 * output channels).  The first `big` parts of a dimension have one more
 * than `size`.
 */
struct accel_sublayers {
	unsigned n_parts, n_size, n_big;
	unsigned m_parts, m_size, m_big;
};

/* The sub-layers of a layer (one of each for most). */
void accel_sublayers_get(const struct accel_conv *cv, struct accel_sublayers *sl);

static inline bool accel_sublayered(const struct accel_sublayers *sl)
{
	return sl->n_parts > 1 || sl->m_parts > 1;
}

/* Sub-layer conv of part (i, j), and the first image and filter it covers. */
void accel_sublayer(const struct accel_conv *cv, const struct accel_sublayers *sl, unsigned i,
		    unsigned j, struct accel_conv *part, unsigned *n0, unsigned *m0);

/* Channels per group of part k. */
static inline unsigned accel_part_channels(const struct accel_shape *sh, unsigned k)
{
	return min_u(sh->P, sh->Cg - k * sh->P);
}

/* The end of the channel tile from ca: tiles of tile_c, never across a part. */
static inline unsigned accel_channel_tile_end(const struct accel_shape *sh, unsigned tile_c,
					      unsigned ca)
{
	return min_u(ca + tile_c, min_u((ca / sh->P + 1) * sh->P, sh->Cg));
}

/* Real input rows read by output rows [ea, eb) over all filter rows. */
struct span accel_input_rows(const struct accel_shape *sh, unsigned ea, unsigned eb);
struct span accel_input_cols(const struct accel_shape *sh, unsigned fa, unsigned fb);

/* The ifmap rows/columns a tile holds in the GLB, given the tensor format. */
struct span accel_tile_rows(const struct accel_shape *sh, const struct accel_tensor *in,
			    unsigned ea, unsigned eb);
struct span accel_tile_cols(const struct accel_shape *sh, const struct accel_tensor *in,
			    unsigned fa, unsigned fb);

/*
 * GLB layout of a mapping: psum buffers first, then ifmap buffers.  In 64
 * bits: a plan may ask for far more than any GLB has, and the check must
 * see that rather than a wrapped total.
 */
struct accel_glb_plan {
	uint64_t psum_bytes, ifmap_bytes;	/* one buffer each */
	uint64_t psum_addr[2], ifmap_addr[2];
	uint64_t total;
};

void accel_glb_plan(const struct accel_shape *sh, const struct accel_tensor *in,
		    const struct accel_mapping *map, struct accel_glb_plan *plan);
/* The same, given the most ifmap rows and columns any tile holds. */
void accel_glb_plan_held(const struct accel_shape *sh, const struct accel_mapping *map,
			 unsigned rows, unsigned cols, struct accel_glb_plan *plan);
/*
 * The largest tile_m that fits a GLB of glb_bytes beside an ifmap tile of
 * ifmap_bytes, with map's buffers (accel_glb_plan_held solved for it): of
 * whole p*t sets, or of any size; 0 if none.
 */
unsigned accel_glb_most_filters(const struct accel_shape *sh, const struct accel_mapping *map,
				uint64_t glb_bytes, uint64_t ifmap_bytes, bool whole);

/*
 * How one group's work splits, per dimension.  A dimension of `total` is
 * cut into tiles, each tile into subs (what one pass covers), each sub over
 * PE sets of per_pe.
 */
struct accel_split {
	unsigned tiles, subs;
	uint64_t sum_min;	/* sum of min(sub, per_pe) */
	uint64_t sum_sets;	/* sum of ceil(sub / per_pe) */
	unsigned max_sets;
};

/* Output rows: e-tiles, their set_cols subs, and the input rows they read. */
struct accel_rows {
	unsigned tiles, subs;
	uint64_t real;		/* in-image input rows read, over subs and row chunks */
	uint64_t first_sum;	/* rows of the first sub of each tile */
	unsigned first_max;
	uint64_t held_sum;	/* input rows the tiles hold in the GLB */
	unsigned held_max, held_first;
};

/* Output columns: f-tiles and the input columns they read. */
struct accel_cols {
	unsigned tiles;
	uint64_t used, real;	/* over tiles and tap chunks: padded, in-image */
	uint64_t held_sum;
	unsigned held_max, held_first;
};

struct accel_layout {
	struct accel_shape sh;
	struct accel_split dn, dm, dc;	/* images, filters, channels */
	struct accel_rows rows;
	struct accel_cols cols;
	unsigned rch, sch;		/* filter-row and filter-column chunks */
};

void accel_split_get(unsigned total, unsigned tile, unsigned sub, unsigned per_pe,
		     struct accel_split *d);
/* The same when the tiles restart at each part of `part` values. */
void accel_split_parts(unsigned total, unsigned part, unsigned tile, unsigned sub,
		       unsigned per_pe, struct accel_split *d);
void accel_rows_get(const struct accel_shape *sh, const struct accel_tensor *in,
		    unsigned tile_e, unsigned set_cols, unsigned set_rows,
		    struct accel_rows *rs);
void accel_cols_get(const struct accel_shape *sh, const struct accel_tensor *in,
		    unsigned tile_f, unsigned taps, struct accel_cols *cs);
void accel_layout_get(const struct accel_conv *cv, const struct accel_tensor *in,
		      const struct accel_mapping *map, struct accel_layout *lo);
/* accel_mapping_estimate from a layout, in constant time. */
void accel_layout_estimate(const struct rs_hw_params *hw, const struct accel_conv *cv,
			   const struct accel_mapping *map, const struct accel_layout *lo,
			   const struct accel_tensor *in, const struct accel_tensor *out,
			   const struct accel_map_hints *hints, struct accel_estimate *est);
/*
 * The same with the double-buffered transfers of the steps averaged, not
 * walked: what a price takes, with the passes classed.
 */
void accel_layout_estimate_averaged(const struct rs_hw_params *hw, const struct accel_conv *cv,
				    const struct accel_mapping *map, const struct accel_layout *lo,
				    const struct accel_tensor *in, const struct accel_tensor *out,
				    const struct accel_map_hints *hints, struct accel_estimate *est);
/*
 * The search's price: accel_layout_estimate_averaged's figures without
 * glb_bytes_used (0), which costs a GLB plan, for each buffering choice db
 * in the mask `choices` (bit db; db & 1: double_ifmap, db & 2:
 * double_psum) into est[db]; the counts they share are computed once.
 */
void accel_layout_price_buffers(const struct rs_hw_params *hw, const struct accel_conv *cv,
				const struct accel_mapping *map, const struct accel_layout *lo,
				const struct accel_tensor *in, const struct accel_tensor *out,
				const struct accel_map_hints *hints, unsigned choices,
				struct accel_estimate est[4]);

/*
 * Lower bounds of the energy and cycles of every tiling a layout bounds.
 * Every split of a dimension has statistics no smaller than the whole
 * dimension's (min and ceil are subadditive), and the cost never falls
 * when they grow, except through the filters' distribution (a single
 * filter block stays in the spads, sent once per row tile: the bound
 * counts it sent once) and the tile counts (more tiles hide more of the
 * first load and last store: the bound leaves both out).  So the
 * whole-layer tiling bounds every tiling of its array configuration, and
 * the least statistics up to some tile size bound every tile up to it.
 * With whole_cycles, also the estimated cycles of the layout as given with
 * both buffers: no bound, but what a tiling of few tiles takes, which the
 * search ranks by.
 */
void accel_layout_bound(const struct rs_hw_params *hw, const struct accel_conv *cv,
			const struct accel_mapping *map, const struct accel_layout *lo,
			const struct accel_tensor *in, const struct accel_tensor *out,
			const struct accel_map_hints *hints, double *energy, double *cycles,
			double *whole_cycles);

/*
 * The same for every tiling with lo's tiles of the other dimensions and
 * filter tiles of at most most_m.  lo->dm, the whole filters' split, has
 * the least statistics, but such a tiling has at least Mg / most_m filter
 * tiles (rounded up), each a sub at least: lo->dm is raised to them.
 */
void accel_layout_bound_filters(const struct rs_hw_params *hw, const struct accel_conv *cv,
				const struct accel_mapping *map, struct accel_layout *lo,
				const struct accel_tensor *in, const struct accel_tensor *out,
				const struct accel_map_hints *hints, unsigned most_m,
				double *energy, double *cycles);

/*
 * Lowers the ifmap rows (columns) a whole-dimension layout holds to the
 * fewest any tiling holds.  One tile holds the span between its first and
 * last row read, and with a stride above the kernel smaller tiles skip
 * the rows between windows; every row read is held by some tile.  Either
 * may be NULL.
 */
void accel_layout_least_held(const struct accel_shape *sh, const struct accel_tensor *in,
			     struct accel_rows *rows, struct accel_cols *cols);

/* What no tiling of map's array configuration (its tiles aside) can beat. */
void accel_config_bound(const struct rs_hw_params *hw, const struct accel_conv *cv,
			const struct accel_mapping *map, const struct accel_tensor *in,
			const struct accel_tensor *out, const struct accel_map_hints *hints,
			double *energy, double *cycles);

/* Expected bytes of an RLC segment of len values at a nonzero density. */
double accel_rlc_segment_bytes(unsigned len, double density);

/* A LAYER whose filters start filter_stride bytes apart (0: dense). */
void accel_stream_layer_strided(struct accel_stream *s, const struct accel_conv *cv,
				uint64_t filter_va, uint32_t filter_stride, uint64_t bias_va);

/* The MAPPING command's fields of a mapping, for the rules library. */
void accel_hw_mapping(const struct accel_mapping *map, struct rs_hw_mapping *m);

#endif /* ACCEL_COMPILER_INTERNAL_H */
