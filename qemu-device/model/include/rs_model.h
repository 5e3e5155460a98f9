/* SPDX-License-Identifier: MIT */
/*
 * rowstat model core: executes command streams exactly as the hardware
 * would, counting every access, with no QEMU types.  Memory is reached only
 * through the caller's callbacks, so the QEMU device routes it through PCI
 * DMA and the device MMU while the unit tests (and, later, libaccel's
 * in-process backend) use plain memory.  docs/model.md describes it.
 *
 * Exported symbols start with rs_model_; the hardware's rules come from
 * the rules library (rs_hw.h), which the model links.
 */
#ifndef RS_MODEL_H
#define RS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rs_hw.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RS_MODEL_API __attribute__((visibility("default")))

/*
 * Memory access on behalf of a job: device VAs of the job's context.  Return
 * 0 on success, nonzero if the access faults; the model then stops the job
 * with ROWSTAT_ERR_FAULT and reports the first faulting VA.
 */
struct rs_model_mem {
	int (*read)(void *opaque, uint64_t va, void *buf, size_t len);
	int (*write)(void *opaque, uint64_t va, const void *buf, size_t len);
	void *opaque;
};

struct rs_model_opts {
	/*
	 * Nonzero aborts the job with ROWSTAT_ERR_CANCELLED.  Read atomically
	 * (relaxed) before every command, after every DMA line and before every
	 * block of at most 2^24 pair-MACs of a pass, so another thread may set
	 * it at any time.
	 */
	const int *cancel;
	/* Validate the whole stream but execute nothing. */
	bool validate_only;
	/* Cycles the job may take; 0 means ROWSTAT_DEFAULT_CYCLE_BUDGET. */
	uint64_t cycle_budget;
};

#define RS_MODEL_DETAIL_MAX 160

struct rs_model_result {
	enum rowstat_status status;
	uint32_t error_offset;		/* of the failing command, or ROWSTAT_NO_OFFSET */
	uint64_t fault_va;		/* with ROWSTAT_ERR_FAULT */
	bool fault_write;
	char detail[RS_MODEL_DETAIL_MAX];	/* names the offending field */
	struct rs_hw_counters counts;
};

struct rs_model;

/*
 * A model of a device with these parameters (checked with
 * rs_hw_params_check; NULL if they are refused or memory is short).  It
 * uses the fastest arithmetic kernel this CPU has.
 */
RS_MODEL_API struct rs_model *rs_model_create(const struct rs_hw_params *hw);
RS_MODEL_API void rs_model_destroy(struct rs_model *model);

/*
 * Changes the parameters between jobs (what a firmware boot does to a
 * device).  Returns 0, or -1 if they are refused or memory is short, and
 * then leaves the model as it was.
 */
RS_MODEL_API int rs_model_set_params(struct rs_model *model,
				     const struct rs_hw_params *hw);

/*
 * Runs one job.  The stream is fetched and validated completely before any
 * command executes, so a malformed stream changes no memory.  The GLB is
 * zero when a job starts and nothing of it outlives the job.  Returns the
 * status (also in res->status).  opts may be NULL.
 */
RS_MODEL_API enum rowstat_status rs_model_run(struct rs_model *model, uint64_t stream_va,
					      uint32_t stream_bytes,
					      const struct rs_model_mem *mem,
					      const struct rs_model_opts *opts,
					      struct rs_model_result *res);

/*
 * The arithmetic kernel this model uses, "avx2" or "scalar", and a choice
 * of one (for tests that cover both); -1 if this CPU lacks it.  Per model:
 * models in other threads keep theirs.
 */
RS_MODEL_API const char *rs_model_simd(const struct rs_model *model);
RS_MODEL_API int rs_model_select_simd(struct rs_model *model, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* RS_MODEL_H */
