/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The receive bookkeeping (struct seq_ranges: contiguous end + out-of-order
 * ranges, RFC 9293 3.10.7.4 "segments ... held for later processing", SACK
 * order of RFC 2018 4) and the relay pipes built on it.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tcp/tcp_buf.h"

static void expect_ranges(const struct seq_ranges *s, uint64_t nxt, uint8_t n, const uint64_t (*r)[2])
{
	cr_expect_eq(s->nxt, nxt, "nxt %llu, want %llu", (unsigned long long)s->nxt,
		     (unsigned long long)nxt);
	cr_assert_eq(s->n, n, "%u ranges held, want %u", s->n, n);
	for (uint8_t i = 0; i < n; i++) {
		cr_expect_eq(s->r[i].start, r[i][0], "range %u start %llu, want %llu", i,
			     (unsigned long long)s->r[i].start, (unsigned long long)r[i][0]);
		cr_expect_eq(s->r[i].end, r[i][1], "range %u end %llu, want %llu", i,
			     (unsigned long long)s->r[i].end, (unsigned long long)r[i][1]);
	}
}

/* seq_ranges */

Test(seq_ranges, in_order_advances_nxt,
     .description = "In-order ranges advance nxt and return how far it moved")
{
	struct seq_ranges s = {0};

	cr_expect_eq(seq_ranges_add(&s, 0, 10), 10);
	cr_expect_eq(seq_ranges_add(&s, 10, 25), 15);
	expect_ranges(&s, 25, 0, NULL);
	seq_ranges_fini(&s);
}

Test(seq_ranges, old_and_empty_ranges_change_nothing,
     .description = "A range wholly below nxt, or empty, returns 0 and changes nothing")
{
	struct seq_ranges s = {.nxt = 100};

	cr_expect_eq(seq_ranges_add(&s, 50, 100), 0);
	cr_expect_eq(seq_ranges_add(&s, 0, 10), 0);
	cr_expect_eq(seq_ranges_add(&s, 200, 200), 0, "empty");
	cr_expect_eq(seq_ranges_add(&s, 300, 200), 0, "reversed");
	expect_ranges(&s, 100, 0, NULL);
	seq_ranges_fini(&s);
}

Test(seq_ranges, partly_old_range_counts_only_new_bytes,
     .description = "A range straddling nxt advances by its new part only")
{
	struct seq_ranges s = {.nxt = 100};

	cr_expect_eq(seq_ranges_add(&s, 90, 130), 30);
	expect_ranges(&s, 130, 0, NULL);
	seq_ranges_fini(&s);
}

Test(seq_ranges, out_of_order_is_held_sorted,
     .description = "Out-of-order ranges are held sorted, nxt stays, last names the newest")
{
	struct seq_ranges s = {0};
	const uint64_t want[][2] = {{20, 30}, {35, 38}, {40, 50}};

	cr_expect_eq(seq_ranges_add(&s, 20, 30), 0);
	cr_expect_eq(s.last, 0);
	cr_expect_eq(seq_ranges_add(&s, 40, 50), 0);
	cr_expect_eq(s.last, 1);
	cr_expect_eq(seq_ranges_add(&s, 35, 38), 0);
	cr_expect_eq(s.last, 1, "inserted between: index 1");
	expect_ranges(&s, 0, 3, want);
	seq_ranges_fini(&s);
}

Test(seq_ranges, touching_ranges_merge,
     .description = "A range that touches held ones on both sides merges them into one")
{
	struct seq_ranges s = {0};
	const uint64_t want[][2] = {{20, 38}, {40, 50}};

	seq_ranges_add(&s, 20, 30);
	seq_ranges_add(&s, 35, 38);
	seq_ranges_add(&s, 40, 50);
	cr_expect_eq(seq_ranges_add(&s, 30, 35), 0);
	expect_ranges(&s, 0, 2, want);
	cr_expect_eq(s.last, 0);
	seq_ranges_fini(&s);
}

