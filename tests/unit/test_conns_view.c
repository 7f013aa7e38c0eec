/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hagctl conns (app/conns_view.c): its options, filters and table, fed the
 * JSON of /hagd/conns as hagd writes it (app/proxy.c hag_proxy_snap_format:
 * the same keys in the same order): two workers, an MPTCP connection with a
 * backup subflow, one whose subflows were not all listed (a stale one among
 * them), plain TCP (one still connecting upstream, one fallen back), a
 * parked one, and hagd's "omitted". Each client socket and subflow carries
 * its congestion control, keepalive and idle timeout (coupled ones on the
 * MPTCP subflows, a keepalive of 1.5 s, none at all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "conns_view.h"

/* hagd's dicts (proxy.c sock_dict, mptcp_dict, pipe_dict), key for key. */
#define SOCK(peer, local, state, mptcp, cwnd, srtt, cc, keep, idle)                                          \
	"{\"peer\":\"" peer "\",\"local\":\"" local "\",\"state\":\"" state "\",\"mptcp\":" #mptcp          \
	",\"snd_una\":1,\"snd_nxt\":1,\"snd_max\":1,\"snd_wnd\":65535,\"cwnd\":" #cwnd ",\"srtt_us\":" #srtt \
	",\"rcv_nxt\":1,\"ooo_ranges\":0,\"retries\":0,\"cc\":\"" cc "\",\"keepalive_ms\":" #keep            \
	",\"idle_timeout_ms\":" #idle "}"
#define SF(peer, state, cwnd, srtt, backup, stale, cc, keep, idle)                                             \
	"{\"state\":\"" state "\",\"mappings\":3,\"given\":1000,\"acked\":900,\"cwnd\":" #cwnd ",\"stale\":" \
	#stale ",\"backup\":" #backup ",\"peer\":\"" peer "\",\"srtt_us\":" #srtt ",\"cc\":\"" cc            \
	"\",\"keepalive_ms\":" #keep ",\"idle_timeout_ms\":" #idle "}"
#define MPTCP(n, subflows)                                                                                  \
	"{\"scheduler\":\"minrtt\",\"subflows\":" #n ",\"snd_una\":0,\"snd_nxt\":0,\"snd_edge\":0,\"rcv_nxt\":0," \
	"\"pending_reinject\":0,\"data_fin_sent\":0,\"data_fin_acked\":0,\"data_fin_received\":0," subflows "}"
#define PIPE(head, end) "{\"head\":" #head ",\"end\":" #end ",\"cap\":131072,\"ooo_ranges\":0}"

/* In hagd's order: worker 0's connections, then worker 1's (id = n * workers + worker). */
static const char *const REPLY =
	"{"
	"\"4\":{\"worker\":0,\"parked\":0,"
	"\"client\":" SOCK("10.10.1.2:40001", "10.10.0.1:8080", "ESTABLISHED", 1, 28960, 1500, "lia", 60000, 0) ","
	"\"server\":" SOCK("10.20.0.2:9000", "10.20.0.1:1025", "ESTABLISHED", 0, 144800, 120, "cubic", 0, 0) ","
	"\"mptcp\":" MPTCP(2, "\"subflow0\":" SF("10.10.1.2:40001", "ESTABLISHED", 28960, 1500, 0, 0, "lia", 60000, 0) ","
			      "\"subflow1\":" SF("10.10.2.2:40002", "ESTABLISHED", 14480, 23450, 1, 0, "lia", 60000, 0)) ","
	"\"up\":" PIPE(0, 1000) ",\"down\":" PIPE(4000000, 5000000) "},"
	"\"6\":{\"worker\":0,\"parked\":0,"
	"\"client\":" SOCK("10.10.1.3:50000", "10.10.0.1:8080", "ESTABLISHED", 0, 14600, 800, "newreno", 0, 0) ","
	"\"server\":" SOCK("10.20.0.2:9000", "10.20.0.1:1026", "SYN_SENT", 0, 14600, 0, "cubic", 0, 0) ","
	"\"up\":" PIPE(0, 300) ",\"down\":" PIPE(0, 0) "},"
	"\"8\":{\"worker\":0,\"parked\":1,"
	"\"server\":" SOCK("10.20.0.2:9000", "10.20.0.1:1027", "ESTABLISHED", 0, 28960, 300, "cubic", 0, 0) ","
	"\"up\":" PIPE(2048, 2048) ",\"down\":" PIPE(0, 65536) "},"
	"\"3\":{\"worker\":1,\"parked\":0,"
	"\"client\":" SOCK("192.168.7.10:33000", "10.10.0.1:8443", "CLOSE_WAIT", 1, 43440, 61000, "olia", 1500, 600000) ","
	"\"server\":" SOCK("10.20.0.3:9001", "10.20.0.1:1030", "FIN_WAIT_2", 0, 144800, 95, "cubic", 0, 0) ","
	"\"mptcp\":" MPTCP(3, "\"subflow0\":" SF("192.168.7.10:33000", "CLOSE_WAIT", 43440, 61000, 0, 0, "olia", 1500, 600000) ","
			      "\"subflow1\":" SF("172.16.0.5:33001", "ESTABLISHED", 2896, 250000, 0, 1, "olia", 1500, 600000)) ","
	"\"up\":" PIPE(7340000, 7340032) ",\"down\":" PIPE(12, 12) "},"
	"\"5\":{\"worker\":1,\"parked\":0,"
	"\"client\":" SOCK("10.10.2.2:41000", "10.10.0.1:8080", "ESTABLISHED", 0, 14480, 0, "cubic", 60000, 300000) ","
	"\"server\":" SOCK("10.20.0.2:9000", "10.20.0.1:1031", "ESTABLISHED", 0, 14480, 110, "cubic", 0, 0) ","
	"\"up\":" PIPE(10, 10) ",\"down\":" PIPE(20, 20) "},"
	"\"omitted\":{\"conns\":7}"
	"}";

static json_t *reply(void)
{
	json_error_t je;
	json_t *r = json_loads(REPLY, 0, &je);

	cr_assert_not_null(r, "fixture: %s (col %d)", je.text, je.column);
	return r;
}

/* Parses the arguments (space separated); asserts they are accepted. */
static struct conns_opts args_ok(const char *line)
{
	struct conns_opts o;
	char buf[256], err[256] = "", *argv[16], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 16; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	cr_assert_eq(conns_args(&o, argc, argv, err, sizeof(err)), 0, "'%s' refused: %s", line, err);
	return o;
}

/* The arguments are refused with a message that contains want. */
static void args_bad(const char *line, const char *want)
{
	struct conns_opts o;
	char buf[256], err[256] = "", *argv[16], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 16; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	cr_assert_eq(conns_args(&o, argc, argv, err, sizeof(err)), -1, "'%s' accepted", line);
	cr_assert(strstr(err, want) != NULL, "'%s': message '%s' lacks '%s'", line, err, want);
}

/* The ids conns_select keeps for these arguments, in order, space separated. */
static char *ids(const char *line)
{
	static char out[256];
	struct conns_opts o = args_ok(line);
	json_t *r = reply(), *sel = conns_select(&o.f, r), *v;
	const char *k;
	size_t n = 0;

	cr_assert_not_null(sel);
	out[0] = 0;
	json_object_foreach(sel, k, v) {
		if (!strcmp(k, "omitted"))
			continue;
		/* The connection as hagd sent it. */
		cr_assert(json_equal(v, json_object_get(r, k)), "%s: connection %s changed", line, k);
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "", k);
	}
	json_decref(sel);
	json_decref(r);
	return out;
}

