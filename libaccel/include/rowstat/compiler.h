/* SPDX-License-Identifier: MIT */
/*
 * libaccel's compiler: maps a convolution onto the row-stationary array
 * (accel_map_search), and emits the command stream that runs it
 * (accel_emit_conv).  The stream builder underneath (accel_stream_*)
 * writes single commands, for tools and tests that need exact control.
 *
 * Exported symbols start with accel_.  The hardware's parameters and rules
 * are the rules library's (rs_hw.h), which the device shares.
 */
#ifndef ROWSTAT_COMPILER_H
#define ROWSTAT_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rowstat_cmd.h>
#include <rs_hw.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_API __attribute__((visibility("default")))

/*
 * A convolution layer; fully connected layers are 1x1 convolutions.  Its
 * fields have the LAYER command's ranges (docs/hardware.md 7.2), except:
 *   - in_channels: a layer with more than one LAYER carries is compiled as
 *     several that accumulate on the device, up to ACCEL_MAX_IN_CHANNELS;
 *   - batch, and out_channels of a layer of one group: a layer with more
 *     is compiled as sub-layers over parts of its images and filters, up
 *     to ACCEL_MAX_BATCH and ACCEL_MAX_OUT_CHANNELS.
 */
#define ACCEL_MAX_IN_CHANNELS	(1u << 20)
#define ACCEL_MAX_BATCH		(1u << 16)
#define ACCEL_MAX_OUT_CHANNELS	(1u << 20)

struct accel_conv {
	unsigned batch, in_channels, in_height, in_width;
	unsigned out_channels, kernel_h, kernel_w, groups;
	unsigned stride_h, stride_w;
	unsigned pad_top, pad_bottom, pad_left, pad_right;
	unsigned ifmap_prec, filter_prec, ofmap_prec;	/* ROWSTAT_PREC_* */
	bool relu, bias;
	int32_t requant_mult;
	unsigned requant_shift;
};

ACCEL_API unsigned accel_conv_out_height(const struct accel_conv *cv);
ACCEL_API unsigned accel_conv_out_width(const struct accel_conv *cv);
ACCEL_API uint64_t accel_conv_macs(const struct accel_conv *cv);

/* Returns 0, or -EINVAL with a message naming the field in err. */
ACCEL_API int accel_conv_check(const struct accel_conv *cv, char *err, size_t errlen);

/*
 * Where a tensor [N][C][H][W] lives in device memory.  A compressed tensor
 * is stored as RLC segments of seg_rows whole rows (1, or H for whole
 * planes), each in a slot of ROWSTAT_RLC_SLOT_BYTES(seg_rows * W) bytes.
 */
struct accel_tensor {
	uint64_t va;
	bool rlc;
	unsigned seg_rows;
};

/* Bytes a tensor occupies in device memory. */
ACCEL_API uint64_t accel_tensor_bytes(unsigned n, unsigned c, unsigned h, unsigned w,
				      unsigned elem_bytes, const struct accel_tensor *t);
/* Byte offset of RLC segment k of plane (n, c). */
ACCEL_API uint64_t accel_tensor_segment_offset(unsigned n, unsigned c, unsigned k,
					       unsigned channels, unsigned h, unsigned w,
					       unsigned seg_rows);

/*
 * A complete mapping: the array configuration (MAPPING command) and the
 * GLB tiling the emitter loops over.  Tiles are per group.
 */
