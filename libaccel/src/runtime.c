// SPDX-License-Identifier: MIT
/*
 * The runtime's backend-independent half: opening devices, the error
 * message, buffers, jobs and layers (compile, place the stream, submit).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rowstat_accel.h>

#include "runtime_internal.h"

/* Shapes a device remembers the mapping of. */
#define DEVICE_MAP_CACHE	1024

static __thread char error_message[256];

const char *accel_error(void)
{
	return error_message;
}

int accel_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_message, sizeof(error_message), fmt, ap);
	va_end(ap);
	return err;
}

double accel_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

void accel_result_finish(const struct accel_device *dev, struct accel_job_result *res)
{
	res->energy = rs_hw_counters_energy_total(&res->counts);
	res->latency_us = (double)res->counts.cycles * 1000.0 / dev->info.hw.clock_khz;
}

const char *accel_backend_name(enum accel_backend backend)
{
	switch (backend) {
	case ACCEL_BACKEND_SIM:
		return "sim";
	case ACCEL_BACKEND_KERNEL:
		return "kernel";
	}
	return "?";
}

/* The backend a spec names; NULL (with the message set) if none does. */
static const struct accel_backend_ops *backend_for(const char **spec)
{
	const char *env = getenv("ROWSTAT_BACKEND");

	const char *s;

	if (!*spec || !**spec)
		*spec = env && *env ? env : "sim";
	s = *spec;
	if (!strcmp(s, "sim"))
		return &accel_sim_ops;
	/* The first rowstat node, a node's path, a PCI address or an index. */
	if (!strcmp(s, "kernel") || s[0] == '/' || strchr(s, ':') ||
	    strspn(s, "0123456789") == strlen(s))
		return &accel_kernel_ops;
	accel_fail(-ENODEV,
		   "device \"%s\": not sim, kernel, a node path, a PCI address or an index", s);
	return NULL;
}

int accel_device_open(const char *spec, struct accel_device **out)
{
	const struct accel_backend_ops *ops;
	struct accel_device *dev;
	int ret;

	if (!out)
		return accel_fail(-EINVAL, "accel_device_open: dev is NULL");
	*out = NULL;
	ops = backend_for(&spec);
	if (!ops)
		return -ENODEV;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return accel_fail(-ENOMEM, "device \"%s\": out of memory", spec);
	dev->ops = ops;
	dev->refs = 1;
	dev->info.backend = ops->backend;
	dev->maps = accel_map_cache_create(DEVICE_MAP_CACHE);
	if (!dev->maps) {
		free(dev);
		return accel_fail(-ENOMEM, "device \"%s\": out of memory", spec);
	}
	ret = ops->open(dev, spec);
	if (ret) {
		accel_map_cache_destroy(dev->maps);
		free(dev);
		return ret;
	}
	*out = dev;
	return 0;
}

static void device_get(struct accel_device *dev)
{
	__atomic_add_fetch(&dev->refs, 1, __ATOMIC_RELAXED);
}

/* The last of the opener, the buffers and the jobs closes the device. */
static void device_put(struct accel_device *dev)
{
	if (__atomic_sub_fetch(&dev->refs, 1, __ATOMIC_ACQ_REL))
		return;
	dev->ops->close(dev);
	accel_map_cache_destroy(dev->maps);
	free(dev);
}

void accel_device_close(struct accel_device *dev)
{
	if (dev)
		device_put(dev);
}

void accel_device_info(const struct accel_device *dev, struct accel_device_info *info)
{
	*info = dev->info;
}

/* ---- Buffers ---- */

static int buffer_alloc(struct accel_device *dev, uint64_t size, bool read_only,
			struct accel_buffer **out, const char *call)
{
	struct accel_buffer *buf;
	int ret;

