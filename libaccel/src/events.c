// SPDX-License-Identifier: MIT
/*
 * rowstat's devlink notifications through libnl: devlink's "config"
 * multicast group, kept to the devices rowstat is bound to.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/devlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "runtime_internal.h"

#define EVENTS_QUEUE 64
/* devlink's reporter state "healthy": 0, not in the uapi header. */
#define REPORTER_HEALTHY 0

struct accel_events {
	struct nl_sock *sock;
	struct accel_event queue[EVENTS_QUEUE];
	unsigned head, count;
};

const char *accel_event_kind_name(enum accel_event_kind kind)
{
	switch (kind) {
	case ACCEL_EVENT_HEALTH:
		return "health";
	case ACCEL_EVENT_FLASH:
		return "flash";
	case ACCEL_EVENT_DEVICE_NEW:
		return "new";
	case ACCEL_EVENT_DEVICE_GONE:
		return "gone";
	}
	return "?";
}

/* Is the PCI function bound to rowstat? */
static bool bound_to_rowstat(const char *device)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/rowstat/%.40s", device);
	return access(path, F_OK) == 0;
}

static void copy_attr(char *dst, size_t len, const struct nlattr *a)
{
	if (a)
		snprintf(dst, len, "%s", nla_get_string((struct nlattr *)a));
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct accel_events *ev = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[DEVLINK_ATTR_MAX + 1], *rep[DEVLINK_ATTR_MAX + 1];
	struct accel_event e = { 0 };
	char bus[16] = "";

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, DEVLINK_ATTR_MAX, NULL))
		return NL_SKIP;
	copy_attr(bus, sizeof(bus), tb[DEVLINK_ATTR_BUS_NAME]);
	copy_attr(e.device, sizeof(e.device), tb[DEVLINK_ATTR_DEV_NAME]);
	switch (gh->cmd) {
	case DEVLINK_CMD_HEALTH_REPORTER_RECOVER:
		e.kind = ACCEL_EVENT_HEALTH;
		if (!tb[DEVLINK_ATTR_HEALTH_REPORTER] ||
		    nla_parse_nested(rep, DEVLINK_ATTR_MAX, tb[DEVLINK_ATTR_HEALTH_REPORTER], NULL))
			return NL_SKIP;
		copy_attr(e.reporter, sizeof(e.reporter), rep[DEVLINK_ATTR_HEALTH_REPORTER_NAME]);
		if (rep[DEVLINK_ATTR_HEALTH_REPORTER_STATE])
			e.healthy = nla_get_u8(rep[DEVLINK_ATTR_HEALTH_REPORTER_STATE]) ==
				    REPORTER_HEALTHY;
		if (rep[DEVLINK_ATTR_HEALTH_REPORTER_ERR_COUNT])
			e.errors = nla_get_u64(rep[DEVLINK_ATTR_HEALTH_REPORTER_ERR_COUNT]);
		if (rep[DEVLINK_ATTR_HEALTH_REPORTER_RECOVER_COUNT])
			e.recoveries = nla_get_u64(rep[DEVLINK_ATTR_HEALTH_REPORTER_RECOVER_COUNT]);
		break;
	case DEVLINK_CMD_FLASH_UPDATE:
	case DEVLINK_CMD_FLASH_UPDATE_END:
	case DEVLINK_CMD_FLASH_UPDATE_STATUS:
		e.kind = ACCEL_EVENT_FLASH;
		e.flash_end = gh->cmd == DEVLINK_CMD_FLASH_UPDATE_END;
		copy_attr(e.message, sizeof(e.message), tb[DEVLINK_ATTR_FLASH_UPDATE_STATUS_MSG]);
		if (tb[DEVLINK_ATTR_FLASH_UPDATE_STATUS_DONE])
			e.done = nla_get_u64(tb[DEVLINK_ATTR_FLASH_UPDATE_STATUS_DONE]);
		if (tb[DEVLINK_ATTR_FLASH_UPDATE_STATUS_TOTAL])
			e.total = nla_get_u64(tb[DEVLINK_ATTR_FLASH_UPDATE_STATUS_TOTAL]);
		break;
	case DEVLINK_CMD_NEW:
		e.kind = ACCEL_EVENT_DEVICE_NEW;
		break;
	case DEVLINK_CMD_DEL:
		e.kind = ACCEL_EVENT_DEVICE_GONE;
		break;
	default:
		return NL_SKIP;
	}
	/* A device going is no longer bound; any other event is the driver's. */
	if (strcmp(bus, "pci") || (e.kind != ACCEL_EVENT_DEVICE_GONE && !bound_to_rowstat(e.device)))
		return NL_SKIP;
	if (ev->count < EVENTS_QUEUE)
		ev->queue[(ev->head + ev->count++) % EVENTS_QUEUE] = e;
	return NL_OK;
}

int accel_events_open(struct accel_events **out)
{
	struct accel_events *ev;
	int group, ret;

	if (!out)
		return accel_fail(-EINVAL, "accel_events_open: ev is NULL");
	*out = NULL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return accel_fail(-ENOMEM, "events: out of memory");
	ev->sock = nl_socket_alloc();
	if (!ev->sock) {
		free(ev);
		return accel_fail(-ENOMEM, "events: out of memory");
	}
	ret = genl_connect(ev->sock);
	if (!ret) {
		group = genl_ctrl_resolve_grp(ev->sock, DEVLINK_GENL_NAME,
					      DEVLINK_GENL_MCGRP_CONFIG_NAME);
		ret = group < 0 ? group : nl_socket_add_membership(ev->sock, group);
	}
	if (ret) {
		nl_socket_free(ev->sock);
		free(ev);
		return accel_fail(-ENOENT, "events: cannot listen to devlink: %s%s",
				  nl_geterror(ret),
				  ret == -NLE_OBJ_NOTFOUND ?
				  " (this kernel has no devlink netlink family: no devlink, or a namespace without it)" :
				  "");
	}
	/* Notifications carry no sequence of ours. */
	nl_socket_disable_seq_check(ev->sock);
	nl_socket_modify_cb(ev->sock, NL_CB_VALID, NL_CB_CUSTOM, on_message, ev);
	nl_socket_set_nonblocking(ev->sock);
	*out = ev;
	return 0;
}

void accel_events_close(struct accel_events *ev)
{
	if (!ev)
		return;
	nl_socket_free(ev->sock);
	free(ev);
}

int accel_events_fd(const struct accel_events *ev)
{
	return ev ? nl_socket_get_fd(ev->sock) : -1;
}

int accel_events_next(struct accel_events *ev, int timeout_ms, struct accel_event *e)
{
	struct timespec start, now;

	if (!ev || !e)
		return accel_fail(-EINVAL, "accel_events_next: %s is NULL", ev ? "e" : "ev");
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!ev->count) {
		struct pollfd p = { .fd = nl_socket_get_fd(ev->sock), .events = POLLIN };
		int left = timeout_ms;

		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
						  (now.tv_nsec - start.tv_nsec) / 1000000);
			if (left <= 0)
				return accel_fail(-ETIME, "events: none in %d ms", timeout_ms);
		}
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return accel_fail(-errno, "events: poll: %s", strerror(errno));
		if (p.revents & POLLIN)
			nl_recvmsgs_default(ev->sock);
	}
	*e = ev->queue[ev->head];
	ev->head = (ev->head + 1) % EVENTS_QUEUE;
	ev->count--;
	return 0;
}
