/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The effective config as JSON, in the file's own schema (docs/config.md)
 * with every default filled in: what `hagctl config` shows, and what
 * hag_config_load reads back to the same values (tests/unit/test_config.c).
 */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include <jansson.h>

#include "config.h"

static json_t *ip(uint32_t a)
{
	char b[16];

	snprintf(b, sizeof(b), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return json_string(b);
}

static json_t *ip_len(uint32_t a, unsigned len)
{
	char b[24];

	snprintf(b, sizeof(b), "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, len);
	return json_string(b);
}

/* An IPv6 address, with "/LEN" when len >= 0. */
static json_t *ip6(const uint8_t a[16], int len)
{
	char b[INET6_ADDRSTRLEN + 4];

	inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN);
	if (len >= 0)
		snprintf(b + strlen(b), sizeof(b) - strlen(b), "/%d", len);
	return json_string(b);
}

static json_t *ip_port(uint32_t a, unsigned port)
{
	char b[24];

	if (a == 0)
		snprintf(b, sizeof(b), "0.0.0.0:%u", port);
	else
		snprintf(b, sizeof(b), "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, port);
	return json_string(b);
}

/* "[ADDR]:PORT" */
static json_t *ip6_port(const uint8_t a[16], unsigned port)
{
	char b[INET6_ADDRSTRLEN + 10] = "[";

	inet_ntop(AF_INET6, a, b + 1, INET6_ADDRSTRLEN);
	snprintf(b + strlen(b), sizeof(b) - strlen(b), "]:%u", port);
	return json_string(b);
}

/* A listener's "listen" as it was written (family 0: ":PORT", both families). */
static json_t *listen_of(const struct hag_listener_conf *l)
{
	char b[8];

	if (l->family == 6)
		return ip6_port(l->addr6, l->port);
	if (l->family == 0) {
		snprintf(b, sizeof(b), ":%u", l->port);
		return json_string(b);
	}
	return ip_port(l->addr, l->port);
}

static json_t *impair(const struct hag_impair_conf *im)
{
	const char *const *dirs = hag_words_impair_dir;
	const struct hag_impair_gilbert *g = &im->gilbert;
	json_t *o = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:s, s:I}", "delay_ms", im->delay_ms,
			      "jitter_ms", im->jitter_ms, "loss_pct", im->loss_pct, "dup_pct", im->dup_pct,
			      "reorder_pct", im->reorder_pct, "corrupt_pct", im->corrupt_pct, "rate_mbit",
			      im->rate_mbit, "seed", (json_int_t)im->seed, "direction", dirs[im->direction],
			      "limit", (json_int_t)im->limit);

	/* Only when on: the dump of a config without it stays as it was. */
	if (o && (g->good_to_bad_pct > 0 || g->loss_good_pct > 0) &&
	    json_object_set_new(o, "gilbert", json_pack("{s:f, s:f, s:f, s:f}", "good_to_bad_pct",
							 g->good_to_bad_pct, "bad_to_good_pct",
							 g->bad_to_good_pct, "loss_good_pct",
							 g->loss_good_pct, "loss_bad_pct",
							 g->loss_bad_pct))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "LO-HI", the form the loader reads. */
static json_t *range(uint16_t lo, uint16_t hi)
{
	char b[16];

	snprintf(b, sizeof(b), "%u-%u", lo, hi);
	return json_string(b);
}

static json_t *transparent(const struct hag_config *c)
{
	const struct hag_transparent_conf *t = &c->transparent;
	json_t *in = json_array(), *ic = json_array(), *sn = json_array();

	for (int i = 0; i < c->n_ports; i++)
		if (t->ingress & (1u << i))
			json_array_append_new(in, json_string(c->ports[i].name));
	for (int i = 0; i < t->n_intercept; i++) {
		const struct hag_intercept_conf *r = &t->intercept[i];
		json_t *o = json_pack("{s:o}", "prefix", r->v6 ? ip6(r->prefix6, r->prefixlen) : ip_len(r->prefix, r->prefixlen));

		if (r->n_ports) {
			json_t *ports = json_array();

			for (int k = 0; k < r->n_ports; k++)
				json_array_append_new(ports, r->ports[k].lo == r->ports[k].hi ?
						      json_integer(r->ports[k].lo) : range(r->ports[k].lo, r->ports[k].hi));
			json_object_set_new(o, "ports", ports);
		}
		json_array_append_new(ic, o);
	}
	for (int i = 0; i < t->n_snat; i++)
		json_array_append_new(sn, ip(t->snat[i]));
	for (int i = 0; i < t->n_snat6; i++)
		json_array_append_new(sn, ip6(t->snat6[i], -1));
	return json_pack("{s:o, s:o, s:b, s:o, s:s}", "ingress", in, "intercept", ic, "mptcp_only", t->mptcp_only,
			 "snat", sn, "other", hag_words_other[t->route_other ? 0 : 1]);
}

/* A section with every one of its keys in hag_config_keys, as the loader reads them. */
static json_t *section(const struct hag_config *c, const char *name)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < hag_config_n_keys; i++) {
		const struct hag_config_key *k = &hag_config_keys[i];
		const char *f = (const char *)c + k->off;
		json_t *v;

		if (strcmp(k->section, name) != 0)
			continue;
		if (k->kind == HAG_KEY_U32)
			v = json_integer(*(const uint32_t *)f);
		else if (k->kind == HAG_KEY_BOOL)
			v = json_boolean(*(const bool *)f);
		else
			v = json_string(k->words[*(const int *)f]);
		json_object_set_new(o, k->key, v);
	}
	return o;
}

