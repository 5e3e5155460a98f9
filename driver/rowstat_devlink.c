// SPDX-License-Identifier: GPL-2.0-only
/*
 * rowstat: devlink, so that iproute2's `devlink` works unchanged.
 *   dev info     the driver (the core adds it), the serial (the PCI
 *                address) and the running firmware's version
 *   health       reporters mmu_fault, job_timeout and firmware, each with a
 *                dump of its last event and a recovery count
 *   dev flash    a new firmware image, checked, then booted by a reset
 */
#include <linux/firmware.h>
#include <linux/slab.h>

#include <net/devlink.h>

#include "rowstat_drv.h"

/* devlink_fmsg_*_put() lost their return value in 6.7: 0 there. */
static int rowstat_fmsg_u64(struct devlink_fmsg *fmsg, const char *name, u64 value)
{
#ifdef HAVE_DEVLINK_FMSG_PUT_RETURNS_INT
	return devlink_fmsg_u64_pair_put(fmsg, name, value);
#else
	devlink_fmsg_u64_pair_put(fmsg, name, value);
	return 0;
#endif
}

struct rowstat_devlink {
	struct rowstat_device *rdev;
};

static struct rowstat_device *rowstat_devlink_rdev(struct devlink *devlink)
{
	return ((struct rowstat_devlink *)devlink_priv(devlink))->rdev;
}

static int rowstat_devlink_info_get(struct devlink *devlink, struct devlink_info_req *req,
				    struct netlink_ext_ack *extack)
{
	struct rowstat_device *rdev = rowstat_devlink_rdev(devlink);
	char version[32];
	int ret;

#ifdef HAVE_DEVLINK_INFO_DRIVER_NAME_PUT
	ret = devlink_info_driver_name_put(req, ROWSTAT_DRIVER_NAME);
	if (ret)
		return ret;
#endif
	ret = devlink_info_serial_number_put(req, pci_name(rdev->pdev));
	if (ret)
		return ret;
	snprintf(version, sizeof(version), "%u.%u", ROWSTAT_VERSION_MAJOR(rdev->fw_version),
		 ROWSTAT_VERSION_MINOR(rdev->fw_version));
	ret = devlink_info_version_running_put(req, DEVLINK_INFO_VERSION_GENERIC_FW, version);
	if (ret)
		return ret;
	snprintf(version, sizeof(version), "%u.%u", ROWSTAT_VERSION_MAJOR(rdev->hw_version),
		 ROWSTAT_VERSION_MINOR(rdev->hw_version));
	return devlink_info_version_fixed_put(req, DEVLINK_INFO_VERSION_GENERIC_ASIC_REV,
					      version);
}

static int rowstat_devlink_flash_update(struct devlink *devlink,
					struct devlink_flash_update_params *params,
					struct netlink_ext_ack *extack)
{
	struct rowstat_device *rdev = rowstat_devlink_rdev(devlink);
	const char *why = NULL;
	int ret, idx;

	if (!drm_dev_enter(&rdev->drm, &idx))
		return -ENODEV;
	/* A recovery may be booting the image this replaces: not meanwhile. */
	mutex_lock(&rdev->reset_lock);
	ret = rowstat_fw_replace(rdev, params->fw->data, params->fw->size, &why);
	if (!ret)
		strscpy(rdev->fw_name, "(flashed)", sizeof(rdev->fw_name));
	mutex_unlock(&rdev->reset_lock);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "the image is not a valid rowstat firmware");
		drm_err(&rdev->drm, "flash: refused the image: %s\n", why);
	} else {
		ret = rowstat_device_recover(rdev);
		if (ret)
			NL_SET_ERR_MSG_MOD(extack, "the device did not boot the image");
	}
	drm_dev_exit(idx);
	return ret;
}

static const struct devlink_ops rowstat_devlink_ops = {
	.info_get = rowstat_devlink_info_get,
	.flash_update = rowstat_devlink_flash_update,
};

/* The driver recovers by itself; the reporter only counts and dumps. */
static int rowstat_health_recover(struct devlink_health_reporter *reporter,
				  void *priv_ctx, struct netlink_ext_ack *extack)
{
	return 0;
}

static int rowstat_health_dump(struct devlink_health_reporter *reporter,
			       struct devlink_fmsg *fmsg, void *priv_ctx,
			       struct netlink_ext_ack *extack)
{
	const struct rowstat_health_event *ev = priv_ctx;

	if (!ev)
		return 0;
	return rowstat_fmsg_u64(fmsg, "va", ev->va) ?:
	       rowstat_fmsg_u64(fmsg, "context", ev->context) ?:
	       rowstat_fmsg_u64(fmsg, "ring", ev->ring) ?:
	       rowstat_fmsg_u64(fmsg, "seqno", ev->seqno) ?:
	       rowstat_fmsg_u64(fmsg, "info", ev->info) ?:
	       rowstat_fmsg_u64(fmsg, "firmware", ev->fw_version);
}

