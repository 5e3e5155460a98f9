// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alexnet.h"

static const struct {
	const char *name;
	unsigned C, H, M, R, U, pad, G;
	double in_zeros, out_zeros;
	/* Eyeriss's mapping (e, p, q, r, t, n) and its objective, energy. */
	struct accel_map_options eyeriss;
} layers[ALEXNET_LAYERS] = {
	/*
	 * Shapes, sparsity and mappings: Chen et al., JSSC 2017.  CONV3's q and r
	 * are the ones its published GLB traffic implies (q x r = 6 channels per
	 * pass); CONV4 and CONV5 use the same.
	 */
#define EYERISS(e, p, q, r, t, n) { ACCEL_MAP_ENERGY, e, p, q, t, r, n, true, 0 }
	{ "CONV1", 3, 227, 96, 11, 4, 0, 1, 0.0001, 0.387, EYERISS(7, 16, 1, 1, 2, 1) },
	{ "CONV2", 96, 27, 256, 5, 1, 2, 2, 0.387, 0.725, EYERISS(27, 16, 2, 1, 1, 1) },
	{ "CONV3", 256, 13, 384, 3, 1, 1, 1, 0.725, 0.793, EYERISS(13, 16, 3, 2, 2, 4) },
	{ "CONV4", 384, 13, 384, 3, 1, 1, 2, 0.793, 0.776, EYERISS(13, 16, 3, 2, 2, 4) },
	/* CONV5 feeds pooling and FC6; its output sparsity is not in the table. */
	{ "CONV5", 384, 13, 256, 3, 1, 1, 2, 0.776, 0.776, EYERISS(13, 16, 3, 2, 2, 4) },
#undef EYERISS
};

void alexnet_layer_get(unsigned index, unsigned batch, struct alexnet_layer *l)
{
	memset(l, 0, sizeof(*l));
	l->name = layers[index].name;
	l->cv.batch = batch;
	l->cv.in_channels = layers[index].C;
	l->cv.in_height = l->cv.in_width = layers[index].H;
	l->cv.out_channels = layers[index].M;
	l->cv.kernel_h = l->cv.kernel_w = layers[index].R;
	l->cv.groups = layers[index].G;
	l->cv.stride_h = l->cv.stride_w = layers[index].U;
	l->cv.pad_top = l->cv.pad_bottom = layers[index].pad;
	l->cv.pad_left = l->cv.pad_right = layers[index].pad;
	l->cv.ifmap_prec = l->cv.filter_prec = l->cv.ofmap_prec = ROWSTAT_PREC_Q16;
	l->cv.relu = true;
	l->cv.bias = true;
	l->cv.requant_mult = 1;
	l->ifmap_zeros = layers[index].in_zeros;
	l->ofmap_zeros = layers[index].out_zeros;
	l->eyeriss = layers[index].eyeriss;
	/* Eyeriss's PE sets are the filter's rows high. */
	l->eyeriss.set_rows = layers[index].R;
}

