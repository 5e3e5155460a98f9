// SPDX-License-Identifier: MIT
/*
 * rowstat model core: decoding and validation of every command
 * (docs/hardware.md section 7), and the GLB races between a phase's DMAs
 * and passes.  The layer and mapping rules themselves are the rules
 * library's, shared with the compiler.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* ---- GLB ranges and hazards ---- */

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

void rs_model_phase_reset(struct job *j)
{
	j->dma_rd.n = j->dma_wr.n = j->pass_rd.n = j->pass_wr.n = 0;
}

void rs_model_ranges_free(struct job *j)
{
	free(j->dma_rd.v);
	free(j->dma_wr.v);
	free(j->pass_rd.v);
	free(j->pass_wr.v);
}

/* Widens the span of GLB bytes the job may write (cleared as it ends). */
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

uint64_t rs_model_tile_end(const struct tile *t)
{
	uint64_t end = (uint64_t)t->addr + (uint64_t)t->extent[0] * t->stride[0];

	for (int d = 1; d < 4; d++)
		end += (uint64_t)(t->extent[d] - 1) * t->stride[d];
	return end;
}

/* ---- LAYER ---- */

static void layer_from_cmd(const struct rowstat_cmd_layer *cmd, struct rs_hw_layer *ls)
{
	*ls = (struct rs_hw_layer){
		.ifmap_prec = cmd->ifmap_prec, .filter_prec = cmd->filter_prec,
		.ofmap_prec = cmd->ofmap_prec,
		.batch = LE16(cmd->batch), .in_channels = LE16(cmd->in_channels),
		.in_height = LE16(cmd->in_height), .in_width = LE16(cmd->in_width),
		.out_channels = LE16(cmd->out_channels), .kernel_h = LE16(cmd->kernel_h),
		.kernel_w = LE16(cmd->kernel_w), .groups = LE16(cmd->groups),
		.stride_h = cmd->stride_h, .stride_w = cmd->stride_w,
		.pad_top = cmd->pad_top, .pad_bottom = cmd->pad_bottom,
		.pad_left = cmd->pad_left, .pad_right = cmd->pad_right,
		.requant_shift = cmd->requant_shift,
	};
}

static void layer_set(struct layer *L, const struct rowstat_cmd_layer *cmd,
		      const struct rs_hw_layer *ls)
{
	memset(L, 0, sizeof(*L));
	L->ofmap_prec = ls->ofmap_prec;
	L->ibytes = rs_hw_prec_bytes(ls->ifmap_prec);
	L->wbytes = rs_hw_prec_bytes(ls->filter_prec);
	L->obytes = rs_hw_prec_bytes(ls->ofmap_prec);
	L->relu = cmd->flags & ROWSTAT_LAYER_RELU;
	L->bias = cmd->flags & ROWSTAT_LAYER_BIAS;
	L->N = ls->batch;
	L->C = ls->in_channels;
	L->H = ls->in_height;
	L->W = ls->in_width;
	L->M = ls->out_channels;
	L->R = ls->kernel_h;
	L->S = ls->kernel_w;
	L->G = ls->groups;
	L->E = LE16(cmd->out_height);
	L->F = LE16(cmd->out_width);
	L->Uh = ls->stride_h;
	L->Uw = ls->stride_w;
	L->pt = ls->pad_top;
	L->pb = ls->pad_bottom;
	L->pl = ls->pad_left;
	L->pr = ls->pad_right;
	L->Cg = L->C / L->G;
	L->Mg = L->M / L->G;
	L->shift = ls->requant_shift;
	L->mult = (int32_t)LE32(cmd->requant_mult);
	L->filter_va = LE64(cmd->filter_va);
	L->filter_stride = LE32(cmd->filter_stride) / L->wbytes;
	if (!L->filter_stride)
		L->filter_stride = (uint64_t)L->Cg * L->R * L->S;
	L->bias_va = LE64(cmd->bias_va);
}

