/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys, tokens, IDSNs and HMACs against values a real Linux peer used
 * (testdata/README.md, recomputed independently there) and the Linux
 * KUnit vectors from net/mptcp/crypto_test.c.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mptcp/mptcp_crypto.h"

/* testdata/pcap/mptcp-v1-two-subflows.pcap */
#define KEY_A   0xedea6b097dad369eull   /* client */
#define KEY_B   0xc3f8f50ae11d9bf5ull   /* server */
#define NONCE_A 0x52885cb9u             /* join SYN */
#define NONCE_B 0xdfbc8020u             /* join SYN/ACK */

/* testdata/pcap/mptcp-v1-add-addr.pcap */
#define ADD_ADDR_SERVER_KEY 0x4cf2ab41553fb920ull
#define ADD_ADDR_CLIENT_KEY 0x96766314ef9ea9a2ull

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static uint64_t be64_of(const char *s)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | (uint8_t)s[i];
	return v;
}

Test(mptcp_crypto, token_is_top_32_bits_of_sha256_key,
     .description = "RFC 8684 3.1: the token is the most significant 32 bits of SHA-256(key)")
{
	uint32_t token;

	mptcp_crypto_key_sha(KEY_B, &token, NULL);
	cr_expect_eq(token, 0x7ac558fbu, "token(B) = %#x", token);
	mptcp_crypto_key_sha(KEY_A, &token, NULL);
	cr_expect_eq(token, 0x6ab10931u, "token(A) = %#x", token);
}

Test(mptcp_crypto, idsn_is_low_64_bits_of_sha256_key,
     .description = "RFC 8684 3.1: the IDSN is the least significant 64 bits of SHA-256(key)")
{
	uint64_t idsn;
	uint32_t token;

	mptcp_crypto_key_sha(KEY_B, NULL, &idsn);
	cr_expect_eq(idsn, 0xb49a5ee96c60245dull, "IDSN(B) = %#llx", (unsigned long long)idsn);
	mptcp_crypto_key_sha(KEY_A, &token, &idsn);
	cr_expect_eq(idsn, 0xb1380aed90712391ull, "IDSN(A) = %#llx", (unsigned long long)idsn);
	cr_expect_eq(token, 0x6ab10931u);
}

Test(mptcp_crypto, join_synack_carries_leftmost_64_bits,
     .description = "RFC 8684 3.2: the join SYN/ACK carries the leftmost 64 bits of "
		    "HMAC(Key-B||Key-A, R-B||R-A)")
{
	uint64_t thmac = mptcp_crypto_join_thmac(KEY_B, KEY_A, NONCE_B, NONCE_A);

	cr_expect_eq(thmac, 0x58d31c120449801eull, "thmac = %#llx", (unsigned long long)thmac);
}

Test(mptcp_crypto, join_third_ack_carries_leftmost_160_bits,
     .description = "RFC 8684 3.2: the join third ACK carries the leftmost 160 bits of "
		    "HMAC(Key-A||Key-B, R-A||R-B)")
{
	uint8_t mac[32];
	char h[65];

	mptcp_crypto_join_hmac(KEY_A, KEY_B, NONCE_A, NONCE_B, mac);
	hex(mac, 20, h);
	cr_expect_str_eq(h, "1931484552717d6e2ebdfeb8e1e181d5635db19d");
}

Test(mptcp_crypto, join_hmac_is_hmac_sha_of_the_nonces,
     .description = "the join HMAC is the generic HMAC over the nonces, both big-endian")
{
	const uint8_t msg[8] = {0x52, 0x88, 0x5c, 0xb9, 0xdf, 0xbc, 0x80, 0x20};
	uint8_t a[32], b[32];

	mptcp_crypto_join_hmac(KEY_A, KEY_B, NONCE_A, NONCE_B, a);
	mptcp_crypto_hmac_sha(KEY_A, KEY_B, msg, sizeof(msg), b);
	cr_expect_arr_eq(a, b, sizeof(a));
}

Test(mptcp_crypto, add_addr_carries_rightmost_64_bits,
     .description = "RFC 8684 3.4.1: ADD_ADDR carries the rightmost 64 bits of "
		    "HMAC(sender key||receiver key, id||address||port)")
{
	uint32_t addr = htonl(0x0a620201);   /* 10.98.2.1 */
	uint64_t mac = mptcp_crypto_add_addr_hmac4(ADD_ADDR_SERVER_KEY, ADD_ADDR_CLIENT_KEY, 1,
						   addr, 0);

	cr_expect_eq(mac, 0x48939a6e46bd2f94ull, "hmac = %#llx", (unsigned long long)mac);
	/* The port is part of the message: a different port, a different HMAC. */
	cr_expect_neq(mptcp_crypto_add_addr_hmac4(ADD_ADDR_SERVER_KEY, ADD_ADDR_CLIENT_KEY, 1,
						  addr, 7001), mac);
	/* And the key order matters. */
	cr_expect_neq(mptcp_crypto_add_addr_hmac4(ADD_ADDR_CLIENT_KEY, ADD_ADDR_SERVER_KEY, 1,
						  addr, 0), mac);
}

