/* SPDX-License-Identifier: MIT */
/* The firmware source format (firmware/rowstat-fw.conf) and its parser. */
#ifndef RSFW_CONF_H
#define RSFW_CONF_H

#include <stdio.h>

#include <rs_hw_fw.h>

/*
 * Parses a firmware source into *fw.  Returns 0, or -1 with a message naming
 * the line and the key in err.
 */
int rsfw_conf_parse(FILE *in, const char *name, struct rs_hw_firmware *fw,
		    char *err, size_t errlen);

#endif
