// SPDX-License-Identifier: MIT
/*
 * rowstat-drm: the kernel driver's tests, run inside the VM (IGT-style: one
 * subcommand per ioctl family, each with its negative cases).
 *
 *   rowstat-drm params     DRM_IOCTL_VERSION and GET_PARAM
 *   rowstat-drm bo         BO_CREATE, BO_INFO, BO_WAIT, mmap
 *   rowstat-drm conv       a convolution compiled by libaccel, run through
 *                          SUBMIT and a syncobj, checked against the reference
 *   rowstat-drm submit     SUBMIT's validation, and a stream the device refuses
 *   rowstat-drm isolation  a job reaching into another file's VA range faults;
 *                          only its context turns guilty
 *   rowstat-drm prime      dma-buf export and import between two files
 *   rowstat-drm hang N     (device with fault-hang-job=N) the hung job fails
 *                          with -ETIMEDOUT, innocent jobs complete exactly
 *   rowstat-drm fwcrash    (device with fault-fw-crash-job=2) the firmware
 *                          crashes; the driver resets and reboots it
 *   rowstat-drm stress CALLS SEED  random and mutated ioctls over three files
 *   rowstat-drm bench      no-op job latency against a bare ioctl, and jobs
 *                          per second from 1, 2 and 4 processes (figures)
 *   rowstat-drm kill       a process killed with jobs in flight
 *   rowstat-drm unbind     unbind the device with a file open and jobs in
 *                          flight; the file then fails with -ENODEV
 *   rowstat-drm nonroot    the node's ioctls as an unprivileged user
 *   rowstat-drm modules NAME...  these kernel modules are loaded
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sync_file.h>

#include <rowstat_accel.h>
#include <rowstat_mmu.h>
#include <rowstat_regs.h>

#include "layer_run.h"
#include "ref_conv.h"

#define fail(...) do { fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

static unsigned checks;

/* An ioctl that must fail with `err`. */
#define expect_errno(fd, req, arg, err, what) do { \
	int r_ = ioctl(fd, req, arg); \
	if (r_ != -1 || errno != (err)) \
		fail("%s: got %d errno %d (%s), want errno %d", what, r_, \
		     r_ == -1 ? errno : 0, r_ == -1 ? strerror(errno) : "ok", err); \
	checks++; \
} while (0)

#define expect_ok(fd, req, arg, what) do { \
	if (ioctl(fd, req, arg)) \
		fail("%s: %s", what, strerror(errno)); \
	checks++; \
} while (0)

/*
 * The first /dev/accel/accelN where the kernel has DRM accel, else the
 * first render node (a rebound device gets the next minor).
 */
static int open_node(void)
{
	const char *dirs[] = { "/dev/accel", "/dev/dri" };
	const char *prefix[] = { "accel", "renderD" };
	char path[300];

	for (unsigned i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			int fd;

			if (strncmp(e->d_name, prefix[i], strlen(prefix[i])))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i], e->d_name);
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				fail("cannot open %s: %s", path, strerror(errno));
			closedir(d);
			return fd;
		}
		if (d)
			closedir(d);
	}
	fail("no rowstat node in /dev/accel or /dev/dri");
}

/* The PCI address of the device rowstat is bound to. */
static const char *pci_address(void)
{
	static char name[sizeof(((struct dirent *)0)->d_name)];
	DIR *d = opendir("/sys/bus/pci/drivers/rowstat");
	struct dirent *e;

	if (!d)
		fail("no rowstat driver in sysfs");
	while ((e = readdir(d)))
		if (strchr(e->d_name, ':')) {
			snprintf(name, sizeof(name), "%s", e->d_name);
			closedir(d);
			return name;
		}
	fail("rowstat is bound to no device");
}

/* A whole small text file (fdinfo, debugfs) into buf. */
static void read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		fail("cannot read %s: %s", path, strerror(errno));
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	if (n == size - 1)
		fail("%s is larger than %zu bytes", path, size - 1);
	buf[n] = 0;
}

/* The number after "KEY<sep>" at the start of a line of text, or -1. */
static long long text_value(const char *text, const char *key, char sep)
{
	size_t len = strlen(key);

	for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
		if (!strncmp(line, key, len) && line[len] == sep)
			return atoll(line + len + 1);
		if (!strchr(line, '\n'))
			break;
	}
	return -1;
}

/* A file of the device's debugfs directory. */
static void debugfs_read(const char *file, char *buf, size_t size)
{
	char path[600];

	snprintf(path, sizeof(path), "/sys/kernel/debug/rowstat/%s/%s", pci_address(), file);
	read_text(path, buf, size);
}

static uint64_t get_param(int fd, uint32_t param)
{
	struct drm_rowstat_get_param p = { .param = param };

	expect_ok(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p, "GET_PARAM");
	return p.value;
}

struct bo {
	uint32_t handle;
	uint64_t size, va;
	uint8_t *map;
};

static struct bo bo_new(int fd, uint64_t size)
{
	struct drm_rowstat_bo_create c = { .size = size };
	struct bo b;

	expect_ok(fd, DRM_IOCTL_ROWSTAT_BO_CREATE, &c, "BO_CREATE");
	b.handle = c.handle;
	b.size = c.size;
	b.va = c.va;
	b.map = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, c.mmap_offset);
	if (b.map == MAP_FAILED)
		fail("mmap of a %llu-byte BO: %s", (unsigned long long)size, strerror(errno));
	return b;
}

static uint32_t syncobj_new(int fd)
{
	struct drm_syncobj_create c = { 0 };

	expect_ok(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c, "SYNCOBJ_CREATE");
	return c.handle;
}

/* Waits for the syncobj's fence; returns its status (0 or -errno). */
static int syncobj_wait(int fd, uint32_t sync, int timeout_s)
{
	struct drm_syncobj_handle h = {
		.handle = sync,
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1,
	};
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&sync, .count_handles = 1 };
	struct sync_file_info info;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w.timeout_nsec = (ts.tv_sec + timeout_s) * 1000000000ll + ts.tv_nsec;
	if (ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w))
		fail("SYNCOBJ_WAIT: %s", strerror(errno));
	expect_ok(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h, "export sync_file");
	memset(&info, 0, sizeof(info));
	if (ioctl(h.fd, SYNC_IOC_FILE_INFO, &info))
		fail("SYNC_IOC_FILE_INFO: %s", strerror(errno));
	close(h.fd);
	return info.status == 1 ? 0 : info.status;
}

struct job {
	struct drm_rowstat_submit s;
	uint32_t handles[8];
};

static void job_init(struct job *j, const struct bo *stream, size_t bytes,
		     const struct bo *stats, uint32_t out_sync)
{
	memset(j, 0, sizeof(*j));
	j->s.stream_handle = stream->handle;
	j->s.stream_bytes = (uint32_t)bytes;
	j->s.stats_handle = stats ? stats->handle : 0;
	j->s.out_sync = out_sync;
	j->s.bo_handles = (uintptr_t)j->handles;
}

static void job_add_bo(struct job *j, const struct bo *b)
{
	j->handles[j->s.bo_handle_count++] = b->handle;
}

/* ---- params ---------------------------------------------------------- */

