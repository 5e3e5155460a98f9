// SPDX-License-Identifier: MIT
/*
 * The multiply-accumulate core of the model.  Operands arrive packed in
 * pairs (two int16 per int32) so that one vpmaddwd does sixteen MACs; the
 * sums wrap at 32 bits exactly as the hardware's accumulators do.
 */
#include <string.h>

#include "rs_model.h"
#include "rs_internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RS_HAVE_AVX2_PATH 1
#include <immintrin.h>
#endif

static inline int32_t madd_pair(int32_t x, int32_t w)
{
	int32_t lo = (int32_t)(int16_t)(uint16_t)x * (int32_t)(int16_t)(uint16_t)w;
	int32_t hi = (int32_t)(int16_t)(uint16_t)((uint32_t)x >> 16) *
		     (int32_t)(int16_t)(uint16_t)((uint32_t)w >> 16);

	return rs_wrap_add(lo, hi);
}

static void kernel_taps_scalar(const int32_t *planes, const uint32_t *tap_offset,
			       unsigned taps, const int32_t *weights,
			       unsigned filters, unsigned lanes, int32_t *out)
{
	for (unsigned m = 0; m < filters; m++) {
		int32_t *dst = out + (size_t)m * lanes;

		for (unsigned o = 0; o < lanes; o++)
			dst[o] = 0;
		for (unsigned t = 0; t < taps; t++) {
			const int32_t *src = planes + tap_offset[t];
			int32_t w = weights[(size_t)t * filters + m];

			for (unsigned o = 0; o < lanes; o++)
				dst[o] = rs_wrap_add(dst[o], madd_pair(src[o], w));
		}
	}
}

#ifdef RS_HAVE_AVX2_PATH
/* Four filters by sixteen lanes per block: 8 accumulators, 6 operands. */
__attribute__((target("avx2")))
static void kernel_taps_avx2(const int32_t *planes, const uint32_t *tap_offset,
			     unsigned taps, const int32_t *weights,
			     unsigned filters, unsigned lanes, int32_t *out)
{
	for (unsigned m = 0; m < filters; m += 4) {
		for (unsigned o = 0; o < lanes; o += 16) {
			__m256i a00 = _mm256_setzero_si256(), a01 = a00;
			__m256i a10 = a00, a11 = a00, a20 = a00, a21 = a00;
			__m256i a30 = a00, a31 = a00;
			const int32_t *w = weights + m;

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
	}
}

#endif

/* -1: not chosen yet; then 0 scalar, 1 AVX2. */
static int kernel_choice = -1;

static int use_avx2(void)
{
	if (kernel_choice < 0) {
#ifdef RS_HAVE_AVX2_PATH
		kernel_choice = __builtin_cpu_supports("avx2") ? 1 : 0;
#else
		kernel_choice = 0;
#endif
	}
	return kernel_choice;
}

int rs_model_select_kernel(const char *name)
{
	if (!strcmp(name, "scalar")) {
		kernel_choice = 0;
		return 0;
	}
#ifdef RS_HAVE_AVX2_PATH
	if (!strcmp(name, "avx2") && __builtin_cpu_supports("avx2")) {
		kernel_choice = 1;
		return 0;
	}
#endif
	return -1;
}

void rs_kernel_taps(const int32_t *planes, const uint32_t *tap_offset,
		    unsigned taps, const int32_t *weights, unsigned filters,
		    unsigned lanes, int32_t *out)
{
#ifdef RS_HAVE_AVX2_PATH
	if (use_avx2()) {
		kernel_taps_avx2(planes, tap_offset, taps, weights, filters,
				 lanes, out);
		return;
	}
#endif
	kernel_taps_scalar(planes, tap_offset, taps, weights, filters, lanes,
			   out);
}

const char *rs_model_kernel(void)
{
	return use_avx2() ? "avx2" : "scalar";
}
