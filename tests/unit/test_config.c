/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader: the shipped files load, defaults fill what a file leaves
 * out, and every kind of mistake is named with its key path and line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "config.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct hag_config cfg;
static char err[1024];

static void teardown(void)
{
	/* Also after a failed load: the loader must leave cfg safe to free. */
	hag_config_free(&cfg);
	hag_config_free(&cfg);
}

TestSuite(config, .fini = teardown);

/* A valid base; each error test breaks one thing on a known line. */
#define PORTS                                                                   \
	"{\n"                                                                   \
	"  \"ports\": [\n"                                                      \
	"    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\" },\n" \
	"    { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\" }\n"  \
	"  ],\n"
#define LISTENERS                                                               \
	"  \"listeners\": [ { \"listen\": \"10.10.1.1:80\", \"upstream\": \"10.20.0.2:90\" } ]\n"

static int load(const char *text)
{
	err[0] = '\0';
	return hag_config_load_string(text, "t.json", &cfg, err, sizeof(err));
}

static void expect_error(const char *text, const char *where, const char *path, const char *why)
{
	cr_assert_eq(load(text), -EINVAL, "loaded: %s", text);
	cr_expect(strstr(err, where), "no \"%s\" in: %s", where, err);
	cr_expect(strstr(err, path), "no \"%s\" in: %s", path, err);
	cr_expect(strstr(err, why), "no \"%s\" in: %s", why, err);
	cr_expect(!strchr(err, '\n'), "not one line: %s", err);
	cr_expect_eq(cfg.n_eal_args, 0);
	cr_expect_eq(cfg.n_ports, 0, "a failed load leaves defaults");
}