Test(seq_ranges, overlapping_range_extends,
     .description = "A range overlapping a held one extends it on either side")
{
	struct seq_ranges s = {0};
	const uint64_t want[][2] = {{15, 45}};

	seq_ranges_add(&s, 20, 30);
	seq_ranges_add(&s, 25, 45);
	seq_ranges_add(&s, 15, 22);
	expect_ranges(&s, 0, 1, want);
	seq_ranges_fini(&s);
}

Test(seq_ranges, bridging_several,
     .description = "One range covering several held ones collapses them")
{
	struct seq_ranges s = {0};
	const uint64_t want[][2] = {{5, 8}, {10, 70}, {80, 90}};

	seq_ranges_add(&s, 5, 8);
	seq_ranges_add(&s, 10, 20);
	seq_ranges_add(&s, 30, 40);
	seq_ranges_add(&s, 50, 60);
	seq_ranges_add(&s, 80, 90);
	cr_expect_eq(seq_ranges_add(&s, 15, 70), 0);
	expect_ranges(&s, 0, 3, want);
	cr_expect_eq(s.last, 1, "the merged range is the most recently changed");
	seq_ranges_fini(&s);
}

Test(seq_ranges, filling_the_hole_absorbs_held_ranges,
     .description = "Filling the hole before held ranges advances nxt through all that touch")
{
	struct seq_ranges s = {.nxt = 10};
	const uint64_t want[][2] = {{60, 70}};

	seq_ranges_add(&s, 20, 30);
	seq_ranges_add(&s, 30, 50);
	seq_ranges_add(&s, 60, 70);
	cr_expect_eq(seq_ranges_add(&s, 10, 20), 40, "10 -> 50");
	expect_ranges(&s, 50, 1, want);
	cr_expect_eq(seq_ranges_add(&s, 45, 65), 20, "50 -> 70, overlapping the held range");
	expect_ranges(&s, 70, 0, NULL);
	seq_ranges_fini(&s);
}

Test(seq_ranges, limit_refuses_one_range_too_many,
     .description = "With SEQ_RANGES_MAX ranges held a new disjoint one returns -1; merging still works")
{
	struct seq_ranges s = {0};

	for (int i = 0; i < SEQ_RANGES_MAX; i++)
		cr_assert_eq(seq_ranges_add(&s, 100 + 20 * (uint64_t)i, 110 + 20 * (uint64_t)i), 0);
	cr_assert_eq(s.n, SEQ_RANGES_MAX);
	cr_expect_eq(seq_ranges_add(&s, 200 + 20 * (uint64_t)SEQ_RANGES_MAX, 210 + 20 * (uint64_t)SEQ_RANGES_MAX),
		     -1, "beyond the last");
	cr_expect_eq(seq_ranges_add(&s, 50, 60), -1, "before the first");
	cr_expect_eq(s.n, SEQ_RANGES_MAX);
	cr_expect_eq(seq_ranges_add(&s, 110, 115), 0, "touches range 0: merged");
	cr_expect_eq(s.r[0].end, 115);
	cr_expect_eq(seq_ranges_add(&s, 0, 100), 115, "in-order data is never refused");
	cr_expect_eq(s.n, SEQ_RANGES_MAX - 1);
	seq_ranges_fini(&s);
}

Test(seq_ranges, table_held_only_while_out_of_order,
     .description = "In-order data allocates no table; the first out-of-order range allocates it and the hole's filling or an advance past the last range frees it")
{
	struct seq_ranges s = {0};

	for (uint64_t i = 0; i < 100; i++)
		cr_assert_eq(seq_ranges_add(&s, 10 * i, 10 * i + 10), 10);
	cr_expect_null(s.r, "in order: no table");
	cr_assert_eq(seq_ranges_add(&s, 1100, 1200), 0);
	cr_expect_not_null(s.r, "a hole: the table");
	cr_expect_eq(seq_ranges_add(&s, 1000, 1100), 200, "the hole filled");
	cr_expect_eq(s.n, 0);
	cr_expect_null(s.r, "nothing held: the table is given back");
	cr_assert_eq(seq_ranges_add(&s, 1300, 1400), 0);
	cr_assert_eq(seq_ranges_add(&s, 1500, 1600), 0);
	seq_ranges_advance(&s, 1450);
	cr_expect_not_null(s.r, "one range still held above the advance");
	seq_ranges_advance(&s, 1600);
	cr_expect_eq(s.nxt, 1600);
	cr_expect_null(s.r, "advanced past the last range: given back");
	cr_assert_eq(seq_ranges_add(&s, 2000, 2100), 0);
	seq_ranges_fini(&s);
	cr_expect_null(s.r);
	cr_expect_eq(s.n, 0);
	cr_expect_eq(s.nxt, 1600, "fini forgets the ranges, not the contiguous end");
	seq_ranges_fini(&s);
}

