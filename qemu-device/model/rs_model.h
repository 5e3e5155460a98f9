/* SPDX-License-Identifier: MIT */
/*
 * rowstat model core: executes command streams exactly as the hardware
 * would, counting every access, with no QEMU types.  Memory is reached only
 * through the caller's callbacks, so the QEMU device routes it through PCI
 * DMA and the device MMU while libaccel's sim backend uses plain memory.
 */
#ifndef RS_MODEL_H
#define RS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../uapi/rowstat_regs.h"
#include "../../uapi/rowstat_cmd.h"
#include "../../uapi/rowstat_fw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The configuration a device reports through its capability registers. */
struct rs_hw_params {
	uint32_t array_rows;
	uint32_t array_cols;
	uint32_t rf_filter;	/* entries */
	uint32_t rf_ifmap;
	uint32_t rf_psum;
	uint32_t glb_bytes;
	uint32_t precisions;	/* ROWSTAT_PREC_BIT() mask */
	uint32_t clock_khz;
	uint32_t dram_bw;	/* bytes per 1000 cycles */
	uint32_t glb_bw;	/* values per cycle */
	uint32_t energy[ROWSTAT_LEVEL_COUNT];	/* per access, fixed point */
	/*
	 * What the firmware's COMMANDS section gives the command processor:
	 * the opcodes it accepts (bit n: opcode n) and the cycles it spends
	 * decoding each.  rs_hw_params_default accepts every opcode for free.
	 */
	uint32_t opcode_mask;
	uint32_t decode_cycles[ROWSTAT_FW_OPCODES];
};

/* Eyeriss v1 defaults (uapi/rowstat_regs.h). */
void rs_hw_params_default(struct rs_hw_params *hw);

/*
 * Checks a configuration; returns 0, or -1 with *why naming the bad field.
 * Array dimensions up to ROWSTAT_MAX_ARRAY_DIM, RFs 1..4096 entries, GLB
 * 4 KiB..64 MiB, bandwidths and clock nonzero.
 */
int rs_hw_params_check(const struct rs_hw_params *hw, const char **why);

/*
 * Memory access on behalf of a job: device VAs of the job's context.  Return
 * 0 on success, nonzero if the access faults; the model then stops the job
 * with ROWSTAT_ERR_FAULT and reports the first faulting VA.
 */
struct rs_mem_ops {
	int (*read)(void *opaque, uint64_t va, void *buf, size_t len);
	int (*write)(void *opaque, uint64_t va, const void *buf, size_t len);
	void *opaque;
};

/* Host-endian mirror of struct rowstat_job_stats. */
struct rs_counters {
	uint64_t cycles;
	uint64_t array_cycles;
	uint64_t macs;
	uint64_t macs_gated;
	uint64_t passes;
	uint64_t pe_active_max;
	uint64_t pe_active_cycles;
	uint64_t dram_read_bytes[ROWSTAT_DT_COUNT];
	uint64_t dram_write_bytes[ROWSTAT_DT_COUNT];
	uint64_t glb_reads[ROWSTAT_DT_COUNT];
	uint64_t glb_writes[ROWSTAT_DT_COUNT];
	uint64_t glb_read_bytes;
	uint64_t glb_write_bytes;
	uint64_t noc[ROWSTAT_DT_COUNT];
	uint64_t rf_reads[ROWSTAT_DT_COUNT];
	uint64_t rf_writes[ROWSTAT_DT_COUNT];
	uint64_t energy[ROWSTAT_LEVEL_COUNT][ROWSTAT_DT_COUNT];
};

#define RS_DETAIL_MAX 160

struct rs_job_result {
	enum rowstat_status status;
	uint32_t error_offset;		/* byte offset of the failing command */
	uint64_t fault_va;		/* with ROWSTAT_ERR_FAULT */
	bool fault_write;
	char detail[RS_DETAIL_MAX];	/* names the offending field */
	struct rs_counters counts;
};

struct rs_run_opts {
	/*
	 * Nonzero aborts the job with ROWSTAT_ERR_CANCELLED.  Read atomically
	 * (relaxed) at least once per command, per DMA line and per bounded
	 * block of a pass's arithmetic, so another thread may set it at any time.
	 */
	const int *cancel;
	/* Validate the whole stream but execute nothing. */
	bool validate_only;
	/* Cycles the job may take; 0 means ROWSTAT_DEFAULT_CYCLE_BUDGET. */
	uint64_t cycle_budget;
};

struct rs_model;

struct rs_model *rs_model_create(const struct rs_hw_params *hw);
void rs_model_destroy(struct rs_model *model);
const struct rs_hw_params *rs_model_hw(const struct rs_model *model);

/*
 * Runs one job.  The stream is fetched and validated completely before any
 * command executes, so a malformed stream changes no memory.  Returns the
 * status (also in res->status).  A cancelled job ends with
 * ROWSTAT_ERR_CANCELLED.
 */
enum rowstat_status rs_model_run(struct rs_model *model, uint64_t stream_va,
				 uint32_t stream_bytes,
				 const struct rs_mem_ops *mem,
				 const struct rs_run_opts *opts,
				 struct rs_job_result *res);

