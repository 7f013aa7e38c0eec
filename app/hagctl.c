/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hagctl: ask a running hagd for its counters over the DPDK telemetry v2
 * socket. Talks the protocol directly (no DPDK, no Python) so it runs
 * anywhere hagd's runtime directory is visible:
 *   connect (SOCK_SEQPACKET) -> server sends {"version", "pid", "max_output_len"}
 *   send "/cmd[,params]"     -> server sends {"/cmd": VALUE}, VALUE null if unknown
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <time.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "conns_view.h"

#define TELEMETRY_SOCKET  "dpdk_telemetry.v2"
#define RECV_TIMEOUT_S    2
/* DPDK reads a request into a 1024-byte buffer (lib/telemetry client_handler). */
#define MAX_REQUEST_LEN   1024

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hagctl [--prefix P | -f P] [--runtime-dir DIR] COMMAND\n"
		"\n"
		"Commands:\n"
		"  stats [--table [--all]]\n"
		"               hagd counters (/hagd/stats): tcp, mptcp, ip, relay, ports,\n"
		"               mempool, steer, workers. JSON; --table: one line per counter\n"
		"               (section.Name value), those not 0 (--all: every one)\n"
		"  watch [--interval S] [--count N]\n"
		"               the counters that moved, every S seconds (1), with their\n"
		"               rate per second; N times (until interrupted)\n"
		"  conns [--table] [FILTER...]\n"
		"               open connections (/hagd/conns), oldest first: JSON as hagd\n"
		"               sends it; --table: a row per connection (id, worker, state\n"
		"               client/upstream, bytes up and down, scheduler, each client\n"
		"               subflow with srtt and cwnd, the upstream 4-tuple). Filters:\n"
		"                 --client A.B.C.D[/LEN]   a client subflow from that prefix\n"
		"                 --server A.B.C.D[:PORT]  the upstream server\n"
		"                 --port N                 client side local (service) port\n"
		"                 --state NAME             a client subflow or the upstream in\n"
		"                                          NAME (ESTABLISHED, ..., PARKED)\n"
		"                 --mptcp | --tcp          multipath only | plain TCP only\n"
		"                 --min-bytes N            up + down at least N (K, M, G)\n"
		"                 --limit N                the first N that pass\n"
		"  config       the effective config: the file's keys with every default\n"
		"               filled in (/hagd/config); hagd -c reads it back as it is\n"
		"  ports [--json]\n"
		"               one line per port: device, address, link, MTU, queues and\n"
		"               traffic (/hagd/ports)\n"
		"  withdraw A   take announced address A (IPv4 or IPv6) out of service: REMOVE_ADDR to\n"
		"               every client, its subflows closed (/hagd/withdraw,A)\n"
		"  announce A   offer a withdrawn address again: ADD_ADDR (/hagd/announce,A)\n"
		"  list         every telemetry command the process offers (/)\n"
		"  raw CMD      send any telemetry command, e.g. raw /ethdev/stats,0\n"
		"\n"
		"Options:\n"
		"  -p, -f, --prefix P    hagd's EAL --file-prefix (default \"rte\")\n"
		"  -d, --runtime-dir DIR directory holding the prefix directories\n"
		"                        (default /var/run/dpdk for root, else\n"
		"                        $XDG_RUNTIME_DIR/dpdk or /tmp/dpdk, as DPDK does)\n"
		"  -h, --help            this text\n"
		"\n"
		"Socket: DIR/P/" TELEMETRY_SOCKET ". Exit status: 0 ok, 1 hagd unreachable or\n"
		"the command failed, 2 bad usage.\n");
}

/* Same choice as DPDK's eal_create_runtime_dir(), so hagctl finds a hagd
 * started by the same user without options. */
static const char *default_runtime_dir(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		return "/var/run/dpdk";
	snprintf(buf, n, "%s/dpdk", xdg ? xdg : "/tmp");
	return buf;
}

