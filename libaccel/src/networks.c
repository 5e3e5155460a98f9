// SPDX-License-Identifier: MIT
/*
 * Built-in networks (rowstat/networks.h) and the host's reference
 * convolution.  Each network is written as its stages, from its paper.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rowstat/networks.h>

#include "runtime_internal.h"

/* Where a builder writes: layers alone, or every step. */
struct net_out {
	struct accel_network_layer *layers;
	struct accel_network_step *steps;
	unsigned cap, count, batch;
};

/* A slot for the next step (NULL past cap), which the count includes. */
static struct accel_network_step *next_step(struct net_out *o, enum accel_step_kind kind,
					    const char *name)
{
	struct accel_network_step *st = o->count < o->cap ? &o->steps[o->count] : NULL;

	o->count++;
	if (st) {
		memset(st, 0, sizeof(*st));
		snprintf(st->name, sizeof(st->name), "%s", name);
		st->step.kind = kind;
		st->step.name = st->name;
	}
	return st;
}

/* A host step between layers; only the step lists have them. */
static void host_step(struct net_out *o, enum accel_step_kind kind, const char *name,
		      unsigned k, unsigned stride, unsigned pad, bool relu)
{
	struct accel_network_step *st;

	if (!o->steps)
		return;
	st = next_step(o, kind, name);
	if (st) {
		st->step.k = k;
		st->step.stride = stride;
		st->step.pad = pad;
		st->step.relu = relu;
	}
}

static void maxpool(struct net_out *o, const char *name, unsigned k, unsigned stride,
		    unsigned pad)
{
	host_step(o, ACCEL_STEP_MAXPOOL, name, k, stride, pad, false);
}

/* A k x k convolution, padded to keep the size at stride 1 ("same"). */
static void layer(struct net_out *o, const char *name, unsigned in_c, unsigned size,
		  unsigned out_c, unsigned k, unsigned stride, unsigned groups, bool relu)
{
	struct accel_conv cv = {
		.batch = o->batch, .in_channels = in_c, .in_height = size, .in_width = size,
		.out_channels = out_c, .kernel_h = k, .kernel_w = k, .groups = groups,
		.stride_h = stride, .stride_w = stride,
		.pad_top = k / 2, .pad_bottom = k / 2, .pad_left = k / 2, .pad_right = k / 2,
		.ifmap_prec = ROWSTAT_PREC_Q16, .filter_prec = ROWSTAT_PREC_Q16,
		.ofmap_prec = ROWSTAT_PREC_Q16, .relu = relu, .bias = true, .requant_mult = 1,
	};

	if (o->steps) {
		struct accel_network_step *st = next_step(o, ACCEL_STEP_LAYER, name);

		if (st)
			st->step.cv = cv;
		return;
	}
	if (o->count < o->cap) {
		snprintf(o->layers[o->count].name, sizeof(o->layers[0].name), "%s", name);
		o->layers[o->count].cv = cv;
	}
	o->count++;
}

/* The last step written, if it is a layer: to adjust its padding. */
static struct accel_conv *last_conv(struct net_out *o)
{
	if (!o->count || o->count > o->cap)
		return NULL;
	if (o->steps)
		return o->steps[o->count - 1].step.kind == ACCEL_STEP_LAYER ?
		       &o->steps[o->count - 1].step.cv : NULL;
	return &o->layers[o->count - 1].cv;
}

static void classifier(struct net_out *o, const char *name, unsigned features,
		       unsigned outputs, bool relu)
{
	layer(o, name, features, 1, outputs, 1, 1, 1, relu);
}

static void net_alexnet(struct net_out *o)
{
	struct accel_conv *conv1;

	layer(o, "conv1", 3, 227, 96, 11, 4, 1, true);
	conv1 = last_conv(o);
	if (conv1)
		conv1->pad_top = conv1->pad_bottom = conv1->pad_left = conv1->pad_right = 0;
	maxpool(o, "pool1", 3, 2, 0);
	layer(o, "conv2", 96, 27, 256, 5, 1, 2, true);
	maxpool(o, "pool2", 3, 2, 0);
	layer(o, "conv3", 256, 13, 384, 3, 1, 1, true);
	layer(o, "conv4", 384, 13, 384, 3, 1, 2, true);
	layer(o, "conv5", 384, 13, 256, 3, 1, 2, true);
	maxpool(o, "pool5", 3, 2, 0);
	host_step(o, ACCEL_STEP_FLATTEN, "flatten", 0, 0, 0, false);
	classifier(o, "fc6", 9216, 4096, true);
	classifier(o, "fc7", 4096, 4096, true);
	classifier(o, "fc8", 4096, 1000, false);
}

