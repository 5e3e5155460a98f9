/* SPDX-License-Identifier: MIT */
/*
 * The exhaustive mapping enumerator, for tests and the mapper benchmark:
 * the optimum over every legal mapping of a layer by an objective, with the
 * compiler's own estimate as the cost.  Exact, and fast through:
 *   - canonical forms: a parameter past the layer's extent (set_rows > R,
 *     taps > S, set_cols > E, p > M, q > C, t > M/p, r > C/q, n > N) costs
 *     what the extent costs and fits in fewer PEs, so only extents and
 *     below are enumerated;
 *   - lower bounds: the whole-layer tiling of an array configuration bounds
 *     every tiling of it (accel_layout_bound), and so does each partial tiling as
 *     its dimensions are fixed one by one;
 *   - per-dimension statistics computed once per tile size, so each full
 *     mapping costs a constant-time estimate.
 * Brute force over every field (tests/unit/test_mapper.c) checks it.
 */
#ifndef RS_MAP_ENUM_H
#define RS_MAP_ENUM_H

#include <stdbool.h>
#include <stdint.h>

#include <rowstat/compiler.h>

struct map_enum_result {
	bool found;
	struct accel_mapping map;
	struct accel_estimate est;
	uint64_t array_configs;		/* canonical array configurations */
	uint64_t array_searched;	/* of those, not pruned by their bound */
	uint64_t evaluated;		/* complete mappings estimated */
	/*
	 * The optimum's objective value (map_enum_value) is at least this:
	 * the found mapping's, or less after map_enum_near_optimum.
	 */
	double lower_bound;
};

/*
 * The optimum by objective.  incumbent (may be NULL) is a legal mapping to
 * start from: a good one prunes more.  0, -EINVAL for a bad layer, -ENOMEM.
 */
int map_enum_optimum(const struct rs_hw_params *hw, const struct accel_conv *cv,
		     const struct accel_tensor *in, const struct accel_tensor *out,
		     const struct accel_map_hints *hints, enum accel_map_objective obj,
		     const struct accel_mapping *incumbent, struct map_enum_result *res);

/*
 * The same, pruning every bound that cannot beat the best found by more
 * than `tolerance` (0.02: 2%): the mapping found is within 1 + tolerance
 * of the optimum, and res->lower_bound bounds the optimum from below, so
 * a mapping's ratio to it bounds its distance from the optimum.  For
 * layers the exact enumeration takes hours on (AlexNet's CONV3-5 by
 * energy).
 */
int map_enum_near_optimum(const struct rs_hw_params *hw, const struct accel_conv *cv,
			  const struct accel_tensor *in, const struct accel_tensor *out,
			  const struct accel_map_hints *hints, enum accel_map_objective obj,
			  double tolerance, const struct accel_mapping *incumbent,
			  struct map_enum_result *res);

/* True if (energy, cycles) a beats b by the objective. */
bool map_enum_better(enum accel_map_objective obj, uint64_t energy_a, uint64_t cycles_a,
		     uint64_t energy_b, uint64_t cycles_b);

/* The objective's value of an estimate (EDP, energy or cycles), for ratios. */
double map_enum_value(enum accel_map_objective obj, const struct accel_estimate *est);

#endif
