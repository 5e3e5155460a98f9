/* SPDX-License-Identifier: MIT */
/*
 * The conv and FC layers of standard CNNs at ImageNet size, in network
 * order with repeats, for tools and benchmarks: AlexNet (227 x 227, its
 * two-GPU groups), VGG-16 (configuration D), ResNet-18 and MobileNetV2
 * (224 x 224).  Fully connected layers are 1 x 1 convolutions over a 1 x 1
 * input of every feature.  Pooling, residual additions and the
 * activations that follow them run on the host between these layers.
 * Tensors are Q16, every layer has a bias, and ReLU is fused where the
 * network applies it straight after the layer.
 */
#ifndef ROWSTAT_NETWORKS_H
#define ROWSTAT_NETWORKS_H

#include <rowstat/compiler.h>
#include <rowstat/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_NETWORK_MAX_LAYERS	64

struct accel_network_layer {
	char name[24];
	struct accel_conv cv;
};

/* The i-th built-in network's name, or NULL past the last. */
ACCEL_API const char *accel_network_name(unsigned i);

/*
 * Fills layers (cap entries) with the named network's layers at this
 * batch and sets *count; -EINVAL (accel_error says why) for an unknown
 * name, a batch of 0 or a cap too small.
 */
ACCEL_API int accel_network_layers(const char *name, unsigned batch,
				   struct accel_network_layer *layers, unsigned cap,
				   unsigned *count);

/*
 * A built-in network whole, as accel_network steps: its layers (those
 * accel_network_layers lists, in the same order) with the pooling,
 * residual additions and flattening between them.  A block whose shortcut
 * has a layer of its own (ResNet's downsampling) swaps the kept tensor in
 * for it (ACCEL_STEP_SWAP).  step.name points at name: the entry must
 * stay where it is; step.filters and step.bias are the caller's to set.
 */
#define ACCEL_NETWORK_MAX_STEPS	128

struct accel_network_step {
	char name[24];
	struct accel_step step;
};

/*
 * Fills steps (cap entries) with the named network at this batch and sets
 * *count; its input is the first step's layer's (batch, in_channels,
 * in_height, in_width).  -EINVAL as accel_network_layers.
 */
ACCEL_API int accel_network_steps(const char *name, unsigned batch,
				  struct accel_network_step *steps, unsigned cap,
				  unsigned *count);

/*
 * The layer on the host, in the device's arithmetic (docs/hardware.md,
 * "Arithmetic"): in [N][C][H][W], filters [M][C/G][R][S], bias [M]
 * (read only if cv->bias), out [N][M][E][F].  Slow; for checking results.
 */
ACCEL_API void accel_reference_conv(const struct accel_conv *cv, const int16_t *in,
				    const int16_t *filters, const int32_t *bias, int16_t *out);

#ifdef __cplusplus
}
#endif

#endif /* ROWSTAT_NETWORKS_H */
