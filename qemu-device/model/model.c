// SPDX-License-Identifier: MIT
/*
 * rowstat model core: command-stream validation and execution.
 *
 * A job runs in two sweeps over the stream.  The first decodes and checks
 * every command (ranges, RF and array fit, GLB bounds, DMA/pass races) and
 * executes nothing; the second executes.  So a malformed stream is refused
 * without side effects, and only data-dependent failures (a faulting
 * access, corrupt compressed data) can stop a job part-way.
 *
 * Passes compute with the packed-pair kernel (kernel.c); every count is
 * derived from the pass as issued and from the actual data, by the closed
 * forms documented in docs/model.md and checked against a step-by-step
 * simulation in tests/support/step_counter.c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_model.h"
#include "rs_internal.h"

/* Working-set bounds of the pass kernel, in int32 elements. */
#define LANES_BUDGET	2048
#define FILTER_CHUNK	256
#define PLANES_BUDGET	(1u << 20)
#define PLANE_CACHE_ENTRIES	8
#define PLANE_CACHE_MAX		(64u << 10)
#define CHAIN_BUDGET		(1u << 20)
#define CHAINS			4
/* Pair-MACs between two polls of the cancel flag in a pass. */
#define WORK_CHUNK		(1u << 24)

#define RS_MODEL_MAX_ARRAY	64
#define RS_MODEL_MAX_RF		1024

struct layer {
	unsigned ifmap_prec, filter_prec, ofmap_prec;
	unsigned ibytes, wbytes, obytes;
	bool relu, bias;
	unsigned N, C, H, W, M, R, S, G, E, F;
	unsigned Uh, Uw, pt, pb, pl, pr;
	unsigned Cg, Mg;
	unsigned shift;
	int32_t mult;
	uint64_t filter_va, bias_va;
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
	uint64_t dstride[4];	/* dstride[0]: bytes per line slot */
	uint64_t gstride[4];	/* gstride[0]: element size */
	unsigned delem, gelem;
};

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

struct rs_model {
	struct rs_hw_params hw;
	uint8_t *glb;
	/* Scratch reused across passes; sizes bounded by the budgets above. */
	int32_t *planes;
	size_t planes_cap;
	int32_t *acc;
	size_t acc_cap;
	int32_t *weights;
	size_t weights_cap;
	uint32_t *tap_offset;
	size_t tap_offset_cap;
	int16_t *filters;
	size_t filters_cap;
	int16_t *region;	/* dense copy of a pass's input rows */
	size_t region_cap;
	/*
	 * What the tap table in tap_offset/weights was built for; passes that
	 * keep the same filters and geometry reuse it.
	 */
	struct taps_key {
		uint64_t filters_gen;
		unsigned Hs, Ws, ka, kb, ma, mcount, mpad, rr, ss, cc;
		bool pair_rows;
	} taps_key;
	unsigned taps_count;
	uint64_t filters_gen;	/* bumped whenever `filters` is refilled */
	/*
	 * Packed operand planes of recent passes.  Passes that differ only in
	 * their filters read the same ifmap region; an entry is dropped when
	 * anything writes the GLB bytes it was built from.
	 */
	struct plane_entry {
		bool valid;
		struct plane_key {
			uint32_t addr;
			unsigned origin[4], extent[4];
			uint64_t stride[4];
			long hlo, wlo;
			unsigned n, c_first, channels, ra, xrows, xcols, Hs, Ws;
			unsigned nplanes, own_lo, own_hi, ee, rr, ff, ss;
			bool pair_rows, counted;
		} key;
		int32_t *planes;
		size_t cap;
		uint64_t zeros;
		uint64_t lo, hi;	/* GLB bytes it depends on */
		uint64_t used;		/* LRU stamp */
	} plane_cache[PLANE_CACHE_ENTRIES];
	uint64_t plane_clock;
	/*
	 * A reduction chain in flight: passes over the same outputs add into
	 * `sums` instead of the GLB, which is written once, when anything
	 * could observe it (docs/model.md, "Execution").
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
	} chains[CHAINS];
	uint64_t chain_clock;
	int32_t *bias;
	size_t bias_cap;
	uint32_t *use;		/* row uses, column uses, column zero counts */
	size_t use_cap;
	uint32_t *rowuse, *coluse, *colzero;
	uint8_t *io;
	size_t io_cap;
	int16_t *line;
	size_t line_cap;
};

struct job {
	struct rs_model *model;
	const struct rs_mem_ops *mem;
	const struct rs_run_opts *opts;
	struct rs_job_result *res;
	struct rs_counters *c;
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

/* ---- helpers ---------------------------------------------------------------- */

static const char *const status_names[ROWSTAT_ERR_COUNT] = {
	[ROWSTAT_OK] = "ok",
	[ROWSTAT_ERR_STREAM_ALIGN] = "stream-align",
	[ROWSTAT_ERR_STREAM_SIZE] = "stream-size",
	[ROWSTAT_ERR_TRUNCATED] = "truncated",
	[ROWSTAT_ERR_OPCODE] = "opcode",
	[ROWSTAT_ERR_CMD_SIZE] = "cmd-size",
	[ROWSTAT_ERR_RESERVED] = "reserved",
	[ROWSTAT_ERR_NO_LAYER] = "no-layer",
	[ROWSTAT_ERR_NO_MAPPING] = "no-mapping",
	[ROWSTAT_ERR_LAYER_SHAPE] = "layer-shape",
	[ROWSTAT_ERR_LAYER_PREC] = "layer-precision",
	[ROWSTAT_ERR_LAYER_QUANT] = "layer-quant",
	[ROWSTAT_ERR_MAP_ARRAY] = "mapping-array",
	[ROWSTAT_ERR_MAP_RF] = "mapping-rf",
	[ROWSTAT_ERR_PASS_RANGE] = "pass-range",
	[ROWSTAT_ERR_PASS_TILE] = "pass-tile",
	[ROWSTAT_ERR_GLB_BOUNDS] = "glb-bounds",
	[ROWSTAT_ERR_DMA_SHAPE] = "dma-shape",
	[ROWSTAT_ERR_FAULT] = "fault",
	[ROWSTAT_ERR_RLC] = "rlc",
	[ROWSTAT_ERR_HAZARD] = "hazard",
	[ROWSTAT_ERR_INTERNAL] = "internal",
	[ROWSTAT_ERR_CANCELLED] = "cancelled",
	[ROWSTAT_ERR_BUDGET] = "budget",
};

const char *rs_status_name(enum rowstat_status status)
{
	if ((unsigned)status < ROWSTAT_ERR_COUNT && status_names[status])
		return status_names[status];
	return "unknown";
}

const char *rs_dtype_name(enum rowstat_dtype dtype)
{
	static const char *const names[] = { "ifmap", "filter", "psum" };

	return (unsigned)dtype < ROWSTAT_DT_COUNT ? names[dtype] : "?";
}

const char *rs_level_name(enum rowstat_level level)
{
	static const char *const names[] = { "MAC", "RF", "NoC", "GLB", "DRAM" };

	return (unsigned)level < ROWSTAT_LEVEL_COUNT ? names[level] : "?";
}

__attribute__((format(printf, 3, 4)))
static int fail(struct job *j, enum rowstat_status status, const char *fmt, ...)
{
	va_list ap;

	if (j->res->status != ROWSTAT_OK)
		return -1;
	j->res->status = status;
	j->res->error_offset = j->off;
	va_start(ap, fmt);
	vsnprintf(j->res->detail, sizeof(j->res->detail), fmt, ap);
	va_end(ap);
	return -1;
}

static int fault(struct job *j, uint64_t va, bool write, const char *what)
{
	if (j->res->status == ROWSTAT_OK) {
		j->res->fault_va = va;
		j->res->fault_write = write;
	}
	return fail(j, ROWSTAT_ERR_FAULT, "%s %s faulted at 0x%" PRIx64, what,
		    write ? "write" : "read", va);
}

static int mem_read(struct job *j, uint64_t va, void *buf, size_t len,
		    const char *what)
{
	if (j->mem->read(j->mem->opaque, va, buf, len))
		return fault(j, va, false, what);
	return 0;
}

static int mem_write(struct job *j, uint64_t va, const void *buf, size_t len,
		     const char *what)
{
	if (j->mem->write(j->mem->opaque, va, buf, len))
		return fault(j, va, true, what);
	return 0;
}

static bool cancelled(const struct job *j)
{
	return j->opts && j->opts->cancel &&
	       __atomic_load_n(j->opts->cancel, __ATOMIC_RELAXED);
}

static int cancel_fail(struct job *j)
{
	return fail(j, ROWSTAT_ERR_CANCELLED, "job cancelled");
}

/* Fails the job if its timeline would end past the budget. */
static int over_budget(struct job *j, uint64_t end, const char *what)
{
	if (end <= j->budget)
		return 0;
	return fail(j, ROWSTAT_ERR_BUDGET,
		    "%s would end at cycle %" PRIu64 ", past the job's budget of %" PRIu64,
		    what, end, j->budget);
}

/* Grows a scratch buffer; the model never holds more than the budgets. */
static void *reserve(void **buf, size_t *cap, size_t count, size_t elem)
{
	if (count > *cap) {
		void *p = realloc(*buf, count * elem);

		if (!p)
			return NULL;
		*buf = p;
		*cap = count;
	}
	return *buf;
}

#define RESERVE(j, field, count) \
	((__typeof__((j)->model->field))reserve((void **)&(j)->model->field, \
		&(j)->model->field##_cap, (count), sizeof(*(j)->model->field)))

static int out_of_memory(struct job *j)
{
	return fail(j, ROWSTAT_ERR_INTERNAL, "model out of host memory");
}

static unsigned prec_bytes(unsigned prec)
{
	return prec == ROWSTAT_PREC_INT8 ? 1 : 2;
}

int32_t rs_requantize(int32_t acc, int32_t mult, unsigned shift, bool relu,
		      unsigned out_prec)
{
	int64_t z = (int64_t)acc * mult;
	int64_t lo = out_prec == ROWSTAT_PREC_INT8 ? INT8_MIN : INT16_MIN;
	int64_t hi = out_prec == ROWSTAT_PREC_INT8 ? INT8_MAX : INT16_MAX;

	/* Round half up: add half an output step, then floor. */
	if (shift)
		z = (z + ((int64_t)1 << (shift - 1))) >> shift;
	if (relu && z < 0)
		z = 0;
	if (z < lo)
		z = lo;
	if (z > hi)
		z = hi;
	return (int32_t)z;
}

/* ---- GLB ranges and hazards ---------------------------------------------------- */

static bool ranges_overlap(const struct range_set *s, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < s->n; i++)
		if (lo < s->v[i].hi && s->v[i].lo < hi)
			return true;
	return false;
}

/* Adds [lo, hi), merging with what it touches so phases stay short lists. */
static int ranges_add(struct range_set *s, uint64_t lo, uint64_t hi)
{
	size_t i = 0;

	while (i < s->n) {
		if (lo <= s->v[i].hi && s->v[i].lo <= hi) {
			lo = lo < s->v[i].lo ? lo : s->v[i].lo;
			hi = hi > s->v[i].hi ? hi : s->v[i].hi;
			s->v[i] = s->v[--s->n];
			i = 0;
			continue;
		}
		i++;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct interval *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].lo = lo;
	s->v[s->n].hi = hi;
	s->n++;
	return 0;
}

static void note_written(struct job *j, uint64_t lo, uint64_t hi)
{
	if (j->written_hi <= j->written_lo) {
		j->written_lo = lo;
		j->written_hi = hi;
		return;
	}
	j->written_lo = lo < j->written_lo ? lo : j->written_lo;
	j->written_hi = hi > j->written_hi ? hi : j->written_hi;
}

static void phase_reset(struct job *j)
{
	j->dma_rd.n = j->dma_wr.n = j->pass_rd.n = j->pass_wr.n = 0;
}

static uint64_t tile_end(const struct tile *t)
{
	uint64_t end = (uint64_t)t->addr + (uint64_t)t->extent[0] * t->stride[0];

	for (int d = 1; d < 4; d++)
		end += (uint64_t)(t->extent[d] - 1) * t->stride[d];
	return end;
}

struct chain;
static void chain_flush(struct job *j, bool final);
static void chain_flush_overlap(struct job *j, uint64_t lo, uint64_t hi);

static void plane_cache_invalidate(struct rs_model *md, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < PLANE_CACHE_ENTRIES; i++) {
		struct plane_entry *e = &md->plane_cache[i];

		if (e->valid && lo < e->hi && e->lo < hi)
			e->valid = false;
	}
}

/* ---- decoding ------------------------------------------------------------------ */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(x) __builtin_bswap16(x)
#define LE32(x) __builtin_bswap32(x)
#define LE64(x) __builtin_bswap64(x)
#else
#define LE16(x) ((uint16_t)(x))
#define LE32(x) ((uint32_t)(x))
#define LE64(x) ((uint64_t)(x))
#endif

static const struct {
	unsigned bytes;
	const char *name;
} cmd_info[] = {
	[ROWSTAT_OP_END] = { sizeof(struct rowstat_cmd_end), "END" },
	[ROWSTAT_OP_LAYER] = { sizeof(struct rowstat_cmd_layer), "LAYER" },
	[ROWSTAT_OP_MAPPING] = { sizeof(struct rowstat_cmd_mapping), "MAPPING" },
	[ROWSTAT_OP_DMA] = { sizeof(struct rowstat_cmd_dma), "DMA" },
	[ROWSTAT_OP_PASS] = { sizeof(struct rowstat_cmd_pass), "PASS" },
	[ROWSTAT_OP_BARRIER] = { sizeof(struct rowstat_cmd_barrier), "BARRIER" },
};

static void decode_tile(const struct rowstat_glb_tile *in, unsigned elem,
			struct tile *t)
{
	t->addr = LE32(in->addr);
	for (int d = 0; d < 4; d++) {
		t->origin[d] = LE16(in->origin[d]);
		t->extent[d] = LE16(in->extent[d]);
	}
	t->stride[0] = elem;
	for (int d = 0; d < 3; d++)
		t->stride[d + 1] = LE32(in->stride[d]);
}

/* ---- LAYER ------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static enum rowstat_status shape_fail(enum rowstat_status code, char *why,
				      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, RS_DETAIL_MAX, fmt, ap);
	va_end(ap);
	return code;
}

enum rowstat_status rs_layer_shape_check(const struct rs_hw_params *hw,
					 const struct rs_layer_shape *ls,
					 const char *prefix, char *why, size_t len)
{
	static const char *const prec_names[3] = {
		"ifmap_prec", "filter_prec", "ofmap_prec"
	};
	const struct {
		const char *name;
		unsigned v, lo, hi;
	} ranges[] = {
		{ "batch", ls->batch, 1, ROWSTAT_MAX_BATCH },
		{ "in_channels", ls->in_channels, 1, ROWSTAT_MAX_CHANNELS },
		{ "in_height", ls->in_height, 1, ROWSTAT_MAX_SPATIAL },
		{ "in_width", ls->in_width, 1, ROWSTAT_MAX_SPATIAL },
		{ "out_channels", ls->out_channels, 1, ROWSTAT_MAX_CHANNELS },
		{ "kernel_h", ls->kernel_h, 1, ROWSTAT_MAX_KERNEL },
		{ "kernel_w", ls->kernel_w, 1, ROWSTAT_MAX_KERNEL },
		{ "groups", ls->groups, 1, ls->in_channels },
		{ "stride_h", ls->stride_h, 1, ROWSTAT_MAX_STRIDE },
		{ "stride_w", ls->stride_w, 1, ROWSTAT_MAX_STRIDE },
		/* A pad as large as the kernel would give outputs of padding only. */
		{ "pad_top", ls->pad_top, 0, ls->kernel_h - 1 },
		{ "pad_bottom", ls->pad_bottom, 0, ls->kernel_h - 1 },
		{ "pad_left", ls->pad_left, 0, ls->kernel_w - 1 },
		{ "pad_right", ls->pad_right, 0, ls->kernel_w - 1 },
	};
	char buf[RS_DETAIL_MAX];
	enum rowstat_status st = ROWSTAT_OK;

	for (int i = 0; i < 3 && !st; i++)
		if ((ls->prec[i] != ROWSTAT_PREC_Q16 && ls->prec[i] != ROWSTAT_PREC_INT8) ||
		    (hw && !(hw->precisions & ROWSTAT_PREC_BIT(ls->prec[i]))))
			st = shape_fail(ROWSTAT_ERR_LAYER_PREC, buf, "%s%s %u not supported",
					prefix, prec_names[i], ls->prec[i]);
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]) && !st; i++)
		/* kernel - 1 wraps for a zero kernel; the kernel check came first. */
		if (ranges[i].v < ranges[i].lo || ranges[i].v > ranges[i].hi)
			st = shape_fail(ROWSTAT_ERR_LAYER_SHAPE, buf, "%s%s %u outside %u..%u",
					prefix, ranges[i].name, ranges[i].v, ranges[i].lo,
					ranges[i].hi);
	if (!st && (ls->in_channels % ls->groups || ls->out_channels % ls->groups))
		st = shape_fail(ROWSTAT_ERR_LAYER_SHAPE, buf,
				"%sgroups %u does not divide in_channels %u and out_channels %u",
				prefix, ls->groups, ls->in_channels, ls->out_channels);
	if (!st && (ls->in_height + ls->pad_top + ls->pad_bottom < ls->kernel_h ||
		    ls->in_width + ls->pad_left + ls->pad_right < ls->kernel_w))
		st = shape_fail(ROWSTAT_ERR_LAYER_SHAPE, buf,
				"%skernel %ux%u larger than the padded input %ux%u", prefix,
				ls->kernel_h, ls->kernel_w,
				ls->in_height + ls->pad_top + ls->pad_bottom,
				ls->in_width + ls->pad_left + ls->pad_right);
	if (!st && ls->requant_shift > ROWSTAT_MAX_REQUANT_SHIFT)
		st = shape_fail(ROWSTAT_ERR_LAYER_QUANT, buf, "%srequant_shift %u above %u",
				prefix, ls->requant_shift, ROWSTAT_MAX_REQUANT_SHIFT);
	if (st && why && len)
		snprintf(why, len, "%s", buf);
	return st;
}