Test(seq_ranges, advance_drops_what_it_passes,
     .description = "seq_ranges_advance moves nxt forward, drops ranges below it, keeps those above")
{
	struct seq_ranges s = {.nxt = 10};
	const uint64_t want[][2] = {{60, 70}, {80, 90}};

	seq_ranges_add(&s, 20, 30);
	seq_ranges_add(&s, 40, 50);
	seq_ranges_add(&s, 60, 70);
	seq_ranges_add(&s, 80, 90);
	seq_ranges_advance(&s, 55);
	expect_ranges(&s, 55, 2, want);
	seq_ranges_advance(&s, 5);
	cr_expect_eq(s.nxt, 55, "never backwards");
	cr_expect_lt(s.last, s.n);
	seq_ranges_fini(&s);
}

Test(seq_ranges, bytes_held, .description = "seq_ranges_bytes sums the out-of-order ranges, not the prefix")
{
	struct seq_ranges s = {.nxt = 0};

	cr_expect_eq(seq_ranges_bytes(&s), 0);
	seq_ranges_add(&s, 0, 100);
	cr_expect_eq(seq_ranges_bytes(&s), 0, "the contiguous prefix is not held out of order");
	seq_ranges_add(&s, 200, 250);
	seq_ranges_add(&s, 300, 310);
	cr_expect_eq(seq_ranges_bytes(&s), 60);
	seq_ranges_add(&s, 240, 305);
	cr_expect_eq(seq_ranges_bytes(&s), 110, "merged ranges are not counted twice");
	seq_ranges_fini(&s);
}

/* tcp_pipe */

Test(tcp_pipe, capacity_is_a_power_of_two,
     .description = "tcp_pipe_init rounds the capacity up to a power of two (at least 4096)")
{
	struct tcp_pipe p;

	cr_assert_eq(tcp_pipe_init(&p, 100), 0);
	cr_expect_eq(p.cap, 4096);
	cr_expect_eq(tcp_pipe_space(&p), 4096);
	tcp_pipe_fini(&p);
	cr_assert_eq(tcp_pipe_init(&p, 5000), 0);
	cr_expect_eq(p.cap, 8192);
	tcp_pipe_fini(&p);
	cr_expect_null(p.buf);
}

Test(tcp_pipe, write_read_across_the_ring_wrap,
     .description = "Bytes written across the end of the ring read back intact")
{
	struct tcp_pipe p;
	uint8_t in[3000], out[3000];

	cr_assert_eq(tcp_pipe_init(&p, 4096), 0);
	for (unsigned int i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 31 + 7);
	cr_expect_eq(tcp_pipe_write(&p, 0, in, 3000), 3000);
	tcp_pipe_consume(&p, 3000);
	cr_expect_eq(tcp_pipe_used(&p), 0);
	/* positions 3000..5999: ring offsets 3000..4095 then 0..1903 */
	cr_expect_eq(tcp_pipe_write(&p, 3000, in, 3000), 3000);
	cr_expect_eq(tcp_pipe_used(&p), 3000);
	tcp_pipe_read(&p, 3000, out, 3000);
	cr_expect_arr_eq(out, in, 3000);
	tcp_pipe_read(&p, 4000, out, 500);
	cr_expect_arr_eq(out, in + 1000, 500, "a read that starts before and ends after the wrap");
	tcp_pipe_fini(&p);
}

