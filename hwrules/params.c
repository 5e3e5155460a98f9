// SPDX-License-Identifier: MIT
/* Hardware parameters: defaults, limits, and reading them from a device. */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <stdio.h>
#include <string.h>
#endif

#include <rowstat_mmu.h>
#include <rowstat_regs.h>

#include "rs_hw.h"

void rs_hw_params_default(struct rs_hw_params *hw)
{
	memset(hw, 0, sizeof(*hw));
	hw->array_rows = ROWSTAT_DEFAULT_ARRAY_ROWS;
	hw->array_cols = ROWSTAT_DEFAULT_ARRAY_COLS;
	hw->rf_filter = ROWSTAT_DEFAULT_RF_FILTER;
	hw->rf_ifmap = ROWSTAT_DEFAULT_RF_IFMAP;
	hw->rf_psum = ROWSTAT_DEFAULT_RF_PSUM;
	hw->glb_bytes = ROWSTAT_DEFAULT_GLB_BYTES;
	hw->precisions = ROWSTAT_PREC_BIT(ROWSTAT_PREC_Q16) |
			 ROWSTAT_PREC_BIT(ROWSTAT_PREC_INT8);
	hw->clock_khz = ROWSTAT_DEFAULT_CLOCK_KHZ;
	hw->dram_bw = ROWSTAT_DEFAULT_DRAM_BW;
	hw->glb_bw = ROWSTAT_DEFAULT_GLB_BW;
	hw->va_bits = ROWSTAT_VA_BITS;
	hw->energy[ROWSTAT_LEVEL_MAC] = ROWSTAT_DEFAULT_ENERGY_MAC;
	hw->energy[ROWSTAT_LEVEL_RF] = ROWSTAT_DEFAULT_ENERGY_RF;
	hw->energy[ROWSTAT_LEVEL_NOC] = ROWSTAT_DEFAULT_ENERGY_NOC;
	hw->energy[ROWSTAT_LEVEL_GLB] = ROWSTAT_DEFAULT_ENERGY_GLB;
	hw->energy[ROWSTAT_LEVEL_DRAM] = ROWSTAT_DEFAULT_ENERGY_DRAM;
	hw->opcode_mask = ~0u;
}

#define ALL_PRECISIONS	(ROWSTAT_PREC_BIT(ROWSTAT_PREC_Q16) | \
			 ROWSTAT_PREC_BIT(ROWSTAT_PREC_INT8))

int rs_hw_params_check(const struct rs_hw_params *hw, const char **why)
{
	if (hw->array_rows < 1 || hw->array_rows > RS_HW_MAX_ARRAY)
		*why = "array_rows must be 1..64";
	else if (hw->array_cols < 1 || hw->array_cols > RS_HW_MAX_ARRAY)
		*why = "array_cols must be 1..64";
	else if (hw->rf_filter < 1 || hw->rf_filter > RS_HW_MAX_RF)
		*why = "rf_filter must be 1..1024 entries";
	else if (hw->rf_ifmap < 1 || hw->rf_ifmap > RS_HW_MAX_RF)
		*why = "rf_ifmap must be 1..1024 entries";
	else if (hw->rf_psum < 1 || hw->rf_psum > RS_HW_MAX_RF)
		*why = "rf_psum must be 1..1024 entries";
	else if (hw->glb_bytes < RS_HW_MIN_GLB || hw->glb_bytes > RS_HW_MAX_GLB)
		*why = "glb_bytes must be 4 KiB..64 MiB";
	else if (!(hw->precisions & ALL_PRECISIONS) || (hw->precisions & ~ALL_PRECISIONS))
		*why = "precisions must be a nonempty subset of Q16 and INT8";
	else if (!hw->clock_khz)
		*why = "clock_khz must be nonzero";
	else if (!hw->dram_bw)
		*why = "dram_bw must be nonzero";
	else if (!hw->glb_bw)
		*why = "glb_bw must be nonzero";
	else if (hw->va_bits < RS_HW_MIN_VA_BITS || hw->va_bits > RS_HW_MAX_VA_BITS)
		*why = "va_bits must be 32..52";
	else
		return 0;
	return -1;
}

/* A major version this code knows, or a message naming the register. */
static int version_known(uint32_t v, unsigned major, const char *reg, char *why,
			 size_t len)
{
	if (ROWSTAT_VERSION_MAJOR(v) == major)
		return 0;
	snprintf(why, len, "%s %u.%u: this software supports major version %u", reg,
		 ROWSTAT_VERSION_MAJOR(v), ROWSTAT_VERSION_MINOR(v), major);
	return -1;
}

int rs_hw_params_from_regs(struct rs_hw_params *hw, rs_hw_reg_read read,
			   void *opaque, char *why, size_t len)
{
	uint32_t id = read(opaque, ROWSTAT_REG_ID), array;
	const char *bad;

	if (id != ROWSTAT_ID_MAGIC) {
		snprintf(why, len, "ID 0x%08x is not a rowstat device's (0x%08x)", id,
			 ROWSTAT_ID_MAGIC);
		return -1;
	}
	if (version_known(read(opaque, ROWSTAT_REG_HW_VERSION), ROWSTAT_HW_VERSION_MAJOR,
			  "HW_VERSION", why, len) ||
	    version_known(read(opaque, ROWSTAT_REG_CMD_VERSION), ROWSTAT_CMD_VERSION_MAJOR,
			  "CMD_VERSION", why, len))
		return -1;
	rs_hw_params_default(hw);
	array = read(opaque, ROWSTAT_REG_CAP_ARRAY);
	hw->array_rows = ROWSTAT_CAP_ARRAY_ROWS(array);
	hw->array_cols = ROWSTAT_CAP_ARRAY_COLS(array);
	hw->rf_filter = read(opaque, ROWSTAT_REG_CAP_RF_FILTER);
	hw->rf_ifmap = read(opaque, ROWSTAT_REG_CAP_RF_IFMAP);
	hw->rf_psum = read(opaque, ROWSTAT_REG_CAP_RF_PSUM);
	hw->glb_bytes = read(opaque, ROWSTAT_REG_CAP_GLB_BYTES);
	hw->precisions = read(opaque, ROWSTAT_REG_CAP_PRECISIONS);
	hw->clock_khz = read(opaque, ROWSTAT_REG_CAP_CLOCK_KHZ);
	hw->dram_bw = read(opaque, ROWSTAT_REG_CAP_DRAM_BW);
	hw->glb_bw = read(opaque, ROWSTAT_REG_CAP_GLB_BW);
	hw->va_bits = read(opaque, ROWSTAT_REG_CAP_VA_BITS);
	for (unsigned l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		hw->energy[l] = read(opaque, ROWSTAT_REG_ENERGY(l));
	if (rs_hw_params_check(hw, &bad)) {
		snprintf(why, len, "capability registers: %s", bad);
		return -1;
	}
	return 0;
}
