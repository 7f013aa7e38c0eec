/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The config's schema: every section of the tree app/config_read.c made from
 * a file (JSON or libconfig) checked into one struct hag_config, with a clear
 * error for anything else; the scalar keys in one table (hag_config_keys).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "config_read.h"

/* Every error below goes through config_read.c, which places it in the file. */
#define fail(...) hag_config_fail(__VA_ARGS__)

const char *const hag_words_syncookies[TCP_SYNCOOKIES_MODES + 1] = {
	[TCP_SYNCOOKIES_AUTO] = "auto", [TCP_SYNCOOKIES_OFF] = "off", [TCP_SYNCOOKIES_ALWAYS] = "always",
};
const char *const hag_words_ecn[TCP_ECN_MODES + 1] = {
	[TCP_ECN_ACCEPT] = "accept", [TCP_ECN_OFF] = "off", [TCP_ECN_ON] = "on",
};
const char *const hag_words_tcp_cc[TCP_CC_KINDS + 1] = TCP_CC_NAMES;
const char *const hag_words_csum[MPTCP_CSUM_MODES + 1] = {
	[MPTCP_CSUM_OFF] = "off", [MPTCP_CSUM_ACCEPT] = "accept", [MPTCP_CSUM_REQUIRE] = "require",
};
const char *const hag_words_sched[MPTCP_SCHED_KINDS + 1] = MPTCP_SCHED_NAMES;
const char *const hag_words_mptcp_cc[MPTCP_CC_KINDS + 1] = MPTCP_CC_NAMES;
const char *const hag_words_log_level[HAG_LOG_LEVELS + 1] = {
	[HAG_LOG_ERR] = "err", [HAG_LOG_WARN] = "warn", [HAG_LOG_INFO] = "info", [HAG_LOG_DEBUG] = "debug",
};
const char *const hag_words_other[3] = { "route", "drop", NULL };
const char *const hag_words_impair_dir[HAG_IMPAIR_BOTH + 1] = {
	[HAG_IMPAIR_RX] = "rx", [HAG_IMPAIR_TX] = "tx", [HAG_IMPAIR_BOTH] = "both",
};

/* Each macro's sizeof term is 0 and checks the field's type (distinct pointer types do not compare). */
#define FIELD(f, T) (offsetof(struct hag_config, f) + 0 * sizeof((T *)0 == &((struct hag_config *)0)->f))
#define U32(sec, k, f, lo, hi, d) { sec, k, HAG_KEY_U32, lo, hi, d, NULL, FIELD(f, uint32_t) }
#define BOOL(sec, k, f, d) { sec, k, HAG_KEY_BOOL, 0, 1, d, NULL, FIELD(f, bool) }
#define WORD(sec, k, f, w, d) { sec, k, HAG_KEY_WORD, 0, 0, d, w, FIELD(f, int) }
const struct hag_config_key hag_config_keys[] = {
	U32("dpdk", "mbufs", mbufs, 1024, 4194304, 65535),
	U32("dpdk", "idle_sleep_us", idle_sleep_us, 0, 10000, 0),
	U32("dpdk", "workers", workers, 1, HAG_MAX_WORKERS, 1),

	BOOL("mptcp", "enabled", mptcp_enabled, true),
	WORD("mptcp", "scheduler", mptcp_scheduler, hag_words_sched, MPTCP_SCHED_MINRTT),
	U32("mptcp", "max_subflows", mptcp_max_subflows, 1, 32, 8),
	WORD("mptcp", "cc", mptcp_cc, hag_words_mptcp_cc, MPTCP_CC_UNCOUPLED),
	WORD("mptcp", "checksum", mptcp_checksum, hag_words_csum, MPTCP_CSUM_ACCEPT),
	BOOL("mptcp", "deny_join_initial", mptcp_deny_join_initial, false),
	U32("mptcp", "resume_timeout_ms", mptcp_resume_timeout_ms, 0, 3600000, 30000),

	U32("tcp", "rcvbuf", tcp_rcvbuf, 16384, 268435456, 4u << 20),
	U32("tcp", "sndbuf", tcp_sndbuf, 16384, 268435456, 4u << 20),
	U32("tcp", "rcvbuf_init", tcp_rcvbuf_init, 4096, 268435456, 131072),
	U32("tcp", "mem_budget_mb", tcp_mem_budget_mb, 0, 1048576, 2048),
	U32("tcp", "max_conns", tcp_max_conns, 1, 4194304, 65536),
	U32("tcp", "timewait_ms", tcp_timewait_ms, 0, 240000, 2000),
	U32("tcp", "max_timewait", tcp_max_timewait, 0, 4194304, 16384),
	U32("tcp", "syn_retries", tcp_syn_retries, 1, 15, 5),
	U32("tcp", "connect_timeout_ms", tcp_connect_timeout_ms, 100, 600000, 10000),
	U32("tcp", "keepalive_access_ms", tcp_keepalive_access_ms, 0, 86400000, 60000),
	U32("tcp", "keepalive_upstream_ms", tcp_keepalive_upstream_ms, 0, 86400000, 0),
	U32("tcp", "keepalive_interval_ms", tcp_keepalive_interval_ms, 100, 3600000, 10000),
	U32("tcp", "keepalive_probes", tcp_keepalive_probes, 1, 127, 6),
	U32("tcp", "idle_timeout_access_ms", tcp_idle_timeout_access_ms, 0, 86400000, 0),
	U32("tcp", "idle_timeout_upstream_ms", tcp_idle_timeout_upstream_ms, 0, 86400000, 0),
	U32("tcp", "syn_backlog", tcp_syn_backlog, 1, 4194304, 1024),
	WORD("tcp", "cc_access", tcp_cc_access, hag_words_tcp_cc, TCP_CC_CUBIC),
	WORD("tcp", "cc_upstream", tcp_cc_upstream, hag_words_tcp_cc, TCP_CC_CUBIC),
	WORD("tcp", "syncookies", tcp_syncookies, hag_words_syncookies, TCP_SYNCOOKIES_AUTO),
	WORD("tcp", "ecn", tcp_ecn, hag_words_ecn, TCP_ECN_ACCEPT),

	U32("limits", "connections", limit_conns, 0, 4194304, 0),
	U32("limits", "per_client", limit_per_client, 0, 4194304, 0),

	U32("lifecycle", "drain_timeout_ms", drain_timeout_ms, 0, 3600000, 30000),

	WORD("log", "level", log_level, hag_words_log_level, HAG_LOG_INFO),
};
#undef U32
#undef BOOL
#undef WORD
#undef FIELD
const size_t hag_config_n_keys = sizeof(hag_config_keys) / sizeof(hag_config_keys[0]);

void hag_config_defaults(struct hag_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < hag_config_n_keys; i++) {
		const struct hag_config_key *k = &hag_config_keys[i];
		char *f = (char *)cfg + k->off;

		if (k->kind == HAG_KEY_U32)
			*(uint32_t *)f = k->def;
		else if (k->kind == HAG_KEY_BOOL)
			*(bool *)f = k->def != 0;
		else
			*(int *)f = (int)k->def;
	}
	cfg->local_port_lo = 32768;
	cfg->local_port_hi = 60999;
}

void hag_port_block(uint16_t lo, uint16_t hi, unsigned n, unsigned w, uint16_t *blo, uint16_t *bhi)
{
	uint64_t span = (uint64_t)hi - lo + 1;

	*blo = (uint16_t)(lo + (w * span + n - 1) / n);
	*bhi = (uint16_t)(lo + ((w + 1) * span + n - 1) / n - 1);
}

void hag_config_free(struct hag_config *cfg)
{
	for (int i = 0; i < cfg->n_eal_args && i < HAG_MAX_EAL_ARGS; i++) {
		free(cfg->eal_args[i]);
		cfg->eal_args[i] = NULL;
	}
	cfg->n_eal_args = 0;
}

/* Typed access to the tree. */

static const char *const type_names[] = {
	[JSON_OBJECT] = "object", [JSON_ARRAY] = "array", [JSON_STRING] = "string",
	[JSON_INTEGER] = "integer", [JSON_REAL] = "real", [JSON_TRUE] = "boolean",
	[JSON_FALSE] = "boolean", [JSON_NULL] = "null",
};

