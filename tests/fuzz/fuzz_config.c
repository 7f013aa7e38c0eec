/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the config loader (app/config.c), both formats.
 *
 * Input: one byte that picks the way in, then the file's text:
 *   byte & 3 == 1   libconfig, through a file NAME.cfg (hag_config_load)
 *   byte & 3 == 3   JSON, through a file NAME.json (hag_config_load)
 *   otherwise       JSON text (hag_config_load_string)
 * The files live in /dev/shm (or $TMPDIR), one per process, removed at exit.
 *
 * Checked besides memory safety and leaks: a refused config comes with a
 * message; an accepted one dumps (hag_config_to_json, what `hagctl config`
 * shows) to JSON that the loader accepts again and that dumps to the same
 * JSON (config_dump.c: "hag_config_load reads it back to the same values").
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "fuzz_check.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path_cfg[256], path_json[256];

static void remove_files(void)
{
	unlink(path_cfg);
	unlink(path_json);
}

static void paths_init(void)
{
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

	if (path_cfg[0])
		return;
	if (dir == NULL)
		dir = "/tmp";
	snprintf(path_cfg, sizeof(path_cfg), "%s/hag-fuzz-config-%d.cfg", dir, (int)getpid());
	snprintf(path_json, sizeof(path_json), "%s/hag-fuzz-config-%d.json", dir, (int)getpid());
	atexit(remove_files);
}

static bool write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (f == NULL)
		return false;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok;
}

/* Well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF), as jansson wants. */
static bool utf8_ok(const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	while (*p) {
		unsigned char c = *p++, lo = 0x80, hi = 0xbf;
		int n;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return false;
		if (*p < lo || *p > hi)
			return false;
		for (p++, n--; n > 0; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

/* The loader takes only UTF-8 text (finding 2 of docs/security.md, "Fuzzing",
 * fixed): an accepted config holding anything else is a bug. */
static bool has_non_utf8(const struct hag_config *cfg)
{
	for (int i = 0; i < cfg->n_ports; i++)
		if (!utf8_ok(cfg->ports[i].dev) || !utf8_ok(cfg->ports[i].name))
			return true;
	for (int i = 0; i < cfg->n_eal_args; i++)
		if (!utf8_ok(cfg->eal_args[i]))
			return true;
	for (int i = 0; i < cfg->n_access; i++)
		if (!utf8_ok(cfg->access[i].name))
			return true;
	return false;
}

/* An accepted config: its dump loads again, to the same dump. */
static void check_dump(const struct hag_config *cfg)
{
	json_t *j1, *j2;
	struct hag_config again;
	char err[512] = "";
	char *text;
	int rc;

	if (has_non_utf8(cfg)) {
		fprintf(stderr, "fuzz_config: an accepted config holds text that is not UTF-8\n");
		abort();
	}
	j1 = hag_config_to_json(cfg);
	if (j1 == NULL)
		return;               /* out of memory only */
	text = json_dumps(j1, JSON_SORT_KEYS);
	CHECK(text != NULL, "the dump does not serialise");
	rc = hag_config_load_string(text, "<dump>", &again, err, sizeof(err));
	CHECK(rc == 0, "the dump of an accepted config is refused: %s\n%s", err, text);
	j2 = hag_config_to_json(&again);
	if (j2 != NULL) {
		char *t2 = json_dumps(j2, JSON_SORT_KEYS);

		CHECK(json_equal(j1, j2), "the dump does not load back to the same values:\n%s\n%s", text,
		      t2 ? t2 : "?");
		free(t2);
		json_decref(j2);
	}
	hag_config_free(&again);
	free(text);
	json_decref(j1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hag_config cfg;
	char err[512];
	int rc, how;

	if (size < 1)
		return 0;
	how = data[0] & 3;
	data++;
	size--;
	err[0] = '\0';
	if (how == 1 || how == 3) {
		const char *path = how == 1 ? path_cfg : path_json;

		paths_init();
		if (!write_file(path, data, size))
			return 0;
		rc = hag_config_load(path, &cfg, err, sizeof(err));
	} else {
		char *text = malloc(size + 1);

		if (text == NULL)
			return 0;
		memcpy(text, data, size);
		text[size] = '\0';
		rc = hag_config_load_string(text, "fuzz.json", &cfg, err, sizeof(err));
		free(text);
	}
	if (rc == 0)
		check_dump(&cfg);
	else
		CHECK(rc < 0 && err[0] != '\0', "refused (%d) without a message", rc);
	hag_config_free(&cfg);
	return 0;
}
