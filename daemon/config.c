// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Command-line configuration. Logging: config_parse_args() logs why it
 * refuses an argument (through log.h, like every daemon message);
 * parse_u64(), parse_id() and config_validate() do not log, they return
 * -errno (and config_validate() the message, for the caller to log).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "arenad_abi.h"
#include "config.h"
#include "log.h"
#include "arenad_version.h"

void config_init(struct config *cfg)
{
	*cfg = (struct config) {
		.pages = ARENAD_DEFAULT_PAGES,
		.user_addr = ARENAD_DEFAULT_USER_ADDR,
		.numa_node = -1,
		.pin_dir = ARENAD_DEFAULT_PIN_DIR,
		.socket_path = ARENAD_DEFAULT_SOCKET,
		.group = ARENAD_DEFAULT_GROUP,
		.socket_mode = 0660,
		.log_level = LOG_INFO,
		.max_clients = 256,
		.max_clients_per_uid = 64,
		.idle_timeout_s = 120,
		.max_reply_mib = 64,
	};
}

/* Strict unsigned parse: decimal, 0x hex or 0 octal, whole string, no sign. */
int parse_u64(const char *s, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A user or group given by number or by name. */
int parse_id(const char *s, bool group, unsigned int *out)
{
	__u64 v;

	if (parse_u64(s, &v) >= 0) {
		if (v >= UINT_MAX)	/* (uid_t)-1 is not an id */
			return -ERANGE;
		*out = v;
		return 0;
	}
	if (group) {
		struct group *gr = getgrnam(s);

		if (!gr)
			return -ESRCH;
		*out = gr->gr_gid;
	} else {
		struct passwd *pw = getpwnam(s);

		if (!pw)
			return -ESRCH;
		*out = pw->pw_uid;
	}
	return 0;
}

/*
 * A TCP listening address: IPV4:PORT, [IPV6]:PORT, or PORT alone for
 * 127.0.0.1:PORT. Numeric only: no name lookups at start-up.
 */
int parse_listen_address(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	struct addrinfo *ai;
	char host[64];
	const char *port, *colon;
	size_t hlen;
	__u64 v;

	if (!s || !*s)
		return -EINVAL;
	colon = strrchr(s, ':');
	if (!colon) {
		host[0] = 0;
		port = s;
	} else if (s[0] == '[') {
		if (colon == s || colon[-1] != ']')
			return -EINVAL;
		hlen = colon - 1 - (s + 1);
		if (!hlen || hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hlen);
		host[hlen] = 0;
		port = colon + 1;
	} else {
		hlen = colon - s;
		if (!hlen || hlen >= sizeof(host) || memchr(s, ':', hlen))
			return -EINVAL;	/* a bare IPv6 address needs brackets */
		memcpy(host, s, hlen);
		host[hlen] = 0;
		port = colon + 1;
	}
	/* Port 0 asks the kernel for a free port (tests use it). */
	if (parse_u64(port, &v) || v > 65535 || strspn(port, "0123456789") != strlen(port))
		return -EINVAL;
	if (getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: arenad [OPTIONS]\n"
"Own one BPF arena, pin it for other loaders, and account its pages.\n"
"\n"
"  -p, --pages N            arena size in 4 KiB pages (default %u = 1 GiB, max %u = 4 GiB)\n"
"  -d, --pin-dir DIR        bpffs directory for the pins (default %s)\n"
"  -s, --socket PATH        control socket (default %s)\n"
"  -a, --user-addr ADDR     arena address in every process (default 0x%llx)\n"
"  -n, --numa-node N        NUMA node for arena pages (default: any)\n"
"      --segv-on-fault      user-space faults on unallocated pages raise SIGSEGV\n"
"  -g, --group NAME         group that may connect to the socket (default arenad, if it exists)\n"
"  -m, --socket-mode MODE   socket permissions, octal (default 0660)\n"
"      --allow-uid UID      uid that may alloc/free (repeatable; root always may)\n"
"      --allow-gid GID      gid that may alloc/free (repeatable)\n"
"      --census-interval S  run a page census every S seconds (default 0: on request;\n"
"                           60 while metrics are served)\n"
"      --metrics-listen ADDR:PORT\n"
"                           serve Prometheus metrics over HTTP at /metrics\n"
"                           (IPV4:PORT, [IPV6]:PORT, or PORT for 127.0.0.1; default off)\n"
"      --max-clients N      connections at once (default 256; a quarter kept for writers)\n"
"      --max-clients-per-uid N\n"
"                           connections of one uid that may not write (default 64)\n"
"      --idle-timeout S     close connections idle for S seconds (default 120, 0: never)\n"
"      --max-reply-memory MIB\n"
"                           memory for replies clients have not read (default 64)\n"
"      --unpin              remove the pins in --pin-dir and exit\n"
"      --check              whether arenad can run here: one line per requirement\n"
"                           (kernel, BTF, bpffs, capabilities, arena, programs,\n"
"                           census methods, module); exit 0 only when it can\n"
"  -j, --json               --check's report as JSON\n"
"  -v, --verbose            debug logging\n"
"  -h, --help               this text\n"
"  -V, --version            version\n",
		ARENAD_DEFAULT_PAGES, ARENAD_MAX_PAGES, ARENAD_DEFAULT_PIN_DIR,
		ARENAD_DEFAULT_SOCKET, (unsigned long long)ARENAD_DEFAULT_USER_ADDR);
}

enum {
	OPT_SEGV = 0x100,
	OPT_ALLOW_UID,
	OPT_ALLOW_GID,
	OPT_CENSUS,
	OPT_UNPIN,
	OPT_METRICS_LISTEN,
	OPT_MAX_CLIENTS,
	OPT_MAX_PER_UID,
	OPT_IDLE_TIMEOUT,
	OPT_MAX_REPLY,
	OPT_CHECK,
};

static int add_id(unsigned int *ids, unsigned int *n, const char *arg, bool group)
{
	int r;

	if (*n >= CONFIG_MAX_ALLOW) {
		return log_error_errno(-E2BIG, "at most %d --allow-%s options",
				       CONFIG_MAX_ALLOW, group ? "gid" : "uid");
	}
	r = parse_id(arg, group, &ids[*n]);
	if (r < 0) {
		log_error("unknown %s '%s'", group ? "group" : "user", arg);
		return r;
	}
	(*n)++;
	return 0;
}

static int bad_value(const char *opt, const char *arg)
{
	log_error("invalid value for %s: '%s'", opt, arg);
	return -EINVAL;
}

int config_parse_args(struct config *cfg, int argc, char **argv)
{
	static const struct option options[] = {
		{ "pages",		required_argument, NULL, 'p' },
		{ "pin-dir",		required_argument, NULL, 'd' },
		{ "socket",		required_argument, NULL, 's' },
		{ "user-addr",		required_argument, NULL, 'a' },
		{ "numa-node",		required_argument, NULL, 'n' },
		{ "segv-on-fault",	no_argument,	   NULL, OPT_SEGV },
		{ "group",		required_argument, NULL, 'g' },
		{ "socket-mode",	required_argument, NULL, 'm' },
		{ "allow-uid",		required_argument, NULL, OPT_ALLOW_UID },
		{ "allow-gid",		required_argument, NULL, OPT_ALLOW_GID },
		{ "census-interval",	required_argument, NULL, OPT_CENSUS },
		{ "unpin",		no_argument,	   NULL, OPT_UNPIN },
		{ "metrics-listen",	required_argument, NULL, OPT_METRICS_LISTEN },
		{ "max-clients",	required_argument, NULL, OPT_MAX_CLIENTS },
		{ "max-clients-per-uid", required_argument, NULL, OPT_MAX_PER_UID },
		{ "idle-timeout",	required_argument, NULL, OPT_IDLE_TIMEOUT },
		{ "max-reply-memory",	required_argument, NULL, OPT_MAX_REPLY },
		{ "check",		no_argument,	   NULL, OPT_CHECK },
		{ "json",		no_argument,	   NULL, 'j' },
		{ "verbose",		no_argument,	   NULL, 'v' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{}
	};
	char err[256];
	__u64 v;
	int c, r;

	optind = 0;	/* full reset, so tests can parse more than once */
	while ((c = getopt_long(argc, argv, "p:d:s:a:n:g:m:jvhV", options, NULL)) >= 0) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, &v) < 0 || v > UINT32_MAX)
				return bad_value("--pages", optarg);
			cfg->pages = v;
			break;
		case 'd':
			cfg->pin_dir = optarg;
			break;
		case 's':
			cfg->socket_path = optarg;
			break;
		case 'a':
			if (parse_u64(optarg, &v) < 0)
				return bad_value("--user-addr", optarg);
			cfg->user_addr = v;
			break;
		case 'n':
			if (parse_u64(optarg, &v) < 0 || v > 1023)
				return bad_value("--numa-node", optarg);
			cfg->numa_node = v;
			break;
		case OPT_SEGV:
			cfg->segv_on_fault = true;
			break;
		case 'g':
			cfg->group = *optarg ? optarg : NULL;
			cfg->group_set = true;
			break;
		case 'm':
			if (parse_u64(optarg, &v) < 0 || v > 0777)
				return bad_value("--socket-mode", optarg);
			cfg->socket_mode = v;
			break;
		case OPT_ALLOW_UID:
			r = add_id(cfg->allow_uids, &cfg->n_allow_uids, optarg, false);
			if (r < 0)
				return r;
			break;
		case OPT_ALLOW_GID:
			r = add_id(cfg->allow_gids, &cfg->n_allow_gids, optarg, true);
			if (r < 0)
				return r;
			break;
		case OPT_CENSUS:
			if (parse_u64(optarg, &v) < 0 || v > 86400)
				return bad_value("--census-interval", optarg);
			cfg->census_interval_s = v;
			cfg->census_interval_set = true;
			break;
		case OPT_METRICS_LISTEN:
			if (parse_listen_address(optarg, &cfg->metrics_addr, &cfg->metrics_addrlen))
				return bad_value("--metrics-listen (IPV4:PORT, [IPV6]:PORT or PORT)", optarg);
			cfg->metrics_listen = optarg;
			break;
		case OPT_MAX_CLIENTS:
			if (parse_u64(optarg, &v) < 0 || v < 4 || v > 65536)
				return bad_value("--max-clients", optarg);
			cfg->max_clients = v;
			break;
		case OPT_MAX_PER_UID:
			if (parse_u64(optarg, &v) < 0 || v < 1 || v > 65536)
				return bad_value("--max-clients-per-uid", optarg);
			cfg->max_clients_per_uid = v;
			break;
		case OPT_IDLE_TIMEOUT:
			if (parse_u64(optarg, &v) < 0 || v > 86400)
				return bad_value("--idle-timeout", optarg);
			cfg->idle_timeout_s = v;
			break;
		case OPT_MAX_REPLY:
			if (parse_u64(optarg, &v) < 0 || v < 1 || v > 65536)
				return bad_value("--max-reply-memory", optarg);
			cfg->max_reply_mib = v;
			break;
		case OPT_UNPIN:
			cfg->unpin = true;
			break;
		case OPT_CHECK:
			cfg->check = true;
			break;
		case 'j':
			cfg->json = true;
			break;
		case 'v':
			cfg->log_level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return CONFIG_EXIT;
		case 'V':
			printf("arenad %s (ABI %d)\n", ARENAD_VERSION, ARENAD_ABI_VERSION);
			return CONFIG_EXIT;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (cfg->json && !cfg->check) {
		log_error("-j/--json goes with --check");
		return -EINVAL;
	}
	if (cfg->check && cfg->unpin) {
		log_error("--check and --unpin exclude each other");
		return -EINVAL;
	}
	r = config_validate(cfg, err, sizeof(err));
	if (r < 0)
		log_error("%s", err);
	return r;
}

