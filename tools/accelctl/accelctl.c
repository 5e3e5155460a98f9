// SPDX-License-Identifier: MIT
/*
 * accelctl: rowstat accelerators from the command line (docs/accelctl.1).
 *
 *   accelctl [-d DEVICE] [--json] list | info | run | stats | bench ...
 *
 * Exit status: 0 done, 1 the device or a job failed, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rowstat/networks.h>
#include <rowstat/runtime.h>

#define EXIT_USAGE 2

static const char *device_spec;
static bool json;

static const char *const level_names[ROWSTAT_LEVEL_COUNT] = {
	"mac", "rf", "noc", "glb", "dram",
};
static const char *const type_names[ROWSTAT_DT_COUNT] = { "ifmap", "filter", "psum" };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accelctl [-d DEVICE] [--json] COMMAND [ARGS]\n"
		"  list                         the devices this machine has\n"
		"  info                         one device's parameters and firmware\n"
		"  run [OPTIONS] NETWORK|LAYER  run layers; print a row per layer\n"
		"  stats [OPTIONS] NETWORK|LAYER  the same, with energy by level and data\n"
		"  bench [OPTIONS] NETWORK|LAYER  run repeatedly; host time per run\n"
		"  monitor [-n COUNT] [-t SECONDS]  devlink events: faults, resets, firmware\n"
		"DEVICE: sim, kernel, a node path, a PCI address or an index\n"
		"        (default: $ROWSTAT_BACKEND, else sim)\n"
		"NETWORK: alexnet, vgg16, resnet18, mobilenetv2\n"
		"LAYER: n=,c=,h=,w=,m=,k=,s=,p=,g= and relu, nobias, int8,\n"
		"       e.g. c=64,h=56,m=64,k=3,p=1,relu\n"
		"run OPTIONS: -b BATCH, -l FIRST[-LAST] (layers by number, from 1),\n"
		"             --seed N, --check (against the host's reference), -n REPEATS,\n"
		"             --compare DEVICE (the same bytes and counts on another device),\n"
		"             --input FILE, --output FILE (one layer's ifmap and ofmap, raw\n"
		"             little-endian values of its precision, [N][C][H][W]),\n"
		"             --chain (NETWORK whole: each layer on the one before's output,\n"
		"             with its pooling and residual steps on the host)\n");
}

static int fail(int ret, const char *what)
{
	fprintf(stderr, "accelctl: %s: %s\n", what, accel_error());
	(void)ret;
	return EXIT_FAILURE;
}

static int open_device(struct accel_device **dev)
{
	int ret = accel_device_open(device_spec, dev);

	return ret ? fail(ret, "cannot open the device") : 0;
}

/* ---- list, info ---- */

static void print_info(const struct accel_device_info *i, bool first)
{
	const struct rs_hw_params *hw = &i->hw;

	if (json) {
		printf("%s{\"backend\":\"%s\",\"node\":\"%s\",\"hw_version\":\"%u.%u\","
		       "\"fw_version\":\"%u.%u\",\"firmware\":\"%s\",\"array\":[%u,%u],"
		       "\"rf\":{\"filter\":%u,\"ifmap\":%u,\"psum\":%u},\"glb_bytes\":%u,"
		       "\"clock_khz\":%u,\"dram_bw\":%u,\"glb_bw\":%u,\"va_bits\":%u}",
		       first ? "" : ",", accel_backend_name(i->backend), i->node,
		       ROWSTAT_VERSION_MAJOR(i->hw_version), ROWSTAT_VERSION_MINOR(i->hw_version),
		       ROWSTAT_VERSION_MAJOR(i->fw_version), ROWSTAT_VERSION_MINOR(i->fw_version),
		       i->fw_name, hw->array_rows, hw->array_cols, hw->rf_filter, hw->rf_ifmap,
		       hw->rf_psum, hw->glb_bytes, hw->clock_khz, hw->dram_bw, hw->glb_bw,
		       hw->va_bits);
		return;
	}
	printf("%s: %s backend, hardware %u.%u, firmware %u.%u (%s)\n", i->node,
	       accel_backend_name(i->backend), ROWSTAT_VERSION_MAJOR(i->hw_version),
	       ROWSTAT_VERSION_MINOR(i->hw_version), ROWSTAT_VERSION_MAJOR(i->fw_version),
	       ROWSTAT_VERSION_MINOR(i->fw_version), i->fw_name);
	printf("  PE array %u x %u, RF %u/%u/%u entries (filter/ifmap/psum), GLB %u KiB\n",
	       hw->array_rows, hw->array_cols, hw->rf_filter, hw->rf_ifmap, hw->rf_psum,
	       hw->glb_bytes / 1024);
	printf("  clock %.0f MHz, link %.0f MB/s, GLB %u values/cycle, %u-bit VAs\n",
	       hw->clock_khz / 1e3, hw->dram_bw / 1000.0 * hw->clock_khz / 1e3, hw->glb_bw,
	       hw->va_bits);
}

static int cmd_info(void)
{
	struct accel_device *dev;
	struct accel_device_info info;

	if (open_device(&dev))
		return EXIT_FAILURE;
	accel_device_info(dev, &info);
	print_info(&info, true);
	if (json)
		printf("\n");
	accel_device_close(dev);
	return 0;
}

