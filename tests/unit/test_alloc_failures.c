// SPDX-License-Identifier: MIT
/*
 * Every allocation the compiler makes can fail.  Each call below runs
 * again and again with its n-th allocation failing, for every n up to the
 * number it makes.  A failure must come back as -ENOMEM, or the call must
 * still give the result it gives with memory to spare; never a crash, a
 * result half written, or a leak (LeakSanitizer, in the sanitized build).
 *
 * The binary is linked with --wrap for malloc, calloc and realloc
 * (Makefile): the library's calls come through here.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alexnet.h"
#include "check_main.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *p, size_t size);

/* The allocation that fails (counting from 0), or -1; how many were made. */
static long fail_at = -1;
static long made;

static bool alloc_fails(void)
{
	long n;

	if (__atomic_load_n(&fail_at, __ATOMIC_RELAXED) < 0)
		return false;
	n = __atomic_fetch_add(&made, 1, __ATOMIC_RELAXED);
	return n == __atomic_load_n(&fail_at, __ATOMIC_RELAXED);
}

/* As the C library fails: NULL with errno ENOMEM. */
static void *failed(void)
{
	errno = ENOMEM;
	return NULL;
}

void *__wrap_malloc(size_t size)
{
	return alloc_fails() ? failed() : __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size)
{
	return alloc_fails() ? failed() : __real_calloc(count, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_fails() ? failed() : __real_realloc(p, size);
}

/*
 * A call under test: its return value; it leaves its results in its own
 * state, and asserts nothing (Check's assertions allocate too).
 */
typedef int (*alloc_call)(void *state);
/* Whether the call's results equal the reference run's. */
typedef bool (*alloc_same)(const void *state, const void *reference);
/* Whether what the call reported besides its return value holds (NULL: nothing). */
typedef bool (*alloc_sane)(const void *state);

/*
 * Runs call with each of its allocations failing in turn; returns how
 * many it makes.  ref is the state of a run without failures.
 */
static long fail_each(const char *what, alloc_call call, alloc_same same, alloc_sane sane,
		      void *state, size_t state_size, const void *ref)
{
	long n;

	for (n = 0;; n++) {
		int ret;

		memcpy(state, ref, state_size);
		__atomic_store_n(&made, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&fail_at, n, __ATOMIC_RELAXED);
		ret = call(state);
		__atomic_store_n(&fail_at, -1, __ATOMIC_RELAXED);
		ck_assert_msg(ret == 0 || ret == -ENOMEM, "%s, allocation %ld failing: returned %d",
			      what, n, ret);
		ck_assert_msg(!sane || sane(state), "%s, allocation %ld failing: a bad errno or status",
			      what, n);
		if (ret == 0)
			ck_assert_msg(same(state, ref), "%s, allocation %ld failing: a different result",
				      what, n);
		/* Fewer allocations than n + 1: every one has failed in turn. */
		if (__atomic_load_n(&made, __ATOMIC_RELAXED) <= n)
			break;
	}
	ck_assert_msg(n > 0, "%s allocates nothing: the test proves nothing", what);
	return n;
}

static struct rs_hw_params hw;

/* ---- accel_map_search, accel_map_explain --------------------------------- */

struct search_state {
	struct accel_conv cv;
	struct accel_tensor in, out;
	struct accel_mapping map;
	struct accel_estimate est;
};

static int call_search(void *p)
{
	struct search_state *s = p;

	return accel_map_search(&hw, &s->cv, &s->in, &s->out, NULL, NULL, &s->map, &s->est);
}

static bool same_search(const void *a, const void *b)
{
	const struct search_state *x = a, *y = b;

	return !memcmp(&x->map, &y->map, sizeof(x->map)) &&
	       !memcmp(&x->est, &y->est, sizeof(x->est));
}

/* Layers of every path: AlexNet's CONV2, a grouped one, and a split FC layer. */
static void layer(unsigned i, struct search_state *s)
{
	static const struct accel_conv grouped = {
		.batch = 2, .in_channels = 32, .in_height = 14, .in_width = 14,
		.out_channels = 32, .kernel_h = 3, .kernel_w = 3, .groups = 32,
		.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1,
		.pad_left = 1, .pad_right = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.requant_mult = 1,
	};
	static const struct accel_conv fc = {
		.batch = 1, .in_channels = 25088, .in_height = 1, .in_width = 1,
		.out_channels = 64, .kernel_h = 1, .kernel_w = 1, .groups = 1,
		.stride_h = 1, .stride_w = 1, .ifmap_prec = ROWSTAT_PREC_Q16,
		.filter_prec = ROWSTAT_PREC_Q16, .ofmap_prec = ROWSTAT_PREC_Q16,
		.bias = true, .requant_mult = 1,
	};

	struct alexnet_layer conv2;

	memset(s, 0, sizeof(*s));
	alexnet_layer_get(1, ALEXNET_BATCH, &conv2);
	s->cv = i == 0 ? conv2.cv : i == 1 ? grouped : fc;
}

#define LAYERS 3

START_TEST(a_search_survives_every_failed_allocation)
{
	struct search_state ref, state;
	long made_by;

	layer(_i, &ref);
	ck_assert_int_eq(call_search(&ref), 0);
	made_by = fail_each("accel_map_search", call_search, same_search, NULL, &state,
			    sizeof(state), &ref);
	printf("alloc: accel_map_search of layer %d: each of its %ld allocations failed in turn\n",
	       _i, made_by);
}
END_TEST

struct explain_state {
	struct search_state layer;
	struct accel_map_explanation ex;
};

static int call_explain(void *p)
{
	struct explain_state *s = p;

	return accel_map_explain(&hw, &s->layer.cv, &s->layer.in, &s->layer.out, NULL, NULL,
				 &s->ex);
}

static bool same_explain(const void *a, const void *b)
{
	const struct explain_state *x = a, *y = b;

	return !memcmp(&x->ex, &y->ex, sizeof(x->ex));
}

START_TEST(an_explanation_survives_every_failed_allocation)
{
	static struct explain_state ref, state;

	layer(1, &ref.layer);
	ck_assert_int_eq(call_explain(&ref), 0);
	fail_each("accel_map_explain", call_explain, same_explain, NULL, &state, sizeof(state), &ref);
}
END_TEST

/* ---- the cache and the batch ------------------------------------------------ */

#define BATCH 4

struct batch_state {
	struct search_state layer[BATCH];
	struct accel_map_request req[BATCH];
	unsigned threads;
	bool bad_errno;		/* the cache failed without errno ENOMEM */
	bool bad_ret;		/* a request's ret was neither 0 nor -ENOMEM */
};

static int call_cached(void *p)
{
	struct batch_state *s = p;
	struct accel_map_cache *cache = accel_map_cache_create(8);
	int ret;

	if (!cache) {
		s->bad_errno = errno != ENOMEM;
		return -ENOMEM;
	}
	/* A miss, then a hit. */
	ret = accel_map_search_cached(cache, &hw, &s->layer[0].cv, &s->layer[0].in,
				      &s->layer[0].out, NULL, NULL, &s->layer[0].map,
				      &s->layer[0].est);
	if (!ret)
		ret = accel_map_search_cached(cache, &hw, &s->layer[0].cv, &s->layer[0].in,
					      &s->layer[0].out, NULL, NULL, &s->layer[1].map,
					      &s->layer[1].est);
	accel_map_cache_destroy(cache);
	return ret;
}

static int call_batch(void *p)
{
	struct batch_state *s = p;
	struct accel_map_cache *cache = accel_map_cache_create(8);
	int ret;

	if (!cache)
		return -ENOMEM;
	for (unsigned i = 0; i < BATCH; i++)
		s->req[i] = (struct accel_map_request){
			.cv = &s->layer[i].cv, .in = &s->layer[i].in, .out = &s->layer[i].out,
			.map = &s->layer[i].map, .est = &s->layer[i].est,
		};
	ret = accel_map_search_batch(cache, &hw, s->req, BATCH, s->threads);
	/* Each request has its own ret: mapped, or out of memory. */
	for (unsigned i = 0; i < BATCH; i++)
		s->bad_ret |= s->req[i].ret != 0 && s->req[i].ret != -ENOMEM;
	accel_map_cache_destroy(cache);
	return ret;
}

static bool same_batch(const void *a, const void *b)
{
	const struct batch_state *x = a, *y = b;

	for (unsigned i = 0; i < BATCH; i++)
		if (!same_search(&x->layer[i], &y->layer[i]))
			return false;
	return true;
}

static bool sane_batch(const void *p)
{
	const struct batch_state *s = p;

	return !s->bad_errno && !s->bad_ret;
}

static void batch_layers(struct batch_state *s, unsigned threads)
{
	memset(s, 0, sizeof(*s));
	/* Two layers twice: the repeats take the first's result. */
	for (unsigned i = 0; i < BATCH; i++)
		layer(i % 2, &s->layer[i]);
	s->threads = threads;
}

START_TEST(the_cache_survives_every_failed_allocation)
{
	static struct batch_state ref, state;

	batch_layers(&ref, 1);
	ck_assert_int_eq(call_cached(&ref), 0);
	ck_assert(!memcmp(&ref.layer[0].map, &ref.layer[1].map, sizeof(ref.layer[0].map)));
	fail_each("accel_map_search_cached", call_cached, same_batch, sane_batch, &state, sizeof(state),
		  &ref);
}
END_TEST

/* One thread and two: with two, which allocation fails varies, not what must hold. */
START_TEST(a_batch_survives_every_failed_allocation)
{
	static struct batch_state ref, state;

	batch_layers(&ref, 1 + _i);
	ck_assert_int_eq(call_batch(&ref), 0);
	fail_each("accel_map_search_batch", call_batch, same_batch, sane_batch, &state, sizeof(state), &ref);
}
END_TEST

/* ---- accel_emit_conv ---------------------------------------------------------- */

struct emit_state {
	struct search_state layer;
	struct accel_stream stream;
	size_t len;
	uint8_t digest[32];
	bool bad_stream;
};

static int call_emit(void *p)
{
	struct emit_state *s = p;
	char err[128];
	int ret;

	accel_stream_init(&s->stream);
	ret = accel_emit_conv(&s->stream, &hw, &s->layer.cv, &s->layer.map, 0x100000, 0x200000,
			      &s->layer.in, &s->layer.out, err, sizeof(err));
	/* A stream that failed says so, and its call too. */
	s->bad_stream = s->stream.error && s->stream.error != ret;
	s->len = ret ? 0 : s->stream.len;
	memset(s->digest, 0, sizeof(s->digest));
	for (size_t i = 0; !ret && i < s->stream.len; i++)
		s->digest[i % sizeof(s->digest)] ^= (uint8_t)(s->stream.buf[i] + i);
	accel_stream_free(&s->stream);
	memset(&s->stream, 0, sizeof(s->stream));
	return ret;
}

static bool sane_emit(const void *p)
{
	return !((const struct emit_state *)p)->bad_stream;
}

static bool same_emit(const void *a, const void *b)
{
	const struct emit_state *x = a, *y = b;

	return x->len == y->len && !memcmp(x->digest, y->digest, sizeof(x->digest));
}

START_TEST(emitting_survives_every_failed_allocation)
{
	static struct emit_state ref, state;

	layer(_i, &ref.layer);
	ck_assert_int_eq(call_search(&ref.layer), 0);
	ck_assert_int_eq(call_emit(&ref), 0);
	ck_assert_uint_gt(ref.len, 0);
	fail_each("accel_emit_conv", call_emit, same_emit, sane_emit, &state, sizeof(state), &ref);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("alloc-failures");
	TCase *tc = tcase_create("alloc-failures");

	rs_hw_params_default(&hw);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, a_search_survives_every_failed_allocation, 0, LAYERS);
	tcase_add_test(tc, an_explanation_survives_every_failed_allocation);
	tcase_add_test(tc, the_cache_survives_every_failed_allocation);
	tcase_add_loop_test(tc, a_batch_survives_every_failed_allocation, 0, 2);
	tcase_add_loop_test(tc, emitting_survives_every_failed_allocation, 0, LAYERS);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
