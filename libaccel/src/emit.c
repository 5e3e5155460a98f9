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
 * the passes when the mapping double-buffers them.
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
	bool first_c, last_c;
};

struct emitter {
	struct rs_stream *s;
	const struct rs_conv *cv;
	const struct rs_mapping *map;
	struct conv_shape sh;
	const struct rs_tensor *in, *out;
	struct glb_plan plan;
};

/* The GLB tile an ifmap load fills, in the layout the passes read. */
static void ifmap_tile(const struct emitter *em, const struct step *st,
		       struct rowstat_glb_tile *t)
{
	struct span rows = tile_rows(&em->sh, em->in, st->ea, st->eb);
	struct span cols = tile_cols(&em->sh, em->in, st->fa, st->fb);
	unsigned ib = em->sh.ib;
	uint32_t row = span_len(cols) * ib;
	uint32_t plane = span_len(rows) * row;
	uint32_t image = (st->lcb - st->lca) * plane;

	memset(t, 0, sizeof(*t));
	t->addr = htole32(em->plan.ifmap_addr[st->ibuf]);
	t->origin[0] = htole16((uint16_t)cols.lo);
	t->origin[1] = htole16((uint16_t)rows.lo);
	t->origin[2] = htole16((uint16_t)st->lca);
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
	t->addr = htole32(em->plan.psum_addr[st->pbuf]);
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
	const struct conv_shape *sh = &em->sh;
	struct span rows = tile_rows(sh, em->in, st->ea, st->eb);
	struct span cols = tile_cols(sh, em->in, st->fa, st->fb);
	struct rowstat_cmd_dma d;
	unsigned ib = sh->ib, cn = st->lcb - st->lca, nn = st->nb - st->na;
	uint64_t grow = (uint64_t)span_len(cols) * ib;
	uint64_t gplane = grow * span_len(rows);
	uint64_t va = em->in->va;

	memset(&d, 0, sizeof(d));
	d.direction = ROWSTAT_DMA_LOAD;
	d.dtype = ROWSTAT_DT_IFMAP;
	d.glb_addr = htole32(em->plan.ifmap_addr[st->ibuf]);
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

		va += rs_tensor_segment_offset(st->na, st->lca, rows.lo, sh->C,
					       sh->H, sh->W, 1);
		set_dma(&d, count, ds, gs);
	} else {
		uint64_t slot = ROWSTAT_RLC_SLOT_BYTES((uint64_t)sh->H * sh->W);
		uint64_t count[4] = { (uint64_t)sh->H * sh->W, cn, nn, 1 };
		uint64_t ds[3] = { slot, slot * sh->C, 0 };
		uint64_t gs[3] = { gplane, gplane * cn, 0 };

		va += rs_tensor_segment_offset(st->na, st->lca, 0, sh->C, sh->H,
					       sh->W, sh->H);
		set_dma(&d, count, ds, gs);
	}
	d.flags = em->in->rlc ? ROWSTAT_DMA_RLC : 0;
	d.dram_va = htole64(va);
	rs_stream_dma(em->s, &d);
}

static void emit_store(struct emitter *em, const struct step *st)
{
	const struct conv_shape *sh = &em->sh;
	struct rowstat_cmd_dma d;
	unsigned ob = sh->ob;
	unsigned fn = st->fb - st->fa, en = st->eb - st->ea;
	unsigned mn = st->mb - st->ma, nn = st->nb - st->na;
	uint64_t grow = (uint64_t)fn * 4, gplane = grow * en, gimage = gplane * mn;
	uint64_t va = em->out->va;

	memset(&d, 0, sizeof(d));
	d.direction = ROWSTAT_DMA_STORE;
	d.dtype = ROWSTAT_DT_PSUM;
	d.glb_addr = htole32(em->plan.psum_addr[st->pbuf]);
	if (!em->out->rlc) {
		uint64_t count[4] = { fn, en, mn, nn };
		uint64_t ds[3] = { (uint64_t)sh->F * ob, (uint64_t)sh->E * sh->F * ob,
				   (uint64_t)sh->M * sh->E * sh->F * ob };
		uint64_t gs[3] = { grow, gplane, gimage };

		va += ((((uint64_t)st->na * sh->M + st->ma) * sh->E + st->ea) *
		       sh->F + st->fa) * ob;
		set_dma(&d, count, ds, gs);
	} else if (em->out->seg_rows == 1) {
		uint64_t slot = ROWSTAT_RLC_SLOT_BYTES((uint64_t)sh->F);
		uint64_t count[4] = { sh->F, en, mn, nn };
		uint64_t ds[3] = { slot, slot * sh->E, slot * sh->E * sh->M };
		uint64_t gs[3] = { grow, gplane, gimage };

		va += rs_tensor_segment_offset(st->na, st->ma, st->ea, sh->M,
					       sh->E, sh->F, 1);
		set_dma(&d, count, ds, gs);
	} else {
		uint64_t slot = ROWSTAT_RLC_SLOT_BYTES((uint64_t)sh->E * sh->F);
		uint64_t count[4] = { (uint64_t)sh->E * sh->F, mn, nn, 1 };
		uint64_t ds[3] = { slot, slot * sh->M, 0 };
		uint64_t gs[3] = { gplane, gimage, 0 };

		va += rs_tensor_segment_offset(st->na, st->ma, 0, sh->M, sh->E,
					       sh->F, sh->E);
		set_dma(&d, count, ds, gs);
	}
	d.flags = em->out->rlc ? ROWSTAT_DMA_RLC : 0;
	d.dram_va = htole64(va);
	rs_stream_dma(em->s, &d);
}

