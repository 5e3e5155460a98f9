// SPDX-License-Identifier: MIT
/*
 * The kernel backend: rowstat.ko through libdrm (uapi/rowstat_accel.h).
 * A device is an open DRM node (the accel node on kernels that have DRM
 * accel, else the render node), whose file is the process's device address
 * space.  A job is a SUBMIT with a syncobj for its fence and a page of its
 * own for the statistics the device writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <linux/sync_file.h>
#include <xf86drm.h>

#include <rowstat_accel.h>

#include "runtime_internal.h"

/*
 * A GEM handle and how many of this device's buffers hold it: importing
 * a buffer the file already holds gives its handle again.
 */
struct handle_ref {
	uint32_t handle;
	unsigned refs;
};

struct kernel_device {
	int fd;
	pthread_mutex_t lock;
	struct handle_ref *handles;
	unsigned count, cap;
};

struct kernel_buffer {
	uint32_t handle;
};

struct kernel_job {
	uint32_t sync;
	struct accel_buffer *stats;
};

static int fd_of(const struct accel_device *dev)
{
	return ((struct kernel_device *)dev->priv)->fd;
}

/* Counts one more holder of handle; false without memory. */
static bool handle_get(struct kernel_device *kd, uint32_t handle)
{
	bool ok = true;
	unsigned i;

	pthread_mutex_lock(&kd->lock);
	for (i = 0; i < kd->count && kd->handles[i].handle != handle; i++)
		;
	if (i < kd->count) {
		kd->handles[i].refs++;
	} else if (kd->count == kd->cap) {
		unsigned cap = kd->cap ? 2 * kd->cap : 64;
		struct handle_ref *more = realloc(kd->handles, cap * sizeof(*more));

		ok = more != NULL;
		if (ok) {
			kd->handles = more;
			kd->cap = cap;
		}
	}
	if (ok && i == kd->count)
		kd->handles[kd->count++] = (struct handle_ref){ .handle = handle, .refs = 1 };
	pthread_mutex_unlock(&kd->lock);
	return ok;
}

/* Drops a holder; closes the handle with the last. */
static void handle_put(struct kernel_device *kd, uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };
	bool last = true;

	pthread_mutex_lock(&kd->lock);
	for (unsigned i = 0; i < kd->count; i++)
		if (kd->handles[i].handle == handle) {
			last = !--kd->handles[i].refs;
			if (last)
				kd->handles[i] = kd->handles[--kd->count];
			break;
		}
	pthread_mutex_unlock(&kd->lock);
	if (last)
		drmIoctl(kd->fd, DRM_IOCTL_GEM_CLOSE, &gc);
}

/*
 * Opens the rowstat node spec names: a path, or "kernel" (the first), a PCI
 * address or an index among those accel_device_list finds; fills path.
 */
static int node_open(const char *spec, char *path, size_t len)
{
	struct accel_device_entry e[ACCEL_LIST_MAX];
	const char *node = NULL;
	char *end;
	long index = strtol(spec, &end, 10);
	bool by_index = *spec && !*end && index >= 0;
	unsigned count;
	int fd, ret;

	if (spec[0] == '/') {
		node = spec;
	} else {
		ret = accel_device_list(e, ACCEL_LIST_MAX, &count);
		if (ret)
			return ret;
		count = count < ACCEL_LIST_MAX ? count : ACCEL_LIST_MAX;
		for (unsigned i = 0; i < count && !node; i++)
			if (!strcmp(spec, "kernel") || (by_index && i == index) ||
			    !strcmp(spec, e[i].pci_address))
				node = e[i].node;
		if (!node)
			return accel_fail(-ENODEV,
					  "device \"%s\": no such rowstat device (%u found)", spec,
					  count);
	}
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return accel_fail(-errno, "device %s: %s", node, strerror(errno));
	if (!accel_node_is_rowstat(fd) || strlen(node) >= len) {
		close(fd);
		return accel_fail(-ENODEV, "device %s: not a rowstat node", node);
	}
	memcpy(path, node, strlen(node) + 1);
	return fd;
}

static int get_param(int fd, uint32_t param, uint64_t *value)
{
	struct drm_rowstat_get_param p = { .param = param };

	if (drmIoctl(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p))
		return accel_fail(-errno, "GET_PARAM %u: %s", param, strerror(errno));
	*value = p.value;
	return 0;
}

