// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Why the kernel refused to create an arena, in words a reader can act
 * on: a missing capability, a security policy, a kernel without arenas,
 * a size or address it cannot place (arena_refusal.h). Pure: no logging.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/capability.h>
#include <bpf/bpf.h>

#include "arena_refusal.h"
#include "arenad_abi.h"
#include "cleanup.h"

/* Debian 12's UAPI headers predate these. */
#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif

int arena_try_create(__u32 pages, __u64 user_addr, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags, .map_extra = user_addr);
	int fd;

	fd = bpf_map_create(ARENAD_MAP_TYPE_ARENA, "arenad_check", 0, 0, pages, &o);
	return fd < 0 ? -errno : fd;
}

bool has_capability(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return false;
	return d[cap / 32].effective & (1U << (cap % 32));
}

/* The first line of path, without its newline; "" when unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (f && fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
}

/* "integrity" from "none [integrity] confidentiality". */
static void lockdown_mode(char *buf, size_t len)
{
	char line[128], *a, *b;

	read_line("/sys/kernel/security/lockdown", line, sizeof(line));
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!b) {
		snprintf(buf, len, "%s", line[0] ? line : "unknown (securityfs not readable)");
		return;
	}
	*b = 0;
	snprintf(buf, len, "%s", a + 1);
}

/* What the kernel shows of the policy that applies to BPF. */
static void policy_facts(char *buf, size_t len)
{
	char unpriv[16], lockdown[128], lsm[256];

	read_line("/proc/sys/kernel/unprivileged_bpf_disabled", unpriv, sizeof(unpriv));
	lockdown_mode(lockdown, sizeof(lockdown));
	read_line("/sys/kernel/security/lsm", lsm, sizeof(lsm));
	snprintf(buf, len, "kernel.unprivileged_bpf_disabled=%s, lockdown: %s, active LSMs: %s%s",
		 unpriv[0] ? unpriv : "unknown", lockdown, lsm[0] ? lsm : "unknown",
		 strstr(lsm, "bpf") ? " (a BPF LSM program can refuse map creation)" : "");
}

void arena_missing_caps(char *buf, size_t len)
{
	buf[0] = 0;
	if (!has_capability(CAP_BPF) && !has_capability(CAP_SYS_ADMIN))
		snprintf(buf, len, "CAP_BPF");
	if (!has_capability(CAP_PERFMON) && !has_capability(CAP_SYS_ADMIN))
		snprintf(buf + strlen(buf), len - strlen(buf), "%sCAP_PERFMON", buf[0] ? ", " : "");
}

void arena_explain_refusal(int err, __u32 pages, __u64 user_addr, __u32 flags,
			 char *buf, size_t len)
{
	char facts[512], caps[64];
	struct utsname u = {};
	int fd;

	uname(&u);
	switch (err) {
	case -EPERM:
	case -EACCES:
		arena_missing_caps(caps, sizeof(caps));
		if (caps[0]) {
			snprintf(buf, len, "%s: this process lacks %s (run arenad as root, or with "
				 "CAP_BPF and CAP_PERFMON)", strerror(-err), caps);
			return;
		}
		policy_facts(facts, sizeof(facts));
		snprintf(buf, len, "%s although CAP_BPF and CAP_PERFMON are effective: this kernel's "
			 "security policy refuses BPF arenas (%s; Linux %s). Other map types may still "
			 "be allowed; arenad cannot run on this kernel until its policy allows arenas",
			 strerror(-err), facts, u.release);
		return;
	case -EINVAL:
	case -EOPNOTSUPP:
		/* A kernel without arenas refuses any; one with arenas refuses
		 * only what it cannot place. */
		fd = arena_try_create(1, 0, BPF_F_MMAPABLE);
		if (fd >= 0) {
			close(fd);
			snprintf(buf, len, "%s: this kernel (Linux %s) has BPF arenas but refuses this one: "
				 "%u pages at 0x%llx, flags 0x%x (an address must be page aligned, and the "
				 "arena must not cross a 4 GiB boundary)", strerror(-err), u.release, pages,
				 (unsigned long long)user_addr, flags);
			return;
		}
		snprintf(buf, len, "%s: this kernel (Linux %s) has no BPF arena support (Linux 6.9 or "
			 "later, built with CONFIG_BPF_SYSCALL and CONFIG_BPF_JIT, on an architecture "
			 "with an MMU)", strerror(-err), u.release);
		return;
	case -E2BIG:
	case -ERANGE:
		snprintf(buf, len, "%s: this kernel refuses an arena of %u pages at 0x%llx "
			 "(at most 4 GiB, not crossing a 4 GiB boundary)", strerror(-err), pages,
			 (unsigned long long)user_addr);
		return;
	case -ENOMEM:
		snprintf(buf, len, "%s: the kernel could not allocate the arena's %u pages of address "
			 "space (a memory cgroup limit, or vmalloc space)", strerror(-err), pages);
		return;
	default:
		snprintf(buf, len, "%s (Linux %s)", strerror(-err), u.release);
	}
}