static int do_layer(struct job *j, const uint8_t *raw)
{
	struct rowstat_cmd_layer cmd;
	struct layer *L = &j->L;
	const struct rs_hw_params *hw = &j->model->hw;

	memcpy(&cmd, raw, sizeof(cmd));
	if (cmd.reserved0 || cmd.reserved1[0] || cmd.reserved1[1])
		return fail(j, ROWSTAT_ERR_RESERVED, "LAYER reserved field nonzero");
	if (cmd.flags & ~ROWSTAT_LAYER_FLAGS)
		return fail(j, ROWSTAT_ERR_RESERVED, "LAYER.flags unknown bits 0x%x",
			    cmd.flags & ~ROWSTAT_LAYER_FLAGS);
	struct rs_layer_shape ls = {
		.prec = { cmd.ifmap_prec, cmd.filter_prec, cmd.ofmap_prec },
		.batch = LE16(cmd.batch), .in_channels = LE16(cmd.in_channels),
		.in_height = LE16(cmd.in_height), .in_width = LE16(cmd.in_width),
		.out_channels = LE16(cmd.out_channels), .kernel_h = LE16(cmd.kernel_h),
		.kernel_w = LE16(cmd.kernel_w), .groups = LE16(cmd.groups),
		.stride_h = cmd.stride_h, .stride_w = cmd.stride_w,
		.pad_top = cmd.pad_top, .pad_bottom = cmd.pad_bottom,
		.pad_left = cmd.pad_left, .pad_right = cmd.pad_right,
		.requant_shift = cmd.requant_shift,
	};
	char why[RS_DETAIL_MAX];
	enum rowstat_status st = rs_layer_shape_check(hw, &ls, "LAYER.", why, sizeof(why));

	if (st)
		return fail(j, st, "%s", why);
	memset(L, 0, sizeof(*L));
	L->ifmap_prec = ls.prec[0];
	L->filter_prec = ls.prec[1];
	L->ofmap_prec = ls.prec[2];
	L->ibytes = prec_bytes(ls.prec[0]);
	L->wbytes = prec_bytes(ls.prec[1]);
	L->obytes = prec_bytes(ls.prec[2]);
	L->relu = cmd.flags & ROWSTAT_LAYER_RELU;
	L->bias = cmd.flags & ROWSTAT_LAYER_BIAS;
	L->N = ls.batch;
	L->C = ls.in_channels;
	L->H = ls.in_height;
	L->W = ls.in_width;
	L->M = ls.out_channels;
	L->R = ls.kernel_h;
	L->S = ls.kernel_w;
	L->G = ls.groups;
	L->E = LE16(cmd.out_height);
	L->F = LE16(cmd.out_width);
	L->Uh = ls.stride_h;
	L->Uw = ls.stride_w;
	L->pt = ls.pad_top;
	L->pb = ls.pad_bottom;
	L->pl = ls.pad_left;
	L->pr = ls.pad_right;
	L->shift = ls.requant_shift;
	L->mult = (int32_t)LE32(cmd.requant_mult);
	L->filter_va = LE64(cmd.filter_va);
	L->bias_va = LE64(cmd.bias_va);
	if (L->E != (L->H + L->pt + L->pb - L->R) / L->Uh + 1)
		return fail(j, ROWSTAT_ERR_LAYER_SHAPE,
			    "LAYER.out_height %u, the shape gives %u", L->E,
			    (L->H + L->pt + L->pb - L->R) / L->Uh + 1);
	if (L->F != (L->W + L->pl + L->pr - L->S) / L->Uw + 1)
		return fail(j, ROWSTAT_ERR_LAYER_SHAPE,
			    "LAYER.out_width %u, the shape gives %u", L->F,
			    (L->W + L->pl + L->pr - L->S) / L->Uw + 1);
	if (L->filter_va % L->wbytes)
		return fail(j, ROWSTAT_ERR_LAYER_SHAPE,
			    "LAYER.filter_va 0x%" PRIx64 " not %u-byte aligned",
			    L->filter_va, L->wbytes);
	if (L->bias && L->bias_va % 4)
		return fail(j, ROWSTAT_ERR_LAYER_SHAPE,
			    "LAYER.bias_va 0x%" PRIx64 " not 4-byte aligned",
			    L->bias_va);
	if (!L->bias && L->bias_va)
		return fail(j, ROWSTAT_ERR_RESERVED,
			    "LAYER.bias_va set without the BIAS flag");
	L->Cg = L->C / L->G;
	L->Mg = L->M / L->G;
	j->have_layer = true;
	/* A new layer needs its own array configuration and filters. */
	j->have_mapping = false;
	j->held.valid = false;
	return 0;
}

/* ---- MAPPING ----------------------------------------------------------------- */

unsigned rs_array_slots(const struct rs_hw_params *hw, unsigned set_rows,
			unsigned set_cols, unsigned *vertical)
{
	/* Sets wider than the array fold into strips stacked below each other. */
	unsigned strips, height, width;

	*vertical = 0;
	if (!set_rows || !set_cols)
		return 0;
	strips = (set_cols + hw->array_cols - 1) / hw->array_cols;
	height = set_rows * strips;
	width = set_cols < hw->array_cols ? set_cols : hw->array_cols;
	if (height > hw->array_rows)
		return 0;
	*vertical = hw->array_rows / height;
	return *vertical * (hw->array_cols / width);
}

bool rs_array_fits(const struct rs_hw_params *hw, unsigned set_rows,
		   unsigned set_cols, unsigned filter_sets, unsigned channel_sets)
{
	unsigned vertical, slots = rs_array_slots(hw, set_rows, set_cols, &vertical);

	if (!slots || !filter_sets || !channel_sets || channel_sets > vertical)
		return false;
	/* Each filter group takes channel_sets slots of one slot column. */
	return filter_sets <= (vertical / channel_sets) * (slots / vertical);
}