Test(tcp_pipe, out_of_order_then_fill,
     .description = "An out-of-order write is held; filling the hole advances by the whole range")
{
	struct tcp_pipe p;
	uint8_t a[100], b[100], out[200];

	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	cr_assert_eq(tcp_pipe_init(&p, 4096), 0);
	cr_expect_eq(tcp_pipe_write(&p, 100, b, 100), 0, "held, not contiguous");
	cr_expect_eq(p.rx.nxt, 0);
	cr_expect_eq(tcp_pipe_used(&p), 0);
	cr_expect_eq(p.rx.n, 1);
	cr_expect_eq(tcp_pipe_write(&p, 0, a, 100), 200);
	cr_expect_eq(p.rx.nxt, 200);
	cr_expect_eq(p.rx.n, 0);
	tcp_pipe_read(&p, 0, out, 200);
	cr_expect_arr_eq(out, a, 100);
	cr_expect_arr_eq(out + 100, b, 100);
	tcp_pipe_fini(&p);
}

Test(tcp_pipe, duplicates_are_counted_and_not_rewritten,
     .description = "Bytes below the contiguous end are skipped and counted in dup_bytes")
{
	struct tcp_pipe p;
	uint8_t a[100], x[100], out[150];

	memset(a, 'a', sizeof(a));
	memset(x, 'x', sizeof(x));
	cr_assert_eq(tcp_pipe_init(&p, 4096), 0);
	tcp_pipe_write(&p, 0, a, 100);
	cr_expect_eq(tcp_pipe_write(&p, 0, x, 100), 0);
	cr_expect_eq(p.dup_bytes, 100);
	cr_expect_eq(tcp_pipe_write(&p, 50, x, 100), 50, "half old, half new");
	cr_expect_eq(p.dup_bytes, 150);
	tcp_pipe_read(&p, 0, out, 150);
	cr_expect_arr_eq(out, a, 100, "the old bytes were not overwritten");
	cr_expect_arr_eq(out + 100, x, 50);
	tcp_pipe_fini(&p);
}

Test(tcp_pipe, writes_beyond_the_window_are_clipped,
     .description = "Bytes at or beyond head + cap are not stored")
{
	struct tcp_pipe p;
	static uint8_t buf[8192];
	uint8_t out[96];

	memset(buf, 'z', sizeof(buf));
	cr_assert_eq(tcp_pipe_init(&p, 4096), 0);
	cr_expect_eq(tcp_pipe_write(&p, 0, buf, 4000), 4000);
	buf[0] = 'q';
	cr_expect_eq(tcp_pipe_write(&p, 4000, buf, 200), 96, "only up to head + cap");
	cr_expect_eq(p.rx.nxt, 4096);
	cr_expect_eq(tcp_pipe_space(&p), 0);
	cr_expect_eq(tcp_pipe_write(&p, 4096, buf, 100), 0, "a full pipe takes nothing");
	cr_expect_eq(tcp_pipe_write(&p, 5000, buf, 100), 0, "nor out of order beyond the window");
	cr_expect_eq(p.rx.n, 0);
	tcp_pipe_read(&p, 4000, out, 96);
	cr_expect_eq(out[0], 'q');
	/* The stored bytes did not spill over the oldest ones. */
	tcp_pipe_read(&p, 0, out, 1);
	cr_expect_eq(out[0], 'z');
	tcp_pipe_fini(&p);
}

Test(tcp_pipe, consume_frees_space,
     .description = "Consuming moves head (never backwards, never past the data) and frees space")
{
	struct tcp_pipe p;
	static uint8_t buf[4096];

	cr_assert_eq(tcp_pipe_init(&p, 4096), 0);
	tcp_pipe_write(&p, 0, buf, 4096);
	cr_expect_eq(tcp_pipe_space(&p), 0);
	tcp_pipe_consume(&p, 1000);
	cr_expect_eq(p.head, 1000);
	cr_expect_eq(tcp_pipe_space(&p), 1000);
	tcp_pipe_consume(&p, 500);
	cr_expect_eq(p.head, 1000, "no step back");
	tcp_pipe_consume(&p, 9999);
	cr_expect_eq(p.head, 4096, "not past rx.nxt");
	cr_expect_eq(tcp_pipe_write(&p, 4096, buf, 4096), 4096, "the freed room takes new bytes");
	tcp_pipe_fini(&p);
}

