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
 * MAPPER_RANDOM_ONLY=1 skips AlexNet.
 * MAPPER_LAYER=NAME runs only the layer so named (random33, CONV2).
 * MAPPER_VERBOSE=1 prints the layer, and the search's and the optimum's
 * mappings with their estimates.
 * MAPPER_TOLERANCE=0.02 proves a bound instead of finding the optimum: the
 * enumeration prunes what cannot beat its best by more than 2%, and the
 * search's ratio to the optimum's lower bound (printed "<= R") is at least
 * its ratio to the optimum.  For layers whose exact optimum takes hours
 * (AlexNet's CONV3-5 by energy).
 * MAPPER_OPTIMA=FILE keeps the optimal mappings found in FILE and reuses
 * them, re-estimated, on later runs: tuning the search then takes seconds.
 * A search that beats a stored optimum means the estimate has changed
 * since: delete the file.
 */
#include <errno.h>
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
static double tolerance;

/* MAPPER_OPTIMA: optimal mappings by layer name and objective. */
struct stored {
	char name[24];
	unsigned obj;
	struct accel_mapping map;
};

static struct stored *stored;
static unsigned stored_count;
static FILE *optima_out;

static void optima_load(const char *path)
{
	FILE *f = fopen(path, "r");
	struct stored e;
	unsigned dbi, dbp;

	if (f) {
		while (fscanf(f, "%23s %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u", e.name,
			      &e.obj, &e.map.set_rows, &e.map.set_cols, &e.map.filters_per_pe,
			      &e.map.channels_per_pe, &e.map.filter_sets, &e.map.channel_sets,
			      &e.map.taps_per_pe, &e.map.images_per_pass, &e.map.tile_n,
			      &e.map.tile_e, &e.map.tile_f, &e.map.tile_m, &e.map.tile_c, &dbi,
			      &dbp) == 17) {
			struct stored *more = realloc(stored, (stored_count + 1) * sizeof(*more));

			if (!more)
				break;
			e.map.double_ifmap = dbi;
			e.map.double_psum = dbp;
			stored = more;
			stored[stored_count++] = e;
		}
		fclose(f);
	}
	optima_out = fopen(path, "a");
}

static const struct accel_mapping *optima_find(const char *name, unsigned obj)
{
	for (unsigned i = 0; i < stored_count; i++)
		if (stored[i].obj == obj && !strcmp(stored[i].name, name))
			return &stored[i].map;
	return NULL;
}

static void optima_save(const char *name, unsigned obj, const struct accel_mapping *m)
{
	if (!optima_out)
		return;
	fprintf(optima_out, "%s %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u\n", name, obj,
		m->set_rows, m->set_cols, m->filters_per_pe, m->channels_per_pe, m->filter_sets,
		m->channel_sets, m->taps_per_pe, m->images_per_pass, m->tile_n, m->tile_e,
		m->tile_f, m->tile_m, m->tile_c, m->double_ifmap, m->double_psum);
	fflush(optima_out);
}

static void print_mapping(const char *who, const struct accel_mapping *m,
			  const struct accel_estimate *e)
{
	printf("  %-8s set %ux%u p %u q %u t %u r %u taps %u n %u  tile n %u e %u f %u m %u c %u"
	       "  double %u%u  energy %llu cycles %llu\n", who, m->set_rows, m->set_cols,
	       m->filters_per_pe, m->channels_per_pe, m->filter_sets, m->channel_sets,
	       m->taps_per_pe, m->images_per_pass, m->tile_n, m->tile_e, m->tile_f, m->tile_m,
	       m->tile_c, m->double_ifmap, m->double_psum, (unsigned long long)e->energy,
	       (unsigned long long)e->cycles);
}

/* MAPPER_VERBOSE: the layer, and the search's mapping and the optimum's where found. */
static void print_mappings(const char *name, const struct accel_conv *cv,
			   const struct accel_mapping *map, const struct accel_estimate *est,
			   const struct map_enum_result *opt)
{
	if (!getenv("MAPPER_VERBOSE"))
		return;
	printf("%s: N %u C %u M %u groups %u H %u W %u R %u S %u stride %u,%u\n", name,
	       cv->batch, cv->in_channels, cv->out_channels, cv->groups, cv->in_height,
	       cv->in_width, cv->kernel_h, cv->kernel_w, cv->stride_h, cv->stride_w);
	if (map)
		print_mapping("search", map, est);
	if (opt && opt->found)
		print_mapping("optimum", &opt->map, &opt->est);
}

/* Layers run, to tell a MAPPER_LAYER that names none. */
static unsigned layers_run;

static void bench_layer(const struct rs_hw_params *hw, const char *name,
			const struct accel_conv *cv)
{
	struct accel_tensor raw = { 0 };
	const char *search_only = getenv("MAPPER_SEARCH_ONLY");
	const char *only_layer = getenv("MAPPER_LAYER");

	if (only_layer && strcmp(only_layer, name))
		return;
	layers_run++;
	for (unsigned obj = 0; obj < 3; obj++) {
		struct accel_map_options opts = { .objective = obj };
		struct accel_mapping map;
		struct accel_estimate est;
		struct map_enum_result opt;
		double t0 = now_ms(), t_search, t_enum;
		bool from_file = false;
		int failed = accel_map_search(hw, cv, &raw, &raw, NULL, &opts, &map, &est);

		t_search = now_ms() - t0;
		if (only_objective && strcmp(only_objective, objective_name[obj]))
			continue;
		if (search_only && *search_only == '1') {
			print_mappings(name, cv, failed ? NULL : &map, &est, NULL);
			printf("%-10s %-7s search %8.2f ms: energy %llu cycles %llu\n", name,
			       objective_name[obj], t_search, (unsigned long long)est.energy,
			       (unsigned long long)est.cycles);
			continue;
		}
		t0 = now_ms();
		if (optima_find(name, obj)) {
			memset(&opt, 0, sizeof(opt));
			opt.found = true;
			opt.map = *optima_find(name, obj);
			from_file = true;
			accel_mapping_estimate(hw, cv, &opt.map, &raw, &raw, NULL, &opt.est);
			if (!failed && map_enum_value(obj, &est) < map_enum_value(obj, &opt.est))
				printf("%-10s %-7s stored optimum beaten: the estimate changed, "
				       "delete the optima file\n", name, objective_name[obj]);
		} else if (map_enum_near_optimum(hw, cv, &raw, &raw, NULL, obj, tolerance,
						 failed ? NULL : &map, &opt)) {
			printf("%-10s %-7s enumeration failed\n", name, objective_name[obj]);
			continue;
		} else if (opt.found && !tolerance) {
			optima_save(name, obj, &opt.map);
		}
		t_enum = now_ms() - t0;
		print_mappings(name, cv, failed ? NULL : &map, &est, &opt);
		if (failed || !opt.found)
			printf("%-10s %-7s search %s, optimum %s\n", name, objective_name[obj],
			       failed ? "found nothing" : "found", opt.found ? "exists" : "none");
		else if (tolerance)
			printf("%-10s %-7s <= %.3fx  search %8.2f ms  bound %9.0f ms "
			       "(%llu of %llu array configs, %llu mappings; tolerance %.3f)\n",
			       name, objective_name[obj], map_enum_value(obj, &est) / opt.lower_bound,
			       t_search, t_enum, (unsigned long long)opt.array_searched,
			       (unsigned long long)opt.array_configs,
			       (unsigned long long)opt.evaluated, tolerance);
		else if (from_file)
			printf("%-10s %-7s %6.3fx  search %8.2f ms  optimum stored "
			       "(energy %llu cycles %llu)\n", name, objective_name[obj],
			       map_enum_value(obj, &est) / map_enum_value(obj, &opt.est), t_search,
			       (unsigned long long)opt.est.energy, (unsigned long long)opt.est.cycles);
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

/* The arguments and MAPPER_TOLERANCE, each refused by name if malformed; 0 or 2. */
static int options_get(int argc, char **argv, unsigned *layers)
{
	const char *tol = getenv("MAPPER_TOLERANCE");
	unsigned long n = 12;
	char *end;

	if (argc > 3) {
		fprintf(stderr, "usage: %s [LAYERS [OBJECTIVE]]\n", argv[0]);
		return 2;
	}
	if (argc > 1) {
		errno = 0;
		n = strtoul(argv[1], &end, 10);
		if (errno || end == argv[1] || *end || argv[1][0] == '-' || n > 100000) {
			fprintf(stderr, "%s: LAYERS %s: a count of random layers, 0 to 100000\n",
				argv[0], argv[1]);
			return 2;
		}
	}
	*layers = (unsigned)n;
	only_objective = argc > 2 ? argv[2] : NULL;
	if (only_objective && strcmp(only_objective, "edp") && strcmp(only_objective, "energy") &&
	    strcmp(only_objective, "latency")) {
		fprintf(stderr, "%s: OBJECTIVE %s: edp, energy or latency\n", argv[0],
			only_objective);
		return 2;
	}
	if (tol) {
		errno = 0;
		tolerance = strtod(tol, &end);
		if (errno || end == tol || *end || !(tolerance >= 0 && tolerance < 1)) {
			fprintf(stderr, "%s: MAPPER_TOLERANCE=%s: a fraction from 0 to below 1 "
				"(0.01: within 1%%)\n", argv[0], tol);
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rs_hw_params hw;
	struct rng r = { 2026 };
	unsigned layers;

	if (options_get(argc, argv, &layers))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	rs_hw_params_default(&hw);
	if (getenv("MAPPER_OPTIMA"))
		optima_load(getenv("MAPPER_OPTIMA"));
	printf("mapper: the search's objective over the exhaustive optimum (1.000x is optimal)\n");
	for (unsigned i = 0; !getenv("MAPPER_RANDOM_ONLY") && i < ALEXNET_LAYERS; i++) {
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
	if (optima_out)
		fclose(optima_out);
	free(stored);
	if (!layers_run && getenv("MAPPER_LAYER")) {
		fprintf(stderr, "mapper: MAPPER_LAYER=%s: no layer of that name among AlexNet's "
			"CONV1-5 and the %u random layers (random0 on)\n", getenv("MAPPER_LAYER"),
			layers);
		return 2;
	}
	return 0;
}
