// SPDX-License-Identifier: MIT
/*
 * A cache of mapping searches.  A network repeats layer shapes (VGG-16's
 * conv3_2 and conv3_3, MobileNetV2's blocks of a stage), and a search
 * depends only on the hardware, the shape, the precisions, the tensor
 * formats, the hints and the options: the key holds exactly those, so a
 * hit returns what the search would.  Fixed capacity, oldest entry out.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler_internal.h"

/* Every input a search reads, as words: no padding to compare. */
struct cache_key {
	uint32_t hw[sizeof(struct rs_hw_params) / sizeof(uint32_t)];
	uint32_t conv[17];
	uint32_t tensors[4];
	double hints[2];
	uint32_t options[9];
};

struct cache_entry {
	uint64_t hash;
	struct cache_key key;
	int ret;
	struct accel_mapping map;
	struct accel_estimate est;
};

struct accel_map_cache {
	pthread_mutex_t lock;
	unsigned capacity, used, next;
	uint64_t hits, misses;
	struct cache_entry entries[];
};

_Static_assert(sizeof(struct rs_hw_params) % sizeof(uint32_t) == 0,
	       "rs_hw_params is made of 32-bit words");

static void key_get(struct cache_key *k, const struct rs_hw_params *hw,
		    const struct accel_conv *cv, const struct accel_tensor *in,
		    const struct accel_tensor *out, const struct accel_map_hints *hints,
		    const struct accel_map_options *opts)
{
	static const struct accel_map_options none;

	memset(k, 0, sizeof(*k));
	memcpy(k->hw, hw, sizeof(k->hw));
	/* Not the requantization or ReLU: no cost depends on them. */
	k->conv[0] = cv->batch;
	k->conv[1] = cv->in_channels;
	k->conv[2] = cv->in_height;
	k->conv[3] = cv->in_width;
	k->conv[4] = cv->out_channels;
	k->conv[5] = cv->kernel_h;
	k->conv[6] = cv->kernel_w;
	k->conv[7] = cv->groups;
	k->conv[8] = cv->stride_h;
	k->conv[9] = cv->stride_w;
	k->conv[10] = cv->pad_top;
	k->conv[11] = cv->pad_bottom;
	k->conv[12] = cv->pad_left;
	k->conv[13] = cv->pad_right;
	k->conv[14] = cv->ifmap_prec | cv->filter_prec << 8 | cv->ofmap_prec << 16;
	k->conv[15] = cv->bias;
	k->tensors[0] = in->rlc;
	k->tensors[1] = in->seg_rows;
	k->tensors[2] = out->rlc;
	k->tensors[3] = out->seg_rows;
	if (hints) {
		k->hints[0] = hints->ifmap_density;
		k->hints[1] = hints->ofmap_density;
	}
	if (!opts)
		opts = &none;
	k->options[0] = opts->objective;
	k->options[1] = opts->set_cols;
	k->options[2] = opts->filters_per_pe;
	k->options[3] = opts->channels_per_pe;
	k->options[4] = opts->filter_sets;
	k->options[5] = opts->channel_sets;
	k->options[6] = opts->images_per_pass;
	k->options[7] = opts->full_sets;
	k->options[8] = opts->set_rows;
}

/* FNV-1a over the key's bytes. */
static uint64_t key_hash(const struct cache_key *k)
{
	const unsigned char *b = (const unsigned char *)k;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

struct accel_map_cache *accel_map_cache_create(unsigned capacity)
{
	struct accel_map_cache *c;

	if (!capacity || capacity > ACCEL_MAP_CACHE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c) + (size_t)capacity * sizeof(c->entries[0]));
	if (!c)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL)) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->capacity = capacity;
	return c;
}

