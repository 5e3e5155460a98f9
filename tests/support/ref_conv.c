// SPDX-License-Identifier: MIT
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

void ref_conv(const struct accel_conv *cv, const int16_t *in,
	      const int16_t *filters, const int32_t *bias, int32_t *out)
{
	unsigned N = cv->batch, C = cv->in_channels, H = cv->in_height;
	unsigned W = cv->in_width, M = cv->out_channels, R = cv->kernel_h;
	unsigned S = cv->kernel_w, G = cv->groups;
	unsigned E = accel_conv_out_height(cv), F = accel_conv_out_width(cv);
	unsigned Cg = C / G, Mg = M / G;

	for (unsigned n = 0; n < N; n++)
		for (unsigned m = 0; m < M; m++)
			for (unsigned e = 0; e < E; e++)
				for (unsigned f = 0; f < F; f++) {
					unsigned g = m / Mg;
					uint32_t acc = bias ? (uint32_t)bias[m] : 0;

					for (unsigned c = 0; c < Cg; c++)
						for (unsigned r = 0; r < R; r++)
							for (unsigned s = 0; s < S; s++) {
								long y = (long)e * cv->stride_h + r - cv->pad_top;
								long x = (long)f * cv->stride_w + s - cv->pad_left;
								int32_t a, w;

								if (y < 0 || y >= (long)H || x < 0 || x >= (long)W)
									continue;
								a = in[(((size_t)n * C + g * Cg + c) * H + y) * W + x];
								w = filters[(((size_t)m * Cg + c) * R + r) * S + s];
								acc += (uint32_t)(a * w);
							}
					out[(((size_t)n * M + m) * E + e) * F + f] =
						ref_requantize((int32_t)acc, cv->requant_mult,
							       cv->requant_shift, cv->relu,
							       cv->ofmap_prec);
				}
}
