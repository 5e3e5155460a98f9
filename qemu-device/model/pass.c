// SPDX-License-Identifier: MIT
/*
 * rowstat model core: the pass engine (docs/hardware.md 7.5).  A pass runs
 * image by image and, within an image, in blocks of output rows (so the
 * accumulator stays within LANES_BUDGET), of filters (FILTER_CHUNK) and of
 * packed input planes (PLANES_BUDGET).  Its arithmetic is the simd
 * kernels'; its counts are count.c's, from the pass's geometry and the
 * zeros its input held.
 */
#include <string.h>

#include "model_internal.h"

/* How one pass runs: its geometry, its filters and where its sums go. */
struct pass_run {
	struct pass_geom pg;
	struct pass_cost cost;
	uint64_t end, link_end;	/* when it finishes; when its filters arrive */
	bool reuse;		/* the PE spads already hold its filters */
	bool init, final;
	struct requant rq;
	int32_t *bias;
	unsigned rows_chunk;	/* output rows per block */
	unsigned mchunk, mpad_max;	/* filters per block, padded to 4 */
	bool deferrable;	/* its sums can wait in a chain */
	struct chain *ch;
	bool joins;		/* it continues a chain in flight */
	uint64_t gated;		/* zero operands seen, per filter */
};

/* One block of output rows of one image. */
struct row_block {
	unsigned ea, erows;	/* output rows [ea, ea + erows) of the pass */
	unsigned lanes;		/* accumulator lanes: erows x Ws, rounded up to 8 */
	unsigned kchunk;	/* packed planes per call */
	struct plane_block pb;
};

