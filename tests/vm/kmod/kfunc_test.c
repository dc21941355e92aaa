// SPDX-License-Identifier: GPL-2.0
/*
 * kfunc_test: exercise arenad_kfuncs.ko inside the VM (tests/vm/kmod/guest.sh
 * runs it after insmod). Linked statically: the guest is a bare busybox.
 *
 * Prints one unnumbered TAP line per check ("ok - ..." / "not ok - ...");
 * the guest script numbers them. Exit status 0 when all passed.
 *
 * The ground truth is what this program did to the arena: it allocates
 * pages from a syscall program, faults one in from user space, frees one,
 * and asks the module's kfuncs after each step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kfunc_test.h"
#include "kfunc_test.skel.h"
#include "kfunc_reject.skel.h"

#define MODULE_NAME "arenad_kfuncs"

static int failed;
static bool quiet_libbpf;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failed += !ok;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* The rejections are expected; their logs are checked, not shown. */
	if (level == LIBBPF_DEBUG || quiet_libbpf)
		return 0;
	printf("# libbpf: ");
	return vprintf(fmt, ap);
}

static struct kfunc_test_bpf *skel;

/* Run the syscall program "op"; the kfunc's answer, or -1000 - errno. */
static long long run_op(enum test_op op, __u32 pgoff, __u32 count, bool other_map)
{
	struct test_req r = { .op = op, .pgoff = pgoff, .count = count, .other_map = other_map };
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = &r, .ctx_size_in = sizeof(r));

	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.op), &t))
		return -1000 - errno;
	return r.ret;
}

static const char *op_name(enum test_op op)
{
	static const char *const names[] = {
		[OP_ALLOC] = "alloc", [OP_FREE] = "free", [OP_BIND] = "arenad_kf_bind",
		[OP_PAGE_PRESENT] = "arenad_kf_page_present",
		[OP_COUNT_PRESENT] = "arenad_kf_count_present",
		[OP_NEXT_PRESENT] = "arenad_kf_next_present",
		[OP_NEXT_ABSENT] = "arenad_kf_next_absent",
	};
	return names[op];
}

/* One kfunc call and its expected answer. */
static void expect(enum test_op op, __u32 pgoff, __u32 count, bool other_map, long long want,
		   const char *why)
{
	long long got = run_op(op, pgoff, count, other_map);

	if (op == OP_PAGE_PRESENT || op == OP_BIND)
		check(got == want, "%s(%s, %u) = %lld, want %lld: %s", op_name(op),
		      other_map ? "not_arena" : "arena", pgoff, got, want, why);
	else
		check(got == want, "%s(%s, %u, %u) = %lld, want %lld: %s", op_name(op),
		      other_map ? "not_arena" : "arena", pgoff, count, got, want, why);
}

static void *page(__u32 pgoff)
{
	return (void *)(unsigned long)(TEST_ARENA_BASE + (__u64)pgoff * TEST_PAGE_SIZE);
}

static void alloc_pages(__u32 pgoff, __u32 count)
{
	long long got = run_op(OP_ALLOC, pgoff, count, false);

	check(got == (long long)(unsigned long)page(pgoff),
	      "bpf_arena_alloc_pages: %u page(s) at page %u (got %#llx)", count, pgoff, got);
}

/* Every kfunc the daemon would look for, found by name in the module's BTF. */
static void check_module_btf(void)
{
	static const char *const names[] = {
		"arenad_kf_bind", "arenad_kf_page_present", "arenad_kf_count_present",
		"arenad_kf_next_present", "arenad_kf_next_absent",
	};
	struct btf *vmlinux, *mod;
	unsigned int i;

	vmlinux = btf__load_vmlinux_btf();
	mod = vmlinux ? btf__parse_raw_split("/sys/kernel/btf/" MODULE_NAME, vmlinux) : NULL;
	check(mod, "module BTF in /sys/kernel/btf/" MODULE_NAME);
	for (i = 0; mod && i < sizeof(names) / sizeof(names[0]); i++) {
		int id = btf__find_by_name_kind(mod, names[i], BTF_KIND_FUNC);

		check(id > 0, "module BTF declares %s", names[i]);
	}
	btf__free(mod);
	btf__free(vmlinux);
}

