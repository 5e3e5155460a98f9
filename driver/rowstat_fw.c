// SPDX-License-Identifier: GPL-2.0-only
/*
 * rowstat: the command-processor firmware (docs/hardware.md section 9).
 * The image is checked with the rules library's parser, the code the
 * device itself runs at boot, before the device ever sees it; it stays in
 * DMA memory so that every reset can boot it again.
 */
#include <linux/dma-mapping.h>
#include <linux/firmware.h>
#include <linux/iopoll.h>

#include "rowstat_drv.h"

#define ROWSTAT_FW_BOOT_TIMEOUT_US	(2 * USEC_PER_SEC)

/* Checks an image as the device will; why names the failed check. */
static int rowstat_fw_check(struct rowstat_device *rdev, const u8 *data,
			    size_t size, const char **why)
{
	struct rs_hw_firmware fw;
	enum rowstat_fw_error err;

	err = rs_hw_fw_parse(data, size, rdev->fw_abi, &fw, why);
	if (err)
		return err == ROWSTAT_FW_ERR_ABI ? -ENOEXEC : -EINVAL;
	return 0;
}

/* Puts a checked image in DMA memory, replacing the one kept before. */
static int rowstat_fw_keep(struct rowstat_device *rdev, const u8 *data, size_t size)
{
	struct device *dev = rdev->drm.dev;
	void *cpu;
	dma_addr_t dma;

	cpu = dma_alloc_coherent(dev, size, &dma, GFP_KERNEL);
	if (!cpu)
		return -ENOMEM;
	memcpy(cpu, data, size);
	rowstat_fw_fini(rdev);
	rdev->fw_cpu = cpu;
	rdev->fw_dma = dma;
	rdev->fw_size = size;
	return 0;
}

int rowstat_fw_load(struct rowstat_device *rdev, const char *name)
{
	const struct firmware *fw;
	const char *why = NULL;
	int ret;

	ret = request_firmware(&fw, name, rdev->drm.dev);
	if (ret) {
		drm_err(&rdev->drm, "firmware %s: cannot load it (%d): is it installed in /lib/firmware?\n",
			name, ret);
		return ret;
	}
	ret = rowstat_fw_replace(rdev, fw->data, fw->size, &why);
	if (ret == -ENOEXEC || ret == -EINVAL)
		drm_err(&rdev->drm, "firmware %s: %s image: %s\n", name,
			ret == -ENOEXEC ? "incompatible" : "corrupt", why ?: "?");
	if (!ret)
		strscpy(rdev->fw_name, name, sizeof(rdev->fw_name));
	release_firmware(fw);
	return ret;
}

/* A new image (devlink flash): checked first, kept only if it is good. */
int rowstat_fw_replace(struct rowstat_device *rdev, const u8 *data, size_t size,
		       const char **why)
{
	int ret = rowstat_fw_check(rdev, data, size, why);

	return ret ? ret : rowstat_fw_keep(rdev, data, size);
}

/*
 * The boot handshake: the device reads the image, checks it again and
 * reports RUNNING or FAILED with an error code.  Polled: it is short, and
 * runs where sleeping is allowed (probe, reset).
 */
int rowstat_fw_boot(struct rowstat_device *rdev)
{
	u32 status;
	unsigned int l;
	int ret;

	if (!rdev->fw_cpu)
		return -ENOENT;
	rowstat_write(rdev, ROWSTAT_REG_FW_ADDR_LO, lower_32_bits(rdev->fw_dma));
	rowstat_write(rdev, ROWSTAT_REG_FW_ADDR_HI, upper_32_bits(rdev->fw_dma));
	rowstat_write(rdev, ROWSTAT_REG_FW_SIZE, rdev->fw_size);
	rowstat_write(rdev, ROWSTAT_REG_FW_CTRL, ROWSTAT_FW_CTRL_BOOT);
	ret = readl_poll_timeout(rdev->regs + ROWSTAT_REG_FW_STATUS, status,
				 ROWSTAT_FW_STATE(status) == ROWSTAT_FW_STATE_RUNNING ||
				 ROWSTAT_FW_STATE(status) == ROWSTAT_FW_STATE_FAILED,
				 100, ROWSTAT_FW_BOOT_TIMEOUT_US);
	if (ret) {
		drm_err(&rdev->drm, "firmware %s: boot did not finish (FW_STATUS 0x%x)\n",
			rdev->fw_name, status);
		return ret;
	}
	if (ROWSTAT_FW_STATE(status) == ROWSTAT_FW_STATE_FAILED) {
		drm_err(&rdev->drm, "firmware %s: the device refused it: %s\n",
			rdev->fw_name,
			rs_hw_fw_error_name(ROWSTAT_FW_ERROR(status)));
		return -EIO;
	}
	rdev->fw_version = rowstat_read(rdev, ROWSTAT_REG_FW_VERSION);
	/* The running firmware's bandwidths and energy table. */
	rdev->hw.dram_bw = rowstat_read(rdev, ROWSTAT_REG_CAP_DRAM_BW);
	rdev->hw.glb_bw = rowstat_read(rdev, ROWSTAT_REG_CAP_GLB_BW);
	for (l = 0; l < ROWSTAT_LEVEL_COUNT; l++)
		rdev->hw.energy[l] = rowstat_read(rdev, ROWSTAT_REG_ENERGY(l));
	for (l = 0; l < ROWSTAT_OP_LIMIT; l++)
		rdev->hw.decode_cycles[l] = rowstat_read(rdev, ROWSTAT_REG_DECODE(l));
	return 0;
}

void rowstat_fw_fini(struct rowstat_device *rdev)
{
	if (!rdev->fw_cpu)
		return;
	dma_free_coherent(rdev->drm.dev, rdev->fw_size, rdev->fw_cpu, rdev->fw_dma);
	rdev->fw_cpu = NULL;
}
