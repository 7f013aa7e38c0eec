/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour Discovery's state machine (lib/net/nd.c) against RFC 4861's
 * Appendix C, one row per test, and the neighbour table (lib/net/neigh.c)
 * holding IPv6 keys beside ARP's.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "net/nd.h"

static const struct rte_ether_addr MAC_A = {{2, 0, 0, 0, 0, 0xa}}, MAC_B = {{2, 0, 0, 0, 0, 0xb}};
#define T0 1000000u

static struct net_neigh e;

static void fresh(void)
{
	memset(&e, 0, sizeof(e));
}

/* An entry resolved to MAC_A in state s. */
static void in_state(enum net_nd_state s)
{
	fresh();
	e.state = (uint8_t)s;
	e.resolved = true;
	e.mac = MAC_A;
}

static struct net_nd_msg na(const struct rte_ether_addr *lla, uint8_t flags)
{
	struct net_nd_msg m = {.type = NET_ICMP6_ND_NA, .flags = flags};

	if (lla) {
		m.has_lla = true;
		m.lla = *lla;
	}
	return m;
}

TestSuite(nd, .init = fresh);

Test(nd, a_packet_for_a_new_neighbour_starts_resolution,
     .description = "no entry + packet to send: INCOMPLETE, multicast NS, retransmit timer")
{
	cr_expect_eq(net_nd_output(&e, true, T0), NET_ND_DO_MCAST_NS);
	cr_expect_eq(e.state, NET_ND_INCOMPLETE);
	cr_expect_not(e.resolved);
	cr_expect_eq(e.timer_us, T0 + NET_ND_RETRANS_US);
	cr_expect_eq(net_nd_output(&e, false, T0 + 10), NET_ND_DO_NOTHING, "a second packet waits");
}

Test(nd, incomplete_gives_up_after_three_solicitations,
     .description = "INCOMPLETE: NS again on each timeout; after MAX_MULTICAST_SOLICIT, address unreachable")
{
	uint64_t t = T0;

	net_nd_output(&e, true, t);
	for (int i = 1; i < NET_ND_MAX_MULTICAST_SOLICIT; i++) {
		t = e.timer_us;
		cr_expect_eq(net_nd_timer(&e, t), NET_ND_DO_MCAST_NS, "retransmission %d", i);
		cr_expect_eq(e.timer_us, t + NET_ND_RETRANS_US);
	}
	cr_expect_eq(net_nd_timer(&e, e.timer_us), NET_ND_DO_UNREACH);
}

Test(nd, incomplete_answered)
{
	struct net_nd_msg m = na(&MAC_A, NET_ND_NA_SOLICITED);

	net_nd_output(&e, true, T0);
	cr_expect_eq(net_nd_advert(&e, &m, T0 + 5), NET_ND_DO_SEND, "solicited NA: the held packets go");
	cr_expect_eq(e.state, NET_ND_REACHABLE);
	cr_expect(e.resolved);
	cr_expect(rte_is_same_ether_addr(&e.mac, &MAC_A));
	cr_expect_eq(e.timer_us, T0 + 5 + NET_ND_REACHABLE_US);

	fresh();
	m = na(&MAC_A, 0);
	net_nd_output(&e, true, T0);
	cr_expect_eq(net_nd_advert(&e, &m, T0 + 5), NET_ND_DO_SEND);
	cr_expect_eq(e.state, NET_ND_STALE, "unsolicited NA: STALE");

	fresh();
	m = na(NULL, NET_ND_NA_SOLICITED);
	net_nd_output(&e, true, T0);
	cr_expect_eq(net_nd_advert(&e, &m, T0 + 5), NET_ND_DO_NOTHING, "no target link-layer address: ignored");
	cr_expect_eq(e.state, NET_ND_INCOMPLETE);
}

Test(nd, a_solicitation_from_the_neighbour_teaches_it,
     .description = "7.2.3: NS with SLLA creates a STALE entry; in INCOMPLETE it records the address and sends what waits")
{
	cr_expect_eq(net_nd_learn(&e, true, &MAC_A, T0), NET_ND_DO_NOTHING);
	cr_expect_eq(e.state, NET_ND_STALE);
	cr_expect(rte_is_same_ether_addr(&e.mac, &MAC_A));

	fresh();
	net_nd_output(&e, true, T0);
	e.n_pending = 1;
	cr_expect_eq(net_nd_learn(&e, false, &MAC_B, T0 + 1), NET_ND_DO_SEND);
	cr_expect_eq(e.state, NET_ND_STALE);
	cr_expect(e.resolved);

	in_state(NET_ND_REACHABLE);
	cr_expect_eq(net_nd_learn(&e, false, &MAC_A, T0), NET_ND_DO_NOTHING);
	cr_expect_eq(e.state, NET_ND_REACHABLE, "the same address: no change");
	cr_expect_eq(net_nd_learn(&e, false, &MAC_B, T0), NET_ND_DO_NOTHING);
	cr_expect_eq(e.state, NET_ND_STALE, "another address: STALE");
	cr_expect(rte_is_same_ether_addr(&e.mac, &MAC_B));
}

