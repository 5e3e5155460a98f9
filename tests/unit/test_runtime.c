// SPDX-License-Identifier: MIT
/*
 * libaccel's runtime: opening (the sim backend's firmware boot and its
 * failures), buffers (zeroed, distinct, exported and imported), jobs (bad
 * descriptions refused with a message naming the field, a faulting or
 * malformed job reported as an error on that job while the next one runs,
 * several in flight), and layers (exact against the reference convolution,
 * counted as the model counts, bad inputs named), tensors and
 * quantization.
 *
 * RS_TEST_BACKEND=kernel runs the same suite on rowstat.ko (the VM bench
 * does), and then also runs every layer on both backends and requires the
 * same bytes and the same counts from each.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rowstat/networks.h>
#include <rowstat/runtime.h>
#include <rowstat_accel.h>
#include <rs_model.h>

#include "check_main.h"
#include "fw_boot.h"
#include "layer_run.h"
#include "networks.h"
#include "random_case.h"
#include "ref_conv.h"

#define TEST_FIRMWARE "build/firmware/rowstat.fw"

static void setup(void)
{
	/* make check names the image; by hand, from the top of the tree. */
	setenv("ROWSTAT_FIRMWARE", TEST_FIRMWARE, 0);
	unsetenv("ROWSTAT_BACKEND");
}

/* The device's parameters once the test's firmware image has booted. */
static void booted_params(struct rs_hw_params *hw)
{
	ck_assert_int_eq(fw_booted_params(getenv("ROWSTAT_FIRMWARE"), hw), 0);
}

/* The backend under test: sim, or RS_TEST_BACKEND's. */
static const char *backend(void)
{
	const char *b = getenv("RS_TEST_BACKEND");

	return b && *b ? b : "sim";
}

static struct accel_device *open_spec(const char *spec)
{
	struct accel_device *dev = NULL;
	int ret = accel_device_open(spec, &dev);

	ck_assert_msg(ret == 0, "open %s: %d %s", spec, ret, accel_error());
	return dev;
}

static struct accel_device *open_dev(void)
{
	return open_spec(backend());
}

static void assert_error(int ret, int want, const char *needle)
{
	ck_assert_msg(ret == want, "returned %d, want %d (%s)", ret, want, accel_error());
	ck_assert_msg(strstr(accel_error(), needle), "message \"%s\" lacks \"%s\"", accel_error(),
		      needle);
}

START_TEST(open_boots_the_firmware)
{
	struct accel_device *dev = open_spec("sim");
	struct accel_device_info info;
	struct rs_hw_params bare, booted;

	accel_device_info(dev, &info);
	booted_params(&booted);
	ck_assert_int_eq(info.backend, ACCEL_BACKEND_SIM);
	ck_assert_str_eq(accel_backend_name(info.backend), "sim");
	ck_assert_str_eq(info.node, "sim");
	ck_assert_uint_ne(info.fw_version, 0);
	ck_assert_ptr_nonnull(strstr(info.fw_name, "rowstat.fw"));
	/* It reports what the driver's GET_PARAM would: the image's figures. */
	rs_hw_params_default(&bare);
	ck_assert_uint_eq(info.hw.array_rows, bare.array_rows);
	ck_assert_uint_eq(info.hw.glb_bytes, bare.glb_bytes);
	ck_assert_uint_eq(info.hw.dram_bw, booted.dram_bw);
	ck_assert_uint_eq(info.hw.energy[ROWSTAT_LEVEL_DRAM], booted.energy[ROWSTAT_LEVEL_DRAM]);
	ck_assert_uint_ne(booted.decode_cycles[ROWSTAT_OP_PASS], 0);
	ck_assert_int_eq(memcmp(info.hw.decode_cycles, booted.decode_cycles,
				sizeof(booted.decode_cycles)), 0);
	accel_device_close(dev);
}
END_TEST

/* The kernel's devices: none on a machine without rowstat.ko, one in the VM. */
START_TEST(devices_are_listed)
{
	struct accel_device_entry e[4];
	unsigned count = 99;

	assert_error(accel_device_list(e, 4, NULL), -EINVAL, "count is NULL");
	assert_error(accel_device_list(NULL, 4, &count), -EINVAL, "entries is NULL");
	ck_assert_int_eq(accel_device_list(e, 4, &count), 0);
	if (!strcmp(backend(), "sim")) {
		ck_assert_msg(count == 0 || access("/dev/accel", F_OK) == 0 ||
			      access("/dev/dri", F_OK) == 0, "%u devices without a node", count);
		return;
	}
	ck_assert_uint_ge(count, 1);
	ck_assert_ptr_nonnull(strstr(e[0].node, "/dev/"));
	ck_assert_uint_eq(strlen(e[0].pci_address), 12);
	ck_assert_uint_ne(e[0].vendor, 0);
	ck_assert_uint_ne(e[0].link_width, 0);
	/* The listed node opens as the kernel backend. */
	{
		struct accel_device *dev = open_spec(e[0].pci_address);
		struct accel_device_info info;

		accel_device_info(dev, &info);
		ck_assert_str_eq(info.node, e[0].node);
		accel_device_close(dev);
	}
}
END_TEST

START_TEST(open_refuses_what_it_cannot_open)
{
	struct accel_device *dev = (void *)1;
	char bad[] = "/tmp/rowstat-test-fw-XXXXXX";
	int fd;

	assert_error(accel_device_open("bogus", &dev), -ENODEV, "bogus");
	ck_assert_ptr_null(dev);
	assert_error(accel_device_open("sim", NULL), -EINVAL, "dev is NULL");
	setenv("ROWSTAT_FIRMWARE", "/nonexistent/rowstat.fw", 1);
	assert_error(accel_device_open("sim", &dev), -ENOENT, "/nonexistent/rowstat.fw");
	/* A corrupt image is refused as the device refuses it. */
	fd = mkstemp(bad);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "not a firmware image, only text", 31), 31);
	close(fd);
	setenv("ROWSTAT_FIRMWARE", bad, 1);
	assert_error(accel_device_open("sim", &dev), -ENOEXEC, "refused");
	unlink(bad);
	/* The environment picks the backend when the spec does not. */
	setenv("ROWSTAT_FIRMWARE", TEST_FIRMWARE, 1);
	setenv("ROWSTAT_BACKEND", "nothing-like-this", 1);
	assert_error(accel_device_open(NULL, &dev), -ENODEV, "nothing-like-this");
	setenv("ROWSTAT_BACKEND", "sim", 1);
	ck_assert_int_eq(accel_device_open(NULL, &dev), 0);
	accel_device_close(dev);
}
END_TEST

START_TEST(buffers_are_zeroed_distinct_and_shared)
{
	struct accel_device *dev = open_dev();
	struct accel_buffer *a, *b, *c;
	uint8_t *pa, *pc;
	int fd;

	assert_error(accel_buffer_alloc(dev, 0, &a), -EINVAL, "size 0");
	assert_error(accel_buffer_alloc(dev, (1ull << 32) + 1, &a), -EINVAL, "4294967297");
	assert_error(accel_buffer_alloc(NULL, 64, &a), -EINVAL, "dev is NULL");
	ck_assert_int_eq(accel_buffer_alloc(dev, 5000, &a), 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, 100, &b), 0);
	ck_assert_uint_eq(accel_buffer_size(a), 8192);
	ck_assert_uint_eq(accel_buffer_va(a) % 4096, 0);
	ck_assert_uint_ge(accel_buffer_va(b), accel_buffer_va(a) + accel_buffer_size(a));
	pa = accel_buffer_map(a);
	for (unsigned i = 0; i < 8192; i++)
		ck_assert_uint_eq(pa[i], 0);
	pa[4999] = 0x5a;
	/*
	 * Exported and imported: the same memory (at the same VA on the
	 * kernel, whose file already holds the object; at another on sim).
	 */
	ck_assert_int_eq(accel_buffer_export(a, &fd), 0);
	ck_assert_int_eq(accel_buffer_import(dev, fd, &c), 0);
	close(fd);
	ck_assert_uint_eq(accel_buffer_size(c), 8192);
	pc = accel_buffer_map(c);
	ck_assert_uint_eq(pc[4999], 0x5a);
	pc[7] = 0x11;
	ck_assert_uint_eq(pa[7], 0x11);
	assert_error(accel_buffer_import(dev, -1, &c), -EBADF, "fd -1");
	fd = open("/dev/null", O_RDONLY);
	assert_error(accel_buffer_import(dev, fd, &c), -EINVAL, "buffer import: fd");
	close(fd);
	/* The device outlives its opener's close while buffers remain. */
	accel_device_close(dev);
	ck_assert_uint_eq(pa[4999], 0x5a);
	accel_buffer_free(a);
	/* The import keeps the memory after the original goes. */
	ck_assert_uint_eq(pc[4999], 0x5a);
	accel_buffer_free(b);
	accel_buffer_free(c);
}
END_TEST

