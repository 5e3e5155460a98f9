// SPDX-License-Identifier: MIT
/*
 * Firmware images: the CRC, a build/parse round trip, every reason the
 * device refuses an image at boot, the source format, and what a running
 * firmware changes in the device's parameters.
 */
#include <string.h>

#include <fwconf.h>
#include "check_main.h"

#define DEVICE_ABI ROWSTAT_VERSION(ROWSTAT_FW_ABI_MAJOR, ROWSTAT_FW_ABI_MINOR)

static struct rs_hw_firmware good;
static uint8_t img[512];
static size_t len;

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Re-seals an edited image so that only the edit is wrong. */
static void setup(void)
{
	memset(&good, 0, sizeof(good));
	good.version = ROWSTAT_VERSION(1, 3);
	good.opcode_mask = 0x7e;
	for (int i = 0; i < ROWSTAT_OP_LIMIT; i++)
		good.decode_cycles[i] = (uint32_t)i * 3;
	good.dram_bw = 4800;
	good.glb_bw = 16;
	good.heartbeat_us = 500;
	for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++)
		good.energy[i] = 100u * (i + 1);
	good.arbiter_policy = ROWSTAT_ARB_PRIORITY;
	good.arbiter_quantum = 2;
	len = rs_hw_fw_build(&good, img, sizeof(img));
	ck_assert_uint_gt(len, 0);
}

static enum rowstat_fw_error parse(const uint8_t *p, size_t n, const char **why)
{
	struct rs_hw_firmware fw;

	return rs_hw_fw_parse(p, n, DEVICE_ABI, &fw, why);
}

START_TEST(crc32_matches_the_standard)
{
	const uint8_t check[] = "123456789";

	ck_assert_uint_eq(rs_hw_crc32(0, check, 9), 0xcbf43926u);
	ck_assert_uint_eq(rs_hw_crc32(rs_hw_crc32(0, check, 4), check + 4, 5), 0xcbf43926u);
	ck_assert_uint_eq(rs_hw_crc32(0, check, 0), 0);
}
END_TEST

START_TEST(images_round_trip)
{
	struct rs_hw_firmware fw;
	const char *why = NULL;

	ck_assert_int_eq(rs_hw_fw_parse(img, len, DEVICE_ABI, &fw, &why), ROWSTAT_FW_OK);
	ck_assert_uint_eq(fw.version, good.version);
	ck_assert_uint_eq(fw.opcode_mask, good.opcode_mask);
	ck_assert_mem_eq(fw.decode_cycles, good.decode_cycles, sizeof(fw.decode_cycles));
	ck_assert_uint_eq(fw.dram_bw, 4800);
	ck_assert_uint_eq(fw.glb_bw, 16);
	ck_assert_uint_eq(fw.heartbeat_us, 500);
	ck_assert_mem_eq(fw.energy, good.energy, sizeof(fw.energy));
	ck_assert_uint_eq(fw.arbiter_policy, ROWSTAT_ARB_PRIORITY);
	ck_assert_uint_eq(fw.arbiter_quantum, 2);
	/* A newer minor ABI still boots: unknown features are ignored. */
	img[6] = 9;
	rs_hw_fw_seal(img, len);
	ck_assert_int_eq(rs_hw_fw_parse(img, len, DEVICE_ABI, &fw, &why), ROWSTAT_FW_OK);
	ck_assert_uint_eq(fw.abi_minor, 9);
}
END_TEST

START_TEST(header_defects_are_refused)
{
	uint8_t bad[512];
	const char *why;

	ck_assert_int_eq(parse(img, 16, &why), ROWSTAT_FW_ERR_SIZE);
	memcpy(bad, img, len);
	bad[0] ^= 1;
	ck_assert_int_eq(parse(bad, len, &why), ROWSTAT_FW_ERR_MAGIC);
	memcpy(bad, img, len);
	bad[4] = 2;	/* ABI major 2 */
	rs_hw_fw_seal(bad, len);
	ck_assert_int_eq(parse(bad, len, &why), ROWSTAT_FW_ERR_ABI);
	memcpy(bad, img, len);
	put32(bad + 12, 28);
	rs_hw_fw_seal(bad, len);
	ck_assert_int_eq(parse(bad, len, &why), ROWSTAT_FW_ERR_SIZE);
	/* Truncated: the image says more bytes than were loaded. */
	ck_assert_int_eq(parse(img, len - 8, &why), ROWSTAT_FW_ERR_SIZE);
	ck_assert_str_eq(why, "image_bytes differs from the size loaded, or over 1 MiB");
	/* One flipped bit anywhere after the header. */
	memcpy(bad, img, len);
	bad[len - 3] ^= 0x10;
	ck_assert_int_eq(parse(bad, len, &why), ROWSTAT_FW_ERR_CHECKSUM);
}
END_TEST

START_TEST(section_defects_are_refused)
{
	uint8_t bad[512];
	const char *why;
	size_t table = sizeof(struct rowstat_fw_header);
	size_t entry = sizeof(struct rowstat_fw_section);

	/* Unknown type. */
	memcpy(bad, img, len);
	put32(bad + table, 9);
	rs_hw_fw_seal(bad, len);
	ck_assert_int_eq(parse(bad, len, &why), ROWSTAT_FW_ERR_SECTION);
	ck_assert_str_eq(why, "unknown section type");
	/* A section given twice (the second entry becomes COMMANDS). */
	memcpy(bad, img, len);
	put32(bad + table + entry, ROWSTAT_FW_SECTION_COMMANDS);
	rs_hw_fw_seal(bad, len);
	ck_assert_int_eq(parse(bad, len, &why), ROWSTAT_FW_ERR_SECTION);
	/* Misaligned, and overlapping. */
	memcpy(bad, img, len);
	put32(bad + table + 4, bad[table + 4] + 4);
	rs_hw_fw_seal(bad, len);
	ck_assert_int_eq(parse(bad, len, &why), ROWSTAT_FW_ERR_SECTION);
	memcpy(bad, img, len);
	memcpy(bad + table + entry + 4, bad + table + 4, 4);
	rs_hw_fw_seal(bad, len);
	ck_assert_int_eq(parse(bad, len, &why), ROWSTAT_FW_ERR_SECTION);
	/* A required section missing: three sections listed. */
	memcpy(bad, img, len);
	put32(bad + 24, 3);
	rs_hw_fw_seal(bad, len);
	ck_assert_int_eq(parse(bad, len, &why), ROWSTAT_FW_ERR_SECTION);
	ck_assert_str_eq(why, "a required section is missing");
}
END_TEST

