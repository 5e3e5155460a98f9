// SPDX-License-Identifier: MIT
/*
 * rowstat model core: a pass's input, copied out of the GLB into a dense,
 * zero-padded region (counting gated MACs on the way), then packed into
 * operand planes: pairs of values (two channels, or two filter rows when a
 * pass has one channel) split by stride phase, so that every tap of every
 * output is one contiguous vector load.  Recent plane sets are cached:
 * passes that differ only in their filters read the same region.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/*
 * Copies one GLB row span into a dense int16 row.  Rows are short: fixed-size
 * copies compile to vector moves where a variable memcpy is a library call.
 */
static void load_row(const uint8_t *src, unsigned elem, unsigned count,
		     int16_t *dst)
{
	unsigned i = 0;

	if (elem == 2) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		for (; i + 8 <= count; i += 8)
			memcpy(dst + i, src + 2 * i, 16);
#endif
		for (; i < count; i++)
			dst[i] = (int16_t)rs_hw_get_le16(src + 2 * i);
		return;
	}
	for (; i < count; i++)
		dst[i] = (int16_t)(int8_t)src[i];
}

/* The GLB address of input row y, column x, channel c, image n of the tile. */
static const uint8_t *tile_at(const struct rs_model *md, const struct tile *t,
			      long x, long y, unsigned c, unsigned n)
{
	return md->glb + t->addr + (x - t->origin[0]) * t->stride[0] +
	       (y - t->origin[1]) * t->stride[1] + (c - t->origin[2]) * t->stride[2] +
	       (n - t->origin[3]) * t->stride[3];
}

/*
 * Copies the block's region rows of its channels into x[channel][row][xcols],
 * zero outside the image, and returns the MACs gated on zero operands
 * (padding included) in the rows the block owns, per filter.
 */
static uint64_t load_region(struct job *j, const struct pass *p,
			    const struct pass_geom *pg, const struct plane_block *b,
			    int16_t *x)
{
	struct rs_model *md = j->model;
	const uint32_t *rowuse = md->scratch.rowuse, *coluse = md->scratch.coluse;
	uint32_t *colzero = md->scratch.colzero;
	unsigned elem = (unsigned)p->ifmap.stride[0];
	uint64_t zeros = 0;

	/* One clear for the whole region; real spans are copied over it. */
	memset(x, 0, (size_t)b->channels * b->xrows * b->xcols * sizeof(*x));
	for (unsigned c = 0; c < b->channels; c++) {
		if (b->count)
			memset(colzero, 0, pg->wn * sizeof(*colzero));
		for (unsigned i = 0; i < b->xrows; i++) {
			int16_t *row = x + ((size_t)c * b->xrows + i) * b->xcols;
			unsigned ri = b->ra + i;

			if (ri >= pg->rlo && ri < pg->rhi)
				load_row(tile_at(md, &p->ifmap, pg->wlo + pg->clo, pg->hlo + ri,
						 b->c_first + c, b->n),
					 elem, pg->chi - pg->clo, row + pg->clo);
			/* Padding and unused positions hold zeros: they count too. */
			if (b->count && ri >= b->own_lo && ri < b->own_hi && ri < pg->hn &&
			    rowuse[ri])
				md->simd->zero_weights(row, rowuse[ri], pg->wn, colzero);
		}
		if (b->count)
			for (unsigned k = 0; k < pg->wn; k++)
				zeros += (uint64_t)colzero[k] * coluse[k];
	}
	return zeros;
}

static inline int32_t pack_pair(int16_t lo, int16_t hi)
{
	return (int32_t)(((uint32_t)(uint16_t)hi << 16) | (uint16_t)lo);
}

/* One packed row: Ws pairs from r0 and r1 (zeros when r1 is NULL), Uw apart. */
static void pack_row(const struct rs_model_simd *simd, const int16_t *r0,
		     const int16_t *r1, unsigned Ws, unsigned Uw, int32_t *d)
{
	if (Uw == 1 && r1) {
		simd->pack_pairs(r0, r1, Ws, d);
	} else if (r1) {
		for (unsigned jj = 0; jj < Ws; jj++)
			d[jj] = pack_pair(r0[jj * Uw], r1[jj * Uw]);
	} else {
		for (unsigned jj = 0; jj < Ws; jj++)
			d[jj] = pack_pair(r0[jj * Uw], 0);
	}
}

/*
 * Pairs operands into planes[k][a][b][i][jj] = (lo, hi) at region row
 * i*Uh + a, column jj*Uw + b: lo/hi are two channels, or rows r and r+1.
 */
