// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `arenad --check`, in the manner of `bpftool feature probe`: every
 * requirement tried for real, one line each. Logging: check_run() prints
 * the report on stdout (that is the command's output) and silences what
 * the census self-test logs unless -v; the other functions do not log.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <json-c/json.h>

#include "arena_refusal.h"
#include "arenad_abi.h"
#include "census.h"
#include "check.h"
#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "pindir.h"
#include "util.h"

/* ---- the report --------------------------------------------------------- */

struct report {
	json_object *items;	/* JSON mode: the array of checks */
	bool all_required;
};

static void item(struct report *rep, const char *name, bool ok, bool required,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void item(struct report *rep, const char *name, bool ok, bool required,
		 const char *fmt, ...)
{
	char detail[1024];
	json_object *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok && required)
		rep->all_required = false;
	if (!rep->items) {
		printf("%s %-24s %s%s\n", ok ? "\u2713" : "\u2717", name, detail,
		       !ok && !required ? " (optional)" : "");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "required", json_object_new_boolean(required));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_array_add(rep->items, o);
}

static void check_kernel(struct report *rep)
{
	struct utsname u = {};
	unsigned int major = 0, minor = 0;

	uname(&u);
	sscanf(u.release, "%u.%u", &major, &minor);
	item(rep, "kernel", major > 6 || (major == 6 && minor >= 9), true,
	     "Linux %s (BPF arenas: 6.9 and later)", u.release);
}

static void check_btf(struct report *rep)
{
	bool ok = access("/sys/kernel/btf/vmlinux", R_OK) == 0;

	item(rep, "BTF", ok, true, ok ? "/sys/kernel/btf/vmlinux" :
	     "/sys/kernel/btf/vmlinux: %s (a kernel built with CONFIG_DEBUG_INFO_BTF)", strerror(errno));
}

/* Where the pins go: on a bpffs, or at /sys/fs/bpf, which arenad mounts. */
static void check_bpffs(struct report *rep, const char *pin_dir)
{
	char anc[PATH_MAX];

	if (bpffs_ancestor(pin_dir, anc, sizeof(anc)) < 0)
		item(rep, "bpffs", false, true, "%s: %s", pin_dir, strerror(ENAMETOOLONG));
	else if (is_bpffs(anc))
		item(rep, "bpffs", true, true, "%s is on a BPF file system", anc);
	else if (!strcmp(anc, "/sys/fs/bpf"))
		item(rep, "bpffs", true, true, "/sys/fs/bpf is not mounted; arenad mounts it at start");
	else
		item(rep, "bpffs", false, true, "%s (for %s) is not on a BPF file system "
		     "(mount one with 'mount -t bpf bpf DIR')", anc, pin_dir);
}

static void check_caps(struct report *rep)
{
	char caps[64];

	arena_missing_caps(caps, sizeof(caps));
	item(rep, "capabilities", !caps[0], true, caps[0] ? "missing %s" :
	     "CAP_BPF and CAP_PERFMON are effective%s", caps[0] ? caps :
	     has_capability(CAP_CHOWN) ? "" : "; without CAP_CHOWN the socket stays root's group");
}

/* A sleepable BPF_PROG_TYPE_SYSCALL program, as the allocator is one. */
static void check_syscall_prog(struct report *rep)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = BPF_F_SLEEPABLE);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "arenad_check", "GPL", insns,
			   ARRAY_SIZE(insns), &o);
	if (fd >= 0)
		close(fd);
	item(rep, "sleepable programs", fd >= 0, true, fd >= 0 ?
	     "a sleepable BPF_PROG_TYPE_SYSCALL program loads (the allocator is one)" :
	     "a sleepable BPF_PROG_TYPE_SYSCALL program does not load: %s", strerror(errno));
}

static const char *const census_methods[] = { "full", "rt", "kmod" };

/* The census self-tests, on a small arena of their own; *arena_ok says
 * whether arenas could be created at all. */
static void check_census(struct report *rep, bool arena_ok)
{
	_cleanup_(census_freep) struct census *c = NULL;
	_cleanup_close_ int fd = -1;
	const size_t pages = 16;
	int saved = log_get_max_level();
	const char *why;
	void *p = MAP_FAILED;
	char name[32];
	unsigned int i;

	if (arena_ok)
		fd = arena_try_create(pages, 0, BPF_F_MMAPABLE);
	/* The census programs want the arena's user address: an mmap sets it. */
	if (fd >= 0)
		p = mmap(NULL, pages * page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		if (saved < LOG_DEBUG)
			log_set_max_level(LOG_ERR);
		census_new(fd, pages, &c);
		log_set_max_level(saved);
	}
	for (i = 0; i < ARRAY_SIZE(census_methods); i++) {
		snprintf(name, sizeof(name), "census: %s", census_methods[i]);
		why = !c ? (arena_ok ? "no arena for the self-test" : "needs an arena (above)") : "";
		if (c)
			census_verdict_method(census_verdict(c, CENSUS_MANAGED), census_methods[i], &why);
		item(rep, name, c && !why[0], false, "%s", why[0] ? why : "passed its self-test");
	}
	why = !c ? "needs an arena (above)" : census_verdict_unavailable(census_verdict(c, CENSUS_FOREIGN)) ?: "";
	item(rep, "census: other arenas", c && !why[0], false, "%s", why[0] ? why :
	     "every arena on the host can be counted");
	if (p != MAP_FAILED)
		munmap(p, pages * page_size());
}

static void check_module(struct report *rep)
{
	bool ok = access("/sys/kernel/btf/arenad_kfuncs", F_OK) == 0;

	item(rep, "module", ok, false, ok ? "arenad_kfuncs is loaded" :
	     "arenad_kfuncs is not loaded (kmod/: the census's kmod method)");
}

int check_run(const struct config *cfg, bool json)
{
	__u32 flags = BPF_F_MMAPABLE | (cfg->segv_on_fault ? ARENAD_F_SEGV_ON_FAULT : 0);
	struct report rep = { .all_required = true };
	char why[1024];
	int fd;

	if (json)
		rep.items = json_object_new_array();
	check_kernel(&rep);
	check_btf(&rep);
	check_bpffs(&rep, cfg->pin_dir);
	check_caps(&rep);
	fd = arena_try_create(cfg->pages, cfg->user_addr, flags);
	if (fd >= 0) {
		close(fd);
		item(&rep, "arena", true, true, "an arena of %u pages at 0x%llx can be created",
		     cfg->pages, (unsigned long long)cfg->user_addr);
	} else {
		arena_explain_refusal(fd, cfg->pages, cfg->user_addr, flags, why, sizeof(why));
		item(&rep, "arena", false, true, "%s", why);
	}
	check_syscall_prog(&rep);
	check_census(&rep, fd >= 0);
	check_module(&rep);

	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "ok", json_object_new_boolean(rep.all_required));
		json_object_object_add(o, "checks", rep.items);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		printf("%s\n", rep.all_required ? "arenad can run here" :
		       "arenad cannot run here: see the lines marked \u2717 above");
	}
	return rep.all_required ? 0 : 1;
}