static int do_mapping(struct job *j, const uint8_t *raw)
{
	struct rowstat_cmd_mapping cmd;
	struct mapping *mp = &j->mp;
	const struct rs_hw_params *hw = &j->model->hw;
	unsigned copies, vslots;

	memcpy(&cmd, raw, sizeof(cmd));
	if (cmd.reserved)
		return fail(j, ROWSTAT_ERR_RESERVED, "MAPPING reserved field nonzero");
	if (!j->have_layer)
		return fail(j, ROWSTAT_ERR_NO_LAYER, "MAPPING before any LAYER");
	mp->set_rows = LE16(cmd.set_rows);
	mp->set_cols = LE16(cmd.set_cols);
	mp->p = LE16(cmd.filters_per_pe);
	mp->q = LE16(cmd.channels_per_pe);
	mp->t = LE16(cmd.filter_sets);
	mp->r = LE16(cmd.channel_sets);
	mp->taps = LE16(cmd.taps_per_pe);
	mp->n = LE16(cmd.images_per_pass);

	static const char *const names[] = {
		"set_rows", "set_cols", "filters_per_pe", "channels_per_pe",
		"filter_sets", "channel_sets", "taps_per_pe", "images_per_pass"
	};
	const unsigned vals[] = { mp->set_rows, mp->set_cols, mp->p, mp->q,
				  mp->t, mp->r, mp->taps, mp->n };
	for (int i = 0; i < 8; i++)
		if (!vals[i])
			return fail(j, ROWSTAT_ERR_MAP_ARRAY, "MAPPING.%s is zero",
				    names[i]);
	if (mp->n > ROWSTAT_MAX_BATCH)
		return fail(j, ROWSTAT_ERR_MAP_ARRAY,
			    "MAPPING.images_per_pass %u above %u", mp->n,
			    ROWSTAT_MAX_BATCH);
	if (mp->set_rows > hw->array_rows)
		return fail(j, ROWSTAT_ERR_MAP_ARRAY,
			    "MAPPING.set_rows %u exceeds the array's %u rows",
			    mp->set_rows, hw->array_rows);
	copies = rs_array_slots(hw, mp->set_rows, mp->set_cols, &vslots);
	if (!copies)
		return fail(j, ROWSTAT_ERR_MAP_ARRAY,
			    "MAPPING.set_cols %u: a %ux%u PE set does not fit the %ux%u array",
			    mp->set_cols, mp->set_rows, mp->set_cols,
			    hw->array_rows, hw->array_cols);
	if (mp->r > vslots)
		return fail(j, ROWSTAT_ERR_MAP_ARRAY,
			    "MAPPING.channel_sets %u: only %u sets stack in the array's columns",
			    mp->r, vslots);
	if (!rs_array_fits(hw, mp->set_rows, mp->set_cols, mp->t, mp->r))
		return fail(j, ROWSTAT_ERR_MAP_ARRAY,
			    "MAPPING.filter_sets %u x channel_sets %u exceeds the %u PE sets that fit",
			    mp->t, mp->r, copies);
	if ((uint64_t)mp->p * mp->q * mp->taps > hw->rf_filter)
		return fail(j, ROWSTAT_ERR_MAP_RF,
			    "MAPPING filters_per_pe %u x channels_per_pe %u x taps_per_pe %u exceeds the filter RF (%u)",
			    mp->p, mp->q, mp->taps, hw->rf_filter);
	if ((uint64_t)mp->q * mp->taps > hw->rf_ifmap)
		return fail(j, ROWSTAT_ERR_MAP_RF,
			    "MAPPING channels_per_pe %u x taps_per_pe %u exceeds the ifmap RF (%u)",
			    mp->q, mp->taps, hw->rf_ifmap);
	if (mp->p > hw->rf_psum)
		return fail(j, ROWSTAT_ERR_MAP_RF,
			    "MAPPING.filters_per_pe %u exceeds the psum RF (%u)",
			    mp->p, hw->rf_psum);
	j->have_mapping = true;
	/* Reconfiguring the array redistributes the spads. */
	j->held.valid = false;
	return 0;
}

/* ---- DMA ------------------------------------------------------------------ */

static uint64_t dma_dram_end(const struct dma *d, bool rlc)
{
	uint64_t end = d->va + (rlc ? ROWSTAT_RLC_SLOT_BYTES((uint64_t)d->count[0]) :
				(uint64_t)d->count[0] * d->delem);

	for (int k = 1; k < 4; k++)
		end += (uint64_t)(d->count[k] - 1) * d->dstride[k - 1];
	return end;
}

static int decode_dma(struct job *j, const uint8_t *raw, struct dma *d)
{
	struct rowstat_cmd_dma cmd;
	const struct layer *L = &j->L;
	bool rlc;
	uint64_t glb_end, box = 1;

	memcpy(&cmd, raw, sizeof(cmd));
	if (cmd.reserved0 || cmd.reserved1)
		return fail(j, ROWSTAT_ERR_RESERVED, "DMA reserved field nonzero");
	if (cmd.flags & ~ROWSTAT_DMA_RLC)
		return fail(j, ROWSTAT_ERR_RESERVED, "DMA.flags unknown bits 0x%x",
			    cmd.flags & ~ROWSTAT_DMA_RLC);
	if (!j->have_layer)
		return fail(j, ROWSTAT_ERR_NO_LAYER, "DMA before any LAYER");
	d->dir = cmd.direction;
	d->dtype = cmd.dtype;
	d->flags = cmd.flags;
	rlc = d->flags & ROWSTAT_DMA_RLC;
	if (d->dir == ROWSTAT_DMA_LOAD && d->dtype == ROWSTAT_DT_IFMAP) {
		d->delem = L->ibytes;
		d->gelem = L->ibytes;
	} else if (d->dir == ROWSTAT_DMA_STORE && d->dtype == ROWSTAT_DT_PSUM) {
		d->delem = L->obytes;
		d->gelem = 4;
	} else {
		return fail(j, ROWSTAT_ERR_DMA_SHAPE,
			    "DMA.direction %u with DMA.dtype %u: only ifmap loads and psum stores",
			    d->dir, d->dtype);
	}
	d->va = LE64(cmd.dram_va);
	d->glb = LE32(cmd.glb_addr);
	for (int k = 0; k < 4; k++) {
		d->count[k] = LE32(cmd.count[k]);
		if (!d->count[k])
			return fail(j, ROWSTAT_ERR_DMA_SHAPE, "DMA.count[%d] is zero", k);
		box *= d->count[k];
		if (box > UINT32_MAX)
			return fail(j, ROWSTAT_ERR_DMA_SHAPE,
				    "DMA box of more than 2^32 elements");
	}
	d->gstride[0] = d->gelem;
	for (int k = 0; k < 3; k++) {
		d->dstride[k] = LE32(cmd.dram_stride[k]);
		d->gstride[k + 1] = LE32(cmd.glb_stride[k]);
	}
	/* dstride[3] is unused: the DRAM side's dims 1..3 use dstride[0..2]. */
	d->dstride[3] = 0;
	if (rlc) {
		if (d->va % ROWSTAT_RLC_WORD_BYTES)
			return fail(j, ROWSTAT_ERR_DMA_SHAPE,
				    "DMA.dram_va 0x%" PRIx64 " not 8-byte aligned for RLC",
				    d->va);
		for (int k = 0; k < 3; k++)
			if (d->dstride[k] % ROWSTAT_RLC_WORD_BYTES)
				return fail(j, ROWSTAT_ERR_DMA_SHAPE,
					    "DMA.dram_stride[%d] %" PRIu64 " not a multiple of 8 for RLC",
					    k, d->dstride[k]);
		if (d->count[1] > 1 &&
		    d->dstride[0] < ROWSTAT_RLC_SLOT_BYTES((uint64_t)d->count[0]))
			return fail(j, ROWSTAT_ERR_DMA_SHAPE,
				    "DMA.dram_stride[0] %" PRIu64 " smaller than the RLC slot of %u values (%u bytes)",
				    d->dstride[0], d->count[0],
				    (unsigned)ROWSTAT_RLC_SLOT_BYTES(d->count[0]));
	} else {
		if (d->va % d->delem)
			return fail(j, ROWSTAT_ERR_DMA_SHAPE,
				    "DMA.dram_va 0x%" PRIx64 " not %u-byte aligned",
				    d->va, d->delem);
		for (int k = 0; k < 3; k++)
			if (d->dstride[k] % d->delem)
				return fail(j, ROWSTAT_ERR_DMA_SHAPE,
					    "DMA.dram_stride[%d] %" PRIu64 " not a multiple of %u",
					    k, d->dstride[k], d->delem);
	}
	if (dma_dram_end(d, rlc) < d->va ||
	    dma_dram_end(d, rlc) > (1ull << ROWSTAT_VA_BITS))
		return fail(j, ROWSTAT_ERR_DMA_SHAPE,
			    "DMA DRAM range from 0x%" PRIx64 " leaves the %d-bit VA space",
			    d->va, ROWSTAT_VA_BITS);
	if (d->glb % d->gelem)
		return fail(j, ROWSTAT_ERR_GLB_BOUNDS,
			    "DMA.glb_addr 0x%x not %u-byte aligned", d->glb, d->gelem);
	for (int k = 1; k < 4; k++)
		if (d->gstride[k] % d->gelem)
			return fail(j, ROWSTAT_ERR_GLB_BOUNDS,
				    "DMA.glb_stride[%d] %" PRIu64 " not a multiple of %u",
				    k - 1, d->gstride[k], d->gelem);
	glb_end = d->glb + (uint64_t)d->count[0] * d->gelem;
	for (int k = 1; k < 4; k++)
		glb_end += (uint64_t)(d->count[k] - 1) * d->gstride[k];
	if (glb_end > j->model->hw.glb_bytes)
		return fail(j, ROWSTAT_ERR_GLB_BOUNDS,
			    "DMA GLB range 0x%x..0x%" PRIx64 " past the GLB's %u bytes",
			    d->glb, glb_end, j->model->hw.glb_bytes);
	if (j->exec)
		return 0;
	if (d->dir == ROWSTAT_DMA_LOAD) {
		if (ranges_overlap(&j->pass_rd, d->glb, glb_end) ||
		    ranges_overlap(&j->pass_wr, d->glb, glb_end))
			return fail(j, ROWSTAT_ERR_HAZARD,
				    "DMA load into GLB 0x%x..0x%" PRIx64 " races a pass since the last BARRIER",
				    d->glb, glb_end);
		if (ranges_add(&j->dma_wr, d->glb, glb_end))
			return out_of_memory(j);
		note_written(j, d->glb, glb_end);
	} else {
		if (ranges_overlap(&j->pass_wr, d->glb, glb_end))
			return fail(j, ROWSTAT_ERR_HAZARD,
				    "DMA store from GLB 0x%x..0x%" PRIx64 " races a pass since the last BARRIER",
				    d->glb, glb_end);
		if (ranges_add(&j->dma_rd, d->glb, glb_end))
			return out_of_memory(j);
	}
	return 0;
}

/* Little-endian 16-bit values into bytes. */
static void store_le16(uint8_t *dst, const int16_t *v, unsigned n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(dst, v, (size_t)n * 2);
#else
	for (unsigned k = 0; k < n; k++)
		rs_put_le16(dst + 2 * k, (uint16_t)v[k]);
#endif
}

/* int8 values into bytes; returns the index of one out of range, or -1. */
static int store_int8(uint8_t *dst, const int16_t *v, unsigned n)
{
	int16_t lo = 0, hi = 0;

	for (unsigned k = 0; k < n; k++) {
		lo = v[k] < lo ? v[k] : lo;
		hi = v[k] > hi ? v[k] : hi;
		dst[k] = (uint8_t)v[k];
	}
	if (lo >= INT8_MIN && hi <= INT8_MAX)
		return -1;
	for (unsigned k = 0; k < n; k++)
		if (v[k] < INT8_MIN || v[k] > INT8_MAX)
			return (int)k;
	return -1;
}

/* The low `bytes` of each 4-byte GLB slot, sign-extended to int16. */
static void narrow_slots(const uint8_t *g, unsigned n, unsigned bytes, int16_t *out)
{
	if (bytes == 1)
		for (unsigned k = 0; k < n; k++)
			out[k] = (int16_t)(int8_t)g[4 * k];
	else
		for (unsigned k = 0; k < n; k++)
			out[k] = (int16_t)rs_get_le16(g + 4 * k);
}

static uint64_t transfer_cycles(const struct job *j, uint64_t bytes)
{
	return rs_div_ceil(bytes * 1000, j->model->hw.dram_bw);
}

