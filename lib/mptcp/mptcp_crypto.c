/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 8684 keys, tokens, IDSNs and HMACs over OpenSSL 3 libcrypto.
 *
 * libcrypto can only fail here on allocation failure. A wrong token or
 * HMAC must never come back silently (a zeroed HMAC would verify against
 * an attacker's zeroed one), so such a failure aborts.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "mptcp/mptcp_crypto.h"

#define SHA256_LEN 32

static EVP_MD *sha256_fetched;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* Fetch the digest once: OpenSSL 3 would otherwise look it up, under a
 * lock shared by all lcores, on every call. */
static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_fetched ? sha256_fetched : EVP_sha256();
}

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
	uint8_t in[8], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	put_be64(in, key);
	if (EVP_Digest(in, sizeof(in), md, &md_len, sha256(), NULL) != 1 || md_len != SHA256_LEN)
		abort();
	/* RFC 8684 3.1: token = most significant 32 bits of SHA-256(key),
	 * IDSN = least significant 64 bits. */
	if (token)
		*token = (uint32_t)(get_be64(md) >> 32);
	if (idsn)
		*idsn = get_be64(md + SHA256_LEN - 8);
}

void mptcp_crypto_hmac_sha(uint64_t key1, uint64_t key2, const uint8_t *msg, size_t len,
			   uint8_t out[32])
{
	uint8_t key[16];
	unsigned int out_len = 0;

	put_be64(key, key1);
	put_be64(key + 8, key2);
	if (!HMAC(sha256(), key, sizeof(key), msg, len, out, &out_len) || out_len != SHA256_LEN)
		abort();
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

uint64_t mptcp_crypto_random_key(void)
{
	uint8_t b[8];
	uint64_t key;

	/* The header promises a nonzero key (0 reads as "no key"); draw again. */
	do {
		if (RAND_bytes(b, sizeof(b)) != 1)
			abort();
		key = get_be64(b);
	} while (key == 0);
	return key;
}