static int write_tmp(const char *suffix, const char *text, char *path, size_t n)
{
	snprintf(path, n, "/tmp/hag_test_configXXXXXX%s", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return 0;
}

static int load_tmp(const char *suffix, const char *text)
{
	char path[64];
	int rc;

	write_tmp(suffix, text, path, sizeof(path));
	err[0] = '\0';
	rc = hag_config_load(path, &cfg, err, sizeof(err));
	unlink(path);
	return rc;
}

Test(config, testbed_json_describes_the_test_network)
{
	cr_assert_eq(hag_config_load(HAG_SRCDIR "/conf/testbed.json", &cfg, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_str_eq(cfg.path, HAG_SRCDIR "/conf/testbed.json");
	cr_assert_eq(cfg.n_eal_args, 11);
	cr_expect_str_eq(cfg.eal_args[0], "--no-huge");
	cr_expect_str_eq(cfg.eal_args[6], "hagd-testbed");
	cr_expect_str_eq(cfg.eal_args[10], "*:notice");
	cr_expect_eq(cfg.mbufs, 65535);
	cr_expect_eq(cfg.idle_sleep_us, 20);

	cr_assert_eq(cfg.n_ports, 3);
	cr_expect_str_eq(cfg.ports[0].name, "dsl");
	cr_expect_str_eq(cfg.ports[0].dev, "net_af_xdp0,iface=dsl-gw");
	cr_expect(cfg.ports[0].is_vdev);
	cr_expect_eq(cfg.ports[0].addr, IP(10, 10, 1, 1));
	cr_expect_eq(cfg.ports[0].prefixlen, 24);
	cr_expect(cfg.ports[0].has_addr6);
	cr_expect_eq(cfg.ports[0].prefixlen6, 64);
	cr_expect_str_eq(cfg.ports[1].name, "lte");
	cr_expect_eq(cfg.ports[1].addr, IP(10, 10, 2, 1));
	cr_expect(cfg.ports[1].has_addr6);
	cr_expect(cfg.ports[2].has_addr6, "dual-stack upstream too (issue 17)");
	cr_expect_str_eq(cfg.ports[2].name, "upstream");
	cr_expect_str_eq(cfg.ports[2].dev, "net_af_xdp2,iface=up-gw");
	cr_expect_eq(cfg.ports[2].addr, IP(10, 20, 0, 1));

	cr_assert_eq(cfg.n_addrs, 1);
	cr_expect_eq(cfg.addrs[0], IP(10, 10, 0, 1));
	cr_assert_eq(cfg.n_addrs6, 1, "the IPv6 service address 2001:db8:ff::1");
	cr_expect_eq(cfg.addrs6[0][5], 0xff);
	cr_expect_eq(cfg.n_routes, 0);
	cr_assert_eq(cfg.n_listeners, 2);
	cr_expect_eq(cfg.listeners[1].family, 6);
	cr_expect(cfg.listeners[1].upstream_v6);
	cr_expect_eq(cfg.listeners[1].port, 8080);
	cr_expect_eq(cfg.listeners[0].addr, IP(10, 10, 0, 1));
	cr_expect_eq(cfg.listeners[0].port, 8080);
	cr_expect_eq(cfg.listeners[0].upstream_addr, IP(10, 20, 0, 2));
	cr_expect_eq(cfg.listeners[0].upstream_port, 9000);
	cr_expect(cfg.mptcp_enabled);
	cr_expect_eq(cfg.log_level, HAG_LOG_INFO);
}

/* The libconfig file is the commented twin of the JSON one: same struct. */
Test(config, hagd_json_and_hagd_cfg_load_the_same_settings)
{
	struct hag_config j;

	cr_assert_eq(hag_config_load(HAG_SRCDIR "/conf/hagd.json", &j, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(hag_config_load(HAG_SRCDIR "/conf/hagd.cfg", &cfg, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect(!j.ports[0].is_vdev, "a PCI address is not a vdev");
	cr_expect_eq(j.n_routes, 1);
	cr_expect_eq(j.routes[0].prefixlen, 0);
	cr_expect_eq(j.routes[0].port, 2);
	cr_expect_eq(j.listeners[1].addr, 0, "\":8080\" listens on any own address");

	cr_assert_eq(j.n_eal_args, cfg.n_eal_args);
	for (int i = 0; i < j.n_eal_args; i++)
		cr_expect_str_eq(j.eal_args[i], cfg.eal_args[i]);
	/* Compare everything after the EAL args; path and pointers differ. */
	size_t from = offsetof(struct hag_config, mbufs);
	cr_expect(!memcmp((char *)&j + from, (char *)&cfg + from, sizeof(j) - from));
	hag_config_free(&j);
}

Test(config, defaults_fill_what_the_file_leaves_out)
{
	cr_assert_eq(load(PORTS LISTENERS "}"), 0, "%s", err);
	cr_expect_eq(cfg.n_eal_args, 0);
	cr_expect_eq(cfg.mbufs, 65535);
	cr_expect_eq(cfg.idle_sleep_us, 0, "busy polling unless asked");
	cr_expect_eq(cfg.ports[0].mtu, 1500);
	cr_expect_eq(cfg.ports[0].rx_desc, 1024);
	cr_expect_eq(cfg.ports[0].tx_desc, 1024);
	cr_expect(cfg.mptcp_enabled);
	cr_expect_eq(cfg.tcp_rcvbuf, 4u << 20);
	cr_expect_eq(cfg.tcp_sndbuf, 4u << 20);
	cr_expect_eq(cfg.tcp_max_conns, 65536);
	cr_expect_eq(cfg.tcp_timewait_ms, 2000);
	cr_expect_eq(cfg.tcp_syn_retries, 5);
	cr_expect_eq(cfg.tcp_connect_timeout_ms, 10000);
	cr_expect_eq(cfg.tcp_cc_access, TCP_CC_CUBIC);
	cr_expect_eq(cfg.tcp_cc_upstream, TCP_CC_CUBIC);
	cr_expect_eq(cfg.mptcp_cc, MPTCP_CC_UNCOUPLED);
	cr_expect_eq(cfg.mptcp_checksum, MPTCP_CSUM_ACCEPT);
	cr_expect(!cfg.mptcp_deny_join_initial);
	cr_expect_eq(cfg.mptcp_resume_timeout_ms, 30000);
	cr_expect_eq(cfg.log_level, HAG_LOG_INFO);
}

Test(config, congestion_control_is_chosen_per_side)
{
	cr_assert_eq(load(PORTS LISTENERS ",\n  \"tcp\": { \"cc_access\": \"newreno\", \"cc_upstream\": \"cubic\" }\n}"),
		     0, "%s", err);
	cr_expect_eq(cfg.tcp_cc_access, TCP_CC_NEWRENO);
	cr_expect_eq(cfg.tcp_cc_upstream, TCP_CC_CUBIC);
}

Test(config, unknown_congestion_control_is_refused)
{
	expect_error(PORTS LISTENERS ",\n  \"tcp\": { \"cc_upstream\": \"bbr\" }\n}", ":",
		     "tcp.cc_upstream", "expected one of cubic, newreno");
}

Test(config, listen_forms_for_any_own_address)
{
	cr_assert_eq(load(PORTS "  \"listeners\": [\n"
			  "  { \"listen\": \":80\", \"upstream\": \"10.20.0.2:90\" },\n"
			  "  { \"listen\": \"0.0.0.0:81\", \"upstream\": \"10.20.0.2:91\" } ]\n}"),
		     0, "%s", err);
	cr_expect_eq(cfg.listeners[0].addr, 0);
	cr_expect_eq(cfg.listeners[0].port, 80);
	cr_expect_eq(cfg.listeners[1].addr, 0);
	cr_expect_eq(cfg.listeners[1].port, 81);
}

Test(config, unknown_key_names_the_closest_known_key)
{
	expect_error("{\n  \"ports\": [\n"
		     "    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\" },\n"
		     "    { \"name\": \"up\", \"dev\": \"net_b\", \"adr\": \"10.20.0.1/24\" }\n"
		     "  ],\n" LISTENERS "}",
		     "t.json:4:37:", "ports[1].adr", "did you mean addr");
}

Test(config, unknown_key_without_a_close_one_lists_the_known_keys)
{
	expect_error(PORTS LISTENERS ", \"tcp\": { \"fast\": true }\n}",
		     "t.json:7:", "tcp.fast", "rcvbuf, sndbuf");
	expect_error("{ \"foo\": 1 }", "t.json:1:3:", "foo", "unknown key (known here: dpdk");
}

Test(config, wrong_type_says_what_was_expected)
{
	expect_error(PORTS LISTENERS ", \"mptcp\": {\n  \"enabled\": \"yes\" }\n}",
		     "t.json:8:", "mptcp.enabled", "expected boolean, got string");
	expect_error(PORTS LISTENERS ", \"tcp\": {\n  \"rcvbuf\": \"65536\" }\n}",
		     "t.json:8:", "tcp.rcvbuf", "expected integer, got string");
	expect_error("{\n \"ports\": {}\n}", "t.json:2:", "ports", "expected array, got object");
}

Test(config, bad_address_is_named)
{
	expect_error("{\n  \"ports\": [\n"
		     "    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.300/24\" }\n"
		     "  ],\n" LISTENERS "}",
		     "t.json:3:", "ports[0].addr", "bad IPv4 address \"10.10.1.300/24\"");
	expect_error(PORTS "  \"addresses\": [\"10.1\"],\n" LISTENERS "}",
		     "t.json:6:", "addresses[0]", "bad IPv4 address");
}

Test(config, bad_prefix_length_is_named)
{
	expect_error("{\n  \"ports\": [\n"
		     "    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/33\" }\n"
		     "  ],\n" LISTENERS "}",
		     "t.json:3:", "ports[0].addr", "bad prefix length");
}

Test(config, out_of_range_gives_the_range)
{
	expect_error("{\n  \"ports\": [\n"
		     "    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\",\n"
		     "      \"mtu\": 10000 }\n"
		     "  ],\n" LISTENERS "}",
		     "t.json:4:7:", "ports[0].mtu", "10000 out of range 576..9000");
	expect_error(PORTS LISTENERS ", \"dpdk\": { \"idle_sleep_us\": -1 }\n}",
		     "t.json:7:", "dpdk.idle_sleep_us", "out of range 0..10000");
}

Test(config, descriptor_counts_are_powers_of_two)
{
	expect_error("{\n  \"ports\": [\n"
		     "    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\",\n"
		     "      \"rx_desc\": 1000 }\n"
		     "  ],\n" LISTENERS "}",
		     "t.json:4:7:", "ports[0].rx_desc", "not a power of two");
}

Test(config, duplicate_port_name)
{
	expect_error("{\n  \"ports\": [\n"
		     "    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\" },\n"
		     "    { \"name\": \"dsl\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\" }\n"
		     "  ],\n" LISTENERS "}",
		     "t.json:4:7:", "ports[1].name", "duplicate port name \"dsl\"");
}

Test(config, route_to_unknown_port)
{
	expect_error(PORTS "  \"routes\": [\n"
		     "    { \"prefix\": \"0.0.0.0/0\", \"via\": \"10.20.0.254\", \"port\": \"uq\" }\n"
		     "  ],\n" LISTENERS "}",
		     "t.json:7:", "routes[0].port", "no port named \"uq\" (did you mean up?)");
}

Test(config, route_via_must_be_on_the_port)
{
	expect_error(PORTS "  \"routes\": [\n"
		     "    { \"prefix\": \"0.0.0.0/0\", \"via\": \"10.10.1.254\", \"port\": \"up\" }\n"
		     "  ],\n" LISTENERS "}",
		     "t.json:7:", "routes[0].via", "not a neighbour on port up");
}

Test(config, route_prefix_with_host_bits_suggests_the_network)
{
	expect_error(PORTS "  \"routes\": [\n"
		     "    { \"prefix\": \"10.1.2.3/8\", \"via\": \"10.20.0.254\", \"port\": \"up\" }\n"
		     "  ],\n" LISTENERS "}",
		     "t.json:7:7:", "routes[0].prefix", "did you mean 10.0.0.0/8?");
}

Test(config, two_listeners_on_the_same_port_clash)
{
	expect_error(PORTS "  \"listeners\": [\n"
		     "    { \"listen\": \":80\", \"upstream\": \"10.20.0.2:90\" },\n"
		     "    { \"listen\": \"10.10.1.1:80\", \"upstream\": \"10.20.0.2:91\" }\n  ]\n}",
		     "t.json:8:7:", "listeners[1].listen", "clashes with listeners[0]");
}

Test(config, upstream_must_be_reachable)
{
	expect_error(PORTS "  \"listeners\": [\n"
		     "    { \"listen\": \":80\", \"upstream\": \"192.0.2.1:90\" }\n  ]\n}",
		     "t.json:7:", "listeners[0].upstream", "no route to 192.0.2.1:90");
}

Test(config, listener_without_upstream)
{
	expect_error(PORTS "  \"listeners\": [\n    { \"listen\": \":80\" }\n  ]\n}",
		     "t.json:7:5:", "listeners[0].upstream", "listener without upstream");
}

Test(config, listener_must_use_an_own_address)
{
	expect_error(PORTS "  \"listeners\": [\n"
		     "    { \"listen\": \"10.10.9.9:80\", \"upstream\": \"10.20.0.2:90\" }\n  ]\n}",
		     "t.json:7:", "listeners[0].listen", "not one of hagd's addresses");
}

Test(config, required_sections)
{
	expect_error(PORTS "  \"log\": {}\n}", "t.json: ", "listeners",
		     "nothing to relay: no listener and no transparent section");
	expect_error("{ \"listeners\": [] }", "t.json: ", "ports", "required key missing");
	expect_error(PORTS "  \"listeners\": []\n}", "t.json:6:", "listeners",
		     "nothing to relay");
}

Test(config, too_many_entries)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text), "{ \"ports\": [\n");

	for (int i = 0; i < HAG_MAX_PORTS + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%s{ \"name\": \"p%d\", \"dev\": \"net_%d\", \"addr\": \"10.%d.0.1/24\" }\n",
				      i ? "," : "", i, i, i);
	snprintf(text + n, sizeof(text) - n, "],\n" LISTENERS "}");
	expect_error(text, "t.json:1:3:", "ports", "9 entries, expected 1..8");
}

Test(config, json_syntax_error_gives_line_and_column)
{
	expect_error("{\n  \"ports\": [\n    { \"name\": \"dsl\",, }\n  ]\n}",
		     "t.json:3:", "invalid JSON", "expected");
	cr_expect(strstr(err, "t.json:3:21:"), "%s", err);
}

Test(config, duplicate_json_key_is_rejected)
{
	expect_error("{\n  \"log\": {},\n  \"log\": {}\n}", "t.json:3:", "invalid JSON",
		     "duplicate object key");
}

Test(config, libconfig_syntax_error_gives_its_line)
{
	cr_assert_eq(load_tmp(".cfg", "ports = ();\n\nlisteners = (\n  { listen = ; }\n);\n"),
		     -EINVAL);
	cr_expect(strstr(err, ".cfg:4: invalid libconfig syntax"), "%s", err);
	cr_expect_eq(cfg.n_ports, 0);
}

Test(config, libconfig_errors_carry_the_setting_line)
{
	static const char text[] =
		"ports = (\n"
		"  { name = \"dsl\"; dev = \"net_a\"; addr = \"10.10.1.1/24\"; },\n"
		"  { name = \"up\"; dev = \"net_b\"; addr = \"10.20.0.1/24\";\n"
		"    mtu = 100; }\n"
		");\n"
		"listeners = ( { listen = \"10.10.1.1:80\"; upstream = \"10.20.0.2:90\"; } );\n";

	cr_assert_eq(load_tmp(".conf", text), -EINVAL);
	cr_expect(strstr(err, ".conf:4: ports[1].mtu: 100 out of range 576..9000"), "%s", err);
}

Test(config, libconfig_unknown_key)
{
	static const char text[] =
		"ports = ( { name = \"dsl\"; dev = \"net_a\"; addr = \"10.10.1.1/24\"; } );\n"
		"listeners = ( { listen = \":80\"; upstream = \"10.10.1.2:90\"; } );\n"
		"tcp = {\n"
		"  rcvbuff = 65536;\n"
		"};\n";

	cr_assert_eq(load_tmp(".cfg", text), -EINVAL);
	cr_expect(strstr(err, ".cfg:4: tcp.rcvbuff: unknown key (did you mean rcvbuf?)"), "%s", err);
}

Test(config, missing_file)
{
	cr_expect_eq(hag_config_load("/nonexistent/hagd.json", &cfg, err, sizeof(err)), -ENOENT);
	cr_expect(strstr(err, "/nonexistent/hagd.json: cannot read"), "%s", err);
	cr_expect_eq(hag_config_load("/nonexistent/hagd.cfg", &cfg, err, sizeof(err)), -ENOENT);
	cr_expect(strstr(err, "/nonexistent/hagd.cfg: cannot read"), "%s", err);
}

Test(config, no_error_buffer_is_fine)
{
	cr_expect_eq(hag_config_load_string("{ \"bogus\": 1 }", "t.json", &cfg, NULL, 0), -EINVAL);
	cr_expect_eq(hag_config_load("/nonexistent/x.json", &cfg, NULL, 0), -ENOENT);
}

Test(config, loaded_config_can_be_reloaded_after_free)
{
	cr_assert_eq(hag_config_load(HAG_SRCDIR "/conf/testbed.json", &cfg, err, sizeof(err)), 0);
	hag_config_free(&cfg);
	cr_expect_eq(cfg.n_eal_args, 0);
	cr_assert_eq(hag_config_load(HAG_SRCDIR "/conf/testbed.json", &cfg, err, sizeof(err)), 0);
	cr_expect_eq(cfg.n_eal_args, 11);
}

/* ports[].impair: the test-only link impairment (app/impair.c). */
#define IMPAIR_PORTS(impair)                                                    \
	"{\n"                                                                   \
	"  \"ports\": [\n"                                                      \
	"    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\",\n" \
	"      \"impair\": " impair " },\n"                                   \
	"    { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\" }\n"  \
	"  ],\n"

Test(config, impair_is_off_unless_configured)
{
	cr_assert_eq(load(PORTS LISTENERS "}"), 0, "%s", err);
	cr_expect(!cfg.ports[0].impair.enabled);
	cr_expect(!cfg.ports[1].impair.enabled);
	cr_expect_eq(cfg.ports[0].impair.direction, HAG_IMPAIR_BOTH);
	cr_expect_eq(cfg.ports[0].impair.limit, HAG_IMPAIR_MAX_LIMIT);
	cr_assert_eq(hag_config_load(HAG_SRCDIR "/conf/testbed.json", &cfg, err, sizeof(err)), 0);
	for (int i = 0; i < cfg.n_ports; i++)
		cr_expect(!cfg.ports[i].impair.enabled, "ports[%d]", i);
}

Test(config, impair_sets_every_effect)
{
	cr_assert_eq(load(IMPAIR_PORTS("{ \"delay_ms\": 50, \"jitter_ms\": 5.5, \"loss_pct\": 1.5,\n"
				       "  \"dup_pct\": 2, \"reorder_pct\": 3, \"corrupt_pct\": 0.1,\n"
				       "  \"rate_mbit\": 100, \"seed\": 42, \"direction\": \"tx\",\n"
				       "  \"limit\": 1000 }") LISTENERS "}"),
		     0, "%s", err);
	const struct hag_impair_conf *im = &cfg.ports[0].impair;

	cr_expect(im->enabled);
	cr_expect_float_eq(im->delay_ms, 50, 1e-9);
	cr_expect_float_eq(im->jitter_ms, 5.5, 1e-9);
	cr_expect_float_eq(im->loss_pct, 1.5, 1e-9);
	cr_expect_float_eq(im->dup_pct, 2, 1e-9);
	cr_expect_float_eq(im->reorder_pct, 3, 1e-9);
	cr_expect_float_eq(im->corrupt_pct, 0.1, 1e-9);
	cr_expect_float_eq(im->rate_mbit, 100, 1e-9);
	cr_expect_eq(im->seed, 42);
	cr_expect_eq(im->direction, HAG_IMPAIR_TX);
	cr_expect_eq(im->limit, 1000);
	cr_expect(!cfg.ports[1].impair.enabled, "only the port that has it");
}

Test(config, impair_enabled_by_any_one_effect)
{
	static const char *const effects[] = { "delay_ms", "jitter_ms", "loss_pct", "dup_pct",
					       "reorder_pct", "corrupt_pct", "rate_mbit" };
	char text[1024], obj[64];

	for (size_t i = 0; i < sizeof(effects) / sizeof(effects[0]); i++) {
		snprintf(obj, sizeof(obj), "{ \"%s\": 0.5, \"direction\": \"rx\" }", effects[i]);
		snprintf(text, sizeof(text), IMPAIR_PORTS("%s") LISTENERS "}", obj);
		cr_assert_eq(load(text), 0, "%s", err);
		cr_expect(cfg.ports[0].impair.enabled, "%s alone enables it", effects[i]);
		cr_expect_eq(cfg.ports[0].impair.direction, HAG_IMPAIR_RX);
	}
}

Test(config, impair_without_an_effect_stays_off)
{
	cr_assert_eq(load(IMPAIR_PORTS("{}") LISTENERS "}"), 0, "%s", err);
	cr_expect(!cfg.ports[0].impair.enabled);
	cr_assert_eq(load(IMPAIR_PORTS("{ \"delay_ms\": 0, \"loss_pct\": 0, \"seed\": 7,"
				       " \"direction\": \"both\" }") LISTENERS "}"),
		     0, "%s", err);
	cr_expect(!cfg.ports[0].impair.enabled);
	cr_expect_eq(cfg.ports[0].impair.seed, 7);
}

Test(config, impair_out_of_range_gives_the_range)
{
	expect_error(IMPAIR_PORTS("{ \"delay_ms\": 50, \"loss_pct\": 101 }") LISTENERS "}",
		     "t.json:4:35:", "ports[0].impair.loss_pct", "101 out of range 0..100");
	expect_error(IMPAIR_PORTS("{ \"dup_pct\": 100.5 }") LISTENERS "}",
		     "t.json:4:19:", "ports[0].impair.dup_pct", "100.5 out of range 0..100");
	expect_error(IMPAIR_PORTS("{ \"delay_ms\": -1 }") LISTENERS "}",
		     "t.json:4:", "ports[0].impair.delay_ms", "-1 out of range 0..10000");
	expect_error(IMPAIR_PORTS("{ \"jitter_ms\": 10000.5 }") LISTENERS "}",
		     "t.json:4:", "ports[0].impair.jitter_ms", "out of range 0..10000");
	expect_error(IMPAIR_PORTS("{ \"rate_mbit\": 100001 }") LISTENERS "}",
		     "t.json:4:", "ports[0].impair.rate_mbit", "100001 out of range 0..100000");
	expect_error(IMPAIR_PORTS("{ \"limit\": 0 }") LISTENERS "}",
		     "t.json:4:", "ports[0].impair.limit", "0 out of range 1..65536");
	expect_error(IMPAIR_PORTS("{ \"seed\": -1 }") LISTENERS "}",
		     "t.json:4:", "ports[0].impair.seed", "-1 out of range 0..");
}

Test(config, impair_wrong_type_or_value_is_named)
{
	expect_error(IMPAIR_PORTS("{ \"delay_ms\": \"50\" }") LISTENERS "}", "t.json:4:",
		     "ports[0].impair.delay_ms", "expected number, got string \"50\" (drop the quotes)");
	expect_error(IMPAIR_PORTS("{ \"loss_pct\": true }") LISTENERS "}", "t.json:4:",
		     "ports[0].impair.loss_pct", "expected number, got boolean");
	expect_error(IMPAIR_PORTS("{ \"seed\": 1.5 }") LISTENERS "}", "t.json:4:",
		     "ports[0].impair.seed", "expected integer, got real");
	expect_error(IMPAIR_PORTS("{ \"direction\": \"up\" }") LISTENERS "}", "t.json:4:",
		     "ports[0].impair.direction", "\"up\": expected one of rx, tx, both");
	expect_error(IMPAIR_PORTS("true") LISTENERS "}", "t.json:4:7:",
		     "ports[0].impair", "expected object, got boolean");
}

Test(config, impair_unknown_key)
{
	expect_error(IMPAIR_PORTS("{ \"jiter_ms\": 5 }") LISTENERS "}", "t.json:4:19:",
		     "ports[0].impair.jiter_ms", "unknown key (did you mean jitter_ms?)");
	expect_error(IMPAIR_PORTS("{ \"netem\": 5 }") LISTENERS "}", "t.json:4:19:",
		     "ports[0].impair.netem", "unknown key (known here: delay_ms, jitter_ms");
}

Test(config, impair_in_libconfig)
{
	static const char text[] =
		"ports = (\n"
		"  { name = \"dsl\"; dev = \"net_a\"; addr = \"10.10.1.1/24\";\n"
		"    impair = { delay_ms = 50; jitter_ms = 2.5; loss_pct = 1; seed = 9;\n"
		"               direction = \"rx\"; }; }\n"
		");\n"
		"listeners = ( { listen = \":80\"; upstream = \"10.10.1.2:90\"; } );\n";
	static const char bad[] =
		"ports = (\n"
		"  { name = \"dsl\"; dev = \"net_a\"; addr = \"10.10.1.1/24\";\n"
		"    impair = {\n"
		"      corrupt_pct = 200.0; }; }\n"
		");\n"
		"listeners = ( { listen = \":80\"; upstream = \"10.10.1.2:90\"; } );\n";

	cr_assert_eq(load_tmp(".cfg", text), 0, "%s", err);
	cr_expect(cfg.ports[0].impair.enabled);
	cr_expect_float_eq(cfg.ports[0].impair.delay_ms, 50, 1e-9);
	cr_expect_float_eq(cfg.ports[0].impair.jitter_ms, 2.5, 1e-9);
	cr_expect_float_eq(cfg.ports[0].impair.loss_pct, 1, 1e-9);
	cr_expect_eq(cfg.ports[0].impair.seed, 9);
	cr_expect_eq(cfg.ports[0].impair.direction, HAG_IMPAIR_RX);
	hag_config_free(&cfg);
	cr_assert_eq(load_tmp(".cfg", bad), -EINVAL);
	cr_expect(strstr(err, ".cfg:4: ports[0].impair.corrupt_pct: 200 out of range 0..100"),
		  "%s", err);
}

Test(config, access_networks_and_cost_scheduler)
{
	cr_assert_eq(load(PORTS LISTENERS ",\n  \"access\": [ { \"name\": \"dsl\", \"prefix\": \"10.10.1.0/24\" },\n"
			  "    { \"name\": \"lte\", \"prefix\": \"10.10.2.0/24\", \"cost\": 10, \"backup\": true } ],\n"
			  "  \"mptcp\": { \"scheduler\": \"cost\", \"max_subflows\": 4 }\n}"), 0, "%s", err);
	cr_expect_eq(cfg.n_access, 2);
	cr_expect_eq(cfg.access[0].cost, 1, "default cost");
	cr_expect_eq(cfg.access[1].cost, 10);
	cr_expect(cfg.access[1].backup);
	cr_expect_eq(cfg.access[1].prefix, 0x0a0a0200u);
	cr_expect_eq(cfg.access[1].prefixlen, 24);
	cr_expect_eq(cfg.mptcp_scheduler, MPTCP_SCHED_COST);
	cr_expect_eq(cfg.mptcp_max_subflows, 4);
}

Test(config, scheduler_defaults_and_errors)
{
	cr_assert_eq(load(PORTS LISTENERS "}"), 0, "%s", err);
	cr_expect_eq(cfg.mptcp_scheduler, MPTCP_SCHED_MINRTT);
	cr_expect_eq(cfg.mptcp_max_subflows, 8);
	hag_config_free(&cfg);
	expect_error(PORTS LISTENERS ",\n  \"mptcp\": { \"scheduler\": \"fastest\" }\n}", ":",
		     "mptcp.scheduler", "expected one of minrtt, redundant, cost");
	expect_error(PORTS LISTENERS ",\n  \"mptcp\": { \"scheduler\": \"cost\" }\n}", ":",
		     "mptcp.scheduler", "needs an \"access\" section");
	expect_error(PORTS LISTENERS ",\n  \"access\": [ { \"name\": \"dsl\", \"prefix\": \"10.10.1.1/24\" } ]\n}", ":",
		     "access[0].prefix", "host bits");
}

Test(config, announce_limit_is_mptcp_max_announce)
{
	/* ports 10.10.1.1 and 10.20.0.1 plus 8 service addresses: 10 of hagd's own. */
	const char *own = "  \"addresses\": [\"10.10.0.1\", \"10.10.0.2\", \"10.10.0.3\", \"10.10.0.4\",\n"
			  "    \"10.10.0.5\", \"10.10.0.6\", \"10.10.0.7\", \"10.10.0.8\"],\n";
	char text[2048];

	cr_assert_eq(MPTCP_MAX_ANNOUNCE, 8, "the limit the error text below names");
	snprintf(text, sizeof(text), PORTS "%s" LISTENERS ",\n  \"mptcp\": { \"announce\": [\"10.10.1.1\", \"10.20.0.1\",\n"
		 "    \"10.10.0.1\", \"10.10.0.2\", \"10.10.0.3\", \"10.10.0.4\", \"10.10.0.5\", \"10.10.0.6\"] }\n}", own);
	cr_assert_eq(load(text), 0, "%s", err);
	cr_expect_eq(cfg.n_announce, MPTCP_MAX_ANNOUNCE);
	hag_config_free(&cfg);
	snprintf(text, sizeof(text), PORTS "%s" LISTENERS ",\n  \"mptcp\": { \"announce\": [\"10.10.1.1\", \"10.20.0.1\",\n"
		 "    \"10.10.0.1\", \"10.10.0.2\", \"10.10.0.3\", \"10.10.0.4\", \"10.10.0.5\", \"10.10.0.6\", \"10.10.0.7\"] }\n}",
		 own);
	expect_error(text, "t.json:", "mptcp.announce", "9 addresses, at most 8");
}

Test(config, announce_must_be_our_address)
{
	cr_assert_eq(load(PORTS LISTENERS ",\n  \"mptcp\": { \"announce\": [ \"10.10.1.1\" ] }\n}"), 0, "%s", err);
	cr_expect_eq(cfg.n_announce, 1);
	cr_expect_eq(cfg.mptcp_announce[0], 0x0a0a0101u);
	hag_config_free(&cfg);
	expect_error(PORTS LISTENERS ",\n  \"mptcp\": { \"announce\": [ \"10.10.9.9\" ] }\n}", ":",
		     "mptcp.announce[0]", "not one of hagd's addresses");
}

/* PORTS LISTENERS with an mptcp section holding body, on line 8. */
#define MPTCP(body) PORTS LISTENERS ",\n  \"mptcp\": { " body " }\n}"

Test(config, mptcp_coupled_congestion_control)
{
	static const char *const names[] = { "uncoupled", "lia", "olia" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char text[1024];

		snprintf(text, sizeof(text), MPTCP("\"cc\": \"%s\""), names[i]);
		cr_assert_eq(load(text), 0, "%s", err);
		cr_expect_eq(cfg.mptcp_cc, (int)i, "%s", names[i]);
		hag_config_free(&cfg);
	}
	expect_error(MPTCP("\"cc\": \"balia\""), "t.json:8:14:", "mptcp.cc",
		     "\"balia\": expected one of uncoupled, lia, olia");
	expect_error(MPTCP("\"cc\": true"), "t.json:8:14:", "mptcp.cc", "expected string, got boolean");
}

Test(config, mptcp_checksum_modes)
{
	cr_assert_eq(load(MPTCP("\"checksum\": \"off\"")), 0, "%s", err);
	cr_expect_eq(cfg.mptcp_checksum, MPTCP_CSUM_OFF);
	hag_config_free(&cfg);
	cr_assert_eq(load(MPTCP("\"checksum\": \"accept\"")), 0, "%s", err);
	cr_expect_eq(cfg.mptcp_checksum, MPTCP_CSUM_ACCEPT);
	hag_config_free(&cfg);
	cr_assert_eq(load(MPTCP("\"checksum\": \"require\"")), 0, "%s", err);
	cr_expect_eq(cfg.mptcp_checksum, MPTCP_CSUM_REQUIRE);
	hag_config_free(&cfg);
	expect_error(MPTCP("\"checksum\": \"on\""), "t.json:8:14:", "mptcp.checksum",
		     "\"on\": expected one of off, accept, require");
	expect_error(MPTCP("\"checksum\": 1"), "t.json:8:14:", "mptcp.checksum", "expected string, got integer");
}

Test(config, mptcp_deny_join_initial)
{
	cr_assert_eq(load(MPTCP("\"deny_join_initial\": true")), 0, "%s", err);
	cr_expect(cfg.mptcp_deny_join_initial);
	hag_config_free(&cfg);
	cr_assert_eq(load(MPTCP("\"deny_join_initial\": false")), 0, "%s", err);
	cr_expect(!cfg.mptcp_deny_join_initial);
	hag_config_free(&cfg);
	expect_error(MPTCP("\"deny_join_initial\": \"yes\""), "t.json:8:14:", "mptcp.deny_join_initial",
		     "expected boolean, got string");
	expect_error(MPTCP("\"deny_join_initial\": 1"), "t.json:8:14:", "mptcp.deny_join_initial",
		     "expected boolean, got integer");
}

Test(config, mptcp_resume_timeout)
{
	cr_assert_eq(load(MPTCP("\"resume_timeout_ms\": 0")), 0, "%s", err);
	cr_expect_eq(cfg.mptcp_resume_timeout_ms, 0, "0: the connection ends with its last subflow");
	hag_config_free(&cfg);
	cr_assert_eq(load(MPTCP("\"resume_timeout_ms\": 3600000")), 0, "%s", err);
	cr_expect_eq(cfg.mptcp_resume_timeout_ms, 3600000);
	hag_config_free(&cfg);
	expect_error(MPTCP("\"resume_timeout_ms\": 3600001"), "t.json:8:14:", "mptcp.resume_timeout_ms",
		     "3600001 out of range 0..3600000");
	expect_error(MPTCP("\"resume_timeout_ms\": -1"), "t.json:8:14:", "mptcp.resume_timeout_ms",
		     "-1 out of range 0..3600000");
	expect_error(MPTCP("\"resume_timeout_ms\": \"30000\""), "t.json:8:14:", "mptcp.resume_timeout_ms",
		     "expected integer, got string \"30000\" (drop the quotes)");
	expect_error(MPTCP("\"resume_timeout_ms\": 2.5"), "t.json:8:14:", "mptcp.resume_timeout_ms",
		     "expected integer, got real");
}

Test(config, mptcp_keys_in_libconfig)
{
	static const char text[] =
		"ports = ( { name = \"dsl\"; dev = \"net_a\"; addr = \"10.10.1.1/24\"; } );\n"
		"listeners = ( { listen = \":80\"; upstream = \"10.10.1.2:90\"; } );\n"
		"mptcp = {\n"
		"  cc = \"olia\";\n"
		"  checksum = \"require\";\n"
		"  deny_join_initial = true;\n"
		"  resume_timeout_ms = 5000;\n"
		"};\n";
	static const char *const bad[][2] = {
		{ "  cc = \"coupled\";\n", ".cfg:4: mptcp.cc: \"coupled\": expected one of uncoupled, lia, olia" },
		{ "  checksum = \"always\";\n",
		  ".cfg:4: mptcp.checksum: \"always\": expected one of off, accept, require" },
		{ "  checksum = false;\n", ".cfg:4: mptcp.checksum: expected string, got boolean" },
		{ "  deny_join_initial = 1;\n", ".cfg:4: mptcp.deny_join_initial: expected boolean, got integer" },
		{ "  resume_timeout_ms = 4000000;\n",
		  ".cfg:4: mptcp.resume_timeout_ms: 4000000 out of range 0..3600000" },
		{ "  resume_timeout_ms = \"5\";\n", ".cfg:4: mptcp.resume_timeout_ms: expected integer, got string" },
	};

	cr_assert_eq(load_tmp(".cfg", text), 0, "%s", err);
	cr_expect_eq(cfg.mptcp_cc, MPTCP_CC_OLIA);
	cr_expect_eq(cfg.mptcp_checksum, MPTCP_CSUM_REQUIRE);
	cr_expect(cfg.mptcp_deny_join_initial);
	cr_expect_eq(cfg.mptcp_resume_timeout_ms, 5000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char t[1024];

		hag_config_free(&cfg);
		snprintf(t, sizeof(t),
			 "ports = ( { name = \"dsl\"; dev = \"net_a\"; addr = \"10.10.1.1/24\"; } );\n"
			 "listeners = ( { listen = \":80\"; upstream = \"10.10.1.2:90\"; } );\n"
			 "mptcp = {\n%s};\n", bad[i][0]);
		cr_expect_eq(load_tmp(".cfg", t), -EINVAL, "%s", bad[i][0]);
		cr_expect(strstr(err, bad[i][1]), "want \"%s\" in: %s", bad[i][1], err);
	}
}

/* The keys of a section's table in docs/config.md ("| `key` | ..." rows under "### `section`"). */
static int doc_keys(const char *section, char keys[][32], int max)
{
	char line[2048], head[64];
	bool in = false;
	int n = 0;
	FILE *f = fopen(HAG_SRCDIR "/docs/config.md", "r");

	cr_assert_not_null(f, "docs/config.md");
	snprintf(head, sizeof(head), "### `%s`", section);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "#", 1) == 0) {
			in = strncmp(line, head, strlen(head)) == 0;
			continue;
		}
		if (in && strncmp(line, "| `", 3) == 0 && n < max) {
			char *end = strchr(line + 3, '`');

			cr_assert_not_null(end);
			*end = '\0';
			snprintf(keys[n++], 32, "%.31s", line + 3);
		}
	}
	fclose(f);
	return n;
}

/* The keys the loader knows in a section: its "unknown key" message lists them. */
static int parsed_keys(const char *text, char keys[][32], int max)
{
	char *p, *end;
	int n = 0;

	cr_assert_eq(load(text), -EINVAL);
	p = strstr(err, "known here: ");
	cr_assert_not_null(p, "%s", err);
	p += strlen("known here: ");
	end = strchr(p, ')');
	cr_assert_not_null(end, "%s", err);
	*end = '\0';
	for (char *k = strtok(p, ", "); k && n < max; k = strtok(NULL, ", "))
		snprintf(keys[n++], 32, "%.31s", k);
	return n;
}

static void expect_same_keys(const char *section, const char *unknown_key_text)
{
	char doc[32][32], got[32][32];
	int nd = doc_keys(section, doc, 32);
	int ng = parsed_keys(unknown_key_text, got, 32);

	cr_expect_eq(nd, ng, "docs/config.md documents %d %s keys, the loader knows %d", nd, section, ng);
	for (int i = 0; i < nd; i++) {
		bool found = false;

		for (int j = 0; j < ng && !found; j++)
			found = strcmp(doc[i], got[j]) == 0;
		cr_expect(found, "%s.%s is documented but not parsed", section, doc[i]);
	}
	for (int j = 0; j < ng; j++) {
		bool found = false;

		for (int i = 0; i < nd && !found; i++)
			found = strcmp(doc[i], got[j]) == 0;
		cr_expect(found, "%s.%s is parsed but not documented", section, got[j]);
	}
}

Test(config, documented_mptcp_keys_are_the_parsed_ones)
{
	expect_same_keys("mptcp", MPTCP("\"zzzzzzzzzzzz\": 1"));
}

Test(config, documented_dpdk_keys_are_the_parsed_ones)
{
	expect_same_keys("dpdk", PORTS LISTENERS ", \"dpdk\": { \"zzzzzzzzzzzz\": 1 }\n}");
}

Test(config, workers)
{
	cr_assert_eq(load(PORTS LISTENERS "}"), 0, "%s", err);
	cr_expect_eq(cfg.workers, 1, "one worker unless asked");
	hag_config_free(&cfg);
	cr_assert_eq(load(PORTS LISTENERS ", \"dpdk\": { \"workers\": 2 }\n}"), 0, "%s", err);
	cr_expect_eq(cfg.workers, 2);
	hag_config_free(&cfg);
	expect_error(PORTS LISTENERS ", \"dpdk\": { \"workers\": 0 }\n}", "t.json:7:", "dpdk.workers",
		     "out of range 1..64");
	expect_error(PORTS LISTENERS ", \"dpdk\": { \"workers\": \"2\" }\n}", "t.json:7:", "dpdk.workers",
		     "integer");
}

Test(config, documented_lifecycle_keys_are_the_parsed_ones)
{
	expect_same_keys("lifecycle", PORTS LISTENERS ", \"lifecycle\": { \"zzzzzzzzzzzz\": 1 }\n}");
}

/* hag_config_to_json: what `hagctl config` shows reads back to the same config. */
static void expect_round_trip(const char *path)
{
	struct hag_config a, b;
	json_t *ja, *jb;
	char *text;

	cr_assert_eq(hag_config_load(path, &a, err, sizeof(err)), 0, "%s", err);
	ja = hag_config_to_json(&a);
	cr_assert_not_null(ja);
	text = json_dumps(ja, JSON_INDENT(1));
	cr_assert_not_null(text);
	cr_assert_eq(hag_config_load_string(text, "dump.json", &b, err, sizeof(err)), 0, "%s: %s\n%s", path, err,
		     text);
	jb = hag_config_to_json(&b);
	cr_expect(json_equal(ja, jb), "%s: the dump does not load back to the same config", path);
	/* A few values straight from the structs too. */
	cr_expect_eq(a.n_ports, b.n_ports);
	cr_expect_eq(a.n_listeners, b.n_listeners);
	cr_expect_eq(a.n_routes, b.n_routes);
	cr_expect_eq(a.tcp_rcvbuf, b.tcp_rcvbuf);
	cr_expect_eq(a.drain_timeout_ms, b.drain_timeout_ms);
	cr_expect_eq(a.mptcp_checksum, b.mptcp_checksum);
	for (int i = 0; i < a.n_ports && i < b.n_ports; i++) {
		cr_expect_eq(a.ports[i].addr, b.ports[i].addr);
		cr_expect_eq(a.ports[i].impair.enabled, b.ports[i].impair.enabled);
	}
	free(text);
	json_decref(ja);
	json_decref(jb);
	hag_config_free(&a);
	hag_config_free(&b);
}

Test(config, effective_config_reads_back_the_same)
{
	expect_round_trip(HAG_SRCDIR "/conf/hagd.json");
	expect_round_trip(HAG_SRCDIR "/conf/hagd.cfg");
	expect_round_trip(HAG_SRCDIR "/conf/testbed.json");
	expect_round_trip(HAG_SRCDIR "/conf/transparent.json");
}

Test(config, effective_config_has_every_default)
{
	json_t *j, *tcp;

	cr_assert_eq(load(PORTS LISTENERS "}"), 0, "%s", err);
	j = hag_config_to_json(&cfg);
	cr_assert_not_null(j);
	tcp = json_object_get(j, "tcp");
	cr_expect_eq(json_integer_value(json_object_get(tcp, "rcvbuf_init")), 131072);
	cr_expect_eq(json_integer_value(json_object_get(tcp, "timewait_ms")), 2000);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "mptcp"), "checksum")), "accept");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "lifecycle"), "drain_timeout_ms")), 30000);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "log"), "level")), "info");
	json_decref(j);
	hag_config_free(&cfg);
}