static int test_params(void)
{
	int fd = open_node();
	char name[32] = "";
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
	struct drm_rowstat_get_param p = { 0 };
	static const struct { uint32_t param; uint64_t want; } want[] = {
		{ ROWSTAT_PARAM_HW_VERSION, ROWSTAT_VERSION(ROWSTAT_HW_VERSION_MAJOR,
							  ROWSTAT_HW_VERSION_MINOR) },
		{ ROWSTAT_PARAM_CMD_VERSION, ROWSTAT_VERSION(ROWSTAT_CMD_VERSION_MAJOR,
							   ROWSTAT_CMD_VERSION_MINOR) },
		{ ROWSTAT_PARAM_ARRAY_ROWS, ROWSTAT_DEFAULT_ARRAY_ROWS },
		{ ROWSTAT_PARAM_ARRAY_COLS, ROWSTAT_DEFAULT_ARRAY_COLS },
		{ ROWSTAT_PARAM_RF_FILTER, ROWSTAT_DEFAULT_RF_FILTER },
		{ ROWSTAT_PARAM_RF_IFMAP, ROWSTAT_DEFAULT_RF_IFMAP },
		{ ROWSTAT_PARAM_RF_PSUM, ROWSTAT_DEFAULT_RF_PSUM },
		{ ROWSTAT_PARAM_GLB_BYTES, ROWSTAT_DEFAULT_GLB_BYTES },
		{ ROWSTAT_PARAM_PRECISIONS, ROWSTAT_PREC_BIT(ROWSTAT_PREC_Q16) |
					    ROWSTAT_PREC_BIT(ROWSTAT_PREC_INT8) },
		{ ROWSTAT_PARAM_CLOCK_KHZ, ROWSTAT_DEFAULT_CLOCK_KHZ },
		{ ROWSTAT_PARAM_DRAM_BW, ROWSTAT_DEFAULT_DRAM_BW },
		{ ROWSTAT_PARAM_GLB_BW, ROWSTAT_DEFAULT_GLB_BW },
		{ ROWSTAT_PARAM_VA_BITS, ROWSTAT_VA_BITS },
		{ ROWSTAT_PARAM_ENERGY_MAC, ROWSTAT_DEFAULT_ENERGY_MAC },
		{ ROWSTAT_PARAM_ENERGY_RF, ROWSTAT_DEFAULT_ENERGY_RF },
		{ ROWSTAT_PARAM_ENERGY_NOC, ROWSTAT_DEFAULT_ENERGY_NOC },
		{ ROWSTAT_PARAM_ENERGY_GLB, ROWSTAT_DEFAULT_ENERGY_GLB },
		{ ROWSTAT_PARAM_ENERGY_DRAM, ROWSTAT_DEFAULT_ENERGY_DRAM },
		{ ROWSTAT_PARAM_PRIORITIES, ROWSTAT_DEFAULT_RINGS },
		{ ROWSTAT_PARAM_VA_END, 1ull << ROWSTAT_VA_BITS },
	};

	expect_ok(fd, DRM_IOCTL_VERSION, &v, "VERSION");
	if (strcmp(name, ROWSTAT_DRIVER_NAME) || v.version_major != ROWSTAT_DRIVER_MAJOR)
		fail("VERSION: driver '%s' %d.%d", name, v.version_major, v.version_minor);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t got = get_param(fd, want[i].param);

		if (got != want[i].want)
			fail("GET_PARAM %u: %llu, want %llu", want[i].param,
			     (unsigned long long)got, (unsigned long long)want[i].want);
	}
	if (ROWSTAT_VERSION_MAJOR(get_param(fd, ROWSTAT_PARAM_FW_VERSION)) < 1)
		fail("GET_PARAM FW_VERSION: no firmware version");
	if (!get_param(fd, ROWSTAT_PARAM_JOB_TIMEOUT_MS) ||
	    get_param(fd, ROWSTAT_PARAM_VA_START) >= get_param(fd, ROWSTAT_PARAM_VA_END))
		fail("GET_PARAM: timeout or VA range");
	/* One device context per open file: the 17th open of 16 is refused. */
	{
		int fds[ROWSTAT_DEFAULT_CONTEXTS + 1], n = 1;
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		fds[0] = fd;
		for (; n < ROWSTAT_DEFAULT_CONTEXTS; n++)
			if ((fds[n] = open(path, O_RDWR | O_CLOEXEC)) < 0)
				fail("open %d of %d: %s", n + 1, ROWSTAT_DEFAULT_CONTEXTS,
				     strerror(errno));
		if (open(path, O_RDWR | O_CLOEXEC) >= 0 || errno != EBUSY)
			fail("open past the device's contexts: want EBUSY, got %s",
			     strerror(errno));
		while (--n > 0)
			close(fds[n]);
		if ((fds[1] = open(path, O_RDWR | O_CLOEXEC)) < 0)
			fail("a context freed by close is not reused: %s", strerror(errno));
		close(fds[1]);
		checks++;
	}
	p.param = ROWSTAT_PARAM_COUNT;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p, EINVAL, "GET_PARAM unknown");
	p.param = 0xffffffff;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p, EINVAL, "GET_PARAM ~0");
	p.param = ROWSTAT_PARAM_HW_VERSION;
	p.pad = 1;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p, EINVAL, "GET_PARAM pad");
	close(fd);
	printf("params: %u checks\n", checks);
	return 0;
}

/* ---- bo ------------------------------------------------------------------ */

static int test_bo(void)
{
	int fd = open_node();
	struct drm_rowstat_bo_create c = { 0 };
	struct drm_rowstat_bo_info info = { 0 };
	struct drm_rowstat_bo_wait w = { 0 };
	struct drm_gem_close gc = { 0 };
	struct bo a = bo_new(fd, 1), b = bo_new(fd, 3 * 4096 + 5);

	if (a.size != 4096 || b.size != 4 * 4096)
		fail("BO_CREATE sizes %llu %llu, want pages", (unsigned long long)a.size,
		     (unsigned long long)b.size);
	if (a.va < get_param(fd, ROWSTAT_PARAM_VA_START) || a.va % 4096 || b.va % 4096 ||
	    (a.va < b.va ? a.va + a.size > b.va : b.va + b.size > a.va))
		fail("BO_CREATE VAs 0x%llx 0x%llx overlap or are misplaced",
		     (unsigned long long)a.va, (unsigned long long)b.va);
	for (size_t i = 0; i < b.size; i++)
		if (b.map[i])
			fail("a new BO is not zero at %zu", i);
	memset(b.map, 0x5a, b.size);
	info.handle = b.handle;
	expect_ok(fd, DRM_IOCTL_ROWSTAT_BO_INFO, &info, "BO_INFO");
	if (info.va != b.va || info.size != b.size)
		fail("BO_INFO disagrees with BO_CREATE");
	/* Idle: a wait with a deadline in the past succeeds at once. */
	w.handle = b.handle;
	expect_ok(fd, DRM_IOCTL_ROWSTAT_BO_WAIT, &w, "BO_WAIT idle");

	c.size = 0;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_BO_CREATE, &c, EINVAL, "BO_CREATE size 0");
	c.size = ROWSTAT_BO_MAX_BYTES + 1;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_BO_CREATE, &c, EINVAL, "BO_CREATE too large");
	c.size = 4096;
	c.flags = 1;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_BO_CREATE, &c, EINVAL, "BO_CREATE flags");
	info.handle = 0xdead;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_BO_INFO, &info, ENOENT, "BO_INFO bad handle");
	info.handle = b.handle;
	info.flags = 2;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_BO_INFO, &info, EINVAL, "BO_INFO flags");
	w.handle = 0xdead;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_BO_WAIT, &w, ENOENT, "BO_WAIT bad handle");
	w.handle = b.handle;
	w.flags = 1;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_BO_WAIT, &w, EINVAL, "BO_WAIT flags");

	/* A closed handle is gone; its VA is free again. */
	gc.handle = a.handle;
	expect_ok(fd, DRM_IOCTL_GEM_CLOSE, &gc, "GEM_CLOSE");
	info.handle = a.handle;
	info.flags = 0;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_BO_INFO, &info, ENOENT, "BO_INFO closed");
	munmap(a.map, a.size);
	/* Many buffers: VAs stay distinct. */
	{
		uint64_t prev_end = 0;

		for (int i = 0; i < 64; i++) {
			struct bo x = bo_new(fd, 8192);

			if (x.va < prev_end && x.va + x.size > prev_end - 8192)
				fail("BO %d overlaps the previous one", i);
			prev_end = x.va + x.size;
			munmap(x.map, x.size);
		}
	}
	close(fd);
	printf("bo: %u checks\n", checks);
	return 0;
}