static void net_vgg16(struct net_out *o)
{
	static const struct {
		unsigned convs, width;
	} stages[] = { { 2, 64 }, { 2, 128 }, { 3, 256 }, { 3, 512 }, { 3, 512 } };
	unsigned in_c = 3, size = 224;
	char name[24];

	for (unsigned s = 0; s < 5; s++) {
		for (unsigned i = 1; i <= stages[s].convs; i++) {
			snprintf(name, sizeof(name), "conv%u_%u", s + 1, i);
			layer(o, name, in_c, size, stages[s].width, 3, 1, 1, true);
			in_c = stages[s].width;
		}
		snprintf(name, sizeof(name), "pool%u", s + 1);
		maxpool(o, name, 2, 2, 0);
		size /= 2;
	}
	host_step(o, ACCEL_STEP_FLATTEN, "flatten", 0, 0, 0, false);
	classifier(o, "fc6", 25088, 4096, true);
	classifier(o, "fc7", 4096, 4096, true);
	classifier(o, "fc8", 4096, 1000, false);
}

static void net_resnet18(struct net_out *o)
{
	unsigned in_c = 64, size = 56;
	char name[24];

	layer(o, "conv1", 3, 224, 64, 7, 2, 1, true);
	maxpool(o, "pool1", 3, 2, 1);
	for (unsigned s = 1; s <= 4; s++) {
		unsigned width = 32u << s;

		for (unsigned b = 0; b < 2; b++) {
			bool down = s > 1 && b == 0;

			snprintf(name, sizeof(name), "layer%u.%u.keep", s, b);
			host_step(o, ACCEL_STEP_KEEP, name, 0, 0, 0, false);
			snprintf(name, sizeof(name), "layer%u.%u.conv1", s, b);
			layer(o, name, in_c, size, width, 3, down ? 2 : 1, 1, true);
			if (down) {
				/* The shortcut's own layer, on the block's input. */
				host_step(o, ACCEL_STEP_SWAP, "swap", 0, 0, 0, false);
				snprintf(name, sizeof(name), "layer%u.%u.down", s, b);
				layer(o, name, in_c, size, width, 1, 2, 1, false);
				host_step(o, ACCEL_STEP_SWAP, "swap", 0, 0, 0, false);
				size /= 2;
			}
			/* Its ReLU follows the shortcut's addition. */
			snprintf(name, sizeof(name), "layer%u.%u.conv2", s, b);
			layer(o, name, width, size, width, 3, 1, 1, false);
			snprintf(name, sizeof(name), "layer%u.%u.add", s, b);
			host_step(o, ACCEL_STEP_ADD, name, 0, 0, 0, true);
			in_c = width;
		}
	}
	host_step(o, ACCEL_STEP_AVGPOOL, "avgpool", size, 1, 0, false);
	host_step(o, ACCEL_STEP_FLATTEN, "flatten", 0, 0, 0, false);
	classifier(o, "fc", 512, 1000, false);
}

