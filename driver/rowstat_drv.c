// SPDX-License-Identifier: GPL-2.0-only
/*
 * rowstat: the DRM driver.  The ioctl table, open and close, GET_PARAM,
 * and the PCI device's probe and removal.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>

#include "rowstat_drv.h"

#ifdef HAVE_DRM_ACCEL
#include <drm/drm_accel.h>
#endif

static char *firmware = "rowstat/rowstat.fw";
module_param(firmware, charp, 0444);
MODULE_PARM_DESC(firmware, "firmware image, relative to /lib/firmware");

static unsigned int job_timeout_ms = 2000;
module_param(job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms, "a job running longer is reset (ms, 10..60000)");

static int rowstat_open(struct drm_device *drm, struct drm_file *file)
{
	struct rowstat_device *rdev = to_rowstat_device(drm);
	struct rowstat_file *rfile;
	int ret;

	rfile = kzalloc(sizeof(*rfile), GFP_KERNEL);
	if (!rfile)
		return -ENOMEM;
	rfile->rdev = rdev;
	rfile->ctx = rowstat_ctx_create(rdev);
	if (IS_ERR(rfile->ctx)) {
		ret = PTR_ERR(rfile->ctx);
		kfree(rfile);
		return ret;
	}
	ret = rowstat_file_entities_init(rfile);
	if (ret) {
		rowstat_ctx_put(rfile->ctx);
		kfree(rfile);
		return ret;
	}
	file->driver_priv = rfile;
	return 0;
}

/*
 * Called after every handle of the file is closed; jobs still queued or on
 * the device hold the context until they end.
 */
static void rowstat_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct rowstat_file *rfile = file->driver_priv;

	rowstat_file_entities_fini(rfile);
	rowstat_ctx_put(rfile->ctx);
	kfree(rfile);
}

