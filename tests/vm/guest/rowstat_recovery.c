// SPDX-License-Identifier: MIT
/*
 * rowstat-recovery: what happens to jobs when something goes wrong.
 *   kill     a process killed with jobs in flight; the device runs on
 *   unbind   unbind the device with a file open and jobs in flight; the file
 *            then fails with -ENODEV, and a rebind works
 *   hang N   (device with fault-hang-job=N) the hung job fails with
 *            -ETIMEDOUT, innocent jobs complete exactly
 *   hang-rings N  (the same device) a hang that times out two rings at
 *            once resets the device once
 *   hang-contexts N  (the same device) more files than the device has
 *            contexts queue jobs behind a hang: they wait for a context,
 *            and after the reset every innocent one runs exact
 *   fwcrash  (device with fault-fw-crash-job=2) the firmware crashes; the
 *            driver resets and reboots it
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sync_file.h>

#include <rowstat_regs.h>

#include "drm_test.h"

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

/*
 * A hang times out on two rings together: the hung job on ring 0, and an
 * innocent job of another file queued on ring 1 just after it, whose timer
 * fires a moment later.  One recovery serves both (docs/driver.md, "One
 * recovery at a time"): one timeout, one reset, the hung job fails, the
 * innocent one runs again exactly and its file is not guilty.
 */
