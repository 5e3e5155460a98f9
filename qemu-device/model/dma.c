// SPDX-License-Identifier: MIT
/*
 * rowstat model core: DMA execution (docs/hardware.md 7.4).  A DMA moves a
 * 4-D box line by line between DRAM and the GLB, compressing or expanding
 * RLC segments on the way, and counts what it moves.
 */
#include <inttypes.h>
#include <string.h>

#include "model_internal.h"

/* Little-endian 16-bit values into bytes. */
static void store_le16(uint8_t *dst, const int16_t *v, unsigned n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(dst, v, (size_t)n * 2);
#else
	for (unsigned k = 0; k < n; k++)
		rs_hw_put_le16(dst + 2 * k, (uint16_t)v[k]);
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
			out[k] = (int16_t)rs_hw_get_le16(g + 4 * k);
}

/* One line of a DMA: the DRAM side, the GLB side, and its buffers. */
struct dma_line {
	uint64_t va;
	uint8_t *glb;
	size_t slot;		/* DRAM bytes a line may occupy */
	uint8_t *io;		/* a slot's worth of staging */
	int16_t *values;	/* a line's values */
};

/* Loads one line into the GLB; the DRAM bytes it used in *used. */
static int load_line(struct job *j, const struct dma *d, const struct dma_line *ln,
		     size_t *used)
{
	unsigned n = d->count[0];
	const char *why;
	int bad;

	*used = ln->slot;
	if (!(d->flags & ROWSTAT_DMA_RLC))
		return rs_model_read(j, ln->va, ln->glb, ln->slot, "DMA load");
	if (rs_model_read(j, ln->va, ln->io, ln->slot, "DMA load"))
		return -1;
	if (rs_hw_rlc_decode(ln->io, ln->slot, ln->values, n, used, &why))
		return rs_model_fail(j, ROWSTAT_ERR_RLC, "%s at DRAM 0x%" PRIx64, why, ln->va);
	if (d->gelem == 2) {
		store_le16(ln->glb, ln->values, n);
		return 0;
	}
	bad = store_int8(ln->glb, ln->values, n);
	if (bad >= 0)
		return rs_model_fail(j, ROWSTAT_ERR_RLC,
				     "RLC level %d out of int8 range at DRAM 0x%" PRIx64,
				     ln->values[bad], ln->va);
	return 0;
}

/* Stores one line of GLB slots, keeping each slot's low ofmap bytes. */
static int store_line(struct job *j, const struct dma *d, const struct dma_line *ln,
		      size_t *used)
{
	unsigned n = d->count[0];

	narrow_slots(ln->glb, n, d->delem, ln->values);
	*used = ln->slot;
	if (d->flags & ROWSTAT_DMA_RLC)
		*used = rs_hw_rlc_encode(ln->values, n, ln->io);
	else if (d->delem == 1)
		for (unsigned k = 0; k < n; k++)
			ln->io[k] = (uint8_t)ln->values[k];
	else
		store_le16(ln->io, ln->values, n);
	return rs_model_write(j, ln->va, ln->io, *used, "DMA store");
}

static void count_line(struct job *j, const struct dma *d, size_t used)
{
	struct rs_hw_counters *c = j->c;
	unsigned n = d->count[0];

	if (d->dir == ROWSTAT_DMA_LOAD) {
		c->dram_read_bytes[ROWSTAT_DT_IFMAP] += used;
		c->glb_writes[ROWSTAT_DT_IFMAP] += n;
		c->glb_write_bytes += (uint64_t)n * d->gelem;
	} else {
		c->dram_write_bytes[ROWSTAT_DT_PSUM] += used;
		c->glb_reads[ROWSTAT_DT_PSUM] += n;
		c->glb_read_bytes += (uint64_t)n * 4;
	}
}

int rs_model_exec_dma(struct job *j, const struct dma *d)
{
	unsigned n = d->count[0];
	struct dma_line ln;
	uint64_t moved = 0, start, room;
	uint64_t lines = (uint64_t)d->count[1] * d->count[2] * d->count[3];
	uint64_t at[3] = { 0, 0, 0 };	/* the line's index along dimensions 1..3 */

	ln.slot = d->flags & ROWSTAT_DMA_RLC ? ROWSTAT_RLC_SLOT_BYTES((size_t)n) :
		  (size_t)n * d->delem;
	ln.io = SCRATCH(j, io, ln.slot);
	ln.values = SCRATCH(j, line, n);
	if (!ln.io || !ln.values)
		return rs_model_out_of_memory(j);
	/* Deferred psums in those bytes go first; planes built from them go stale. */
	rs_model_chain_flush_overlap(j, d->glb, d->glb_end);
	if (d->dir == ROWSTAT_DMA_LOAD)
		rs_model_planes_invalidate(j->model, d->glb, d->glb_end);
	/* The link may move room / 1000 bytes before the budget runs out. */
	start = rs_model_max64(rs_model_max64(j->tl.sync, j->tl.link_free), j->tl.decoded);
	if (rs_model_over_budget(j, start, "DMA"))
		return -1;
	room = j->budget - start > UINT64_MAX / j->model->hw.dram_bw ? UINT64_MAX :
	       (j->budget - start) * j->model->hw.dram_bw;
	for (uint64_t l = 0; l < lines; l++) {
		size_t used;

		ln.va = d->va + at[0] * d->dstride[0] + at[1] * d->dstride[1] +
			at[2] * d->dstride[2];
		ln.glb = j->model->glb + d->glb + at[0] * d->gstride[1] +
			 at[1] * d->gstride[2] + at[2] * d->gstride[3];
		if (d->dir == ROWSTAT_DMA_LOAD ? load_line(j, d, &ln, &used) :
		    store_line(j, d, &ln, &used))
			return -1;
		count_line(j, d, used);
		moved += used;
		/* Every line: one command may move gigabytes. */
		if (rs_model_cancelled(j))
			return rs_model_cancel_fail(j);
		if (moved > room / 1000)
			return rs_model_over_budget(j, start + rs_model_transfer_cycles(j, moved),
						    "DMA");
		/* The next line: dimension 1 first, carrying into 2 and 3. */
		for (int k = 0; k < 3 && ++at[k] == d->count[k + 1]; k++)
			at[k] = 0;
	}
	j->tl.link_free = j->tl.dma_end = start + rs_model_transfer_cycles(j, moved);
	return 0;
}