static void emit_passes(struct emitter *em, const struct step *st)
{
	const struct rs_mapping *map = em->map;
	const struct conv_shape *sh = &em->sh;
	struct rowstat_cmd_pass p;
	unsigned qr = map->channels_per_pe * map->channel_sets;
	unsigned pt = map->filters_per_pe * map->filter_sets;

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
				uint16_t flags = (first ? ROWSTAT_PASS_INIT : 0) |
						 (last ? ROWSTAT_PASS_FINAL : 0);

				for (unsigned m0 = st->ma; m0 < st->mb; m0 += pt) {
					unsigned mm = min_u(pt, st->mb - m0);

					for (unsigned e0 = st->ea; e0 < st->eb; e0 += map->set_cols) {
						unsigned ee = min_u(map->set_cols, st->eb - e0);

						for (unsigned n0 = st->na; n0 < st->nb;
						     n0 += map->images_per_pass) {
							unsigned nn = min_u(map->images_per_pass,
									    st->nb - n0);

							p.flags = htole16(flags);
							p.n0 = htole16((uint16_t)n0);
							p.n_count = htole16((uint16_t)nn);
							p.m0 = htole16((uint16_t)m0);
							p.m_count = htole16((uint16_t)mm);
							p.c0 = htole16((uint16_t)c0);
							p.c_count = htole16((uint16_t)cc);
							p.e0 = htole16((uint16_t)e0);
							p.e_count = htole16((uint16_t)ee);
							p.r0 = htole16((uint16_t)r0);
							p.r_count = htole16((uint16_t)rr);
							p.s0 = htole16((uint16_t)s0);
							p.s_count = htole16((uint16_t)ss);
							rs_stream_pass(em->s, &p);
						}
					}
				}
			}
		}
	}
}

/* Lists the steps of the schedule in program order. */
static struct step *plan_steps(const struct emitter *em, size_t *count)
{
	const struct rs_mapping *map = em->map;
	const struct conv_shape *sh = &em->sh;
	bool resident = map->tile_c >= sh->Cg;
	size_t n = 0, cap = 64;
	struct step *v = malloc(cap * sizeof(*v));
	unsigned loads = 0, tiles = 0;

	if (!v)
		return NULL;
	for (unsigned g = 0; g < sh->G; g++) {
		for (unsigned na = 0; na < sh->N; na += map->tile_n) {
			for (unsigned ea = 0; ea < sh->E; ea += map->tile_e) {
				for (unsigned fa = 0; fa < sh->F; fa += map->tile_f) {
					unsigned ibuf = 0;

					for (unsigned ma = 0; ma < sh->Mg; ma += map->tile_m) {
						unsigned pbuf = tiles++ % (map->double_psum ? 2 : 1);

						for (unsigned ca = 0; ca < sh->Cg; ca += map->tile_c) {
							struct step st;

							if (n == cap) {
								struct step *nv = realloc(v, 2 * cap * sizeof(*v));

								if (!nv) {
									free(v);
									return NULL;
								}
								v = nv;
								cap *= 2;
							}
							st.na = na;
							st.nb = min_u(na + map->tile_n, sh->N);
							st.ea = ea;
							st.eb = min_u(ea + map->tile_e, sh->E);
							st.fa = fa;
							st.fb = min_u(fa + map->tile_f, sh->F);
							st.ma = g * sh->Mg + ma;
							st.mb = g * sh->Mg + min_u(ma + map->tile_m, sh->Mg);
							st.ca = g * sh->Cg + ca;
							st.cb = g * sh->Cg + min_u(ca + map->tile_c, sh->Cg);
							st.first_c = ca == 0;
							st.last_c = ca + map->tile_c >= sh->Cg;
							st.pbuf = pbuf;
							st.load = !resident || ma == 0;
							if (st.load)
								ibuf = loads++ % (map->double_ifmap ? 2 : 1);
							st.ibuf = ibuf;
							st.lca = resident ? g * sh->Cg : st.ca;
							st.lcb = resident ? (g + 1) * sh->Cg : st.cb;
							v[n++] = st;
						}
					}
				}
			}
		}
	}
	*count = n;
	return v;
}