/* What the shape rules leave to the command: output size and addresses. */
static int layer_extents_and_addresses(struct job *j, const struct layer *L,
				       uint64_t stride)
{
	uint64_t dense = (uint64_t)L->Cg * L->R * L->S * L->wbytes;

	unsigned E = rs_hw_out_extent(L->H, L->pt, L->pb, L->R, L->Uh);
	unsigned F = rs_hw_out_extent(L->W, L->pl, L->pr, L->S, L->Uw);

	if (L->E != E)
		return rs_model_fail(j, ROWSTAT_ERR_LAYER_SHAPE,
				     "LAYER.out_height %u, the shape gives %u", L->E, E);
	if (L->F != F)
		return rs_model_fail(j, ROWSTAT_ERR_LAYER_SHAPE,
				     "LAYER.out_width %u, the shape gives %u", L->F, F);
	if (L->filter_va % L->wbytes)
		return rs_model_fail(j, ROWSTAT_ERR_LAYER_SHAPE,
				     "LAYER.filter_va 0x%" PRIx64 " not %u-byte aligned",
				     L->filter_va, L->wbytes);
	if (stride % L->wbytes || (stride && stride < dense))
		return rs_model_fail(j, ROWSTAT_ERR_LAYER_SHAPE,
				     "LAYER.filter_stride %" PRIu64 ": 0 or a multiple of %u from %"
				     PRIu64, stride, L->wbytes, dense);
	if (L->bias && L->bias_va % 4)
		return rs_model_fail(j, ROWSTAT_ERR_LAYER_SHAPE,
				     "LAYER.bias_va 0x%" PRIx64 " not 4-byte aligned",
				     L->bias_va);
	if (!L->bias && L->bias_va)
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED,
				     "LAYER.bias_va set without the BIAS flag");
	return 0;
}

int rs_model_decode_layer(struct job *j, const uint8_t *raw)
{
	struct rowstat_cmd_layer cmd;
	struct rs_hw_layer ls;
	char why[RS_MODEL_DETAIL_MAX];
	enum rowstat_status st;

	memcpy(&cmd, raw, sizeof(cmd));
	if (cmd.reserved0 || cmd.reserved1)
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED, "LAYER reserved field nonzero");
	if (cmd.flags & ~ROWSTAT_LAYER_FLAGS)
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED, "LAYER.flags unknown bits 0x%x",
				     cmd.flags & ~ROWSTAT_LAYER_FLAGS);
	layer_from_cmd(&cmd, &ls);
	st = rs_hw_layer_check(&j->model->hw, &ls, "LAYER.", why, sizeof(why));
	if (st)
		return rs_model_fail(j, st, "%s", why);
	layer_set(&j->L, &cmd, &ls);
	if (layer_extents_and_addresses(j, &j->L, LE32(cmd.filter_stride)))
		return -1;
	j->have_layer = true;
	/* A new layer needs its own array configuration and filters. */
	j->have_mapping = false;
	j->held.valid = false;
	return 0;
}

/* ---- MAPPING ---- */