/* transparent, limits, tcp.local_ports (issue 6). */
#define TRANSPARENT(body) PORTS "  \"transparent\": " body "\n}"

Test(config, transparent_section)
{
	cr_assert_eq(load(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\", "
				      "\"ports\": [80, \"8000-8100\"] }, { \"prefix\": \"10.30.0.0/16\" } ], "
				      "\"snat\": [\"10.20.0.1\", \"10.20.0.9\"], \"mptcp_only\": true, \"other\": \"drop\" }")),
		     0, "%s", err);
	cr_expect(cfg.transparent.enabled);
	cr_expect_eq(cfg.n_listeners, 0, "transparent alone is enough");
	cr_expect_eq(cfg.transparent.ingress, 1u, "port 0 (dsl)");
	cr_expect_eq(cfg.transparent.n_intercept, 2);
	cr_expect_eq(cfg.transparent.intercept[0].n_ports, 2);
	cr_expect_eq(cfg.transparent.intercept[0].ports[1].lo, 8000);
	cr_expect_eq(cfg.transparent.intercept[0].ports[1].hi, 8100);
	cr_expect_eq(cfg.transparent.intercept[1].n_ports, 0, "no ports: every port");
	cr_expect_eq(cfg.transparent.intercept[1].prefix, 0x0a1e0000);
	cr_expect_eq(cfg.transparent.n_snat, 2);
	cr_expect_eq(cfg.transparent.snat[1], 0x0a140009);
	cr_expect(cfg.transparent.mptcp_only);
	cr_expect_not(cfg.transparent.route_other);
	hag_config_free(&cfg);
	cr_assert_eq(load(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\" } ] }")), 0,
		     "%s", err);
	cr_expect(cfg.transparent.route_other, "other traffic is routed unless said");
	cr_expect_not(cfg.transparent.mptcp_only);
	cr_expect_eq(cfg.transparent.n_snat, 0);
}

