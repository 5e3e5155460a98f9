// SPDX-License-Identifier: MIT
/*
 * The arithmetic kernels of the model, scalar and AVX2.  Operands arrive
 * packed in pairs (two int16 per int32) so that one vpmaddwd does sixteen
 * MACs; the sums wrap at 32 bits exactly as the hardware's accumulators do
 * (docs/hardware.md section 4), so any order of summation gives the same
 * bits.
 */
#include <string.h>

#include <rs_hw.h>

#include "simd.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RS_HAVE_AVX2_PATH 1
#include <immintrin.h>
#endif

/* Unsigned arithmetic keeps the wrap-around well-defined in C. */
static inline int32_t wrap_add(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* Round half up, then ReLU, then saturation to the ofmap precision. */
static int32_t requantize_one(int32_t acc, const struct requant *q)
{
	int64_t z = (int64_t)acc * q->mult;
	int64_t lo = q->out_prec == ROWSTAT_PREC_INT8 ? INT8_MIN : INT16_MIN;
	int64_t hi = q->out_prec == ROWSTAT_PREC_INT8 ? INT8_MAX : INT16_MAX;

	if (q->shift)
		z = (z + ((int64_t)1 << (q->shift - 1))) >> q->shift;
	if (q->relu && z < 0)
		z = 0;
	if (z < lo)
		z = lo;
	if (z > hi)
		z = hi;
	return (int32_t)z;
}

static inline int32_t madd_pair(int32_t x, int32_t w)
{
	int32_t lo = (int32_t)(int16_t)(uint16_t)x * (int32_t)(int16_t)(uint16_t)w;
	int32_t hi = (int32_t)(int16_t)(uint16_t)((uint32_t)x >> 16) *
		     (int32_t)(int16_t)(uint16_t)((uint32_t)w >> 16);

	return wrap_add(lo, hi);
}

static void kernel_taps_scalar(const int32_t *planes, const uint32_t *tap_offset,
			       unsigned taps, const int32_t *weights,
			       unsigned filters, unsigned lanes, int32_t *out,
			       bool accumulate)
{
	for (unsigned m = 0; m < filters; m++) {
		int32_t *dst = out + (size_t)m * lanes;

		for (unsigned o = 0; o < lanes && !accumulate; o++)
			dst[o] = 0;
		for (unsigned t = 0; t < taps; t++) {
			const int32_t *src = planes + tap_offset[t];
			int32_t w = weights[(size_t)t * filters + m];

			for (unsigned o = 0; o < lanes; o++)
				dst[o] = wrap_add(dst[o], madd_pair(src[o], w));
		}
	}
}

#ifdef RS_HAVE_AVX2_PATH
/*
 * Four filters by sixteen lanes per block: 8 accumulators and 6 operands
 * in the 16 ymm registers; an 8-lane block takes the rest.  One vpmaddwd
 * per cycle is this machine's limit, so wider blocks do not help.
 */
__attribute__((target("avx2")))
static void kernel_taps_avx2(const int32_t *planes, const uint32_t *tap_offset,
			     unsigned taps, const int32_t *weights,
			     unsigned filters, unsigned lanes, int32_t *out,
			     bool accumulate)
{
	for (unsigned m = 0; m < filters; m += 4) {
		unsigned o = 0;

		for (; o + 16 <= lanes; o += 16) {
			__m256i a00 = _mm256_setzero_si256(), a01 = a00;
			__m256i a10 = a00, a11 = a00, a20 = a00, a21 = a00;
			__m256i a30 = a00, a31 = a00;
			const int32_t *w = weights + m;

			if (accumulate) {
				const int32_t *d = out + (size_t)m * lanes + o;

				a00 = _mm256_loadu_si256((const __m256i *)d);
				a01 = _mm256_loadu_si256((const __m256i *)(d + 8));
				a10 = _mm256_loadu_si256((const __m256i *)(d + lanes));
				a11 = _mm256_loadu_si256((const __m256i *)(d + lanes + 8));
				a20 = _mm256_loadu_si256((const __m256i *)(d + 2 * lanes));
				a21 = _mm256_loadu_si256((const __m256i *)(d + 2 * lanes + 8));
				a30 = _mm256_loadu_si256((const __m256i *)(d + 3 * lanes));
				a31 = _mm256_loadu_si256((const __m256i *)(d + 3 * lanes + 8));
			}

			for (unsigned t = 0; t < taps; t++, w += filters) {
				const int32_t *src = planes + tap_offset[t] + o;
				__m256i x0 = _mm256_loadu_si256((const __m256i *)src);
				__m256i x1 = _mm256_loadu_si256((const __m256i *)(src + 8));
				__m256i w0 = _mm256_set1_epi32(w[0]);
				__m256i w1 = _mm256_set1_epi32(w[1]);
				__m256i w2 = _mm256_set1_epi32(w[2]);
				__m256i w3 = _mm256_set1_epi32(w[3]);

				a00 = _mm256_add_epi32(a00, _mm256_madd_epi16(x0, w0));
				a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(x1, w0));
				a10 = _mm256_add_epi32(a10, _mm256_madd_epi16(x0, w1));
				a11 = _mm256_add_epi32(a11, _mm256_madd_epi16(x1, w1));
				a20 = _mm256_add_epi32(a20, _mm256_madd_epi16(x0, w2));
				a21 = _mm256_add_epi32(a21, _mm256_madd_epi16(x1, w2));
				a30 = _mm256_add_epi32(a30, _mm256_madd_epi16(x0, w3));
				a31 = _mm256_add_epi32(a31, _mm256_madd_epi16(x1, w3));
			}
			int32_t *d = out + (size_t)m * lanes + o;

			_mm256_storeu_si256((__m256i *)d, a00);
			_mm256_storeu_si256((__m256i *)(d + 8), a01);
			d += lanes;
			_mm256_storeu_si256((__m256i *)d, a10);
			_mm256_storeu_si256((__m256i *)(d + 8), a11);
			d += lanes;
			_mm256_storeu_si256((__m256i *)d, a20);
			_mm256_storeu_si256((__m256i *)(d + 8), a21);
			d += lanes;
			_mm256_storeu_si256((__m256i *)d, a30);
			_mm256_storeu_si256((__m256i *)(d + 8), a31);
		}
		if (o < lanes) {
			__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
			const int32_t *w = weights + m;

			if (accumulate) {
				const int32_t *d = out + (size_t)m * lanes + o;

				a0 = _mm256_loadu_si256((const __m256i *)d);
				a1 = _mm256_loadu_si256((const __m256i *)(d + lanes));
				a2 = _mm256_loadu_si256((const __m256i *)(d + 2 * lanes));
				a3 = _mm256_loadu_si256((const __m256i *)(d + 3 * lanes));
			}

			for (unsigned t = 0; t < taps; t++, w += filters) {
				__m256i x0 = _mm256_loadu_si256((const __m256i *)(planes + tap_offset[t] + o));

				a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(x0, _mm256_set1_epi32(w[0])));
				a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(x0, _mm256_set1_epi32(w[1])));
				a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(x0, _mm256_set1_epi32(w[2])));
				a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(x0, _mm256_set1_epi32(w[3])));
			}
			int32_t *d = out + (size_t)m * lanes + o;

			_mm256_storeu_si256((__m256i *)d, a0);
			_mm256_storeu_si256((__m256i *)(d + lanes), a1);
			_mm256_storeu_si256((__m256i *)(d + 2 * lanes), a2);
			_mm256_storeu_si256((__m256i *)(d + 3 * lanes), a3);
		}
	}
}
#endif