static int exec_dma(struct job *j, const struct dma *d)
{
	struct rs_counters *c = j->c;
	bool rlc = d->flags & ROWSTAT_DMA_RLC;
	unsigned n = d->count[0];
	size_t slot = rlc ? ROWSTAT_RLC_SLOT_BYTES((size_t)n) : (size_t)n * d->delem;
	uint64_t moved = 0, start, room;
	uint8_t *io = RESERVE(j, io, slot);
	int16_t *line = RESERVE(j, line, n);
	uint8_t *glb = j->model->glb;

	if (!io || !line)
		return out_of_memory(j);
	{
		uint64_t end = d->glb + (uint64_t)d->count[0] * d->gelem;

		for (int k = 1; k < 4; k++)
			end += (uint64_t)(d->count[k] - 1) * d->gstride[k];
		chain_flush_overlap(j, d->glb, end);
		if (d->dir == ROWSTAT_DMA_LOAD)
			plane_cache_invalidate(j->model, d->glb, end);
	}
	/* The link may move room / 1000 bytes before the budget runs out. */
	start = rs_max64(rs_max64(j->tl.sync, j->tl.link_free), j->tl.decoded);
	if (over_budget(j, start, "DMA"))
		return -1;
	room = j->budget - start > UINT64_MAX / j->model->hw.dram_bw ? UINT64_MAX :
	       (j->budget - start) * j->model->hw.dram_bw;
	for (unsigned i3 = 0; i3 < d->count[3]; i3++) {
		for (unsigned i2 = 0; i2 < d->count[2]; i2++) {
			for (unsigned i1 = 0; i1 < d->count[1]; i1++) {
				uint64_t va = d->va + i1 * d->dstride[0] +
					      i2 * d->dstride[1] + i3 * d->dstride[2];
				uint8_t *g = glb + d->glb + i1 * d->gstride[1] +
					     i2 * d->gstride[2] + i3 * d->gstride[3];
				size_t used = slot;

				if (d->dir == ROWSTAT_DMA_LOAD) {
					if (!rlc) {
						if (mem_read(j, va, g, slot, "DMA load"))
							return -1;
					} else {
						const char *why;

						if (mem_read(j, va, io, slot, "DMA load"))
							return -1;
						if (rs_rlc_decode(io, slot, line, n, &used, &why))
							return fail(j, ROWSTAT_ERR_RLC,
								    "%s at DRAM 0x%" PRIx64, why, va);
						if (d->gelem == 2) {
							store_le16(g, line, n);
						} else {
							int bad = store_int8(g, line, n);

							if (bad >= 0)
								return fail(j, ROWSTAT_ERR_RLC,
									    "RLC level %d out of int8 range at DRAM 0x%" PRIx64,
									    line[bad], va);
						}
					}
					c->dram_read_bytes[ROWSTAT_DT_IFMAP] += used;
					c->glb_writes[ROWSTAT_DT_IFMAP] += n;
					c->glb_write_bytes += (uint64_t)n * d->gelem;
				} else {
					/* The store keeps each slot's low delem bytes. */
					narrow_slots(g, n, d->delem, line);
					if (rlc)
						used = rs_rlc_encode(line, n, io);
					else if (d->delem == 1)
						for (unsigned k = 0; k < n; k++)
							io[k] = (uint8_t)line[k];
					else
						store_le16(io, line, n);
					if (mem_write(j, va, io, used, "DMA store"))
						return -1;
					c->dram_write_bytes[ROWSTAT_DT_PSUM] += used;
					c->glb_reads[ROWSTAT_DT_PSUM] += n;
					c->glb_read_bytes += (uint64_t)n * 4;
				}
				moved += used;
				/* Every line: one command may move gigabytes. */
				if (cancelled(j))
					return cancel_fail(j);
				if (moved > room / 1000)
					return over_budget(j, start + transfer_cycles(j, moved),
							   "DMA");
			}
		}
	}
	j->tl.link_free = j->tl.dma_end = start + transfer_cycles(j, moved);
	return 0;
}

/* ---- PASS ----------------------------------------------------------------- */

/* First and last used input row (or column) that lies inside the image. */
static bool real_span(long lo, unsigned step, unsigned taps, unsigned count,
		      unsigned limit, long *first, long *last)
{
	long a = -1, b = -1;

	for (unsigned o = 0; o < count; o++) {
		for (unsigned k = 0; k < taps; k++) {
			long x = lo + (long)o * step + k;

			if (x < 0 || x >= (long)limit)
				continue;
			if (a < 0 || x < a)
				a = x;
			if (x > b)
				b = x;
		}
	}
	*first = a;
	*last = b;
	return a >= 0;
}

static int tile_within_glb(struct job *j, const struct tile *t, const char *name)
{
	uint64_t end;

	for (int d = 0; d < 4; d++)
		if (!t->extent[d])
			return fail(j, ROWSTAT_ERR_PASS_TILE,
				    "PASS.%s.extent[%d] is zero", name, d);
	if (t->addr % t->stride[0])
		return fail(j, ROWSTAT_ERR_GLB_BOUNDS,
			    "PASS.%s.addr 0x%x not %u-byte aligned", name, t->addr,
			    (unsigned)t->stride[0]);
	for (int d = 1; d < 4; d++)
		if (t->stride[d] % t->stride[0])
			return fail(j, ROWSTAT_ERR_GLB_BOUNDS,
				    "PASS.%s.stride[%d] %" PRIu64 " not a multiple of %u",
				    name, d - 1, t->stride[d], (unsigned)t->stride[0]);
	end = tile_end(t);
	if (end > j->model->hw.glb_bytes)
		return fail(j, ROWSTAT_ERR_GLB_BOUNDS,
			    "PASS.%s GLB range 0x%x..0x%" PRIx64 " past the GLB's %u bytes",
			    name, t->addr, end, j->model->hw.glb_bytes);
	return 0;
}

static int tile_contains(struct job *j, const struct tile *t, const char *name,
			 int dim, const char *dim_name, long first, long last,
			 unsigned layer_extent)
{
	if ((uint64_t)t->origin[dim] + t->extent[dim] > layer_extent)
		return fail(j, ROWSTAT_ERR_PASS_TILE,
			    "PASS.%s %s origin %u + extent %u beyond the layer's %u",
			    name, dim_name, t->origin[dim], t->extent[dim],
			    layer_extent);
	if (first < 0)
		return 0;
	if (first < (long)t->origin[dim] ||
	    last >= (long)t->origin[dim] + (long)t->extent[dim])
		return fail(j, ROWSTAT_ERR_PASS_TILE,
			    "PASS.%s holds %s %u..%u, the pass uses %ld..%ld",
			    name, dim_name, t->origin[dim],
			    t->origin[dim] + t->extent[dim] - 1, first, last);
	return 0;
}

static int pass_range(struct job *j, const char *what, unsigned first,
		      unsigned count, unsigned limit, unsigned cap,
		      const char *cap_name)
{
	if (!count)
		return fail(j, ROWSTAT_ERR_PASS_RANGE, "PASS.%s_count is zero", what);
	if ((uint64_t)first + count > limit)
		return fail(j, ROWSTAT_ERR_PASS_RANGE,
			    "PASS.%s0 %u + %s_count %u beyond the layer's %u",
			    what, first, what, count, limit);
	if (count > cap)
		return fail(j, ROWSTAT_ERR_PASS_RANGE,
			    "PASS.%s_count %u exceeds %s %u", what, count,
			    cap_name, cap);
	return 0;
}

static int decode_pass(struct job *j, const uint8_t *raw, struct pass *p)
{
	struct rowstat_cmd_pass cmd;
	const struct layer *L = &j->L;
	const struct mapping *mp = &j->mp;
	unsigned g;

	memcpy(&cmd, raw, sizeof(cmd));
	if (cmd.reserved0 || cmd.reserved1[0] || cmd.reserved1[1])
		return fail(j, ROWSTAT_ERR_RESERVED, "PASS reserved field nonzero");
	p->flags = LE16(cmd.flags);
	if (p->flags & ~ROWSTAT_PASS_FLAGS)
		return fail(j, ROWSTAT_ERR_RESERVED, "PASS.flags unknown bits 0x%x",
			    p->flags & ~ROWSTAT_PASS_FLAGS);
	if (!j->have_layer)
		return fail(j, ROWSTAT_ERR_NO_LAYER, "PASS before any LAYER");
	if (!j->have_mapping)
		return fail(j, ROWSTAT_ERR_NO_MAPPING,
			    "PASS before a MAPPING for this LAYER");
	p->n0 = LE16(cmd.n0);
	p->nn = LE16(cmd.n_count);
	p->m0 = LE16(cmd.m0);
	p->mm = LE16(cmd.m_count);
	p->c0 = LE16(cmd.c0);
	p->cc = LE16(cmd.c_count);
	p->e0 = LE16(cmd.e0);
	p->ee = LE16(cmd.e_count);
	p->f0 = LE16(cmd.f0);
	p->ff = LE16(cmd.f_count);
	p->r0 = LE16(cmd.r0);
	p->rr = LE16(cmd.r_count);
	p->s0 = LE16(cmd.s0);
	p->ss = LE16(cmd.s_count);
	if (pass_range(j, "n", p->n0, p->nn, L->N, mp->n, "images_per_pass") ||
	    pass_range(j, "m", p->m0, p->mm, L->M, mp->p * mp->t,
		       "filters_per_pe x filter_sets") ||
	    pass_range(j, "c", p->c0, p->cc, L->C, mp->q * mp->r,
		       "channels_per_pe x channel_sets") ||
	    pass_range(j, "e", p->e0, p->ee, L->E, mp->set_cols, "set_cols") ||
	    pass_range(j, "f", p->f0, p->ff, L->F, L->F, "out_width") ||
	    pass_range(j, "r", p->r0, p->rr, L->R, mp->set_rows, "set_rows") ||
	    pass_range(j, "s", p->s0, p->ss, L->S, mp->taps, "taps_per_pe"))
		return -1;
	g = p->m0 / L->Mg;
	if ((p->m0 + p->mm - 1) / L->Mg != g)
		return fail(j, ROWSTAT_ERR_PASS_RANGE,
			    "PASS filters %u..%u span two groups", p->m0,
			    p->m0 + p->mm - 1);
	if (p->c0 < g * L->Cg || p->c0 + p->cc > (g + 1) * L->Cg)
		return fail(j, ROWSTAT_ERR_PASS_RANGE,
			    "PASS channels %u..%u outside group %u (%u..%u)", p->c0,
			    p->c0 + p->cc - 1, g, g * L->Cg, (g + 1) * L->Cg - 1);

	decode_tile(&cmd.ifmap, L->ibytes, &p->ifmap);
	decode_tile(&cmd.psum, 4, &p->psum);
	if (tile_within_glb(j, &p->ifmap, "ifmap") ||
	    tile_within_glb(j, &p->psum, "psum"))
		return -1;
	/* The ifmap tile must hold every real input the pass reads. */
	long wf = -1, wl = -1, hf = -1, hl = -1;
	bool any = real_span((long)p->f0 * L->Uw + p->s0 - L->pl, L->Uw, p->ss,
			     p->ff, L->W, &wf, &wl) &&
		   real_span((long)p->e0 * L->Uh + p->r0 - L->pt, L->Uh, p->rr,
			     p->ee, L->H, &hf, &hl);

	if (tile_contains(j, &p->ifmap, "ifmap", 0, "columns", any ? wf : -1,
			  wl, L->W) ||
	    tile_contains(j, &p->ifmap, "ifmap", 1, "rows", any ? hf : -1, hl,
			  L->H) ||
	    tile_contains(j, &p->ifmap, "ifmap", 2, "channels",
			  any ? (long)p->c0 : -1, p->c0 + p->cc - 1, L->C) ||
	    tile_contains(j, &p->ifmap, "ifmap", 3, "images",
			  any ? (long)p->n0 : -1, p->n0 + p->nn - 1, L->N))
		return -1;
	if (tile_contains(j, &p->psum, "psum", 0, "columns", p->f0,
			  p->f0 + p->ff - 1, L->F) ||
	    tile_contains(j, &p->psum, "psum", 1, "rows", p->e0,
			  p->e0 + p->ee - 1, L->E) ||
	    tile_contains(j, &p->psum, "psum", 2, "filters", p->m0,
			  p->m0 + p->mm - 1, L->M) ||
	    tile_contains(j, &p->psum, "psum", 3, "images", p->n0,
			  p->n0 + p->nn - 1, L->N))
		return -1;
	if (!j->exec) {
		uint64_t ilo = p->ifmap.addr, ihi = tile_end(&p->ifmap);
		uint64_t plo = p->psum.addr, phi = tile_end(&p->psum);

		if (ranges_overlap(&j->dma_wr, ilo, ihi))
			return fail(j, ROWSTAT_ERR_HAZARD,
				    "PASS reads ifmap GLB 0x%" PRIx64 "..0x%" PRIx64 " that a DMA loads since the last BARRIER",
				    ilo, ihi);
		if (ranges_overlap(&j->dma_wr, plo, phi) ||
		    ranges_overlap(&j->dma_rd, plo, phi))
			return fail(j, ROWSTAT_ERR_HAZARD,
				    "PASS writes psum GLB 0x%" PRIx64 "..0x%" PRIx64 " that a DMA uses since the last BARRIER",
				    plo, phi);
		if (ranges_add(&j->pass_rd, ilo, ihi) ||
		    ranges_add(&j->pass_wr, plo, phi))
			return out_of_memory(j);
		note_written(j, plo, phi);
	}
	return 0;
}

