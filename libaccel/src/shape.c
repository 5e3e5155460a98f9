// SPDX-License-Identifier: MIT
/*
 * Layer shape for the compiler: output size (the rules library's), the
 * input rows and columns a tile needs, and the GLB plan of a mapping.
 */
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
	/* As few parts as the LAYER's channel limit allows, balanced. */
	sh->parts = 1;
	if (sh->G && sh->G <= ROWSTAT_MAX_CHANNELS && sh->C > ROWSTAT_MAX_CHANNELS)
		sh->parts = div_up(sh->Cg, ROWSTAT_MAX_CHANNELS / sh->G);
	sh->P = sh->parts > 1 ? div_up(sh->Cg, sh->parts) : sh->Cg;
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

double accel_rlc_segment_bytes(unsigned len, double density)
{
	/* Nonzeros, one pair per 32 zeros of long runs, and the tail pair. */
	double pairs = len * density + len * (1 - density) / 32.0 + 1;
	double words = (pairs + 2) / 3.0;

	if (pairs > len)
		words = (len + 2) / 3;
	return 8.0 * (unsigned)words;
}
