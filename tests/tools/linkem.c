/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hag-linkem: a link emulator between two DPDK ports, the kernel's reference
 * path of scripts/bench.sh tcp-loss.
 *
 *   hag-linkem EAL_ARGS -- -c CONFIG [-p A,B] [-s STATS]
 *
 * Forwards every frame from ethdev 0 to ethdev 1 and back, as testpmd's io
 * mode does, and passes each through hagd's impairment stage (app/impair.c,
 * linked in, not copied) as CONFIG's ports A and B set it (hagd's config
 * format; A,B default to dsl,upstream): a frame received on ethdev 0 goes
 * through A's rx impairer, then B's tx impairer, and is sent on ethdev 1; the
 * other way round likewise. The kernel's TCP between the two ports so meets
 * the impairment hagd's TCP meets with the same config, drawn with the same
 * seeds. Only the two ports' impair objects and descriptor counts are read:
 * the devices come from EAL's --vdev (ethdev 0 is A's, 1 is B's). A port
 * without impair forwards untouched.
 *
 * On SIGINT or SIGTERM it writes its counters as one JSON object to STATS
 * (default: stdout) and exits 0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "config.h"
#include "impair.h"
#include "mbuf_pool.h"

#define BURST 32
#define POOL_MBUFS 65535    /* held frames are mbufs: delay x frame rate of them per direction */
#define TX_TRIES 8          /* tx_burst calls for one burst before the rest is dropped */

