/* SPDX-License-Identifier: MIT */
/*
 * A flat device address space for tests and benchmarks: one host buffer
 * mapped at a base VA; anything outside it faults, like an unmapped page.
 */
#ifndef RS_SIM_MEM_H
#define RS_SIM_MEM_H

#include <stddef.h>
#include <stdint.h>

#include <rs_model.h>

struct sim_mem {
	uint64_t base;
	size_t size, used;
	uint8_t *bytes;
	struct rs_model_mem ops;
	int borrowed;
};

int sim_mem_init(struct sim_mem *m, uint64_t base, size_t size);
/* The same over a buffer the caller owns (sim_mem_free leaves it alone). */
void sim_mem_init_at(struct sim_mem *m, uint64_t base, void *bytes, size_t size);
void sim_mem_free(struct sim_mem *m);
/* Bump allocation, 64-byte aligned; returns the VA (0 when full). */
uint64_t sim_mem_alloc(struct sim_mem *m, size_t bytes);
void *sim_mem_ptr(struct sim_mem *m, uint64_t va);

#endif