/* A stream of one DMA store from GLB address 0 to va, and END. */
static void dma_job(struct accel_device *dev, uint64_t va, struct accel_buffer **stream,
		    uint32_t *bytes)
{
	struct accel_stream s;

	layer_dma_stream(&s, ROWSTAT_DMA_STORE, va, 16, 1);
	ck_assert_int_eq(s.error, 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, s.len, stream), 0);
	memcpy(accel_buffer_map(*stream), s.buf, s.len);
	*bytes = (uint32_t)s.len;
	accel_stream_free(&s);
}

/* Submits on dev a job that stores into the first bytes of buf; *stream is its stream. */
static struct accel_job *store_job(struct accel_device *dev, struct accel_buffer *buf,
				   struct accel_buffer **stream)
{
	struct accel_job_desc d = { 0 };
	struct accel_job *job;
	uint32_t bytes;

	dma_job(dev, accel_buffer_va(buf), stream, &bytes);
	d.stream = *stream;
	d.stream_bytes = bytes;
	d.buffers = &buf;
	d.buffer_count = 1;
	ck_assert_int_eq(accel_job_submit(dev, &d, &job), 0);
	return job;
}

START_TEST(jobs_refuse_bad_descriptions)
{
	struct accel_device *dev = open_dev(), *other = open_dev();
	struct accel_buffer *stream, *foreign, *list[1];
	struct accel_job_desc d = { 0 };
	struct accel_job *job;
	uint32_t bytes;

	dma_job(dev, 0x100000, &stream, &bytes);
	ck_assert_int_eq(accel_buffer_alloc(other, 64, &foreign), 0);
	assert_error(accel_job_submit(dev, &d, &job), -EINVAL, "stream buffer is NULL");
	d.stream = stream;
	d.stream_bytes = 0;
	assert_error(accel_job_submit(dev, &d, &job), -EINVAL, "stream_bytes");
	d.stream_bytes = bytes;
	d.stream_offset = 4;
	assert_error(accel_job_submit(dev, &d, &job), -EINVAL, "multiples of 8");
	d.stream_offset = 4096;
	assert_error(accel_job_submit(dev, &d, &job), -EINVAL, "outside its 4096-byte buffer");
	d.stream_offset = 0;
	d.stream = foreign;
	assert_error(accel_job_submit(dev, &d, &job), -EINVAL, "another device");
	d.stream = stream;
	d.buffer_count = 1;
	assert_error(accel_job_submit(dev, &d, &job), -EINVAL, "buffers is NULL");
	list[0] = NULL;
	d.buffers = list;
	assert_error(accel_job_submit(dev, &d, &job), -EINVAL, "buffers[0] is NULL");
	list[0] = foreign;
	assert_error(accel_job_submit(dev, &d, &job), -EINVAL, "buffers[0] belongs to another");
	d.buffer_count = ROWSTAT_SUBMIT_MAX_BOS + 1;
	assert_error(accel_job_submit(dev, &d, &job), -EINVAL, "buffers, at most");
	d.buffer_count = 1;
	assert_error(accel_job_submit(dev, NULL, &job), -EINVAL, "desc is NULL");
	assert_error(accel_job_wait(NULL, 0, NULL), -EINVAL, "job is NULL");
	assert_error(accel_events_open(NULL), -EINVAL, "ev is NULL");
	assert_error(accel_events_next(NULL, 0, NULL), -EINVAL, "ev is NULL");
	ck_assert_int_eq(accel_events_fd(NULL), -1);
	accel_buffer_free(stream);
	accel_buffer_free(foreign);
	accel_device_close(dev);
	accel_device_close(other);
}
END_TEST

START_TEST(a_failed_job_is_an_error_and_the_next_runs)
{
	struct accel_device *dev = open_dev();
	struct accel_buffer *bad_stream, *good_stream, *target, *junk;
	struct accel_job_desc d = { 0 };
	struct accel_job_result res;
	struct accel_job *job;
	uint32_t bytes;

	/* A store to a VA no buffer holds faults. */
	dma_job(dev, 0x7f00000000ull, &bad_stream, &bytes);
	d.stream = bad_stream;
	d.stream_bytes = bytes;
	ck_assert_int_eq(accel_job_submit(dev, &d, &job), 0);
	assert_error(accel_job_wait(job, -1, &res), -EFAULT, "faulted on VA 0x7f00000000");
	ck_assert_int_eq(res.status, ROWSTAT_ERR_FAULT);
	ck_assert_uint_eq(res.fault_va, 0x7f00000000ull);
	accel_job_free(job);
	/* The device's context is guilty now, as the driver's is: a new one runs. */
	assert_error(accel_job_submit(dev, &d, &job), -ECANCELED, "open the device again");
	accel_buffer_free(bad_stream);
	accel_device_close(dev);
	dev = open_dev();
	/* A stream without END is refused before anything runs. */
	ck_assert_int_eq(accel_buffer_alloc(dev, 64, &junk), 0);
	memset(accel_buffer_map(junk), 0, 64);
	d.stream = junk;
	d.stream_bytes = 8;
	ck_assert_int_eq(accel_job_submit(dev, &d, &job), 0);
	assert_error(accel_job_wait(job, -1, &res), -EINVAL, "at stream offset 0");
	ck_assert_int_ne(res.status, ROWSTAT_OK);
	accel_job_free(job);
	/* The next job runs and writes its buffer. */
	ck_assert_int_eq(accel_buffer_alloc(dev, 4096, &target), 0);
	memset(accel_buffer_map(target), 0xee, 4096);
	job = store_job(dev, target, &good_stream);
	ck_assert_int_eq(accel_job_wait(job, -1, &res), 0);
	ck_assert_int_eq(res.status, ROWSTAT_OK);
	ck_assert_uint_gt(res.counts.cycles, 0);
	ck_assert_double_gt(res.latency_us, 0);
	/* A job's GLB starts zero: the store wrote zeros over the 0xee. */
	ck_assert_uint_eq(((uint8_t *)accel_buffer_map(target))[0], 0);
	ck_assert_uint_eq(((uint8_t *)accel_buffer_map(target))[31], 0);
	ck_assert_uint_eq(((uint8_t *)accel_buffer_map(target))[32], 0xee);
	accel_job_free(job);
	accel_buffer_free(good_stream);
	accel_buffer_free(target);
	accel_buffer_free(junk);
	accel_device_close(dev);
}
END_TEST

/*
 * A read-only buffer: the host writes it, and a job that stores into it
 * faults and leaves it as it was, on both backends, as the driver's
 * read-only pages.  Jobs read them: a network's weights are uploaded into
 * read-only buffers (a_network_runs_exactly).
 */
START_TEST(a_read_only_buffer_takes_no_store)
{
	struct accel_device *dev = open_dev();
	struct accel_buffer *ro, *stream;
	struct accel_job_result res;
	struct accel_job *job;
	char want[64];

	assert_error(accel_buffer_alloc_read_only(NULL, 64, &ro), -EINVAL,
		     "accel_buffer_alloc_read_only: dev is NULL");
	assert_error(accel_buffer_alloc_read_only(dev, 64, NULL), -EINVAL, "buf is NULL");
	assert_error(accel_buffer_alloc_read_only(dev, 0, &ro), -EINVAL, "buffer size 0");
	ck_assert_int_eq(accel_buffer_alloc_read_only(dev, 4096, &ro), 0);
	memset(accel_buffer_map(ro), 0xee, 4096);
	job = store_job(dev, ro, &stream);
	snprintf(want, sizeof(want), "faulted on VA 0x%llx",
		 (unsigned long long)accel_buffer_va(ro));
	assert_error(accel_job_wait(job, -1, &res), -EFAULT, want);
	ck_assert_int_eq(res.status, ROWSTAT_ERR_FAULT);
	ck_assert_uint_eq(res.fault_va, accel_buffer_va(ro));
	for (unsigned i = 0; i < 4096; i++)
		ck_assert_uint_eq(((uint8_t *)accel_buffer_map(ro))[i], 0xee);
	accel_job_free(job);
	accel_buffer_free(stream);
	accel_buffer_free(ro);
	accel_device_close(dev);
}
END_TEST

/*
 * A read-only buffer imported elsewhere stays read-only, and a writable
 * one stays writable: on sim the memfd carries the mark (it once did not).
 */
START_TEST(an_import_keeps_read_only)
{
	struct accel_device *dev = open_dev(), *other = open_dev();

	for (int read_only = 0; read_only < 2; read_only++) {
		struct accel_buffer *orig, *imported, *stream;
		struct accel_job_result res;
		struct accel_job *job;
		int fd;

		ck_assert_int_eq(read_only ? accel_buffer_alloc_read_only(dev, 4096, &orig) :
				 accel_buffer_alloc(dev, 4096, &orig), 0);
		memset(accel_buffer_map(orig), 0xee, 4096);
		ck_assert_int_eq(accel_buffer_export(orig, &fd), 0);
		ck_assert_int_eq(accel_buffer_import(other, fd, &imported), 0);
		close(fd);
		job = store_job(other, imported, &stream);
		if (read_only) {
			assert_error(accel_job_wait(job, -1, &res), -EFAULT, "faulted on VA");
			ck_assert_uint_eq(res.fault_va, accel_buffer_va(imported));
			ck_assert_uint_eq(((uint8_t *)accel_buffer_map(orig))[0], 0xee);
		} else {
			ck_assert_int_eq(accel_job_wait(job, -1, &res), 0);
			ck_assert_int_eq(res.status, ROWSTAT_OK);
			ck_assert_uint_ne(((uint8_t *)accel_buffer_map(orig))[0], 0xee);
		}
		accel_job_free(job);
		accel_buffer_free(stream);
		accel_buffer_free(imported);
		accel_buffer_free(orig);
	}
	accel_device_close(other);
	accel_device_close(dev);
}
END_TEST