Test(tcp_pipe, enospc_when_ranges_are_full,
     .description = "One out-of-order piece more than SEQ_RANGES_MAX returns -ENOSPC and stores nothing")
{
	struct tcp_pipe p;
	static uint8_t a[4096];
	uint8_t z[10], before[10], out[10];
	const uint64_t base = 4096;

	memset(a, 'a', sizeof(a));
	memset(z, 'z', sizeof(z));
	cr_assert_eq(tcp_pipe_init(&p, 4096), 0);
	tcp_pipe_write(&p, 0, a, 4096);
	tcp_pipe_consume(&p, 4096);
	for (int i = 0; i < SEQ_RANGES_MAX; i++)
		cr_assert_eq(tcp_pipe_write(&p, base + 100 + 20 * (uint64_t)i, a, 10), 0);
	/* What the ring holds where the refused piece would go (the ring is held: ranges are). */
	tcp_pipe_read(&p, base + 200 + 20 * SEQ_RANGES_MAX, before, 10);
	cr_expect_eq(tcp_pipe_write(&p, base + 200 + 20 * SEQ_RANGES_MAX, z, 10), -ENOSPC);
	cr_expect_eq(p.rx.n, SEQ_RANGES_MAX);
	cr_expect_eq(p.rx.nxt, base);
	tcp_pipe_read(&p, base + 200 + 20 * SEQ_RANGES_MAX, out, 10);
	cr_expect_arr_eq(out, before, 10, "refused bytes were copied into the ring");
	tcp_pipe_fini(&p);
}

static uint8_t pat(uint64_t pos)
{
	return (uint8_t)(pos * 131 + (pos >> 8));
}

static void write_pat(struct tcp_pipe *p, uint64_t pos, uint32_t len)
{
	static uint8_t b[65536];

	for (uint32_t i = 0; i < len; i++)
		b[i] = pat(pos + i);
	tcp_pipe_write(p, pos, b, len);
}

static void expect_pat(const struct tcp_pipe *p, uint64_t pos, uint32_t len)
{
	static uint8_t b[65536];

	tcp_pipe_read(p, pos, b, len);
	for (uint32_t i = 0; i < len; i++)
		cr_assert_eq(b[i], pat(pos + i), "byte at %llu", (unsigned long long)(pos + i));
}

Test(tcp_pipe, grow_keeps_wrapped_and_out_of_order_bytes,
     .description = "Growing the ring moves the held bytes (across the old wrap) and out-of-order ranges")
{
	struct tcp_pipe_mem mem = {0};
	struct tcp_pipe p;

	cr_assert_eq(tcp_pipe_init_tuned(&p, 4096, 65536, &mem), 0);
	cr_expect_eq(mem.used, 4096);
	write_pat(&p, 0, 3000);
	tcp_pipe_consume(&p, 3000);
	write_pat(&p, 3000, 3000);          /* wraps in the 4096 ring */
	write_pat(&p, 6500, 500);           /* out of order, also in the window */
	cr_assert_eq(p.rx.nxt, 6000);
	cr_assert_eq(tcp_pipe_grow(&p, 10000), 0);
	cr_expect_eq(p.cap, 16384);
	cr_expect_eq(mem.used, 16384, "the budget is charged the difference");
	expect_pat(&p, 3000, 3000);
	expect_pat(&p, 6500, 500);
	write_pat(&p, 6000, 500);           /* fills the hole */
	cr_expect_eq(p.rx.nxt, 7000);
	expect_pat(&p, 3000, 4000);
	cr_expect_eq(tcp_pipe_space(&p), 16384 - 4000, "the window is the new room");
	tcp_pipe_fini(&p);
	cr_expect_eq(mem.used, 0);
}

