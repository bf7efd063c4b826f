/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * config_edit.h - add or remove one item of a list key in the configuration
 * file, leaving comments, order and every other line as they were. The file
 * is replaced atomically: temp file in the same directory, fsync, rename,
 * fsync of the directory. Owner and mode are kept (root, 0644 when new).
 *
 * Meaning is preserved around the defaults: adding to a key that is absent
 * (so its built-in default applies) writes the defaults out too, and removing
 * the last item writes "key = none" rather than letting the default return.
 */
#ifndef SG_CONFIG_EDIT_H
#define SG_CONFIG_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "dest_spec.h"

struct config_edit {
	const char *key; /* "allow_users", "allow_groups", "allow_dest" */
	const char *item; /* as it is to be written: "alice", "1001", "203.0.113.0/24" */
	bool add; /* add item, or remove every item that is the same */
	/* Does an item written in the file stand for the same thing? */
	bool (*same)(const char *file_item, const void *ctx);
	const void *ctx;
	const char *const *defaults; /* the key's built-in items, NULL-terminated */
};

/*
 * Returns 1 when the file was changed, 0 when there was nothing to change
 * (already listed / not listed), or a negative errno. A one-line summary of
 * what happened ("added to line 12", "removed from lines 4, 9") goes to msg.
 */
int config_edit_apply(const char *path, const struct config_edit *e, char *msg, size_t len);

/*
 * A scoped exception in allow_user_dest, allow_group_dest (lines of
 * "USER DEST[:PORTS] ...") or allow_dest (lines of DEST[:PORTS] ...).
 * Adding appends "key = [WHO] DEST" after the key's last line, unless a line
 * of the same WHO already has that destination with those ports. Removing
 * takes the ports (all of them when dest has none) from every item of the
 * same destination on the lines of the same WHO: an item left without ports
 * goes, a line left without items goes (its comment stays). An item written
 * for every guarded port loses only the ports removed (it is written out
 * with the rest of guarded). Items not touched keep their text.
 */
struct config_scope_edit {
	const char *key;
	const char *who; /* as the new line writes it; NULL for allow_dest */
	/* Does a line's USER or GROUP stand for the request's? (unused for allow_dest) */
	bool (*same_who)(const char *file_item, const void *ctx);
	const void *ctx;
	struct dest_spec dest;
	bool add;
	const __u64 *guarded; /* guarded ports (sg_settings.ports layout) */
};

/* Same return, messages and atomicity as config_edit_apply(). */
int config_edit_scope(const char *path, const struct config_scope_edit *e, char *msg, size_t len);

/*
 * Set the scalar key to value: replace the value of the line that sets it,
 * or append "key = value". The line's comment, which said where the old
 * value came from (an import's "csf.conf:169 SMTP_BLOCK"), becomes
 * "# set by BY (was OLD: COMMENT)". Same return and atomicity as
 * config_edit_apply(); 0 when it already had that value.
 */
int config_edit_set(const char *path, const char *key, const char *value, const char *by, char *msg,
		    size_t len);

/*
 * Replace the whole file with content (complete lines), atomically as above.
 * A symlink is followed (its target is replaced). An existing file keeps
 * its owner and mode (0600 stays 0600); a new one is the caller's, mode
 * 0644. An existing file is first kept under
 * a new name, PATH.before-import-YYYYmmddTHHMMSSZ, which goes to backup
 * ("" when there was none). 0 or a negative errno; on failure nothing
 * changed and no backup is left.
 */
int config_edit_replace(const char *path, const char *content, char *backup, size_t len);

/*
 * Serialise edits of one configuration file: an exclusive flock on its
 * directory. The descriptor to close, or -1 with errno set.
 */
int config_edit_lock(const char *path);

#endif
