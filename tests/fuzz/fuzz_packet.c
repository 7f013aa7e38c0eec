/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the packet input path from Ethernet up, on one lcore, with no
 * NIC: Ethernet type, ARP, net_ipv4_check, ICMP (echo, destination
 * unreachable to lib/tcp), transit and transparent interception, then
 * tcp_input / tcp_input_intercepted into a stack whose listeners are hagd's
 * own relay (app/proxy.c, linked in: mptcp_accept, the pipes, the upstream
 * connect), with time advanced, tcp_stack_poll and mptcp_ctx_tick called as
 * the poll loop calls them. What the stack sends is checked and freed.
 *
 * Below Ethernet it is hagd's own code: app/dispatch.c's hag_rx_one into
 * lib/net's gateway layer (ARP, the IPv4 checks, ICMP, routing, forwarding,
 * the ARP table; lib/net/ip.h) and back for interception, with the frames
 * it sends out of a port caught by port_out here, checked and freed.
 * lib/tcp's output goes to fz_output instead of net_ip_output, so that the
 * fix-ups learn every segment at once (not held for ARP).
 *
 * Input:
 *   byte 0..2    variant of the config (see apply_variant)
 *   then frames  [ctl][dt][len hi][len lo] + len bytes of Ethernet frame
 * dt: time that passes before the frame: (dt & 63) ms << 3 * (dt >> 6)
 * (up to 32 s; polled every few ms meanwhile). ctl:
 *   0x01 FIX_CSUM   IPv4 header, TCP (or ICMP) checksums recomputed
 *   0x02 FIX_LEN    IPv4 total length = the frame's
 *   0x04 FIX_ACK    TCP ack = the highest sequence hagd sent on that flow,
 *                   timestamp echo = hagd's last tsval (ICMP: the quoted
 *                   sequence number = one hagd has in flight). With a SACK
 *                   option, the ack and every SACK edge are offsets (their
 *                   low 16 bits) back from that highest sequence: losses.
 *   0x08 FIX_MPTCP  MPTCP fields that need hagd's secrets: the key in the
 *                   third ACK, the join token and HMAC, DATA_ACK = all that
 *                   hagd sent, DSS / MP_CAPABLE checksums, ADD_ADDR HMAC,
 *                   MP_FASTCLOSE key
 *   0x10 FIX_PORT   destination port (and address) = hagd's local side of
 *                   its latest active open to the frame's source (ICMP: the
 *                   quoted segment's source)
 *   0x60            which port it arrived on (index mod the ports)
 *   0x80            no poll after this frame (part of one RX burst)
 * The fix-ups (packet_fix.c) let captured conversations
 * (tests/fuzz/make_corpus.py) and their mutations get past hagd's random
 * ISNs, keys and nonces; the fuzzer can turn each one off.
 *
 * Every frame is an mbuf of the pool whose data is an external buffer of
 * exactly headroom + frame bytes from malloc, so ASan sees reads past the
 * frame and uses after free. After each input everything is torn down; the
 * pool and the external buffers must be back where they were (else abort:
 * an mbuf leak), and so must the relay's connections.
 *
 * Environment: HAG_FUZZ_VERBOSE (every TCP segment in and out, then the
 * counters, on stderr: for seeds and triage).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "hagd.h"
#include "mptcp/mptcp_options.h"
#include "packet_fix.h"

#define FZ_POOL_MBUFS 2047
#define FZ_HEADROOM RTE_PKTMBUF_HEADROOM
#define FZ_MAX_FRAME 9018
#define FZ_START_US 1000000000ull
#define FZ_POLL_STEP_US 5000u