/* Optimal string alignment distance: a swap of two letters counts as one. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int d[3][64];

	if (la >= 64 || lb >= 64)
		return 99;
	for (size_t i = 0; i <= la; i++) {
		int *r = d[i % 3], *r1 = d[(i + 2) % 3], *r2 = d[(i + 1) % 3];
		for (size_t j = 0; j <= lb; j++) {
			if (!i || !j) {
				r[j] = (int)(i + j);
				continue;
			}
			int cost = a[i - 1] != b[j - 1], v = r1[j - 1] + cost;
			if (r1[j] + 1 < v)
				v = r1[j] + 1;
			if (r[j - 1] + 1 < v)
				v = r[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    r2[j - 2] + 1 < v)
				v = r2[j - 2] + 1;
			r[j] = v;
		}
	}
	return d[la % 3][lb];
}

/* The candidate at most two edits from word, or NULL; cands ends in NULL.
 * Two edits turn any short key into another ("foo" -> "log"), so a hint
 * must also keep at least half of the candidate. */
static const char *closest(const char *word, const char *const *cands)
{
	const char *best = NULL;
	int bd = 3;

	for (; *cands; cands++) {
		int d = edit_distance(word, *cands);
		if (d < bd && 2 * d <= (int)strlen(*cands)) {
			bd = d;
			best = *cands;
		}
	}
	return best;
}

static const char *list_words(char *buf, size_t n, const char *const *words)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; words[i] && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", words[i]);
	return buf;
}

static int check_keys(struct hag_config_loader *ld, json_t *obj, const char *path, const char *const *known)
{
	const char *key, *hint;
	char list[640];
	json_t *v;

	json_object_foreach(obj, key, v) {
		int i = 0;
		while (known[i] && strcmp(key, known[i]))
			i++;
		if (known[i])
			continue;
		if ((hint = closest(key, known)))
			return fail(ld, path, key, "unknown key (did you mean %s?)", hint);
		return fail(ld, path, key, "unknown key (known here: %s)",
			    list_words(list, sizeof(list), known));
	}
	return 0;
}

static int want_type(struct hag_config_loader *ld, json_t *v, const char *path, const char *key,
		     json_type t)
{
	const char *s = json_string_value(v);
	char *end;

	if (json_typeof(v) == t || (t == JSON_TRUE && json_is_boolean(v)))
		return 0;
	if (t == JSON_INTEGER && s && *s && (strtoll(s, &end, 10), !*end))
		return fail(ld, path, key, "expected integer, got string \"%s\" (drop the quotes)",
			    s);
	return fail(ld, path, key, "expected %s, got %s", type_names[t], type_names[json_typeof(v)]);
}

/* obj.key, type-checked; *out is NULL when it is absent. */
static int get_member(struct hag_config_loader *ld, json_t *obj, const char *path, const char *key,
		      json_type t, bool required, json_t **out)
{
	*out = json_object_get(obj, key);
	if (!*out)
		return required ? fail(ld, path, key, "required key missing") : 0;
	return want_type(ld, *out, path, key, t);
}

static int get_str(struct hag_config_loader *ld, json_t *obj, const char *path, const char *key,
		   const char **out)
{
	json_t *v;
	int rc = get_member(ld, obj, path, key, JSON_STRING, true, &v);

	*out = v ? json_string_value(v) : NULL;
	return rc;
}

static int get_uint(struct hag_config_loader *ld, json_t *obj, const char *path, const char *key,
		    uint32_t min, uint32_t max, uint32_t *out)
{
	json_t *v;
	int rc = get_member(ld, obj, path, key, JSON_INTEGER, false, &v);

	if (rc || !v)
		return rc;
	json_int_t x = json_integer_value(v);
	if (x < (json_int_t)min || x > (json_int_t)max)
		return fail(ld, path, key, "%lld out of range %u..%u", (long long)x, min, max);
	*out = (uint32_t)x;
	return 0;
}

static int get_bool(struct hag_config_loader *ld, json_t *obj, const char *path, const char *key, bool *out)
{
	json_t *v;
	int rc = get_member(ld, obj, path, key, JSON_TRUE, false, &v);

	if (!rc && v)
		*out = json_is_true(v);
	return rc;
}

/* A string that must be one of words (NULL-terminated): *idx gets its index. */
static int get_word(struct hag_config_loader *ld, json_t *obj, const char *path, const char *key,
		    const char *const *words, int *idx)
{
	char list[200];
	json_t *v;
	int rc = get_member(ld, obj, path, key, JSON_STRING, false, &v);

	if (rc || !v)
		return rc;
	for (int i = 0; words[i]; i++) {
		if (strcmp(json_string_value(v), words[i]) == 0) {
			*idx = i;
			return 0;
		}
	}
	return fail(ld, path, key, "\"%s\": expected one of %s", json_string_value(v),
		    list_words(list, sizeof(list), words));
}

/* Every key of section in hag_config_keys, from o (the section's object) into c. */
static int get_section_keys(struct hag_config_loader *ld,
			    json_t *o, const char *section, struct hag_config *c)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < hag_config_n_keys; i++) {
		const struct hag_config_key *k = &hag_config_keys[i];
		char *f = (char *)c + k->off;

		if (strcmp(k->section, section) != 0)
			continue;
		if (k->kind == HAG_KEY_U32)
			rc = get_uint(ld, o, section, k->key, k->min, k->max, (uint32_t *)f);
		else if (k->kind == HAG_KEY_BOOL)
			rc = get_bool(ld, o, section, k->key, (bool *)f);
		else
			rc = get_word(ld, o, section, k->key, k->words, (int *)f);
	}
	return rc;
}

/* check_keys for a section: its keys in hag_config_keys and extra ones (NULL-terminated). */
static int check_section_keys(struct hag_config_loader *ld,
			      json_t *o, const char *section, const char *const *extra)
{
	const char *known[64];
	size_t n = 0;

	for (size_t i = 0; i < hag_config_n_keys && n + 1 < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(hag_config_keys[i].section, section) == 0)
			known[n++] = hag_config_keys[i].key;
	for (size_t i = 0; extra[i] && n + 1 < sizeof(known) / sizeof(known[0]); i++)
		known[n++] = extra[i];
	known[n] = NULL;
	return check_keys(ld, o, section, known);
}

/* A number, integer or not ("float ok"): an effect of ports[].impair. */
static int get_num(struct hag_config_loader *ld, json_t *obj, const char *path, const char *key,
		   double min, double max, double *out)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	char *end;

	if (!v)
		return 0;
	if (!json_is_number(v)) {
		s = json_string_value(v);
		if (s && *s && (strtod(s, &end), !*end))
			return fail(ld, path, key,
				    "expected number, got string \"%s\" (drop the quotes)", s);
		return fail(ld, path, key, "expected number, got %s", type_names[json_typeof(v)]);
	}
	double x = json_number_value(v);
	if (!(x >= min && x <= max))
		return fail(ld, path, key, "%g out of range %g..%g", x, min, max);
	*out = x;
	return 0;
}

/* Addresses. */

static uint32_t mask_of(unsigned len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

static const char *fmt_ip(char buf[16], uint32_t ip)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	return buf;
}

static bool rule_port(const struct hag_intercept_conf *r, uint16_t dport)
{
	if (r->n_ports == 0)
		return true;
	for (int k = 0; k < r->n_ports; k++)
		if (dport >= r->ports[k].lo && dport <= r->ports[k].hi)
			return true;
	return false;
}

bool hag_config_intercepts(const struct hag_config *c, uint32_t dst, uint16_t dport)
{
	const struct hag_transparent_conf *t = &c->transparent;

	for (int i = 0; i < t->n_intercept; i++) {
		const struct hag_intercept_conf *r = &t->intercept[i];

		if (!r->v6 && !((dst ^ r->prefix) & mask_of(r->prefixlen)) && rule_port(r, dport))
			return true;
	}
	return false;
}

bool hag_config_intercepts6(const struct hag_config *c, const uint8_t dst[16], uint16_t dport)
{
	const struct hag_transparent_conf *t = &c->transparent;

	for (int i = 0; i < t->n_intercept; i++) {
		const struct hag_intercept_conf *r = &t->intercept[i];

		if (r->v6 && net_ip6_in_prefix(dst, r->prefix6, r->prefixlen) && rule_port(r, dport))
			return true;
	}
	return false;
}

