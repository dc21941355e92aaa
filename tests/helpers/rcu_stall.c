// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rcu_stall: hold back the kernel's RCU tasks trace grace periods until
 * told to stop, so that a test sees what lives on until one ends. A
 * sleepable BPF program (SEC("syscall"), run by BPF_PROG_TEST_RUN inside
 * rcu_read_lock_trace()) reads a user page that userfaultfd does not fill:
 * it sleeps in the fault. Meanwhile the kernel frees no sleepable program,
 * and so releases none of their maps.
 *
 *   rcu_stall       prints "stalled" once the program sleeps; a line (or
 *                   EOF) on stdin fills the page, then it prints "released"
 *
 * Exit status: 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rcu_stall.skel.h"

struct stall_ctx {
	__u64 addr;
	__s64 ret;
};

static struct stall_ctx ctx;
static int prog_fd;

static void *run(void *arg)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	return (void *)(long)(bpf_prog_test_run_opts(prog_fd, &o) ? -errno : 0);
}

static int fail(const char *what)
{
	fprintf(stderr, "rcu_stall: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = {};
	long psz = sysconf(_SC_PAGESIZE);
	struct rcu_stall_bpf *skel;
	struct uffd_msg msg;
	char line[64];
	pthread_t thread;
	void *page, *ret;
	int uffd;

	/* Not user-mode only: the fault comes from the kernel's copy. */
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return fail("userfaultfd");
	page = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return fail("mmap");
	reg.range = (struct uffdio_range) { .start = (unsigned long)page, .len = psz };
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return fail("register the page");
	skel = rcu_stall_bpf__open_and_load();
	if (!skel)
		return fail("load the program");
	prog_fd = bpf_program__fd(skel->progs.stall);
	ctx.addr = (unsigned long)page;
	errno = pthread_create(&thread, NULL, run, NULL);
	if (errno)
		return fail("thread");
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		return fail("wait for the program's fault");
	printf("stalled\n");
	fflush(stdout);

	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	zero.range = reg.range;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero))
		return fail("fill the page");
	pthread_join(thread, &ret);
	printf("released %ld %lld\n", (long)ret, (long long)ctx.ret);
	rcu_stall_bpf__destroy(skel);
	return 0;
}
