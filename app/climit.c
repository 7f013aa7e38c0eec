/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "climit.h"

#define ADDR(w)  ((uint32_t)((w) >> 32))
#define COUNT(w) ((uint32_t)(w))

int hag_climit_init(struct hag_climit *t, uint32_t limit, uint32_t addresses)
{
	uint64_t n = 1024;

	while (n < 2ull * addresses && n < (1ull << 26))
		n <<= 1;
	t->limit = limit;
	t->mask = (uint32_t)(n - 1);
	t->slot = calloc(n, sizeof(*t->slot));
	return t->slot ? 0 : -ENOMEM;
}

void hag_climit_fini(struct hag_climit *t)
{
	free((void *)t->slot);
	t->slot = NULL;
}

static uint32_t home(const struct hag_climit *t, uint32_t addr)
{
	return (addr * 2654435761u) >> 7 & t->mask;   /* Knuth's multiplicative hash */
}

enum hag_climit_res hag_climit_take(struct hag_climit *t, uint32_t addr)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		uint32_t h = home(t, addr), free_i = UINT32_MAX;
		uint64_t free_w = 0;
		bool raced = false;

		for (uint32_t i = 0; i < HAG_CLIMIT_PROBES && !raced; i++) {
			uint32_t k = (h + i) & t->mask;
			uint64_t w = atomic_load_explicit(&t->slot[k], memory_order_acquire);

			if (ADDR(w) == addr && COUNT(w) != 0) {
				if (COUNT(w) >= t->limit)
					return HAG_CLIMIT_REFUSED;
				if (atomic_compare_exchange_strong(&t->slot[k], &w, w + 1))
					return HAG_CLIMIT_OK;
				raced = true;
				break;
			}
			if (COUNT(w) == 0 && free_i == UINT32_MAX) {
				free_i = k;
				free_w = w;
			}
			if (w == 0)
				break;          /* never used: the chain ends here */
		}
		if (raced)
			continue;
		if (free_i == UINT32_MAX)
			return HAG_CLIMIT_FULL;
		if (atomic_compare_exchange_strong(&t->slot[free_i], &free_w, (uint64_t)addr << 32 | 1))
			return HAG_CLIMIT_OK;
	}
	return HAG_CLIMIT_FULL;       /* contention beyond reason: let it through uncounted */
}

void hag_climit_put(struct hag_climit *t, uint32_t addr)
{
	uint32_t h = home(t, addr);

	for (uint32_t i = 0; i < HAG_CLIMIT_PROBES; i++) {
		uint32_t k = (h + i) & t->mask;
		uint64_t w = atomic_load_explicit(&t->slot[k], memory_order_acquire);

		if (w == 0)
			return;
		if (ADDR(w) != addr || COUNT(w) == 0)
			continue;
		/* Only its address's connections change this slot's count while it is non-zero. */
		while (COUNT(w) != 0 && ADDR(w) == addr && !atomic_compare_exchange_weak(&t->slot[k], &w, w - 1))
			;
		return;
	}
}

uint32_t hag_climit_count(struct hag_climit *t, uint32_t addr)
{
	uint32_t h = home(t, addr), n = 0;

	for (uint32_t i = 0; i < HAG_CLIMIT_PROBES; i++) {
		uint64_t w = atomic_load_explicit(&t->slot[(h + i) & t->mask], memory_order_acquire);

		if (w == 0)
			break;
		if (ADDR(w) == addr)
			n += COUNT(w);
	}
	return n;
}
