// SPDX-License-Identifier: MIT
/*
 * Networks on a device (rowstat/runtime.h): layers on two activation
 * buffers taken in turn, the host's steps between them on the same
 * buffers' mappings, weights uploaded once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rowstat/networks.h>

#include "runtime_internal.h"

/* A tensor's shape: batch, channels, height, width. */
struct shape {
	unsigned n, c, h, w;
};

struct net_step {
	struct accel_step s;
	char name[32];
	struct shape in, out;
	struct accel_buffer *filters, *bias;
};

struct accel_network {
	struct accel_device *dev;
	struct net_step *steps;
	unsigned count, layers;
	unsigned prec;			/* of every activation */
	struct shape input, output;
	struct accel_buffer *act[2], *kept;
	int16_t *scratch[2];		/* host steps' values */
	struct accel_layer_result *results;
};

static uint64_t elems(const struct shape *s)
{
	return (uint64_t)s->n * s->c * s->h * s->w;
}

static const char *step_kind(enum accel_step_kind k)
{
	static const char *const names[] = { "layer", "maxpool", "avgpool", "keep", "add",
					     "flatten", "swap" };

	return k <= ACCEL_STEP_SWAP ? names[k] : "?";
}

/* Each step's output shape; -EINVAL naming the step and field that do not chain. */
static int chain(struct accel_network *net)
{
	struct shape cur = net->input, kept = { 0 };
	bool have_kept = false;
	char err[200];

	for (unsigned i = 0; i < net->count; i++) {
		struct net_step *st = &net->steps[i];
		const struct accel_conv *cv = &st->s.cv;
		const char *name = st->name;

		st->in = cur;
		switch (st->s.kind) {
		case ACCEL_STEP_LAYER:
			if (accel_conv_check(cv, err, sizeof(err)))
				return accel_fail(-EINVAL, "step %u (%s): %s", i, name, err);
			if (cv->batch != cur.n || cv->in_channels != cur.c ||
			    cv->in_height != cur.h || cv->in_width != cur.w)
				return accel_fail(-EINVAL,
						  "step %u (%s): the layer takes %ux%ux%ux%u (batch, channels, height, width), the step before gives %ux%ux%ux%u",
						  i, name, cv->batch, cv->in_channels, cv->in_height,
						  cv->in_width, cur.n, cur.c, cur.h, cur.w);
			if (cv->ifmap_prec != net->prec || cv->ofmap_prec != net->prec)
				return accel_fail(-EINVAL,
						  "step %u (%s): ifmap_prec and ofmap_prec must be the network's precision %u",
						  i, name, net->prec);
			if (!st->s.filters || (cv->bias && !st->s.bias))
				return accel_fail(-EINVAL, "step %u (%s): %s is NULL", i, name,
						  st->s.filters ? "bias" : "filters");
			cur.c = cv->out_channels;
			cur.h = accel_conv_out_height(cv);
			cur.w = accel_conv_out_width(cv);
			net->layers++;
			break;
		case ACCEL_STEP_MAXPOOL:
		case ACCEL_STEP_AVGPOOL:
			if (!st->s.k || !st->s.stride || st->s.pad >= st->s.k ||
			    cur.h + 2 * st->s.pad < st->s.k || cur.w + 2 * st->s.pad < st->s.k)
				return accel_fail(-EINVAL,
						  "step %u (%s): pooling k %u, stride %u, pad %u do not fit %ux%u",
						  i, name, st->s.k, st->s.stride, st->s.pad, cur.h, cur.w);
			cur.h = (cur.h + 2 * st->s.pad - st->s.k) / st->s.stride + 1;
			cur.w = (cur.w + 2 * st->s.pad - st->s.k) / st->s.stride + 1;
			break;
		case ACCEL_STEP_KEEP:
			kept = cur;
			have_kept = true;
			break;
		case ACCEL_STEP_ADD:
			if (!have_kept || memcmp(&kept, &cur, sizeof(cur)))
				return accel_fail(-EINVAL,
						  "step %u (%s): %s", i, name,
						  have_kept ? "the kept tensor's shape differs" :
						  "no KEEP step before it");
			break;
		case ACCEL_STEP_FLATTEN:
			cur.c *= cur.h * cur.w;
			cur.h = cur.w = 1;
			break;
		case ACCEL_STEP_SWAP: {
			struct shape was = cur;

			if (!have_kept)
				return accel_fail(-EINVAL, "step %u (%s): no KEEP step before it",
						  i, name);
			cur = kept;
			kept = was;
			break;
		}
		default:
			return accel_fail(-EINVAL, "step %u (%s): kind %d is no step", i, name,
					  st->s.kind);
		}
		st->out = cur;
	}
	net->output = cur;
	return 0;
}

