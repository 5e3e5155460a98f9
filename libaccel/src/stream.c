// SPDX-License-Identifier: MIT
/* Command-stream builder: one function per command of uapi/rowstat_cmd.h. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler_internal.h"

void accel_stream_init(struct accel_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void accel_stream_free(struct accel_stream *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

void accel_stream_raw(struct accel_stream *s, const void *bytes, size_t len)
{
	if (s->error)
		return;
	/* The device takes no more; a longer stream is a compiler error. */
	if (s->len + len > ROWSTAT_STREAM_MAX_BYTES) {
		s->error = -E2BIG;
		return;
	}
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		uint8_t *buf;

		while (cap < s->len + len)
			cap *= 2;
		buf = realloc(s->buf, cap);
		if (!buf) {
			s->error = -ENOMEM;
			return;
		}
		s->buf = buf;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, bytes, len);
	s->len += len;
}

static struct rowstat_cmd_header header(unsigned opcode, size_t bytes)
{
	struct rowstat_cmd_header h = {
		.opcode = (uint8_t)opcode,
		.dwords = htole16((uint16_t)(bytes / 4)),
	};

	return h;
}

void accel_stream_layer(struct accel_stream *s, const struct accel_conv *cv,
		     uint64_t filter_va, uint64_t bias_va)
{
	accel_stream_layer_strided(s, cv, filter_va, 0, bias_va);
}

/* Do all values fit a command field of `bits`?  If not, the stream fails. */
static bool fields_fit(struct accel_stream *s, const uint64_t *v, size_t n, unsigned bits)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] >> bits) {
			if (!s->error)
				s->error = -EINVAL;
			return false;
		}
	return true;
}

void accel_stream_layer_strided(struct accel_stream *s, const struct accel_conv *cv,
				uint64_t filter_va, uint32_t filter_stride, uint64_t bias_va)
{
	const uint64_t wide[] = {
		cv->batch, cv->in_channels, cv->in_height, cv->in_width, cv->out_channels,
		cv->kernel_h, cv->kernel_w, cv->groups, accel_conv_out_height(cv),
		accel_conv_out_width(cv),
	};
	const uint64_t narrow[] = {
		cv->ifmap_prec, cv->filter_prec, cv->ofmap_prec, cv->stride_h, cv->stride_w,
		cv->pad_top, cv->pad_bottom, cv->pad_left, cv->pad_right, cv->requant_shift,
	};
	struct rowstat_cmd_layer c;

	if (!fields_fit(s, wide, sizeof(wide) / sizeof(wide[0]), 16) ||
	    !fields_fit(s, narrow, sizeof(narrow) / sizeof(narrow[0]), 8))
		return;
	memset(&c, 0, sizeof(c));
	c.hdr = header(ROWSTAT_OP_LAYER, sizeof(c));
	c.ifmap_prec = (uint8_t)cv->ifmap_prec;
	c.filter_prec = (uint8_t)cv->filter_prec;
	c.ofmap_prec = (uint8_t)cv->ofmap_prec;
	c.flags = (cv->relu ? ROWSTAT_LAYER_RELU : 0) |
		  (cv->bias ? ROWSTAT_LAYER_BIAS : 0);
	c.batch = htole16((uint16_t)cv->batch);
	c.in_channels = htole16((uint16_t)cv->in_channels);
	c.in_height = htole16((uint16_t)cv->in_height);
	c.in_width = htole16((uint16_t)cv->in_width);
	c.out_channels = htole16((uint16_t)cv->out_channels);
	c.kernel_h = htole16((uint16_t)cv->kernel_h);
	c.kernel_w = htole16((uint16_t)cv->kernel_w);
	c.groups = htole16((uint16_t)cv->groups);
	c.out_height = htole16((uint16_t)accel_conv_out_height(cv));
	c.out_width = htole16((uint16_t)accel_conv_out_width(cv));
	c.stride_h = (uint8_t)cv->stride_h;
	c.stride_w = (uint8_t)cv->stride_w;
	c.pad_top = (uint8_t)cv->pad_top;
	c.pad_bottom = (uint8_t)cv->pad_bottom;
	c.pad_left = (uint8_t)cv->pad_left;
	c.pad_right = (uint8_t)cv->pad_right;
	c.requant_shift = (uint8_t)cv->requant_shift;
	c.requant_mult = htole32((uint32_t)cv->requant_mult);
	c.filter_stride = htole32(filter_stride);
	c.filter_va = htole64(filter_va);
	c.bias_va = htole64(cv->bias ? bias_va : 0);
	accel_stream_raw(s, &c, sizeof(c));
}

void accel_stream_mapping(struct accel_stream *s, const struct accel_mapping *map)
{
	const uint64_t v[] = {
		map->set_rows, map->set_cols, map->filters_per_pe, map->channels_per_pe,
		map->filter_sets, map->channel_sets, map->taps_per_pe, map->images_per_pass,
	};
	struct rowstat_cmd_mapping c;

	if (!fields_fit(s, v, sizeof(v) / sizeof(v[0]), 16))
		return;
	memset(&c, 0, sizeof(c));
	c.hdr = header(ROWSTAT_OP_MAPPING, sizeof(c));
	c.set_rows = htole16((uint16_t)map->set_rows);
	c.set_cols = htole16((uint16_t)map->set_cols);
	c.filters_per_pe = htole16((uint16_t)map->filters_per_pe);
	c.channels_per_pe = htole16((uint16_t)map->channels_per_pe);
	c.filter_sets = htole16((uint16_t)map->filter_sets);
	c.channel_sets = htole16((uint16_t)map->channel_sets);
	c.taps_per_pe = htole16((uint16_t)map->taps_per_pe);
	c.images_per_pass = htole16((uint16_t)map->images_per_pass);
	accel_stream_raw(s, &c, sizeof(c));
}

void accel_stream_dma(struct accel_stream *s, const struct rowstat_cmd_dma *cmd)
{
	struct rowstat_cmd_dma c = *cmd;

	c.hdr = header(ROWSTAT_OP_DMA, sizeof(c));
	accel_stream_raw(s, &c, sizeof(c));
}

void accel_stream_pass(struct accel_stream *s, const struct rowstat_cmd_pass *cmd)
{
	struct rowstat_cmd_pass c = *cmd;

	c.hdr = header(ROWSTAT_OP_PASS, sizeof(c));
	accel_stream_raw(s, &c, sizeof(c));
}

void accel_stream_barrier(struct accel_stream *s)
{
	struct rowstat_cmd_barrier c;

	memset(&c, 0, sizeof(c));
	c.hdr = header(ROWSTAT_OP_BARRIER, sizeof(c));
	accel_stream_raw(s, &c, sizeof(c));
}

void accel_stream_end(struct accel_stream *s)
{
	struct rowstat_cmd_end c;

	memset(&c, 0, sizeof(c));
	c.hdr = header(ROWSTAT_OP_END, sizeof(c));
	accel_stream_raw(s, &c, sizeof(c));
}
