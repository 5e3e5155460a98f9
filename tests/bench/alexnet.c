// SPDX-License-Identifier: MIT
/*
 * AlexNet CONV1-CONV5 on the model with Eyeriss v1's parameters, printed
 * beside the silicon figures of Chen et al. (JSSC 2017).  A benchmark, not
 * a test: it reports figures and asserts nothing about speed.
 *
 *   alexnet [--tsv FILE] [--batch N] [--repeat N] [--glb KB] [--verify]
 *
 * --glb changes the GLB size, for what-if studies (docs/model.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alexnet.h"
#include "ref_conv.h"

struct paper_row {
	char layer[16];
	double macs_m, active_pes, latency_ms, processing_ms, glb_mb, dram_mb;
	double power_mw, ifmap_zeros_pct;
};

static int read_paper(const char *path, struct paper_row *rows, int max)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && n < max) {
		struct paper_row *r = &rows[n];

		if (line[0] == '#' || !strncmp(line, "layer", 5))
			continue;
		if (sscanf(line, "%15s %lf %lf %lf %lf %lf %lf %lf %lf", r->layer,
			   &r->macs_m, &r->active_pes, &r->latency_ms,
			   &r->processing_ms, &r->glb_mb, &r->dram_mb, &r->power_mw,
			   &r->ifmap_zeros_pct) == 9)
			n++;
	}
	fclose(f);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double pct(double ours, double theirs)
{
	return theirs ? 100.0 * (ours - theirs) / theirs : 0;
}

static double ifmap_zero_fraction(const struct layer_case *lc)
{
	const struct accel_conv *cv = &lc->cv;
	size_t n = (size_t)cv->batch * cv->in_channels * cv->in_height * cv->in_width, z = 0;

	for (size_t i = 0; i < n; i++)
		z += lc->ifmap[i] == 0;
	return (double)z / n;
}

static double energy_units(uint64_t e)
{
	return (double)e / ROWSTAT_ENERGY_ONE;
}

struct layer_row {
	struct rs_hw_counters c;
	struct accel_estimate est;	/* the compiler's, with the sparsity hints */
	struct accel_mapping map;
	struct accel_tensor in, out;
	double zeros, wall;
	char name[8];
};

static void sum_traffic(const struct rs_hw_counters *c, double *glb_acc, double *dram)
{
	*glb_acc = 0;
	*dram = 0;
	for (int t = 0; t < ROWSTAT_DT_COUNT; t++) {
		*glb_acc += c->glb_reads[t] + c->glb_writes[t];
		*dram += c->dram_read_bytes[t] + c->dram_write_bytes[t];
	}
}

static void print_row(const char *name, const struct rs_hw_counters *c, double zeros,
		      double wall, const struct rs_hw_params *hw)
{
	double glb, dram;

	sum_traffic(c, &glb, &dram);
	printf("%-6s %8.1f %5llu ", name, c->macs / 1e6,
	       (unsigned long long)c->pe_active_max);
	if (zeros >= 0)
		printf("%6.1f%%", 100 * zeros);
	else
		printf("%7s", "");
	printf(" %6.1f%% %9.2f %8.1f %8.2f %9.2f %9.1f %9.1f\n",
	       100.0 * c->macs_gated / c->macs, glb / 1e6,
	       (c->glb_read_bytes + c->glb_write_bytes) / 1e6, dram / 1e6,
	       c->cycles / (hw->clock_khz * 1.0), wall * 1e3, c->macs / wall / 1e9);
}

/* Runs the five layers; returns 0 or 1 after printing why. */
/* Whose mappings a run uses. */
enum mapper {
	EYERISS,		/* Eyeriss's array mapping, GLB tiling searched */
	OWN_EDP,		/* rowstat's search, the default objective */
	OWN_ENERGY,		/* rowstat's search for least energy */
};

static int run_layers(struct rs_model *model, const struct rs_hw_params *hw,
		      unsigned batch, unsigned repeat, bool verify,
		      enum mapper mapper, struct layer_row *rows,
		      struct rs_hw_counters *total, double *total_wall)
{
	static const struct accel_map_options energy = { .objective = ACCEL_MAP_ENERGY };