/* What GET_PARAM reports, over the defaults for what it does not. */
static int params_read(int fd, struct accel_device_info *info)
{
	static const struct {
		uint32_t param;
		size_t offset;
	} fields[] = {
		{ ROWSTAT_PARAM_ARRAY_ROWS, offsetof(struct rs_hw_params, array_rows) },
		{ ROWSTAT_PARAM_ARRAY_COLS, offsetof(struct rs_hw_params, array_cols) },
		{ ROWSTAT_PARAM_RF_FILTER, offsetof(struct rs_hw_params, rf_filter) },
		{ ROWSTAT_PARAM_RF_IFMAP, offsetof(struct rs_hw_params, rf_ifmap) },
		{ ROWSTAT_PARAM_RF_PSUM, offsetof(struct rs_hw_params, rf_psum) },
		{ ROWSTAT_PARAM_GLB_BYTES, offsetof(struct rs_hw_params, glb_bytes) },
		{ ROWSTAT_PARAM_PRECISIONS, offsetof(struct rs_hw_params, precisions) },
		{ ROWSTAT_PARAM_CLOCK_KHZ, offsetof(struct rs_hw_params, clock_khz) },
		{ ROWSTAT_PARAM_DRAM_BW, offsetof(struct rs_hw_params, dram_bw) },
		{ ROWSTAT_PARAM_GLB_BW, offsetof(struct rs_hw_params, glb_bw) },
		{ ROWSTAT_PARAM_VA_BITS, offsetof(struct rs_hw_params, va_bits) },
	};
	struct rs_hw_params *hw = &info->hw;
	uint64_t v = 0;
	int ret;

	rs_hw_params_default(hw);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ret = get_param(fd, fields[i].param, &v);
		if (ret)
			return ret;
		*(uint32_t *)((char *)hw + fields[i].offset) = (uint32_t)v;
	}
	for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++) {
		ret = get_param(fd, ROWSTAT_PARAM_ENERGY(l), &v);
		if (ret)
			return ret;
		hw->energy[l] = (uint32_t)v;
	}
	for (unsigned op = 0; op < ROWSTAT_OP_LIMIT; op++) {
		ret = get_param(fd, ROWSTAT_PARAM_DECODE(op), &v);
		if (ret)
			return ret;
		hw->decode_cycles[op] = (uint32_t)v;
	}
	ret = get_param(fd, ROWSTAT_PARAM_HW_VERSION, &v);
	if (!ret)
		info->hw_version = (uint32_t)v;
	if (!ret)
		ret = get_param(fd, ROWSTAT_PARAM_FW_VERSION, &v);
	if (!ret)
		info->fw_version = (uint32_t)v;
	return ret;
}

/* The first line of a small text file, without its newline; 0 or -errno. */
static int line_read(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(out, (int)len, f))
		ret = -EIO;
	fclose(f);
	out[ret ? 0 : strcspn(out, "\n")] = 0;
	return ret;
}

/*
 * The image the device runs, from the driver's firmware_name attribute of
 * the node's PCI device ("(flashed)" after a devlink flash); from a driver
 * without it, the image its firmware parameter names.
 */
static void fw_name_read(int fd, char *out, size_t len)
{
	char path[96], name[128] = "";
	struct stat st;

	if (!fstat(fd, &st)) {
		snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device/firmware_name",
			 major(st.st_rdev), minor(st.st_rdev));
		if (line_read(path, name, sizeof(name)))
			name[0] = 0;
	}
	if (!name[0] && line_read("/sys/module/rowstat/parameters/firmware", name, sizeof(name)))
		name[0] = 0;
	snprintf(out, len, "%.60s", name[0] ? name : "(loaded by rowstat.ko)");
}

static int kernel_open(struct accel_device *dev, const char *spec)
{
	struct kernel_device *kd = calloc(1, sizeof(*kd));
	int ret;

	if (!kd)
		return accel_fail(-ENOMEM, "kernel: out of memory");
	pthread_mutex_init(&kd->lock, NULL);
	ret = node_open(spec, dev->info.node, sizeof(dev->info.node));
	if (ret < 0) {
		free(kd);
		return ret;
	}
	kd->fd = ret;
	ret = params_read(kd->fd, &dev->info);
	if (ret) {
		close(kd->fd);
		free(kd);
		return ret;
	}
	fw_name_read(kd->fd, dev->info.fw_name, sizeof(dev->info.fw_name));
	dev->priv = kd;
	return 0;
}

