// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pin directory levels a failed start created (pindir.h).
 * Logging: start-up; the removal logs what it did and what it could not.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pindir.h"

void pin_dir_note(const char *pin_dir, struct pin_dir_new *n)
{
	char buf[PATH_MAX], *slash;
	size_t len;

	*n = (struct pin_dir_new) {};
	len = snprintf(n->path, sizeof(n->path), "%s", pin_dir);
	if (len >= sizeof(n->path)) {
		/* Too long to be created anyway: nothing to undo. */
		n->existed = sizeof(n->path);
		return;
	}
	while (len > 1 && n->path[len - 1] == '/')
		n->path[--len] = '\0';
	memcpy(buf, n->path, len + 1);
	while (access(buf, F_OK) && (slash = strrchr(buf, '/')) && slash != buf)
		*slash = '\0';
	n->existed = access(buf, F_OK) ? 0 : strlen(buf);
}

void pin_dir_undo(const struct pin_dir_new *n)
{
	char buf[PATH_MAX], top[PATH_MAX] = "", *slash;

	if (n->existed >= strlen(n->path))
		return;
	memcpy(buf, n->path, sizeof(buf));
	while (strlen(buf) > n->existed) {
		if (rmdir(buf)) {
			/* Not empty: someone put something there meanwhile. */
			if (errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
				log_warning_errno(-errno, "remove %s", buf);
			break;
		}
		memcpy(top, buf, sizeof(top));
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			break;
		*slash = '\0';
	}
	if (top[0])
		log_info("start-up failed: removed the directory %s it had created", top);
}