	memset(total, 0, sizeof(*total));
	*total_wall = 0;
	printf("%-6s %8s %5s %7s %7s %9s %8s %8s %9s %9s %9s\n", "layer", "MACs(M)",
	       "PEs", "ifmap0", "gated", "GLB(Macc)", "GLB MB", "DRAM MB",
	       "lat ms", "wall ms", "GMAC/s");
	for (unsigned i = 0; i < ALEXNET_LAYERS; i++) {
		struct alexnet_layer l;
		struct layer_case lc;
		struct rs_model_result res;
		char err[256];
		double best = 1e30;

		alexnet_layer_get(i, batch, &l);
		if (alexnet_case(hw, &l, mapper == EYERISS ? &l.eyeriss :
				 mapper == OWN_ENERGY ? &energy : NULL, 0x5eed0000 + i, &lc, &rows[i].est,
				 err, sizeof(err))) {
			fprintf(stderr, "alexnet: %s: %s\n", l.name, err);
			return 1;
		}
		for (unsigned k = 0; k < repeat; k++) {
			double t0 = now();
			enum rowstat_status st = layer_execute(model, &lc, &res, NULL);
			double dt = now() - t0;

			if (st != ROWSTAT_OK) {
				fprintf(stderr, "alexnet: %s failed: %s (%s)\n", l.name,
					rs_hw_status_name(st), res.detail);
				return 1;
			}
			if (dt < best)
				best = dt;
		}
		if (verify) {
			size_t n = layer_ofmap_count(&lc.cv), bad = 0;
			int32_t *got = malloc(n * sizeof(*got)), *want = malloc(n * sizeof(*want));

			if (!got || !want)
				return 1;
			layer_execute(model, &lc, &res, got);
			ref_conv(&lc.cv, lc.ifmap, lc.filters, lc.bias, want);
			for (size_t k = 0; k < n; k++)
				bad += got[k] != want[k];
			free(got);
			free(want);
			if (bad) {
				fprintf(stderr, "alexnet: %s: %zu of %zu outputs differ from the reference\n",
					l.name, bad, n);
				return 1;
			}
		}
		rows[i].c = res.counts;
		rows[i].map = lc.map;
		rows[i].in = lc.in;
		rows[i].out = lc.out;
		rows[i].zeros = ifmap_zero_fraction(&lc);
		rows[i].wall = best;
		snprintf(rows[i].name, sizeof(rows[i].name), "%s", l.name);
		print_row(l.name, &res.counts, rows[i].zeros, best, hw);
		rs_hw_counters_add(total, &res.counts);
		*total_wall += best;
		layer_free(&lc);
	}
	print_row("TOTAL", total, -1, *total_wall, hw);
	if (verify)
		printf("(every output of every layer checked against the reference convolution)\n");
	return 0;
}

static void print_against_paper(const struct layer_row *rows,
				const struct paper_row *paper,
				const struct rs_hw_params *hw)
{
	printf("\nagainst Eyeriss silicon (JSSC 2017, Table V): ours/paper (deviation); "
	       "GLB in accesses = paper MB / 2\n");
	printf("%-6s %10s %22s %20s %22s\n", "layer", "PEs", "GLB M accesses",
	       "DRAM MB", "latency ms");
	for (unsigned i = 0; i < ALEXNET_LAYERS; i++) {
		const struct rs_hw_counters *c = &rows[i].c;
		const struct paper_row *p = &paper[i];
		double glb, dram, lat = c->cycles / (hw->clock_khz * 1.0);

		sum_traffic(c, &glb, &dram);
		glb /= 1e6;
		dram /= 1e6;
		printf("%-6s %4llu/%-5.0f %7.2f/%-6.2f (%+4.0f%%) %6.2f/%-4.1f (%+4.0f%%) %7.2f/%-5.1f (%+4.0f%%)\n",
		       rows[i].name, (unsigned long long)c->pe_active_max, p->active_pes,
		       glb, p->glb_mb / 2, pct(glb, p->glb_mb / 2), dram, p->dram_mb,
		       pct(dram, p->dram_mb), lat, p->latency_ms, pct(lat, p->latency_ms));
	}
}

