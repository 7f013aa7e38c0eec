/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config files in: JSON (jansson) and libconfig (.cfg/.conf) are both turned
 * into one json_t tree, which app/config.c checks with one validator, so the
 * two formats accept the same keys and give the same messages. And errors
 * out: jansson keeps no positions of values, so an error's LINE:COL is found
 * afterwards, in JSON by re-scanning the text for the key path, in libconfig
 * from the setting tree, which records a line per setting.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_read.h"

/* Where a key path ("ports[1].addr") is in JSON text. */
struct jscan {
	const char *p;
	int line, col;
	const char *want;
	int at_line, at_col;
};

/* Columns count characters, as jansson's do: UTF-8 continuation bytes don't. */
static void js_adv(struct jscan *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
	} else if (((unsigned char)*s->p & 0xc0) != 0x80) {
		s->col++;
	}
	s->p++;
}

static void js_ws(struct jscan *s)
{
	while (*s->p && strchr(" \t\r\n", *s->p))
		js_adv(s);
}

/* Copies a string's raw text (escapes undecoded: such a key is not found and
 * the error is placed at the enclosing object instead). */
static void js_str(struct jscan *s, char *buf, size_t n)
{
	size_t k = 0;

	for (js_adv(s); *s->p && *s->p != '"'; js_adv(s)) {
		if (*s->p == '\\' && s->p[1]) {
			if (k + 1 < n)
				buf[k++] = *s->p;
			js_adv(s);
		}
		if (k + 1 < n)
			buf[k++] = *s->p;
	}
	if (*s->p)
		js_adv(s);
	if (n)
		buf[k] = '\0';
}

/* Walks one value of text jansson already accepted; true once want is found. */
static bool js_value(struct jscan *s, char *path, size_t len, size_t cap)
{
	js_ws(s);
	if (*s->p == '"') {
		js_str(s, NULL, 0);
		return false;
	}
	if (*s->p != '{' && *s->p != '[') {
		while (*s->p && !strchr(",]} \t\r\n", *s->p))
			js_adv(s);
		return false;
	}
	bool obj = *s->p == '{';
	int idx = 0;

	for (js_adv(s);; idx++) {
		js_ws(s);
		if (!*s->p || *s->p == (obj ? '}' : ']'))
			break;
		int line = s->line, col = s->col;
		if (obj) {
			char key[128];
			js_str(s, key, sizeof(key));
			snprintf(path + len, cap - len, "%s%s", len ? "." : "", key);
			js_ws(s);
			js_adv(s);      /* the ':' */
		} else {
			snprintf(path + len, cap - len, "[%d]", idx);
		}
		if (!strcmp(path, s->want)) {
			s->at_line = line;
			s->at_col = col;
			return true;
		}
		if (js_value(s, path, strlen(path), cap))
			return true;
		path[len] = '\0';
		js_ws(s);
		if (*s->p == ',')
			js_adv(s);
	}
	if (*s->p)
		js_adv(s);
	return false;
}

/* Position of path, or of its nearest enclosing key when path itself is absent
 * (a missing required key is reported at the object that lacks it). */
static void locate(struct hag_config_loader *ld, const char *path, const char **file, int *line, int *col)
{
	char p[256], lp[300];

	snprintf(p, sizeof(p), "%s", path);
	while (p[0]) {
		struct jscan s = { .p = ld->text, .line = 1, .col = 1, .want = p };
		char walk[256] = "";

		if (ld->text && js_value(&s, walk, 0, sizeof(walk))) {
			*line = s.at_line;
			*col = s.at_col;
			return;
		}
		if (ld->lc) {
			size_t n = 0;   /* libconfig writes array indexes as "ports.[1]" */
			for (const char *c = p; *c && n + 2 < sizeof(lp); c++) {
				if (*c == '[')
					lp[n++] = '.';
				lp[n++] = *c;
			}
			lp[n] = '\0';
			config_setting_t *cs = config_lookup(ld->lc, lp);
			if (cs && config_setting_source_line(cs)) {
				*line = config_setting_source_line(cs);
				if (config_setting_source_file(cs))
					*file = config_setting_source_file(cs);
				return;
			}
		}
		char *dot = strrchr(p, '.'), *br = strrchr(p, '[');
		char *cut = dot > br ? dot : br;
		if (!cut)
			break;
		*cut = '\0';
	}
}

