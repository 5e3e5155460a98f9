// SPDX-License-Identifier: MIT
/*
 * Step-by-step reference counter: see step_counter.h.  Written from the
 * specification (docs/hardware.md, docs/model.md), deliberately without
 * the model's closed forms: every count here is an increment at the place
 * where the access happens.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "step_counter.h"

struct sc_layer {
	unsigned ib, wb, ob, out_prec;
	bool relu, bias;
	unsigned N, C, H, W, M, R, S, G, E, F, Uh, Uw, pt, pl, shift;
	int32_t mult;
	uint64_t filter_va, bias_va;
	uint64_t filter_stride;	/* elements */
};

struct sc_map {
	unsigned rows, cols, p, q, t, r, taps, n;
};

struct sc_tile {
	uint32_t addr;
	unsigned origin[4], extent[4];
	uint32_t stride[3];
};

struct sc {
	const struct rs_hw_params *hw;
	const struct rs_model_mem *mem;
	uint8_t *glb;
	struct sc_layer L;
	struct sc_map mp;
	struct rs_hw_counters *c;
	/* timeline */
	uint64_t sync, link, dma_end, array_end, decoded;
	/* filters the spads hold */
	bool held;
	unsigned held_key[9];
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 2, 3)))
static int sc_fail(struct sc *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, s->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t rd16(const uint8_t *p)
{
	return p[0] | (p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int32_t sext(uint32_t v, unsigned bytes)
{
	if (bytes == 1)
		return (int32_t)(int8_t)(uint8_t)v;
	if (bytes == 2)
		return (int32_t)(int16_t)(uint16_t)v;
	return (int32_t)v;
}

static uint64_t kcycles(const struct sc *s, uint64_t bytes)
{
	return (bytes * 1000 + s->hw->dram_bw - 1) / s->hw->dram_bw;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* ---- RLC, bit by bit ---- */

struct bitword {
	uint64_t word;
	unsigned pairs;
};

/* Decodes one segment; returns words consumed or -1. */
static long sc_rlc_decode(const uint8_t *in, size_t slot, int32_t *vals, size_t n)
{
	size_t produced = 0, words = 0;

	while ((words + 1) * 8 <= slot) {
		uint64_t w = rd64(in + 8 * words++);

		for (unsigned k = 0; k < 3; k++) {
			unsigned run = (unsigned)((w >> (21 * k)) & 31);
			int32_t level = (int16_t)(uint16_t)((w >> (21 * k + 5)) & 0xffff);

			if (produced == n) {
				if ((w >> (21 * k)) & 0x1fffff)
					return -1;
				continue;
			}
			for (unsigned z = 0; z < run; z++) {
				if (produced == n)
					return -1;
				vals[produced++] = 0;
			}
			if (produced == n)
				return -1;
			vals[produced++] = level;
		}
		if (produced == n)
			return (w >> 63) ? (long)words : -1;
		if (w >> 63)
			return -1;
	}
	return -1;
}

static void sc_put_pair(uint8_t *out, size_t *words, struct bitword *bw,
			unsigned run, int32_t level)
{
	bw->word |= ((uint64_t)run | ((uint64_t)(uint16_t)level << 5)) << (21 * bw->pairs);
	if (++bw->pairs == 3) {
		for (int i = 0; i < 8; i++)
			out[8 * *words + i] = (uint8_t)(bw->word >> (8 * i));
		(*words)++;
		bw->word = 0;
		bw->pairs = 0;
	}
}

/* The encoder the specification describes; returns words written. */
static size_t sc_rlc_encode(const int32_t *vals, size_t n, uint8_t *out)
{
	struct bitword bw = { 0, 0 };
	size_t words = 0, zeros = 0;

	for (size_t i = 0; i < n; i++) {
		if (!vals[i]) {
			zeros++;
			continue;
		}
		while (zeros >= 32) {
			sc_put_pair(out, &words, &bw, 31, 0);
			zeros -= 32;
		}
		sc_put_pair(out, &words, &bw, (unsigned)zeros, vals[i]);
		zeros = 0;
	}
	while (zeros >= 32) {
		sc_put_pair(out, &words, &bw, 31, 0);
		zeros -= 32;
	}
	if (zeros)
		sc_put_pair(out, &words, &bw, (unsigned)zeros - 1, 0);
	if (bw.pairs) {
		bw.word |= 1ull << 63;
		for (int i = 0; i < 8; i++)
			out[8 * words + i] = (uint8_t)(bw.word >> (8 * i));
		words++;
	} else {
		out[8 * words - 1] |= 0x80;
	}
	return words;
}

/* ---- commands ---- */

static int sc_layer(struct sc *s, const uint8_t *cmd)
{
	struct sc_layer *L = &s->L;
	unsigned precs[3] = { cmd[4], cmd[5], cmd[6] };

	L->ib = rs_hw_prec_bytes(precs[0]);
	L->wb = rs_hw_prec_bytes(precs[1]);
	L->ob = rs_hw_prec_bytes(precs[2]);
	L->out_prec = precs[2];
	L->relu = cmd[7] & ROWSTAT_LAYER_RELU;
	L->bias = cmd[7] & ROWSTAT_LAYER_BIAS;
	L->N = rd16(cmd + 8);
	L->C = rd16(cmd + 10);
	L->H = rd16(cmd + 12);
	L->W = rd16(cmd + 14);
	L->M = rd16(cmd + 16);
	L->R = rd16(cmd + 18);
	L->S = rd16(cmd + 20);
	L->G = rd16(cmd + 22);
	L->E = rd16(cmd + 24);
	L->F = rd16(cmd + 26);
	L->Uh = cmd[28];
	L->Uw = cmd[29];
	L->pt = cmd[30];
	L->pl = cmd[32];
	L->shift = cmd[34];
	L->mult = (int32_t)rd32(cmd + 36);
	L->filter_va = rd64(cmd + 48);
	L->filter_stride = rd32(cmd + 40) / L->wb;
	L->bias_va = rd64(cmd + 56);
	s->held = false;
	return 0;
}

static void sc_mapping(struct sc *s, const uint8_t *cmd)
{
	s->mp.rows = rd16(cmd + 4);
	s->mp.cols = rd16(cmd + 6);
	s->mp.p = rd16(cmd + 8);
	s->mp.q = rd16(cmd + 10);
	s->mp.t = rd16(cmd + 12);
	s->mp.r = rd16(cmd + 14);
	s->mp.taps = rd16(cmd + 16);
	s->mp.n = rd16(cmd + 18);
	s->held = false;
}

static int sc_dma(struct sc *s, const uint8_t *cmd)
{
	const struct sc_layer *L = &s->L;
	struct rs_hw_counters *c = s->c;
	unsigned dir = cmd[4], flags = cmd[6];
	uint64_t va = rd64(cmd + 8), moved = 0;
	uint32_t glb = rd32(cmd + 16);
	unsigned count[4], dstride[3], gstride[3];
	bool load = dir == ROWSTAT_DMA_LOAD, rlc = flags & ROWSTAT_DMA_RLC;
	unsigned delem = load ? L->ib : L->ob, gelem = load ? L->ib : 4;

	for (int k = 0; k < 4; k++)
		count[k] = rd32(cmd + 20 + 4 * k);
	for (int k = 0; k < 3; k++) {
		dstride[k] = rd32(cmd + 36 + 4 * k);
		gstride[k] = rd32(cmd + 48 + 4 * k);
	}
	size_t slot = rlc ? 8 * ((count[0] + 2) / 3) : (size_t)count[0] * delem;
	uint8_t *buf = malloc(slot + 8);
	int32_t *vals = malloc(sizeof(int32_t) * count[0]);

	if (!buf || !vals)
		return sc_fail(s, "out of memory");
	for (unsigned i3 = 0; i3 < count[3]; i3++)
		for (unsigned i2 = 0; i2 < count[2]; i2++)
			for (unsigned i1 = 0; i1 < count[1]; i1++) {
				uint64_t line = va + (uint64_t)i1 * dstride[0] +
						(uint64_t)i2 * dstride[1] + (uint64_t)i3 * dstride[2];
				uint8_t *g = s->glb + glb + (size_t)i1 * gstride[0] +
					     (size_t)i2 * gstride[1] + (size_t)i3 * gstride[2];

				if (load) {
					if (s->mem->read(s->mem->opaque, line, buf, slot))
						return sc_fail(s, "DMA read fault");
					if (rlc) {
						long words = sc_rlc_decode(buf, slot, vals, count[0]);

						if (words < 0)
							return sc_fail(s, "bad RLC data");
						c->dram_read_bytes[ROWSTAT_DT_IFMAP] += 8 * (uint64_t)words;
						moved += 8 * (uint64_t)words;
					} else {
						for (unsigned k = 0; k < count[0]; k++)
							vals[k] = sext(delem == 1 ? buf[k] : rd16(buf + 2 * k), delem);
						c->dram_read_bytes[ROWSTAT_DT_IFMAP] += slot;
						moved += slot;
					}
					for (unsigned k = 0; k < count[0]; k++) {
						g[gelem * k] = (uint8_t)vals[k];
						if (gelem == 2)
							g[2 * k + 1] = (uint8_t)((uint32_t)vals[k] >> 8);
						c->glb_writes[ROWSTAT_DT_IFMAP]++;
						c->glb_write_bytes += gelem;
					}
				} else {
					size_t bytes;

					for (unsigned k = 0; k < count[0]; k++) {
						vals[k] = sext(rd32(g + 4 * k), delem);
						c->glb_reads[ROWSTAT_DT_PSUM]++;
						c->glb_read_bytes += 4;
					}
					if (rlc) {
						bytes = 8 * sc_rlc_encode(vals, count[0], buf);
					} else {
						for (unsigned k = 0; k < count[0]; k++) {
							buf[delem * k] = (uint8_t)vals[k];
							if (delem == 2)
								buf[2 * k + 1] = (uint8_t)((uint32_t)vals[k] >> 8);
						}
						bytes = slot;
					}
					if (s->mem->write(s->mem->opaque, line, buf, bytes))
						return sc_fail(s, "DMA write fault");
					c->dram_write_bytes[ROWSTAT_DT_PSUM] += bytes;
					moved += bytes;
				}
			}
	free(buf);
	free(vals);
	uint64_t start = max64(max64(s->sync, s->link), s->decoded);

	s->link = s->dma_end = start + kcycles(s, moved);
	return 0;
}

static void sc_tile_read(const uint8_t *raw, struct sc_tile *t)
{
	t->addr = rd32(raw);
	for (int d = 0; d < 4; d++) {
		t->origin[d] = rd16(raw + 4 + 2 * d);
		t->extent[d] = rd16(raw + 12 + 2 * d);
	}
	for (int d = 0; d < 3; d++)
		t->stride[d] = rd32(raw + 20 + 4 * d);
}

static uint8_t *tile_at(struct sc *s, const struct sc_tile *t, unsigned elem,
			unsigned a, unsigned b, unsigned c, unsigned d)
{
	return s->glb + t->addr + (size_t)(a - t->origin[0]) * elem +
	       (size_t)(b - t->origin[1]) * t->stride[0] +
	       (size_t)(c - t->origin[2]) * t->stride[1] +
	       (size_t)(d - t->origin[3]) * t->stride[2];
}

static int32_t requant(int32_t acc, const struct sc_layer *L)
{
	/* Written against the spec with 128-bit intermediates, not shared. */
	__int128 z = (__int128)acc * L->mult;
	long long lo = L->out_prec == ROWSTAT_PREC_INT8 ? -128 : -32768;
	long long hi = L->out_prec == ROWSTAT_PREC_INT8 ? 127 : 32767;

	if (L->shift) {
		__int128 num = z + ((__int128)1 << (L->shift - 1));
		__int128 den = (__int128)1 << L->shift;

		z = num / den - ((num % den) < 0 ? 1 : 0);
	}
	if (L->relu && z < 0)
		z = 0;
	return (int32_t)(z < lo ? lo : z > hi ? hi : z);
}

static int sc_pass(struct sc *s, const uint8_t *cmd)
{
	const struct sc_layer *L = &s->L;
	const struct sc_map *mp = &s->mp;
	struct rs_hw_counters *c = s->c;
	unsigned flags = rd16(cmd + 4);
	bool init = flags & ROWSTAT_PASS_INIT, final = flags & ROWSTAT_PASS_FINAL;
	unsigned n0 = rd16(cmd + 8), nn = rd16(cmd + 10), m0 = rd16(cmd + 12);
	unsigned mm = rd16(cmd + 14), c0 = rd16(cmd + 16), cc = rd16(cmd + 18);
	unsigned e0 = rd16(cmd + 20), ee = rd16(cmd + 22), f0 = rd16(cmd + 24);
	unsigned ff = rd16(cmd + 26), r0 = rd16(cmd + 28), rr = rd16(cmd + 30);
	unsigned s0 = rd16(cmd + 32), ss = rd16(cmd + 34);
	struct sc_tile it, pt;
	unsigned Cg = L->C / L->G, Mg = L->M / L->G, g = m0 / Mg;
	unsigned fsets = (mm + mp->p - 1) / mp->p, csets = (cc + mp->q - 1) / mp->q;
	unsigned key[9] = { m0, mm, c0, cc, r0, rr, s0, ss, 0 };
	bool load = true;
	uint64_t filter_bytes = 0, glb_before, max_pe_macs = 0;

	sc_tile_read(cmd + 40, &it);
	sc_tile_read(cmd + 72, &pt);
	/* The spads keep a block for passes on no more PE columns. */
	if (s->held && !memcmp(s->held_key, key, 8 * sizeof(unsigned)) && ee <= s->held_key[8])
		load = false;
	if (load) {
		memcpy(s->held_key, key, sizeof(key));
		s->held_key[8] = ee;
		s->held = true;
	}
	glb_before = c->glb_reads[ROWSTAT_DT_IFMAP] + c->glb_reads[ROWSTAT_DT_PSUM] +
		     c->glb_writes[ROWSTAT_DT_PSUM];

	/* Accumulators for the pass's outputs, and the GLB ifmap reads seen. */
	size_t outs = (size_t)nn * mm * ee * ff;
	uint32_t *acc = calloc(outs, sizeof(*acc));
	unsigned hn = (ee - 1) * L->Uh + rr, wn = (ff - 1) * L->Uw + ss;
	size_t region = (size_t)nn * cc * hn * wn;
	bool *glb_seen = calloc(region ? region : 1, 1);
	bool *pe_seen = calloc((size_t)nn * cc * wn + 1, 1);
	int16_t *filt = malloc(sizeof(int16_t) * ((size_t)mm * cc * rr * ss + 1));

	if (!acc || !glb_seen || !pe_seen || !filt)
		return sc_fail(s, "out of memory");
	/* Filters: each value of the block fetched from DRAM once. */
	for (unsigned m = 0; m < mm; m++)
		for (unsigned ch = 0; ch < cc; ch++)
			for (unsigned r = 0; r < rr; r++)
				for (unsigned t = 0; t < ss; t++) {
					uint64_t fs = L->filter_stride ? L->filter_stride :
						      (uint64_t)Cg * L->R * L->S;
					uint64_t idx = (m0 + m) * fs +
						       ((uint64_t)(c0 + ch - g * Cg) * L->R + r0 + r) *
						       L->S + s0 + t;
					uint8_t v[2];

					if (s->mem->read(s->mem->opaque, L->filter_va + idx * L->wb, v, L->wb))
						return sc_fail(s, "filter fault");
					filt[((m * cc + ch) * rr + r) * ss + t] =
						(int16_t)sext(L->wb == 1 ? v[0] : rd16(v), L->wb);
					if (load) {
						c->dram_read_bytes[ROWSTAT_DT_FILTER] += L->wb;
						filter_bytes += L->wb;
					}
				}

	/* Every PE of every set, every MAC. */
	for (unsigned ts = 0; ts < fsets; ts++) {
		unsigned ma = ts * mp->p, mb = ma + mp->p < mm ? ma + mp->p : mm;

		for (unsigned rs = 0; rs < csets; rs++) {
			unsigned ca = rs * mp->q, cb = ca + mp->q < cc ? ca + mp->q : cc;

			for (unsigned i = 0; i < rr; i++) {
				for (unsigned jj = 0; jj < ee; jj++) {
					long y = (long)(e0 + jj) * L->Uh + r0 + i - L->pt;
					uint64_t pe_macs = 0;

					if (load)
						for (unsigned m = ma; m < mb; m++)
							for (unsigned ch = ca; ch < cb; ch++)
								for (unsigned t = 0; t < ss; t++) {
									c->noc[ROWSTAT_DT_FILTER]++;
									c->rf_writes[ROWSTAT_DT_FILTER]++;
								}
					memset(pe_seen, 0, (size_t)nn * cc * wn + 1);
					for (unsigned n = 0; n < nn; n++) {
						for (unsigned f = 0; f < ff; f++) {
							for (unsigned t = 0; t < ss; t++) {
								unsigned col = f * L->Uw + t;
								long x = (long)(f0 + f) * L->Uw + s0 + t - L->pl;

								for (unsigned ch = ca; ch < cb; ch++) {
									bool real = y >= 0 && y < (long)L->H &&
										    x >= 0 && x < (long)L->W;
									int32_t v = 0;
									size_t pe_idx = ((size_t)n * cc + ch) * wn + col;

									/* The value arrives in the PE's spad once. */
									if (!pe_seen[pe_idx]) {
										pe_seen[pe_idx] = true;
										c->noc[ROWSTAT_DT_IFMAP]++;
										c->rf_writes[ROWSTAT_DT_IFMAP]++;
									}
									if (real) {
										size_t gi = (((size_t)n * cc + ch) * hn +
											     (jj * L->Uh + i)) * wn + col;

										const uint8_t *e = tile_at(s, &it, L->ib,
													   (unsigned)x, (unsigned)y,
													   c0 + ch, n0 + n);

										v = sext(L->ib == 1 ? e[0] : rd16(e), L->ib);
										/* One GLB read serves every PE (multicast). */
										glb_seen[gi] = true;
									}
									for (unsigned m = ma; m < mb; m++) {
										int32_t w = filt[((m * cc + ch) * rr + i) * ss + t];
										size_t o = (((size_t)n * mm + m) * ee + jj) * ff + f;

										c->macs++;
										pe_macs++;
										c->rf_reads[ROWSTAT_DT_IFMAP]++;
										if (!v) {
											c->macs_gated++;
											continue;
										}
										c->rf_reads[ROWSTAT_DT_FILTER]++;
										c->rf_reads[ROWSTAT_DT_PSUM]++;
										c->rf_writes[ROWSTAT_DT_PSUM]++;
										acc[o] += (uint32_t)(v * w);
									}
								}
							}
							/* End of an output position: drain the p psums. */
							for (unsigned m = ma; m < mb; m++)
								c->rf_reads[ROWSTAT_DT_PSUM]++;
						}
					}
					if (pe_macs > max_pe_macs)
						max_pe_macs = pe_macs;
				}
			}
		}
	}
	/* Region positions map one to one onto (n, c, y, x): count the read ones. */
	{
		size_t distinct = 0;

		for (size_t k = 0; k < region; k++)
			distinct += glb_seen[k];
		c->glb_reads[ROWSTAT_DT_IFMAP] += distinct;
		c->glb_read_bytes += distinct * L->ib;
	}

	/* Psums travel up the columns of every channel set, then to the GLB. */
	for (unsigned n = 0; n < nn; n++)
		for (unsigned m = 0; m < mm; m++)
			for (unsigned jj = 0; jj < ee; jj++)
				for (unsigned f = 0; f < ff; f++) {
					size_t o = (((size_t)n * mm + m) * ee + jj) * ff + f;
					uint8_t *slot = tile_at(s, &pt, 4, f0 + f, e0 + jj, m0 + m, n0 + n);
					uint32_t base;

					for (unsigned rs = 0; rs < csets; rs++)
						for (unsigned i = 0; i < rr; i++)
							c->noc[ROWSTAT_DT_PSUM]++;
					if (init) {
						base = 0;
						if (L->bias) {
							uint8_t b[4];

							if (s->mem->read(s->mem->opaque, L->bias_va + 4ull * (m0 + m), b, 4))
								return sc_fail(s, "bias fault");
							base = rd32(b);
						}
					} else {
						base = rd32(slot);
						c->glb_reads[ROWSTAT_DT_PSUM]++;
						c->glb_read_bytes += 4;
						c->noc[ROWSTAT_DT_PSUM]++;
					}
					int32_t y = (int32_t)(base + acc[o]);

					if (final)
						y = requant(y, L);
					wr32(slot, (uint32_t)y);
					c->glb_writes[ROWSTAT_DT_PSUM]++;
					c->glb_write_bytes += 4;
				}
	if (init && L->bias) {
		c->dram_read_bytes[ROWSTAT_DT_PSUM] += 4ull * mm;
		filter_bytes += 4ull * mm;
	}

	/* Cycles: the busiest PE, or the GLB, plus the psum chain and the window fill. */
	uint64_t glb = c->glb_reads[ROWSTAT_DT_IFMAP] + c->glb_reads[ROWSTAT_DT_PSUM] +
		       c->glb_writes[ROWSTAT_DT_PSUM] - glb_before;
	uint64_t glb_cycles = (glb + s->hw->glb_bw - 1) / s->hw->glb_bw;
	uint64_t compute = max64(max_pe_macs, glb_cycles) + (uint64_t)rr * csets + ss;
	uint64_t active = (uint64_t)fsets * csets * rr * ee;
	uint64_t start = max64(max64(s->sync, s->array_end), s->decoded);
	uint64_t fl = max64(start, s->link);

	c->passes++;
	c->array_cycles += compute;
	c->pe_active_cycles += active * max_pe_macs;
	if (active > c->pe_active_max)
		c->pe_active_max = active;
	if (filter_bytes) {
		s->link = fl + kcycles(s, filter_bytes);
		s->array_end = s->link + compute;
	} else {
		s->array_end = start + compute;
	}
	free(acc);
	free(glb_seen);
	free(pe_seen);
	free(filt);
	return 0;
}

int step_count(const struct rs_hw_params *hw, uint64_t stream_va,
	       uint32_t stream_bytes, const struct rs_model_mem *mem,
	       struct rs_hw_counters *out, char *why, size_t whylen)
{
	struct sc s;
	uint8_t *stream = malloc(stream_bytes);
	uint32_t off = 0;
	int ret = 0;

	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	s.hw = hw;
	s.mem = mem;
	s.c = out;
	s.why = why;
	s.whylen = whylen;
	s.glb = calloc(1, hw->glb_bytes);
	if (!stream || !s.glb || mem->read(mem->opaque, stream_va, stream, stream_bytes)) {
		free(stream);
		free(s.glb);
		return sc_fail(&s, "cannot fetch the stream");
	}
	while (!ret && off + 4 <= stream_bytes) {
		const uint8_t *cmd = stream + off;
		unsigned op = cmd[0], bytes = 4 * rd16(cmd + 2);

		if (op < ROWSTAT_OP_LIMIT)
			s.decoded += hw->decode_cycles[op];
		if (op == ROWSTAT_OP_END)
			break;
		switch (op) {
		case ROWSTAT_OP_LAYER:
			ret = sc_layer(&s, cmd);
			break;
		case ROWSTAT_OP_MAPPING:
			sc_mapping(&s, cmd);
			break;
		case ROWSTAT_OP_DMA:
			ret = sc_dma(&s, cmd);
			break;
		case ROWSTAT_OP_PASS:
			ret = sc_pass(&s, cmd);
			break;
		case ROWSTAT_OP_BARRIER:
			s.sync = max64(max64(s.dma_end, s.array_end), max64(s.link, s.decoded));
			break;
		default:
			ret = sc_fail(&s, "opcode %u", op);
		}
		off += bytes;
	}
	out->cycles = max64(max64(s.dma_end, s.array_end), max64(s.link, s.decoded));
	rs_hw_counters_energy(out, hw->energy);
	free(stream);
	free(s.glb);
	return ret;
}