/* Region geometry, use counts and the real spans of a pass. */
static int pass_geometry(struct job *j, const struct pass *p, struct pass_geom *pg)
{
	const struct layer *L = &j->L;
	struct model_scratch *s = &j->model->scratch;
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
	if (!SCRATCH(j, use, uses))
		return rs_model_out_of_memory(j);
	memset(s->use, 0, uses * sizeof(uint32_t));
	s->rowuse = s->use;
	s->coluse = s->use + pg->hn + 1;
	s->colzero = s->coluse + pg->wn + 1;
	for (unsigned e = 0; e < p->ee; e++)
		for (unsigned r = 0; r < p->rr; r++)
			s->rowuse[e * Uh + r]++;
	for (unsigned f = 0; f < p->ff; f++)
		for (unsigned c = 0; c < p->ss; c++)
			s->coluse[f * Uw + c]++;

	pg->rlo = pg->hn;
	for (unsigned i = 0; i < pg->hn; i++) {
		long y = pg->hlo + i;

		if (!s->rowuse[i] || y < 0 || y >= (long)L->H)
			continue;
		if (i < pg->rlo)
			pg->rlo = i;
		pg->rhi = i + 1;
	}
	pg->clo = pg->wn;
	for (unsigned i = 0; i < pg->wn; i++) {
		long x = pg->wlo + i;

		if (x < 0 || x >= (long)L->W || !s->coluse[i])
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

/* Reads the filter block of a pass, merging contiguous runs into one read. */
static int fetch_filters(struct job *j, const struct pass *p, int16_t *out)
{
	const struct layer *L = &j->L;
	unsigned g = p->m0 / L->Mg;
	uint64_t cnt[4] = { p->ss, p->rr, p->cc, p->mm };
	uint64_t stride[4] = { 1, L->S, (uint64_t)L->R * L->S, L->filter_stride };
	uint64_t base = p->m0 * L->filter_stride +
			((uint64_t)(p->c0 - g * L->Cg) * L->R + p->r0) * L->S + p->s0;
	uint64_t run = cnt[0], outer[3] = { 1, 1, 1 };
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
		io = SCRATCH(j, io, run * L->wbytes);
		if (!io)
			return rs_model_out_of_memory(j);
	}
	for (int d = merged; d < 4; d++)
		outer[d - merged] = cnt[d];
	for (uint64_t i = 0; i < outer[0] * outer[1] * outer[2]; i++) {
		uint64_t coord[3] = { i % outer[0], i / outer[0] % outer[1],
				      i / outer[0] / outer[1] };
		uint64_t idx = base, va;

		for (int d = merged; d < 4; d++)
			idx += coord[d - merged] * stride[d];
		va = L->filter_va + idx * L->wbytes;
		if (direct) {
			if (rs_model_read(j, va, out + pos, run * 2, "filter"))
				return -1;
			pos += run;
			continue;
		}
		if (rs_model_read(j, va, io, run * L->wbytes, "filter"))
			return -1;
		for (uint64_t e = 0; e < run; e++)
			out[pos++] = L->wbytes == 1 ? (int8_t)io[e] :
				     (int16_t)rs_hw_get_le16(io + 2 * e);
	}
	return 0;
}

/* Loads the pass's filters into the spads unless they hold them already. */
static int load_filters(struct job *j, const struct pass *p, bool reuse)
{
	struct model_scratch *s = &j->model->scratch;

	if (reuse)
		return 0;
	j->held.valid = false;
	if (!SCRATCH(j, filters, (size_t)p->mm * p->cc * p->rr * p->ss))
		return rs_model_out_of_memory(j);
	s->filters_gen++;
	if (fetch_filters(j, p, s->filters))
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
	return 0;
}

/* The biases an INIT pass starts from (zeros otherwise). */
static int load_bias(struct job *j, const struct pass *p, bool init, int32_t *bias)
{
	const struct layer *L = &j->L;
	uint8_t *io;

	if (!init || !L->bias) {
		memset(bias, 0, p->mm * sizeof(*bias));
		return 0;
	}
	io = SCRATCH(j, io, (size_t)p->mm * 4);
	if (!io)
		return rs_model_out_of_memory(j);
	if (rs_model_read(j, L->bias_va + 4ull * p->m0, io, (size_t)p->mm * 4, "bias"))
		return -1;
	for (unsigned m = 0; m < p->mm; m++)
		bias[m] = (int32_t)rs_hw_get_le32(io + 4 * m);
	return 0;
}

/* Geometry, cost and budget, filters, biases, block sizes and chain. */
static int pass_prepare(struct job *j, const struct pass *p, struct pass_run *pr)
{
	const struct layer *L = &j->L;
	unsigned chain_lanes;

	memset(pr, 0, sizeof(*pr));
	pr->init = p->flags & ROWSTAT_PASS_INIT;
	pr->final = p->flags & ROWSTAT_PASS_FINAL;
	pr->rq = (struct requant){ .mult = L->mult, .shift = L->shift, .relu = L->relu,
				   .out_prec = L->ofmap_prec };
	pr->reuse = j->held.valid && j->held.m0 == p->m0 && j->held.mm == p->mm &&
		    j->held.c0 == p->c0 && j->held.cc == p->cc && j->held.r0 == p->r0 &&
		    j->held.rr == p->rr && j->held.s0 == p->s0 && j->held.ss == p->ss &&
		    p->ee <= j->held.ee;
	if (pass_geometry(j, p, &pr->pg))
		return -1;
	/* The whole pass fits the budget, or none of it runs. */
	rs_model_pass_cost(j, p, &pr->pg, !pr->reuse, &pr->cost);
	pr->end = rs_model_pass_end(j, &pr->cost, &pr->link_end);
	if (rs_model_over_budget(j, pr->end, "PASS"))
		return -1;
	pr->bias = SCRATCH(j, bias, p->mm);
	if (!pr->bias)
		return rs_model_out_of_memory(j);
	if (load_filters(j, p, pr->reuse) || load_bias(j, p, pr->init, pr->bias))
		return -1;
	pr->rows_chunk = LANES_BUDGET / pr->pg.Ws;
	if (pr->rows_chunk < 1)
		pr->rows_chunk = 1;
	if (pr->rows_chunk > p->ee)
		pr->rows_chunk = p->ee;
	pr->mchunk = p->mm < FILTER_CHUNK ? p->mm : FILTER_CHUNK;
	pr->mpad_max = (pr->mchunk + 3) & ~3u;
	/* A pass that fits one accumulator block can defer into a chain. */
	chain_lanes = (p->ee * pr->pg.Ws + 7) & ~7u;
	pr->deferrable = pr->rows_chunk == p->ee && p->mm <= FILTER_CHUNK &&
			 (size_t)p->nn * pr->mpad_max * chain_lanes <= CHAIN_BUDGET;
	return rs_model_chain_for_pass(j, p, pr->pg.Ws, chain_lanes, pr->mpad_max,
				       pr->deferrable, pr->bias, &pr->ch, &pr->joins);
}

/*
 * One tap's weights for m_count filters m_stride apart: each the pair of
 * src[0] (low half) and src[hi_step] (high half; 0 when hi_step is 0),
 * padded with zeros to mpad.
 */
static void pair_weights(const int16_t *src, size_t m_stride, size_t hi_step,
			 unsigned m_count, unsigned mpad, int32_t *dst)
{
	for (unsigned m = 0; m < m_count; m++, src += m_stride) {
		uint16_t hi = hi_step ? (uint16_t)src[hi_step] : 0;

		dst[m] = (int32_t)(((uint32_t)hi << 16) | (uint16_t)src[0]);
	}
	memset(dst + m_count, 0, (mpad - m_count) * sizeof(*dst));
}

/* Builds the tap table and weight pairs for planes [ka, kb). */
static unsigned build_taps(struct job *j, const struct pass *p,
			   const struct pass_geom *pg, unsigned Hs, unsigned ka,
			   unsigned kb, unsigned m_first, unsigned m_count,
			   unsigned mpad)
{
	const struct layer *L = &j->L;
	struct model_scratch *sc = &j->model->scratch;
	const int16_t *f = sc->filters;
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

			for (unsigned s = 0; s < p->ss; s++, taps++) {
				sc->tap_offset[taps] = (uint32_t)((k - ka) * plane +
					(r % Uh * Uw + s % Uw) * sub + (r / Uh) * Ws + s / Uw);
				pair_weights(f + m_first * m_stride + c0 * c_stride +
					     (size_t)r * p->ss + s, m_stride,
					     has_hi ? hi_step : 0, m_count, mpad,
					     sc->weights + (size_t)taps * mpad);
			}
		}
	}
	return taps;
}