static void check_kfuncs(void)
{
	volatile __u64 *touch = page(30);

	alloc_pages(5, 3);	/* pages 5, 6, 7 */
	alloc_pages(TC_PROBE_PGOFF, 1);
	*touch = 0x5eed;	/* user space faults page 30 in */
	check(*touch == 0x5eed, "user space wrote page 30 through the mmap");

	expect(OP_BIND, 0, 0, false, 0, "binds the arena");
	expect(OP_COUNT_PRESENT, 0, TEST_ARENA_PAGES, false, 5, "5, 6, 7, 20 and 30");
	expect(OP_PAGE_PRESENT, 5, 0, false, 1, "allocated by a program");
	expect(OP_PAGE_PRESENT, 7, 0, false, 1, "allocated by a program");
	expect(OP_PAGE_PRESENT, 30, 0, false, 1, "faulted in by user space");
	expect(OP_PAGE_PRESENT, 0, 0, false, 0, "never touched");
	expect(OP_PAGE_PRESENT, 8, 0, false, 0, "right after an allocation");
	expect(OP_PAGE_PRESENT, TEST_ARENA_PAGES - 1, 0, false, 0, "the last page, never touched");
	expect(OP_COUNT_PRESENT, 5, 3, false, 3, "exactly the first allocation");
	expect(OP_COUNT_PRESENT, 8, 12, false, 0, "the gap after it");
	expect(OP_COUNT_PRESENT, 3, 0, false, 0, "an empty range");
	expect(OP_NEXT_PRESENT, 0, TEST_ARENA_PAGES, false, 5, "the first present page");
	expect(OP_NEXT_ABSENT, 5, TEST_ARENA_PAGES - 5, false, 8, "the end of that run");
	expect(OP_NEXT_PRESENT, 8, TEST_ARENA_PAGES - 8, false, 20, "the next run");
	expect(OP_NEXT_PRESENT, 31, TEST_ARENA_PAGES - 31, false, -ENOENT, "none after page 30");
	expect(OP_NEXT_ABSENT, 0, TEST_ARENA_PAGES, false, 0, "page 0 is absent");
	expect(OP_NEXT_ABSENT, 5, 3, false, -ENOENT, "pages 5..7 are all present");

	/* Bad input is refused before anything is read. */
	expect(OP_PAGE_PRESENT, TEST_ARENA_PAGES, 0, false, -ERANGE, "one past the end");
	expect(OP_PAGE_PRESENT, 0xffffffff, 0, false, -ERANGE, "far past the end");
	expect(OP_COUNT_PRESENT, TEST_ARENA_PAGES - 4, 5, false, -ERANGE, "runs past the end");
	expect(OP_COUNT_PRESENT, 1, 0xffffffff, false, -ERANGE, "count that would wrap");
	expect(OP_COUNT_PRESENT, TEST_ARENA_PAGES, 0, false, -ERANGE, "empty range past the end");
	expect(OP_NEXT_PRESENT, 0, TEST_ARENA_PAGES + 1, false, -ERANGE, "one page too many");
	expect(OP_NEXT_ABSENT, TEST_ARENA_PAGES, 1, false, -ERANGE, "past the end");
	expect(OP_BIND, 0, 0, true, -EINVAL, "not an arena");
	expect(OP_PAGE_PRESENT, 0, 0, true, -EINVAL, "not an arena");
	expect(OP_COUNT_PRESENT, 0, 1, true, -EINVAL, "not an arena");
	expect(OP_NEXT_PRESENT, 0, 1, true, -EINVAL, "not an arena");
	expect(OP_NEXT_ABSENT, 0, 1, true, -EINVAL, "not an arena");

	/* Freeing is seen at once. */
	check(run_op(OP_FREE, 6, 1, false) == 0, "bpf_arena_free_pages: page 6");
	expect(OP_PAGE_PRESENT, 6, 0, false, 0, "freed");
	expect(OP_COUNT_PRESENT, 0, TEST_ARENA_PAGES, false, 4, "one fewer");
	expect(OP_NEXT_ABSENT, 5, 3, false, 6, "the hole left by the free");
}

