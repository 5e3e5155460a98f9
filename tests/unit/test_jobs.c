// SPDX-License-Identifier: MIT
/*
 * What one job may see of another, and how long a job may run: the GLB is
 * zero at the start of every job, a job re-runs with the same outputs and
 * counters whatever ran before it, and a cancel or the cycle budget stops
 * even a single enormous command within a bounded amount of work.
 */
#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "layer_run.h"

static struct rs_hw_params hw;

static void setup(void)
{
	rs_hw_params_default(&hw);
}

/* Memory that counts reads and cancels the job at read number `at`. */
struct counting_mem {
	struct sim_mem *mem;
	uint64_t reads, at;
	int cancel;
};

static int counting_read(void *opaque, uint64_t va, void *buf, size_t len)
{
	struct counting_mem *cm = opaque;

	if (++cm->reads == cm->at)
		__atomic_store_n(&cm->cancel, 1, __ATOMIC_RELAXED);
	return cm->mem->ops.read(cm->mem, va, buf, len);
}

static int counting_write(void *opaque, uint64_t va, const void *buf, size_t len)
{
	struct counting_mem *cm = opaque;

	return cm->mem->ops.write(cm->mem, va, buf, len);
}

/* Places a stream in memory and runs it through `ops` (mem's own when NULL). */
static enum rowstat_status run_stream(struct rs_model *m, struct sim_mem *mem,
				      const struct rs_model_mem *ops,
				      struct accel_stream *s,
				      const struct rs_model_opts *opts,
				      struct rs_model_result *res)
{
	uint64_t va = sim_mem_alloc(mem, s->len);

	ck_assert_uint_ne(va, 0);
	memcpy(sim_mem_ptr(mem, va), s->buf, s->len);
	return rs_model_run(m, va, (uint32_t)s->len, ops ? ops : &mem->ops, opts, res);
}

/*
 * Job A loads 256 values into the GLB; job B (another context, on the same
 * device) loads nothing and stores the GLB to its own memory.  B must read
 * zeros, and so must a job after a cancelled one.
 */
START_TEST(glb_contents_never_cross_jobs)
{
	struct rs_model *m = rs_model_create(&hw);
	struct sim_mem a_mem, b_mem;
	struct accel_stream a, b;
	struct rs_model_result res;
	uint64_t secret, out;
	uint16_t *p;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(sim_mem_init(&a_mem, 0x100000, 1 << 20), 0);
	ck_assert_int_eq(sim_mem_init(&b_mem, 0x900000, 1 << 20), 0);
	secret = sim_mem_alloc(&a_mem, 512);
	p = sim_mem_ptr(&a_mem, secret);
	for (unsigned i = 0; i < 256; i++)
		p[i] = htole16((uint16_t)(0x5a00 + i));
	out = sim_mem_alloc(&b_mem, 512);
	memset(sim_mem_ptr(&b_mem, out), 0xee, 512);

	layer_dma_stream(&a, ROWSTAT_DMA_LOAD, secret, 256, 1);
	ck_assert_int_eq(run_stream(m, &a_mem, NULL, &a, NULL, &res), ROWSTAT_OK);

	/* B stores the 4-byte slots at GLB 0..1023: the low half of each. */
	layer_dma_stream(&b, ROWSTAT_DMA_STORE, out, 256, 1);
	ck_assert_int_eq(run_stream(m, &b_mem, NULL, &b, NULL, &res), ROWSTAT_OK);
	p = sim_mem_ptr(&b_mem, out);
	for (unsigned i = 0; i < 256; i++)
		ck_assert_msg(p[i] == 0, "GLB value %u of another job visible: 0x%04x", i,
			      le16toh(p[i]));

	/*
	 * A job cancelled right after its load leaves nothing either: read 1
	 * fetches the stream, read 2 is the DMA's one line, and the cancel is
	 * seen after it.
	 */
	{
		struct counting_mem cm = { .mem = &a_mem, .at = 2 };
		struct rs_model_mem ops = { counting_read, counting_write, &cm };
		struct rs_model_opts opts = { .cancel = &cm.cancel };

		run_stream(m, &a_mem, &ops, &a, &opts, &res);
		ck_assert_int_eq(res.status, ROWSTAT_ERR_CANCELLED);
		ck_assert_uint_eq(cm.reads, 2);
		memset(sim_mem_ptr(&b_mem, out), 0xee, 512);
		ck_assert_int_eq(run_stream(m, &b_mem, NULL, &b, NULL, &res), ROWSTAT_OK);
		p = sim_mem_ptr(&b_mem, out);
		for (unsigned i = 0; i < 256; i++)
			ck_assert_uint_eq(p[i], 0);
	}
	accel_stream_free(&a);
	accel_stream_free(&b);
	sim_mem_free(&a_mem);
	sim_mem_free(&b_mem);
	rs_model_destroy(m);
}
END_TEST

