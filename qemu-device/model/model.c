// SPDX-License-Identifier: MIT
/*
 * rowstat model core: the model's lifetime and the run loop.
 *
 * A job runs in two sweeps over the stream.  The first decodes and checks
 * every command (decode.c: ranges, RF and array fit, GLB bounds, DMA/pass
 * races) and executes nothing; the second executes (dma.c, pass.c).  So a
 * malformed stream is refused without side effects, and only data-dependent
 * failures (a faulting access, corrupt compressed data), a cancel or the
 * cycle budget can stop a job part-way.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* ---- the job's helpers ---- */

int rs_model_fail(struct job *j, enum rowstat_status status, const char *fmt, ...)
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

int rs_model_out_of_memory(struct job *j)
{
	return rs_model_fail(j, ROWSTAT_ERR_INTERNAL, "model out of host memory");
}

static int fault(struct job *j, uint64_t va, bool write, const char *what)
{
	if (j->res->status == ROWSTAT_OK) {
		j->res->fault_va = va;
		j->res->fault_write = write;
	}
	return rs_model_fail(j, ROWSTAT_ERR_FAULT, "%s %s faulted at 0x%" PRIx64, what,
			     write ? "write" : "read", va);
}

int rs_model_read(struct job *j, uint64_t va, void *buf, size_t len, const char *what)
{
	if (j->mem->read(j->mem->opaque, va, buf, len))
		return fault(j, va, false, what);
	return 0;
}

int rs_model_write(struct job *j, uint64_t va, const void *buf, size_t len,
		   const char *what)
{
	if (j->mem->write(j->mem->opaque, va, buf, len))
		return fault(j, va, true, what);
	return 0;
}

bool rs_model_cancelled(const struct job *j)
{
	return j->opts && j->opts->cancel &&
	       __atomic_load_n(j->opts->cancel, __ATOMIC_RELAXED);
}

int rs_model_cancel_fail(struct job *j)
{
	return rs_model_fail(j, ROWSTAT_ERR_CANCELLED, "job cancelled");
}

void *rs_model_reserve(void **buf, size_t *cap, size_t count, size_t elem)
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

/* ---- the command loop ---- */

static const unsigned cmd_bytes[ROWSTAT_OP_LIMIT] = {
	[ROWSTAT_OP_END] = sizeof(struct rowstat_cmd_end),
	[ROWSTAT_OP_LAYER] = sizeof(struct rowstat_cmd_layer),
	[ROWSTAT_OP_MAPPING] = sizeof(struct rowstat_cmd_mapping),
	[ROWSTAT_OP_DMA] = sizeof(struct rowstat_cmd_dma),
	[ROWSTAT_OP_PASS] = sizeof(struct rowstat_cmd_pass),
	[ROWSTAT_OP_BARRIER] = sizeof(struct rowstat_cmd_barrier),
};

/* The header of the command at j->off: its opcode and size, checked. */
static int check_header(struct job *j, unsigned *opcode, unsigned *bytes)
{
	const uint8_t *raw = j->stream + j->off;
	const char *name;

	if (j->bytes - j->off < sizeof(struct rowstat_cmd_header))
		return rs_model_fail(j, ROWSTAT_ERR_TRUNCATED, "stream ends without END");
	*opcode = raw[0];
	*bytes = 4u * rs_hw_get_le16(raw + 2);
	name = rs_hw_opcode_name(*opcode);
	if (!name)
		return rs_model_fail(j, ROWSTAT_ERR_OPCODE, "unknown opcode %u", *opcode);
	if (!(j->model->hw.opcode_mask & (1u << *opcode)))
		return rs_model_fail(j, ROWSTAT_ERR_OPCODE,
				     "opcode %u (%s) not enabled by the firmware", *opcode,
				     name);
	if (raw[1])
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED,
				     "%s header reserved byte nonzero", name);
	if (*bytes != cmd_bytes[*opcode])
		return rs_model_fail(j, ROWSTAT_ERR_CMD_SIZE, "%s.dwords %u, expected %u",
				     name, *bytes / 4, cmd_bytes[*opcode] / 4);
	if (*bytes > j->bytes - j->off)
		return rs_model_fail(j, ROWSTAT_ERR_TRUNCATED,
				     "%s of %u bytes runs past the stream's end", name,
				     *bytes);
	return 0;
}

/* END and BARRIER: a reserved word; BARRIER ends the phase. */
static int end_or_barrier(struct job *j, const uint8_t *raw, unsigned opcode)
{
	if (rs_hw_get_le32(raw + 4))
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED, "%s reserved field nonzero",
				     rs_hw_opcode_name(opcode));
	if (opcode == ROWSTAT_OP_BARRIER) {
		rs_model_phase_reset(j);
		j->tl.sync = rs_model_job_end(j);
	}
	return 0;
}