/* Dotted quad only: inet_aton's "10.1" and octal "010" forms are typos here. */
static const char *parse_ip(const char *s, const char **end, uint32_t *ip)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned o = 0, digits = 0;

		if (i && *s++ != '.')
			return "expected four decimal octets A.B.C.D";
		if (s[0] == '0' && isdigit((unsigned char)s[1]))
			return "leading zero in an octet";
		for (; isdigit((unsigned char)*s) && digits < 4; digits++)
			o = o * 10 + (unsigned)(*s++ - '0');
		if (!digits)
			return "expected four decimal octets A.B.C.D";
		if (o > 255)
			return "octet greater than 255";
		v = v << 8 | o;
	}
	*end = s;
	*ip = v;
	return NULL;
}

enum inet_form {
	IN_ADDR,          /* A.B.C.D */
	IN_PREFIX,        /* A.B.C.D/LEN, LEN 0..32 */
	IN_HOST_PREFIX,   /* A.B.C.D/LEN, LEN 1..32 (an interface address) */
	IN_ENDPOINT,      /* A.B.C.D:PORT */
	IN_LISTEN,        /* also ":PORT" and "0.0.0.0:PORT": any own address */
};

/* Parses s in the given form; *num gets the prefix length or TCP port. */
static int parse_inet(struct hag_config_loader *ld, const char *path, const char *key, const char *s,
		      enum inet_form form, uint32_t *ip, unsigned *num)
{
	static const char *const shape[] = { "A.B.C.D", "A.B.C.D/LEN", "A.B.C.D/LEN",
					     "A.B.C.D:PORT", "A.B.C.D:PORT" };
	const char *end = s, *why = NULL;
	char sep = form == IN_ADDR ? '\0' : form <= IN_HOST_PREFIX ? '/' : ':';
	unsigned min = form == IN_PREFIX ? 0 : 1, max = sep == '/' ? 32 : 65535;
	char *nend;
	long v;

	*ip = 0;
	if (!(form == IN_LISTEN && *s == ':'))
		why = parse_ip(s, &end, ip);
	if (!why && *end != sep)
		why = *end ? "unexpected characters" : "incomplete";
	if (why)
		return fail(ld, path, key, "bad IPv4 address \"%s\": %s (expected %s)", s, why,
			    shape[form]);
	if (form == IN_ENDPOINT && !*ip)
		return fail(ld, path, key, "\"%s\": 0.0.0.0 is not a destination", s);
	if (!sep)
		return 0;
	v = strtol(end + 1, &nend, 10);
	if (!isdigit((unsigned char)end[1]) || *nend || v < (long)min || v > (long)max)
		return fail(ld, path, key, "bad %s in \"%s\": must be %u..%u",
			    sep == '/' ? "prefix length" : "TCP port", s, min, max);
	*num = (unsigned)v;
	return 0;
}

/* Sections. */

static int parse_dpdk(struct hag_config_loader *ld, json_t *o, struct hag_config *c)
{
	json_t *args, *v;
	size_t i;
	int rc;

	if ((rc = check_section_keys(ld, o, "dpdk", (const char *const[]){ "args", NULL })) ||
	    (rc = get_member(ld, o, "dpdk", "args", JSON_ARRAY, false, &args)) ||
	    (rc = get_section_keys(ld, o, "dpdk", c)))
		return rc;
	if (json_array_size(args) > HAG_MAX_EAL_ARGS)
		return fail(ld, "dpdk", "args", "%zu entries, at most %d", json_array_size(args),
			    HAG_MAX_EAL_ARGS);
	json_array_foreach(args, i, v) {
		char kp[64];

		snprintf(kp, sizeof(kp), "dpdk.args[%zu]", i);
		if ((rc = want_type(ld, v, kp, NULL, JSON_STRING)))
			return rc;
		if (!json_string_value(v)[0])
			return fail(ld, kp, NULL, "empty argument");
		if (!(c->eal_args[i] = strdup(json_string_value(v))))
			return -ENOMEM;
		c->n_eal_args = (int)i + 1;
	}
	return 0;
}

static int get_desc(struct hag_config_loader *ld, json_t *o, const char *path, const char *key,
		    uint16_t *out)
{
	uint32_t v = 1024;
	int rc = get_uint(ld, o, path, key, 64, 16384, &v);

	if (!rc && (v & (v - 1)))
		rc = fail(ld, path, key, "%u is not a power of two (64..16384)", v);
	*out = (uint16_t)v;
	return rc;
}

/* A port must not clash with one before it: the name keys stats and routes,
 * the connected prefix decides which port a packet leaves by. */
static int check_port_unique(struct hag_config_loader *ld, const char *path, const struct hag_config *c)
{
	const struct hag_port_conf *p = &c->ports[c->n_ports];
	char a[16];

	for (int i = 0; i < c->n_ports; i++) {
		const struct hag_port_conf *q = &c->ports[i];
		unsigned len = p->prefixlen < q->prefixlen ? p->prefixlen : q->prefixlen;

		if (!strcmp(p->name, q->name))
			return fail(ld, path, "name", "duplicate port name \"%s\" (also ports[%d])", p->name, i);
		if (!strcmp(p->dev, q->dev))
			return fail(ld, path, "dev", "\"%s\" is already port %s", p->dev, q->name);
		if (!((p->addr ^ q->addr) & mask_of(len)))
			return fail(ld, path, "addr", "prefix overlaps port %s (%s/%u)", q->name,
				    fmt_ip(a, q->addr), q->prefixlen);
		if (p->has_addr6 && q->has_addr6 && !memcmp(p->addr6, q->addr6, 16))
			return fail(ld, path, "addr6", "the address of port %s too", q->name);
	}
	return 0;
}

/* ports[].impair.gilbert: the two-state burst loss chain (struct hag_impair_gilbert). */
static int parse_gilbert(struct hag_config_loader *ld, json_t *impair, const char *ipath,
			 struct hag_impair_gilbert *g)
{
	static const char *const keys[] = { "good_to_bad_pct", "bad_to_good_pct", "loss_good_pct",
					    "loss_bad_pct", NULL };
	char path[112];
	json_t *o;
	int rc;

	if ((rc = get_member(ld, impair, ipath, "gilbert", JSON_OBJECT, false, &o)) || !o)
		return rc;
	snprintf(path, sizeof(path), "%s.gilbert", ipath);
	if ((rc = check_keys(ld, o, path, keys)))
		return rc;
	/* Both transitions or neither: a chain with one is not the model anyone meant. */
	for (int i = 0; i < 2; i++)
		if (!json_object_get(o, keys[i]))
			return fail(ld, path, keys[i], "required key missing (a chain needs both "
				    "good_to_bad_pct and bad_to_good_pct)");
	if ((rc = get_num(ld, o, path, "good_to_bad_pct", 0, 100, &g->good_to_bad_pct)) ||
	    (rc = get_num(ld, o, path, "bad_to_good_pct", 0, 100, &g->bad_to_good_pct)) ||
	    (rc = get_num(ld, o, path, "loss_good_pct", 0, 100, &g->loss_good_pct)) ||
	    (rc = get_num(ld, o, path, "loss_bad_pct", 0, 100, &g->loss_bad_pct)))
		return rc;
	if (g->good_to_bad_pct > 0 && g->bad_to_good_pct == 0)
		return fail(ld, path, "bad_to_good_pct", "0 with good_to_bad_pct %g: the link would "
			    "stay in the bad state for ever", g->good_to_bad_pct);
	if (g->loss_bad_pct < g->loss_good_pct)
		return fail(ld, path, "loss_bad_pct", "%g below loss_good_pct %g: the bad state is "
			    "the one that loses more", g->loss_bad_pct, g->loss_good_pct);
	return 0;
}

/* ports[].impair: test-only; enabled only when some effect is non-zero. */
static int parse_impair(struct hag_config_loader *ld, json_t *port, const char *ppath,
			struct hag_impair_conf *im)
{
	static const char *const keys[] = { "delay_ms", "jitter_ms", "loss_pct", "dup_pct",
					    "reorder_pct", "corrupt_pct", "rate_mbit", "seed",
					    "direction", "limit", "gilbert", NULL };
	const char *const *dirs = hag_words_impair_dir;
	char path[96];
	json_t *o, *v;
	int rc;

