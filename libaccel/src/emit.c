// SPDX-License-Identifier: MIT
/*
 * The emitter: turns a layer and its mapping into a command stream.
 *
 * Per group the schedule is output-stationary at the GLB: a psum tile
 * (tile_n x tile_m x tile_e x tile_f) stays resident while ifmap tiles of
 * tile_c channels stream through it; then it is requantized in place and
 * stored.  Inside a tile the passes run filter-row chunk, filter-column
 * chunk, channel group, filter group, output-row group, image group, so a
 * filter block stays in the PE spads across its row and image groups.
 * Loads of the next ifmap tile and stores of the previous psum tile overlap
 * the passes when the mapping double-buffers them.  A layer with more input
 * channels than a LAYER carries runs its channel tiles part by part, each
 * part under its own LAYER (filter_stride reaching into the whole layer's
 * filters), while the psum tile stays in the GLB.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler_internal.h"

struct step {
	unsigned na, nb, ea, eb, fa, fb, ma, mb, ca, cb;	/* absolute m, c */
	bool load;		/* this step loads its ifmap tile */
	unsigned lca, lcb;	/* channels the load brings */
	unsigned ibuf, pbuf;
	unsigned part;		/* of the input channels: which LAYER */
	bool first_c, last_c;
};

struct emitter {
	struct accel_stream *s;
	const struct accel_conv *cv;
	const struct accel_mapping *map;
	struct accel_shape sh;
	const struct accel_tensor *in, *out;
	struct accel_glb_plan plan;
	uint64_t filter_va, bias_va;
	unsigned part;		/* the LAYER in force */
	/* The ofmap tensor's filters, and the sub-layer's first among them. */
	unsigned out_m, out_m0;
};

/* A channel of the whole layer (group-major), in its part's LAYER. */
static unsigned part_channel(const struct emitter *em, unsigned part, unsigned c)
{
	const struct accel_shape *sh = &em->sh;

	return c / sh->Cg * accel_part_channels(sh, part) + c % sh->Cg - part * sh->P;
}

/* The LAYER and MAPPING of a part: its channels, its filters' first channel. */
static void emit_layer(struct emitter *em, unsigned part)
{
	const struct accel_shape *sh = &em->sh;
	struct accel_conv cv = *em->cv;
	uint64_t filter = (uint64_t)sh->R * sh->S * sh->wb;

	cv.in_channels = sh->G * accel_part_channels(sh, part);
	accel_stream_layer_strided(em->s, &cv, em->filter_va + part * sh->P * filter,
				   sh->parts > 1 ? (uint32_t)(sh->Cg * filter) : 0, em->bias_va);
	accel_stream_mapping(em->s, em->map);
	em->part = part;
}

/* The GLB tile an ifmap load fills, in the layout the passes read. */
static void ifmap_tile(const struct emitter *em, const struct step *st,
		       struct rowstat_glb_tile *t)
{
	struct span rows = accel_tile_rows(&em->sh, em->in, st->ea, st->eb);
	struct span cols = accel_tile_cols(&em->sh, em->in, st->fa, st->fb);
	unsigned ib = em->sh.ib;
	uint32_t row = span_len(cols) * ib;
	uint32_t plane = span_len(rows) * row;
	uint32_t image = (st->lcb - st->lca) * plane;

	memset(t, 0, sizeof(*t));
	t->addr = htole32((uint32_t)em->plan.ifmap_addr[st->ibuf]);
	t->origin[0] = htole16((uint16_t)cols.lo);
	t->origin[1] = htole16((uint16_t)rows.lo);
	t->origin[2] = htole16((uint16_t)part_channel(em, st->part, st->lca));
	t->origin[3] = htole16((uint16_t)st->na);
	t->extent[0] = htole16((uint16_t)span_len(cols));
	t->extent[1] = htole16((uint16_t)span_len(rows));
	t->extent[2] = htole16((uint16_t)(st->lcb - st->lca));
	t->extent[3] = htole16((uint16_t)(st->nb - st->na));
	t->stride[0] = htole32(row);
	t->stride[1] = htole32(plane);
	t->stride[2] = htole32(image);
}

static void psum_tile(const struct emitter *em, const struct step *st,
		      struct rowstat_glb_tile *t)
{
	uint32_t row = (st->fb - st->fa) * 4;
	uint32_t plane = (st->eb - st->ea) * row;
	uint32_t image = (st->mb - st->ma) * plane;