/* A layer on fresh buffers of dev, with data from seed. */
struct run_case {
	struct layer_case lc;
	struct accel_layer layer;
};

static void case_make(struct accel_device *dev, struct run_case *rc, uint64_t seed,
		      bool rlc)
{
	struct accel_conv *cv = &rc->lc.cv;
	struct rng r = { seed };
	struct accel_layer *l = &rc->layer;

	memset(rc, 0, sizeof(*rc));
	random_conv(&r, 1, cv, &rc->lc.in, &rc->lc.out);
	if (!rlc)
		memset(&rc->lc.in, 0, sizeof(rc->lc.in)), memset(&rc->lc.out, 0,
								  sizeof(rc->lc.out));
	ck_assert_int_eq(layer_alloc_data(&rc->lc, &r, 0.3, 0), 0);
	l->name = "random";
	l->cv = *cv;
	l->in = rc->lc.in;
	l->out = rc->lc.out;
	ck_assert_int_eq(accel_buffer_alloc(dev, accel_layer_ifmap_bytes(l), &l->ifmap), 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, accel_layer_filter_bytes(l), &l->filters), 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, accel_layer_ofmap_bytes(l), &l->ofmap), 0);
	if (cv->bias) {
		ck_assert_int_eq(accel_buffer_alloc(dev, 4ull * cv->out_channels, &l->bias), 0);
		memcpy(accel_buffer_map(l->bias), rc->lc.bias, 4ull * cv->out_channels);
	}
	ck_assert_int_eq(accel_tensor_encode(accel_buffer_map(l->ifmap), rc->lc.ifmap,
					     cv->batch, cv->in_channels, cv->in_height,
					     cv->in_width, cv->ifmap_prec, &l->in), 0);
	accel_values_pack(accel_buffer_map(l->filters), rc->lc.filters,
			  accel_layer_filter_bytes(l) / rs_hw_prec_bytes(cv->filter_prec),
			  cv->filter_prec);
}

static void case_free(struct run_case *rc)
{
	accel_buffer_free(rc->layer.ifmap);
	accel_buffer_free(rc->layer.filters);
	accel_buffer_free(rc->layer.bias);
	accel_buffer_free(rc->layer.ofmap);
	layer_free(&rc->lc);
}

/* The ofmap against the reference; returns mismatches. */
static size_t case_compare(const struct run_case *rc)
{
	const struct accel_conv *cv = &rc->layer.cv;
	size_t n = layer_ofmap_count(cv), bad = 0;
	int16_t *got = calloc(n, sizeof(*got));
	int32_t *want = calloc(n, sizeof(*want));

	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_nonnull(want);
	ck_assert_int_eq(accel_tensor_decode(got, accel_buffer_map(rc->layer.ofmap), cv->batch,
					     cv->out_channels, accel_conv_out_height(cv),
					     accel_conv_out_width(cv), cv->ofmap_prec,
					     &rc->layer.out), 0);
	ref_conv(cv, rc->lc.ifmap, rc->lc.filters, rc->lc.bias, want);
	for (size_t i = 0; i < n; i++)
		bad += got[i] != want[i];
	free(got);
	free(want);
	return bad;
}

START_TEST(layers_run_exactly_and_count_as_the_model)
{
	struct accel_device *dev = open_dev();
	struct accel_device_info info;
	struct rs_hw_params booted;
	struct rs_model *model;
	unsigned layers = test_quick() ? 6 : 24;

	accel_device_info(dev, &info);
	booted_params(&booted);
	/* The device runs with the firmware's decode costs. */
	model = rs_model_create(&booted);
	ck_assert_ptr_nonnull(model);
	for (unsigned i = 0; i < layers; i++) {
		struct run_case rc;
		struct accel_layer_result res;
		struct rs_model_result direct;
		char err[256];
		int ret;

		case_make(dev, &rc, 4100 + i, i % 2);
		ret = accel_layer_run(dev, &rc.layer, &res);
		ck_assert_msg(ret == 0, "seed %u: %d %s", 4100 + i, ret, accel_error());
		ck_assert_int_eq(res.job.status, ROWSTAT_OK);
		ck_assert_msg(case_compare(&rc) == 0, "seed %u: ofmap differs from the reference",
			      4100 + i);
		ck_assert_uint_eq(res.job.counts.macs, accel_conv_macs(&rc.layer.cv));
		ck_assert_uint_eq(res.job.energy, rs_hw_counters_energy_total(&res.job.counts));
		/* The same mapping run straight on a booted model counts the same. */
		rc.lc.map = res.map;
		ck_assert_int_eq(layer_place(&rc.lc, &info.hw, err, sizeof(err)), 0);
		ck_assert_int_eq(layer_execute(model, &rc.lc, &direct, NULL), ROWSTAT_OK);
		ck_assert_uint_eq(res.job.counts.cycles, direct.counts.cycles);
		ck_assert_uint_eq(rs_hw_counters_energy_total(&direct.counts), res.job.energy);
		ck_assert_uint_eq(res.job.counts.passes, direct.counts.passes);
		case_free(&rc);
	}
	rs_model_destroy(model);
	accel_device_close(dev);
}
END_TEST

START_TEST(several_layers_in_flight)
{
	struct accel_device *dev = open_dev();
	struct run_case rc[4];
	struct accel_job *job[4];

	for (unsigned i = 0; i < 4; i++) {
		case_make(dev, &rc[i], 5200 + i, false);
		ck_assert_int_eq(accel_layer_submit(dev, &rc[i].layer, &job[i]), 0);
	}
	/* Waited for in reverse: each ends in its own time. */
	for (unsigned i = 4; i-- > 0;) {
		struct accel_job_result res;
		struct accel_mapping map;

		ck_assert_int_eq(accel_job_wait(job[i], -1, &res), 0);
		ck_assert_int_eq(accel_layer_job_info(job[i], &map, NULL), 0);
		ck_assert_uint_gt(map.set_rows, 0);
		ck_assert_uint_eq(case_compare(&rc[i]), 0);
		accel_job_free(job[i]);
		case_free(&rc[i]);
	}
	accel_device_close(dev);
}
END_TEST

/*
 * A job queued behind a long layer has not ended when waited for with no
 * time: -ETIME, and it runs on to end well.  The device runs jobs in
 * order, and AlexNet's CONV2 takes the model tens of milliseconds.
 */
START_TEST(a_wait_times_out_and_the_job_runs_on)
{
	struct accel_device *dev = open_dev();
	struct accel_network_layer *nl = calloc(ACCEL_NETWORK_MAX_LAYERS, sizeof(*nl));
	struct accel_layer big = { 0 };
	struct accel_buffer *stream;
	struct accel_job_desc d = { 0 };
	struct accel_job *first, *second;
	struct accel_job_result res;
	unsigned count;
	uint32_t bytes;

	ck_assert_ptr_nonnull(nl);
	ck_assert_int_eq(accel_network_layers("alexnet", 1, nl, ACCEL_NETWORK_MAX_LAYERS,
					      &count), 0);
	big.name = nl[1].name;
	big.cv = nl[1].cv;
	ck_assert_int_eq(accel_buffer_alloc(dev, accel_layer_ifmap_bytes(&big), &big.ifmap), 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, accel_layer_filter_bytes(&big), &big.filters),
			 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, 4ull * big.cv.out_channels, &big.bias), 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, accel_layer_ofmap_bytes(&big), &big.ofmap), 0);
	/* Compiled first, so that the submit returns at once. */
	ck_assert_int_eq(accel_layers_prepare(dev, &big, 1), 0);
	dma_job(dev, 0x100000, &stream, &bytes);
	d.stream = stream;
	d.stream_bytes = bytes;
	ck_assert_int_eq(accel_layer_submit(dev, &big, &first), 0);
	ck_assert_int_eq(accel_job_submit(dev, &d, &second), 0);
	assert_error(accel_job_wait(second, 0, &res), -ETIME, "still running after 0 ms");
	ck_assert_int_eq(accel_job_wait(second, -1, &res), 0);
	ck_assert_int_eq(res.status, ROWSTAT_OK);
	ck_assert_int_eq(accel_job_wait(first, -1, &res), 0);
	ck_assert_uint_eq(res.counts.macs, accel_conv_macs(&big.cv));
	accel_job_free(first);
	accel_job_free(second);
	accel_buffer_free(stream);
	accel_buffer_free(big.ifmap);
	accel_buffer_free(big.filters);
	accel_buffer_free(big.bias);
	accel_buffer_free(big.ofmap);
	free(nl);
	accel_device_close(dev);
}
END_TEST