	im->direction = HAG_IMPAIR_BOTH;
	im->limit = HAG_IMPAIR_MAX_LIMIT;
	im->seed = 1;
	im->gilbert.loss_bad_pct = 100;
	if ((rc = get_member(ld, port, ppath, "impair", JSON_OBJECT, false, &o)) || !o)
		return rc;
	snprintf(path, sizeof(path), "%s.impair", ppath);
	if ((rc = check_keys(ld, o, path, keys)) ||
	    (rc = get_num(ld, o, path, "delay_ms", 0, 10000, &im->delay_ms)) ||
	    (rc = get_num(ld, o, path, "jitter_ms", 0, 10000, &im->jitter_ms)) ||
	    (rc = get_num(ld, o, path, "loss_pct", 0, 100, &im->loss_pct)) ||
	    (rc = parse_gilbert(ld, o, path, &im->gilbert)) ||
	    (rc = get_num(ld, o, path, "dup_pct", 0, 100, &im->dup_pct)) ||
	    (rc = get_num(ld, o, path, "reorder_pct", 0, 100, &im->reorder_pct)) ||
	    (rc = get_num(ld, o, path, "corrupt_pct", 0, 100, &im->corrupt_pct)) ||
	    (rc = get_num(ld, o, path, "rate_mbit", 0, 100000, &im->rate_mbit)) ||
	    (rc = get_uint(ld, o, path, "limit", 1, HAG_IMPAIR_MAX_LIMIT, &im->limit)) ||
	    (rc = get_member(ld, o, path, "seed", JSON_INTEGER, false, &v)))
		return rc;
	if (v && json_integer_value(v) < 0)
		return fail(ld, path, "seed", "%lld out of range 0..%lld",
			    (long long)json_integer_value(v), LLONG_MAX);
	if (v)
		im->seed = (uint64_t)json_integer_value(v);
	if ((rc = get_member(ld, o, path, "direction", JSON_STRING, false, &v)))
		return rc;
	if (v) {
		const char *s = json_string_value(v);
		int d = HAG_IMPAIR_RX;

		while (d <= HAG_IMPAIR_BOTH && strcmp(s, dirs[d]))
			d++;
		if (d > HAG_IMPAIR_BOTH)
			return fail(ld, path, "direction", "\"%s\": expected one of rx, tx, both", s);
		im->direction = (uint8_t)d;
	}
	im->enabled = im->delay_ms > 0 || im->jitter_ms > 0 || im->loss_pct > 0 ||
		      im->gilbert.good_to_bad_pct > 0 || im->gilbert.loss_good_pct > 0 ||
		      im->dup_pct > 0 || im->reorder_pct > 0 || im->corrupt_pct > 0 ||
		      im->rate_mbit > 0;
	return 0;
}

/* An IPv6 address (and with len a prefix length after '/') from s into a; NULL or the reason. */
static const char *ip6_of(const char *s, uint8_t a[16], unsigned *len)
{
	char buf[64], *end;
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long l;

	if (n >= sizeof(buf) || (len != NULL) != (slash != NULL))
		return len ? "expected an IPv6 prefix ADDR/LEN" : "expected an IPv6 address";
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1)
		return "not an IPv6 address";
	if (len) {
		l = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || l > 128)
			return "the prefix length must be a number up to 128";
		*len = (unsigned)l;
	}
	return NULL;
}

/* ports[].addr6: "ADDR/LEN", a global unicast IPv6 address (RFC 4291: not ::, multicast,
 * link-local, loopback or IPv4-mapped; the link-local address comes from the MAC). */
static int parse_addr6(struct hag_config_loader *ld, const char *path, const char *s, struct hag_port_conf *p)
{
	static const uint8_t loop[16] = {[15] = 1};
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	unsigned len = 0;
	const char *why = ip6_of(s, p->addr6, &len);

	if (why != NULL)
		return fail(ld, path, "addr6", "\"%s\": %s", s, why);
	if (len < 1)
		return fail(ld, path, "addr6", "\"%s\": the prefix length must be 1..128", s);
	if (p->addr6[0] == 0xff || net_ip6_is_linklocal(p->addr6) || !memcmp(p->addr6, loop, 16) ||
	    !memcmp(p->addr6, mapped, 12) || !memcmp(p->addr6, (const uint8_t[16]){0}, 16))
		return fail(ld, path, "addr6", "\"%s\" is not a global unicast address (the link-local one comes from the MAC)", s);
	p->has_addr6 = true;
	p->prefixlen6 = (uint8_t)len;
	return 0;
}

static int parse_port(struct hag_config_loader *ld, json_t *o, const char *path, struct hag_config *c)
{
	static const char *const keys[] = { "name", "dev", "addr", "addr6", "mtu", "rx_desc", "tx_desc",
					    "impair", NULL };
	struct hag_port_conf *p = &c->ports[c->n_ports];
	const char *name, *dev, *addr;
	json_t *a6;
	uint32_t mtu = 1500, host;
	unsigned len;
	int rc;

	if ((rc = want_type(ld, o, path, NULL, JSON_OBJECT)) ||
	    (rc = check_keys(ld, o, path, keys)) ||
	    (rc = get_str(ld, o, path, "name", &name)) ||
	    (rc = get_str(ld, o, path, "dev", &dev)) ||
	    (rc = get_str(ld, o, path, "addr", &addr)) ||
	    (rc = get_uint(ld, o, path, "mtu", 576, 9000, &mtu)) ||
	    (rc = get_desc(ld, o, path, "rx_desc", &p->rx_desc)) ||
	    (rc = get_desc(ld, o, path, "tx_desc", &p->tx_desc)) ||
	    (rc = parse_impair(ld, o, path, &p->impair)))
		return rc;
	len = (unsigned)strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	if (!len || len >= HAG_NAME_LEN || name[len])
		return fail(ld, path, "name", "\"%s\": must be 1..%d characters of a-z 0-9 _ -",
			    name, HAG_NAME_LEN - 1);
	if (!dev[0] || strlen(dev) >= HAG_DEVARGS_LEN)
		return fail(ld, path, "dev", "must be 1..%d characters", HAG_DEVARGS_LEN - 1);
	if ((rc = parse_inet(ld, path, "addr", addr, IN_HOST_PREFIX, &p->addr, &len)))
		return rc;
	p->prefixlen = (uint8_t)len;
	if ((p->addr >> 24) == 0 || (p->addr >> 24) == 127 || p->addr >= 0xe0000000u)
		return fail(ld, path, "addr", "\"%s\" is not a unicast host address", addr);
	host = p->addr & ~mask_of(len);
	if (len <= 30 && (host == 0 || host == ~mask_of(len)))
		return fail(ld, path, "addr", "\"%s\" is the %s address of its prefix", addr,
			    host ? "broadcast" : "network");
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->dev, sizeof(p->dev), "%s", dev);
	p->is_vdev = !strncmp(dev, "net_", 4);
	p->mtu = (uint16_t)mtu;
	if ((rc = get_member(ld, o, path, "addr6", JSON_STRING, false, &a6)) ||
	    (a6 && (rc = parse_addr6(ld, path, json_string_value(a6), p))) ||
	    (rc = check_port_unique(ld, path, c)))
		return rc;
	c->n_ports++;
	return 0;
}

/* An IPv6 service address: global unicast, not a port's, once. */
static int parse_address6(struct hag_config_loader *ld, const char *path, const char *s, struct hag_config *c)
{
	static const uint8_t loop[16] = {[15] = 1}, mapped[12] = {[10] = 0xff, [11] = 0xff};
	uint8_t *a = c->addrs6[c->n_addrs6];

	if (ip6_of(s, a, NULL))
		return fail(ld, path, NULL, "\"%s\": not an IPv6 address", s);
	if (a[0] == 0xff || net_ip6_is_linklocal(a) || !memcmp(a, loop, 16) || !memcmp(a, mapped, 12) ||
	    !memcmp(a, (const uint8_t[16]){0}, 16))
		return fail(ld, path, NULL, "%s is not a global unicast address", s);
	for (int j = 0; j < c->n_addrs6; j++)
		if (!memcmp(c->addrs6[j], a, 16))
			return fail(ld, path, NULL, "duplicate of an earlier IPv6 address");
	for (int j = 0; j < c->n_ports; j++)
		if (c->ports[j].has_addr6 && !memcmp(c->ports[j].addr6, a, 16))
			return fail(ld, path, NULL, "%s is already ports[%d].addr6", s, j);
	c->n_addrs6++;
	return 0;
}