static void net_mobilenetv2(struct net_out *o)
{
	/* Expansion, output channels, repeats, first stride. */
	static const unsigned groups[7][4] = {
		{ 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 }, { 6, 64, 4, 2 },
		{ 6, 96, 3, 1 }, { 6, 160, 3, 2 }, { 6, 320, 1, 1 },
	};
	unsigned in_c = 32, size = 112, block = 0;
	char name[24];

	layer(o, "conv0", 3, 224, 32, 3, 2, 1, true);
	for (unsigned g = 0; g < 7; g++)
		for (unsigned r = 0; r < groups[g][2]; r++, block++) {
			unsigned hidden = in_c * groups[g][0];
			unsigned stride = r ? 1 : groups[g][3];
			bool residual = stride == 1 && in_c == groups[g][1];

			if (residual) {
				snprintf(name, sizeof(name), "block%u.keep", block);
				host_step(o, ACCEL_STEP_KEEP, name, 0, 0, 0, false);
			}
			if (hidden != in_c) {
				snprintf(name, sizeof(name), "block%u.expand", block);
				layer(o, name, in_c, size, hidden, 1, 1, 1, true);
			}
			snprintf(name, sizeof(name), "block%u.dw", block);
			layer(o, name, hidden, size, hidden, 3, stride, hidden, true);
			size = (size - 1) / stride + 1;
			/* Linear: no ReLU after the projection. */
			snprintf(name, sizeof(name), "block%u.project", block);
			layer(o, name, hidden, size, groups[g][1], 1, 1, 1, false);
			if (residual) {
				snprintf(name, sizeof(name), "block%u.add", block);
				host_step(o, ACCEL_STEP_ADD, name, 0, 0, 0, false);
			}
			in_c = groups[g][1];
		}
	layer(o, "conv_last", in_c, size, 1280, 1, 1, 1, true);
	host_step(o, ACCEL_STEP_AVGPOOL, "avgpool", size, 1, 0, false);
	host_step(o, ACCEL_STEP_FLATTEN, "flatten", 0, 0, 0, false);
	classifier(o, "fc", 1280, 1000, false);
}

static const struct {
	const char *name;
	void (*build)(struct net_out *o);
} networks[] = {
	{ "alexnet", net_alexnet },
	{ "vgg16", net_vgg16 },
	{ "resnet18", net_resnet18 },
	{ "mobilenetv2", net_mobilenetv2 },
};

const char *accel_network_name(unsigned i)
{
	return i < sizeof(networks) / sizeof(networks[0]) ? networks[i].name : NULL;
}

static int build(const char *name, struct net_out *o, unsigned *count, const char *what)
{
	for (unsigned i = 0; i < sizeof(networks) / sizeof(networks[0]); i++) {
		if (!name || strcmp(name, networks[i].name))
			continue;
		if (!o->batch || o->batch > ACCEL_MAX_BATCH)
			return accel_fail(-EINVAL, "network %s: batch %u must be 1 to %u", name,
					  o->batch, ACCEL_MAX_BATCH);
		networks[i].build(o);
		if (o->count > o->cap)
			return accel_fail(-EINVAL, "network %s: %u %s, room for %u", name,
					  o->count, what, o->cap);
		if (count)
			*count = o->count;
		return 0;
	}
	return accel_fail(-EINVAL,
			  "network \"%s\": not one of alexnet, vgg16, resnet18, mobilenetv2",
			  name ? name : "(null)");
}

int accel_network_layers(const char *name, unsigned batch, struct accel_network_layer *layers,
			 unsigned cap, unsigned *count)
{
	struct net_out o = { .layers = layers, .cap = cap, .batch = batch };

	return build(name, &o, count, "layers");
}

int accel_network_steps(const char *name, unsigned batch, struct accel_network_step *steps,
			unsigned cap, unsigned *count)
{
	struct net_out o = { .steps = steps, .cap = cap, .batch = batch };

	return build(name, &o, count, "steps");
}

/* Round half up by 2^shift, exactly; then ReLU and the output's range. */
static int16_t requantize(int32_t acc, const struct accel_conv *cv)
{
	__int128 z = (__int128)acc * cv->requant_mult;
	long hi = cv->ofmap_prec == ROWSTAT_PREC_INT8 ? 127 : 32767;

	if (cv->requant_shift) {
		__int128 den = (__int128)1 << cv->requant_shift;
		__int128 num = z + den / 2;

		/* Floor division of a possibly negative numerator. */
		z = num >= 0 ? num / den : -((-num + den - 1) / den);
	}
	if (cv->relu && z < 0)
		z = 0;
	return (int16_t)(z > hi ? hi : z < -hi - 1 ? -hi - 1 : z);
}