Test(config, transparent_errors)
{
	expect_error(TRANSPARENT("{ \"ingres\": [\"dsl\"] }"), "t.json:6:", "transparent.ingres",
		     "did you mean ingress?");
	expect_error(TRANSPARENT("{ \"intercept\": [] }"), "t.json", "transparent.ingress", "required key missing");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dls\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\" } ] }"),
		     "t.json:6:", "transparent.ingress[0]", "no port named \"dls\" (did you mean dsl?)");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dsl\", \"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\" } ] }"),
		     "t.json:6:", "transparent.ingress[1]", "named twice");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"10.1.2.3/16\" } ] }"),
		     "t.json:6:", "transparent.intercept[0].prefix", "did you mean 10.1.0.0/16?");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\", \"ports\": [70000] } ] }"),
		     "t.json:6:", "transparent.intercept[0].ports[0]", "must be 1..65535");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\", \"ports\": [\"90-80\"] } ] }"),
		     "t.json:6:", "transparent.intercept[0].ports[0]", "low end first");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\", \"ports\": [true] } ] }"),
		     "t.json:6:", "transparent.intercept[0].ports[0]", "expected a port");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\" } ], \"snat\": [\"192.0.2.1\"] }"),
		     "t.json:6:", "transparent.snat[0]", "replies would not reach hagd");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\" } ], \"snat\": [\"10.20.0.300\"] }"),
		     "t.json:6:", "transparent.snat[0]", "octet greater than 255");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\" } ], \"other\": \"forward\" }"),
		     "t.json:6:", "transparent.other", "expected one of route, drop");
	expect_error(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\" } ], \"mptcp_only\": 1 }"),
		     "t.json:6:", "transparent.mptcp_only", "expected boolean");
}

