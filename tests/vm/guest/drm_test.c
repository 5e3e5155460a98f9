// SPDX-License-Identifier: MIT
/* The VM driver tests' shared helpers: see drm_test.h. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/sync_file.h>

#include <rowstat_accel.h>

#include "drm_test.h"
#include "ref_conv.h"

unsigned checks;

/*
 * The first /dev/accel/accelN where the kernel has DRM accel, else the
 * first render node (a rebound device gets the next minor).
 */
int open_node(void)
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
const char *pci_address(void)
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
void read_text(const char *path, char *buf, size_t size)
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
long long text_value(const char *text, const char *key, char sep)
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
void debugfs_read(const char *file, char *buf, size_t size)
{
	char path[600];

	snprintf(path, sizeof(path), "/sys/kernel/debug/rowstat/%s/%s", pci_address(), file);
	read_text(path, buf, size);
}

uint64_t get_param(int fd, uint32_t param)
{
	struct drm_rowstat_get_param p = { .param = param };

	expect_ok(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p, "GET_PARAM");
	return p.value;
}
struct bo bo_new(int fd, uint64_t size)
{
	return bo_new_flags(fd, size, 0);
}

struct bo bo_new_flags(int fd, uint64_t size, uint32_t flags)
{
	struct drm_rowstat_bo_create c = { .size = size, .flags = flags };
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

uint32_t syncobj_new(int fd)
{
	struct drm_syncobj_create c = { 0 };

	expect_ok(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c, "SYNCOBJ_CREATE");
	return c.handle;
}

/* Waits for the syncobj's fence; returns its status (0 or -errno). */
int syncobj_wait(int fd, uint32_t sync, int timeout_s)
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
void job_init(struct job *j, const struct bo *stream, size_t bytes,
		     const struct bo *stats, uint32_t out_sync)
{
	memset(j, 0, sizeof(*j));
	j->s.stream_handle = stream->handle;
	j->s.stream_bytes = (uint32_t)bytes;
	j->s.stats_handle = stats ? stats->handle : 0;
	j->s.out_sync = out_sync;
	j->s.bo_handles = (uintptr_t)j->handles;
}

void job_add_bo(struct job *j, const struct bo *b)
{
	j->handles[j->s.bo_handle_count++] = b->handle;
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
void conv_prepare(int fd, struct conv_job *cj, uint64_t seed)
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

void conv_submit(int fd, struct conv_job *cj, uint32_t sync, uint32_t prio)
{
	struct job j;

	job_init(&j, &cj->data, cj->lc.stream.len, &cj->stats, sync);
	j.s.stream_offset = cj->lc.stream_va - cj->data.va;
	j.s.priority = prio;
	expect_ok(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT conv");
}

/* The ofmap against the reference, and the device's statistics. */
void conv_check(struct conv_job *cj)
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
/* One convolution on the file, waited for and checked exactly. */
void conv_run_exact(int fd, uint64_t seed, const char *when)
{
	uint32_t sync = syncobj_new(fd);
	struct conv_job cj;

	conv_prepare(fd, &cj, seed);
	conv_submit(fd, &cj, sync, 0);
	if (syncobj_wait(fd, sync, 60))
		fail("a job %s failed", when);
	conv_check(&cj);
}
/* A counter from the driver's debugfs "counters" file. */
long long debugfs_counter(const char *name)
{
	char text[1024];
	long long value;

	debugfs_read("counters", text, sizeof(text));
	value = text_value(text, name, ' ');
	if (value < 0)
		fail("debugfs counters: no '%s'", name);
	return value;
}

/* The device context fdinfo reports for a file: -1 for none. */
int fdinfo_context(int fd)
{
	char path[64], text[4096];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	read_text(path, text, sizeof(text));
	if (strstr(text, "rowstat-context:\tnone\n"))
		return -1;
	return (int)text_value(text, "rowstat-context", ':');
}

/* How many jobs hold device context `slot` (debugfs contexts); -1: unbound. */
int debugfs_context_holders(int slot)
{
	char text[16384], key[32];
	const char *line;
	unsigned holders;

	debugfs_read("contexts", text, sizeof(text));
	snprintf(key, sizeof(key), "context%d: ", slot);
	line = strstr(text, key);
	if (!line)
		return -1;
	line = strstr(line, " holders ");
	if (!line || sscanf(line, " holders %u", &holders) != 1)
		fail("debugfs contexts: no holders for context %d", slot);
	return (int)holders;
}

/* Lines of a debugfs file of the device (0 if it is empty). */
int debugfs_count_lines(const char *file)
{
	char text[8192];
	int n = 0;

	debugfs_read(file, text, sizeof(text));
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}
void sysfs_write(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(value, f) < 0 || fclose(f))
		fail("writing %s to %s: %s", value, path, strerror(errno));
}

static void drop_to_nobody(void)
{
	if (setgid(65534) || setuid(65534))
		fail("cannot drop to nobody: %s", strerror(errno));
	if (getuid() != 65534 || getgid() != 65534)
		fail("still uid %d gid %d", getuid(), getgid());
	printf("running as uid %d\n", getuid());
}

static void subtests_usage(const char *prog, const struct subtest *tests, size_t count)
{
	fprintf(stderr, "usage: %s [--nobody] [SUBTEST [ARGS]]\nsubtests:", prog);
	for (size_t i = 0; i < count; i++)
		fprintf(stderr, " %s%s%s", tests[i].name, tests[i].usage ? " " : "",
			tests[i].usage ? tests[i].usage : "");
	fputc('\n', stderr);
}

int subtests_main(const struct subtest *tests, size_t count, int argc, char **argv)
{
	const char *prog = argv[0];
	int ret = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	argc--, argv++;
	if (argc && !strcmp(argv[0], "--nobody")) {
		drop_to_nobody();
		argc--, argv++;
	}
	if (!argc) {
		for (size_t i = 0; i < count && !ret; i++)
			if (tests[i].run && !tests[i].on_request)
				ret = tests[i].run();
		return ret;
	}
	for (size_t i = 0; i < count; i++) {
		const struct subtest *t = &tests[i];

		if (strcmp(argv[0], t->name))
			continue;
		if (t->run && argc == 1)
			return t->run();
		if (t->run_args && (t->nargs < 0 ? argc > 1 : argc == t->nargs + 1))
			return t->run_args(argv + 1);
		break;
	}
	subtests_usage(prog, tests, count);
	return 2;
}
