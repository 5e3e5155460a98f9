// SPDX-License-Identifier: MIT
/*
 * rowstat-bench (make bench-driver): a no-op job's latency from submit to
 * signalled syncobj against a bare ioctl round trip, and jobs per second
 * from 1, 2 and 4 processes.  It prints figures and asserts nothing timed.
 */
#include <endian.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rowstat_regs.h>

#include "drm_test.h"

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

static const struct subtest tests[] = {
	{ .name = "bench", .run = test_bench },
};

int main(int argc, char **argv)
{
	return subtests_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