static int parse_address(struct hag_config_loader *ld, json_t *v, const char *path, struct hag_config *c)
{
	uint32_t ip;
	int rc;

	if ((rc = want_type(ld, v, path, NULL, JSON_STRING)))
		return rc;
	if (strchr(json_string_value(v), ':'))
		return parse_address6(ld, path, json_string_value(v), c);
	if ((rc = parse_inet(ld, path, NULL, json_string_value(v), IN_ADDR, &ip, NULL)))
		return rc;
	if (ip == 0 || ip >= 0xe0000000u)
		return fail(ld, path, NULL, "%s is not a unicast address", json_string_value(v));
	for (int j = 0; j < c->n_addrs; j++)
		if (c->addrs[j] == ip)
			return fail(ld, path, NULL, "duplicate of addresses[%d]", j);
	for (int j = 0; j < c->n_ports; j++)
		if (c->ports[j].addr == ip)
			return fail(ld, path, NULL, "%s is already ports[%d].addr", json_string_value(v), j);
	c->addrs[c->n_addrs++] = ip;
	return 0;
}

/* The index of the port named name, or an error naming the closest one. */
static int find_port(struct hag_config_loader *ld, const char *path, const char *key, const char *name,
		     const struct hag_config *c, int *idx)
{
	const char *names[HAG_MAX_PORTS + 1] = { NULL }, *hint;
	char list[HAG_MAX_PORTS * (HAG_NAME_LEN + 2)];

	for (*idx = 0; *idx < c->n_ports; (*idx)++) {
		if (!strcmp(c->ports[*idx].name, name))
			return 0;
		names[*idx] = c->ports[*idx].name;
	}
	if ((hint = closest(name, names)))
		return fail(ld, path, key, "no port named \"%s\" (did you mean %s?)", name, hint);
	return fail(ld, path, key, "no port named \"%s\" (ports: %s)", name,
		    list_words(list, sizeof(list), names));
}

/* No bit of a set beyond the first len. */
static bool prefix6_clean(const uint8_t a[16], unsigned len)
{
	for (unsigned b = len; b < 128; b++)
		if (a[b / 8] & (0x80u >> (b % 8)))
			return false;
	return true;
}

/* "ADDR/LEN", an IPv6 prefix without host bits, into a and *len. */
static int parse_prefix6(struct hag_config_loader *ld, const char *path, const char *key, const char *s,
			 uint8_t a[16], uint8_t *len)
{
	const char *why;
	unsigned l;

	if ((why = ip6_of(s, a, &l)))
		return fail(ld, path, key, "\"%s\": %s", s, why);
	if (!prefix6_clean(a, l))
		return fail(ld, path, key, "\"%s\" has host bits set", s);
	*len = (uint8_t)l;
	return 0;
}

/* routes[] with an IPv6 prefix: via a neighbour of the port (in its addr6 prefix, or link-local). */
static int parse_route6(struct hag_config_loader *ld, const char *path, const char *prefix, const char *via,
			const char *port, struct hag_config *c)
{
	struct hag_route_conf *r = &c->routes[c->n_routes];
	const struct hag_port_conf *p;
	uint8_t masked[16] = {0};
	const char *why;
	unsigned len;
	int rc;

	if ((why = ip6_of(prefix, r->prefix6, &len)))
		return fail(ld, path, "prefix", "\"%s\": %s", prefix, why);
	memcpy(masked, r->prefix6, len / 8);
	if (len % 8)
		masked[len / 8] = (uint8_t)(r->prefix6[len / 8] & (0xffu << (8 - len % 8)));
	if (memcmp(masked, r->prefix6, 16) != 0)
		return fail(ld, path, "prefix", "\"%s\" has host bits set", prefix);
	r->prefixlen = (uint8_t)len;
	r->v6 = true;
	for (int i = 0; i < c->n_routes; i++)
		if (c->routes[i].v6 && c->routes[i].prefixlen == len && !memcmp(c->routes[i].prefix6, r->prefix6, 16))
			return fail(ld, path, "prefix", "duplicate of routes[%d]", i);
	if ((rc = find_port(ld, path, "port", port, c, &r->port)))
		return rc;
	p = &c->ports[r->port];
	if (!p->has_addr6)
		return fail(ld, path, "port", "port %s has no addr6: an IPv6 route needs IPv6 on its port", p->name);
	if ((why = ip6_of(via, r->via6, NULL)))
		return fail(ld, path, "via", "\"%s\": %s", via, why);
	/* The next hop is resolved by ND on that port, so it must be on-link. */
	if ((!net_ip6_in_prefix(r->via6, p->addr6, p->prefixlen6) && !net_ip6_is_linklocal(r->via6)) ||
	    !memcmp(r->via6, p->addr6, 16))
		return fail(ld, path, "via", "%s is not a neighbour on port %s", via, p->name);
	c->n_routes++;
	return 0;
}

static int parse_route(struct hag_config_loader *ld, json_t *o, const char *path, struct hag_config *c)
{
	static const char *const keys[] = { "prefix", "via", "port", NULL };
	struct hag_route_conf *r = &c->routes[c->n_routes];
	const char *prefix, *via, *port;
	char a[16];
	unsigned len;
	int rc;

	if ((rc = want_type(ld, o, path, NULL, JSON_OBJECT)) ||
	    (rc = check_keys(ld, o, path, keys)) ||
	    (rc = get_str(ld, o, path, "prefix", &prefix)) ||
	    (rc = get_str(ld, o, path, "via", &via)) ||
	    (rc = get_str(ld, o, path, "port", &port)))
		return rc;
	if (strchr(prefix, ':'))
		return parse_route6(ld, path, prefix, via, port, c);
	if ((rc = parse_inet(ld, path, "prefix", prefix, IN_PREFIX, &r->prefix, &len)))
		return rc;
	r->prefixlen = (uint8_t)len;
	if (r->prefix & ~mask_of(len))
		return fail(ld, path, "prefix", "\"%s\" has host bits set (did you mean %s/%u?)",
			    prefix, fmt_ip(a, r->prefix & mask_of(len)), len);
	for (int i = 0; i < c->n_routes; i++)
		if (!c->routes[i].v6 && c->routes[i].prefix == r->prefix && c->routes[i].prefixlen == len)
			return fail(ld, path, "prefix", "duplicate of routes[%d]", i);

	if ((rc = find_port(ld, path, "port", port, c, &r->port)))
		return rc;
	const struct hag_port_conf *p = &c->ports[r->port];
	if ((rc = parse_inet(ld, path, "via", via, IN_ADDR, &r->via, NULL)))
		return rc;
	/* The next hop is resolved by ARP on that port, so it must be on-link. */
	if (((r->via ^ p->addr) & mask_of(p->prefixlen)) || r->via == p->addr)
		return fail(ld, path, "via", "%s is not a neighbour on port %s (%s/%u)", via,
			    p->name, fmt_ip(a, p->addr), p->prefixlen);
	c->n_routes++;
	return 0;
}

/* own: ip is one of hagd's addresses; else: ip is on a connected prefix or a
 * route covers it. */
static bool known_addr(const struct hag_config *c, uint32_t ip, bool own)
{
	for (int i = 0; i < c->n_ports; i++)
		if (own ? ip == c->ports[i].addr :
		    !((ip ^ c->ports[i].addr) & mask_of(c->ports[i].prefixlen)))
			return true;
	for (int i = 0; own && i < c->n_addrs; i++)
		if (c->addrs[i] == ip)
			return true;
	for (int i = 0; !own && i < c->n_routes; i++)
		if (!c->routes[i].v6 && !((ip ^ c->routes[i].prefix) & mask_of(c->routes[i].prefixlen)))
			return true;
	return false;
}