#define CTL_NO_POLL 0x80

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* hagd's config for every input (variants change a copy). */
static const char fz_config[] =
	"{\n"
	"  \"ports\": [\n"
	"    { \"name\": \"dsl\", \"dev\": \"net_null0\", \"addr\": \"10.98.1.1/24\" },\n"
	"    { \"name\": \"lte\", \"dev\": \"net_null1\", \"addr\": \"10.98.2.1/24\" },\n"
	"    { \"name\": \"upstream\", \"dev\": \"net_null2\", \"addr\": \"10.20.0.1/24\" }\n"
	"  ],\n"
	"  \"addresses\": [\"10.10.0.1\"],\n"
	"  \"routes\": [ { \"prefix\": \"0.0.0.0/0\", \"via\": \"10.20.0.254\", \"port\": \"upstream\" } ],\n"
	"  \"listeners\": [\n"
	"    { \"listen\": \":7001\", \"upstream\": \"10.20.0.2:9000\" },\n"
	"    { \"listen\": \"10.10.0.1:8080\", \"upstream\": \"10.20.0.2:9000\" }\n"
	"  ],\n"
	"  \"access\": [\n"
	"    { \"name\": \"dsl\", \"prefix\": \"10.98.1.0/24\", \"cost\": 1 },\n"
	"    { \"name\": \"lte\", \"prefix\": \"10.98.2.0/24\", \"cost\": 10 }\n"
	"  ],\n"
	"  \"mptcp\": { \"announce\": [\"10.98.2.1\"], \"resume_timeout_ms\": 2000 },\n"
	"  \"tcp\": { \"max_conns\": 64, \"timewait_ms\": 100, \"keepalive_access_ms\": 5000,\n"
	"           \"keepalive_interval_ms\": 1000, \"keepalive_probes\": 3,\n"
	"           \"idle_timeout_upstream_ms\": 60000, \"connect_timeout_ms\": 3000 },\n"
	"  \"transparent\": { \"ingress\": [\"dsl\", \"lte\"],\n"
	"                   \"intercept\": [ { \"prefix\": \"203.0.113.0/24\", \"ports\": [80, \"443-444\"] } ],\n"
	"                   \"snat\": [\"10.20.0.100\"] },\n"
	"  \"limits\": { \"per_client\": 4 }\n"
	"}\n";

static struct rte_mempool *pool;
static struct hag_config base_cfg, cfg;
static struct hag_lcore *lc;
static unsigned n_ext;            /* external frame buffers not yet freed */
static bool verbose;              /* HAG_FUZZ_VERBOSE set: what happens, on stderr (seeds, triage) */

static uint64_t now_us;

/* Output: what hagd sends. Checked, learnt from (packet_fix.c), freed. */

static int fz_output(void *arg, struct rte_mbuf *m, uint32_t dst, void *route)
{
	const struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint16_t tot, doff, plen;
	struct tcp_seg_opts so;

	(void)arg;
	(void)route;
	CHECK(m->nb_segs == 1 && rte_pktmbuf_pkt_len(m) == rte_pktmbuf_data_len(m), "segmented output");
	CHECK(rte_pktmbuf_data_len(m) >= sizeof(*ip) + sizeof(*th), "output of %u bytes",
	      rte_pktmbuf_data_len(m));
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	tot = rte_be_to_cpu_16(ip->total_length);
	CHECK(ip->version_ihl == 0x45 && ip->next_proto_id == IPPROTO_TCP, "not IPv4/TCP: 0x%x proto %u",
	      ip->version_ihl, ip->next_proto_id);
	CHECK(tot == rte_pktmbuf_data_len(m), "IP total length %u, mbuf %u", tot, rte_pktmbuf_data_len(m));
	CHECK(tot <= 1500, "a segment of %u bytes on a 1500-byte MTU", tot);
	CHECK(rte_raw_cksum(ip, sizeof(*ip)) == 0xffff, "bad IPv4 header checksum");
	CHECK(rte_be_to_cpu_32(ip->dst_addr) == dst, "routed to %08x, addressed to %08x", dst,
	      rte_be_to_cpu_32(ip->dst_addr));
	th = (struct rte_tcp_hdr *)(uintptr_t)(ip + 1);
	doff = (uint16_t)((th->data_off >> 4) * 4);
	CHECK(doff >= 20 && doff <= tot - 20, "TCP header length %u in %u", doff, tot);
	CHECK(rte_ipv4_udptcp_cksum_verify(ip, th) == 0, "bad TCP checksum");
	CHECK(tcp_parse_options((const uint8_t *)(th + 1), doff - 20u, th->tcp_flags & RTE_TCP_SYN_FLAG, &so) == 0,
	      "hagd sent options its own parser refuses");
	plen = (uint16_t)(tot - 20 - doff);
	if (verbose)
		fprintf(stderr, "%8.3f ms > %08x:%u flags 0x%02x seq %u ack %u len %u opts %u\n",
			(double)(now_us - FZ_START_US) / 1000, dst, rte_be_to_cpu_16(th->dst_port), th->tcp_flags,
			rte_be_to_cpu_32(th->sent_seq), rte_be_to_cpu_32(th->recv_ack), plen, doff - 20u);

	fz_learn_output(ip, th);
	rte_pktmbuf_free(m);
	return 0;
}

