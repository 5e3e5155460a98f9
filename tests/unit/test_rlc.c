// SPDX-License-Identifier: MIT
/*
 * The RLC codec: exact word layouts for known inputs, round trips over
 * lengths, densities and run lengths (runs beyond 31, all zeros, no zeros,
 * segments ending on word boundaries), and every way a segment can be
 * malformed.
 */
#include <string.h>

#include "check_main.h"
#include "layer_run.h"

static uint64_t word(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void put_word(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t pair(unsigned run, int16_t level)
{
	return (uint64_t)run | ((uint64_t)(uint16_t)level << 5);
}

START_TEST(known_segments_encode_to_known_words)
{
	uint8_t out[64];
	const int16_t a[] = { 0, 0, 7, -1, 0 };	/* (2,7) (0,-1) (0,0) */
	const int16_t b[] = { 5, 6, 7 };		/* exactly one full word */
	int16_t c[40];					/* 33 zeros then 9 */

	ck_assert_uint_eq(rs_hw_rlc_encode(a, 5, out), 8);
	ck_assert_uint_eq(word(out), pair(2, 7) | (pair(0, -1) << 21) |
				     (pair(0, 0) << 42) | ROWSTAT_RLC_TERM);
	ck_assert_uint_eq(rs_hw_rlc_encode(b, 3, out), 8);
	ck_assert_uint_eq(word(out), pair(0, 5) | (pair(0, 6) << 21) |
				     (pair(0, 7) << 42) | ROWSTAT_RLC_TERM);
	memset(c, 0, sizeof(c));
	c[33] = 9;
	/* 32 zeros as (31,0), then (1,9), then 6 zeros as (5,0). */
	ck_assert_uint_eq(rs_hw_rlc_encode(c, 40, out), 8);
	ck_assert_uint_eq(word(out), pair(31, 0) | (pair(1, 9) << 21) |
				     (pair(5, 0) << 42) | ROWSTAT_RLC_TERM);
}
END_TEST

START_TEST(all_zero_and_dense_segments)
{
	int16_t zeros[100], dense[99], back[100];
	uint8_t out[ROWSTAT_RLC_SLOT_BYTES(100)];
	size_t used;
	const char *why;

	memset(zeros, 0, sizeof(zeros));
	/* 100 zeros: three (31,0) pairs cover 96, one (3,0) the rest. */
	ck_assert_uint_eq(rs_hw_rlc_encode(zeros, 100, out), 16);
	ck_assert_int_eq(rs_hw_rlc_decode(out, sizeof(out), back, 100, &used, &why), 0);
	ck_assert_uint_eq(used, 16);
	ck_assert_mem_eq(back, zeros, sizeof(zeros));
	for (int i = 0; i < 99; i++)
		dense[i] = (int16_t)(i * 331 - 16000) | 1;
	/* No zeros: the worst case, exactly the slot size. */
	ck_assert_uint_eq(rs_hw_rlc_encode(dense, 99, out), ROWSTAT_RLC_SLOT_BYTES(99));
	ck_assert_int_eq(rs_hw_rlc_decode(out, ROWSTAT_RLC_SLOT_BYTES(99), back, 99, &used, &why), 0);
	ck_assert_mem_eq(back, dense, sizeof(dense));
}
END_TEST

START_TEST(random_round_trips)
{
	struct rng r = { 99 };
	int16_t vals[600], back[600];
	uint8_t out[ROWSTAT_RLC_SLOT_BYTES(600)];

	for (int i = 0; i < (test_quick() ? 400 : 3000); i++) {
		size_t n = rng_range(&r, 1, 600), used, bytes;
		unsigned zero_pct = rng_range(&r, 0, 100);
		const char *why;

		for (size_t k = 0; k < n; k++)
			vals[k] = rng_range(&r, 0, 99) < zero_pct ? 0 :
				  (int16_t)(rng_next(&r) >> 48) | 1;
		bytes = rs_hw_rlc_encode(vals, n, out);
		ck_assert_uint_le(bytes, ROWSTAT_RLC_SLOT_BYTES(n));
		ck_assert_uint_eq(bytes % 8, 0);
		ck_assert_int_eq(rs_hw_rlc_decode(out, ROWSTAT_RLC_SLOT_BYTES(n), back, n,
					       &used, &why), 0);
		ck_assert_uint_eq(used, bytes);
		ck_assert_mem_eq(back, vals, n * sizeof(*vals));
		/* Only the last word carries the terminator. */
		for (size_t w = 0; w + 8 < bytes; w += 8)
			ck_assert(!(word(out + w) & ROWSTAT_RLC_TERM));
		ck_assert(word(out + bytes - 8) & ROWSTAT_RLC_TERM);
	}
}
END_TEST

static const char *decode_error(const uint8_t *in, size_t slot, size_t n)
{
	int16_t vals[64];
	size_t used;
	const char *why = NULL;

	ck_assert_int_eq(rs_hw_rlc_decode(in, slot, vals, n, &used, &why), -1);
	ck_assert_ptr_nonnull(why);
	return why;
}

START_TEST(malformed_segments_are_refused)
{
	uint8_t in[16];

	/* A run longer than what is left of the segment. */
	put_word(in, pair(9, 1) | ROWSTAT_RLC_TERM);
	ck_assert_str_eq(decode_error(in, 8, 5), "RLC run overruns the segment");
	/* Complete after the first pair, but a second pair follows. */
	put_word(in, pair(0, 4) | (pair(0, 2) << 21) | ROWSTAT_RLC_TERM);
	ck_assert_str_eq(decode_error(in, 8, 1), "RLC pair after the segment's last value");
	/* Complete, but the terminator is missing. */
	put_word(in, pair(0, 4) | (pair(0, 2) << 21) | (pair(0, 1) << 42));
	ck_assert_str_eq(decode_error(in, 8, 3),
			 "RLC segment complete but terminator bit clear");
	/* Terminator on a word before the segment is complete. */
	put_word(in, pair(0, 4) | (pair(0, 2) << 21) | (pair(0, 1) << 42) | ROWSTAT_RLC_TERM);
	ck_assert_str_eq(decode_error(in, 16, 4),
			 "RLC terminator before the segment is complete");
	/* Words run out: the slot ends first. */
	put_word(in, pair(0, 4) | (pair(0, 2) << 21) | (pair(0, 1) << 42));
	ck_assert_str_eq(decode_error(in, 8, 4), "RLC segment runs past its slot");
	/* A slot too small for even one word. */
	ck_assert_str_eq(decode_error(in, 7, 1), "RLC segment runs past its slot");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("rlc");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, known_segments_encode_to_known_words);
	tcase_add_test(tc, all_zero_and_dense_segments);
	tcase_add_test(tc, random_round_trips);
	tcase_add_test(tc, malformed_segments_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