static int parse_access(struct hag_config_loader *ld, json_t *o, const char *path, struct hag_config *c)
{
	static const char *const keys[] = { "name", "prefix", "prefix6", "cost", "backup", NULL };
	struct hag_access_conf *a = &c->access[c->n_access];
	const char *name, *prefix;
	json_t *v = NULL, *p6 = NULL;
	char ip[16];
	unsigned len;
	int rc;

	if ((rc = want_type(ld, o, path, NULL, JSON_OBJECT)) ||
	    (rc = check_keys(ld, o, path, keys)) ||
	    (rc = get_str(ld, o, path, "name", &name)) ||
	    (rc = get_str(ld, o, path, "prefix", &prefix)))
		return rc;
	if (strlen(name) == 0 || strlen(name) >= sizeof(a->name))
		return fail(ld, path, "name", "\"%s\": 1 to %zu characters", name, sizeof(a->name) - 1);
	snprintf(a->name, sizeof(a->name), "%s", name);
	if ((rc = get_member(ld, o, path, "prefix6", JSON_STRING, false, &p6)))
		return rc;
	if (strchr(prefix, ':')) {
		if (p6)
			return fail(ld, path, "prefix6", "prefix is already IPv6: prefix6 adds an IPv6 prefix to an IPv4 one");
		if ((rc = parse_prefix6(ld, path, "prefix", prefix, a->prefix6, &a->prefixlen6)))
			return rc;
		a->has6 = true;
	} else {
		if ((rc = parse_inet(ld, path, "prefix", prefix, IN_PREFIX, &a->prefix, &len)))
			return rc;
		a->prefixlen = (uint8_t)len;
		a->has4 = true;
		if (a->prefix & ~mask_of(len))
			return fail(ld, path, "prefix", "\"%s\" has host bits set (did you mean %s/%u?)",
				    prefix, fmt_ip(ip, a->prefix & mask_of(len)), len);
		if (p6 && (rc = parse_prefix6(ld, path, "prefix6", json_string_value(p6), a->prefix6, &a->prefixlen6)))
			return rc;
		a->has6 = p6 != NULL;
	}
	a->cost = 1;
	if ((rc = get_uint(ld, o, path, "cost", 0, 1000000, &a->cost)))
		return rc;
	if ((rc = get_member(ld, o, path, "backup", JSON_TRUE, false, &v)))
		return rc;
	a->backup = v && json_is_true(v);
	for (int i = 0; i < c->n_access; i++)
		if (!strcmp(c->access[i].name, a->name))
			return fail(ld, path, "name", "\"%s\" is also access[%d]", a->name, i);
	c->n_access++;
	return 0;
}

/* "[ADDR]:PORT" into a and *port; 0 or the error. */
static int parse_endpoint6(struct hag_config_loader *ld, const char *path, const char *key, const char *s,
			   uint8_t a[16], unsigned *port)
{
	const char *close = strchr(s, ']');
	char buf[64], *end;
	long v;

	if (s[0] != '[' || close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(buf))
		return fail(ld, path, key, "bad IPv6 endpoint \"%s\" (expected [ADDR]:PORT)", s);
	memcpy(buf, s + 1, (size_t)(close - s - 1));
	buf[close - s - 1] = '\0';
	if (ip6_of(buf, a, NULL))
		return fail(ld, path, key, "bad IPv6 endpoint \"%s\": not an IPv6 address", s);
	v = strtol(close + 2, &end, 10);
	if (!isdigit((unsigned char)close[2]) || *end || v < 1 || v > 65535)
		return fail(ld, path, key, "bad TCP port in \"%s\": must be 1..65535", s);
	*port = (unsigned)v;
	return 0;
}

/* Whether a is a port's IPv6 address (own) or reachable over IPv6: in a port's prefix or a route's. */
static bool known_addr6(const struct hag_config *c, const uint8_t a[16], bool own)
{
	for (int i = 0; i < c->n_ports; i++)
		if (c->ports[i].has_addr6 && (own ? !memcmp(a, c->ports[i].addr6, 16) :
					      net_ip6_in_prefix(a, c->ports[i].addr6, c->ports[i].prefixlen6)))
			return true;
	for (int i = 0; own && i < c->n_addrs6; i++)
		if (!memcmp(a, c->addrs6[i], 16))
			return true;
	for (int i = 0; !own && i < c->n_routes; i++)
		if (c->routes[i].v6 && net_ip6_in_prefix(a, c->routes[i].prefix6, c->routes[i].prefixlen))
			return true;
	return false;
}

/* Whether a is inside a port's IPv6 prefix (connected, not only routed). */
static bool prefix_of_port6(const struct hag_config *c, const uint8_t a[16])
{
	for (int i = 0; i < c->n_ports; i++)
		if (c->ports[i].has_addr6 && net_ip6_in_prefix(a, c->ports[i].addr6, c->ports[i].prefixlen6))
			return true;
	return false;
}

static bool any_addr6(const struct hag_config *c)
{
	for (int i = 0; i < c->n_ports; i++)
		if (c->ports[i].has_addr6)
			return true;
	return false;
}

/* Two listeners take the same connections: same port, a family and an address in common. */
static bool listeners_clash(const struct hag_listener_conf *a, const struct hag_listener_conf *b)
{
	static const uint8_t any6[16];

	if (a->port != b->port)
		return false;
	if (a->family == 0 || b->family == 0)
		return true;
	if (a->family != b->family)
		return false;
	if (a->family == 4)
		return !a->addr || !b->addr || a->addr == b->addr;
	return !memcmp(a->addr6, any6, 16) || !memcmp(b->addr6, any6, 16) || !memcmp(a->addr6, b->addr6, 16);
}

static int parse_listener(struct hag_config_loader *ld, json_t *o, const char *path, struct hag_config *c)
{
	static const char *const keys[] = { "listen", "upstream", NULL };
	static const uint8_t any6[16];
	struct hag_listener_conf *l = &c->listeners[c->n_listeners];
	const char *listen, *up;
	unsigned port;
	int rc;

	if ((rc = want_type(ld, o, path, NULL, JSON_OBJECT)) ||
	    (rc = check_keys(ld, o, path, keys)) ||
	    (rc = get_str(ld, o, path, "listen", &listen)))
		return rc;
	if (!json_object_get(o, "upstream"))
		return fail(ld, path, "upstream",
			    "listener without upstream (where to relay to, A.B.C.D:PORT)");
	if ((rc = get_str(ld, o, path, "upstream", &up)))
		return rc;
	if (up[0] == '[') {
		/* An IPv6 server, whatever the client's family (the upstream family is the backend's). */
		if ((rc = parse_endpoint6(ld, path, "upstream", up, l->upstream_addr6, &port)))
			return rc;
		l->upstream_v6 = true;
		if (!memcmp(l->upstream_addr6, any6, 16) || l->upstream_addr6[0] == 0xff)
			return fail(ld, path, "upstream", "\"%s\" is not a unicast destination", up);
		if (known_addr6(c, l->upstream_addr6, true))
			return fail(ld, path, "upstream", "%s is hagd's own address: the relay would loop", up);
		if (!known_addr6(c, l->upstream_addr6, false))
			return fail(ld, path, "upstream",
				    "no route to %s: in no port's IPv6 prefix, and no IPv6 route covers it", up);
	} else {
		if ((rc = parse_inet(ld, path, "upstream", up, IN_ENDPOINT, &l->upstream_addr, &port)))
			return rc;
		if (known_addr(c, l->upstream_addr, true))
			return fail(ld, path, "upstream", "%s is hagd's own address: the relay would loop", up);
		if (!known_addr(c, l->upstream_addr, false))
			return fail(ld, path, "upstream",
				    "no route to %s: in no port's prefix, and no route covers it", up);
	}
	l->upstream_port = (uint16_t)port;

	if (listen[0] == '[') {
		if ((rc = parse_endpoint6(ld, path, "listen", listen, l->addr6, &port)))
			return rc;
		l->family = 6;
		if (!any_addr6(c))
			return fail(ld, path, "listen", "\"%s\": no port has an IPv6 address (ports[].addr6)", listen);
		if (memcmp(l->addr6, any6, 16) && !known_addr6(c, l->addr6, true))
			return fail(ld, path, "listen", "\"%s\" is not one of hagd's IPv6 addresses (ports[].addr6)",
				    listen);
	} else {
		if ((rc = parse_inet(ld, path, "listen", listen, IN_LISTEN, &l->addr, &port)))
			return rc;
		/* ":PORT" is every address of both families, "0.0.0.0:PORT" every IPv4 one. */
		l->family = listen[0] == ':' ? 0 : 4;
		if (l->addr && !known_addr(c, l->addr, true))
			return fail(ld, path, "listen",
				    "\"%s\" is not one of hagd's addresses (ports[].addr, addresses[])", listen);
	}
	l->port = (uint16_t)port;
	for (int i = 0; i < c->n_listeners; i++)
		if (listeners_clash(&c->listeners[i], l))
			return fail(ld, path, "listen", "\"%s\" clashes with listeners[%d]", listen, i);
	c->n_listeners++;
	return 0;
}

typedef int (*parse_fn)(struct hag_config_loader *, json_t *, const char *, struct hag_config *);

/* Runs fn on each element of root.key, an array of min..max entries. */
static int each(struct hag_config_loader *ld, json_t *root, const char *key, size_t min, size_t max,
		struct hag_config *c, parse_fn fn)
{
	json_t *arr, *v;
	char kp[64];
	size_t i;
	int rc = get_member(ld, root, "", key, JSON_ARRAY, min > 0, &arr);