/* What hagd sends over IPv6: checked and freed (not learnt from: the fixer speaks IPv4). */
static int fz_output6(void *arg, struct rte_mbuf *m, const uint8_t dst[16], void *route)
{
	const struct rte_ipv6_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint16_t pl, doff;
	struct tcp_seg_opts so;

	(void)arg;
	(void)route;
	CHECK(m->nb_segs == 1 && rte_pktmbuf_pkt_len(m) == rte_pktmbuf_data_len(m), "segmented output");
	CHECK(rte_pktmbuf_data_len(m) >= sizeof(*ip) + sizeof(*th), "IPv6 output of %u bytes",
	      rte_pktmbuf_data_len(m));
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	pl = rte_be_to_cpu_16(ip->payload_len);
	CHECK(rte_be_to_cpu_32(ip->vtc_flow) >> 28 == 6 && ip->proto == IPPROTO_TCP, "not IPv6/TCP");
	CHECK(pl + sizeof(*ip) == rte_pktmbuf_data_len(m), "IPv6 payload length %u, mbuf %u", pl,
	      rte_pktmbuf_data_len(m));
	CHECK(pl + sizeof(*ip) <= 1500, "an IPv6 segment of %zu bytes on a 1500-byte MTU", pl + sizeof(*ip));
	CHECK(memcmp(ip->dst_addr, dst, 16) == 0, "IPv6 routed to one address, addressed to another");
	th = (const struct rte_tcp_hdr *)(ip + 1);
	doff = (uint16_t)((th->data_off >> 4) * 4);
	CHECK(doff >= 20 && doff <= pl, "TCP header length %u in %u", doff, pl);
	CHECK(rte_ipv6_udptcp_cksum_verify(ip, th) == 0, "bad TCP checksum over IPv6");
	CHECK(tcp_parse_options((const uint8_t *)(th + 1), doff - 20u, th->tcp_flags & RTE_TCP_SYN_FLAG, &so) == 0,
	      "hagd sent options its own parser refuses");
	rte_pktmbuf_free(m);
	return 0;
}

/* Input frames: an mbuf around an exact-size malloc'd buffer. */

static void ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
	n_ext--;
}

static struct rte_mbuf *frame_mbuf(const uint8_t *p, uint16_t len, uint16_t port)
{
	struct rte_mbuf_ext_shared_info *sh;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *buf;

	if (m == NULL)
		return NULL;
	buf = malloc(FZ_HEADROOM + len);
	sh = malloc(sizeof(*sh));
	CHECK(buf != NULL && sh != NULL, "out of memory");
	memset(sh, 0, sizeof(*sh));
	sh->free_cb = ext_free;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, (rte_iova_t)(uintptr_t)buf, (uint16_t)(FZ_HEADROOM + len), sh);
	m->data_off = FZ_HEADROOM;
	memset(buf, 0, FZ_HEADROOM);
	memcpy(buf + FZ_HEADROOM, p, len);
	m->data_len = len;
	m->pkt_len = len;
	m->port = port;
	n_ext++;
	return m;
}

