/* SPDX-License-Identifier: MIT */
/* The firmware source format (firmware/rowstat-fw.conf) and its parser. */
#ifndef RS_FWCONF_H
#define RS_FWCONF_H

#include <stdio.h>

#include "../qemu-device/model/rs_model.h"

/*
 * Parses a firmware source into *fw.  Returns 0, or -1 with a message naming
 * the line and the key in err.
 */
int rs_fwconf_parse(FILE *in, const char *name, struct rs_firmware *fw,
		    char *err, size_t errlen);

#endif
