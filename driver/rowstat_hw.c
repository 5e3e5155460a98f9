// SPDX-License-Identifier: GPL-2.0-only
/*
 * rowstat: the device's registers: identity, bring-up, reset and interrupts
 * (docs/hardware.md sections 2, 5 and 10).
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/iopoll.h>

#include "rowstat_drv.h"

#define ROWSTAT_RESET_TIMEOUT_US	2000000u

static u32 rowstat_reg_read(void *opaque, u32 offset)
{
	return rowstat_read(opaque, offset);
}

/*
 * Reads identity and capabilities through the rules library, the same
 * checks every other part of the stack applies to these registers.
 */
int rowstat_hw_probe(struct rowstat_device *rdev)
{
	struct device *dev = rdev->drm.dev;
	char why[128];
	u32 rings, contexts;

	if (rs_hw_params_from_regs(&rdev->hw, rowstat_reg_read, rdev, why,
				   sizeof(why))) {
		dev_err(dev, "unsupported device: %s\n", why);
		return -ENODEV;
	}
	rdev->hw_version = rowstat_read(rdev, ROWSTAT_REG_HW_VERSION);
	rdev->cmd_version = rowstat_read(rdev, ROWSTAT_REG_CMD_VERSION);
	rdev->fw_abi = rowstat_read(rdev, ROWSTAT_REG_FW_ABI);
	if (ROWSTAT_VERSION_MAJOR(rdev->fw_abi) != ROWSTAT_FW_ABI_MAJOR) {
		dev_err(dev, "unsupported device: FW_ABI %u.%u, this driver loads ABI %u images\n",
			ROWSTAT_VERSION_MAJOR(rdev->fw_abi),
			ROWSTAT_VERSION_MINOR(rdev->fw_abi), ROWSTAT_FW_ABI_MAJOR);
		return -ENODEV;
	}
	rings = rowstat_read(rdev, ROWSTAT_REG_CAP_RINGS);
	contexts = rowstat_read(rdev, ROWSTAT_REG_CAP_CONTEXTS);
	if (!rings || rings > ROWSTAT_MAX_RINGS) {
		dev_err(dev, "unsupported device: CAP_RINGS %u (1..%u)\n", rings,
			ROWSTAT_MAX_RINGS);
		return -ENODEV;
	}
	if (!contexts || contexts > ROWSTAT_MAX_CONTEXTS) {
		dev_err(dev, "unsupported device: CAP_CONTEXTS %u (1..%u)\n",
			contexts, ROWSTAT_MAX_CONTEXTS);
		return -ENODEV;
	}
	rdev->rings = rings;
	rdev->contexts = contexts;
	rdev->va_bits = rdev->hw.va_bits;
	return 0;
}

/* Programs ring n's registers for an empty ring whose tail is ring->tail. */
static void rowstat_hw_ring_setup(struct rowstat_ring *ring)
{
	struct rowstat_device *rdev = ring->rdev;
	unsigned int n = ring->index;

	rowstat_write(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_ADDR_LO),
		      lower_32_bits(ring->desc_dma));
	rowstat_write(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_ADDR_HI),
		      upper_32_bits(ring->desc_dma));
	rowstat_write(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_SIZE_LOG2),
		      ROWSTAT_RING_ORDER);
	rowstat_write(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_FENCE_ADDR_LO),
		      lower_32_bits(ring->fence_dma));
	rowstat_write(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_FENCE_ADDR_HI),
		      upper_32_bits(ring->fence_dma));
	/* Ring n gets hardware priority n: SUBMIT's priority picks the ring. */
	rowstat_write(rdev, ROWSTAT_REG_RING(n, ROWSTAT_RING_CTRL),
		      ROWSTAT_RING_CTRL_ENABLE | (min(n, 3u) << 8));
}

/*
 * Boots the firmware and programs rings, contexts and interrupts: after
 * probe and after every reset.
 */
int rowstat_hw_start(struct rowstat_device *rdev)
{
	u32 mask = ROWSTAT_IRQ_JOB_ERROR | ROWSTAT_IRQ_MMU_FAULT | ROWSTAT_IRQ_FW;
	unsigned int n;
	int ret;

	ret = rowstat_fw_boot(rdev);
	if (ret)
		return ret;
	for (n = 0; n < rdev->rings; n++) {
		struct rowstat_ring *ring = &rdev->ring[n];

		ring->tail = 0;
		rowstat_hw_ring_setup(ring);
		mask |= ROWSTAT_IRQ_RING(n);
	}
	rowstat_mmu_program_all(rdev);
	rowstat_write(rdev, ROWSTAT_REG_IRQ_STATUS, ~0u);
	rowstat_write(rdev, ROWSTAT_REG_IRQ_MASK, mask);
	rowstat_write(rdev, ROWSTAT_REG_CTRL, ROWSTAT_CTRL_ENABLE);
	return 0;
}

/*
 * Resets the device and waits until the reset is complete, i.e. until the
 * device can no longer touch host memory (docs/hardware.md section 10).
 */
int rowstat_hw_reset(struct rowstat_device *rdev)
{
	u32 ctrl;
	int ret;

	rowstat_write(rdev, ROWSTAT_REG_CTRL, ROWSTAT_CTRL_RESET);
	ret = readl_poll_timeout(rdev->regs + ROWSTAT_REG_CTRL, ctrl,
				 !(ctrl & ROWSTAT_CTRL_RESET), 100,
				 ROWSTAT_RESET_TIMEOUT_US);
	if (ret)
		drm_err(&rdev->drm, "reset did not complete in %u ms\n",
			ROWSTAT_RESET_TIMEOUT_US / 1000);
	rdev->fw_version = 0;
	return ret;
}