Test(config, limits_and_local_ports)
{
	cr_assert_eq(load(PORTS LISTENERS ", \"limits\": { \"connections\": 1000, \"per_client\": 16 },\n"
			  "  \"tcp\": { \"local_ports\": \"20000-29999\" }\n}"), 0, "%s", err);
	cr_expect_eq(cfg.limit_conns, 1000);
	cr_expect_eq(cfg.limit_per_client, 16);
	cr_expect_eq(cfg.local_port_lo, 20000);
	cr_expect_eq(cfg.local_port_hi, 29999);
	hag_config_free(&cfg);
	cr_assert_eq(load(PORTS LISTENERS "}"), 0, "%s", err);
	cr_expect_eq(cfg.limit_conns, 0, "no limit unless said");
	cr_expect_eq(cfg.limit_per_client, 0);
	cr_expect_eq(cfg.local_port_lo, 32768);
	cr_expect_eq(cfg.local_port_hi, 60999);
	hag_config_free(&cfg);
	expect_error(PORTS LISTENERS ", \"limits\": { \"per_clients\": 4 }\n}", "t.json:7:", "limits.per_clients",
		     "did you mean per_client?");
	expect_error(PORTS LISTENERS ", \"limits\": { \"connections\": 100000 }\n}", "t.json:7:", "limits.connections",
		     "more than tcp.max_conns times dpdk.workers");
	expect_error(PORTS LISTENERS ", \"limits\": { \"per_client\": \"4\" }\n}", "t.json:7:", "limits.per_client",
		     "drop the quotes");
	expect_error(PORTS LISTENERS ", \"tcp\": { \"local_ports\": \"1024-70000\" }\n}", "t.json:7:", "tcp.local_ports",
		     "must be 1..65535");
	expect_error(PORTS LISTENERS ", \"dpdk\": { \"workers\": 4 }, \"tcp\": { \"local_ports\": \"40000-40100\" }\n}",
		     "t.json:7:", "tcp.local_ports", "at least 64 each");
}

Test(config, transparent_and_limits_in_libconfig)
{
	const char *cfgtext =
		"ports = ( { name = \"dsl\"; dev = \"net_a\"; addr = \"10.10.1.1/24\"; },\n"
		"          { name = \"up\"; dev = \"net_b\"; addr = \"10.20.0.1/24\"; } );\n"
		"transparent = { ingress = [ \"dsl\" ];\n"
		"  intercept = ( { prefix = \"0.0.0.0/0\"; ports = [ 80, 443 ]; } );\n"
		"  snat = [ \"10.20.0.1\" ]; other = \"route\"; };\n"
		"limits = { connections = 500; per_client = 8; };\n"
		"tcp = { local_ports = \"30000-39999\"; };\n";
	const char *json =
		"{ \"ports\": [ { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\" },\n"
		"  { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\" } ],\n"
		"  \"transparent\": { \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"0.0.0.0/0\", \"ports\": [80, 443] } ],\n"
		"    \"snat\": [\"10.20.0.1\"], \"other\": \"route\" },\n"
		"  \"limits\": { \"connections\": 500, \"per_client\": 8 }, \"tcp\": { \"local_ports\": \"30000-39999\" } }";
	struct hag_config a;
	json_t *ja, *jb;

	cr_assert_eq(load_tmp(".cfg", cfgtext), 0, "%s", err);
	cr_assert_eq(hag_config_load_string(json, "t.json", &a, err, sizeof(err)), 0, "%s", err);
	ja = hag_config_to_json(&cfg);
	jb = hag_config_to_json(&a);
	cr_expect(json_equal(ja, jb), "the libconfig and JSON forms load to the same config");
	cr_expect_eq(cfg.transparent.intercept[0].ports[1].lo, 443);
	cr_expect_eq(cfg.limit_per_client, 8);
	json_decref(ja);
	json_decref(jb);
	hag_config_free(&a);
	/* The dump of a transparent config loads back to the same config. */
	ja = hag_config_to_json(&cfg);
	char *text = json_dumps(ja, 0);
	cr_assert_eq(hag_config_load_string(text, "dump.json", &a, err, sizeof(err)), 0, "%s", err);
	jb = hag_config_to_json(&a);
	cr_expect(json_equal(ja, jb));
	free(text);
	json_decref(ja);
	json_decref(jb);
	hag_config_free(&a);
}

Test(config, documented_transparent_and_limits_keys_are_the_parsed_ones)
{
	expect_same_keys("transparent", TRANSPARENT("{ \"zzzzzzzzzzzz\": 1 }"));
	expect_same_keys("limits", PORTS LISTENERS ", \"limits\": { \"zzzzzzzzzzzz\": 1 }\n}");
	expect_same_keys("tcp", PORTS LISTENERS ", \"tcp\": { \"zzzzzzzzzzzz\": 1 }\n}");
}