static int rowstat_param_value(struct rowstat_device *rdev, u32 param, u64 *value)
{
	const struct rs_hw_params *hw = &rdev->hw;

	switch (param) {
	case ROWSTAT_PARAM_HW_VERSION:
		*value = rdev->hw_version;
		break;
	case ROWSTAT_PARAM_CMD_VERSION:
		*value = rdev->cmd_version;
		break;
	case ROWSTAT_PARAM_FW_VERSION:
		*value = rdev->fw_version;
		break;
	case ROWSTAT_PARAM_ARRAY_ROWS:
		*value = hw->array_rows;
		break;
	case ROWSTAT_PARAM_ARRAY_COLS:
		*value = hw->array_cols;
		break;
	case ROWSTAT_PARAM_RF_FILTER:
		*value = hw->rf_filter;
		break;
	case ROWSTAT_PARAM_RF_IFMAP:
		*value = hw->rf_ifmap;
		break;
	case ROWSTAT_PARAM_RF_PSUM:
		*value = hw->rf_psum;
		break;
	case ROWSTAT_PARAM_GLB_BYTES:
		*value = hw->glb_bytes;
		break;
	case ROWSTAT_PARAM_PRECISIONS:
		*value = hw->precisions;
		break;
	case ROWSTAT_PARAM_CLOCK_KHZ:
		*value = hw->clock_khz;
		break;
	case ROWSTAT_PARAM_DRAM_BW:
		*value = hw->dram_bw;
		break;
	case ROWSTAT_PARAM_GLB_BW:
		*value = hw->glb_bw;
		break;
	case ROWSTAT_PARAM_VA_BITS:
		*value = rdev->va_bits;
		break;
	case ROWSTAT_PARAM_ENERGY_MAC ... ROWSTAT_PARAM_ENERGY_DRAM:
		*value = hw->energy[param - ROWSTAT_PARAM_ENERGY_MAC];
		break;
	case ROWSTAT_PARAM_DECODE(0) ... ROWSTAT_PARAM_DECODE(ROWSTAT_OP_LIMIT - 1):
		*value = hw->decode_cycles[param - ROWSTAT_PARAM_DECODE(0)];
		break;
	case ROWSTAT_PARAM_PRIORITIES:
		*value = rdev->rings;
		break;
	case ROWSTAT_PARAM_JOB_TIMEOUT_MS:
		*value = rdev->job_timeout_ms;
		break;
	case ROWSTAT_PARAM_VA_START:
		*value = ROWSTAT_VA_START;
		break;
	case ROWSTAT_PARAM_VA_END:
		*value = 1ull << rdev->va_bits;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int rowstat_ioctl_get_param(struct drm_device *drm, void *data,
				   struct drm_file *file)
{
	struct drm_rowstat_get_param *args = data;

	if (args->pad) {
		drm_dbg_driver(drm, "GET_PARAM: pad must be 0\n");
		return -EINVAL;
	}
	if (rowstat_param_value(to_rowstat_device(drm), args->param, &args->value)) {
		drm_dbg_driver(drm, "GET_PARAM: unknown param %u\n", args->param);
		return -EINVAL;
	}
	return 0;
}

/*
 * Every ioctl that reaches the device runs inside drm_dev_enter(), so that
 * after removal the file fails with -ENODEV instead of touching freed state.
 */
#define ROWSTAT_IOCTL_GUARDED(name)						\
static int rowstat_ioctl_##name##_guarded(struct drm_device *drm, void *data,	\
					   struct drm_file *file)		\
{										\
	int idx, ret;								\
										\
	if (!drm_dev_enter(drm, &idx))						\
		return -ENODEV;							\
	ret = rowstat_ioctl_##name(drm, data, file);				\
	drm_dev_exit(idx);							\
	return ret;								\
}

ROWSTAT_IOCTL_GUARDED(get_param)
ROWSTAT_IOCTL_GUARDED(bo_create)
ROWSTAT_IOCTL_GUARDED(bo_info)
ROWSTAT_IOCTL_GUARDED(bo_wait)
ROWSTAT_IOCTL_GUARDED(submit)

#ifdef HAVE_DRM_ACCEL
#define ROWSTAT_IOCTL_FLAGS	0
#else
#define ROWSTAT_IOCTL_FLAGS	DRM_RENDER_ALLOW
#endif

#define ROWSTAT_IOCTL(name, func) \
	DRM_IOCTL_DEF_DRV(ROWSTAT_##name, rowstat_ioctl_##func##_guarded, \
			  ROWSTAT_IOCTL_FLAGS)

static const struct drm_ioctl_desc rowstat_ioctls[] = {
	ROWSTAT_IOCTL(GET_PARAM, get_param),
	ROWSTAT_IOCTL(BO_CREATE, bo_create),
	ROWSTAT_IOCTL(BO_INFO, bo_info),
	ROWSTAT_IOCTL(BO_WAIT, bo_wait),
	ROWSTAT_IOCTL(SUBMIT, submit),
};

#ifdef HAVE_DRM_ACCEL
static const struct file_operations rowstat_fops = {
	.owner = THIS_MODULE,
	DRM_ACCEL_FOPS,
#ifdef HAVE_DRM_SHOW_FDINFO
	.show_fdinfo = drm_show_fdinfo,
#else
	.show_fdinfo = rowstat_show_fdinfo_legacy,
#endif
};
#else
static const struct file_operations rowstat_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = drm_ioctl,
	.compat_ioctl = drm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.mmap = drm_gem_mmap,
	.show_fdinfo = rowstat_show_fdinfo_legacy,
};
#endif

static const struct drm_driver rowstat_drm_driver = {
#ifdef HAVE_DRM_ACCEL
	.driver_features = DRIVER_GEM | DRIVER_COMPUTE_ACCEL | DRIVER_SYNCOBJ,
#else
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ,
#endif
	.open = rowstat_open,
	.postclose = rowstat_postclose,
	.gem_create_object = rowstat_gem_create_object,
	DRM_GEM_SHMEM_DRIVER_OPS,
#ifdef HAVE_DRM_SHOW_FDINFO
	.show_fdinfo = rowstat_show_fdinfo,
#endif
	.ioctls = rowstat_ioctls,
	.num_ioctls = ARRAY_SIZE(rowstat_ioctls),
	.fops = &rowstat_fops,
	.name = ROWSTAT_DRIVER_NAME,
	.desc = "rowstat row-stationary DNN accelerator",
	.date = "20261128",
	.major = ROWSTAT_DRIVER_MAJOR,
	.minor = ROWSTAT_DRIVER_MINOR,
};