/* The tap table for planes [ka, kb) and filters [ma, ma + mcount): kept if unchanged. */
static unsigned taps_for(struct job *j, const struct pass *p, const struct pass_geom *pg,
			 unsigned Hs, unsigned ka, unsigned kb, unsigned ma,
			 unsigned mcount, unsigned mpad)
{
	struct model_scratch *s = &j->model->scratch;
	struct taps_key key;

	memset(&key, 0, sizeof(key));
	key.filters_gen = s->filters_gen;
	key.Hs = Hs;
	key.Ws = pg->Ws;
	key.ka = ka;
	key.kb = kb;
	key.ma = ma;
	key.mcount = mcount;
	key.mpad = mpad;
	key.rr = p->rr;
	key.ss = p->ss;
	key.cc = p->cc;
	key.pair_rows = pg->pair_rows;
	if (memcmp(&key, &s->taps_key, sizeof(key))) {
		s->taps_count = build_taps(j, p, pg, Hs, ka, kb, ma, mcount, mpad);
		s->taps_key = key;
	}
	return s->taps_count;
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

		if (rs_model_cancelled(j))
			return rs_model_cancel_fail(j);
		md->simd->taps(planes, md->scratch.tap_offset + t, count,
			       md->scratch.weights + (size_t)t * mpad, mpad, lanes, sum,
			       accumulate || t);
	}
	return 0;
}

/* Adds a block's sums for filters [ma, ma + mcount) to the GLB psums. */
static void write_psums(struct job *j, const struct pass *p, const struct pass_run *pr,
			const struct row_block *rb, unsigned ma, unsigned mcount,
			const int32_t *sum)
{
	struct rs_model *md = j->model;
	const struct tile *t = &p->psum;

	for (unsigned m = 0; m < mcount; m++) {
		unsigned mi = ma + m;
		uint8_t *dst = md->glb + t->addr + (p->f0 - t->origin[0]) * 4 +
			(p->e0 + rb->ea - t->origin[1]) * t->stride[1] +
			(p->m0 + mi - t->origin[2]) * t->stride[2] +
			(rb->pb.n - t->origin[3]) * t->stride[3];

		md->simd->psum_update(dst, t->stride[1], sum + (size_t)m * rb->lanes,
				      pr->pg.Ws, rb->erows, p->ff, pr->init, pr->bias[mi]);
		if (pr->final)
			md->simd->requantize(dst, t->stride[1], rb->erows, p->ff, &pr->rq);
	}
}

/* Filters [ma, ma + mcount) of a row block, over every plane chunk. */
static int block_filters(struct job *j, const struct pass *p, struct pass_run *pr,
			 struct row_block *rb, unsigned ma)
{
	const struct pass_geom *pg = &pr->pg;
	unsigned mcount = p->mm - ma < pr->mchunk ? p->mm - ma : pr->mchunk;
	unsigned mpad = (mcount + 3) & ~3u;
	int32_t *sum = pr->deferrable ?
		pr->ch->sums + (size_t)(rb->pb.n - p->n0) * pr->mpad_max * rb->lanes :
		j->model->scratch.acc;
	/* Later plane chunks, and chained passes, add on. */
	bool accumulate = pr->joins;

