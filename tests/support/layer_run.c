// SPDX-License-Identifier: MIT
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer_run.h"

uint64_t rng_next(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

unsigned rng_range(struct rng *r, unsigned lo, unsigned hi)
{
	return lo + (unsigned)(rng_next(r) % ((uint64_t)hi - lo + 1));
}

static int16_t random_value(struct rng *r, unsigned prec, int value_bits)
{
	int bits = prec == ROWSTAT_PREC_INT8 ? 8 : 16;

	if (value_bits && value_bits < bits)
		bits = value_bits;
	return (int16_t)((int64_t)(rng_next(r) >> (64 - bits)) - (1ll << (bits - 1)));
}

uint64_t layer_ofmap_count(const struct accel_conv *cv)
{
	return (uint64_t)cv->batch * cv->out_channels * accel_conv_out_height(cv) *
	       accel_conv_out_width(cv);
}

int layer_alloc_data(struct layer_case *lc, struct rng *r, double ifmap_zeros,
		     int value_bits)
{
	const struct accel_conv *cv = &lc->cv;
	size_t in = (size_t)cv->batch * cv->in_channels * cv->in_height * cv->in_width;
	size_t fl = (size_t)cv->out_channels * (cv->in_channels / cv->groups) *
		    cv->kernel_h * cv->kernel_w;

	lc->ifmap = malloc(in * sizeof(*lc->ifmap));
	lc->filters = malloc(fl * sizeof(*lc->filters));
	lc->bias = cv->bias ? malloc(cv->out_channels * sizeof(*lc->bias)) : NULL;
	if (!lc->ifmap || !lc->filters || (cv->bias && !lc->bias))
		return -ENOMEM;
	for (size_t i = 0; i < in; i++) {
		double u = (double)(rng_next(r) >> 11) / (double)(1ull << 53);

		lc->ifmap[i] = u < ifmap_zeros ? 0 : random_value(r, cv->ifmap_prec, value_bits);
	}
	for (size_t i = 0; i < fl; i++)
		lc->filters[i] = random_value(r, cv->filter_prec, value_bits);
	for (unsigned m = 0; lc->bias && m < cv->out_channels; m++)
		lc->bias[m] = (int32_t)(rng_next(r) >> 40) - (1 << 23);
	return 0;
}

void layer_free(struct layer_case *lc)
{
	free(lc->ifmap);
	free(lc->filters);
	free(lc->bias);
	accel_stream_free(&lc->stream);
	sim_mem_free(&lc->mem);
	lc->ifmap = lc->filters = NULL;
	lc->bias = NULL;
}

static void put_elem(uint8_t *p, int16_t v, unsigned bytes)
{
	p[0] = (uint8_t)v;
	if (bytes == 2)
		p[1] = (uint8_t)((uint16_t)v >> 8);
}

static int16_t get_elem(const uint8_t *p, unsigned bytes)
{
	return bytes == 1 ? (int16_t)(int8_t)p[0] : (int16_t)(uint16_t)(p[0] | (p[1] << 8));
}

int layer_place(struct layer_case *lc, const struct rs_hw_params *hw,
		char *err, size_t errlen)
{
	const struct accel_conv *cv = &lc->cv;
	unsigned N = cv->batch, C = cv->in_channels, H = cv->in_height, W = cv->in_width;
	unsigned M = cv->out_channels, E = accel_conv_out_height(cv), F = accel_conv_out_width(cv);
	unsigned ib = rs_hw_prec_bytes(cv->ifmap_prec);
	unsigned wb = rs_hw_prec_bytes(cv->filter_prec);
	unsigned ob = rs_hw_prec_bytes(cv->ofmap_prec);
	size_t fl = (size_t)M * (C / cv->groups) * cv->kernel_h * cv->kernel_w;
	uint64_t in_bytes = accel_tensor_bytes(N, C, H, W, ib, &lc->in);
	uint64_t out_bytes = accel_tensor_bytes(N, M, E, F, ob, &lc->out);
	int ret;

	accel_stream_init(&lc->stream);
	/* A caller may have given memory of its own (sim_mem_init_at). */
	if (!lc->mem.bytes && sim_mem_init(&lc->mem, 0x100000, in_bytes + out_bytes +
					   fl * wb + 4 * M + (64 << 20) + 4096))
		return -ENOMEM;
	lc->in.va = sim_mem_alloc(&lc->mem, in_bytes);
	lc->out.va = sim_mem_alloc(&lc->mem, out_bytes);
	lc->filter_va = sim_mem_alloc(&lc->mem, fl * wb);
	lc->bias_va = cv->bias ? sim_mem_alloc(&lc->mem, 4 * M) : 0;
	if (!lc->in.va || !lc->out.va || !lc->filter_va || (cv->bias && !lc->bias_va)) {
		snprintf(err, errlen, "the layer does not fit the %zu bytes of memory",
			 lc->mem.size);
		return -ENOMEM;
	}

	uint8_t *p = sim_mem_ptr(&lc->mem, lc->in.va);

	if (!lc->in.rlc) {
		for (size_t i = 0; i < (size_t)N * C * H * W; i++)
			put_elem(p + i * ib, lc->ifmap[i], ib);
	} else {
		unsigned seg = lc->in.seg_rows;

		for (unsigned n = 0; n < N; n++)
			for (unsigned c = 0; c < C; c++)
				for (unsigned k = 0; k < H; k += seg)
					rs_hw_rlc_encode(lc->ifmap + (((size_t)n * C + c) * H + k) * W,
						      (size_t)seg * W,
						      p + accel_tensor_segment_offset(n, c, k, C, H, W, seg));
	}
	p = sim_mem_ptr(&lc->mem, lc->filter_va);
	for (size_t i = 0; i < fl; i++)
		put_elem(p + i * wb, lc->filters[i], wb);
	if (cv->bias) {
		p = sim_mem_ptr(&lc->mem, lc->bias_va);
		for (unsigned m = 0; m < M; m++) {
			uint32_t v = (uint32_t)lc->bias[m];

			p[4 * m] = (uint8_t)v;
			p[4 * m + 1] = (uint8_t)(v >> 8);
			p[4 * m + 2] = (uint8_t)(v >> 16);
			p[4 * m + 3] = (uint8_t)(v >> 24);
		}
	}
	ret = accel_emit_conv(&lc->stream, hw, cv, &lc->map, lc->filter_va, lc->bias_va,
			   &lc->in, &lc->out, err, errlen);
	if (ret)
		return ret;
	accel_stream_end(&lc->stream);
	if (lc->stream.error)
		return lc->stream.error;
	lc->stream_va = sim_mem_alloc(&lc->mem, lc->stream.len);
	if (!lc->stream_va) {
		snprintf(err, errlen, "stream of %zu bytes does not fit the test memory",
			 lc->stream.len);
		return -ENOMEM;
	}
	memcpy(sim_mem_ptr(&lc->mem, lc->stream_va), lc->stream.buf, lc->stream.len);
	return 0;
}

int layer_decode_ofmap(const struct layer_case *lc, const uint8_t *p, int32_t *ofmap)
{
	const struct accel_conv *cv = &lc->cv;
	unsigned N = cv->batch, M = cv->out_channels;
	unsigned E = accel_conv_out_height(cv), F = accel_conv_out_width(cv);
	unsigned ob = rs_hw_prec_bytes(cv->ofmap_prec);
	unsigned seg = lc->out.seg_rows;
	int16_t *vals;

	if (!lc->out.rlc) {
		for (size_t i = 0; i < (size_t)N * M * E * F; i++)
			ofmap[i] = get_elem(p + i * ob, ob);
		return 0;
	}
	vals = malloc((size_t)seg * F * sizeof(*vals));
	if (!vals)
		return -1;
	for (unsigned n = 0; n < N; n++)
		for (unsigned m = 0; m < M; m++)
			for (unsigned k = 0; k < E; k += seg) {
				size_t used;
				const char *why;
				uint64_t off = accel_tensor_segment_offset(n, m, k, M, E, F, seg);

				if (rs_hw_rlc_decode(p + off, ROWSTAT_RLC_SLOT_BYTES((size_t)seg * F),
						  vals, (size_t)seg * F, &used, &why)) {
					free(vals);
					return -1;
				}
				for (size_t i = 0; i < (size_t)seg * F; i++)
					ofmap[(((size_t)n * M + m) * E + k) * F + i] = vals[i];
			}
	free(vals);
	return 0;
}

enum rowstat_status layer_execute(struct rs_model *model, struct layer_case *lc,
				  struct rs_model_result *res, int32_t *ofmap)
{
	enum rowstat_status st;

	st = rs_model_run(model, lc->stream_va, (uint32_t)lc->stream.len,
			  &lc->mem.ops, NULL, res);
	if (st != ROWSTAT_OK || !ofmap)
		return st;
	return layer_decode_ofmap(lc, sim_mem_ptr(&lc->mem, lc->out.va), ofmap) ?
	       ROWSTAT_ERR_RLC : st;
}

const struct accel_conv layer_plane = {
	.batch = 1, .in_channels = 1, .in_height = 16, .in_width = 16,
	.out_channels = 1, .kernel_h = 1, .kernel_w = 1, .groups = 1,
	.stride_h = 1, .stride_w = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
	.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
	.requant_mult = 1,
};

size_t layer_dma_stream(struct accel_stream *s, unsigned dir, uint64_t va,
			uint32_t values, uint32_t lines)
{
	struct rowstat_cmd_dma dma;
	size_t offset;

	memset(&dma, 0, sizeof(dma));
	dma.direction = (uint8_t)dir;
	dma.dtype = dir == ROWSTAT_DMA_LOAD ? ROWSTAT_DT_IFMAP : ROWSTAT_DT_PSUM;
	dma.dram_va = htole64(va);
	dma.count[0] = htole32(values);
	dma.count[1] = htole32(lines);
	dma.count[2] = dma.count[3] = htole32(1);
	accel_stream_init(s);
	accel_stream_layer(s, &layer_plane, va, 0);
	offset = s->len;
	accel_stream_dma(s, &dma);
	accel_stream_end(s);
	return offset;
}