/* One ethdev and what its port's impair config makes of it. */
struct side {
	const char *name;
	uint16_t port;
	struct hag_impair *rx, *tx;
	uint64_t rx_pkts, tx_pkts, tx_dropped;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Sends n frames on s as they are; what the queue does not take is freed and counted. */
static void xmit(struct side *s, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;

	for (int t = 0; sent < n && t < TX_TRIES; t++)
		sent += rte_eth_tx_burst(s->port, 0, pkts + sent, n - sent);
	s->tx_pkts += sent;
	if (sent < n) {
		s->tx_dropped += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

/* Sends n frames on s through its tx impairer (what is due now; the rest is held). */
static void send_impaired(struct side *s, struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	if (s->tx != NULL)
		n = hag_impair_process(s->tx, pkts, n, now);
	if (n)
		xmit(s, pkts, n);
}

/* One poll of the direction from -> to; every loop ends when nothing more is due at now.
 * Returns the frames it moved: received, and released by an impairer. */
static uint32_t forward(struct side *from, struct side *to, uint64_t now)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = rte_eth_rx_burst(from->port, 0, pkts, BURST);
	uint32_t got = n;

	from->rx_pkts += n;
	if (from->rx != NULL) {
		n = hag_impair_process(from->rx, pkts, n, now);
		send_impaired(to, pkts, n, now);
		while ((n = hag_impair_poll(from->rx, pkts, BURST, now)) > 0) {
			send_impaired(to, pkts, n, now);
			got += n;
		}
	} else if (n) {
		send_impaired(to, pkts, n, now);
	}
	if (to->tx != NULL)
		while ((n = hag_impair_poll(to->tx, pkts, BURST, now)) > 0) {
			xmit(to, pkts, n);
			got += n;
		}
	return got;
}

static int port_init(struct side *s, const struct hag_port_conf *pc, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	int r;

	memset(&conf, 0, sizeof(conf));
	if ((r = rte_eth_dev_configure(s->port, 1, 1, &conf)) ||
	    (r = rte_eth_rx_queue_setup(s->port, 0, pc->rx_desc, rte_eth_dev_socket_id(s->port), NULL,
					pool)) ||
	    (r = rte_eth_tx_queue_setup(s->port, 0, pc->tx_desc, rte_eth_dev_socket_id(s->port),
					NULL)) ||
	    (r = rte_eth_dev_start(s->port)))
		return r;
	/* Frames for the host behind the other port carry its MAC, not ours. */
	rte_eth_promiscuous_enable(s->port);
	return 0;
}

/*
 * The port's impairers, seeded as hagd seeds worker 0's (app/lcore.c): rx
 * with the seed, tx with its complement, so the two directions draw apart.
 */
static int impair_init(struct side *s, const struct hag_port_conf *pc, struct rte_mempool *pool)
{
	struct hag_impair_conf rxc = pc->impair, txc = pc->impair;

	if (!pc->impair.enabled)
		return 0;
	txc.seed = ~pc->impair.seed;
	if ((pc->impair.direction & HAG_IMPAIR_RX) &&
	    (s->rx = hag_impair_create(&rxc, pool, (int)rte_socket_id())) == NULL)
		return -rte_errno;
	if ((pc->impair.direction & HAG_IMPAIR_TX) &&
	    (s->tx = hag_impair_create(&txc, pool, (int)rte_socket_id())) == NULL)
		return -rte_errno;
	return 0;
}

static void print_impair(FILE *f, const char *dir, const struct hag_impair *imp)
{
	struct hag_impair_stats st;

	hag_impair_stats(imp, &st);
	fprintf(f, ", \"%s\": {", dir);
	for (int c = 0; c < HAG_IMPAIR_CTR_MAX; c++)
		fprintf(f, "%s\"%s\": %" PRIu64, c ? ", " : "", hag_impair_ctr_names[c], st.ctr[c]);
	fprintf(f, ", \"held\": %" PRIu32 "}", st.held);
}

/* Loops that moved a frame and their TSC cycles (hagd's busy_polls / busy_cycles). */
static uint64_t polls, busy_polls, busy_cycles;

static void print_stats(FILE *f, const struct side *sides)
{
	fprintf(f, "{\"polls\": %" PRIu64 ", \"busy_polls\": %" PRIu64 ", \"busy_cycles\": %" PRIu64
		", \"tsc_hz\": %" PRIu64 ", \"ports\": {", polls, busy_polls, busy_cycles, rte_get_tsc_hz());
	for (int i = 0; i < 2; i++) {
		const struct side *s = &sides[i];

		fprintf(f, "%s\"%s\": {\"rx\": %" PRIu64 ", \"tx\": %" PRIu64 ", \"tx_dropped\": %" PRIu64
			", \"impair\": {\"on\": %s", i ? ", " : "", s->name, s->rx_pkts, s->tx_pkts,
			s->tx_dropped, s->rx || s->tx ? "true" : "false");
		if (s->rx)
			print_impair(f, "rx", s->rx);
		if (s->tx)
			print_impair(f, "tx", s->tx);
		fprintf(f, "}}");
	}
	fprintf(f, "}}\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: hag-linkem EAL_ARGS -- -c CONFIG [-p PORT_A,PORT_B] [-s STATS_FILE]\n");
}

int main(int argc, char **argv)
{
	static struct hag_config cfg;
	const char *conf_path = NULL, *stats_path = NULL;
	char names[2 * HAG_NAME_LEN + 2] = "dsl,upstream", err[512], *comma;
	struct side sides[2] = { { .port = 0 }, { .port = 1 } };
	const struct hag_port_conf *pcs[2] = { NULL, NULL };
	struct rte_mempool *pool;
	double us_per_cycle;
	FILE *f;
	int r, opt;

	r = rte_eal_init(argc, argv);
	if (r < 0) {
		fprintf(stderr, "hag-linkem: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= r;
	argv += r;
	while ((opt = getopt(argc, argv, "c:p:s:")) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 'p': snprintf(names, sizeof(names), "%s", optarg); break;
		case 's': stats_path = optarg; break;
		default: usage(); return 2;
		}
	}
	comma = strchr(names, ',');
	if (conf_path == NULL || comma == NULL || optind != argc) {
		usage();
		return 2;
	}
	*comma = '\0';
	sides[0].name = names;
	sides[1].name = comma + 1;
	if (hag_config_load(conf_path, &cfg, err, sizeof(err))) {
		fprintf(stderr, "hag-linkem: %s\n", err);
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		for (int k = 0; k < cfg.n_ports; k++)
			if (strcmp(cfg.ports[k].name, sides[i].name) == 0)
				pcs[i] = &cfg.ports[k];
		if (pcs[i] == NULL) {
			fprintf(stderr, "hag-linkem: %s: no port named \"%s\"\n", conf_path, sides[i].name);
			return 1;
		}
	}
	if (rte_eth_dev_count_avail() != 2) {
		fprintf(stderr, "hag-linkem: needs exactly 2 ethdevs (--vdev ...), has %u\n",
			rte_eth_dev_count_avail());
		return 1;
	}
	pool = hag_mbuf_pool_create("linkem", POOL_MBUFS, (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "hag-linkem: mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		if ((r = port_init(&sides[i], pcs[i], pool))) {
			fprintf(stderr, "hag-linkem: ethdev %d: %s\n", i, strerror(-r));
			return 1;
		}
		if ((r = impair_init(&sides[i], pcs[i], pool))) {
			fprintf(stderr, "hag-linkem: port %s: impairment: %s\n", sides[i].name, strerror(-r));
			return 1;
		}
		if (sides[i].rx || sides[i].tx)
			printf("hag-linkem: port %s (ethdev %d): impairment on %s%s%s\n", sides[i].name, i,
			       sides[i].rx ? "rx" : "", sides[i].rx && sides[i].tx ? "+" : "",
			       sides[i].tx ? "tx" : "");
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("hag-linkem: forwarding %s <-> %s\n", sides[0].name, sides[1].name);
	fflush(stdout);

	us_per_cycle = 1e6 / (double)rte_get_tsc_hz();
	while (!stop) {
		uint64_t t0 = rte_get_tsc_cycles();
		uint64_t now = (uint64_t)((double)t0 * us_per_cycle);
		uint32_t got = forward(&sides[0], &sides[1], now);

		got += forward(&sides[1], &sides[0], now);
		polls++;
		if (got) {
			busy_polls++;
			busy_cycles += rte_get_tsc_cycles() - t0;
		}
	}

	f = stats_path ? fopen(stats_path, "w") : stdout;
	if (f == NULL) {
		fprintf(stderr, "hag-linkem: %s: %s\n", stats_path, strerror(errno));
		f = stdout;
	}
	print_stats(f, sides);
	if (f != stdout)
		fclose(f);
	for (int i = 0; i < 2; i++) {
		rte_eth_dev_stop(sides[i].port);
		hag_impair_free(sides[i].rx);
		hag_impair_free(sides[i].tx);
		rte_eth_dev_close(sides[i].port);
	}
	hag_config_free(&cfg);
	rte_eal_cleanup();
	return 0;
}