/* ---- the per-output and per-element loops around the MACs ---- */

static void psum_update_scalar(uint8_t *dst, size_t dst_stride, const int32_t *sum,
			       size_t sum_stride, unsigned rows, unsigned count,
			       bool init, int32_t bias)
{
	for (unsigned r = 0; r < rows; r++) {
		uint8_t *d = dst + r * dst_stride;
		const int32_t *s = sum + r * sum_stride;

		for (unsigned f = 0; f < count; f++) {
			uint32_t v = init ? (uint32_t)bias : rs_hw_get_le32(d + 4 * f);

			rs_hw_put_le32(d + 4 * f, v + (uint32_t)s[f]);
		}
	}
}

static void zero_weights_scalar(const int16_t *x, uint32_t weight, unsigned count,
				uint32_t *acc)
{
	for (unsigned k = 0; k < count; k++)
		acc[k] += x[k] == 0 ? weight : 0;
}

static void pack_pairs_scalar(const int16_t *lo, const int16_t *hi,
			      unsigned count, int32_t *dst)
{
	for (unsigned k = 0; k < count; k++)
		dst[k] = (int32_t)(((uint32_t)(uint16_t)hi[k] << 16) | (uint16_t)lo[k]);
}

static void requantize_scalar(uint8_t *dst, size_t stride, unsigned rows,
			      unsigned count, const struct requant *q)
{
	for (unsigned r = 0; r < rows; r++) {
		uint8_t *d = dst + r * stride;

		for (unsigned f = 0; f < count; f++) {
			int32_t y = (int32_t)rs_hw_get_le32(d + 4 * f);

			rs_hw_put_le32(d + 4 * f, (uint32_t)requantize_one(y, q));
		}
	}
}

