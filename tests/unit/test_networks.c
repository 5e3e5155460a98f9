// SPDX-License-Identifier: MIT
/*
 * Every conv and FC layer of AlexNet, VGG-16, ResNet-18 and MobileNetV2
 * (tests/support/networks.c), at batch 1 and 4, through libaccel's runtime
 * on the sim backend: the compiler maps it legally (the FC layers of
 * AlexNet and VGG-16 split into several LAYERs), and the outputs equal the
 * reference convolution's.  Under RS_TEST_QUICK (the sanitized run) batch
 * 4 runs the first layers only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rowstat/runtime.h>
#include "check_main.h"
#include "fw_boot.h"
#include "layer_run.h"
#include "networks.h"
#include "ref_conv.h"

#define TEST_FIRMWARE "build/firmware/rowstat.fw"

static struct rs_hw_params hw;
/* What the device runs with: the firmware's parameters, decode costs too. */
static struct rs_hw_params booted;

static void setup(void)
{
	setenv("ROWSTAT_FIRMWARE", TEST_FIRMWARE, 0);
	rs_hw_params_default(&hw);
	ck_assert_int_eq(fw_booted_params(getenv("ROWSTAT_FIRMWARE"), &booted), 0);
}

/*
 * How far the estimated cycles of the chosen mapping may be from the
 * counted ones: issue 8 asks for 5%; with the steps walked, every layer
 * of the four networks is within 0.4%.
 */
#define CYCLE_ERROR_LIMIT 0.02

/* Maps, runs and checks one layer; returns the estimate's cycle error. */
static double run_layer(struct accel_device *dev, const struct net_layer *nl, uint64_t seed)
{
	struct accel_layer l = { .name = nl->name, .cv = nl->cv };
	struct accel_layer_result res;
	struct accel_estimate est;
	struct layer_case lc;
	struct rng r = { seed };
	size_t n = layer_ofmap_count(&nl->cv), bad = 0;
	int16_t *got;
	int32_t *want;
	double error;
	char err[256];
	int ret;

	memset(&lc, 0, sizeof(lc));
	lc.cv = nl->cv;
	/* Small values and biases: outputs that rarely saturate show every sum. */
	ck_assert_int_eq(layer_alloc_data(&lc, &r, 0.4, 4), 0);
	for (unsigned m = 0; m < lc.cv.out_channels; m++)
		lc.bias[m] /= 4096;
	ck_assert_int_eq(accel_buffer_alloc(dev, accel_layer_ifmap_bytes(&l), &l.ifmap), 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, accel_layer_filter_bytes(&l), &l.filters), 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, 4ull * l.cv.out_channels, &l.bias), 0);
	ck_assert_int_eq(accel_buffer_alloc(dev, accel_layer_ofmap_bytes(&l), &l.ofmap), 0);
	accel_values_pack(accel_buffer_map(l.ifmap), lc.ifmap,
			  accel_layer_ifmap_bytes(&l) / 2, l.cv.ifmap_prec);
	accel_values_pack(accel_buffer_map(l.filters), lc.filters,
			  accel_layer_filter_bytes(&l) / 2, l.cv.filter_prec);
	memcpy(accel_buffer_map(l.bias), lc.bias, 4ull * l.cv.out_channels);
	ret = accel_layer_run(dev, &l, &res);
	ck_assert_msg(ret == 0, "%s: %s", nl->name, accel_error());
	ck_assert_msg(accel_mapping_check(&hw, &lc.cv, &res.map, &lc.in, &lc.out, err,
					  sizeof(err)) == 0, "%s: %s", nl->name, err);
	got = malloc(n * sizeof(*got));
	want = malloc(n * sizeof(*want));
	ck_assert(got && want);
	accel_values_unpack(got, accel_buffer_map(l.ofmap), n, l.cv.ofmap_prec);
	ref_conv(&lc.cv, lc.ifmap, lc.filters, lc.bias, want);
	for (size_t i = 0; i < n; i++)
		bad += got[i] != want[i];
	ck_assert_msg(bad == 0, "%s: %zu of %zu outputs differ", nl->name, bad, n);
	ck_assert_uint_eq(res.job.counts.macs, accel_conv_macs(&lc.cv));
	/* The estimate on the parameters the device ran with. */
	accel_mapping_estimate(&booted, &lc.cv, &res.map, &lc.in, &lc.out, NULL, &est);
	error = (double)est.cycles / (double)res.job.counts.cycles - 1;
	ck_assert_msg(error <= CYCLE_ERROR_LIMIT && error >= -CYCLE_ERROR_LIMIT,
		      "%s: %llu cycles estimated, %llu counted", nl->name,
		      (unsigned long long)est.cycles, (unsigned long long)res.job.counts.cycles);
	free(got);
	free(want);
	accel_buffer_free(l.ifmap);
	accel_buffer_free(l.filters);
	accel_buffer_free(l.bias);
	accel_buffer_free(l.ofmap);
	layer_free(&lc);
	return error < 0 ? -error : error;
}