START_TEST(section_values_are_checked)
{
	struct rs_hw_firmware f;
	uint8_t bad[512];
	size_t n;
	const char *why;

	f = good;
	f.opcode_mask &= ~(1u << ROWSTAT_OP_END);
	n = rs_hw_fw_build(&f, bad, sizeof(bad));
	ck_assert_int_eq(parse(bad, n, &why), ROWSTAT_FW_ERR_SECTION);
	ck_assert_str_eq(why, "COMMANDS must accept END and only opcodes below 8");
	f = good;
	f.glb_bw = 0;
	n = rs_hw_fw_build(&f, bad, sizeof(bad));
	ck_assert_int_eq(parse(bad, n, &why), ROWSTAT_FW_ERR_SECTION);
	f = good;
	f.arbiter_policy = 7;
	n = rs_hw_fw_build(&f, bad, sizeof(bad));
	ck_assert_int_eq(parse(bad, n, &why), ROWSTAT_FW_ERR_SECTION);
	ck_assert_uint_eq(rs_hw_fw_build(&good, bad, 64), 0);
}
END_TEST

START_TEST(a_running_firmware_sets_the_parameters)
{
	struct rs_hw_params hw;

	rs_hw_params_default(&hw);
	rs_hw_fw_apply(&good, &hw);
	ck_assert_uint_eq(hw.opcode_mask, 0x7e);
	ck_assert_uint_eq(hw.decode_cycles[5], 15);
	ck_assert_uint_eq(hw.dram_bw, 4800);
	ck_assert_uint_eq(hw.glb_bw, 16);
	ck_assert_uint_eq(hw.energy[ROWSTAT_LEVEL_DRAM], 500);
}
END_TEST

static int parse_text(const char *text, struct rs_hw_firmware *fw, char *err, size_t n)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret = rsfw_conf_parse(f, "test.conf", fw, err, n);

	fclose(f);
	return ret;
}

START_TEST(firmware_sources_parse_and_name_their_errors)
{
	static const char base[] =
		"version = 2.1\naccept = END PASS\ndecode.PASS = 7\ndram_bw = 100\n"
		"glb_bw = 2\nheartbeat_us = 10\nenergy.mac = 1\nenergy.rf = 1.5\n"
		"energy.noc = 2\nenergy.glb = 6\nenergy.dram = 200\narbiter = priority\n";
	struct rs_hw_firmware fw;
	char err[160];
	FILE *repo = fopen("firmware/rowstat-fw.conf", "r");

	ck_assert_int_eq(parse_text(base, &fw, err, sizeof(err)), 0);
	ck_assert_uint_eq(fw.version, ROWSTAT_VERSION(2, 1));
	ck_assert_uint_eq(fw.opcode_mask, (1u << ROWSTAT_OP_END) | (1u << ROWSTAT_OP_PASS));
	ck_assert_uint_eq(fw.decode_cycles[ROWSTAT_OP_PASS], 7);
	ck_assert_uint_eq(fw.energy[ROWSTAT_LEVEL_RF], 384);
	ck_assert_int_eq(parse_text("version = 1.0\ncolour = blue\n", &fw, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "test.conf:2: unknown key 'colour'");
	ck_assert_int_eq(parse_text("accept = END JUMP\n", &fw, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "test.conf:1: bad value for 'accept'");
	ck_assert_int_eq(parse_text("version = 1.0\n", &fw, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "needs version, accept"));
	/* Level names in lower case, as the format has always had them. */
	ck_assert_int_eq(parse_text("energy.MAC = 1\n", &fw, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "test.conf:1: bad value for 'energy.MAC'");
	ck_assert_int_eq(parse_text("energy.sram = 1\n", &fw, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "test.conf:1: bad value for 'energy.sram'");
	ck_assert_int_eq(parse_text("\n# comment\nversion 1.0\n", &fw, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "test.conf:3: bad value for 'version 1.0'");
	/* The repository's own source builds a valid image. */
	ck_assert_msg(repo, "firmware/rowstat-fw.conf: run from the repository root");
	{
		uint8_t out[512];
		size_t n;
		const char *why;

		ck_assert_int_eq(rsfw_conf_parse(repo, "rowstat-fw.conf", &fw, err, sizeof(err)), 0);
		fclose(repo);
		n = rs_hw_fw_build(&fw, out, sizeof(out));
		ck_assert_int_eq(parse(out, n, &why), ROWSTAT_FW_OK);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("firmware");
	TCase *tc = tcase_create("images");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, crc32_matches_the_standard);
	tcase_add_test(tc, images_round_trip);
	tcase_add_test(tc, header_defects_are_refused);
	tcase_add_test(tc, section_defects_are_refused);
	tcase_add_test(tc, section_values_are_checked);
	tcase_add_test(tc, a_running_firmware_sets_the_parameters);
	tcase_add_test(tc, firmware_sources_parse_and_name_their_errors);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(make_suite)
