/* SPDX-License-Identifier: MIT */
/* Seeded random layers and random valid mappings for the exactness tests. */
#ifndef RS_RANDOM_CASE_H
#define RS_RANDOM_CASE_H

#include "layer_run.h"

/* A random layer within `scale` (1 small .. 3 larger) and random formats. */
void random_conv(struct rng *r, unsigned scale, struct rs_conv *cv,
		 struct rs_tensor *in, struct rs_tensor *out);

/*
 * A random mapping that rs_mapping_check accepts, or -1 after many tries
 * (only when the GLB is too small for any tile of the layer).
 */
int random_mapping(struct rng *r, const struct rs_hw_params *hw,
		   const struct rs_conv *cv, const struct rs_tensor *in,
		   const struct rs_tensor *out, struct rs_mapping *map);

#endif