static void kernel_close(struct accel_device *dev)
{
	struct kernel_device *kd = dev->priv;

	close(kd->fd);
	free(kd->handles);
	pthread_mutex_destroy(&kd->lock);
	free(kd);
}

/* Fills buf from a handle this file holds: its size, VA and mapping. */
static int buffer_adopt(struct accel_device *dev, struct accel_buffer *buf, uint32_t handle)
{
	struct drm_rowstat_bo_info bi = { .handle = handle };
	struct kernel_device *kd = dev->priv;
	struct kernel_buffer *kb;
	int fd = kd->fd;
	void *p;

	if (!handle_get(kd, handle)) {
		struct drm_gem_close gc = { .handle = handle };

		drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
		return accel_fail(-ENOMEM, "buffer: out of memory");
	}
	if (drmIoctl(fd, DRM_IOCTL_ROWSTAT_BO_INFO, &bi)) {
		int err = -errno;

		handle_put(kd, handle);
		return accel_fail(err, "BO_INFO: %s", strerror(-err));
	}
	p = mmap(NULL, bi.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)bi.mmap_offset);
	kb = calloc(1, sizeof(*kb));
	if (p == MAP_FAILED || !kb) {
		int err = p == MAP_FAILED ? -errno : -ENOMEM;

		if (p != MAP_FAILED)
			munmap(p, bi.size);
		free(kb);
		handle_put(kd, handle);
		return accel_fail(err, "buffer of %llu bytes: cannot map it: %s",
				  (unsigned long long)bi.size, strerror(-err));
	}
	kb->handle = handle;
	buf->va = bi.va;
	buf->size = bi.size;
	buf->map = p;
	buf->priv = kb;
	return 0;
}

static int kernel_buffer_alloc(struct accel_device *dev, struct accel_buffer *buf,
			       uint64_t size)
{
	struct drm_rowstat_bo_create c = {
		.size = size, .flags = buf->read_only ? ROWSTAT_BO_READ_ONLY : 0,
	};

	if (drmIoctl(fd_of(dev), DRM_IOCTL_ROWSTAT_BO_CREATE, &c))
		return accel_fail(-errno, "buffer of %llu bytes: BO_CREATE: %s%s",
				  (unsigned long long)size, strerror(errno),
				  buf->read_only && errno == EINVAL ?
				  " (a read-only buffer needs rowstat.ko 1.1)" : "");
	return buffer_adopt(dev, buf, c.handle);
}

static int kernel_buffer_import(struct accel_device *dev, struct accel_buffer *buf, int fd)
{
	uint32_t handle;

	if (drmPrimeFDToHandle(fd_of(dev), fd, &handle))
		return accel_fail(-errno, "buffer import: fd %d is no dma-buf this device takes: %s",
				  fd, strerror(errno));
	return buffer_adopt(dev, buf, handle);
}

static void kernel_buffer_free(struct accel_buffer *buf)
{
	struct kernel_buffer *kb = buf->priv;

	munmap(buf->map, buf->size);
	handle_put(buf->dev->priv, kb->handle);
	free(kb);
}

static int kernel_buffer_export(struct accel_buffer *buf, int *fd)
{
	struct kernel_buffer *kb = buf->priv;

	if (drmPrimeHandleToFD(fd_of(buf->dev), kb->handle, DRM_CLOEXEC | DRM_RDWR, fd))
		return accel_fail(-errno, "buffer export: %s", strerror(errno));
	return 0;
}

static uint32_t handle_of(const struct accel_buffer *buf)
{
	return ((struct kernel_buffer *)buf->priv)->handle;
}