int rs_model_decode_mapping(struct job *j, const uint8_t *raw)
{
	struct rowstat_cmd_mapping cmd;
	struct mapping *mp = &j->mp;
	struct rs_hw_mapping m;
	char why[RS_MODEL_DETAIL_MAX];
	enum rowstat_status st;

	memcpy(&cmd, raw, sizeof(cmd));
	if (cmd.reserved)
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED, "MAPPING reserved field nonzero");
	if (!j->have_layer)
		return rs_model_fail(j, ROWSTAT_ERR_NO_LAYER, "MAPPING before any LAYER");
	m = (struct rs_hw_mapping){
		.set_rows = LE16(cmd.set_rows), .set_cols = LE16(cmd.set_cols),
		.filters_per_pe = LE16(cmd.filters_per_pe),
		.channels_per_pe = LE16(cmd.channels_per_pe),
		.filter_sets = LE16(cmd.filter_sets),
		.channel_sets = LE16(cmd.channel_sets),
		.taps_per_pe = LE16(cmd.taps_per_pe),
		.images_per_pass = LE16(cmd.images_per_pass),
	};
	st = rs_hw_mapping_check(&j->model->hw, &m, "MAPPING.", why, sizeof(why));
	if (st)
		return rs_model_fail(j, st, "%s", why);
	mp->set_rows = m.set_rows;
	mp->set_cols = m.set_cols;
	mp->p = m.filters_per_pe;
	mp->q = m.channels_per_pe;
	mp->t = m.filter_sets;
	mp->r = m.channel_sets;
	mp->taps = m.taps_per_pe;
	mp->n = m.images_per_pass;
	j->have_mapping = true;
	/* Reconfiguring the array redistributes the spads. */
	j->held.valid = false;
	return 0;
}

/* ---- DMA ---- */

/* End of the DRAM span of the box (a whole slot per line with RLC). */
static uint64_t dma_dram_end(const struct dma *d, bool rlc)
{
	uint64_t end = d->va + (rlc ? ROWSTAT_RLC_SLOT_BYTES((uint64_t)d->count[0]) :
				(uint64_t)d->count[0] * d->delem);

	for (int k = 1; k < 4; k++)
		end += (uint64_t)(d->count[k] - 1) * d->dstride[k - 1];
	return end;
}

/* Direction, data type, element sizes, counts and strides. */
static int dma_fields(struct job *j, const struct rowstat_cmd_dma *cmd, struct dma *d)
{
	const struct layer *L = &j->L;
	uint64_t box = 1;

	d->dir = cmd->direction;
	d->dtype = cmd->dtype;
	d->flags = cmd->flags;
	if (d->dir == ROWSTAT_DMA_LOAD && d->dtype == ROWSTAT_DT_IFMAP) {
		d->delem = L->ibytes;
		d->gelem = L->ibytes;
	} else if (d->dir == ROWSTAT_DMA_STORE && d->dtype == ROWSTAT_DT_PSUM) {
		d->delem = L->obytes;
		d->gelem = 4;
	} else {
		return rs_model_fail(j, ROWSTAT_ERR_DMA_SHAPE,
				     "DMA.direction %u with DMA.dtype %u: only ifmap loads and psum stores",
				     d->dir, d->dtype);
	}
	d->va = LE64(cmd->dram_va);
	d->glb = LE32(cmd->glb_addr);
	for (int k = 0; k < 4; k++) {
		d->count[k] = LE32(cmd->count[k]);
		if (!d->count[k])
			return rs_model_fail(j, ROWSTAT_ERR_DMA_SHAPE, "DMA.count[%d] is zero", k);
		box *= d->count[k];
		if (box > UINT32_MAX)
			return rs_model_fail(j, ROWSTAT_ERR_DMA_SHAPE,
					     "DMA box of more than 2^32 elements");
	}
	d->gstride[0] = d->gelem;
	for (int k = 0; k < 3; k++) {
		d->dstride[k] = LE32(cmd->dram_stride[k]);
		d->gstride[k + 1] = LE32(cmd->glb_stride[k]);
	}
	d->dstride[3] = 0;
	return 0;
}

