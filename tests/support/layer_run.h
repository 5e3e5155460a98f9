/* SPDX-License-Identifier: MIT */
/*
 * Runs one convolution layer end to end on the model in a flat simulated
 * memory: places tensors (raw or RLC), compiles the stream, runs it and
 * reads the ofmap back.  Shared by the unit tests and the benchmark.
 */
#ifndef RS_LAYER_RUN_H
#define RS_LAYER_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include <rowstat/compiler.h>
#include "sim_mem.h"

struct layer_case {
	struct accel_conv cv;
	struct accel_mapping map;
	struct accel_tensor in, out;	/* formats; the VAs are set by layer_place */
	int16_t *ifmap;			/* [N][C][H][W] */
	int16_t *filters;		/* [M][C/G][R][S] */
	int32_t *bias;			/* [M], or NULL */
	/* Placed in memory: */
	struct sim_mem mem;
	uint64_t filter_va, bias_va, stream_va;
	struct accel_stream stream;
};

struct rng {
	uint64_t s;
};

uint64_t rng_next(struct rng *r);
unsigned rng_range(struct rng *r, unsigned lo, unsigned hi);	/* inclusive */

/* Fills ifmap/filters/bias with values in their precision's range. */
int layer_alloc_data(struct layer_case *lc, struct rng *r, double ifmap_zeros,
		     int value_bits);
void layer_free(struct layer_case *lc);

/* Lays out tensors and the stream in a fresh simulated memory. */
int layer_place(struct layer_case *lc, const struct rs_hw_params *hw,
		char *err, size_t errlen);

/* Runs the placed stream; the ofmap comes back as int32 [N][M][E][F]. */
enum rowstat_status layer_execute(struct rs_model *model, struct layer_case *lc,
				  struct rs_model_result *res, int32_t *ofmap);

uint64_t layer_ofmap_count(const struct accel_conv *cv);

/* Decodes the ofmap (raw or RLC) from the bytes at its VA; 0 or -1. */
int layer_decode_ofmap(const struct layer_case *lc, const uint8_t *bytes,
		       int32_t *ofmap);

/* A 1x1 layer over one 16x16 Q16 plane: the LAYER a DMA-only stream needs. */
extern const struct accel_conv layer_plane;

/*
 * A fresh stream of LAYER (layer_plane), one DMA between va and GLB address
 * 0 and END: `lines` lines of `values` Q16 values, all at va (strides of 0);
 * loads are ifmap, stores psum.  Returns the DMA's offset in the stream.
 */
size_t layer_dma_stream(struct accel_stream *s, unsigned dir, uint64_t va,
			uint32_t values, uint32_t lines);

#endif
