// SPDX-License-Identifier: MIT
/*
 * rowstat-params: DRM_IOCTL_VERSION and GET_PARAM, every parameter's value,
 * the per-device context limit, and GET_PARAM's bad arguments.
 */
#include <fcntl.h>
#include <unistd.h>

#include <rowstat_mmu.h>
#include <rowstat_regs.h>

#include "drm_test.h"
#include "fw_boot.h"

static int test_params(void)
{
	int fd = open_node();
	char name[32] = "";
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
	struct drm_rowstat_get_param p = { 0 };
	static const struct { uint32_t param; uint64_t want; } want[] = {
		{ ROWSTAT_PARAM_HW_VERSION, ROWSTAT_VERSION(ROWSTAT_HW_VERSION_MAJOR,
							  ROWSTAT_HW_VERSION_MINOR) },
		{ ROWSTAT_PARAM_CMD_VERSION, ROWSTAT_VERSION(ROWSTAT_CMD_VERSION_MAJOR,
							   ROWSTAT_CMD_VERSION_MINOR) },
		{ ROWSTAT_PARAM_ARRAY_ROWS, ROWSTAT_DEFAULT_ARRAY_ROWS },
		{ ROWSTAT_PARAM_ARRAY_COLS, ROWSTAT_DEFAULT_ARRAY_COLS },
		{ ROWSTAT_PARAM_RF_FILTER, ROWSTAT_DEFAULT_RF_FILTER },
		{ ROWSTAT_PARAM_RF_IFMAP, ROWSTAT_DEFAULT_RF_IFMAP },
		{ ROWSTAT_PARAM_RF_PSUM, ROWSTAT_DEFAULT_RF_PSUM },
		{ ROWSTAT_PARAM_GLB_BYTES, ROWSTAT_DEFAULT_GLB_BYTES },
		{ ROWSTAT_PARAM_PRECISIONS, ROWSTAT_PREC_BIT(ROWSTAT_PREC_Q16) |
					    ROWSTAT_PREC_BIT(ROWSTAT_PREC_INT8) },
		{ ROWSTAT_PARAM_CLOCK_KHZ, ROWSTAT_DEFAULT_CLOCK_KHZ },
		{ ROWSTAT_PARAM_DRAM_BW, ROWSTAT_DEFAULT_DRAM_BW },
		{ ROWSTAT_PARAM_GLB_BW, ROWSTAT_DEFAULT_GLB_BW },
		{ ROWSTAT_PARAM_VA_BITS, ROWSTAT_VA_BITS },
		{ ROWSTAT_PARAM_ENERGY_MAC, ROWSTAT_DEFAULT_ENERGY_MAC },
		{ ROWSTAT_PARAM_ENERGY_RF, ROWSTAT_DEFAULT_ENERGY_RF },
		{ ROWSTAT_PARAM_ENERGY_NOC, ROWSTAT_DEFAULT_ENERGY_NOC },
		{ ROWSTAT_PARAM_ENERGY_GLB, ROWSTAT_DEFAULT_ENERGY_GLB },
		{ ROWSTAT_PARAM_ENERGY_DRAM, ROWSTAT_DEFAULT_ENERGY_DRAM },
		{ ROWSTAT_PARAM_PRIORITIES, ROWSTAT_DEFAULT_RINGS },
		{ ROWSTAT_PARAM_VA_END, 1ull << ROWSTAT_VA_BITS },
	};

	expect_ok(fd, DRM_IOCTL_VERSION, &v, "VERSION");
	if (strcmp(name, ROWSTAT_DRIVER_NAME) || v.version_major != ROWSTAT_DRIVER_MAJOR)
		fail("VERSION: driver '%s' %d.%d", name, v.version_major, v.version_minor);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t got = get_param(fd, want[i].param);

		if (got != want[i].want)
			fail("GET_PARAM %u: %llu, want %llu", want[i].param,
			     (unsigned long long)got, (unsigned long long)want[i].want);
	}
	if (ROWSTAT_VERSION_MAJOR(get_param(fd, ROWSTAT_PARAM_FW_VERSION)) < 1)
		fail("GET_PARAM FW_VERSION: no firmware version");
	/* The running image's decode cycles, as the image carries them. */
	{
		struct rs_hw_params fw;

		if (fw_booted_params("/lib/firmware/rowstat/rowstat.fw", &fw))
			fail("cannot read the firmware image");
		for (unsigned op = 0; op < ROWSTAT_OP_LIMIT; op++)
			if (get_param(fd, ROWSTAT_PARAM_DECODE(op)) != fw.decode_cycles[op])
				fail("GET_PARAM DECODE(%u): %llu, the image's %u", op,
				     (unsigned long long)get_param(fd, ROWSTAT_PARAM_DECODE(op)),
				     fw.decode_cycles[op]);
		if (!get_param(fd, ROWSTAT_PARAM_DECODE(ROWSTAT_OP_PASS)))
			fail("GET_PARAM DECODE(PASS): 0");
	}
	if (!get_param(fd, ROWSTAT_PARAM_JOB_TIMEOUT_MS) ||
	    get_param(fd, ROWSTAT_PARAM_VA_START) >= get_param(fd, ROWSTAT_PARAM_VA_END))
		fail("GET_PARAM: timeout or VA range");
	p.param = ROWSTAT_PARAM_COUNT;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p, EINVAL, "GET_PARAM unknown");
	p.param = 0xffffffff;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p, EINVAL, "GET_PARAM ~0");
	p.param = ROWSTAT_PARAM_HW_VERSION;
	p.pad = 1;
	expect_errno(fd, DRM_IOCTL_ROWSTAT_GET_PARAM, &p, EINVAL, "GET_PARAM pad");
	close(fd);
	printf("params: %u checks\n", checks);
	return 0;
}

static const struct subtest tests[] = {
	{ .name = "params", .run = test_params },
};

int main(int argc, char **argv)
{
	return subtests_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
