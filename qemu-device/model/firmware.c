// SPDX-License-Identifier: MIT
/*
 * Command-processor firmware images (uapi/rowstat_fw.h): the checks the
 * device makes at boot, the builder the image tool uses, and what a parsed
 * image changes in the device's parameters.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "rs_model.h"
#include "rs_internal.h"

#define FW_CRC_OFFSET offsetof(struct rowstat_fw_header, crc32)

/*
 * CRC-32/ISO-HDLC (the zlib polynomial), bit-reflected, table-driven.  Like
 * zlib's crc32(), it continues from a previous result: start from 0.
 */
uint32_t rs_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
	static uint32_t table[256];
	static int ready;

	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = (c >> 1) ^ (0xedb88320u & -(c & 1));
			table[i] = c;
		}
		ready = 1;
	}
	crc ^= 0xffffffffu;
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

static const struct {
	uint32_t type;
	uint32_t bytes;
	const char *name;
} sections[] = {
	{ ROWSTAT_FW_SECTION_COMMANDS, sizeof(struct rowstat_fw_commands), "COMMANDS" },
	{ ROWSTAT_FW_SECTION_TIMING, sizeof(struct rowstat_fw_timing), "TIMING" },
	{ ROWSTAT_FW_SECTION_ENERGY, sizeof(struct rowstat_fw_energy), "ENERGY" },
	{ ROWSTAT_FW_SECTION_ARBITER, sizeof(struct rowstat_fw_arbiter), "ARBITER" },
};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

static enum rowstat_fw_error fw_fail(enum rowstat_fw_error err, const char **why,
				     const char *text)
{
	if (why)
		*why = text;
	return err;
}

static void parse_section(uint32_t type, const uint8_t *p, struct rs_firmware *fw)
{
	switch (type) {
	case ROWSTAT_FW_SECTION_COMMANDS:
		fw->opcode_mask = rs_get_le32(p);
		for (int i = 0; i < ROWSTAT_FW_OPCODES; i++)
			fw->decode_cycles[i] = rs_get_le32(p + 4 + 4 * i);
		break;
	case ROWSTAT_FW_SECTION_TIMING:
		fw->dram_bw = rs_get_le32(p);
		fw->glb_bw = rs_get_le32(p + 4);
		fw->heartbeat_us = rs_get_le32(p + 8);
		break;
	case ROWSTAT_FW_SECTION_ENERGY:
		for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++)
			fw->energy[i] = rs_get_le32(p + 4 * i);
		break;
	case ROWSTAT_FW_SECTION_ARBITER:
		fw->arbiter_policy = rs_get_le32(p);
		fw->arbiter_quantum = rs_get_le32(p + 4);
		break;
	}
}

enum rowstat_fw_error rs_fw_parse(const uint8_t *img, size_t len,
				  uint32_t device_abi, struct rs_firmware *fw,
				  const char **why)
{
	uint32_t count, seen = 0, crc;

	memset(fw, 0, sizeof(*fw));
	if (len < sizeof(struct rowstat_fw_header))
		return fw_fail(ROWSTAT_FW_ERR_SIZE, why, "image shorter than its header");
	if (rs_get_le32(img) != ROWSTAT_FW_MAGIC)
		return fw_fail(ROWSTAT_FW_ERR_MAGIC, why, "bad magic");
	if (rs_get_le16(img + 4) != ROWSTAT_VERSION_MAJOR(device_abi))
		return fw_fail(ROWSTAT_FW_ERR_ABI, why, "ABI major differs from the device's");
	if (rs_get_le32(img + 12) != sizeof(struct rowstat_fw_header))
		return fw_fail(ROWSTAT_FW_ERR_SIZE, why, "header_bytes is not 32");
	if (rs_get_le32(img + 16) != len || len > ROWSTAT_FW_MAX_BYTES)
		return fw_fail(ROWSTAT_FW_ERR_SIZE, why,
			       "image_bytes differs from the size loaded, or over 1 MiB");
	/* The CRC covers the whole image with its own field as zero. */
	{
		uint8_t head[sizeof(struct rowstat_fw_header)];

		memcpy(head, img, sizeof(head));
		memset(head + FW_CRC_OFFSET, 0, 4);
		crc = rs_crc32(rs_crc32(0, head, sizeof(head)), img + sizeof(head),
			       len - sizeof(head));
		if (crc != rs_get_le32(img + FW_CRC_OFFSET))
			return fw_fail(ROWSTAT_FW_ERR_CHECKSUM, why, "CRC mismatch");
	}
	count = rs_get_le32(img + 24);
	if (rs_get_le32(img + 28))
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "reserved header field nonzero");
	if (count > ROWSTAT_FW_MAX_SECTIONS ||
	    sizeof(struct rowstat_fw_header) + count * sizeof(struct rowstat_fw_section) > len)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "section table past the image");
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = img + sizeof(struct rowstat_fw_header) +
				   i * sizeof(struct rowstat_fw_section);
		uint32_t type = rs_get_le32(e), off = rs_get_le32(e + 4);
		uint32_t bytes = rs_get_le32(e + 8);
		size_t k;

		for (k = 0; k < NSECTIONS; k++)
			if (sections[k].type == type)
				break;
		if (k == NSECTIONS)
			return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "unknown section type");
		if (seen & (1u << k))
			return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "section given twice");
		if (rs_get_le32(e + 12) || bytes != sections[k].bytes || off % 8 ||
		    off < sizeof(struct rowstat_fw_header) +
			  count * sizeof(struct rowstat_fw_section) ||
		    (uint64_t)off + bytes > len)
			return fw_fail(ROWSTAT_FW_ERR_SECTION, why,
				       "section misplaced, misaligned or of the wrong size");
		/* No two sections overlap. */
		for (uint32_t o = 0; o < i; o++) {
			const uint8_t *f = img + sizeof(struct rowstat_fw_header) +
					   o * sizeof(struct rowstat_fw_section);
			uint32_t a = rs_get_le32(f + 4), b = a + rs_get_le32(f + 8);

			if (off < b && a < off + bytes)
				return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "sections overlap");
		}
		seen |= 1u << k;
		parse_section(type, img + off, fw);
	}
	if (seen != (1u << NSECTIONS) - 1)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "a required section is missing");
	if (!(fw->opcode_mask & (1u << ROWSTAT_OP_END)) || fw->opcode_mask >> ROWSTAT_FW_OPCODES)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why,
			       "COMMANDS must accept END and only opcodes below 8");
	if (!fw->dram_bw || !fw->glb_bw || !fw->heartbeat_us)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "TIMING values must be nonzero");
	if (fw->arbiter_policy > ROWSTAT_ARB_PRIORITY || !fw->arbiter_quantum)
		return fw_fail(ROWSTAT_FW_ERR_SECTION, why, "ARBITER policy or quantum invalid");
	fw->version = rs_get_le32(img + 8);
	fw->abi_minor = rs_get_le16(img + 6);
	return ROWSTAT_FW_OK;
}