static int cmd_list(void)
{
	struct accel_device_entry e[16];
	struct accel_device *dev;
	struct accel_device_info info;
	unsigned count;
	const char *sep = "";
	int ret = accel_device_list(e, 16, &count);

	if (ret)
		return fail(ret, "cannot list the devices");
	if (count > 16)
		count = 16;
	if (json)
		printf("[");
	/* The sim backend needs only its firmware image. */
	if (!accel_device_open("sim", &dev)) {
		accel_device_info(dev, &info);
		if (json)
			printf("{\"node\":\"sim\",\"backend\":\"sim\",\"firmware\":\"%s\"}",
			       info.fw_name);
		else
			printf("sim       in-process model core, firmware %s\n", info.fw_name);
		sep = ",";
		accel_device_close(dev);
	} else if (!json) {
		printf("sim       unavailable: %s\n", accel_error());
	}
	for (unsigned i = 0; i < count; i++) {
		if (json) {
			printf("%s{\"node\":\"%s\",\"backend\":\"kernel\",\"pci\":\"%s\","
			       "\"vendor\":\"%04x\",\"device\":\"%04x\",\"link_gts\":%.1f,"
			       "\"link_width\":%u,\"numa_node\":%d,\"driver\":\"%s\"}",
			       sep, e[i].node, e[i].pci_address, e[i].vendor, e[i].device,
			       e[i].link_speed_gts10 / 10.0, e[i].link_width, e[i].numa_node,
			       e[i].driver_version);
			sep = ",";
			continue;
		}
		printf("%u         %s  %s  [%04x:%04x]", i, e[i].node, e[i].pci_address,
		       e[i].vendor, e[i].device);
		if (e[i].link_width)
			printf("  PCIe %.1f GT/s x%u", e[i].link_speed_gts10 / 10.0, e[i].link_width);
		if (e[i].numa_node >= 0)
			printf("  NUMA node %d", e[i].numa_node);
		printf("  rowstat %s\n", e[i].driver_version);
	}
	if (json)
		printf("]\n");
	return 0;
}

/* ---- layers ---- */

struct run_opts {
	unsigned batch, first, last, repeats;
	unsigned long long seed;
	bool check, stats;
	const char *compare;	/* a second device, whose results must be the same */
	const char *input, *output;	/* one layer's ifmap from, ofmap to, a file */
};

/* "k=v,k=v,relu": one layer; false with a message on a bad field. */
static bool parse_layer(const char *spec, struct accel_network_layer *l, unsigned batch)
{
	struct accel_conv *cv = &l->cv;
	char buf[256], *save = NULL;
	unsigned k = 1, s = 1, p = 0;

	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "layer");
	cv->batch = batch;
	cv->in_channels = cv->out_channels = cv->groups = 1;
	cv->in_height = cv->in_width = 0;
	cv->ifmap_prec = cv->filter_prec = cv->ofmap_prec = ROWSTAT_PREC_Q16;
	cv->bias = true;
	cv->requant_mult = 1;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '='), *end;
		unsigned long v;

		if (!strcmp(t, "relu")) {
			cv->relu = true;
			continue;
		}
		if (!strcmp(t, "nobias")) {
			cv->bias = false;
			continue;
		}
		if (!strcmp(t, "int8")) {
			cv->ifmap_prec = cv->filter_prec = cv->ofmap_prec = ROWSTAT_PREC_INT8;
			continue;
		}
		if (!eq || !eq[1]) {
			fprintf(stderr, "accelctl: layer field \"%s\": expected NAME=VALUE\n", t);
			return false;
		}
		*eq = 0;
		v = strtoul(eq + 1, &end, 10);
		if (*end || v > 1u << 20) {
			fprintf(stderr, "accelctl: layer field %s=%s: not a number up to 2^20\n", t,
				eq + 1);
			return false;
		}
		if (!strcmp(t, "n"))
			cv->batch = (unsigned)v;
		else if (!strcmp(t, "c"))
			cv->in_channels = (unsigned)v;
		else if (!strcmp(t, "h"))
			cv->in_height = (unsigned)v;
		else if (!strcmp(t, "w"))
			cv->in_width = (unsigned)v;
		else if (!strcmp(t, "m"))
			cv->out_channels = (unsigned)v;
		else if (!strcmp(t, "k"))
			k = (unsigned)v;
		else if (!strcmp(t, "s"))
			s = (unsigned)v;
		else if (!strcmp(t, "p"))
			p = (unsigned)v;
		else if (!strcmp(t, "g"))
			cv->groups = (unsigned)v;
		else {
			fprintf(stderr, "accelctl: layer field \"%s\": not one of n c h w m k s p g\n",
				t);
			return false;
		}
	}
	if (!cv->in_width)
		cv->in_width = cv->in_height;
	cv->kernel_h = cv->kernel_w = k;
	cv->stride_h = cv->stride_w = s;
	cv->pad_top = cv->pad_bottom = cv->pad_left = cv->pad_right = p;
	if (accel_conv_check(cv, buf, sizeof(buf))) {
		fprintf(stderr, "accelctl: layer %s: %s\n", spec, buf);
		return false;
	}
	return true;
}

/* Typical activations: what requant_for aims outputs at. */
#define TYPICAL_Q16	2048
#define TYPICAL_INT8	32

/*
 * A requantization that keeps typical outputs well inside the output's
 * range, for inputs of typical magnitude `input` and weights of +-64.
 */
static void requant_for(struct accel_conv *cv, double input)
{
	double taps = (double)cv->in_channels / cv->groups * cv->kernel_h * cv->kernel_w;
	double typical = sqrt(taps) * 64 * input * 0.6;
	unsigned shift = 0;

	double target = cv->ofmap_prec == ROWSTAT_PREC_INT8 ? TYPICAL_INT8 : TYPICAL_Q16;

	while (typical / (1u << shift) > target && shift < 30)
		shift++;
	cv->requant_shift = shift;
}

