// SPDX-License-Identifier: MIT
/*
 * Run-length coding of zeros, as Eyeriss compresses ifmaps and ofmaps on
 * their way to and from DRAM: three (5-bit run, 16-bit level) pairs and a
 * terminator bit per 64-bit word.
 */
#include <string.h>

#include "rs_hw.h"

struct rlc_writer {
	uint8_t *out;
	size_t bytes;
	uint64_t word;
	unsigned pairs;
};

static inline void rlc_put(struct rlc_writer *w, unsigned run, int16_t level)
{
	uint64_t pair = (uint64_t)run | ((uint64_t)(uint16_t)level << ROWSTAT_RLC_RUN_BITS);

	w->word |= pair << (ROWSTAT_RLC_PAIR_BITS * w->pairs);
	if (++w->pairs == ROWSTAT_RLC_PAIRS_PER_WORD) {
		rs_hw_put_le64(w->out + w->bytes, w->word);
		w->bytes += ROWSTAT_RLC_WORD_BYTES;
		w->word = 0;
		w->pairs = 0;
	}
}

/* Emits `zeros` zeros: full runs as (31, 0), the rest as one shorter pair. */
static inline void rlc_put_zeros(struct rlc_writer *w, size_t zeros)
{
	while (zeros > ROWSTAT_RLC_MAX_RUN) {
		rlc_put(w, ROWSTAT_RLC_MAX_RUN, 0);
		zeros -= ROWSTAT_RLC_MAX_RUN + 1;
	}
	if (zeros)
		rlc_put(w, (unsigned)zeros - 1, 0);
}

size_t rs_hw_rlc_encode(const int16_t *values, size_t n, uint8_t *out)
{
	struct rlc_writer w = { .out = out };
	size_t next = 0, run;	/* next: first value no pair covers yet */

	/*
	 * Walk the nonzeros through 16-bit masks: one loop trip per nonzero
	 * instead of a hard-to-predict branch per value.
	 */
	for (size_t base = 0; base < n; base += 16) {
		unsigned count = n - base < 16 ? (unsigned)(n - base) : 16;
		uint32_t mask = 0;

		for (unsigned k = 0; k < count; k++)
			mask |= (uint32_t)(values[base + k] != 0) << k;
		while (mask) {
			size_t pos = base + (unsigned)__builtin_ctz(mask);

			mask &= mask - 1;
			run = pos - next;
			/* Leave at most MAX_RUN zeros for the pair that carries it. */
			while (run > ROWSTAT_RLC_MAX_RUN) {
				rlc_put(&w, ROWSTAT_RLC_MAX_RUN, 0);
				run -= ROWSTAT_RLC_MAX_RUN + 1;
			}
			rlc_put(&w, (unsigned)run, values[pos]);
			next = pos + 1;
		}
	}
	run = n - next;
	rlc_put_zeros(&w, run);
	if (w.pairs) {
		rs_hw_put_le64(w.out + w.bytes, w.word | ROWSTAT_RLC_TERM);
		w.bytes += ROWSTAT_RLC_WORD_BYTES;
	} else {
		/* The segment ended on a word boundary: mark that word. */
		uint64_t last = rs_hw_get_le64(w.out + w.bytes - ROWSTAT_RLC_WORD_BYTES);

		rs_hw_put_le64(w.out + w.bytes - ROWSTAT_RLC_WORD_BYTES,
			    last | ROWSTAT_RLC_TERM);
	}
	return w.bytes;
}

int rs_hw_rlc_decode(const uint8_t *in, size_t slot_bytes, int16_t *values,
		  size_t n, size_t *used, const char **why)
{
	size_t produced = 0, off = 0;

	while (off + ROWSTAT_RLC_WORD_BYTES <= slot_bytes) {
		uint64_t word = rs_hw_get_le64(in + off);
		bool term = (word & ROWSTAT_RLC_TERM) != 0;

		off += ROWSTAT_RLC_WORD_BYTES;
		for (unsigned k = 0; k < ROWSTAT_RLC_PAIRS_PER_WORD; k++) {
			uint32_t pair = (uint32_t)(word >> (ROWSTAT_RLC_PAIR_BITS * k)) &
					((1u << ROWSTAT_RLC_PAIR_BITS) - 1);
			unsigned run = pair & ROWSTAT_RLC_MAX_RUN;

			if (produced == n) {
				if (pair) {
					*why = "RLC pair after the segment's last value";
					return -1;
				}
				continue;
			}
			if (run + 1 > n - produced) {
				*why = "RLC run overruns the segment";
				return -1;
			}
			/* A fixed-size fill is one or two vector stores. */
			if (n - produced >= ROWSTAT_RLC_MAX_RUN + 1)
				memset(values + produced, 0,
				       (ROWSTAT_RLC_MAX_RUN + 1) * sizeof(*values));
			else
				memset(values + produced, 0, run * sizeof(*values));
			produced += run;
			values[produced++] = (int16_t)(pair >> ROWSTAT_RLC_RUN_BITS);
		}
		if (produced == n) {
			if (!term) {
				*why = "RLC segment complete but terminator bit clear";
				return -1;
			}
			*used = off;
			return 0;
		}
		if (term) {
			*why = "RLC terminator before the segment is complete";
			return -1;
		}
	}
	*why = "RLC segment runs past its slot";
	return -1;
}