/* ---- conv ----------------------------------------------------------------- */

static const struct accel_conv conv_shape = {
	.batch = 2, .in_channels = 8, .in_height = 14, .in_width = 14,
	.out_channels = 16, .kernel_h = 3, .kernel_w = 3, .groups = 1,
	.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1,
	.pad_left = 1, .pad_right = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
	.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
	.relu = true, .bias = true, .requant_mult = 5, .requant_shift = 10,
};

static void hw_from_params(int fd, struct rs_hw_params *hw)
{
	rs_hw_params_default(hw);
	hw->array_rows = (uint32_t)get_param(fd, ROWSTAT_PARAM_ARRAY_ROWS);
	hw->array_cols = (uint32_t)get_param(fd, ROWSTAT_PARAM_ARRAY_COLS);
	hw->rf_filter = (uint32_t)get_param(fd, ROWSTAT_PARAM_RF_FILTER);
	hw->rf_ifmap = (uint32_t)get_param(fd, ROWSTAT_PARAM_RF_IFMAP);
	hw->rf_psum = (uint32_t)get_param(fd, ROWSTAT_PARAM_RF_PSUM);
	hw->glb_bytes = (uint32_t)get_param(fd, ROWSTAT_PARAM_GLB_BYTES);
	hw->precisions = (uint32_t)get_param(fd, ROWSTAT_PARAM_PRECISIONS);
	hw->clock_khz = (uint32_t)get_param(fd, ROWSTAT_PARAM_CLOCK_KHZ);
	hw->dram_bw = (uint32_t)get_param(fd, ROWSTAT_PARAM_DRAM_BW);
	hw->glb_bw = (uint32_t)get_param(fd, ROWSTAT_PARAM_GLB_BW);
	hw->va_bits = (uint32_t)get_param(fd, ROWSTAT_PARAM_VA_BITS);
	for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		hw->energy[l] = (uint32_t)get_param(fd, ROWSTAT_PARAM_ENERGY(l));
}

/* A convolution laid out in one BO of `fd`: tensors, filters and stream. */
struct conv_job {
	struct layer_case lc;
	struct bo data, stats;
};

static void conv_prepare(int fd, struct conv_job *cj, uint64_t seed)
{
	struct rs_hw_params hw;
	struct rng r = { seed };
	char err[256];

	hw_from_params(fd, &hw);
	memset(cj, 0, sizeof(*cj));
	cj->lc.cv = conv_shape;
	cj->lc.in = (struct accel_tensor){ .rlc = true, .seg_rows = 14 };
	cj->lc.out = (struct accel_tensor){ .rlc = true, .seg_rows = 14 };
	cj->data = bo_new(fd, 4 << 20);
	cj->stats = bo_new(fd, 4096);
	if (layer_alloc_data(&cj->lc, &r, 0.5, 10) ||
	    accel_map_search(&hw, &cj->lc.cv, &cj->lc.in, &cj->lc.out, NULL, NULL,
			     &cj->lc.map, NULL))
		fail("cannot compile the layer");
	sim_mem_init_at(&cj->lc.mem, cj->data.va, cj->data.map, cj->data.size);
	if (layer_place(&cj->lc, &hw, err, sizeof(err)))
		fail("%s", err);
}

