/* SPDX-License-Identifier: MIT */
/*
 * rowstat model core: what its source files share.  Every symbol here is
 * internal (hidden) and starts with rs_model_ like the public API.
 *
 *   model.c   lifetime, the run loop and the job's helpers
 *   decode.c  decoding and validation of every command, GLB hazards
 *   dma.c     DMA execution
 *   pass.c    the pass engine
 *   planes.c  the cache of packed operand planes
 *   chain.c   deferred psum reduction chains
 *   count.c   counting and the timeline
 *   simd.c    the arithmetic kernels (a leaf: it calls nothing here)
 */
#ifndef RS_MODEL_INTERNAL_H
#define RS_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_model.h"
#include "simd.h"

/* Working-set bounds of the pass engine, in int32 elements. */
#define LANES_BUDGET		2048
#define FILTER_CHUNK		256
#define PLANES_BUDGET		(1u << 20)
#define PLANE_CACHE_ENTRIES	8
#define PLANE_CACHE_MAX		(64u << 10)
#define CHAIN_BUDGET		(1u << 20)
#define CHAINS			4
/* Pair-MACs between two polls of the cancel flag in a pass. */
#define WORK_CHUNK		(1u << 24)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(x) __builtin_bswap16(x)
#define LE32(x) __builtin_bswap32(x)
#define LE64(x) __builtin_bswap64(x)
#else
#define LE16(x) ((uint16_t)(x))
#define LE32(x) ((uint32_t)(x))
#define LE64(x) ((uint64_t)(x))
#endif