/* What hagd sends out of a port other than lib/tcp's segments: ARP, echo
 * replies, ICMP errors, routed packets. Checked and freed. */
static void port_out(void *l, int port, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t len = rte_pktmbuf_data_len(m);

	(void)l;
	CHECK(port >= 0 && port < cfg.n_ports, "sent out of port %d", port);
	CHECK(m->nb_segs == 1 && rte_pktmbuf_pkt_len(m) == len, "segmented frame");
	CHECK(len >= sizeof(*eh), "a frame of %u bytes", len);
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		CHECK(len == sizeof(*eh) + sizeof(struct rte_arp_hdr), "ARP of %u bytes", len);
	} else if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eh + 1);
		uint32_t plen;

		/* lib/net answers over IPv6 with ICMPv6 only (echo, NA, Parameter Problem) so far. */
		CHECK(len >= sizeof(*eh) + NET_IP6_HLEN + 8, "IPv6 frame of %u bytes", len);
		plen = rte_be_to_cpu_16(ip6->payload_len);
		CHECK(len == sizeof(*eh) + NET_IP6_HLEN + plen, "IPv6 payload %u in a frame of %u", plen, len);
		CHECK(len - sizeof(*eh) <= NET_IP6_MIN_MTU, "IPv6 packet of %u bytes", len);
		CHECK(ip6->proto == NET_PROTO_ICMPV6, "IPv6 next header %u", ip6->proto);
		CHECK(net_ip6_l4_cksum_ok(ip6, NET_PROTO_ICMPV6, ip6 + 1, plen), "bad ICMPv6 checksum out of port %d", port);
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
		uint32_t ihl;

		CHECK(eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4), "ether type 0x%04x",
		      rte_be_to_cpu_16(eh->ether_type));
		CHECK(len >= sizeof(*eh) + sizeof(*ip), "IPv4 frame of %u bytes", len);
		ihl = (ip->version_ihl & 0xf) * 4u;
		CHECK(ihl >= 20 && len >= sizeof(*eh) + ihl, "IHL %u in %u", ihl, len);
		CHECK(rte_raw_cksum(ip, ihl) == 0xffff, "bad IPv4 header checksum out of port %d", port);
		CHECK(rte_be_to_cpu_16(ip->total_length) >= ihl &&
		      rte_be_to_cpu_16(ip->total_length) <= len - sizeof(*eh),
		      "IPv4 total length %u in a frame of %u", rte_be_to_cpu_16(ip->total_length), len);
	}
	rte_pktmbuf_free(m);
}

static bool frame_is_tcp(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	return p[12] == 8 && p[13] == 0 && p[14 + 9] == IPPROTO_TCP;
}

static void show_frame(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + (ip->version_ihl & 0xf) * 4);

	fprintf(stderr, "%8.3f ms < %08x:%u flags 0x%02x seq %u ack %u iplen %u\n",
		(double)(now_us - FZ_START_US) / 1000, rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_16(th->src_port),
		th->tcp_flags, rte_be_to_cpu_32(th->sent_seq), rte_be_to_cpu_32(th->recv_ack),
		rte_be_to_cpu_16(ip->total_length));
}

/* One poll of the loop. */
static void poll_once(void)
{
	lc->now_us = now_us;
	tcp_stack_poll(lc->tcp, now_us);
	mptcp_ctx_tick(lc->mptcp, now_us);
}

static void advance(uint64_t us)
{
	uint64_t end = now_us + us;

	while (now_us < end) {
		now_us = end - now_us > FZ_POLL_STEP_US ? now_us + FZ_POLL_STEP_US : end;
		poll_once();
	}
}

/* Setup and teardown. */

