// SPDX-License-Identifier: MIT
/*
 * rowstat-bo: the buffer ioctls.
 *   basic  BO_CREATE, BO_INFO, BO_WAIT and mmap, with their bad arguments
 *   prime  dma-buf export and import between two files; a job of one file
 *          writes the buffer, the other sees it
 *   readonly  a ROWSTAT_BO_READ_ONLY buffer: jobs read it; a job that
 *          writes it faults and leaves it intact, in its creator's file
 *          and in a file that imported it
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drm_test.h"

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
	c.flags = ~ROWSTAT_BO_FLAGS;
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

/* A job of fd's loading or storing 64 values at va: its fence's status. */
static int dma_job(int fd, unsigned dir, uint64_t va, const struct bo *target,
		   const struct bo *stats)
{
	struct bo stream = bo_new(fd, 8192);
	uint32_t sync = syncobj_new(fd);
	struct accel_stream s;
	struct job j;
	int status;

	layer_dma_stream(&s, dir, va, 64, 1);
	memcpy(stream.map, s.buf, s.len);
	job_init(&j, &stream, s.len, stats, sync);
	j.handles[0] = target->handle;
	j.s.bo_handle_count = 1;
	expect_ok(fd, DRM_IOCTL_ROWSTAT_SUBMIT, &j.s, "SUBMIT a DMA");
	status = syncobj_wait(fd, sync, 30);
	accel_stream_free(&s);
	return status;
}

static int test_readonly(void)
{
	int a = open_node(), b = open_node(), c = open_node();
	struct drm_rowstat_bo_create bad = { .size = 4096, .flags = 1u << 1 };
	struct bo ro = bo_new_flags(a, 8192, ROWSTAT_BO_READ_ONLY), rw = bo_new(a, 8192);
	struct bo stats = bo_new(a, 4096), c_stats = bo_new(c, 4096);
	const struct rowstat_job_stats *st = (const void *)stats.map;
	struct drm_prime_handle exp = { .handle = ro.handle, .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_prime_handle imp = { 0 };
	struct drm_rowstat_bo_info info = { 0 };
	struct bo imported;
	int status;

	expect_errno(a, DRM_IOCTL_ROWSTAT_BO_CREATE, &bad, EINVAL, "BO_CREATE unknown flag");
	bad.flags = ROWSTAT_BO_READ_ONLY | (1u << 31);
	expect_errno(a, DRM_IOCTL_ROWSTAT_BO_CREATE, &bad, EINVAL, "BO_CREATE unknown flag");
	/* The CPU writes it; the device reads it (a load). */
	for (size_t i = 0; i < ro.size; i++)
		ro.map[i] = (uint8_t)(i * 5 + 1);
	if ((status = dma_job(a, ROWSTAT_DMA_LOAD, ro.va, &ro, &stats)))
		fail("a load of a read-only BO: %d", status);
	/* A writable one takes the store. */
	if ((status = dma_job(a, ROWSTAT_DMA_STORE, rw.va, &rw, &stats)))
		fail("a store into a writable BO: %d", status);
	/* Exported before a turns guilty; c imports it, read-only there too. */
	expect_ok(a, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp, "PRIME export");
	imp.fd = exp.fd;
	expect_ok(c, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp, "PRIME import");
	info.handle = imp.handle;
	expect_ok(c, DRM_IOCTL_ROWSTAT_BO_INFO, &info, "BO_INFO imported");
	imported = (struct bo){ .handle = imp.handle, .size = info.size, .va = info.va };
	status = dma_job(a, ROWSTAT_DMA_STORE, ro.va, &ro, &stats);
	if (status != -EFAULT)
		fail("a store into a read-only BO: fence %d, want -EFAULT", status);
	if (st->status != ROWSTAT_ERR_FAULT || st->fault_va != ro.va)
		fail("its statistics: status %u VA 0x%llx, want FAULT at 0x%llx", st->status,
		     (unsigned long long)st->fault_va, (unsigned long long)ro.va);
	status = dma_job(c, ROWSTAT_DMA_STORE, imported.va, &imported, &c_stats);
	if (status != -EFAULT)
		fail("a store into an imported read-only BO: fence %d, want -EFAULT", status);
	for (size_t i = 0; i < ro.size; i++)
		if (ro.map[i] != (uint8_t)(i * 5 + 1))
			fail("the read-only BO changed at byte %zu", i);
	/* Another file, with buffers of its own, runs on. */
	conv_run_exact(b, 91, "after the read-only faults");
	close(exp.fd);
	close(c);
	close(b);
	close(a);
	printf("readonly: %u checks\n", checks);
	return 0;
}

static const struct subtest tests[] = {
	{ .name = "basic", .run = test_bo },
	{ .name = "prime", .run = test_prime },
	{ .name = "readonly", .run = test_readonly },
};

int main(int argc, char **argv)
{
	return subtests_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
