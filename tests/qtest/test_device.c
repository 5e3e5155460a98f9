// SPDX-License-Identifier: MIT
/*
 * The rowstat QEMU device through QEMU's qtest protocol, without a guest:
 * identity and capabilities, firmware boot, a real convolution through a job
 * ring and the MMU, MMU faults, every malformed-command status, interrupts,
 * reset in the middle of a job, and each fault-injection property.
 */
#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "layer_run.h"
#include "ref_conv.h"
#include "rowstat_dev.h"

#define STATS_VA	0x4000000000ull	/* 2^38: a page for statistics */
#define JOB_TIMEOUT_MS	20000

/* The device's default configuration, which the compiler targets. */
static const struct rs_hw_params *default_hw(void)
{
	static struct rs_hw_params hw;

	rs_hw_params_default(&hw);
	return &hw;
}

/* A small convolution placed in guest memory and mapped in a context. */
struct job_case {
	struct layer_case lc;
	uint64_t pa;		/* where its simulated memory image lives */
	uint64_t stats_pa;
};

static void make_case(struct rsdev *d, unsigned ctx, uint64_t seed, struct job_case *jc)
{
	struct rng r = { seed };
	char err[256];
	size_t bytes;

	memset(jc, 0, sizeof(*jc));
	jc->lc.cv = (struct accel_conv){
		.batch = 2, .in_channels = 6, .in_height = 12, .in_width = 11,
		.out_channels = 10, .kernel_h = 3, .kernel_w = 3, .groups = 1,
		.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1,
		.pad_left = 1, .pad_right = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.relu = true, .bias = true, .requant_mult = 3, .requant_shift = 9,
	};
	jc->lc.in = (struct accel_tensor){ .rlc = true, .seg_rows = 1 };
	jc->lc.out = (struct accel_tensor){ .rlc = true, .seg_rows = 12 };
	ck_assert_int_eq(layer_alloc_data(&jc->lc, &r, 0.4, 10), 0);
	ck_assert_int_eq(accel_map_search(default_hw(), &jc->lc.cv, &jc->lc.in,
				       &jc->lc.out, NULL, NULL, &jc->lc.map, NULL), 0);
	ck_assert_msg(layer_place(&jc->lc, default_hw(), err, sizeof(err)) == 0,
		      "%s", err);
	bytes = (jc->lc.mem.used + 4095) & ~(size_t)4095;
	jc->pa = rsdev_alloc(d, bytes);
	qts_memwrite(d->q, jc->pa, jc->lc.mem.bytes, jc->lc.mem.used);
	rsdev_ctx_enable(d, ctx);
	rsdev_map(d, ctx, jc->lc.mem.base, jc->pa, bytes,
		  ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
	jc->stats_pa = rsdev_alloc(d, 4096);
	rsdev_map(d, ctx, STATS_VA, jc->stats_pa, 4096, ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
}

static void check_output(struct rsdev *d, struct job_case *jc)
{
	size_t n = layer_ofmap_count(&jc->lc.cv);
	size_t bytes = jc->lc.mem.used - (jc->lc.out.va - jc->lc.mem.base);
	uint8_t *img = malloc(bytes);
	int32_t *got = malloc(n * 4), *want = malloc(n * 4);

	qts_memread(d->q, jc->pa + (jc->lc.out.va - jc->lc.mem.base), img, bytes);
	ck_assert_int_eq(layer_decode_ofmap(&jc->lc, img, got), 0);
	ref_conv(&jc->lc.cv, jc->lc.ifmap, jc->lc.filters, jc->lc.bias, want);
	ck_assert_mem_eq(got, want, n * 4);
	free(img);
	free(got);
	free(want);
}

static void submit_case(struct rsdev *d, unsigned ring, unsigned ctx, uint64_t seqno,
			struct job_case *jc)
{
	rsdev_submit(d, ring, ctx, seqno, jc->lc.stream_va, (uint32_t)jc->lc.stream.len,
		     STATS_VA, ROWSTAT_DESC_IRQ);
}

static struct rsdev *ready_device(const char *args)
{
	struct rsdev *d = rsdev_open(args);

	rsdev_boot_default(d);
	rsdev_ring_init(d, 0, 4);
	/* The boot's FW cause is acknowledged; tests watch for new ones. */
	rsdev_wr(d, ROWSTAT_REG_IRQ_STATUS, ~0u);
	rsdev_wr(d, ROWSTAT_REG_IRQ_MASK, ~0u);
	return d;
}

START_TEST(identity_and_capabilities)
{
	struct rsdev *d = rsdev_open("rowstat");
	char msg[256];

	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_ID), ROWSTAT_ID_MAGIC);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_HW_VERSION), 0x00010000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CMD_VERSION), 0x00010001);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_ABI), 0x00010000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_ARRAY), 12 | 14 << 8);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RF_FILTER), 224);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RF_IFMAP), 12);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RF_PSUM), 24);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_GLB_BYTES), 108 * 1024);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_PRECISIONS), 6);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_CLOCK_KHZ), 200000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_DRAM_BW), 2400);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_GLB_BW), 8);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RINGS), 4);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_CONTEXTS), 16);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_VA_BITS), 39);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_ENERGY_DRAM), 200 * 256);
	/* No firmware runs yet: no decode costs. */
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_DECODE(ROWSTAT_OP_PASS)), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_STATUS), ROWSTAT_FW_STATE_OFF);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_STATUS), 0);
	/* Read-only registers ignore writes; undefined offsets read 0. */
	rsdev_wr(d, ROWSTAT_REG_CAP_ARRAY, 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_ARRAY), 12 | 14 << 8);
	ck_assert_uint_eq(rsdev_rd(d, 0x0ffc), 0);
	rsdev_close(d);

	d = rsdev_open("rowstat,rows=8,cols=10,glb-kib=64,rf-ifmap=16,rings=2,contexts=3");
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_ARRAY), 8 | 10 << 8);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_GLB_BYTES), 64 * 1024);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RF_IFMAP), 16);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RINGS), 2);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_CONTEXTS), 3);
	rsdev_close(d);

	ck_assert(qts_refused("rowstat,rows=0", msg, sizeof(msg)));
	ck_assert_ptr_nonnull(strstr(msg, "array_rows must be 1..64"));
	ck_assert(qts_refused("rowstat,rings=9", msg, sizeof(msg)));
	ck_assert_ptr_nonnull(strstr(msg, "rings must be 1..8"));
}
END_TEST

