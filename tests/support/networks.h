/* SPDX-License-Identifier: MIT */
/*
 * The conv and FC layers of four standard CNNs at ImageNet size (224 x 224,
 * AlexNet 227 x 227), in network order, repeats included: what the tests
 * and benchmarks compile and run.  The shapes are written out here, from
 * the papers, independently of anything libaccel ships.  Fully connected
 * layers are 1 x 1 convolutions over a 1 x 1 input of all the features.
 * All tensors are Q16; conv layers have bias and ReLU except where the
 * network has none (MobileNetV2's linear projections, the classifier).
 */
#ifndef RS_NETWORKS_H
#define RS_NETWORKS_H

#include <rowstat/compiler.h>

enum net_id {
	NET_ALEXNET,
	NET_VGG16,
	NET_RESNET18,
	NET_MOBILENETV2,
	NET_COUNT,
};

struct net_layer {
	char name[24];
	struct accel_conv cv;
};

const char *net_name(enum net_id id);

/*
 * Fills layers (cap entries) with the network's layers at this batch;
 * returns how many it has (more than cap: only cap were written).
 */
unsigned net_layers(enum net_id id, unsigned batch, struct net_layer *layers, unsigned cap);

/* More than any network here has. */
#define NET_MAX_LAYERS 64

#endif
