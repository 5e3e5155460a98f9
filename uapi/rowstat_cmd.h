/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * rowstat: what user space sees of the device: the command-stream format,
 * its status codes, the run-length compressed (RLC) tensor format and the
 * per-job statistics record.  (The registers, rings, page tables and the
 * firmware image, which only the driver and the device share, are in hwif/.)
 *
 * A command stream is what libaccel's compiler emits and the device's
 * command processor executes: a packed sequence of commands, each starting
 * with struct rowstat_cmd_header and each a multiple of 8 bytes, ending with
 * ROWSTAT_OP_END.  docs/hardware.md gives every field's meaning and range.
 */
#ifndef ROWSTAT_CMD_H
#define ROWSTAT_CMD_H

#include <rowstat_common.h>

#define ROWSTAT_CMD_VERSION_MAJOR	1
#define ROWSTAT_CMD_VERSION_MINOR	1	/* 1: LAYER.filter_stride */

#define ROWSTAT_STREAM_ALIGN		8
#define ROWSTAT_STREAM_MAX_BYTES	(16u << 20)

enum rowstat_opcode {
	ROWSTAT_OP_END = 1,
	ROWSTAT_OP_LAYER = 2,
	ROWSTAT_OP_MAPPING = 3,
	ROWSTAT_OP_DMA = 4,
	ROWSTAT_OP_PASS = 5,
	ROWSTAT_OP_BARRIER = 6,
};

/* Opcodes are below this: tables indexed by opcode have this many entries. */
#define ROWSTAT_OP_LIMIT		8

/* Tensor precisions, as LAYER carries them (and CAP_PRECISIONS reports). */
#define ROWSTAT_PREC_Q16		1	/* 16-bit two's complement */
#define ROWSTAT_PREC_INT8		2	/* 8-bit two's complement */
#define ROWSTAT_PREC_BIT(p)		(1u << (p))

struct rowstat_cmd_header {
	__u8 opcode;
	__u8 reserved;
	__le16 dwords;		/* whole command, header included */
};

/* END and BARRIER carry nothing. */
struct rowstat_cmd_end {
	struct rowstat_cmd_header hdr;
	__le32 reserved;
};

struct rowstat_cmd_barrier {
	struct rowstat_cmd_header hdr;
	__le32 reserved;
};

/* ---- LAYER: the convolution the following commands work on ---------------- */

#define ROWSTAT_LAYER_RELU		(1u << 0)
#define ROWSTAT_LAYER_BIAS		(1u << 1)
#define ROWSTAT_LAYER_FLAGS		(ROWSTAT_LAYER_RELU | ROWSTAT_LAYER_BIAS)

/* Legal ranges checked by the device (docs/hardware.md, "LAYER"). */
#define ROWSTAT_MAX_BATCH		1024
#define ROWSTAT_MAX_CHANNELS		8192
#define ROWSTAT_MAX_SPATIAL		4096
#define ROWSTAT_MAX_KERNEL		64
#define ROWSTAT_MAX_STRIDE		16
#define ROWSTAT_MAX_REQUANT_SHIFT	62

struct rowstat_cmd_layer {
	struct rowstat_cmd_header hdr;
	__u8 ifmap_prec;	/* ROWSTAT_PREC_* */
	__u8 filter_prec;
	__u8 ofmap_prec;
	__u8 flags;		/* ROWSTAT_LAYER_* */
	__le16 batch;		/* N */
	__le16 in_channels;	/* C, all groups */
	__le16 in_height;	/* H */
	__le16 in_width;	/* W */
	__le16 out_channels;	/* M, all groups */
	__le16 kernel_h;	/* R */
	__le16 kernel_w;	/* S */
	__le16 groups;		/* G: C and M divisible by G */
	__le16 out_height;	/* E, must equal (H + pt + pb - R) / Uh + 1 */
	__le16 out_width;	/* F */
	__u8 stride_h;
	__u8 stride_w;
	__u8 pad_top;
	__u8 pad_bottom;
	__u8 pad_left;
	__u8 pad_right;
	__u8 requant_shift;
	__u8 reserved0;
	__le32 requant_mult;	/* signed */
	__le32 filter_stride;	/* bytes from filter m to m + 1; 0: C/G * R * S elements */
	__le32 reserved1;
	__le64 filter_va;	/* [M][C/G][R][S], filter_prec elements */
	__le64 bias_va;		/* [M] int32, with ROWSTAT_LAYER_BIAS */
};

/* ---- MAPPING: the row-stationary configuration of the PE array ------------ */

struct rowstat_cmd_mapping {
	struct rowstat_cmd_header hdr;
	__le16 set_rows;	/* filter rows per PE set (PE rows) */
	__le16 set_cols;	/* output rows per PE set, e */
	__le16 filters_per_pe;	/* p: filters interleaved in a PE */
	__le16 channels_per_pe;	/* q: channels interleaved in a PE */
	__le16 filter_sets;	/* t: PE sets working on other filters */
	__le16 channel_sets;	/* r: PE sets working on other channels */
	__le16 taps_per_pe;	/* filter columns held per PE */
	__le16 images_per_pass;	/* n */
	__le32 reserved;
};

