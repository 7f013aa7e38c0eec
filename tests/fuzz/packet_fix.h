/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_packet's fix-ups (packet_fix.c); the FIX_* bits are described in fuzz_packet.c. */
#ifndef HAG_FUZZ_PACKET_FIX_H
#define HAG_FUZZ_PACKET_FIX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "fuzz_check.h"

#define FIX_CSUM 0x01
#define FIX_LEN 0x02
#define FIX_ACK 0x04
#define FIX_MPTCP 0x08
#define FIX_PORT 0x10

/* Forget every flow and MPTCP connection learnt (a new input). */
void fz_fix_reset(void);
/* A segment hagd sent (its IPv4 header, checked): sequence numbers, timestamps, keys, nonces, DSNs. */
void fz_learn_output(const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th);
/* Rewrite a received Ethernet frame (len bytes) as the FIX_* bits of ctl say. */
void fz_fix_frame(uint8_t ctl, uint8_t *p, uint32_t len);

/* Each well-formed option of a TCP option block (EOL ends it, a malformed one too). */
typedef void (*fz_opt_fn)(uint8_t *opt, uint8_t len, void *arg);
void fz_each_option(uint8_t *p, uint32_t len, fz_opt_fn fn, void *arg);

#endif
