// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>

#include <rs_hw_fw.h>

#include "fw_boot.h"

int fw_booted_params(const char *path, struct rs_hw_params *hw)
{
	uint8_t *img = malloc(ROWSTAT_FW_MAX_BYTES);
	FILE *f = path ? fopen(path, "rb") : NULL;
	struct rs_hw_firmware fw;
	const char *why = "";
	size_t len = 0;
	int ok;

	if (f && img)
		len = fread(img, 1, ROWSTAT_FW_MAX_BYTES, f);
	if (f)
		fclose(f);
	ok = img && len &&
	     rs_hw_fw_parse(img, len, ROWSTAT_VERSION(ROWSTAT_FW_ABI_MAJOR, ROWSTAT_FW_ABI_MINOR),
			    &fw, &why) == ROWSTAT_FW_OK;
	free(img);
	if (!ok)
		return -1;
	rs_hw_params_default(hw);
	rs_hw_fw_apply(&fw, hw);
	return 0;
}
