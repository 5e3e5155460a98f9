/* SPDX-License-Identifier: MIT */
/*
 * What the driver's VM test programs share: finding the node, checked
 * ioctls, buffers, syncobjs, jobs, one exact convolution, and the
 * subtest runner.  Each program (rowstat-params, -bo, -submit, -recovery,
 * -stress, -bench) covers one ioctl family or one concern, IGT-style.
 */
#ifndef ROWSTAT_VM_DRM_TEST_H
#define ROWSTAT_VM_DRM_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rowstat_accel.h>

#include "layer_run.h"

#define fail(...) do { fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

/* Checks passed so far in this process (printed by each subtest). */
extern unsigned checks;

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

struct bo {
	uint32_t handle;
	uint64_t size, va;
	uint8_t *map;
};

struct job {
	struct drm_rowstat_submit s;
	uint32_t handles[8];
};

/* A convolution laid out in one BO of a file: tensors, filters and stream. */
struct conv_job {
	struct layer_case lc;
	struct bo data, stats;
};

int open_node(void);
const char *pci_address(void);
void read_text(const char *path, char *buf, size_t size);
long long text_value(const char *text, const char *key, char sep);
void debugfs_read(const char *file, char *buf, size_t size);
long long debugfs_counter(const char *name);
int debugfs_count_lines(const char *file);
int fdinfo_context(int fd);
int debugfs_context_holders(int slot);
void sysfs_write(const char *path, const char *value);
uint64_t get_param(int fd, uint32_t param);
struct bo bo_new(int fd, uint64_t size);
struct bo bo_new_flags(int fd, uint64_t size, uint32_t flags);
uint32_t syncobj_new(int fd);
int syncobj_wait(int fd, uint32_t sync, int timeout_s);
void job_init(struct job *j, const struct bo *stream, size_t bytes,
	      const struct bo *stats, uint32_t out_sync);
void job_add_bo(struct job *j, const struct bo *b);
void conv_prepare(int fd, struct conv_job *cj, uint64_t seed);
void conv_submit(int fd, struct conv_job *cj, uint32_t sync, uint32_t prio);
void conv_check(struct conv_job *cj);
void conv_run_exact(int fd, uint64_t seed, const char *when);

/*
 * A program's subtests.  With no name, it runs in order every subtest that
 * takes no arguments and needs no special device; --nobody first drops to
 * uid/gid 65534.
 */
struct subtest {
	const char *name;
	int (*run)(void);
	int (*run_args)(char **args);
	int nargs;		/* for run_args; -1: one or more */
	const char *usage;	/* of the arguments */
	bool on_request;	/* needs a fault-injecting device: only by name */
};

int subtests_main(const struct subtest *tests, size_t count, int argc, char **argv);

#endif