Test(nd, reachable_expires_into_stale_and_use_delays)
{
	in_state(NET_ND_REACHABLE);
	e.timer_us = T0;
	cr_expect_eq(net_nd_timer(&e, T0), NET_ND_DO_NOTHING);
	cr_expect_eq(e.state, NET_ND_STALE);
	cr_expect_eq(e.timer_us, 0, "STALE has no timer");
	cr_expect_eq(net_nd_output(&e, false, T0 + 1), NET_ND_DO_SEND, "a stale address is used as is");
	cr_expect_eq(e.state, NET_ND_DELAY);
	cr_expect_eq(e.timer_us, T0 + 1 + NET_ND_DELAY_US);
}

Test(nd, delay_confirmed_or_probed,
     .description = "DELAY: an upper-layer confirmation makes it REACHABLE; else PROBE with unicast NS, deleted after 3")
{
	in_state(NET_ND_DELAY);
	net_nd_confirm(&e, T0);
	cr_expect_eq(e.state, NET_ND_REACHABLE);

	in_state(NET_ND_DELAY);
	cr_expect_eq(net_nd_timer(&e, T0), NET_ND_DO_UCAST_NS);
	cr_expect_eq(e.state, NET_ND_PROBE);
	for (int i = 1; i < NET_ND_MAX_UNICAST_SOLICIT; i++)
		cr_expect_eq(net_nd_timer(&e, e.timer_us), NET_ND_DO_UCAST_NS, "probe %d", i + 1);
	cr_expect_eq(net_nd_timer(&e, e.timer_us), NET_ND_DO_DELETE);

	in_state(NET_ND_PROBE);
	{
		struct net_nd_msg m = na(&MAC_A, NET_ND_NA_SOLICITED);

		cr_expect_eq(net_nd_advert(&e, &m, T0), NET_ND_DO_NOTHING);
		cr_expect_eq(e.state, NET_ND_REACHABLE, "a solicited NA answers the probe");
	}
}

Test(nd, advertisements_on_a_known_entry,
     .description = "7.2.5: without Override a different address only makes REACHABLE stale; with it, the address is taken")
{
	struct net_nd_msg m = na(&MAC_B, NET_ND_NA_SOLICITED);

	in_state(NET_ND_REACHABLE);
	net_nd_advert(&e, &m, T0);
	cr_expect_eq(e.state, NET_ND_STALE);
	cr_expect(rte_is_same_ether_addr(&e.mac, &MAC_A), "not updated");

	in_state(NET_ND_STALE);
	net_nd_advert(&e, &m, T0);
	cr_expect_eq(e.state, NET_ND_STALE, "ignored");
	cr_expect(rte_is_same_ether_addr(&e.mac, &MAC_A));

	m = na(&MAC_B, NET_ND_NA_SOLICITED | NET_ND_NA_OVERRIDE);
	in_state(NET_ND_STALE);
	net_nd_advert(&e, &m, T0);
	cr_expect_eq(e.state, NET_ND_REACHABLE);
	cr_expect(rte_is_same_ether_addr(&e.mac, &MAC_B));

	m = na(&MAC_B, NET_ND_NA_OVERRIDE);
	in_state(NET_ND_REACHABLE);
	net_nd_advert(&e, &m, T0);
	cr_expect_eq(e.state, NET_ND_STALE, "unsolicited, a new address: STALE");
	cr_expect(rte_is_same_ether_addr(&e.mac, &MAC_B));

	m = na(&MAC_A, 0);
	in_state(NET_ND_REACHABLE);
	net_nd_advert(&e, &m, T0);
	cr_expect_eq(e.state, NET_ND_REACHABLE, "unsolicited, the same address: unchanged");
}

Test(nd, the_table_holds_ipv6_keys_beside_arp)
{
	static struct net_neigh_table t;
	const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	uint8_t b[16];
	union net_neigh_key ka = net_neigh_key6(a), kb, k4 = net_neigh_key4(0x0a000001), zero;
	struct net_neigh *ea, *e4;

	memset(&t, 0, sizeof(t));
	memset(&zero, 0, sizeof(zero));
	memcpy(b, a, 16);
	b[0] = 0x30;                      /* the same low word: another key */
	kb = net_neigh_key6(b);
	ea = net_neigh_get(&t, &ka, NULL);
	cr_assert_not_null(ea);
	e4 = net_arp_get(&t, 0x0a000001, NULL);
	cr_assert_not_null(e4);
	cr_expect_eq(e4->ip, 0x0a000001);
	cr_expect_eq(net_neigh_lookup(&t, &ka), ea);
	cr_expect_null(net_neigh_lookup(&t, &kb));
	cr_expect_eq(net_neigh_lookup(&t, &k4), e4);
	cr_expect_null(net_neigh_get(&t, &zero, NULL), "the empty key is never an entry");
	cr_expect_null(net_neigh_lookup(&t, &zero));
	cr_expect_eq(t.n, 2);
}
