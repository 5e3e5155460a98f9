// SPDX-License-Identifier: MIT
/*
 * rsfw: builds and checks command-processor firmware images.
 *
 *   rsfw build SOURCE IMAGE   compile a firmware source into an image
 *   rsfw verify IMAGE         run the device's boot checks; exit 1 if it would refuse
 *   rsfw dump IMAGE           verify, then print what the image carries
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwconf.h"

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    n > 16 * (long)ROWSTAT_FW_MAX_BYTES)
		goto out;
	buf = malloc(n ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = (size_t)n;
out:
	fclose(f);
	return buf;
}

static int check(const char *path, bool dump)
{
	size_t len;
	uint8_t *img = read_file(path, &len);
	struct rs_hw_firmware fw;
	const char *why = NULL;
	enum rowstat_fw_error err;

	if (!img) {
		fprintf(stderr, "rsfw: %s: %s\n", path, strerror(errno));
		return 2;
	}
	err = rs_hw_fw_parse(img, len, ROWSTAT_VERSION(ROWSTAT_FW_ABI_MAJOR, ROWSTAT_FW_ABI_MINOR),
			  &fw, &why);
	free(img);
	if (err != ROWSTAT_FW_OK) {
		fprintf(stderr, "rsfw: %s: refused (%s): %s\n", path, rs_hw_fw_error_name(err), why);
		return 1;
	}
	printf("%s: firmware %u.%u, ABI %u.%u, %zu bytes: valid\n", path,
	       ROWSTAT_VERSION_MAJOR(fw.version), ROWSTAT_VERSION_MINOR(fw.version),
	       ROWSTAT_FW_ABI_MAJOR, fw.abi_minor, len);
	if (!dump)
		return 0;
	printf("  opcodes accepted: 0x%02x\n  decode cycles:", fw.opcode_mask);
	for (int i = 0; i < ROWSTAT_FW_OPCODES; i++)
		printf(" %u", fw.decode_cycles[i]);
	printf("\n  DRAM %u bytes/kcycle, GLB %u values/cycle, heartbeat %u us\n",
	       fw.dram_bw, fw.glb_bw, fw.heartbeat_us);
	printf("  energy (1/256):");
	for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++)
		printf(" %s %u", rs_hw_level_name(i), fw.energy[i]);
	printf("\n  arbiter %s, %u jobs per turn\n",
	       fw.arbiter_policy == ROWSTAT_ARB_PRIORITY ? "priority" : "round-robin",
	       fw.arbiter_quantum);
	return 0;
}

static int build(const char *src, const char *out)
{
	FILE *in = fopen(src, "r"), *o;
	struct rs_hw_firmware fw;
	uint8_t img[4096];
	char err[256];
	size_t len;

	if (!in) {
		fprintf(stderr, "rsfw: %s: %s\n", src, strerror(errno));
		return 2;
	}
	if (rsfw_conf_parse(in, src, &fw, err, sizeof(err))) {
		fclose(in);
		fprintf(stderr, "rsfw: %s\n", err);
		return 1;
	}
	fclose(in);
	len = rs_hw_fw_build(&fw, img, sizeof(img));
	o = fopen(out, "wb");
	if (!len || !o || fwrite(img, 1, len, o) != len || fclose(o)) {
		fprintf(stderr, "rsfw: cannot write %s\n", out);
		return 2;
	}
	return check(out, false);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "build"))
		return build(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "verify"))
		return check(argv[2], false);
	if (argc == 3 && !strcmp(argv[1], "dump"))
		return check(argv[2], true);
	fprintf(stderr, "usage: rsfw build SOURCE IMAGE | rsfw verify IMAGE | rsfw dump IMAGE\n");
	return 2;
}