	if (!dev || !out)
		return accel_fail(-EINVAL, "%s: %s is NULL", call, dev ? "buf" : "dev");
	*out = NULL;
	if (!size || size > ROWSTAT_BO_MAX_BYTES)
		return accel_fail(-EINVAL, "buffer size %llu: must be 1 to %llu bytes",
				  (unsigned long long)size,
				  (unsigned long long)ROWSTAT_BO_MAX_BYTES);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return accel_fail(-ENOMEM, "buffer of %llu bytes: out of memory",
				  (unsigned long long)size);
	buf->dev = dev;
	buf->read_only = read_only;
	ret = dev->ops->buffer_alloc(dev, buf, size);
	if (ret) {
		free(buf);
		return ret;
	}
	device_get(dev);
	*out = buf;
	return 0;
}

int accel_buffer_alloc(struct accel_device *dev, uint64_t size, struct accel_buffer **out)
{
	return buffer_alloc(dev, size, false, out, "accel_buffer_alloc");
}

int accel_buffer_alloc_read_only(struct accel_device *dev, uint64_t size,
				 struct accel_buffer **out)
{
	return buffer_alloc(dev, size, true, out, "accel_buffer_alloc_read_only");
}

int accel_buffer_import(struct accel_device *dev, int fd, struct accel_buffer **out)
{
	struct accel_buffer *buf;
	int ret;

	if (!dev || !out)
		return accel_fail(-EINVAL, "accel_buffer_import: %s is NULL", dev ? "buf" : "dev");
	*out = NULL;
	if (fd < 0)
		return accel_fail(-EBADF, "buffer import: fd %d is not a descriptor", fd);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return accel_fail(-ENOMEM, "buffer import: out of memory");
	buf->dev = dev;
	ret = dev->ops->buffer_import(dev, buf, fd);
	if (ret) {
		free(buf);
		return ret;
	}
	device_get(dev);
	*out = buf;
	return 0;
}

void accel_buffer_free(struct accel_buffer *buf)
{
	struct accel_device *dev;

	if (!buf)
		return;
	dev = buf->dev;
	dev->ops->buffer_free(buf);
	free(buf);
	device_put(dev);
}

int accel_buffer_export(struct accel_buffer *buf, int *fd)
{
	if (!buf || !fd)
		return accel_fail(-EINVAL, "accel_buffer_export: %s is NULL", buf ? "fd" : "buf");
	return buf->dev->ops->buffer_export(buf, fd);
}

void *accel_buffer_map(const struct accel_buffer *buf)
{
	return buf ? buf->map : NULL;
}

uint64_t accel_buffer_size(const struct accel_buffer *buf)
{
	return buf ? buf->size : 0;
}

uint64_t accel_buffer_va(const struct accel_buffer *buf)
{
	return buf ? buf->va : 0;
}

/* ---- Jobs ---- */

static int job_desc_check(const struct accel_device *dev, const struct accel_job_desc *d)
{
	const struct accel_buffer *s = d->stream;

	if (!s)
		return accel_fail(-EINVAL, "job: stream buffer is NULL");
	if (s->dev != dev)
		return accel_fail(-EINVAL, "job: the stream buffer belongs to another device");
	if (d->stream_offset % 8 || d->stream_bytes % 8 || !d->stream_bytes ||
	    d->stream_bytes > ROWSTAT_STREAM_MAX_BYTES)
		return accel_fail(-EINVAL,
				  "job: stream_offset %llu and stream_bytes %u must be multiples of 8, and stream_bytes 8 to %u",
				  (unsigned long long)d->stream_offset, d->stream_bytes,
				  ROWSTAT_STREAM_MAX_BYTES);
	if (d->stream_offset > s->size || s->size - d->stream_offset < d->stream_bytes)
		return accel_fail(-EINVAL, "job: stream %llu+%u lies outside its %llu-byte buffer",
				  (unsigned long long)d->stream_offset, d->stream_bytes,
				  (unsigned long long)s->size);
	if (d->buffer_count > ROWSTAT_SUBMIT_MAX_BOS)
		return accel_fail(-EINVAL, "job: %u buffers, at most %u", d->buffer_count,
				  ROWSTAT_SUBMIT_MAX_BOS);
	if (d->buffer_count && !d->buffers)
		return accel_fail(-EINVAL, "job: buffers is NULL with buffer_count %u",
				  d->buffer_count);
	for (unsigned i = 0; i < d->buffer_count; i++) {
		if (!d->buffers[i])
			return accel_fail(-EINVAL, "job: buffers[%u] is NULL", i);
		if (d->buffers[i]->dev != dev)
			return accel_fail(-EINVAL, "job: buffers[%u] belongs to another device", i);
	}
	return 0;
}

