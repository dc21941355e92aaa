// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests: command-line parsing and validation of arenad's config. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "arenad_abi.h"
#include "config.h"
#include "tap.h"

/* Parse a NULL-terminated argument list into a fresh config. */
static int parse(struct config *cfg, ...)
{
	char *argv[32] = { "arenad" };
	int argc = 1;
	va_list ap;

	va_start(ap, cfg);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	config_init(cfg);
	return config_parse_args(cfg, argc, argv);
}

int main(void)
{
	struct config cfg;
	char err[256];
	__u64 v;

	/* The parser explains refusals on stderr; the checks here are on
	 * return values, so keep the TAP stream readable. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;

	/* parse_u64 */
	is_int(parse_u64("4096", &v), 0, "decimal parses");
	is_int(v, 4096, "decimal value");
	is_int(parse_u64("0x100000000000", &v), 0, "hex parses");
	ok(v == 0x100000000000ULL, "hex value");
	is_int(parse_u64("-1", &v), -EINVAL, "negative refused");
	is_int(parse_u64("12abc", &v), -EINVAL, "trailing garbage refused");
	is_int(parse_u64("", &v), -EINVAL, "empty refused");
	is_int(parse_u64("99999999999999999999999", &v), -ERANGE, "overflow refused");

	/* defaults */
	is_int(parse(&cfg, NULL), 0, "no arguments: defaults are valid");
	is_int(cfg.pages, ARENAD_DEFAULT_PAGES, "default size is 1 GiB of pages");
	ok(cfg.user_addr == ARENAD_DEFAULT_USER_ADDR, "default user address");
	is_str(cfg.pin_dir, ARENAD_DEFAULT_PIN_DIR, "default pin dir");
	is_str(cfg.socket_path, ARENAD_DEFAULT_SOCKET, "default socket");
	is_int(cfg.numa_node, -1, "default numa node: any");

	/* options */
	is_int(parse(&cfg, "--pages", "64", "--pin-dir", "/x/y", "--socket", "/s",
		     "--segv-on-fault", "--numa-node", "0", NULL), 0, "options parse");
	is_int(cfg.pages, 64, "--pages");
	is_str(cfg.pin_dir, "/x/y", "--pin-dir");
	ok(cfg.segv_on_fault, "--segv-on-fault");
	is_int(cfg.numa_node, 0, "--numa-node");
	is_int(parse(&cfg, "--allow-uid", "0", "--allow-uid", "root", "--allow-gid", "0", NULL), 0,
	       "allow lists by number and name");
	is_int(cfg.n_allow_uids, 2, "two allowed uids");
	is_int(cfg.n_allow_gids, 1, "one allowed gid");
	is_int(parse(&cfg, "--socket-mode", "0666", NULL), 0, "socket mode");
	is_int(cfg.socket_mode, 0666, "socket mode value");

	/* bad input */
	ok(parse(&cfg, "--pages", "0", NULL) < 0, "zero pages refused");
	ok(parse(&cfg, "--pages", "1048577", NULL) < 0, "more than 4 GiB refused");
	ok(parse(&cfg, "--pages", "1048576", NULL) == 0, "exactly 4 GiB accepted");
	ok(parse(&cfg, "--pages", "ten", NULL) < 0, "non-numeric pages refused");
	ok(parse(&cfg, "--user-addr", "0x100000000800", NULL) < 0, "unaligned address refused");
	ok(parse(&cfg, "--user-addr", "0", NULL) < 0, "zero address refused");
	ok(parse(&cfg, "--user-addr", "0x800000000000", NULL) < 0, "kernel half refused");
	ok(parse(&cfg, "--pin-dir", "relative", NULL) < 0, "relative pin dir refused");
	ok(parse(&cfg, "--allow-uid", "no-such-user-xyz", NULL) < 0, "unknown user refused");
	ok(parse(&cfg, "--socket-mode", "0888", NULL) < 0, "bad octal mode refused");
	ok(parse(&cfg, "stray", NULL) < 0, "stray argument refused");
	ok(parse(&cfg, "--census-interval", "-5", NULL) < 0, "negative interval refused");

	/* The 4 GiB boundary rule: the kernel uses the low 32 bits. */
	config_init(&cfg);
	cfg.user_addr = 0x100000000000ULL + 0x80000000ULL;	/* 2 GiB into a 4 GiB window */
	cfg.pages = 1U << 19;					/* 2 GiB: ends exactly at the boundary */
	is_int(config_validate(&cfg, err, sizeof(err)), 0, "arena ending at a 4 GiB boundary is fine");
	cfg.pages++;
	ok(config_validate(&cfg, err, sizeof(err)) < 0, "arena crossing a 4 GiB boundary refused");
	ok(strstr(err, "4 GiB boundary") != NULL, "error says why: %s", err);
	cfg.user_addr = 0x100000000000ULL;
	cfg.pages = ARENAD_MAX_PAGES;
	is_int(config_validate(&cfg, err, sizeof(err)), 0, "4 GiB arena at an aligned address");

	return tap_done();
}
