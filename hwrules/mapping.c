// SPDX-License-Identifier: MIT
/*
 * Mapping legality (docs/hardware.md 7.3): PE-set placement on the array
 * and the register-file fit.  The device decodes MAPPING with this, and the
 * compiler checks its mappings with it, so what one accepts the other runs.
 * Products are taken in 64 bits: a field may hold up to 2^32 - 1 on the
 * compiler's side before the 16-bit field check refuses it.
 */
#include <stdio.h>

#include "hw_internal.h"

/* The MAPPING command's fields are 16 bits wide. */
#define FIELD_MAX	0xffffu

unsigned rs_hw_array_slots(const struct rs_hw_params *hw, uint32_t set_rows,
			   uint32_t set_cols, unsigned *vertical)
{
	/* Sets wider than the array fold into strips stacked below each other. */
	uint64_t strips, height, width;

	*vertical = 0;
	if (!set_rows || !set_cols)
		return 0;
	strips = ((uint64_t)set_cols + hw->array_cols - 1) / hw->array_cols;
	height = (uint64_t)set_rows * strips;
	width = set_cols < hw->array_cols ? set_cols : hw->array_cols;
	if (height > hw->array_rows)
		return 0;
	*vertical = (unsigned)(hw->array_rows / height);
	return *vertical * (unsigned)(hw->array_cols / width);
}

bool rs_hw_array_fits(const struct rs_hw_params *hw, uint32_t set_rows,
		      uint32_t set_cols, uint32_t filter_sets, uint32_t channel_sets)
{
	unsigned vertical, slots = rs_hw_array_slots(hw, set_rows, set_cols, &vertical);

	if (!slots || !filter_sets || !channel_sets || channel_sets > vertical)
		return false;
	/* Each filter group takes channel_sets slots of one slot column. */
	return filter_sets <= (uint64_t)(vertical / channel_sets) * (slots / vertical);
}

/* Every field nonzero and within the stream's 16 bits. */
static enum rowstat_status check_fields(const struct rs_hw_mapping *m,
					const char *prefix, char *why, size_t len)
{
	const struct {
		const char *name;
		uint32_t v;
	} fields[] = {
		{ "set_rows", m->set_rows },
		{ "set_cols", m->set_cols },
		{ "filters_per_pe", m->filters_per_pe },
		{ "channels_per_pe", m->channels_per_pe },
		{ "filter_sets", m->filter_sets },
		{ "channel_sets", m->channel_sets },
		{ "taps_per_pe", m->taps_per_pe },
		{ "images_per_pass", m->images_per_pass },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!fields[i].v)
			return rs_hw_refuse(ROWSTAT_ERR_MAP_ARRAY, why, len, "%s%s is zero",
				      prefix, fields[i].name);
		if (fields[i].v > FIELD_MAX)
			return rs_hw_refuse(ROWSTAT_ERR_MAP_ARRAY, why, len,
				      "%s%s %u does not fit the 16-bit field", prefix,
				      fields[i].name, fields[i].v);
	}
	if (m->images_per_pass > ROWSTAT_MAX_BATCH)
		return rs_hw_refuse(ROWSTAT_ERR_MAP_ARRAY, why, len, "%simages_per_pass %u above %u",
			      prefix, m->images_per_pass, ROWSTAT_MAX_BATCH);
	return ROWSTAT_OK;
}

static enum rowstat_status check_placement(const struct rs_hw_params *hw,
					   const struct rs_hw_mapping *m,
					   const char *prefix, char *why, size_t len)
{
	unsigned vertical, slots;

	if (m->set_rows > hw->array_rows)
		return rs_hw_refuse(ROWSTAT_ERR_MAP_ARRAY, why, len,
			      "%sset_rows %u exceeds the array's %u rows", prefix,
			      m->set_rows, hw->array_rows);
	slots = rs_hw_array_slots(hw, m->set_rows, m->set_cols, &vertical);
	if (!slots)
		return rs_hw_refuse(ROWSTAT_ERR_MAP_ARRAY, why, len,
			      "%sset_cols %u: a %ux%u PE set does not fit the %ux%u array",
			      prefix, m->set_cols, m->set_rows, m->set_cols,
			      hw->array_rows, hw->array_cols);
	if (m->channel_sets > vertical)
		return rs_hw_refuse(ROWSTAT_ERR_MAP_ARRAY, why, len,
			      "%schannel_sets %u: only %u sets stack in the array's columns",
			      prefix, m->channel_sets, vertical);
	if (!rs_hw_array_fits(hw, m->set_rows, m->set_cols, m->filter_sets,
			      m->channel_sets))
		return rs_hw_refuse(ROWSTAT_ERR_MAP_ARRAY, why, len,
			      "%sfilter_sets %u x channel_sets %u exceeds the %u PE sets that fit",
			      prefix, m->filter_sets, m->channel_sets, slots);
	return ROWSTAT_OK;
}

/* A PE holds p filters of q channels x taps, the q x taps window, p psums. */
static enum rowstat_status check_rf(const struct rs_hw_params *hw,
				    const struct rs_hw_mapping *m, const char *prefix,
				    char *why, size_t len)
{
	uint64_t p = m->filters_per_pe, q = m->channels_per_pe, taps = m->taps_per_pe;

	if (p * q * taps > hw->rf_filter)
		return rs_hw_refuse(ROWSTAT_ERR_MAP_RF, why, len,
			      "%sfilters_per_pe %u x channels_per_pe %u x taps_per_pe %u exceeds the filter RF (%u)",
			      prefix, m->filters_per_pe, m->channels_per_pe,
			      m->taps_per_pe, hw->rf_filter);
	if (q * taps > hw->rf_ifmap)
		return rs_hw_refuse(ROWSTAT_ERR_MAP_RF, why, len,
			      "%schannels_per_pe %u x taps_per_pe %u exceeds the ifmap RF (%u)",
			      prefix, m->channels_per_pe, m->taps_per_pe, hw->rf_ifmap);
	if (p > hw->rf_psum)
		return rs_hw_refuse(ROWSTAT_ERR_MAP_RF, why, len,
			      "%sfilters_per_pe %u exceeds the psum RF (%u)", prefix,
			      m->filters_per_pe, hw->rf_psum);
	return ROWSTAT_OK;
}

enum rowstat_status rs_hw_mapping_check(const struct rs_hw_params *hw,
					const struct rs_hw_mapping *m,
					const char *prefix, char *why, size_t len)
{
	enum rowstat_status st = check_fields(m, prefix, why, len);

	if (!st)
		st = check_placement(hw, m, prefix, why, len);
	if (!st)
		st = check_rf(hw, m, prefix, why, len);
	return st;
}
