// SPDX-License-Identifier: MIT
/*
 * rowstat-guest: device tests that run inside the VM, before the kernel
 * driver exists.  They reach the device the way root can without a driver:
 * its sysfs directory (identity, config space, resource0 mapped), and DMA
 * memory found through /proc/self/pagemap (the VM has no IOMMU).
 *
 *   rowstat-guest probe                 identity and capability registers
 *   rowstat-guest job [--timeout S]     boot firmware, run a convolution
 *                                       through a ring, check it (S = 0: wait
 *                                       for ever, to exercise the watchdog)
 *   rowstat-guest modules NAME...       these kernel modules are loaded
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rowstat_mmu.h>
#include <rowstat_regs.h>
#include <rowstat_ring.h>
#include <rs_hw_fw.h>

#include "layer_run.h"
#include "ref_conv.h"

#define fail(...) do { fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

static char devdir[512];
static volatile uint32_t *regs;

static unsigned long read_hex(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long v = 0;

	if (!f || fscanf(f, "%lx", &v) != 1)
		fail("cannot read %s: %s", path, strerror(errno));
	fclose(f);
	return v;
}

/* The device's sysfs directory; its BAR0 mapped. */
static void find_device(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char path[600];
	int fd;

	if (!d)
		fail("no /sys/bus/pci/devices");
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if (read_hex(path) != ROWSTAT_PCI_VENDOR_ID)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (read_hex(path) != ROWSTAT_PCI_DEVICE_ID)
			continue;
		snprintf(devdir, sizeof(devdir), "/sys/bus/pci/devices/%s", e->d_name);
		break;
	}
	closedir(d);
	if (!devdir[0])
		fail("no %04x:%04x device on the PCI bus", ROWSTAT_PCI_VENDOR_ID,
		     ROWSTAT_PCI_DEVICE_ID);
	snprintf(path, sizeof(path), "%s/class", devdir);
	if (read_hex(path) >> 8 != ROWSTAT_PCI_CLASS)
		fail("class 0x%lx, expected 0x%x", read_hex(path) >> 8, ROWSTAT_PCI_CLASS);
	/* Memory decoding and bus mastering, through config space. */
	snprintf(path, sizeof(path), "%s/config", devdir);
	fd = open(path, O_RDWR);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	{
		uint16_t cmd;

		if (pread(fd, &cmd, 2, 4) != 2)
			fail("config read");
		cmd |= 0x6;
		if (pwrite(fd, &cmd, 2, 4) != 2)
			fail("config write");
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/resource0", devdir);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	regs = mmap(NULL, ROWSTAT_BAR_REGS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (regs == MAP_FAILED)
		fail("mmap resource0: %s", strerror(errno));
	close(fd);
	printf("device %s\n", strrchr(devdir, '/') + 1);
}

static uint32_t rd(uint32_t reg)
{
	return regs[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	regs[reg / 4] = v;
}

static uint32_t read_reg(void *opaque, uint32_t offset)
{
	(void)opaque;
	return rd(offset);
}

static void expect(const char *name, uint32_t reg, uint32_t want)
{
	uint32_t got = rd(reg);

	printf("  %-16s 0x%08x\n", name, got);
	if (got != want)
		fail("%s is 0x%x, expected 0x%x", name, got, want);
}

static int probe(void)
{
	char path[600];

	find_device();
	snprintf(path, sizeof(path), "%s/resource0", devdir);
	expect("ID", ROWSTAT_REG_ID, ROWSTAT_ID_MAGIC);
	expect("HW_VERSION", ROWSTAT_REG_HW_VERSION,
	       ROWSTAT_VERSION(ROWSTAT_HW_VERSION_MAJOR, ROWSTAT_HW_VERSION_MINOR));
	expect("CMD_VERSION", ROWSTAT_REG_CMD_VERSION,
	       ROWSTAT_VERSION(ROWSTAT_CMD_VERSION_MAJOR, ROWSTAT_CMD_VERSION_MINOR));
	expect("CAP_ARRAY", ROWSTAT_REG_CAP_ARRAY,
	       ROWSTAT_DEFAULT_ARRAY_ROWS | ROWSTAT_DEFAULT_ARRAY_COLS << 8);
	expect("CAP_GLB_BYTES", ROWSTAT_REG_CAP_GLB_BYTES, ROWSTAT_DEFAULT_GLB_BYTES);
	expect("CAP_RF_FILTER", ROWSTAT_REG_CAP_RF_FILTER, ROWSTAT_DEFAULT_RF_FILTER);
	expect("CAP_RINGS", ROWSTAT_REG_CAP_RINGS, ROWSTAT_DEFAULT_RINGS);
	expect("FW_STATUS", ROWSTAT_REG_FW_STATUS, ROWSTAT_FW_STATE_OFF);
	printf("PASS probe\n");
	return 0;
}

/* ---- DMA memory without a driver ------------------------------------------- */

struct dma_arena {
	uint8_t *va;
	size_t pages;
	uint64_t *pa;		/* bus address of each page */
};

static void dma_arena_init(struct dma_arena *a, size_t bytes)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);

	a->pages = (bytes + 4095) / 4096;
	a->va = mmap(NULL, a->pages * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a->va == MAP_FAILED || mlock(a->va, a->pages * 4096))
		fail("cannot pin %zu bytes: %s", bytes, strerror(errno));
	memset(a->va, 0, a->pages * 4096);
	a->pa = calloc(a->pages, sizeof(*a->pa));
	if (fd < 0 || !a->pa)
		fail("pagemap: %s", strerror(errno));
	for (size_t i = 0; i < a->pages; i++) {
		uint64_t e;

		if (pread(fd, &e, 8, (off_t)(((uintptr_t)a->va / 4096 + i) * 8)) != 8 ||
		    !(e >> 63) || !(e & ((1ull << 55) - 1)))
			fail("no physical address for page %zu (root needed)", i);
		a->pa[i] = (e & ((1ull << 55) - 1)) * 4096;
	}
	close(fd);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void wait_for(const char *what, int timeout, int (*done)(void))
{
	double end = now() + timeout;

	while (!done()) {
		if (timeout && now() > end)
			fail("timed out after %d s waiting for %s", timeout, what);
		usleep(1000);
	}
}

