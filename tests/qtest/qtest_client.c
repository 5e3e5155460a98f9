// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qtest_client.h"

const char *qts_qemu_path(void)
{
	const char *p = getenv("ROWSTAT_QEMU");

	ck_assert_msg(p && *p, "ROWSTAT_QEMU is not set: run through `make check-qtest`");
	return p;
}

struct qts *qts_start(const char *device)
{
	struct qts *q = calloc(1, sizeof(*q));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int lfd;
	char sock[96];

	ck_assert_ptr_nonnull(q);
	snprintf(q->dir, sizeof(q->dir), "/tmp/rowstat-qtest-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(q->dir));
	snprintf(sock, sizeof(sock), "%s/qtest.sock", q->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	q->pid = fork();
	ck_assert_int_ge(q->pid, 0);
	if (q->pid == 0) {
		char qtest[128], log[128];
		int fd;

		snprintf(qtest, sizeof(qtest), "unix:%s", sock);
		/* QEMU's own messages go to a log beside the socket. */
		snprintf(log, sizeof(log), "%s/qemu.log", q->dir);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		execl(qts_qemu_path(), "qemu-system-x86_64", "-machine", "q35",
		      "-accel", "qtest", "-qtest", qtest, "-qtest-log", "/dev/null",
		      "-display", "none", "-nodefaults", "-m", "512M",
		      "-L", "/usr/share/qemu", "-L", "/usr/share/seabios",
		      "-device", device, (char *)NULL);
		_exit(127);
	}
	/* QEMU connects within a second or two; a refusal ends the process. */
	for (int i = 0; i < 300; i++) {
		struct timeval tv = { 0, 20000 };
		fd_set set;
		int status;

		FD_ZERO(&set);
		FD_SET(lfd, &set);
		if (select(lfd + 1, &set, NULL, NULL, &tv) > 0) {
			q->fd = accept(lfd, NULL, NULL);
			break;
		}
		if (waitpid(q->pid, &status, WNOHANG) == q->pid)
			ck_abort_msg("QEMU exited at start (-device %s)", device);
	}
	close(lfd);
	ck_assert_msg(q->fd > 0, "QEMU did not connect");
	return q;
}

int qts_refused(const char *device, char *msg, size_t len)
{
	char command[1024];
	FILE *p;
	int status;

	snprintf(command, sizeof(command),
		 "'%s' -machine q35 -accel qtest -qtest null -display none -nodefaults "
		 "-L /usr/share/qemu -L /usr/share/seabios -device '%s' -S 2>&1 </dev/null "
		 "& pid=$!; sleep 3; kill $pid 2>/dev/null && echo STARTED; wait $pid",
		 qts_qemu_path(), device);
	p = popen(command, "r");
	ck_assert_ptr_nonnull(p);
	msg[0] = 0;
	if (!fgets(msg, (int)len, p))
		msg[0] = 0;
	status = pclose(p);
	(void)status;
	return strncmp(msg, "STARTED", 7) != 0;
}

void qts_quit(struct qts *q)
{
	char path[128];

	if (!q)
		return;
	close(q->fd);
	kill(q->pid, SIGTERM);
	waitpid(q->pid, NULL, 0);
	snprintf(path, sizeof(path), "%s/qtest.sock", q->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/qemu.log", q->dir);
	unlink(path);
	rmdir(q->dir);
	free(q);
}

/* Sends one command and returns its reply line, with "OK " removed. */
__attribute__((format(printf, 2, 3)))
static char *cmd(struct qts *q, const char *fmt, ...)
{
	static char line[1 << 17];
	char out[1 << 17];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, sizeof(out), fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && (size_t)n < sizeof(out));
	for (int off = 0; off < n;) {
		ssize_t w = write(q->fd, out + off, (size_t)(n - off));

		ck_assert_msg(w > 0, "qtest write: %s", strerror(errno));
		off += (int)w;
	}
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->have);

		if (nl) {
			size_t len = (size_t)(nl - q->buf);

			memcpy(line, q->buf, len);
			line[len] = 0;
			memmove(q->buf, nl + 1, q->have - len - 1);
			q->have -= len + 1;
			/* Interrupt notices arrive unasked: skip them. */
			if (!strncmp(line, "IRQ ", 4))
				continue;
			ck_assert_msg(!strncmp(line, "OK", 2), "qtest: '%.40s' -> '%s'", out, line);
			return line[2] ? line + 3 : line + 2;
		}
		ck_assert_msg(q->have < sizeof(q->buf), "qtest reply too long");
		ssize_t r = read(q->fd, q->buf + q->have, sizeof(q->buf) - q->have);

		ck_assert_msg(r > 0, "QEMU closed the qtest connection after '%.40s'", out);
		q->have += (size_t)r;
	}
}