/* Output by output: what the plane-wise version does without its memory. */
static void reference_by_output(const struct accel_conv *cv, const int16_t *in,
				const int16_t *filters, const int32_t *bias, int16_t *out)
{
	unsigned E = accel_conv_out_height(cv), F = accel_conv_out_width(cv);
	unsigned cg = cv->in_channels / cv->groups, mg = cv->out_channels / cv->groups;
	size_t o = 0;

	for (unsigned n = 0; n < cv->batch; n++)
		for (unsigned m = 0; m < cv->out_channels; m++)
			for (unsigned e = 0; e < E; e++)
				for (unsigned f = 0; f < F; f++) {
					uint32_t acc = bias && cv->bias ? (uint32_t)bias[m] : 0;

					for (unsigned c = 0; c < cg; c++)
						for (unsigned r = 0; r < cv->kernel_h; r++) {
							long y = (long)(e * cv->stride_h + r) -
								 (long)cv->pad_top;

							if (y < 0 || y >= (long)cv->in_height)
								continue;
							for (unsigned s = 0; s < cv->kernel_w; s++) {
								long x = (long)(f * cv->stride_w + s) -
									 (long)cv->pad_left;
								size_t at;

								if (x < 0 || x >= (long)cv->in_width)
									continue;
								at = (((size_t)n * cv->in_channels +
								       m / mg * cg + c) *
								      cv->in_height + (size_t)y) *
								     cv->in_width + (size_t)x;
								acc += (uint32_t)((int32_t)in[at] *
									filters[(((size_t)m * cg + c) *
										 cv->kernel_h + r) *
										cv->kernel_w + s]);
							}
						}
					out[o++] = requantize((int32_t)acc, cv);
				}
}

/* The first output index whose window position o * stride + k - pad is >= 0. */
static unsigned first_inside(unsigned k, unsigned pad, unsigned stride)
{
	return k >= pad ? 0 : (pad - k + stride - 1) / stride;
}

/* One past the last output index whose position is < limit (at most count). */
static unsigned end_inside(unsigned k, unsigned pad, unsigned stride, unsigned limit,
			   unsigned count)
{
	long last = (long)limit - 1 + (long)pad - (long)k;	/* o * stride <= last */

	if (last < 0)
		return 0;
	return (unsigned)((unsigned long)last / stride + 1 < count ?
			  (unsigned long)last / stride + 1 : count);
}

/*
 * Plane by plane: each filter tap adds its weight times a shifted input
 * plane to an output plane of accumulators, row by row, so the inner loop
 * runs over contiguous columns with no bounds test.  Sums wrap at 32 bits
 * as the device's do, so their order does not matter.
 */
void accel_reference_conv(const struct accel_conv *cv, const int16_t *in,
			  const int16_t *filters, const int32_t *bias, int16_t *out)
{
	unsigned E = accel_conv_out_height(cv), F = accel_conv_out_width(cv);
	unsigned cg = cv->in_channels / cv->groups, mg = cv->out_channels / cv->groups;
	unsigned U = cv->stride_h, V = cv->stride_w;
	size_t plane = (size_t)E * F, o = 0;
	uint32_t *acc = malloc(plane * sizeof(*acc));

	if (!acc) {
		reference_by_output(cv, in, filters, bias, out);
		return;
	}
	for (unsigned n = 0; n < cv->batch; n++)
		for (unsigned m = 0; m < cv->out_channels; m++) {
			uint32_t start = bias && cv->bias ? (uint32_t)bias[m] : 0;

			for (size_t i = 0; i < plane; i++)
				acc[i] = start;
			for (unsigned c = 0; c < cg; c++) {
				const int16_t *src = in + ((size_t)n * cv->in_channels + m / mg * cg + c) *
							  cv->in_height * cv->in_width;

				for (unsigned r = 0; r < cv->kernel_h; r++) {
					unsigned e0 = first_inside(r, cv->pad_top, U);
					unsigned e1 = end_inside(r, cv->pad_top, U, cv->in_height, E);

					for (unsigned s = 0; s < cv->kernel_w; s++) {
						unsigned f0 = first_inside(s, cv->pad_left, V);
						unsigned f1 = end_inside(s, cv->pad_left, V, cv->in_width, F);
						int32_t w = filters[(((size_t)m * cg + c) * cv->kernel_h + r) *
								    cv->kernel_w + s];

						if (!w)
							continue;
						for (unsigned e = e0; e < e1; e++) {
							/* Input column of output f: f * V + s - pad_left. */
							const int16_t *row = src + (size_t)(e * U + r - cv->pad_top) *
										   cv->in_width;
							long x = (long)f0 * V + s - cv->pad_left;
							uint32_t *dst = acc + (size_t)e * F;

							for (unsigned f = f0; f < f1; f++, x += V)
								dst[f] += (uint32_t)(w * row[x]);
						}
					}
				}
			}
			for (size_t i = 0; i < plane; i++)
				out[o++] = requantize((int32_t)acc[i], cv);
		}
	free(acc);
}