START_TEST(firmware_boot_good_bad_and_version)
{
	struct rsdev *d = rsdev_open("rowstat");
	uint8_t img[512], bad[512];
	size_t len = rsdev_default_image(img, sizeof(img));
	uint32_t hb;

	rsdev_wr(d, ROWSTAT_REG_IRQ_MASK, ROWSTAT_IRQ_FW);
	/* A flipped bit: refused with CHECKSUM, and the FW interrupt fires. */
	memcpy(bad, img, len);
	bad[len - 5] ^= 4;
	ck_assert_uint_eq(rsdev_boot(d, bad, len),
			  ROWSTAT_FW_STATE_FAILED | ROWSTAT_FW_ERR_CHECKSUM << 8);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_IRQ_STATUS) & ROWSTAT_IRQ_FW, ROWSTAT_IRQ_FW);
	ck_assert_uint_eq(rsdev_wait_msix(d, ROWSTAT_MSIX_ERROR(4), JOB_TIMEOUT_MS),
			  MSIX_DATA(ROWSTAT_MSIX_ERROR(4)));
	/* Wrong ABI major (resealed so only the version is wrong). */
	memcpy(bad, img, len);
	bad[4] = 7;
	rs_hw_fw_seal(bad, len);
	ck_assert_uint_eq(rsdev_boot(d, bad, len),
			  ROWSTAT_FW_STATE_FAILED | ROWSTAT_FW_ERR_ABI << 8);
	/* Truncated: FW_SIZE smaller than the image says it is. */
	ck_assert_uint_eq(rsdev_boot(d, img, len - 16),
			  ROWSTAT_FW_STATE_FAILED | ROWSTAT_FW_ERR_SIZE << 8);
	/* An image address with no memory behind it. */
	rsdev_wr(d, ROWSTAT_REG_FW_ADDR_LO, 0x40000000);
	rsdev_wr(d, ROWSTAT_REG_FW_SIZE, (uint32_t)len);
	rsdev_wr(d, ROWSTAT_REG_FW_CTRL, ROWSTAT_FW_CTRL_BOOT);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_STATUS),
			  ROWSTAT_FW_STATE_FAILED | ROWSTAT_FW_ERR_DMA << 8);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_STATUS) & ROWSTAT_STATUS_FW_READY, 0);
	/* A good image after failures boots. */
	ck_assert_uint_eq(rsdev_boot(d, img, len), ROWSTAT_FW_STATE_RUNNING);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_VERSION), 0x00010000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_STATUS) & ROWSTAT_STATUS_FW_READY,
			  ROWSTAT_STATUS_FW_READY);
	/* The heartbeat advances with (virtual) time, once per 1000 us. */
	hb = rsdev_rd(d, ROWSTAT_REG_HEARTBEAT);
	qts_clock_step(d->q, 10 * 1000 * 1000);
	ck_assert_uint_ge(rsdev_rd(d, ROWSTAT_REG_HEARTBEAT), hb + 9);
	rsdev_close(d);
}
END_TEST

/* The device uses what the firmware carries. */
START_TEST(firmware_parameters_are_used)
{
	struct rsdev *d = rsdev_open("rowstat");
	struct rs_hw_firmware fw;
	struct job_case jc;
	uint8_t img[512];
	size_t len;

	memset(&fw, 0, sizeof(fw));
	fw.version = ROWSTAT_VERSION(3, 2);
	fw.opcode_mask = (1u << ROWSTAT_OP_END) | (1u << ROWSTAT_OP_LAYER) |
			 (1u << ROWSTAT_OP_MAPPING) | (1u << ROWSTAT_OP_DMA) |
			 (1u << ROWSTAT_OP_BARRIER);	/* no PASS */
	fw.dram_bw = 1200;
	fw.glb_bw = 4;
	fw.heartbeat_us = 100;
	for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++)
		fw.energy[i] = 300 + i;
	for (int op = 0; op < ROWSTAT_OP_LIMIT; op++)
		fw.decode_cycles[op] = 10 + op;
	fw.arbiter_quantum = 1;
	len = rs_hw_fw_build(&fw, img, sizeof(img));
	ck_assert_uint_eq(rsdev_boot(d, img, len), ROWSTAT_FW_STATE_RUNNING);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_VERSION), ROWSTAT_VERSION(3, 2));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_DRAM_BW), 1200);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_GLB_BW), 4);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_ENERGY_DRAM), 304);
	for (int op = 0; op < ROWSTAT_OP_LIMIT; op++)
		ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_DECODE(op)), 10u + op);
	/* A command table without PASS refuses every convolution. */
	rsdev_ring_init(d, 0, 3);
	make_case(d, 1, 5, &jc);
	submit_case(d, 0, 1, 1, &jc);
	ck_assert(rsdev_wait_halted(d, 0, JOB_TIMEOUT_MS));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_STATUS)),
			  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_OPCODE);
	layer_free(&jc.lc);
	rsdev_close(d);
}
END_TEST

START_TEST(a_convolution_runs_through_a_ring)
{
	struct rsdev *d = rsdev_open("rowstat");
	struct job_case jc;
	struct rowstat_job_stats st;
	struct rs_model *model;
	struct rs_model_result local;

	/* No firmware: the doorbell is taken, nothing runs. */
	rsdev_ring_init(d, 0, 4);
	rsdev_wr(d, ROWSTAT_REG_IRQ_MASK, ~0u);
	make_case(d, 2, 11, &jc);
	submit_case(d, 0, 2, 42, &jc);
	usleep(300 * 1000);
	ck_assert_uint_eq(rsdev_fence(d, 0), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_HEAD)), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_TAIL)), 1);
	/* Firmware starts the device, and the queued job completes. */
	rsdev_boot_default(d);
	ck_assert_uint_ne(rsdev_rd(d, ROWSTAT_REG_IRQ_STATUS) & ROWSTAT_IRQ_FW, 0);
	rsdev_wr(d, ROWSTAT_REG_IRQ_STATUS, ROWSTAT_IRQ_FW);
	ck_assert(rsdev_wait_fence(d, 0, 42, JOB_TIMEOUT_MS));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_HEAD)), 1);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_STATUS)), 0);
	check_output(d, &jc);
	/* The ring's vector fired, and its cause is pending until cleared. */
	ck_assert_uint_eq(rsdev_wait_msix(d, ROWSTAT_MSIX_RING(0), JOB_TIMEOUT_MS), MSIX_DATA(0));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_IRQ_STATUS), ROWSTAT_IRQ_RING(0));
	rsdev_wr(d, ROWSTAT_REG_IRQ_STATUS, ROWSTAT_IRQ_RING(0));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_IRQ_STATUS), 0);
	/* The statistics record matches the model run in-process, with the firmware's costs. */
	qts_memread(d->q, jc.stats_pa, &st, sizeof(st));
	{
		struct rs_hw_params hw = *default_hw();
		struct rs_hw_firmware fw;
		uint8_t img[512];
		size_t len = rsdev_default_image(img, sizeof(img));

		ck_assert_int_eq(rs_hw_fw_parse(img, len, 0x00010000, &fw, NULL), ROWSTAT_FW_OK);
		rs_hw_fw_apply(&fw, &hw);
		model = rs_model_create(&hw);
	}
	ck_assert_int_eq(layer_execute(model, &jc.lc, &local, NULL), ROWSTAT_OK);
	ck_assert_uint_eq(le32toh(st.version), ROWSTAT_STATS_VERSION);
	ck_assert_uint_eq(le32toh(st.status), ROWSTAT_OK);
	ck_assert_uint_eq(le64toh(st.macs), accel_conv_macs(&jc.lc.cv));
	ck_assert_uint_eq(le64toh(st.macs_gated), local.counts.macs_gated);
	ck_assert_uint_eq(le64toh(st.cycles), local.counts.cycles);
	ck_assert_uint_eq(le64toh(st.dram_read_bytes[ROWSTAT_DT_IFMAP]),
			  local.counts.dram_read_bytes[ROWSTAT_DT_IFMAP]);
	/* Performance counters, latched. */
	rsdev_wr(d, ROWSTAT_REG_PERF_CTRL, ROWSTAT_PERF_SNAPSHOT);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_PERF_LO(ROWSTAT_PERF_MACS)),
			  (uint32_t)accel_conv_macs(&jc.lc.cv));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_PERF_LO(ROWSTAT_PERF_JOBS_DONE)), 1);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_PERF_LO(ROWSTAT_PERF_CYCLES)),
			  (uint32_t)local.counts.cycles);
	rsdev_wr(d, ROWSTAT_REG_PERF_CTRL, ROWSTAT_PERF_CLEAR | ROWSTAT_PERF_SNAPSHOT);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_PERF_LO(ROWSTAT_PERF_JOBS_DONE)), 1);
	rsdev_wr(d, ROWSTAT_REG_PERF_CTRL, ROWSTAT_PERF_SNAPSHOT);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_PERF_LO(ROWSTAT_PERF_JOBS_DONE)), 0);
	rs_model_destroy(model);
	layer_free(&jc.lc);
	rsdev_close(d);
}
END_TEST