static char *table_of(json_t *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	conns_table(f, r);
	fclose(f);
	return text;
}

Test(conns_args, defaults)
{
	struct conns_opts o = args_ok("");

	cr_assert(!o.table);
	cr_assert(!o.f.client && !o.f.server && !o.f.state[0]);
	cr_assert_eq(o.f.port, -1);
	cr_assert_eq(o.f.kind, CONNS_ANY);
	cr_assert_eq(o.f.min_bytes, 0);
	cr_assert_eq(o.f.limit, 0);
}

Test(conns_args, every_option)
{
	struct conns_opts o = args_ok("--table --client 10.10.1.77/24 --server 10.20.0.2:9000 --port 8080 "
				      "--state syn-recv --mptcp --min-bytes 2M --limit 5");

	cr_assert(o.table);
	cr_assert(o.f.client);
	cr_assert_eq(o.f.client_net, 0x0a0a0100u, "the prefix is masked");
	cr_assert_eq(o.f.client_len, 24);
	cr_assert(o.f.server);
	cr_assert_eq(o.f.server_addr, 0x0a140002u);
	cr_assert_eq(o.f.server_port, 9000);
	cr_assert_eq(o.f.port, 8080);
	cr_assert_str_eq(o.f.state, "SYN_RCVD");
	cr_assert_eq(o.f.kind, CONNS_MPTCP);
	cr_assert_eq(o.f.min_bytes, 2u << 20);
	cr_assert_eq(o.f.limit, 5);

	o = args_ok("--client=10.10.1.2 --server=10.20.0.3 --state=ESTAB --min-bytes=100 --tcp --tcp");
	cr_assert_eq(o.f.client_len, 32);
	cr_assert_eq(o.f.server_port, -1, "no port: any");
	cr_assert_str_eq(o.f.state, "ESTABLISHED");
	cr_assert_eq(o.f.min_bytes, 100);
	cr_assert_eq(o.f.kind, CONNS_TCP);
	cr_assert_eq(args_ok("--min-bytes 3k").f.min_bytes, 3072);
	cr_assert_eq(args_ok("--min-bytes 1G").f.min_bytes, 1u << 30);
	cr_assert_eq(args_ok("--client 0.0.0.0/0").f.client_len, 0);
	cr_assert_str_eq(args_ok("--state parked").f.state, "PARKED");
	cr_assert_str_eq(args_ok("--state time_wait").f.state, "TIME_WAIT");
}

