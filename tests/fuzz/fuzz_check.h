/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CHECK(cond[, fmt, ...]): a promise of hagd's that a fuzz target checks. A
 * broken one is a bug: where and why on stderr ("check failed", which
 * scripts/test.sh looks for in a replay's log), then abort, so that libFuzzer
 * keeps the input.
 */
#ifndef HAG_FUZZ_CHECK_H
#define HAG_FUZZ_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((format(printf, 4, 5), noreturn)) static inline void
fz_check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: check failed: %s", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define CHECK(cond, ...)                                                              \
	do {                                                                          \
		if (!(cond))                                                          \
			fz_check_failed(__FILE__, __LINE__, #cond, ": " __VA_ARGS__); \
	} while (0)

#endif