/* A NOP completes at once; a second ring and a second context run too. */
START_TEST(nops_rings_and_contexts)
{
	struct rsdev *d = ready_device("rowstat");
	struct rowstat_job_desc nop;
	struct job_case a, b;

	memset(&nop, 0, sizeof(nop));
	nop.opcode = ROWSTAT_DESC_NOP;
	nop.seqno = 7;
	rsdev_submit_desc(d, 0, &nop);
	ck_assert(rsdev_wait_fence(d, 0, 7, JOB_TIMEOUT_MS));
	rsdev_ring_init(d, 3, 2);
	make_case(d, 1, 21, &a);
	make_case(d, 5, 22, &b);
	submit_case(d, 0, 1, 8, &a);
	submit_case(d, 3, 5, 100, &b);
	ck_assert(rsdev_wait_fence(d, 0, 8, JOB_TIMEOUT_MS));
	ck_assert(rsdev_wait_fence(d, 3, 100, JOB_TIMEOUT_MS));
	check_output(d, &a);
	check_output(d, &b);
	/* A doorbell beyond the ring's capacity (4 entries) is ignored. */
	rsdev_wr(d, ROWSTAT_REG_DOORBELL(3), rsdev_rd(d, ROWSTAT_REG_RING(3, ROWSTAT_RING_HEAD)) + 5);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(3, ROWSTAT_RING_TAIL)), 1);
	layer_free(&a.lc);
	layer_free(&b.lc);
	rsdev_close(d);
}
END_TEST

/* Copies bytes into fresh guest pages mapped at va in ctx; returns their address. */
static uint64_t place(struct rsdev *d, unsigned ctx, uint64_t va, const void *bytes,
		      size_t len)
{
	size_t span = (len + 4095) & ~(size_t)4095;
	uint64_t pa = rsdev_alloc(d, span);

	qts_memwrite(d->q, pa, bytes, len);
	rsdev_map(d, ctx, va, pa, span, ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
	return pa;
}

/*
 * A job of context 1 loads its data into the GLB; a job of context 2 loads
 * nothing and stores the GLB into its own memory.  It reads zeros.
 */
START_TEST(the_glb_does_not_leak_between_contexts)
{
	struct rsdev *d = ready_device("rowstat");
	uint16_t secret[256], got[256];
	struct accel_stream a, b;
	uint64_t out_pa;

	for (unsigned i = 0; i < 256; i++)
		secret[i] = htole16((uint16_t)(0x5a00 + i));
	rsdev_ctx_enable(d, 1);
	rsdev_ctx_enable(d, 2);
	place(d, 1, 0x100000, secret, sizeof(secret));
	layer_dma_stream(&a, ROWSTAT_DMA_LOAD, 0x100000, 256, 1);
	place(d, 1, 0x200000, a.buf, a.len);
	memset(got, 0xee, sizeof(got));
	out_pa = place(d, 2, 0x100000, got, sizeof(got));
	layer_dma_stream(&b, ROWSTAT_DMA_STORE, 0x100000, 256, 1);
	place(d, 2, 0x200000, b.buf, b.len);
	rsdev_flush_tables(d);
	rsdev_submit(d, 0, 1, 1, 0x200000, (uint32_t)a.len, 0, 0);
	ck_assert(rsdev_wait_fence(d, 0, 1, JOB_TIMEOUT_MS));
	rsdev_submit(d, 0, 2, 2, 0x200000, (uint32_t)b.len, 0, 0);
	ck_assert(rsdev_wait_fence(d, 0, 2, JOB_TIMEOUT_MS));
	qts_memread(d->q, out_pa, got, sizeof(got));
	for (unsigned i = 0; i < 256; i++)
		ck_assert_msg(got[i] == 0, "context 1's GLB value %u visible to context 2: 0x%04x",
			      i, le16toh(got[i]));
	accel_stream_free(&a);
	accel_stream_free(&b);
	rsdev_close(d);
}
END_TEST

/* Runs one job that must fail; returns the ring status, fault info in *info. */
static uint32_t failing_job(struct rsdev *d, unsigned ctx, uint64_t stream_va,
			    uint32_t bytes, uint64_t seqno, uint32_t *info, uint64_t *addr)
{
	uint32_t status;

	rsdev_msix_clear(d, ROWSTAT_MSIX_ERROR(4));
	rsdev_submit(d, 0, ctx, seqno, stream_va, bytes, 0, ROWSTAT_DESC_IRQ);
	ck_assert(rsdev_wait_halted(d, 0, JOB_TIMEOUT_MS));
	status = rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_STATUS));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_ERR_SEQ_LO)), seqno);
	ck_assert_uint_ne(rsdev_rd(d, ROWSTAT_REG_IRQ_STATUS) & ROWSTAT_IRQ_JOB_ERROR, 0);
	ck_assert_uint_eq(rsdev_wait_msix(d, ROWSTAT_MSIX_ERROR(4), JOB_TIMEOUT_MS),
			  MSIX_DATA(ROWSTAT_MSIX_ERROR(4)));
	*info = rsdev_rd(d, ROWSTAT_REG_FAULT_INFO);
	*addr = rsdev_rd(d, ROWSTAT_REG_FAULT_ADDR_LO) |
		(uint64_t)rsdev_rd(d, ROWSTAT_REG_FAULT_ADDR_HI) << 32;
	/* Acknowledge, then skip the failed entry. */
	rsdev_wr(d, ROWSTAT_REG_IRQ_STATUS, ~0u);
	rsdev_wr(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_CTRL),
		 ROWSTAT_RING_CTRL_ENABLE | ROWSTAT_RING_CTRL_RESUME);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_STATUS)), 0);
	return status;
}