Test(mptcp_crypto, add_addr_hmac_over_an_ipv6_address,
     .description = "RFC 8684 3.4.1 over IPv6: HMAC(sender key||receiver key, id||16 address bytes||port), "
		    "rightmost 64 bits, against Python's hmac module")
{
	const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x20, [15] = 1};   /* 2001:db8:20::1 */

	cr_expect_eq(mptcp_crypto_add_addr_hmac6(ADD_ADDR_SERVER_KEY, ADD_ADDR_CLIENT_KEY, 1, a6, 0),
		     0x857e92c7de164e10ull);
	cr_expect_eq(mptcp_crypto_add_addr_hmac6(ADD_ADDR_SERVER_KEY, ADD_ADDR_CLIENT_KEY, 2, a6, 8080),
		     0x4fec5ffb88882276ull);
}

/* net/mptcp/crypto_test.c: key and msg are ASCII strings used as raw bytes. */
static const struct {
	const char *key;
	const char *msg;
	const char *result;
} kunit_vectors[] = {
	{"0b0b0b0b0b0b0b0b", "48692054",
	 "8385e24fb4235ac37556b6b886db106284a1da671699f46db1f235ec622dcafa"},
	{"aaaaaaaaaaaaaaaa", "dddddddd",
	 "2c5e219164ff1dca1c4a92318d847bb6b9d44492984e1eb71aff9022f71046e9"},
	{"0102030405060708", "cdcdcdcd",
	 "e73b9ba9969969cefb04aa0d6df18ec2fcc075b6f23b4d8c4da736a5dbbc6e7d"},
};

/* Test-only reference: OpenSSL HMAC-SHA256 on raw key bytes. */
static void ref_hmac(const void *key, size_t key_len, const void *msg, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	cr_assert_not_null(HMAC(EVP_sha256(), key, (int)key_len, msg, len, out, &n));
	cr_assert_eq(n, 32);
}

Test(mptcp_crypto, linux_kunit_vectors,
     .description = "the HMAC matches Linux's KUnit vectors (key = key1||key2 big-endian)")
{
	for (size_t i = 0; i < sizeof(kunit_vectors) / sizeof(kunit_vectors[0]); i++) {
		const char *k = kunit_vectors[i].key, *m = kunit_vectors[i].msg;
		uint8_t mac[32], ref[32];
		char h[65];

		/* The 16 key bytes are key1 || key2, each read big-endian. */
		mptcp_crypto_hmac_sha(be64_of(k), be64_of(k + 8), (const uint8_t *)m, 8, mac);
		hex(mac, 32, h);
		cr_expect_str_eq(h, kunit_vectors[i].result, "vector %zu", i);

		ref_hmac(k, 16, m, 8, ref);
		hex(ref, 32, h);
		cr_expect_str_eq(h, kunit_vectors[i].result, "reference, vector %zu", i);

		/* The same vectors through the MP_JOIN entry point. */
		mptcp_crypto_join_hmac(be64_of(k), be64_of(k + 8),
				       (uint32_t)(be64_of(m) >> 32), (uint32_t)be64_of(m), mac);
		hex(mac, 32, h);
		cr_expect_str_eq(h, kunit_vectors[i].result, "join, vector %zu", i);
	}
}

Test(mptcp_crypto, hmac_equals_openssl_hmac_at_every_length,
     .description = "mptcp_crypto_hmac_sha (RFC 2104 over SHA-256) equals OpenSSL's HMAC() for messages of 0..300 bytes and varied keys")
{
	uint8_t msg[300], key[16], mac[32], ref[32];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(msg); len++) {
		uint64_t k1 = 0x0123456789abcdefull * (len + 1), k2 = ~k1 ^ (len << 40);

		for (int i = 0; i < 8; i++) {
			key[i] = (uint8_t)(k1 >> (56 - 8 * i));
			key[8 + i] = (uint8_t)(k2 >> (56 - 8 * i));
		}
		mptcp_crypto_hmac_sha(k1, k2, msg, len, mac);
		ref_hmac(key, 16, msg, len, ref);
		cr_assert_arr_eq(mac, ref, 32, "length %zu", len);
	}
}

Test(mptcp_crypto, random_keys_are_nonzero_and_vary,
     .description = "RFC 8684 3.1: keys come from a CSPRNG; never 0, never all the same")
{
	enum { N = 1000 };
	static uint64_t keys[N];
	size_t zero = 0, same = 0, repeats = 0;

	for (size_t i = 0; i < N; i++) {
		keys[i] = mptcp_crypto_random_key();
		zero += keys[i] == 0;
	}
	for (size_t i = 1; i < N; i++)
		same += keys[i] == keys[0];
	/* 1000 draws from 2^64: any repeat means a broken generator. */
	for (size_t i = 0; i < N; i++)
		for (size_t j = i + 1; j < N; j++)
			repeats += keys[i] == keys[j];
	cr_expect_eq(zero, 0, "%zu zero keys", zero);
	cr_expect_lt(same, N - 1, "all keys equal");
	cr_expect_eq(repeats, 0, "%zu repeated keys", repeats);
}
