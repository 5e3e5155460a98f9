// SPDX-License-Identifier: MIT
/*
 * Layer shape for the compiler: output size (the rules library's), the
 * input rows and columns a tile needs, and the GLB plan of a mapping.
 */
#include <math.h>
#include <string.h>

#include "compiler_internal.h"

unsigned accel_conv_out_height(const struct accel_conv *cv)
{
	return rs_hw_out_extent(cv->in_height, cv->pad_top, cv->pad_bottom,
				cv->kernel_h, cv->stride_h);
}

unsigned accel_conv_out_width(const struct accel_conv *cv)
{
	return rs_hw_out_extent(cv->in_width, cv->pad_left, cv->pad_right,
				cv->kernel_w, cv->stride_w);
}

uint64_t accel_conv_macs(const struct accel_conv *cv)
{
	if (!cv->groups)
		return 0;
	return (uint64_t)cv->batch * cv->out_channels * accel_conv_out_height(cv) *
	       accel_conv_out_width(cv) * (cv->in_channels / cv->groups) *
	       cv->kernel_h * cv->kernel_w;
}

/* Output positions times kernel taps, along one axis, that read the image. */
static uint64_t in_image_taps(unsigned outputs, unsigned taps, unsigned step, unsigned pad,
			      unsigned limit)
{
	uint64_t n = 0;

	for (unsigned k = 0; k < taps; k++)
		for (unsigned o = 0; o < outputs; o++) {
			uint64_t at = (uint64_t)o * step + k;

			n += at >= pad && at - pad < limit;
		}
	return n;
}

/* Positions in [0, limit) that some output's window of taps reads. */
static unsigned positions_read(unsigned outputs, unsigned taps, unsigned step, unsigned pad,
			       unsigned limit)
{
	long reach = 0, n = 0;

	/* The windows start in order: count each past the reach of those before. */
	for (unsigned o = 0; o < outputs; o++) {
		long start = (long)o * step - pad, end = start + taps;

		if (end > (long)limit)
			end = limit;
		if (start < reach)
			start = reach;
		if (end > start) {
			n += end - start;
			reach = end;
		}
	}
	return (unsigned)n;
}

void accel_shape_get(const struct accel_conv *cv, struct accel_shape *sh)
{
	sh->N = cv->batch;
	sh->C = cv->in_channels;
	sh->H = cv->in_height;
	sh->W = cv->in_width;
	sh->M = cv->out_channels;
	sh->R = cv->kernel_h;
	sh->S = cv->kernel_w;
	sh->G = cv->groups;
	sh->E = accel_conv_out_height(cv);
	sh->F = accel_conv_out_width(cv);
	sh->Cg = sh->C / sh->G;
	sh->Mg = sh->M / sh->G;
	sh->Uh = cv->stride_h;
	sh->Uw = cv->stride_w;
	sh->pt = cv->pad_top;
	sh->pl = cv->pad_left;
	sh->ib = rs_hw_prec_bytes(cv->ifmap_prec);
	sh->wb = rs_hw_prec_bytes(cv->filter_prec);
	sh->ob = rs_hw_prec_bytes(cv->ofmap_prec);
	sh->macs = accel_conv_macs(cv);
	sh->real_macs = sh->macs ? (uint64_t)sh->N * sh->M * sh->Cg *
			in_image_taps(sh->E, sh->R, sh->Uh, sh->pt, sh->H) *
			in_image_taps(sh->F, sh->S, sh->Uw, sh->pl, sh->W) : 0;
	sh->rows_read = positions_read(sh->E, sh->R, sh->Uh, sh->pt, sh->H);
	sh->cols_read = positions_read(sh->F, sh->S, sh->Uw, sh->pl, sh->W);
	sh->parts = accel_channel_parts(cv, &sh->P);
}

unsigned accel_channel_parts(const struct accel_conv *cv, unsigned *per_part)
{
	unsigned G = cv->groups, Cg = G ? cv->in_channels / G : 0, parts = 1;

	/* As few parts as the LAYER's channel limit allows, balanced. */
	if (G && G <= ROWSTAT_MAX_CHANNELS && cv->in_channels > ROWSTAT_MAX_CHANNELS)
		parts = div_up(Cg, ROWSTAT_MAX_CHANNELS / G);
	*per_part = parts > 1 ? div_up(Cg, parts) : Cg;
	return parts;
}