Test(config, loops_and_odd_addresses_are_refused)
{
	expect_error(PORTS "  \"listeners\": [ { \"listen\": \"10.10.1.1:80\", \"upstream\": \"10.20.0.1:90\" } ]\n}",
		     "t.json:6:", "listeners[0].upstream", "hagd's own address: the relay would loop");
	expect_error("{\n  \"ports\": [ { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"224.0.0.1/24\" } ],\n" LISTENERS "}",
		     "t.json:2:", "ports[0].addr", "not a unicast host address");
	expect_error(PORTS "  \"addresses\": [\"10.10.1.1\"],\n" LISTENERS "}", "t.json:6:", "addresses[0]",
		     "already ports[0].addr");
	expect_error(PORTS LISTENERS ", \"mptcp\": { \"announce\": [\"10.10.1.1\", \"10.10.1.1\"] }\n}", "t.json:7:",
		     "mptcp.announce[1]", "duplicate of announce[0]");
}

Test(config, libconfig_text_must_be_utf8,
     .description = "A libconfig string that is not UTF-8 is refused with its line and key (it would vanish from the JSON dump)")
{
	cr_assert_eq(load_tmp(".cfg", "ports = ( { name = \"dsl\"; dev = \"net_\xff\"; addr = \"10.10.1.1/24\"; } );\n"
				      "listeners = ( { listen = \"10.10.1.1:80\"; upstream = \"10.10.1.9:90\"; } );\n"),
		     -EINVAL);
	cr_expect(strstr(err, ":1: ports[0].dev: not valid UTF-8 text"), "%s", err);
}

Test(config, intercept_rules,
     .description = "hag_config_intercepts matches a rule's prefix and ports (no ports: every port)")
{
	cr_assert_eq(load(TRANSPARENT("{ \"ingress\": [\"dsl\"], \"intercept\": [ { \"prefix\": \"10.20.0.0/24\", "
				      "\"ports\": [80, \"8000-8100\"] }, { \"prefix\": \"10.30.0.0/16\" } ], "
				      "\"snat\": [\"10.20.0.9\"] }")), 0, "%s", err);
	cr_expect(hag_config_intercepts(&cfg, 0x0a140002, 80));
	cr_expect(hag_config_intercepts(&cfg, 0x0a140002, 8050));
	cr_expect_not(hag_config_intercepts(&cfg, 0x0a140002, 443));
	cr_expect_not(hag_config_intercepts(&cfg, 0x0a150002, 80), "outside the prefix");
	cr_expect(hag_config_intercepts(&cfg, 0x0a1e0101, 5), "a rule without ports takes every port");
}

/* Each lib/ mode has its word, each word loads as its mode: the tables are indexed by the enums. */
Test(config, mode_words_are_the_lib_enums)
{
	static const struct {
		const char *section, *key;
		const char *const *words;
		int n;
		const int *field;
	} t[] = {
		{ "tcp", "syncookies", hag_words_syncookies, TCP_SYNCOOKIES_MODES, &cfg.tcp_syncookies },
		{ "tcp", "ecn", hag_words_ecn, TCP_ECN_MODES, &cfg.tcp_ecn },
		{ "mptcp", "checksum", hag_words_csum, MPTCP_CSUM_MODES, &cfg.mptcp_checksum },
	};
	char text[1024];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_expect_null(t[i].words[t[i].n], "%s.%s: the table ends with NULL", t[i].section, t[i].key);
		for (int v = 0; v < t[i].n; v++) {
			cr_assert_not_null(t[i].words[v], "%s.%s: no word for mode %d", t[i].section, t[i].key, v);
			snprintf(text, sizeof(text), PORTS LISTENERS ",\n  \"%s\": { \"%s\": \"%s\" }\n}",
				 t[i].section, t[i].key, t[i].words[v]);
			cr_assert_eq(load(text), 0, "%s", err);
			cr_expect_eq(*t[i].field, v, "%s.%s = %s", t[i].section, t[i].key, t[i].words[v]);
			hag_config_free(&cfg);
		}
	}
}

Test(config, tcp_ecn_words)
{
	static const char cfgtext[] =
		"ports = ( { name = \"dsl\"; dev = \"net_a\"; addr = \"10.10.1.1/24\"; } );\n"
		"listeners = ( { listen = \":80\"; upstream = \"10.10.1.2:90\"; } );\n"
		"tcp = { ecn = \"off\"; };\n";

	cr_assert_eq(load(PORTS LISTENERS "\n}"), 0, "%s", err);
	cr_expect_eq(cfg.tcp_ecn, TCP_ECN_ACCEPT, "default: accept, as Linux's tcp_ecn 2");
	hag_config_free(&cfg);
	cr_assert_eq(load(PORTS LISTENERS ",\n  \"tcp\": { \"ecn\": \"on\" }\n}"), 0, "%s", err);
	cr_expect_eq(cfg.tcp_ecn, TCP_ECN_ON, "on");
	hag_config_free(&cfg);
	cr_assert_eq(load_tmp(".cfg", cfgtext), 0, "%s", err);
	cr_expect_eq(cfg.tcp_ecn, TCP_ECN_OFF, "off");
	hag_config_free(&cfg);
	expect_error(PORTS LISTENERS ",\n  \"tcp\": { \"ecn\": \"yes\" }\n}", ":", "tcp.ecn",
		     "expected one of accept, off, on");
}

/* Every section's scalar keys come from one table (hag_config_keys): the defaults are set from
 * it, each key loads into its field, is dumped under its name, and is refused outside its
 * bounds or words, with an error that names it. */
static void key_text(char *text, size_t n, const struct hag_config_key *k, const char *value)
{
	snprintf(text, n, PORTS LISTENERS ",\n  \"%s\": { \"%s\": %s }\n}", k->section, k->key, value);
}

static json_t *dumped(const struct hag_config_key *k)
{
	json_t *j = hag_config_to_json(&cfg);
	json_t *v = json_incref(json_object_get(json_object_get(j, k->section), k->key));

	json_decref(j);
	return v;
}

Test(config, every_scalar_key_from_one_table)
{
	struct hag_config d;
	char text[1024], val[64];

	hag_config_defaults(&d);
	cr_assert_gt(hag_config_n_keys, 30);
	for (size_t i = 0; i < hag_config_n_keys; i++) {
		const struct hag_config_key *k = &hag_config_keys[i];
		const char *f = (const char *)&cfg + k->off;
		const char *df = (const char *)&d + k->off;

		for (size_t j = 0; j < i; j++)
			cr_expect(strcmp(k->section, hag_config_keys[j].section) || strcmp(k->key, hag_config_keys[j].key),
				  "%s.%s twice", k->section, k->key);
		if (k->kind == HAG_KEY_U32) {
			const uint32_t tries[2] = { k->min, k->max };
			bool loaded = false;

			cr_expect(k->def >= k->min && k->def <= k->max, "%s.%s: default in bounds", k->section, k->key);
			cr_expect_eq(*(const uint32_t *)df, k->def, "%s.%s: default set", k->section, k->key);
			for (int t = 0; t < 2 && !loaded; t++) {
				json_t *v;

				snprintf(val, sizeof(val), "%u", tries[t]);
				key_text(text, sizeof(text), k, val);
				if (load(text) != 0)
					continue;       /* a bound another key's default contradicts (validate) */
				loaded = true;
				cr_expect_eq(*(const uint32_t *)f, tries[t], "%s.%s = %u", k->section, k->key, tries[t]);
				v = dumped(k);
				cr_expect(json_is_integer(v) && json_integer_value(v) == tries[t], "%s.%s dumped",
					  k->section, k->key);
				json_decref(v);
				hag_config_free(&cfg);
			}
			cr_expect(loaded, "%s.%s: neither bound loads", k->section, k->key);
			snprintf(val, sizeof(val), "%llu", (unsigned long long)k->max + 1);
			key_text(text, sizeof(text), k, val);
			cr_expect_eq(load(text), -EINVAL, "%s.%s = max + 1 loaded", k->section, k->key);
			cr_expect(strstr(err, k->key) != NULL, "the error names %s.%s: %s", k->section, k->key, err);
			hag_config_free(&cfg);
			if (k->min > 0) {
				snprintf(val, sizeof(val), "%u", k->min - 1);
				key_text(text, sizeof(text), k, val);
				cr_expect_eq(load(text), -EINVAL, "%s.%s = min - 1 loaded", k->section, k->key);
				hag_config_free(&cfg);
			}
		} else if (k->kind == HAG_KEY_BOOL) {
			cr_expect_eq(*(const bool *)df, k->def != 0, "%s.%s: default set", k->section, k->key);
			for (int t = 0; t < 2; t++) {
				json_t *v;

				key_text(text, sizeof(text), k, t ? "true" : "false");
				cr_assert_eq(load(text), 0, "%s", err);
				cr_expect_eq(*(const bool *)f, t == 1, "%s.%s = %d", k->section, k->key, t);
				v = dumped(k);
				cr_expect(json_is_boolean(v) && json_is_true(v) == (t == 1), "%s.%s dumped", k->section, k->key);
				json_decref(v);
				hag_config_free(&cfg);
			}
			key_text(text, sizeof(text), k, "1");
			cr_expect_eq(load(text), -EINVAL, "%s.%s = 1 loaded", k->section, k->key);
			cr_expect(strstr(err, "expected boolean") != NULL, "%s.%s: %s", k->section, k->key, err);
			hag_config_free(&cfg);
		} else {
			int n = 0;

			cr_expect_eq(*(const int *)df, (int)k->def, "%s.%s: default set", k->section, k->key);
			for (; k->words[n]; n++) {
				json_t *v;

				snprintf(val, sizeof(val), "\"%s\"", k->words[n]);
				key_text(text, sizeof(text), k, val);
				if (load(text) != 0) {
					/* only mptcp.scheduler "cost", which needs an access section */
					cr_expect(strstr(err, "needs an \"access\" section") != NULL, "%s", err);
					continue;
				}
				cr_expect_eq(*(const int *)f, n, "%s.%s = %s", k->section, k->key, k->words[n]);
				v = dumped(k);
				cr_expect_str_eq(json_string_value(v), k->words[n], "%s.%s dumped", k->section, k->key);
				json_decref(v);
				hag_config_free(&cfg);
			}
			cr_expect((int)k->def < n, "%s.%s: the default is a word", k->section, k->key);
			key_text(text, sizeof(text), k, "\"no-such-word\"");
			cr_expect_eq(load(text), -EINVAL, "%s.%s: an unknown word loaded", k->section, k->key);
			cr_expect(strstr(err, k->words[0]) != NULL, "the error lists the words: %s", err);
			hag_config_free(&cfg);
		}
	}
}

/* docs/config.md has a line for every key of the table. */
Test(config, every_scalar_key_is_documented)
{
	FILE *f = fopen(HAG_SRCDIR "/docs/config.md", "r");
	static char doc[1 << 18];
	size_t n;

	cr_assert_not_null(f);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (size_t i = 0; i < hag_config_n_keys; i++) {
		char want[96];

		snprintf(want, sizeof(want), "`%s`", hag_config_keys[i].key);
		cr_expect(strstr(doc, want) != NULL, "docs/config.md does not name %s.%s", hag_config_keys[i].section,
			  hag_config_keys[i].key);
	}
}