/*
 * On a device that hangs its RS_TEST_HANG_JOB-th job (the VM bench's
 * fault-hang-job): that job fails as hung, its file is guilty, and a new
 * open runs the next layer exactly.
 */
START_TEST(a_hung_job_is_an_error_and_the_next_runs)
{
	unsigned hang = (unsigned)atoi(getenv("RS_TEST_HANG_JOB"));
	struct accel_device *dev = open_dev();
	struct accel_layer_result res;
	struct run_case rc;

	for (unsigned i = 1; i <= hang; i++) {
		int ret;

		case_make(dev, &rc, 9300 + i, false);
		ret = accel_layer_run(dev, &rc.layer, &res);
		if (i < hang) {
			ck_assert_msg(ret == 0, "job %u: %s", i, accel_error());
			ck_assert_uint_eq(case_compare(&rc), 0);
		} else {
			assert_error(ret, -ETIMEDOUT, "it hung and the device was reset");
			ck_assert_int_eq(res.job.status, ROWSTAT_ERR_CANCELLED);
			assert_error(accel_layer_run(dev, &rc.layer, &res), -ECANCELED,
				     "open the device again");
		}
		case_free(&rc);
	}
	accel_device_close(dev);
	dev = open_dev();
	case_make(dev, &rc, 9399, true);
	ck_assert_int_eq(accel_layer_run(dev, &rc.layer, &res), 0);
	ck_assert_uint_eq(case_compare(&rc), 0);
	case_free(&rc);
	accel_device_close(dev);
}
END_TEST

/*
 * On a device whose firmware crashes after its RS_TEST_FW_CRASH_JOB-th job
 * (the VM bench's fault-fw-crash-job): the jobs before it are exact, the
 * firmware reporter tells listeners, and after the driver's reset the
 * same open device runs exactly again.  No job is to blame, so none is
 * guilty: a job the reset cut short (-ECANCELED) is the only error.
 */
START_TEST(a_firmware_crash_is_reported_and_the_device_comes_back)
{
	unsigned crash = (unsigned)atoi(getenv("RS_TEST_FW_CRASH_JOB")), exact = 0, cut = 0;
	struct accel_device *dev = open_dev();
	struct accel_layer_result res;
	struct accel_events *ev;
	struct accel_event e = { 0 };
	struct run_case rc;

	ck_assert_msg(accel_events_open(&ev) == 0, "%s", accel_error());
	for (unsigned i = 1; i <= crash; i++) {
		case_make(dev, &rc, 9500 + i, i % 2);
		ck_assert_msg(accel_layer_run(dev, &rc.layer, &res) == 0, "job %u: %s", i,
			      accel_error());
		ck_assert_uint_eq(case_compare(&rc), 0);
		case_free(&rc);
	}
	do
		ck_assert_msg(accel_events_next(ev, 30000, &e) == 0, "no firmware event: %s",
			      accel_error());
	while (e.kind != ACCEL_EVENT_HEALTH || strcmp(e.reporter, "firmware"));
	ck_assert_uint_ge(e.errors, 1);
	accel_events_close(ev);
	for (unsigned i = 0; exact < 3; i++) {
		int ret;

		ck_assert_uint_lt(i, 6);
		case_make(dev, &rc, 9600 + i, i % 2);
		ret = accel_layer_run(dev, &rc.layer, &res);
		if (ret) {
			/* Submitted while the reset was under way. */
			assert_error(ret, -ECANCELED, "");
			ck_assert_uint_eq(exact, 0);
			cut++;
		} else {
			ck_assert_uint_eq(case_compare(&rc), 0);
			exact++;
		}
		case_free(&rc);
	}
	ck_assert_uint_le(cut, 2);
	accel_device_close(dev);
}
END_TEST

START_TEST(layers_refuse_bad_inputs_by_name)
{
	struct accel_device *dev = open_dev();
	struct accel_layer_result res;
	struct run_case rc;
	struct accel_buffer *keep, *small;

	case_make(dev, &rc, 6100, false);
	rc.layer.name = "conv7";
	rc.layer.cv.kernel_h = 0;
	assert_error(accel_layer_run(dev, &rc.layer, &res), -EINVAL, "layer conv7: ");
	rc.layer.cv = rc.lc.cv;
	keep = rc.layer.ifmap;
	rc.layer.ifmap = NULL;
	assert_error(accel_layer_run(dev, &rc.layer, &res), -EINVAL, "conv7: ifmap buffer is NULL");
	ck_assert_int_eq(accel_buffer_alloc(dev, 64, &small), 0);
	rc.layer.ifmap = accel_layer_ifmap_bytes(&rc.layer) > 4096 ? small : keep;
	rc.layer.ifmap_offset = accel_buffer_size(rc.layer.ifmap);
	assert_error(accel_layer_run(dev, &rc.layer, &res), -EINVAL, "conv7: ifmap needs");
	rc.layer.ifmap = keep;
	rc.layer.ifmap_offset = 0;
	rc.layer.ofmap_offset = 1ull << 40;
	assert_error(accel_layer_run(dev, &rc.layer, &res), -EINVAL, "conv7: ofmap needs");
	rc.layer.ofmap_offset = 0;
	assert_error(accel_layer_run(dev, NULL, &res), -EINVAL, "layer is NULL");
	assert_error(accel_layer_run(dev, &rc.layer, NULL), -EINVAL, "res is NULL");
	ck_assert_int_eq(accel_layer_run(dev, &rc.layer, &res), 0);
	accel_buffer_free(small);
	case_free(&rc);
	accel_device_close(dev);
}
END_TEST

/* Every byte of the ofmap and every count, on sim and on the kernel. */
START_TEST(both_backends_give_the_same_bytes_and_counts)
{
	struct accel_device *sim = open_spec("sim"), *dev = open_dev();
	struct accel_device_info a, b;
	unsigned layers = test_quick() ? 4 : 12;

	accel_device_info(sim, &a);
	accel_device_info(dev, &b);
	ck_assert_int_eq(b.backend, ACCEL_BACKEND_KERNEL);
	ck_assert_int_eq(memcmp(&a.hw, &b.hw, sizeof(a.hw)), 0);
	ck_assert_str_eq(b.fw_name, "rowstat/rowstat.fw");
	ck_assert_uint_eq(a.fw_version, b.fw_version);
	ck_assert_uint_eq(a.hw_version, b.hw_version);
	for (unsigned i = 0; i < layers; i++) {
		struct run_case x, y;
		struct accel_layer_result rx, ry;

		case_make(sim, &x, 7300 + i, i % 2);
		case_make(dev, &y, 7300 + i, i % 2);
		ck_assert_int_eq(accel_layer_run(sim, &x.layer, &rx), 0);
		ck_assert_msg(accel_layer_run(dev, &y.layer, &ry) == 0, "%s", accel_error());
		ck_assert_int_eq(memcmp(&rx.map, &ry.map, sizeof(rx.map)), 0);
		ck_assert_int_eq(memcmp(accel_buffer_map(x.layer.ofmap),
					accel_buffer_map(y.layer.ofmap),
					accel_layer_ofmap_bytes(&x.layer)), 0);
		ck_assert_int_eq(memcmp(&rx.job.counts, &ry.job.counts, sizeof(rx.job.counts)), 0);
		ck_assert_uint_eq(case_compare(&y), 0);
		case_free(&x);
		case_free(&y);
	}
	accel_device_close(sim);
	accel_device_close(dev);
}
END_TEST