static void conv_submit(int fd, struct conv_job *cj, uint32_t sync, uint32_t prio)
{
	struct job j;

	job_init(&j, &cj->data, cj->lc.stream.len, &cj->stats, sync);
	j.s.stream_offset = cj->lc.stream_va - cj->data.va;
	j.s.priority = prio;
	expect_ok(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT conv");
}

/* The ofmap against the reference, and the device's statistics. */
static void conv_check(struct conv_job *cj)
{
	uint64_t n = layer_ofmap_count(&cj->lc.cv);
	int32_t *got = malloc(n * 4), *want = malloc(n * 4);
	const struct rowstat_job_stats *st = (const void *)cj->stats.map;
	size_t bad = 0;

	if (!got || !want ||
	    layer_decode_ofmap(&cj->lc, sim_mem_ptr(&cj->lc.mem, cj->lc.out.va), got))
		fail("cannot read the ofmap back");
	ref_conv(&cj->lc.cv, cj->lc.ifmap, cj->lc.filters, cj->lc.bias, want);
	for (uint64_t i = 0; i < n; i++)
		bad += got[i] != want[i];
	if (bad)
		fail("%zu of %llu outputs differ from the reference", bad,
		     (unsigned long long)n);
	if (st->version != ROWSTAT_STATS_VERSION || st->status != ROWSTAT_OK ||
	    !st->macs || !st->cycles)
		fail("statistics: version %u status %u macs %llu cycles %llu", st->version,
		     st->status, (unsigned long long)st->macs,
		     (unsigned long long)st->cycles);
	free(got);
	free(want);
	checks++;
}

/*
 * DRM fdinfo (drm-usage-stats.rst): ring 0 ran two jobs of `cycles` each,
 * every other ring one.
 */
static void fdinfo_check(int fd, uint64_t cycles)
{
	char path[64], text[4096];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	read_text(path, text, sizeof(text));
	if (!strstr(text, "drm-driver:\trowstat\n") || text_value(text, "drm-client-id", ':') < 1)
		fail("fdinfo: no drm-driver or drm-client-id:\n%s", text);
	for (uint32_t r = 0; r < get_param(fd, ROWSTAT_PARAM_PRIORITIES); r++) {
		char key[32];
		uint64_t want = (r == 0 ? 2 : 1) * cycles;

		snprintf(key, sizeof(key), "drm-cycles-ring%u", r);
		if (text_value(text, key, ':') != (long long)want)
			fail("fdinfo %s: %lld, want %llu", key, text_value(text, key, ':'),
			     (unsigned long long)want);
		snprintf(key, sizeof(key), "drm-engine-ring%u", r);
		if (text_value(text, key, ':') <= 0)
			fail("fdinfo %s: %lld ns", key, text_value(text, key, ':'));
	}
	checks++;
	printf("fdinfo: drm-driver, drm-client-id, drm-engine-* and drm-cycles-* as run\n");
}

/* One convolution on the file, waited for and checked exactly. */
static void conv_run_exact(int fd, uint64_t seed, const char *when)
{
	uint32_t sync = syncobj_new(fd);
	struct conv_job cj;

	conv_prepare(fd, &cj, seed);
	conv_submit(fd, &cj, sync, 0);
	if (syncobj_wait(fd, sync, 60))
		fail("a job %s failed", when);
	conv_check(&cj);
}

static int test_conv(void)
{
	int fd = open_node();
	uint32_t sync = syncobj_new(fd);
	struct conv_job cj;
	struct drm_rowstat_bo_wait w = { 0 };
	int status;

	conv_prepare(fd, &cj, 2026);
	conv_submit(fd, &cj, sync, 0);
	status = syncobj_wait(fd, sync, 30);
	if (status)
		fail("the job's fence: %d", status);
	/* Implicit sync: the data BO is idle once the job is done. */
	w.handle = cj.data.handle;
	expect_ok(fd, DRM_IOCTL_ROWSTAT_BO_WAIT, &w, "BO_WAIT after the job");
	conv_check(&cj);
	printf("conv: outputs equal the reference; %llu MACs, %llu cycles\n",
	       (unsigned long long)((struct rowstat_job_stats *)cj.stats.map)->macs,
	       (unsigned long long)((struct rowstat_job_stats *)cj.stats.map)->cycles);

	/* Every priority (ring), and jobs chained through syncobjs. */
	for (uint32_t p = 0; p < get_param(fd, ROWSTAT_PARAM_PRIORITIES); p++) {
		memset(cj.stats.map, 0, 4096);
		memset(sim_mem_ptr(&cj.lc.mem, cj.lc.out.va), 0xee, 64);
		conv_submit(fd, &cj, sync, p);
		if (syncobj_wait(fd, sync, 30))
			fail("priority %u: job failed", p);
		conv_check(&cj);
	}
	fdinfo_check(fd, ((struct rowstat_job_stats *)cj.stats.map)->cycles);
	close(fd);
	printf("conv: %u checks\n", checks);
	return 0;
}

/* ---- submit ---------------------------------------------------------------- */

static int test_submit(void)
{
	int fd = open_node();
	struct bo stream = bo_new(fd, 8192), data = bo_new(fd, 65536), stats = bo_new(fd, 4096);
	uint32_t sync = syncobj_new(fd), bad_sync = 0xbeef;
	struct accel_stream s;
	struct job j;
	int status;

	layer_dma_stream(&s, ROWSTAT_DMA_LOAD, data.va, 64, 4);
	memcpy(stream.map, s.buf, s.len);

#define BAD(field, value, err) do { \
	job_init(&j, &stream, s.len, &stats, sync); \
	j.s.field = value; \
	expect_errno(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, err, "SUBMIT " #field "=" #value); \
} while (0)
	BAD(flags, 1, EINVAL);
	BAD(reserved, 1, EINVAL);
	BAD(priority, 99, EINVAL);
	BAD(stream_bytes, 0, EINVAL);
	BAD(stream_bytes, 12, EINVAL);
	BAD(stream_bytes, ROWSTAT_STREAM_MAX_BYTES + 8, EINVAL);
	BAD(stream_bytes, 8192 + 8, EINVAL);
	BAD(stream_offset, 4, EINVAL);
	BAD(stream_offset, 8192, EINVAL);
	BAD(stream_offset, ~0ull & ~7ull, EINVAL);
	BAD(stream_handle, 0, ENOENT);
	BAD(stream_handle, 0xdead, ENOENT);
	BAD(stats_handle, 0xdead, ENOENT);
	BAD(stats_offset, 4, EINVAL);
	BAD(stats_offset, 4096 - 8, EINVAL);
	BAD(out_sync, 0xdead, ENOENT);
	BAD(bo_handle_count, ROWSTAT_SUBMIT_MAX_BOS + 1, EINVAL);
	BAD(in_sync_count, ROWSTAT_SUBMIT_MAX_SYNCS + 1, EINVAL);
	job_init(&j, &stream, s.len, &stats, sync);
	j.s.bo_handle_count = 1;
	j.handles[0] = 0xdead;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, ENOENT, "SUBMIT bad bo handle");
	job_init(&j, &stream, s.len, &stats, sync);
	j.s.bo_handle_count = 1;
	j.s.bo_handles = 8;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, EFAULT, "SUBMIT bad bo pointer");
	job_init(&j, &stream, s.len, &stats, sync);
	j.s.in_sync_count = 1;
	j.s.in_syncs = (uintptr_t)&bad_sync;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, ENOENT, "SUBMIT bad in_sync");
	stats.map[0] = 0;
	stats.map[1] = 0;
	stats.map[2] = 0;
	stats.map[3] = 0;
	/* A good DMA-only job, waiting for an in-sync that has signalled. */
	job_init(&j, &stream, s.len, &stats, sync);
	job_add_bo(&j, &data);
	expect_ok(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT dma");
	if ((status = syncobj_wait(fd, sync, 30)))
		fail("DMA job: fence %d", status);
	/* A buffer listed twice, and the stream listed again: held once. */
	job_init(&j, &stream, s.len, &stats, sync);
	job_add_bo(&j, &data);
	job_add_bo(&j, &data);
	job_add_bo(&j, &stream);
	expect_ok(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT with duplicate buffers");
	if ((status = syncobj_wait(fd, sync, 30)))
		fail("duplicate-buffer job: fence %d", status);
	job_init(&j, &stream, s.len, &stats, sync);
	j.s.in_sync_count = 1;
	j.s.in_syncs = (uintptr_t)&sync;
	expect_ok(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT with in_sync");
	if ((status = syncobj_wait(fd, sync, 30)))
		fail("in-sync job: fence %d", status);
	/* A stream the device refuses: an unknown opcode.  Not guilty. */
	stream.map[0] = 0x7f;
	job_init(&j, &stream, s.len, &stats, sync);
	expect_ok(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT bad stream");
	status = syncobj_wait(fd, sync, 30);
	if (status != -EINVAL)
		fail("a refused stream's fence: %d, want -EINVAL", status);
	if (((struct rowstat_job_stats *)stats.map)->status != ROWSTAT_ERR_OPCODE ||
	    ((struct rowstat_job_stats *)stats.map)->error_offset != 0)
		fail("a refused stream's statistics: status %u offset %u",
		     ((struct rowstat_job_stats *)stats.map)->status,
		     ((struct rowstat_job_stats *)stats.map)->error_offset);
	memcpy(stream.map, s.buf, s.len);
	job_init(&j, &stream, s.len, &stats, sync);
	expect_ok(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT after a refused stream");
	if ((status = syncobj_wait(fd, sync, 30)))
		fail("the job after a refused stream: %d", status);
	accel_stream_free(&s);
	close(fd);
	printf("submit: %u checks\n", checks);
	return 0;
}

/* ---- isolation -------------------------------------------------------------- */

static int test_isolation(void)
{
	int a = open_node(), b = open_node();
	struct bo a_stream = bo_new(a, 8192), a_stats = bo_new(a, 4096);
	struct bo b_big = bo_new(b, 1 << 20), b_data = bo_new(b, 65536);
	struct bo b_stream = bo_new(b, 8192), b_stats = bo_new(b, 4096);
	uint32_t a_sync = syncobj_new(a), b_sync = syncobj_new(b);
	const struct rowstat_job_stats *st = (const void *)a_stats.map;
	struct accel_stream s;
	struct job j;
	int status;

	/* b_data lies past anything a has mapped: unmapped in a's space. */
	if (b_data.va < a_stream.va + (1 << 20))
		fail("VA layout: b's data at 0x%llx is inside a's range",
		     (unsigned long long)b_data.va);
	(void)b_big;
	layer_dma_stream(&s, ROWSTAT_DMA_LOAD, b_data.va, 64, 4);
	memcpy(a_stream.map, s.buf, s.len);
	job_init(&j, &a_stream, s.len, &a_stats, a_sync);
	expect_ok(a, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT into b's range");
	status = syncobj_wait(a, a_sync, 30);
	if (status != -EFAULT)
		fail("a job reaching another file's VA: fence %d, want -EFAULT", status);
	if (st->status != ROWSTAT_ERR_FAULT || st->fault_va != b_data.va)
		fail("fault statistics: status %u VA 0x%llx, want FAULT at 0x%llx",
		     st->status, (unsigned long long)st->fault_va,
		     (unsigned long long)b_data.va);
	/* a is guilty now; b runs on. */
	job_init(&j, &a_stream, s.len, &a_stats, a_sync);
	expect_errno(a, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, ECANCELED, "SUBMIT from a guilty file");
	memcpy(b_stream.map, s.buf, s.len);
	job_init(&j, &b_stream, s.len, &b_stats, b_sync);
	job_add_bo(&j, &b_data);
	expect_ok(b, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT in b");
	if ((status = syncobj_wait(b, b_sync, 30)))
		fail("b's job after a's fault: %d", status);
	accel_stream_free(&s);
	close(a);
	close(b);
	printf("isolation: %u checks\n", checks);
	return 0;
}

/* ---- prime ------------------------------------------------------------------ */

static int test_prime(void)
{
	int a = open_node(), b = open_node();
	struct bo shared = bo_new(a, 65536);
	struct drm_prime_handle exp = { .handle = shared.handle, .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_prime_handle imp = { 0 };
	struct drm_rowstat_bo_info info = { 0 };
	struct bo b_stream = bo_new(b, 8192), b_stats = bo_new(b, 4096);
	uint32_t b_sync = syncobj_new(b);
	struct accel_stream s;
	uint8_t *bmap;
	struct job j;
	int status;

	for (size_t i = 0; i < shared.size; i++)
		shared.map[i] = (uint8_t)(i * 7);
	expect_ok(a, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp, "PRIME export");
	imp.fd = exp.fd;
	expect_ok(b, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp, "PRIME import");
	info.handle = imp.handle;
	expect_ok(b, DRM_IOCTL_ROWSTAT_BO_INFO, &info, "BO_INFO imported");
	if (info.size != shared.size || !info.va)
		fail("imported BO: size %llu VA 0x%llx", (unsigned long long)info.size,
		     (unsigned long long)info.va);
	bmap = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, b, info.mmap_offset);
	if (bmap == MAP_FAILED)
		fail("mmap of the imported BO: %s", strerror(errno));
	if (memcmp(bmap, shared.map, shared.size))
		fail("the imported BO's contents differ");
	/* b's job writes the shared buffer; a sees it. */
	layer_dma_stream(&s, ROWSTAT_DMA_STORE, info.va, 64, 1);
	memcpy(b_stream.map, s.buf, s.len);
	job_init(&j, &b_stream, s.len, &b_stats, b_sync);
	j.handles[0] = imp.handle;
	j.s.bo_handle_count = 1;
	expect_ok(b, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT on the imported BO");
	if ((status = syncobj_wait(b, b_sync, 30)))
		fail("job on the imported BO: %d", status);
	/* A STORE of a fresh GLB (zeros) leaves 64 Q16 zeros. */
	for (size_t i = 0; i < 128; i++)
		if (shared.map[i])
			fail("a does not see b's store at byte %zu", i);
	if (shared.map[128] != (uint8_t)(128 * 7))
		fail("b's store ran past its 128 bytes");
	close(exp.fd);
	accel_stream_free(&s);
	close(b);
	close(a);
	printf("prime: %u checks\n", checks);
	return 0;
}

/* ---- hang --------------------------------------------------------------------- */

/*
 * The device hangs on its hang_job-th job.  A file runs hang_job - 1 jobs,
 * then the one that hangs; another file queues innocent jobs on two rings
 * behind it.  The hung job fails with -ETIMEDOUT and its file turns
 * guilty; the innocent jobs run again after the reset and are exact.
 */
static int test_hang(int hang_job)
{
	int fd = open_node(), other = open_node();
	struct conv_job *cj = calloc((size_t)hang_job, sizeof(*cj));
	uint32_t *sync = calloc((size_t)hang_job, sizeof(*sync));
	struct conv_job innocent[3];
	uint32_t innocent_sync[3];
	int status;

	if (!cj || !sync || hang_job < 1)
		fail("hang: bad job number or out of memory");
	for (int i = 0; i < hang_job; i++) {
		conv_prepare(fd, &cj[i], 100 + (uint64_t)i);
		sync[i] = syncobj_new(fd);
	}
	for (int i = 0; i < 3; i++) {
		conv_prepare(other, &innocent[i], 200 + (uint64_t)i);
		innocent_sync[i] = syncobj_new(other);
	}
	for (int i = 0; i + 1 < hang_job; i++) {
		conv_submit(fd, &cj[i], sync[i], 0);
		if ((status = syncobj_wait(fd, sync[i], 60)))
			fail("job %d before the hang: %d", i + 1, status);
		conv_check(&cj[i]);
	}
	conv_submit(fd, &cj[hang_job - 1], sync[hang_job - 1], 0);
	/* Let the device take it (it is idle), then queue behind it. */
	usleep(300 * 1000);
	/* Its buffer stays busy: a BO_WAIT with a near deadline times out. */
	{
		struct drm_rowstat_bo_wait w = { .handle = cj[hang_job - 1].data.handle };
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		w.timeout_ns = ts.tv_sec * 1000000000ll + ts.tv_nsec + 100000000ll;
		expect_errno(fd, DRM_IOCTL_ROWSTAT_BO_WAIT, &w, ETIME, "BO_WAIT on a hung job");
	}
	for (int i = 0; i < 3; i++)
		conv_submit(other, &innocent[i], innocent_sync[i], (uint32_t)i % 2);
	status = syncobj_wait(fd, sync[hang_job - 1], 60);
	if (status != -ETIMEDOUT)
		fail("the hung job's fence: %d, want -ETIMEDOUT", status);
	if (((struct rowstat_job_stats *)cj[hang_job - 1].stats.map)->status !=
	    ROWSTAT_ERR_CANCELLED)
		fail("the hung job's statistics: status %u, want CANCELLED",
		     ((struct rowstat_job_stats *)cj[hang_job - 1].stats.map)->status);
	printf("hang: job %d timed out and the device was reset\n", hang_job);
	for (int i = 0; i < 3; i++) {
		if ((status = syncobj_wait(other, innocent_sync[i], 60)))
			fail("innocent job %d: %d", i, status);
		conv_check(&innocent[i]);
	}
	printf("hang: the 3 innocent jobs ran again and are exact\n");
	{
		struct job j;

		job_init(&j, &cj[0].data, cj[0].lc.stream.len, NULL, 0);
		j.s.stream_offset = cj[0].lc.stream_va - cj[0].data.va;
		expect_errno(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, ECANCELED,
			     "SUBMIT after a hang");
	}
	/* The innocent file goes on. */
	conv_submit(other, &innocent[0], innocent_sync[0], 0);
	if (syncobj_wait(other, innocent_sync[0], 60))
		fail("a job after recovery failed");
	conv_check(&innocent[0]);
	printf("hang: %u checks\n", checks);
	return 0;
}

/* ---- fwcrash ----------------------------------------------------------------- */

/* A counter from the driver's debugfs "counters" file. */
static long long debugfs_counter(const char *name)
{
	char text[1024];
	long long value;

	debugfs_read("counters", text, sizeof(text));
	value = text_value(text, name, ' ');
	if (value < 0)
		fail("debugfs counters: no '%s'", name);
	return value;
}

/* Lines of a debugfs file of the device (0 if it is empty). */
static int debugfs_count_lines(const char *file)
{
	char text[8192];
	int n = 0;

	debugfs_read(file, text, sizeof(text));
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}

/*
 * The device's firmware crashes after its second job: the driver resets
 * the device, boots the firmware again, and the next jobs run exactly.
 */
static int test_fwcrash(void)
{
	int fd = open_node();
	uint32_t sync = syncobj_new(fd);
	struct conv_job cj;

	conv_prepare(fd, &cj, 300);
	for (int i = 0; i < 2; i++) {
		conv_submit(fd, &cj, sync, 0);
		if (syncobj_wait(fd, sync, 60))
			fail("job %d before the crash failed", i + 1);
		conv_check(&cj);
	}
	/* Recovery runs from a work item: wait for it. */
	for (int i = 0; i < 50 && debugfs_counter("resets") < 1; i++)
		usleep(100 * 1000);
	if (debugfs_counter("firmware-crashes") != 1 || debugfs_counter("resets") != 1)
		fail("firmware-crashes %lld resets %lld, want 1 and 1",
		     debugfs_counter("firmware-crashes"), debugfs_counter("resets"));
	for (int i = 0; i < 2; i++) {
		memset(sim_mem_ptr(&cj.lc.mem, cj.lc.out.va), 0, 64);
		conv_submit(fd, &cj, sync, (uint32_t)i);
		if (syncobj_wait(fd, sync, 60))
			fail("job %d after the crash failed", i + 3);
		conv_check(&cj);
	}
	if (get_param(fd, ROWSTAT_PARAM_FW_VERSION) != ROWSTAT_VERSION(1, 0))
		fail("firmware version after the reset");
	close(fd);
	printf("fwcrash: the device came back; %u checks\n", checks);
	return 0;
}

/* ---- stress ------------------------------------------------------------------ */

struct stress_file {
	int fd;
	struct bo bos[48];
	unsigned nbos;
	uint32_t syncs[8];
	struct bo stream, data, stats;
	size_t stream_len, dma_off;
	uint8_t good[256];
};

static void stress_open(struct stress_file *f)
{
	struct accel_stream s;

	memset(f, 0, sizeof(*f));
	f->fd = open_node();
	f->stream = bo_new(f->fd, 4096);
	f->data = bo_new(f->fd, 16384);
	f->stats = bo_new(f->fd, 4096);
	for (unsigned i = 0; i < 8; i++)
		f->syncs[i] = syncobj_new(f->fd);
	f->dma_off = layer_dma_stream(&s, ROWSTAT_DMA_LOAD, f->data.va, 64, 4);
	if (s.len > sizeof(f->good))
		fail("stress: stream too long");
	memcpy(f->good, s.buf, s.len);
	f->stream_len = s.len;
	accel_stream_free(&s);
}

static void stress_close(struct stress_file *f)
{
	for (unsigned i = 0; i < f->nbos; i++)
		munmap(f->bos[i].map, f->bos[i].size);
	munmap(f->stream.map, f->stream.size);
	munmap(f->data.map, f->data.size);
	munmap(f->stats.map, f->stats.size);
	close(f->fd);
}

/* A random handle: mostly real, sometimes not. */
static uint32_t stress_handle(struct stress_file *f, struct rng *r)
{
	switch (rng_range(r, 0, 5)) {
	case 0:
		return (uint32_t)rng_next(r);
	case 1:
		return 0;
	default:
		return f->nbos ? f->bos[rng_range(r, 0, f->nbos - 1)].handle : f->data.handle;
	}
}

/*
 * The valid DMA stream with one bit flipped, except in the high bytes of
 * counts and strides: a flip there makes a legal job of minutes, which
 * the timeout test covers already.
 */
static void stress_mutate(struct stress_file *f, struct rng *r)
{
	size_t pos;

	memcpy(f->stream.map, f->good, f->stream_len);
	if (rng_range(r, 0, 3) == 0)
		return;
	do {
		pos = rng_range(r, 0, (unsigned)f->stream_len - 1);
	} while (pos >= f->dma_off + 20 && pos < f->dma_off + 48 && (pos - f->dma_off) % 4);
	f->stream.map[pos] ^= (uint8_t)(1u << rng_range(r, 0, 7));
}

static void stress_submit(struct stress_file *f, struct rng *r)
{
	uint32_t handles[4], in[2];
	struct job j;

	stress_mutate(f, r);
	job_init(&j, &f->stream, f->stream_len, &f->stats, f->syncs[rng_range(r, 0, 7)]);
	for (unsigned i = 0; i < 4; i++)
		handles[i] = rng_range(r, 0, 4) ? f->data.handle : stress_handle(f, r);
	in[0] = f->syncs[rng_range(r, 0, 7)];
	in[1] = rng_range(r, 0, 9) ? f->syncs[rng_range(r, 0, 7)] : (uint32_t)rng_next(r);
	j.s.bo_handles = (uintptr_t)handles;
	j.s.bo_handle_count = rng_range(r, 0, 4);
	j.s.in_syncs = (uintptr_t)in;
	j.s.in_sync_count = rng_range(r, 0, 2);
	j.s.priority = rng_range(r, 0, 3);
	switch (rng_range(r, 0, 9)) {	/* one field made wrong, or none */
	case 0: j.s.flags = (uint32_t)rng_next(r) | 1; break;
	case 1: j.s.stream_bytes = (uint32_t)rng_next(r); break;
	case 2: j.s.stream_offset = rng_next(r); break;
	case 3: j.s.stats_offset = rng_next(r); break;
	case 4: j.s.bo_handles = rng_next(r); break;
	case 5: j.s.priority = (uint32_t)rng_next(r); break;
	default: break;
	}
	if (ioctl(f->fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s) && errno == ECANCELED) {
		/* A fault made the file guilty: start a new one. */
		stress_close(f);
		stress_open(f);
	}
}

/*
 * A bounded random run of every ioctl, valid and not, over three files;
 * the kernel must stay clean (dmesg-clean) and every context must be gone
 * when the files are.
 */
static int test_stress(long calls, uint64_t seed)
{
	struct stress_file files[3];
	struct rng r = { seed };
	long counts[8] = { 0 };

	for (unsigned i = 0; i < 3; i++)
		stress_open(&files[i]);
	for (long n = 0; n < calls; n++) {
		struct stress_file *f = &files[rng_range(&r, 0, 2)];
		unsigned op = rng_range(&r, 0, 7);

		counts[op]++;
		if (n % 20000 == 0)
			printf("stress: %ld calls\n", n);
		switch (op) {
		case 0: {
			struct drm_rowstat_get_param p = {
				.param = rng_range(&r, 0, ROWSTAT_PARAM_COUNT + 2),
				.pad = rng_range(&r, 0, 9) ? 0 : 1,
			};
			ioctl(f->fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p);
			break;
		}
		case 1: {
			struct drm_rowstat_bo_create c = {
				.size = rng_range(&r, 0, 20) ? rng_range(&r, 1, 65536) : rng_next(&r),
				.flags = rng_range(&r, 0, 9) ? 0 : (uint32_t)rng_next(&r),
			};
			if (f->nbos < 48 && !ioctl(f->fd, DRM_IOCTL_ROWSTAT_BO_CREATE, &c)) {
				struct bo *b = &f->bos[f->nbos++];

				b->handle = c.handle;
				b->size = c.size;
				b->va = c.va;
				b->map = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED,
					      f->fd, c.mmap_offset);
				if (b->map == MAP_FAILED)
					fail("stress: mmap of a new BO failed");
				b->map[0] = 1;
			}
			break;
		}
		case 2:
			if (f->nbos) {
				unsigned i = rng_range(&r, 0, f->nbos - 1);
				struct drm_gem_close gc = { .handle = f->bos[i].handle };

				ioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &gc);
				munmap(f->bos[i].map, f->bos[i].size);
				f->bos[i] = f->bos[--f->nbos];
			}
			break;
		case 3: {
			struct drm_rowstat_bo_info in = {
				.handle = stress_handle(f, &r),
				.flags = rng_range(&r, 0, 9) ? 0 : 4,
			};
			ioctl(f->fd, DRM_IOCTL_ROWSTAT_BO_INFO, &in);
			break;
		}
		case 4: {
			struct drm_rowstat_bo_wait w = {
				.handle = stress_handle(f, &r),
				.flags = rng_range(&r, 0, 9) ? 0 : 2,
			};
			ioctl(f->fd, DRM_IOCTL_ROWSTAT_BO_WAIT, &w);
			break;
		}
		case 5:
		case 6:
			stress_submit(f, &r);
			break;
		case 7: {
			/* PRIME: export from this file, import into another. */
			struct stress_file *g = &files[rng_range(&r, 0, 2)];
			struct drm_prime_handle e = { .handle = stress_handle(f, &r),
						      .flags = DRM_CLOEXEC };

			if (!ioctl(f->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &e)) {
				struct drm_prime_handle i = { .fd = e.fd };
				struct drm_rowstat_bo_info in = { 0 };

				if (!ioctl(g->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &i)) {
					in.handle = i.handle;
					if (ioctl(g->fd, DRM_IOCTL_ROWSTAT_BO_INFO, &in))
						fail("stress: BO_INFO of an imported BO: %s",
						     strerror(errno));
				}
				close(e.fd);
			}
			break;
		}
		}
	}
	for (unsigned i = 0; i < 3; i++) {
		for (unsigned k = 0; k < 8; k++) {
			struct timespec ts;
			struct drm_syncobj_wait w = {
				.handles = (uintptr_t)&files[i].syncs[k], .count_handles = 1,
			};

			clock_gettime(CLOCK_MONOTONIC, &ts);
			w.timeout_nsec = (ts.tv_sec + 60) * 1000000000ll + ts.tv_nsec;
			/* EINVAL: no job ever signalled into it. */
			if (ioctl(files[i].fd, DRM_IOCTL_SYNCOBJ_WAIT, &w) && errno != EINVAL)
				fail("stress: the last jobs did not end: %s", strerror(errno));
		}
		stress_close(&files[i]);
	}
	/* Jobs end, then their contexts go: debugfs lists none. */
	for (int i = 0; i < 100; i++) {
		if (debugfs_count_lines("contexts") == 0)
			break;
		usleep(50 * 1000);
	}
	if (debugfs_count_lines("contexts"))
		fail("stress: %d contexts left after every file closed",
		     debugfs_count_lines("contexts"));
	printf("stress: %ld calls (get_param %ld, bo_create %ld, gem_close %ld, bo_info %ld, "
	       "bo_wait %ld, submit %ld, prime %ld); jobs %lld, failed %lld, resets %lld\n",
	       calls, counts[0], counts[1], counts[2], counts[3], counts[4],
	       counts[5] + counts[6], counts[7], debugfs_counter("submitted"),
	       debugfs_counter("failed"), debugfs_counter("resets"));
	return 0;
}

/* ---- bench (make bench-driver) ---------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A file with a stream that is only END: the cheapest job there is. */
struct bench_file {
	int fd;
	struct bo stream;
	uint32_t sync[16];
};

static void bench_open(struct bench_file *b)
{
	struct rowstat_cmd_end end = {
		.hdr = { .opcode = ROWSTAT_OP_END, .dwords = htole16(2) },
	};

	b->fd = open_node();
	b->stream = bo_new(b->fd, 4096);
	memcpy(b->stream.map, &end, sizeof(end));
	for (unsigned i = 0; i < 16; i++)
		b->sync[i] = syncobj_new(b->fd);
}

static void bench_submit(struct bench_file *b, uint32_t sync)
{
	struct job j;

	job_init(&j, &b->stream, 8, NULL, sync);
	if (ioctl(b->fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s))
		fail("bench: SUBMIT: %s", strerror(errno));
}

static void bench_wait(struct bench_file *b, uint32_t sync)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)&sync, .count_handles = 1,
		.timeout_nsec = INT64_MAX,
	};

	if (ioctl(b->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w))
		fail("bench: SYNCOBJ_WAIT: %s", strerror(errno));
}

/* Jobs per second of one process: 16 in flight, `jobs` in all. */
static void bench_stream(int jobs)
{
	struct bench_file b;

	bench_open(&b);
	for (int i = 0; i < jobs; i++) {
		if (i >= 16)
			bench_wait(&b, b.sync[i % 16]);
		bench_submit(&b, b.sync[i % 16]);
	}
	for (int i = 0; i < 16; i++)
		bench_wait(&b, b.sync[i]);
	close(b.fd);
}

static int test_bench(void)
{
	struct bench_file b;
	struct drm_rowstat_get_param p = { .param = ROWSTAT_PARAM_HW_VERSION };
	const int ioctls = 20000, latency_jobs = 500, jobs = 2000;
	double t0, ioctl_us, job_us;

	bench_open(&b);
	t0 = now_s();
	for (int i = 0; i < ioctls; i++)
		if (ioctl(b.fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p))
			fail("bench: GET_PARAM");
	ioctl_us = (now_s() - t0) / ioctls * 1e6;
	bench_submit(&b, b.sync[0]);	/* warm up */
	bench_wait(&b, b.sync[0]);
	t0 = now_s();
	for (int i = 0; i < latency_jobs; i++) {
		bench_submit(&b, b.sync[0]);
		bench_wait(&b, b.sync[0]);
	}
	job_us = (now_s() - t0) / latency_jobs * 1e6;
	close(b.fd);
	printf("bench: ioctl round trip (GET_PARAM)      %8.1f us  (%d calls)\n",
	       ioctl_us, ioctls);
	printf("bench: no-op job, submit to signalled    %8.1f us  (%d jobs, one at a time)\n",
	       job_us, latency_jobs);
	for (int procs = 1; procs <= 4; procs *= 2) {
		t0 = now_s();
		for (int k = 0; k < procs; k++) {
			pid_t pid = fork();

			if (pid < 0)
				fail("bench: fork");
			if (pid == 0) {
				bench_stream(jobs);
				_exit(0);
			}
		}
		for (int k = 0; k < procs; k++) {
			int st;

			if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
				fail("bench: a submitting process failed");
		}
		printf("bench: %d process%s x %d no-op jobs (16 in flight each) %8.0f jobs/s\n",
		       procs, procs > 1 ? "es" : "  ", jobs, procs * jobs / (now_s() - t0));
	}
	return 0;
}

/* ---- kill --------------------------------------------------------------------- */

static int test_kill(void)
{
	for (int round = 0; round < 3; round++) {
		pid_t pid = fork();

		if (pid < 0)
			fail("fork: %s", strerror(errno));
		if (pid == 0) {
			int fd = open_node();
			struct conv_job cj;

			conv_prepare(fd, &cj, 55);
			for (int i = 0; i < 8; i++)
				conv_submit(fd, &cj, 0, (uint32_t)i % 2);
			kill(getpid(), SIGKILL);
		}
		waitpid(pid, NULL, 0);
	}
	/* The device still runs exactly. */
	{
		int fd = open_node();

		conv_run_exact(fd, 56, "after killed processes");
		close(fd);
	}
	printf("kill: %u checks\n", checks);
	return 0;
}

/* ---- unbind ------------------------------------------------------------------- */

static void sysfs_write(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(value, f) < 0 || fclose(f))
		fail("writing %s to %s: %s", value, path, strerror(errno));
}

static int test_unbind(void)
{
	const char *addr = pci_address();
	int fd = open_node();
	struct conv_job cj;
	struct drm_rowstat_get_param p = { .param = ROWSTAT_PARAM_HW_VERSION };
	uint32_t sync = syncobj_new(fd);

	conv_prepare(fd, &cj, 77);
	/* Enough that some are still queued or running at the unbind. */
	for (int i = 0; i < 64; i++)
		conv_submit(fd, &cj, sync, (uint32_t)i % 4);
	/*
	 * The last job's fence as a sync_file: the file's DRM ioctls fail
	 * after the unbind, the sync_file does not.
	 */
	struct drm_syncobj_handle h = {
		.handle = sync,
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1,
	};
	struct sync_file_info info;
	struct pollfd pfd;

	expect_ok(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h, "export the last job's fence");
	sysfs_write("/sys/bus/pci/drivers/rowstat/unbind", addr);
	expect_errno(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p, ENODEV, "GET_PARAM after unbind");
	/* The last job ended one way or the other: no waiter is left hanging. */
	pfd = (struct pollfd){ .fd = h.fd, .events = POLLIN };
	if (poll(&pfd, 1, 30000) != 1)
		fail("the last job's fence did not signal after unbind");
	memset(&info, 0, sizeof(info));
	if (ioctl(h.fd, SYNC_IOC_FILE_INFO, &info))
		fail("SYNC_IOC_FILE_INFO: %s", strerror(errno));
	if (info.status != 1 && info.status != -ENODEV)
		fail("the last job after unbind: %d, want done or -ENODEV", info.status);
	printf("unbind: the last queued job ended with %d\n", info.status == 1 ? 0 : info.status);
	close(h.fd);
	{
		struct job j;

		job_init(&j, &cj.data, cj.lc.stream.len, NULL, 0);
		expect_errno(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, ENODEV, "SUBMIT after unbind");
	}
	/* The mapping still reads; closing frees everything. */
	(void)cj.data.map[0];
	close(fd);
	sysfs_write("/sys/bus/pci/drivers/rowstat/bind", addr);
	fd = open_node();
	conv_run_exact(fd, 78, "after rebinding");
	close(fd);
	printf("unbind: %u checks\n", checks);
	return 0;
}

/* ---- nonroot ------------------------------------------------------------------ */

/* As nobody: the own context works, nothing reaches past it. */
static int test_nonroot(void)
{
	int fd;

	if (setgid(65534) || setuid(65534))
		fail("cannot drop to nobody: %s", strerror(errno));
	if (getuid() != 65534)
		fail("still uid %d", getuid());
	fd = open_node();
	close(fd);
	test_params();
	test_bo();
	test_submit();
	test_isolation();
	printf("nonroot: %u checks as uid %d\n", checks, getuid());
	return 0;
}

static int test_modules(int argc, char **argv)
{
	char line[256];

	for (int i = 0; i < argc; i++) {
		FILE *f = fopen("/proc/modules", "r");
		size_t len = strlen(argv[i]);
		int found = 0;

		if (!f)
			fail("no /proc/modules");
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, argv[i], len) && line[len] == ' ')
				found = 1;
		fclose(f);
		if (!found)
			fail("module %s is not loaded", argv[i]);
		printf("  %s loaded\n", argv[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "params"))
		return test_params();
	if (!strcmp(cmd, "bo"))
		return test_bo();
	if (!strcmp(cmd, "conv"))
		return test_conv();
	if (!strcmp(cmd, "submit"))
		return test_submit();
	if (!strcmp(cmd, "isolation"))
		return test_isolation();
	if (!strcmp(cmd, "prime"))
		return test_prime();
	if (!strcmp(cmd, "hang") && argc > 2)
		return test_hang(atoi(argv[2]));
	if (!strcmp(cmd, "kill"))
		return test_kill();
	if (!strcmp(cmd, "fwcrash"))
		return test_fwcrash();
	if (!strcmp(cmd, "bench"))
		return test_bench();
	if (!strcmp(cmd, "stress") && argc > 3)
		return test_stress(atol(argv[2]), strtoull(argv[3], NULL, 0));
	if (!strcmp(cmd, "unbind"))
		return test_unbind();
	if (!strcmp(cmd, "nonroot"))
		return test_nonroot();
	if (!strcmp(cmd, "modules"))
		return test_modules(argc - 2, argv + 2);
	fprintf(stderr, "usage: rowstat-drm params|bo|conv|submit|isolation|prime|"
		"hang N|fwcrash|bench|stress CALLS SEED|kill|unbind|nonroot|modules NAME...\n");
	return 2;
}