/* Quiesces the device for removal: no interrupt, no memory access after. */
void rowstat_hw_stop(struct rowstat_device *rdev)
{
	rowstat_write(rdev, ROWSTAT_REG_IRQ_MASK, 0);
	rowstat_hw_reset(rdev);
}

void rowstat_hw_ring_doorbell(struct rowstat_ring *ring)
{
	rowstat_write(ring->rdev, ROWSTAT_REG_DOORBELL(ring->index), ring->tail);
}

static irqreturn_t rowstat_ring_irq(int irq, void *data)
{
	struct rowstat_ring *ring = data;
	struct rowstat_device *rdev = ring->rdev;
	u32 bit = ROWSTAT_IRQ_RING(ring->index);

	if (!(rowstat_read(rdev, ROWSTAT_REG_IRQ_STATUS) & bit))
		return IRQ_NONE;
	/* Clear first: a completion after the clear raises a new message. */
	rowstat_write(rdev, ROWSTAT_REG_IRQ_STATUS, bit);
	rowstat_ring_complete(ring);
	return IRQ_HANDLED;
}

static irqreturn_t rowstat_error_irq(int irq, void *data)
{
	struct rowstat_device *rdev = data;
	u32 status = rowstat_read(rdev, ROWSTAT_REG_IRQ_STATUS);
	u32 bits = status & (ROWSTAT_IRQ_JOB_ERROR | ROWSTAT_IRQ_MMU_FAULT |
			     ROWSTAT_IRQ_FW);

	if (!bits)
		return IRQ_NONE;
	/*
	 * The fault registers hold the first fault since MMU_FAULT was
	 * cleared: read them before clearing it.
	 */
	if (bits & ROWSTAT_IRQ_MMU_FAULT) {
		u64 va = rowstat_read(rdev, ROWSTAT_REG_FAULT_ADDR_LO) |
			 (u64)rowstat_read(rdev, ROWSTAT_REG_FAULT_ADDR_HI) << 32;
		u32 info = rowstat_read(rdev, ROWSTAT_REG_FAULT_INFO);
		unsigned int slot = ROWSTAT_FAULT_CONTEXT(info);
		struct rowstat_health_event ev = {
			.va = va,
			.context = slot,
			.ring = ROWSTAT_FAULT_RING(info),
			.info = info,
		};
		struct rowstat_ctx *ctx;

		atomic64_inc(&rdev->count.faults);
		drm_dbg_driver(&rdev->drm, "MMU fault: context %u VA 0x%llx %s reason %u\n",
			       slot, va, info & ROWSTAT_FAULT_WRITE ? "write" : "read",
			       ROWSTAT_FAULT_REASON(info));
		/* A late fault of a context given away since is nobody's. */
		spin_lock(&rdev->ctx_lock);
		ctx = slot < rdev->contexts ? rdev->ctx_slot[slot] : NULL;
		if (ctx && ctx->slot_users) {
			WRITE_ONCE(ctx->fault_va, va);
			atomic_inc(&ctx->faults);
		}
		spin_unlock(&rdev->ctx_lock);
		rowstat_health_event(rdev, ROWSTAT_HEALTH_MMU_FAULT, &ev);
	}
	rowstat_write(rdev, ROWSTAT_REG_IRQ_STATUS, bits);
	if (bits & ROWSTAT_IRQ_JOB_ERROR)
		rowstat_job_error(rdev);
	if ((bits & ROWSTAT_IRQ_FW) &&
	    ROWSTAT_FW_STATE(rowstat_read(rdev, ROWSTAT_REG_FW_STATUS)) ==
	    ROWSTAT_FW_STATE_FAILED)
		rowstat_fw_crashed(rdev);
	return IRQ_HANDLED;
}

int rowstat_irq_init(struct rowstat_device *rdev)
{
	struct pci_dev *pdev = rdev->pdev;
	unsigned int vectors = ROWSTAT_MSIX_VECTORS(rdev->rings);
	unsigned int n;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, vectors, vectors, PCI_IRQ_MSIX);
	if (ret < 0) {
		drm_err(&rdev->drm, "cannot allocate %u MSI-X vectors: %d\n",
			vectors, ret);
		return ret;
	}
	for (n = 0; n < rdev->rings; n++) {
		ret = request_irq(pci_irq_vector(pdev, ROWSTAT_MSIX_RING(n)),
				  rowstat_ring_irq, 0, rdev->ring[n].name,
				  &rdev->ring[n]);
		if (ret)
			goto unwind;
	}
	ret = request_irq(pci_irq_vector(pdev, ROWSTAT_MSIX_ERROR(rdev->rings)),
			  rowstat_error_irq, 0, "rowstat-error", rdev);
	if (!ret)
		return 0;
unwind:
	while (n--)
		free_irq(pci_irq_vector(pdev, ROWSTAT_MSIX_RING(n)), &rdev->ring[n]);
	pci_free_irq_vectors(pdev);
	drm_err(&rdev->drm, "cannot request interrupts: %d\n", ret);
	return ret;
}

void rowstat_irq_fini(struct rowstat_device *rdev)
{
	struct pci_dev *pdev = rdev->pdev;
	unsigned int n;

	free_irq(pci_irq_vector(pdev, ROWSTAT_MSIX_ERROR(rdev->rings)), rdev);
	for (n = 0; n < rdev->rings; n++)
		free_irq(pci_irq_vector(pdev, ROWSTAT_MSIX_RING(n)), &rdev->ring[n]);
	pci_free_irq_vectors(pdev);
}