Test(conns_args, refused)
{
	args_bad("--bogus", "unknown option: --bogus");
	args_bad("--table=1", "unknown option");
	args_bad("10.10.1.2", "unknown option");
	args_bad("--client", "--client: a value is missing");
	args_bad("--table --limit", "--limit: a value is missing");
	args_bad("--client 10.10.1", "--client");
	args_bad("--client 10.10.1.2/33", "--client");
	args_bad("--client 10.10.1.2/", "--client");
	args_bad("--client 10.10.1.2:80", "--client");
	args_bad("--client ::g", "--client");
	args_bad("--server 10.20.0.2:70000", "--server");
	args_bad("--server 10.20.0.2:", "--server");
	args_bad("--server 10.20.0.2:0", "--server");
	args_bad("--server 10.20.0.0/24", "--server");
	args_bad("--port 0", "--port");
	args_bad("--port 65536", "--port");
	args_bad("--port 80x", "--port");
	args_bad("--port -1", "--port");
	args_bad("--state NOPE", "--state: not a state: NOPE");
	args_bad("--state ESTABLISHEDX", "--state");
	args_bad("--min-bytes 12Q", "--min-bytes");
	args_bad("--min-bytes -1", "--min-bytes");
	args_bad("--min-bytes K", "--min-bytes");
	args_bad("--min-bytes 99999999999G", "--min-bytes");
	args_bad("--limit 0", "--limit");
	args_bad("--limit ten", "--limit");
	args_bad("--mptcp --tcp", "exclude each other");
}

