// SPDX-License-Identifier: MIT
/*
 * make bench-compile: how long the compiler takes to map every conv and FC
 * layer of each network (tests/support/networks.c), batch 1 and 4, raw
 * tensors, the default objective: every layer searched, then through a
 * fresh accel_map_cache (each shape searched once).  Prints figures;
 * asserts nothing.
 *
 *   compile [-v] [-f IMAGE] [-n NETWORK] [-b BATCH]
 *     -v  one line per layer as well
 *     -f  the device as firmware IMAGE sets it up (its decode costs), as
 *         the runtime maps for it
 *     -n, -b  only that network (alexnet, vgg16, resnet18, mobilenetv2), or
 *         that batch (1 or 4): to profile one
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fw_boot.h"
#include "networks.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Maps every layer (through cache, if any); returns the total time. */
static double map_network(const struct rs_hw_params *hw, const struct net_layer *layers,
			  unsigned count, struct accel_map_cache *cache, bool verbose,
			  unsigned *failed)
{
	double total = 0;

	*failed = 0;
	for (unsigned i = 0; i < count; i++) {
		struct accel_tensor raw = { 0 };
		struct accel_mapping map;
		struct accel_estimate est;
		double t0 = now_ms(), t;
		int ret = accel_map_search_cached(cache, hw, &layers[i].cv, &raw, &raw, NULL,
						  NULL, &map, &est);

		t = now_ms() - t0;
		total += t;
		*failed += ret != 0;
		if (verbose)
			printf("  %-18s %8.2f ms%s\n", layers[i].name, t, ret ? "  not mapped" : "");
	}
	return total;
}

/*
 * Maps every layer in one batch (accel_map_search_batch: each distinct
 * shape once, on `threads` threads, 0: one per CPU); returns the time.
 */
static double map_batch(const struct rs_hw_params *hw, const struct net_layer *layers,
			unsigned count, unsigned threads, unsigned *failed)
{
	static struct accel_map_request reqs[NET_MAX_LAYERS];
	static struct accel_mapping maps[NET_MAX_LAYERS];
	struct accel_tensor raw = { 0 };
	double t0 = now_ms();

	for (unsigned i = 0; i < count; i++)
		reqs[i] = (struct accel_map_request){
			.cv = &layers[i].cv, .in = &raw, .out = &raw, .map = &maps[i],
		};
	accel_map_search_batch(NULL, hw, reqs, count, threads);
	*failed = 0;
	for (unsigned i = 0; i < count; i++)
		*failed += reqs[i].ret != 0;
	return now_ms() - t0;
}

static bool network_named(const char *name)
{
	for (unsigned id = 0; id < NET_COUNT; id++)
		if (!strcmp(name, net_name(id)))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static struct net_layer layers[NET_MAX_LAYERS];
	const char *image = NULL, *only_net = NULL;
	unsigned only_batch = 0;
	struct rs_hw_params hw;
	bool verbose = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "-f") && i + 1 < argc) {
			image = argv[++i];
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			only_net = argv[++i];
			if (!network_named(only_net)) {
				fprintf(stderr, "%s: -n %s: no such network (alexnet, vgg16, "
					"resnet18, mobilenetv2)\n", argv[0], only_net);
				return 2;
			}
		} else if (!strcmp(argv[i], "-b") && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "1") && strcmp(argv[i], "4")) {
				fprintf(stderr, "%s: -b %s: the batch is 1 or 4\n", argv[0], argv[i]);
				return 2;
			}
			only_batch = (unsigned)atoi(argv[i]);
		} else {
			fprintf(stderr, "usage: %s [-v] [-f IMAGE] [-n NETWORK] [-b BATCH]\n",
				argv[0]);
			return 2;
		}
	}
	rs_hw_params_default(&hw);
	if (image && fw_booted_params(image, &hw)) {
		fprintf(stderr, "%s: %s: not a firmware image the device boots\n", argv[0], image);
		return 1;
	}
	if (image)
		printf("compile: the device as %s sets it up\n", image);
	printf("compile: mapping every conv and FC layer (raw tensors, EDP): each layer,\n"
	       "         each distinct shape once (cached), and a batch of them on %ld threads\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	for (unsigned id = 0; id < NET_COUNT; id++) {
		if (only_net && strcmp(only_net, net_name(id)))
			continue;
		for (unsigned batch = 1; batch <= 4; batch += 3) {
			struct accel_map_cache *cache;
			struct accel_map_cache_stats st;
			unsigned count, failed, failed_cached, failed_batch;
			double plain, cached, batched;

			if (only_batch && batch != only_batch)
				continue;
			count = net_layers(id, batch, layers, NET_MAX_LAYERS);
			cache = accel_map_cache_create(256);
			if (!cache)
				return 1;
			if (verbose)
				printf("%s batch %u:\n", net_name(id), batch);
			plain = map_network(&hw, layers, count, NULL, verbose, &failed);
			cached = map_network(&hw, layers, count, cache, false, &failed_cached);
			batched = map_batch(&hw, layers, count, 0, &failed_batch);
			accel_map_cache_stats(cache, &st);
			printf("%-12s batch %u: %2u layers %7.1f ms, %2llu shapes %7.1f ms, "
			       "batch %7.1f ms", net_name(id), batch, count, plain,
			       (unsigned long long)st.misses, cached, batched);
			if (failed || failed_cached || failed_batch)
				printf("  (%u, %u, %u not mapped)", failed, failed_cached,
				       failed_batch);
			printf("\n");
			accel_map_cache_destroy(cache);
		}
	}
	return 0;
}