	if (rc || !arr)
		return rc;
	if (json_array_size(arr) < min || json_array_size(arr) > max)
		return fail(ld, key, NULL, "%zu entries, expected %zu..%zu", json_array_size(arr),
			    min, max);
	json_array_foreach(arr, i, v) {
		snprintf(kp, sizeof(kp), "%s[%zu]", key, i);
		if ((rc = fn(ld, v, kp, c)))
			return rc;
	}
	return 0;
}

/* "LO-HI" (both 1..65535, LO <= HI) or a single port N: *lo..*hi. */
static int parse_port_range(struct hag_config_loader *ld, const char *path, const char *key, json_t *v,
			    uint16_t *lo, uint16_t *hi)
{
	long a, b;
	char *e1, *e2;
	const char *s;

	if (json_is_integer(v)) {
		a = b = (long)json_integer_value(v);
	} else if ((s = json_string_value(v)) != NULL) {
		a = strtol(s, &e1, 10);
		if (e1 == s || *e1 != '-' || !isdigit((unsigned char)e1[1]))
			return fail(ld, path, key, "\"%s\": expected a port range LO-HI", s);
		b = strtol(e1 + 1, &e2, 10);
		if (*e2)
			return fail(ld, path, key, "\"%s\": expected a port range LO-HI", s);
	} else {
		return fail(ld, path, key, "expected a port (integer) or a range \"LO-HI\", got %s",
			    type_names[json_typeof(v)]);
	}
	if (a < 1 || b > 65535 || a > b)
		return fail(ld, path, key, "port range %ld-%ld: ports must be 1..65535, low end first", a, b);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int parse_tcp(struct hag_config_loader *ld, json_t *o, struct hag_config *c)
{
	json_t *lp = NULL;
	int rc;

	if ((rc = check_section_keys(ld, o, "tcp", (const char *const[]){ "local_ports", NULL })) ||
	    (rc = get_section_keys(ld, o, "tcp", c)) ||
	    (rc = get_member(ld, o, "tcp", "local_ports", JSON_STRING, false, &lp)) || !lp)
		return rc;
	if ((rc = parse_port_range(ld, "tcp", "local_ports", lp, &c->local_port_lo, &c->local_port_hi)))
		return rc;
	/* Every worker needs a block of its own, and a usable one. */
	if ((uint32_t)c->local_port_hi - c->local_port_lo + 1 < 64u * c->workers)
		return fail(ld, "tcp", "local_ports", "\"%s\": %u ports for %u workers, at least 64 each",
			    json_string_value(lp), (unsigned)(c->local_port_hi - c->local_port_lo + 1), c->workers);
	return 0;
}

static int parse_announce(struct hag_config_loader *ld, json_t *o, struct hag_config *c)
{
	json_t *v, *e;
	size_t i;
	int rc;

	if ((rc = get_member(ld, o, "mptcp", "announce", JSON_ARRAY, false, &v)) || !v)
		return rc;
	if (json_array_size(v) > MPTCP_MAX_ANNOUNCE)
		return fail(ld, "mptcp", "announce", "%zu addresses, at most %d", json_array_size(v), MPTCP_MAX_ANNOUNCE);
	json_array_foreach(v, i, e) {
		char kp[48];
		uint32_t a;

		snprintf(kp, sizeof(kp), "mptcp.announce[%u]", (unsigned)i);
		if ((rc = want_type(ld, e, kp, NULL, JSON_STRING)))
			return rc;
		if (strchr(json_string_value(e), ':')) {
			uint8_t *a6 = c->mptcp_announce6[c->n_announce];

			if (ip6_of(json_string_value(e), a6, NULL))
				return fail(ld, "mptcp", kp + 6, "\"%s\": not an IPv6 address", json_string_value(e));
			if (!known_addr6(c, a6, true))
				return fail(ld, "mptcp", kp + 6, "%s is not one of hagd's IPv6 addresses (ports[].addr6)",
					    json_string_value(e));
			for (int j = 0; j < c->n_announce; j++)
				if (c->mptcp_announce_is6[j] && !memcmp(c->mptcp_announce6[j], a6, 16))
					return fail(ld, "mptcp", kp + 6, "duplicate of announce[%d]", j);
			c->mptcp_announce_is6[c->n_announce++] = true;
			continue;
		}
		if ((rc = parse_inet(ld, "mptcp", kp + 6, json_string_value(e), IN_ADDR, &a, NULL)))
			return rc;
		/* RFC 8684 3.4.1: clients join what we announce: it must be ours. */
		if (!known_addr(c, a, true))
			return fail(ld, "mptcp", kp + 6, "%s is not one of hagd's addresses",
				    json_string_value(e));
		for (int j = 0; j < c->n_announce; j++)
			if (!c->mptcp_announce_is6[j] && c->mptcp_announce[j] == a)
				return fail(ld, "mptcp", kp + 6, "duplicate of announce[%d]", j);
		c->mptcp_announce[c->n_announce++] = a;
	}
	return 0;
}

static int parse_mptcp(struct hag_config_loader *ld, json_t *o, struct hag_config *c)
{
	int rc;

	if ((rc = check_section_keys(ld, o, "mptcp", (const char *const[]){ "announce", NULL })) ||
	    (rc = get_section_keys(ld, o, "mptcp", c)) ||
	    (rc = parse_announce(ld, o, c)))
		return rc;
	if (c->mptcp_scheduler == MPTCP_SCHED_COST && c->n_access == 0)
		return fail(ld, "mptcp", "scheduler", "\"cost\" needs an \"access\" section with the networks' costs");
	return 0;
}

static int parse_small_sections(struct hag_config_loader *ld, json_t *root, struct hag_config *c)
{
	static const char *const sections[] = { "lifecycle", "log" };
	json_t *o;
	int rc;

	if ((rc = get_member(ld, root, "", "mptcp", JSON_OBJECT, false, &o)) ||
	    (o && (rc = parse_mptcp(ld, o, c))))
		return rc;

	if ((rc = get_member(ld, root, "", "tcp", JSON_OBJECT, false, &o)) ||
	    (o && (rc = parse_tcp(ld, o, c))))
		return rc;

	/* Sections of table keys only. */
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if ((rc = get_member(ld, root, "", sections[i], JSON_OBJECT, false, &o)) ||
		    (o && ((rc = check_section_keys(ld, o, sections[i], (const char *const[]){ NULL })) ||
			   (rc = get_section_keys(ld, o, sections[i], c)))))
			return rc;
	return 0;
}

static int parse_intercept(struct hag_config_loader *ld, json_t *o, const char *path, struct hag_config *c)
{
	static const char *const keys[] = { "prefix", "ports", NULL };
	struct hag_intercept_conf *r = &c->transparent.intercept[c->transparent.n_intercept];
	const char *prefix;
	json_t *ports, *e;
	char a[16], kp[96];
	unsigned len;
	size_t i;
	int rc;

	if ((rc = want_type(ld, o, path, NULL, JSON_OBJECT)) ||
	    (rc = check_keys(ld, o, path, keys)) ||
	    (rc = get_str(ld, o, path, "prefix", &prefix)))
		return rc;
	if (strchr(prefix, ':')) {
		const char *why = ip6_of(prefix, r->prefix6, &len);

		if (why)
			return fail(ld, path, "prefix", "\"%s\": %s", prefix, why);
		if (!prefix6_clean(r->prefix6, len))
			return fail(ld, path, "prefix", "\"%s\" has host bits set", prefix);
		r->v6 = true;
	} else {
		if ((rc = parse_inet(ld, path, "prefix", prefix, IN_PREFIX, &r->prefix, &len)))
			return rc;
		if (r->prefix & ~mask_of(len))
			return fail(ld, path, "prefix", "\"%s\" has host bits set (did you mean %s/%u?)",
				    prefix, fmt_ip(a, r->prefix & mask_of(len)), len);
	}
	r->prefixlen = (uint8_t)len;
	if ((rc = get_member(ld, o, path, "ports", JSON_ARRAY, false, &ports)))
		return rc;
	if (!ports) {
		c->transparent.n_intercept++;     /* every port */
		return 0;
	}
	if (json_array_size(ports) == 0 || json_array_size(ports) > HAG_MAX_INTERCEPT_PORTS)
		return fail(ld, path, "ports", "%zu entries, expected 1..%d (leave the key out for every port)",
			    json_array_size(ports), HAG_MAX_INTERCEPT_PORTS);
	json_array_foreach(ports, i, e) {
		snprintf(kp, sizeof(kp), "ports[%zu]", i);
		if ((rc = parse_port_range(ld, path, kp, e, &r->ports[i].lo, &r->ports[i].hi)))
			return rc;
	}
	r->n_ports = (int)json_array_size(ports);
	c->transparent.n_intercept++;
	return 0;
}

static int parse_transparent(struct hag_config_loader *ld, json_t *o, struct hag_config *c)
{
	static const char *const keys[] = { "ingress", "intercept", "mptcp_only", "snat", "other", NULL };
	struct hag_transparent_conf *t = &c->transparent;
	json_t *arr, *e;
	char kp[48];
	size_t i;
	int other = 0, rc;

	t->enabled = true;
	t->route_other = true;
	if ((rc = check_keys(ld, o, "transparent", keys)) ||
	    (rc = get_member(ld, o, "transparent", "ingress", JSON_ARRAY, true, &arr)))
		return rc;
	if (json_array_size(arr) == 0)
		return fail(ld, "transparent", "ingress", "no port: name the access ports (where clients' SYNs arrive)");
	json_array_foreach(arr, i, e) {
		int idx;

		snprintf(kp, sizeof(kp), "ingress[%zu]", i);
		if ((rc = want_type(ld, e, "transparent", kp, JSON_STRING)) ||
		    (rc = find_port(ld, "transparent", kp, json_string_value(e), c, &idx)))
			return rc;
		if (t->ingress & (1u << idx))
			return fail(ld, "transparent", kp, "port \"%s\" named twice", json_string_value(e));
		t->ingress |= 1u << idx;
	}
	if ((rc = get_member(ld, o, "transparent", "intercept", JSON_ARRAY, true, &arr)))
		return rc;
	if (json_array_size(arr) == 0 || json_array_size(arr) > HAG_MAX_INTERCEPT)
		return fail(ld, "transparent", "intercept", "%zu entries, expected 1..%d",
			    json_array_size(arr), HAG_MAX_INTERCEPT);
	json_array_foreach(arr, i, e) {
		snprintf(kp, sizeof(kp), "transparent.intercept[%zu]", i);
		if ((rc = parse_intercept(ld, e, kp, c)))
			return rc;
	}
	if ((rc = get_bool(ld, o, "transparent", "mptcp_only", &t->mptcp_only)) ||
	    (rc = get_word(ld, o, "transparent", "other", hag_words_other, &other)) ||
	    (rc = get_member(ld, o, "transparent", "snat", JSON_ARRAY, false, &arr)))
		return rc;
	t->route_other = other == 0;
	if (!arr)
		return 0;
	if (json_array_size(arr) > HAG_MAX_SNAT)
		return fail(ld, "transparent", "snat", "%zu addresses, at most %d", json_array_size(arr), HAG_MAX_SNAT);
	json_array_foreach(arr, i, e) {
		uint32_t a;
		bool onlink = false;

		snprintf(kp, sizeof(kp), "snat[%zu]", i);
		if ((rc = want_type(ld, e, "transparent", kp, JSON_STRING)))
			return rc;
		if (strchr(json_string_value(e), ':')) {
			/* An IPv6 source for IPv6 destinations: hagd answers ND for it on the port
			 * whose prefix holds it. */
			uint8_t *a6 = t->snat6[t->n_snat6];

			if (ip6_of(json_string_value(e), a6, NULL))
				return fail(ld, "transparent", kp, "\"%s\": not an IPv6 address", json_string_value(e));
			if (!prefix_of_port6(c, a6))
				return fail(ld, "transparent", kp,
					    "%s is in no port's IPv6 prefix: replies would not reach hagd", json_string_value(e));
			if (known_addr6(c, a6, true))
				return fail(ld, "transparent", kp, "%s is a port's own address", json_string_value(e));
			for (int j = 0; j < t->n_snat6; j++)
				if (!memcmp(t->snat6[j], a6, 16))
					return fail(ld, "transparent", kp, "duplicate of an earlier IPv6 snat address");
			t->n_snat6++;
			continue;
		}
		if ((rc = parse_inet(ld, "transparent", kp, json_string_value(e), IN_ADDR, &a, NULL)))
			return rc;
		for (int p = 0; p < c->n_ports; p++)
			onlink |= !((a ^ c->ports[p].addr) & mask_of(c->ports[p].prefixlen));
		for (int j = 0; j < c->n_addrs; j++)
			onlink |= a == c->addrs[j];
		/* Servers' replies must reach hagd: it answers ARP for the address
		 * on the port whose prefix holds it, or the operator routes it here. */
		if (!onlink)
			return fail(ld, "transparent", kp,
				    "%s is in no port's prefix and not in addresses[]: replies would not reach hagd",
				    json_string_value(e));
		for (int j = 0; j < t->n_snat; j++)
			if (t->snat[j] == a)
				return fail(ld, "transparent", kp, "duplicate of snat[%d]", j);
		t->snat[t->n_snat++] = a;
	}
	return 0;
}

static int parse_limits(struct hag_config_loader *ld, json_t *o, struct hag_config *c)
{
	int rc;

	if ((rc = check_section_keys(ld, o, "limits", (const char *const[]){ NULL })) ||
	    (rc = get_section_keys(ld, o, "limits", c)))
		return rc;
	if ((uint64_t)c->limit_conns > (uint64_t)c->tcp_max_conns * c->workers)
		return fail(ld, "limits", "connections",
			    "%u is more than tcp.max_conns times dpdk.workers (%llu): raise tcp.max_conns too (each relayed connection takes 2 or more sockets)",
			    c->limit_conns, (unsigned long long)c->tcp_max_conns * c->workers);
	return 0;
}

/* Sections are read in dependency order: routes name ports, listeners must
 * use own addresses and reach their upstream. */
static int validate(struct hag_config_loader *ld, json_t *root, struct hag_config *c)
{
	static const char *const keys[] = { "dpdk", "ports", "addresses", "routes", "listeners",
					    "transparent", "access", "mptcp", "tcp", "limits", "lifecycle", "log",
					    NULL };
	json_t *o;
	int rc;

	if ((rc = want_type(ld, root, "", NULL, JSON_OBJECT)) ||
	    (rc = check_keys(ld, root, "", keys)) ||
	    (rc = get_member(ld, root, "", "dpdk", JSON_OBJECT, false, &o)) ||
	    (o && (rc = parse_dpdk(ld, o, c))))
		return rc;
	if ((rc = each(ld, root, "ports", 1, HAG_MAX_PORTS, c, parse_port)) ||
	    (rc = each(ld, root, "addresses", 0, HAG_MAX_ADDRS, c, parse_address)) ||
	    (rc = each(ld, root, "routes", 0, HAG_MAX_ROUTES, c, parse_route)) ||
	    (rc = each(ld, root, "listeners", 0, HAG_MAX_LISTENERS, c, parse_listener)) ||
	    (rc = each(ld, root, "access", 0, HAG_MAX_ACCESS, c, parse_access)) ||
	    (rc = get_member(ld, root, "", "transparent", JSON_OBJECT, false, &o)) ||
	    (o && (rc = parse_transparent(ld, o, c))))
		return rc;
	if (c->n_listeners == 0 && !c->transparent.enabled)
		return fail(ld, "listeners", NULL,
			    "nothing to relay: no listener and no transparent section (one of them is required)");
	if ((rc = parse_small_sections(ld, root, c)) ||
	    (rc = get_member(ld, root, "", "limits", JSON_OBJECT, false, &o)) ||
	    (o && (rc = parse_limits(ld, o, c))))
		return rc;
	return 0;
}

/* Validates into a scratch copy, so cfg ends up either fully loaded or at
 * defaults with nothing allocated. */
int hag_config_from_tree(struct hag_config_loader *ld, json_t *root, struct hag_config *cfg, const char *path)
{
	struct hag_config c;
	int rc;

	hag_config_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s", path);
	rc = validate(ld, root, &c);
	if (rc == -ENOMEM && ld->err && ld->errlen)
		snprintf(ld->err, ld->errlen, "%s: out of memory", ld->name);
	if (rc) {
		hag_config_free(&c);
		return rc;
	}
	*cfg = c;
	return 0;
}