START_TEST(mmu_translation_and_faults)
{
	struct rsdev *d = ready_device("rowstat");
	struct job_case jc;
	uint32_t info;
	uint64_t addr, out_va, seq = 1;
	const uint32_t fault = ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_FAULT;

	make_case(d, 3, 31, &jc);
	/* The stream's page unmapped: NOT_PRESENT at the stream's VA, a read. */
	ck_assert_uint_eq(failing_job(d, 3, 0x7000000000ull, 64, seq++, &info, &addr), fault);
	ck_assert_uint_eq(addr, 0x7000000000ull);
	ck_assert_uint_eq(ROWSTAT_FAULT_REASON(info), ROWSTAT_FAULT_NOT_PRESENT);
	ck_assert_uint_eq(ROWSTAT_FAULT_CONTEXT(info), 3);
	ck_assert_uint_eq(info & ROWSTAT_FAULT_WRITE, 0);
	/* Beyond 39 bits. */
	ck_assert_uint_eq(failing_job(d, 3, 1ull << 40, 64, seq++, &info, &addr), fault);
	ck_assert_uint_eq(ROWSTAT_FAULT_REASON(info), ROWSTAT_FAULT_ADDRESS);
	/* The ofmap's first page read-only: the store faults, as a write. */
	out_va = jc.lc.out.va & ~4095ull;
	rsdev_set_pte(d, 3, out_va, ((jc.pa + out_va - jc.lc.mem.base) & ROWSTAT_PTE_ADDR_MASK) |
		      ROWSTAT_PTE_VALID | ROWSTAT_PTE_READ);
	rsdev_flush_tables(d);
	rsdev_wr(d, ROWSTAT_REG_MMU_INVALIDATE, 3);
	ck_assert_uint_eq(failing_job(d, 3, jc.lc.stream_va, (uint32_t)jc.lc.stream.len,
				      seq++, &info, &addr), fault);
	ck_assert_uint_eq(ROWSTAT_FAULT_REASON(info), ROWSTAT_FAULT_PERMISSION);
	ck_assert_uint_ne(info & ROWSTAT_FAULT_WRITE, 0);
	ck_assert_uint_ge(addr, out_va);
	ck_assert_uint_lt(addr, out_va + 4096);
	/* A reserved bit set in the leaf. */
	rsdev_set_pte(d, 3, out_va, ((jc.pa + out_va - jc.lc.mem.base) & ROWSTAT_PTE_ADDR_MASK) |
		      ROWSTAT_PTE_VALID | ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE | (1ull << 60));
	rsdev_flush_tables(d);
	ck_assert_uint_eq(failing_job(d, 3, jc.lc.stream_va, (uint32_t)jc.lc.stream.len,
				      seq++, &info, &addr), fault);
	ck_assert_uint_eq(ROWSTAT_FAULT_REASON(info), ROWSTAT_FAULT_BAD_PTE);
	/* A context that is not enabled: the descriptor itself fails. */
	ck_assert_uint_eq(failing_job(d, 9, jc.lc.stream_va, 64, seq++, &info, &addr), fault);
	ck_assert_uint_eq(ROWSTAT_FAULT_REASON(info), ROWSTAT_FAULT_CONTEXT);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_ERR_OFFSET)), ROWSTAT_NO_OFFSET);
	/* Fix the page: the same job now succeeds, and gives the right answer. */
	rsdev_set_pte(d, 3, out_va, ((jc.pa + out_va - jc.lc.mem.base) & ROWSTAT_PTE_ADDR_MASK) |
		      ROWSTAT_PTE_VALID | ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
	rsdev_flush_tables(d);
	rsdev_submit(d, 0, 3, 99, jc.lc.stream_va, (uint32_t)jc.lc.stream.len, 0, 0);
	ck_assert(rsdev_wait_fence(d, 0, 99, JOB_TIMEOUT_MS));
	check_output(d, &jc);
	layer_free(&jc.lc);
	rsdev_close(d);
}
END_TEST

/* A descriptor the device cannot take fails its job, with no stream offset. */
START_TEST(bad_descriptors_fail_the_job)
{
	struct rsdev *d = ready_device("rowstat");
	struct rowstat_job_desc desc;

	memset(&desc, 0, sizeof(desc));
	desc.opcode = 5;
	desc.seqno = 3;
	rsdev_submit_desc(d, 0, &desc);
	ck_assert(rsdev_wait_halted(d, 0, JOB_TIMEOUT_MS));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_STATUS)),
			  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_OPCODE);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_ERR_OFFSET)), ROWSTAT_NO_OFFSET);
	rsdev_wr(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_CTRL),
		 ROWSTAT_RING_CTRL_ENABLE | ROWSTAT_RING_CTRL_RESUME);
	desc.opcode = ROWSTAT_DESC_NOP;
	desc.reserved1[1] = 1;
	rsdev_submit_desc(d, 0, &desc);
	ck_assert(rsdev_wait_halted(d, 0, JOB_TIMEOUT_MS));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_STATUS)),
			  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_RESERVED);
	/* In an enabled context, the statistics record says why. */
	{
		struct rowstat_job_stats st;
		enum rowstat_status status;
		struct rs_hw_counters c;
		uint32_t offset;
		uint64_t fault, stats_pa = rsdev_alloc(d, 4096);

		rsdev_ctx_enable(d, 2);
		rsdev_map(d, 2, STATS_VA, stats_pa, 4096, ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
		rsdev_wr(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_CTRL),
			 ROWSTAT_RING_CTRL_ENABLE | ROWSTAT_RING_CTRL_RESUME);
		desc.opcode = ROWSTAT_DESC_RUN;
		desc.context = 2;
		desc.stats_va = STATS_VA;
		rsdev_submit_desc(d, 0, &desc);
		ck_assert(rsdev_wait_halted(d, 0, JOB_TIMEOUT_MS));
		qts_memread(d->q, stats_pa, &st, sizeof(st));
		ck_assert_int_eq(rs_hw_stats_decode(&st, &status, &offset, &fault, &c), 0);
		ck_assert_int_eq(status, ROWSTAT_ERR_RESERVED);
		ck_assert_uint_eq(offset, ROWSTAT_NO_OFFSET);
	}
	rsdev_close(d);
}
END_TEST