/* Clears every PASS's INIT flag: the passes then add to what the GLB holds. */
static void drop_init_flags(struct layer_case *lc)
{
	uint8_t *s = sim_mem_ptr(&lc->mem, lc->stream_va);

	for (size_t off = 0; off < lc->stream.len; off += 4u * (s[off + 2] | (s[off + 3] << 8))) {
		if (s[off] == ROWSTAT_OP_PASS)
			s[off + offsetof(struct rowstat_cmd_pass, flags)] &= ~ROWSTAT_PASS_INIT;
		if (s[off] == ROWSTAT_OP_END)
			break;
	}
}

/*
 * A stream whose passes read psums it never wrote sees zeros, so it gives
 * the same outputs and counters whatever the device ran before.
 */
START_TEST(a_job_reruns_identically_whatever_ran_before)
{
	struct rs_model *m = rs_model_create(&hw);
	struct layer_case x, y;
	struct rng r = { 4242 };
	struct rs_model_result first, again;
	size_t n;
	int32_t *out1, *out2;
	char err[256];

	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.cv = (struct accel_conv){
		.batch = 1, .in_channels = 4, .in_height = 8, .in_width = 8,
		.out_channels = 4, .kernel_h = 3, .kernel_w = 3, .groups = 1,
		.stride_h = 1, .stride_w = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.requant_mult = 1,
	};
	y.cv = x.cv;
	y.cv.in_channels = 8;
	ck_assert_int_eq(accel_map_search(&hw, &x.cv, &x.in, &x.out, NULL, NULL, &x.map, NULL), 0);
	ck_assert_int_eq(accel_map_search(&hw, &y.cv, &y.in, &y.out, NULL, NULL, &y.map, NULL), 0);
	ck_assert_int_eq(layer_alloc_data(&x, &r, 0.2, 6), 0);
	ck_assert_int_eq(layer_alloc_data(&y, &r, 0.2, 6), 0);
	ck_assert_msg(layer_place(&x, &hw, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(layer_place(&y, &hw, err, sizeof(err)) == 0, "%s", err);
	drop_init_flags(&x);
	n = layer_ofmap_count(&x.cv);
	out1 = calloc(n, sizeof(*out1));
	out2 = calloc(n, sizeof(*out2));

	ck_assert_int_eq(layer_execute(m, &x, &first, out1), ROWSTAT_OK);
	ck_assert_int_eq(layer_execute(m, &y, &again, NULL), ROWSTAT_OK);
	ck_assert_int_eq(layer_execute(m, &x, &again, out2), ROWSTAT_OK);
	ck_assert_mem_eq(out1, out2, n * sizeof(*out1));
	ck_assert_mem_eq(&first.counts, &again.counts, sizeof(first.counts));
	free(out1);
	free(out2);
	layer_free(&x);
	layer_free(&y);
	rs_model_destroy(m);
}
END_TEST

/*
 * The DMA the review found: 2^32 - 1 lines of one element with zero strides
 * passes validation and moves 8 GiB (about 20 s in the model, minutes in
 * QEMU).
 */
START_TEST(a_cancel_stops_an_enormous_dma_within_a_line)
{
	struct rs_model *m = rs_model_create(&hw);
	struct sim_mem mem;
	struct accel_stream s;
	struct counting_mem cm = { .mem = &mem, .at = 1000 };
	struct rs_model_mem ops = { counting_read, counting_write, &cm };
	struct rs_model_opts opts = { .cancel = &cm.cancel };
	struct rs_model_result res;
	uint64_t data;
	size_t off;

	ck_assert_int_eq(sim_mem_init(&mem, 0x100000, 1 << 20), 0);
	data = sim_mem_alloc(&mem, 64);
	off = layer_dma_stream(&s, ROWSTAT_DMA_LOAD, data, 1, 0xffffffffu);
	run_stream(m, &mem, &ops, &s, &opts, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_CANCELLED);
	ck_assert_uint_eq(res.error_offset, off);
	/* The flag was seen at the next line: one more read at most. */
	ck_assert_uint_le(cm.reads, cm.at + 1);
	ck_assert_uint_eq(res.counts.dram_read_bytes[ROWSTAT_DT_IFMAP], 2 * (cm.reads - 1));
	/* Validation polls too. */
	opts.validate_only = true;
	run_stream(m, &mem, &ops, &s, &opts, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_CANCELLED);
	accel_stream_free(&s);
	sim_mem_free(&mem);
	rs_model_destroy(m);
}
END_TEST

START_TEST(the_cycle_budget_stops_an_enormous_dma)
{
	struct rs_model *m = rs_model_create(&hw);
	struct sim_mem mem;
	struct accel_stream s;
	struct counting_mem cm = { .mem = &mem };
	struct rs_model_mem ops = { counting_read, counting_write, &cm };
	struct rs_model_opts opts = { .cycle_budget = 1000000 };
	struct rs_model_result res;
	uint64_t data, lines;
	size_t off;

	ck_assert_int_eq(sim_mem_init(&mem, 0x100000, 1 << 20), 0);
	data = sim_mem_alloc(&mem, 64);
	off = layer_dma_stream(&s, ROWSTAT_DMA_LOAD, data, 1, 0xffffffffu);
	run_stream(m, &mem, &ops, &s, &opts, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_BUDGET);
	ck_assert_uint_eq(res.error_offset, off);
	ck_assert_ptr_nonnull(strstr(res.detail, "budget of 1000000"));
	ck_assert_uint_eq(res.counts.cycles, 1000000);
	/*
	 * At 2400 bytes per 1000 cycles the link moves 2.4 MB in the budget:
	 * the line that crosses it is the last one read (one read per line,
	 * after the stream fetch).
	 */
	lines = cm.reads - 1;
	ck_assert_uint_eq(lines, 2400000 / 2 + 1);
	accel_stream_free(&s);
	sim_mem_free(&mem);
	rs_model_destroy(m);
}
END_TEST

/* A budget of exactly the cycles a job takes lets it finish; one less does not. */
START_TEST(the_budget_is_exact_on_a_real_layer)
{
	struct rs_model *m = rs_model_create(&hw);
	struct layer_case lc;
	struct rng r = { 99 };
	struct rs_model_result res;
	struct rs_model_opts opts = { 0 };
	uint64_t cycles;
	char err[256];

	memset(&lc, 0, sizeof(lc));
	lc.cv = (struct accel_conv){
		.batch = 2, .in_channels = 6, .in_height = 12, .in_width = 11,
		.out_channels = 10, .kernel_h = 3, .kernel_w = 3, .groups = 1,
		.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1,
		.pad_left = 1, .pad_right = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.bias = true, .requant_mult = 1, .requant_shift = 4,
	};
	ck_assert_int_eq(accel_map_search(&hw, &lc.cv, &lc.in, &lc.out, NULL, NULL, &lc.map, NULL), 0);
	ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.3, 8), 0);
	ck_assert_msg(layer_place(&lc, &hw, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(layer_execute(m, &lc, &res, NULL), ROWSTAT_OK);
	cycles = res.counts.cycles;
	ck_assert_uint_gt(cycles, 1000);
	opts.cycle_budget = cycles;
	rs_model_run(m, lc.stream_va, (uint32_t)lc.stream.len, &lc.mem.ops, &opts, &res);
	ck_assert_int_eq(res.status, ROWSTAT_OK);
	ck_assert_uint_eq(res.counts.cycles, cycles);
	opts.cycle_budget = cycles - 1;
	rs_model_run(m, lc.stream_va, (uint32_t)lc.stream.len, &lc.mem.ops, &opts, &res);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_BUDGET);
	ck_assert_uint_eq(res.counts.cycles, cycles - 1);
	layer_free(&lc);
	rs_model_destroy(m);
}
END_TEST

/*
 * What a firmware boot does to a device: new parameters between jobs.  A
 * slower link makes the same job take longer; parameters the model cannot
 * run are refused and leave it as it was.
 */
START_TEST(parameters_change_between_jobs)
{
	struct rs_model *m = rs_model_create(&hw);
	struct rs_hw_params slow = hw, bad = hw, big = hw;
	struct layer_case lc;
	struct rng r = { 5 };
	struct rs_model_result fast, res;
	int32_t *out1, *out2;
	size_t n;
	char err[256];

	memset(&lc, 0, sizeof(lc));
	lc.cv = layer_plane;
	lc.cv.in_channels = 4;
	lc.cv.out_channels = 8;
	lc.cv.kernel_h = lc.cv.kernel_w = 3;
	ck_assert_int_eq(accel_map_search(&hw, &lc.cv, &lc.in, &lc.out, NULL, NULL, &lc.map, NULL), 0);
	ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.2, 6), 0);
	ck_assert_msg(layer_place(&lc, &hw, err, sizeof(err)) == 0, "%s", err);
	n = layer_ofmap_count(&lc.cv);
	out1 = calloc(n, sizeof(*out1));
	out2 = calloc(n, sizeof(*out2));
	ck_assert_int_eq(layer_execute(m, &lc, &fast, out1), ROWSTAT_OK);
	slow.dram_bw /= 4;
	ck_assert_int_eq(rs_model_set_params(m, &slow), 0);
	ck_assert_int_eq(layer_execute(m, &lc, &res, out2), ROWSTAT_OK);
	ck_assert_uint_gt(res.counts.cycles, fast.counts.cycles);
	ck_assert_mem_eq(out1, out2, n * sizeof(*out1));
	bad.glb_bytes = 100;
	ck_assert_int_eq(rs_model_set_params(m, &bad), -1);
	ck_assert_int_eq(layer_execute(m, &lc, &fast, NULL), ROWSTAT_OK);
	ck_assert_uint_eq(fast.counts.cycles, res.counts.cycles);
	/* A larger GLB: the same results, from a fresh, zeroed buffer. */
	big.glb_bytes = 1 << 20;
	ck_assert_int_eq(rs_model_set_params(m, &big), 0);
	memset(out2, 0, n * sizeof(*out2));
	ck_assert_int_eq(layer_execute(m, &lc, &res, out2), ROWSTAT_OK);
	ck_assert_mem_eq(out1, out2, n * sizeof(*out1));
	free(out1);
	free(out2);
	layer_free(&lc);
	rs_model_destroy(m);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("jobs");
	TCase *tc = tcase_create("isolation-and-liveness");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, glb_contents_never_cross_jobs);
	tcase_add_test(tc, a_job_reruns_identically_whatever_ran_before);
	tcase_add_test(tc, a_cancel_stops_an_enormous_dma_within_a_line);
	tcase_add_test(tc, the_cycle_budget_stops_an_enormous_dma);
	tcase_add_test(tc, the_budget_is_exact_on_a_real_layer);
	tcase_add_test(tc, parameters_change_between_jobs);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
