// SPDX-License-Identifier: MIT
/*
 * Command-processor firmware images (hwif/rowstat_fw.h): the checks the
 * device makes at boot, the builder the image tool uses, and what a parsed
 * image changes in the device's parameters.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <stddef.h>
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <stdio.h>
#include <string.h>
#endif
#endif

#include "rs_hw_fw.h"

#define HDR(field)	offsetof(struct rowstat_fw_header, field)
#define ENTRY(field)	offsetof(struct rowstat_fw_section, field)
#define HEADER_BYTES	sizeof(struct rowstat_fw_header)
#define ENTRY_BYTES	sizeof(struct rowstat_fw_section)

ROWSTAT_STATIC_ASSERT(ROWSTAT_FW_OPCODES == ROWSTAT_OP_LIMIT,
		      "the COMMANDS section covers every opcode");

/*
 * CRC-32/ISO-HDLC (the zlib polynomial), bit-reflected, one bit at a time:
 * it runs once per boot over at most 1 MiB, and needs no table (so no
 * shared state between devices or threads).  Like zlib's crc32(), it
 * continues from a previous result: start from 0.
 */
uint32_t rs_hw_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
	crc ^= 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return crc ^ 0xffffffffu;
}

static const struct {
	uint32_t type;
	uint32_t bytes;
} sections[] = {
	{ ROWSTAT_FW_SECTION_COMMANDS, sizeof(struct rowstat_fw_commands) },
	{ ROWSTAT_FW_SECTION_TIMING, sizeof(struct rowstat_fw_timing) },
	{ ROWSTAT_FW_SECTION_ENERGY, sizeof(struct rowstat_fw_energy) },
	{ ROWSTAT_FW_SECTION_ARBITER, sizeof(struct rowstat_fw_arbiter) },
};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

static enum rowstat_fw_error fw_fail(enum rowstat_fw_error err, const char **why,
				     const char *text)
{
	if (why)
		*why = text;
	return err;
}

static void parse_section(uint32_t type, const uint8_t *p, struct rs_hw_firmware *fw)
{
	switch (type) {
	case ROWSTAT_FW_SECTION_COMMANDS:
		fw->opcode_mask = rs_hw_get_le32(p + offsetof(struct rowstat_fw_commands,
							      opcode_mask));
		p += offsetof(struct rowstat_fw_commands, decode_cycles);
		for (int i = 0; i < ROWSTAT_FW_OPCODES; i++)
			fw->decode_cycles[i] = rs_hw_get_le32(p + 4 * i);
		break;
	case ROWSTAT_FW_SECTION_TIMING:
		fw->dram_bw = rs_hw_get_le32(p + offsetof(struct rowstat_fw_timing, dram_bw));
		fw->glb_bw = rs_hw_get_le32(p + offsetof(struct rowstat_fw_timing, glb_bw));
		fw->heartbeat_us = rs_hw_get_le32(p + offsetof(struct rowstat_fw_timing,
							       heartbeat_us));
		break;
	case ROWSTAT_FW_SECTION_ENERGY:
		for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++)
			fw->energy[i] = rs_hw_get_le32(p + 4 * i);
		break;
	case ROWSTAT_FW_SECTION_ARBITER:
		fw->arbiter_policy = rs_hw_get_le32(p + offsetof(struct rowstat_fw_arbiter,
								 policy));
		fw->arbiter_quantum = rs_hw_get_le32(p + offsetof(struct rowstat_fw_arbiter,
								  quantum_jobs));
		break;
	}
}

/* Magic, ABI, sizes and CRC, in the order the specification gives. */
static enum rowstat_fw_error check_header(const uint8_t *img, size_t len,
					  uint32_t device_abi, const char **why)
{
	uint8_t head[HEADER_BYTES];
	uint32_t crc;

	if (len < HEADER_BYTES)
		return fw_fail(ROWSTAT_FW_ERR_SIZE, why, "image shorter than its header");
	if (rs_hw_get_le32(img + HDR(magic)) != ROWSTAT_FW_MAGIC)
		return fw_fail(ROWSTAT_FW_ERR_MAGIC, why, "bad magic");
	if (rs_hw_get_le16(img + HDR(abi_major)) != ROWSTAT_VERSION_MAJOR(device_abi))
		return fw_fail(ROWSTAT_FW_ERR_ABI, why, "ABI major differs from the device's");
	if (rs_hw_get_le32(img + HDR(header_bytes)) != HEADER_BYTES)
		return fw_fail(ROWSTAT_FW_ERR_SIZE, why, "header_bytes is not 32");
	if (rs_hw_get_le32(img + HDR(image_bytes)) != len || len > ROWSTAT_FW_MAX_BYTES)
		return fw_fail(ROWSTAT_FW_ERR_SIZE, why,
			       "image_bytes differs from the size loaded, or over 1 MiB");
	/* The CRC covers the whole image with its own field as zero. */
	memcpy(head, img, sizeof(head));
	memset(head + HDR(crc32), 0, 4);
	crc = rs_hw_crc32(rs_hw_crc32(0, head, sizeof(head)), img + sizeof(head),
			  len - sizeof(head));
	if (crc != rs_hw_get_le32(img + HDR(crc32)))
		return fw_fail(ROWSTAT_FW_ERR_CHECKSUM, why, "CRC mismatch");
	if (rs_hw_get_le32(img + HDR(reserved)))
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "reserved header field nonzero");
	return ROWSTAT_FW_OK;
}