Test(conns_select, order_limit_omitted)
{
	struct conns_opts o = args_ok("--limit 2");
	json_t *r = reply(), *sel;

	cr_assert_str_eq(ids(""), "3 4 5 6 8", "oldest (lowest id) first over the workers");
	cr_assert_str_eq(ids("--limit 2"), "3 4");
	cr_assert_str_eq(ids("--limit 100"), "3 4 5 6 8");
	cr_assert_eq(conns_omitted(r), 7);
	sel = conns_select(&o.f, r);
	cr_assert_eq(conns_omitted(sel), 7, "hagd's omitted is kept");
	cr_assert_eq(json_object_size(sel), 3);
	json_decref(sel);
	json_decref(r);
	r = json_array();
	cr_assert_null(conns_select(&o.f, r), "not a connection list");
	json_decref(r);
}

Test(conns_select, client)
{
	cr_assert_str_eq(ids("--client 10.10.1.2"), "4");
	cr_assert_str_eq(ids("--client 10.10.2.0/24"), "4 5", "a joined (backup) subflow counts");
	cr_assert_str_eq(ids("--client 172.16.0.0/12"), "3", "the second subflow");
	cr_assert_str_eq(ids("--client 10.10.0.0/16"), "4 5 6");
	cr_assert_str_eq(ids("--client 0.0.0.0/0"), "3 4 5 6", "a parked connection has no client address");
	cr_assert_str_eq(ids("--client 10.10.1.20"), "");
}

Test(conns_select, server_port)
{
	cr_assert_str_eq(ids("--server 10.20.0.3"), "3");
	cr_assert_str_eq(ids("--server 10.20.0.2:9000"), "4 5 6 8");
	cr_assert_str_eq(ids("--server 10.20.0.2:9001"), "");
	cr_assert_str_eq(ids("--server 10.20.0.1"), "", "the upstream's remote address, not its local one");
	cr_assert_str_eq(ids("--port 8443"), "3");
	cr_assert_str_eq(ids("--port 8080"), "4 5 6");
	cr_assert_str_eq(ids("--port 9000"), "", "the client side's local port");
}

Test(conns_select, state_kind_bytes)
{
	cr_assert_str_eq(ids("--state SYN-SENT"), "6", "the upstream's state");
	cr_assert_str_eq(ids("--state close_wait"), "3");
	cr_assert_str_eq(ids("--state FIN_WAIT_2"), "3");
	cr_assert_str_eq(ids("--state PARKED"), "8");
	cr_assert_str_eq(ids("--state ESTAB"), "3 4 5 6 8", "3: its second subflow; 8: its upstream");
	cr_assert_str_eq(ids("--state TIME_WAIT"), "");
	cr_assert_str_eq(ids("--mptcp"), "3 4 8", "parked connections are MPTCP");
	cr_assert_str_eq(ids("--tcp"), "5 6", "5 fell back");
	cr_assert_str_eq(ids("--min-bytes 5000000"), "3 4");
	cr_assert_str_eq(ids("--min-bytes 5001000"), "3 4", "up + down: 1000 + 5000000");
	cr_assert_str_eq(ids("--min-bytes 5001001"), "3");
	cr_assert_str_eq(ids("--min-bytes 7M"), "3");
	cr_assert_str_eq(ids("--mptcp --client 10.10.0.0/16 --port 8080 --state ESTABLISHED"), "4");
	cr_assert_str_eq(ids("--tcp --limit 1"), "5");
}

