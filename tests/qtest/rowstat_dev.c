// SPDX-License-Identifier: MIT
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fwconf.h>
#include "rowstat_dev.h"

#define CF8 0xcf8
#define CFC 0xcfc

uint32_t rsdev_cfg_read(struct rsdev *d, unsigned reg)
{
	qts_outl(d->q, CF8, 0x80000000u | (d->devfn << 8) | (reg & 0xfc));
	return qts_inl(d->q, CFC);
}

static void cfg_write(struct rsdev *d, unsigned reg, uint32_t v)
{
	qts_outl(d->q, CF8, 0x80000000u | (d->devfn << 8) | (reg & 0xfc));
	qts_outl(d->q, CFC, v);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct rsdev *rsdev_open(const char *args)
{
	struct rsdev *d = calloc(1, sizeof(*d));
	unsigned cap;

	ck_assert_ptr_nonnull(d);
	d->q = qts_start(args);
	d->pt_next = G_PT_POOL;
	d->data_next = G_DATA;
	for (d->devfn = 0; d->devfn < 32 * 8; d->devfn += 8) {
		if (rsdev_cfg_read(d, 0) == (ROWSTAT_PCI_DEVICE_ID << 16 | ROWSTAT_PCI_VENDOR_ID))
			break;
	}
	ck_assert_msg(d->devfn < 256, "no rowstat device on bus 0");
	cfg_write(d, 0x10 + 4 * ROWSTAT_BAR_REGS, (uint32_t)G_BAR0);
	cfg_write(d, 0x10 + 4 * ROWSTAT_BAR_MSIX, (uint32_t)G_BAR2);
	/* Memory space and bus mastering. */
	cfg_write(d, 0x04, rsdev_cfg_read(d, 0x04) | 0x6);
	/* MSI-X: every vector writes MSIX_DATA(v) to its slot in RAM. */
	for (cap = rsdev_cfg_read(d, 0x34) & 0xff; cap; cap = (rsdev_cfg_read(d, cap) >> 8) & 0xff)
		if ((rsdev_cfg_read(d, cap) & 0xff) == 0x11)
			break;
	ck_assert_msg(cap, "no MSI-X capability");
	{
		uint32_t ctrl = rsdev_cfg_read(d, cap);
		unsigned vectors = ((ctrl >> 16) & 0x7ff) + 1;

		ck_assert_uint_eq(vectors, ROWSTAT_MSIX_VECTORS(rsdev_rd(d, ROWSTAT_REG_CAP_RINGS)));
		for (unsigned v = 0; v < vectors; v++) {
			uint64_t e = G_BAR2 + 16 * v;

			qts_writel(d->q, e, (uint32_t)(G_MSIX + 4 * v));
			qts_writel(d->q, e + 4, 0);
			qts_writel(d->q, e + 8, MSIX_DATA(v));
			qts_writel(d->q, e + 12, 0);
		}
		cfg_write(d, cap, ctrl | (1u << 31));
	}
	qts_memset(d->q, G_MSIX, 256, 0);
	return d;
}

void rsdev_close(struct rsdev *d)
{
	if (!d)
		return;
	qts_quit(d->q);
	free(d->pages);
	free(d);
}

uint32_t rsdev_rd(struct rsdev *d, uint32_t reg)
{
	return qts_readl(d->q, G_BAR0 + reg);
}

void rsdev_wr(struct rsdev *d, uint32_t reg, uint32_t v)
{
	qts_writel(d->q, G_BAR0 + reg, v);
}

bool rsdev_reset(struct rsdev *d, int timeout_ms)
{
	double end = now_ms() + timeout_ms;

	rsdev_wr(d, ROWSTAT_REG_CTRL, ROWSTAT_CTRL_RESET);
	while (rsdev_rd(d, ROWSTAT_REG_CTRL) & ROWSTAT_CTRL_RESET) {
		if (now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

uint32_t rsdev_boot(struct rsdev *d, const void *img, size_t len)
{
	qts_memwrite(d->q, G_FW, img, len);
	rsdev_wr(d, ROWSTAT_REG_FW_ADDR_LO, (uint32_t)G_FW);
	rsdev_wr(d, ROWSTAT_REG_FW_ADDR_HI, 0);
	rsdev_wr(d, ROWSTAT_REG_FW_SIZE, (uint32_t)len);
	rsdev_wr(d, ROWSTAT_REG_FW_CTRL, ROWSTAT_FW_CTRL_BOOT);
	return rsdev_rd(d, ROWSTAT_REG_FW_STATUS);
}

size_t rsdev_default_image(uint8_t *out, size_t cap)
{
	FILE *f = fopen("firmware/rowstat-fw.conf", "r");
	struct rs_hw_firmware fw;
	char err[256];

	ck_assert_msg(f, "run from the repository root");
	ck_assert_msg(!rsfw_conf_parse(f, "rowstat-fw.conf", &fw, err, sizeof(err)), "%s", err);
	fclose(f);
	return rs_hw_fw_build(&fw, out, cap);
}

void rsdev_boot_default(struct rsdev *d)
{
	uint8_t img[512];
	size_t len = rsdev_default_image(img, sizeof(img));

	ck_assert_uint_eq(rsdev_boot(d, img, len), ROWSTAT_FW_STATE_RUNNING);
}

uint64_t rsdev_alloc(struct rsdev *d, size_t bytes)
{
	uint64_t pa = d->data_next;

	d->data_next = (d->data_next + bytes + 4095) & ~4095ull;
	ck_assert_uint_le(d->data_next, 0x1f000000ull);
	return pa;
}

static struct pt_page *table_at(struct rsdev *d, uint64_t pa)
{
	for (size_t i = 0; i < d->npages; i++)
		if (d->pages[i].pa == pa)
			return &d->pages[i];
	return NULL;
}

static uint64_t new_table(struct rsdev *d)
{
	struct pt_page *t;

	if (d->npages == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->pages = realloc(d->pages, d->cap * sizeof(*d->pages));
		ck_assert_ptr_nonnull(d->pages);
	}
	t = &d->pages[d->npages++];
	memset(t, 0, sizeof(*t));
	t->pa = d->pt_next;
	t->dirty = true;
	d->pt_next += ROWSTAT_PAGE_SIZE;
	ck_assert_uint_le(d->pt_next, G_RINGS);
	return t->pa;
}

void rsdev_ctx_enable(struct rsdev *d, unsigned ctx)
{
	if (!d->root[ctx])
		d->root[ctx] = new_table(d);
	rsdev_flush_tables(d);
	rsdev_wr(d, ROWSTAT_REG_CTX(ctx, ROWSTAT_CTX_PT_LO), (uint32_t)d->root[ctx]);
	rsdev_wr(d, ROWSTAT_REG_CTX(ctx, ROWSTAT_CTX_PT_HI), (uint32_t)(d->root[ctx] >> 32));
	rsdev_wr(d, ROWSTAT_REG_CTX(ctx, ROWSTAT_CTX_CTRL), ROWSTAT_CTX_CTRL_ENABLE);
}

/* The level-0 entry for va, creating the tables above it. */
static uint64_t *leaf(struct rsdev *d, unsigned ctx, uint64_t va, struct pt_page **page)
{
	uint64_t table = d->root[ctx];

	ck_assert_msg(table, "context %u not enabled", ctx);
	for (int level = ROWSTAT_PT_LEVELS - 1; level > 0; level--) {
		struct pt_page *t = table_at(d, table);
		uint64_t *e = &t->e[ROWSTAT_PT_INDEX(va, level)];

		if (!(*e & ROWSTAT_PTE_VALID)) {
			uint64_t next = new_table(d);

			t = table_at(d, table);	/* new_table may move the array */
			e = &t->e[ROWSTAT_PT_INDEX(va, level)];
			*e = next | ROWSTAT_PTE_VALID;
			t->dirty = true;
		}
		table = *e & ROWSTAT_PTE_ADDR_MASK;
	}
	*page = table_at(d, table);
	return &(*page)->e[ROWSTAT_PT_INDEX(va, 0)];
}

void rsdev_set_pte(struct rsdev *d, unsigned ctx, uint64_t va, uint64_t pte)
{
	struct pt_page *p;
	uint64_t *e = leaf(d, ctx, va, &p);

	*e = pte;
	p->dirty = true;
}

void rsdev_map(struct rsdev *d, unsigned ctx, uint64_t va, uint64_t pa, uint64_t len,
	       uint64_t perms)
{
	for (uint64_t off = 0; off < len; off += ROWSTAT_PAGE_SIZE)
		rsdev_set_pte(d, ctx, va + off, ((pa + off) & ROWSTAT_PTE_ADDR_MASK) |
			      ROWSTAT_PTE_VALID | perms);
	rsdev_flush_tables(d);
}

void rsdev_flush_tables(struct rsdev *d)
{
	for (size_t i = 0; i < d->npages; i++) {
		struct pt_page *t = &d->pages[i];
		uint8_t bytes[4096];

		if (!t->dirty)
			continue;
		for (int k = 0; k < 512; k++)
			for (int b = 0; b < 8; b++)
				bytes[8 * k + b] = (uint8_t)(t->e[k] >> (8 * b));
		qts_memwrite(d->q, t->pa, bytes, sizeof(bytes));
		t->dirty = false;
	}
}

void rsdev_ring_init(struct rsdev *d, unsigned ring, unsigned size_log2)
{
	uint64_t base = G_RINGS + 0x10000ull * ring;

	rsdev_wr(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_ADDR_LO), (uint32_t)base);
	rsdev_wr(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_ADDR_HI), 0);
	rsdev_wr(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_SIZE_LOG2), size_log2);
	rsdev_wr(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_FENCE_ADDR_LO),
		 (uint32_t)(G_FENCES + 8 * ring));
	rsdev_wr(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_FENCE_ADDR_HI), 0);
	qts_writeq(d->q, G_FENCES + 8 * ring, 0);
	rsdev_wr(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_CTRL), ROWSTAT_RING_CTRL_ENABLE);
	rsdev_wr(d, ROWSTAT_REG_CTRL, ROWSTAT_CTRL_ENABLE);
	d->tail[ring] = rsdev_rd(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_HEAD));
}