static int open_socket(const char *path)
{
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "hagctl: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0) {
		fprintf(stderr, "hagctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == ENOENT)
		fprintf(stderr, "hagctl: hagd not running? no telemetry socket at %s\n", path);
	else if (errno == ECONNREFUSED)
		fprintf(stderr, "hagctl: hagd not running? stale telemetry socket at %s "
			"(connection refused)\n", path);
	else
		fprintf(stderr, "hagctl: cannot connect to %s: %s\n", path, strerror(errno));
	close(fd);
	return -1;
}

/* One message; SEQPACKET keeps boundaries, so a reply is exactly one recv. */
static json_t *recv_json(int fd, size_t maxlen, const char *what)
{
	char *buf = malloc(maxlen + 1);
	json_error_t je;
	json_t *v = NULL;
	ssize_t n;

	if (!buf) {
		fprintf(stderr, "hagctl: out of memory\n");
		return NULL;
	}
	n = recv(fd, buf, maxlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		fprintf(stderr, "hagctl: no %s within %d s (hagd busy or hung?)\n", what,
			RECV_TIMEOUT_S);
	else if (n < 0)
		fprintf(stderr, "hagctl: reading %s: %s\n", what, strerror(errno));
	else if (n == 0)
		fprintf(stderr, "hagctl: connection closed before the %s "
			"(too many telemetry clients?)\n", what);
	else if (!(v = json_loadb(buf, (size_t)n, 0, &je)))
		fprintf(stderr, "hagctl: %s is not JSON: %s\n", what, je.text);
	free(buf);
	return v;
}

/* Sends cmd and returns the VALUE of its {"cmd": VALUE} reply, or NULL. */
static json_t *query(const char *path, const char *cmd)
{
	json_t *banner, *reply, *val = NULL;
	size_t maxlen = 16384;
	int fd = open_socket(path);

	if (fd < 0)
		return NULL;
	banner = recv_json(fd, 1024, "telemetry banner");
	if (!banner)
		goto out;
	if (json_integer_value(json_object_get(banner, "max_output_len")) > 0)
		maxlen = (size_t)json_integer_value(json_object_get(banner, "max_output_len"));
	json_decref(banner);

	if (send(fd, cmd, strlen(cmd), 0) < 0) {
		fprintf(stderr, "hagctl: sending %s: %s\n", cmd, strerror(errno));
		goto out;
	}
	reply = recv_json(fd, maxlen, "reply");
	if (!reply)
		goto out;
	/* The key is the command without its parameters, so take the only one. */
	void *it = json_object_iter(reply);
	json_t *v = it ? json_object_iter_value(it) : NULL;
	if (!v || json_is_null(v))
		fprintf(stderr, "hagctl: %s: no answer (unknown command%s?)\n", cmd,
			strncmp(cmd, "/hagd/", 6) ? " or bad parameters" :
			", or a hagd without it");
	else
		val = json_incref(v);
	json_decref(reply);
out:
	close(fd);
	return val;
}

/* Every number of a stats tree, as "a.b.c" -> value, in hagd's order. */
struct flat {
	size_t n, cap;
	char **key;
	double *val;
};

static void flat_free(struct flat *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->key[i]);
	free(f->key);
	free(f->val);
	memset(f, 0, sizeof(*f));
}

static int flat_add(struct flat *f, const char *key, double v)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 256;
		char **k = realloc(f->key, cap * sizeof(*k));
		double *d;

		if (k == NULL)
			return -1;
		f->key = k;
		d = realloc(f->val, cap * sizeof(*d));
		if (d == NULL)
			return -1;
		f->val = d;
		f->cap = cap;
	}
	if ((f->key[f->n] = strdup(key)) == NULL)
		return -1;
	f->val[f->n++] = v;
	return 0;
}

static int flatten(struct flat *f, const char *prefix, json_t *v)
{
	char key[512];
	const char *k;
	json_t *e;

	if (json_is_number(v))
		return flat_add(f, prefix, json_number_value(v));
	if (!json_is_object(v))
		return 0;     /* strings (addresses, names) are not counters */
	json_object_foreach(v, k, e) {
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (flatten(f, key, e) != 0)
			return -1;
	}
	return 0;
}

static int flat_of(const char *path, struct flat *f)
{
	json_t *v = query(path, "/hagd/stats");
	int r;

	if (!v)
		return -1;
	r = flatten(f, "", v);
	json_decref(v);
	if (r != 0)
		fprintf(stderr, "hagctl: out of memory\n");
	return r;
}

/* nstat-like: "section.Name  value", zeros left out unless all. */
static int stats_table(const char *path, bool all)
{
	struct flat f = {0};

	if (flat_of(path, &f) != 0) {
		flat_free(&f);
		return 1;
	}
	for (size_t i = 0; i < f.n; i++)
		if (all || f.val[i] != 0)
			printf("%-40s %20.0f\n", f.key[i], f.val[i]);
	flat_free(&f);
	return 0;
}