Test(tcp_pipe, grow_stops_at_max_and_budget,
     .description = "A pipe does not grow past its maximum; a pipe holding bytes does not grow past the budget of held rings (counted); an empty one grows its capacity only, and starts again smaller when its ring does not fit")
{
	struct tcp_pipe_mem mem = {.budget = 20000};
	struct tcp_pipe a, b;

	cr_assert_eq(tcp_pipe_init_tuned(&a, 4096, 8192, &mem), 0);
	cr_expect_eq(tcp_pipe_grow(&a, 1 << 20), 0);
	cr_expect_eq(a.cap, 8192, "clamped to max");
	cr_expect_eq(tcp_pipe_grow(&a, 1 << 20), -ENOSPC, "at max already");
	write_pat(&a, 0, 100);                  /* a holds an 8192 ring */
	cr_expect_eq(mem.held, 8192);
	cr_assert_eq(tcp_pipe_init_tuned(&b, 4096, 65536, &mem), 0);
	write_pat(&b, 0, 100);                  /* b holds a 4096 ring: 12288 held */
	cr_expect_eq(mem.held, 8192 + 4096);
	cr_expect_eq(tcp_pipe_grow(&b, 16384), -ENOSPC, "12288 + 12288 > 20000");
	cr_expect_eq(mem.refused, 1);
	cr_expect_eq(b.cap, 4096, "unchanged after a refusal");
	expect_pat(&b, 0, 100);
	cr_expect_eq(tcp_pipe_grow(&b, 8192), 0, "12288 + 4096 fits");
	cr_expect_eq(mem.held, 8192 + 8192);
	expect_pat(&b, 0, 100);
	tcp_pipe_consume(&b, 100);              /* b empty: its ring goes */
	cr_expect_eq(mem.held, 8192);
	cr_expect_eq(tcp_pipe_grow(&b, 16384), 0, "an empty pipe's capacity grows without a ring");
	cr_expect_eq(mem.held, 8192);
	/* 8192 held + its 16384 ring > 20000: refused, the empty pipe starts again at 8192. */
	cr_expect_eq(tcp_pipe_write(&b, 100, "x", 1), -ENOMEM);
	cr_expect_eq(b.cap, 8192);
	cr_expect_eq(tcp_pipe_write(&b, 100, "x", 1), 1);
	cr_expect_eq(mem.held, 8192 + 8192);
	cr_expect_eq(mem.refused, 2);
	tcp_pipe_consume(&a, 100);
	tcp_pipe_fini(&a);
	tcp_pipe_fini(&b);
	cr_expect_eq(mem.used, 0);
	cr_expect_eq(mem.held, 0);
}

Test(tcp_pipe, ring_held_only_while_bytes_are,
     .description = "A pipe reserves its capacity at once but allocates its ring with the first byte and frees it when everything is consumed; the bytes survive the cycles")
{
	struct tcp_pipe_mem mem = {0};
	struct tcp_pipe p;

	cr_assert_eq(tcp_pipe_init_tuned(&p, 4096, 65536, &mem), 0);
	cr_expect_eq(mem.used, 4096, "reserved: the window is backed");
	cr_expect_eq(mem.held, 0);
	cr_expect_null(p.buf, "no ring before the first byte");
	cr_expect_eq(tcp_pipe_space(&p), 4096, "the whole window is advertised");
	for (uint64_t pos = 0; pos < 5 * 3000; pos += 3000) {
		write_pat(&p, pos, 3000);
		cr_expect_not_null(p.buf);
		cr_expect_eq(mem.held, 4096);
		expect_pat(&p, pos, 3000);
		tcp_pipe_consume(&p, pos + 1000);
		cr_expect_not_null(p.buf, "bytes left: the ring stays");
		expect_pat(&p, pos + 1000, 2000);
		tcp_pipe_consume(&p, pos + 3000);
		cr_expect_null(p.buf, "all consumed: the ring is freed");
		cr_expect_eq(mem.held, 0);
	}
	write_pat(&p, 16000, 100);          /* out of order: the ring holds it though nothing is contiguous */
	cr_expect_not_null(p.buf);
	tcp_pipe_consume(&p, 15000);
	cr_expect_not_null(p.buf, "an out-of-order range keeps the ring");
	write_pat(&p, 15000, 1000);
	expect_pat(&p, 15000, 1100);
	tcp_pipe_consume(&p, 16100);
	cr_expect_null(p.buf);
	cr_assert_eq(tcp_pipe_grow(&p, 16384), 0, "an empty pipe grows its reservation only");
	cr_expect_eq(mem.used, 16384);
	cr_expect_eq(mem.held, 0);
	write_pat(&p, 16100, 10000);
	cr_expect_eq(mem.held, 16384);
	expect_pat(&p, 16100, 10000);
	tcp_pipe_fini(&p);
	cr_expect_eq(mem.used, 0);
	cr_expect_eq(mem.held, 0);
}

