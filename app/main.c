/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hagd: hybrid access gateway. Terminates MPTCP from clients and relays each
 * connection over plain TCP upstream, on DPDK poll-mode lcores.
 *
 *   hagd [EAL args] -- -c FILE [--check-config]
 *   hagd -c FILE [--check-config]
 *   hagd --check-config FILE
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "hagd.h"
#include "mbuf_pool.h"

int hag_logtype;

/* The first SIGTERM/SIGINT drains (lifecycle.drain_timeout_ms), a second one ends hagd at once. */
static void on_signal(int sig)
{
	(void)sig;
	if (hag_draining)
		hag_quit = true;
	else
		hag_draining = true;
}

/*
 * Connections come and go by the hundred thousand a second, each with a few
 * KiB of sockets and pipes. glibc's defaults hand freed heap tops back to the
 * kernel (128 KiB trim threshold) and serve 128 KiB pipes with mmap: every
 * new connection then faults in zeroed pages again, which took 58 % of an
 * lcore in `bench.sh cps`. Keep freed memory for reuse, and serve every pipe
 * ring from the heap (glibc's largest mmap threshold, 32 MiB; rings grow to
 * tcp.rcvbuf, 4 MiB by default): a ring is freed whenever its pipe drains
 * (decision 28), and a mapped one would be faulted in again at the next
 * burst. The relay budget bounds what rings hold. (Per-lcore object pools
 * are the next step.)
 */
static void heap_tune(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	mallopt(M_TOP_PAD, 16 << 20);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hagd [EAL args] -- -c FILE [--check-config]\n"
		   "       hagd -c FILE [--check-config]\n"
		   "       hagd --check-config FILE\n"
		   "EAL args from the file's dpdk.args come first, then the command line's,\n"
		   "then one --vdev per port whose dev starts with net_. See docs/config.md.\n");
}