static uint64_t rng_next(unsigned long long *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct layer_run {
	struct accel_layer layer;
	int16_t *ifmap, *filters;
	int32_t *bias;
	struct accel_layer_result res;
	double host_ms;
	bool checked, exact;
	bool compared, same;
};

static void layer_run_free(struct layer_run *lr)
{
	accel_buffer_free(lr->layer.ifmap);
	accel_buffer_free(lr->layer.filters);
	accel_buffer_free(lr->layer.bias);
	accel_buffer_free(lr->layer.ofmap);
	free(lr->ifmap);
	free(lr->filters);
	free(lr->bias);
}

/* Reads exactly bytes from path into dst; false with a message if it cannot. */
static bool read_input(const char *path, void *dst, uint64_t bytes)
{
	FILE *f = fopen(path, "rb");
	long size;
	bool ok;

	if (!f) {
		fprintf(stderr, "accelctl: --input %s: %s\n", path, strerror(errno));
		return false;
	}
	ok = !fseek(f, 0, SEEK_END) && (size = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET);
	if (ok && (uint64_t)size != bytes) {
		fprintf(stderr, "accelctl: --input %s: %ld bytes, the layer's ifmap is %llu\n", path,
			size, (unsigned long long)bytes);
		ok = false;
	} else if (ok && fread(dst, 1, bytes, f) != bytes) {
		fprintf(stderr, "accelctl: --input %s: cannot read it\n", path);
		ok = false;
	}
	fclose(f);
	return ok;
}

/* Random data (7-bit values, a third of the ifmap zero) in fresh buffers. */
static int layer_prepare(struct accel_device *dev, const struct accel_network_layer *nl,
			 unsigned long long seed, struct layer_run *lr, const char *input)
{
	struct accel_layer *l = &lr->layer;
	const struct accel_conv *cv = &l->cv;
	size_t in, fl;
	int ret;

	memset(lr, 0, sizeof(*lr));
	l->name = nl->name;
	l->cv = nl->cv;
	requant_for(&l->cv, 64);
	in = (size_t)cv->batch * cv->in_channels * cv->in_height * cv->in_width;
	fl = accel_layer_filter_bytes(l) / rs_hw_prec_bytes(cv->filter_prec);
	lr->ifmap = malloc(in * 2);
	lr->filters = malloc(fl * 2);
	lr->bias = malloc(4 * (size_t)cv->out_channels);
	if (!lr->ifmap || !lr->filters || !lr->bias) {
		fprintf(stderr, "accelctl: layer %s: out of memory\n", l->name);
		return -ENOMEM;
	}
	for (size_t i = 0; i < in; i++)
		lr->ifmap[i] = rng_next(&seed) % 3 ? (int16_t)(rng_next(&seed) % 128) - 64 : 0;
	for (size_t i = 0; i < fl; i++)
		lr->filters[i] = (int16_t)(rng_next(&seed) % 128) - 64;
	for (unsigned m = 0; m < cv->out_channels; m++)
		lr->bias[m] = (int32_t)(rng_next(&seed) % 4096) - 2048;
	ret = accel_buffer_alloc(dev, accel_layer_ifmap_bytes(l), &l->ifmap);
	if (!ret)
		ret = accel_buffer_alloc(dev, accel_layer_filter_bytes(l), &l->filters);
	if (!ret)
		ret = accel_buffer_alloc(dev, 4 * (uint64_t)cv->out_channels, &l->bias);
	if (!ret)
		ret = accel_buffer_alloc(dev, accel_layer_ofmap_bytes(l), &l->ofmap);
	if (ret)
		return ret;
	if (input) {
		if (!read_input(input, accel_buffer_map(l->ifmap), accel_layer_ifmap_bytes(l)))
			return -EINVAL;
		accel_values_unpack(lr->ifmap, accel_buffer_map(l->ifmap), in, cv->ifmap_prec);
	}
	accel_values_pack(accel_buffer_map(l->ifmap), lr->ifmap, in, cv->ifmap_prec);
	accel_values_pack(accel_buffer_map(l->filters), lr->filters, fl, cv->filter_prec);
	memcpy(accel_buffer_map(l->bias), lr->bias, 4 * (size_t)cv->out_channels);
	return 0;
}

static bool layer_check(struct layer_run *lr)
{
	const struct accel_conv *cv = &lr->layer.cv;
	size_t n = (size_t)cv->batch * cv->out_channels * accel_conv_out_height(cv) *
		   accel_conv_out_width(cv);
	int16_t *want = malloc(n * 2), *got = malloc(n * 2);
	bool same;

	if (!want || !got) {
		free(want);
		free(got);
		return false;
	}
	accel_reference_conv(cv, lr->ifmap, lr->filters, cv->bias ? lr->bias : NULL, want);
	accel_values_unpack(got, accel_buffer_map(lr->layer.ofmap), n, cv->ofmap_prec);
	same = !memcmp(want, got, n * 2);
	free(want);
	free(got);
	lr->checked = true;
	lr->exact = same;
	return same;
}

static double ms(double us)
{
	return us / 1000;
}

static void print_row(unsigned index, const struct layer_run *lr, bool first)
{
	const struct accel_job_result *j = &lr->res.job;
	const struct rs_hw_counters *c = &j->counts;
	uint64_t dram = 0, level[ROWSTAT_LEVEL_COUNT] = { 0 };

	for (unsigned t = 0; t < ROWSTAT_DT_COUNT; t++)
		dram += c->dram_read_bytes[t] + c->dram_write_bytes[t];
	for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		for (unsigned t = 0; t < ROWSTAT_DT_COUNT; t++)
			level[l] += c->energy[l][t];
	if (json) {
		printf("%s{\"index\":%u,\"name\":\"%s\",\"macs\":%llu,\"macs_gated\":%llu,"
		       "\"pe_active\":%llu,\"cycles\":%llu,\"latency_ms\":%.6f,"
		       "\"energy\":%llu,\"dram_bytes\":%llu,\"host_ms\":%.3f,\"compile_ms\":%.3f",
		       first ? "" : ",", index, lr->layer.name, (unsigned long long)c->macs,
		       (unsigned long long)c->macs_gated, (unsigned long long)c->pe_active_max,
		       (unsigned long long)c->cycles, ms(j->latency_us),
		       (unsigned long long)j->energy, (unsigned long long)dram, lr->host_ms,
		       ms(lr->res.compile_us));
		printf(",\"accesses\":{");
		{
			const uint64_t *rows[] = { c->rf_reads, c->rf_writes, c->noc, c->glb_reads,
						   c->glb_writes, c->dram_read_bytes,
						   c->dram_write_bytes };
			static const char *const names[] = { "rf_reads", "rf_writes", "noc",
							     "glb_reads", "glb_writes",
							     "dram_read_bytes", "dram_write_bytes" };

			for (unsigned r = 0; r < 7; r++) {
				printf("%s\"%s\":{", r ? "," : "", names[r]);
				for (unsigned t = 0; t < ROWSTAT_DT_COUNT; t++)
					printf("%s\"%s\":%llu", t ? "," : "", type_names[t],
					       (unsigned long long)rows[r][t]);
				printf("}");
			}
		}
		printf("}");
		printf(",\"energy_by_level\":{");
		for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++) {
			printf("%s\"%s\":{", l ? "," : "", level_names[l]);
			for (unsigned t = 0; t < ROWSTAT_DT_COUNT; t++)
				printf("%s\"%s\":%llu", t ? "," : "", type_names[t],
				       (unsigned long long)c->energy[l][t]);
			printf("}");
		}
		printf("}");
		if (lr->checked)
			printf(",\"exact\":%s", lr->exact ? "true" : "false");
		if (lr->compared)
			printf(",\"same\":%s", lr->same ? "true" : "false");
		printf("}");
		return;
	}
	printf("%3u %-16s %9.1f %4llu %6.1f%% %11llu %9.3f %10.4g", index, lr->layer.name,
	       c->macs / 1e6, (unsigned long long)c->pe_active_max,
	       c->macs ? 100.0 * c->macs_gated / c->macs : 0, (unsigned long long)c->cycles,
	       ms(j->latency_us), j->energy / (double)(1u << ROWSTAT_ENERGY_FRAC_BITS));
	for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		printf(" %5.1f", j->energy ? 100.0 * level[l] / j->energy : 0);
	printf(" %8.2f %8.1f%s%s\n", dram / 1e6, lr->host_ms,
	       !lr->checked ? "" : lr->exact ? "  exact" : "  DIFFERS",
	       !lr->compared ? "" : lr->same ? "  same" : "  NOT THE SAME");
}

