// SPDX-License-Identifier: MIT
/*
 * The sim backend: the device in this process.  It boots the firmware
 * image as the device does (rs_hw_fw_parse, rs_hw_fw_apply), keeps one
 * device address space of memfd-backed buffers, and runs jobs in order on
 * a worker thread with the model core, so jobs are asynchronous as on the
 * device.  A job reaches memory only through its address space: an access
 * outside every buffer faults, as an unmapped page does.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rowstat_accel.h>
#include <rowstat_regs.h>
#include <rs_hw_fw.h>
#include <rs_model.h>

#include "runtime_internal.h"

#define SIM_DEFAULT_FIRMWARE	"/lib/firmware/rowstat/rowstat.fw"
#define SIM_PAGE		4096ull
/* Where buffers start, as the driver places them; a page apart. */
#define SIM_VA_START		(1ull << 20)

struct sim_buffer {
	int fd;
	bool mapped_here;	/* munmap on free */
};

struct sim_job {
	struct accel_job *job;
	struct sim_job *next;
	bool done;
};

struct sim_device {
	struct rs_model *model;
	struct rs_hw_params booted;	/* the device's, as the firmware set them */
	pthread_mutex_t lock;	/* the buffer table, the queue, done flags */
	pthread_cond_t cond;
	pthread_t worker;
	bool worker_started, stopping;
	/* A job faulted: later submits fail, as the driver's guilty context's do. */
	bool guilty;
	struct accel_buffer **table;	/* by VA */
	unsigned count, cap;
	uint64_t next_va, va_end;
	struct sim_job *head, *tail;
};

static struct sim_device *sim_of(const struct accel_device *dev)
{
	return dev->priv;
}

/* The buffer holding [va, va + len), under sd->lock; NULL if none does. */
static struct accel_buffer *sim_lookup(struct sim_device *sd, uint64_t va, size_t len)
{
	unsigned lo = 0, hi = sd->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		struct accel_buffer *b = sd->table[mid];

		if (va < b->va)
			hi = mid;
		else if (va - b->va >= b->size)
			lo = mid + 1;
		else
			return b->size - (va - b->va) >= len ? b : NULL;
	}
	return NULL;
}

static int sim_read(void *opaque, uint64_t va, void *buf, size_t len)
{
	struct sim_device *sd = opaque;
	struct accel_buffer *b;

	pthread_mutex_lock(&sd->lock);
	b = sim_lookup(sd, va, len);
	if (b)
		memcpy(buf, (uint8_t *)b->map + (va - b->va), len);
	pthread_mutex_unlock(&sd->lock);
	return b ? 0 : -1;
}

static int sim_write(void *opaque, uint64_t va, const void *buf, size_t len)
{
	struct sim_device *sd = opaque;
	struct accel_buffer *b;

	pthread_mutex_lock(&sd->lock);
	b = sim_lookup(sd, va, len);
	/* A read-only buffer's pages, like the driver's, take no write. */
	if (b && b->read_only)
		b = NULL;
	if (b)
		memcpy((uint8_t *)b->map + (va - b->va), buf, len);
	pthread_mutex_unlock(&sd->lock);
	return b ? 0 : -1;
}

static void sim_run(struct sim_device *sd, struct accel_job *job)
{
	struct rs_model_mem mem = { .read = sim_read, .write = sim_write, .opaque = sd };
	struct rs_model_result res;
	struct accel_job_result *r = &job->result;

	memset(&res, 0, sizeof(res));
	rs_model_run(sd->model, job->desc.stream->va + job->desc.stream_offset,
		     job->desc.stream_bytes, &mem, NULL, &res);
	memset(r, 0, sizeof(*r));
	r->status = res.status;
	r->error = rs_hw_status_errno(res.status);
	r->error_offset = res.error_offset;
	r->fault_va = res.fault_va;
	r->counts = res.counts;
	accel_result_finish(job->dev, r);
	r->host_us = accel_now_us() - job->submit_us;
}