	for (unsigned ka = 0; ka < pg->planes; ka += rb->kchunk) {
		unsigned kb = ka + rb->kchunk < pg->planes ? ka + rb->kchunk : pg->planes;
		unsigned left = p->c0 + p->cc - (p->c0 + 2 * ka);
		const int32_t *planes;
		unsigned taps;

		rb->pb.c_first = pg->pair_rows ? p->c0 : p->c0 + 2 * ka;
		rb->pb.channels = pg->pair_rows ? 1 : left < 2 * (kb - ka) ? left : 2 * (kb - ka);
		rb->pb.nplanes = kb - ka;
		/* Zeros are counted once, with the first filter chunk. */
		rb->pb.count = ma == 0;
		planes = rs_model_planes_get(j, p, pg, &rb->pb, &pr->gated);
		if (!planes)
			return rs_model_out_of_memory(j);
		taps = taps_for(j, p, pg, rb->pb.Hs, ka, kb, ma, mcount, mpad);
		if (run_taps(j, planes, taps, mpad, rb->lanes, sum, accumulate))
			return -1;
		accumulate = true;
	}
	if (!pr->deferrable)
		write_psums(j, p, pr, rb, ma, mcount, sum);
	return 0;
}

/* Output rows [ea, ea + rows_chunk) of image n. */
static int pass_rows(struct job *j, const struct pass *p, struct pass_run *pr,
		     unsigned n, unsigned ea)
{
	const struct layer *L = &j->L;
	const struct pass_geom *pg = &pr->pg;
	struct row_block rb;
	unsigned Uh = L->Uh, rows;
	size_t xplane, max_taps;

	memset(&rb, 0, sizeof(rb));
	rb.ea = ea;
	rb.erows = p->ee - ea < pr->rows_chunk ? p->ee - ea : pr->rows_chunk;
	rows = (rb.erows - 1) * Uh + p->rr;
	rb.lanes = (rb.erows * pg->Ws + 7) & ~7u;
	rb.pb.n = n;
	rb.pb.ra = ea * Uh;
	rb.pb.Hs = (rows + Uh - 1) / Uh;
	rb.pb.xrows = rb.pb.Hs * Uh + 1;
	rb.pb.xcols = pg->Ws * L->Uw;
	rb.pb.plane = (size_t)rb.pb.Hs * pg->Ws * Uh * L->Uw;
	rb.pb.lanes = rb.lanes;
	/* Region rows whose zeros this block counts. */
	rb.pb.own_lo = rb.pb.ra;
	rb.pb.own_hi = ea + rb.erows == p->ee ? pg->hn : (ea + rb.erows) * Uh;
	xplane = (size_t)rb.pb.xrows * rb.pb.xcols;
	rb.kchunk = (unsigned)(PLANES_BUDGET / (rb.pb.plane + xplane));
	if (rb.kchunk < 1)
		rb.kchunk = 1;
	if (rb.kchunk > pg->planes)
		rb.kchunk = pg->planes;
	max_taps = (size_t)rb.kchunk * p->rr * p->ss;
	if (!SCRATCH(j, acc, (size_t)pr->mpad_max * rb.lanes) ||
	    !SCRATCH(j, tap_offset, max_taps) ||
	    !SCRATCH(j, weights, max_taps * pr->mpad_max))
		return rs_model_out_of_memory(j);
	for (unsigned ma = 0; ma < p->mm; ma += pr->mchunk)
		if (block_filters(j, p, pr, &rb, ma))
			return -1;
	return 0;
}

int rs_model_exec_pass(struct job *j, const struct pass *p)
{
	struct pass_run pr;

	if (pass_prepare(j, p, &pr))
		return -1;
	for (unsigned n = p->n0; n < p->n0 + p->nn; n++)
		for (unsigned ea = 0; ea < p->ee; ea += pr.rows_chunk)
			if (pass_rows(j, p, &pr, n, ea))
				return -1;
	/* The last pass of a chain requantizes: the outputs are final. */
	if (pr.deferrable && pr.final)
		rs_model_chain_flush_one(j, pr.ch, true);
	rs_model_planes_invalidate(j->model, p->psum.addr, rs_model_tile_end(&p->psum));
	rs_model_count_pass(j, p, &pr.cost, pr.gated * p->mm, !pr.reuse);
	j->tl.array_end = pr.end;
	j->tl.link_free = pr.link_end;
	return 0;
}
