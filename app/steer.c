/* SPDX-License-Identifier: BSD-3-Clause */
/* Software steering between worker lcores: see steer.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>

#include "mptcp/mptcp_options.h"
#include "steer.h"
#include "tcp/tcp.h"

const char *const hag_steer_mib_names[STEER_MIB_MAX] = {
	[STEER_MIB_JOIN_HANDOFF] = "JoinHandoff",
	[STEER_MIB_REDIRECT] = "Redirected",
	[STEER_MIB_REPLY_HANDOFF] = "ReplyHandoff",
	[STEER_MIB_REDIRECT_FULL] = "RedirectFull",
	[STEER_MIB_FLOW_HANDOFF] = "FlowHandoff",
};

/* Host-order 4-tuple as seen from hagd: our address/port, the peer's. */
struct steer_key {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

int hag_steer_init(struct hag_steer *s, unsigned self, unsigned n, uint32_t max_flows, int socket_id,
		   uint16_t port_lo, uint16_t port_hi)
{
	static unsigned int seq;
	struct rte_hash_parameters hp = {0};
	char name[RTE_HASH_NAMESIZE];

	if (n == 0 || self >= n || port_lo == 0 || port_hi < port_lo || (uint32_t)port_hi - port_lo + 1 < n)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->self = self;
	s->n = n;
	s->port_lo = port_lo;
	s->port_hi = port_hi;
	if (n == 1)
		return 0;
	snprintf(name, sizeof(name), "steer_%u_%u", self, seq++);
	hp.name = name;
	hp.entries = max_flows < 1024 ? 1024 : max_flows;
	hp.key_len = sizeof(struct steer_key);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = socket_id;
	s->redirect = rte_hash_create(&hp);
	return s->redirect ? 0 : -ENOMEM;
}

void hag_steer_fini(struct hag_steer *s)
{
	rte_hash_free(s->redirect);
	s->redirect = NULL;
}

int hag_steer_add_listener(struct hag_steer *s, uint16_t port)
{
	s->listen[port / 64] |= 1ull << (port % 64);
	return 0;
}

bool hag_steer_is_listener(const struct hag_steer *s, uint16_t port)
{
	return (s->listen[port / 64] >> (port % 64)) & 1;
}

/*
 * The hash worker: CRC32-C of the 4-tuple (one instruction per word with
 * SSE4.2), the same on every worker. Not the NIC's RSS hash: a vdev has none.
 */
static unsigned flow_worker(const struct hag_steer *s, const struct steer_key *k)
{
	return rte_hash_crc(k, sizeof(*k), 0x4841472d) % s->n;
}

unsigned hag_steer_flow_worker(const struct hag_steer *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
			       uint16_t rport)
{
	struct steer_key k = {laddr, raddr, lport, rport};

	return s->n == 1 ? 0 : flow_worker(s, &k);
}

unsigned hag_steer_port_owner(const struct hag_steer *s, uint16_t port)
{
	if (port < s->port_lo || port > s->port_hi)
		return s->self;
	return (unsigned)((uint64_t)(port - s->port_lo) * s->n / ((uint32_t)s->port_hi - s->port_lo + 1));
}

/* The owner of a segment from raddr to laddr (IPv4, or an IPv6 tuple's folds). */
static unsigned owner_of(struct hag_steer *s, uint32_t laddr, uint32_t raddr, const struct rte_tcp_hdr *th,
			 uint32_t tcp_len, bool intercepted)
{
	struct steer_key k;
	uint32_t hlen, token;
	unsigned owner;
	void *data;

	if (s->n == 1 || tcp_len < sizeof(*th))
		return s->self;
	hlen = (uint32_t)(th->data_off >> 4) * 4;
	if (hlen < sizeof(*th) || hlen > tcp_len)
		return s->self;
	k.laddr = laddr;
	k.raddr = raddr;
	k.lport = rte_be_to_cpu_16(th->dst_port);
	k.rport = rte_be_to_cpu_16(th->src_port);
	if (!intercepted && !hag_steer_is_listener(s, k.lport)) {
		owner = hag_steer_port_owner(s, k.lport);
		if (owner != s->self)
			s->mib[STEER_MIB_REPLY_HANDOFF]++;
		return owner;
	}
	if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG &&
	    mptcp_join_syn_token((const uint8_t *)(th + 1), hlen - sizeof(*th), &token)) {
		owner = token % s->n;
		if (owner != s->self)
			s->mib[STEER_MIB_JOIN_HANDOFF]++;
		return owner;
	}
	if (rte_hash_lookup_data(s->redirect, &k, &data) >= 0) {
		owner = (unsigned)(uintptr_t)data;
		if (owner != s->self)
			s->mib[STEER_MIB_REDIRECT]++;
		return owner;
	}
	owner = flow_worker(s, &k);
	if (owner != s->self)
		s->mib[STEER_MIB_FLOW_HANDOFF]++;
	return owner;
}

unsigned hag_steer_owner(struct hag_steer *s, const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th,
			 uint32_t tcp_len, bool intercepted)
{
	return owner_of(s, rte_be_to_cpu_32(ip->dst_addr), rte_be_to_cpu_32(ip->src_addr), th, tcp_len, intercepted);
}

unsigned hag_steer_owner6(struct hag_steer *s, const struct rte_ipv6_hdr *ip, const struct rte_tcp_hdr *th,
			  uint32_t tcp_len, bool intercepted)
{
	return owner_of(s, tcp_ip6_fold(ip->dst_addr), tcp_ip6_fold(ip->src_addr), th, tcp_len, intercepted);
}

int hag_steer_learn(struct hag_steer *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
		    unsigned owner)
{
	struct steer_key k = {laddr, raddr, lport, rport};

	if (s->redirect == NULL)
		return 0;
	if (rte_hash_add_key_data(s->redirect, &k, (void *)(uintptr_t)owner) < 0) {
		s->mib[STEER_MIB_REDIRECT_FULL]++;
		return -ENOSPC;
	}
	return 0;
}

void hag_steer_forget(struct hag_steer *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct steer_key k = {laddr, raddr, lport, rport};

	if (s->redirect)
		rte_hash_del_key(s->redirect, &k);
}

uint32_t hag_steer_redirects(const struct hag_steer *s)
{
	return s->redirect ? (uint32_t)rte_hash_count(s->redirect) : 0;
}