int rs_emit_conv(struct rs_stream *s, const struct rs_hw_params *hw,
		 const struct rs_conv *cv, const struct rs_mapping *map,
		 uint64_t filter_va, uint64_t bias_va, const struct rs_tensor *in,
		 const struct rs_tensor *out, char *err, size_t errlen)
{
	struct emitter em;
	struct step *steps;
	size_t count;
	bool pending_store = false;
	size_t pending = 0;
	struct rs_estimate est;
	int ret = rs_mapping_check(hw, cv, map, in, out, err, errlen);

	if (ret)
		return ret;
	/* The passes alone tell whether the stream can fit the device. */
	rs_mapping_estimate(hw, cv, map, in, out, NULL, &est);
	if (est.passes > (s->len + ROWSTAT_STREAM_MAX_BYTES) / sizeof(struct rowstat_cmd_pass)) {
		snprintf(err, errlen,
			 "the mapping needs %llu passes, more than a %u-byte stream holds: use larger tiles",
			 (unsigned long long)est.passes, ROWSTAT_STREAM_MAX_BYTES);
		return -E2BIG;
	}
	memset(&em, 0, sizeof(em));
	em.s = s;
	em.cv = cv;
	em.map = map;
	em.in = in;
	em.out = out;
	conv_shape_get(cv, &em.sh);
	glb_plan_get(&em.sh, in, map, &em.plan);
	steps = plan_steps(&em, &count);
	if (!steps)
		return -ENOMEM;
	if (!count) {
		free(steps);
		return -EINVAL;
	}

	rs_stream_layer(s, cv, filter_va, bias_va);
	rs_stream_mapping(s, map);
	if (steps[0].load) {
		emit_load(&em, &steps[0]);
		rs_stream_barrier(s);
	}
	for (size_t i = 0; i < count; i++) {
		const struct step *st = &steps[i];
		const struct step *next = i + 1 < count ? &steps[i + 1] : NULL;

		/*
		 * Phase i: this step's passes, then the prefetch and the previous
		 * tile's store.  The passes go first so that their filter loads
		 * take the DRAM link ahead of the bulk transfers.
		 */
		emit_passes(&em, st);
		if (map->double_ifmap && next && next->load)
			emit_load(&em, next);
		if (pending_store) {
			emit_store(&em, &steps[pending]);
			pending_store = false;
		}
		rs_stream_barrier(s);
		if (st->last_c) {
			if (map->double_psum) {
				pending_store = true;
				pending = i;
			} else {
				emit_store(&em, st);
				rs_stream_barrier(s);
			}
		}
		if (!map->double_ifmap && next && next->load) {
			emit_load(&em, next);
			rs_stream_barrier(s);
		}
	}
	if (pending_store) {
		emit_store(&em, &steps[pending]);
		rs_stream_barrier(s);
	}
	free(steps);
	if (s->error == -E2BIG ||
	    (!s->error && s->len + sizeof(struct rowstat_cmd_end) > ROWSTAT_STREAM_MAX_BYTES)) {
		snprintf(err, errlen,
			 "the mapping needs more than the device's %u-byte stream: use larger tiles",
			 ROWSTAT_STREAM_MAX_BYTES);
		return -E2BIG;
	}
	return s->error;
}

/* ---- tensors in device memory --------------------------------------------- */

uint64_t rs_tensor_segment_offset(unsigned n, unsigned c, unsigned k,
				  unsigned channels, unsigned h, unsigned w,
				  unsigned seg_rows)
{
	uint64_t slot = ROWSTAT_RLC_SLOT_BYTES((uint64_t)seg_rows * w);
	uint64_t per_plane = h / seg_rows;

	return (((uint64_t)n * channels + c) * per_plane + k / seg_rows) * slot;
}

uint64_t rs_tensor_bytes(unsigned n, unsigned c, unsigned h, unsigned w,
			 unsigned elem_bytes, const struct rs_tensor *t)
{
	if (!t->rlc)
		return (uint64_t)n * c * h * w * elem_bytes;
	return rs_tensor_segment_offset(n, 0, 0, c, h, w, t->seg_rows);
}
