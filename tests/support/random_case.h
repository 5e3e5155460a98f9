/* SPDX-License-Identifier: MIT */
/* Seeded random layers and random valid mappings for the exactness tests. */
#ifndef RS_RANDOM_CASE_H
#define RS_RANDOM_CASE_H

#include "layer_run.h"

/* A random layer within `scale` (1 small .. 3 larger) and random formats. */
void random_conv(struct rng *r, unsigned scale, struct accel_conv *cv,
		 struct accel_tensor *in, struct accel_tensor *out);

/*
 * A random mapping that accel_mapping_check accepts, or -1 after many tries
 * (only when the GLB is too small for any tile of the layer).
 */
int random_mapping(struct rng *r, const struct rs_hw_params *hw,
		   const struct accel_conv *cv, const struct accel_tensor *in,
		   const struct accel_tensor *out, struct accel_mapping *map);

/*
 * Layers with more input channels than one LAYER command carries, which
 * the compiler splits: fills cv with case `index` if it exists; returns how
 * many cases there are.
 */
unsigned split_conv(unsigned index, struct accel_conv *cv);
/*
 * Layer `index` of those with more images or filters than one LAYER
 * carries (sub-layers); returns how many there are.
 */
unsigned sublayer_conv(unsigned index, struct accel_conv *cv);

#endif
