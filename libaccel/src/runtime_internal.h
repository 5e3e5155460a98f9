/* SPDX-License-Identifier: MIT */
/*
 * The runtime's insides: devices, buffers and jobs, and what a backend
 * provides (struct accel_backend_ops).  Not installed.
 */
#ifndef ACCEL_RUNTIME_INTERNAL_H
#define ACCEL_RUNTIME_INTERNAL_H

#include <stdarg.h>

#include <rowstat/runtime.h>

#define ACCEL_HIDDEN __attribute__((visibility("hidden")))

struct accel_backend_ops {
	enum accel_backend backend;
	/* Fills dev->info and dev->priv; spec is what accel_device_open got. */
	int (*open)(struct accel_device *dev, const char *spec);
	void (*close)(struct accel_device *dev);
	/* Fills buf->va, size (rounded), map and priv. */
	int (*buffer_alloc)(struct accel_device *dev, struct accel_buffer *buf, uint64_t size);
	int (*buffer_import)(struct accel_device *dev, struct accel_buffer *buf, int fd);
	void (*buffer_free)(struct accel_buffer *buf);
	int (*buffer_export)(struct accel_buffer *buf, int *fd);
	int (*submit)(struct accel_device *dev, struct accel_job *job);
	/* 0 when the job has ended (job->result filled), -ETIME if not yet. */
	int (*wait)(struct accel_job *job, int timeout_ms);
	void (*job_release)(struct accel_job *job);
};

struct accel_device {
	const struct accel_backend_ops *ops;
	unsigned refs;			/* the opener's, and each buffer's and job's */
	struct accel_device_info info;
	struct accel_map_cache *maps;	/* each layer shape searched once */
	void *priv;
};

struct accel_buffer {
	struct accel_device *dev;
	uint64_t va, size;
	void *map;
	void *priv;
	bool read_only;		/* for the device */
};

struct accel_job {
	struct accel_device *dev;
	struct accel_job_desc desc;
	struct accel_buffer **buffers;	/* a copy of desc.buffers */
	bool ended;
	struct accel_job_result result;
	double submit_us;
	void *priv;
	/* A layer's job owns its stream and keeps what it ran. */
	struct accel_buffer *owned_stream;
	bool is_layer;
	struct accel_mapping map;
	struct accel_estimate est;
};

/* Sets this thread's message; returns err (negative errno) for chaining. */
ACCEL_HIDDEN int accel_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
ACCEL_HIDDEN double accel_now_us(void);
/* Fills latency_us and energy from the counts and the device's clock. */
ACCEL_HIDDEN void accel_result_finish(const struct accel_device *dev,
				      struct accel_job_result *res);

/* Most DRM nodes accel_device_list looks at, and the kernel backend resolves. */
#define ACCEL_LIST_MAX 64
/* Is the open DRM node fd rowstat's (its driver's name)? */
ACCEL_HIDDEN bool accel_node_is_rowstat(int fd);

extern const struct accel_backend_ops accel_sim_ops ACCEL_HIDDEN;
extern const struct accel_backend_ops accel_kernel_ops ACCEL_HIDDEN;

#endif
