/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Between app/config_read.c (files in, errors placed) and app/config.c (the
 * schema: every section checked into struct hag_config). Not for other files.
 */
#ifndef HAG_CONFIG_READ_H
#define HAG_CONFIG_READ_H

#include <jansson.h>
#include <libconfig.h>

#include "config.h"

/* One load: where the tree came from, to place errors, and where they go. */
struct hag_config_loader {
	const char *name;   /* file name used in messages */
	const char *text;   /* JSON source, to find where a key path is */
	config_t *lc;       /* libconfig tree, same purpose */
	char *err;
	size_t errlen;
};

/* Reports PARENT.KEY (KEY may be NULL) with its position in ld's file into
 * ld->err ("FILE:LINE:COL: PATH: why"); returns -EINVAL. */
int __attribute__((format(printf, 4, 5)))
hag_config_fail(struct hag_config_loader *ld, const char *parent, const char *key, const char *fmt, ...);

/* config.c: the tree checked into *cfg (path recorded): 0, or -errno with ld->err
 * written and *cfg untouched. */
int hag_config_from_tree(struct hag_config_loader *ld, json_t *root, struct hag_config *cfg, const char *path);

#endif