int accel_job_submit(struct accel_device *dev, const struct accel_job_desc *desc,
		     struct accel_job **out)
{
	struct accel_job *job;
	int ret;

	if (!dev || !desc || !out)
		return accel_fail(-EINVAL, "accel_job_submit: %s is NULL",
				  !dev ? "dev" : !desc ? "desc" : "job");
	*out = NULL;
	ret = job_desc_check(dev, desc);
	if (ret)
		return ret;
	job = calloc(1, sizeof(*job));
	if (!job)
		return accel_fail(-ENOMEM, "job: out of memory");
	job->dev = dev;
	job->desc = *desc;
	if (desc->buffer_count) {
		job->buffers = malloc(desc->buffer_count * sizeof(*job->buffers));
		if (!job->buffers) {
			free(job);
			return accel_fail(-ENOMEM, "job: out of memory");
		}
		memcpy(job->buffers, desc->buffers, desc->buffer_count * sizeof(*job->buffers));
		job->desc.buffers = job->buffers;
	}
	job->submit_us = accel_now_us();
	ret = dev->ops->submit(dev, job);
	if (ret) {
		free(job->buffers);
		free(job);
		return ret;
	}
	device_get(dev);
	*out = job;
	return 0;
}

int accel_job_wait(struct accel_job *job, int timeout_ms, struct accel_job_result *res)
{
	int ret;

	if (!job)
		return accel_fail(-EINVAL, "accel_job_wait: job is NULL");
	if (!job->ended) {
		ret = job->dev->ops->wait(job, timeout_ms);
		if (ret)
			return ret;
		job->ended = true;
	}
	if (res)
		*res = job->result;
	if (job->result.error && job->result.status == ROWSTAT_ERR_FAULT)
		return accel_fail(job->result.error,
				  "job failed: the command at stream offset %u faulted on VA 0x%llx",
				  job->result.error_offset,
				  (unsigned long long)job->result.fault_va);
	if (job->result.error == -ETIMEDOUT)
		return accel_fail(job->result.error,
				  "job failed: it hung and the device was reset (%s)",
				  rs_hw_status_name(job->result.status));
	if (job->result.error)
		return accel_fail(job->result.error, "job failed: %s at stream offset %u",
				  rs_hw_status_name(job->result.status), job->result.error_offset);
	return 0;
}

void accel_job_free(struct accel_job *job)
{
	struct accel_device *dev;

	if (!job)
		return;
	dev = job->dev;
	if (!job->ended && !dev->ops->wait(job, -1))
		job->ended = true;
	if (dev->ops->job_release)
		dev->ops->job_release(job);
	accel_buffer_free(job->owned_stream);
	free(job->buffers);
	free(job);
	device_put(dev);
}

/* ---- Layers ---- */

static unsigned prec_bytes(unsigned prec)
{
	return rs_hw_prec_bytes(prec);
}

uint64_t accel_layer_ifmap_bytes(const struct accel_layer *l)
{
	const struct accel_conv *cv = &l->cv;

	return accel_tensor_bytes(cv->batch, cv->in_channels, cv->in_height, cv->in_width,
				  prec_bytes(cv->ifmap_prec), &l->in);
}

uint64_t accel_layer_filter_bytes(const struct accel_layer *l)
{
	const struct accel_conv *cv = &l->cv;

	return (uint64_t)cv->out_channels * (cv->groups ? cv->in_channels / cv->groups : 0) *
	       cv->kernel_h * cv->kernel_w * prec_bytes(cv->filter_prec);
}

uint64_t accel_layer_ofmap_bytes(const struct accel_layer *l)
{
	const struct accel_conv *cv = &l->cv;

	return accel_tensor_bytes(cv->batch, cv->out_channels, accel_conv_out_height(cv),
				  accel_conv_out_width(cv), prec_bytes(cv->ofmap_prec), &l->out);
}