struct accel_mapping {
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
struct accel_estimate {
	uint64_t cycles;
	uint64_t passes;
	uint64_t dram_bytes;
	uint64_t glb_accesses;
	uint64_t energy;	/* ROWSTAT_ENERGY_FRAC_BITS fixed point */
	unsigned pe_active;
	uint64_t glb_bytes_used;
};

/* Expected fraction of nonzero values, for RLC size estimates. */
struct accel_map_hints {
	double ifmap_density;	/* 0 means "unknown": taken as 1 */
	double ofmap_density;
};

/*
 * Checks a mapping against the hardware (the device's own rule,
 * rs_hw_mapping_check), the layer, the tensors (RLC tensors need whole rows
 * or planes per tile), the GLB and the widths of the stream's fields.  0,
 * or -EINVAL with err naming the field.
 */
ACCEL_API int accel_mapping_check(const struct rs_hw_params *hw,
				  const struct accel_conv *cv,
				  const struct accel_mapping *map,
				  const struct accel_tensor *in,
				  const struct accel_tensor *out, char *err, size_t errlen);

/* Closed-form estimate of what running the mapping costs. */
ACCEL_API void accel_mapping_estimate(const struct rs_hw_params *hw,
				      const struct accel_conv *cv,
				      const struct accel_mapping *map,
				      const struct accel_tensor *in,
				      const struct accel_tensor *out,
				      const struct accel_map_hints *hints,
				      struct accel_estimate *est);

enum accel_map_objective {
	ACCEL_MAP_EDP = 0,	/* energy x delay (the default) */
	ACCEL_MAP_ENERGY = 1,	/* least energy, then least delay */
	ACCEL_MAP_LATENCY = 2,	/* least delay, then least energy */
};

/*
 * What a search optimizes, and array-level parameters it must use (0: free).
 * full_sets keeps every filter and channel set busy in every pass (tiles of
 * whole p*t filters and q*r channels, or the whole layer), as a published
 * array mapping means; otherwise a tile may leave sets idle when that wins.
 */
struct accel_map_options {
	enum accel_map_objective objective;
	unsigned set_cols;
	unsigned filters_per_pe, channels_per_pe;
	unsigned filter_sets, channel_sets;
	unsigned images_per_pass;
	bool full_sets;
	unsigned set_rows;
};

/*
 * Searches mappings, pruned by the RF, array and GLB limits, for the best
 * by opts->objective (opts may be NULL: EDP, nothing pinned).  Returns 0,
 * -EINVAL for a layer or tensor format it cannot take, -ENOSPC if nothing
 * fits the hardware, or -ENOMEM.
 */
ACCEL_API int accel_map_search(const struct rs_hw_params *hw, const struct accel_conv *cv,
			       const struct accel_tensor *in,
			       const struct accel_tensor *out,
			       const struct accel_map_hints *hints,
			       const struct accel_map_options *opts,
			       struct accel_mapping *best, struct accel_estimate *est);

/* A mapping with what the estimate expects of it. */
struct accel_map_candidate {
	struct accel_mapping map;
	struct accel_estimate est;
	/*
	 * By the search's objective, lower is better: energy in MAC units,
	 * cycles, or their product (EDP).
	 */
	double value;
};

/* The hardware limits a search works within. */
enum accel_map_limit {
	ACCEL_LIMIT_NONE = 0,
	ACCEL_LIMIT_RF = 1,	/* the PEs' register files */
	ACCEL_LIMIT_ARRAY = 2,	/* the PE array's rows and columns */
	ACCEL_LIMIT_GLB = 3,	/* the global buffer */
	ACCEL_LIMIT_COUNT = 4,
};

#define ACCEL_MAP_RUNNER_UPS	8

/* Why a search chose its mapping (accel_map_explain). */
struct accel_map_explanation {
	struct accel_map_candidate chosen;
	/* The best mappings of other array configurations, best first. */
	unsigned runner_ups;
	struct accel_map_candidate runner_up[ACCEL_MAP_RUNNER_UPS];
	/*
	 * relaxed[k]: the objective's value with limit k doubled, over the
	 * chosen's (below 1: that limit costs that much); index 0 unused.
	 */
	double relaxed[ACCEL_LIMIT_COUNT];
	/* The limit whose doubling gains most (over 0.1%), or NONE. */
	enum accel_map_limit limit;
};

/*
 * accel_map_search, explained: the chosen mapping (the same), runner-ups
 * priced by the same estimate, and which limit binds, found by searching
 * again with each doubled (so it costs four searches).  0, -EINVAL (bad
 * layer or ex NULL), -ENOSPC or -ENOMEM.
 */
ACCEL_API int accel_map_explain(const struct rs_hw_params *hw, const struct accel_conv *cv,
				const struct accel_tensor *in, const struct accel_tensor *out,
				const struct accel_map_hints *hints,
				const struct accel_map_options *opts,
				struct accel_map_explanation *ex);

/*
 * A cache of searches, for compiling networks: a hit returns what
 * accel_map_search would, without searching.  The key is every input a
 * search reads (hardware, shape, precisions, bias, tensor formats but not
 * their VAs, hints, options).  It holds `capacity` results, the oldest
 * leaving first, and may be shared between threads.
 */
struct accel_map_cache;

#define ACCEL_MAP_CACHE_MAX	65536

struct accel_map_cache_stats {
	uint64_t hits, misses;
	unsigned entries, capacity;
};

/* NULL with errno EINVAL (capacity 0 or above the maximum) or ENOMEM. */
ACCEL_API struct accel_map_cache *accel_map_cache_create(unsigned capacity);
ACCEL_API void accel_map_cache_destroy(struct accel_map_cache *cache);
/* accel_map_search through the cache (NULL: no cache). */
ACCEL_API int accel_map_search_cached(struct accel_map_cache *cache,
				      const struct rs_hw_params *hw,
				      const struct accel_conv *cv,
				      const struct accel_tensor *in,
				      const struct accel_tensor *out,
				      const struct accel_map_hints *hints,
				      const struct accel_map_options *opts,
				      struct accel_mapping *best, struct accel_estimate *est);
ACCEL_API void accel_map_cache_stats(struct accel_map_cache *cache,
				     struct accel_map_cache_stats *stats);

/* One layer of a batch: what accel_map_search takes, and its result. */
struct accel_map_request {
	const struct accel_conv *cv;
	const struct accel_tensor *in, *out;
	const struct accel_map_hints *hints;	/* may be NULL */
	const struct accel_map_options *opts;	/* may be NULL */
	struct accel_mapping *map;
	struct accel_estimate *est;		/* may be NULL */
	int ret;				/* set: accel_map_search's */
};

#define ACCEL_MAP_THREADS_MAX	64

/*
 * Maps a network's layers at once: each distinct search (by the cache's
 * key) runs once, through the cache (NULL: none), the largest first on
 * up to `threads` threads including the caller's (0: one per online CPU,
 * at most ACCEL_MAP_THREADS_MAX); repeats get its result.  Every request's
 * ret is set, and its result is what accel_map_search gives alone.
 * Returns 0 if every request mapped, else the first failure's ret; -EINVAL
 * with no request looked at if reqs is NULL or a request lacks cv, in,
 * out or map.
 */
ACCEL_API int accel_map_search_batch(struct accel_map_cache *cache,
				     const struct rs_hw_params *hw,
				     struct accel_map_request *reqs, unsigned count,
				     unsigned threads);

/* ---- command streams ---- */

struct accel_stream {
	uint8_t *buf;
	size_t len, cap;
	/*
	 * Sticky: -ENOMEM, -E2BIG past ROWSTAT_STREAM_MAX_BYTES, or -EINVAL
	 * for a LAYER or MAPPING value wider than its command field.
	 */
	int error;
};

ACCEL_API void accel_stream_init(struct accel_stream *s);
ACCEL_API void accel_stream_free(struct accel_stream *s);

ACCEL_API void accel_stream_layer(struct accel_stream *s, const struct accel_conv *cv,
				  uint64_t filter_va, uint64_t bias_va);
ACCEL_API void accel_stream_mapping(struct accel_stream *s, const struct accel_mapping *map);
ACCEL_API void accel_stream_dma(struct accel_stream *s, const struct rowstat_cmd_dma *cmd);
ACCEL_API void accel_stream_pass(struct accel_stream *s, const struct rowstat_cmd_pass *cmd);
ACCEL_API void accel_stream_barrier(struct accel_stream *s);
ACCEL_API void accel_stream_end(struct accel_stream *s);
/* Appends raw bytes: for tests that build malformed commands. */
ACCEL_API void accel_stream_raw(struct accel_stream *s, const void *bytes, size_t len);

/*
 * Appends the commands of one convolution (LAYER .. last BARRIER, no END).
 * filter_va holds [M][C/G][R][S] filter_prec values, bias_va [M] int32.
 * Returns 0, or -EINVAL (bad mapping, err says why), -E2BIG (the stream
 * would exceed ROWSTAT_STREAM_MAX_BYTES) or -ENOMEM.
 */
ACCEL_API int accel_emit_conv(struct accel_stream *s, const struct rs_hw_params *hw,
			      const struct accel_conv *cv,
			      const struct accel_mapping *map, uint64_t filter_va,
			      uint64_t bias_va, const struct accel_tensor *in,
			      const struct accel_tensor *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* ROWSTAT_COMPILER_H */