/* The DRAM side: alignment, RLC slots, and the device's VA space. */
static int dma_dram_side(struct job *j, const struct dma *d)
{
	bool rlc = d->flags & ROWSTAT_DMA_RLC;
	unsigned align = rlc ? ROWSTAT_RLC_WORD_BYTES : d->delem;
	uint64_t end = dma_dram_end(d, rlc);

	if (d->va % align)
		return rs_model_fail(j, ROWSTAT_ERR_DMA_SHAPE,
				     "DMA.dram_va 0x%" PRIx64 " not %u-byte aligned%s", d->va,
				     align, rlc ? " for RLC" : "");
	for (int k = 0; k < 3; k++)
		if (d->dstride[k] % align)
			return rs_model_fail(j, ROWSTAT_ERR_DMA_SHAPE,
					     "DMA.dram_stride[%d] %" PRIu64 " not a multiple of %u%s",
					     k, d->dstride[k], align, rlc ? " for RLC" : "");
	if (rlc && d->count[1] > 1 &&
	    d->dstride[0] < ROWSTAT_RLC_SLOT_BYTES((uint64_t)d->count[0]))
		return rs_model_fail(j, ROWSTAT_ERR_DMA_SHAPE,
				     "DMA.dram_stride[0] %" PRIu64 " smaller than the RLC slot of %u values (%u bytes)",
				     d->dstride[0], d->count[0],
				     (unsigned)ROWSTAT_RLC_SLOT_BYTES(d->count[0]));
	if (end < d->va || end > (1ull << j->model->hw.va_bits))
		return rs_model_fail(j, ROWSTAT_ERR_DMA_SHAPE,
				     "DMA DRAM range from 0x%" PRIx64 " leaves the %u-bit VA space",
				     d->va, j->model->hw.va_bits);
	return 0;
}

/* The GLB side: alignment and bounds. */
static int dma_glb_side(struct job *j, struct dma *d)
{
	if (d->glb % d->gelem)
		return rs_model_fail(j, ROWSTAT_ERR_GLB_BOUNDS,
				     "DMA.glb_addr 0x%x not %u-byte aligned", d->glb, d->gelem);
	for (int k = 1; k < 4; k++)
		if (d->gstride[k] % d->gelem)
			return rs_model_fail(j, ROWSTAT_ERR_GLB_BOUNDS,
					     "DMA.glb_stride[%d] %" PRIu64 " not a multiple of %u",
					     k - 1, d->gstride[k], d->gelem);
	d->glb_end = d->glb + (uint64_t)d->count[0] * d->gelem;
	for (int k = 1; k < 4; k++)
		d->glb_end += (uint64_t)(d->count[k] - 1) * d->gstride[k];
	if (d->glb_end > j->model->hw.glb_bytes)
		return rs_model_fail(j, ROWSTAT_ERR_GLB_BOUNDS,
				     "DMA GLB range 0x%x..0x%" PRIx64 " past the GLB's %u bytes",
				     d->glb, d->glb_end, j->model->hw.glb_bytes);
	return 0;
}

/* A load may not write what a pass of its phase uses; a store not read what one writes. */
static int dma_hazards(struct job *j, const struct dma *d)
{
	if (d->dir == ROWSTAT_DMA_LOAD) {
		if (ranges_overlap(&j->pass_rd, d->glb, d->glb_end) ||
		    ranges_overlap(&j->pass_wr, d->glb, d->glb_end))
			return rs_model_fail(j, ROWSTAT_ERR_HAZARD,
					     "DMA load into GLB 0x%x..0x%" PRIx64 " races a pass since the last BARRIER",
					     d->glb, d->glb_end);
		if (ranges_add(&j->dma_wr, d->glb, d->glb_end))
			return rs_model_out_of_memory(j);
		note_written(j, d->glb, d->glb_end);
		return 0;
	}
	if (ranges_overlap(&j->pass_wr, d->glb, d->glb_end))
		return rs_model_fail(j, ROWSTAT_ERR_HAZARD,
				     "DMA store from GLB 0x%x..0x%" PRIx64 " races a pass since the last BARRIER",
				     d->glb, d->glb_end);
	if (ranges_add(&j->dma_rd, d->glb, d->glb_end))
		return rs_model_out_of_memory(j);
	return 0;
}

