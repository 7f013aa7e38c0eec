/* SPDX-License-Identifier: BSD-3-Clause */
/* hagctl conns: options, filters and the table (conns_view.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conns_view.h"

/* hagd's state names (lib/tcp tcp_state_name) and how the table shows them (ss). */
static const struct {
	const char *name, *shown;
} states[] = {
	{ "CLOSED", "CLOSED" },
	{ "LISTEN", "LISTEN" },
	{ "SYN_SENT", "SYN-SENT" },
	{ "SYN_RCVD", "SYN-RECV" },
	{ "ESTABLISHED", "ESTAB" },
	{ "FIN_WAIT_1", "FIN-WAIT-1" },
	{ "FIN_WAIT_2", "FIN-WAIT-2" },
	{ "CLOSE_WAIT", "CLOSE-WAIT" },
	{ "CLOSING", "CLOSING" },
	{ "LAST_ACK", "LAST-ACK" },
	{ "TIME_WAIT", "TIME-WAIT" },
	{ "PARKED", "PARKED" },    /* MPTCP: no subflow left, waiting for a join */
};
#define N_STATES (sizeof(states) / sizeof(states[0]))

static void seterr(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

/* Either spelling (hagd's or ss's, any case) -> the index in states[], or -1. */
static int state_index(const char *s)
{
	char u[16];
	size_t i;

	for (i = 0; s[i] && i < sizeof(u) - 1; i++)
		u[i] = s[i] == '-' ? '_' : (char)toupper((unsigned char)s[i]);
	if (s[i])
		return -1;
	u[i] = 0;
	if (!strcmp(u, "ESTAB"))
		return 4;
	if (!strcmp(u, "SYN_RECV"))
		return 3;
	for (size_t k = 0; k < N_STATES; k++)
		if (!strcmp(u, states[k].name))
			return (int)k;
	return -1;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_ip(const char *s, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*a = ntohl(in.s_addr);
	return true;
}

/* "A.B.C.D:PORT" as hagd writes it. */
static bool parse_addr_port(const char *s, uint32_t *a, int *port)
{
	const char *colon = s ? strrchr(s, ':') : NULL;
	char ip[INET_ADDRSTRLEN];
	uint64_t p;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(ip) || !parse_u64(colon + 1, 65535, &p))
		return false;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = 0;
	if (!parse_ip(ip, a))
		return false;
	*port = (int)p;
	return true;
}

/* --min-bytes: a count, or with K, M, G (powers of 1024). */
static bool parse_bytes(const char *s, uint64_t *out)
{
	char num[24];
	size_t n = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (n == 0 || n >= sizeof(num))
		return false;
	switch (toupper((unsigned char)s[n - 1])) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	}
	memcpy(num, s, n + 1);
	if (shift)
		num[n - 1] = 0;
	if (!parse_u64(num, UINT64_MAX >> shift, &v))
		return false;
	*out = v << shift;
	return true;
}

/* "[ADDR6]:PORT", as hagd writes an IPv6 endpoint. */
static bool parse_addr6_port(const char *s, uint8_t a[16], int *port)
{
	const char *close = s ? strchr(s, ']') : NULL;
	char ip[INET6_ADDRSTRLEN];
	uint64_t p;

	if (s == NULL || s[0] != '[' || close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(ip))
		return false;
	memcpy(ip, s + 1, (size_t)(close - s - 1));
	ip[close - s - 1] = 0;
	if (inet_pton(AF_INET6, ip, a) != 1 || !parse_u64(close + 2, 65535, &p))
		return false;
	*port = (int)p;
	return true;
}

