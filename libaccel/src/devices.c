// SPDX-License-Identifier: MIT
/*
 * accel_device_list: rowstat's DRM nodes (libdrm) joined with their PCI
 * functions (libpci).  A device is recognised by its driver's name in
 * DRM_IOCTL_VERSION, so an unbound or foreign function never shows.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>
#include <xf86drm.h>

#include <rowstat_accel.h>

#include "runtime_internal.h"

#define LIST_MAX_NODES ACCEL_LIST_MAX

/* PCIe Link Status speed field -> GT/s x 10. */
static unsigned link_speed(unsigned field)
{
	static const unsigned gts10[] = { 0, 25, 50, 80, 160, 320, 640 };

	return field < sizeof(gts10) / sizeof(gts10[0]) ? gts10[field] : 0;
}

/* The function's IDs, NUMA node and negotiated link, through libpci. */
static void pci_side(struct pci_access *pacc, struct accel_device_entry *e)
{
	unsigned domain, bus, dev, func;
	struct pci_dev *pd;
	struct pci_cap *cap;

	e->numa_node = -1;
	if (!pacc || sscanf(e->pci_address, "%x:%x:%x.%x", &domain, &bus, &dev, &func) != 4)
		return;
	pd = pci_get_dev(pacc, (int)domain, (int)bus, (int)dev, (int)func);
	if (!pd)
		return;
	pci_fill_info(pd, PCI_FILL_IDENT | PCI_FILL_CAPS | PCI_FILL_NUMA_NODE);
	e->vendor = pd->vendor_id;
	e->device = pd->device_id;
	e->numa_node = pd->numa_node;
	cap = pci_find_cap(pd, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	if (cap) {
		unsigned status = pci_read_word(pd, cap->addr + PCI_EXP_LNKSTA);

		e->link_speed_gts10 = link_speed(status & PCI_EXP_LNKSTA_SPEED);
		e->link_width = (status & PCI_EXP_LNKSTA_WIDTH) >> 4;
	}
	pci_free_dev(pd);
}

bool accel_node_is_rowstat(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool ours = v && v->name && !strcmp(v->name, ROWSTAT_DRIVER_NAME);

	drmFreeVersion(v);
	return ours;
}

/* Fills e if path is a rowstat node; false if it is not one. */
static bool node_entry(const char *path, struct accel_device_entry *e)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	drmVersionPtr v;
	bool ours;

	if (fd < 0)
		return false;
	v = drmGetVersion(fd);
	ours = v && v->name && !strcmp(v->name, ROWSTAT_DRIVER_NAME) &&
	       strlen(path) < sizeof(e->node);
	if (ours) {
		memset(e, 0, sizeof(*e));
		memcpy(e->node, path, strlen(path) + 1);
		snprintf(e->driver_version, sizeof(e->driver_version), "%d.%d.%d",
			 v->version_major, v->version_minor, v->version_patchlevel);
	}
	drmFreeVersion(v);
	close(fd);
	return ours;
}

/* The function behind a node, from sysfs (libdrm knows no accel nodes). */
static void node_address(struct accel_device_entry *e)
{
	const char *name = strrchr(e->node, '/') + 1;
	char link[128], target[256];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/class/%s/%.40s/device",
		 strncmp(name, "accel", 5) ? "drm" : "accel", name);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = 0;
	snprintf(e->pci_address, sizeof(e->pci_address), "%.15s", strrchr(target, '/') ?
		 strrchr(target, '/') + 1 : target);
}

int accel_device_list(struct accel_device_entry *entries, unsigned cap, unsigned *count)
{
	drmDevicePtr devs[LIST_MAX_NODES];
	struct accel_device_entry e;
	struct pci_access *pacc;
	unsigned found = 0;
	struct dirent **names = NULL;
	int n;

	if (!count || (cap && !entries))
		return accel_fail(-EINVAL, "accel_device_list: %s is NULL",
				  count ? "entries" : "count");
	pacc = pci_alloc();
	if (pacc) {
		pacc->error = NULL;
		pci_init(pacc);
	}
	/* Accel nodes first: a device has one on kernels with DRM accel. */
	n = scandir("/dev/accel", &names, NULL, versionsort);
	for (int i = 0; i < n; i++) {
		char path[300];

		snprintf(path, sizeof(path), "/dev/accel/%.200s", names[i]->d_name);
		if (!strncmp(names[i]->d_name, "accel", 5) && node_entry(path, &e)) {
			node_address(&e);
			pci_side(pacc, &e);
			if (found < cap)
				entries[found] = e;
			found++;
		}
		free(names[i]);
	}
	free(names);
	/* Render nodes, through libdrm. */
	n = drmGetDevices2(0, devs, LIST_MAX_NODES);
	for (int i = 0; i < n; i++) {
		if (!(devs[i]->available_nodes & (1 << DRM_NODE_RENDER)) ||
		    !node_entry(devs[i]->nodes[DRM_NODE_RENDER], &e))
			continue;
		if (devs[i]->bustype == DRM_BUS_PCI)
			snprintf(e.pci_address, sizeof(e.pci_address), "%04x:%02x:%02x.%u",
				 devs[i]->businfo.pci->domain, devs[i]->businfo.pci->bus,
				 devs[i]->businfo.pci->dev, devs[i]->businfo.pci->func);
		else
			node_address(&e);
		pci_side(pacc, &e);
		if (found < cap)
			entries[found] = e;
		found++;
	}
	if (n > 0)
		drmFreeDevices(devs, n);
	if (pacc)
		pci_cleanup(pacc);
	*count = found;
	return 0;
}
