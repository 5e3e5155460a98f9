// SPDX-License-Identifier: MIT
/*
 * The compiler's checks.  What the device decides (layer shape, array and
 * RF fit) is decided by the same rules-library functions the device calls;
 * what only the compiler knows (tiles, tensor formats, the GLB plan, the
 * widths of DMA fields) is checked here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "compiler_internal.h"

__attribute__((format(printf, 3, 4)))
static int einval(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int field_range(char *err, size_t errlen, const char *name, unsigned v,
		       unsigned lo, unsigned hi)
{
	if (v < lo || v > hi)
		return einval(err, errlen, "%s %u outside %u..%u", name, v, lo, hi);
	return 0;
}

/*
 * The device's own rules (rs_hw_layer_check), without its capabilities,
 * on the largest LAYER the layer runs as: more input channels than one
 * LAYER carries are split (accel_channel_parts), up to
 * ACCEL_MAX_IN_CHANNELS; more images or filters are sub-layers
 * (accel_sublayers_get), up to ACCEL_MAX_BATCH and ACCEL_MAX_OUT_CHANNELS.
 */
int accel_conv_check(const struct accel_conv *cv, char *err, size_t errlen)
{
	struct accel_sublayers sl;
	unsigned per_part;
	uint64_t filter;
	struct rs_hw_layer ls = {
		.ifmap_prec = cv->ifmap_prec, .filter_prec = cv->filter_prec,
		.ofmap_prec = cv->ofmap_prec,
		.batch = cv->batch, .in_channels = cv->in_channels,
		.in_height = cv->in_height, .in_width = cv->in_width,
		.out_channels = cv->out_channels, .kernel_h = cv->kernel_h,
		.kernel_w = cv->kernel_w, .groups = cv->groups,
		.stride_h = cv->stride_h, .stride_w = cv->stride_w,
		.pad_top = cv->pad_top, .pad_bottom = cv->pad_bottom,
		.pad_left = cv->pad_left, .pad_right = cv->pad_right,
		.requant_shift = cv->requant_shift,
	};

	if (field_range(err, errlen, "in_channels", cv->in_channels, 1, ACCEL_MAX_IN_CHANNELS) ||
	    field_range(err, errlen, "batch", cv->batch, 1, ACCEL_MAX_BATCH) ||
	    field_range(err, errlen, "out_channels", cv->out_channels, 1,
			ACCEL_MAX_OUT_CHANNELS))
		return -EINVAL;
	if (cv->in_channels > ROWSTAT_MAX_CHANNELS && cv->groups > ROWSTAT_MAX_CHANNELS)
		return einval(err, errlen,
			      "groups %u above %u: a layer of more than %u in_channels is split by channel, each part with every group",
			      cv->groups, ROWSTAT_MAX_CHANNELS, ROWSTAT_MAX_CHANNELS);
	if (cv->out_channels > ROWSTAT_MAX_CHANNELS && cv->groups != 1)
		return einval(err, errlen,
			      "groups %u: a layer of more than %u out_channels is split by filter only with groups 1",
			      cv->groups, ROWSTAT_MAX_CHANNELS);
	accel_sublayers_get(cv, &sl);
	ls.batch = sl.n_size + (sl.n_big > 0);
	ls.out_channels = sl.m_size + (sl.m_big > 0);
	if (cv->groups && cv->in_channels % cv->groups == 0 &&
	    cv->in_channels > ROWSTAT_MAX_CHANNELS) {
		accel_channel_parts(cv, &per_part);
		ls.in_channels = cv->groups * per_part;
		filter = (uint64_t)(cv->in_channels / cv->groups) * cv->kernel_h * cv->kernel_w *
			 rs_hw_prec_bytes(cv->filter_prec);
		if (filter > UINT32_MAX)
			return einval(err, errlen,
				      "a filter of %" PRIu64 " bytes exceeds LAYER.filter_stride's 32 bits",
				      filter);
	}
	return rs_hw_layer_check(NULL, &ls, "", err, errlen) ? -EINVAL : 0;
}

void accel_hw_mapping(const struct accel_mapping *map, struct rs_hw_mapping *m)
{
	*m = (struct rs_hw_mapping){
		.set_rows = map->set_rows, .set_cols = map->set_cols,
		.filters_per_pe = map->filters_per_pe,
		.channels_per_pe = map->channels_per_pe,
		.filter_sets = map->filter_sets, .channel_sets = map->channel_sets,
		.taps_per_pe = map->taps_per_pe,
		.images_per_pass = map->images_per_pass,
	};
}