Test(conns_table, text)
{
	struct conns_opts o = args_ok("");
	json_t *r = reply(), *sel = conns_select(&o.f, r);
	char *t = table_of(sel);
	const char *want =
		"ID  W  STATE                       UP     DOWN  SCHED   CLIENT              CC       KEEP(s)  IDLE(s)  SRTT(ms)   CWND"
		"  UPSTREAM\n"
		"3   1  CLOSE-WAIT/FIN-WAIT-2  7340032       12  minrtt  192.168.7.10:33000  olia         1.5      600     61.00  43440"
		"  10.20.0.1:1030->10.20.0.3:9001\n"
		"                                                        172.16.0.5:33001 s  olia         1.5      600    250.00   2896\n"
		"                                                        (+1 not listed)\n"
		"4   0  ESTAB/ESTAB               1000  5000000  minrtt  10.10.1.2:40001     lia           60      off      1.50  28960"
		"  10.20.0.1:1025->10.20.0.2:9000\n"
		"                                                        10.10.2.2:40002 b   lia           60      off     23.45  14480\n"
		"5   1  ESTAB/ESTAB                 10       20  -       10.10.2.2:41000     cubic         60      300         -  14480"
		"  10.20.0.1:1031->10.20.0.2:9000\n"
		"6   0  ESTAB/SYN-SENT             300        0  -       10.10.1.3:50000     newreno      off      off      0.80  14600"
		"  10.20.0.1:1026->10.20.0.2:9000\n"
		"8   0  PARKED/ESTAB              2048    65536  -       -                   -              -        -         -      -"
		"  10.20.0.1:1027->10.20.0.2:9000\n";

	cr_assert_str_eq(t, want, "got:\n%s", t);
	for (char *l = t, *nl; (nl = strchr(l, '\n')) != NULL; l = nl + 1)
		cr_assert_leq(nl - l, 160, "a line of %d columns", (int)(nl - l));
	free(t);
	json_decref(sel);
	json_decref(r);
}

Test(conns_table, filtered_and_empty)
{
	struct conns_opts o = args_ok("--client 10.10.2.0/24 --mptcp");
	json_t *r = reply(), *sel = conns_select(&o.f, r);
	char *t = table_of(sel);

	FILE *null = fopen("/dev/null", "w");

	cr_assert_eq(conns_table(null, sel), 1, "one connection shown");
	fclose(null);
	cr_assert(strstr(t, "\n4 ") != NULL && strstr(t, "10.10.2.2:40002 b") != NULL, "got:\n%s", t);
	cr_assert_null(strstr(t, "\n5 "), "got:\n%s", t);
	free(t);
	json_decref(sel);

	o = args_ok("--state TIME_WAIT");
	sel = conns_select(&o.f, r);
	t = table_of(sel);
	cr_assert_str_eq(t, "ID  W  STATE  UP  DOWN  SCHED  CLIENT  CC  KEEP(s)  IDLE(s)  SRTT(ms)  CWND  UPSTREAM\n",
			 "the header alone");
	free(t);
	json_decref(sel);
	json_decref(r);
}

/* An older hagd (no worker, local, subflow peer, srtt, cc, keepalive or idle timeout): a row still, "?"
 * and "-" for what is missing. */
Test(conns_table, sparse_json)
{
	json_t *r = json_loads("{\"1\":{\"client\":{\"peer\":\"10.0.0.2:5000\",\"state\":\"ESTABLISHED\",\"mptcp\":1},"
			       "\"server\":{\"peer\":\"10.20.0.2:9000\",\"state\":\"ESTABLISHED\"},"
			       "\"mptcp\":{\"subflows\":1,\"subflow0\":{\"state\":\"ESTABLISHED\",\"cwnd\":100}},"
			       "\"up\":{\"end\":1},\"down\":{\"end\":2}}}", 0, NULL);
	char *t;

	cr_assert_not_null(r);
	t = table_of(r);
	cr_assert_str_eq(t,
		"ID  W  STATE        UP  DOWN  SCHED  CLIENT  CC  KEEP(s)  IDLE(s)  SRTT(ms)  CWND  UPSTREAM\n"
		"1   -  ESTAB/ESTAB   1     2  ?      ?       -         -        -         -   100  ?->10.20.0.2:9000\n",
		"got:\n%s", t);
	free(t);
	json_decref(r);
}