static int kernel_submit(struct accel_device *dev, struct accel_job *job)
{
	struct kernel_job *kj = calloc(1, sizeof(*kj));
	struct drm_rowstat_submit s = { 0 };
	uint32_t *handles = NULL;
	int fd = fd_of(dev), ret;

	if (!kj)
		return accel_fail(-ENOMEM, "job: out of memory");
	ret = accel_buffer_alloc(dev, sizeof(struct rowstat_job_stats), &kj->stats);
	if (ret)
		goto fail;
	if (drmSyncobjCreate(fd, 0, &kj->sync)) {
		ret = accel_fail(-errno, "job: SYNCOBJ_CREATE: %s", strerror(errno));
		goto fail;
	}
	if (job->desc.buffer_count) {
		handles = malloc(job->desc.buffer_count * sizeof(*handles));
		if (!handles) {
			ret = accel_fail(-ENOMEM, "job: out of memory");
			goto fail;
		}
		for (unsigned i = 0; i < job->desc.buffer_count; i++)
			handles[i] = handle_of(job->desc.buffers[i]);
	}
	s.bo_handles = (uintptr_t)handles;
	s.bo_handle_count = job->desc.buffer_count;
	s.stream_handle = handle_of(job->desc.stream);
	s.stream_offset = job->desc.stream_offset;
	s.stream_bytes = job->desc.stream_bytes;
	s.stats_handle = handle_of(kj->stats);
	s.out_sync = kj->sync;
	if (drmIoctl(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &s)) {
		ret = errno == ECANCELED ?
		      accel_fail(-ECANCELED,
				 "job: a job of this device faulted before; open the device again") :
		      accel_fail(-errno, "job: SUBMIT: %s", strerror(errno));
		goto fail;
	}
	free(handles);
	job->priv = kj;
	return 0;
fail:
	free(handles);
	if (kj->sync)
		drmSyncobjDestroy(fd, kj->sync);
	accel_buffer_free(kj->stats);
	free(kj);
	return ret;
}

/* The status the job's fence ended with: 0, or the driver's -errno. */
static int fence_status(int fd, uint32_t sync)
{
	struct sync_file_info info;
	int file, ret;

	if (drmSyncobjExportSyncFile(fd, sync, &file))
		return -errno;
	memset(&info, 0, sizeof(info));
	ret = ioctl(file, SYNC_IOC_FILE_INFO, &info) ? -errno : info.status == 1 ? 0 : info.status;
	close(file);
	return ret;
}

static int kernel_wait(struct accel_job *job, int timeout_ms)
{
	struct kernel_job *kj = job->priv;
	struct accel_job_result *r = &job->result;
	int fd = fd_of(job->dev);
	int64_t deadline = INT64_MAX;
	struct timespec ts;
	enum rowstat_status status;
	uint32_t offset;
	uint64_t fault;
	int err;

	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = ts.tv_sec * 1000000000ll + ts.tv_nsec + timeout_ms * 1000000ll;
	}
	if (drmSyncobjWait(fd, &kj->sync, 1, deadline, 0, NULL)) {
		if (errno == ETIME || errno == ETIMEDOUT)
			return accel_fail(-ETIME, "job: still running after %d ms", timeout_ms);
		return accel_fail(-errno, "job: SYNCOBJ_WAIT: %s", strerror(errno));
	}
	memset(r, 0, sizeof(*r));
	err = fence_status(fd, kj->sync);
	if (rs_hw_stats_decode(kj->stats->map, &status, &offset, &fault, &r->counts)) {
		/* No record: the device was reset under the job, or never ran it. */
		status = err ? ROWSTAT_ERR_CANCELLED : ROWSTAT_ERR_INTERNAL;
		offset = ROWSTAT_NO_OFFSET;
		fault = 0;
		if (!err)
			err = -EIO;
	}
	r->error = err;
	r->status = status;
	r->error_offset = offset;
	r->fault_va = fault;
	accel_result_finish(job->dev, r);
	r->host_us = accel_now_us() - job->submit_us;
	return 0;
}

static void kernel_job_release(struct accel_job *job)
{
	struct kernel_job *kj = job->priv;

	if (!kj)
		return;
	drmSyncobjDestroy(fd_of(job->dev), kj->sync);
	accel_buffer_free(kj->stats);
	free(kj);
	job->priv = NULL;
}

const struct accel_backend_ops accel_kernel_ops = {
	.backend = ACCEL_BACKEND_KERNEL,
	.open = kernel_open,
	.close = kernel_close,
	.buffer_alloc = kernel_buffer_alloc,
	.buffer_import = kernel_buffer_import,
	.buffer_free = kernel_buffer_free,
	.buffer_export = kernel_buffer_export,
	.submit = kernel_submit,
	.wait = kernel_wait,
	.job_release = kernel_job_release,
};
