/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 8684 keys, tokens, IDSNs and HMACs over OpenSSL 3 libcrypto.
 *
 * libcrypto can only fail here on allocation failure. A wrong token or
 * HMAC must never come back silently (a zeroed HMAC would verify against
 * an attacker's zeroed one), so such a failure aborts.
 *
 * Speed: every MPTCP connection costs a key, a token and IDSN, and each
 * join two HMACs. OpenSSL 3's one-shot HMAC() fetches its algorithm from
 * the provider on every call (about 2 500 cycles here for 4 SHA-256 blocks)
 * and RAND_bytes takes its DRBG lock per call (1 500). HMAC-SHA256 is
 * therefore built here from libcrypto's SHA-256 (RFC 2104, the key being 16
 * bytes: one padded block each for the inner and outer hash), checked in the
 * unit tests against Linux's KUnit vectors, a kernel peer's trace and OpenSSL's
 * HMAC() at every message length up to 300; keys are drawn 64 at a time from
 * RAND_bytes into a per-thread pool.
 */
#define OPENSSL_SUPPRESS_DEPRECATED     /* SHA256_Init & co.: direct, no provider dispatch */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "mptcp/mptcp_crypto.h"

#define SHA256_LEN 32
#define HMAC_BLOCK 64

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void mptcp_crypto_key_sha(uint64_t key, uint32_t *token, uint64_t *idsn)
{
	uint8_t in[8], md[SHA256_LEN];
	SHA256_CTX c;

	put_be64(in, key);
	/* Not the one-shot SHA256(): in OpenSSL 3 it fetches the digest per call. */
	if (SHA256_Init(&c) != 1 || SHA256_Update(&c, in, sizeof(in)) != 1 || SHA256_Final(md, &c) != 1)
		abort();
	/* RFC 8684 3.1: token = most significant 32 bits of SHA-256(key),
	 * IDSN = least significant 64 bits. */
	if (token)
		*token = (uint32_t)(get_be64(md) >> 32);
	if (idsn)
		*idsn = get_be64(md + SHA256_LEN - 8);
}

/* One SHA-256 over a 64-byte block (the padded key) followed by msg. */
static void sha256_pad_msg(const uint8_t pad[HMAC_BLOCK], const uint8_t *msg, size_t len, uint8_t out[SHA256_LEN])
{
	SHA256_CTX c;

	if (SHA256_Init(&c) != 1 || SHA256_Update(&c, pad, HMAC_BLOCK) != 1 || SHA256_Update(&c, msg, len) != 1 ||
	    SHA256_Final(out, &c) != 1)
		abort();
	OPENSSL_cleanse(&c, sizeof(c));
}

void mptcp_crypto_hmac_sha(uint64_t key1, uint64_t key2, const uint8_t *msg, size_t len,
			   uint8_t out[32])
{
	uint8_t key[16], pad[HMAC_BLOCK], inner[SHA256_LEN];

	/* RFC 2104: H((K ^ opad) || H((K ^ ipad) || msg)), K zero-padded to the block. */
	put_be64(key, key1);
	put_be64(key + 8, key2);
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < sizeof(key); i++)
		pad[i] ^= key[i];
	sha256_pad_msg(pad, msg, len, inner);
	memset(pad, 0x5c, sizeof(pad));
	for (size_t i = 0; i < sizeof(key); i++)
		pad[i] ^= key[i];
	sha256_pad_msg(pad, inner, sizeof(inner), out);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
}

void mptcp_crypto_join_hmac(uint64_t key1, uint64_t key2, uint32_t nonce1, uint32_t nonce2,
			    uint8_t out[32])
{
	uint8_t msg[8];

	put_be32(msg, nonce1);
	put_be32(msg + 4, nonce2);
	mptcp_crypto_hmac_sha(key1, key2, msg, sizeof(msg), out);
}

uint64_t mptcp_crypto_join_thmac(uint64_t key1, uint64_t key2, uint32_t nonce1, uint32_t nonce2)
{
	uint8_t mac[SHA256_LEN];

	/* RFC 8684 3.2: the SYN/ACK carries the leftmost 64 bits. */
	mptcp_crypto_join_hmac(key1, key2, nonce1, nonce2, mac);
	return get_be64(mac);
}

uint64_t mptcp_crypto_add_addr_hmac4(uint64_t key1, uint64_t key2, uint8_t id,
				     uint32_t addr_be, uint16_t port)
{
	uint8_t msg[1 + 4 + 2], mac[SHA256_LEN];

	msg[0] = id;
	memcpy(msg + 1, &addr_be, 4);
	msg[5] = (uint8_t)(port >> 8);
	msg[6] = (uint8_t)port;
	mptcp_crypto_hmac_sha(key1, key2, msg, sizeof(msg), mac);
	/* RFC 8684 3.4.1: ADD_ADDR keeps the rightmost 64 bits, unlike MP_JOIN. */
	return get_be64(mac + SHA256_LEN - 8);
}

uint64_t mptcp_crypto_add_addr_hmac6(uint64_t key1, uint64_t key2, uint8_t id,
				     const uint8_t addr[16], uint16_t port)
{
	uint8_t msg[1 + 16 + 2], mac[SHA256_LEN];

	msg[0] = id;
	memcpy(msg + 1, addr, 16);
	msg[17] = (uint8_t)(port >> 8);
	msg[18] = (uint8_t)port;
	mptcp_crypto_hmac_sha(key1, key2, msg, sizeof(msg), mac);
	return get_be64(mac + SHA256_LEN - 8);
}

/* Keys drawn ahead, per thread (each lcore its own): one RAND_bytes per 64 keys. */
#define KEY_POOL 64
static __thread uint64_t key_pool[KEY_POOL];
static __thread unsigned int key_left;

uint64_t mptcp_crypto_random_key(void)
{
	uint64_t key;

	/* The header promises a nonzero key (0 reads as "no key"); draw again. */
	do {
		if (key_left == 0) {
			if (RAND_bytes((unsigned char *)key_pool, sizeof(key_pool)) != 1)
				abort();
			key_left = KEY_POOL;
		}
		key = key_pool[--key_left];
		key_pool[key_left] = 0;
	} while (key == 0);
	return key;
}