/* Tiles within the layer; RLC tensors in whole rows or planes per tile. */
static int check_tiles(const struct accel_shape *sh, const struct accel_mapping *map,
		       const struct accel_tensor *in, const struct accel_tensor *out,
		       char *err, size_t errlen)
{
	if (field_range(err, errlen, "tile_n", map->tile_n, 1, sh->N) ||
	    field_range(err, errlen, "tile_e", map->tile_e, 1, sh->E) ||
	    field_range(err, errlen, "tile_f", map->tile_f, 1, sh->F) ||
	    field_range(err, errlen, "tile_m", map->tile_m, 1, sh->Mg) ||
	    field_range(err, errlen, "tile_c", map->tile_c, 1, sh->P))
		return -EINVAL;
	if (in->rlc && in->seg_rows != 1 && in->seg_rows != sh->H)
		return einval(err, errlen, "ifmap seg_rows %u: 1 or in_height %u",
			      in->seg_rows, sh->H);
	if (out->rlc && out->seg_rows != 1 && out->seg_rows != sh->E)
		return einval(err, errlen, "ofmap seg_rows %u: 1 or out_height %u",
			      out->seg_rows, sh->E);
	if (out->rlc && map->tile_f != sh->F)
		return einval(err, errlen, "an RLC ofmap needs tile_f = out_width %u", sh->F);
	if (out->rlc && out->seg_rows == sh->E && sh->E > 1 && map->tile_e != sh->E)
		return einval(err, errlen,
			      "an RLC ofmap of whole planes needs tile_e = out_height %u",
			      sh->E);
	return 0;
}

/* The DRAM strides of a tensor's DMAs: the largest must fit 32 bits. */
static uint64_t largest_stride(unsigned c, unsigned h, unsigned w, unsigned elem,
			       const struct accel_tensor *t)
{
	if (!t->rlc)
		return (uint64_t)c * h * w * elem;
	return ROWSTAT_RLC_SLOT_BYTES((uint64_t)t->seg_rows * w) * (h / t->seg_rows) * c;
}

static int check_strides(const struct accel_shape *sh, const struct accel_tensor *in,
			 const struct accel_tensor *out, char *err, size_t errlen)
{
	uint64_t ifmap = largest_stride(sh->C, sh->H, sh->W, sh->ib, in);
	uint64_t ofmap = largest_stride(sh->M, sh->E, sh->F, sh->ob, out);

	if (ifmap > UINT32_MAX)
		return einval(err, errlen,
			      "an ifmap image of %" PRIu64 " bytes exceeds the DMA's 32-bit stride",
			      ifmap);
	if (ofmap > UINT32_MAX)
		return einval(err, errlen,
			      "an ofmap image of %" PRIu64 " bytes exceeds the DMA's 32-bit stride",
			      ofmap);
	return 0;
}

int accel_mapping_check(const struct rs_hw_params *hw, const struct accel_conv *cv,
			const struct accel_mapping *map, const struct accel_tensor *in,
			const struct accel_tensor *out, char *err, size_t errlen)
{
	struct accel_shape sh;
	struct accel_glb_plan plan;
	struct rs_hw_mapping m;
	struct accel_sublayers sl;
	struct accel_conv part;
	unsigned n0, m0;
	int ret = accel_conv_check(cv, err, errlen);

	if (ret)
		return ret;
	accel_shape_get(cv, &sh);
	accel_hw_mapping(map, &m);
	if (rs_hw_mapping_check(hw, &m, "", err, errlen) ||
	    check_strides(&sh, in, out, err, errlen))
		return -EINVAL;
	/* Its tiles fit every sub-layer when they fit the smallest, the last. */
	accel_sublayers_get(cv, &sl);
	accel_sublayer(cv, &sl, sl.n_parts - 1, sl.m_parts - 1, &part, &n0, &m0);
	accel_shape_get(&part, &sh);
	if (check_tiles(&sh, map, in, out, err, errlen))
		return -EINVAL;
	accel_glb_plan(&sh, in, map, &plan);
	if (plan.total > hw->glb_bytes)
		return einval(err, errlen, "tiles need %" PRIu64 " GLB bytes, the GLB has %u",
			      plan.total, hw->glb_bytes);
	return 0;
}