/* Is [offset, offset + bytes) inside buf? */
static int layer_tensor_check(const char *name, const char *what,
			      const struct accel_device *dev, const struct accel_buffer *buf,
			      uint64_t offset, uint64_t bytes)
{
	if (!buf)
		return accel_fail(-EINVAL, "layer %s: %s buffer is NULL", name, what);
	if (buf->dev != dev)
		return accel_fail(-EINVAL, "layer %s: %s buffer belongs to another device", name,
				  what);
	if (offset > buf->size || buf->size - offset < bytes)
		return accel_fail(-EINVAL,
				  "layer %s: %s needs %llu bytes at offset %llu of a %llu-byte buffer",
				  name, what, (unsigned long long)bytes,
				  (unsigned long long)offset, (unsigned long long)buf->size);
	return 0;
}

static int layer_check(const struct accel_device *dev, const struct accel_layer *l)
{
	const char *name = l->name ? l->name : "(unnamed)";
	char err[200];
	int ret;

	if (accel_conv_check(&l->cv, err, sizeof(err)))
		return accel_fail(-EINVAL, "layer %s: %s", name, err);
	ret = layer_tensor_check(name, "ifmap", dev, l->ifmap, l->ifmap_offset,
				 accel_layer_ifmap_bytes(l));
	if (!ret)
		ret = layer_tensor_check(name, "filters", dev, l->filters, l->filters_offset,
					 accel_layer_filter_bytes(l));
	if (!ret && l->cv.bias)
		ret = layer_tensor_check(name, "bias", dev, l->bias, l->bias_offset,
					 4ull * l->cv.out_channels);
	if (!ret)
		ret = layer_tensor_check(name, "ofmap", dev, l->ofmap, l->ofmap_offset,
					 accel_layer_ofmap_bytes(l));
	return ret;
}

void accel_device_map_stats(const struct accel_device *dev, struct accel_map_cache_stats *st)
{
	accel_map_cache_stats(dev ? dev->maps : NULL, st);
}

/* A failed search's message, as accel_layer_submit gives it. */
static int map_fail(const struct accel_device *dev, const char *name, int ret)
{
	if (ret == -ENOSPC)
		return accel_fail(ret, "layer %s: no mapping fits this device's %u-byte GLB and RFs",
				  name, dev->info.hw.glb_bytes);
	return accel_fail(ret, "layer %s: the mapping search failed (%s)", name, strerror(-ret));
}

int accel_layers_prepare(struct accel_device *dev, const struct accel_layer *layers,
			 unsigned count)
{
	struct accel_map_request *reqs;
	struct accel_mapping *maps;
	bool named = false;
	char err[200];
	int ret;

	if (!dev || (!layers && count))
		return accel_fail(-EINVAL, "accel_layers_prepare: %s is NULL",
				  !dev ? "dev" : "layers");
	for (unsigned i = 0; i < count; i++)
		if (accel_conv_check(&layers[i].cv, err, sizeof(err)))
			return accel_fail(-EINVAL, "layer %s: %s",
					  layers[i].name ? layers[i].name : "(unnamed)", err);
	if (!count)
		return 0;
	reqs = calloc(count, sizeof(*reqs));
	maps = calloc(count, sizeof(*maps));
	if (!reqs || !maps) {
		free(reqs);
		free(maps);
		return accel_fail(-ENOMEM, "accel_layers_prepare: out of memory");
	}
	for (unsigned i = 0; i < count; i++)
		reqs[i] = (struct accel_map_request){
			.cv = &layers[i].cv, .in = &layers[i].in, .out = &layers[i].out,
			.hints = layers[i].hints, .opts = layers[i].options, .map = &maps[i],
		};
	ret = accel_map_search_batch(dev->maps, &dev->info.hw, reqs, count, 0);
	for (unsigned i = 0; ret && i < count; i++)
		if (reqs[i].ret) {
			named = true;
			ret = map_fail(dev, layers[i].name ? layers[i].name : "(unnamed)",
				       reqs[i].ret);
			break;
		}
	/* No layer failed: the batch itself found no memory. */
	if (ret && !named)
		ret = accel_fail(ret, "accel_layers_prepare: %s", strerror(-ret));
	free(reqs);
	free(maps);
	return ret;
}

