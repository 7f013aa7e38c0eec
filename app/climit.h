/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * limits.per_client: connections per client address, counted in one table
 * that every worker updates with atomic compare-and-swap (no lock). A slot is
 * one 64-bit word, the address in the high half and its count in the low;
 * linear probing; a slot whose count fell to 0 keeps its address (so that
 * probe chains stay intact) and is taken over by the next new address.
 *
 * Exact while one worker at a time opens the first connection of an address;
 * two workers doing it in the same instant may each start a slot for it, and
 * the address then has two counts, each bounded by the limit, until one
 * empties (docs/decisions.md 31).
 */
#ifndef HAG_CLIMIT_H
#define HAG_CLIMIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define HAG_CLIMIT_PROBES 64

struct hag_climit {
	uint32_t limit;               /* connections per address at most; 0: off */
	uint32_t mask;                /* slots - 1 */
	_Atomic uint64_t *slot;
};

enum hag_climit_res {
	HAG_CLIMIT_OK,                /* counted: call hag_climit_put when it ends */
	HAG_CLIMIT_REFUSED,           /* the address is at the limit */
	HAG_CLIMIT_FULL,              /* no slot within HAG_CLIMIT_PROBES: not counted */
};

/* limit per address; room for at least `addresses` at once. 0 or -ENOMEM. */
int hag_climit_init(struct hag_climit *t, uint32_t limit, uint32_t addresses);
void hag_climit_fini(struct hag_climit *t);
enum hag_climit_res hag_climit_take(struct hag_climit *t, uint32_t addr);
/* One connection of addr (counted by hag_climit_take) ended. */
void hag_climit_put(struct hag_climit *t, uint32_t addr);
/* The count of addr (tests, hagctl). */
uint32_t hag_climit_count(struct hag_climit *t, uint32_t addr);

#endif