/* Compiles every layer step at once, on every CPU, into the device's cache. */
static int prepare(struct accel_network *net)
{
	struct accel_layer *layers = calloc(net->layers ? net->layers : 1, sizeof(*layers));
	unsigned k = 0;
	int ret;

	if (!layers)
		return accel_fail(-ENOMEM, "network: out of memory");
	for (unsigned i = 0; i < net->count; i++)
		if (net->steps[i].s.kind == ACCEL_STEP_LAYER)
			layers[k++] = (struct accel_layer){ .name = net->steps[i].name,
							    .cv = net->steps[i].s.cv };
	ret = accel_layers_prepare(net->dev, layers, k);
	free(layers);
	return ret;
}

/* The weights of every layer step, into buffers of their own. */
static int upload(struct accel_network *net)
{
	for (unsigned i = 0; i < net->count; i++) {
		struct net_step *st = &net->steps[i];
		const struct accel_conv *cv = &st->s.cv;
		struct accel_layer l = { .cv = *cv };
		uint64_t bytes = accel_layer_filter_bytes(&l);
		int ret;

		if (st->s.kind != ACCEL_STEP_LAYER)
			continue;
		/* No stream of ours writes weights: the device may not either. */
		ret = accel_buffer_alloc_read_only(net->dev, bytes, &st->filters);
		if (!ret && cv->bias)
			ret = accel_buffer_alloc_read_only(net->dev, 4ull * cv->out_channels,
							   &st->bias);
		if (ret)
			return ret;
		accel_values_pack(accel_buffer_map(st->filters), st->s.filters,
				  bytes / rs_hw_prec_bytes(cv->filter_prec), cv->filter_prec);
		if (cv->bias)
			memcpy(accel_buffer_map(st->bias), st->s.bias, 4ull * cv->out_channels);
	}
	return 0;
}

/*
 * Copies the steps into net (naming those without a name), takes the
 * network's precision from its first layer and chains the shapes; *most:
 * the largest tensor's elements.  0, or -EINVAL / -ENOMEM, said.
 */
static int describe(struct accel_network *net, const struct accel_step *steps, unsigned count,
		    unsigned n, unsigned c, unsigned h, unsigned w, uint64_t *most)
{
	int ret;

	*most = 0;
	net->input = (struct shape){ n, c, h, w };
	net->prec = ROWSTAT_PREC_Q16;
	net->steps = calloc(count, sizeof(*net->steps));
	if (!net->steps)
		return accel_fail(-ENOMEM, "network: out of memory");
	net->count = count;
	for (unsigned i = 0; i < count; i++) {
		net->steps[i].s = steps[i];
		snprintf(net->steps[i].name, sizeof(net->steps[i].name), "%s",
			 steps[i].name ? steps[i].name : step_kind(steps[i].kind));
		net->steps[i].s.name = net->steps[i].name;
	}
	for (unsigned i = 0; i < count; i++)
		if (steps[i].kind == ACCEL_STEP_LAYER) {
			net->prec = steps[i].cv.ifmap_prec;
			break;
		}
	ret = !n || !c || !h || !w ? accel_fail(-EINVAL, "network: input %ux%ux%ux%u is empty",
						n, c, h, w) : chain(net);
	*most = elems(&net->input);
	for (unsigned i = 0; !ret && i < count; i++)
		if (elems(&net->steps[i].out) > *most)
			*most = elems(&net->steps[i].out);
	return ret;
}

int accel_network_create(struct accel_device *dev, const struct accel_step *steps,
			 unsigned count, unsigned n, unsigned c, unsigned h, unsigned w,
			 struct accel_network **out)
{
	struct accel_network *net;
	uint64_t most, bytes;
	bool keeps = false;
	int ret;