/* The accumulator of one output, before bias: for calibration only. */
static int32_t accumulate(const struct accel_conv *cv, const int16_t *in,
			  const int16_t *filters, unsigned n, unsigned m,
			  unsigned e, unsigned f)
{
	unsigned Cg = cv->in_channels / cv->groups, g = m / (cv->out_channels / cv->groups);
	uint32_t acc = 0;

	for (unsigned c = 0; c < Cg; c++)
		for (unsigned r = 0; r < cv->kernel_h; r++)
			for (unsigned s = 0; s < cv->kernel_w; s++) {
				long y = (long)e * cv->stride_h + r - cv->pad_top;
				long x = (long)f * cv->stride_w + s - cv->pad_left;

				if (y < 0 || y >= (long)cv->in_height || x < 0 ||
				    x >= (long)cv->in_width)
					continue;
				acc += (uint32_t)(in[(((size_t)n * cv->in_channels + g * Cg + c) *
						      cv->in_height + y) * cv->in_width + x] *
						  filters[(((size_t)m * Cg + c) * cv->kernel_h + r) *
							  cv->kernel_w + s]);
			}
	return (int32_t)acc;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

#define SAMPLES 4001

static void calibrate(struct layer_case *lc, const struct alexnet_layer *l,
		      struct rng *r)
{
	struct accel_conv *cv = &lc->cv;
	int32_t *s = malloc(SAMPLES * sizeof(*s));
	int32_t bias, top;
	unsigned shift = 0;

	if (!s)
		return;
	for (unsigned i = 0; i < SAMPLES; i++)
		s[i] = accumulate(cv, lc->ifmap, lc->filters,
				  rng_range(r, 0, cv->batch - 1),
				  rng_range(r, 0, cv->out_channels - 1),
				  rng_range(r, 0, accel_conv_out_height(cv) - 1),
				  rng_range(r, 0, accel_conv_out_width(cv) - 1));
	qsort(s, SAMPLES, sizeof(*s), cmp_i32);
	/* Shift so that outputs zero at the target fraction, then scale the top into 15 bits. */
	bias = -s[(unsigned)(l->ofmap_zeros * (SAMPLES - 1))];
	top = s[SAMPLES - 1] + bias;
	while (top > 0 && (top >> shift) > 16383)
		shift++;
	for (unsigned m = 0; m < cv->out_channels; m++)
		lc->bias[m] = bias;
	cv->requant_mult = 1;
	cv->requant_shift = shift;
	free(s);
}

int alexnet_case(const struct rs_hw_params *hw, const struct alexnet_layer *l,
		 const struct accel_map_options *opts, uint64_t seed, struct layer_case *lc,
		 struct accel_estimate *est, char *err, size_t errlen)
{
	enum accel_map_objective objective = opts ? opts->objective : ACCEL_MAP_EDP;
	struct rng r = { seed };
	struct accel_map_hints hints = {
		.ifmap_density = 1 - l->ifmap_zeros,
		.ofmap_density = 1 - l->ofmap_zeros,
	};
	unsigned H = l->cv.in_height, E = accel_conv_out_height(&l->cv);
	bool found = false;
	double best = 0;
	int ret;

	memset(lc, 0, sizeof(*lc));
	lc->cv = l->cv;
	/* Post-ReLU activations are non-negative; the first layer's image is not. */
	ret = layer_alloc_data(lc, &r, l->ifmap_zeros, 9);
	if (ret)
		return ret;
	if (l->ifmap_zeros > 0.01) {
		size_t n = (size_t)l->cv.batch * l->cv.in_channels * H * l->cv.in_width;

		for (size_t i = 0; i < n; i++)
			if (lc->ifmap[i] < 0)
				lc->ifmap[i] = (int16_t)-lc->ifmap[i];
	}
	calibrate(lc, l, &r);

	/* Eyeriss compresses everything but the input image. */
	for (unsigned in_seg = 0; in_seg < 2; in_seg++) {
		for (unsigned out_seg = 0; out_seg < 2; out_seg++) {
			struct accel_tensor in = { 0 }, out = { .rlc = true };
			struct accel_mapping map;
			struct accel_estimate e;

			in.rlc = l->ifmap_zeros > 0.01;
			in.seg_rows = in.rlc ? (in_seg ? H : 1) : 0;
			if (!in.rlc && in_seg)
				continue;
			out.seg_rows = out_seg ? E : 1;
			if (accel_map_search(hw, &lc->cv, &in, &out, &hints, opts, &map, &e))
				continue;
			double score = objective == ACCEL_MAP_ENERGY ? (double)e.energy :
				       objective == ACCEL_MAP_LATENCY ? (double)e.cycles :
				       (double)e.energy * (double)e.cycles;

			if (!found || score < best) {
				found = true;
				best = score;
				lc->map = map;
				lc->in = in;
				lc->out = out;
				if (est)
					*est = e;
			}
		}
	}
	if (!found) {
		snprintf(err, errlen, "%s: no mapping fits", l->name);
		return -ENOSPC;
	}
	return layer_place(lc, hw, err, errlen);
}