/* Reads the filter block of a pass, merging contiguous runs into one read. */
static int fetch_filters(struct job *j, const struct pass *p, int16_t *out)
{
	const struct layer *L = &j->L;
	unsigned g = p->m0 / L->Mg;
	uint64_t cnt[4] = { p->ss, p->rr, p->cc, p->mm };
	uint64_t stride[4] = { 1, L->S, (uint64_t)L->R * L->S,
			       (uint64_t)L->Cg * L->R * L->S };
	uint64_t base = (((uint64_t)p->m0 * L->Cg + (p->c0 - g * L->Cg)) * L->R +
			 p->r0) * L->S + p->s0;
	uint64_t run = cnt[0];
	int merged = 1;
	size_t pos = 0;
	uint8_t *io = NULL;
	/* 16-bit filters in DRAM are already in the PE's layout. */
	bool direct = false;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	direct = L->wbytes == 2;
#endif
	while (merged < 4 && stride[merged] == run) {
		run *= cnt[merged];
		merged++;
	}
	if (!direct) {
		io = RESERVE(j, io, run * L->wbytes);
		if (!io)
			return out_of_memory(j);
	}
	uint64_t outer[3] = { 1, 1, 1 };

	for (int d = merged; d < 4; d++)
		outer[d - merged] = cnt[d];
	for (uint64_t a = 0; a < outer[2]; a++) {
		for (uint64_t b = 0; b < outer[1]; b++) {
			for (uint64_t k = 0; k < outer[0]; k++) {
				uint64_t idx = base, va;
				uint64_t coord[3] = { k, b, a };

				for (int d = merged; d < 4; d++)
					idx += coord[d - merged] * stride[d];
				va = L->filter_va + idx * L->wbytes;
				if (direct) {
					if (mem_read(j, va, out + pos, run * 2, "filter"))
						return -1;
					pos += run;
					continue;
				}
				if (mem_read(j, va, io, run * L->wbytes, "filter"))
					return -1;
				for (uint64_t e = 0; e < run; e++)
					out[pos++] = rs_get_elem(io + e * L->wbytes,
								 L->wbytes);
			}
		}
	}
	return 0;
}

struct pass_geom {
	bool pair_rows;		/* operands paired along rows (c_count == 1) */
	unsigned planes;	/* packed planes per image */
	unsigned hn, wn;	/* input region of the pass */
	long hlo, wlo;		/* its first row/column, padded coords */
	unsigned Ws;		/* sub-plane row length */
	/* Region rows/columns between the first and last real used ones. */
	unsigned rlo, rhi, clo, chi;
};

/*
 * Copies one GLB row span into a dense int16 row.  Rows are short: fixed-size
 * copies compile to vector moves where a variable memcpy is a library call.
 */
static void load_row(const uint8_t *src, unsigned elem, unsigned count,
		     int16_t *dst)
{
	unsigned i = 0;

	if (elem == 2) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		for (; i + 8 <= count; i += 8)
			memcpy(dst + i, src + 2 * i, 16);
#endif
		for (; i < count; i++)
			dst[i] = (int16_t)rs_get_le16(src + 2 * i);
		return;
	}
	for (; i < count; i++)
		dst[i] = (int16_t)(int8_t)src[i];
}

/*
 * Copies region rows [ra, ra + xrows) of `channels` channels from c_first
 * into x[channel][row][xcols], zero outside the image, and returns the
 * MACs gated on zero operands (padding included) in the rows this chunk
 * owns ([own_lo, own_hi)), per filter.
 */
static uint64_t load_region(struct job *j, const struct pass *p,
			    const struct pass_geom *pg, unsigned n,
			    unsigned c_first, unsigned channels, unsigned ra,
			    unsigned xrows, unsigned xcols, unsigned own_lo,
			    unsigned own_hi, bool count, int16_t *x)
{
	const struct tile *t = &p->ifmap;
	struct rs_model *md = j->model;
	const uint32_t *rowuse = md->rowuse, *coluse = md->coluse;
	unsigned elem = (unsigned)t->stride[0];
	uint32_t *colzero = md->colzero;
	uint64_t zeros = 0;

	/* One clear for the whole region; real spans are copied over it. */
	memset(x, 0, (size_t)channels * xrows * xcols * sizeof(*x));
	for (unsigned c = 0; c < channels; c++) {
		if (count)
			memset(colzero, 0, pg->wn * sizeof(*colzero));
		for (unsigned i = 0; i < xrows; i++) {
			int16_t *row = x + ((size_t)c * xrows + i) * xcols;
			unsigned ri = ra + i;

			if (ri >= pg->rlo && ri < pg->rhi) {
				long y = pg->hlo + ri, x0 = pg->wlo + pg->clo;
				const uint8_t *src = md->glb + t->addr +
					(x0 - t->origin[0]) * t->stride[0] +
					(y - t->origin[1]) * t->stride[1] +
					(c_first + c - t->origin[2]) * t->stride[2] +
					(n - t->origin[3]) * t->stride[3];

				load_row(src, elem, pg->chi - pg->clo, row + pg->clo);
			}
			/* Padding and unused positions hold zeros: they count too. */
			if (count && ri >= own_lo && ri < own_hi && ri < pg->hn && rowuse[ri])
				rs_zero_weights(row, rowuse[ri], pg->wn, colzero);
		}
		if (count)
			for (unsigned k = 0; k < pg->wn; k++)
				zeros += (uint64_t)colzero[k] * coluse[k];
	}
	return zeros;
}

static inline int32_t pack_pair(int16_t lo, int16_t hi)
{
	return (int32_t)(((uint32_t)(uint16_t)hi << 16) | (uint16_t)lo);
}

/*
 * Pairs operands into planes[k][a][b][i][jj] = (lo, hi) at region row
 * i*Uh + a, column jj*Uw + b: lo/hi are two channels, or rows r and r+1.
 */
static void pack_planes(const struct layer *L, const struct pass_geom *pg,
			const int16_t *x, unsigned channels, unsigned xrows,
			unsigned xcols, unsigned Hs, unsigned nplanes,
			int32_t *dst)
{
	unsigned Uh = L->Uh, Uw = L->Uw, Ws = pg->Ws;
	size_t sub = (size_t)Hs * Ws;

	for (unsigned k = 0; k < nplanes; k++) {
		int32_t *pl = dst + k * sub * Uh * Uw;
		const int16_t *x0 = x + (size_t)(pg->pair_rows ? 0 : 2 * k) * xrows * xcols;
		/* An odd channel count pairs its last channel with zeros. */
		const int16_t *x1 = pg->pair_rows ? x0 + xcols :
				    (2 * k + 1 < channels ? x0 + (size_t)xrows * xcols : NULL);

		for (unsigned a = 0; a < Uh; a++) {
			for (unsigned b = 0; b < Uw; b++) {
				int32_t *sp = pl + (a * Uw + b) * sub;

				for (unsigned i = 0; i < Hs; i++) {
					const int16_t *r0 = x0 + (size_t)(i * Uh + a) * xcols + b;
					const int16_t *r1 = x1 ? x1 + (size_t)(i * Uh + a) * xcols + b : NULL;
					int32_t *d = sp + (size_t)i * Ws;

					if (Uw == 1 && r1) {
						rs_pack_pairs(r0, r1, Ws, d);
					} else if (r1) {
						for (unsigned jj = 0; jj < Ws; jj++)
							d[jj] = pack_pair(r0[jj * Uw], r1[jj * Uw]);
					} else {
						for (unsigned jj = 0; jj < Ws; jj++)
							d[jj] = pack_pair(r0[jj * Uw], 0);
					}
				}
			}
		}
	}
}

/* Builds the tap table and weight pairs for planes [ka, kb). */
static unsigned build_taps(struct job *j, const struct pass *p,
			   const struct pass_geom *pg, unsigned Hs, unsigned ka,
			   unsigned kb, unsigned m_first, unsigned m_count,
			   unsigned mpad)
{
	const struct layer *L = &j->L;
	const int16_t *f = j->model->filters;
	uint32_t *off = j->model->tap_offset;
	int32_t *w = j->model->weights;
	unsigned Uh = L->Uh, Uw = L->Uw, Ws = pg->Ws;
	size_t sub = (size_t)Hs * Ws, plane = sub * Uh * Uw;
	/* filters[] is [m][c][r][s] of the pass. */
	size_t m_stride = (size_t)p->cc * p->rr * p->ss;
	size_t c_stride = (size_t)p->rr * p->ss;
	unsigned row_step = pg->pair_rows ? 2 : 1;
	unsigned taps = 0;

	for (unsigned k = ka; k < kb; k++) {
		unsigned c0 = pg->pair_rows ? 0 : 2 * k;
		bool has_hi_channel = !pg->pair_rows && c0 + 1 < p->cc;

		for (unsigned r = 0; r < p->rr; r += row_step) {
			bool has_hi_row = pg->pair_rows && r + 1 < p->rr;
			size_t hi_step = has_hi_row ? p->ss : has_hi_channel ? c_stride : 0;
			bool has_hi = has_hi_row || has_hi_channel;

			for (unsigned s = 0; s < p->ss; s++) {
				const int16_t *src = f + m_first * m_stride + c0 * c_stride +
						     (size_t)r * p->ss + s;
				int32_t *dst = w + (size_t)taps * mpad;

				off[taps] = (uint32_t)((k - ka) * plane +
					(r % Uh * Uw + s % Uw) * sub + (r / Uh) * Ws + s / Uw);
				for (unsigned m = 0; m < m_count; m++, src += m_stride) {
					int16_t hi = has_hi ? src[hi_step] : 0;

					dst[m] = (int32_t)(((uint32_t)(uint16_t)hi << 16) |
							   (uint16_t)src[0]);
				}
				for (unsigned m = m_count; m < mpad; m++)
					dst[m] = 0;
				taps++;
			}
		}
	}
	return taps;
}

/* What a pass costs, from its geometry alone (no data). */
struct pass_cost {
	uint64_t rows_real, cols_used, cols_real;
	uint64_t filter_sets, channel_sets, pes, macs, outputs;
	uint64_t glb_ifmap;
	uint64_t link_bytes;	/* filters (when loaded) and biases */
	uint64_t mac_cycles, compute, active;
};

static void pass_cost(const struct job *j, const struct pass *p,
		      const struct pass_geom *pg, bool filters_loaded,
		      struct pass_cost *pc)
{
	const struct layer *L = &j->L;
	const struct mapping *mp = &j->mp;
	const uint32_t *rowuse = j->model->rowuse, *coluse = j->model->coluse;
	bool init = p->flags & ROWSTAT_PASS_INIT;
	uint64_t glb;

	memset(pc, 0, sizeof(*pc));
	for (unsigned i = 0; i < pg->hn; i++) {
		long y = pg->hlo + i;

		if (rowuse[i] && y >= 0 && y < (long)L->H)
			pc->rows_real++;
	}
	for (unsigned i = 0; i < pg->wn; i++) {
		long x = pg->wlo + i;

		if (!coluse[i])
			continue;
		pc->cols_used++;
		if (x >= 0 && x < (long)L->W)
			pc->cols_real++;
	}
	pc->filter_sets = rs_div_ceil(p->mm, mp->p);
	pc->channel_sets = rs_div_ceil(p->cc, mp->q);
	pc->pes = (uint64_t)p->rr * p->ee;
	pc->macs = (uint64_t)p->nn * p->ff * p->ss * pc->pes * p->cc * p->mm;
	pc->outputs = (uint64_t)p->nn * p->mm * p->ee * p->ff;
	/* GLB: each real input once (multicast), each output read and written. */
	pc->glb_ifmap = (uint64_t)p->nn * p->cc * pc->rows_real * pc->cols_real;
	/* Filters go from DRAM straight to the PEs, as in Eyeriss. */
	if (filters_loaded)
		pc->link_bytes = (uint64_t)p->mm * p->cc * p->rr * p->ss * L->wbytes;
	if (init && L->bias)
		pc->link_bytes += (uint64_t)p->mm * 4;
	pc->active = pc->filter_sets * pc->channel_sets * pc->pes;
	pc->mac_cycles = (uint64_t)p->nn * p->ff * p->ss *
			 (p->cc < mp->q ? p->cc : mp->q) * (p->mm < mp->p ? p->mm : mp->p);
	glb = pc->glb_ifmap + (init ? 0 : pc->outputs) + pc->outputs;
	pc->compute = rs_max64(pc->mac_cycles, rs_div_ceil(glb, j->model->hw.glb_bw)) +
		      p->rr * pc->channel_sets + p->ss;
}

/* When a pass of this cost would finish: after its filter load and compute. */
static uint64_t pass_end(const struct job *j, const struct pass_cost *pc,
			 uint64_t *link_end)
{
	uint64_t start = rs_max64(rs_max64(j->tl.sync, j->tl.array_end), j->tl.decoded);

	*link_end = rs_max64(start, j->tl.link_free) + transfer_cycles(j, pc->link_bytes);
	return *link_end + pc->compute;
}

