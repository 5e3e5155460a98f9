// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "ref_conv.h"

/*
 * Independent of the model's code on purpose: products of sign-extended
 * operands, summed modulo 2^32, then scaled, rounded half up and clamped.
 */
int32_t ref_requantize(int32_t acc, int32_t mult, unsigned shift, int relu,
		       unsigned out_prec)
{
	__int128 z = (__int128)acc * mult;
	long long lo = out_prec == ROWSTAT_PREC_INT8 ? -128 : -32768;
	long long hi = out_prec == ROWSTAT_PREC_INT8 ? 127 : 32767;

	if (shift) {
		__int128 half = (__int128)1 << (shift - 1);
		__int128 num = z + half, den = (__int128)1 << shift;
		__int128 q = num / den;

		/* floor division */
		if ((num % den != 0) && (num < 0))
			q -= 1;
		z = q;
	}
	if (relu && z < 0)
		z = 0;
	if (z < lo)
		z = lo;
	if (z > hi)
		z = hi;
	return (int32_t)z;
}

/* The outputs [lo, hi) whose window position o * step + k - pad is in [0, limit). */
static void valid_outputs(unsigned outputs, unsigned step, unsigned k, unsigned pad,
			  unsigned limit, unsigned *lo, unsigned *hi)
{
	long first = (long)pad - (long)k;	/* o * step >= pad - k */
	long last = (long)limit - 1 + pad - k;	/* o * step <= limit - 1 + pad - k */

	*lo = first <= 0 ? 0 : (unsigned)((first + step - 1) / step);
	*hi = last < 0 ? 0 : (unsigned)(last / step + 1);
	if (*hi > outputs)
		*hi = outputs;
	if (*lo > *hi)
		*lo = *hi;
}

/*
 * One output plane at a time, accumulated tap by tap over whole rows: the
 * order differs from the sum's definition, which addition modulo 2^32
 * allows, and it is fast enough to check whole networks.
 */
void ref_conv(const struct accel_conv *cv, const int16_t *in,
	      const int16_t *filters, const int32_t *bias, int32_t *out)
{
	unsigned N = cv->batch, C = cv->in_channels, H = cv->in_height;
	unsigned W = cv->in_width, M = cv->out_channels, R = cv->kernel_h;
	unsigned S = cv->kernel_w, G = cv->groups, Uh = cv->stride_h, Uw = cv->stride_w;
	unsigned E = accel_conv_out_height(cv), F = accel_conv_out_width(cv);
	unsigned Cg = C / G, Mg = M / G;
	uint32_t *acc = malloc(sizeof(*acc) * (size_t)E * F);

	if (!acc)
		abort();
	for (unsigned n = 0; n < N; n++)
		for (unsigned m = 0; m < M; m++) {
			unsigned g = m / Mg;

			for (size_t i = 0; i < (size_t)E * F; i++)
				acc[i] = bias ? (uint32_t)bias[m] : 0;
			for (unsigned c = 0; c < Cg; c++)
				for (unsigned r = 0; r < R; r++) {
					unsigned e0, e1;

					valid_outputs(E, Uh, r, cv->pad_top, H, &e0, &e1);
					for (unsigned s = 0; s < S; s++) {
						int32_t w = filters[(((size_t)m * Cg + c) * R + r) * S + s];
						unsigned f0, f1;

						valid_outputs(F, Uw, s, cv->pad_left, W, &f0, &f1);
						for (unsigned e = e0; e < e1 && f0 < f1; e++) {
							/* The first in-image input of the row. */
							const int16_t *x = in +
								(((size_t)n * C + g * Cg + c) * H +
								 e * Uh + r - cv->pad_top) * W +
								f0 * Uw + s - cv->pad_left;
							uint32_t *a = acc + (size_t)e * F;

							for (unsigned f = f0; f < f1; f++)
								a[f] += (uint32_t)(x[(size_t)(f - f0) * Uw] * w);
						}
					}
				}
			for (size_t i = 0; i < (size_t)E * F; i++)
				out[((size_t)n * M + m) * E * F + i] =
					ref_requantize((int32_t)acc[i], cv->requant_mult,
						       cv->requant_shift, cv->relu, cv->ofmap_prec);
		}
	free(acc);
}