int rs_model_decode_dma(struct job *j, const uint8_t *raw, struct dma *d)
{
	struct rowstat_cmd_dma cmd;

	memcpy(&cmd, raw, sizeof(cmd));
	if (cmd.reserved0 || cmd.reserved1)
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED, "DMA reserved field nonzero");
	if (cmd.flags & ~ROWSTAT_DMA_RLC)
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED, "DMA.flags unknown bits 0x%x",
				     cmd.flags & ~ROWSTAT_DMA_RLC);
	if (!j->have_layer)
		return rs_model_fail(j, ROWSTAT_ERR_NO_LAYER, "DMA before any LAYER");
	if (dma_fields(j, &cmd, d) || dma_dram_side(j, d) || dma_glb_side(j, d))
		return -1;
	return j->exec ? 0 : dma_hazards(j, d);
}

/* ---- PASS ---- */

/*
 * First and last position, inside [0, limit), of lo + o * step + k for o in
 * [0, count) and k in [0, taps): the real inputs a pass reads along one
 * dimension.  Closed form, since a stream may hold many wide passes.
 */
static bool real_span(long lo, unsigned step, unsigned taps, unsigned count,
		      unsigned limit, long *first, long *last)
{
	/* The first window that reaches position 0, and the last starting below limit. */
	long need = -lo - (long)taps + 1;
	long o0 = need > 0 ? (need + (long)step - 1) / (long)step : 0, o1;

	*first = *last = -1;
	if (o0 >= (long)count)
		return false;
	*first = lo + o0 * (long)step;
	if (*first < 0)
		*first = 0;
	if (*first >= (long)limit) {
		*first = -1;
		return false;
	}
	o1 = ((long)limit - 1 - lo) / (long)step;
	if (o1 > (long)count - 1)
		o1 = (long)count - 1;
	*last = lo + o1 * (long)step + (long)taps - 1;
	if (*last > (long)limit - 1)
		*last = (long)limit - 1;
	return true;
}

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

static int tile_within_glb(struct job *j, const struct tile *t, const char *name)
{
	uint64_t end;

	for (int d = 0; d < 4; d++)
		if (!t->extent[d])
			return rs_model_fail(j, ROWSTAT_ERR_PASS_TILE,
					     "PASS.%s.extent[%d] is zero", name, d);
	if (t->addr % t->stride[0])
		return rs_model_fail(j, ROWSTAT_ERR_GLB_BOUNDS,
				     "PASS.%s.addr 0x%x not %u-byte aligned", name, t->addr,
				     (unsigned)t->stride[0]);
	for (int d = 1; d < 4; d++)
		if (t->stride[d] % t->stride[0])
			return rs_model_fail(j, ROWSTAT_ERR_GLB_BOUNDS,
					     "PASS.%s.stride[%d] %" PRIu64 " not a multiple of %u",
					     name, d - 1, t->stride[d], (unsigned)t->stride[0]);
	end = rs_model_tile_end(t);
	if (end > j->model->hw.glb_bytes)
		return rs_model_fail(j, ROWSTAT_ERR_GLB_BOUNDS,
				     "PASS.%s GLB range 0x%x..0x%" PRIx64 " past the GLB's %u bytes",
				     name, t->addr, end, j->model->hw.glb_bytes);
	return 0;
}

/* The tile lies inside the layer and holds [first, last] (none if first < 0). */
static int tile_contains(struct job *j, const struct tile *t, const char *name,
			 int dim, const char *dim_name, long first, long last,
			 unsigned layer_extent)
{
	if ((uint64_t)t->origin[dim] + t->extent[dim] > layer_extent)
		return rs_model_fail(j, ROWSTAT_ERR_PASS_TILE,
				     "PASS.%s %s origin %u + extent %u beyond the layer's %u",
				     name, dim_name, t->origin[dim], t->extent[dim],
				     layer_extent);
	if (first < 0)
		return 0;
	if (first < (long)t->origin[dim] ||
	    last >= (long)t->origin[dim] + (long)t->extent[dim])
		return rs_model_fail(j, ROWSTAT_ERR_PASS_TILE,
				     "PASS.%s holds %s %u..%u, the pass uses %ld..%ld",
				     name, dim_name, t->origin[dim],
				     t->origin[dim] + t->extent[dim] - 1, first, last);
	return 0;
}