static void init_once(void)
{
	static bool done;
	char prefix[32], err[512];

	if (done)
		return;
	snprintf(prefix, sizeof(prefix), "fz%d", (int)getpid());
	{
		char *argv[] = {"fuzz_packet", "--no-huge", "--no-pci", "-m", "128", "--no-shconf", "--no-telemetry",
				"--log-level=*:error", "--file-prefix", prefix, "-l", "0", NULL};

		CHECK(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) >= 0, "rte_eal_init failed");
	}
	rmdir(rte_eal_get_runtime_dir());
	pool = rte_pktmbuf_pool_create("fz_pool", FZ_POOL_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CHECK(pool != NULL, "pktmbuf pool");
	CHECK(hag_config_load_string(fz_config, "fuzz_packet", &base_cfg, err, sizeof(err)) == 0, "%s", err);
	CHECK(hag_proxy_global_init(&base_cfg) == 0, "limits.per_client table");
	verbose = getenv("HAG_FUZZ_VERBOSE") != NULL;
	lc = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*lc), RTE_CACHE_LINE_SIZE));
	CHECK(lc != NULL, "out of memory");
	done = true;
}

/* Bytes 0..2 of the input: which of hagd's settings this run uses. */
static void apply_variant(uint8_t a, uint8_t b, uint8_t c)
{
	static const int sched[] = {MPTCP_SCHED_MINRTT, MPTCP_SCHED_REDUNDANT, MPTCP_SCHED_COST, MPTCP_SCHED_MINRTT};
	static const int mcc[] = {MPTCP_CC_UNCOUPLED, MPTCP_CC_LIA, MPTCP_CC_OLIA, MPTCP_CC_UNCOUPLED};
	static const int csum[] = {MPTCP_CSUM_ACCEPT, MPTCP_CSUM_OFF, MPTCP_CSUM_REQUIRE, MPTCP_CSUM_ACCEPT};
	static const uint32_t subflows[] = {8, 1, 2, 4};

	cfg = base_cfg;        /* shallow: eal_args stay base_cfg's */
	cfg.mptcp_scheduler = sched[a & 3];
	cfg.mptcp_checksum = csum[(a >> 2) & 3];
	cfg.mptcp_cc = mcc[(a >> 4) & 3];
	cfg.mptcp_enabled = !(a & 0x40);
	cfg.transparent.mptcp_only = a & 0x80;
	cfg.mptcp_deny_join_initial = b & 1;
	cfg.mptcp_resume_timeout_ms = (b & 2) ? 0 : base_cfg.mptcp_resume_timeout_ms;
	cfg.mptcp_max_subflows = subflows[(b >> 2) & 3];
	if (b & 0x10) {
		cfg.tcp_cc_access = TCP_CC_NEWRENO;
		cfg.tcp_cc_upstream = TCP_CC_NEWRENO;
	}
	cfg.limit_conns = (b & 0x20) ? 1 : 0;
	if (b & 0x40) {
		cfg.tcp_rcvbuf_init = 4096;
		cfg.tcp_rcvbuf = cfg.tcp_sndbuf = 16384;
	}
	cfg.tcp_mem_budget_mb = (b & 0x80) ? 1 : base_cfg.tcp_mem_budget_mb;
	/* SYN cookies (RFC 4987; MPTCP rebuilt from the third ACK): auto, off,
	 * always, or auto past a backlog of 2 half-open connections. */
	cfg.tcp_syncookies = (c & 3) == 3 ? 0 : c & 3;
	cfg.tcp_syn_backlog = (c & 3) == 3 ? 2 : base_cfg.tcp_syn_backlog;
}

/* As hag_lcore_init: the stack, the MPTCP context, the relay's listeners. */
static void lcore_start(void)
{
	struct tcp_stack_conf tc = {
		.output = fz_output,
		.output6 = fz_output6,
		.ipv6 = true,
		.socket_id = SOCKET_ID_ANY,
		.mss = 1500 - 40,
	};

	hag_lcore_bare(lc, &cfg, pool, now_us, port_out);
	tc.output_arg = lc;
	CHECK(hag_engine_init(lc, &tc) == 0, "hag_engine_init");
	/* IPv6 on dsl (not yet in the config): lib/net's IPv6 receive path is fuzzed too. */
	CHECK(net_ip_add_port6(&lc->ip, 0, (const uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 1}, 64) == 0,
	      "net_ip_add_port6");
}