static void check_xdp_tc(void)
{
	volatile struct xdp_slots *s = page(XDP_PGOFF);
	unsigned char pkt[64] = { 0 };	/* zero MACs, no EtherType: never parsed */
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 3);
	__u64 before = s->xdp_runs;
	int r;

	r = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_bind), &t);
	check(!r && t.retval == 2 /* XDP_PASS */,
	      "XDP bound by arenad_kf_bind() alone runs: XDP_PASS (err %d, retval %u)", r ? -errno : 0,
	      t.retval);
	check(s->xdp_runs == before + 3, "it wrote arena memory, seen through the mmap: %llu -> %llu",
	      (unsigned long long)before, (unsigned long long)s->xdp_runs);

	s->xdp_present = -1000;
	t.repeat = 1;
	r = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_present), &t);
	check(!r && s->xdp_present == 1, "XDP: arenad_kf_page_present(%d) = %lld, want 1",
	      TC_PROBE_PGOFF, (long long)s->xdp_present);

	s->tc_present = -1000;
	r = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tc_present), &t);
	check(!r && s->tc_present == 1, "tc: arenad_kf_page_present(%d) = %lld, want 1",
	      TC_PROBE_PGOFF, (long long)s->tc_present);
}

/* Load one program of kfunc_reject.bpf.c and check the verifier's reason. */
static void check_rejected(const char *prog_name, const char *reason)
{
	static char log[64 * 1024];
	struct kfunc_reject_bpf *rs;
	struct bpf_program *p;
	int err = -1;

	rs = kfunc_reject_bpf__open();
	if (!rs) {
		check(false, "open kfunc_reject.bpf.o: %s", strerror(errno));
		return;
	}
	log[0] = 0;
	bpf_object__for_each_program(p, rs->obj) {
		bool this = !strcmp(bpf_program__name(p), prog_name);

		bpf_program__set_autoload(p, this);
		if (this)
			bpf_program__set_log_buf(p, log, sizeof(log));
	}
	quiet_libbpf = true;
	err = kfunc_reject_bpf__load(rs);
	quiet_libbpf = false;
	check(err && strstr(log, reason), "the verifier refuses %s: \"%s\"", prog_name, reason);
	if (!err || !strstr(log, reason))
		printf("# load: %d; log tail: %s\n", err, log + (strlen(log) > 300 ? strlen(log) - 300 : 0));
	kfunc_reject_bpf__destroy(rs);
}

static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/" MODULE_NAME "/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

int main(void)
{
	long refcnt;
	int r;

	libbpf_set_print(libbpf_print);
	check_module_btf();

	skel = kfunc_test_bpf__open_and_load();
	check(skel, "programs calling the module's kfuncs load (syscall, XDP, tc)%s%s",
	      skel ? "" : ": ", skel ? "" : strerror(errno));
	if (!skel)
		goto out;

	check_kfuncs();
	check_xdp_tc();
	check_rejected("xdp_sleepable", "program must be sleepable to call sleepable kfunc");
	check_rejected("xdp_unbound", "addr_space_cast insn can only be used in a program that has an associated arena");

	refcnt = module_refcnt();
	check(refcnt >= 1, "loaded programs hold the module (refcnt %ld)", refcnt);
	r = syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK);
	check(r && (errno == EWOULDBLOCK || errno == EBUSY),
	      "unloading it meanwhile is refused (%s)", r ? strerror(errno) : "it unloaded!");
	kfunc_test_bpf__destroy(skel);
out:
	return failed ? 1 : 0;
}