/* Balanced parts of at most `most`: how many, the smaller size, how many larger. */
static void balanced_parts(unsigned total, unsigned most, unsigned *parts, unsigned *size,
			   unsigned *big)
{
	*parts = total > most ? div_up(total, most) : 1;
	*size = total / *parts;
	*big = total % *parts;
}

void accel_sublayers_get(const struct accel_conv *cv, struct accel_sublayers *sl)
{
	balanced_parts(cv->batch, ROWSTAT_MAX_BATCH, &sl->n_parts, &sl->n_size, &sl->n_big);
	/* Grouped layers are not split by filter (accel_conv_check refuses them). */
	balanced_parts(cv->out_channels,
		       cv->groups == 1 ? ROWSTAT_MAX_CHANNELS : cv->out_channels,
		       &sl->m_parts, &sl->m_size, &sl->m_big);
}

/* Part k's first index and size. */
static unsigned part_start(unsigned size, unsigned big, unsigned k, unsigned *len)
{
	*len = size + (k < big);
	return k * size + min_u(k, big);
}

void accel_sublayer(const struct accel_conv *cv, const struct accel_sublayers *sl, unsigned i,
		    unsigned j, struct accel_conv *part, unsigned *n0, unsigned *m0)
{
	*part = *cv;
	*n0 = part_start(sl->n_size, sl->n_big, i, &part->batch);
	*m0 = part_start(sl->m_size, sl->m_big, j, &part->out_channels);
}

struct span accel_input_rows(const struct accel_shape *sh, unsigned ea, unsigned eb)
{
	return span_clip((long)ea * sh->Uh - sh->pt,
			 (long)(eb - 1) * sh->Uh - sh->pt + sh->R, sh->H);
}

struct span accel_input_cols(const struct accel_shape *sh, unsigned fa, unsigned fb)
{
	return span_clip((long)fa * sh->Uw - sh->pl,
			 (long)(fb - 1) * sh->Uw - sh->pl + sh->S, sh->W);
}

struct span accel_tile_rows(const struct accel_shape *sh, const struct accel_tensor *in,
			    unsigned ea, unsigned eb)
{
	struct span all = { 0, sh->H };

	return in->rlc && in->seg_rows == sh->H ? all : accel_input_rows(sh, ea, eb);
}

struct span accel_tile_cols(const struct accel_shape *sh, const struct accel_tensor *in,
			    unsigned fa, unsigned fb)
{
	struct span all = { 0, sh->W };

	return in->rlc ? all : accel_input_cols(sh, fa, fb);
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~7ull;
}

void accel_glb_plan_held(const struct accel_shape *sh, const struct accel_mapping *map,
			 unsigned rows, unsigned cols, struct accel_glb_plan *plan)
{
	plan->psum_bytes = align8((uint64_t)map->tile_n * map->tile_m * map->tile_e *
				  map->tile_f * 4);
	plan->ifmap_bytes = align8((uint64_t)map->tile_n * min_u(map->tile_c, sh->Cg) *
				   rows * cols * sh->ib);
	plan->psum_addr[0] = 0;
	plan->psum_addr[1] = map->double_psum ? plan->psum_bytes : 0;
	plan->ifmap_addr[0] = plan->psum_bytes * (map->double_psum ? 2 : 1);
	plan->ifmap_addr[1] = plan->ifmap_addr[0] +
			      (map->double_ifmap ? plan->ifmap_bytes : 0);
	plan->total = plan->ifmap_addr[1] + plan->ifmap_bytes;
}

unsigned accel_glb_most_filters(const struct accel_shape *sh, const struct accel_mapping *map,
				uint64_t glb_bytes, uint64_t ifmap_bytes, bool whole)
{
	uint64_t budget = ifmap_bytes * (map->double_ifmap ? 2 : 1), per_filter, fit;
	unsigned pt = map->filters_per_pe * map->filter_sets;

	if (budget >= glb_bytes)
		return 0;
	/* align8(tile_m * per_filter) * buffers <= what is left */
	budget = (glb_bytes - budget) / (map->double_psum ? 2 : 1) / 8 * 8;
	per_filter = (uint64_t)map->tile_n * map->tile_e * map->tile_f * 4;
	fit = budget / per_filter;
	if (fit >= sh->Mg)
		return sh->Mg;
	return (unsigned)(whole ? fit / pt * pt : fit);
}