Test(tcp_pipe, consumed_bytes_read_as_zeros,
     .description = "A read that starts below head gives zeros for the consumed part, the held bytes after it, with or without a ring")
{
	struct tcp_pipe p;
	uint8_t out[3000], want[3000];

	cr_assert_eq(tcp_pipe_init(&p, 4096), 0);
	write_pat(&p, 0, 3000);
	tcp_pipe_consume(&p, 1000);
	tcp_pipe_read(&p, 500, out, 2000);
	memset(want, 0, 500);
	for (int i = 0; i < 1500; i++)
		want[500 + i] = pat(1000 + (uint64_t)i);
	cr_expect_arr_eq(out, want, 2000);
	tcp_pipe_consume(&p, 3000);
	cr_assert_null(p.buf);
	memset(out, 0xff, sizeof(out));
	tcp_pipe_read(&p, 0, out, 3000);
	memset(want, 0, sizeof(want));
	cr_expect_arr_eq(out, want, 3000, "no ring: all zeros");
	tcp_pipe_fini(&p);
}

Test(tcp_pipe, init_refused_over_budget,
     .description = "A new pipe is refused with -ENOSPC when the rings held leave no room for its own; idle pipes (no ring) do not count")
{
	struct tcp_pipe_mem mem = {.budget = 6000};
	struct tcp_pipe a, b, c;

	cr_assert_eq(tcp_pipe_init_tuned(&a, 4096, 4096, &mem), 0);
	cr_assert_eq(tcp_pipe_init_tuned(&b, 4096, 4096, &mem), 0, "a holds nothing: b fits");
	cr_expect_eq(mem.used, 8192, "capacity counted, not held");
	write_pat(&a, 0, 10);
	cr_expect_eq(tcp_pipe_init_tuned(&c, 4096, 4096, &mem), -ENOSPC, "4096 held + 4096 > 6000");
	cr_expect_eq(mem.refused, 1);
	tcp_pipe_fini(&a);
	tcp_pipe_fini(&b);
	cr_expect_eq(mem.held, 0);
}

Test(tcp_pipe, an_empty_pipe_restarts_smaller_within_the_budget,
     .description = "A pipe grown to 128 KiB, drained (no ring), whose budget now leaves 64 KiB: its next byte gets a 64 KiB ring instead of being refused for ever; with less than 4096 bytes left it is refused")
{
	struct tcp_pipe_mem mem = {0};
	struct tcp_pipe p;
	uint8_t b[100] = {1};

	cr_assert_eq(tcp_pipe_init_tuned(&p, 131072, 131072, &mem), 0);
	mem.budget = 65536;
	mem.held = 0;
	cr_expect_eq(tcp_pipe_write(&p, 0, b, sizeof(b)), -ENOMEM, "this write is dropped whole");
	cr_expect_eq(p.cap, 65536u, "the pipe starts again at what fits");
	cr_expect_eq(tcp_pipe_write(&p, 0, b, sizeof(b)), (int64_t)sizeof(b), "the resend fits");
	cr_expect_eq(mem.held, 65536u);
	cr_expect_eq(mem.used, 65536u);
	tcp_pipe_consume(&p, 100);
	cr_expect_null(p.buf, "drained: no ring");
	mem.held = 63000;          /* other pipes hold all but 2536 bytes */
	cr_expect_eq(tcp_pipe_write(&p, 100, b, sizeof(b)), -ENOMEM);
	cr_expect_eq(p.cap, 4096u, "down to 4096, which does not fit either");
	cr_expect_eq(tcp_pipe_write(&p, 100, b, sizeof(b)), -ENOMEM);
	mem.held = 0;
	tcp_pipe_fini(&p);
}