int accel_layer_submit(struct accel_device *dev, const struct accel_layer *l,
		       struct accel_job **out)
{
	const char *name = l && l->name ? l->name : "(unnamed)";
	struct accel_tensor in, out_fmt;
	struct accel_mapping map;
	struct accel_estimate est;
	struct accel_stream s;
	struct accel_buffer *stream = NULL, *bufs[4];
	struct accel_job_desc desc = { 0 };
	unsigned count = 0;
	char err[200];
	int ret;

	if (!dev || !l || !out)
		return accel_fail(-EINVAL, "accel_layer_submit: %s is NULL",
				  !dev ? "dev" : !l ? "layer" : "job");
	*out = NULL;
	ret = layer_check(dev, l);
	if (ret)
		return ret;
	in = l->in;
	out_fmt = l->out;
	in.va = l->ifmap->va + l->ifmap_offset;
	out_fmt.va = l->ofmap->va + l->ofmap_offset;
	ret = accel_map_search_cached(dev->maps, &dev->info.hw, &l->cv, &in, &out_fmt, l->hints,
				      l->options, &map, &est);
	if (ret)
		return map_fail(dev, name, ret);
	accel_stream_init(&s);
	ret = accel_emit_conv(&s, &dev->info.hw, &l->cv, &map,
			      l->filters->va + l->filters_offset,
			      l->cv.bias ? l->bias->va + l->bias_offset : 0, &in, &out_fmt, err,
			      sizeof(err));
	if (!ret) {
		accel_stream_end(&s);
		ret = s.error;
		if (ret)
			snprintf(err, sizeof(err), "its stream cannot be built (%s)",
				 strerror(-ret));
	}
	if (ret) {
		accel_stream_free(&s);
		return accel_fail(ret, "layer %s: %s", name, err);
	}
	ret = accel_buffer_alloc(dev, s.len, &stream);
	if (ret) {
		accel_stream_free(&s);
		return ret;
	}
	memcpy(stream->map, s.buf, s.len);
	desc.stream = stream;
	desc.stream_bytes = (uint32_t)s.len;
	accel_stream_free(&s);
	bufs[count++] = l->ifmap;
	bufs[count++] = l->filters;
	if (l->cv.bias)
		bufs[count++] = l->bias;
	bufs[count++] = l->ofmap;
	desc.buffers = bufs;
	desc.buffer_count = count;
	ret = accel_job_submit(dev, &desc, out);
	if (ret) {
		accel_buffer_free(stream);
		return ret;
	}
	(*out)->owned_stream = stream;
	(*out)->is_layer = true;
	(*out)->map = map;
	(*out)->est = est;
	return 0;
}

int accel_layer_job_info(const struct accel_job *job, struct accel_mapping *map,
			 struct accel_estimate *est)
{
	if (!job || !job->is_layer)
		return accel_fail(-EINVAL, "accel_layer_job_info: %s",
				  job ? "not a layer's job" : "job is NULL");
	if (map)
		*map = job->map;
	if (est)
		*est = job->est;
	return 0;
}

int accel_layer_run(struct accel_device *dev, const struct accel_layer *l,
		    struct accel_layer_result *res)
{
	struct accel_job *job;
	double t0 = accel_now_us();
	int ret;

	if (!res)
		return accel_fail(-EINVAL, "accel_layer_run: res is NULL");
	memset(res, 0, sizeof(*res));
	ret = accel_layer_submit(dev, l, &job);
	if (ret)
		return ret;
	res->compile_us = job->submit_us - t0;
	ret = accel_job_wait(job, -1, &res->job);
	res->map = job->map;
	res->est = job->est;
	accel_job_free(job);
	return ret;
}

/* ---- Tensors ---- */