/* a masked to its first len bits. */
static void mask6(uint8_t a[16], unsigned len)
{
	for (unsigned b = len; b < 128; b++)
		a[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
}

static int set_value(struct conns_filter *f, const char *opt, const char *v, char *err, size_t n)
{
	uint64_t x;

	if (!strcmp(opt, "--client") && strchr(v, ':')) {
		/* An IPv6 address or prefix. */
		const char *slash = strchr(v, '/');
		char ip[INET6_ADDRSTRLEN];
		uint64_t len = 128;
		size_t l = slash ? (size_t)(slash - v) : strlen(v);

		if (l >= sizeof(ip))
			goto bad_client6;
		memcpy(ip, v, l);
		ip[l] = 0;
		if (inet_pton(AF_INET6, ip, f->client_net6) != 1 || (slash && !parse_u64(slash + 1, 128, &len)))
			goto bad_client6;
		f->client_len = (uint8_t)len;
		mask6(f->client_net6, (unsigned)len);
		f->client = f->client_v6 = true;
		return 0;
bad_client6:
		seterr(err, n, "--client: an IPv6 address or prefix (ADDR or ADDR/LEN, LEN 0-128), not %s", v);
		return -1;
	}
	if (!strcmp(opt, "--server") && (v[0] == '[' || strchr(v, ':') != strrchr(v, ':'))) {
		/* An IPv6 server: [ADDR]:PORT, or ADDR alone. */
		f->server_port = -1;
		if (v[0] == '[' ? !parse_addr6_port(v, f->server_addr6, &f->server_port) || f->server_port == 0
				: inet_pton(AF_INET6, v, f->server_addr6) != 1) {
			seterr(err, n, "--server: an IPv6 address, or [ADDR]:PORT, not %s", v);
			return -1;
		}
		f->server = f->server_v6 = true;
		return 0;
	}
	if (!strcmp(opt, "--client")) {
		const char *slash = strchr(v, '/');
		char ip[INET_ADDRSTRLEN];
		uint64_t len = 32;

		if ((slash ? (size_t)(slash - v) : strlen(v)) >= sizeof(ip))
			goto bad_client;
		memcpy(ip, v, slash ? (size_t)(slash - v) : strlen(v) + 1);
		if (slash)
			ip[slash - v] = 0;
		if (!parse_ip(ip, &f->client_net) || (slash && !parse_u64(slash + 1, 32, &len)))
			goto bad_client;
		f->client_len = (uint8_t)len;
		f->client_net &= len ? ~0u << (32 - len) : 0;
		f->client = true;
		return 0;
bad_client:
		seterr(err, n, "--client: an IPv4 address or prefix (A.B.C.D or A.B.C.D/LEN, LEN 0-32), not %s", v);
		return -1;
	}
	if (!strcmp(opt, "--server")) {
		const char *colon = strchr(v, ':');

		f->server_port = -1;
		if (colon ? !parse_addr_port(v, &f->server_addr, &f->server_port) || f->server_port == 0
			  : !parse_ip(v, &f->server_addr)) {
			seterr(err, n, "--server: an IPv4 address, with :PORT or not (A.B.C.D[:PORT]), not %s", v);
			return -1;
		}
		f->server = true;
		return 0;
	}
	if (!strcmp(opt, "--port")) {
		if (!parse_u64(v, 65535, &x) || x == 0) {
			seterr(err, n, "--port: a port number from 1 to 65535, not %s", v);
			return -1;
		}
		f->port = (int)x;
		return 0;
	}
	if (!strcmp(opt, "--state")) {
		int k = state_index(v);

		if (k < 0) {
			seterr(err, n, "--state: not a state: %s (ESTABLISHED or ESTAB, SYN_SENT, SYN_RCVD or "
			       "SYN-RECV, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT, PARKED)", v);
			return -1;
		}
		snprintf(f->state, sizeof(f->state), "%s", states[k].name);
		return 0;
	}
	if (!strcmp(opt, "--min-bytes")) {
		if (!parse_bytes(v, &f->min_bytes)) {
			seterr(err, n, "--min-bytes: a byte count, K, M or G after it or not, not %s", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(opt, "--limit")) {
		if (!parse_u64(v, UINT32_MAX, &x) || x == 0) {
			seterr(err, n, "--limit: a positive number, not %s", v);
			return -1;
		}
		f->limit = x;
		return 0;
	}
	seterr(err, n, "unknown option: %s", opt);
	return -1;
}

int conns_args(struct conns_opts *o, int argc, char *const argv[], char *err, size_t errlen)
{
	static const char *const with_value[] = {
		"--client", "--server", "--port", "--state", "--min-bytes", "--limit",
	};

	memset(o, 0, sizeof(*o));
	o->f.port = -1;
	o->f.server_port = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		char opt[32];
		size_t k;

		if (!strcmp(a, "--table")) {
			o->table = true;
			continue;
		}
		if (!strcmp(a, "--mptcp") || !strcmp(a, "--tcp")) {
			enum conns_kind want = a[2] == 'm' ? CONNS_MPTCP : CONNS_TCP;

			if (o->f.kind != CONNS_ANY && o->f.kind != want) {
				seterr(err, errlen, "--mptcp and --tcp exclude each other");
				return -1;
			}
			o->f.kind = want;
			continue;
		}
		snprintf(opt, sizeof(opt), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		for (k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
			if (!strcmp(opt, with_value[k]))
				break;
		if (k == sizeof(with_value) / sizeof(with_value[0])) {
			seterr(err, errlen, "unknown option: %s", a);
			return -1;
		}
		if (!eq && i + 1 >= argc) {
			seterr(err, errlen, "%s: a value is missing", opt);
			return -1;
		}
		if (set_value(&o->f, opt, eq ? eq + 1 : argv[++i], err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* A connection's entry: the key is its id (digits) and the value an object. */
static bool is_conn(const char *key, json_t *v)
{
	if (!json_is_object(v) || !*key)
		return false;
	for (const char *p = key; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static json_t *sub(json_t *o, const char *k)
{
	return json_object_get(o, k);
}

static uint64_t num(json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));

	return v > 0 ? (uint64_t)v : 0;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The listed subflows of an MPTCP connection, in order: "subflow0", "subflow1", ... */
static json_t *subflow(json_t *c, unsigned k)
{
	char key[24];

	snprintf(key, sizeof(key), "subflow%u", k);
	return sub(sub(c, "mptcp"), key);
}

static bool is_mptcp(json_t *c)
{
	return json_is_object(sub(c, "mptcp")) || num(c, "parked") || num(sub(c, "client"), "mptcp");
}

static bool client_in(const struct conns_filter *f, const char *peer)
{
	uint8_t a6[16];
	uint32_t a;
	int port;

	if (f->client_v6) {
		if (!parse_addr6_port(peer, a6, &port))
			return false;
		mask6(a6, f->client_len);
		return memcmp(a6, f->client_net6, 16) == 0;
	}
	return parse_addr_port(peer, &a, &port) && (a & (f->client_len ? ~0u << (32 - f->client_len) : 0)) == f->client_net;
}

/* The upstream's peer is --server's (address, and port when given). */
static bool server_is(const struct conns_filter *f, const char *peer)
{
	uint8_t a6[16];
	uint32_t a;
	int port;

	if (f->server_v6)
		return parse_addr6_port(peer, a6, &port) && !memcmp(a6, f->server_addr6, 16) &&
		       (f->server_port < 0 || port == f->server_port);
	return parse_addr_port(peer, &a, &port) && a == f->server_addr && (f->server_port < 0 || port == f->server_port);
}

/* The local port of an endpoint of either family. */
static bool port_of(const char *s, int *port)
{
	uint8_t a6[16];
	uint32_t a;

	return parse_addr_port(s, &a, port) || parse_addr6_port(s, a6, port);
}

static bool state_is(const char *s, const char *want)
{
	int k = s ? state_index(s) : -1;

	return k >= 0 && !strcmp(states[k].name, want);
}

bool conns_match(const struct conns_filter *f, json_t *c)
{
	json_t *cl = sub(c, "client"), *sv = sub(c, "server"), *sf;
	int port;

	if (f->kind != CONNS_ANY && is_mptcp(c) != (f->kind == CONNS_MPTCP))
		return false;
	if (f->port >= 0 && !(port_of(str(cl, "local"), &port) && port == f->port))
		return false;
	if (f->server && !server_is(f, str(sv, "peer")))
		return false;
	if (f->min_bytes && num(sub(c, "up"), "end") + num(sub(c, "down"), "end") < f->min_bytes)
		return false;
	if (f->client) {
		bool in = cl && client_in(f, str(cl, "peer"));

		for (unsigned k = 0; !in && (sf = subflow(c, k)) != NULL; k++)
			in = client_in(f, str(sf, "peer"));
		if (!in)
			return false;
	}
	if (f->state[0]) {
		/* Any socket of the connection: a client subflow or the upstream. */
		bool in = state_is(str(cl, "state"), f->state) || state_is(str(sv, "state"), f->state) ||
			  (num(c, "parked") && !strcmp(f->state, "PARKED"));

		for (unsigned k = 0; !in && (sf = subflow(c, k)) != NULL; k++)
			in = state_is(str(sf, "state"), f->state);
		if (!in)
			return false;
	}
	return true;
}

struct entry {
	const char *key;
	uint64_t id;
	json_t *v;
};

static int by_id(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

json_t *conns_select(const struct conns_filter *f, json_t *reply)
{
	struct entry *e;
	size_t n = 0;
	const char *k;
	json_t *v, *out;

	if (!json_is_object(reply))
		return NULL;
	e = calloc(json_object_size(reply) + 1, sizeof(*e));
	out = json_object();
	if (e == NULL || out == NULL) {
		free(e);
		json_decref(out);
		return NULL;
	}
	json_object_foreach(reply, k, v) {
		if (is_conn(k, v) && conns_match(f, v)) {
			e[n].key = k;
			e[n].id = strtoull(k, NULL, 10);
			e[n++].v = v;
		}
	}
	qsort(e, n, sizeof(*e), by_id);
	for (size_t i = 0; i < n && (f->limit == 0 || i < f->limit); i++)
		json_object_set(out, e[i].key, e[i].v);
	if (json_is_object(sub(reply, "omitted")))
		json_object_set(out, "omitted", sub(reply, "omitted"));
	free(e);
	return out;
}

uint64_t conns_omitted(json_t *reply)
{
	return num(sub(reply, "omitted"), "conns");
}

/* The table: cells first, then columns as wide as their widest cell. */
enum { C_ID, C_WORKER, C_STATE, C_UP, C_DOWN, C_SCHED, C_CLIENT, C_CC, C_KEEP, C_IDLE, C_SRTT, C_CWND,
       C_UPSTREAM, N_COLS };

static const char *const heads[N_COLS] = {
	"ID", "W", "STATE", "UP", "DOWN", "SCHED", "CLIENT", "CC", "KEEP(s)", "IDLE(s)", "SRTT(ms)", "CWND",
	"UPSTREAM",
};
static const bool right[N_COLS] = {
	[C_WORKER] = true, [C_UP] = true, [C_DOWN] = true, [C_KEEP] = true, [C_IDLE] = true, [C_SRTT] = true,
	[C_CWND] = true,
};

struct row {
	char c[N_COLS][64];
};

struct grid {
	struct row *r;
	size_t n, cap;
};

static struct row *grid_row(struct grid *g)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		struct row *r = realloc(g->r, cap * sizeof(*r));

		if (r == NULL)
			return NULL;
		g->r = r;
		g->cap = cap;
	}
	memset(&g->r[g->n], 0, sizeof(g->r[0]));
	return &g->r[g->n++];
}

static const char *shown_state(const char *s)
{
	int k = s ? state_index(s) : -1;

	return k >= 0 ? states[k].shown : s ? s : "-";
}

static void put_srtt(char *cell, size_t n, json_t *sk)
{
	json_t *v = sub(sk, "srtt_us");

	if (json_is_integer(v) && json_integer_value(v) > 0)
		snprintf(cell, n, "%.2f", (double)json_integer_value(v) / 1000.0);
	else
		snprintf(cell, n, "-");
}

static void put_num(char *cell, size_t n, json_t *o, const char *k)
{
	json_t *v = sub(o, k);

	if (json_is_integer(v))
		snprintf(cell, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(cell, n, "-");
}

/* A duration in ms as seconds ("60", "1.5"); "off" for 0, "-" when hagd did not say. */
static void put_secs(char *cell, size_t n, json_t *o, const char *k)
{
	json_t *v = sub(o, k);
	uint64_t ms;
	int len;

	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(cell, n, "-");
		return;
	}
	ms = (uint64_t)json_integer_value(v);
	if (ms == 0) {
		snprintf(cell, n, "off");
		return;
	}
	len = snprintf(cell, n, "%" PRIu64 ".%03u", ms / 1000, (unsigned)(ms % 1000));
	while (len > 0 && (size_t)len < n && cell[len - 1] == '0')
		cell[--len] = 0;
	if (len > 0 && (size_t)len < n && cell[len - 1] == '.')
		cell[--len] = 0;
}

/* A client subflow (or a plain TCP client side) into the CLIENT, CC, KEEP, IDLE, SRTT and CWND cells. */
static void put_subflow(struct row *r, json_t *sk)
{
	const char *peer = str(sk, "peer"), *cc = str(sk, "cc");
	const char *marks = num(sk, "backup") && num(sk, "stale") ? " bs" : num(sk, "backup") ? " b"
			    : num(sk, "stale") ? " s" : "";

	snprintf(r->c[C_CLIENT], sizeof(r->c[C_CLIENT]), "%s%s", peer ? peer : "?", marks);
	snprintf(r->c[C_CC], sizeof(r->c[C_CC]), "%s", cc ? cc : "-");
	put_secs(r->c[C_KEEP], sizeof(r->c[C_KEEP]), sk, "keepalive_ms");
	put_secs(r->c[C_IDLE], sizeof(r->c[C_IDLE]), sk, "idle_timeout_ms");
	put_srtt(r->c[C_SRTT], sizeof(r->c[C_SRTT]), sk);
	put_num(r->c[C_CWND], sizeof(r->c[C_CWND]), sk, "cwnd");
}

/* One connection: its row and a line for every further subflow; -1 out of memory. */
static int conn_rows(struct grid *g, const char *id, json_t *c)
{
	json_t *cl = sub(c, "client"), *sv = sub(c, "server"), *mp = sub(c, "mptcp"), *sf;
	struct row *r = grid_row(g);
	const char *sched = str(mp, "scheduler");
	unsigned k = 0;

	if (r == NULL)
		return -1;
	snprintf(r->c[C_ID], sizeof(r->c[C_ID]), "%s", id);
	put_num(r->c[C_WORKER], sizeof(r->c[C_WORKER]), c, "worker");
	snprintf(r->c[C_STATE], sizeof(r->c[C_STATE]), "%s/%s",
		 cl ? shown_state(str(cl, "state")) : num(c, "parked") ? "PARKED" : "-",
		 sv ? shown_state(str(sv, "state")) : "-");
	put_num(r->c[C_UP], sizeof(r->c[C_UP]), sub(c, "up"), "end");
	put_num(r->c[C_DOWN], sizeof(r->c[C_DOWN]), sub(c, "down"), "end");
	snprintf(r->c[C_SCHED], sizeof(r->c[C_SCHED]), "%s", json_is_object(mp) ? sched ? sched : "?" : "-");
	if (sv) {
		const char *l = str(sv, "local"), *p = str(sv, "peer");

		snprintf(r->c[C_UPSTREAM], sizeof(r->c[C_UPSTREAM]), "%s->%s", l ? l : "?", p ? p : "?");
	} else {
		snprintf(r->c[C_UPSTREAM], sizeof(r->c[C_UPSTREAM]), "-");
	}
	if (!json_is_object(mp)) {
		if (cl) {
			put_subflow(r, cl);
		} else {         /* parked: no subflow left */
			for (int i = C_CLIENT; i <= C_CWND; i++)
				snprintf(r->c[i], sizeof(r->c[i]), "-");
		}
		return 0;
	}
	for (; (sf = subflow(c, k)) != NULL; k++) {
		if (k > 0 && (r = grid_row(g)) == NULL)
			return -1;
		put_subflow(r, sf);
	}
	if (k == 0)
		put_subflow(r, cl);     /* a hagd that does not list subflows: the first one */
	if (num(mp, "subflows") > (k ? k : 1)) {
		if ((r = grid_row(g)) == NULL)
			return -1;
		snprintf(r->c[C_CLIENT], sizeof(r->c[C_CLIENT]), "(+%" PRIu64 " not listed)",
			 num(mp, "subflows") - (k ? k : 1));
	}
	return 0;
}

size_t conns_table(FILE *out, json_t *reply)
{
	struct grid g = {0};
	size_t w[N_COLS], shown = 0;
	const char *key;
	json_t *v;
	struct row head;

	for (int i = 0; i < N_COLS; i++)
		snprintf(head.c[i], sizeof(head.c[i]), "%s", heads[i]);
	if (json_is_object(reply)) {
		json_object_foreach(reply, key, v) {
			if (!is_conn(key, v))
				continue;
			if (conn_rows(&g, key, v) != 0)
				break;
			shown++;
		}
	}
	for (int i = 0; i < N_COLS; i++) {
		w[i] = strlen(head.c[i]);
		for (size_t j = 0; j < g.n; j++)
			if (strlen(g.r[j].c[i]) > w[i])
				w[i] = strlen(g.r[j].c[i]);
	}
	for (size_t j = 0; j <= g.n; j++) {
		const struct row *r = j == 0 ? &head : &g.r[j - 1];
		char line[N_COLS * 66 + 1];
		size_t len = 0;

		for (int i = 0; i < N_COLS; i++) {
			int pad = (int)w[i];

			if (i == N_COLS - 1)
				pad = 0;     /* the last column is not padded */
			len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%*s", i ? "  " : "",
						right[i] ? pad : -pad, r->c[i]);
		}
		while (len > 0 && line[len - 1] == ' ')
			line[--len] = 0;  /* continuation lines end early */
		fprintf(out, "%s\n", line);
	}
	free(g.r);
	return shown;
}
