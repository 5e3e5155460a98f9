// SPDX-License-Identifier: MIT
/*
 * rowstat-submit: SUBMIT and the jobs it starts.
 *   validation  SUBMIT's bad arguments, and a stream the device refuses
 *   conv        a convolution compiled by libaccel, run through SUBMIT and a
 *               syncobj on every ring, exact against the reference; fdinfo
 *   isolation   a job reaching into another file's VA range faults; only
 *               its context turns guilty
 *   contexts    three times more files than the device has contexts, each
 *               running exact: idle files keep no context
 */
#include <fcntl.h>
#include <unistd.h>

#include <rowstat_mmu.h>
#include <rowstat_regs.h>

#include "drm_test.h"

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

/* Reruns a file's convolution: its ofmap and statistics cleared first. */
static void conv_resubmit(int fd, struct conv_job *cj, uint32_t prio, uint32_t out_sync)
{
	memset(cj->stats.map, 0, 4096);
	memset(sim_mem_ptr(&cj->lc.mem, cj->lc.out.va), 0xee, 64);
	conv_submit(fd, cj, out_sync, prio);
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
		conv_resubmit(fd, &cj, p, sync);
		if (syncobj_wait(fd, sync, 30))
			fail("priority %u: job failed", p);
		conv_check(&cj);
	}
	fdinfo_check(fd, ((struct rowstat_job_stats *)cj.stats.map)->cycles);
	close(fd);
	printf("conv: %u checks\n", checks);
	return 0;
}

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

#define CONTEXT_FILES (3 * ROWSTAT_DEFAULT_CONTEXTS)

/*
 * The files' buffers sit at the same VAs in their own address spaces, so
 * a job run in another file's device context would read another's data
 * and miss the reference.
 */
static int test_contexts(void)
{
	static struct conv_job cj[CONTEXT_FILES];
	int fd[CONTEXT_FILES];
	uint32_t sync[CONTEXT_FILES];
	long long evictions = debugfs_counter("context-evictions");
	long long waits = debugfs_counter("context-waits");

	for (unsigned i = 0; i < CONTEXT_FILES; i++) {
		fd[i] = open_node();
		sync[i] = syncobj_new(fd[i]);
		conv_prepare(fd[i], &cj[i], 3000 + i);
	}
	if (fdinfo_context(fd[0]) != -1)
		fail("contexts: a file without jobs holds device context %d", fdinfo_context(fd[0]));
	checks++;
	/* Each file runs a job in turn and stays open, idle: past the device's
	 * contexts, each takes the context of an idle file. */
	for (unsigned i = 0; i < CONTEXT_FILES; i++) {
		conv_resubmit(fd[i], &cj[i], 0, sync[i]);
		if (syncobj_wait(fd[i], sync[i], 30))
			fail("contexts: file %u's job failed", i);
		conv_check(&cj[i]);
		if (fdinfo_context(fd[i]) < 0 || fdinfo_context(fd[i]) >= ROWSTAT_DEFAULT_CONTEXTS)
			fail("contexts: file %u ran in device context %d", i, fdinfo_context(fd[i]));
	}
	if (debugfs_counter("context-evictions") - evictions <
	    CONTEXT_FILES - ROWSTAT_DEFAULT_CONTEXTS)
		fail("contexts: %lld evictions for %u files past %u contexts",
		     debugfs_counter("context-evictions") - evictions, CONTEXT_FILES,
		     ROWSTAT_DEFAULT_CONTEXTS);
	checks++;
	/* Every file at once, on both rings (rowstat-recovery hang-contexts
	 * makes more files than contexts wait for one, deterministically). */
	for (unsigned i = 0; i < CONTEXT_FILES; i++)
		conv_resubmit(fd[i], &cj[i], i % 2, sync[i]);
	for (unsigned i = 0; i < CONTEXT_FILES; i++) {
		if (syncobj_wait(fd[i], sync[i], 60))
			fail("contexts: file %u's job failed with every file busy", i);
		conv_check(&cj[i]);
	}
	for (unsigned i = 0; i < CONTEXT_FILES; i++)
		close(fd[i]);
	printf("contexts: %u files on %u device contexts, exact; %lld evictions, %lld waits\n",
	       CONTEXT_FILES, ROWSTAT_DEFAULT_CONTEXTS,
	       debugfs_counter("context-evictions") - evictions,
	       debugfs_counter("context-waits") - waits);
	printf("contexts: %u checks\n", checks);
	return 0;
}

static const struct subtest tests[] = {
	{ .name = "validation", .run = test_submit },
	{ .name = "conv", .run = test_conv },
	{ .name = "isolation", .run = test_isolation },
	{ .name = "contexts", .run = test_contexts },
};

int main(int argc, char **argv)
{
	return subtests_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
