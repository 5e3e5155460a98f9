/* SPDX-License-Identifier: MIT */
/*
 * AlexNet's five CONV layers as Eyeriss ran them (batch 4, 16-bit), with
 * synthetic data shaped like the paper's: ifmap sparsity as measured on
 * silicon, and a bias that makes each ofmap about as sparse as the next
 * layer's input.  Shared by the benchmark and the exactness tests.
 */
#ifndef RS_ALEXNET_H
#define RS_ALEXNET_H

#include "layer_run.h"

#define ALEXNET_LAYERS 5
#define ALEXNET_BATCH 4

struct alexnet_layer {
	const char *name;
	struct accel_conv cv;
	double ifmap_zeros;	/* fraction, from the paper */
	double ofmap_zeros;	/* target: the next layer's input sparsity */
	/* The array-level mapping Eyeriss used for this layer. */
	struct accel_map_options eyeriss;
};

void alexnet_layer_get(unsigned index, unsigned batch, struct alexnet_layer *l);

/*
 * Builds a ready-to-run case: data, bias and requantization calibrated from
 * sampled accumulators, the tensor formats (RLC where Eyeriss compresses)
 * and the best mapping the search finds over the segment layouts, by
 * opts (NULL: EDP, nothing pinned); with &l->eyeriss, the search keeps
 * Eyeriss's array-level parameters and only chooses the GLB tiling.
 */
int alexnet_case(const struct rs_hw_params *hw, const struct alexnet_layer *l,
		 const struct accel_map_options *opts, uint64_t seed, struct layer_case *lc,
		 struct accel_estimate *est, char *err, size_t errlen);

#endif