void rsdev_submit_desc(struct rsdev *d, unsigned ring, const struct rowstat_job_desc *desc)
{
	unsigned size = 1u << rsdev_rd(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_SIZE_LOG2));
	uint64_t base = G_RINGS + 0x10000ull * ring;

	qts_memwrite(d->q, base + 64ull * (d->tail[ring] % size), desc, sizeof(*desc));
	d->tail[ring]++;
	rsdev_wr(d, ROWSTAT_REG_DOORBELL(ring), d->tail[ring]);
}

void rsdev_submit(struct rsdev *d, unsigned ring, unsigned ctx, uint64_t seqno,
		  uint64_t stream_va, uint32_t bytes, uint64_t stats_va, uint32_t flags)
{
	struct rowstat_job_desc desc;

	memset(&desc, 0, sizeof(desc));
	desc.opcode = ROWSTAT_DESC_RUN;
	desc.flags = flags;
	desc.seqno = seqno;
	desc.stream_va = stream_va;
	desc.stream_bytes = bytes;
	desc.context = (uint16_t)ctx;
	desc.stats_va = stats_va;
	rsdev_submit_desc(d, ring, &desc);
}

uint64_t rsdev_fence(struct rsdev *d, unsigned ring)
{
	return qts_readq(d->q, G_FENCES + 8 * ring);
}