static void print_levels(const struct layer_run *lr)
{
	const struct rs_hw_counters *c = &lr->res.job.counts;

	printf("    accesses by level and data type:\n      %-12s", "");
	for (unsigned t = 0; t < ROWSTAT_DT_COUNT; t++)
		printf(" %14s", type_names[t]);
	printf("\n");
	{
		const struct {
			const char *name;
			const uint64_t *v;
		} rows[] = {
			{ "rf reads", c->rf_reads }, { "rf writes", c->rf_writes },
			{ "noc", c->noc }, { "glb reads", c->glb_reads },
			{ "glb writes", c->glb_writes }, { "dram rd B", c->dram_read_bytes },
			{ "dram wr B", c->dram_write_bytes },
		};

		for (unsigned r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
			printf("      %-12s", rows[r].name);
			for (unsigned t = 0; t < ROWSTAT_DT_COUNT; t++)
				printf(" %14llu", (unsigned long long)rows[r].v[t]);
			printf("\n");
		}
	}

	printf("    energy by level and data type (MAC = 1):\n      %-6s", "");
	for (unsigned t = 0; t < ROWSTAT_DT_COUNT; t++)
		printf(" %14s", type_names[t]);
	printf("\n");
	for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++) {
		printf("      %-6s", level_names[l]);
		for (unsigned t = 0; t < ROWSTAT_DT_COUNT; t++)
			printf(" %14.4g", c->energy[l][t] / (double)(1u << ROWSTAT_ENERGY_FRAC_BITS));
		printf("\n");
	}
}

/*
 * Compiles the chosen layers on every CPU before any runs, on both devices;
 * returns the milliseconds it took, and how many shapes it searched.  A
 * layer that fails is left to its run, which reports it by name.
 */