	memset(t, 0, sizeof(*t));
	t->addr = htole32((uint32_t)em->plan.psum_addr[st->pbuf]);
	t->origin[0] = htole16((uint16_t)st->fa);
	t->origin[1] = htole16((uint16_t)st->ea);
	t->origin[2] = htole16((uint16_t)st->ma);
	t->origin[3] = htole16((uint16_t)st->na);
	t->extent[0] = htole16((uint16_t)(st->fb - st->fa));
	t->extent[1] = htole16((uint16_t)(st->eb - st->ea));
	t->extent[2] = htole16((uint16_t)(st->mb - st->ma));
	t->extent[3] = htole16((uint16_t)(st->nb - st->na));
	t->stride[0] = htole32(row);
	t->stride[1] = htole32(plane);
	t->stride[2] = htole32(image);
}

static void set_dma(struct rowstat_cmd_dma *d, const uint64_t count[4],
		    const uint64_t dstride[3], const uint64_t gstride[3])
{
	for (int k = 0; k < 4; k++)
		d->count[k] = htole32((uint32_t)count[k]);
	for (int k = 0; k < 3; k++) {
		d->dram_stride[k] = htole32((uint32_t)dstride[k]);
		d->glb_stride[k] = htole32((uint32_t)gstride[k]);
	}
}

static void emit_load(struct emitter *em, const struct step *st)
{
	const struct accel_shape *sh = &em->sh;
	struct span rows = accel_tile_rows(sh, em->in, st->ea, st->eb);
	struct span cols = accel_tile_cols(sh, em->in, st->fa, st->fb);
	struct rowstat_cmd_dma d;
	unsigned ib = sh->ib, cn = st->lcb - st->lca, nn = st->nb - st->na;
	uint64_t grow = (uint64_t)span_len(cols) * ib;
	uint64_t gplane = grow * span_len(rows);
	uint64_t va = em->in->va;

	memset(&d, 0, sizeof(d));
	d.direction = ROWSTAT_DMA_LOAD;
	d.dtype = ROWSTAT_DT_IFMAP;
	d.glb_addr = htole32((uint32_t)em->plan.ifmap_addr[st->ibuf]);
	if (!em->in->rlc) {
		uint64_t count[4] = { span_len(cols), span_len(rows), cn, nn };
		uint64_t ds[3] = { (uint64_t)sh->W * ib, (uint64_t)sh->H * sh->W * ib,
				   (uint64_t)sh->C * sh->H * sh->W * ib };
		uint64_t gs[3] = { grow, gplane, gplane * cn };

		va += ((((uint64_t)st->na * sh->C + st->lca) * sh->H + rows.lo) *
		       sh->W + cols.lo) * ib;
		set_dma(&d, count, ds, gs);
	} else if (em->in->seg_rows == 1) {
		uint64_t slot = ROWSTAT_RLC_SLOT_BYTES((uint64_t)sh->W);
		uint64_t count[4] = { sh->W, span_len(rows), cn, nn };
		uint64_t ds[3] = { slot, slot * sh->H, slot * sh->H * sh->C };
		uint64_t gs[3] = { grow, gplane, gplane * cn };

		va += accel_tensor_segment_offset(st->na, st->lca, rows.lo, sh->C,
					       sh->H, sh->W, 1);
		set_dma(&d, count, ds, gs);
	} else {
		uint64_t slot = ROWSTAT_RLC_SLOT_BYTES((uint64_t)sh->H * sh->W);
		uint64_t count[4] = { (uint64_t)sh->H * sh->W, cn, nn, 1 };
		uint64_t ds[3] = { slot, slot * sh->C, 0 };
		uint64_t gs[3] = { gplane, gplane * cn, 0 };

		va += accel_tensor_segment_offset(st->na, st->lca, 0, sh->C, sh->H,
					       sh->W, sh->H);
		set_dma(&d, count, ds, gs);
	}
	d.flags = em->in->rlc ? ROWSTAT_DMA_RLC : 0;
	d.dram_va = htole64(va);
	accel_stream_dma(em->s, &d);
}

