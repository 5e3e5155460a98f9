/* SPDX-License-Identifier: MIT */
/* The rules library's own: what its checks share.  Hidden, prefix rs_hw_. */
#ifndef RS_HW_INTERNAL_H
#define RS_HW_INTERNAL_H

#include "rs_hw.h"

/* Writes the message to why (when given) and returns code. */
__attribute__((format(printf, 4, 5)))
enum rowstat_status rs_hw_refuse(enum rowstat_status code, char *why, size_t len,
				 const char *fmt, ...);

#endif /* RS_HW_INTERNAL_H */
