/* SPDX-License-Identifier: MIT */
/*
 * rowstat hardware rules: command-processor firmware images
 * (hwif/rowstat_fw.h, docs/hardware.md section 9).  The device's boot
 * checks, the builder the firmware tool uses, and what a running image
 * changes in the device's parameters.  For the components that may see
 * hwif/: the device, the driver's tools, the firmware tool and the tests.
 */
#ifndef RS_HW_FW_H
#define RS_HW_FW_H

#include <rowstat_fw.h>
#include <rowstat_regs.h>

#include "rs_hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a firmware image carries, host-endian. */
struct rs_hw_firmware {
	uint32_t version;			/* ROWSTAT_VERSION(major, minor) */
	uint32_t abi_minor;
	uint32_t opcode_mask;
	uint32_t decode_cycles[ROWSTAT_FW_OPCODES];
	uint32_t dram_bw, glb_bw, heartbeat_us;
	uint32_t energy[ROWSTAT_LEVEL_COUNT];
	uint32_t arbiter_policy, arbiter_quantum;
};

/* CRC-32 as zlib computes it; chain calls by passing the previous result. */
RS_HW_API uint32_t rs_hw_crc32(uint32_t crc, const uint8_t *data, size_t len);

/*
 * The device's boot-time checks, in the specified order; fills *fw on
 * ROWSTAT_FW_OK.  device_abi is the FW_ABI register value.
 */
RS_HW_API enum rowstat_fw_error rs_hw_fw_parse(const uint8_t *img, size_t len,
					       uint32_t device_abi,
					       struct rs_hw_firmware *fw,
					       const char **why);

/*
 * Writes an image of *fw (ABI major ROWSTAT_FW_ABI_MAJOR); returns its
 * size, or 0 if cap is too small.
 */
RS_HW_API size_t rs_hw_fw_build(const struct rs_hw_firmware *fw, uint8_t *out,
				size_t cap);

/* Stores the CRC of a len-byte image in its header (builders, tests that edit images). */
RS_HW_API void rs_hw_fw_seal(uint8_t *img, size_t len);

/* What a running firmware changes in the device's parameters. */
RS_HW_API void rs_hw_fw_apply(const struct rs_hw_firmware *fw, struct rs_hw_params *hw);

RS_HW_API const char *rs_hw_fw_error_name(enum rowstat_fw_error err);

#ifdef __cplusplus
}
#endif

#endif /* RS_HW_FW_H */