/* Every call with a missing argument: its errno and a message naming it. */
START_TEST(every_call_names_a_missing_argument)
{
	struct accel_device *dev = open_dev();
	struct accel_buffer *buf, *stream;
	struct accel_layer_result lres;
	struct accel_network_result nres;
	struct accel_job_desc d = { 0 };
	struct accel_layer l = { 0 };
	struct accel_job *job;
	struct accel_network *net;
	struct accel_step step = { .kind = ACCEL_STEP_FLATTEN };
	int fd;
	int16_t v[4] = { 0 };
	uint32_t bytes;

	assert_error(accel_buffer_alloc(dev, 64, NULL), -EINVAL, "buf is NULL");
	assert_error(accel_buffer_import(NULL, 0, &buf), -EINVAL, "dev is NULL");
	assert_error(accel_buffer_import(dev, 0, NULL), -EINVAL, "buf is NULL");
	assert_error(accel_buffer_export(NULL, &fd), -EINVAL, "buf is NULL");
	ck_assert_int_eq(accel_buffer_alloc(dev, 64, &buf), 0);
	assert_error(accel_buffer_export(buf, NULL), -EINVAL, "fd is NULL");
	ck_assert_ptr_null(accel_buffer_map(NULL));
	ck_assert_uint_eq(accel_buffer_size(NULL), 0);
	ck_assert_uint_eq(accel_buffer_va(NULL), 0);
	assert_error(accel_job_submit(NULL, &d, &job), -EINVAL, "dev is NULL");
	assert_error(accel_job_submit(dev, &d, NULL), -EINVAL, "job is NULL");
	assert_error(accel_layer_submit(NULL, &l, &job), -EINVAL, "dev is NULL");
	assert_error(accel_layer_submit(dev, &l, NULL), -EINVAL, "job is NULL");
	assert_error(accel_layer_job_info(NULL, NULL, NULL), -EINVAL, "job is NULL");
	/* A plain job is no layer's. */
	dma_job(dev, accel_buffer_va(buf), &stream, &bytes);
	d.stream = stream;
	d.stream_bytes = bytes;
	d.buffers = &buf;
	d.buffer_count = 1;
	ck_assert_int_eq(accel_job_submit(dev, &d, &job), 0);
	ck_assert_int_eq(accel_job_wait(job, -1, NULL), 0);
	assert_error(accel_layer_job_info(job, NULL, NULL), -EINVAL, "not a layer's job");
	accel_job_free(job);
	assert_error(accel_layer_run(NULL, &l, &lres), -EINVAL, "dev is NULL");
	assert_error(accel_network_create(NULL, &step, 1, 1, 1, 1, 1, &net), -EINVAL,
		     "dev is NULL");
	assert_error(accel_network_create(dev, NULL, 1, 1, 1, 1, 1, &net), -EINVAL,
		     "steps is NULL");
	assert_error(accel_network_create(dev, &step, 1, 1, 1, 1, 1, NULL), -EINVAL,
		     "net is NULL");
	assert_error(accel_network_create(dev, &step, 1, 1, 0, 1, 1, &net), -EINVAL,
		     "input 1x0x1x1 is empty");
	ck_assert_int_eq(accel_network_create(dev, &step, 1, 1, 4, 1, 1, &net), 0);
	assert_error(accel_network_run(NULL, v, v, &nres), -EINVAL, "net is NULL");
	assert_error(accel_network_run(net, NULL, v, &nres), -EINVAL, "input is NULL");
	assert_error(accel_network_run(net, v, NULL, &nres), -EINVAL, "output is NULL");
	assert_error(accel_network_run(net, v, v, NULL), -EINVAL, "res is NULL");
	ck_assert_int_eq(accel_network_run(net, v, v, &nres), 0);
	accel_network_free(net);
	accel_network_free(NULL);
	accel_job_free(NULL);
	accel_buffer_free(NULL);
	accel_device_close(NULL);
	accel_buffer_free(stream);
	accel_buffer_free(buf);
	accel_device_close(dev);
}
END_TEST

START_TEST(quantize_rounds_and_saturates)
{
	const float x[] = { 0.26f, -0.26f, 0.24f, 1000.0f, -1000.0f, NAN, 0.0f, -0.25f };
	int16_t q8[8], q16[8];
	float back[8];

	accel_quantize(q8, x, 8, 0.5f, ROWSTAT_PREC_INT8);
	ck_assert_int_eq(q8[0], 1);
	ck_assert_int_eq(q8[1], -1);
	ck_assert_int_eq(q8[2], 0);
	ck_assert_int_eq(q8[3], 127);
	ck_assert_int_eq(q8[4], -128);
	ck_assert_int_eq(q8[5], 0);
	ck_assert_int_eq(q8[6], 0);
	ck_assert_int_eq(q8[7], -1);	/* half away from zero */
	accel_quantize(q16, x, 8, 1.0f / 64, ROWSTAT_PREC_Q16);
	ck_assert_int_eq(q16[0], 17);
	ck_assert_int_eq(q16[3], 32767);
	ck_assert_int_eq(q16[4], -32768);
	accel_dequantize(back, q16, 8, 1.0f / 64);
	ck_assert_float_eq_tol(back[0], 0.265625f, 1e-6f);
	ck_assert_float_eq_tol(back[3], 32767.0f / 64, 1e-3f);
}
END_TEST

START_TEST(tensors_encode_and_decode)
{
	const unsigned n = 2, c = 3, h = 5, w = 7;
	int16_t vals[2 * 3 * 5 * 7], back[2 * 3 * 5 * 7];
	struct rng r = { 77 };
	uint8_t *buf;

	for (unsigned i = 0; i < n * c * h * w; i++)
		vals[i] = rng_range(&r, 0, 3) ? 0 : (int16_t)rng_range(&r, 0, 65535);
	for (unsigned k = 0; k < 3; k++) {
		struct accel_tensor fmt = { .rlc = k > 0, .seg_rows = k == 1 ? 1 : h };
		uint64_t bytes = accel_tensor_bytes(n, c, h, w, 2, &fmt);

		buf = calloc(1, bytes);
		ck_assert_int_eq(accel_tensor_encode(buf, vals, n, c, h, w, ROWSTAT_PREC_Q16, &fmt), 0);
		memset(back, 0, sizeof(back));
		ck_assert_int_eq(accel_tensor_decode(back, buf, n, c, h, w, ROWSTAT_PREC_Q16, &fmt), 0);
		ck_assert_int_eq(memcmp(vals, back, sizeof(vals)), 0);
		if (fmt.rlc) {
			memset(buf, 0xff, bytes);
			assert_error(accel_tensor_decode(back, buf, n, c, h, w, ROWSTAT_PREC_Q16,
							 &fmt), -EINVAL, "RLC segment (0, 0, row 0)");
		}
		free(buf);
	}
	{
		struct accel_tensor odd = { .rlc = true, .seg_rows = 2 };

		assert_error(accel_tensor_encode(back, vals, n, c, h, w, ROWSTAT_PREC_Q16, &odd),
			     -EINVAL, "seg_rows 2");
	}
}
END_TEST

/* ---- networks ---- */

static struct accel_conv net_conv(unsigned n, unsigned c, unsigned hw, unsigned m, unsigned k,
				  unsigned pad, bool relu)
{
	struct accel_conv cv = {
		.batch = n, .in_channels = c, .in_height = hw, .in_width = hw,
		.out_channels = m, .kernel_h = k, .kernel_w = k, .groups = 1,
		.stride_h = 1, .stride_w = 1, .pad_top = pad, .pad_bottom = pad,
		.pad_left = pad, .pad_right = pad, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.relu = relu, .bias = true, .requant_mult = 3, .requant_shift = 9,
	};

	return cv;
}

static void fill(struct rng *r, int16_t *v, size_t n, unsigned span)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (int16_t)rng_range(r, 0, 2 * span) - (int16_t)span;
}

/* The test's own host steps, and the layers through the reference. */
static void host_layer(const struct accel_conv *cv, const int16_t *in, const int16_t *f,
		       const int32_t *b, int16_t *out)
{
	size_t n = layer_ofmap_count(cv);
	int32_t *acc = malloc(n * sizeof(*acc));

	ref_conv(cv, in, f, b, acc);
	for (size_t i = 0; i < n; i++)
		out[i] = (int16_t)acc[i];
	free(acc);
}

static void host_maxpool2(const int16_t *in, unsigned planes, unsigned hw, int16_t *out)
{
	for (unsigned p = 0; p < planes; p++)
		for (unsigned y = 0; y < hw / 2; y++)
			for (unsigned x = 0; x < hw / 2; x++) {
				const int16_t *a = in + ((size_t)p * hw + 2 * y) * hw + 2 * x;
				int16_t m = a[0];

				m = a[1] > m ? a[1] : m;
				m = a[hw] > m ? a[hw] : m;
				m = a[hw + 1] > m ? a[hw + 1] : m;
				out[((size_t)p * (hw / 2) + y) * (hw / 2) + x] = m;
			}
}

/*
 * conv -> maxpool -> keep -> conv -> add+ReLU -> global avgpool -> flatten
 * -> fc, with weights from seed, and what the test's own host code (through
 * the reference convolution) makes of input.
 */
enum { NN = 2, NC = 3, NHW = 12, NM = 8, NCLASSES = 10, NSTEPS = 8 };

struct net_case {
	int16_t in[NN * NC * NHW * NHW], f1[NM * NC * 9], f2[NM * NM * 9], f3[NCLASSES * NM];
	int32_t b1[NM], b2[NM], b3[NCLASSES];
	struct accel_step steps[NSTEPS];
	int16_t want[NN * NCLASSES];
};

