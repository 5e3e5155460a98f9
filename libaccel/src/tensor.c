// SPDX-License-Identifier: MIT
/*
 * Tensors in device memory: [N][C][H][W] raw, or as RLC segments of whole
 * rows or whole planes, each in a worst-case slot so any segment can be
 * found without decoding the ones before it.
 */
#include "compiler_internal.h"

uint64_t accel_tensor_segment_offset(unsigned n, unsigned c, unsigned k,
				     unsigned channels, unsigned h, unsigned w,
				     unsigned seg_rows)
{
	uint64_t slot = ROWSTAT_RLC_SLOT_BYTES((uint64_t)seg_rows * w);
	uint64_t per_plane = h / seg_rows;

	return (((uint64_t)n * channels + c) * per_plane + k / seg_rows) * slot;
}

uint64_t accel_tensor_bytes(unsigned n, unsigned c, unsigned h, unsigned w,
			    unsigned elem_bytes, const struct accel_tensor *t)
{
	if (!t->rlc)
		return (uint64_t)n * c * h * w * elem_bytes;
	return accel_tensor_segment_offset(n, 0, 0, c, h, w, t->seg_rows);
}