static void count_pass(struct job *j, const struct pass *p,
		       const struct pass_cost *pc, uint64_t gated,
		       bool filters_loaded)
{
	const struct layer *L = &j->L;
	struct rs_counters *c = j->c;
	uint64_t macs = pc->macs, outputs = pc->outputs;
	bool init = p->flags & ROWSTAT_PASS_INIT;

	c->macs += macs;
	c->macs_gated += gated;
	c->passes++;
	/* RF: every MAC reads its ifmap; ungated ones read the filter and update the psum. */
	c->rf_reads[ROWSTAT_DT_IFMAP] += macs;
	c->rf_reads[ROWSTAT_DT_FILTER] += macs - gated;
	c->rf_reads[ROWSTAT_DT_PSUM] += macs - gated +
		(uint64_t)p->nn * p->ff * pc->pes * p->mm * pc->channel_sets;
	c->rf_writes[ROWSTAT_DT_PSUM] += macs - gated;
	/* Each PE receives its row's distinct columns per image and channel. */
	uint64_t ifmap_noc = (uint64_t)p->nn * p->cc * pc->pes * pc->filter_sets *
			     pc->cols_used;
	uint64_t filter_noc = filters_loaded ?
		(uint64_t)p->mm * p->cc * p->rr * p->ss * p->ee : 0;

	c->noc[ROWSTAT_DT_IFMAP] += ifmap_noc;
	c->rf_writes[ROWSTAT_DT_IFMAP] += ifmap_noc;
	c->noc[ROWSTAT_DT_FILTER] += filter_noc;
	c->rf_writes[ROWSTAT_DT_FILTER] += filter_noc;
	c->noc[ROWSTAT_DT_PSUM] += outputs * (p->rr * pc->channel_sets + (init ? 0 : 1));
	c->glb_reads[ROWSTAT_DT_IFMAP] += pc->glb_ifmap;
	c->glb_read_bytes += pc->glb_ifmap * L->ibytes;
	if (!init) {
		c->glb_reads[ROWSTAT_DT_PSUM] += outputs;
		c->glb_read_bytes += outputs * 4;
	}
	c->glb_writes[ROWSTAT_DT_PSUM] += outputs;
	c->glb_write_bytes += outputs * 4;
	if (filters_loaded)
		c->dram_read_bytes[ROWSTAT_DT_FILTER] +=
			(uint64_t)p->mm * p->cc * p->rr * p->ss * L->wbytes;
	if (init && L->bias)
		c->dram_read_bytes[ROWSTAT_DT_PSUM] += (uint64_t)p->mm * 4;
	if (pc->active > c->pe_active_max)
		c->pe_active_max = pc->active;
	c->pe_active_cycles += pc->active * pc->mac_cycles;
	c->array_cycles += pc->compute;
	j->tl.array_end = pass_end(j, pc, &j->tl.link_free);
}

/*
 * The packed planes of one chunk of a pass, from the cache or built now;
 * adds the gated MACs of the rows the chunk owns to *gated when `count`.
 */
static const int32_t *get_planes(struct job *j, const struct pass *p,
				 const struct pass_geom *pg, unsigned n,
				 unsigned c_first, unsigned channels, unsigned ra,
				 unsigned xrows, unsigned xcols, unsigned Hs,
				 unsigned nplanes, size_t plane, unsigned lanes,
				 unsigned own_lo, unsigned own_hi, bool count,
				 uint64_t *gated)
{
	struct rs_model *md = j->model;
	struct plane_key key;
	struct plane_entry *slot = NULL;
	size_t len = nplanes * plane + lanes + 64;
	int32_t *dst;
	uint64_t zeros;

	memset(&key, 0, sizeof(key));
	key.addr = p->ifmap.addr;
	memcpy(key.origin, p->ifmap.origin, sizeof(key.origin));
	memcpy(key.extent, p->ifmap.extent, sizeof(key.extent));
	memcpy(key.stride, p->ifmap.stride, sizeof(key.stride));
	key.hlo = pg->hlo;
	key.wlo = pg->wlo;
	key.n = n;
	key.c_first = c_first;
	key.channels = channels;
	key.ra = ra;
	key.xrows = xrows;
	key.xcols = xcols;
	key.Hs = Hs;
	key.Ws = pg->Ws;
	key.nplanes = nplanes;
	key.own_lo = own_lo;
	key.own_hi = own_hi;
	key.ee = p->ee;
	key.rr = p->rr;
	key.ff = p->ff;
	key.ss = p->ss;
	key.pair_rows = pg->pair_rows;
	key.counted = count;
	for (int i = 0; i < PLANE_CACHE_ENTRIES; i++) {
		struct plane_entry *e = &md->plane_cache[i];

		if (e->valid && !memcmp(&e->key, &key, sizeof(key))) {
			e->used = ++md->plane_clock;
			*gated += e->zeros;
			return e->planes;
		}
	}
	if (len <= PLANE_CACHE_MAX) {
		for (int i = 0; i < PLANE_CACHE_ENTRIES; i++) {
			struct plane_entry *e = &md->plane_cache[i];

			if (!slot || !e->valid || (slot->valid && e->used < slot->used))
				slot = e;
			if (!e->valid)
				break;
		}
		if (slot->cap < len) {
			int32_t *buf = realloc(slot->planes, len * sizeof(*buf));

			if (!buf)
				return NULL;
			slot->planes = buf;
			slot->cap = len;
		}
		slot->valid = false;
		dst = slot->planes;
	} else {
		if (!RESERVE(j, planes, len))
			return NULL;
		dst = md->planes;
	}
	/* rs_zero_weights may read a few values past the last row. */
	if (!RESERVE(j, region, 2 * (size_t)nplanes * xrows * xcols + 16))
		return NULL;
	zeros = load_region(j, p, pg, n, c_first, channels, ra, xrows, xcols,
			    own_lo, own_hi, count, md->region);
	/* Zero the slack so junk lanes read defined values. */
	memset(dst + nplanes * plane, 0, (lanes + 64) * sizeof(int32_t));
	pack_planes(&j->L, pg, md->region, channels, xrows, xcols, Hs, nplanes, dst);
	*gated += zeros;
	if (slot) {
		slot->key = key;
		slot->zeros = zeros;
		slot->lo = p->ifmap.addr;
		slot->hi = tile_end(&p->ifmap);
		slot->used = ++md->plane_clock;
		slot->valid = true;
	}
	return dst;
}

/* Writes a deferred chain to the GLB; with `final`, requantized. */
static void chain_flush_one(struct job *j, struct chain *ch, bool final)
{
	struct rs_model *md = j->model;
	const struct layer *L = &j->L;
	struct rs_requant rq = {
		.mult = L->mult, .shift = L->shift, .relu = L->relu,
		.out_prec = L->ofmap_prec,
	};

	if (!ch->active)
		return;
	for (unsigned n = 0; n < ch->nn; n++) {
		for (unsigned m = 0; m < ch->mm; m++) {
			uint8_t *dst = md->glb + ch->psum.addr +
				(ch->f0 - ch->psum.origin[0]) * 4 +
				(ch->e0 - ch->psum.origin[1]) * ch->psum.stride[1] +
				(ch->m0 + m - ch->psum.origin[2]) * ch->psum.stride[2] +
				(ch->n0 + n - ch->psum.origin[3]) * ch->psum.stride[3];
			const int32_t *sum = ch->sums + ((size_t)n * ch->mpad + m) * ch->lanes;

			rs_psum_update(dst, ch->psum.stride[1], sum, ch->Ws, ch->ee,
				       ch->ff, ch->init, ch->bias[m]);
			if (final)
				rs_requantize_slots(dst, ch->psum.stride[1], ch->ee,
						    ch->ff, &rq);
		}
	}
	ch->active = false;
	plane_cache_invalidate(md, ch->lo, ch->hi);
}

/* Flushes every chain whose psums [lo, hi) of the GLB touches. */
static void chain_flush_overlap(struct job *j, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < CHAINS; i++) {
		struct chain *ch = &j->model->chains[i];

		if (ch->active && lo < ch->hi && ch->lo < hi)
			chain_flush_one(j, ch, false);
	}
}

static void chain_flush(struct job *j, bool final)
{
	for (int i = 0; i < CHAINS; i++)
		chain_flush_one(j, &j->model->chains[i], final);
}

/* Do a chain and a pass cover the same outputs the same way? */
static bool chain_matches(const struct chain *ch, const struct pass *p,
			  unsigned Ws, unsigned lanes)
{
	return ch->active && ch->psum.addr == p->psum.addr &&
	       !memcmp(ch->psum.origin, p->psum.origin, sizeof(ch->psum.origin)) &&
	       !memcmp(ch->psum.extent, p->psum.extent, sizeof(ch->psum.extent)) &&
	       !memcmp(ch->psum.stride, p->psum.stride, sizeof(ch->psum.stride)) &&
	       ch->n0 == p->n0 && ch->nn == p->nn && ch->m0 == p->m0 &&
	       ch->mm == p->mm && ch->e0 == p->e0 && ch->ee == p->ee &&
	       ch->f0 == p->f0 && ch->ff == p->ff && ch->Ws == Ws &&
	       ch->lanes == lanes;
}

/*
 * Runs the tap table over the planes in calls of at most WORK_CHUNK
 * pair-MACs, polling the cancel flag before each: a pass's arithmetic can
 * be large, and a reset must stop it promptly.  Splitting the taps changes
 * no result, as the sums wrap.
 */
static int run_taps(struct job *j, const int32_t *planes, unsigned taps,
		    unsigned mpad, unsigned lanes, int32_t *sum, bool accumulate)
{
	struct rs_model *md = j->model;
	uint64_t per_tap = (uint64_t)mpad * lanes;
	unsigned step = per_tap >= WORK_CHUNK ? 1 : (unsigned)(WORK_CHUNK / per_tap);

	for (unsigned t = 0; t < taps; t += step) {
		unsigned count = taps - t < step ? taps - t : step;

		if (cancelled(j))
			return cancel_fail(j);
		rs_kernel_taps(planes, md->tap_offset + t, count,
			       md->weights + (size_t)t * mpad, mpad, lanes, sum,
			       accumulate || t);
	}
	return 0;
}

/* Region geometry, use counts and the real spans of a pass. */
static int pass_geometry(struct job *j, const struct pass *p,
			 struct pass_geom *pg)
{
	const struct layer *L = &j->L;
	struct rs_model *md = j->model;
	unsigned Uh = L->Uh, Uw = L->Uw;
	size_t uses;

	memset(pg, 0, sizeof(*pg));
	pg->pair_rows = p->cc == 1;
	pg->planes = pg->pair_rows ? 1 : (p->cc + 1) / 2;
	pg->hn = (p->ee - 1) * Uh + p->rr;
	pg->wn = (p->ff - 1) * Uw + p->ss;
	pg->hlo = (long)p->e0 * Uh + p->r0 - L->pt;
	pg->wlo = (long)p->f0 * Uw + p->s0 - L->pl;
	pg->Ws = (pg->wn + Uw - 1) / Uw;
	uses = (size_t)pg->hn + 2 * (size_t)pg->wn + 2;
	if (!RESERVE(j, use, uses))
		return out_of_memory(j);
	memset(md->use, 0, uses * sizeof(uint32_t));
	md->rowuse = md->use;
	md->coluse = md->use + pg->hn + 1;
	md->colzero = md->coluse + pg->wn + 1;
	for (unsigned e = 0; e < p->ee; e++)
		for (unsigned r = 0; r < p->rr; r++)
			md->rowuse[e * Uh + r]++;
	for (unsigned f = 0; f < p->ff; f++)
		for (unsigned s = 0; s < p->ss; s++)
			md->coluse[f * Uw + s]++;

	pg->rlo = pg->hn;
	for (unsigned i = 0; i < pg->hn; i++) {
		long y = pg->hlo + i;

		if (!md->rowuse[i] || y < 0 || y >= (long)L->H)
			continue;
		if (i < pg->rlo)
			pg->rlo = i;
		pg->rhi = i + 1;
	}
	pg->clo = pg->wn;
	for (unsigned i = 0; i < pg->wn; i++) {
		long x = pg->wlo + i;

		if (x < 0 || x >= (long)L->W || !md->coluse[i])
			continue;
		if (i < pg->clo)
			pg->clo = i;
		pg->chi = i + 1;
	}
	/* No real rows or columns: the whole pass reads padding. */
	if (pg->rhi <= pg->rlo || pg->chi <= pg->clo) {
		pg->rlo = pg->rhi = 0;
		pg->clo = pg->chi = 0;
	}
	return 0;
}