static void net_case_make(struct net_case *nc, uint64_t seed)
{
	static int16_t a1[NN * NM * NHW * NHW], a2[NN * NM * 36], a3[NN * NM * 36];
	struct rng r = { seed };
	struct accel_step *st = nc->steps;
	int16_t pooled[NN * NM];

	fill(&r, nc->in, sizeof(nc->in) / 2, 100);
	fill(&r, nc->f1, sizeof(nc->f1) / 2, 60);
	fill(&r, nc->f2, sizeof(nc->f2) / 2, 60);
	fill(&r, nc->f3, sizeof(nc->f3) / 2, 60);
	for (unsigned i = 0; i < NM; i++) {
		nc->b1[i] = (int32_t)rng_range(&r, 0, 2000) - 1000;
		nc->b2[i] = nc->b1[i] / 2;
	}
	for (unsigned i = 0; i < NCLASSES; i++)
		nc->b3[i] = (int32_t)i * 100;
	memset(st, 0, sizeof(nc->steps));
	st[0] = (struct accel_step){ .kind = ACCEL_STEP_LAYER, .name = "conv1",
		.cv = net_conv(NN, NC, NHW, NM, 3, 1, true), .filters = nc->f1, .bias = nc->b1 };
	st[1] = (struct accel_step){ .kind = ACCEL_STEP_MAXPOOL, .k = 2, .stride = 2 };
	st[2] = (struct accel_step){ .kind = ACCEL_STEP_KEEP };
	st[3] = (struct accel_step){ .kind = ACCEL_STEP_LAYER, .name = "conv2",
		.cv = net_conv(NN, NM, 6, NM, 3, 1, false), .filters = nc->f2, .bias = nc->b2 };
	st[4] = (struct accel_step){ .kind = ACCEL_STEP_ADD, .relu = true };
	st[5] = (struct accel_step){ .kind = ACCEL_STEP_AVGPOOL, .k = 6, .stride = 6 };
	st[6] = (struct accel_step){ .kind = ACCEL_STEP_FLATTEN };
	st[7] = (struct accel_step){ .kind = ACCEL_STEP_LAYER, .name = "fc",
		.cv = net_conv(NN, NM, 1, NCLASSES, 1, 0, false), .filters = nc->f3,
		.bias = nc->b3 };
	host_layer(&st[0].cv, nc->in, nc->f1, nc->b1, a1);
	host_maxpool2(a1, NN * NM, NHW, a2);
	host_layer(&st[3].cv, a2, nc->f2, nc->b2, a3);
	for (unsigned i = 0; i < NN * NM * 36; i++) {
		long v = (long)a3[i] + a2[i];

		a3[i] = (int16_t)(v < 0 ? 0 : v > 32767 ? 32767 : v);
	}
	for (unsigned p = 0; p < NN * NM; p++) {
		long sum = 0;

		for (unsigned k = 0; k < 36; k++)
			sum += a3[p * 36 + k];
		pooled[p] = (int16_t)((sum + 18) / 36);	/* non-negative after ReLU */
	}
	host_layer(&st[7].cv, pooled, nc->f3, nc->b3, nc->want);
}

/* Creates and runs the case's network on dev; true if the output is the host's. */
static bool net_case_run(struct accel_device *dev, struct net_case *nc,
			 struct accel_network_result *res)
{
	struct accel_network *net;
	int16_t got[NN * NCLASSES];
	bool same;

	if (accel_network_create(dev, nc->steps, NSTEPS, NN, NC, NHW, NHW, &net))
		return false;
	same = !accel_network_run(net, nc->in, got, res) && !memcmp(got, nc->want, sizeof(got));
	accel_network_free(net);
	return same;
}

/*
 * Layers compiled ahead, repeats among them, are searched once each; their
 * runs then hit the device's cache and are exact.  Errors name the layer.
 */
START_TEST(layers_are_prepared_once_per_shape)
{
	struct accel_device *dev = open_dev();
	struct accel_map_cache_stats before, st;
	struct accel_layer_result res;
	struct run_case rc[4];
	struct accel_layer layers[6], big = { .name = "big" };

	for (unsigned i = 0; i < 4; i++) {
		case_make(dev, &rc[i], 6300 + i, i % 2);
		layers[i] = rc[i].layer;
	}
	layers[4] = rc[0].layer;
	layers[5] = rc[3].layer;
	accel_device_map_stats(dev, &before);
	ck_assert_msg(accel_layers_prepare(dev, layers, 6) == 0, "%s", accel_error());
	accel_device_map_stats(dev, &st);
	ck_assert_uint_eq(st.misses, before.misses + 4);
	ck_assert_uint_eq(st.hits, before.hits);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_msg(accel_layer_run(dev, &rc[i].layer, &res) == 0, "%s", accel_error());
		ck_assert_uint_eq(case_compare(&rc[i]), 0);
	}
	accel_device_map_stats(dev, &st);
	ck_assert_uint_eq(st.misses, before.misses + 4);
	ck_assert_uint_eq(st.hits, before.hits + 4);

	assert_error(accel_layers_prepare(NULL, layers, 1), -EINVAL, "dev is NULL");
	assert_error(accel_layers_prepare(dev, NULL, 1), -EINVAL, "layers is NULL");
	ck_assert_int_eq(accel_layers_prepare(dev, NULL, 0), 0);
	layers[2].name = "conv9";
	layers[2].cv.kernel_h = 0;
	assert_error(accel_layers_prepare(dev, layers, 6), -EINVAL, "layer conv9: ");
	/* An RLC-plane ifmap loads whole 512x512 planes: no GLB holds one. */
	big.cv = rc[0].layer.cv;
	big.cv.batch = big.cv.in_channels = big.cv.out_channels = big.cv.groups = 1;
	big.cv.in_height = big.cv.in_width = 512;
	big.cv.kernel_h = big.cv.kernel_w = big.cv.stride_h = big.cv.stride_w = 1;
	big.cv.pad_top = big.cv.pad_bottom = big.cv.pad_left = big.cv.pad_right = 0;
	big.in = (struct accel_tensor){ .rlc = true, .seg_rows = 512 };
	layers[2] = big;
	assert_error(accel_layers_prepare(dev, layers, 6), -ENOSPC,
		     "layer big: no mapping fits this device's");
	for (unsigned i = 0; i < 4; i++)
		case_free(&rc[i]);
	accel_device_map_stats(NULL, &st);
	ck_assert_uint_eq(st.misses + st.hits + st.entries + st.capacity, 0);
	accel_device_close(dev);
}
END_TEST

START_TEST(a_network_runs_exactly)
{
	static struct net_case nc;
	struct accel_device *dev = open_dev();
	struct accel_network_result res;
	struct accel_network *net;
	struct accel_step *steps = nc.steps;
	struct accel_map_cache_stats before, st;
	unsigned n, c, h, w, distinct = 0;
	int16_t got[NN * NCLASSES];

	net_case_make(&nc, 9901);
	accel_device_map_stats(dev, &before);
	ck_assert_msg(accel_network_create(dev, steps, NSTEPS, NN, NC, NHW, NHW, &net) == 0, "%s",
		      accel_error());
	/* Its three layers are compiled at creation, and found by the run. */
	accel_device_map_stats(dev, &st);
	ck_assert_uint_eq(st.misses, before.misses + 3);
	accel_network_output(net, &n, &c, &h, &w);
	ck_assert_uint_eq(n * 1000 + c * 10 + h + w, NN * 1000 + NCLASSES * 10 + 2);
	ck_assert_msg(accel_network_run(net, nc.in, got, &res) == 0, "%s", accel_error());
	accel_device_map_stats(dev, &st);
	ck_assert_uint_eq(st.misses, before.misses + 3);
	ck_assert_uint_eq(st.hits, before.hits + 3);
	ck_assert_uint_eq(res.layers, 3);
	ck_assert_uint_eq(res.counts.macs, accel_conv_macs(&steps[0].cv) +
			  accel_conv_macs(&steps[3].cv) + accel_conv_macs(&steps[7].cv));
	ck_assert_uint_eq(res.energy, res.layer[0].job.energy + res.layer[1].job.energy +
			  res.layer[2].job.energy);
	ck_assert_int_eq(memcmp(got, nc.want, sizeof(got)), 0);
	/* Values, not a saturated or zero tensor. */
	for (unsigned i = 0; i < NN * NCLASSES; i++)
		distinct += got[i] != 0 && got[i] != 32767 && got[i] != -32768 &&
			    (!i || got[i] != got[i - 1]);
	ck_assert_uint_ge(distinct, NN * NCLASSES / 2);
	/* Run again: the same buffers give the same result. */
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(accel_network_run(net, nc.in, got, &res), 0);
	ck_assert_int_eq(memcmp(got, nc.want, sizeof(got)), 0);
	accel_network_free(net);
	/* Steps that do not chain are refused by step and field. */
	steps[3].cv.in_channels = 7;
	assert_error(accel_network_create(dev, steps, NSTEPS, NN, NC, NHW, NHW, &net), -EINVAL,
		     "step 3 (conv2): the layer takes 2x7x6x6");
	steps[3].cv.in_channels = NM;
	assert_error(accel_network_create(dev, steps + 3, 5, NN, NM, 6, 6, &net), -EINVAL,
		     "step 1 (add): no KEEP step before it");
	steps[1].pad = 2;
	assert_error(accel_network_create(dev, steps, NSTEPS, NN, NC, NHW, NHW, &net), -EINVAL,
		     "step 1 (maxpool): pooling k 2, stride 2, pad 2");
	steps[1].pad = 0;
	{
		/* The residual's shapes differ once pooled; a kind that is no step. */
		struct accel_step odd[3] = {
			{ .kind = ACCEL_STEP_KEEP },
			{ .kind = ACCEL_STEP_MAXPOOL, .k = 2, .stride = 2 },
			{ .kind = ACCEL_STEP_ADD },
		};

		assert_error(accel_network_create(dev, odd, 3, NN, NM, 6, 6, &net), -EINVAL,
			     "step 2 (add): the kept tensor's shape differs");
		odd[1].kind = (enum accel_step_kind)99;
		assert_error(accel_network_create(dev, odd, 3, NN, NM, 6, 6, &net), -EINVAL,
			     "step 1 (?): kind 99 is no step");
	}
	steps[3].cv.ofmap_prec = ROWSTAT_PREC_INT8;
	assert_error(accel_network_create(dev, steps, NSTEPS, NN, NC, NHW, NHW, &net), -EINVAL,
		     "step 3 (conv2): ifmap_prec and ofmap_prec must be the network's precision");
	steps[3].cv.ofmap_prec = steps[0].cv.ofmap_prec;
	steps[0].filters = NULL;
	assert_error(accel_network_create(dev, steps, NSTEPS, NN, NC, NHW, NHW, &net), -EINVAL,
		     "step 0 (conv1): filters is NULL");
	assert_error(accel_network_create(dev, steps, 0, NN, NC, NHW, NHW, &net), -EINVAL,
		     "no steps");
	accel_device_close(dev);
}
END_TEST