static void run_network(enum net_id id, unsigned batch)
{
	static struct net_layer layers[NET_MAX_LAYERS];
	unsigned count = net_layers(id, batch, layers, NET_MAX_LAYERS), ran = 0;
	double worst = 0, sum = 0;
	struct accel_device *dev;

	ck_assert_msg(accel_device_open("sim", &dev) == 0, "%s", accel_error());
	ck_assert_uint_le(count, NET_MAX_LAYERS);
	/* Sanitized, the large batch-4 layers would take many minutes. */
	if (test_quick() && batch > 1)
		count = count < 3 ? count : 3;
	for (unsigned i = 0; i < count; i++, ran++) {
		double error = run_layer(dev, &layers[i], 0x4e7 + 100 * id + 10 * batch + i);

		sum += error;
		worst = error > worst ? error : worst;
	}
	ck_assert_uint_eq(ran, count);
	printf("%s batch %u: %u layers exact on the sim backend; estimated cycles off by "
	       "%.1f%% on average, %.1f%% at most\n", net_name(id), batch, ran, 100 * sum / ran,
	       100 * worst);
	accel_device_close(dev);
}

/* Loop index: network (_i / 2) at batch 1 or 4 (_i % 2). */
START_TEST(network_layers_run_exactly)
{
	run_network((enum net_id)(_i / 2), _i % 2 ? 4 : 1);
}
END_TEST

/* The shapes are the papers': layer counts, MACs and the FC inputs. */
START_TEST(network_shapes_are_the_papers)
{
	static struct net_layer layers[NET_MAX_LAYERS];
	static const struct {
		enum net_id id;
		unsigned layers;
		uint64_t macs;	/* per image, conv and FC */
	} nets[] = {
		{ NET_ALEXNET, 8, 724406816 },
		{ NET_VGG16, 16, 15470264320 },
		{ NET_RESNET18, 21, 1814073344 },
		{ NET_MOBILENETV2, 53, 300774272 },
	};

	for (unsigned k = 0; k < sizeof(nets) / sizeof(nets[0]); k++) {
		unsigned count = net_layers(nets[k].id, 1, layers, NET_MAX_LAYERS);
		uint64_t macs = 0;

		ck_assert_uint_eq(count, nets[k].layers);
		for (unsigned i = 0; i < count; i++) {
			ck_assert_int_eq(accel_conv_check(&layers[i].cv, NULL, 0), 0);
			macs += accel_conv_macs(&layers[i].cv);
		}
		ck_assert_msg(macs == nets[k].macs, "%s: %llu MACs", net_name(nets[k].id),
			      (unsigned long long)macs);
	}
	/* Past one LAYER's 8192 channels: the compiler splits these. */
	net_layers(NET_VGG16, 1, layers, NET_MAX_LAYERS);
	ck_assert_uint_eq(layers[13].cv.in_channels, 25088);
	net_layers(NET_ALEXNET, 1, layers, NET_MAX_LAYERS);
	ck_assert_uint_eq(layers[5].cv.in_channels, 9216);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("networks");
	TCase *tc = tcase_create("networks");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 1800);
	tcase_add_test(tc, network_shapes_are_the_papers);
	tcase_add_loop_test(tc, network_layers_run_exactly, 0, 2 * NET_COUNT);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
