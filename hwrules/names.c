// SPDX-License-Identifier: MIT
/* Names of status codes, memory levels, data types and opcodes, and refusals. */
#include <stdarg.h>
#include <stdio.h>

#include "hw_internal.h"

enum rowstat_status rs_hw_refuse(enum rowstat_status code, char *why, size_t len,
				 const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return code;
}

static const char *const status_names[ROWSTAT_ERR_COUNT] = {
	[ROWSTAT_OK] = "ok",
	[ROWSTAT_ERR_STREAM_ALIGN] = "stream-align",
	[ROWSTAT_ERR_STREAM_SIZE] = "stream-size",
	[ROWSTAT_ERR_TRUNCATED] = "truncated",
	[ROWSTAT_ERR_OPCODE] = "opcode",
	[ROWSTAT_ERR_CMD_SIZE] = "cmd-size",
	[ROWSTAT_ERR_RESERVED] = "reserved",
	[ROWSTAT_ERR_NO_LAYER] = "no-layer",
	[ROWSTAT_ERR_NO_MAPPING] = "no-mapping",
	[ROWSTAT_ERR_LAYER_SHAPE] = "layer-shape",
	[ROWSTAT_ERR_LAYER_PREC] = "layer-precision",
	[ROWSTAT_ERR_LAYER_QUANT] = "layer-quant",
	[ROWSTAT_ERR_MAP_ARRAY] = "mapping-array",
	[ROWSTAT_ERR_MAP_RF] = "mapping-rf",
	[ROWSTAT_ERR_PASS_RANGE] = "pass-range",
	[ROWSTAT_ERR_PASS_TILE] = "pass-tile",
	[ROWSTAT_ERR_GLB_BOUNDS] = "glb-bounds",
	[ROWSTAT_ERR_DMA_SHAPE] = "dma-shape",
	[ROWSTAT_ERR_FAULT] = "fault",
	[ROWSTAT_ERR_RLC] = "rlc",
	[ROWSTAT_ERR_HAZARD] = "hazard",
	[ROWSTAT_ERR_INTERNAL] = "internal",
	[ROWSTAT_ERR_CANCELLED] = "cancelled",
	[ROWSTAT_ERR_BUDGET] = "budget",
};

const char *rs_hw_status_name(enum rowstat_status status)
{
	if ((unsigned)status < ROWSTAT_ERR_COUNT && status_names[status])
		return status_names[status];
	return "unknown";
}

const char *rs_hw_level_name(enum rowstat_level level)
{
	static const char *const names[ROWSTAT_LEVEL_COUNT] = {
		[ROWSTAT_LEVEL_MAC] = "MAC",
		[ROWSTAT_LEVEL_RF] = "RF",
		[ROWSTAT_LEVEL_NOC] = "NoC",
		[ROWSTAT_LEVEL_GLB] = "GLB",
		[ROWSTAT_LEVEL_DRAM] = "DRAM",
	};

	return (unsigned)level < ROWSTAT_LEVEL_COUNT ? names[level] : "?";
}

const char *rs_hw_dtype_name(enum rowstat_dtype dtype)
{
	static const char *const names[ROWSTAT_DT_COUNT] = {
		[ROWSTAT_DT_IFMAP] = "ifmap",
		[ROWSTAT_DT_FILTER] = "filter",
		[ROWSTAT_DT_PSUM] = "psum",
	};

	return (unsigned)dtype < ROWSTAT_DT_COUNT ? names[dtype] : "?";
}

const char *rs_hw_opcode_name(unsigned opcode)
{
	static const char *const names[ROWSTAT_OP_LIMIT] = {
		[ROWSTAT_OP_END] = "END",
		[ROWSTAT_OP_LAYER] = "LAYER",
		[ROWSTAT_OP_MAPPING] = "MAPPING",
		[ROWSTAT_OP_DMA] = "DMA",
		[ROWSTAT_OP_PASS] = "PASS",
		[ROWSTAT_OP_BARRIER] = "BARRIER",
	};

	return opcode < ROWSTAT_OP_LIMIT ? names[opcode] : NULL;
}