void accel_values_pack(void *dst, const int16_t *vals, size_t count, unsigned prec)
{
	uint8_t *p = dst;

	if (rs_hw_prec_bytes(prec) == 1) {
		for (size_t i = 0; i < count; i++)
			p[i] = (uint8_t)vals[i];
		return;
	}
	for (size_t i = 0; i < count; i++) {
		p[2 * i] = (uint8_t)vals[i];
		p[2 * i + 1] = (uint8_t)((uint16_t)vals[i] >> 8);
	}
}

void accel_values_unpack(int16_t *vals, const void *src, size_t count, unsigned prec)
{
	const uint8_t *p = src;

	if (rs_hw_prec_bytes(prec) == 1) {
		for (size_t i = 0; i < count; i++)
			vals[i] = (int8_t)p[i];
		return;
	}
	for (size_t i = 0; i < count; i++)
		vals[i] = (int16_t)(uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
}

void accel_quantize(int16_t *vals, const float *x, size_t count, float scale, unsigned prec)
{
	long hi = rs_hw_prec_bytes(prec) == 1 ? 127 : 32767, lo = -hi - 1;

	for (size_t i = 0; i < count; i++) {
		float q = scale > 0 ? x[i] / scale : 0;
		long v;

		if (q != q)	/* NaN */
			v = 0;
		else if (q >= (float)hi)
			v = hi;
		else if (q <= (float)lo)
			v = lo;
		else	/* half away from zero */
			v = q >= 0 ? (long)(q + 0.5f) : -(long)(-q + 0.5f);
		vals[i] = (int16_t)(v > hi ? hi : v < lo ? lo : v);
	}
}

void accel_dequantize(float *x, const int16_t *vals, size_t count, float scale)
{
	for (size_t i = 0; i < count; i++)
		x[i] = (float)vals[i] * scale;
}

static int tensor_fmt_check(const struct accel_tensor *fmt, unsigned h)
{
	if (fmt && fmt->rlc && fmt->seg_rows != 1 && fmt->seg_rows != h)
		return accel_fail(-EINVAL, "tensor: seg_rows %u must be 1 or H (%u)",
				  fmt->seg_rows, h);
	return 0;
}

int accel_tensor_encode(void *dst, const int16_t *vals, unsigned n, unsigned c, unsigned h,
			unsigned w, unsigned prec, const struct accel_tensor *fmt)
{
	uint8_t *p = dst;
	int ret = tensor_fmt_check(fmt, h);

	if (ret)
		return ret;
	if (!fmt || !fmt->rlc) {
		accel_values_pack(dst, vals, (size_t)n * c * h * w, prec);
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < c; j++)
			for (unsigned k = 0; k < h; k += fmt->seg_rows)
				rs_hw_rlc_encode(vals + (((size_t)i * c + j) * h + k) * w,
						 (size_t)fmt->seg_rows * w,
						 p + accel_tensor_segment_offset(i, j, k, c, h, w,
										 fmt->seg_rows));
	return 0;
}

int accel_tensor_decode(int16_t *vals, const void *src, unsigned n, unsigned c, unsigned h,
			unsigned w, unsigned prec, const struct accel_tensor *fmt)
{
	const uint8_t *p = src;
	int ret = tensor_fmt_check(fmt, h);

	if (ret)
		return ret;
	if (!fmt || !fmt->rlc) {
		accel_values_unpack(vals, src, (size_t)n * c * h * w, prec);
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < c; j++)
			for (unsigned k = 0; k < h; k += fmt->seg_rows) {
				size_t len = (size_t)fmt->seg_rows * w, used;
				const char *why;
				uint64_t off = accel_tensor_segment_offset(i, j, k, c, h, w,
									   fmt->seg_rows);

				if (rs_hw_rlc_decode(p + off, ROWSTAT_RLC_SLOT_BYTES(len),
						     vals + (((size_t)i * c + j) * h + k) * w, len,
						     &used, &why))
					return accel_fail(-EINVAL,
							  "tensor: RLC segment (%u, %u, row %u): %s",
							  i, j, k, why);
			}
	return 0;
}