/*
 * A shortcut with a layer of its own, as ResNet downsamples: keep x, a =
 * conv(x), swap, d = down(x), swap, relu(a + d); on the device and in the
 * library's host reference, against the test's own host code.  The host
 * reference also gives what the test computes for the case above.
 */
START_TEST(a_swap_gives_a_shortcut_its_own_layer)
{
	enum { SN = 2, SC = 3, SHW = 8, SM = 6 };
	static int16_t in[SN * SC * SHW * SHW], fa[SM * SC * 9], fd[SM * SC];
	static int16_t a[SN * SM * SHW * SHW], d[SN * SM * SHW * SHW], want[SN * SM * SHW * SHW];
	static int16_t got[SN * SM * SHW * SHW], ref[SN * SM * SHW * SHW];
	static struct net_case nc;
	int16_t net_ref[NN * NCLASSES];
	int32_t ba[SM], bd[SM];
	struct accel_device *dev = open_dev();
	struct accel_network_result res;
	struct accel_network *net;
	struct rng r = { 4242 };
	struct accel_step steps[6] = {
		{ .kind = ACCEL_STEP_KEEP },
		{ .kind = ACCEL_STEP_LAYER, .name = "conv", .filters = fa, .bias = ba,
		  .cv = net_conv(SN, SC, SHW, SM, 3, 1, true) },
		{ .kind = ACCEL_STEP_SWAP },
		{ .kind = ACCEL_STEP_LAYER, .name = "down", .filters = fd, .bias = bd,
		  .cv = net_conv(SN, SC, SHW, SM, 1, 0, false) },
		{ .kind = ACCEL_STEP_SWAP },
		{ .kind = ACCEL_STEP_ADD, .relu = true },
	};
	unsigned distinct = 0;

	fill(&r, in, sizeof(in) / 2, 200);
	fill(&r, fa, sizeof(fa) / 2, 60);
	fill(&r, fd, sizeof(fd) / 2, 60);
	for (unsigned i = 0; i < SM; i++) {
		ba[i] = (int32_t)rng_range(&r, 0, 2000) - 1000;
		bd[i] = -ba[i] / 3;
	}
	host_layer(&steps[1].cv, in, fa, ba, a);
	host_layer(&steps[3].cv, in, fd, bd, d);
	for (unsigned i = 0; i < SN * SM * SHW * SHW; i++) {
		long v = (long)a[i] + d[i];

		want[i] = (int16_t)(v < 0 ? 0 : v > 32767 ? 32767 : v);
		distinct += want[i] != 0 && (!i || want[i] != want[i - 1]);
	}
	ck_assert_uint_ge(distinct, SN * SM * SHW * SHW / 4);
	ck_assert_msg(accel_network_create(dev, steps, 6, SN, SC, SHW, SHW, &net) == 0, "%s",
		      accel_error());
	ck_assert_msg(accel_network_run(net, in, got, &res) == 0, "%s", accel_error());
	ck_assert_uint_eq(res.layers, 2);
	ck_assert_int_eq(memcmp(got, want, sizeof(want)), 0);
	accel_network_free(net);
	ck_assert_msg(accel_network_reference(steps, 6, SN, SC, SHW, SHW, in, ref) == 0, "%s",
		      accel_error());
	ck_assert_int_eq(memcmp(ref, want, sizeof(want)), 0);
	net_case_make(&nc, 9902);
	ck_assert_int_eq(accel_network_reference(nc.steps, NSTEPS, NN, NC, NHW, NHW, nc.in,
						 net_ref), 0);
	ck_assert_int_eq(memcmp(net_ref, nc.want, sizeof(net_ref)), 0);
	/* A swap needs a kept tensor; the reference names what is missing. */
	assert_error(accel_network_create(dev, steps + 2, 4, SN, SC, SHW, SHW, &net), -EINVAL,
		     "step 0 (swap): no KEEP step before it");
	assert_error(accel_network_reference(steps + 2, 4, SN, SC, SHW, SHW, in, ref), -EINVAL,
		     "step 0 (swap): no KEEP step before it");
	assert_error(accel_network_reference(NULL, 6, SN, SC, SHW, SHW, in, ref), -EINVAL,
		     "steps is NULL");
	assert_error(accel_network_reference(steps, 0, SN, SC, SHW, SHW, in, ref), -EINVAL,
		     "no steps");
	assert_error(accel_network_reference(steps, 6, SN, SC, SHW, SHW, NULL, ref), -EINVAL,
		     "input is NULL");
	assert_error(accel_network_reference(steps, 6, SN, SC, SHW, SHW, in, NULL), -EINVAL,
		     "output is NULL");
	assert_error(accel_network_reference(steps, 6, SN, 0, SHW, SHW, in, ref), -EINVAL,
		     "is empty");
	accel_device_close(dev);
}
END_TEST

/*
 * A built-in network whole (accel_network_steps): its layers are
 * accel_network_layers', in order, and with random weights (requantized to
 * keep activations typical) it runs on the device exactly as the host's
 * reference network: MobileNetV2 at batch 1, and ResNet-18 and AlexNet too
 * outside the quick runs (the sanitizer build, and the VM's kernel
 * backend, whose guest computes the reference under TCG).  VGG-16's 138 M
 * weights are left to accelctl run --chain.
 */