void accel_glb_plan(const struct accel_shape *sh, const struct accel_tensor *in,
		    const struct accel_mapping *map, struct accel_glb_plan *plan)
{
	unsigned rows = 0, cols = 0;

	/* The tallest and widest tiles are ones not clipped by padding. */
	for (unsigned ea = 0; ea < sh->E; ea += map->tile_e) {
		unsigned r = span_len(accel_tile_rows(sh, in, ea, min_u(ea + map->tile_e, sh->E)));

		rows = r > rows ? r : rows;
	}
	for (unsigned fa = 0; fa < sh->F; fa += map->tile_f) {
		unsigned c = span_len(accel_tile_cols(sh, in, fa, min_u(fa + map->tile_f, sh->F)));

		cols = c > cols ? c : cols;
	}
	accel_glb_plan_held(sh, map, rows, cols, plan);
}

/*
 * A segment with zeros at random, value by value: a nonzero closes a pair;
 * a zero extends the open run, and the 32nd zero in a row closes a pair
 * of its own (a run holds at most 31, then a zero level); the segment's
 * end closes a run left open.  Exact up to RLC_EXACT values: the chain of
 * (open run, pairs mod 3) gives the expected pairs and how their words
 * round up.  Beyond it the expected pairs are summed in closed form, and
 * the words round up by a third of a word, their average.
 */
#define RUN_CAP (ROWSTAT_RLC_MAX_RUN + 1)
#define RLC_EXACT 8192

static double rlc_bytes_exact(unsigned len, double density)
{
	double z = 1 - density, pairs = 0, round = 0, p[RUN_CAP][3] = { { 0 } }, q[RUN_CAP][3];

	p[0][0] = 1;
	for (unsigned i = 0; i < len; i++) {
		memset(q, 0, sizeof(q));
		for (unsigned r = 0; r < RUN_CAP; r++)
			for (unsigned k = 0; k < 3; k++) {
				double x = p[r][k];

				if (x == 0)
					continue;
				q[0][(k + 1) % 3] += x * density;
				pairs += x * density;
				if (r + 1 == RUN_CAP) {
					q[0][(k + 1) % 3] += x * z;
					pairs += x * z;
				} else {
					q[r + 1][k] += x * z;
				}
			}
		memcpy(p, q, sizeof(p));
	}
	for (unsigned r = 0; r < RUN_CAP; r++)
		for (unsigned k = 0; k < 3; k++) {
			unsigned total = (k + (r > 0)) % 3;

			pairs += r > 0 ? p[r][k] : 0;
			/* ceil(P / 3) = (P + (3 - P mod 3) mod 3) / 3 */
			round += p[r][k] * ((3 - total) % 3);
		}
	return ROWSTAT_RLC_WORD_BYTES * (pairs + round) / 3;
}

static double rlc_bytes_long(unsigned len, double density)
{
	double z = 1 - density, q = pow(z, RUN_CAP), qm = 1, blocks = 0, closed = 0;

	/* Runs of 32m zeros end at a value, or the segment starts with one. */
	for (unsigned m = 1; (uint64_t)RUN_CAP * m <= len; m++) {
		qm *= q;
		if ((uint64_t)RUN_CAP * m < len)
			blocks += density * qm * (len - (double)RUN_CAP * m);
		blocks += qm;
	}
	/* The end closes a run unless its trailing zeros are whole blocks. */
	qm = 1;
	for (unsigned m = 0; (uint64_t)RUN_CAP * m < len; m++, qm *= q)
		closed += density * qm;
	if (len % RUN_CAP == 0)
		closed += pow(z, len);
	return ROWSTAT_RLC_WORD_BYTES * (len * density + blocks + (1 - closed) + 1) / 3;
}

/* The last segments priced, per thread: a search asks for the same few. */
#define RLC_MEMO 8

double accel_rlc_segment_bytes(unsigned len, double density)
{
	static __thread struct {
		unsigned len;
		double density, bytes;
	} memo[RLC_MEMO];
	static __thread unsigned next;
	double bytes;

	/* Every value a pair of its own. */
	if (density >= 1)
		return (double)ROWSTAT_RLC_SLOT_BYTES((uint64_t)len);
	if (density < 0)
		density = 0;
	for (unsigned i = 0; i < RLC_MEMO; i++)
		if (memo[i].len == len && memo[i].density == density)
			return memo[i].bytes;
	bytes = len <= RLC_EXACT ? rlc_bytes_exact(len, density) : rlc_bytes_long(len, density);
	memo[next].len = len;
	memo[next].density = density;
	memo[next].bytes = bytes;
	next = (next + 1) % RLC_MEMO;
	return bytes;
}
