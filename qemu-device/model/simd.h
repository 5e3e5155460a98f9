/* SPDX-License-Identifier: MIT */
/*
 * The model's arithmetic kernels, one table per instruction set.  A leaf:
 * nothing here calls back into the model.  Each model holds the table it
 * chose at creation, so models in different threads never share a choice.
 */
#ifndef RS_MODEL_SIMD_H
#define RS_MODEL_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Requantization of a FINAL pass (docs/hardware.md section 4). */
struct requant {
	int32_t mult;
	unsigned shift;
	bool relu;
	unsigned out_prec;
};

struct rs_model_simd {
	const char *name;
	/*
	 * The arithmetic core of a pass: out[m][o] = sum over taps t of
	 * madd(planes[tap_offset[t] + o], weights[t][m]), where each int32 of
	 * planes and weights holds two int16 operands (low half first) and madd
	 * multiplies the halves pairwise and adds both products, wrapping at 32
	 * bits; with `accumulate` the sum is added to out[m][o].  o runs over
	 * `lanes` (a multiple of 8) and m over `filters` (a multiple of 4).
	 */
	void (*taps)(const int32_t *planes, const uint32_t *tap_offset,
		     unsigned taps, const int32_t *weights, unsigned filters,
		     unsigned lanes, int32_t *out, bool accumulate);
	/*
	 * GLB psum slots = (init ? bias : slot) + sum, wrapping, over `rows`
	 * rows of `count`; dst_stride in bytes, sum_stride in elements.  dst
	 * is 4-aligned.
	 */
	void (*psum_update)(uint8_t *dst, size_t dst_stride, const int32_t *sum,
			    size_t sum_stride, unsigned rows, unsigned count,
			    bool init, int32_t bias);
	/* acc[k] += weight wherever x[k] is zero; may read x up to 7 past count. */
	void (*zero_weights)(const int16_t *x, uint32_t weight, unsigned count,
			     uint32_t *acc);
	/* dst[k] = lo[k] in the low half, hi[k] in the high half. */
	void (*pack_pairs)(const int16_t *lo, const int16_t *hi, unsigned count,
			   int32_t *dst);
	/* Requantizes `rows` rows of `count` GLB slots, `stride` bytes apart. */
	void (*requantize)(uint8_t *dst, size_t stride, unsigned rows,
			   unsigned count, const struct requant *q);
};

/* The kernels called `name`, or NULL when unknown or not on this CPU. */
const struct rs_model_simd *rs_model_simd_find(const char *name);
/* The fastest kernels this CPU runs. */
const struct rs_model_simd *rs_model_simd_best(void);

#endif /* RS_MODEL_SIMD_H */