/* ports[].addr6: two ports, dsl's address given as A, up's as B (NULL: none). */
static int load_addr6(const char *a, const char *b)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\n  \"ports\": [\n"
		 "    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\"%s%s%s },\n"
		 "    { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\"%s%s%s }\n  ],\n" LISTENERS "}",
		 a ? ", \"addr6\": \"" : "", a ? a : "", a ? "\"" : "", b ? ", \"addr6\": \"" : "", b ? b : "",
		 b ? "\"" : "");
	return load(text);
}

Test(config, port_ipv6_address,
     .description = "ports[].addr6: a global address and its prefix length, loaded and dumped; others refused with the reason")
{
	const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 1};
	static const struct { const char *a, *why; } bad[] = {
		{ "2001:db8:10::1", "expected an IPv6 prefix ADDR/LEN" },
		{ "2001:db8:10::1/129", "the prefix length must be a number up to 128" },
		{ "2001:db8:10::1/x", "the prefix length must be a number up to 128" },
		{ "2001:db8:10::1/0", "the prefix length must be 1..128" },
		{ "2001:db8:10::g/64", "not an IPv6 address" },
		{ "10.10.1.1/24", "not an IPv6 address" },
		{ "fe80::1/64", "not a global unicast address" },
		{ "ff02::1/64", "not a global unicast address" },
		{ "::1/128", "not a global unicast address" },
		{ "::ffff:10.0.0.1/96", "not a global unicast address" },
		{ "::/64", "not a global unicast address" },
	};
	json_t *j;

	cr_assert_eq(load_addr6("2001:db8:10::1/64", NULL), 0, "%s", err);
	cr_expect(cfg.ports[0].has_addr6);
	cr_expect_arr_eq(cfg.ports[0].addr6, want, 16);
	cr_expect_eq(cfg.ports[0].prefixlen6, 64);
	cr_expect_not(cfg.ports[1].has_addr6);
	j = hag_config_to_json(&cfg);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "ports"), 0), "addr6")),
			 "2001:db8:10::1/64");
	cr_expect_null(json_object_get(json_array_get(json_object_get(j, "ports"), 1), "addr6"), "none: not dumped");
	json_decref(j);
	hag_config_free(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(load_addr6(bad[i].a, NULL), -EINVAL, "%s loaded", bad[i].a);
		cr_expect(strstr(err, "ports[0].addr6") && strstr(err, bad[i].why), "%s: %s", bad[i].a, err);
		hag_config_free(&cfg);
	}
	cr_expect_eq(load_addr6("2001:db8:10::1/64", "2001:db8:10::1/64"), -EINVAL);
	cr_expect(strstr(err, "the address of port dsl too") != NULL, "%s", err);
}

/* routes[] with IPv6: dsl has 2001:db8:10::1/64; route is the routes section's one entry. */
static int load_route6(const char *route)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\n  \"ports\": [\n"
		 "    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\", \"addr6\": \"2001:db8:10::1/64\" },\n"
		 "    { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\" }\n  ],\n"
		 "  \"routes\": [ %s, { \"prefix\": \"0.0.0.0/0\", \"via\": \"10.20.0.254\", \"port\": \"up\" } ],\n" LISTENERS "}",
		 route);
	return load(text);
}

Test(config, ipv6_routes,
     .description = "routes[] takes IPv6 prefixes via an on-link or link-local neighbour of a port with addr6; dumped; errors named")
{
	const uint8_t via[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 0xfe};
	static const struct { const char *r, *key, *why; } bad[] = {
		{ "{ \"prefix\": \"2001:db8::1/32\", \"via\": \"2001:db8:10::fe\", \"port\": \"dsl\" }", "prefix", "host bits set" },
		{ "{ \"prefix\": \"2001:db8::/32\", \"via\": \"2001:db8:11::fe\", \"port\": \"dsl\" }", "via", "not a neighbour on port dsl" },
		{ "{ \"prefix\": \"2001:db8::/32\", \"via\": \"2001:db8:10::1\", \"port\": \"dsl\" }", "via", "not a neighbour on port dsl" },
		{ "{ \"prefix\": \"2001:db8::/32\", \"via\": \"10.10.1.254\", \"port\": \"dsl\" }", "via", "not an IPv6 address" },
		{ "{ \"prefix\": \"2001:db8::/32\", \"via\": \"fe80::1\", \"port\": \"up\" }", "port", "has no addr6" },
		{ "{ \"prefix\": \"2001:db8::/129\", \"via\": \"fe80::1\", \"port\": \"dsl\" }", "prefix", "a number up to 128" },
	};
	json_t *j, *r;

	cr_assert_eq(load_route6("{ \"prefix\": \"::/0\", \"via\": \"2001:db8:10::fe\", \"port\": \"dsl\" }"), 0, "%s", err);
	cr_assert_eq(cfg.n_routes, 2);
	cr_expect(cfg.routes[0].v6);
	cr_expect_eq(cfg.routes[0].prefixlen, 0);
	cr_expect_arr_eq(cfg.routes[0].via6, via, 16);
	cr_expect_not(cfg.routes[1].v6, "the IPv4 default route beside it");
	j = hag_config_to_json(&cfg);
	r = json_array_get(json_object_get(j, "routes"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(r, "prefix")), "::/0");
	cr_expect_str_eq(json_string_value(json_object_get(r, "via")), "2001:db8:10::fe");
	json_decref(j);
	hag_config_free(&cfg);
	cr_expect_eq(load_route6("{ \"prefix\": \"2001:db8:99::/48\", \"via\": \"fe80::1\", \"port\": \"dsl\" }"), 0,
		     "a link-local next hop: %s", err);
	hag_config_free(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(load_route6(bad[i].r), -EINVAL, "%s loaded", bad[i].r);
		cr_expect(strstr(err, bad[i].key) && strstr(err, bad[i].why), "%s: %s", bad[i].r, err);
		hag_config_free(&cfg);
	}
}

/* listeners over IPv6: dsl has 2001:db8:10::1/64, up 2001:db8:30::1/64; listeners is the section's body. */
static int load_listen6(const char *listeners)
{
	char text[1536];

	snprintf(text, sizeof(text),
		 "{\n  \"ports\": [\n"
		 "    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\", \"addr6\": \"2001:db8:10::1/64\" },\n"
		 "    { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\", \"addr6\": \"2001:db8:30::1/64\" }\n  ],\n"
		 "  \"listeners\": [ %s ]\n}", listeners);
	return load(text);
}

Test(config, ipv6_listeners,
     .description = "listen takes [ADDR]:PORT, [::]:PORT and :PORT (both families), upstream [ADDR]:PORT; dumped as written, "
		    "loaded back; the wrong address, an unreachable or own upstream, and clashes across families refused")
{
	const uint8_t gw[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 1};
	const uint8_t srv[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x30, [15] = 2};
	static const struct { const char *l, *key, *why; } bad[] = {
		{ "{ \"listen\": \"[2001:db8:10::9]:80\", \"upstream\": \"10.20.0.2:90\" }", "listen",
		  "not one of hagd's IPv6 addresses" },
		{ "{ \"listen\": \"[2001:db8:10::1:80\", \"upstream\": \"10.20.0.2:90\" }", "listen", "expected [ADDR]:PORT" },
		{ "{ \"listen\": \"[2001:db8:10::1]:0\", \"upstream\": \"10.20.0.2:90\" }", "listen", "must be 1..65535" },
		{ "{ \"listen\": \"[10.10.1.1]:80\", \"upstream\": \"10.20.0.2:90\" }", "listen", "not an IPv6 address" },
		{ "{ \"listen\": \":80\", \"upstream\": \"[2001:db8:40::2]:90\" }", "upstream", "no route to" },
		{ "{ \"listen\": \":80\", \"upstream\": \"[2001:db8:30::1]:90\" }", "upstream", "hagd's own address" },
		{ "{ \"listen\": \":80\", \"upstream\": \"[::]:90\" }", "upstream", "not a unicast destination" },
		{ "{ \"listen\": \":80\", \"upstream\": \"10.20.0.2:90\" }, { \"listen\": \"[::]:80\", \"upstream\": \"10.20.0.2:91\" }",
		  "listeners[1].listen", "clashes with listeners[0]" },
		{ "{ \"listen\": \"[::]:80\", \"upstream\": \"10.20.0.2:90\" }, "
		  "{ \"listen\": \"[2001:db8:10::1]:80\", \"upstream\": \"10.20.0.2:91\" }", "listeners[1].listen", "clashes" },
	};
	json_t *j, *a;

	cr_assert_eq(load_listen6("{ \"listen\": \"[2001:db8:10::1]:80\", \"upstream\": \"10.20.0.2:90\" },\n"
				  "{ \"listen\": \"[::]:81\", \"upstream\": \"[2001:db8:30::2]:91\" },\n"
				  "{ \"listen\": \":82\", \"upstream\": \"10.20.0.2:92\" },\n"
				  "{ \"listen\": \"0.0.0.0:80\", \"upstream\": \"[2001:db8:30::2]:93\" }"), 0, "%s", err);
	cr_expect_eq(cfg.listeners[0].family, 6);
	cr_expect_arr_eq(cfg.listeners[0].addr6, gw, 16);
	cr_expect_not(cfg.listeners[0].upstream_v6);
	cr_expect_eq(cfg.listeners[1].family, 6);
	cr_expect(cfg.listeners[1].upstream_v6);
	cr_expect_arr_eq(cfg.listeners[1].upstream_addr6, srv, 16);
	cr_expect_eq(cfg.listeners[1].upstream_port, 91);
	cr_expect_eq(cfg.listeners[2].family, 0, ":PORT is both families");
	cr_expect_eq(cfg.listeners[3].family, 4, "0.0.0.0:PORT is IPv4 only: no clash with [2001:db8:10::1]:80");
	j = hag_config_to_json(&cfg);
	a = json_object_get(j, "listeners");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(a, 0), "listen")), "[2001:db8:10::1]:80");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(a, 1), "listen")), "[::]:81");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(a, 1), "upstream")), "[2001:db8:30::2]:91");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(a, 2), "listen")), ":82");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(a, 3), "listen")), "0.0.0.0:80");
	{
		char *text = json_dumps(j, 0);
		struct hag_config b;
		json_t *jb;

		cr_assert_eq(hag_config_load_string(text, "dump.json", &b, err, sizeof(err)), 0, "%s", err);
		jb = hag_config_to_json(&b);
		cr_expect(json_equal(j, jb), "the dump loads back to the same config");
		json_decref(jb);
		hag_config_free(&b);
		free(text);
	}
	json_decref(j);
	hag_config_free(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(load_listen6(bad[i].l), -EINVAL, "%s loaded", bad[i].l);
		cr_expect(strstr(err, bad[i].key) && strstr(err, bad[i].why), "%s: %s", bad[i].l, err);
		hag_config_free(&cfg);
	}
	/* Without any addr6 an IPv6 listener has nothing to listen on. */
	cr_expect_eq(load(PORTS "  \"listeners\": [ { \"listen\": \"[::]:80\", \"upstream\": \"10.20.0.2:90\" } ]\n}"), -EINVAL);
	cr_expect(strstr(err, "no port has an IPv6 address") != NULL, "%s", err);
}

