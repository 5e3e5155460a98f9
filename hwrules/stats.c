// SPDX-License-Identifier: MIT
/*
 * Energy from counts, and the statistics record a job writes
 * (docs/hardware.md section 8): accesses times the energy table.
 */
#include <string.h>

#include "rs_hw.h"

uint64_t rs_hw_level_energy(enum rowstat_level level, uint64_t count,
			    const uint32_t cost[ROWSTAT_LEVEL_COUNT])
{
	/* DRAM is counted in bytes and charged per 16-bit word. */
	if (level == ROWSTAT_LEVEL_DRAM)
		return count * cost[level] / 2;
	return count * cost[level];
}

void rs_hw_counters_energy(struct rs_hw_counters *c,
			   const uint32_t cost[ROWSTAT_LEVEL_COUNT])
{
	memset(c->energy, 0, sizeof(c->energy));
	/* A MAC produces a psum, so its energy is filed under that type. */
	c->energy[ROWSTAT_LEVEL_MAC][ROWSTAT_DT_PSUM] =
		rs_hw_level_energy(ROWSTAT_LEVEL_MAC, c->macs - c->macs_gated, cost);
	for (int t = 0; t < ROWSTAT_DT_COUNT; t++) {
		c->energy[ROWSTAT_LEVEL_RF][t] =
			rs_hw_level_energy(ROWSTAT_LEVEL_RF,
					   c->rf_reads[t] + c->rf_writes[t], cost);
		c->energy[ROWSTAT_LEVEL_NOC][t] =
			rs_hw_level_energy(ROWSTAT_LEVEL_NOC, c->noc[t], cost);
		c->energy[ROWSTAT_LEVEL_GLB][t] =
			rs_hw_level_energy(ROWSTAT_LEVEL_GLB,
					   c->glb_reads[t] + c->glb_writes[t], cost);
		c->energy[ROWSTAT_LEVEL_DRAM][t] =
			rs_hw_level_energy(ROWSTAT_LEVEL_DRAM,
					   c->dram_read_bytes[t] + c->dram_write_bytes[t],
					   cost);
	}
}

uint64_t rs_hw_counters_energy_total(const struct rs_hw_counters *c)
{
	uint64_t sum = 0;

	for (int l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		for (int t = 0; t < ROWSTAT_DT_COUNT; t++)
			sum += c->energy[l][t];
	return sum;
}

void rs_hw_counters_add(struct rs_hw_counters *sum, const struct rs_hw_counters *c)
{
	/* Every field is a u64 sum except the maximum. */
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *s = (const uint64_t *)c;
	uint64_t max = sum->pe_active_max > c->pe_active_max ?
		       sum->pe_active_max : c->pe_active_max;

	for (size_t i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
		d[i] += s[i];
	sum->pe_active_max = max;
}

/*
 * The record's counts are the counters' in the same order: encode and
 * decode go field by field through one table, so they cannot drift.
 */
#define FIELD(name) { offsetof(struct rs_hw_counters, name), \
		      offsetof(struct rowstat_job_stats, name), \
		      sizeof(((struct rs_hw_counters *)0)->name) / sizeof(uint64_t) }

static const struct {
	size_t host, record, count;
} fields[] = {
	FIELD(cycles), FIELD(array_cycles), FIELD(macs), FIELD(macs_gated),
	FIELD(passes), FIELD(pe_active_max), FIELD(pe_active_cycles),
	FIELD(dram_read_bytes), FIELD(dram_write_bytes), FIELD(glb_reads),
	FIELD(glb_writes), FIELD(glb_read_bytes), FIELD(glb_write_bytes),
	FIELD(noc), FIELD(rf_reads), FIELD(rf_writes), FIELD(energy),
};

void rs_hw_stats_encode(enum rowstat_status status, uint32_t error_offset,
			uint64_t fault_va, const struct rs_hw_counters *c,
			struct rowstat_job_stats *out)
{
	uint8_t *rec = (uint8_t *)out;

	memset(out, 0, sizeof(*out));
	rs_hw_put_le32(rec + offsetof(struct rowstat_job_stats, version),
		       ROWSTAT_STATS_VERSION);
	rs_hw_put_le32(rec + offsetof(struct rowstat_job_stats, status), status);
	rs_hw_put_le32(rec + offsetof(struct rowstat_job_stats, error_offset),
		       error_offset);
	rs_hw_put_le64(rec + offsetof(struct rowstat_job_stats, fault_va), fault_va);
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		const uint64_t *v = (const uint64_t *)((const uint8_t *)c + fields[f].host);

		for (size_t i = 0; i < fields[f].count; i++)
			rs_hw_put_le64(rec + fields[f].record + 8 * i, v[i]);
	}
}

int rs_hw_stats_decode(const struct rowstat_job_stats *in,
		       enum rowstat_status *status, uint32_t *error_offset,
		       uint64_t *fault_va, struct rs_hw_counters *c)
{
	const uint8_t *rec = (const uint8_t *)in;

	if (rs_hw_get_le32(rec + offsetof(struct rowstat_job_stats, version)) !=
	    ROWSTAT_STATS_VERSION)
		return -1;
	*status = (enum rowstat_status)rs_hw_get_le32(rec +
		offsetof(struct rowstat_job_stats, status));
	*error_offset = rs_hw_get_le32(rec + offsetof(struct rowstat_job_stats,
						      error_offset));
	*fault_va = rs_hw_get_le64(rec + offsetof(struct rowstat_job_stats, fault_va));
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		uint64_t *v = (uint64_t *)((uint8_t *)c + fields[f].host);

		for (size_t i = 0; i < fields[f].count; i++)
			v[i] = rs_hw_get_le64(rec + fields[f].record + 8 * i);
	}
	return 0;
}