static int test_hang_rings(int hang_job)
{
	int fd = open_node(), other = open_node();
	struct conv_job cj, innocent;
	uint32_t sync = syncobj_new(fd), innocent_sync = syncobj_new(other);
	long long timeouts, resets;
	int status;

	if (hang_job < 1)
		fail("hang-rings: bad job number");
	conv_prepare(fd, &cj, 400);
	conv_prepare(other, &innocent, 401);
	/*
	 * On ring 0: the device stays on the ring it served last while its
	 * quantum lasts, so it takes ring 0's job first.
	 */
	for (int i = 0; i + 1 < hang_job; i++) {
		conv_submit(fd, &cj, sync, 0);
		if ((status = syncobj_wait(fd, sync, 60)))
			fail("job %d before the hang: %d", i + 1, status);
		conv_check(&cj);
	}
	timeouts = debugfs_counter("timeouts");
	resets = debugfs_counter("resets");
	/* Back to back: both rings' timers fire together. */
	conv_submit(fd, &cj, sync, 0);
	conv_submit(other, &innocent, innocent_sync, 1);
	status = syncobj_wait(fd, sync, 60);
	if (status != -ETIMEDOUT)
		fail("hang-rings: the hung job's fence: %d, want -ETIMEDOUT", status);
	if ((status = syncobj_wait(other, innocent_sync, 60)))
		fail("hang-rings: the innocent job on ring 1: %d", status);
	conv_check(&innocent);
	/* Let a second, stale timeout show itself if there is one. */
	usleep(1500 * 1000);
	if (debugfs_counter("timeouts") - timeouts != 1 ||
	    debugfs_counter("resets") - resets != 1)
		fail("hang-rings: %lld timeouts and %lld resets, want 1 and 1",
		     debugfs_counter("timeouts") - timeouts, debugfs_counter("resets") - resets);
	printf("hang-rings: two rings timed out, one reset; the innocent job is exact\n");
	conv_submit(other, &innocent, innocent_sync, 1);
	if ((status = syncobj_wait(other, innocent_sync, 60)))
		fail("hang-rings: the innocent file after the reset: %d", status);
	conv_check(&innocent);
	close(fd);
	close(other);
	printf("hang-rings: %u checks\n", checks);
	return 0;
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

/*
 * The device hangs on its hang_job-th job, with every other file's job
 * queued behind it on both rings: nothing ends before the reset, so past
 * the device's contexts the jobs wait for one, and a file that holds one
 * gets no more for its next job until its context drains.  After the
 * reset the innocent jobs run again and end, and the waiting ones take
 * the contexts they leave; the files' buffers share VAs, so a job in a
 * wrong context would miss the reference.
 */
#define HANG_CONTEXT_FILES (3 * ROWSTAT_DEFAULT_CONTEXTS)

static int test_hang_contexts(int hang_job)
{
	static struct conv_job cj[HANG_CONTEXT_FILES], extra;
	int fd[HANG_CONTEXT_FILES];
	uint32_t sync[HANG_CONTEXT_FILES];
	long long waits = debugfs_counter("context-waits");
	long long resets = debugfs_counter("resets");
	long long waits_before_second;
	uint32_t second;
	int status, slot;

	if (hang_job < 1)
		fail("hang-contexts: bad job number");
	for (unsigned i = 0; i < HANG_CONTEXT_FILES; i++) {
		fd[i] = open_node();
		sync[i] = syncobj_new(fd[i]);
		conv_prepare(fd[i], &cj[i], 500 + i);
	}
	/* File 1's second job: its own buffer, so it does not wait for its first. */
	conv_prepare(fd[1], &extra, 499);
	for (int k = 1; k < hang_job; k++) {
		conv_submit(fd[0], &cj[0], sync[0], 0);
		if ((status = syncobj_wait(fd[0], sync[0], 60)))
			fail("hang-contexts: job %d before the hang: %d", k, status);
	}
	conv_submit(fd[0], &cj[0], sync[0], 0);
	/* Let the device take it (it is idle), then queue behind it. */
	usleep(300 * 1000);
	for (unsigned i = 1; i < HANG_CONTEXT_FILES; i++)
		conv_submit(fd[i], &cj[i], sync[i], i % 2);
	/*
	 * Jobs wait for a context now, so one that holds one takes no more
	 * jobs: file 1's second stays out, and its context drains.
	 */
	usleep(100 * 1000);
	slot = fdinfo_context(fd[1]);
	if (slot < 0 || debugfs_context_holders(slot) != 1)
		fail("hang-contexts: file 1's context %d has %d jobs before its second", slot,
		     slot < 0 ? -1 : debugfs_context_holders(slot));
	waits_before_second = debugfs_counter("context-waits");
	second = syncobj_new(fd[1]);
	conv_submit(fd[1], &extra, second, 0);
	usleep(100 * 1000);

	if (debugfs_context_holders(slot) != 1 ||
	    debugfs_counter("context-waits") <= waits_before_second)
		fail("hang-contexts: while jobs wait, file 1's second job took its busy context "
		     "(%d jobs hold it)", debugfs_context_holders(slot));
	checks++;
	status = syncobj_wait(fd[0], sync[0], 60);
	if (status != -ETIMEDOUT)
		fail("hang-contexts: the hung job's fence: %d, want -ETIMEDOUT", status);
	for (unsigned i = 1; i < HANG_CONTEXT_FILES; i++) {
		if ((status = syncobj_wait(fd[i], sync[i], 60)))
			fail("hang-contexts: file %u's job: %d", i, status);
		conv_check(&cj[i]);
	}
	if ((status = syncobj_wait(fd[1], second, 60)))
		fail("hang-contexts: file 1's second job: %d", status);
	conv_check(&extra);
	if (debugfs_counter("context-waits") <= waits)
		fail("hang-contexts: %u files' jobs behind a hang, and none waited for a context",
		     HANG_CONTEXT_FILES - 1);
	if (debugfs_counter("resets") != resets + 1)
		fail("hang-contexts: %lld resets, want 1", debugfs_counter("resets") - resets);
	checks += 2;
	for (unsigned i = 0; i < HANG_CONTEXT_FILES; i++)
		close(fd[i]);
	printf("hang-contexts: %u files' jobs behind a hang on %u contexts, %lld waits; "
	       "after one reset every innocent one exact\n", HANG_CONTEXT_FILES - 1,
	       ROWSTAT_DEFAULT_CONTEXTS, debugfs_counter("context-waits") - waits);
	printf("hang-contexts: %u checks\n", checks);
	return 0;
}

static int test_hang_contexts_args(char **args)
{
	return test_hang_contexts(atoi(args[0]));
}

static int test_hang_args(char **args)
{
	return test_hang(atoi(args[0]));
}

static int test_hang_rings_args(char **args)
{
	return test_hang_rings(atoi(args[0]));
}

static const struct subtest tests[] = {
	{ .name = "kill", .run = test_kill },
	{ .name = "unbind", .run = test_unbind },
	{ .name = "hang", .run_args = test_hang_args, .nargs = 1, .usage = "N",
	  .on_request = true },
	{ .name = "hang-rings", .run_args = test_hang_rings_args, .nargs = 1, .usage = "N",
	  .on_request = true },
	{ .name = "hang-contexts", .run_args = test_hang_contexts_args, .nargs = 1,
	  .usage = "N", .on_request = true },
	{ .name = "fwcrash", .run = test_fwcrash, .on_request = true },
};

int main(int argc, char **argv)
{
	return subtests_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
