/* SPDX-License-Identifier: MIT */
/*
 * A small client of QEMU's qtest protocol: it starts QEMU with `-accel
 * qtest`, listens on a unix socket QEMU connects to, and exchanges the
 * protocol's text commands (readl, writel, read, b64write, inl, outl,
 * clock_step ...).  Failures abort the calling Check test with a message.
 */
#ifndef RS_QTEST_CLIENT_H
#define RS_QTEST_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct qts {
	pid_t pid;
	int fd;
	char dir[64];
	char buf[1 << 16];
	size_t have;
};

/* $ROWSTAT_QEMU, as `make` passes it. */
const char *qts_qemu_path(void);

/* Starts QEMU (q35, 512 MiB) with `device` as its -device argument. */
struct qts *qts_start(const char *device);
void qts_quit(struct qts *q);
/* Does QEMU refuse to start with this -device argument?  Returns its stderr's first line. */
int qts_refused(const char *device, char *msg, size_t len);

uint32_t qts_readl(struct qts *q, uint64_t addr);
void qts_writel(struct qts *q, uint64_t addr, uint32_t v);
uint64_t qts_readq(struct qts *q, uint64_t addr);
void qts_writeq(struct qts *q, uint64_t addr, uint64_t v);
void qts_memwrite(struct qts *q, uint64_t addr, const void *data, size_t len);
void qts_memread(struct qts *q, uint64_t addr, void *data, size_t len);
void qts_memset(struct qts *q, uint64_t addr, size_t len, uint8_t v);
uint32_t qts_inl(struct qts *q, uint16_t port);
void qts_outl(struct qts *q, uint16_t port, uint32_t v);
/* Advances the virtual clock; returns the new time in ns. */
int64_t qts_clock_step(struct qts *q, int64_t ns);

#endif