/* Entry i of the section table: known, once, aligned, inside, not overlapping. */
static enum rowstat_fw_error check_entry(const uint8_t *img, size_t len,
					 uint32_t count, uint32_t i, uint32_t *seen,
					 const char **why)
{
	const uint8_t *table = img + HEADER_BYTES, *e = table + i * ENTRY_BYTES;
	uint32_t type = rs_hw_get_le32(e + ENTRY(type));
	uint32_t off = rs_hw_get_le32(e + ENTRY(offset));
	uint32_t bytes = rs_hw_get_le32(e + ENTRY(bytes));
	size_t k;

	for (k = 0; k < NSECTIONS; k++)
		if (sections[k].type == type)
			break;
	if (k == NSECTIONS)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "unknown section type");
	if (*seen & (1u << k))
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "section given twice");
	if (rs_hw_get_le32(e + ENTRY(reserved)) || bytes != sections[k].bytes || off % 8 ||
	    off < HEADER_BYTES + count * ENTRY_BYTES || (uint64_t)off + bytes > len)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why,
			       "section misplaced, misaligned or of the wrong size");
	for (uint32_t o = 0; o < i; o++) {
		const uint8_t *f = table + o * ENTRY_BYTES;
		uint32_t a = rs_hw_get_le32(f + ENTRY(offset));
		uint32_t b = a + rs_hw_get_le32(f + ENTRY(bytes));

		if (off < b && a < off + bytes)
			return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "sections overlap");
	}
	*seen |= 1u << k;
	return ROWSTAT_FW_OK;
}

/* The values the sections carry. */
static enum rowstat_fw_error check_values(const struct rs_hw_firmware *fw,
					  const char **why)
{
	if (!(fw->opcode_mask & (1u << ROWSTAT_OP_END)) ||
	    fw->opcode_mask >> ROWSTAT_FW_OPCODES)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why,
			       "COMMANDS must accept END and only opcodes below 8");
	if (!fw->dram_bw || !fw->glb_bw || !fw->heartbeat_us)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "TIMING values must be nonzero");
	if (fw->arbiter_policy > ROWSTAT_ARB_PRIORITY || !fw->arbiter_quantum)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "ARBITER policy or quantum invalid");
	return ROWSTAT_FW_OK;
}

enum rowstat_fw_error rs_hw_fw_parse(const uint8_t *img, size_t len,
				     uint32_t device_abi, struct rs_hw_firmware *fw,
				     const char **why)
{
	enum rowstat_fw_error err;
	uint32_t count, seen = 0;

	memset(fw, 0, sizeof(*fw));
	err = check_header(img, len, device_abi, why);
	if (err)
		return err;
	count = rs_hw_get_le32(img + HDR(section_count));
	if (count > ROWSTAT_FW_MAX_SECTIONS || HEADER_BYTES + count * ENTRY_BYTES > len)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "section table past the image");
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = img + HEADER_BYTES + i * ENTRY_BYTES;

		err = check_entry(img, len, count, i, &seen, why);
		if (err)
			return err;
		parse_section(rs_hw_get_le32(e + ENTRY(type)),
			      img + rs_hw_get_le32(e + ENTRY(offset)), fw);
	}
	if (seen != (1u << NSECTIONS) - 1)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "a required section is missing");
	err = check_values(fw, why);
	if (err)
		return err;
	fw->version = rs_hw_get_le32(img + HDR(fw_version));
	fw->abi_minor = rs_hw_get_le16(img + HDR(abi_minor));
	return ROWSTAT_FW_OK;
}