static void print_energy(const struct layer_row *rows, const struct rs_hw_counters *total)
{
	printf("\nenergy by level and data type (normalized: MAC = 1), millions\n");
	printf("%-6s %-7s %9s %9s %9s %9s %9s %9s\n", "layer", "type", "MAC", "RF", "NoC",
	       "GLB", "DRAM", "total");
	for (unsigned i = 0; i <= ALEXNET_LAYERS; i++) {
		const struct rs_hw_counters *c = i < ALEXNET_LAYERS ? &rows[i].c : total;

		for (int t = 0; t < ROWSTAT_DT_COUNT; t++) {
			double sum = 0;

			printf("%-6s %-7s", i < ALEXNET_LAYERS ? rows[i].name : "TOTAL",
			       rs_hw_dtype_name(t));
			for (int lv = 0; lv < ROWSTAT_LEVEL_COUNT; lv++) {
				sum += energy_units(c->energy[lv][t]);
				printf(" %9.2f", energy_units(c->energy[lv][t]) / 1e6);
			}
			printf(" %9.2f\n", sum / 1e6);
		}
	}
}

static void print_mappings(const struct layer_row *rows)
{
	for (unsigned i = 0; i < ALEXNET_LAYERS; i++) {
		const struct accel_mapping *m = &rows[i].map;

		printf("%-6s set %ux%u p %u q %u r %u t %u taps %u n %u | GLB tile n %u e %u f %u m %u c %u%s%s | in %s, out %s\n",
		       rows[i].name, m->set_rows, m->set_cols, m->filters_per_pe,
		       m->channels_per_pe, m->channel_sets, m->filter_sets,
		       m->taps_per_pe, m->images_per_pass, m->tile_n, m->tile_e,
		       m->tile_f, m->tile_m, m->tile_c,
		       m->double_ifmap ? ", ifmap double-buffered" : "",
		       m->double_psum ? ", psum double-buffered" : "",
		       !rows[i].in.rlc ? "raw" : rows[i].in.seg_rows == 1 ? "RLC rows" : "RLC planes",
		       !rows[i].out.rlc ? "raw" : rows[i].out.seg_rows == 1 ? "RLC rows" : "RLC planes");
	}
}

/* The compiler's estimate against the model's counts, per layer. */
static void print_estimate_error(const struct layer_row *rows)
{
	printf("\nthe compiler's estimate against the count (sparsity given as hints)\n");
	printf("%-6s %10s %10s %10s\n", "layer", "cycles", "energy", "DRAM");
	for (unsigned i = 0; i < ALEXNET_LAYERS; i++) {
		double glb, dram;

		sum_traffic(&rows[i].c, &glb, &dram);
		printf("%-6s %+9.1f%% %+9.1f%% %+9.1f%%\n", rows[i].name,
		       pct((double)rows[i].est.cycles, (double)rows[i].c.cycles),
		       pct((double)rows[i].est.energy,
			   (double)rs_hw_counters_energy_total(&rows[i].c)),
		       pct((double)rows[i].est.dram_bytes, dram));
	}
}

/*
 * Layer by layer, rowstat's mappings against Eyeriss's: EDP under the
 * default objective, energy under the energy objective (below 1: better).
 */
static void print_per_layer(const struct layer_row *eye, const struct layer_row *own,
			    const struct layer_row *frugal)
{
	printf("\nper layer, rowstat's mapper / Eyeriss's mappings (below 1.000 is better)\n");
	printf("%-6s %12s %12s %12s\n", "layer", "EDP (EDP)", "latency", "energy (min)");
	for (unsigned i = 0; i < ALEXNET_LAYERS; i++) {
		double e_eye = (double)rs_hw_counters_energy_total(&eye[i].c);
		double e_own = (double)rs_hw_counters_energy_total(&own[i].c);
		double e_frugal = (double)rs_hw_counters_energy_total(&frugal[i].c);
		double edp = e_own * own[i].c.cycles / (e_eye * eye[i].c.cycles);

		printf("%-6s %12.3f %12.3f %12.3f%s\n", eye[i].name, edp,
		       (double)own[i].c.cycles / eye[i].c.cycles, e_frugal / e_eye,
		       edp > 1 || e_frugal > e_eye ? "  worse" : "");
	}
}