/* Every malformed-stream status, as the device reports it in RING_STATUS. */
START_TEST(malformed_streams_report_their_codes)
{
	struct rsdev *d = ready_device("rowstat");
	struct job_case jc;
	uint8_t *s;
	size_t len;
	uint64_t seq = 1;

	make_case(d, 4, 41, &jc);
	len = jc.lc.stream.len;
	s = malloc(len);
	/* Offsets of the first LAYER, MAPPING, DMA and PASS. */
	size_t off[8] = { 0 };

	for (size_t o = 0; o < len; o += 4u * (jc.lc.stream.buf[o + 2] | jc.lc.stream.buf[o + 3] << 8))
		if (!off[jc.lc.stream.buf[o]])
			off[jc.lc.stream.buf[o]] = o + 1;
	struct {
		unsigned opcode;
		size_t field;
		uint8_t value;
		enum rowstat_status status;
	} cases[] = {
		{ ROWSTAT_OP_LAYER, 0, 0x77, ROWSTAT_ERR_OPCODE },
		{ ROWSTAT_OP_LAYER, 2, 3, ROWSTAT_ERR_CMD_SIZE },
		{ ROWSTAT_OP_LAYER, 1, 1, ROWSTAT_ERR_RESERVED },
		{ ROWSTAT_OP_LAYER, offsetof(struct rowstat_cmd_layer, batch), 0, ROWSTAT_ERR_LAYER_SHAPE },
		{ ROWSTAT_OP_LAYER, offsetof(struct rowstat_cmd_layer, ifmap_prec), 9, ROWSTAT_ERR_LAYER_PREC },
		{ ROWSTAT_OP_LAYER, offsetof(struct rowstat_cmd_layer, requant_shift), 99, ROWSTAT_ERR_LAYER_QUANT },
		{ ROWSTAT_OP_MAPPING, offsetof(struct rowstat_cmd_mapping, set_rows), 40, ROWSTAT_ERR_MAP_ARRAY },
		{ ROWSTAT_OP_MAPPING, offsetof(struct rowstat_cmd_mapping, filters_per_pe), 200, ROWSTAT_ERR_MAP_RF },
		{ ROWSTAT_OP_PASS, offsetof(struct rowstat_cmd_pass, n_count), 0, ROWSTAT_ERR_PASS_RANGE },
		{ ROWSTAT_OP_PASS, offsetof(struct rowstat_cmd_pass, psum.extent), 0, ROWSTAT_ERR_PASS_TILE },
		{ ROWSTAT_OP_PASS, offsetof(struct rowstat_cmd_pass, psum.addr) + 2, 0xff, ROWSTAT_ERR_GLB_BOUNDS },
		{ ROWSTAT_OP_DMA, offsetof(struct rowstat_cmd_dma, direction), 7, ROWSTAT_ERR_DMA_SHAPE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t at = off[cases[i].opcode] - 1;
		uint32_t info;
		uint64_t addr;

		ck_assert_uint_ne(off[cases[i].opcode], 0);
		memcpy(s, jc.lc.stream.buf, len);
		s[at + cases[i].field] = cases[i].value;
		qts_memwrite(d->q, jc.pa + (jc.lc.stream_va - jc.lc.mem.base), s, len);
		ck_assert_uint_eq(failing_job(d, 4, jc.lc.stream_va, (uint32_t)len, seq++,
					      &info, &addr),
				  ROWSTAT_RING_STATUS_HALTED | cases[i].status);
		ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_ERR_OFFSET)), at);
	}
	/* Stream-level failures: alignment, size, truncation, a missing layer, hazards. */
	memcpy(s, jc.lc.stream.buf, len);
	qts_memwrite(d->q, jc.pa + (jc.lc.stream_va - jc.lc.mem.base), s, len);
	{
		uint32_t info;
		uint64_t addr;
		size_t end = len - 8;
		size_t pass = off[ROWSTAT_OP_PASS] - 1, dma = off[ROWSTAT_OP_DMA] - 1;

		/* No command is at fault in these: ERR_OFFSET says so. */
		ck_assert_uint_eq(failing_job(d, 4, jc.lc.stream_va + 4, (uint32_t)len, seq++, &info, &addr),
				  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_STREAM_ALIGN);
		ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_ERR_OFFSET)),
				  ROWSTAT_NO_OFFSET);
		ck_assert_uint_eq(failing_job(d, 4, jc.lc.stream_va, (uint32_t)len - 4, seq++, &info,
					      &addr),
				  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_STREAM_ALIGN);
		ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_ERR_OFFSET)),
				  ROWSTAT_NO_OFFSET);
		ck_assert_uint_eq(failing_job(d, 4, jc.lc.stream_va, 0, seq++, &info, &addr),
				  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_STREAM_SIZE);
		ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_ERR_OFFSET)),
				  ROWSTAT_NO_OFFSET);
		ck_assert_uint_eq(failing_job(d, 4, jc.lc.stream_va, (uint32_t)end, seq++, &info, &addr),
				  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_TRUNCATED);
		/* The stream from its MAPPING on: no LAYER. */
		ck_assert_uint_eq(failing_job(d, 4, jc.lc.stream_va + off[ROWSTAT_OP_MAPPING] - 1,
					      (uint32_t)(len - off[ROWSTAT_OP_MAPPING] + 1), seq++,
					      &info, &addr),
				  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_NO_LAYER);
		/* The first PASS moved before the MAPPING: no mapping yet. */
		memcpy(s, jc.lc.stream.buf, len);
		memcpy(s + off[ROWSTAT_OP_MAPPING] - 1, jc.lc.stream.buf + pass,
		       sizeof(struct rowstat_cmd_pass));
		memcpy(s + off[ROWSTAT_OP_MAPPING] - 1 + sizeof(struct rowstat_cmd_pass),
		       jc.lc.stream.buf + off[ROWSTAT_OP_MAPPING] - 1, pass - off[ROWSTAT_OP_MAPPING] + 1);
		qts_memwrite(d->q, jc.pa + (jc.lc.stream_va - jc.lc.mem.base), s, len);
		ck_assert_uint_eq(failing_job(d, 4, jc.lc.stream_va, (uint32_t)len, seq++, &info, &addr),
				  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_NO_MAPPING);
		/* The first DMA's BARRIER removed: the load races the pass. */
		memcpy(s, jc.lc.stream.buf, len);
		ck_assert_uint_eq(s[dma + 64], ROWSTAT_OP_BARRIER);
		memmove(s + dma + 64, s + dma + 72, len - dma - 72);
		qts_memwrite(d->q, jc.pa + (jc.lc.stream_va - jc.lc.mem.base), s, len - 8);
		ck_assert_uint_eq(failing_job(d, 4, jc.lc.stream_va, (uint32_t)len - 8, seq++, &info, &addr),
				  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_HAZARD);
		/* Corrupt compressed ifmap data. */
		memcpy(s, jc.lc.stream.buf, len);
		qts_memwrite(d->q, jc.pa + (jc.lc.stream_va - jc.lc.mem.base), s, len);
		qts_memset(d->q, jc.pa + (jc.lc.in.va - jc.lc.mem.base), 8, 0xff);
		ck_assert_uint_eq(failing_job(d, 4, jc.lc.stream_va, (uint32_t)len, seq++, &info, &addr),
				  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_RLC);
	}
	free(s);
	layer_free(&jc.lc);
	rsdev_close(d);
}
END_TEST

/* A job whose one DMA moves 2^32 - 1 lines of one value, at VA 0x100000. */
static uint32_t enormous_dma_job(struct rsdev *d, unsigned ctx, size_t *dma_offset)
{
	struct accel_stream s;
	uint16_t value = 7;
	uint32_t len;

	*dma_offset = layer_dma_stream(&s, ROWSTAT_DMA_LOAD, 0x100000, 1, 0xffffffffu);
	rsdev_ctx_enable(d, ctx);
	place(d, ctx, 0x100000, &value, sizeof(value));
	place(d, ctx, 0x200000, s.buf, s.len);
	rsdev_flush_tables(d);
	len = (uint32_t)s.len;
	accel_stream_free(&s);
	return len;
}

/*
 * The review's DMA runs for minutes in QEMU.  A reset during it returns at
 * once (it used to wait for the job with the global lock held, freezing
 * the VM), completes within one line of the DMA, and the device works again.
 */