size_t rs_fw_build(const struct rs_firmware *fw, uint8_t *out, size_t cap)
{
	size_t head = sizeof(struct rowstat_fw_header);
	size_t table = NSECTIONS * sizeof(struct rowstat_fw_section);
	size_t off = head + table, total = off;

	for (size_t k = 0; k < NSECTIONS; k++)
		total += (sections[k].bytes + 7) & ~7u;
	if (total > cap)
		return 0;
	memset(out, 0, total);
	rs_put_le32(out, ROWSTAT_FW_MAGIC);
	rs_put_le16(out + 4, ROWSTAT_FW_ABI_MAJOR);
	rs_put_le16(out + 6, (uint16_t)fw->abi_minor);
	rs_put_le32(out + 8, fw->version);
	rs_put_le32(out + 12, (uint32_t)head);
	rs_put_le32(out + 16, (uint32_t)total);
	rs_put_le32(out + 24, NSECTIONS);
	for (size_t k = 0; k < NSECTIONS; k++) {
		uint8_t *e = out + head + k * sizeof(struct rowstat_fw_section);
		uint8_t *p = out + off;

		rs_put_le32(e, sections[k].type);
		rs_put_le32(e + 4, (uint32_t)off);
		rs_put_le32(e + 8, sections[k].bytes);
		switch (sections[k].type) {
		case ROWSTAT_FW_SECTION_COMMANDS:
			rs_put_le32(p, fw->opcode_mask);
			for (int i = 0; i < ROWSTAT_FW_OPCODES; i++)
				rs_put_le32(p + 4 + 4 * i, fw->decode_cycles[i]);
			break;
		case ROWSTAT_FW_SECTION_TIMING:
			rs_put_le32(p, fw->dram_bw);
			rs_put_le32(p + 4, fw->glb_bw);
			rs_put_le32(p + 8, fw->heartbeat_us);
			break;
		case ROWSTAT_FW_SECTION_ENERGY:
			for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++)
				rs_put_le32(p + 4 * i, fw->energy[i]);
			break;
		case ROWSTAT_FW_SECTION_ARBITER:
			rs_put_le32(p, fw->arbiter_policy);
			rs_put_le32(p + 4, fw->arbiter_quantum);
			break;
		}
		off += (sections[k].bytes + 7) & ~7u;
	}
	rs_fw_seal(out, total);
	return total;
}

void rs_fw_seal(uint8_t *img, size_t len)
{
	rs_put_le32(img + FW_CRC_OFFSET, 0);
	rs_put_le32(img + FW_CRC_OFFSET, rs_crc32(0, img, len));
}

void rs_fw_apply(const struct rs_firmware *fw, struct rs_hw_params *hw)
{
	hw->opcode_mask = fw->opcode_mask;
	memcpy(hw->decode_cycles, fw->decode_cycles, sizeof(hw->decode_cycles));
	hw->dram_bw = fw->dram_bw;
	hw->glb_bw = fw->glb_bw;
	memcpy(hw->energy, fw->energy, sizeof(hw->energy));
}

const char *rs_fw_error_name(enum rowstat_fw_error err)
{
	static const char *const names[] = {
		"ok", "dma", "magic", "abi", "size", "checksum", "section", "crashed"
	};

	return (unsigned)err < sizeof(names) / sizeof(names[0]) ? names[err] : "unknown";
}
