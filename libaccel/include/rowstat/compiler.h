/* SPDX-License-Identifier: MIT */
/*
 * libaccel's compiler: maps a convolution onto the row-stationary array
 * (rs_map_search), and emits the command stream that runs it (rs_emit_conv).
 * The stream builder underneath (rs_stream_*) writes single commands, for
 * tools and tests that need exact control.
 */
#ifndef ROWSTAT_COMPILER_H
#define ROWSTAT_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../uapi/rowstat_cmd.h"
#include "../../../uapi/rowstat_regs.h"
#include "../../../qemu-device/model/rs_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A convolution layer; fully connected layers are 1x1 convolutions. */
struct rs_conv {
	unsigned batch, in_channels, in_height, in_width;
	unsigned out_channels, kernel_h, kernel_w, groups;
	unsigned stride_h, stride_w;
	unsigned pad_top, pad_bottom, pad_left, pad_right;
	unsigned ifmap_prec, filter_prec, ofmap_prec;	/* ROWSTAT_PREC_* */
	bool relu, bias;
	int32_t requant_mult;
	unsigned requant_shift;
};

unsigned rs_conv_out_height(const struct rs_conv *cv);
unsigned rs_conv_out_width(const struct rs_conv *cv);
uint64_t rs_conv_macs(const struct rs_conv *cv);

/* Returns 0, or -EINVAL with a message naming the field in err. */
int rs_conv_check(const struct rs_conv *cv, char *err, size_t errlen);

/*
 * Where a tensor [N][C][H][W] lives in device memory.  A compressed tensor
 * is stored as RLC segments of seg_rows whole rows (1, or H for whole
 * planes), each in a slot of ROWSTAT_RLC_SLOT_BYTES(seg_rows * W) bytes.
 */
struct rs_tensor {
	uint64_t va;
	bool rlc;
	unsigned seg_rows;
};

/* Bytes a tensor occupies in device memory. */
uint64_t rs_tensor_bytes(unsigned n, unsigned c, unsigned h, unsigned w,
			 unsigned elem_bytes, const struct rs_tensor *t);
/* Byte offset of RLC segment k of plane (n, c). */
uint64_t rs_tensor_segment_offset(unsigned n, unsigned c, unsigned k,
				  unsigned channels, unsigned h, unsigned w,
				  unsigned seg_rows);

/*
 * A complete mapping: the array configuration (MAPPING command) and the
 * GLB tiling the emitter loops over.  Tiles are per group.
 */
struct rs_mapping {
	/* Array level. */
	unsigned set_rows, set_cols;		/* PE set: filter rows x output rows */
	unsigned filters_per_pe, channels_per_pe;	/* p, q */
	unsigned filter_sets, channel_sets;	/* t, r */
	unsigned taps_per_pe;			/* filter columns per pass */
	unsigned images_per_pass;		/* n */
	/* GLB level: what one psum tile and one ifmap tile cover. */
	unsigned tile_n, tile_e, tile_f, tile_m, tile_c;
	bool double_ifmap;	/* prefetch the next ifmap tile */
	bool double_psum;	/* store a finished tile while the next runs */
};

/* What the compiler expects the model to count (no data: no gating). */
struct rs_estimate {
	uint64_t cycles;
	uint64_t passes;
	uint64_t dram_bytes;
	uint64_t glb_accesses;
	uint64_t energy;	/* ROWSTAT_ENERGY_FRAC_BITS fixed point */
	unsigned pe_active;
	uint32_t glb_bytes_used;
};

/* Expected fraction of nonzero values, for RLC size estimates. */
struct rs_map_hints {
	double ifmap_density;	/* 0 means "unknown": taken as 1 */
	double ofmap_density;
};

/*
 * Checks a mapping against the hardware, the layer and the tensors (RLC
 * tensors need whole rows or planes per tile).  0, or -EINVAL with err.
 */
int rs_mapping_check(const struct rs_hw_params *hw, const struct rs_conv *cv,
		     const struct rs_mapping *map, const struct rs_tensor *in,
		     const struct rs_tensor *out, char *err, size_t errlen);

/* Closed-form estimate of what running the mapping costs. */
void rs_mapping_estimate(const struct rs_hw_params *hw, const struct rs_conv *cv,
			 const struct rs_mapping *map, const struct rs_tensor *in,
			 const struct rs_tensor *out,
			 const struct rs_map_hints *hints, struct rs_estimate *est);

enum rs_map_objective {
	RS_MAP_EDP = 0,		/* energy x delay (the default) */
	RS_MAP_ENERGY = 1,	/* least energy, then least delay */
	RS_MAP_LATENCY = 2,	/* least delay, then least energy */
};

/* What a search optimizes, and array-level parameters it must use (0: free). */
struct rs_map_options {
	enum rs_map_objective objective;
	unsigned set_cols;
	unsigned filters_per_pe, channels_per_pe;
	unsigned filter_sets, channel_sets;
	unsigned images_per_pass;
};

/*
 * Searches mappings, pruned by the RF, array and GLB limits, for the best
 * by opts->objective (opts may be NULL: EDP, nothing pinned).  Returns 0, or
 * -ENOSPC if nothing fits the hardware.
 */
int rs_map_search(const struct rs_hw_params *hw, const struct rs_conv *cv,
		  const struct rs_tensor *in, const struct rs_tensor *out,
		  const struct rs_map_hints *hints,
		  const struct rs_map_options *opts, struct rs_mapping *best,
		  struct rs_estimate *est);

/* ---- command streams ---- */

struct rs_stream {
	uint8_t *buf;
	size_t len, cap;
	/* Sticky: -ENOMEM, or -E2BIG past ROWSTAT_STREAM_MAX_BYTES. */
	int error;
};

void rs_stream_init(struct rs_stream *s);
void rs_stream_free(struct rs_stream *s);

void rs_stream_layer(struct rs_stream *s, const struct rs_conv *cv,
		     uint64_t filter_va, uint64_t bias_va);
void rs_stream_mapping(struct rs_stream *s, const struct rs_mapping *map);
void rs_stream_dma(struct rs_stream *s, const struct rowstat_cmd_dma *cmd);
void rs_stream_pass(struct rs_stream *s, const struct rowstat_cmd_pass *cmd);
void rs_stream_barrier(struct rs_stream *s);
void rs_stream_end(struct rs_stream *s);
/* Appends raw bytes: for tests that build malformed commands. */
void rs_stream_raw(struct rs_stream *s, const void *bytes, size_t len);

/*
 * Appends the commands of one convolution (LAYER .. last BARRIER, no END).
 * filter_va holds [M][C/G][R][S] filter_prec values, bias_va [M] int32.
 * Returns 0, or -EINVAL (bad mapping, err says why), -E2BIG (the stream
 * would exceed ROWSTAT_STREAM_MAX_BYTES) or -ENOMEM.
 */
int rs_emit_conv(struct rs_stream *s, const struct rs_hw_params *hw,
		 const struct rs_conv *cv, const struct rs_mapping *map,
		 uint64_t filter_va, uint64_t bias_va, const struct rs_tensor *in,
		 const struct rs_tensor *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* ROWSTAT_COMPILER_H */