/* ---- DMA: moves between DRAM and the GLB ------------------------------------ */

enum rowstat_dma_dir {
	ROWSTAT_DMA_LOAD = 1,	/* DRAM -> GLB */
	ROWSTAT_DMA_STORE = 2,	/* GLB -> DRAM */
};

/*
 * Data types, for DMA and for the statistics.  Ifmaps are loaded in
 * ifmap_prec; ofmaps are stored from 4-byte GLB slots as ofmap_prec values.
 */
enum rowstat_dtype {
	ROWSTAT_DT_IFMAP = 0,
	ROWSTAT_DT_FILTER = 1,
	ROWSTAT_DT_PSUM = 2,	/* partial sums, biases and ofmaps */
	ROWSTAT_DT_COUNT = 3,
};

#define ROWSTAT_DMA_RLC			(1u << 0)

/*
 * A 4-D box.  Dimension 0 is contiguous on both sides: count[0] elements
 * (raw), or one RLC segment of count[0] values occupying a slot of at least
 * ROWSTAT_RLC_SLOT_BYTES(count[0]) bytes in DRAM.  Strides are in bytes.
 */
struct rowstat_cmd_dma {
	struct rowstat_cmd_header hdr;
	__u8 direction;
	__u8 dtype;
	__u8 flags;
	__u8 reserved0;
	__le64 dram_va;
	__le32 glb_addr;
	__le32 count[4];
	__le32 dram_stride[3];	/* dims 1..3 */
	__le32 glb_stride[3];	/* dims 1..3 */
	__le32 reserved1;
};

/* ---- PASS: one processing pass of the PE array ------------------------------ */

#define ROWSTAT_PASS_INIT		(1u << 0)	/* start from bias or 0 */
#define ROWSTAT_PASS_FINAL		(1u << 1)	/* requantize into ofmap */
#define ROWSTAT_PASS_FLAGS		(ROWSTAT_PASS_INIT | ROWSTAT_PASS_FINAL)

/*
 * A tensor tile resident in the GLB.  origin/extent are in layer coordinates,
 * dimension 0 innermost and dense: [w, h, c, n] for ifmaps (unpadded input
 * coordinates), [f, e, m, n] for psums.  stride[] is bytes along dims 1..3.
 */
struct rowstat_glb_tile {
	__le32 addr;
	__le16 origin[4];
	__le16 extent[4];
	__le32 stride[3];
};

struct rowstat_cmd_pass {
	struct rowstat_cmd_header hdr;
	__le16 flags;		/* ROWSTAT_PASS_* */
	__le16 reserved0;
	/* The work of the pass: [first, first + count) along each loop. */
	__le16 n0, n_count;	/* images */
	__le16 m0, m_count;	/* filters (absolute, within one group) */
	__le16 c0, c_count;	/* channels (absolute, same group) */
	__le16 e0, e_count;	/* output rows */
	__le16 f0, f_count;	/* output columns */
	__le16 r0, r_count;	/* filter rows */
	__le16 s0, s_count;	/* filter columns */
	__le16 reserved1[2];
	struct rowstat_glb_tile ifmap;	/* ifmap_prec elements */
	struct rowstat_glb_tile psum;	/* 4-byte int32 slots */
};

/* ---- Status codes: what a job ends with ------------------------------------- */

enum rowstat_status {
	ROWSTAT_OK = 0,
	ROWSTAT_ERR_STREAM_ALIGN = 1,	/* stream VA or size not 8 aligned */
	ROWSTAT_ERR_STREAM_SIZE = 2,	/* empty or over the maximum */
	ROWSTAT_ERR_TRUNCATED = 3,	/* command past the end, or no END */
	ROWSTAT_ERR_OPCODE = 4,		/* unknown opcode */
	ROWSTAT_ERR_CMD_SIZE = 5,	/* dwords wrong for the opcode */
	ROWSTAT_ERR_RESERVED = 6,	/* a reserved field or flag set */
	ROWSTAT_ERR_NO_LAYER = 7,	/* MAPPING, DMA or PASS before LAYER */
	ROWSTAT_ERR_NO_MAPPING = 8,	/* PASS before MAPPING */
	ROWSTAT_ERR_LAYER_SHAPE = 9,	/* a dimension out of range */
	ROWSTAT_ERR_LAYER_PREC = 10,	/* precision not supported */
	ROWSTAT_ERR_LAYER_QUANT = 11,	/* requant_shift out of range */
	ROWSTAT_ERR_MAP_ARRAY = 12,	/* PE sets do not fit the array */
	ROWSTAT_ERR_MAP_RF = 13,	/* a PE's data does not fit its RFs */
	ROWSTAT_ERR_PASS_RANGE = 14,	/* pass outside layer or mapping */
	ROWSTAT_ERR_PASS_TILE = 15,	/* GLB tile misses data the pass uses */
	ROWSTAT_ERR_GLB_BOUNDS = 16,	/* GLB range past the end/misaligned */
	ROWSTAT_ERR_DMA_SHAPE = 17,	/* bad direction, dtype, count, stride */
	ROWSTAT_ERR_FAULT = 18,		/* a memory access faulted */
	ROWSTAT_ERR_RLC = 19,		/* malformed compressed data */
	ROWSTAT_ERR_HAZARD = 20,	/* DMA and pass race on the GLB */
	ROWSTAT_ERR_INTERNAL = 21,	/* device-internal resource failure */
	ROWSTAT_ERR_CANCELLED = 22,	/* aborted by a reset */
	ROWSTAT_ERR_BUDGET = 23,	/* would exceed its cycle budget */
	ROWSTAT_ERR_COUNT = 24,
};