static void pack_planes(const struct rs_model *md, const struct layer *L,
			const struct pass_geom *pg, const struct plane_block *b,
			const int16_t *x, int32_t *dst)
{
	unsigned Uh = L->Uh, Uw = L->Uw, Ws = pg->Ws;
	size_t sub = (size_t)b->Hs * Ws, xplane = (size_t)b->xrows * b->xcols;

	for (unsigned k = 0; k < b->nplanes; k++) {
		int32_t *pl = dst + k * sub * Uh * Uw;
		const int16_t *x0 = x + (pg->pair_rows ? 0 : 2 * k) * xplane;
		/* An odd channel count pairs its last channel with zeros. */
		const int16_t *x1 = pg->pair_rows ? x0 + b->xcols :
				    (2 * k + 1 < b->channels ? x0 + xplane : NULL);

		/* One sub-plane per stride phase (row phase a, column phase c). */
		for (unsigned ph = 0; ph < Uh * Uw; ph++) {
			unsigned a = ph / Uw, c = ph % Uw;

			for (unsigned i = 0; i < b->Hs; i++) {
				size_t at = (size_t)(i * Uh + a) * b->xcols + c;

				pack_row(md->simd, x0 + at, x1 ? x1 + at : NULL, Ws, Uw,
					 pl + ph * sub + (size_t)i * Ws);
			}
		}
	}
}

static void make_key(const struct pass *p, const struct pass_geom *pg,
		     const struct plane_block *b, struct plane_key *key)
{
	memset(key, 0, sizeof(*key));
	key->addr = p->ifmap.addr;
	memcpy(key->origin, p->ifmap.origin, sizeof(key->origin));
	memcpy(key->extent, p->ifmap.extent, sizeof(key->extent));
	memcpy(key->stride, p->ifmap.stride, sizeof(key->stride));
	key->hlo = pg->hlo;
	key->wlo = pg->wlo;
	key->n = b->n;
	key->c_first = b->c_first;
	key->channels = b->channels;
	key->ra = b->ra;
	key->xrows = b->xrows;
	key->xcols = b->xcols;
	key->Hs = b->Hs;
	key->Ws = pg->Ws;
	key->nplanes = b->nplanes;
	key->own_lo = b->own_lo;
	key->own_hi = b->own_hi;
	key->ee = p->ee;
	key->rr = p->rr;
	key->ff = p->ff;
	key->ss = p->ss;
	key->pair_rows = pg->pair_rows;
	key->counted = b->count;
}

/* The least recently used (or a free) entry, grown to len. */
static struct plane_entry *evict(struct plane_cache *pc, size_t len)
{
	struct plane_entry *slot = NULL;

	for (int i = 0; i < PLANE_CACHE_ENTRIES; i++) {
		struct plane_entry *e = &pc->entry[i];

		if (!slot || !e->valid || (slot->valid && e->used < slot->used))
			slot = e;
		if (!e->valid)
			break;
	}
	if (slot->cap < len) {
		int32_t *buf = realloc(slot->planes, len * sizeof(*buf));

		if (!buf)
			return NULL;
		slot->planes = buf;
		slot->cap = len;
	}
	slot->valid = false;
	return slot;
}

const int32_t *rs_model_planes_get(struct job *j, const struct pass *p,
				   const struct pass_geom *pg,
				   const struct plane_block *b, uint64_t *gated)
{
	struct rs_model *md = j->model;
	struct plane_cache *pc = &md->planes;
	struct plane_entry *slot = NULL;
	struct plane_key key;
	size_t len = b->nplanes * b->plane + b->lanes + 64;
	int32_t *dst;
	uint64_t zeros;

	make_key(p, pg, b, &key);
	for (int i = 0; i < PLANE_CACHE_ENTRIES; i++) {
		struct plane_entry *e = &pc->entry[i];

		if (e->valid && !memcmp(&e->key, &key, sizeof(key))) {
			e->used = ++pc->clock;
			*gated += e->zeros;
			return e->planes;
		}
	}
	if (len <= PLANE_CACHE_MAX) {
		slot = evict(pc, len);
		if (!slot)
			return NULL;
		dst = slot->planes;
	} else {
		dst = SCRATCH(j, planes, len);
		if (!dst)
			return NULL;
	}
	/* zero_weights may read a few values past the last row. */
	if (!SCRATCH(j, region, 2 * (size_t)b->nplanes * b->xrows * b->xcols + 16))
		return NULL;
	zeros = load_region(j, p, pg, b, md->scratch.region);
	/* Zero the slack so junk lanes read defined values. */
	memset(dst + b->nplanes * b->plane, 0, (b->lanes + 64) * sizeof(int32_t));
	pack_planes(md, &j->L, pg, b, md->scratch.region, dst);
	*gated += zeros;
	if (slot) {
		slot->key = key;
		slot->zeros = zeros;
		slot->lo = p->ifmap.addr;
		slot->hi = rs_model_tile_end(&p->ifmap);
		slot->used = ++pc->clock;
		slot->valid = true;
	}
	return dst;
}

void rs_model_planes_invalidate(struct rs_model *md, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < PLANE_CACHE_ENTRIES; i++) {
		struct plane_entry *e = &md->planes.entry[i];

		if (e->valid && lo < e->hi && e->lo < hi)
			e->valid = false;
	}
}

void rs_model_planes_free(struct rs_model *md)
{
	for (int i = 0; i < PLANE_CACHE_ENTRIES; i++)
		free(md->planes.entry[i].planes);
}