static double compile_ahead(struct accel_device *dev, struct accel_device *other,
			    const struct accel_network_layer *layers, unsigned count,
			    const struct run_opts *o, unsigned *shapes)
{
	struct accel_layer *picked = calloc(count ? count : 1, sizeof(*picked));
	struct accel_map_cache_stats before, after;
	struct timespec a, b;
	unsigned n = 0;

	*shapes = 0;
	if (!picked)
		return 0;
	for (unsigned i = 0; i < count; i++)
		if (i + 1 >= o->first && i + 1 <= o->last)
			picked[n++] = (struct accel_layer){ .name = layers[i].name,
							    .cv = layers[i].cv };
	accel_device_map_stats(dev, &before);
	clock_gettime(CLOCK_MONOTONIC, &a);
	accel_layers_prepare(dev, picked, n);
	clock_gettime(CLOCK_MONOTONIC, &b);
	accel_device_map_stats(dev, &after);
	if (other)
		accel_layers_prepare(other, picked, n);
	free(picked);
	*shapes = (unsigned)(after.misses - before.misses);
	return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

/* On a terminal, a line on stderr saying what runs; NULL clears it. */
__attribute__((format(printf, 2, 3)))
static void progress(bool tty, const char *fmt, ...)
{
	va_list ap;

	if (!tty)
		return;
	fprintf(stderr, "\r\033[K");
	if (fmt) {
		fprintf(stderr, "  ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fflush(stderr);
}

/* A built-in network whole (run --chain): its steps, weights and input. */
struct chain {
	struct accel_network_step *named;
	struct accel_step *steps;
	unsigned count;
	unsigned n, c, h, w;
	int16_t *input;
};

static void chain_free(struct chain *ch)
{
	for (unsigned i = 0; ch->steps && i < ch->count; i++) {
		free((void *)ch->steps[i].filters);
		free((void *)ch->steps[i].bias);
	}
	free(ch->named);
	free(ch->steps);
	free(ch->input);
}

/*
 * The network's steps with random weights and input from seed, each layer
 * requantized to keep activations typical from one layer to the next.
 */
static int chain_make(const char *name, unsigned batch, unsigned long long seed,
		      struct chain *ch)
{
	uint64_t in_count;

	memset(ch, 0, sizeof(*ch));
	ch->named = calloc(ACCEL_NETWORK_MAX_STEPS, sizeof(*ch->named));
	ch->steps = calloc(ACCEL_NETWORK_MAX_STEPS, sizeof(*ch->steps));
	if (!ch->named || !ch->steps)
		return -ENOMEM;
	if (accel_network_steps(name, batch, ch->named, ACCEL_NETWORK_MAX_STEPS, &ch->count))
		return -EINVAL;
	ch->n = ch->named[0].step.cv.batch;
	ch->c = ch->named[0].step.cv.in_channels;
	ch->h = ch->named[0].step.cv.in_height;
	ch->w = ch->named[0].step.cv.in_width;
	for (unsigned i = 0; i < ch->count; i++) {
		struct accel_step *st = &ch->steps[i];
		struct accel_layer l;
		uint64_t fl;
		int16_t *filters;
		int32_t *bias;

		*st = ch->named[i].step;
		if (st->kind != ACCEL_STEP_LAYER)
			continue;
		requant_for(&st->cv, TYPICAL_Q16);
		l = (struct accel_layer){ .cv = st->cv };
		fl = accel_layer_filter_bytes(&l) / rs_hw_prec_bytes(st->cv.filter_prec);
		filters = malloc(fl * sizeof(*filters));
		bias = malloc(st->cv.out_channels * sizeof(*bias));
		st->filters = filters;
		st->bias = bias;
		if (!filters || !bias)
			return -ENOMEM;
		for (uint64_t k = 0; k < fl; k++)
			filters[k] = (int16_t)(rng_next(&seed) % 128) - 64;
		for (unsigned m = 0; m < st->cv.out_channels; m++)
			bias[m] = (int32_t)(rng_next(&seed) % 4096) - 2048;
	}
	in_count = (uint64_t)ch->n * ch->c * ch->h * ch->w;
	ch->input = malloc(in_count * sizeof(int16_t));
	if (!ch->input)
		return -ENOMEM;
	for (uint64_t k = 0; k < in_count; k++)
		ch->input[k] = (int16_t)(rng_next(&seed) % (2 * TYPICAL_Q16)) - TYPICAL_Q16;
	return 0;
}

/* The values a network's output holds. */
static uint64_t output_count(const struct accel_network *net)
{
	unsigned n, c, h, w;

	accel_network_output(net, &n, &c, &h, &w);
	return (uint64_t)n * c * h * w;
}

/* Runs the chain on dev, into a fresh *out the network's output's size; -ENOMEM unsaid. */
static int chain_run(struct accel_device *dev, const struct chain *ch, int16_t **out,
		     struct accel_network **net, struct accel_network_result *res)
{
	int ret = accel_network_create(dev, ch->steps, ch->count, ch->n, ch->c, ch->h, ch->w,
				       net);

	if (ret)
		return ret;
	*out = malloc(output_count(*net) * sizeof(**out));
	return *out ? accel_network_run(*net, ch->input, *out, res) : -ENOMEM;
}

/*
 * run --chain NETWORK: the network whole, each layer on the one before's
 * output through the host's pooling and residual steps.  A row per layer;
 * --check compares the output with the host's reference of the whole
 * network, --compare with another device's output and counts.
 */
static int run_chain(const char *name, const struct run_opts *o)
{
	bool tty = isatty(STDOUT_FILENO) && !json;
	struct accel_device *dev, *other = NULL;
	struct accel_network *net = NULL, *twin = NULL;
	struct accel_network_result res, twin_res;
	struct accel_device_info info;
	struct chain ch;
	uint64_t out_count = 0, cycles = 0;
	unsigned out_n, out_c, out_h, out_w;
	bool exact = true, same = true;
	int16_t *mine = NULL, *want = NULL, *theirs = NULL;
	int ret;

	ret = chain_make(name, o->batch, o->seed, &ch);
	if (ret) {
		if (ret == -EINVAL)
			fprintf(stderr, "accelctl: %s\n", accel_error());
		else
			fprintf(stderr, "accelctl: %s: out of memory\n", name);
		chain_free(&ch);
		return ret == -EINVAL ? EXIT_USAGE : EXIT_FAILURE;
	}
	if (open_device(&dev)) {
		chain_free(&ch);
		return EXIT_FAILURE;
	}
	if (o->compare && accel_device_open(o->compare, &other)) {
		fail(-ENODEV, "cannot open the device to compare with");
		accel_device_close(dev);
		chain_free(&ch);
		return EXIT_FAILURE;
	}
	accel_device_info(dev, &info);
	progress(tty, "running %s whole (%u steps)...", name, ch.count);
	ret = chain_run(dev, &ch, &mine, &net, &res);
	if (ret) {
		progress(tty, NULL);
		fprintf(stderr, "accelctl: %s on %s: %s\n", name, info.node,
			ret == -ENOMEM ? "out of memory" : accel_error());
		goto out;
	}
	accel_network_output(net, &out_n, &out_c, &out_h, &out_w);
	out_count = (uint64_t)out_n * out_c * out_h * out_w;
	if (o->check) {
		progress(tty, "checking %s against the host's reference...", name);
		want = malloc(out_count * sizeof(*want));
		ret = !want ? -ENOMEM :
		      accel_network_reference(ch.steps, ch.count, ch.n, ch.c, ch.h, ch.w,
					      ch.input, want);
		if (ret) {
			progress(tty, NULL);
			fprintf(stderr, "accelctl: %s: the host reference: %s\n", name,
				want ? accel_error() : "out of memory");
			goto out;
		}
		exact = !memcmp(want, mine, out_count * sizeof(*want));
	}
	if (other) {
		progress(tty, "running %s whole on %s...", name, o->compare);
		ret = chain_run(other, &ch, &theirs, &twin, &twin_res);
		if (ret) {
			progress(tty, NULL);
			fprintf(stderr, "accelctl: %s on %s: %s\n", name, o->compare,
				ret == -ENOMEM ? "out of memory" : accel_error());
			goto out;
		}
		same = !memcmp(theirs, mine, out_count * sizeof(*theirs)) &&
		       !memcmp(&res.counts, &twin_res.counts, sizeof(res.counts));
	}
	progress(tty, NULL);
	if (json)
		printf("{\"device\":\"%s\",\"backend\":\"%s\",\"network\":\"%s\","
		       "\"chained\":true,\"batch\":%u,\"layers\":[", info.node,
		       accel_backend_name(info.backend), name, o->batch);
	else
		printf("%s on %s (%s backend), batch %u, chained: %u steps, %u layers\n"
		       "  # layer              MACs(M)  PEs  zeros      cycles lat(ms)  energy(MAC=1)"
		       "   mac    rf   noc   glb  dram  DRAM(MB) host(ms)\n",
		       name, info.node, accel_backend_name(info.backend), o->batch, ch.count,
		       res.layers);
	for (unsigned i = 0, li = 0; i < ch.count; i++) {
		struct layer_run lr;

		if (ch.steps[i].kind != ACCEL_STEP_LAYER)
			continue;
		memset(&lr, 0, sizeof(lr));
		lr.layer.name = ch.steps[i].name;
		lr.layer.cv = ch.steps[i].cv;
		lr.res = res.layer[li];
		lr.host_ms = ms(res.layer[li].job.host_us);
		print_row(li + 1, &lr, !li);
		if (o->stats && !json)
			print_levels(&lr);
		cycles += res.layer[li].job.counts.cycles;
		li++;
	}
	if (json)
		printf("],\"energy\":%llu,\"cycles\":%llu,\"latency_ms\":%.6f,\"host_ms\":%.3f,"
		       "\"output\":[%u,%u,%u,%u]%s%s%s%s}\n",
		       (unsigned long long)res.energy, (unsigned long long)cycles,
		       ms(res.latency_us), ms(res.host_us), out_n, out_c, out_h, out_w,
		       o->check ? ",\"exact\":" : "",
		       o->check ? (exact ? "true" : "false") : "",
		       other ? ",\"same\":" : "", other ? (same ? "true" : "false") : "");
	else
		printf("total: %u layers, %llu cycles = %.3f ms at %.0f MHz, energy %.4g, host %.1f ms; "
		       "output %ux%ux%ux%u%s%s\n", res.layers, (unsigned long long)cycles,
		       ms(res.latency_us), info.hw.clock_khz / 1e3,
		       res.energy / (double)(1u << ROWSTAT_ENERGY_FRAC_BITS), ms(res.host_us),
		       out_n, out_c, out_h, out_w,
		       !o->check ? "" : exact ? ", exact against the host's reference network" :
		       ", DIFFERS from the host's reference network",
		       !other ? "" : same ? ", the same bytes and counts on both devices" :
		       ", NOT THE SAME on both devices");
out:
	accel_network_free(twin);
	accel_network_free(net);
	free(mine);
	free(want);
	free(theirs);
	accel_device_close(other);
	accel_device_close(dev);
	chain_free(&ch);
	return ret ? EXIT_FAILURE : exact && same ? 0 : EXIT_FAILURE;
}

static int cmd_run(int argc, char **argv, bool stats, bool bench)
{
	static const struct option long_opts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "layers", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 'S' },
		{ "check", no_argument, NULL, 'c' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "compare", required_argument, NULL, 'C' },
		{ "input", required_argument, NULL, 'I' },
		{ "output", required_argument, NULL, 'O' },
		{ "chain", no_argument, NULL, 'H' },
		{ 0 },
	};
	bool chained = false, picked_layers = false;
	struct run_opts o = { .batch = 1, .first = 1, .last = ~0u, .repeats = bench ? 10 : 1,
			      .seed = 1, .stats = stats };
	struct accel_network_layer *layers;
	struct accel_device *dev, *other = NULL;
	struct accel_device_info info;
	unsigned count = 0, failed = 0, differs = 0, shown = 0;
	uint64_t energy = 0, cycles = 0;
	double host = 0, compile_ms;
	bool tty = isatty(STDOUT_FILENO) && !json;
	unsigned shapes;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "b:l:n:", long_opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'b':
			o.batch = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !o.batch) {
				fprintf(stderr, "accelctl: --batch %s: not a positive number\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'H':
			chained = true;
			break;
		case 'l':
			picked_layers = true;
			if (sscanf(optarg, "%u-%u", &o.first, &o.last) < 1 || !o.first) {
				fprintf(stderr, "accelctl: --layers %s: expected FIRST[-LAST], from 1\n",
					optarg);
				return EXIT_USAGE;
			}
			if (!strchr(optarg, '-'))
				o.last = o.first;
			break;
		case 'S':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			o.check = true;
			break;
		case 'C':
			o.compare = optarg;
			break;
		case 'I':
			o.input = optarg;
			break;
		case 'O':
			o.output = optarg;
			break;
		case 'n':
			o.repeats = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !o.repeats) {
				fprintf(stderr, "accelctl: --repeat %s: not a positive number\n", optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "accelctl: run: name one network or layer\n");
		return EXIT_USAGE;
	}
	if (chained) {
		if (bench || picked_layers || o.input || o.output || o.repeats > 1 ||
		    strchr(argv[optind], '=')) {
			fprintf(stderr, "accelctl: --chain runs a built-in network whole: no -l, "
				"--input, --output, -n, bench or single layer\n");
			return EXIT_USAGE;
		}
		return run_chain(argv[optind], &o);
	}
	layers = calloc(ACCEL_NETWORK_MAX_LAYERS, sizeof(*layers));
	if (!layers)
		return EXIT_FAILURE;
	if (strchr(argv[optind], '=')) {
		if (!parse_layer(argv[optind], &layers[0], o.batch)) {
			free(layers);
			return EXIT_USAGE;
		}
		count = 1;
	} else if (accel_network_layers(argv[optind], o.batch, layers, ACCEL_NETWORK_MAX_LAYERS,
					&count)) {
		fprintf(stderr, "accelctl: %s\n", accel_error());
		free(layers);
		return EXIT_USAGE;
	}
	{
		unsigned picked = 0;

		for (unsigned i = 0; i < count; i++)
			picked += i + 1 >= o.first && i + 1 <= o.last;
		if ((o.input || o.output) && picked != 1) {
			fprintf(stderr, "accelctl: --input and --output take one layer (-l N), not %u\n",
				picked);
			free(layers);
			return EXIT_USAGE;
		}
		for (unsigned i = 0; o.input && i < count; i++) {
			struct accel_layer l = { .cv = layers[i].cv };
			FILE *f;
			long size = -1;

			if (i + 1 < o.first || i + 1 > o.last)
				continue;
			f = fopen(o.input, "rb");
			if (f && !fseek(f, 0, SEEK_END))
				size = ftell(f);
			if (f)
				fclose(f);
			if (size < 0 || (uint64_t)size != accel_layer_ifmap_bytes(&l)) {
				if (size < 0)
					fprintf(stderr, "accelctl: --input %s: %s\n", o.input,
						strerror(errno));
				else
					fprintf(stderr,
						"accelctl: --input %s: %ld bytes, layer %u's ifmap is %llu\n",
						o.input, size, i + 1,
						(unsigned long long)accel_layer_ifmap_bytes(&l));
				free(layers);
				return EXIT_USAGE;
			}
		}
	}
	if (open_device(&dev)) {
		free(layers);
		return EXIT_FAILURE;
	}
	if (o.compare && accel_device_open(o.compare, &other)) {
		fail(-ENODEV, "cannot open the device to compare with");
		accel_device_close(dev);
		free(layers);
		return EXIT_FAILURE;
	}
	accel_device_info(dev, &info);
	compile_ms = compile_ahead(dev, other, layers, count, &o, &shapes);
	if (json)
		printf("{\"device\":\"%s\",\"backend\":\"%s\",\"shapes\":%u,"
		       "\"compile_ms\":%.3f,\"layers\":[", info.node,
		       accel_backend_name(info.backend), shapes, compile_ms);
	else
		printf("%s on %s (%s backend), batch %u%s; %u shapes compiled in %.1f ms\n"
		       "  # layer              MACs(M)  PEs  zeros      cycles lat(ms)  energy(MAC=1)"
		       "   mac    rf   noc   glb  dram  DRAM(MB) host(ms)\n",
		       argv[optind], info.node, accel_backend_name(info.backend), o.batch,
		       bench ? ", repeated" : "", shapes, compile_ms);
	for (unsigned i = 0; i < count; i++) {
		struct layer_run lr;

		if (i + 1 < o.first || i + 1 > o.last)
			continue;
		progress(tty, "running %u/%u %s...", i + 1, count, layers[i].name);
		ret = layer_prepare(dev, &layers[i], o.seed + i, &lr, o.input);
		/* Host time per run: emit (the search is cached), submit, wait. */
		for (unsigned r = 0; !ret && r < o.repeats; r++) {
			struct timespec a, b;

			clock_gettime(CLOCK_MONOTONIC, &a);
			ret = accel_layer_run(dev, &lr.layer, &lr.res);
			clock_gettime(CLOCK_MONOTONIC, &b);
			lr.host_ms += ((b.tv_sec - a.tv_sec) * 1e3 +
				       (b.tv_nsec - a.tv_nsec) / 1e6) / o.repeats;
		}
		progress(tty, NULL);
		if (ret) {
			fprintf(stderr, "accelctl: layer %u (%s): %s\n", i + 1, layers[i].name,
				accel_error());
			failed++;
			layer_run_free(&lr);
			continue;
		}
		if (o.check && !layer_check(&lr))
			differs++;
		if (o.output) {
			FILE *f = fopen(o.output, "wb");
			uint64_t bytes = accel_layer_ofmap_bytes(&lr.layer);

			if (!f || fwrite(accel_buffer_map(lr.layer.ofmap), 1, bytes, f) != bytes) {
				fprintf(stderr, "accelctl: --output %s: %s\n", o.output,
					strerror(errno));
				failed++;
			}
			if (f)
				fclose(f);
		}
		if (other) {
			struct layer_run twin;

			ret = layer_prepare(other, &layers[i], o.seed + i, &twin, o.input);
			if (!ret)
				ret = accel_layer_run(other, &twin.layer, &twin.res);
			lr.compared = true;
			lr.same = !ret &&
				  !memcmp(accel_buffer_map(lr.layer.ofmap),
					  accel_buffer_map(twin.layer.ofmap),
					  accel_layer_ofmap_bytes(&lr.layer)) &&
				  !memcmp(&lr.res.job.counts, &twin.res.job.counts,
					  sizeof(lr.res.job.counts));
			if (ret)
				fprintf(stderr, "accelctl: layer %u (%s) on %s: %s\n", i + 1,
					layers[i].name, o.compare, accel_error());
			differs += !lr.same;
			layer_run_free(&twin);
		}
		print_row(i + 1, &lr, !shown++);
		if (o.stats && !json)
			print_levels(&lr);
		energy += lr.res.job.energy;
		cycles += lr.res.job.counts.cycles;
		host += lr.host_ms;
		layer_run_free(&lr);
	}
	if (json)
		printf("],\"energy\":%llu,\"cycles\":%llu,\"latency_ms\":%.6f,\"host_ms\":%.3f,"
		       "\"failed\":%u,\"differs\":%u}\n", (unsigned long long)energy,
		       (unsigned long long)cycles, cycles / (double)info.hw.clock_khz, host,
		       failed, differs);
	else
		printf("total: %u layers, %llu cycles = %.3f ms at %.0f MHz, energy %.4g, host %.1f ms%s\n",
		       shown, (unsigned long long)cycles, cycles / (double)info.hw.clock_khz,
		       info.hw.clock_khz / 1e3,
		       energy / (double)(1u << ROWSTAT_ENERGY_FRAC_BITS), host,
		       differs ? ", SOME DIFFER" :
		       o.check && o.compare ? ", all exact and the same on both devices" :
		       o.check ? ", all exact against the reference" :
		       o.compare ? ", all the same on both devices" : "");
	accel_device_close(other);
	accel_device_close(dev);
	free(layers);
	return failed || differs ? EXIT_FAILURE : 0;
}

/* ---- monitor ---- */

static int cmd_monitor(int argc, char **argv)
{
	unsigned long count = 0, seen = 0;
	long seconds = -1;
	struct accel_events *ev;
	int opt, ret;

	optind = 1;
	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		char *end;

		switch (opt) {
		case 'n':
			count = strtoul(optarg, &end, 10);
			if (*end || !count) {
				fprintf(stderr, "accelctl: monitor -n %s: not a positive number\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			seconds = strtol(optarg, &end, 10);
			if (*end || seconds <= 0) {
				fprintf(stderr, "accelctl: monitor -t %s: not a positive number\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	ret = accel_events_open(&ev);
	if (ret)
		return fail(ret, "cannot listen for events");
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!count || seen < count) {
		struct accel_event e;

		ret = accel_events_next(ev, seconds > 0 ? (int)(seconds * 1000) : -1, &e);
		if (ret == -ETIME)
			break;
		if (ret) {
			accel_events_close(ev);
			return fail(ret, "events");
		}
		seen++;
		if (json) {
			printf("{\"event\":\"%s\",\"device\":\"%s\"", accel_event_kind_name(e.kind),
			       e.device);
			if (e.kind == ACCEL_EVENT_HEALTH)
				printf(",\"reporter\":\"%s\",\"healthy\":%s,\"errors\":%llu,"
				       "\"recoveries\":%llu", e.reporter, e.healthy ? "true" : "false",
				       (unsigned long long)e.errors,
				       (unsigned long long)e.recoveries);
			if (e.kind == ACCEL_EVENT_FLASH)
				printf(",\"message\":\"%s\",\"end\":%s,\"done\":%llu,\"total\":%llu",
				       e.message, e.flash_end ? "true" : "false",
				       (unsigned long long)e.done, (unsigned long long)e.total);
			printf("}\n");
			continue;
		}
		printf("%-6s %s", accel_event_kind_name(e.kind), e.device);
		if (e.kind == ACCEL_EVENT_HEALTH)
			printf("  reporter %s %s, %llu errors, %llu recovered", e.reporter,
			       e.healthy ? "healthy" : "in error", (unsigned long long)e.errors,
			       (unsigned long long)e.recoveries);
		if (e.kind == ACCEL_EVENT_FLASH)
			printf("  %s%s", e.flash_end ? "done" : e.message[0] ? e.message : "begins",
			       e.total ? "" : "");
		printf("\n");
	}
	accel_events_close(ev);
	/* Fewer events than asked for within the time: a failure to see them. */
	return count && seen < count ? EXIT_FAILURE : 0;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cmd;
	int opt;

	/* Options before the command only; the command parses its own. */
	while ((opt = getopt_long(argc, argv, "+d:jh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			device_spec = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "list"))
		return argc == 1 ? cmd_list() : (usage(stderr), EXIT_USAGE);
	if (!strcmp(cmd, "info"))
		return argc == 1 ? cmd_info() : (usage(stderr), EXIT_USAGE);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv, false, false);
	if (!strcmp(cmd, "stats"))
		return cmd_run(argc, argv, true, false);
	if (!strcmp(cmd, "bench"))
		return cmd_run(argc, argv, false, true);
	if (!strcmp(cmd, "monitor"))
		return cmd_monitor(argc, argv);
	fprintf(stderr, "accelctl: \"%s\": not a command\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
