/* SPDX-License-Identifier: MIT */
/* libaccel compiler: tile geometry shared by the mapper and the emitter. */
#ifndef RS_COMPILER_INTERNAL_H
#define RS_COMPILER_INTERNAL_H

#include "rowstat/compiler.h"

/* Half-open range [lo, hi). */
struct span {
	unsigned lo, hi;
};

static inline unsigned span_len(struct span s)
{
	return s.hi - s.lo;
}

static inline unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

static inline unsigned div_up(unsigned a, unsigned b)
{
	return (a + b - 1) / b;
}

/* Derived shape of a layer, per group. */
struct conv_shape {
	unsigned N, C, H, W, M, R, S, G, E, F, Cg, Mg;
	unsigned Uh, Uw, pt, pl;
	unsigned ib, wb, ob;	/* element bytes */
};

void conv_shape_get(const struct rs_conv *cv, struct conv_shape *sh);

/* Real input rows read by output rows [ea, eb) over all filter rows. */
struct span input_rows(const struct conv_shape *sh, unsigned ea, unsigned eb);
struct span input_cols(const struct conv_shape *sh, unsigned fa, unsigned fb);

/* The ifmap rows/columns a tile holds in the GLB, given the tensor format. */
struct span tile_rows(const struct conv_shape *sh, const struct rs_tensor *in,
		      unsigned ea, unsigned eb);
struct span tile_cols(const struct conv_shape *sh, const struct rs_tensor *in,
		      unsigned fa, unsigned fb);

/* GLB layout of a mapping: psum buffers first, then ifmap buffers. */
struct glb_plan {
	uint32_t psum_bytes, ifmap_bytes;	/* one buffer each */
	uint32_t psum_addr[2], ifmap_addr[2];
	uint32_t total;
};

void glb_plan_get(const struct conv_shape *sh, const struct rs_tensor *in,
		  const struct rs_mapping *map, struct glb_plan *plan);

/* Expected bytes of an RLC segment of len values at a nonzero density. */
double rlc_segment_bytes(unsigned len, double density);

#endif /* RS_COMPILER_INTERNAL_H */
