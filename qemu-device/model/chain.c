// SPDX-License-Identifier: MIT
/*
 * rowstat model core: deferred reduction chains.  The passes that
 * accumulate into the same outputs (one per channel group) do not write
 * their psums to the GLB one after the other: up to CHAINS chains keep
 * their sums in host memory, and the GLB is written once, when something
 * could observe it (a DMA or a pass that touches those bytes, a FINAL
 * pass, a new LAYER or MAPPING, the end of the job).  The GLB state any
 * command can see is unchanged; counts stay per pass.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

void rs_model_chain_flush_one(struct job *j, struct chain *ch, bool final)
{
	struct rs_model *md = j->model;
	const struct layer *L = &j->L;
	struct requant rq = {
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

			md->simd->psum_update(dst, ch->psum.stride[1], sum, ch->Ws, ch->ee,
					      ch->ff, ch->init, ch->bias[m]);
			if (final)
				md->simd->requantize(dst, ch->psum.stride[1], ch->ee, ch->ff,
						     &rq);
		}
	}
	ch->active = false;
	rs_model_planes_invalidate(md, ch->lo, ch->hi);
}

void rs_model_chain_flush_overlap(struct job *j, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < CHAINS; i++) {
		struct chain *ch = &j->model->chains[i];

		if (ch->active && lo < ch->hi && ch->lo < hi)
			rs_model_chain_flush_one(j, ch, false);
	}
}

void rs_model_chain_flush(struct job *j, bool final)
{
	for (int i = 0; i < CHAINS; i++)
		rs_model_chain_flush_one(j, &j->model->chains[i], final);
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

/* Could chain o hold any psum that pass p writes? */
static bool chain_overlaps_pass(const struct chain *o, const struct pass *p)
{
	bool disjoint_outputs = o->psum.addr == p->psum.addr &&
		(o->m0 + o->mm <= p->m0 || p->m0 + p->mm <= o->m0 ||
		 o->n0 + o->nn <= p->n0 || p->n0 + p->nn <= o->n0 ||
		 o->e0 + o->ee <= p->e0 || p->e0 + p->ee <= o->e0 ||
		 o->f0 + o->ff <= p->f0 || p->f0 + p->ff <= o->f0);

	return o->active && o->lo < rs_model_tile_end(&p->psum) && p->psum.addr < o->hi &&
	       !disjoint_outputs;
}

/* A free or the least recently used chain, set up for pass p. */
static struct chain *chain_start(struct job *j, const struct pass *p, unsigned Ws,
				 unsigned lanes, unsigned mpad, const int32_t *bias)
{
	struct rs_model *md = j->model;
	struct chain *ch = NULL;

	for (int i = 0; i < CHAINS; i++) {
		struct chain *o = &md->chains[i];

		if (!ch || !o->active || (ch->active && o->used < ch->used))
			ch = o;
		if (!o->active)
			break;
	}
	rs_model_chain_flush_one(j, ch, false);
	if (!rs_model_reserve((void **)&ch->sums, &ch->sums_cap,
			      (size_t)p->nn * mpad * lanes, sizeof(int32_t)) ||
	    !rs_model_reserve((void **)&ch->bias, &ch->bias_cap, p->mm, sizeof(int32_t)))
		return NULL;
	ch->active = true;
	ch->init = p->flags & ROWSTAT_PASS_INIT;
	ch->psum = p->psum;
	ch->n0 = p->n0;
	ch->nn = p->nn;
	ch->m0 = p->m0;
	ch->mm = p->mm;
	ch->e0 = p->e0;
	ch->ee = p->ee;
	ch->f0 = p->f0;
	ch->ff = p->ff;
	ch->Ws = Ws;
	ch->lanes = lanes;
	ch->mpad = mpad;
	ch->lo = p->psum.addr;
	ch->hi = rs_model_tile_end(&p->psum);
	memcpy(ch->bias, bias, p->mm * sizeof(*bias));
	return ch;
}

int rs_model_chain_for_pass(struct job *j, const struct pass *p, unsigned Ws,
			    unsigned lanes, unsigned mpad, bool deferrable,
			    const int32_t *bias, struct chain **out, bool *joins)
{
	struct rs_model *md = j->model;
	struct chain *ch = NULL;

	/* Psums that this pass reads as ifmaps must be in the GLB first. */
	rs_model_chain_flush_overlap(j, p->ifmap.addr, rs_model_tile_end(&p->ifmap));
	for (int i = 0; i < CHAINS && !ch; i++)
		if (chain_matches(&md->chains[i], p, Ws, lanes))
			ch = &md->chains[i];
	/* A pass that starts afresh (INIT) or cannot defer ends the chain. */
	if (ch && ((p->flags & ROWSTAT_PASS_INIT) || !deferrable)) {
		rs_model_chain_flush_one(j, ch, false);
		ch = NULL;
	}
	*joins = ch != NULL;
	/* Other chains over any of these psums go to the GLB now. */
	for (int i = 0; i < CHAINS; i++)
		if (&md->chains[i] != ch && chain_overlaps_pass(&md->chains[i], p))
			rs_model_chain_flush_one(j, &md->chains[i], false);
	if (deferrable && !ch) {
		ch = chain_start(j, p, Ws, lanes, mpad, bias);
		if (!ch)
			return rs_model_out_of_memory(j);
	}
	if (ch)
		ch->used = ++md->chain_clock;
	*out = ch;
	return 0;
}

void rs_model_chains_reset(struct rs_model *md)
{
	for (int i = 0; i < CHAINS; i++)
		md->chains[i].active = false;
}

void rs_model_chains_free(struct rs_model *md)
{
	for (int i = 0; i < CHAINS; i++) {
		free(md->chains[i].sums);
		free(md->chains[i].bias);
	}
}