int hag_config_fail(struct hag_config_loader *ld, const char *parent, const char *key, const char *fmt, ...)
{
	const char *file = ld->name;
	int line = 0, col = 0;
	char why[384], path[256];
	va_list ap;

	if (!ld->err || !ld->errlen)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s%s%s", parent, key && parent[0] ? "." : "",
		 key ? key : "");
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	locate(ld, path, &file, &line, &col);
	if (!path[0])
		snprintf(path, sizeof(path), "(top level)");
	if (line && col)
		snprintf(ld->err, ld->errlen, "%s:%d:%d: %s: %s", file, line, col, path, why);
	else if (line)
		snprintf(ld->err, ld->errlen, "%s:%d: %s: %s", file, line, path, why);
	else
		snprintf(ld->err, ld->errlen, "%s: %s: %s", file, path, why);
	return -EINVAL;
}

static int load_json_text(struct hag_config_loader *ld, const char *text, size_t len,
			  struct hag_config *cfg, const char *path)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	int rc;

	if (!root) {
		if (ld->err && ld->errlen)
			snprintf(ld->err, ld->errlen, "%s:%d:%d: invalid JSON: %s", ld->name,
				 je.line, je.column, je.text);
		return -EINVAL;
	}
	ld->text = text;
	rc = hag_config_from_tree(ld, root, cfg, path);
	json_decref(root);
	return rc;
}

int hag_config_load_string(const char *text, const char *name, struct hag_config *cfg,
			   char *err, size_t errlen)
{
	struct hag_config_loader ld = { .name = name ? name : "<string>", .err = err, .errlen = errlen };

	hag_config_defaults(cfg);
	return load_json_text(&ld, text, strlen(text), cfg, ld.name);
}

/* A libconfig setting's key path ("ports[1].impair.delay_ms"), into buf. */
static void lc_path(config_setting_t *s, char *buf, size_t n)
{
	config_setting_t *parent = config_setting_parent(s);
	char mine[96];
	size_t len;

	buf[0] = '\0';
	if (parent == NULL)
		return;
	lc_path(parent, buf, n);
	if (config_setting_name(s))
		snprintf(mine, sizeof(mine), "%s%s", buf[0] ? "." : "", config_setting_name(s));
	else
		snprintf(mine, sizeof(mine), "[%d]", config_setting_index(s));
	len = strlen(buf);
	snprintf(buf + len, n - len, "%s", mine);
}

/* The JSON form of a libconfig tree; NULL without memory, or with *bad set to
 * a setting JSON cannot hold (a float that is not finite). */
static json_t *lc_to_json(config_setting_t *s, config_setting_t **bad)
{
	int n = config_setting_length(s);
	json_t *v;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		v = config_setting_is_group(s) ? json_object() : json_array();
		for (int i = 0; v && i < n; i++) {
			config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_is_group(s) ?
			    json_object_set_new(v, config_setting_name(e), lc_to_json(e, bad)) :
			    json_array_append_new(v, lc_to_json(e, bad))) {
				json_decref(v);
				return NULL;
			}
		}
		return v;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return json_integer(config_setting_get_int64(s));
	case CONFIG_TYPE_FLOAT:
		if (!isfinite(config_setting_get_float(s))) {
			*bad = s;
			return NULL;
		}
		return json_real(config_setting_get_float(s));
	case CONFIG_TYPE_BOOL:
		return json_boolean(config_setting_get_bool(s));
	case CONFIG_TYPE_STRING:
		/* JSON strings are UTF-8: so is the config (hagctl config dumps it). */
		if ((v = json_string(config_setting_get_string(s))) == NULL)
			*bad = s;
		return v;
	default:
		return json_null();
	}
}

/* The INT setting on line `line` that holds v wrapped to 32 bits (depth first), or NULL. */
static config_setting_t *lc_int_on_line(config_setting_t *s, int line, long long v)
{
	if (config_setting_is_aggregate(s)) {
		for (int i = 0; i < config_setting_length(s); i++) {
			config_setting_t *f = lc_int_on_line(config_setting_get_elem(s, (unsigned)i), line, v);
			if (f)
				return f;
		}
		return NULL;
	}
	return config_setting_type(s) == CONFIG_TYPE_INT && (int)config_setting_source_line(s) == line &&
	       config_setting_get_int(s) == (int)(uint32_t)(unsigned long long)v ? s : NULL;
}

/*
 * libconfig keeps an integer written without the L suffix in 32 bits: a larger
 * one wraps silently (4295032832 reads as 65536). Finds the first such literal
 * in the file, outside strings and comments: its line, and its text in lit.
 */
