/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * rowstat: fixed-width types and version encoding shared by the headers of
 * uapi/ (what user space sees) and hwif/ (what the driver and the device
 * share).
 *
 * The headers are included by the kernel driver, by QEMU's device glue, by
 * the model core and by userspace, so they use the kernel's __u32/__le32
 * spellings everywhere.  On Linux those come from <linux/types.h> (the
 * kernel's own, or linux-libc-dev in userspace); elsewhere we define them.
 *
 * Everything the device reads from or writes to memory is little-endian.
 */
#ifndef ROWSTAT_COMMON_H
#define ROWSTAT_COMMON_H

#if defined(__KERNEL__) || defined(__linux__)
#include <linux/types.h>
#else
#include <stdint.h>
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int8_t __s8;
typedef int16_t __s16;
typedef int32_t __s32;
typedef int64_t __s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;
#endif

/* Versions: major << 16 | minor; a different major is incompatible. */
#define ROWSTAT_VERSION(major, minor)	(((major) << 16) | (minor))
#define ROWSTAT_VERSION_MAJOR(v)	((v) >> 16)
#define ROWSTAT_VERSION_MINOR(v)	((v) & 0xffff)

#if defined(__cplusplus)
#define ROWSTAT_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define ROWSTAT_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

#endif /* ROWSTAT_COMMON_H */
