// SPDX-License-Identifier: MIT
/*
 * What the QEMU device adds to the model's own cost: each AlexNet CONV layer
 * (batch 4) run in-process on the model, then through the device (ring,
 * MMU, PCI DMA) under qtest, timed from the doorbell to the fence.  A
 * benchmark: it prints figures and asserts only that results agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alexnet.h"
#include "check_main.h"
#include "rowstat_dev.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

START_TEST(device_against_in_process)
{
	struct rs_hw_params hw;
	struct rs_hw_firmware fw;
	uint8_t img[512];
	struct rsdev *d = rsdev_open("rowstat");
	struct rs_model *model;
	double total_model = 0, total_device = 0;

	rsdev_boot_default(d);
	rsdev_ring_init(d, 0, 4);
	rs_hw_params_default(&hw);
	ck_assert_int_eq(rs_hw_fw_parse(img, rsdev_default_image(img, sizeof(img)), 0x00010000,
				     &fw, NULL), ROWSTAT_FW_OK);
	rs_hw_fw_apply(&fw, &hw);
	model = rs_model_create(&hw);
	printf("%-6s %12s %12s %10s\n", "layer", "model ms", "device ms", "overhead");
	for (unsigned i = 0; i < ALEXNET_LAYERS; i++) {
		struct alexnet_layer l;
		struct layer_case lc;
		struct rs_model_result res;
		char err[256];
		double t_model = 1e9, t_dev = 1e9;
		size_t bytes;
		uint64_t pa;

		alexnet_layer_get(i, ALEXNET_BATCH, &l);
		ck_assert_int_eq(alexnet_case(&hw, &l, &l.eyeriss, 0x5eed0000 + i, &lc, NULL, err,
					      sizeof(err)), 0);
		for (int k = 0; k < 3; k++) {
			double t0 = now();

			ck_assert_int_eq(layer_execute(model, &lc, &res, NULL), ROWSTAT_OK);
			if (now() - t0 < t_model)
				t_model = now() - t0;
		}
		bytes = (lc.mem.used + 4095) & ~(size_t)4095;
		d->data_next = G_DATA;
		pa = rsdev_alloc(d, bytes);
		qts_memwrite(d->q, pa, lc.mem.bytes, lc.mem.used);
		rsdev_ctx_enable(d, 1);
		rsdev_map(d, 1, lc.mem.base, pa, bytes, ROWSTAT_PTE_READ | ROWSTAT_PTE_WRITE);
		for (int k = 0; k < 3; k++) {
			uint64_t seq = 10 * i + k + 1;
			double t0 = now();

			rsdev_submit(d, 0, 1, seq, lc.stream_va, (uint32_t)lc.stream.len, 0, 0);
			ck_assert(rsdev_wait_fence(d, 0, seq, 120000));
			if (now() - t0 < t_dev)
				t_dev = now() - t0;
		}
		printf("%-6s %12.1f %12.1f %+9.0f%%\n", l.name, t_model * 1e3, t_dev * 1e3,
		       100 * (t_dev - t_model) / t_model);
		total_model += t_model;
		total_device += t_dev;
		layer_free(&lc);
	}
	printf("%-6s %12.1f %12.1f %+9.0f%%\n", "TOTAL", total_model * 1e3,
	       total_device * 1e3, 100 * (total_device - total_model) / total_model);
	printf("(device time includes the doorbell, MMU walks, PCI DMA and polling the fence)\n");
	rs_model_destroy(model);
	rsdev_close(d);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("device-overhead");
	TCase *tc = tcase_create("alexnet");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, device_against_in_process);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