static int step(struct job *j, bool *done)
{
	const uint8_t *raw = j->stream + j->off;
	unsigned opcode = 0, bytes = 0;

	if (check_header(j, &opcode, &bytes))
		return -1;
	if (rs_model_cancelled(j))
		return rs_model_cancel_fail(j);
	if (j->exec) {
		/* Commands are decoded in order; none starts before its decode ends. */
		j->tl.decoded += j->model->hw.decode_cycles[opcode];
		if (rs_model_over_budget(j, j->tl.decoded, rs_hw_opcode_name(opcode)))
			return -1;
		/* A new layer, a new array configuration or the end make psums final. */
		if (opcode == ROWSTAT_OP_LAYER || opcode == ROWSTAT_OP_MAPPING ||
		    opcode == ROWSTAT_OP_END)
			rs_model_chain_flush(j, false);
	}
	switch (opcode) {
	case ROWSTAT_OP_END:
	case ROWSTAT_OP_BARRIER:
		if (end_or_barrier(j, raw, opcode))
			return -1;
		*done = opcode == ROWSTAT_OP_END;
		break;
	case ROWSTAT_OP_LAYER:
		if (rs_model_decode_layer(j, raw))
			return -1;
		break;
	case ROWSTAT_OP_MAPPING:
		if (rs_model_decode_mapping(j, raw))
			return -1;
		break;
	case ROWSTAT_OP_DMA: {
		struct dma d = { 0 };

		if (rs_model_decode_dma(j, raw, &d) || (j->exec && rs_model_exec_dma(j, &d)))
			return -1;
		break;
	}
	case ROWSTAT_OP_PASS: {
		struct pass p = { 0 };

		if (rs_model_decode_pass(j, raw, &p) || (j->exec && rs_model_exec_pass(j, &p)))
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
	rs_model_phase_reset(j);
	while (!done)
		if (step(j, &done))
			return -1;
	return 0;
}

/* Fetches the whole stream: it is checked before anything runs. */
static uint8_t *fetch_stream(struct job *j, uint64_t va, uint32_t bytes)
{
	uint8_t *stream;

	if (va % ROWSTAT_STREAM_ALIGN || bytes % ROWSTAT_STREAM_ALIGN) {
		rs_model_fail(j, ROWSTAT_ERR_STREAM_ALIGN,
			      "stream at 0x%" PRIx64 " of %u bytes: both must be multiples of %u",
			      va, bytes, ROWSTAT_STREAM_ALIGN);
		return NULL;
	}
	if (!bytes || bytes > ROWSTAT_STREAM_MAX_BYTES) {
		rs_model_fail(j, ROWSTAT_ERR_STREAM_SIZE, "stream of %u bytes, allowed 8..%u",
			      bytes, ROWSTAT_STREAM_MAX_BYTES);
		return NULL;
	}
	stream = malloc(bytes);
	if (!stream) {
		rs_model_out_of_memory(j);
		return NULL;
	}
	if (rs_model_read(j, va, stream, bytes, "stream fetch")) {
		free(stream);
		return NULL;
	}
	return stream;
}

/* After the job, however it ended: psums to the GLB, then nothing survives. */
static void finish_job(struct job *j)
{
	struct rs_model *md = j->model;

	if (j->exec) {
		rs_model_chain_flush(j, false);
		if (j->written_hi > j->written_lo)
			memset(md->glb + j->written_lo, 0, j->written_hi - j->written_lo);
	}
	j->c->cycles = rs_model_job_end(j);
	/* A job stopped by its budget ran until the budget was spent. */
	if (j->res->status == ROWSTAT_ERR_BUDGET)
		j->c->cycles = j->budget;
	rs_hw_counters_energy(j->c, md->hw.energy);
	rs_model_ranges_free(j);
}

enum rowstat_status rs_model_run(struct rs_model *model, uint64_t stream_va,
				 uint32_t stream_bytes, const struct rs_model_mem *mem,
				 const struct rs_model_opts *opts,
				 struct rs_model_result *res)
{
	struct job j;
	uint8_t *stream;

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
	stream = fetch_stream(&j, stream_va, stream_bytes);
	if (stream) {
		j.stream = stream;
		j.bytes = stream_bytes;
		if (!sweep(&j, false) && !(opts && opts->validate_only)) {
			/* Cached planes and chains describe another job's GLB. */
			rs_model_planes_invalidate(model, 0, UINT64_MAX);
			rs_model_chains_reset(model);
			sweep(&j, true);
		}
	}
	finish_job(&j);
	free(stream);
	return res->status;
}

/* ---- lifetime ---- */

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
	m->simd = rs_model_simd_best();
	m->glb = calloc(1, hw->glb_bytes);
	if (!m->glb) {
		free(m);
		return NULL;
	}
	return m;
}

int rs_model_set_params(struct rs_model *m, const struct rs_hw_params *hw)
{
	const char *why;

	if (rs_hw_params_check(hw, &why))
		return -1;
	if (hw->glb_bytes != m->hw.glb_bytes) {
		uint8_t *glb = calloc(1, hw->glb_bytes);

		if (!glb)
			return -1;
		free(m->glb);
		m->glb = glb;
	}
	m->hw = *hw;
	return 0;
}

void rs_model_destroy(struct rs_model *m)
{
	struct model_scratch *s;

	if (!m)
		return;
	s = &m->scratch;
	free(m->glb);
	rs_model_chains_free(m);
	rs_model_planes_free(m);
	free(s->planes);
	free(s->acc);
	free(s->weights);
	free(s->tap_offset);
	free(s->filters);
	free(s->region);
	free(s->bias);
	free(s->use);
	free(s->io);
	free(s->line);
	free(m);
}

const char *rs_model_simd(const struct rs_model *m)
{
	return m->simd->name;
}

int rs_model_select_simd(struct rs_model *m, const char *name)
{
	const struct rs_model_simd *simd = rs_model_simd_find(name);

	if (!simd)
		return -1;
	m->simd = simd;
	return 0;
}
