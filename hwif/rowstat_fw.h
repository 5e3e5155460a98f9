/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * rowstat hardware interface: the command-processor firmware image format.
 *
 * An image is a header, a section table and the sections.  The driver loads
 * it into host memory, writes its bus address and size to the FW_* registers
 * and sets ROWSTAT_FW_CTRL_BOOT; the device validates it (magic, ABI major,
 * sizes, CRC, section table) before it runs anything.  docs/hardware.md,
 * "Firmware", describes the protocol.
 */
#ifndef ROWSTAT_FW_H
#define ROWSTAT_FW_H

#include <rowstat_cmd.h>

#define ROWSTAT_FW_MAGIC		0x57465352u	/* "RSFW" */
#define ROWSTAT_FW_ABI_MAJOR		1
#define ROWSTAT_FW_ABI_MINOR		0
#define ROWSTAT_FW_MAX_BYTES		(1u << 20)
#define ROWSTAT_FW_MAX_SECTIONS		16

/*
 * crc32 is CRC-32/ISO-HDLC (the zlib polynomial) over the whole image with
 * the crc32 field itself taken as zero.
 */
struct rowstat_fw_header {
	__le32 magic;
	__le16 abi_major;	/* must equal the device's ROWSTAT_REG_FW_ABI major */
	__le16 abi_minor;	/* features beyond the device's minor are ignored */
	__le32 fw_version;	/* ROWSTAT_VERSION(major, minor) of this image */
	__le32 header_bytes;	/* sizeof(struct rowstat_fw_header) */
	__le32 image_bytes;	/* header, section table and sections */
	__le32 crc32;
	__le32 section_count;
	__le32 reserved;
};

enum rowstat_fw_section_type {
	ROWSTAT_FW_SECTION_COMMANDS = 1,	/* accepted opcodes and costs */
	ROWSTAT_FW_SECTION_TIMING = 2,		/* cycle-model parameters */
	ROWSTAT_FW_SECTION_ENERGY = 3,		/* energy per access */
	ROWSTAT_FW_SECTION_ARBITER = 4,		/* ring arbitration policy */
};

/* Follows the header; sections are 8-aligned and may not overlap. */
struct rowstat_fw_section {
	__le32 type;
	__le32 offset;		/* from the start of the image */
	__le32 bytes;
	__le32 reserved;
};

/* The COMMANDS section has an entry per opcode value below this. */
#define ROWSTAT_FW_OPCODES		ROWSTAT_OP_LIMIT

/* COMMANDS: a bitmap of accepted opcodes and decode cost per command. */
struct rowstat_fw_commands {
	__le32 opcode_mask;		/* bit n: opcode n accepted */
	__le32 decode_cycles[ROWSTAT_FW_OPCODES];	/* indexed by opcode */
	__le32 reserved;
};

/* TIMING: what the cycle model charges. */
struct rowstat_fw_timing {
	__le32 dram_bw;			/* bytes per 1000 cycles */
	__le32 glb_bw;			/* values per cycle */
	__le32 heartbeat_us;		/* heartbeat period */
	__le32 reserved;
};

/* ENERGY: per access, ROWSTAT_ENERGY_FRAC_BITS fixed point. */
struct rowstat_fw_energy {
	__le32 cost[ROWSTAT_LEVEL_COUNT];	/* indexed by enum rowstat_level */
	__le32 reserved;
};

enum rowstat_fw_arbiter_policy {
	ROWSTAT_ARB_ROUND_ROBIN = 0,
	ROWSTAT_ARB_PRIORITY = 1,	/* highest ring priority first */
};

/* ARBITER: how the command processor picks the next ring. */
struct rowstat_fw_arbiter {
	__le32 policy;
	__le32 quantum_jobs;		/* jobs per ring before switching */
};

ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_fw_header) == 32, "fw header");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_fw_section) == 16, "fw section");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_fw_commands) == 40, "fw cmds");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_fw_timing) == 16, "fw timing");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_fw_energy) == 24, "fw energy");
ROWSTAT_STATIC_ASSERT(sizeof(struct rowstat_fw_arbiter) == 8, "fw arbiter");

#endif /* ROWSTAT_FW_H */
