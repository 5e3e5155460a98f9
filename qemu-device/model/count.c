// SPDX-License-Identifier: MIT
/*
 * rowstat model core: counting and the timeline (docs/hardware.md section
 * 8, docs/model.md "Honest").  Every count comes from the pass as issued and
 * from the data it read; the closed forms here are checked against the
 * step-by-step counter of tests/support/step_counter.c.
 */
#include <inttypes.h>
#include <string.h>

#include "model_internal.h"

uint64_t rs_model_transfer_cycles(const struct job *j, uint64_t bytes)
{
	return rs_model_div_ceil(bytes * 1000, j->model->hw.dram_bw);
}

uint64_t rs_model_job_end(const struct job *j)
{
	return rs_model_max64(rs_model_max64(j->tl.dma_end, j->tl.array_end),
			      rs_model_max64(j->tl.link_free, j->tl.decoded));
}

int rs_model_over_budget(struct job *j, uint64_t end, const char *what)
{
	if (end <= j->budget)
		return 0;
	return rs_model_fail(j, ROWSTAT_ERR_BUDGET,
			     "%s would end at cycle %" PRIu64 ", past the job's budget of %" PRIu64,
			     what, end, j->budget);
}

void rs_model_pass_cost(const struct job *j, const struct pass *p,
			const struct pass_geom *pg, bool filters_loaded,
			struct pass_cost *pc)
{
	const struct layer *L = &j->L;
	const struct mapping *mp = &j->mp;
	const uint32_t *rowuse = j->model->scratch.rowuse;
	const uint32_t *coluse = j->model->scratch.coluse;
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
	pc->filter_sets = rs_model_div_ceil(p->mm, mp->p);
	pc->channel_sets = rs_model_div_ceil(p->cc, mp->q);
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
	pc->compute = rs_model_max64(pc->mac_cycles,
				     rs_model_div_ceil(glb, j->model->hw.glb_bw)) +
		      p->rr * pc->channel_sets + p->ss;
}

uint64_t rs_model_pass_end(const struct job *j, const struct pass_cost *pc,
			   uint64_t *link_end)
{
	uint64_t start = rs_model_max64(rs_model_max64(j->tl.sync, j->tl.array_end),
					j->tl.decoded);

	/* A pass that loads nothing neither waits for the link nor holds it. */
	if (!pc->link_bytes) {
		*link_end = j->tl.link_free;
		return start + pc->compute;
	}
	*link_end = rs_model_max64(start, j->tl.link_free) +
		    rs_model_transfer_cycles(j, pc->link_bytes);
	return *link_end + pc->compute;
}

void rs_model_count_pass(struct job *j, const struct pass *p,
			 const struct pass_cost *pc, uint64_t gated,
			 bool filters_loaded)
{
	const struct layer *L = &j->L;
	struct rs_hw_counters *c = j->c;
	uint64_t macs = pc->macs, outputs = pc->outputs;
	bool init = p->flags & ROWSTAT_PASS_INIT;
	/* Each PE receives its row's distinct columns per image and channel. */
	uint64_t ifmap_noc = (uint64_t)p->nn * p->cc * pc->pes * pc->filter_sets *
			     pc->cols_used;
	uint64_t filter_noc = filters_loaded ?
		(uint64_t)p->mm * p->cc * p->rr * p->ss * p->ee : 0;

	c->macs += macs;
	c->macs_gated += gated;
	c->passes++;
	/* RF: every MAC reads its ifmap; ungated ones read the filter and update the psum. */
	c->rf_reads[ROWSTAT_DT_IFMAP] += macs;
	c->rf_reads[ROWSTAT_DT_FILTER] += macs - gated;
	c->rf_reads[ROWSTAT_DT_PSUM] += macs - gated +
		(uint64_t)p->nn * p->ff * pc->pes * p->mm * pc->channel_sets;
	c->rf_writes[ROWSTAT_DT_PSUM] += macs - gated;
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
}
