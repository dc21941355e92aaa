// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod_check: exercise arenad_kfuncs.ko against arenad's pinned arena
 * (inside the VM test). Prints "key value" lines:
 *
 *   kmod_check PIN_DIR ADDR      ADDR: an allocated page of the arena
 *
 *   xdp <verdict> <before> <after>   XDP program bound via the kfunc bumped *ADDR
 *   refcnt <n>                       module references while programs are loaded
 *   present <pgoff> <r>              arenad_kf_page_present
 *   count <pgoff> <n> <r>            arenad_kf_count_present
 *   other-map <r> <r>                both kfuncs on a non-arena map
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "kmod_check.skel.h"

struct probe_ctx {
	__u32 pgoff;
	__u32 count;
	__u32 use_other_map;
	__s32 present;
	__s32 counted;
};

static int probe(struct kmod_check_bpf *s, __u32 pgoff, __u32 count, __u32 other, struct probe_ctx *c)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = c, .ctx_size_in = sizeof(*c));

	*c = (struct probe_ctx) { .pgoff = pgoff, .count = count, .use_other_map = other };
	return bpf_prog_test_run_opts(bpf_program__fd(s->progs.probe), &t) ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct arenad_reuse_opts ro = { .sz = sizeof(ro) };
	struct kmod_check_bpf *s;
	struct probe_ctx c;
	unsigned char pkt[64] = { 0 };
	unsigned long long addr;
	volatile __u64 *v;
	__u64 before;
	__u32 pages, pgoff;
	char buf[32] = "?";
	size_t sz;
	FILE *f;

	if (argc != 3)
		return 2;
	ro.pin_dir = argv[1];
	addr = strtoull(argv[2], NULL, 0);
	s = kmod_check_bpf__open();
	if (!s)
		return 1;
	s->rodata->target = addr;
	if (arenad_reuse(s->obj, &ro) || kmod_check_bpf__load(s)) {
		printf("load-error %s\n", arenad_errmsg()[0] ? arenad_errmsg() : strerror(errno));
		return 1;
	}
	v = arenad_map_arena(s->obj, &sz);
	if (!v) {
		printf("map-error %s\n", arenad_errmsg());
		return 1;
	}
	pages = sz / sysconf(_SC_PAGESIZE);
	v = (volatile __u64 *)(unsigned long)addr;
	before = *v;

	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt));
	if (bpf_prog_test_run_opts(bpf_program__fd(s->progs.xdp_touch), &t))
		printf("xdp error %s\n", strerror(errno));
	else
		printf("xdp %u %llu %llu\n", t.retval, (unsigned long long)before,
		       (unsigned long long)*v);

	f = fopen("/sys/module/arenad_kfuncs/refcnt", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			strcpy(buf, "?");
		fclose(f);
	}
	printf("refcnt %s", buf);
	if (!strchr(buf, '\n'))
		printf("\n");

	pgoff = (addr & 0xffffffffULL) / sysconf(_SC_PAGESIZE);
	probe(s, pgoff, 1, 0, &c);
	printf("present %u %d\n", pgoff, c.present);
	probe(s, pages - 1, 1, 0, &c);
	printf("present %u %d\n", pages - 1, c.present);
	probe(s, pages, 1, 0, &c);
	printf("present %u %d\n", pages, c.present);
	probe(s, 0, pages, 0, &c);
	printf("count 0 %u %d\n", pages, c.counted);
	probe(s, 1, pages, 0, &c);
	printf("count 1 %u %d\n", pages, c.counted);
	probe(s, 0, 1, 1, &c);
	printf("other-map %d %d\n", c.present, c.counted);
	kmod_check_bpf__destroy(s);
	return 0;
}