bool rsdev_wait_fence(struct rsdev *d, unsigned ring, uint64_t seqno, int timeout_ms)
{
	double end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		if (rsdev_fence(d, ring) == seqno)
			return true;
		if (rsdev_rd(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_STATUS)) &
		    ROWSTAT_RING_STATUS_HALTED)
			return false;
		usleep(200);
	}
	return false;
}

bool rsdev_wait_halted(struct rsdev *d, unsigned ring, int timeout_ms)
{
	double end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		if (rsdev_rd(d, ROWSTAT_REG_RING(ring, ROWSTAT_RING_STATUS)) &
		    ROWSTAT_RING_STATUS_HALTED)
			return true;
		usleep(200);
	}
	return false;
}

uint32_t rsdev_msix(struct rsdev *d, unsigned vector)
{
	return qts_readl(d->q, G_MSIX + 4 * vector);
}

uint32_t rsdev_wait_msix(struct rsdev *d, unsigned vector, int timeout_ms)
{
	double end = now_ms() + timeout_ms;
	uint32_t data;

	while (!(data = rsdev_msix(d, vector)) && now_ms() < end)
		usleep(200);
	return data;
}

void rsdev_msix_clear(struct rsdev *d, unsigned vector)
{
	qts_writel(d->q, G_MSIX + 4 * vector, 0);
}
