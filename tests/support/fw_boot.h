/* SPDX-License-Identifier: MIT */
/*
 * The device's parameters once a firmware image has booted: the defaults
 * with what the image sets (rs_hw_fw_apply), for tests that compare a
 * device's figures with the image's own.
 */
#ifndef RS_FW_BOOT_H
#define RS_FW_BOOT_H

#include <rs_hw.h>

/* 0, or -1 if path cannot be read or the device's checks refuse the image. */
int fw_booted_params(const char *path, struct rs_hw_params *hw);

#endif