static inline uint64_t rs_model_max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline uint64_t rs_model_div_ceil(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* ---- decoded commands ---- */

struct layer {
	unsigned ofmap_prec;
	unsigned ibytes, wbytes, obytes;
	bool relu, bias;
	unsigned N, C, H, W, M, R, S, G, E, F;
	unsigned Uh, Uw, pt, pb, pl, pr;
	unsigned Cg, Mg;
	unsigned shift;
	int32_t mult;
	uint64_t filter_va, bias_va;
	uint64_t filter_stride;	/* elements from filter m to m + 1 */
};

struct mapping {
	unsigned set_rows, set_cols, p, q, t, r, taps, n;
};

struct tile {
	uint32_t addr;
	unsigned origin[4], extent[4];
	uint64_t stride[4];	/* bytes; stride[0] is the element size */
};

struct pass {
	unsigned flags;
	unsigned n0, nn, m0, mm, c0, cc, e0, ee, f0, ff, r0, rr, s0, ss;
	struct tile ifmap, psum;
};

struct dma {
	unsigned dir, dtype, flags;
	uint64_t va;
	uint32_t glb;
	unsigned count[4];
	uint64_t dstride[4];	/* dstride[k]: DRAM bytes along dimension k + 1 */
	uint64_t gstride[4];	/* gstride[0]: element size */
	unsigned delem, gelem;
	uint64_t glb_end;
};

/* ---- host-side state of the model ---- */

/* GLB byte ranges a phase's DMAs or passes touch, merged. */
struct interval {
	uint64_t lo, hi;
};

struct range_set {
	struct interval *v;
	size_t n, cap;
};

struct timeline {
	uint64_t sync, link_free, dma_end, array_end;
	uint64_t decoded;	/* the command processor has decoded up to here */
};

/* What the tap table in scratch was built for; equal keys reuse it. */
struct taps_key {
	uint64_t filters_gen;
	unsigned Hs, Ws, ka, kb, ma, mcount, mpad, rr, ss, cc;
	bool pair_rows;
};

/* Buffers reused across passes, never larger than the budgets above. */
struct model_scratch {
	int32_t *planes;
	size_t planes_cap;
	int32_t *acc;
	size_t acc_cap;
	int32_t *weights;
	size_t weights_cap;
	uint32_t *tap_offset;
	size_t tap_offset_cap;
	int16_t *filters;	/* the filter block the PE spads hold */
	size_t filters_cap;
	int16_t *region;	/* dense copy of a pass's input rows */
	size_t region_cap;
	int32_t *bias;
	size_t bias_cap;
	uint32_t *use;		/* row uses, column uses, column zero counts */
	size_t use_cap;
	uint32_t *rowuse, *coluse, *colzero;
	uint8_t *io;
	size_t io_cap;
	int16_t *line;
	size_t line_cap;
	struct taps_key taps_key;
	unsigned taps_count;
	uint64_t filters_gen;	/* bumped whenever `filters` is refilled */
};

/* The key of a packed plane set: everything its contents depend on. */
struct plane_key {
	uint32_t addr;
	unsigned origin[4], extent[4];
	uint64_t stride[4];
	long hlo, wlo;
	unsigned n, c_first, channels, ra, xrows, xcols, Hs, Ws;
	unsigned nplanes, own_lo, own_hi, ee, rr, ff, ss;
	bool pair_rows, counted;
};

/*
 * Packed operand planes of recent passes.  Passes that differ only in
 * their filters read the same ifmap region; an entry is dropped when
 * anything writes the GLB bytes it was built from.
 */
struct plane_cache {
	struct plane_entry {
		bool valid;
		struct plane_key key;
		int32_t *planes;
		size_t cap;
		uint64_t zeros;
		uint64_t lo, hi;	/* GLB bytes it depends on */
		uint64_t used;		/* LRU stamp */
	} entry[PLANE_CACHE_ENTRIES];
	uint64_t clock;
};

/*
 * A reduction chain in flight: passes over the same outputs add into
 * `sums` instead of the GLB, which is written once, when anything could
 * observe it (docs/model.md, "Fast").
 */
struct chain {
	bool active, init;
	struct tile psum;
	unsigned n0, nn, m0, mm, e0, ee, f0, ff, Ws, lanes, mpad;
	uint64_t lo, hi;
	uint64_t used;		/* LRU stamp */
	int32_t *sums;		/* [n][mpad][lanes] */
	size_t sums_cap;
	int32_t *bias;
	size_t bias_cap;
};

struct rs_model {
	/* Device state: the configuration and the global buffer. */
	struct rs_hw_params hw;
	uint8_t *glb;
	/* Psums on their way to the GLB: logically part of it. */
	struct chain chains[CHAINS];
	uint64_t chain_clock;
	/* Host-side acceleration, invisible in any result. */
	const struct rs_model_simd *simd;
	struct plane_cache planes;
	struct model_scratch scratch;
};

/* One job in flight: the stream, what has been decoded, the timeline. */
struct job {
	struct rs_model *model;
	const struct rs_model_mem *mem;
	const struct rs_model_opts *opts;
	struct rs_model_result *res;
	struct rs_hw_counters *c;
	const uint8_t *stream;
	uint32_t bytes;
	uint32_t off;
	uint64_t budget;	/* cycles */
	bool exec;
	bool have_layer, have_mapping;
	struct layer L;
	struct mapping mp;
	struct range_set dma_rd, dma_wr, pass_rd, pass_wr;
	/* GLB bytes the stream may write: cleared when the job ends. */
	uint64_t written_lo, written_hi;
	struct timeline tl;
	/*
	 * The filter block the PE spads hold.  A pass that needs the same block
	 * on no more PE columns uses it as is: no DRAM read, no NoC transfer.
	 */
	struct {
		bool valid;
		unsigned m0, mm, c0, cc, r0, rr, s0, ss, ee;
	} held;
};

/* ---- model.c: the job's helpers ---- */

__attribute__((format(printf, 3, 4)))
int rs_model_fail(struct job *j, enum rowstat_status status, const char *fmt, ...);
int rs_model_out_of_memory(struct job *j);
int rs_model_read(struct job *j, uint64_t va, void *buf, size_t len, const char *what);
int rs_model_write(struct job *j, uint64_t va, const void *buf, size_t len,
		   const char *what);
/* Nonzero once the job's cancel flag is set (read atomically). */
bool rs_model_cancelled(const struct job *j);
int rs_model_cancel_fail(struct job *j);
/* Grows a buffer to count elements; NULL when the host is out of memory. */
void *rs_model_reserve(void **buf, size_t *cap, size_t count, size_t elem);

#define SCRATCH(j, field, count) \
	((__typeof__((j)->model->scratch.field))rs_model_reserve( \
		(void **)&(j)->model->scratch.field, \
		&(j)->model->scratch.field##_cap, (count), \
		sizeof(*(j)->model->scratch.field)))

/* ---- decode.c ---- */

int rs_model_decode_layer(struct job *j, const uint8_t *raw);
int rs_model_decode_mapping(struct job *j, const uint8_t *raw);
int rs_model_decode_dma(struct job *j, const uint8_t *raw, struct dma *d);
int rs_model_decode_pass(struct job *j, const uint8_t *raw, struct pass *p);
/* End of a GLB tile's byte span. */
uint64_t rs_model_tile_end(const struct tile *t);
/* A BARRIER: the next phase starts with no ranges in use. */
void rs_model_phase_reset(struct job *j);
void rs_model_ranges_free(struct job *j);

/* ---- dma.c, pass.c ---- */

int rs_model_exec_dma(struct job *j, const struct dma *d);
int rs_model_exec_pass(struct job *j, const struct pass *p);

/* ---- planes.c ---- */

struct pass_geom {
	bool pair_rows;		/* operands paired along rows (c_count == 1) */
	unsigned planes;	/* packed planes per image */
	unsigned hn, wn;	/* input region of the pass */
	long hlo, wlo;		/* its first row/column, padded coords */
	unsigned Ws;		/* sub-plane row length */
	/* Region rows/columns between the first and last real used ones. */
	unsigned rlo, rhi, clo, chi;
};

/* One block of a pass's input: an image, some channels, some rows. */
struct plane_block {
	unsigned n, c_first, channels;
	unsigned ra, xrows, xcols, Hs;	/* region rows from ra, padded to xrows x xcols */
	unsigned nplanes;
	size_t plane;			/* int32 per packed plane */
	unsigned lanes;
	unsigned own_lo, own_hi;	/* rows whose gated MACs this block counts */
	bool count;
};

/*
 * The packed planes of one block, from the cache or built now; adds the
 * gated MACs of the rows it owns to *gated when it counts.  NULL when the
 * host is out of memory.
 */
const int32_t *rs_model_planes_get(struct job *j, const struct pass *p,
				   const struct pass_geom *pg,
				   const struct plane_block *b, uint64_t *gated);
/* Drops the cached planes built from GLB bytes in [lo, hi). */
void rs_model_planes_invalidate(struct rs_model *md, uint64_t lo, uint64_t hi);
void rs_model_planes_free(struct rs_model *md);

/* ---- chain.c ---- */

/* Writes every chain to the GLB; with `final`, requantized. */
void rs_model_chain_flush(struct job *j, bool final);
void rs_model_chain_flush_one(struct job *j, struct chain *ch, bool final);
/* Flushes every chain whose psums touch GLB bytes [lo, hi). */
void rs_model_chain_flush_overlap(struct job *j, uint64_t lo, uint64_t hi);
/*
 * The chain a pass accumulates into (*joins when it continues one), after
 * flushing what the pass would otherwise race with.  NULL with *joins false
 * when the pass does not defer; -1 when the host is out of memory.
 */
int rs_model_chain_for_pass(struct job *j, const struct pass *p, unsigned Ws,
			    unsigned lanes, unsigned mpad, bool deferrable,
			    const int32_t *bias, struct chain **out, bool *joins);
void rs_model_chains_reset(struct rs_model *md);
void rs_model_chains_free(struct rs_model *md);

/* ---- count.c ---- */

/* What a pass costs, from its geometry alone (no data). */
struct pass_cost {
	uint64_t rows_real, cols_used, cols_real;
	uint64_t filter_sets, channel_sets, pes, macs, outputs;
	uint64_t glb_ifmap;
	uint64_t link_bytes;	/* filters (when loaded) and biases */
	uint64_t mac_cycles, compute, active;
};

uint64_t rs_model_transfer_cycles(const struct job *j, uint64_t bytes);
/* Fails the job with BUDGET if its timeline would end past the budget. */
int rs_model_over_budget(struct job *j, uint64_t end, const char *what);
void rs_model_pass_cost(const struct job *j, const struct pass *p,
			const struct pass_geom *pg, bool filters_loaded,
			struct pass_cost *pc);
/* When a pass of this cost would finish; *link_end when its filters arrive. */
uint64_t rs_model_pass_end(const struct job *j, const struct pass_cost *pc,
			   uint64_t *link_end);
void rs_model_count_pass(struct job *j, const struct pass *p,
			 const struct pass_cost *pc, uint64_t gated,
			 bool filters_loaded);
/* The job's latency so far: when the last resource finishes. */
uint64_t rs_model_job_end(const struct job *j);

#endif /* RS_MODEL_INTERNAL_H */