static void *sim_worker(void *arg)
{
	struct sim_device *sd = arg;

	pthread_mutex_lock(&sd->lock);
	for (;;) {
		struct sim_job *sj;

		while (!sd->head && !sd->stopping)
			pthread_cond_wait(&sd->cond, &sd->lock);
		if (!sd->head)
			break;
		sj = sd->head;
		pthread_mutex_unlock(&sd->lock);
		sim_run(sd, sj->job);
		pthread_mutex_lock(&sd->lock);
		if (sj->job->result.status == ROWSTAT_ERR_FAULT)
			sd->guilty = true;
		sd->head = sj->next;
		if (!sd->head)
			sd->tail = NULL;
		sj->done = true;
		pthread_cond_broadcast(&sd->cond);
	}
	pthread_mutex_unlock(&sd->lock);
	return NULL;
}

/* Reads a whole file; NULL with the message set. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;

	if (!f) {
		accel_fail(-errno, "firmware %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		accel_fail(-EIO, "firmware %s: cannot read it", path);
		goto out;
	}
	data = malloc(size ? (size_t)size : 1);
	if (!data) {
		accel_fail(-ENOMEM, "firmware %s: out of memory", path);
		goto out;
	}
	if (fread(data, 1, (size_t)size, f) != (size_t)size) {
		accel_fail(-EIO, "firmware %s: cannot read it", path);
		free(data);
		data = NULL;
		goto out;
	}
	*len = (size_t)size;
out:
	fclose(f);
	return data;
}

/*
 * What the driver's GET_PARAM reports of the booted parameters, over the
 * defaults: the kernel backend sees exactly these, so the compiler maps
 * alike on both backends.
 */
static void sim_reported(const struct rs_hw_params *booted, struct rs_hw_params *hw)
{
	rs_hw_params_default(hw);
	hw->array_rows = booted->array_rows;
	hw->array_cols = booted->array_cols;
	hw->rf_filter = booted->rf_filter;
	hw->rf_ifmap = booted->rf_ifmap;
	hw->rf_psum = booted->rf_psum;
	hw->glb_bytes = booted->glb_bytes;
	hw->precisions = booted->precisions;
	hw->clock_khz = booted->clock_khz;
	hw->dram_bw = booted->dram_bw;
	hw->glb_bw = booted->glb_bw;
	hw->va_bits = booted->va_bits;
	memcpy(hw->energy, booted->energy, sizeof(hw->energy));
	memcpy(hw->decode_cycles, booted->decode_cycles, sizeof(hw->decode_cycles));
}

/* Boots the image: the device's checks, then its parameters. */
static int sim_boot(struct accel_device *dev, struct rs_hw_params *booted)
{
	const char *path = getenv("ROWSTAT_FIRMWARE");
	struct rs_hw_firmware fw;
	struct rs_hw_params hw;
	enum rowstat_fw_error err;
	const char *why = "";
	uint8_t *img;
	size_t len = 0;

	if (!path || !*path)
		path = SIM_DEFAULT_FIRMWARE;
	img = read_file(path, &len);
	if (!img) {
		if (!strcmp(path, SIM_DEFAULT_FIRMWARE))
			accel_fail(-ENOENT,
				   "sim: no firmware at %s; set ROWSTAT_FIRMWARE to an image (make firmware builds build/firmware/rowstat.fw)",
				   path);
		return -ENOENT;
	}
	err = rs_hw_fw_parse(img, len, ROWSTAT_VERSION(ROWSTAT_FW_ABI_MAJOR, ROWSTAT_FW_ABI_MINOR),
			     &fw, &why);
	free(img);
	if (err != ROWSTAT_FW_OK)
		return accel_fail(-ENOEXEC, "firmware %s: refused (%s): %s", path,
				  rs_hw_fw_error_name(err), why);
	rs_hw_params_default(&hw);
	rs_hw_fw_apply(&fw, &hw);
	if (rs_hw_params_check(&hw, &why))
		return accel_fail(-ENOEXEC, "firmware %s: its parameters are refused: %s", path,
				  why);
	*booted = hw;
	sim_reported(&hw, &dev->info.hw);
	dev->info.fw_version = fw.version;
	snprintf(dev->info.fw_name, sizeof(dev->info.fw_name), "%s", path);
	return 0;
}