static void emit_store(struct emitter *em, const struct step *st)
{
	const struct accel_shape *sh = &em->sh;
	struct rowstat_cmd_dma d;
	unsigned ob = sh->ob;
	unsigned fn = st->fb - st->fa, en = st->eb - st->ea;
	unsigned mn = st->mb - st->ma, nn = st->nb - st->na;
	uint64_t grow = (uint64_t)fn * 4, gplane = grow * en, gimage = gplane * mn;
	uint64_t va = em->out->va;
	/* The sub-layer's filters are a slice of the ofmap tensor's. */
	unsigned M = em->out_m, m = em->out_m0 + st->ma;

	memset(&d, 0, sizeof(d));
	d.direction = ROWSTAT_DMA_STORE;
	d.dtype = ROWSTAT_DT_PSUM;
	d.glb_addr = htole32((uint32_t)em->plan.psum_addr[st->pbuf]);
	if (!em->out->rlc) {
		uint64_t count[4] = { fn, en, mn, nn };
		uint64_t ds[3] = { (uint64_t)sh->F * ob, (uint64_t)sh->E * sh->F * ob,
				   (uint64_t)M * sh->E * sh->F * ob };
		uint64_t gs[3] = { grow, gplane, gimage };

		va += ((((uint64_t)st->na * M + m) * sh->E + st->ea) * sh->F + st->fa) * ob;
		set_dma(&d, count, ds, gs);
	} else if (em->out->seg_rows == 1) {
		uint64_t slot = ROWSTAT_RLC_SLOT_BYTES((uint64_t)sh->F);
		uint64_t count[4] = { sh->F, en, mn, nn };
		uint64_t ds[3] = { slot, slot * sh->E, slot * sh->E * M };
		uint64_t gs[3] = { grow, gplane, gimage };

		va += accel_tensor_segment_offset(st->na, m, st->ea, M, sh->E, sh->F, 1);
		set_dma(&d, count, ds, gs);
	} else {
		uint64_t slot = ROWSTAT_RLC_SLOT_BYTES((uint64_t)sh->E * sh->F);
		uint64_t count[4] = { (uint64_t)sh->E * sh->F, mn, nn, 1 };
		uint64_t ds[3] = { slot, slot * M, 0 };
		uint64_t gs[3] = { gplane, gimage, 0 };

		va += accel_tensor_segment_offset(st->na, m, 0, M, sh->E, sh->F, sh->E);
		set_dma(&d, count, ds, gs);
	}
	d.flags = em->out->rlc ? ROWSTAT_DMA_RLC : 0;
	d.dram_va = htole64(va);
	accel_stream_dma(em->s, &d);
}

/* The passes of one reduction step (r0, s0, c0 fixed in *p) over filters, rows, images. */
static void emit_pass_block(struct emitter *em, const struct step *st,
			    struct rowstat_cmd_pass *p)
{
	const struct accel_mapping *map = em->map;
	unsigned pt = map->filters_per_pe * map->filter_sets;

	for (unsigned m0 = st->ma; m0 < st->mb; m0 += pt) {
		p->m0 = htole16((uint16_t)m0);
		p->m_count = htole16((uint16_t)min_u(pt, st->mb - m0));
		for (unsigned e0 = st->ea; e0 < st->eb; e0 += map->set_cols) {
			p->e0 = htole16((uint16_t)e0);
			p->e_count = htole16((uint16_t)min_u(map->set_cols, st->eb - e0));
			for (unsigned n0 = st->na; n0 < st->nb; n0 += map->images_per_pass) {
				p->n0 = htole16((uint16_t)n0);
				p->n_count = htole16((uint16_t)min_u(map->images_per_pass,
								     st->nb - n0));
				accel_stream_pass(em->s, p);
			}
		}
	}
}

/*
 * A step's passes: filter-row chunk, filter-column chunk, channel group,
 * then filters, rows and images, so a filter block stays in the PE spads
 * across its row and image groups.
 */
