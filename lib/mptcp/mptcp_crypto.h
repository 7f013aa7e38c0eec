/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 8684 keys, tokens, IDSNs and HMACs (SHA-256 from OpenSSL libcrypto). */
#ifndef HAG_MPTCP_CRYPTO_H
#define HAG_MPTCP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* token = most significant 32 bits of SHA-256(key), IDSN = least significant
 * 64 bits (RFC 8684 3.1); key is hashed as 8 big-endian bytes. */
void mptcp_crypto_key_sha(uint64_t key, uint32_t *token, uint64_t *idsn);

/* HMAC-SHA256 with key = key1 || key2 (both 8 bytes big-endian). */
void mptcp_crypto_hmac_sha(uint64_t key1, uint64_t key2, const uint8_t *msg, size_t len,
			   uint8_t out[32]);

/* MP_JOIN (RFC 8684 3.2): out = HMAC(key = key1||key2, msg = nonce1||nonce2),
 * all big-endian. The SYN/ACK carries the leftmost 64 bits, the third ACK the
 * leftmost 160. */
void mptcp_crypto_join_hmac(uint64_t key1, uint64_t key2, uint32_t nonce1, uint32_t nonce2,
			    uint8_t out[32]);
uint64_t mptcp_crypto_join_thmac(uint64_t key1, uint64_t key2, uint32_t nonce1, uint32_t nonce2);

/* ADD_ADDR (RFC 8684 3.4.1): rightmost 64 bits of HMAC(key = key1||key2,
 * msg = id || IPv4 address (4 bytes, as on the wire) || port (2 bytes, 0 when absent)). */
uint64_t mptcp_crypto_add_addr_hmac4(uint64_t key1, uint64_t key2, uint8_t id,
				     uint32_t addr_be, uint16_t port);
/* The same for an IPv6 address (16 bytes, network order): id || address || port. */
uint64_t mptcp_crypto_add_addr_hmac6(uint64_t key1, uint64_t key2, uint8_t id,
				     const uint8_t addr[16], uint16_t port);

/* A random 64-bit key from a CSPRNG (OpenSSL RAND_bytes); never 0. */
uint64_t mptcp_crypto_random_key(void);

#endif
