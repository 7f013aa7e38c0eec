/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence arithmetic. Internally lib/tcp counts stream positions in 64 bits
 * (no wrap); the 32-bit wire sequence numbers are mapped to and from them
 * against a nearby 64-bit reference, which is wrap-safe as long as the
 * distance is below 2^31 (RFC 9293 3.4: windows are far smaller).
 */
#ifndef HAG_TCP_SEQ_H
#define HAG_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* The 64-bit value whose low 32 bits are seq, closest to ref. */
static inline uint64_t seq_extend(uint64_t ref, uint32_t seq)
{
	return ref + (int64_t)(int32_t)(seq - (uint32_t)ref);
}

/* Data sequence numbers (RFC 8684): a 32-bit DSN or DATA_ACK is extended the same way. */
static inline uint64_t dsn_expand32(uint64_t ref, uint32_t v)
{
	return seq_extend(ref, v);
}

#endif
