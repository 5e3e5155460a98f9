/* SPDX-License-Identifier: MIT */
/*
 * The reference convolution: plain loops in the device's arithmetic
 * (docs/hardware.md, "Arithmetic"), the yardstick for the model.
 */
#ifndef RS_REF_CONV_H
#define RS_REF_CONV_H

#include <stdint.h>

#include <rowstat/compiler.h>

/*
 * in: [N][C][H][W], filters: [M][C/G][R][S], bias: [M] (or NULL),
 * out: [N][M][E][F] requantized values.
 */
void ref_conv(const struct accel_conv *cv, const int16_t *in,
	      const int16_t *filters, const int32_t *bias, int32_t *out);

int32_t ref_requantize(int32_t acc, int32_t mult, unsigned shift, int relu,
		       unsigned out_prec);

#endif