uint32_t qts_readl(struct qts *q, uint64_t addr)
{
	return (uint32_t)strtoull(cmd(q, "readl 0x%" PRIx64 "\n", addr), NULL, 0);
}

void qts_writel(struct qts *q, uint64_t addr, uint32_t v)
{
	cmd(q, "writel 0x%" PRIx64 " 0x%x\n", addr, v);
}

uint64_t qts_readq(struct qts *q, uint64_t addr)
{
	return strtoull(cmd(q, "readq 0x%" PRIx64 "\n", addr), NULL, 0);
}

void qts_writeq(struct qts *q, uint64_t addr, uint64_t v)
{
	cmd(q, "writeq 0x%" PRIx64 " 0x%" PRIx64 "\n", addr, v);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void qts_memwrite(struct qts *q, uint64_t addr, const void *data, size_t len)
{
	const uint8_t *p = data;
	static char enc[1 << 16];

	while (len) {
		size_t chunk = len < 45000 ? len : 45000, o = 0;

		for (size_t i = 0; i < chunk; i += 3) {
			uint32_t v = (uint32_t)p[i] << 16;

			if (i + 1 < chunk)
				v |= (uint32_t)p[i + 1] << 8;
			if (i + 2 < chunk)
				v |= p[i + 2];
			enc[o++] = b64[v >> 18];
			enc[o++] = b64[(v >> 12) & 63];
			enc[o++] = i + 1 < chunk ? b64[(v >> 6) & 63] : '=';
			enc[o++] = i + 2 < chunk ? b64[v & 63] : '=';
		}
		enc[o] = 0;
		cmd(q, "b64write 0x%" PRIx64 " 0x%zx %s\n", addr, chunk, enc);
		addr += chunk;
		p += chunk;
		len -= chunk;
	}
}

void qts_memread(struct qts *q, uint64_t addr, void *data, size_t len)
{
	uint8_t *p = data;

	while (len) {
		size_t chunk = len < 30000 ? len : 30000;
		const char *hex = cmd(q, "read 0x%" PRIx64 " 0x%zx\n", addr, chunk);

		ck_assert(!strncmp(hex, "0x", 2) && strlen(hex) == 2 + 2 * chunk);
		for (size_t i = 0; i < chunk; i++) {
			unsigned v;

			sscanf(hex + 2 + 2 * i, "%2x", &v);
			p[i] = (uint8_t)v;
		}
		addr += chunk;
		p += chunk;
		len -= chunk;
	}
}

void qts_memset(struct qts *q, uint64_t addr, size_t len, uint8_t v)
{
	cmd(q, "memset 0x%" PRIx64 " 0x%zx 0x%02x\n", addr, len, v);
}

uint32_t qts_inl(struct qts *q, uint16_t port)
{
	return (uint32_t)strtoull(cmd(q, "inl 0x%x\n", port), NULL, 0);
}

void qts_outl(struct qts *q, uint16_t port, uint32_t v)
{
	cmd(q, "outl 0x%x 0x%x\n", port, v);
}

int64_t qts_clock_step(struct qts *q, int64_t ns)
{
	return strtoll(cmd(q, "clock_step %" PRId64 "\n", ns), NULL, 0);
}
