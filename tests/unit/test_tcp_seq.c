/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence arithmetic (RFC 9293 3.4): 32-bit comparisons modulo 2^32, and
 * the mapping of 32-bit wire numbers onto 64-bit stream positions
 * (seq_extend) and of 32-bit DSNs onto 64-bit ones (RFC 8684 3.3.1).
 */
#include <stdint.h>

#include <criterion/criterion.h>

#include "tcp/tcp_seq.h"

#define EPOCH (1ull << 32)

Test(seq_compare, ordinary_numbers,
     .description = "seq_lt/leq/gt/geq order numbers that are close together")
{
	cr_expect(seq_lt(1, 2));
	cr_expect_not(seq_lt(2, 1));
	cr_expect_not(seq_lt(5, 5));
	cr_expect(seq_leq(5, 5));
	cr_expect(seq_leq(4, 5));
	cr_expect_not(seq_leq(6, 5));
	cr_expect(seq_gt(2, 1));
	cr_expect_not(seq_gt(5, 5));
	cr_expect(seq_geq(5, 5));
	cr_expect(seq_geq(6, 5));
	cr_expect_not(seq_geq(4, 5));
}

Test(seq_compare, across_the_wrap,
     .description = "RFC 9293 3.4: 0xFFFFFFF0 is before 0x10 (arithmetic modulo 2^32)")
{
	cr_expect(seq_lt(0xFFFFFFF0u, 0x10u));
	cr_expect(seq_leq(0xFFFFFFF0u, 0x10u));
	cr_expect(seq_gt(0x10u, 0xFFFFFFF0u));
	cr_expect(seq_geq(0x10u, 0xFFFFFFF0u));
	cr_expect_not(seq_gt(0xFFFFFFF0u, 0x10u));
	cr_expect_not(seq_lt(0x10u, 0xFFFFFFF0u));
	cr_expect(seq_lt(0xFFFFFFFFu, 0u), "the last number is just before 0");
	cr_expect(seq_gt(0u, 0xFFFFFFFFu));
}

Test(seq_compare, half_the_space_away,
     .description = "Numbers less than 2^31 apart compare by the short way round")
{
	cr_expect(seq_lt(0u, 0x7FFFFFFFu), "2^31 - 1 ahead is after");
	cr_expect(seq_gt(0u, 0x80000001u), "2^31 + 1 ahead is really 2^31 - 1 behind");
	cr_expect(seq_lt(0x80000000u, 0xFFFFFFFFu));
}

Test(seq_extend, same_epoch,
     .description = "seq_extend keeps the reference's epoch when the number is close in it")
{
	uint64_t ref = 5 * EPOCH + 1000;

	cr_expect_eq(seq_extend(ref, 1000), ref);
	cr_expect_eq(seq_extend(ref, 1500), 5 * EPOCH + 1500);
	cr_expect_eq(seq_extend(ref, 500), 5 * EPOCH + 500);
	cr_expect_eq(seq_extend(0, 1), 1);
}

Test(seq_extend, forwards_across_the_wrap,
     .description = "Ref 0xFFFFFFF0 in epoch 5, seq 0x10: the nearest value is in epoch 6")
{
	uint64_t ref = 0xFFFFFFF0ull + EPOCH * 5;

	cr_expect_eq(seq_extend(ref, 0x10), EPOCH * 6 + 0x10, "got 0x%llx",
		     (unsigned long long)seq_extend(ref, 0x10));
	cr_expect_eq(seq_extend(ref, 0xFFFFFFFFu), EPOCH * 5 + 0xFFFFFFFFull);
	cr_expect_eq(seq_extend(ref, 0), EPOCH * 6);
}

Test(seq_extend, backwards_across_the_wrap,
     .description = "Ref 0x10 in epoch 6, seq 0xFFFFFFF0: the nearest value is in epoch 5")
{
	uint64_t ref = EPOCH * 6 + 0x10;

	cr_expect_eq(seq_extend(ref, 0xFFFFFFF0u), EPOCH * 5 + 0xFFFFFFF0ull, "got 0x%llx",
		     (unsigned long long)seq_extend(ref, 0xFFFFFFF0u));
	cr_expect_eq(seq_extend(ref, 0x0), EPOCH * 6);
}

Test(seq_extend, up_to_half_the_space,
     .description = "seq_extend goes forwards up to 2^31 - 1 and backwards up to 2^31")
{
	uint64_t ref = EPOCH * 3 + 0x100;

	cr_expect_eq(seq_extend(ref, 0x100 + 0x7FFFFFFFu), ref + 0x7FFFFFFFull);
	cr_expect_eq(seq_extend(ref, 0x100 + 0x80000000u), ref - 0x80000000ull);
	cr_expect_eq(seq_extend(ref, 0x100 - 0x7FFFFFFFu), ref - 0x7FFFFFFFull);
}

Test(seq_extend, just_below_position_zero,
     .description = "A number just below position 0 maps to a negative position (as int64_t)")
{
	/* tcp_rcv reads the result as a signed position: a retransmitted SYN
	 * one below the first data byte must come out as -1, not 2^64 - 1 as
	 * a "far future" byte. */
	cr_expect_eq((int64_t)seq_extend(0, 0xFFFFFFFFu), -1);
	cr_expect_eq((int64_t)seq_extend(5, 0xFFFFFFF0u), -16);
}

Test(dsn, expand32_forwards_and_backwards,
     .description = "RFC 8684 3.3.1: a 32-bit DSN or DATA_ACK is the 64-bit one nearest to the expected")
{
	uint64_t ref = 0x12345678FFFFFF00ull;

	cr_expect_eq(dsn_expand32(ref, 0x00000100u), 0x1234567900000100ull);
	cr_expect_eq(dsn_expand32(ref, 0xFFFFFE00u), 0x12345678FFFFFE00ull);
	cr_expect_eq(dsn_expand32(0x1234567900000010ull, 0xFFFFFFF0u), 0x12345678FFFFFFF0ull);
	cr_expect_eq(dsn_expand32(ref, (uint32_t)ref), ref);
}