static void rowstat_rings_fini(struct rowstat_device *rdev)
{
	struct device *dev = rdev->drm.dev;
	unsigned int n;

	for (n = 0; n < rdev->rings; n++) {
		struct rowstat_ring *ring = &rdev->ring[n];

		if (ring->desc)
			dma_free_coherent(dev, ROWSTAT_RING_ENTRIES * sizeof(*ring->desc),
					  ring->desc, ring->desc_dma);
		if (ring->fence_cpu)
			dma_free_coherent(dev, sizeof(*ring->fence_cpu),
					  ring->fence_cpu, ring->fence_dma);
	}
}

static int rowstat_rings_init(struct rowstat_device *rdev)
{
	struct device *dev = rdev->drm.dev;
	unsigned int n;

	for (n = 0; n < rdev->rings; n++) {
		struct rowstat_ring *ring = &rdev->ring[n];

		ring->rdev = rdev;
		ring->index = n;
		snprintf(ring->name, sizeof(ring->name), "rowstat-ring%u", n);
		spin_lock_init(&ring->lock);
		INIT_LIST_HEAD(&ring->pending);
		ring->fence_context = dma_fence_context_alloc(1);
		ring->desc = dma_alloc_coherent(dev, ROWSTAT_RING_ENTRIES *
						sizeof(*ring->desc),
						&ring->desc_dma, GFP_KERNEL);
		ring->fence_cpu = dma_alloc_coherent(dev, sizeof(*ring->fence_cpu),
						     &ring->fence_dma, GFP_KERNEL);
		if (!ring->desc || !ring->fence_cpu) {
			rowstat_rings_fini(rdev);
			return -ENOMEM;
		}
	}
	return 0;
}

static void rowstat_sched_release(struct drm_device *drm, void *data)
{
	rowstat_sched_fini(data);
	rowstat_ctx_waiters_fini(data);
}

/* Brings the device up: it is reset, booted and quiet on failure. */
static int rowstat_device_init(struct rowstat_device *rdev)
{
	int ret;

	ret = rowstat_hw_probe(rdev);
	if (ret)
		return ret;
	ret = rowstat_hw_reset(rdev);
	if (ret)
		return ret;
	ret = rowstat_fw_load(rdev, firmware);
	if (ret)
		return ret;
	ret = rowstat_rings_init(rdev);
	if (ret)
		goto err_fw;
	ret = rowstat_irq_init(rdev);
	if (ret)
		goto err_rings;
	ret = rowstat_sched_init(rdev);
	if (ret)
		goto err_irq;
	ret = rowstat_hw_start(rdev);
	if (ret)
		goto err_sched;
	/*
	 * The schedulers outlive a removal: open files' entities are destroyed
	 * only when the files close, so the schedulers go with the DRM device.
	 * On failure the action has already run.
	 */
	ret = drmm_add_action_or_reset(&rdev->drm, rowstat_sched_release, rdev);
	if (ret)
		goto err_irq;
	return 0;

err_sched:
	rowstat_sched_fini(rdev);
err_irq:
	rowstat_hw_stop(rdev);
	rowstat_irq_fini(rdev);
err_rings:
	rowstat_rings_fini(rdev);
err_fw:
	rowstat_fw_fini(rdev);
	return ret;
}

static void rowstat_device_fini(struct rowstat_device *rdev)
{
	mutex_lock(&rdev->reset_lock);
	rowstat_hw_stop(rdev);
	/* The device is quiet: what it held ends now. */
	rowstat_fail_all_pending(rdev, -ENODEV, true);
	mutex_unlock(&rdev->reset_lock);
	rowstat_irq_fini(rdev);
	cancel_work_sync(&rdev->crash_work);
	rowstat_rings_fini(rdev);
	rowstat_fw_fini(rdev);
}