int config_validate(const struct config *cfg, char *err, size_t errlen)
{
	__u64 size = (__u64)cfg->pages << ARENAD_PAGE_SHIFT;
	__u64 addr = cfg->user_addr;

	if (!cfg->pages || cfg->pages > ARENAD_MAX_PAGES) {
		snprintf(err, errlen, "--pages must be 1..%u (4 GiB), got %u",
			 ARENAD_MAX_PAGES, cfg->pages);
		return -EINVAL;
	}
	if (!addr || addr & (ARENAD_PAGE_SIZE - 1)) {
		snprintf(err, errlen, "--user-addr must be a non-zero multiple of %u",
			 ARENAD_PAGE_SIZE);
		return -EINVAL;
	}
	/* x86-64 user space ends at 128 TiB (47 bits) with 4-level paging. */
	if (addr >= (1ULL << 47) || addr + size > (1ULL << 47)) {
		snprintf(err, errlen, "--user-addr 0x%llx + arena size is not in user space",
			 (unsigned long long)addr);
		return -EINVAL;
	}
	/* The kernel addresses arena pages by the low 32 bits of the user
	 * address, so the arena must not cross a 4 GiB boundary. */
	if ((addr >> 32) != ((addr + size - 1) >> 32)) {
		snprintf(err, errlen,
			 "--user-addr 0x%llx with %u pages crosses a 4 GiB boundary",
			 (unsigned long long)addr, cfg->pages);
		return -EINVAL;
	}
	if (!cfg->pin_dir || cfg->pin_dir[0] != '/') {
		snprintf(err, errlen, "--pin-dir must be an absolute path");
		return -EINVAL;
	}
	if (!cfg->socket_path || !*cfg->socket_path) {
		snprintf(err, errlen, "--socket must not be empty");
		return -EINVAL;
	}
	if (strlen(cfg->socket_path) >= 108) {	/* sizeof(sun_path) */
		snprintf(err, errlen, "--socket path is longer than 107 bytes");
		return -ENAMETOOLONG;
	}
	return 0;
}