int main(int argc, char **argv)
{
	const char *tsv = "tests/bench/data/eyeriss-alexnet-jssc2017.tsv";
	unsigned batch = ALEXNET_BATCH, repeat = 5, glb_kb = 0;
	bool verify = false;
	struct paper_row paper[8];
	struct rs_hw_params hw;
	struct rs_model *model;
	struct layer_row eye[ALEXNET_LAYERS], own[ALEXNET_LAYERS], frugal[ALEXNET_LAYERS];
	struct rs_hw_counters eye_total, own_total, frugal_total;
	double eye_wall, own_wall, frugal_wall;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tsv") && i + 1 < argc)
			tsv = argv[++i];
		else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--glb") && i + 1 < argc)
			glb_kb = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--verify"))
			verify = true;
		else {
			fprintf(stderr, "usage: %s [--tsv FILE] [--batch N] [--repeat N] [--glb KB] [--verify]\n",
				argv[0]);
			return 2;
		}
	}
	if (!batch || batch > ROWSTAT_MAX_BATCH || !repeat) {
		fprintf(stderr, "alexnet: --batch must be 1..%u and --repeat at least 1\n",
			ROWSTAT_MAX_BATCH);
		return 2;
	}
	if (read_paper(tsv, paper, 8) < ALEXNET_LAYERS) {
		fprintf(stderr, "alexnet: cannot read the paper's figures from %s\n", tsv);
		return 1;
	}
	rs_hw_params_default(&hw);
	if (glb_kb)
		hw.glb_bytes = glb_kb * 1024;
	model = rs_model_create(&hw);
	if (!model) {
		fprintf(stderr, "alexnet: the model refuses these parameters (--glb 4..65536)\n");
		return 2;
	}

	printf("rowstat model core: AlexNet CONV1-5, batch %u, 16-bit fixed point\n", batch);
	printf("hardware: %ux%u PEs, RF %u/%u/%u entries, GLB %u KB, %u MHz, link %u MB/s, kernel %s\n",
	       hw.array_rows, hw.array_cols, hw.rf_filter, hw.rf_ifmap, hw.rf_psum,
	       hw.glb_bytes / 1024, hw.clock_khz / 1000,
	       hw.dram_bw * (hw.clock_khz / 1000) / 1000, rs_model_simd(model));

	printf("\n== Eyeriss's array mappings (n, p, q, r, t, e as published), GLB tiling searched\n");
	if (run_layers(model, &hw, batch, repeat, verify, EYERISS, eye, &eye_total, &eye_wall))
		return 1;
	print_against_paper(eye, paper, &hw);
	print_energy(eye, &eye_total);
	printf("\nmappings (set = filter rows x output rows; p/q filters/channels per PE; "
	       "r/t channel/filter sets; GLB tiles per group)\n");
	print_mappings(eye);

	printf("\n== rowstat's mapper (whole search)\n");
	if (run_layers(model, &hw, batch, repeat, verify, OWN_EDP, own, &own_total, &own_wall))
		return 1;
	print_against_paper(own, paper, &hw);
	printf("\n");
	print_mappings(own);
	print_estimate_error(own);

	printf("\n== rowstat's mapper, least energy\n");
	if (run_layers(model, &hw, batch, repeat, verify, OWN_ENERGY, frugal, &frugal_total,
		       &frugal_wall))
		return 1;
	print_mappings(frugal);
	print_per_layer(eye, own, frugal);
	printf("\nrowstat's mapper against Eyeriss's mappings: energy %+.1f%%, latency %+.1f%%\n",
	       pct((double)rs_hw_counters_energy_total(&own_total),
		   (double)rs_hw_counters_energy_total(&eye_total)),
	       pct((double)own_total.cycles, (double)eye_total.cycles));

	printf("\nmodel speed: %.1f ms for %.0f M MACs = %.1f GMAC/s (Eyeriss mappings), "
	       "%.1f GMAC/s (rowstat mapper), one core, counting included\n",
	       eye_wall * 1e3, eye_total.macs / 1e6, eye_total.macs / eye_wall / 1e9,
	       own_total.macs / own_wall / 1e9);
	rs_model_destroy(model);
	return 0;
}