#ifdef RS_HAVE_AVX2_PATH
/*
 * x86 is little-endian, so GLB slots load as int32 directly.  Tails shorter
 * than a vector go through a zero-padded block on the stack.
 */
/* Lanes 0..n-1 set, for masked loads and stores of a row's tail. */
__attribute__((target("avx2")))
static inline __m256i tail_mask(unsigned n)
{
	static const int32_t ramp[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

	return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n),
				  _mm256_loadu_si256((const __m256i *)ramp));
}

__attribute__((target("avx2")))
static void psum_update_avx2(uint8_t *dst, size_t dst_stride, const int32_t *sum,
			     size_t sum_stride, unsigned rows, unsigned count,
			     bool init, int32_t bias)
{
	__m256i b = _mm256_set1_epi32(bias), tail = tail_mask(count % 8);
	unsigned full = count & ~7u;

	for (unsigned r = 0; r < rows; r++) {
		int32_t *d = (int32_t *)(dst + r * dst_stride);
		const int32_t *s = sum + r * sum_stride;
		unsigned f = 0;

		for (; f < full; f += 8) {
			__m256i old = init ? b : _mm256_loadu_si256((const __m256i *)(d + f));

			_mm256_storeu_si256((__m256i *)(d + f),
				_mm256_add_epi32(old, _mm256_loadu_si256((const __m256i *)(s + f))));
		}
		if (f < count) {
			__m256i old = init ? b : _mm256_maskload_epi32(d + f, tail);

			_mm256_maskstore_epi32(d + f, tail,
				_mm256_add_epi32(old, _mm256_maskload_epi32(s + f, tail)));
		}
	}
}

/* Reads up to 7 values past count (the caller's buffers have the slack). */
__attribute__((target("avx2")))
static void zero_weights_avx2(const int16_t *x, uint32_t weight, unsigned count,
			      uint32_t *acc)
{
	__m256i w = _mm256_set1_epi32((int)weight), zero = _mm256_setzero_si256();
	unsigned k = 0;

	for (; k < count; k += 8) {
		__m256i v = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(x + k)));
		__m256i hit = _mm256_and_si256(_mm256_cmpeq_epi32(v, zero), w);

		if (k + 8 <= count) {
			__m256i *a = (__m256i *)(acc + k);

			_mm256_storeu_si256(a, _mm256_add_epi32(_mm256_loadu_si256(a), hit));
		} else {
			__m256i m = tail_mask(count - k);
			int *a = (int *)(acc + k);

			_mm256_maskstore_epi32(a, m, _mm256_add_epi32(_mm256_maskload_epi32(a, m), hit));
		}
	}
}

__attribute__((target("avx2")))
static inline void pack16(const int16_t *lo, const int16_t *hi, int32_t *dst)
{
	__m256i a = _mm256_loadu_si256((const __m256i *)lo);
	__m256i b = _mm256_loadu_si256((const __m256i *)hi);
	/* unpack works within 128-bit halves; the permutes restore order. */
	__m256i l = _mm256_unpacklo_epi16(a, b), h = _mm256_unpackhi_epi16(a, b);

	_mm256_storeu_si256((__m256i *)dst, _mm256_permute2x128_si256(l, h, 0x20));
	_mm256_storeu_si256((__m256i *)(dst + 8), _mm256_permute2x128_si256(l, h, 0x31));
}

__attribute__((target("avx2")))
static void pack_pairs_avx2(const int16_t *lo, const int16_t *hi,
			    unsigned count, int32_t *dst)
{
	unsigned k = 0;

	for (; k + 16 <= count; k += 16)
		pack16(lo + k, hi + k, dst + k);
	if (k < count) {
		int16_t lt[16] = { 0 }, ht[16] = { 0 };
		int32_t out[16];

		memcpy(lt, lo + k, 2 * (count - k));
		memcpy(ht, hi + k, 2 * (count - k));
		pack16(lt, ht, out);
		memcpy(dst + k, out, 4 * (count - k));
	}
}

