// SPDX-License-Identifier: MIT
/*
 * make bench-mapper: the mapping search against the exhaustive optimum
 * (tests/support/map_enum.c), per layer and objective, with the time each
 * takes.  AlexNet's CONV layers at batch 4 with raw tensors, then a seeded
 * set of random layers.  It prints figures and asserts nothing.
 *
 *   mapper [LAYERS [OBJECTIVE]]   LAYERS random layers after AlexNet
 *                                 (default 12); only OBJECTIVE (edp,
 *                                 energy, latency) if given
 * MAPPER_SEARCH_ONLY=1 prints the search's figures without the optimum.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alexnet.h"
#include "map_enum.h"
#include "random_case.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *const objective_name[] = { "edp", "energy", "latency" };

static const char *only_objective;

static void bench_layer(const struct rs_hw_params *hw, const char *name,
			const struct accel_conv *cv)
{
	struct accel_tensor raw = { 0 };
	const char *search_only = getenv("MAPPER_SEARCH_ONLY");

	for (unsigned obj = 0; obj < 3; obj++) {
		struct accel_map_options opts = { .objective = obj };
		struct accel_mapping map;
		struct accel_estimate est;
		struct map_enum_result opt;
		double t0 = now_ms(), t_search, t_enum;
		int failed = accel_map_search(hw, cv, &raw, &raw, NULL, &opts, &map, &est);

		t_search = now_ms() - t0;
		if (only_objective && strcmp(only_objective, objective_name[obj]))
			continue;
		if (search_only && *search_only == '1') {
			printf("%-10s %-7s search %8.2f ms: energy %llu cycles %llu\n", name,
			       objective_name[obj], t_search, (unsigned long long)est.energy,
			       (unsigned long long)est.cycles);
			continue;
		}
		t0 = now_ms();
		if (map_enum_optimum(hw, cv, &raw, &raw, NULL, obj, failed ? NULL : &map, &opt)) {
			printf("%-10s %-7s enumeration failed\n", name, objective_name[obj]);
			continue;
		}
		t_enum = now_ms() - t0;
		if (failed || !opt.found)
			printf("%-10s %-7s search %s, optimum %s\n", name, objective_name[obj],
			       failed ? "found nothing" : "found", opt.found ? "exists" : "none");
		else
			printf("%-10s %-7s %6.3fx  search %8.2f ms  optimum %9.0f ms "
			       "(%llu of %llu array configs, %llu mappings; "
			       "energy %llu cycles %llu)\n",
			       name, objective_name[obj],
			       map_enum_value(obj, &est) / map_enum_value(obj, &opt.est),
			       t_search, t_enum, (unsigned long long)opt.array_searched,
			       (unsigned long long)opt.array_configs,
			       (unsigned long long)opt.evaluated,
			       (unsigned long long)opt.est.energy,
			       (unsigned long long)opt.est.cycles);
	}
}

int main(int argc, char **argv)
{
	unsigned layers = argc > 1 ? (unsigned)atoi(argv[1]) : 12;

	only_objective = argc > 2 ? argv[2] : NULL;
	struct rs_hw_params hw;
	struct rng r = { 2026 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	rs_hw_params_default(&hw);
	printf("mapper: the search's objective over the exhaustive optimum (1.000x is optimal)\n");
	for (unsigned i = 0; i < ALEXNET_LAYERS; i++) {
		struct alexnet_layer l;

		alexnet_layer_get(i, ALEXNET_BATCH, &l);
		bench_layer(&hw, l.name, &l.cv);
	}
	for (unsigned i = 0; i < layers; i++) {
		struct accel_conv cv;
		struct accel_tensor in, out;
		char name[24];

		random_conv(&r, 3, &cv, &in, &out);
		snprintf(name, sizeof(name), "random%u", i);
		bench_layer(&hw, name, &cv);
	}
	return 0;
}
