// SPDX-License-Identifier: MIT
#include <string.h>

#include "random_case.h"

static unsigned pick(struct rng *r, const unsigned *v, unsigned n)
{
	return v[rng_range(r, 0, n - 1)];
}

void random_conv(struct rng *r, unsigned scale, struct accel_conv *cv,
		 struct accel_tensor *in, struct accel_tensor *out)
{
	static const unsigned precs[] = { ROWSTAT_PREC_Q16, ROWSTAT_PREC_INT8 };
	unsigned kind = rng_range(r, 0, 9);

	memset(cv, 0, sizeof(*cv));
	memset(in, 0, sizeof(*in));
	memset(out, 0, sizeof(*out));
	cv->ifmap_prec = pick(r, precs, 2);
	cv->filter_prec = pick(r, precs, 2);
	cv->ofmap_prec = pick(r, precs, 2);
	do {
		cv->batch = rng_range(r, 1, 2 + scale);
		cv->groups = 1;
		cv->in_channels = rng_range(r, 1, 4 + 6 * scale);
		cv->out_channels = rng_range(r, 1, 4 + 10 * scale);
		cv->in_height = rng_range(r, 1, 6 + 6 * scale);
		cv->in_width = rng_range(r, 1, 6 + 6 * scale);
		cv->kernel_h = rng_range(r, 1, 5);
		cv->kernel_w = rng_range(r, 1, 5);
		cv->stride_h = rng_range(r, 1, 3);
		cv->stride_w = rng_range(r, 1, 3);
		if (kind == 0) {
			/* depthwise */
			cv->out_channels = cv->in_channels;
			cv->groups = cv->in_channels;
		} else if (kind == 1) {
			/* grouped */
			unsigned g = rng_range(r, 2, 4);

			cv->groups = g;
			cv->in_channels = g * rng_range(r, 1, 3 + scale);
			cv->out_channels = g * rng_range(r, 1, 4 + scale);
		} else if (kind == 2) {
			/* fully connected as a 1x1 convolution */
			cv->in_height = cv->in_width = 1;
			cv->kernel_h = cv->kernel_w = 1;
			cv->stride_h = cv->stride_w = 1;
			cv->in_channels = rng_range(r, 1, 40 * scale);
		} else if (kind == 3) {
			/* tall kernels: more filter rows than the array */
			cv->kernel_h = rng_range(r, 13, 16);
			cv->in_height = rng_range(r, cv->kernel_h, cv->kernel_h + 4);
			cv->kernel_w = rng_range(r, 13, 16);
			cv->in_width = rng_range(r, cv->kernel_w, cv->kernel_w + 6);
		}
		cv->pad_top = rng_range(r, 0, cv->kernel_h - 1);
		cv->pad_bottom = rng_range(r, 0, cv->kernel_h - 1);
		cv->pad_left = rng_range(r, 0, cv->kernel_w - 1);
		cv->pad_right = rng_range(r, 0, cv->kernel_w - 1);
		if (rng_range(r, 0, 2) == 0)
			cv->pad_top = cv->pad_bottom = cv->pad_left = cv->pad_right = 0;
	} while (accel_conv_check(cv, NULL, 0));
	cv->relu = rng_range(r, 0, 1);
	cv->bias = rng_range(r, 0, 1);
	cv->requant_mult = (int32_t)rng_range(r, 1, 1u << 20) *
			   (rng_range(r, 0, 3) ? 1 : -1);
	cv->requant_shift = rng_range(r, 0, 1) ? rng_range(r, 0, 40) : 0;
	if (rng_range(r, 0, 2) == 0) {
		in->rlc = true;
		in->seg_rows = rng_range(r, 0, 1) ? cv->in_height : 1;
	}
	if (rng_range(r, 0, 2) == 0) {
		out->rlc = true;
		out->seg_rows = rng_range(r, 0, 1) ? accel_conv_out_height(cv) : 1;
	}
}