/* Arithmetic right shift of 64-bit lanes by n (1..62), which AVX2 lacks. */
__attribute__((target("avx2")))
static inline __m256i sra64(__m256i v, int n)
{
	__m256i sign = _mm256_cmpgt_epi64(_mm256_setzero_si256(), v);

	return _mm256_or_si256(_mm256_srli_epi64(v, n), _mm256_slli_epi64(sign, 64 - n));
}

__attribute__((target("avx2")))
static inline __m256i clamp64(__m256i v, __m256i lo, __m256i hi)
{
	v = _mm256_blendv_epi8(v, lo, _mm256_cmpgt_epi64(lo, v));
	return _mm256_blendv_epi8(v, hi, _mm256_cmpgt_epi64(v, hi));
}

/* rs_requantize on 8 lanes: 64-bit products of the even and odd lanes. */
__attribute__((target("avx2")))
static inline __m256i requant8(__m256i y, const struct requant *q)
{
	__m256i m = _mm256_set1_epi32(q->mult);
	__m256i even = _mm256_mul_epi32(y, m);
	__m256i odd = _mm256_mul_epi32(_mm256_srli_epi64(y, 32), m);
	__m256i lo = _mm256_set1_epi64x(q->relu ? 0 :
		(q->out_prec == ROWSTAT_PREC_INT8 ? INT8_MIN : INT16_MIN));
	__m256i hi = _mm256_set1_epi64x(q->out_prec == ROWSTAT_PREC_INT8 ? INT8_MAX : INT16_MAX);

	if (q->shift) {
		__m256i half = _mm256_set1_epi64x(1ll << (q->shift - 1));

		even = sra64(_mm256_add_epi64(even, half), (int)q->shift);
		odd = sra64(_mm256_add_epi64(odd, half), (int)q->shift);
	}
	even = clamp64(even, lo, hi);
	odd = clamp64(odd, lo, hi);
	/* Results fit 32 bits: put odd lanes back in the high halves. */
	return _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa);
}

__attribute__((target("avx2")))
static void requantize_avx2(uint8_t *dst, size_t stride, unsigned rows,
			    unsigned count, const struct requant *q)
{
	__m256i tail = tail_mask(count % 8);
	unsigned full = count & ~7u;

	for (unsigned r = 0; r < rows; r++) {
		int32_t *d = (int32_t *)(dst + r * stride);
		unsigned f = 0;

		for (; f < full; f += 8)
			_mm256_storeu_si256((__m256i *)(d + f),
				requant8(_mm256_loadu_si256((const __m256i *)(d + f)), q));
		if (f < count)
			_mm256_maskstore_epi32(d + f, tail,
				requant8(_mm256_maskload_epi32(d + f, tail), q));
	}
}
#endif

static const struct rs_model_simd scalar_simd = {
	.name = "scalar",
	.taps = kernel_taps_scalar,
	.psum_update = psum_update_scalar,
	.zero_weights = zero_weights_scalar,
	.pack_pairs = pack_pairs_scalar,
	.requantize = requantize_scalar,
};

#ifdef RS_HAVE_AVX2_PATH
static const struct rs_model_simd avx2_simd = {
	.name = "avx2",
	.taps = kernel_taps_avx2,
	.psum_update = psum_update_avx2,
	.zero_weights = zero_weights_avx2,
	.pack_pairs = pack_pairs_avx2,
	.requantize = requantize_avx2,
};
#endif

const struct rs_model_simd *rs_model_simd_find(const char *name)
{
	if (!strcmp(name, scalar_simd.name))
		return &scalar_simd;
#ifdef RS_HAVE_AVX2_PATH
	if (!strcmp(name, avx2_simd.name) && __builtin_cpu_supports("avx2"))
		return &avx2_simd;
#endif
	return NULL;
}

const struct rs_model_simd *rs_model_simd_best(void)
{
#ifdef RS_HAVE_AVX2_PATH
	if (__builtin_cpu_supports("avx2"))
		return &avx2_simd;
#endif
	return &scalar_simd;
}