/*
 * The PE-set placement rule (docs/hardware.md, "Mapping"): sets of
 * set_rows x set_cols, wider ones folded into strips, occupy a grid of
 * slots; the channel sets of one filter group chain their psums up a slot
 * column.  rs_array_slots returns the slots (0 if one set does not fit) and
 * the slots per column; rs_array_fits says whether t x r sets fit.
 */
unsigned rs_array_slots(const struct rs_hw_params *hw, unsigned set_rows,
			unsigned set_cols, unsigned *vertical);
bool rs_array_fits(const struct rs_hw_params *hw, unsigned set_rows,
		   unsigned set_cols, unsigned filter_sets, unsigned channel_sets);

/* The shape of a layer as the LAYER command carries it. */
struct rs_layer_shape {
	unsigned prec[3];	/* ifmap, filter, ofmap: ROWSTAT_PREC_* */
	unsigned batch, in_channels, in_height, in_width;
	unsigned out_channels, kernel_h, kernel_w, groups;
	unsigned stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right;
	unsigned requant_shift;
};

/*
 * The device's legality rules for a layer (docs/hardware.md, "LAYER"), used
 * by the device and by the compiler.  hw may be NULL to skip the precision
 * capability check.  Returns ROWSTAT_OK, or LAYER_SHAPE, LAYER_PREC or
 * LAYER_QUANT with a message in why naming the field after `prefix`.
 */
enum rowstat_status rs_layer_shape_check(const struct rs_hw_params *hw,
					 const struct rs_layer_shape *ls,
					 const char *prefix, char *why, size_t len);

/* The GLB, for tests that look inside. */
const uint8_t *rs_model_glb(const struct rs_model *model);

/* Energy from counts and a cost table (also done by rs_model_run). */
void rs_counters_energy(struct rs_counters *c, const uint32_t cost[ROWSTAT_LEVEL_COUNT]);
void rs_counters_add(struct rs_counters *sum, const struct rs_counters *c);
uint64_t rs_counters_energy_total(const struct rs_counters *c);

/* Little-endian record for desc.stats_va. */
void rs_job_stats_encode(const struct rs_job_result *res,
			 struct rowstat_job_stats *out);

/*
 * The MAC kernel in use, "avx2" or "scalar" (chosen from the CPU at first
 * use).  Selecting one lets tests cover both; returns -1 if unavailable.
 */
const char *rs_model_kernel(void);
int rs_model_select_kernel(const char *name);

const char *rs_status_name(enum rowstat_status status);
const char *rs_dtype_name(enum rowstat_dtype dtype);
const char *rs_level_name(enum rowstat_level level);

/* ---- firmware images (uapi/rowstat_fw.h, docs/hardware.md section 9) ---- */

/* What a firmware image carries, host-endian. */
struct rs_firmware {
	uint32_t version;			/* ROWSTAT_VERSION(major, minor) */
	uint32_t abi_minor;
	uint32_t opcode_mask;
	uint32_t decode_cycles[ROWSTAT_FW_OPCODES];
	uint32_t dram_bw, glb_bw, heartbeat_us;
	uint32_t energy[ROWSTAT_LEVEL_COUNT];
	uint32_t arbiter_policy, arbiter_quantum;
};

/* CRC-32 as zlib computes it; chain calls by passing the previous result. */
uint32_t rs_crc32(uint32_t crc, const uint8_t *data, size_t len);

/*
 * The device's boot-time checks, in the specified order; fills *fw on
 * ROWSTAT_FW_OK.  device_abi is the FW_ABI register value.
 */
enum rowstat_fw_error rs_fw_parse(const uint8_t *img, size_t len,
				  uint32_t device_abi, struct rs_firmware *fw,
				  const char **why);

/* Writes an image of *fw (ABI major ROWSTAT_FW_ABI_MAJOR); returns its size, or 0 if cap is too small. */
size_t rs_fw_build(const struct rs_firmware *fw, uint8_t *out, size_t cap);

/* Stores the CRC of a len-byte image in its header (for builders and for tests that edit images). */
void rs_fw_seal(uint8_t *img, size_t len);

/* What a running firmware changes in the device's parameters. */
void rs_fw_apply(const struct rs_firmware *fw, struct rs_hw_params *hw);

const char *rs_fw_error_name(enum rowstat_fw_error err);

/* ---- RLC codec (uapi/rowstat_cmd.h, "RLC") ---- */

/*
 * Encodes n >= 1 values into little-endian words at out, which must hold
 * ROWSTAT_RLC_SLOT_BYTES(n) bytes; returns the bytes used.
 */
size_t rs_rlc_encode(const int16_t *values, size_t n, uint8_t *out);

/*
 * Decodes one segment of n values from at most slot_bytes of words.  Returns
 * 0 and the bytes consumed in *used, or -1 with *why describing the defect.
 */
int rs_rlc_decode(const uint8_t *in, size_t slot_bytes, int16_t *values,
		  size_t n, size_t *used, const char **why);

#ifdef __cplusplus
}
#endif

#endif /* RS_MODEL_H */
