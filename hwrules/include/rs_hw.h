/* SPDX-License-Identifier: MIT */
/*
 * rowstat hardware rules: the one home of what the device accepts and how it
 * sizes things.  The model core, the compiler, the firmware tool, the QEMU
 * device and the tests all link this library, so the device and the
 * compiler cannot disagree about a layer, a mapping or a compressed tensor.
 * docs/hardware.md is the specification these functions implement.
 *
 * Exported symbols start with rs_hw_; sees only uapi/ (the firmware-image
 * part, which needs hwif/, is rs_hw_fw.h).
 */
#ifndef RS_HW_H
#define RS_HW_H

#ifdef __KERNEL__
/* The kernel driver compiles the firmware and register checks (Kbuild). */
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#include <rowstat_cmd.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __KERNEL__
#define RS_HW_API
#else
#define RS_HW_API __attribute__((visibility("default")))
#endif

/* ---- Little-endian fields (everything the device reads is LE) ----------- */

static inline uint16_t rs_hw_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t rs_hw_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t rs_hw_get_le64(const uint8_t *p)
{
	return (uint64_t)rs_hw_get_le32(p) | ((uint64_t)rs_hw_get_le32(p + 4) << 32);
}

/* Masked, not only cast: the kernel's sparse flags a truncating cast. */
static inline void rs_hw_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v & 0xff);
	p[1] = (uint8_t)(v >> 8);
}

static inline void rs_hw_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v & 0xff);
	p[1] = (uint8_t)((v >> 8) & 0xff);
	p[2] = (uint8_t)((v >> 16) & 0xff);
	p[3] = (uint8_t)(v >> 24);
}

static inline void rs_hw_put_le64(uint8_t *p, uint64_t v)
{
	rs_hw_put_le32(p, (uint32_t)v);
	rs_hw_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- Hardware parameters (docs/hardware.md sections 2.1 and 3) ---------- */

/* What a device reports through its capability registers, and its firmware. */
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
	uint32_t va_bits;	/* device virtual address width */
	uint32_t energy[ROWSTAT_LEVEL_COUNT];	/* per access, fixed point */
	/*
	 * What the firmware's COMMANDS section gives the command processor:
	 * the opcodes it accepts (bit n: opcode n) and the cycles it spends
	 * decoding each.  rs_hw_params_default accepts every opcode for free.
	 */
	uint32_t opcode_mask;
	uint32_t decode_cycles[ROWSTAT_OP_LIMIT];
};

/* The limits this implementation supports (the encodings allow more). */
#define RS_HW_MAX_ARRAY		64
#define RS_HW_MAX_RF		1024
#define RS_HW_MIN_GLB		4096u
#define RS_HW_MAX_GLB		(64u << 20)
#define RS_HW_MIN_VA_BITS	32
#define RS_HW_MAX_VA_BITS	52

/* Eyeriss v1's configuration (docs/hardware.md section 3). */
RS_HW_API void rs_hw_params_default(struct rs_hw_params *hw);

/*
 * Checks a configuration against the limits above (array dimensions
 * 1..RS_HW_MAX_ARRAY, RFs 1..RS_HW_MAX_RF entries, GLB RS_HW_MIN_GLB..
 * RS_HW_MAX_GLB bytes, VA width, a nonempty precision set, nonzero clock and
 * bandwidths).  Returns 0, or -1 with *why naming the field.
 */
RS_HW_API int rs_hw_params_check(const struct rs_hw_params *hw, const char **why);

/* Reads the 32-bit BAR0 register at `offset`. */
typedef uint32_t (*rs_hw_reg_read)(void *opaque, uint32_t offset);

/*
 * The parameters of a running device, from its identity, version and
 * capability registers (a driver's probe, a runtime, a device test).
 * Refuses another device ID, a hardware or command-stream major version this
 * code does not know, and capabilities rs_hw_params_check refuses: returns
 * 0, or -1 with a message naming the register in why.  The firmware's
 * command table is not in registers: every opcode is taken as accepted.
 */
RS_HW_API int rs_hw_params_from_regs(struct rs_hw_params *hw, rs_hw_reg_read read,
				     void *opaque, char *why, size_t len);

/* ---- Layers (docs/hardware.md 7.2) -------------------------------------- */

/* Bytes per element of a precision (ROWSTAT_PREC_*). */
static inline unsigned rs_hw_prec_bytes(unsigned prec)
{
	return prec == ROWSTAT_PREC_INT8 ? 1 : 2;
}

/*
 * Output rows (or columns) of a convolution: (in + pads - kernel) / stride
 * + 1, or 0 when the kernel is larger than the padded input or the stride 0.
 */
RS_HW_API unsigned rs_hw_out_extent(unsigned in, unsigned pad_lo, unsigned pad_hi,
				    unsigned kernel, unsigned stride);

/* The shape of a layer as the LAYER command carries it. */
struct rs_hw_layer {
	unsigned ifmap_prec, filter_prec, ofmap_prec;	/* ROWSTAT_PREC_* */
	unsigned batch, in_channels, in_height, in_width;
	unsigned out_channels, kernel_h, kernel_w, groups;
	unsigned stride_h, stride_w, pad_top, pad_bottom, pad_left, pad_right;
	unsigned requant_shift;
};

/*
 * The device's legality rules for a layer.  hw may be NULL to skip the
 * precision capability check.  Returns ROWSTAT_OK, or LAYER_SHAPE,
 * LAYER_PREC or LAYER_QUANT with a message in why naming the field after
 * `prefix`.
 */
RS_HW_API enum rowstat_status rs_hw_layer_check(const struct rs_hw_params *hw,
						const struct rs_hw_layer *layer,
						const char *prefix, char *why,
						size_t len);