START_TEST(a_reset_never_waits_for_a_long_job)
{
	struct rsdev *d = ready_device("rowstat");
	size_t dma_offset;
	uint32_t len = enormous_dma_job(d, 1, &dma_offset);
	struct job_case jc;
	int waited = 0;

	rsdev_submit(d, 0, 1, 1, 0x200000, len, 0, 0);
	while (!(rsdev_rd(d, ROWSTAT_REG_STATUS) & ROWSTAT_STATUS_BUSY) && waited++ < 5000)
		usleep(1000);
	ck_assert_uint_ne(rsdev_rd(d, ROWSTAT_REG_STATUS) & ROWSTAT_STATUS_BUSY, 0);
	usleep(200 * 1000);
	/* Still at it: no fence, the worker is in the DMA. */
	ck_assert_uint_eq(rsdev_fence(d, 0), 0);
	ck_assert(rsdev_reset(d, 5000));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_STATUS), 0);
	ck_assert_uint_eq(rsdev_fence(d, 0), 0);
	/* Up again: a real job runs to completion. */
	rsdev_boot_default(d);
	rsdev_ring_init(d, 0, 4);
	make_case(d, 2, 71, &jc);
	submit_case(d, 0, 2, 2, &jc);
	ck_assert(rsdev_wait_fence(d, 0, 2, JOB_TIMEOUT_MS));
	check_output(d, &jc);
	layer_free(&jc.lc);
	rsdev_close(d);
}
END_TEST

/* The descriptor's cycle budget ends the same job by itself, with BUDGET. */
START_TEST(the_cycle_budget_ends_a_job_on_the_device)
{
	struct rsdev *d = ready_device("rowstat");
	struct rowstat_job_desc desc;
	struct rowstat_job_stats st;
	struct rs_hw_counters c;
	enum rowstat_status status;
	uint32_t offset;
	uint64_t fault, stats_pa;
	size_t dma_offset;
	uint32_t len = enormous_dma_job(d, 1, &dma_offset);

	stats_pa = rsdev_alloc(d, 4096);
	rsdev_map(d, 1, STATS_VA, stats_pa, 4096, ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
	memset(&desc, 0, sizeof(desc));
	desc.opcode = htole32(ROWSTAT_DESC_RUN);
	desc.seqno = htole64(9);
	desc.stream_va = htole64(0x200000);
	desc.stream_bytes = htole32(len);
	desc.context = htole16(1);
	desc.stats_va = htole64(STATS_VA);
	desc.cycle_budget = htole64(100000);
	rsdev_submit_desc(d, 0, &desc);
	ck_assert(rsdev_wait_halted(d, 0, JOB_TIMEOUT_MS));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_STATUS)),
			  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_BUDGET);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_ERR_OFFSET)), dma_offset);
	qts_memread(d->q, stats_pa, &st, sizeof(st));
	ck_assert_int_eq(rs_hw_stats_decode(&st, &status, &offset, &fault, &c), 0);
	ck_assert_int_eq(status, ROWSTAT_ERR_BUDGET);
	ck_assert_uint_eq(offset, dma_offset);
	ck_assert_uint_eq(c.cycles, 100000);
	/*
	 * The DMA starts once LAYER and DMA are decoded; then 2400 bytes per
	 * 1000 cycles: the values that fit, and the one that crossed.
	 */
	{
		uint8_t img[512];
		struct rs_hw_firmware fw;
		size_t n = rsdev_default_image(img, sizeof(img));
		uint64_t start, values;

		ck_assert_int_eq(rs_hw_fw_parse(img, n, 0x00010000, &fw, NULL), ROWSTAT_FW_OK);
		start = fw.decode_cycles[ROWSTAT_OP_LAYER] + fw.decode_cycles[ROWSTAT_OP_DMA];
		values = (100000 - start) * fw.dram_bw / 1000 / 2 + 1;
		ck_assert_uint_eq(c.dram_read_bytes[ROWSTAT_DT_IFMAP], 2 * values);
	}
	rsdev_close(d);
}
END_TEST

/*
 * After firmware that changes the bandwidths and energy costs, a reset
 * returns every register the specification gives a reset value to it.
 */
START_TEST(a_reset_restores_every_register)
{
	struct rsdev *d = rsdev_open("rowstat");
	struct rs_hw_params def;
	struct rs_hw_firmware fw;
	struct rowstat_job_desc nop;
	uint8_t img[512];
	size_t len;

	rs_hw_params_default(&def);
	memset(&fw, 0, sizeof(fw));
	fw.version = ROWSTAT_VERSION(2, 5);
	fw.opcode_mask = 0x7e;
	fw.dram_bw = 1200;
	fw.glb_bw = 3;
	fw.heartbeat_us = 100;
	for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++)
		fw.energy[i] = 999 + i;
	fw.arbiter_quantum = 1;
	len = rs_hw_fw_build(&fw, img, sizeof(img));
	ck_assert_uint_eq(rsdev_boot(d, img, len), ROWSTAT_FW_STATE_RUNNING);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_DRAM_BW), 1200);
	/* Leave something in every block of registers. */
	rsdev_ring_init(d, 0, 4);
	rsdev_ring_init(d, 3, 2);
	rsdev_ctx_enable(d, 5);
	rsdev_wr(d, ROWSTAT_REG_IRQ_MASK, ~0u);
	memset(&nop, 0, sizeof(nop));
	nop.opcode = ROWSTAT_DESC_NOP;
	nop.flags = ROWSTAT_DESC_IRQ;
	nop.seqno = 1;
	rsdev_submit_desc(d, 0, &nop);
	ck_assert(rsdev_wait_fence(d, 0, 1, JOB_TIMEOUT_MS));
	qts_clock_step(d->q, 1000 * 1000);
	ck_assert_uint_ne(rsdev_rd(d, ROWSTAT_REG_HEARTBEAT), 0);
	rsdev_wr(d, ROWSTAT_REG_PERF_CTRL, ROWSTAT_PERF_SNAPSHOT);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_PERF_LO(ROWSTAT_PERF_JOBS_DONE)), 1);

	ck_assert(rsdev_reset(d, JOB_TIMEOUT_MS));
	/* Section 2.1: identity and capabilities, the firmware's changes undone. */
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_ID), ROWSTAT_ID_MAGIC);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_HW_VERSION), 0x00010000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CMD_VERSION), 0x00010001);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_ABI), 0x00010000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_ARRAY), 12 | 14 << 8);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RF_FILTER), 224);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RF_IFMAP), 12);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RF_PSUM), 24);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_GLB_BYTES), 110592);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_PRECISIONS), 6);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_CLOCK_KHZ), 200000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_DRAM_BW), 2400);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_GLB_BW), 8);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_RINGS), 4);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_CONTEXTS), 16);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CAP_VA_BITS), 39);
	for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_ENERGY(l)), def.energy[l]);
	/* Sections 2.2-2.6: control, status, firmware, faults, counters, rings, contexts. */
	{
		static const uint32_t zero[] = {
			ROWSTAT_REG_CTRL, ROWSTAT_REG_STATUS, ROWSTAT_REG_IRQ_STATUS,
			ROWSTAT_REG_IRQ_MASK, ROWSTAT_REG_HEARTBEAT, ROWSTAT_REG_RUNNING,
			ROWSTAT_REG_FW_ADDR_LO,
			ROWSTAT_REG_FW_ADDR_HI, ROWSTAT_REG_FW_SIZE, ROWSTAT_REG_FW_STATUS,
			ROWSTAT_REG_FW_VERSION, ROWSTAT_REG_FAULT_ADDR_LO,
			ROWSTAT_REG_FAULT_ADDR_HI, ROWSTAT_REG_FAULT_INFO,
		};

		for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
			ck_assert_msg(rsdev_rd(d, zero[i]) == 0, "register 0x%x reads 0x%x",
				      zero[i], rsdev_rd(d, zero[i]));
	}
	rsdev_wr(d, ROWSTAT_REG_PERF_CTRL, ROWSTAT_PERF_SNAPSHOT);
	for (unsigned i = 0; i < ROWSTAT_PERF_COUNT; i++) {
		ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_PERF_LO(i)), 0);
		ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_PERF_HI(i)), 0);
	}
	for (unsigned n = 0; n < 4; n++)
		for (uint32_t reg = 0; reg <= ROWSTAT_RING_ERR_OFFSET; reg += 4)
			ck_assert_msg(rsdev_rd(d, ROWSTAT_REG_RING(n, reg)) == 0,
				      "ring %u register 0x%x reads 0x%x", n, reg,
				      rsdev_rd(d, ROWSTAT_REG_RING(n, reg)));
	for (unsigned c = 0; c < 16; c++)
		for (uint32_t reg = 0; reg <= ROWSTAT_CTX_CTRL; reg += 4)
			ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CTX(c, reg)), 0);
	/* And the firmware's heartbeat has stopped. */
	qts_clock_step(d->q, 1000 * 1000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_HEARTBEAT), 0);
	rsdev_close(d);
}
END_TEST