static int exec_pass(struct job *j, const struct pass *p)
{
	const struct layer *L = &j->L;
	struct rs_model *md = j->model;
	struct pass_geom pg;
	struct pass_cost cost;
	bool init = p->flags & ROWSTAT_PASS_INIT;
	bool final = p->flags & ROWSTAT_PASS_FINAL;
	unsigned Uh = L->Uh, Uw = L->Uw;
	uint64_t gated = 0, link_end;
	struct rs_requant rq = {
		.mult = L->mult, .shift = L->shift, .relu = L->relu,
		.out_prec = L->ofmap_prec,
	};
	int32_t *bias;
	bool reuse = j->held.valid && j->held.m0 == p->m0 &&
		     j->held.mm == p->mm && j->held.c0 == p->c0 &&
		     j->held.cc == p->cc && j->held.r0 == p->r0 &&
		     j->held.rr == p->rr && j->held.s0 == p->s0 &&
		     j->held.ss == p->ss && p->ee <= j->held.ee;

	if (pass_geometry(j, p, &pg))
		return -1;
	/* The whole pass fits the budget, or none of it runs. */
	pass_cost(j, p, &pg, !reuse, &cost);
	if (over_budget(j, pass_end(j, &cost, &link_end), "PASS"))
		return -1;
	bias = RESERVE(j, bias, p->mm);
	if (!bias)
		return out_of_memory(j);
	if (!reuse) {
		j->held.valid = false;
		if (!RESERVE(j, filters, (size_t)p->mm * p->cc * p->rr * p->ss))
			return out_of_memory(j);
		md->filters_gen++;
		if (fetch_filters(j, p, md->filters))
			return -1;
		j->held.valid = true;
		j->held.m0 = p->m0;
		j->held.mm = p->mm;
		j->held.c0 = p->c0;
		j->held.cc = p->cc;
		j->held.r0 = p->r0;
		j->held.rr = p->rr;
		j->held.s0 = p->s0;
		j->held.ss = p->ss;
		j->held.ee = p->ee;
	}
	if (init && L->bias) {
		uint8_t *io = RESERVE(j, io, (size_t)p->mm * 4);

		if (!io)
			return out_of_memory(j);
		if (mem_read(j, L->bias_va + 4ull * p->m0, io, (size_t)p->mm * 4, "bias"))
			return -1;
		for (unsigned m = 0; m < p->mm; m++)
			bias[m] = (int32_t)rs_get_le32(io + 4 * m);
	} else {
		memset(bias, 0, p->mm * sizeof(*bias));
	}

	/* Output rows per chunk keep the accumulator within LANES_BUDGET. */
	unsigned rows_chunk = LANES_BUDGET / pg.Ws;
	unsigned mchunk = p->mm < FILTER_CHUNK ? p->mm : FILTER_CHUNK;
	unsigned mpad_max = (mchunk + 3) & ~3u;

	if (rows_chunk < 1)
		rows_chunk = 1;
	if (rows_chunk > p->ee)
		rows_chunk = p->ee;

	/*
	 * A pass that fits one accumulator block joins the chain in flight
	 * over its outputs unless it starts afresh (INIT), or starts a chain.
	 */
	unsigned chain_lanes = (p->ee * pg.Ws + 7) & ~7u;
	bool deferrable = rows_chunk == p->ee && p->mm <= FILTER_CHUNK &&
			  (size_t)p->nn * mpad_max * chain_lanes <= CHAIN_BUDGET;
	struct chain *ch = NULL;
	bool joins = false;

	/* Psums that this pass reads as ifmaps must be in the GLB first. */
	chain_flush_overlap(j, p->ifmap.addr, tile_end(&p->ifmap));
	for (int i = 0; i < CHAINS; i++) {
		if (chain_matches(&md->chains[i], p, pg.Ws, chain_lanes)) {
			ch = &md->chains[i];
			break;
		}
	}
	if (ch && (init || !deferrable)) {
		chain_flush_one(j, ch, false);
		ch = NULL;
	}
	joins = ch != NULL;
	/* Other chains over any of these psums go to the GLB now. */
	for (int i = 0; i < CHAINS; i++) {
		struct chain *o = &md->chains[i];

		if (o != ch && o->active && o->lo < tile_end(&p->psum) &&
		    p->psum.addr < o->hi && !(o->psum.addr == p->psum.addr &&
		    (o->m0 + o->mm <= p->m0 || p->m0 + p->mm <= o->m0 ||
		     o->n0 + o->nn <= p->n0 || p->n0 + p->nn <= o->n0 ||
		     o->e0 + o->ee <= p->e0 || p->e0 + p->ee <= o->e0 ||
		     o->f0 + o->ff <= p->f0 || p->f0 + p->ff <= o->f0)))
			chain_flush_one(j, o, false);
	}
	if (deferrable && !joins) {
		for (int i = 0; i < CHAINS; i++) {
			struct chain *o = &md->chains[i];

			if (!ch || !o->active || (ch->active && o->used < ch->used))
				ch = o;
			if (!o->active)
				break;
		}
		chain_flush_one(j, ch, false);
		if (!reserve((void **)&ch->sums, &ch->sums_cap,
			     (size_t)p->nn * mpad_max * chain_lanes, sizeof(int32_t)) ||
		    !reserve((void **)&ch->bias, &ch->bias_cap, p->mm, sizeof(int32_t)))
			return out_of_memory(j);
		ch->active = true;
		ch->init = init;
		ch->psum = p->psum;
		ch->n0 = p->n0;
		ch->nn = p->nn;
		ch->m0 = p->m0;
		ch->mm = p->mm;
		ch->e0 = p->e0;
		ch->ee = p->ee;
		ch->f0 = p->f0;
		ch->ff = p->ff;
		ch->Ws = pg.Ws;
		ch->lanes = chain_lanes;
		ch->mpad = mpad_max;
		ch->lo = p->psum.addr;
		ch->hi = tile_end(&p->psum);
		memcpy(ch->bias, bias, p->mm * sizeof(*bias));
	}
	if (ch)
		ch->used = ++md->chain_clock;

	for (unsigned n = p->n0; n < p->n0 + p->nn; n++) {
		for (unsigned ea = 0; ea < p->ee; ea += rows_chunk) {
			unsigned erows = p->ee - ea < rows_chunk ? p->ee - ea : rows_chunk;
			unsigned ra = ea * Uh;
			unsigned rows = (erows - 1) * Uh + p->rr;
			unsigned Hs = (rows + Uh - 1) / Uh;
			unsigned xrows = Hs * Uh + 1, xcols = pg.Ws * Uw;
			size_t plane = (size_t)Hs * pg.Ws * Uh * Uw;
			size_t xplane = (size_t)xrows * xcols;
			unsigned lanes = (erows * pg.Ws + 7) & ~7u;
			unsigned kchunk = (unsigned)(PLANES_BUDGET / (plane + xplane));
			/* Region rows this chunk counts zeros for. */
			unsigned own_lo = ra;
			unsigned own_hi = ea + erows == p->ee ? pg.hn : (ea + erows) * Uh;
			size_t max_taps;

			if (kchunk < 1)
				kchunk = 1;
			if (kchunk > pg.planes)
				kchunk = pg.planes;
			max_taps = (size_t)kchunk * p->rr * p->ss;
			if (!RESERVE(j, acc, (size_t)mpad_max * lanes) ||
			    !RESERVE(j, tap_offset, max_taps) ||
			    !RESERVE(j, weights, max_taps * mpad_max))
				return out_of_memory(j);
			for (unsigned ma = 0; ma < p->mm; ma += mchunk) {
				unsigned mcount = p->mm - ma < mchunk ? p->mm - ma : mchunk;
				unsigned mpad = (mcount + 3) & ~3u;
				int32_t *sum = deferrable ?
					ch->sums + (size_t)(n - p->n0) * mpad_max * lanes :
					md->acc;
				/* Later channel chunks, and chained passes, add on. */
				bool accumulate = joins;

				for (unsigned ka = 0; ka < pg.planes; ka += kchunk) {
					unsigned kb = ka + kchunk < pg.planes ? ka + kchunk : pg.planes;
					unsigned c_first = pg.pair_rows ? p->c0 : p->c0 + 2 * ka;
					unsigned channels = pg.pair_rows ? 1 :
						(p->c0 + p->cc - c_first < 2 * (kb - ka) ?
						 p->c0 + p->cc - c_first : 2 * (kb - ka));
					unsigned taps;

					const int32_t *planes = get_planes(j, p, &pg, n, c_first,
									   channels, ra, xrows, xcols,
									   Hs, kb - ka, plane, lanes,
									   own_lo, own_hi, ma == 0,
									   &gated);

					if (!planes)
						return out_of_memory(j);
					struct taps_key key;

					memset(&key, 0, sizeof(key));
					key.filters_gen = md->filters_gen;
					key.Hs = Hs;
					key.Ws = pg.Ws;
					key.ka = ka;
					key.kb = kb;
					key.ma = ma;
					key.mcount = mcount;
					key.mpad = mpad;
					key.rr = p->rr;
					key.ss = p->ss;
					key.cc = p->cc;
					key.pair_rows = pg.pair_rows;
					if (memcmp(&key, &md->taps_key, sizeof(key))) {
						md->taps_count = build_taps(j, p, &pg, Hs, ka, kb,
									    ma, mcount, mpad);
						md->taps_key = key;
					}
					taps = md->taps_count;
					if (run_taps(j, planes, taps, mpad, lanes, sum,
						     accumulate))
						return -1;
					accumulate = true;
				}
				if (deferrable)
					continue;
				for (unsigned m = 0; m < mcount; m++) {
					unsigned mi = ma + m;
					uint8_t *dst = md->glb + p->psum.addr +
						(p->f0 - p->psum.origin[0]) * 4 +
						(p->e0 + ea - p->psum.origin[1]) * p->psum.stride[1] +
						(p->m0 + mi - p->psum.origin[2]) * p->psum.stride[2] +
						(n - p->psum.origin[3]) * p->psum.stride[3];

					rs_psum_update(dst, p->psum.stride[1], sum + (size_t)m * lanes,
						       pg.Ws, erows, p->ff, init, bias[mi]);
					if (final)
						rs_requantize_slots(dst, p->psum.stride[1], erows,
								    p->ff, &rq);
				}
			}
		}
	}
	/* The last pass of a chain requantizes: the outputs are final. */
	if (deferrable && final)
		chain_flush_one(j, ch, true);
	plane_cache_invalidate(md, p->psum.addr, tile_end(&p->psum));
	count_pass(j, p, &cost, gated * p->mm, !reuse);
	return 0;
}

/* ---- the command loop ------------------------------------------------------ */

static int step(struct job *j, bool *done)
{
	const uint8_t *raw = j->stream + j->off;
	unsigned opcode, bytes;

	if (j->bytes - j->off < sizeof(struct rowstat_cmd_header))
		return fail(j, ROWSTAT_ERR_TRUNCATED, "stream ends without END");
	opcode = raw[0];
	bytes = 4u * rs_get_le16(raw + 2);
	if (opcode >= sizeof(cmd_info) / sizeof(cmd_info[0]) || !cmd_info[opcode].bytes)
		return fail(j, ROWSTAT_ERR_OPCODE, "unknown opcode %u", opcode);
	if (!(j->model->hw.opcode_mask & (1u << opcode)))
		return fail(j, ROWSTAT_ERR_OPCODE, "opcode %u (%s) not enabled by the firmware",
			    opcode, cmd_info[opcode].name);
	if (raw[1])
		return fail(j, ROWSTAT_ERR_RESERVED, "%s header reserved byte nonzero",
			    cmd_info[opcode].name);
	if (bytes != cmd_info[opcode].bytes)
		return fail(j, ROWSTAT_ERR_CMD_SIZE, "%s.dwords %u, expected %u",
			    cmd_info[opcode].name, bytes / 4,
			    cmd_info[opcode].bytes / 4);
	if (bytes > j->bytes - j->off)
		return fail(j, ROWSTAT_ERR_TRUNCATED,
			    "%s of %u bytes runs past the stream's end",
			    cmd_info[opcode].name, bytes);
	if (cancelled(j))
		return cancel_fail(j);
	/* Commands are decoded in order; none starts before its decode ends. */
	if (j->exec) {
		j->tl.decoded += j->model->hw.decode_cycles[opcode];
		if (over_budget(j, j->tl.decoded, cmd_info[opcode].name))
			return -1;
	}
	/* A new layer, a new array configuration or the end make psums final. */
	if (j->exec && (opcode == ROWSTAT_OP_LAYER || opcode == ROWSTAT_OP_MAPPING ||
			opcode == ROWSTAT_OP_END))
		chain_flush(j, false);

	switch (opcode) {
	case ROWSTAT_OP_END:
	case ROWSTAT_OP_BARRIER:
		if (rs_get_le32(raw + 4))
			return fail(j, ROWSTAT_ERR_RESERVED, "%s reserved field nonzero",
				    cmd_info[opcode].name);
		if (opcode == ROWSTAT_OP_END) {
			*done = true;
			break;
		}
		phase_reset(j);
		j->tl.sync = rs_max64(rs_max64(j->tl.dma_end, j->tl.array_end),
				      rs_max64(j->tl.link_free, j->tl.decoded));
		break;
	case ROWSTAT_OP_LAYER:
		if (do_layer(j, raw))
			return -1;
		break;
	case ROWSTAT_OP_MAPPING:
		if (do_mapping(j, raw))
			return -1;
		break;
	case ROWSTAT_OP_DMA: {
		struct dma d = { 0 };

		if (decode_dma(j, raw, &d) || (j->exec && exec_dma(j, &d)))
			return -1;
		break;
	}
	case ROWSTAT_OP_PASS: {
		struct pass p = { 0 };

		if (decode_pass(j, raw, &p) || (j->exec && exec_pass(j, &p)))
			return -1;
		break;
	}
	}
	j->off += bytes;
	return 0;
}