static int pass_range(struct job *j, const char *what, unsigned first,
		      unsigned count, unsigned limit, uint64_t cap,
		      const char *cap_name)
{
	if (!count)
		return rs_model_fail(j, ROWSTAT_ERR_PASS_RANGE, "PASS.%s_count is zero", what);
	if ((uint64_t)first + count > limit)
		return rs_model_fail(j, ROWSTAT_ERR_PASS_RANGE,
				     "PASS.%s0 %u + %s_count %u beyond the layer's %u",
				     what, first, what, count, limit);
	if (count > cap)
		return rs_model_fail(j, ROWSTAT_ERR_PASS_RANGE,
				     "PASS.%s_count %u exceeds %s %" PRIu64, what, count,
				     cap_name, cap);
	return 0;
}

/* The work of a pass: inside the layer, within the mapping, in one group. */
static int pass_work(struct job *j, const struct rowstat_cmd_pass *cmd, struct pass *p)
{
	const struct layer *L = &j->L;
	const struct mapping *mp = &j->mp;
	unsigned g;

	p->n0 = LE16(cmd->n0);
	p->nn = LE16(cmd->n_count);
	p->m0 = LE16(cmd->m0);
	p->mm = LE16(cmd->m_count);
	p->c0 = LE16(cmd->c0);
	p->cc = LE16(cmd->c_count);
	p->e0 = LE16(cmd->e0);
	p->ee = LE16(cmd->e_count);
	p->f0 = LE16(cmd->f0);
	p->ff = LE16(cmd->f_count);
	p->r0 = LE16(cmd->r0);
	p->rr = LE16(cmd->r_count);
	p->s0 = LE16(cmd->s0);
	p->ss = LE16(cmd->s_count);
	if (pass_range(j, "n", p->n0, p->nn, L->N, mp->n, "images_per_pass") ||
	    pass_range(j, "m", p->m0, p->mm, L->M, (uint64_t)mp->p * mp->t,
		       "filters_per_pe x filter_sets") ||
	    pass_range(j, "c", p->c0, p->cc, L->C, (uint64_t)mp->q * mp->r,
		       "channels_per_pe x channel_sets") ||
	    pass_range(j, "e", p->e0, p->ee, L->E, mp->set_cols, "set_cols") ||
	    pass_range(j, "f", p->f0, p->ff, L->F, L->F, "out_width") ||
	    pass_range(j, "r", p->r0, p->rr, L->R, mp->set_rows, "set_rows") ||
	    pass_range(j, "s", p->s0, p->ss, L->S, mp->taps, "taps_per_pe"))
		return -1;
	g = p->m0 / L->Mg;
	if ((p->m0 + p->mm - 1) / L->Mg != g)
		return rs_model_fail(j, ROWSTAT_ERR_PASS_RANGE,
				     "PASS filters %u..%u span two groups", p->m0,
				     p->m0 + p->mm - 1);
	if (p->c0 < g * L->Cg || p->c0 + p->cc > (g + 1) * L->Cg)
		return rs_model_fail(j, ROWSTAT_ERR_PASS_RANGE,
				     "PASS channels %u..%u outside group %u (%u..%u)", p->c0,
				     p->c0 + p->cc - 1, g, g * L->Cg, (g + 1) * L->Cg - 1);
	return 0;
}

