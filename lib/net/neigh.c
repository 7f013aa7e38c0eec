/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net: the neighbour tables' code, ARP's and ND's (lib/net/neigh.h). */
#include <string.h>

#include "net/neigh.h"

/* ARP's keys are one word: its hash is the one the IPv4-only table had. */
static uint32_t neigh_hash(const union net_neigh_key *k)
{
	return ((k->w[0] ^ k->w[1] ^ k->w[2] ^ k->w[3]) * 2654435761u) >> 24;
}

static bool key_eq(const union net_neigh_key *a, const union net_neigh_key *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3])) == 0;
}

/* The entry of key, or the free slot that ends its probe chain (never NULL: the table keeps free slots). */
static struct net_neigh *neigh_probe(struct net_neigh_table *t, const union net_neigh_key *key)
{
	uint32_t h = neigh_hash(key);
	struct net_neigh *e = NULL;

	for (uint32_t i = 0; i < NET_NEIGH_SLOTS; i++) {
		e = &t->e[(h + i) & (NET_NEIGH_SLOTS - 1)];
		if (key_eq(&e->key, key) || net_neigh_key_empty(&e->key))
			break;
	}
	return e;
}

struct net_neigh *net_neigh_lookup(struct net_neigh_table *t, const union net_neigh_key *key)
{
	struct net_neigh *e = neigh_probe(t, key);

	return key_eq(&e->key, key) && !net_neigh_key_empty(key) ? e : NULL;
}

/* Slot i emptied: later entries of its probe chain move back over it (Knuth 6.4, algorithm R). */
static void neigh_remove(struct net_neigh_table *t, uint32_t i)
{
	const uint32_t mask = NET_NEIGH_SLOTS - 1;
	uint32_t j = i;

	for (;;) {
		uint32_t k;

		j = (j + 1) & mask;
		if (net_neigh_key_empty(&t->e[j].key))
			break;
		k = neigh_hash(&t->e[j].key) & mask;
		/* Entry j stays when its home slot k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->e[i] = t->e[j];
		i = j;
	}
	memset(&t->e[i], 0, sizeof(t->e[i]));
	t->n--;
}

bool net_neigh_hold(struct net_neigh *e, struct rte_mbuf *m)
{
	bool dropped = e->n_pending == NET_NEIGH_PENDING;

	if (dropped) {
		rte_pktmbuf_free(e->pending[0]);
		memmove(&e->pending[0], &e->pending[1], (NET_NEIGH_PENDING - 1) * sizeof(e->pending[0]));
		e->n_pending--;
	}
	e->pending[e->n_pending++] = m;
	return dropped;
}

void net_neigh_remove(struct net_neigh_table *t, struct net_neigh *e)
{
	neigh_remove(t, (uint32_t)(e - t->e));
}

/* The slot of the entry to evict: the oldest unresolved, else the least recently used. */
static uint32_t neigh_victim(const struct net_neigh_table *t)
{
	uint32_t best = NET_NEIGH_SLOTS;

	for (uint32_t i = 0; i < NET_NEIGH_SLOTS; i++) {
		const struct net_neigh *e = &t->e[i], *b = best < NET_NEIGH_SLOTS ? &t->e[best] : NULL;

		if (net_neigh_key_empty(&e->key))
			continue;
		if (b == NULL || (!e->resolved && b->resolved) ||
		    (e->resolved == b->resolved &&
		     (e->resolved ? e->used_us < b->used_us : e->updated_us < b->updated_us)))
			best = i;
	}
	return best;
}

struct net_neigh *net_neigh_get(struct net_neigh_table *t, const union net_neigh_key *key,
				struct net_neigh_evicted *ev)
{
	struct net_neigh *e = neigh_probe(t, key);

	if (ev)
		memset(&ev->key, 0, sizeof(ev->key));
	if (net_neigh_key_empty(key))
		return NULL;
	if (key_eq(&e->key, key))
		return e;
	if (t->n >= NET_NEIGH_MAX) {
		uint32_t v;

		if (ev == NULL || (v = neigh_victim(t)) == NET_NEIGH_SLOTS)
			return NULL;
		ev->key = t->e[v].key;
		ev->resolved = t->e[v].resolved;
		ev->n_pending = t->e[v].n_pending;
		memcpy(ev->pending, t->e[v].pending, sizeof(ev->pending));
		neigh_remove(t, v);
		e = neigh_probe(t, key);    /* entries moved back: the chain's free slot may be earlier */
	}
	memset(e, 0, sizeof(*e));
	e->key = *key;
	t->n++;
	return e;
}