int random_mapping(struct rng *r, const struct rs_hw_params *hw,
		   const struct accel_conv *cv, const struct accel_tensor *in,
		   const struct accel_tensor *out, struct accel_mapping *map)
{
	unsigned E = accel_conv_out_height(cv), F = accel_conv_out_width(cv);
	unsigned Cg = cv->in_channels / cv->groups, Mg = cv->out_channels / cv->groups;

	for (int tries = 0; tries < 2000; tries++) {
		unsigned copies, vertical;

		memset(map, 0, sizeof(*map));
		map->set_rows = rng_range(r, 1, hw->array_rows < cv->kernel_h ?
					  hw->array_rows : cv->kernel_h);
		map->set_cols = rng_range(r, 1, E < 2 * hw->array_cols ? E : 2 * hw->array_cols);
		copies = rs_hw_array_slots(hw, map->set_rows, map->set_cols, &vertical);
		if (!copies)
			continue;
		map->channel_sets = rng_range(r, 1, vertical);
		map->filter_sets = rng_range(r, 1, (vertical / map->channel_sets) *
					     (copies / vertical));
		map->taps_per_pe = rng_range(r, 1, cv->kernel_w < hw->rf_ifmap ?
					     cv->kernel_w : hw->rf_ifmap);
		map->channels_per_pe = rng_range(r, 1, hw->rf_ifmap / map->taps_per_pe);
		unsigned pmax = hw->rf_filter / (map->channels_per_pe * map->taps_per_pe);

		if (pmax > hw->rf_psum)
			pmax = hw->rf_psum;
		if (!pmax)
			continue;
		map->filters_per_pe = rng_range(r, 1, pmax);
		map->images_per_pass = rng_range(r, 1, cv->batch);
		map->tile_n = rng_range(r, 1, cv->batch);
		map->tile_e = rng_range(r, 1, E);
		map->tile_f = out->rlc ? F : rng_range(r, 1, F);
		if (out->rlc && out->seg_rows == E)
			map->tile_e = E;
		map->tile_m = rng_range(r, 1, Mg);
		map->tile_c = rng_range(r, 1, Cg);
		map->double_ifmap = rng_range(r, 0, 1);
		map->double_psum = rng_range(r, 0, 1);
		if (!accel_mapping_check(hw, cv, map, in, out, NULL, 0))
			return 0;
	}
	return -1;
}

/* A square layer of stride 1, with case `index`'s bias or ReLU. */
struct fixed_case {
	unsigned C, H, M, R, pad, G, N, prec, shift;
};

static void fixed_conv(const struct fixed_case *c, unsigned index, struct accel_conv *cv)
{
	memset(cv, 0, sizeof(*cv));
	cv->batch = c->N;
	cv->in_channels = c->C;
	cv->in_height = cv->in_width = c->H;
	cv->out_channels = c->M;
	cv->kernel_h = cv->kernel_w = c->R;
	cv->groups = c->G;
	cv->stride_h = cv->stride_w = 1;
	cv->pad_top = cv->pad_bottom = cv->pad_left = cv->pad_right = c->pad;
	cv->ifmap_prec = cv->filter_prec = cv->ofmap_prec = c->prec;
	cv->bias = index % 2 == 0;
	cv->relu = index % 2 == 1;
	cv->requant_mult = 3;
	cv->requant_shift = c->shift;
}

unsigned split_conv(unsigned index, struct accel_conv *cv)
{
	static const struct fixed_case cases[] = {
		/* C, H, M, R, pad, G, batch, precisions, requant shift */
		{ 9216, 1, 40, 1, 0, 1, 2, ROWSTAT_PREC_Q16, 9 },	/* AlexNet FC6, 40 outputs */
		{ 8200, 4, 6, 3, 1, 1, 1, ROWSTAT_PREC_Q16, 9 },	/* two parts of 4100 */
		{ 16400, 3, 4, 3, 1, 2, 1, ROWSTAT_PREC_Q16, 9 },	/* 2 groups of 3 parts */
		{ 25088, 1, 12, 1, 0, 1, 1, ROWSTAT_PREC_INT8, 9 },	/* VGG-16 FC6, 12 outputs */
	};

	if (index < sizeof(cases) / sizeof(cases[0]))
		fixed_conv(&cases[index], index, cv);
	return sizeof(cases) / sizeof(cases[0]);
}

unsigned sublayer_conv(unsigned index, struct accel_conv *cv)
{
	static const struct fixed_case cases[] = {
		/* past one LAYER's images or filters */
		{ 3, 5, 4, 3, 1, 1, 1030, ROWSTAT_PREC_Q16, 5 },	/* two batch parts of 515 */
		{ 8, 1, 8200, 1, 0, 1, 2, ROWSTAT_PREC_INT8, 5 },	/* two filter parts of 4100 */
		{ 1, 1, 8193, 1, 0, 1, 1025, ROWSTAT_PREC_Q16, 5 },	/* 2 x 2 uneven parts */
	};

	if (index < sizeof(cases) / sizeof(cases[0]))
		fixed_conv(&cases[index], index, cv);
	return sizeof(cases) / sizeof(cases[0]);
}
