/* SPDX-License-Identifier: MIT */
/* rowstat model core: definitions shared between its own source files. */
#ifndef RS_INTERNAL_H
#define RS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t rs_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t rs_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t rs_get_le64(const uint8_t *p)
{
	return (uint64_t)rs_get_le32(p) | ((uint64_t)rs_get_le32(p + 4) << 32);
}

static inline void rs_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void rs_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void rs_put_le64(uint8_t *p, uint64_t v)
{
	rs_put_le32(p, (uint32_t)v);
	rs_put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t rs_max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline uint64_t rs_div_ceil(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* Reads a signed element of 1 or 2 bytes (little-endian) from the GLB. */
static inline int16_t rs_get_elem(const uint8_t *p, unsigned bytes)
{
	return bytes == 1 ? (int16_t)(int8_t)p[0] : (int16_t)rs_get_le16(p);
}

/*
 * The arithmetic of docs/hardware.md: products of 16-bit operands summed in
 * 32-bit two's complement with wrap-around, so any accumulation order gives
 * the same bits.  Unsigned arithmetic keeps the wrap well-defined in C.
 */
static inline int32_t rs_wrap_add(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a + (uint32_t)b);
}

int32_t rs_requantize(int32_t acc, int32_t mult, unsigned shift, bool relu,
		      unsigned out_prec);

struct rs_requant {
	int32_t mult;
	unsigned shift;
	bool relu;
	unsigned out_prec;
};

/* rs_requantize on `rows` rows of `count` GLB slots, `stride` bytes apart. */
void rs_requantize_slots(uint8_t *dst, size_t stride, unsigned rows,
			 unsigned count, const struct rs_requant *q);

/*
 * The arithmetic core of a pass: out[m][o] = sum over taps t of
 * madd(planes[tap_offset[t] + o], weights[t][m]), where each int32 of planes
 * and weights holds two int16 operands (low half first) and madd multiplies
 * the halves pairwise and adds both products; with `accumulate` the sum is
 * added to out[m][o].  o runs over `lanes` (a multiple of 8) and m over
 * `filters` (a multiple of 4).
 */
void rs_kernel_taps(const int32_t *planes, const uint32_t *tap_offset,
		    unsigned taps, const int32_t *weights, unsigned filters,
		    unsigned lanes, int32_t *out, bool accumulate);

/*
 * GLB psum slots = (init ? bias : slot) + sum, wrapping, over `rows` rows of
 * `count`; dst_stride in bytes, sum_stride in elements.  dst is 4-aligned.
 */
void rs_psum_update(uint8_t *dst, size_t dst_stride, const int32_t *sum,
		    size_t sum_stride, unsigned rows, unsigned count, bool init,
		    int32_t bias);
/* acc[k] += weight wherever x[k] is zero; may read x up to 7 past count. */
void rs_zero_weights(const int16_t *x, uint32_t weight, unsigned count,
		     uint32_t *acc);
/* dst[k] = lo[k] in the low half, hi[k] in the high half. */
void rs_pack_pairs(const int16_t *lo, const int16_t *hi, unsigned count,
		   int32_t *dst);

#endif /* RS_INTERNAL_H */