/* The tiles lie in the GLB and hold every real input and every output used. */
static int pass_tiles(struct job *j, const struct pass *p)
{
	const struct layer *L = &j->L;
	long wf = -1, wl = -1, hf = -1, hl = -1;
	bool any;

	if (tile_within_glb(j, &p->ifmap, "ifmap") || tile_within_glb(j, &p->psum, "psum"))
		return -1;
	any = real_span((long)p->f0 * L->Uw + p->s0 - L->pl, L->Uw, p->ss, p->ff, L->W,
			&wf, &wl) &&
	      real_span((long)p->e0 * L->Uh + p->r0 - L->pt, L->Uh, p->rr, p->ee, L->H,
			&hf, &hl);
	if (tile_contains(j, &p->ifmap, "ifmap", 0, "columns", any ? wf : -1, wl, L->W) ||
	    tile_contains(j, &p->ifmap, "ifmap", 1, "rows", any ? hf : -1, hl, L->H) ||
	    tile_contains(j, &p->ifmap, "ifmap", 2, "channels", any ? (long)p->c0 : -1,
			  p->c0 + p->cc - 1, L->C) ||
	    tile_contains(j, &p->ifmap, "ifmap", 3, "images", any ? (long)p->n0 : -1,
			  p->n0 + p->nn - 1, L->N))
		return -1;
	if (tile_contains(j, &p->psum, "psum", 0, "columns", p->f0, p->f0 + p->ff - 1, L->F) ||
	    tile_contains(j, &p->psum, "psum", 1, "rows", p->e0, p->e0 + p->ee - 1, L->E) ||
	    tile_contains(j, &p->psum, "psum", 2, "filters", p->m0, p->m0 + p->mm - 1, L->M) ||
	    tile_contains(j, &p->psum, "psum", 3, "images", p->n0, p->n0 + p->nn - 1, L->N))
		return -1;
	return 0;
}

/* A pass may not read what a DMA of its phase loads, nor write what one uses. */
static int pass_hazards(struct job *j, const struct pass *p)
{
	uint64_t ilo = p->ifmap.addr, ihi = rs_model_tile_end(&p->ifmap);
	uint64_t plo = p->psum.addr, phi = rs_model_tile_end(&p->psum);

	if (ranges_overlap(&j->dma_wr, ilo, ihi))
		return rs_model_fail(j, ROWSTAT_ERR_HAZARD,
				     "PASS reads ifmap GLB 0x%" PRIx64 "..0x%" PRIx64 " that a DMA loads since the last BARRIER",
				     ilo, ihi);
	if (ranges_overlap(&j->dma_wr, plo, phi) || ranges_overlap(&j->dma_rd, plo, phi))
		return rs_model_fail(j, ROWSTAT_ERR_HAZARD,
				     "PASS writes psum GLB 0x%" PRIx64 "..0x%" PRIx64 " that a DMA uses since the last BARRIER",
				     plo, phi);
	if (ranges_add(&j->pass_rd, ilo, ihi) || ranges_add(&j->pass_wr, plo, phi))
		return rs_model_out_of_memory(j);
	note_written(j, plo, phi);
	return 0;
}

int rs_model_decode_pass(struct job *j, const uint8_t *raw, struct pass *p)
{
	struct rowstat_cmd_pass cmd;

	memcpy(&cmd, raw, sizeof(cmd));
	if (cmd.reserved0 || cmd.reserved1[0] || cmd.reserved1[1])
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED, "PASS reserved field nonzero");
	p->flags = LE16(cmd.flags);
	if (p->flags & ~ROWSTAT_PASS_FLAGS)
		return rs_model_fail(j, ROWSTAT_ERR_RESERVED, "PASS.flags unknown bits 0x%x",
				     p->flags & ~ROWSTAT_PASS_FLAGS);
	if (!j->have_layer)
		return rs_model_fail(j, ROWSTAT_ERR_NO_LAYER, "PASS before any LAYER");
	if (!j->have_mapping)
		return rs_model_fail(j, ROWSTAT_ERR_NO_MAPPING,
				     "PASS before a MAPPING for this LAYER");
	if (pass_work(j, &cmd, p))
		return -1;
	decode_tile(&cmd.ifmap, j->L.ibytes, &p->ifmap);
	decode_tile(&cmd.psum, 4, &p->psum);
	if (pass_tiles(j, p))
		return -1;
	return j->exec ? 0 : pass_hazards(j, p);
}