static void build_section(uint32_t type, const struct rs_hw_firmware *fw, uint8_t *p)
{
	switch (type) {
	case ROWSTAT_FW_SECTION_COMMANDS:
		rs_hw_put_le32(p + offsetof(struct rowstat_fw_commands, opcode_mask),
			       fw->opcode_mask);
		p += offsetof(struct rowstat_fw_commands, decode_cycles);
		for (int i = 0; i < ROWSTAT_FW_OPCODES; i++)
			rs_hw_put_le32(p + 4 * i, fw->decode_cycles[i]);
		break;
	case ROWSTAT_FW_SECTION_TIMING:
		rs_hw_put_le32(p + offsetof(struct rowstat_fw_timing, dram_bw), fw->dram_bw);
		rs_hw_put_le32(p + offsetof(struct rowstat_fw_timing, glb_bw), fw->glb_bw);
		rs_hw_put_le32(p + offsetof(struct rowstat_fw_timing, heartbeat_us),
			       fw->heartbeat_us);
		break;
	case ROWSTAT_FW_SECTION_ENERGY:
		for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++)
			rs_hw_put_le32(p + 4 * i, fw->energy[i]);
		break;
	case ROWSTAT_FW_SECTION_ARBITER:
		rs_hw_put_le32(p + offsetof(struct rowstat_fw_arbiter, policy),
			       fw->arbiter_policy);
		rs_hw_put_le32(p + offsetof(struct rowstat_fw_arbiter, quantum_jobs),
			       fw->arbiter_quantum);
		break;
	}
}

size_t rs_hw_fw_build(const struct rs_hw_firmware *fw, uint8_t *out, size_t cap)
{
	size_t off = HEADER_BYTES + NSECTIONS * ENTRY_BYTES, total = off;

	for (size_t k = 0; k < NSECTIONS; k++)
		total += (sections[k].bytes + 7) & ~7u;
	if (total > cap)
		return 0;
	memset(out, 0, total);
	rs_hw_put_le32(out + HDR(magic), ROWSTAT_FW_MAGIC);
	rs_hw_put_le16(out + HDR(abi_major), ROWSTAT_FW_ABI_MAJOR);
	rs_hw_put_le16(out + HDR(abi_minor), (uint16_t)fw->abi_minor);
	rs_hw_put_le32(out + HDR(fw_version), fw->version);
	rs_hw_put_le32(out + HDR(header_bytes), (uint32_t)HEADER_BYTES);
	rs_hw_put_le32(out + HDR(image_bytes), (uint32_t)total);
	rs_hw_put_le32(out + HDR(section_count), NSECTIONS);
	for (size_t k = 0; k < NSECTIONS; k++) {
		uint8_t *e = out + HEADER_BYTES + k * ENTRY_BYTES;

		rs_hw_put_le32(e + ENTRY(type), sections[k].type);
		rs_hw_put_le32(e + ENTRY(offset), (uint32_t)off);
		rs_hw_put_le32(e + ENTRY(bytes), sections[k].bytes);
		build_section(sections[k].type, fw, out + off);
		off += (sections[k].bytes + 7) & ~7u;
	}
	rs_hw_fw_seal(out, total);
	return total;
}

void rs_hw_fw_seal(uint8_t *img, size_t len)
{
	rs_hw_put_le32(img + HDR(crc32), 0);
	rs_hw_put_le32(img + HDR(crc32), rs_hw_crc32(0, img, len));
}

void rs_hw_fw_apply(const struct rs_hw_firmware *fw, struct rs_hw_params *hw)
{
	hw->opcode_mask = fw->opcode_mask;
	memcpy(hw->decode_cycles, fw->decode_cycles, sizeof(hw->decode_cycles));
	hw->dram_bw = fw->dram_bw;
	hw->glb_bw = fw->glb_bw;
	memcpy(hw->energy, fw->energy, sizeof(hw->energy));
}

const char *rs_hw_fw_error_name(enum rowstat_fw_error err)
{
	static const char *const names[] = {
		[ROWSTAT_FW_OK] = "ok",
		[ROWSTAT_FW_ERR_DMA] = "dma",
		[ROWSTAT_FW_ERR_MAGIC] = "magic",
		[ROWSTAT_FW_ERR_ABI] = "abi",
		[ROWSTAT_FW_ERR_SIZE] = "size",
		[ROWSTAT_FW_ERR_CHECKSUM] = "checksum",
		[ROWSTAT_FW_ERR_SECTION] = "section",
		[ROWSTAT_FW_ERR_CRASHED] = "crashed",
	};

	return (unsigned)err < sizeof(names) / sizeof(names[0]) && names[err] ?
	       names[err] : "unknown";
}