	if (!dev || !steps || !out || !count)
		return accel_fail(-EINVAL, "accel_network_create: %s",
				  !dev ? "dev is NULL" : !steps ? "steps is NULL" :
				  !out ? "net is NULL" : "no steps");
	*out = NULL;
	net = calloc(1, sizeof(*net));
	if (!net)
		return accel_fail(-ENOMEM, "network: out of memory");
	net->dev = dev;
	ret = describe(net, steps, count, n, c, h, w, &most);
	for (unsigned i = 0; i < count; i++)
		keeps |= steps[i].kind == ACCEL_STEP_KEEP;
	bytes = most * rs_hw_prec_bytes(net->prec);
	if (!ret) {
		net->results = calloc(net->layers ? net->layers : 1, sizeof(*net->results));
		net->scratch[0] = malloc(most * sizeof(int16_t));
		net->scratch[1] = malloc(most * sizeof(int16_t));
		if (!net->results || !net->scratch[0] || !net->scratch[1])
			ret = accel_fail(-ENOMEM, "network: out of memory");
	}
	if (!ret)
		ret = accel_buffer_alloc(dev, bytes, &net->act[0]);
	if (!ret)
		ret = accel_buffer_alloc(dev, bytes, &net->act[1]);
	if (!ret && keeps)
		ret = accel_buffer_alloc(dev, bytes, &net->kept);
	if (!ret)
		ret = prepare(net);
	if (!ret)
		ret = upload(net);
	if (ret) {
		accel_network_free(net);
		return ret;
	}
	*out = net;
	return 0;
}

void accel_network_free(struct accel_network *net)
{
	if (!net)
		return;
	for (unsigned i = 0; i < net->count; i++) {
		accel_buffer_free(net->steps[i].filters);
		accel_buffer_free(net->steps[i].bias);
	}
	accel_buffer_free(net->act[0]);
	accel_buffer_free(net->act[1]);
	accel_buffer_free(net->kept);
	free(net->scratch[0]);
	free(net->scratch[1]);
	free(net->results);
	free(net->steps);
	free(net);
}

void accel_network_output(const struct accel_network *net, unsigned *n, unsigned *c,
			  unsigned *h, unsigned *w)
{
	*n = net->output.n;
	*c = net->output.c;
	*h = net->output.h;
	*w = net->output.w;
}

static int16_t clamp(long v, unsigned prec)
{
	long hi = rs_hw_prec_bytes(prec) == 1 ? 127 : 32767;

	return (int16_t)(v > hi ? hi : v < -hi - 1 ? -hi - 1 : v);
}

/* Pooling from in (st->in) to out (st->out); padding never wins a max nor counts in a mean. */
static void pool(const struct net_step *st, const int16_t *in, int16_t *out)
{
	const struct shape *a = &st->in, *b = &st->out;
	bool max = st->s.kind == ACCEL_STEP_MAXPOOL;
	size_t o = 0;

	for (unsigned p = 0; p < a->n * a->c; p++)
		for (unsigned y = 0; y < b->h; y++)
			for (unsigned x = 0; x < b->w; x++) {
				long best = -32769, sum = 0, taken = 0;

				for (unsigned i = 0; i < st->s.k; i++)
					for (unsigned j = 0; j < st->s.k; j++) {
						long yy = (long)(y * st->s.stride + i) - st->s.pad;
						long xx = (long)(x * st->s.stride + j) - st->s.pad;
						long v;

						if (yy < 0 || xx < 0 || yy >= a->h || xx >= a->w)
							continue;
						v = in[((size_t)p * a->h + (size_t)yy) * a->w + (size_t)xx];
						best = v > best ? v : best;
						sum += v;
						taken++;
					}
				/* Means round half away from zero. */
				out[o++] = (int16_t)(max ? best : sum >= 0 ?
						     (sum + taken / 2) / taken :
						     -((-sum + taken / 2) / taken));
			}
}

int accel_network_run(struct accel_network *net, const int16_t *input, int16_t *output,
		      struct accel_network_result *res)
{
	unsigned cur = 0, li = 0, prec;
	double t0 = accel_now_us();
	int ret = 0;