/* ---- Mappings (docs/hardware.md 7.3) ------------------------------------ */

/* The MAPPING command's fields, as wide as a caller may hold them. */
struct rs_hw_mapping {
	uint32_t set_rows;	/* filter rows per PE set */
	uint32_t set_cols;	/* output rows per PE set, e */
	uint32_t filters_per_pe;	/* p */
	uint32_t channels_per_pe;	/* q */
	uint32_t filter_sets;	/* t */
	uint32_t channel_sets;	/* r */
	uint32_t taps_per_pe;
	uint32_t images_per_pass;	/* n */
};

/*
 * The placement rule: sets of set_rows x set_cols, wider ones folded into
 * strips, occupy a grid of slots; the channel sets of one filter group chain
 * their psums up a slot column.  Returns the slots (0 if one set does not
 * fit) and the slots per column in *vertical.
 */
RS_HW_API unsigned rs_hw_array_slots(const struct rs_hw_params *hw, uint32_t set_rows,
				     uint32_t set_cols, unsigned *vertical);
/* Whether filter_sets x channel_sets sets of that shape fit the array. */
RS_HW_API bool rs_hw_array_fits(const struct rs_hw_params *hw, uint32_t set_rows,
				uint32_t set_cols, uint32_t filter_sets,
				uint32_t channel_sets);

/*
 * The device's decision on a MAPPING, for the device and the compiler
 * alike: every field 1..65535 (the stream's 16 bits), images_per_pass up to
 * ROWSTAT_MAX_BATCH, the placement rule, and the RF fit computed in 64 bits.
 * Returns ROWSTAT_OK, or MAP_ARRAY or MAP_RF with a message naming the
 * field after `prefix`.
 */
RS_HW_API enum rowstat_status rs_hw_mapping_check(const struct rs_hw_params *hw,
						  const struct rs_hw_mapping *m,
						  const char *prefix, char *why,
						  size_t len);

/* ---- RLC codec (docs/hardware.md 7.7) ----------------------------------- */

/*
 * Encodes n >= 1 values into little-endian words at out, which must hold
 * ROWSTAT_RLC_SLOT_BYTES(n) bytes; returns the bytes used.
 */
RS_HW_API size_t rs_hw_rlc_encode(const int16_t *values, size_t n, uint8_t *out);

/*
 * Decodes one segment of n values from at most slot_bytes of words.  Returns
 * 0 and the bytes consumed in *used, or -1 with *why describing the defect.
 */
RS_HW_API int rs_hw_rlc_decode(const uint8_t *in, size_t slot_bytes, int16_t *values,
			       size_t n, size_t *used, const char **why);

/* ---- Counts, energy and the statistics record (docs/hardware.md 8) ------ */

/* Host-endian mirror of the counts in struct rowstat_job_stats. */
struct rs_hw_counters {
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

/*
 * Energy of `count` accesses at a level: count times the cost, except
 * DRAM, which is charged per 16-bit word of `count` bytes.
 */
RS_HW_API uint64_t rs_hw_level_energy(enum rowstat_level level, uint64_t count,
				      const uint32_t cost[ROWSTAT_LEVEL_COUNT]);
/* Fills c->energy from the counts (gated MACs cost nothing). */
RS_HW_API void rs_hw_counters_energy(struct rs_hw_counters *c,
				     const uint32_t cost[ROWSTAT_LEVEL_COUNT]);
RS_HW_API uint64_t rs_hw_counters_energy_total(const struct rs_hw_counters *c);
/* Adds c to sum (the peak PE count is a maximum, not a sum). */
RS_HW_API void rs_hw_counters_add(struct rs_hw_counters *sum,
				  const struct rs_hw_counters *c);

/* The little-endian record a job writes to desc.stats_va. */
RS_HW_API void rs_hw_stats_encode(enum rowstat_status status, uint32_t error_offset,
				  uint64_t fault_va, const struct rs_hw_counters *c,
				  struct rowstat_job_stats *out);
/* Its inverse; -1 for a record of another ROWSTAT_STATS_VERSION. */
RS_HW_API int rs_hw_stats_decode(const struct rowstat_job_stats *in,
				 enum rowstat_status *status, uint32_t *error_offset,
				 uint64_t *fault_va, struct rs_hw_counters *c);

/*
 * The errno a job that ended with `status` fails with (uapi/rowstat_accel.h,
 * SUBMIT): the driver's fence carries it, and libaccel's sim backend gives
 * the same.
 */
static inline int rs_hw_status_errno(enum rowstat_status status)
{
	switch (status) {
	case ROWSTAT_OK:
		return 0;
	case ROWSTAT_ERR_FAULT:
		return -EFAULT;
	case ROWSTAT_ERR_BUDGET:
		return -ETIME;
	case ROWSTAT_ERR_CANCELLED:
		return -ECANCELED;
	case ROWSTAT_ERR_INTERNAL:
		return -EIO;
	default:
		return -EINVAL;
	}
}

/* ---- Names, for messages and tools -------------------------------------- */

RS_HW_API const char *rs_hw_status_name(enum rowstat_status status);
/* "MAC", "RF", "NoC", "GLB", "DRAM". */
RS_HW_API const char *rs_hw_level_name(enum rowstat_level level);
/* "ifmap", "filter", "psum". */
RS_HW_API const char *rs_hw_dtype_name(enum rowstat_dtype dtype);
/* "END", "LAYER", ...; NULL for a value that is no opcode. */
RS_HW_API const char *rs_hw_opcode_name(unsigned opcode);

#ifdef __cplusplus
}
#endif

#endif /* RS_HW_H */
