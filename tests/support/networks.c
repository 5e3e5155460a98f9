// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "networks.h"

/* A network being written out: where the next layer goes. */
struct net_builder {
	struct net_layer *layers;
	unsigned cap, count, batch;
};

static void add(struct net_builder *b, const char *name, unsigned C, unsigned H, unsigned M,
		unsigned R, unsigned stride, unsigned groups, bool relu)
{
	struct accel_conv *cv;
	unsigned pad = (R - 1) / 2;

	if (b->count++ >= b->cap)
		return;
	memset(&b->layers[b->count - 1], 0, sizeof(b->layers[0]));
	snprintf(b->layers[b->count - 1].name, sizeof(b->layers[0].name), "%s", name);
	cv = &b->layers[b->count - 1].cv;
	cv->batch = b->batch;
	cv->in_channels = C;
	cv->in_height = cv->in_width = H;
	cv->out_channels = M;
	cv->kernel_h = cv->kernel_w = R;
	cv->groups = groups;
	cv->stride_h = cv->stride_w = stride;
	cv->pad_top = cv->pad_bottom = cv->pad_left = cv->pad_right = pad;
	cv->ifmap_prec = cv->filter_prec = cv->ofmap_prec = ROWSTAT_PREC_Q16;
	cv->relu = relu;
	cv->bias = true;
	cv->requant_mult = 1;
}

static void fc(struct net_builder *b, const char *name, unsigned C, unsigned M, bool relu)
{
	add(b, name, C, 1, M, 1, 1, 1, relu);
}

/* Krizhevsky et al. 2012, with its two-GPU groups (as Eyeriss ran it). */
static void alexnet(struct net_builder *b)
{
	add(b, "conv1", 3, 227, 96, 11, 4, 1, true);
	b->layers[b->count - 1].cv.pad_top = 0;
	b->layers[b->count - 1].cv.pad_bottom = 0;
	b->layers[b->count - 1].cv.pad_left = 0;
	b->layers[b->count - 1].cv.pad_right = 0;
	add(b, "conv2", 96, 27, 256, 5, 1, 2, true);
	add(b, "conv3", 256, 13, 384, 3, 1, 1, true);
	add(b, "conv4", 384, 13, 384, 3, 1, 2, true);
	add(b, "conv5", 384, 13, 256, 3, 1, 2, true);
	fc(b, "fc6", 256 * 6 * 6, 4096, true);
	fc(b, "fc7", 4096, 4096, true);
	fc(b, "fc8", 4096, 1000, false);
}

/* Simonyan and Zisserman 2015, configuration D. */
static void vgg16(struct net_builder *b)
{
	static const unsigned convs[5] = { 2, 2, 3, 3, 3 };
	unsigned C = 3, H = 224;

	for (unsigned stage = 0; stage < 5; stage++, H /= 2) {
		unsigned M = stage < 4 ? 64u << stage : 512;

		for (unsigned i = 0; i < convs[stage]; i++) {
			char name[24];

			snprintf(name, sizeof(name), "conv%u_%u", stage + 1, i + 1);
			add(b, name, C, H, M, 3, 1, 1, true);
			C = M;
		}
	}
	fc(b, "fc6", 512 * 7 * 7, 4096, true);
	fc(b, "fc7", 4096, 4096, true);
	fc(b, "fc8", 4096, 1000, false);
}

/* He et al. 2016, 18 layers: basic blocks, 1x1 stride-2 shortcuts. */
static void resnet18(struct net_builder *b)
{
	unsigned C = 64, H = 56;

	add(b, "conv1", 3, 224, 64, 7, 2, 1, true);
	for (unsigned stage = 0; stage < 4; stage++) {
		unsigned M = 64u << stage, stride = stage ? 2 : 1;

		for (unsigned block = 0; block < 2; block++) {
			char name[24];
			unsigned s = block ? 1 : stride;

			snprintf(name, sizeof(name), "layer%u.%u.conv1", stage + 1, block);
			add(b, name, C, H, M, 3, s, 1, true);
			if (s == 2) {
				snprintf(name, sizeof(name), "layer%u.%u.down", stage + 1, block);
				add(b, name, C, H, M, 1, 2, 1, false);
				H /= 2;
			}
			snprintf(name, sizeof(name), "layer%u.%u.conv2", stage + 1, block);
			/* ReLU follows the residual addition, on the host. */
			add(b, name, M, H, M, 3, 1, 1, false);
			C = M;
		}
	}
	fc(b, "fc", 512, 1000, false);
}

/* Sandler et al. 2018, width 1.0: inverted residual blocks (t, c, n, s). */
static void mobilenetv2(struct net_builder *b)
{
	static const unsigned blocks[7][4] = {
		{ 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 }, { 6, 64, 4, 2 },
		{ 6, 96, 3, 1 }, { 6, 160, 3, 2 }, { 6, 320, 1, 1 },
	};
	unsigned C = 32, H = 112, index = 0;

	add(b, "conv0", 3, 224, 32, 3, 2, 1, true);
	for (unsigned k = 0; k < 7; k++) {
		for (unsigned i = 0; i < blocks[k][2]; i++, index++) {
			unsigned hidden = C * blocks[k][0], s = i ? 1 : blocks[k][3];
			char name[24];

			if (blocks[k][0] != 1) {
				snprintf(name, sizeof(name), "block%u.expand", index);
				add(b, name, C, H, hidden, 1, 1, 1, true);
			}
			snprintf(name, sizeof(name), "block%u.dw", index);
			add(b, name, hidden, H, hidden, 3, s, hidden, true);
			H = (H + 2 - 3) / s + 1;
			snprintf(name, sizeof(name), "block%u.project", index);
			add(b, name, hidden, H, blocks[k][1], 1, 1, 1, false);
			C = blocks[k][1];
		}
	}
	add(b, "conv_last", C, H, 1280, 1, 1, 1, true);
	fc(b, "fc", 1280, 1000, false);
}

const char *net_name(enum net_id id)
{
	static const char *const names[NET_COUNT] = {
		"alexnet", "vgg16", "resnet18", "mobilenetv2",
	};

	return id < NET_COUNT ? names[id] : NULL;
}

unsigned net_layers(enum net_id id, unsigned batch, struct net_layer *layers, unsigned cap)
{
	struct net_builder b = { .layers = layers, .cap = cap, .batch = batch };

	switch (id) {
	case NET_ALEXNET:
		alexnet(&b);
		break;
	case NET_VGG16:
		vgg16(&b);
		break;
	case NET_RESNET18:
		resnet18(&b);
		break;
	case NET_MOBILENETV2:
		mobilenetv2(&b);
		break;
	default:
		break;
	}
	return b.count;
}