static int lc_wide_int_line(const char *path, char *lit, size_t litlen, long long *value)
{
	FILE *f = fopen(path, "r");
	int c, d, line = 1, found = 0;
	char tok[64];

	if (f == NULL)
		return 0;
	while (!found && (c = getc(f)) != EOF) {
		if (c == '\n') {
			line++;
		} else if (c == '"') {                      /* a string, escapes included */
			while ((c = getc(f)) != EOF && c != '"') {
				if (c == '\\')
					c = getc(f);
				line += c == '\n';
			}
		} else if (c == '#' || (c == '/' && (d = getc(f)) == '/')) {   /* to the end of the line */
			while ((c = getc(f)) != EOF && c != '\n')
				;
			line += c == '\n';
		} else if (c == '/' && d == '*') {          /* a block comment */
			int prev = 0;

			while ((c = getc(f)) != EOF && !(prev == '*' && c == '/')) {
				line += c == '\n';
				prev = c;
			}
		} else if (c == '/') {
			ungetc(d, f);
		} else if (isalpha(c) || c == '_') {        /* a name: digits in it are no number */
			while ((c = getc(f)) != EOF && (isalnum(c) || c == '_' || c == '-'))
				;
			ungetc(c, f);
		} else if (isdigit(c) || c == '-' || c == '+') {
			size_t n = 0;
			char *end;
			long long v;

			do {
				if (n < sizeof(tok) - 1)
					tok[n++] = (char)c;
			} while ((c = getc(f)) != EOF && (isalnum(c) || c == '.' || c == '+' || c == '-'));
			ungetc(c, f);
			tok[n] = '\0';
			bool hex = strstr(tok, "0x") || strstr(tok, "0X");
			if (tok[n - 1] == 'L' || (!hex && strpbrk(tok, ".eE")))
				continue;                       /* 64-bit, or a float */
			errno = 0;
			v = strtoll(tok, &end, 0);
			if (*end == '\0' && end != tok && (errno == ERANGE || v > INT_MAX || v < INT_MIN)) {
				snprintf(lit, litlen, "%s", tok);
				*value = errno == ERANGE ? 0 : v;
				found = line;
			}
		}
	}
	fclose(f);
	return found;
}

static int load_libconfig(struct hag_config_loader *ld, struct hag_config *cfg, const char *path)
{
	config_setting_t *bad = NULL;
	config_t lc;
	json_t *root;
	char lit[64];
	long long wv = 0;
	int rc = -EINVAL, wide;

	config_init(&lc);
	if (!config_read_file(&lc, path)) {
		const char *file = config_error_file(&lc) ? config_error_file(&lc) : path;
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO) {
			rc = errno ? -errno : -EIO;
			snprintf(ld->err, ld->errlen, "%s: cannot read: %s", file, strerror(-rc));
		} else {
			snprintf(ld->err, ld->errlen, "%s:%d: invalid libconfig syntax: %s", file,
				 config_error_line(&lc), config_error_text(&lc));
		}
	} else if ((wide = lc_wide_int_line(path, lit, sizeof(lit), &wv)) > 0) {
		config_setting_t *w = lc_int_on_line(config_root_setting(&lc), wide, wv);
		char kp[256] = "";

		if (w)
			lc_path(w, kp, sizeof(kp));
		snprintf(ld->err, ld->errlen, "%s:%d: %s%sinteger %s does not fit in 32 bits: libconfig needs the L suffix (%sL)",
			 path, wide, kp, kp[0] ? ": " : "", lit, lit);
	} else if (!(root = lc_to_json(config_root_setting(&lc), &bad))) {
		if (bad) {
			char kp[256];

			lc_path(bad, kp, sizeof(kp));
			snprintf(ld->err, ld->errlen, "%s:%d: %s: %s", path, config_setting_source_line(bad), kp,
				 config_setting_type(bad) == CONFIG_TYPE_STRING ? "not valid UTF-8 text" :
										   "not a finite number");
		} else {
			snprintf(ld->err, ld->errlen, "%s: out of memory", path);
			rc = -ENOMEM;
		}
	} else {
		ld->lc = &lc;
		rc = hag_config_from_tree(ld, root, cfg, path);
		json_decref(root);
	}
	config_destroy(&lc);
	return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

int hag_config_load(const char *path, struct hag_config *cfg, char *err, size_t errlen)
{
	char dummy[1];
	struct hag_config_loader ld = { .name = path, .err = err ? err : dummy,
			     .errlen = err ? errlen : sizeof(dummy) };
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int rc;

	hag_config_defaults(cfg);
	if (ends_with(path, ".cfg") || ends_with(path, ".conf"))
		return load_libconfig(&ld, cfg, path);
	if (!(f = fopen(path, "r"))) {
		rc = -errno;
		snprintf(ld.err, ld.errlen, "%s: cannot read: %s", path, strerror(-rc));
		return rc;
	}
	/* getdelim with '\0' as the delimiter reads the whole file at once. */
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(text);
		snprintf(ld.err, ld.errlen, "%s: cannot read: empty or unreadable", path);
		return -EIO;
	}
	rc = load_json_text(&ld, text, (size_t)n, cfg, path);
	free(text);
	return rc;
}