static int rowstat_health_diagnose(struct devlink_health_reporter *reporter,
				   struct devlink_fmsg *fmsg,
				   struct netlink_ext_ack *extack)
{
	struct rowstat_device *rdev = devlink_health_reporter_priv(reporter);
	struct rowstat_counters *c = &rdev->count;

	return rowstat_fmsg_u64(fmsg, "mmu_faults", atomic64_read(&c->faults)) ?:
	       rowstat_fmsg_u64(fmsg, "timeouts", atomic64_read(&c->timeouts)) ?:
	       rowstat_fmsg_u64(fmsg, "resets", atomic64_read(&c->resets)) ?:
	       rowstat_fmsg_u64(fmsg, "firmware_crashes", atomic64_read(&c->fw_crashes));
}

static const struct devlink_health_reporter_ops rowstat_health_ops[] = {
	[ROWSTAT_HEALTH_MMU_FAULT] = {
		.name = "mmu_fault",
		.recover = rowstat_health_recover,
		.dump = rowstat_health_dump,
		.diagnose = rowstat_health_diagnose,
	},
	[ROWSTAT_HEALTH_TIMEOUT] = {
		.name = "job_timeout",
		.recover = rowstat_health_recover,
		.dump = rowstat_health_dump,
		.diagnose = rowstat_health_diagnose,
	},
	[ROWSTAT_HEALTH_FIRMWARE] = {
		.name = "firmware",
		.recover = rowstat_health_recover,
		.dump = rowstat_health_dump,
		.diagnose = rowstat_health_diagnose,
	},
};

static const char *const rowstat_health_msg[] = {
	[ROWSTAT_HEALTH_MMU_FAULT] = "MMU fault",
	[ROWSTAT_HEALTH_TIMEOUT] = "job timeout",
	[ROWSTAT_HEALTH_FIRMWARE] = "firmware stopped",
};

/*
 * Reports what the interrupt handlers and the scheduler recorded: devlink
 * allocates and sleeps, so it runs here, in process context.
 */
static void rowstat_health_work(struct work_struct *work)
{
	struct rowstat_device *rdev = container_of(work, struct rowstat_device,
						   health_work);
	unsigned int kind;

	for (kind = 0; kind < ROWSTAT_HEALTH_COUNT; kind++) {
		struct rowstat_health_event ev;
		unsigned long flags;
		bool pending;

		spin_lock_irqsave(&rdev->health_lock, flags);
		pending = rdev->health_pending & BIT(kind);
		rdev->health_pending &= ~BIT(kind);
		ev = rdev->health_last[kind];
		spin_unlock_irqrestore(&rdev->health_lock, flags);
		if (pending && rdev->health[kind])
			devlink_health_report(rdev->health[kind], rowstat_health_msg[kind], &ev);
	}
}

/* Records an event (any context) for the health reporters. */
void rowstat_health_event(struct rowstat_device *rdev, enum rowstat_health_kind kind,
			  const struct rowstat_health_event *ev)
{
	unsigned long flags;

	spin_lock_irqsave(&rdev->health_lock, flags);
	rdev->health_last[kind] = *ev;
	rdev->health_last[kind].fw_version = rdev->fw_version;
	rdev->health_pending |= BIT(kind);
	spin_unlock_irqrestore(&rdev->health_lock, flags);
	if (rdev->devlink)
		schedule_work(&rdev->health_work);
}

int rowstat_devlink_init(struct rowstat_device *rdev)
{
	struct devlink *devlink;
	unsigned int kind;

	spin_lock_init(&rdev->health_lock);
	INIT_WORK(&rdev->health_work, rowstat_health_work);
	devlink = devlink_alloc(&rowstat_devlink_ops, sizeof(struct rowstat_devlink),
				rdev->drm.dev);
	if (!devlink)
		return -ENOMEM;
	((struct rowstat_devlink *)devlink_priv(devlink))->rdev = rdev;
	for (kind = 0; kind < ROWSTAT_HEALTH_COUNT; kind++) {
		struct devlink_health_reporter *r;

		r = devlink_health_reporter_create(devlink, &rowstat_health_ops[kind], 0, rdev);
		if (IS_ERR(r)) {
			while (kind--)
				devlink_health_reporter_destroy(rdev->health[kind]);
			devlink_free(devlink);
			return PTR_ERR(r);
		}
		rdev->health[kind] = r;
	}
	devlink_register(devlink);
	rdev->devlink = devlink;
	return 0;
}

void rowstat_devlink_fini(struct rowstat_device *rdev)
{
	struct devlink *devlink = rdev->devlink;
	unsigned int kind;

	if (!devlink)
		return;
	devlink_unregister(devlink);
	rdev->devlink = NULL;
	cancel_work_sync(&rdev->health_work);
	for (kind = 0; kind < ROWSTAT_HEALTH_COUNT; kind++) {
		devlink_health_reporter_destroy(rdev->health[kind]);
		rdev->health[kind] = NULL;
	}
	devlink_free(devlink);
}