Test(config, ipv6_announce,
     .description = "mptcp.announce takes a port's IPv6 address beside IPv4 ones (ids in order), dumped; another "
		    "IPv6 address or a duplicate refused")
{
	const uint8_t gw[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 1};
	static const char *const head =
		"{\n  \"ports\": [\n"
		"    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\", \"addr6\": \"2001:db8:10::1/64\" },\n"
		"    { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\" }\n  ],\n" LISTENERS ",\n";
	char text[1024];
	json_t *j, *a;

	snprintf(text, sizeof(text), "%s  \"mptcp\": { \"announce\": [ \"2001:db8:10::1\", \"10.10.1.1\" ] }\n}", head);
	cr_assert_eq(load(text), 0, "%s", err);
	cr_expect_eq(cfg.n_announce, 2);
	cr_expect(cfg.mptcp_announce_is6[0]);
	cr_expect_arr_eq(cfg.mptcp_announce6[0], gw, 16);
	cr_expect_not(cfg.mptcp_announce_is6[1]);
	cr_expect_eq(cfg.mptcp_announce[1], 0x0a0a0101u);
	j = hag_config_to_json(&cfg);
	a = json_object_get(json_object_get(j, "mptcp"), "announce");
	cr_expect_str_eq(json_string_value(json_array_get(a, 0)), "2001:db8:10::1");
	cr_expect_str_eq(json_string_value(json_array_get(a, 1)), "10.10.1.1");
	json_decref(j);
	hag_config_free(&cfg);
	snprintf(text, sizeof(text), "%s  \"mptcp\": { \"announce\": [ \"2001:db8:10::9\" ] }\n}", head);
	cr_expect_eq(load(text), -EINVAL);
	cr_expect(strstr(err, "announce[0]") && strstr(err, "not one of hagd's IPv6 addresses"), "%s", err);
	snprintf(text, sizeof(text), "%s  \"mptcp\": { \"announce\": [ \"2001:db8:10::1\", \"2001:db8:10:0::1\" ] }\n}", head);
	cr_expect_eq(load(text), -EINVAL);
	cr_expect(strstr(err, "announce[1]") && strstr(err, "duplicate of announce[0]"), "%s", err);
}

Test(config, transparent_ipv6,
     .description = "transparent.intercept takes IPv6 prefixes and snat IPv6 addresses (in a port's IPv6 prefix); "
		    "matched by family, dumped and loaded back; host bits, off-prefix or own addresses refused")
{
	static const char *const head =
		"{\n  \"ports\": [\n"
		"    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\", \"addr6\": \"2001:db8:10::1/64\" },\n"
		"    { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\", \"addr6\": \"2001:db8:30::1/64\" }\n  ],\n"
		"  \"transparent\": { \"ingress\": [\"dsl\"], ";
	static const struct { const char *body, *key, *why; } bad[] = {
		{ "\"intercept\": [ { \"prefix\": \"2001:db8:30::1/64\" } ] }", "prefix", "host bits set" },
		{ "\"intercept\": [ { \"prefix\": \"2001:db8:30::/129\" } ] }", "prefix", "up to 128" },
		{ "\"intercept\": [ { \"prefix\": \"::/0\" } ], \"snat\": [ \"2001:db8:40::1\" ] }", "snat[0]",
		  "in no port's IPv6 prefix" },
		{ "\"intercept\": [ { \"prefix\": \"::/0\" } ], \"snat\": [ \"2001:db8:30::1\" ] }", "snat[0]",
		  "a port's own address" },
	};
	const uint8_t d1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x30, [15] = 2};
	const uint8_t d2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x31, [15] = 2};
	char text[2048];
	json_t *j, *jb;
	struct hag_config b;
	char *dump;

	snprintf(text, sizeof(text), "%s\"intercept\": [ { \"prefix\": \"2001:db8:30::/64\", \"ports\": [9000] }, "
		 "{ \"prefix\": \"10.20.0.0/24\" } ], \"snat\": [ \"10.20.0.100\", \"2001:db8:30::100\" ] }\n}", head);
	cr_assert_eq(load(text), 0, "%s", err);
	cr_expect(cfg.transparent.intercept[0].v6);
	cr_expect_eq(cfg.transparent.intercept[0].prefixlen, 64);
	cr_expect(hag_config_intercepts6(&cfg, d1, 9000));
	cr_expect_not(hag_config_intercepts6(&cfg, d1, 9001), "not its port");
	cr_expect_not(hag_config_intercepts6(&cfg, d2, 9000), "not its prefix");
	cr_expect(hag_config_intercepts(&cfg, 0x0a140002u, 1234), "the IPv4 rule, every port");
	cr_expect_not(hag_config_intercepts(&cfg, 0x20010db8u, 9000), "an IPv6 rule never matches IPv4");
	cr_expect_eq(cfg.transparent.n_snat, 1);
	cr_expect_eq(cfg.transparent.n_snat6, 1);
	cr_expect_eq(cfg.transparent.snat6[0][15], 0x00);
	cr_expect_eq(cfg.transparent.snat6[0][14], 0x01);
	j = hag_config_to_json(&cfg);
	dump = json_dumps(j, 0);
	cr_assert_eq(hag_config_load_string(dump, "dump.json", &b, err, sizeof(err)), 0, "%s", err);
	jb = hag_config_to_json(&b);
	cr_expect(json_equal(j, jb), "the dump loads back to the same config");
	cr_expect(strstr(dump, "\"2001:db8:30::/64\"") && strstr(dump, "\"2001:db8:30::100\""), "%s", dump);
	json_decref(j);
	json_decref(jb);
	free(dump);
	hag_config_free(&b);
	hag_config_free(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s\n}", head, bad[i].body);
		cr_expect_eq(load(text), -EINVAL, "%s loaded", bad[i].body);
		cr_expect(strstr(err, bad[i].key) && strstr(err, bad[i].why), "%s: %s", bad[i].body, err);
		hag_config_free(&cfg);
	}
}

Test(config, ipv6_service_addresses,
     .description = "addresses[] takes IPv6 service addresses beside IPv4 ones (8 in all); a listener may use one; "
		    "dumped; a port's own, a link-local or a duplicate refused")
{
	static const char *const head =
		"{\n  \"ports\": [\n"
		"    { \"name\": \"dsl\", \"dev\": \"net_a\", \"addr\": \"10.10.1.1/24\", \"addr6\": \"2001:db8:10::1/64\" },\n"
		"    { \"name\": \"up\", \"dev\": \"net_b\", \"addr\": \"10.20.0.1/24\" }\n  ],\n";
	static const struct { const char *a, *why; } bad[] = {
		{ "\"2001:db8:10::1\"", "already ports[0].addr6" },
		{ "\"fe80::1\"", "not a global unicast address" },
		{ "\"2001:db8:ff::1\", \"2001:db8:ff::1\"", "duplicate" },
		{ "\"2001:db8:ff::g\"", "not an IPv6 address" },
	};
	char text[1536];
	json_t *j;

	snprintf(text, sizeof(text), "%s  \"addresses\": [ \"10.10.0.1\", \"2001:db8:ff::1\" ],\n"
		 "  \"listeners\": [ { \"listen\": \"[2001:db8:ff::1]:80\", \"upstream\": \"10.20.0.2:90\" } ]\n}", head);
	cr_assert_eq(load(text), 0, "%s", err);
	cr_expect_eq(cfg.n_addrs, 1);
	cr_expect_eq(cfg.n_addrs6, 1);
	cr_expect_eq(cfg.addrs6[0][5], 0xff);
	j = hag_config_to_json(&cfg);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(j, "addresses"), 1)), "2001:db8:ff::1");
	json_decref(j);
	hag_config_free(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s  \"addresses\": [ %s ],\n" LISTENERS "}", head, bad[i].a);
		cr_expect_eq(load(text), -EINVAL, "%s loaded", bad[i].a);
		cr_expect(strstr(err, "addresses[") && strstr(err, bad[i].why), "%s: %s", bad[i].a, err);
		hag_config_free(&cfg);
	}
}

Test(config, ipv6_access_prefixes,
     .description = "access[].prefix may be IPv6, or an IPv4 prefix with prefix6 beside it (one network, both families); "
		    "dumped and loaded back; host bits and prefix6 beside an IPv6 prefix refused")
{
	char text[1536];
	json_t *j, *jb;
	struct hag_config b;
	char *dump;

	snprintf(text, sizeof(text), PORTS LISTENERS ",\n  \"access\": [ "
		 "{ \"name\": \"lte\", \"prefix\": \"10.10.2.0/24\", \"prefix6\": \"2001:db8:20::/64\", \"cost\": 10 },\n"
		 "{ \"name\": \"v6only\", \"prefix\": \"2001:db8:40::/48\", \"backup\": true } ]\n}");
	cr_assert_eq(load(text), 0, "%s", err);
	cr_expect(cfg.access[0].has4 && cfg.access[0].has6);
	cr_expect_eq(cfg.access[0].prefixlen6, 64);
	cr_expect(!cfg.access[1].has4 && cfg.access[1].has6);
	cr_expect_eq(cfg.access[1].prefixlen6, 48);
	j = hag_config_to_json(&cfg);
	dump = json_dumps(j, 0);
	cr_assert_eq(hag_config_load_string(dump, "dump.json", &b, err, sizeof(err)), 0, "%s\n%s", err, dump);
	jb = hag_config_to_json(&b);
	cr_expect(json_equal(j, jb), "loaded back the same: %s", dump);
	json_decref(j);
	json_decref(jb);
	free(dump);
	hag_config_free(&b);
	hag_config_free(&cfg);
	snprintf(text, sizeof(text), PORTS LISTENERS ",\n  \"access\": [ "
		 "{ \"name\": \"x\", \"prefix\": \"2001:db8:40::1/48\" } ]\n}");
	cr_expect_eq(load(text), -EINVAL);
	cr_expect(strstr(err, "access[0].prefix") && strstr(err, "host bits"), "%s", err);
	snprintf(text, sizeof(text), PORTS LISTENERS ",\n  \"access\": [ "
		 "{ \"name\": \"x\", \"prefix\": \"2001:db8:40::/48\", \"prefix6\": \"2001:db8:41::/48\" } ]\n}");
	cr_expect_eq(load(text), -EINVAL);
	cr_expect(strstr(err, "access[0].prefix6") && strstr(err, "already IPv6"), "%s", err);
}