static void emit_passes(struct emitter *em, const struct step *st)
{
	const struct accel_mapping *map = em->map;
	const struct accel_shape *sh = &em->sh;
	struct rowstat_cmd_pass p;
	unsigned qr = map->channels_per_pe * map->channel_sets;

	memset(&p, 0, sizeof(p));
	ifmap_tile(em, st, &p.ifmap);
	psum_tile(em, st, &p.psum);
	p.f0 = htole16((uint16_t)st->fa);
	p.f_count = htole16((uint16_t)(st->fb - st->fa));
	for (unsigned r0 = 0; r0 < sh->R; r0 += map->set_rows) {
		unsigned rr = min_u(map->set_rows, sh->R - r0);

		for (unsigned s0 = 0; s0 < sh->S; s0 += map->taps_per_pe) {
			unsigned ss = min_u(map->taps_per_pe, sh->S - s0);

			for (unsigned c0 = st->ca; c0 < st->cb; c0 += qr) {
				unsigned cc = min_u(qr, st->cb - c0);
				bool first = st->first_c && !r0 && !s0 && c0 == st->ca;
				bool last = st->last_c && r0 + rr == sh->R &&
					    s0 + ss == sh->S && c0 + cc == st->cb;

				p.flags = htole16((first ? ROWSTAT_PASS_INIT : 0) |
						  (last ? ROWSTAT_PASS_FINAL : 0));
				p.c0 = htole16((uint16_t)part_channel(em, st->part, c0));
				p.c_count = htole16((uint16_t)cc);
				p.r0 = htole16((uint16_t)r0);
				p.r_count = htole16((uint16_t)rr);
				p.s0 = htole16((uint16_t)s0);
				p.s_count = htole16((uint16_t)ss);
				emit_pass_block(em, st, &p);
			}
		}
	}
}

/* The schedule's steps, in program order, and the buffer rotation so far. */
struct step_list {
	struct step *v;
	size_t n, cap;
	unsigned loads, tiles;
};

static int push_step(struct step_list *l, const struct step *st)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct step *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *st;
	return 0;
}

/* The steps of one spatial tile (images, rows, columns) of group g. */
static int plan_tile(const struct emitter *em, struct step_list *l, unsigned g,
		     unsigned na, unsigned ea, unsigned fa)
{
	const struct accel_mapping *map = em->map;
	const struct accel_shape *sh = &em->sh;
	bool resident = map->tile_c >= sh->Cg;
	unsigned ibuf = 0;

	for (unsigned ma = 0; ma < sh->Mg; ma += map->tile_m) {
		unsigned pbuf = l->tiles++ % (map->double_psum ? 2 : 1);

		for (unsigned ca = 0; ca < sh->Cg;) {
			unsigned part = ca / sh->P;
			unsigned cb = accel_channel_tile_end(sh, map->tile_c, ca);
			struct step st = {
				.na = na, .nb = min_u(na + map->tile_n, sh->N),
				.ea = ea, .eb = min_u(ea + map->tile_e, sh->E),
				.fa = fa, .fb = min_u(fa + map->tile_f, sh->F),
				.ma = g * sh->Mg + ma,
				.mb = g * sh->Mg + min_u(ma + map->tile_m, sh->Mg),
				.ca = g * sh->Cg + ca,
				.cb = g * sh->Cg + cb,
				.first_c = ca == 0,
				.last_c = cb == sh->Cg,
				.pbuf = pbuf,
				.part = part,
				.load = !resident || ma == 0,
			};

			if (st.load)
				ibuf = l->loads++ % (map->double_ifmap ? 2 : 1);
			st.ibuf = ibuf;
			st.lca = resident ? g * sh->Cg : st.ca;
			st.lcb = resident ? (g + 1) * sh->Cg : st.cb;
			if (push_step(l, &st))
				return -ENOMEM;
			ca = cb;
		}
	}
	return 0;
}

/* Lists the steps of the schedule in program order. */
static int plan_steps(const struct emitter *em, struct step_list *l)
{
	const struct accel_mapping *map = em->map;
	const struct accel_shape *sh = &em->sh;

	memset(l, 0, sizeof(*l));
	for (unsigned g = 0; g < sh->G; g++)
		for (unsigned na = 0; na < sh->N; na += map->tile_n)
			for (unsigned ea = 0; ea < sh->E; ea += map->tile_e)
				for (unsigned fa = 0; fa < sh->F; fa += map->tile_f)
					if (plan_tile(em, l, g, na, ea, fa))
						return -ENOMEM;
	return 0;
}

/*
 * The commands of the steps: phase i holds step i's passes, then the
 * prefetch of the next ifmap tile and the store of the previous psum tile.
 * The passes go first so that their filter loads take the DRAM link ahead
 * of the bulk transfers.
 */
