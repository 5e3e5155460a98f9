/* SPDX-License-Identifier: MIT */
/*
 * libaccel compiler: what its source files share.  Every symbol here is
 * internal (hidden) and starts with accel_ like the public API.
 *
 *   shape.c     layer shape, tile spans and the GLB plan
 *   check.c     layer and mapping checks
 *   estimate.c  the closed-form cost of a mapping
 *   search.c    the mapping search
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

/* Derived shape of a layer, per group. */
struct accel_shape {
	unsigned N, C, H, W, M, R, S, G, E, F, Cg, Mg;
	unsigned Uh, Uw, pt, pl;
	unsigned ib, wb, ob;	/* element bytes */
};

void accel_shape_get(const struct accel_conv *cv, struct accel_shape *sh);

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

/* Expected bytes of an RLC segment of len values at a nonzero density. */
double accel_rlc_segment_bytes(unsigned len, double density);

/* The MAPPING command's fields of a mapping, for the rules library. */
void accel_hw_mapping(const struct accel_mapping *map, struct rs_hw_mapping *m);

#endif /* ACCEL_COMPILER_INTERNAL_H */