/*
 * The most cycles (docs/hardware.md section 8) a job may take when its
 * submitter sets no budget of its own: 2^32, about 21 s at 200 MHz.
 */
#define ROWSTAT_DEFAULT_CYCLE_BUDGET	(1ull << 32)

/*
 * The error offset of a failure that no command of the stream caused: a bad
 * descriptor, a misaligned or oversized stream, a fault fetching it.
 */
#define ROWSTAT_NO_OFFSET		0xffffffffu

/* ---- RLC: Eyeriss-style run-length coding of zeros --------------------------- */

/*
 * A 64-bit little-endian word holds three (run, level) pairs and a
 * terminator: pair k occupies bits [21k, 21k+21): run in the low 5 bits,
 * level (16-bit two's complement) in the high 16; bit 63 marks the last word
 * of a segment.  A pair expands to `run` zeros followed by `level`.  A
 * segment of n values is complete exactly when its pairs have produced n
 * values; the pairs after that in the last word must be zero.
 */
#define ROWSTAT_RLC_PAIRS_PER_WORD	3
#define ROWSTAT_RLC_RUN_BITS		5
#define ROWSTAT_RLC_MAX_RUN		31
#define ROWSTAT_RLC_PAIR_BITS		21
#define ROWSTAT_RLC_TERM		(1ull << 63)
#define ROWSTAT_RLC_WORD_BYTES		8
/* Worst case (no zeros): one value per pair. */
#define ROWSTAT_RLC_SLOT_BYTES(n)	(ROWSTAT_RLC_WORD_BYTES * \
					 (((n) + ROWSTAT_RLC_PAIRS_PER_WORD - 1) / \
					  ROWSTAT_RLC_PAIRS_PER_WORD))

/* ---- Job statistics, written to desc.stats_va when a job ends ------------------ */

/* Energy is counted per access with this many fraction bits (1/256 of a MAC). */
#define ROWSTAT_ENERGY_FRAC_BITS	8
#define ROWSTAT_ENERGY_ONE		(1u << ROWSTAT_ENERGY_FRAC_BITS)

enum rowstat_level {
	ROWSTAT_LEVEL_MAC = 0,
	ROWSTAT_LEVEL_RF = 1,
	ROWSTAT_LEVEL_NOC = 2,
	ROWSTAT_LEVEL_GLB = 3,
	ROWSTAT_LEVEL_DRAM = 4,
	ROWSTAT_LEVEL_COUNT = 5,
};

#define ROWSTAT_STATS_VERSION		1

struct rowstat_job_stats {
	__le32 version;
	__le32 status;			/* enum rowstat_status */
	__le32 error_offset;		/* stream byte offset of the failure */
	__le32 reserved0;
	__le64 fault_va;
	__le64 cycles;			/* estimated latency */
	__le64 array_cycles;		/* cycles the PE array was busy */
	__le64 macs;			/* MAC slots executed */
	__le64 macs_gated;		/* of which ifmap operand was zero */
	__le64 passes;
	__le64 pe_active_max;		/* most PEs active in one pass */
	__le64 pe_active_cycles;	/* sum over passes: PEs x cycles */
	__le64 dram_read_bytes[ROWSTAT_DT_COUNT];
	__le64 dram_write_bytes[ROWSTAT_DT_COUNT];
	__le64 glb_reads[ROWSTAT_DT_COUNT];	/* accesses (values) */
	__le64 glb_writes[ROWSTAT_DT_COUNT];
	__le64 glb_read_bytes;
	__le64 glb_write_bytes;
	__le64 noc[ROWSTAT_DT_COUNT];		/* transfers into/out of PEs */
	__le64 rf_reads[ROWSTAT_DT_COUNT];
	__le64 rf_writes[ROWSTAT_DT_COUNT];
	/* Energy by level and data type, ROWSTAT_ENERGY_FRAC_BITS fixed point. */
	__le64 energy[ROWSTAT_LEVEL_COUNT][ROWSTAT_DT_COUNT];
};

ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_cmd_header) == 4, "header");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_cmd_end) == 8, "END");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_cmd_barrier) == 8, "BARRIER");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_cmd_layer) == 64, "LAYER");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_cmd_mapping) == 24, "MAPPING");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_cmd_dma) == 64, "DMA");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_glb_tile) == 32, "GLB tile");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_cmd_pass) == 104, "PASS");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_job_stats) == 384, "stats");

#endif /* ROWSTAT_CMD_H */