int main(int argc, char **argv)
{
	static struct hag_config cfg;
	static struct hag_port ports[HAG_MAX_PORTS];
	static struct hag_lcore lcs[HAG_MAX_WORKERS];
	static char vdev_buf[HAG_MAX_PORTS][HAG_MAX_WORKERS][HAG_VDEV_ARG_LEN];
	unsigned lcore_of[HAG_MAX_WORKERS], w, lcore;
	const char *cfg_path = NULL;
	bool check_only = false;
	int dd = -1, app_from, n_cmd_eal, eal_argc = 0, r;
	char **eal_argv;
	char err[1024];
	struct rte_mempool *pool;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	app_from = dd >= 0 ? dd + 1 : 1;
	n_cmd_eal = dd >= 0 ? dd - 1 : 0;
	for (int i = app_from; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			cfg_path = argv[++i];
		} else if (strcmp(argv[i], "--check-config") == 0) {
			check_only = true;
			/* "--check-config FILE": the file may follow it directly. */
			if (cfg_path == NULL && i + 1 < argc && argv[i + 1][0] != '-')
				cfg_path = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "hagd: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (cfg_path == NULL) {
		fprintf(stderr, "hagd: no config file (-c FILE)\n");
		usage(stderr);
		return 2;
	}
	if (hag_config_load(cfg_path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "hagd: %s\n", err);
		return 2;
	}
	if (check_only) {
		printf("%s: OK (%d ports, %d listeners)\n", cfg_path, cfg.n_ports, cfg.n_listeners);
		hag_config_free(&cfg);
		return 0;
	}

	eal_argv = calloc((size_t)(2 + cfg.n_eal_args + n_cmd_eal + 2 * cfg.n_ports * cfg.workers), sizeof(char *));
	if (eal_argv == NULL)
		return 1;
	eal_argv[eal_argc++] = argv[0];
	for (int i = 0; i < cfg.n_eal_args; i++)
		eal_argv[eal_argc++] = cfg.eal_args[i];
	for (int i = 1; i <= n_cmd_eal; i++)
		eal_argv[eal_argc++] = argv[i];
	for (int i = 0; i < cfg.n_ports; i++)
		if (cfg.ports[i].is_vdev) {
			int nv = hag_port_vdev_args(&cfg.ports[i], cfg.workers, vdev_buf[i]);

			for (int v = 0; v < nv; v++) {
				eal_argv[eal_argc++] = "--vdev";
				eal_argv[eal_argc++] = vdev_buf[i][v];
			}
		}
	r = rte_eal_init(eal_argc, eal_argv);
	if (r < 0) {
		fprintf(stderr, "hagd: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	hag_logtype = rte_log_register_type_and_pick_level("hagd", RTE_LOG_INFO);
	rte_log_set_level(hag_logtype, RTE_LOG_ERR + (uint32_t)cfg.log_level +
			  (cfg.log_level >= HAG_LOG_INFO ? 1 : 0));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	heap_tune();

	if (rte_lcore_count() < cfg.workers) {
		HAG_LOG(ERR, "dpdk.workers is %u but EAL has %u lcore%s: give dpdk.args an -l list of at least %u",
			cfg.workers, rte_lcore_count(), rte_lcore_count() == 1 ? "" : "s", cfg.workers);
		rte_eal_cleanup();
		return 2;
	}
	pool = hag_mbuf_pool_create("hag_mbufs", cfg.mbufs, (int)rte_socket_id());
	if (pool == NULL) {
		HAG_LOG(ERR, "mempool of %u mbufs: %s", cfg.mbufs, rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	r = hag_ports_init(ports, &cfg, pool);
	if (r != 0) {
		HAG_LOG(ERR, "port setup failed: %s", strerror(-r));
		rte_eal_cleanup();
		return 1;
	}
	/* Worker 0 is the main lcore; the others take the next lcores in order. */
	lcore_of[0] = rte_get_main_lcore();
	w = 1;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (w == cfg.workers)
			break;
		lcore_of[w++] = lcore;
	}
	if (hag_proxy_global_init(&cfg) != 0) {
		HAG_LOG(ERR, "limits.per_client: no memory for the client table");
		hag_ports_close(ports, cfg.n_ports);
		rte_eal_cleanup();
		return 1;
	}
	for (w = 0; w < cfg.workers; w++) {
		r = hag_lcore_init(&lcs[w], &cfg, ports, pool, lcs, w);
		lcs[w].lcore_id = lcore_of[w];
		if (r != 0) {
			HAG_LOG(ERR, "worker %u setup failed: %s", w, strerror(-r));
			for (unsigned k = 0; k <= w; k++)
				hag_lcore_fini(&lcs[k]);
			hag_ports_close(ports, cfg.n_ports);
			rte_eal_cleanup();
			return 1;
		}
	}
	if (hag_telemetry_init(lcs, (int)cfg.workers) != 0)
		HAG_LOG(WARNING, "telemetry commands not registered (is telemetry disabled?)");
	for (int i = 0; i < cfg.n_listeners; i++) {
		const struct hag_listener_conf *l = &cfg.listeners[i];

		HAG_LOG(INFO, "listening on %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u%s", l->addr >> 24,
			(l->addr >> 16) & 255, (l->addr >> 8) & 255, l->addr & 255, l->port,
			l->upstream_addr >> 24, (l->upstream_addr >> 16) & 255, (l->upstream_addr >> 8) & 255,
			l->upstream_addr & 255, l->upstream_port, cfg.mptcp_enabled ? " (MPTCP)" : "");
	}
	if (cfg.transparent.enabled) {
		const struct hag_transparent_conf *t = &cfg.transparent;

		HAG_LOG(INFO, "transparent: %d intercept rule%s on %d access port%s%s; other traffic %s",
			t->n_intercept, t->n_intercept == 1 ? "" : "s", __builtin_popcount(t->ingress),
			__builtin_popcount(t->ingress) == 1 ? "" : "s", t->mptcp_only ? ", MPTCP only" : "",
			t->route_other ? "routed" : "dropped");
	}
	for (w = 0; w < cfg.workers; w++) {
		uint16_t lo, hi;

		hag_port_block(cfg.local_port_lo, cfg.local_port_hi, cfg.workers, w, &lo, &hi);
		HAG_LOG(INFO, "worker %u: upstream source ports %u-%u", w, lo, hi);
	}
	HAG_LOG(INFO, "ready: %u worker%s", cfg.workers, cfg.workers == 1 ? "" : "s");
	for (w = 1; w < cfg.workers; w++) {
		r = rte_eal_remote_launch(hag_lcore_run, &lcs[w], lcore_of[w]);
		if (r != 0) {
			HAG_LOG(ERR, "worker %u on lcore %u: launch failed: %s", w, lcore_of[w], strerror(-r));
			hag_quit = true;
		}
	}
	hag_lcore_run(&lcs[0]);
	rte_eal_mp_wait_lcore();
	HAG_LOG(INFO, "stopping");
	for (w = 0; w < cfg.workers; w++)
		hag_lcore_fini(&lcs[w]);
	hag_proxy_global_fini();
	hag_ports_close(ports, cfg.n_ports);
	rte_eal_cleanup();
	hag_config_free(&cfg);
	free(eal_argv);
	HAG_LOG(INFO, "exit 0");
	return 0;
}