	if (!net || !input || !output || !res)
		return accel_fail(-EINVAL, "accel_network_run: %s is NULL",
				  !net ? "net" : !input ? "input" : !output ? "output" : "res");
	prec = net->prec;
	memset(res, 0, sizeof(*res));
	res->layers = net->layers;
	res->layer = net->results;
	accel_values_pack(accel_buffer_map(net->act[0]), input, elems(&net->input), prec);
	for (unsigned i = 0; i < net->count && !ret; i++) {
		struct net_step *st = &net->steps[i];
		void *here = accel_buffer_map(net->act[cur]), *there = accel_buffer_map(net->act[!cur]);
		uint64_t count = elems(&st->in);

		switch (st->s.kind) {
		case ACCEL_STEP_LAYER: {
			struct accel_layer l = {
				.name = st->name, .cv = st->s.cv, .ifmap = net->act[cur],
				.filters = st->filters, .bias = st->bias, .ofmap = net->act[!cur],
			};

			ret = accel_layer_run(net->dev, &l, &net->results[li]);
			if (ret)
				break;
			rs_hw_counters_add(&res->counts, &net->results[li].job.counts);
			res->energy += net->results[li].job.energy;
			res->latency_us += net->results[li].job.latency_us;
			li++;
			cur = !cur;
			break;
		}
		case ACCEL_STEP_MAXPOOL:
		case ACCEL_STEP_AVGPOOL:
			accel_values_unpack(net->scratch[0], here, count, prec);
			pool(st, net->scratch[0], net->scratch[1]);
			accel_values_pack(there, net->scratch[1], elems(&st->out), prec);
			cur = !cur;
			break;
		case ACCEL_STEP_KEEP:
			memcpy(accel_buffer_map(net->kept), here, count * rs_hw_prec_bytes(prec));
			break;
		case ACCEL_STEP_ADD:
			accel_values_unpack(net->scratch[0], here, count, prec);
			accel_values_unpack(net->scratch[1], accel_buffer_map(net->kept), count, prec);
			for (uint64_t k = 0; k < count; k++) {
				long v = (long)net->scratch[0][k] + net->scratch[1][k];

				net->scratch[0][k] = clamp(st->s.relu && v < 0 ? 0 : v, prec);
			}
			accel_values_pack(here, net->scratch[0], count, prec);
			break;
		case ACCEL_STEP_FLATTEN:
			break;	/* [N][C][H][W] is already [N][C*H*W] */
		case ACCEL_STEP_SWAP: {
			/* All three buffers hold the largest tensor: swap them, not bytes. */
			struct accel_buffer *was = net->act[cur];

			net->act[cur] = net->kept;
			net->kept = was;
			break;
		}
		}
	}
	if (ret)
		return ret;
	accel_values_unpack(output, accel_buffer_map(net->act[cur]), elems(&net->output), prec);
	res->host_us = accel_now_us() - t0;
	return 0;
}

/* One host step of the reference on values (cur, kept), other for output. */
static void reference_step(const struct net_step *st, int16_t **cur, int16_t **other,
			   int16_t **kept, unsigned prec)
{
	const struct accel_step *s = &st->s;
	uint64_t count = elems(&st->in);
	int16_t *t;

	switch (s->kind) {
	case ACCEL_STEP_LAYER:
		accel_reference_conv(&s->cv, *cur, s->filters, s->bias, *other);
		break;
	case ACCEL_STEP_MAXPOOL:
	case ACCEL_STEP_AVGPOOL:
		pool(st, *cur, *other);
		break;
	case ACCEL_STEP_KEEP:
		memcpy(*kept, *cur, count * sizeof(int16_t));
		return;
	case ACCEL_STEP_ADD:
		for (uint64_t k = 0; k < count; k++) {
			long v = (long)(*cur)[k] + (*kept)[k];

			(*cur)[k] = clamp(s->relu && v < 0 ? 0 : v, prec);
		}
		return;
	case ACCEL_STEP_SWAP:
		t = *cur;
		*cur = *kept;
		*kept = t;
		return;
	default:
		return;
	}
	t = *cur;
	*cur = *other;
	*other = t;
}

int accel_network_reference(const struct accel_step *steps, unsigned count, unsigned n,
			    unsigned c, unsigned h, unsigned w, const int16_t *input,
			    int16_t *output)
{
	struct accel_network net = { 0 };
	int16_t *buf[3] = { NULL }, *cur, *other, *kept;
	uint64_t most;
	int ret;

	if (!steps || !count || !input || !output)
		return accel_fail(-EINVAL, "accel_network_reference: %s",
				  !steps ? "steps is NULL" : !count ? "no steps" :
				  !input ? "input is NULL" : "output is NULL");
	ret = describe(&net, steps, count, n, c, h, w, &most);
	for (unsigned k = 0; !ret && k < 3; k++)
		if (!(buf[k] = malloc(most * sizeof(int16_t))))
			ret = accel_fail(-ENOMEM, "network: out of memory");
	if (!ret) {
		cur = buf[0];
		other = buf[1];
		kept = buf[2];
		memcpy(cur, input, elems(&net.input) * sizeof(int16_t));
		for (unsigned i = 0; i < count; i++)
			reference_step(&net.steps[i], &cur, &other, &kept, net.prec);
		memcpy(output, cur, elems(&net.output) * sizeof(int16_t));
	}
	for (unsigned k = 0; k < 3; k++)
		free(buf[k]);
	free(net.steps);
	return ret;
}
