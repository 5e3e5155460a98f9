// SPDX-License-Identifier: MIT
/*
 * rowstat-stress CALLS SEED: random and mutated ioctls over three files,
 * then a check that the device still runs exactly and nothing is left.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rowstat_regs.h>

#include "drm_test.h"

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

/* Each line of debugfs "contexts" is an address space, bound or not. */
static void stress_check_contexts(void)
{
	char text[8192], *line, *save;
	int lines = 0;

	debugfs_read("contexts", text, sizeof(text));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int slot;

		lines++;
		if (strncmp(line, "unbound: client ", 16) &&
		    !(sscanf(line, "context%d: client ", &slot) == 1 && slot >= 0))
			fail("stress: debugfs contexts: line \"%s\"", line);
	}
	if (lines < 3)
		fail("stress: debugfs contexts lists %d address spaces, not the 3 files'", lines);
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
		/*
		 * debugfs walks every address space while jobs end and files
		 * reopen: the three files' (and those closed but still with
		 * jobs) are listed, and nothing else.
		 */
		if (n % 64 == 0)
			stress_check_contexts();
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

static int test_stress_args(char **args)
{
	return test_stress(atol(args[0]), strtoull(args[1], NULL, 0));
}

static const struct subtest tests[] = {
	{ .name = "run", .run_args = test_stress_args, .nargs = 2, .usage = "CALLS SEED" },
};

int main(int argc, char **argv)
{
	return subtests_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