static int sim_open(struct accel_device *dev, const char *spec)
{
	struct rs_hw_params booted;
	struct sim_device *sd;
	int ret;

	(void)spec;
	ret = sim_boot(dev, &booted);
	if (ret)
		return ret;
	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return accel_fail(-ENOMEM, "sim: out of memory");
	sd->booted = booted;
	sd->model = rs_model_create(&booted);
	if (!sd->model) {
		free(sd);
		return accel_fail(-ENOMEM, "sim: the model core cannot be created");
	}
	pthread_mutex_init(&sd->lock, NULL);
	pthread_cond_init(&sd->cond, NULL);
	sd->next_va = SIM_VA_START;
	sd->va_end = 1ull << dev->info.hw.va_bits;
	if (pthread_create(&sd->worker, NULL, sim_worker, sd)) {
		rs_model_destroy(sd->model);
		free(sd);
		return accel_fail(-EAGAIN, "sim: cannot start the device's worker thread");
	}
	sd->worker_started = true;
	dev->priv = sd;
	snprintf(dev->info.node, sizeof(dev->info.node), "sim");
	dev->info.hw_version = ROWSTAT_VERSION(ROWSTAT_HW_VERSION_MAJOR, ROWSTAT_HW_VERSION_MINOR);
	return 0;
}

static void sim_close(struct accel_device *dev)
{
	struct sim_device *sd = sim_of(dev);

	pthread_mutex_lock(&sd->lock);
	sd->stopping = true;
	pthread_cond_broadcast(&sd->cond);
	pthread_mutex_unlock(&sd->lock);
	if (sd->worker_started)
		pthread_join(sd->worker, NULL);
	/* Every buffer and job holds the device: none is left. */
	free(sd->table);
	rs_model_destroy(sd->model);
	pthread_cond_destroy(&sd->cond);
	pthread_mutex_destroy(&sd->lock);
	free(sd);
}

/* Maps fd's size bytes at the next VA; fills buf.  Takes fd. */
static int sim_map(struct accel_device *dev, struct accel_buffer *buf, int fd, uint64_t size)
{
	struct sim_device *sd = sim_of(dev);
	struct sim_buffer *sb = calloc(1, sizeof(*sb));
	void *p;
	unsigned at;

	if (!sb) {
		close(fd);
		return accel_fail(-ENOMEM, "buffer: out of memory");
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int err = -errno;

		close(fd);
		free(sb);
		return accel_fail(err, "buffer of %llu bytes: mmap: %s",
				  (unsigned long long)size, strerror(-err));
	}
	pthread_mutex_lock(&sd->lock);
	if (sd->va_end - sd->next_va < size + SIM_PAGE) {
		pthread_mutex_unlock(&sd->lock);
		munmap(p, size);
		close(fd);
		free(sb);
		return accel_fail(-ENOSPC, "buffer of %llu bytes: the device address space is full",
				  (unsigned long long)size);
	}
	if (sd->count == sd->cap) {
		unsigned cap = sd->cap ? 2 * sd->cap : 64;
		struct accel_buffer **more = realloc(sd->table, cap * sizeof(*more));

		if (!more) {
			pthread_mutex_unlock(&sd->lock);
			munmap(p, size);
			close(fd);
			free(sb);
			return accel_fail(-ENOMEM, "buffer: out of memory");
		}
		sd->table = more;
		sd->cap = cap;
	}
	buf->va = sd->next_va;
	sd->next_va += size + SIM_PAGE;
	/* VAs only grow: the new buffer goes last. */
	at = sd->count++;
	sd->table[at] = buf;
	pthread_mutex_unlock(&sd->lock);
	sb->fd = fd;
	buf->size = size;
	buf->map = p;
	buf->priv = sb;
	return 0;
}

/*
 * A read-only buffer's memfd is sealed against resizing: the mark that
 * makes an import of it read-only too (no other buffer has seals).
 */
#define SIM_READ_ONLY_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

static int sim_buffer_alloc(struct accel_device *dev, struct accel_buffer *buf, uint64_t size)
{
	uint64_t rounded = (size + SIM_PAGE - 1) / SIM_PAGE * SIM_PAGE;
	int fd = memfd_create("rowstat-buffer",
			      MFD_CLOEXEC | (buf->read_only ? MFD_ALLOW_SEALING : 0));

	if (fd < 0)
		return accel_fail(-errno, "buffer of %llu bytes: memfd_create: %s",
				  (unsigned long long)size, strerror(errno));
	if (ftruncate(fd, (off_t)rounded) ||
	    (buf->read_only && fcntl(fd, F_ADD_SEALS, SIM_READ_ONLY_SEALS))) {
		int err = -errno;

		close(fd);
		return accel_fail(err, "buffer of %llu bytes: %s", (unsigned long long)size,
				  strerror(-err));
	}
	return sim_map(dev, buf, fd, rounded);
}

