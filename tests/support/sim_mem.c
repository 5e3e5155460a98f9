// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "sim_mem.h"

static int in_range(const struct sim_mem *m, uint64_t va, size_t len)
{
	return va >= m->base && len <= m->size && va - m->base <= m->size - len;
}

static int sim_read(void *opaque, uint64_t va, void *buf, size_t len)
{
	struct sim_mem *m = opaque;

	if (!in_range(m, va, len))
		return -1;
	memcpy(buf, m->bytes + (va - m->base), len);
	return 0;
}

static int sim_write(void *opaque, uint64_t va, const void *buf, size_t len)
{
	struct sim_mem *m = opaque;

	if (!in_range(m, va, len))
		return -1;
	memcpy(m->bytes + (va - m->base), buf, len);
	return 0;
}

int sim_mem_init(struct sim_mem *m, uint64_t base, size_t size)
{
	memset(m, 0, sizeof(*m));
	m->bytes = calloc(1, size);
	if (!m->bytes)
		return -1;
	m->base = base;
	m->size = size;
	m->ops.read = sim_read;
	m->ops.write = sim_write;
	m->ops.opaque = m;
	return 0;
}

void sim_mem_init_at(struct sim_mem *m, uint64_t base, void *bytes, size_t size)
{
	memset(m, 0, sizeof(*m));
	m->bytes = bytes;
	m->base = base;
	m->size = size;
	m->borrowed = 1;
	m->ops.read = sim_read;
	m->ops.write = sim_write;
	m->ops.opaque = m;
}

void sim_mem_free(struct sim_mem *m)
{
	if (!m->borrowed)
		free(m->bytes);
	memset(m, 0, sizeof(*m));
}

uint64_t sim_mem_alloc(struct sim_mem *m, size_t bytes)
{
	size_t off = (m->used + 63) & ~(size_t)63;

	if (off > m->size || bytes > m->size - off)
		return 0;
	m->used = off + bytes;
	return m->base + off;
}

void *sim_mem_ptr(struct sim_mem *m, uint64_t va)
{
	return m->bytes + (va - m->base);
}
