/* SPDX-License-Identifier: MIT */
/*
 * The step-by-step reference counter.  It executes a command stream one
 * element, one PE and one MAC at a time, with its own GLB, its own RLC coder
 * and its own timeline, and counts every access as it happens.  It shares
 * only the uapi headers with the model (and the one-line energy sum,
 * rs_hw_counters_energy), so the model's closed-form counts and fast
 * arithmetic must agree with it exactly.  Slow: for small layers only.
 */
#ifndef RS_STEP_COUNTER_H
#define RS_STEP_COUNTER_H

#include <rs_model.h>

/*
 * Runs the stream at stream_va; memory goes through `mem` like the model's.
 * Returns 0 and fills *out, or -1 with a reason in why (the step counter
 * handles only well-formed streams: malformed ones are the model's tests).
 */
int step_count(const struct rs_hw_params *hw, uint64_t stream_va,
	       uint32_t stream_bytes, const struct rs_model_mem *mem,
	       struct rs_hw_counters *out, char *why, size_t whylen);

#endif
