// SPDX-License-Identifier: MIT
/* Layer legality and output size (docs/hardware.md 7.2). */
#include <stdio.h>

#include "hw_internal.h"

unsigned rs_hw_out_extent(unsigned in, unsigned pad_lo, unsigned pad_hi,
			  unsigned kernel, unsigned stride)
{
	uint64_t padded = (uint64_t)in + pad_lo + pad_hi;

	if (!stride || padded < kernel)
		return 0;
	return (unsigned)((padded - kernel) / stride + 1);
}

static enum rowstat_status check_precisions(const struct rs_hw_params *hw,
					    const struct rs_hw_layer *l,
					    const char *prefix, char *why, size_t len)
{
	const struct {
		const char *name;
		unsigned prec;
	} precs[] = {
		{ "ifmap_prec", l->ifmap_prec },
		{ "filter_prec", l->filter_prec },
		{ "ofmap_prec", l->ofmap_prec },
	};

	for (size_t i = 0; i < sizeof(precs) / sizeof(precs[0]); i++) {
		unsigned p = precs[i].prec;

		if ((p != ROWSTAT_PREC_Q16 && p != ROWSTAT_PREC_INT8) ||
		    (hw && !(hw->precisions & ROWSTAT_PREC_BIT(p))))
			return rs_hw_refuse(ROWSTAT_ERR_LAYER_PREC, why, len,
				      "%s%s %u not supported", prefix, precs[i].name, p);
	}
	return ROWSTAT_OK;
}

static enum rowstat_status check_ranges(const struct rs_hw_layer *l,
					const char *prefix, char *why, size_t len)
{
	const struct {
		const char *name;
		unsigned v, lo, hi;
	} ranges[] = {
		{ "batch", l->batch, 1, ROWSTAT_MAX_BATCH },
		{ "in_channels", l->in_channels, 1, ROWSTAT_MAX_CHANNELS },
		{ "in_height", l->in_height, 1, ROWSTAT_MAX_SPATIAL },
		{ "in_width", l->in_width, 1, ROWSTAT_MAX_SPATIAL },
		{ "out_channels", l->out_channels, 1, ROWSTAT_MAX_CHANNELS },
		{ "kernel_h", l->kernel_h, 1, ROWSTAT_MAX_KERNEL },
		{ "kernel_w", l->kernel_w, 1, ROWSTAT_MAX_KERNEL },
		{ "groups", l->groups, 1, l->in_channels },
		{ "stride_h", l->stride_h, 1, ROWSTAT_MAX_STRIDE },
		{ "stride_w", l->stride_w, 1, ROWSTAT_MAX_STRIDE },
		/* A pad as large as the kernel would give outputs of padding only. */
		{ "pad_top", l->pad_top, 0, l->kernel_h - 1 },
		{ "pad_bottom", l->pad_bottom, 0, l->kernel_h - 1 },
		{ "pad_left", l->pad_left, 0, l->kernel_w - 1 },
		{ "pad_right", l->pad_right, 0, l->kernel_w - 1 },
	};

	/* kernel - 1 wraps for a zero kernel; the kernel's own check comes first. */
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (ranges[i].v < ranges[i].lo || ranges[i].v > ranges[i].hi)
			return rs_hw_refuse(ROWSTAT_ERR_LAYER_SHAPE, why, len, "%s%s %u outside %u..%u",
				      prefix, ranges[i].name, ranges[i].v, ranges[i].lo,
				      ranges[i].hi);
	return ROWSTAT_OK;
}

enum rowstat_status rs_hw_layer_check(const struct rs_hw_params *hw,
				      const struct rs_hw_layer *l, const char *prefix,
				      char *why, size_t len)
{
	enum rowstat_status st = check_precisions(hw, l, prefix, why, len);

	if (!st)
		st = check_ranges(l, prefix, why, len);
	if (st)
		return st;
	if (l->in_channels % l->groups || l->out_channels % l->groups)
		return rs_hw_refuse(ROWSTAT_ERR_LAYER_SHAPE, why, len,
			      "%sgroups %u does not divide in_channels %u and out_channels %u",
			      prefix, l->groups, l->in_channels, l->out_channels);
	if (!rs_hw_out_extent(l->in_height, l->pad_top, l->pad_bottom, l->kernel_h, 1) ||
	    !rs_hw_out_extent(l->in_width, l->pad_left, l->pad_right, l->kernel_w, 1))
		return rs_hw_refuse(ROWSTAT_ERR_LAYER_SHAPE, why, len,
			      "%skernel %ux%u larger than the padded input %ux%u", prefix,
			      l->kernel_h, l->kernel_w,
			      l->in_height + l->pad_top + l->pad_bottom,
			      l->in_width + l->pad_left + l->pad_right);
	if (l->requant_shift > ROWSTAT_MAX_REQUANT_SHIFT)
		return rs_hw_refuse(ROWSTAT_ERR_LAYER_QUANT, why, len, "%srequant_shift %u above %u",
			      prefix, l->requant_shift, ROWSTAT_MAX_REQUANT_SHIFT);
	return ROWSTAT_OK;
}