static void emit_schedule(struct emitter *em, const struct step *steps, size_t count)
{
	const struct accel_mapping *map = em->map;
	const struct step *pending = NULL;

	if (steps[0].load) {
		emit_load(em, &steps[0]);
		accel_stream_barrier(em->s);
	}
	for (size_t i = 0; i < count; i++) {
		const struct step *st = &steps[i];
		const struct step *next = i + 1 < count ? &steps[i + 1] : NULL;

		/* Every command before is complete: a barrier ended the phase. */
		if (st->part != em->part)
			emit_layer(em, st->part);
		emit_passes(em, st);
		if (map->double_ifmap && next && next->load)
			emit_load(em, next);
		if (pending) {
			emit_store(em, pending);
			pending = NULL;
		}
		accel_stream_barrier(em->s);
		if (st->last_c && map->double_psum) {
			pending = st;
		} else if (st->last_c) {
			emit_store(em, st);
			accel_stream_barrier(em->s);
		}
		if (!map->double_ifmap && next && next->load) {
			emit_load(em, next);
			accel_stream_barrier(em->s);
		}
	}
	if (pending) {
		emit_store(em, pending);
		accel_stream_barrier(em->s);
	}
}

/*
 * One sub-layer (the whole layer for most): its images from n0 and its
 * filters from m0 of the layer's tensors, whose geometry the tensors keep.
 */
static int emit_sublayer(struct accel_stream *s, const struct accel_conv *cv,
			 const struct accel_conv *layer, unsigned n0, unsigned m0,
			 const struct accel_mapping *map, uint64_t filter_va, uint64_t bias_va,
			 const struct accel_tensor *in, const struct accel_tensor *out)
{
	struct accel_shape whole;
	struct accel_tensor in_part = *in, out_part = *out;
	struct emitter em;
	struct step_list steps;
	int ret;

	accel_shape_get(layer, &whole);
	in_part.va += accel_tensor_bytes(n0, whole.C, whole.H, whole.W, whole.ib, in);
	out_part.va += accel_tensor_bytes(n0, whole.M, whole.E, whole.F, whole.ob, out);
	memset(&em, 0, sizeof(em));
	em.s = s;
	em.cv = cv;
	em.map = map;
	em.in = &in_part;
	em.out = &out_part;
	em.filter_va = filter_va + (uint64_t)m0 * whole.Cg * whole.R * whole.S * whole.wb;
	em.bias_va = bias_va + (uint64_t)m0 * sizeof(int32_t);
	em.out_m = whole.M;
	em.out_m0 = m0;
	accel_shape_get(cv, &em.sh);
	accel_glb_plan(&em.sh, &in_part, map, &em.plan);
	ret = plan_steps(&em, &steps);
	if (ret || !steps.n) {
		free(steps.v);
		return ret ? ret : -EINVAL;
	}
	emit_layer(&em, steps.v[0].part);
	emit_schedule(&em, steps.v, steps.n);
	free(steps.v);
	return 0;
}

int accel_emit_conv(struct accel_stream *s, const struct rs_hw_params *hw,
		    const struct accel_conv *cv, const struct accel_mapping *map,
		    uint64_t filter_va, uint64_t bias_va, const struct accel_tensor *in,
		    const struct accel_tensor *out, char *err, size_t errlen)
{
	struct accel_sublayers sl;
	struct accel_estimate est;
	size_t room;
	int ret = accel_mapping_check(hw, cv, map, in, out, err, errlen);

	if (ret)
		return ret;
	/* The passes alone tell whether what is left of the stream can hold them. */
	accel_mapping_estimate(hw, cv, map, in, out, NULL, &est);
	room = s->len < ROWSTAT_STREAM_MAX_BYTES ? ROWSTAT_STREAM_MAX_BYTES - s->len : 0;
	if (est.passes > room / sizeof(struct rowstat_cmd_pass)) {
		snprintf(err, errlen,
			 "the mapping needs %llu passes, more than the %zu bytes left in the stream hold: use larger tiles",
			 (unsigned long long)est.passes, room);
		return -E2BIG;
	}
	accel_sublayers_get(cv, &sl);
	for (unsigned i = 0; i < sl.n_parts && !ret; i++) {
		for (unsigned j = 0; j < sl.m_parts && !ret; j++) {
			struct accel_conv part;
			unsigned n0, m0;

			accel_sublayer(cv, &sl, i, j, &part, &n0, &m0);
			ret = emit_sublayer(s, &part, cv, n0, m0, map, filter_va, bias_va, in, out);
		}
	}
	if (ret)
		return ret;
	if (s->error == -E2BIG ||
	    (!s->error && s->len + sizeof(struct rowstat_cmd_end) > ROWSTAT_STREAM_MAX_BYTES)) {
		snprintf(err, errlen,
			 "the mapping needs more than the device's %u-byte stream: use larger tiles",
			 ROWSTAT_STREAM_MAX_BYTES);
		return -E2BIG;
	}
	return s->error;
}