static int sim_buffer_import(struct accel_device *dev, struct accel_buffer *buf, int fd)
{
	struct stat st;
	int own, seals;

	if (fstat(fd, &st))
		return accel_fail(-errno, "buffer import: fd %d: %s", fd, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size % SIM_PAGE ||
	    (uint64_t)st.st_size > ROWSTAT_BO_MAX_BYTES)
		return accel_fail(-EINVAL,
				  "buffer import: fd %d is not a buffer this backend exported (size %lld)",
				  fd, (long long)st.st_size);
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0)
		return accel_fail(-errno, "buffer import: fd %d: %s", fd, strerror(errno));
	seals = fcntl(own, F_GET_SEALS);
	buf->read_only = seals >= 0 &&
			 (seals & SIM_READ_ONLY_SEALS) == SIM_READ_ONLY_SEALS;
	return sim_map(dev, buf, own, (uint64_t)st.st_size);
}

static void sim_buffer_free(struct accel_buffer *buf)
{
	struct sim_device *sd = sim_of(buf->dev);
	struct sim_buffer *sb = buf->priv;

	pthread_mutex_lock(&sd->lock);
	for (unsigned i = 0; i < sd->count; i++)
		if (sd->table[i] == buf) {
			memmove(&sd->table[i], &sd->table[i + 1],
				(sd->count - i - 1) * sizeof(*sd->table));
			sd->count--;
			break;
		}
	pthread_mutex_unlock(&sd->lock);
	munmap(buf->map, buf->size);
	close(sb->fd);
	free(sb);
}

static int sim_buffer_export(struct accel_buffer *buf, int *fd)
{
	struct sim_buffer *sb = buf->priv;
	int out = fcntl(sb->fd, F_DUPFD_CLOEXEC, 0);

	if (out < 0)
		return accel_fail(-errno, "buffer export: %s", strerror(errno));
	*fd = out;
	return 0;
}

static int sim_submit(struct accel_device *dev, struct accel_job *job)
{
	struct sim_device *sd = sim_of(dev);
	struct sim_job *sj = calloc(1, sizeof(*sj));

	if (!sj)
		return accel_fail(-ENOMEM, "job: out of memory");
	sj->job = job;
	pthread_mutex_lock(&sd->lock);
	if (sd->guilty) {
		pthread_mutex_unlock(&sd->lock);
		free(sj);
		return accel_fail(-ECANCELED,
				  "job: a job of this device faulted before; open the device again");
	}
	job->priv = sj;
	if (sd->tail)
		sd->tail->next = sj;
	else
		sd->head = sj;
	sd->tail = sj;
	pthread_cond_broadcast(&sd->cond);
	pthread_mutex_unlock(&sd->lock);
	return 0;
}

static int sim_wait(struct accel_job *job, int timeout_ms)
{
	struct sim_device *sd = sim_of(job->dev);
	struct sim_job *sj = job->priv;
	struct timespec deadline;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	if (timeout_ms > 0) {
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&sd->lock);
	while (!sj->done && !ret) {
		if (timeout_ms < 0)
			pthread_cond_wait(&sd->cond, &sd->lock);
		else if (!timeout_ms ||
			 pthread_cond_timedwait(&sd->cond, &sd->lock, &deadline) == ETIMEDOUT)
			ret = sj->done ? 0 : -ETIME;
	}
	pthread_mutex_unlock(&sd->lock);
	if (ret)
		return accel_fail(ret, "job: still running after %d ms", timeout_ms);
	return 0;
}

static void sim_job_release(struct accel_job *job)
{
	free(job->priv);
	job->priv = NULL;
}

const struct accel_backend_ops accel_sim_ops = {
	.backend = ACCEL_BACKEND_SIM,
	.open = sim_open,
	.close = sim_close,
	.buffer_alloc = sim_buffer_alloc,
	.buffer_import = sim_buffer_import,
	.buffer_free = sim_buffer_free,
	.buffer_export = sim_buffer_export,
	.submit = sim_submit,
	.wait = sim_wait,
	.job_release = sim_job_release,
};