static int rowstat_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct rowstat_device *rdev;
	int ret;

	if (job_timeout_ms < 10 || job_timeout_ms > 60000) {
		dev_err(&pdev->dev, "job_timeout_ms=%u: must be 10..60000\n",
			job_timeout_ms);
		return -EINVAL;
	}
	rdev = devm_drm_dev_alloc(&pdev->dev, &rowstat_drm_driver,
				  struct rowstat_device, drm);
	if (IS_ERR(rdev))
		return PTR_ERR(rdev);
	rdev->pdev = pdev;
	rdev->job_timeout_ms = job_timeout_ms;
	pci_set_drvdata(pdev, rdev);
	spin_lock_init(&rdev->ctx_lock);
	INIT_LIST_HEAD(&rdev->ctx_lru);
	INIT_LIST_HEAD(&rdev->ctx_list);
	rdev->ctx_fence_context = dma_fence_context_alloc(1);
	ret = drmm_mutex_init(&rdev->drm, &rdev->reset_lock);
	if (ret)
		return ret;
	ret = drmm_mutex_init(&rdev->drm, &rdev->ctx_list_lock);
	if (ret)
		return ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret) {
		dev_err(&pdev->dev, "no 64-bit DMA\n");
		return ret;
	}
	if (pci_resource_len(pdev, ROWSTAT_BAR_REGS) < ROWSTAT_BAR_REGS_SIZE) {
		dev_err(&pdev->dev, "BAR%u is smaller than %u bytes\n",
			ROWSTAT_BAR_REGS, ROWSTAT_BAR_REGS_SIZE);
		return -ENODEV;
	}
	rdev->regs = pcim_iomap(pdev, ROWSTAT_BAR_REGS, ROWSTAT_BAR_REGS_SIZE);
	if (!rdev->regs)
		return -ENOMEM;

	ret = rowstat_devlink_init(rdev);
	if (ret)
		return ret;
	ret = rowstat_device_init(rdev);
	if (ret) {
		rowstat_devlink_fini(rdev);
		return ret;
	}
	ret = drm_dev_register(&rdev->drm, 0);
	if (ret) {
		rowstat_device_fini(rdev);
		rowstat_devlink_fini(rdev);
		return ret;
	}
	rowstat_debugfs_init(rdev);
	drm_info(&rdev->drm, "%ux%u PEs, %u KiB GLB, firmware %u.%u, %u rings, %u contexts\n",
		 rdev->hw.array_rows, rdev->hw.array_cols, rdev->hw.glb_bytes / 1024,
		 ROWSTAT_VERSION_MAJOR(rdev->fw_version),
		 ROWSTAT_VERSION_MINOR(rdev->fw_version), rdev->rings, rdev->contexts);
	return 0;
}

/*
 * Removal with files open and jobs in flight: unplug first (every ioctl
 * then fails with -ENODEV, and run_job and the timeout handler leave the
 * hardware alone), quiesce the device, end every job on it with -ENODEV.
 * Open files keep the drm_device, and with it the schedulers, until they
 * close.
 */
static void rowstat_pci_remove(struct pci_dev *pdev)
{
	struct rowstat_device *rdev = pci_get_drvdata(pdev);

	rowstat_debugfs_fini(rdev);
	drm_dev_unplug(&rdev->drm);
	rowstat_device_fini(rdev);
	rowstat_devlink_fini(rdev);
}

/*
 * The firmware image running: the name the driver loaded, or "(flashed)"
 * after a devlink flash, which passes the image but not its file's name.
 */
static ssize_t firmware_name_show(struct device *dev, struct device_attribute *attr,
				  char *buf)
{
	struct rowstat_device *rdev = pci_get_drvdata(to_pci_dev(dev));
	ssize_t len;

	mutex_lock(&rdev->reset_lock);
	len = sysfs_emit(buf, "%s\n", rdev->fw_name);
	mutex_unlock(&rdev->reset_lock);
	return len;
}
static DEVICE_ATTR_RO(firmware_name);

static struct attribute *rowstat_attrs[] = {
	&dev_attr_firmware_name.attr,
	NULL
};
ATTRIBUTE_GROUPS(rowstat);

static const struct pci_device_id rowstat_pci_ids[] = {
	{ PCI_DEVICE(ROWSTAT_PCI_VENDOR_ID, ROWSTAT_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, rowstat_pci_ids);

static struct pci_driver rowstat_pci_driver = {
	.name = ROWSTAT_DRIVER_NAME,
	.id_table = rowstat_pci_ids,
	.probe = rowstat_pci_probe,
	.remove = rowstat_pci_remove,
	.dev_groups = rowstat_groups,
};

static int __init rowstat_init(void)
{
	return pci_register_driver(&rowstat_pci_driver);
}
module_init(rowstat_init);

static void __exit rowstat_exit(void)
{
	pci_unregister_driver(&rowstat_pci_driver);
	rowstat_debugfs_exit();
}
module_exit(rowstat_exit);

MODULE_DESCRIPTION("rowstat row-stationary DNN accelerator");
MODULE_LICENSE("GPL");
MODULE_FIRMWARE("rowstat/rowstat.fw");
