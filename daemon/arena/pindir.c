// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pin directory (pindir.h): on a bpffs, created level by level and
 * undone after a failed start, locked by its owner, emptied by --unpin.
 * Logging: start-up and --unpin; each function logs its own failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "cleanup.h"
#include "arenad_abi.h"
#include "log.h"
#include "pin_table.h"
#include "pindir.h"
#include "util.h"

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

int pin_dir_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len)
		return log_error_errno(-ENAMETOOLONG, "%s/%s", dir, name);
	return 0;
}

bool is_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

int bpffs_ancestor(const char *pin_dir, char *anc, size_t len)
{
	char *slash;

	if (snprintf(anc, len, "%s", pin_dir) >= (int)len)
		return -ENAMETOOLONG;
	while (access(anc, F_OK) && (slash = strrchr(anc, '/')) && slash != anc)
		*slash = 0;
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = 0;
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

int pin_dir_prepare(const char *pin_dir)
{
	char anc[PATH_MAX];
	int r;

	r = bpffs_ancestor(pin_dir, anc, sizeof(anc));
	if (r < 0)
		return log_error_errno(r, "pin dir %s", pin_dir);

	if (!is_bpffs(anc)) {
		/* The default location: mount bpffs there, as systemd would. */
		if (strcmp(anc, "/sys/fs/bpf"))
			return log_error_errno(-ENOTSUP,
				"%s is not on a BPF file system (mount one with 'mount -t bpf bpf DIR')",
				pin_dir);
		if (mount("bpf", anc, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700"))
			return log_error_errno(-errno, "mount bpffs on %s", anc);
		log_info("mounted bpffs on %s", anc);
	}
	r = mkdir_p(pin_dir, 0755);
	if (r < 0)
		return log_error_errno(r, "create %s", pin_dir);
	if (!is_bpffs(pin_dir))
		return log_error_errno(-ENOTSUP, "%s is not on a BPF file system", pin_dir);
	return 0;
}

int pin_dir_lock(const char *pin_dir)
{
	_cleanup_close_ int fd = -1;

	fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "open %s", pin_dir);
	/* Two daemons adopting one pin set would both be consistent (the
	 * allocator does all bookkeeping), but two sockets answering for
	 * one arena is confusing, and --unpin under a live owner is wrong. */
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			return log_error_errno(-EBUSY, "another arenad owns %s", pin_dir);
		return log_error_errno(-errno, "lock %s", pin_dir);
	}
	return TAKE_FD(fd);
}

static int unpin(const char *pin_dir, const char *file, unsigned int *n)
{
	char path[PATH_MAX];
	int r;

	r = pin_dir_join(path, sizeof(path), pin_dir, file);
	if (r < 0)
		return r;
	if (unlink(path) == 0)
		(*n)++;
	else if (errno != ENOENT)
		return log_error_errno(-errno, "unlink %s", path);
	return 0;
}

static int unpin_all(const char *pin_dir, unsigned int *n)
{
	int i, r;

	/* The table backwards, so the arena first: once it is gone the set
	 * is visibly incomplete. */
	for (i = LIBARENAD_PIN__COUNT - 1; i >= 0; i--) {
		r = unpin(pin_dir, libarenad_pin_table[i].file, n);
		if (r >= 0 && libarenad_pin_table[i].prog)
			r = unpin(pin_dir, ARENAD_PIN_ALLOC_PROG "_new", n);
		if (r < 0)
			return r;
	}
	return 0;
}

int pin_dir_unpin(const char *pin_dir)
{
	_cleanup_close_ int lock_fd = -1;
	unsigned int n = 0;
	int r;

	if (!is_bpffs(pin_dir))
		return log_error_errno(-ENOTSUP, "%s is not a directory on a BPF file system", pin_dir);
	lock_fd = pin_dir_lock(pin_dir);
	if (lock_fd < 0)
		return lock_fd;
	r = unpin_all(pin_dir, &n);
	if (r < 0)
		return r;
	lock_fd = safe_close(lock_fd);
	/* Only an empty directory goes: files that are not ours stay. */
	if (rmdir(pin_dir) && errno != ENOTEMPTY && errno != EEXIST)
		log_warning_errno(-errno, "remove %s", pin_dir);
	log_info("removed %u pins from %s", n, pin_dir);
	return 0;
}