static void show_counters(void)
{
	for (int i = 0; i < TCP_MIB_MAX; i++)
		if (tcp_mib_get(lc->tcp, (enum tcp_mib)i))
			fprintf(stderr, "  tcp.%s %" PRIu64 "\n", tcp_mib_names[i], tcp_mib_get(lc->tcp, (enum tcp_mib)i));
	for (int i = 0; i < MPTCP_MIB_MAX; i++)
		if (mptcp_mib_get(lc->mptcp, (enum mptcp_mib)i))
			fprintf(stderr, "  mptcp.%s %" PRIu64 "\n", mptcp_mib_names[i],
				mptcp_mib_get(lc->mptcp, (enum mptcp_mib)i));
	for (int i = 0; i < RELAY_MIB_MAX; i++)
		if (lc->relay_mib[i])
			fprintf(stderr, "  relay.%s %" PRIu64 "\n", hag_relay_mib_names[i], lc->relay_mib[i]);
}

/* Everything goes; what it held must come back. */
static void lcore_stop(void)
{
	if (verbose)
		show_counters();
	hag_proxy_abort_all(lc);
	advance(1000);
	/* Parked MPTCP connections end at their resume timeout (the relay frees them then). */
	if (mptcp_ctx_parked(lc->mptcp) > 0)
		advance((uint64_t)cfg.mptcp_resume_timeout_ms * 1000u + 1000000u);
	CHECK(lc->relay_active == 0, "%u relayed connections left after hag_proxy_abort_all and the resume "
	      "timeout", lc->relay_active);
	CHECK(lc->ip.arp.n <= NET_NEIGH_MAX, "ARP table holds %u entries", lc->ip.arp.n);
	hag_engine_fini(lc);
	CHECK(rte_mempool_in_use_count(pool) == 0, "%u mbufs leaked", rte_mempool_in_use_count(pool));
	CHECK(n_ext == 0, "%u received frames never freed", n_ext);
}

/* EAL and the pool once per process, before any input (libFuzzer and the replay driver call it). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	init_once();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 3;

	if (size < 3)
		return 0;
	init_once();
	apply_variant(data[0], data[1], data[2]);
	fz_fix_reset();
	now_us = FZ_START_US;
	rte_srand(0x6861676431ull);    /* ISNs, nonces, ports: the same for the same input */
	lcore_start();

	while (size - off >= 4) {
		uint8_t ctl = data[off], dt = data[off + 1];
		size_t len = (size_t)data[off + 2] << 8 | data[off + 3];
		uint8_t *frame;
		struct rte_mbuf *m;

		off += 4;
		if (len > size - off)
			len = size - off;
		if (len > FZ_MAX_FRAME)
			len = FZ_MAX_FRAME;
		if (dt)
			advance((uint64_t)((dt & 63) * 1000u) << (3 * (dt >> 6)));
		frame = malloc(len ? len : 1);
		CHECK(frame != NULL, "out of memory");
		memcpy(frame, data + off, len);
		off += len;
		fz_fix_frame(ctl, frame, (uint32_t)len);
		m = frame_mbuf(frame, (uint16_t)len, (uint16_t)(((ctl >> 5) & 3) % cfg.n_ports));
		free(frame);
		if (m == NULL)
			continue;
		lc->now_us = now_us;
		if (verbose && len >= 14 + 40 && frame_is_tcp(m))
			show_frame(m);
		hag_rx_one(lc, m->port, m);
		if (!(ctl & CTL_NO_POLL))
			poll_once();
	}
	advance(1000);
	lcore_stop();
	return 0;
}