void accel_map_cache_destroy(struct accel_map_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static bool lookup(struct accel_map_cache *c, uint64_t hash, const struct cache_key *k,
		   int *ret, struct accel_mapping *map, struct accel_estimate *est)
{
	for (unsigned i = 0; i < c->used; i++) {
		const struct cache_entry *e = &c->entries[i];

		if (e->hash != hash || memcmp(&e->key, k, sizeof(*k)))
			continue;
		*ret = e->ret;
		*map = e->map;
		if (est)
			*est = e->est;
		return true;
	}
	return false;
}

int accel_map_search_cached(struct accel_map_cache *c, const struct rs_hw_params *hw,
			    const struct accel_conv *cv, const struct accel_tensor *in,
			    const struct accel_tensor *out, const struct accel_map_hints *hints,
			    const struct accel_map_options *opts, struct accel_mapping *best,
			    struct accel_estimate *est)
{
	struct cache_entry fresh;
	uint64_t hash;
	int ret;

	if (!c)
		return accel_map_search(hw, cv, in, out, hints, opts, best, est);
	key_get(&fresh.key, hw, cv, in, out, hints, opts);
	hash = key_hash(&fresh.key);
	pthread_mutex_lock(&c->lock);
	if (lookup(c, hash, &fresh.key, &ret, best, est)) {
		c->hits++;
		pthread_mutex_unlock(&c->lock);
		return ret;
	}
	c->misses++;
	pthread_mutex_unlock(&c->lock);
	/* Searched unlocked: another thread may search the same shape too. */
	memset(&fresh.map, 0, sizeof(fresh.map));
	memset(&fresh.est, 0, sizeof(fresh.est));
	ret = accel_map_search(hw, cv, in, out, hints, opts, &fresh.map, &fresh.est);
	/* Bad arguments and lack of memory are not answers to keep. */
	if (ret && ret != -ENOSPC)
		return ret;
	fresh.hash = hash;
	fresh.ret = ret;
	*best = fresh.map;
	if (est)
		*est = fresh.est;
	pthread_mutex_lock(&c->lock);
	c->entries[c->next] = fresh;
	c->next = (c->next + 1) % c->capacity;
	if (c->used < c->capacity)
		c->used++;
	pthread_mutex_unlock(&c->lock);
	return ret;
}

void accel_map_cache_stats(struct accel_map_cache *c, struct accel_map_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	st->hits = c->hits;
	st->misses = c->misses;
	st->entries = c->used;
	st->capacity = c->capacity;
	pthread_mutex_unlock(&c->lock);
}

/* A batch's distinct searches, and the next one a thread takes. */
struct batch {
	struct accel_map_cache *cache;
	const struct rs_hw_params *hw;
	struct accel_map_request *reqs;
	const unsigned *order;	/* a request of each distinct search, largest first */
	struct accel_estimate *ests;	/* of each, in that order */
	unsigned distinct;
	unsigned next;		/* atomic */
};

static void *batch_work(void *arg)
{
	struct batch *b = arg;
	unsigned k;

	while ((k = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->distinct) {
		struct accel_map_request *r = &b->reqs[b->order[k]];

		r->ret = accel_map_search_cached(b->cache, b->hw, r->cv, r->in, r->out, r->hints,
						 r->opts, r->map, &b->ests[k]);
	}
	return NULL;
}

/* A request's key hash, size and index, sorted to find repeats and then by size. */
struct keyed {
	uint64_t hash, macs;
	unsigned index;
};

static int cmp_hash(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Largest first, then in request order: the longest searches start first. */
static int cmp_macs(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->macs != y->macs)
		return x->macs > y->macs ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Finds the repeats: first[i] is the first request with request i's key.
 * The distinct searches go to order, largest first.
 */
static int batch_plan(const struct rs_hw_params *hw, const struct accel_map_request *reqs,
		      unsigned count, unsigned *first, unsigned *order, unsigned *distinct)
{
	struct keyed *kd = calloc(count, sizeof(*kd));
	struct cache_key *keys = calloc(count, sizeof(*keys));
	unsigned run = 0, n = 0;

	if (!kd || !keys) {
		free(kd);
		free(keys);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < count; i++) {
		const struct accel_map_request *r = &reqs[i];

		key_get(&keys[i], hw, r->cv, r->in, r->out, r->hints, r->opts);
		kd[i].hash = key_hash(&keys[i]);
		kd[i].index = i;
	}
	qsort(kd, count, sizeof(*kd), cmp_hash);
	for (unsigned i = 0; i < count; i++) {
		unsigned at = kd[i].index;

		if (i && kd[i].hash != kd[i - 1].hash)
			run = i;
		first[at] = at;
		/* Among the same hash, in request order: compare with the firsts. */
		for (unsigned j = run; j < i; j++) {
			unsigned other = kd[j].index;

			if (first[other] == other && !memcmp(&keys[other], &keys[at], sizeof(keys[at]))) {
				first[at] = other;
				break;
			}
		}
	}
	for (unsigned i = 0; i < count; i++)
		if (first[i] == i)
			kd[n++] = (struct keyed){
				.macs = accel_conv_check(reqs[i].cv, NULL, 0) ? 0 :
					accel_conv_macs(reqs[i].cv),
				.index = i,
			};
	qsort(kd, n, sizeof(*kd), cmp_macs);
	for (unsigned i = 0; i < n; i++)
		order[i] = kd[i].index;
	*distinct = n;
	free(kd);
	free(keys);
	return 0;
}

int accel_map_search_batch(struct accel_map_cache *cache, const struct rs_hw_params *hw,
			   struct accel_map_request *reqs, unsigned count, unsigned threads)
{
	struct batch b = { .cache = cache, .hw = hw, .reqs = reqs };
	pthread_t tid[ACCEL_MAP_THREADS_MAX];
	unsigned *first, *order, *slot, started = 0;
	int ret;

	if (!hw || (!reqs && count))
		return -EINVAL;
	for (unsigned i = 0; i < count; i++)
		if (!reqs[i].cv || !reqs[i].in || !reqs[i].out || !reqs[i].map)
			return -EINVAL;
	if (!count)
		return 0;
	first = malloc(count * sizeof(*first));
	order = malloc(count * sizeof(*order));
	slot = malloc(count * sizeof(*slot));
	b.ests = calloc(count, sizeof(*b.ests));
	ret = first && order && slot && b.ests ? 0 : -ENOMEM;
	if (!ret)
		ret = batch_plan(hw, reqs, count, first, order, &b.distinct);
	if (ret)
		goto out;
	b.order = order;
	for (unsigned k = 0; k < b.distinct; k++)
		slot[order[k]] = k;
	if (!threads) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cpus > 0 ? (unsigned)cpus : 1;
	}
	threads = min_u(min_u(threads, ACCEL_MAP_THREADS_MAX), b.distinct);
	/* A thread that cannot start leaves its share to the others. */
	while (started + 1 < threads && !pthread_create(&tid[started], NULL, batch_work, &b))
		started++;
	batch_work(&b);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	for (unsigned i = 0; i < count; i++) {
		struct accel_map_request *r = &reqs[i];

		if (first[i] != i) {
			r->ret = reqs[first[i]].ret;
			*r->map = *reqs[first[i]].map;
		}
		if (r->est)
			*r->est = b.ests[slot[first[i]]];
		if (r->ret && !ret)
			ret = r->ret;
	}
out:
	free(first);
	free(order);
	free(slot);
	free(b.ests);
	return ret;
}