static int sweep(struct job *j, bool exec)
{
	bool done = false;

	j->exec = exec;
	j->off = 0;
	j->have_layer = j->have_mapping = false;
	j->held.valid = false;
	memset(&j->tl, 0, sizeof(j->tl));
	phase_reset(j);
	while (!done)
		if (step(j, &done))
			return -1;
	return 0;
}

enum rowstat_status rs_model_run(struct rs_model *model, uint64_t stream_va,
				 uint32_t stream_bytes,
				 const struct rs_mem_ops *mem,
				 const struct rs_run_opts *opts,
				 struct rs_job_result *res)
{
	struct job j;
	uint8_t *stream = NULL;

	memset(res, 0, sizeof(*res));
	memset(&j, 0, sizeof(j));
	j.model = model;
	j.mem = mem;
	j.opts = opts;
	j.res = res;
	j.c = &res->counts;
	j.budget = opts && opts->cycle_budget ? opts->cycle_budget :
		   ROWSTAT_DEFAULT_CYCLE_BUDGET;
	/* Until the stream is fetched, no command can be at fault. */
	j.off = ROWSTAT_NO_OFFSET;

	if (stream_va % ROWSTAT_STREAM_ALIGN || stream_bytes % ROWSTAT_STREAM_ALIGN) {
		fail(&j, ROWSTAT_ERR_STREAM_ALIGN,
		     "stream at 0x%" PRIx64 " of %u bytes: both must be multiples of %u",
		     stream_va, stream_bytes, ROWSTAT_STREAM_ALIGN);
		goto out;
	}
	if (!stream_bytes || stream_bytes > ROWSTAT_STREAM_MAX_BYTES) {
		fail(&j, ROWSTAT_ERR_STREAM_SIZE, "stream of %u bytes, allowed 8..%u",
		     stream_bytes, ROWSTAT_STREAM_MAX_BYTES);
		goto out;
	}
	stream = malloc(stream_bytes);
	if (!stream) {
		out_of_memory(&j);
		goto out;
	}
	if (mem_read(&j, stream_va, stream, stream_bytes, "stream fetch"))
		goto out;
	j.stream = stream;
	j.bytes = stream_bytes;
	if (sweep(&j, false))
		goto out;
	if (opts && opts->validate_only)
		goto out;
	/* Cached planes describe another job's GLB layout. */
	plane_cache_invalidate(model, 0, UINT64_MAX);
	for (int i = 0; i < CHAINS; i++)
		model->chains[i].active = false;
	if (sweep(&j, true))
		goto out;
out:
	/*
	 * Whatever ended the job, the GLB holds every psum computed so far;
	 * then nothing of it survives into the next job (docs/hardware.md,
	 * "Isolation").
	 */
	if (j.exec) {
		chain_flush(&j, false);
		if (j.written_hi > j.written_lo)
			memset(model->glb + j.written_lo, 0, j.written_hi - j.written_lo);
	}
	res->counts.cycles = rs_max64(rs_max64(j.tl.dma_end, j.tl.array_end),
				      rs_max64(j.tl.link_free, j.tl.decoded));
	/* A job stopped by its budget ran until the budget was spent. */
	if (res->status == ROWSTAT_ERR_BUDGET)
		res->counts.cycles = j.budget;
	rs_counters_energy(&res->counts, model->hw.energy);
	free(stream);
	free(j.dma_rd.v);
	free(j.dma_wr.v);
	free(j.pass_rd.v);
	free(j.pass_wr.v);
	return res->status;
}

/* ---- energy and statistics ----------------------------------------------- */

void rs_counters_energy(struct rs_counters *c, const uint32_t cost[ROWSTAT_LEVEL_COUNT])
{
	memset(c->energy, 0, sizeof(c->energy));
	/* A MAC produces a psum, so its energy is filed under that type. */
	c->energy[ROWSTAT_LEVEL_MAC][ROWSTAT_DT_PSUM] =
		(c->macs - c->macs_gated) * cost[ROWSTAT_LEVEL_MAC];
	for (int t = 0; t < ROWSTAT_DT_COUNT; t++) {
		c->energy[ROWSTAT_LEVEL_RF][t] =
			(c->rf_reads[t] + c->rf_writes[t]) * cost[ROWSTAT_LEVEL_RF];
		c->energy[ROWSTAT_LEVEL_NOC][t] = c->noc[t] * cost[ROWSTAT_LEVEL_NOC];
		c->energy[ROWSTAT_LEVEL_GLB][t] =
			(c->glb_reads[t] + c->glb_writes[t]) * cost[ROWSTAT_LEVEL_GLB];
		/* DRAM is charged per 16-bit word. */
		c->energy[ROWSTAT_LEVEL_DRAM][t] =
			(c->dram_read_bytes[t] + c->dram_write_bytes[t]) *
			cost[ROWSTAT_LEVEL_DRAM] / 2;
	}
}

uint64_t rs_counters_energy_total(const struct rs_counters *c)
{
	uint64_t sum = 0;

	for (int l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		for (int t = 0; t < ROWSTAT_DT_COUNT; t++)
			sum += c->energy[l][t];
	return sum;
}

void rs_counters_add(struct rs_counters *sum, const struct rs_counters *c)
{
	/* Every field is a u64 sum except the maximum. */
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *s = (const uint64_t *)c;
	uint64_t max = rs_max64(sum->pe_active_max, c->pe_active_max);

	for (size_t i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
		d[i] += s[i];
	sum->pe_active_max = max;
}

void rs_job_stats_encode(const struct rs_job_result *res,
			 struct rowstat_job_stats *out)
{
	const struct rs_counters *c = &res->counts;

	memset(out, 0, sizeof(*out));
	out->version = LE32(ROWSTAT_STATS_VERSION);
	out->status = LE32(res->status);
	out->error_offset = LE32(res->error_offset);
	out->fault_va = LE64(res->fault_va);
	out->cycles = LE64(c->cycles);
	out->array_cycles = LE64(c->array_cycles);
	out->macs = LE64(c->macs);
	out->macs_gated = LE64(c->macs_gated);
	out->passes = LE64(c->passes);
	out->pe_active_max = LE64(c->pe_active_max);
	out->pe_active_cycles = LE64(c->pe_active_cycles);
	out->glb_read_bytes = LE64(c->glb_read_bytes);
	out->glb_write_bytes = LE64(c->glb_write_bytes);
	for (int t = 0; t < ROWSTAT_DT_COUNT; t++) {
		out->dram_read_bytes[t] = LE64(c->dram_read_bytes[t]);
		out->dram_write_bytes[t] = LE64(c->dram_write_bytes[t]);
		out->glb_reads[t] = LE64(c->glb_reads[t]);
		out->glb_writes[t] = LE64(c->glb_writes[t]);
		out->noc[t] = LE64(c->noc[t]);
		out->rf_reads[t] = LE64(c->rf_reads[t]);
		out->rf_writes[t] = LE64(c->rf_writes[t]);
		for (int l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
			out->energy[l][t] = LE64(c->energy[l][t]);
	}
}

/* ---- model lifetime ----------------------------------------------------- */

void rs_hw_params_default(struct rs_hw_params *hw)
{
	memset(hw, 0, sizeof(*hw));
	hw->array_rows = ROWSTAT_DEFAULT_ARRAY_ROWS;
	hw->array_cols = ROWSTAT_DEFAULT_ARRAY_COLS;
	hw->rf_filter = ROWSTAT_DEFAULT_RF_FILTER;
	hw->rf_ifmap = ROWSTAT_DEFAULT_RF_IFMAP;
	hw->rf_psum = ROWSTAT_DEFAULT_RF_PSUM;
	hw->glb_bytes = ROWSTAT_DEFAULT_GLB_BYTES;
	hw->precisions = ROWSTAT_PREC_BIT(ROWSTAT_PREC_Q16) |
			 ROWSTAT_PREC_BIT(ROWSTAT_PREC_INT8);
	hw->clock_khz = ROWSTAT_DEFAULT_CLOCK_KHZ;
	hw->dram_bw = ROWSTAT_DEFAULT_DRAM_BW;
	hw->glb_bw = ROWSTAT_DEFAULT_GLB_BW;
	hw->energy[ROWSTAT_LEVEL_MAC] = ROWSTAT_DEFAULT_ENERGY_MAC;
	hw->energy[ROWSTAT_LEVEL_RF] = ROWSTAT_DEFAULT_ENERGY_RF;
	hw->energy[ROWSTAT_LEVEL_NOC] = ROWSTAT_DEFAULT_ENERGY_NOC;
	hw->energy[ROWSTAT_LEVEL_GLB] = ROWSTAT_DEFAULT_ENERGY_GLB;
	hw->energy[ROWSTAT_LEVEL_DRAM] = ROWSTAT_DEFAULT_ENERGY_DRAM;
	hw->opcode_mask = ~0u;
}

int rs_hw_params_check(const struct rs_hw_params *hw, const char **why)
{
	if (hw->array_rows < 1 || hw->array_rows > RS_MODEL_MAX_ARRAY)
		*why = "array_rows must be 1..64";
	else if (hw->array_cols < 1 || hw->array_cols > RS_MODEL_MAX_ARRAY)
		*why = "array_cols must be 1..64";
	else if (hw->rf_filter < 1 || hw->rf_filter > RS_MODEL_MAX_RF)
		*why = "rf_filter must be 1..1024 entries";
	else if (hw->rf_ifmap < 1 || hw->rf_ifmap > RS_MODEL_MAX_RF)
		*why = "rf_ifmap must be 1..1024 entries";
	else if (hw->rf_psum < 1 || hw->rf_psum > RS_MODEL_MAX_RF)
		*why = "rf_psum must be 1..1024 entries";
	else if (hw->glb_bytes < 4096 || hw->glb_bytes > (64u << 20))
		*why = "glb_bytes must be 4 KiB..64 MiB";
	else if (!(hw->precisions & (ROWSTAT_PREC_BIT(ROWSTAT_PREC_Q16) |
				     ROWSTAT_PREC_BIT(ROWSTAT_PREC_INT8))) ||
		 (hw->precisions & ~(ROWSTAT_PREC_BIT(ROWSTAT_PREC_Q16) |
				     ROWSTAT_PREC_BIT(ROWSTAT_PREC_INT8))))
		*why = "precisions must be a nonempty subset of Q16 and INT8";
	else if (!hw->clock_khz)
		*why = "clock_khz must be nonzero";
	else if (!hw->dram_bw)
		*why = "dram_bw must be nonzero";
	else if (!hw->glb_bw)
		*why = "glb_bw must be nonzero";
	else
		return 0;
	return -1;
}

struct rs_model *rs_model_create(const struct rs_hw_params *hw)
{
	struct rs_model *m;
	const char *why;

	if (rs_hw_params_check(hw, &why))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->hw = *hw;
	m->glb = calloc(1, hw->glb_bytes);
	if (!m->glb) {
		free(m);
		return NULL;
	}
	return m;
}

void rs_model_destroy(struct rs_model *m)
{
	if (!m)
		return;
	free(m->glb);
	free(m->planes);
	free(m->acc);
	free(m->weights);
	free(m->tap_offset);
	free(m->filters);
	free(m->region);
	for (int i = 0; i < CHAINS; i++) {
		free(m->chains[i].sums);
		free(m->chains[i].bias);
	}
	for (int i = 0; i < PLANE_CACHE_ENTRIES; i++)
		free(m->plane_cache[i].planes);
	free(m->bias);
	free(m->use);
	free(m->io);
	free(m->line);
	free(m);
}

const struct rs_hw_params *rs_model_hw(const struct rs_model *m)
{
	return &m->hw;
}

const uint8_t *rs_model_glb(const struct rs_model *m)
{
	return m->glb;
}
