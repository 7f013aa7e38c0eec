/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * limits.per_client (app/climit.c): counts per client address in a table the
 * workers share without a lock.
 */
#include <pthread.h>

#include <criterion/criterion.h>

#include "climit.h"

static struct hag_climit t;

static void fini(void)
{
	hag_climit_fini(&t);
}

TestSuite(climit, .fini = fini);

Test(climit, limit_per_address, .description = "Limit 3: the fourth connection of an address is refused, others are not affected; one ending makes room")
{
	cr_assert_eq(hag_climit_init(&t, 3, 1000), 0);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(hag_climit_take(&t, 0x0a0a0102), HAG_CLIMIT_OK);
	cr_expect_eq(hag_climit_take(&t, 0x0a0a0102), HAG_CLIMIT_REFUSED);
	cr_expect_eq(hag_climit_count(&t, 0x0a0a0102), 3);
	cr_expect_eq(hag_climit_take(&t, 0x0a0a0202), HAG_CLIMIT_OK, "another address");
	hag_climit_put(&t, 0x0a0a0102);
	cr_expect_eq(hag_climit_count(&t, 0x0a0a0102), 2);
	cr_expect_eq(hag_climit_take(&t, 0x0a0a0102), HAG_CLIMIT_OK);
	cr_expect_eq(hag_climit_take(&t, 0x0a0a0102), HAG_CLIMIT_REFUSED);
}

Test(climit, emptied_slots_are_reused, .description = "200 000 addresses one after another, each taking and releasing: the 1 024-slot table never fills")
{
	cr_assert_eq(hag_climit_init(&t, 1, 100), 0);
	for (uint32_t a = 1; a <= 200000; a++) {
		cr_assert_eq(hag_climit_take(&t, a), HAG_CLIMIT_OK, "address %u", a);
		hag_climit_put(&t, a);
		cr_assert_eq(hag_climit_count(&t, a), 0);
	}
}

Test(climit, full_table_says_so, .description = "More live addresses than the table and its probes hold: HAG_CLIMIT_FULL, never a wrong refusal")
{
	int full = 0;

	cr_assert_eq(hag_climit_init(&t, 1, 100), 0);    /* 1024 slots */
	for (uint32_t a = 1; a <= 4096; a++) {
		enum hag_climit_res r = hag_climit_take(&t, a);

		cr_assert_neq(r, HAG_CLIMIT_REFUSED, "address %u refused at its first connection", a);
		full += r == HAG_CLIMIT_FULL;
	}
	cr_expect_geq(full, 4096 - 1024);
}

struct worker_arg {
	int id;
};

static void *hammer(void *arg)
{
	struct worker_arg *w = arg;

	for (int round = 0; round < 20000; round++) {
		uint32_t a = 0x0a000000u | (uint32_t)(round % 97);

		if (hag_climit_take(&t, a) == HAG_CLIMIT_OK)
			hag_climit_put(&t, a);
	}
	(void)w;
	return NULL;
}

Test(climit, workers_at_once_leave_every_count_at_zero, .description = "4 threads taking and releasing 97 addresses 20 000 times each: every count is back to 0")
{
	pthread_t th[4];
	struct worker_arg a[4];

	cr_assert_eq(hag_climit_init(&t, 2, 1000), 0);
	for (int i = 0; i < 4; i++) {
		a[i].id = i;
		cr_assert_eq(pthread_create(&th[i], NULL, hammer, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (uint32_t k = 0; k < 97; k++)
		cr_expect_eq(hag_climit_count(&t, 0x0a000000u | k), 0, "address %u", k);
}