/* On q35's PCIe root bus the device is an integrated endpoint, and says so. */
START_TEST(a_pcie_device_has_a_pcie_capability)
{
	struct rsdev *d = rsdev_open("rowstat");
	unsigned cap, found = 0;

	for (cap = rsdev_cfg_read(d, 0x34) & 0xff; cap;
	     cap = (rsdev_cfg_read(d, cap) >> 8) & 0xff) {
		if ((rsdev_cfg_read(d, cap) & 0xff) != 0x10)
			continue;
		found = cap;
		/* PCI Express capabilities, bits 7:4: 9 is a root complex integrated endpoint. */
		ck_assert_uint_eq((rsdev_cfg_read(d, cap) >> 20) & 0xf, 9);
	}
	ck_assert_msg(found, "no PCI Express capability");
	rsdev_close(d);
}
END_TEST

/*
 * The device masters guest RAM only.  A DMA, a fence or a firmware image
 * aimed at a device's registers (here its own BAR0) fails on the bus; before,
 * the fence write and the image read took the device's lock twice and hung
 * QEMU.
 */
START_TEST(dma_reaches_guest_ram_only)
{
	struct rsdev *d = ready_device("rowstat");
	struct rowstat_job_desc nop;
	struct accel_stream s;
	uint32_t info;
	uint64_t addr;
	uint8_t img[512];
	size_t len;

	/* A load from a VA mapped onto BAR0: FAULT, reason BUS, at that VA. */
	layer_dma_stream(&s, ROWSTAT_DMA_LOAD, 0x300000, 16, 1);
	rsdev_ctx_enable(d, 1);
	place(d, 1, 0x200000, s.buf, s.len);
	rsdev_map(d, 1, 0x300000, G_BAR0, 4096, ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
	ck_assert_uint_eq(failing_job(d, 1, 0x200000, (uint32_t)s.len, 1, &info, &addr),
			  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_FAULT);
	ck_assert_uint_eq(ROWSTAT_FAULT_REASON(info), ROWSTAT_FAULT_BUS);
	ck_assert_uint_eq(addr, 0x300000);
	accel_stream_free(&s);
	/* A fence aimed at BAR0 is not written, and the device still answers. */
	rsdev_wr(d, ROWSTAT_REG_RING(1, ROWSTAT_RING_ADDR_LO), (uint32_t)(G_RINGS + 0x10000));
	rsdev_wr(d, ROWSTAT_REG_RING(1, ROWSTAT_RING_SIZE_LOG2), 2);
	rsdev_wr(d, ROWSTAT_REG_RING(1, ROWSTAT_RING_FENCE_ADDR_LO),
		 (uint32_t)G_BAR0 + ROWSTAT_REG_FW_ADDR_LO);
	rsdev_wr(d, ROWSTAT_REG_RING(1, ROWSTAT_RING_CTRL), ROWSTAT_RING_CTRL_ENABLE);
	memset(&nop, 0, sizeof(nop));
	nop.opcode = ROWSTAT_DESC_NOP;
	nop.seqno = 77;
	qts_memwrite(d->q, G_RINGS + 0x10000, &nop, sizeof(nop));
	rsdev_wr(d, ROWSTAT_REG_DOORBELL(1), 1);
	for (int i = 0; i < 1000 && rsdev_rd(d, ROWSTAT_REG_RING(1, ROWSTAT_RING_HEAD)) != 1; i++)
		usleep(1000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(1, ROWSTAT_RING_HEAD)), 1);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_ADDR_LO), (uint32_t)G_FW);
	/* A firmware image at BAR0: refused with DMA, and the device answers. */
	ck_assert(rsdev_reset(d, JOB_TIMEOUT_MS));
	len = rsdev_default_image(img, sizeof(img));
	rsdev_wr(d, ROWSTAT_REG_FW_ADDR_LO, (uint32_t)G_BAR0);
	rsdev_wr(d, ROWSTAT_REG_FW_ADDR_HI, 0);
	rsdev_wr(d, ROWSTAT_REG_FW_SIZE, (uint32_t)len);
	rsdev_wr(d, ROWSTAT_REG_FW_CTRL, ROWSTAT_FW_CTRL_BOOT);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_STATUS),
			  ROWSTAT_FW_STATUS(ROWSTAT_FW_STATE_FAILED, ROWSTAT_FW_ERR_DMA));
	rsdev_close(d);
}
END_TEST

/* TAIL never moves back: a doorbell that takes back published entries is ignored. */
START_TEST(a_doorbell_cannot_take_entries_back)
{
	struct rsdev *d = ready_device("rowstat,fault-hang-job=1");
	struct rowstat_job_desc nop;
	struct job_case jc;

	/* The first job hangs (injected), its entry at HEAD; a NOP waits behind it. */
	make_case(d, 1, 81, &jc);
	submit_case(d, 0, 1, 1, &jc);
	memset(&nop, 0, sizeof(nop));
	nop.opcode = ROWSTAT_DESC_NOP;
	nop.seqno = 2;
	rsdev_submit_desc(d, 0, &nop);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_HEAD)), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_TAIL)), 2);
	rsdev_wr(d, ROWSTAT_REG_DOORBELL(0), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_TAIL)), 2);
	rsdev_wr(d, ROWSTAT_REG_DOORBELL(0), 1);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(0, ROWSTAT_RING_TAIL)), 2);
	layer_free(&jc.lc);
	rsdev_close(d);
}
END_TEST