static volatile uint64_t *fence;
static uint64_t want_seqno;

static int fw_settled(void)
{
	return ROWSTAT_FW_STATE(rd(ROWSTAT_REG_FW_STATUS)) != ROWSTAT_FW_STATE_BOOTING;
}

static int job_done(void)
{
	if (rd(ROWSTAT_REG_RING(0, ROWSTAT_RING_STATUS)) & ROWSTAT_RING_STATUS_HALTED)
		fail("the job failed: ring status 0x%x at stream offset %u",
		     rd(ROWSTAT_REG_RING(0, ROWSTAT_RING_STATUS)),
		     rd(ROWSTAT_REG_RING(0, ROWSTAT_RING_ERR_OFFSET)));
	return *fence == want_seqno;
}

static int job(int timeout)
{
	struct dma_arena sys, data;
	struct layer_case lc;
	struct rng r = { 2026 };
	char err[256];
	uint8_t fw[4096];
	size_t fw_len;
	FILE *f;
	uint64_t *pt;
	size_t n;

	find_device();
	/* sys: firmware, ring, fence, page tables; data: the job's address space. */
	dma_arena_init(&sys, 64 * 4096);
	dma_arena_init(&data, 8 << 20);

	f = fopen("/rowstat.fw", "rb");
	if (!f || !(fw_len = fread(fw, 1, sizeof(fw), f)))
		fail("cannot read /rowstat.fw");
	fclose(f);
	memcpy(sys.va, fw, fw_len);
	wr(ROWSTAT_REG_FW_ADDR_LO, (uint32_t)sys.pa[0]);
	wr(ROWSTAT_REG_FW_ADDR_HI, (uint32_t)(sys.pa[0] >> 32));
	wr(ROWSTAT_REG_FW_SIZE, (uint32_t)fw_len);
	wr(ROWSTAT_REG_FW_CTRL, ROWSTAT_FW_CTRL_BOOT);
	wait_for("firmware", 10, fw_settled);
	if (rd(ROWSTAT_REG_FW_STATUS) != ROWSTAT_FW_STATE_RUNNING)
		fail("firmware refused: FW_STATUS 0x%x", rd(ROWSTAT_REG_FW_STATUS));
	printf("firmware %u.%u running\n", ROWSTAT_VERSION_MAJOR(rd(ROWSTAT_REG_FW_VERSION)),
	       ROWSTAT_VERSION_MINOR(rd(ROWSTAT_REG_FW_VERSION)));

	/* Page tables: sys pages 3 (L2), 4 (L1), 5.. (L0) map data page i at 0x100000 + 4 KiB i. */
	pt = (uint64_t *)(sys.va + 3 * 4096);
	pt[ROWSTAT_PT_INDEX(0x100000, 2)] = sys.pa[4] | ROWSTAT_PTE_VALID;
	for (size_t i = 0; i < data.pages; i++) {
		uint64_t va = 0x100000 + 4096 * i;
		uint64_t *l1 = (uint64_t *)(sys.va + 4 * 4096);
		size_t l0 = 5 + (va >> 21) - (0x100000 >> 21);

		if (l0 >= sys.pages)
			fail("too few page-table pages");
		l1[ROWSTAT_PT_INDEX(va, 1)] = sys.pa[l0] | ROWSTAT_PTE_VALID;
		((uint64_t *)(sys.va + l0 * 4096))[ROWSTAT_PT_INDEX(va, 0)] =
			data.pa[i] | ROWSTAT_PTE_VALID | ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE;
	}
	wr(ROWSTAT_REG_CTX(1, ROWSTAT_CTX_PT_LO), (uint32_t)sys.pa[3]);
	wr(ROWSTAT_REG_CTX(1, ROWSTAT_CTX_PT_HI), (uint32_t)(sys.pa[3] >> 32));
	wr(ROWSTAT_REG_CTX(1, ROWSTAT_CTX_CTRL), ROWSTAT_CTX_CTRL_ENABLE);

	/* A convolution compiled by libaccel, straight into the data pages. */
	memset(&lc, 0, sizeof(lc));
	lc.cv = (struct accel_conv){
		.batch = 2, .in_channels = 8, .in_height = 14, .in_width = 14,
		.out_channels = 16, .kernel_h = 3, .kernel_w = 3, .groups = 1,
		.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1,
		.pad_left = 1, .pad_right = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.relu = true, .bias = true, .requant_mult = 5, .requant_shift = 10,
	};
	lc.in = (struct accel_tensor){ .rlc = true, .seg_rows = 14 };
	lc.out = (struct accel_tensor){ .rlc = true, .seg_rows = 14 };
	{
		struct rs_hw_params hw;

		/* Compiled for the device the registers describe. */
		if (rs_hw_params_from_regs(&hw, read_reg, NULL, err, sizeof(err)))
			fail("%s", err);
		if (layer_alloc_data(&lc, &r, 0.5, 10) ||
		    accel_map_search(&hw, &lc.cv, &lc.in, &lc.out, NULL, NULL, &lc.map, NULL))
			fail("cannot compile the layer");
		sim_mem_init_at(&lc.mem, 0x100000, data.va, data.pages * 4096);
		if (layer_place(&lc, &hw, err, sizeof(err)))
			fail("%s", err);
	}

	/* Ring 0 (sys page 1, 64 entries), fence (sys page 2). */
	{
		struct rowstat_job_desc *desc = (void *)(sys.va + 4096);

		fence = (volatile uint64_t *)(sys.va + 2 * 4096);
		wr(ROWSTAT_REG_RING(0, ROWSTAT_RING_ADDR_LO), (uint32_t)sys.pa[1]);
		wr(ROWSTAT_REG_RING(0, ROWSTAT_RING_ADDR_HI), (uint32_t)(sys.pa[1] >> 32));
		wr(ROWSTAT_REG_RING(0, ROWSTAT_RING_SIZE_LOG2), 6);
		wr(ROWSTAT_REG_RING(0, ROWSTAT_RING_FENCE_ADDR_LO), (uint32_t)sys.pa[2]);
		wr(ROWSTAT_REG_RING(0, ROWSTAT_RING_FENCE_ADDR_HI), (uint32_t)(sys.pa[2] >> 32));
		wr(ROWSTAT_REG_RING(0, ROWSTAT_RING_CTRL), ROWSTAT_RING_CTRL_ENABLE);
		wr(ROWSTAT_REG_CTRL, ROWSTAT_CTRL_ENABLE);
		memset(desc, 0, sizeof(*desc));
		desc->opcode = ROWSTAT_DESC_RUN;
		desc->seqno = want_seqno = 0x5eed;
		desc->stream_va = lc.stream_va;
		desc->stream_bytes = (uint32_t)lc.stream.len;
		desc->context = 1;
		__sync_synchronize();
		wr(ROWSTAT_REG_DOORBELL(0), rd(ROWSTAT_REG_RING(0, ROWSTAT_RING_HEAD)) + 1);
	}
	{
		double t0 = now();

		wait_for("the job's fence", timeout, job_done);
		printf("job done in %.1f ms\n", (now() - t0) * 1e3);
	}

	n = layer_ofmap_count(&lc.cv);
	{
		int32_t *got = malloc(n * 4), *want = malloc(n * 4);
		size_t bad = 0;

		if (!got || !want || layer_decode_ofmap(&lc, sim_mem_ptr(&lc.mem, lc.out.va), got))
			fail("cannot read the ofmap back");
		ref_conv(&lc.cv, lc.ifmap, lc.filters, lc.bias, want);
		for (size_t i = 0; i < n; i++)
			bad += got[i] != want[i];
		if (bad)
			fail("%zu of %zu outputs differ from the reference", bad, n);
		printf("all %zu outputs equal the reference convolution\n", n);
	}
	printf("PASS job\n");
	return 0;
}

static int modules(int argc, char **argv)
{
	char line[256];

	for (int i = 0; i < argc; i++) {
		FILE *f = fopen("/proc/modules", "r");
		size_t len = strlen(argv[i]);
		int found = 0;

		if (!f)
			fail("no /proc/modules");
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, argv[i], len) && line[len] == ' ')
				found = 1;
		fclose(f);
		if (!found)
			fail("module %s is not loaded", argv[i]);
		printf("  %s loaded\n", argv[i]);
	}
	printf("PASS modules\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "probe"))
		return probe();
	if (argc >= 2 && !strcmp(argv[1], "job"))
		return job(argc == 4 && !strcmp(argv[2], "--timeout") ? atoi(argv[3]) : 60);
	if (argc >= 2 && !strcmp(argv[1], "modules"))
		return modules(argc - 2, argv + 2);
	fprintf(stderr, "usage: rowstat-guest probe | job [--timeout S] | modules NAME...\n");
	return 2;
}