json_t *hag_config_to_json(const struct hag_config *c)
{
	json_t *root = json_object(), *a, *o;

	if (root == NULL)
		return NULL;
	a = json_array();
	for (int i = 0; i < c->n_eal_args; i++)
		json_array_append_new(a, json_string(c->eal_args[i]));
	o = section(c, "dpdk");
	json_object_set_new(o, "args", a);
	json_object_set_new(root, "dpdk", o);
	a = json_array();
	for (int i = 0; i < c->n_ports; i++) {
		const struct hag_port_conf *p = &c->ports[i];

		o = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I}", "name", p->name, "dev", p->dev, "addr",
			      ip_len(p->addr, p->prefixlen), "mtu", (json_int_t)p->mtu, "rx_desc",
			      (json_int_t)p->rx_desc, "tx_desc", (json_int_t)p->tx_desc);
		if (o && p->has_addr6)
			json_object_set_new(o, "addr6", ip6(p->addr6, p->prefixlen6));
		if (o && p->impair.enabled)
			json_object_set_new(o, "impair", impair(&p->impair));
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "ports", a);
	a = json_array();
	for (int i = 0; i < c->n_addrs; i++)
		json_array_append_new(a, ip(c->addrs[i]));
	for (int i = 0; i < c->n_addrs6; i++)
		json_array_append_new(a, ip6(c->addrs6[i], -1));
	json_object_set_new(root, "addresses", a);
	a = json_array();
	for (int i = 0; i < c->n_routes; i++) {
		const struct hag_route_conf *r = &c->routes[i];

		json_array_append_new(a, r->v6 ? json_pack("{s:o, s:o, s:s}", "prefix", ip6(r->prefix6, r->prefixlen), "via",
							   ip6(r->via6, -1), "port", c->ports[r->port].name) :
				      json_pack("{s:o, s:o, s:s}", "prefix", ip_len(r->prefix, r->prefixlen), "via",
						ip(r->via), "port", c->ports[r->port].name));
	}
	json_object_set_new(root, "routes", a);
	a = json_array();
	for (int i = 0; i < c->n_listeners; i++)
		json_array_append_new(a, json_pack("{s:o, s:o}", "listen", listen_of(&c->listeners[i]), "upstream",
						   c->listeners[i].upstream_v6 ?
							   ip6_port(c->listeners[i].upstream_addr6,
								    c->listeners[i].upstream_port) :
							   ip_port(c->listeners[i].upstream_addr,
								   c->listeners[i].upstream_port)));
	json_object_set_new(root, "listeners", a);
	a = json_array();
	for (int i = 0; i < c->n_access; i++) {
		const struct hag_access_conf *ac = &c->access[i];
		json_t *o = json_pack("{s:s, s:o, s:I, s:b}", "name", ac->name, "prefix",
				      ac->has4 ? ip_len(ac->prefix, ac->prefixlen) : ip6(ac->prefix6, ac->prefixlen6),
				      "cost", (json_int_t)ac->cost, "backup", ac->backup);

		if (ac->has4 && ac->has6)
			json_object_set_new(o, "prefix6", ip6(ac->prefix6, ac->prefixlen6));
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "access", a);
	a = json_array();
	for (int i = 0; i < c->n_announce; i++)
		json_array_append_new(a, c->mptcp_announce_is6[i] ? ip6(c->mptcp_announce6[i], -1) : ip(c->mptcp_announce[i]));
	o = section(c, "mptcp");
	json_object_set_new(o, "announce", a);
	json_object_set_new(root, "mptcp", o);
	o = section(c, "tcp");
	json_object_set_new(o, "local_ports", range(c->local_port_lo, c->local_port_hi));
	json_object_set_new(root, "tcp", o);
	if (c->transparent.enabled)
		json_object_set_new(root, "transparent", transparent(c));
	json_object_set_new(root, "limits", section(c, "limits"));
	json_object_set_new(root, "lifecycle", section(c, "lifecycle"));
	json_object_set_new(root, "log", section(c, "log"));
	return root;
}