/* IPv6 (issue 17): an all-IPv6 MPTCP connection, and an IPv4 one with an IPv6 subflow joined. */
static const char *const REPLY6 =
	"{"
	"\"10\":{\"worker\":0,\"parked\":0,"
	"\"client\":" SOCK("[2001:db8:10::2]:40000", "[2001:db8:ff::1]:8080", "ESTABLISHED", 1, 28960, 1500, "cubic", 0, 0) ","
	"\"server\":" SOCK("[2001:db8:30::2]:9000", "[2001:db8:30::1]:1025", "ESTABLISHED", 0, 144800, 120, "cubic", 0, 0) ","
	"\"mptcp\":" MPTCP(2, "\"subflow0\":" SF("[2001:db8:10::2]:40000", "ESTABLISHED", 28960, 1500, 0, 0, "cubic", 0, 0) ","
			      "\"subflow1\":" SF("[2001:db8:20::2]:40001", "ESTABLISHED", 14480, 23450, 0, 0, "cubic", 0, 0)) ","
	"\"up\":" PIPE(0, 1000) ",\"down\":" PIPE(0, 5000) "},"
	"\"12\":{\"worker\":0,\"parked\":0,"
	"\"client\":" SOCK("10.10.1.2:40010", "10.10.0.1:8080", "ESTABLISHED", 1, 28960, 1500, "cubic", 0, 0) ","
	"\"server\":" SOCK("10.20.0.2:9000", "10.20.0.1:1026", "ESTABLISHED", 0, 144800, 120, "cubic", 0, 0) ","
	"\"mptcp\":" MPTCP(2, "\"subflow0\":" SF("10.10.1.2:40010", "ESTABLISHED", 28960, 1500, 0, 0, "cubic", 0, 0) ","
			      "\"subflow1\":" SF("[2001:db8:20::2]:40011", "ESTABLISHED", 14480, 23450, 0, 0, "cubic", 0, 0)) ","
	"\"up\":" PIPE(0, 10) ",\"down\":" PIPE(0, 20) "}"
	"}";

static char *ids6(const char *line)
{
	static char out[64];
	struct conns_opts o = args_ok(line);
	json_error_t je;
	json_t *r = json_loads(REPLY6, 0, &je), *sel, *v;
	const char *k;
	size_t n = 0;

	cr_assert_not_null(r, "fixture: %s (col %d)", je.text, je.column);
	sel = conns_select(&o.f, r);
	cr_assert_not_null(sel);
	out[0] = 0;
	json_object_foreach(sel, k, v)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "", k);
	json_decref(sel);
	json_decref(r);
	return out;
}

Test(conns_select, ipv6, .description = "--client and --server take IPv6 (ADDR, ADDR/LEN, [ADDR]:PORT) and match "
				       "hagd's [ADDR]:PORT endpoints, a subflow of the other family included; --port reads both")
{
	cr_expect_str_eq(ids6("--client 2001:db8:20::/64"), "10 12", "the IPv6 subflow of an IPv4 connection too");
	cr_expect_str_eq(ids6("--client 2001:db8:10::2"), "10");
	cr_expect_str_eq(ids6("--client 10.10.1.0/24"), "12");
	cr_expect_str_eq(ids6("--client ::/0"), "10 12");
	cr_expect_str_eq(ids6("--server [2001:db8:30::2]:9000"), "10");
	cr_expect_str_eq(ids6("--server [2001:db8:30::2]:9001"), "");
	cr_expect_str_eq(ids6("--server 2001:db8:30::2"), "10");
	cr_expect_str_eq(ids6("--server 10.20.0.2"), "12");
	cr_expect_str_eq(ids6("--port 8080"), "10 12");
	args_bad("--client 2001:db8::/129", "IPv6 address or prefix");
	args_bad("--client 2001:db8::g", "IPv6 address or prefix");
	args_bad("--server [2001:db8::1]:0", "IPv6 address");
	args_bad("--server [2001:db8::1", "IPv6 address");
}