/* Counters that moved between two reads, with their rate. */
static int watch(const char *path, double interval, long count)
{
	struct flat a = {0}, b = {0};
	struct timespec t0, t1;

	if (flat_of(path, &a) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; count <= 0 || i < count; i++) {
		struct timespec ts = { (time_t)interval, (long)((interval - (double)(time_t)interval) * 1e9) };
		double dt;

		nanosleep(&ts, NULL);
		if (flat_of(path, &b) != 0) {
			flat_free(&a);
			flat_free(&b);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("--- %.2f s\n", dt);
		for (size_t k = 0; k < b.n; k++) {
			/* Same tree: usually the same index; a new key (a worker, a port) has no rate. */
			size_t j = k < a.n && !strcmp(a.key[k], b.key[k]) ? k : a.n;

			for (size_t m = 0; j == a.n && m < a.n; m++)
				if (!strcmp(a.key[m], b.key[k]))
					j = m;
			if (j < a.n && b.val[k] != a.val[j])
				printf("%-40s %20.0f %14.1f/s\n", b.key[k], b.val[k], (b.val[k] - a.val[j]) / dt);
		}
		fflush(stdout);
		flat_free(&a);
		a = b;
		memset(&b, 0, sizeof(b));
		t0 = t1;
	}
	flat_free(&a);
	return 0;
}

static uint64_t u64_of(json_t *o, const char *k)
{
	return (uint64_t)json_integer_value(json_object_get(o, k));
}

static const char *str_of(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "-";
}

/* The config string hagd sends, pretty-printed, so that it can be saved and loaded as it is. */
static int show_config(const char *path)
{
	json_t *v = query(path, "/hagd/config"), *cfg;
	json_error_t je;
	char *out;

	if (!v)
		return 1;
	if (!json_is_string(v)) {
		fprintf(stderr, "hagctl: config: %s\n", str_of(v, "error"));
		json_decref(v);
		return 1;
	}
	cfg = json_loads(json_string_value(v), 0, &je);
	out = cfg ? json_dumps(cfg, JSON_INDENT(2)) : NULL;
	if (out == NULL)
		fprintf(stderr, "hagctl: config: not JSON: %s\n", cfg ? "out of memory" : je.text);
	else
		puts(out);
	free(out);
	json_decref(cfg);
	json_decref(v);
	return out ? 0 : 1;
}

static int ports_table(const char *path)
{
	json_t *v = query(path, "/hagd/ports"), *p;
	const char *name;

	if (!v)
		return 1;
	printf("%-10s %-18s %-5s %5s %3s %14s %16s %10s %14s %16s %10s  %s\n", "PORT", "ADDR", "LINK", "MTU", "Q",
	       "RX_PACKETS", "RX_BYTES", "RX_DROP", "TX_PACKETS", "TX_BYTES", "TX_DROP", "DEV");
	json_object_foreach(v, name, p) {
		printf("%-10s %-18s %-5s %5" PRIu64 " %3" PRIu64 " %14" PRIu64 " %16" PRIu64 " %10" PRIu64 " %14" PRIu64
		       " %16" PRIu64 " %10" PRIu64 "  %s\n", name, str_of(p, "addr"), str_of(p, "link"),
		       u64_of(p, "mtu"), u64_of(p, "queues"), u64_of(p, "rx_packets"), u64_of(p, "rx_bytes"),
		       u64_of(p, "rx_dropped"), u64_of(p, "tx_packets"), u64_of(p, "tx_bytes"), u64_of(p, "tx_dropped"),
		       str_of(p, "dev"));
		if (json_is_string(json_object_get(p, "addr6")))     /* a port with IPv6: its address below */
			printf("%-10s %s\n", "", str_of(p, "addr6"));
	}
	json_decref(v);
	return 0;
}

/* conns: the connections that pass the filters, as JSON or a table (conns_view.c). */
static int show_conns(const char *path, const struct conns_opts *o)
{
	json_t *v = query(path, "/hagd/conns"), *sel;
	char *out = NULL;

	if (!v)
		return 1;
	sel = conns_select(&o->f, v);
	if (sel == NULL) {
		fprintf(stderr, "hagctl: conns: %s\n", json_is_object(v) ? "out of memory" : "hagd's answer is not a connection list");
		json_decref(v);
		return 1;
	}
	if (o->table) {
		conns_table(stdout, sel);
		if (conns_omitted(v) > 0)
			fprintf(stderr, "hagctl: conns: hagd left out %" PRIu64 " connections (it lists 32 a worker, "
				"within one 16 KiB reply): the filters did not see them\n", conns_omitted(v));
	} else if ((out = json_dumps(sel, JSON_INDENT(2))) != NULL) {
		puts(out);
	} else {
		fprintf(stderr, "hagctl: out of memory\n");
	}
	json_decref(sel);
	json_decref(v);
	if (!o->table && out == NULL)
		return 1;
	free(out);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prefix", required_argument, NULL, 'f' },
		{ "file-prefix", required_argument, NULL, 'f' },
		{ "runtime-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = "rte", *dir = NULL, *cmd;
	char dirbuf[512], path[1024], reqbuf[64];
	bool table = false, all = false;
	double interval = 1;
	long count = 0;
	int mode = 0;      /* 0 JSON, 1 stats --table, 2 watch, 3 ports table, 4 config, 5 conns */
	struct conns_opts copts;
	json_t *val;
	char *out;
	int c;

	/* '+': stop at the command, so "raw /x,-1" is not taken for options. */
	while ((c = getopt_long(argc, argv, "+f:p:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 'p': prefix = optarg; break;
		case 'd': dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	} else if (!strcmp(cmd, "stats") || !strcmp(cmd, "watch")) {
		bool is_watch = cmd[0] == 'w';

		for (int i = optind + 1; i < argc; i++) {
			char *end = NULL;

			if (!is_watch && !strcmp(argv[i], "--table")) {
				table = true;
			} else if (!is_watch && !strcmp(argv[i], "--all")) {
				all = true;
			} else if (is_watch && !strcmp(argv[i], "--interval") && i + 1 < argc) {
				interval = strtod(argv[++i], &end);
				if (*end || !(interval >= 0.1 && interval <= 3600)) {
					fprintf(stderr, "hagctl: --interval: seconds from 0.1 to 3600, not %s\n", argv[i]);
					return 2;
				}
			} else if (is_watch && !strcmp(argv[i], "--count") && i + 1 < argc) {
				count = strtol(argv[++i], &end, 10);
				if (*end || count < 1) {
					fprintf(stderr, "hagctl: --count: a positive number, not %s\n", argv[i]);
					return 2;
				}
			} else {
				fprintf(stderr, "hagctl: %s: unknown option or missing value: %s\n", cmd, argv[i]);
				return 2;
			}
		}
		if (all && !table) {
			fprintf(stderr, "hagctl: stats: --all goes with --table\n");
			return 2;
		}
		optind = argc - 1;   /* every argument taken */
		mode = is_watch ? 2 : table ? 1 : 0;
		cmd = "/hagd/stats";
	} else if (!strcmp(cmd, "conns")) {
		char err[256];

		if (conns_args(&copts, argc - optind - 1, argv + optind + 1, err, sizeof(err)) != 0) {
			fprintf(stderr, "hagctl: conns: %s\n", err);
			return 2;
		}
		optind = argc - 1;   /* every argument taken */
		mode = 5;
		cmd = "/hagd/conns";
	} else if (!strcmp(cmd, "config")) {
		mode = 4;
		cmd = "/hagd/config";
	} else if (!strcmp(cmd, "ports")) {
		if (optind + 1 < argc && !strcmp(argv[optind + 1], "--json"))
			optind++;      /* the JSON as hagd sends it */
		else
			mode = 3;
		cmd = "/hagd/ports";
	} else if ((!strcmp(cmd, "withdraw") || !strcmp(cmd, "announce")) && optind + 1 < argc) {
		struct in_addr a;
		struct in6_addr a6;

		if (inet_pton(AF_INET, argv[optind + 1], &a) != 1 && inet_pton(AF_INET6, argv[optind + 1], &a6) != 1) {
			fprintf(stderr, "hagctl: %s: not an IPv4 or IPv6 address: %s\n", cmd, argv[optind + 1]);
			return 2;
		}
		snprintf(reqbuf, sizeof(reqbuf), "/hagd/%s,%s", cmd, argv[++optind]);
		cmd = reqbuf;
	} else if (!strcmp(cmd, "list")) {
		cmd = "/";
	} else if (!strcmp(cmd, "raw") && optind + 1 < argc) {
		cmd = argv[++optind];
		if (cmd[0] != '/' || strlen(cmd) >= MAX_REQUEST_LEN) {
			fprintf(stderr, "hagctl: a telemetry command starts with / "
				"and is shorter than %d bytes: %s\n", MAX_REQUEST_LEN, cmd);
			return 2;
		}
	} else {
		fprintf(stderr, "hagctl: unknown command or missing argument: %s\n", cmd);
		usage(stderr);
		return 2;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "hagctl: unexpected argument: %s\n", argv[optind + 1]);
		return 2;
	}

	if (!dir)
		dir = default_runtime_dir(dirbuf, sizeof(dirbuf));
	snprintf(path, sizeof(path), "%s/%s/%s", dir, prefix, TELEMETRY_SOCKET);
	if (mode == 1)
		return stats_table(path, all);
	if (mode == 2)
		return watch(path, interval, count);
	if (mode == 3)
		return ports_table(path);
	if (mode == 4)
		return show_config(path);
	if (mode == 5)
		return show_conns(path, &copts);
	val = query(path, cmd);
	if (!val)
		return 1;
	if (json_is_object(val) && json_is_string(json_object_get(val, "error"))) {
		/* hagd refused the request (e.g. withdraw of an address it does not announce). */
		fprintf(stderr, "hagctl: %s: %s\n", cmd, json_string_value(json_object_get(val, "error")));
		json_decref(val);
		return 1;
	}
	/* Key order as hagd sent it: counters are grouped deliberately. */
	out = json_dumps(val, JSON_INDENT(2) | JSON_ENCODE_ANY);
	json_decref(val);
	if (!out) {
		fprintf(stderr, "hagctl: out of memory\n");
		return 1;
	}
	puts(out);
	free(out);
	return 0;
}
