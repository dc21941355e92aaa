// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Connecting to the daemon, and saying why not in terms a user can act
 * on: which path, whether anything listens there, and on "permission
 * denied" who may connect and how to become one of them.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arenad.h"
#include "output.h"

static const char *user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%u", (unsigned)uid);
	return buf;
}

static const char *group_name(gid_t gid, char *buf, size_t len)
{
	struct group *gr = getgrgid(gid);

	if (gr)
		snprintf(buf, len, "%s", gr->gr_name);
	else
		snprintf(buf, len, "%u", (unsigned)gid);
	return buf;
}

/*
 * The part of path that refuses us: the first directory we may not
 * search, else the socket itself (connect needs write permission on it).
 */
static int refusing_part(const char *path, char *out, size_t len, struct stat *st)
{
	char buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (access(buf, X_OK) && errno == EACCES && !stat(buf, st)) {
			snprintf(out, len, "%s", buf);
			return 0;
		}
		*p = '/';
	}
	if (stat(path, st))
		return -errno;
	snprintf(out, len, "%s", path);
	return 0;
}

/*
 * The socket (or a directory above it) belongs to root's group: arenad
 * gives the socket to the group 'arenad' when that exists at start-up
 * (and to --group's), else it stays root's. Joining root's group would
 * hand out far more than arenad, so say what is missing instead.
 */
static int root_group_denied(struct cli *cli, int r, const char *what, const char *part,
			     const char *owner, const char *group, const char *mode)
{
	if (!getgrnam(ARENAD_DEFAULT_GROUP))
		return cli_error(cli, CLI_EXIT_PERMISSION, r,
				 "permission denied: %s %s is owned by %s:%s, mode %s: only root may "
				 "connect, because the group '%s' does not exist (its members may "
				 "connect once it does). Create it with 'sudo systemd-sysusers' "
				 "(arenad's sysusers.d snippet, installed by make install) or "
				 "'sudo groupadd --system %s', join it with 'sudo usermod -aG %s $USER' "
				 "(then log in again) and restart arenad; or start arenad with "
				 "--group GROUP. Or run as root",
				 what, part, owner, group, mode, ARENAD_DEFAULT_GROUP,
				 ARENAD_DEFAULT_GROUP, ARENAD_DEFAULT_GROUP);
	return cli_error(cli, CLI_EXIT_PERMISSION, r,
			 "permission denied: %s %s is owned by %s:%s, mode %s: only root may "
			 "connect. The group '%s' exists, but arenad did not give it the socket "
			 "(it was started before the group existed, or with another --group): "
			 "restart arenad, join the group with 'sudo usermod -aG %s $USER' (then "
			 "log in again) if you are not a member; or run as root",
			 what, part, owner, group, mode, ARENAD_DEFAULT_GROUP, ARENAD_DEFAULT_GROUP);
}

static int permission_denied(struct cli *cli, int r)
{
	char part[4096], owner[64], group[64], mode[16];
	const char *what;
	struct stat st;
	bool dir;

	if (refusing_part(cli->socket_path, part, sizeof(part), &st))
		return cli_error(cli, CLI_EXIT_PERMISSION, r, "cannot connect to %s: %s",
				 cli->socket_path, strerror(-r));
	dir = S_ISDIR(st.st_mode);
	what = dir ? "the directory" : "the socket";
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
	user_name(st.st_uid, owner, sizeof(owner));
	group_name(st.st_gid, group, sizeof(group));
	if (st.st_gid == 0)
		return root_group_denied(cli, r, what, part, owner, group, mode);
	/* Connecting needs write permission on the socket, search (x) on
	 * every directory above it. */
	if (st.st_mode & (dir ? S_IXGRP : S_IWGRP))
		return cli_error(cli, CLI_EXIT_PERMISSION, r,
				 "permission denied: %s %s is owned by %s:%s, mode %s: %s and members "
				 "of group '%s' may connect. To get access: "
				 "sudo usermod -aG %s $USER (then log in again), or run as root",
				 what, part, owner, group, mode, owner, group, group);
	return cli_error(cli, CLI_EXIT_PERMISSION, r,
			 "permission denied: %s %s is owned by %s:%s, mode %s: only %s may "
			 "connect; run as %s (e.g. with sudo)",
			 what, part, owner, group, mode, owner, owner);
}

int cli_connect_quiet(struct cli *cli)
{
	ARENAD_OPTS(arenad_client_opts, opts, .socket_path = cli->socket_path);

	cli->client = arenad_client__open(&opts);
	return cli->client ? 0 : -errno;
}

int cli_connect(struct cli *cli)
{
	ARENAD_OPTS(arenad_client_opts, opts, .socket_path = cli->socket_path);
	int r;

	cli->client = arenad_client__open(&opts);
	if (cli->client)
		return 0;
	r = -errno;
	switch (-r) {
	case ENOENT:
		return cli_error(cli, CLI_EXIT_UNREACHABLE, r,
				 "arenad is not running: there is no socket %s "
				 "(start it, or name another with --socket or $ARENAD_SOCKET)",
				 cli->socket_path);
	case ECONNREFUSED:
		return cli_error(cli, CLI_EXIT_UNREACHABLE, r,
				 "arenad is not running: nothing listens on %s", cli->socket_path);
	case EACCES:
	case EPERM:
		return permission_denied(cli, r);
	default:
		return cli_error(cli, CLI_EXIT_UNREACHABLE, r, "cannot connect to %s: %s",
				 cli->socket_path, strerror(-r));
	}
}