START_TEST(interrupt_mask_and_acknowledge)
{
	struct rsdev *d = ready_device("rowstat");
	struct rowstat_job_desc nop;

	rsdev_wr(d, ROWSTAT_REG_IRQ_MASK, 0);
	memset(&nop, 0, sizeof(nop));
	nop.opcode = ROWSTAT_DESC_NOP;
	nop.flags = ROWSTAT_DESC_IRQ;
	nop.seqno = 5;
	rsdev_msix_clear(d, 0);
	rsdev_submit_desc(d, 0, &nop);
	ck_assert(rsdev_wait_fence(d, 0, 5, JOB_TIMEOUT_MS));
	usleep(20 * 1000);
	/* Masked: the cause is pending but no message was sent... */
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_IRQ_STATUS), ROWSTAT_IRQ_RING(0));
	ck_assert_uint_eq(rsdev_msix(d, 0), 0);
	/* ...until the mask opens. */
	rsdev_wr(d, ROWSTAT_REG_IRQ_MASK, ROWSTAT_IRQ_RING(0));
	ck_assert_uint_eq(rsdev_msix(d, 0), MSIX_DATA(0));
	rsdev_wr(d, ROWSTAT_REG_IRQ_STATUS, ROWSTAT_IRQ_RING(0));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_IRQ_STATUS), 0);
	/* Without the IRQ flag, completion raises nothing. */
	nop.flags = 0;
	nop.seqno = 6;
	rsdev_msix_clear(d, 0);
	rsdev_submit_desc(d, 0, &nop);
	ck_assert(rsdev_wait_fence(d, 0, 6, JOB_TIMEOUT_MS));
	usleep(20 * 1000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_IRQ_STATUS), 0);
	ck_assert_uint_eq(rsdev_msix(d, 0), 0);
	rsdev_close(d);
}
END_TEST

START_TEST(reset_in_the_middle_of_a_job)
{
	struct rsdev *d = ready_device("rowstat,fault-hang-job=1");
	struct job_case jc;
	uint32_t hb;

	make_case(d, 1, 51, &jc);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RUNNING), 0);
	rsdev_ring_init(d, 2, 4);
	submit_case(d, 2, 1, 1, &jc);
	usleep(300 * 1000);
	/* The job hangs: busy, running on ring 2, no fence, heartbeat stopped. */
	ck_assert_uint_ne(rsdev_rd(d, ROWSTAT_REG_STATUS) & ROWSTAT_STATUS_BUSY, 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RUNNING), ROWSTAT_RUNNING_VALID | 2);
	ck_assert_uint_eq(rsdev_fence(d, 2), 0);
	hb = rsdev_rd(d, ROWSTAT_REG_HEARTBEAT);
	qts_clock_step(d->q, 20 * 1000 * 1000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_HEARTBEAT), hb);
	/* Reset: every register back to its reset value, the job gone. */
	ck_assert(rsdev_reset(d, JOB_TIMEOUT_MS));
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_STATUS), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RUNNING), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_STATUS), ROWSTAT_FW_STATE_OFF);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(2, ROWSTAT_RING_CTRL)), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_RING(2, ROWSTAT_RING_HEAD)), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_IRQ_MASK), 0);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_CTX(1, ROWSTAT_CTX_CTRL)), 0);
	usleep(100 * 1000);
	ck_assert_uint_eq(rsdev_fence(d, 2), 0);
	/* Bring it up again: the next job (number 2) runs to completion. */
	rsdev_boot_default(d);
	rsdev_ring_init(d, 0, 4);
	rsdev_ctx_enable(d, 1);
	submit_case(d, 0, 1, 2, &jc);
	ck_assert(rsdev_wait_fence(d, 0, 2, JOB_TIMEOUT_MS));
	check_output(d, &jc);
	layer_free(&jc.lc);
	rsdev_close(d);
}
END_TEST

START_TEST(fault_injection_dma_completion_and_firmware)
{
	struct rsdev *d = ready_device("rowstat,fault-dma-job=1,fault-completion-job=2,"
				       "fault-fw-crash-job=3");
	struct job_case jc;
	uint32_t info;
	uint64_t addr;

	make_case(d, 2, 61, &jc);
	/* Job 1: its DMA fails on the bus after the stream fetch. */
	ck_assert_uint_eq(failing_job(d, 2, jc.lc.stream_va, (uint32_t)jc.lc.stream.len, 1,
				      &info, &addr),
			  ROWSTAT_RING_STATUS_HALTED | ROWSTAT_ERR_FAULT);
	ck_assert_uint_eq(ROWSTAT_FAULT_REASON(info), ROWSTAT_FAULT_BUS);
	/* Job 2: completes, but writes a seqno that was never issued. */
	submit_case(d, 0, 2, 2, &jc);
	usleep(50 * 1000);
	for (int i = 0; i < 400 && rsdev_fence(d, 0) == 0; i++)
		usleep(50 * 1000);
	ck_assert_uint_eq(rsdev_fence(d, 0), ~2ull);
	/* Job 3: completes, then the firmware crashes. */
	submit_case(d, 0, 2, 3, &jc);
	ck_assert(rsdev_wait_fence(d, 0, 3, JOB_TIMEOUT_MS));
	usleep(50 * 1000);
	ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_FW_STATUS),
			  ROWSTAT_FW_STATE_FAILED | ROWSTAT_FW_ERR_CRASHED << 8);
	ck_assert_uint_ne(rsdev_rd(d, ROWSTAT_REG_STATUS) & ROWSTAT_STATUS_HALTED, 0);
	ck_assert_uint_ne(rsdev_rd(d, ROWSTAT_REG_IRQ_STATUS) & ROWSTAT_IRQ_FW, 0);
	/* Nothing runs any more; the heartbeat is still. */
	submit_case(d, 0, 2, 4, &jc);
	usleep(300 * 1000);
	ck_assert_uint_eq(rsdev_fence(d, 0), 3);
	{
		uint32_t hb = rsdev_rd(d, ROWSTAT_REG_HEARTBEAT);

		qts_clock_step(d->q, 10 * 1000 * 1000);
		ck_assert_uint_eq(rsdev_rd(d, ROWSTAT_REG_HEARTBEAT), hb);
	}
	layer_free(&jc.lc);
	rsdev_close(d);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("qtest-device");
	TCase *tc = tcase_create("device");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, identity_and_capabilities);
	tcase_add_test(tc, firmware_boot_good_bad_and_version);
	tcase_add_test(tc, firmware_parameters_are_used);
	tcase_add_test(tc, a_convolution_runs_through_a_ring);
	tcase_add_test(tc, nops_rings_and_contexts);
	tcase_add_test(tc, the_glb_does_not_leak_between_contexts);
	tcase_add_test(tc, mmu_translation_and_faults);
	tcase_add_test(tc, bad_descriptors_fail_the_job);
	tcase_add_test(tc, malformed_streams_report_their_codes);
	tcase_add_test(tc, interrupt_mask_and_acknowledge);
	tcase_add_test(tc, reset_in_the_middle_of_a_job);
	tcase_add_test(tc, a_reset_never_waits_for_a_long_job);
	tcase_add_test(tc, the_cycle_budget_ends_a_job_on_the_device);
	tcase_add_test(tc, a_reset_restores_every_register);
	tcase_add_test(tc, a_pcie_device_has_a_pcie_capability);
	tcase_add_test(tc, dma_reaches_guest_ram_only);
	tcase_add_test(tc, a_doorbell_cannot_take_entries_back);
	tcase_add_test(tc, fault_injection_dma_completion_and_firmware);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