START_TEST(built_in_networks_run_whole)
{
	static struct accel_network_step named[ACCEL_NETWORK_MAX_STEPS];
	static struct accel_step steps[ACCEL_NETWORK_MAX_STEPS];
	static struct accel_network_layer layers[ACCEL_NETWORK_MAX_LAYERS];
	static const char *const run[] = { "mobilenetv2", "resnet18", "alexnet" };
	struct accel_device *dev = open_dev();
	unsigned count, nlayers;

	for (unsigned id = 0; id < NET_COUNT; id++) {
		const char *name = accel_network_name(id);
		unsigned k = 0;

		ck_assert_int_eq(accel_network_steps(name, 2, named, ACCEL_NETWORK_MAX_STEPS,
						     &count), 0);
		ck_assert_int_eq(accel_network_layers(name, 2, layers, ACCEL_NETWORK_MAX_LAYERS,
						      &nlayers), 0);
		ck_assert_uint_gt(count, nlayers);
		for (unsigned i = 0; i < count; i++) {
			ck_assert_ptr_eq(named[i].step.name, named[i].name);
			if (named[i].step.kind != ACCEL_STEP_LAYER)
				continue;
			ck_assert_uint_lt(k, nlayers);
			ck_assert_str_eq(named[i].name, layers[k].name);
			ck_assert(!memcmp(&named[i].step.cv, &layers[k].cv, sizeof(layers[k].cv)));
			k++;
		}
		ck_assert_uint_eq(k, nlayers);
	}
	for (unsigned j = 0; j < (test_quick() ? 1u : 3u); j++) {
		struct rng r = { 777 + j };
		struct accel_network_result res;
		struct accel_network *net;
		const struct accel_conv *first;
		int16_t *in, *got, *want;
		uint64_t in_count, macs = 0;
		unsigned n, c, h, w, distinct = 0;

		ck_assert_int_eq(accel_network_steps(run[j], 1, named, ACCEL_NETWORK_MAX_STEPS,
						     &count), 0);
		for (unsigned i = 0; i < count; i++) {
			struct accel_conv *cv = &named[i].step.cv;
			struct accel_layer l = { .cv = *cv };
			size_t fl;
			int16_t *f;
			int32_t *b;

			steps[i] = named[i].step;
			if (steps[i].kind != ACCEL_STEP_LAYER)
				continue;
			/* Outputs about as large as inputs: weights of +-60, a third of them zero-mean. */
			steps[i].cv.requant_mult = 1;
			steps[i].cv.requant_shift = (unsigned)ceil(log2(
				sqrt((double)cv->in_channels / cv->groups * cv->kernel_h *
				     cv->kernel_w) * 60 * 0.6));
			fl = accel_layer_filter_bytes(&l) / 2;
			f = malloc(fl * sizeof(*f));
			b = malloc(cv->out_channels * sizeof(*b));
			ck_assert(f && b);
			fill(&r, f, fl, 60);
			for (unsigned m = 0; m < cv->out_channels; m++)
				b[m] = (int32_t)rng_range(&r, 0, 2000) - 1000;
			steps[i].filters = f;
			steps[i].bias = b;
			macs += accel_conv_macs(cv);
		}
		first = &steps[0].cv;
		in_count = (uint64_t)first->batch * first->in_channels * first->in_height *
			   first->in_width;
		in = malloc(in_count * sizeof(*in));
		got = calloc(1000, sizeof(*got));
		want = calloc(1000, sizeof(*want));
		ck_assert(in && got && want);
		fill(&r, in, in_count, 2000);
		ck_assert_msg(accel_network_create(dev, steps, count, first->batch,
						   first->in_channels, first->in_height,
						   first->in_width, &net) == 0, "%s: %s", run[j],
			      accel_error());
		accel_network_output(net, &n, &c, &h, &w);
		ck_assert_uint_eq(n * c * h * w, 1000);
		ck_assert_msg(accel_network_run(net, in, got, &res) == 0, "%s", accel_error());
		ck_assert_uint_eq(res.counts.macs, macs);
		ck_assert_int_eq(accel_network_reference(steps, count, first->batch,
							 first->in_channels, first->in_height,
							 first->in_width, in, want), 0);
		ck_assert_msg(!memcmp(got, want, 1000 * sizeof(*got)),
			      "%s: the device's output is not the host reference's", run[j]);
		/* Values all the way through, not a saturated or zero tensor. */
		for (unsigned i = 0; i < 1000; i++)
			distinct += got[i] != 32767 && got[i] != -32768 &&
				    (!i || got[i] != got[i - 1]);
		ck_assert_msg(distinct >= 500, "%s: %u distinct outputs", run[j], distinct);
		accel_network_free(net);
		for (unsigned i = 0; i < count; i++) {
			free((void *)steps[i].filters);
			free((void *)steps[i].bias);
		}
		free(in);
		free(got);
		free(want);
	}
	assert_error(accel_network_steps("lenet", 1, named, ACCEL_NETWORK_MAX_STEPS, &count),
		     -EINVAL, "\"lenet\"");
	assert_error(accel_network_steps("resnet18", 1, named, 20, &count), -EINVAL,
		     "steps, room for 20");
	assert_error(accel_network_steps("alexnet", ACCEL_MAX_BATCH + 1, named, 64, &count),
		     -EINVAL, "batch 65537");
	accel_device_close(dev);
}
END_TEST

/* Two processes, each with its own device, run networks at the same time. */
START_TEST(two_processes_at_once)
{
	pid_t pid[2];

	for (unsigned p = 0; p < 2; p++) {
		pid[p] = fork();
		ck_assert_int_ge(pid[p], 0);
		if (!pid[p]) {
			static struct net_case nc;
			struct accel_network_result res;
			struct accel_device *dev;
			unsigned bad = 0;

			if (accel_device_open(backend(), &dev))
				_exit(10);
			for (unsigned i = 0; i < 3; i++) {
				net_case_make(&nc, 9100 + 10 * p + i);
				bad += !net_case_run(dev, &nc, &res);
			}
			accel_device_close(dev);
			_exit(bad ? 11 : 0);
		}
	}
	for (unsigned p = 0; p < 2; p++) {
		int status;

		ck_assert_int_eq(waitpid(pid[p], &status, 0), pid[p]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "process %u: status %d", p, status);
	}
}
END_TEST

/* The library's networks are the ones the tests write out from the papers. */
START_TEST(built_in_networks_match_the_papers)
{
	static struct net_layer want[NET_MAX_LAYERS];
	static struct accel_network_layer got[ACCEL_NETWORK_MAX_LAYERS];
	unsigned count;

	for (unsigned id = 0; id < NET_COUNT; id++)
		for (unsigned batch = 1; batch <= 4; batch += 3) {
			unsigned n = net_layers(id, batch, want, NET_MAX_LAYERS);

			ck_assert_str_eq(accel_network_name(id), net_name(id));
			ck_assert_int_eq(accel_network_layers(net_name(id), batch, got,
							      ACCEL_NETWORK_MAX_LAYERS, &count), 0);
			ck_assert_uint_eq(count, n);
			for (unsigned i = 0; i < n; i++) {
				ck_assert_str_eq(got[i].name, want[i].name);
				ck_assert_msg(!memcmp(&got[i].cv, &want[i].cv, sizeof(got[i].cv)),
					      "%s %s differs", net_name(id), want[i].name);
			}
		}
	ck_assert_ptr_null(accel_network_name(NET_COUNT));
	assert_error(accel_network_layers("lenet", 1, got, ACCEL_NETWORK_MAX_LAYERS, &count),
		     -EINVAL, "\"lenet\"");
	assert_error(accel_network_layers("vgg16", 0, got, ACCEL_NETWORK_MAX_LAYERS, &count),
		     -EINVAL, "batch 0");
	assert_error(accel_network_layers("mobilenetv2", 1, got, 10, &count), -EINVAL,
		     "53 layers, room for 10");
}
END_TEST

/* The library's host convolution gives the tests' reference's values. */
START_TEST(host_reference_matches)
{
	for (unsigned i = 0; i < (test_quick() ? 10u : 40u); i++) {
		struct layer_case lc;
		struct rng r = { 8800 + i };
		size_t n;
		int32_t *want;
		int16_t *got;

		memset(&lc, 0, sizeof(lc));
		random_conv(&r, 1, &lc.cv, &lc.in, &lc.out);
		lc.cv.requant_shift = rng_range(&r, 0, 20);
		lc.cv.requant_mult = (int32_t)rng_range(&r, 0, 2000) - 1000;
		ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.3, 0), 0);
		n = layer_ofmap_count(&lc.cv);
		want = calloc(n, sizeof(*want));
		got = calloc(n, sizeof(*got));
		ref_conv(&lc.cv, lc.ifmap, lc.filters, lc.bias, want);
		accel_reference_conv(&lc.cv, lc.ifmap, lc.filters, lc.bias, got);
		for (size_t k = 0; k < n; k++)
			ck_assert_msg(got[k] == want[k], "seed %u output %zu: %d, want %d",
				      8800 + i, k, got[k], want[k]);
		free(want);
		free(got);
		layer_free(&lc);
	}
}
END_TEST

static Suite *runtime_suite(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create(backend());

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	/* A device set to hang a job runs only the hang's test. */
	if (getenv("RS_TEST_HANG_JOB")) {
		tcase_add_test(tc, a_hung_job_is_an_error_and_the_next_runs);
		suite_add_tcase(s, tc);
		return s;
	}
	/* And one whose firmware crashes, only the crash's. */
	if (getenv("RS_TEST_FW_CRASH_JOB")) {
		tcase_add_test(tc, a_firmware_crash_is_reported_and_the_device_comes_back);
		suite_add_tcase(s, tc);
		return s;
	}
	tcase_add_test(tc, open_boots_the_firmware);
	tcase_add_test(tc, devices_are_listed);
	if (!strcmp(backend(), "sim"))
		tcase_add_test(tc, open_refuses_what_it_cannot_open);
	else
		tcase_add_test(tc, both_backends_give_the_same_bytes_and_counts);
	tcase_add_test(tc, buffers_are_zeroed_distinct_and_shared);
	tcase_add_test(tc, jobs_refuse_bad_descriptions);
	tcase_add_test(tc, a_failed_job_is_an_error_and_the_next_runs);
	tcase_add_test(tc, layers_run_exactly_and_count_as_the_model);
	tcase_add_test(tc, several_layers_in_flight);
	tcase_add_test(tc, a_wait_times_out_and_the_job_runs_on);
	tcase_add_test(tc, two_processes_at_once);
	tcase_add_test(tc, layers_refuse_bad_inputs_by_name);
	tcase_add_test(tc, every_call_names_a_missing_argument);
	tcase_add_test(tc, quantize_rounds_and_saturates);
	tcase_add_test(tc, tensors_encode_and_decode);
	tcase_add_test(tc, built_in_networks_match_the_papers);
	tcase_add_test(tc, layers_are_prepared_once_per_shape);
	tcase_add_test(tc, a_network_runs_exactly);
	tcase_add_test(tc, a_read_only_buffer_takes_no_store);
	tcase_add_test(tc, an_import_keeps_read_only);
	tcase_add_test(tc, a_swap_gives_a_shortcut_its_own_layer);
	tcase_add_test(tc, built_in_networks_run_whole);
	tcase_add_test(tc, host_reference_matches);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(runtime_suite)
