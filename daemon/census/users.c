// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The users iterators (users.h). They load through libbpf's loader
 * program (light_load.h): the kernel resolves their attach targets and
 * CO-RE relocations against its own BTF, so the daemon does not parse
 * the kernel's BTF for them. Never logs: returns -errno (log.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arenad_users.skel.h"
#include "iter.h"
#include "light_load.h"
#include "users.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct arenad_users_bpf *, arenad_users_bpf__destroy);

/* In the order users_read() reports them. */
static const char *const iter_progs[] = { "arenad_progs", "arenad_task_files", "arenad_task_vmas" };

struct users {
	struct light_fds fds;
	int links[ARRAY_SIZE(iter_progs)];
	struct arenad_users_bpf__bss *bss;	/* the .bss map, mmapped */
	size_t bss_len;
};

struct users *users_free(struct users *u)
{
	if (!u)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(u->links); i++)
		safe_close(u->links[i]);
	if (u->bss)
		munmap(u->bss, u->bss_len);
	light_fds_done(&u->fds);
	free(u);
	return NULL;
}

static int learn_map_fops(struct users *u, int arena_fd)
{
	_cleanup_free_ void *buf = NULL;
	size_t len;
	int r;

	/* Learn what a map file looks like from the daemon's own arena fd
	 * (see arenad_users.bpf.c). */
	u->bss->learn_pid = getpid();
	u->bss->learn_fd = arena_fd;
	r = iter_read(u->links[1], sizeof(struct arenad_user_rec), &buf, &len);
	if (r < 0)
		return r;
	return u->bss->map_fops ? 0 : -ENOENT;
}

int users_load(int arena_fd, struct users **out, const char **why)
{
	_cleanup_(arenad_users_bpf__destroyp) struct arenad_users_bpf *skel = NULL;
	_cleanup_(users_freep) struct users *u = NULL;
	int r, fd;
	void *p;

	u = calloc(1, sizeof(*u));
	*why = "out of memory";
	if (!u)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(u->links); i++)
		u->links[i] = -1;
	skel = arenad_users_bpf__open();
	*why = "open the users object";
	if (!skel)
		return -errno;
	r = light_load(skel->obj, &u->fds, why);
	if (r < 0)
		return r;

	fd = light_map_fd(&u->fds, skel->obj, bpf_map__name(skel->maps.bss));
	u->bss_len = (bpf_map__value_size(skel->maps.bss) + page_size() - 1) / page_size() * page_size();
	p = fd < 0 ? MAP_FAILED : mmap(NULL, u->bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	*why = "map the users object's globals";
	if (p == MAP_FAILED)
		return fd < 0 ? fd : -errno;
	u->bss = p;

	*why = "attach the users iterators";
	for (size_t i = 0; i < ARRAY_SIZE(iter_progs); i++) {
		fd = light_prog_fd(&u->fds, skel->obj, iter_progs[i]);
		if (fd < 0)
			return fd;
		u->links[i] = bpf_link_create(fd, 0, BPF_TRACE_ITER, NULL);
		if (u->links[i] < 0)
			return -errno;
	}
	*why = "learn what a map file is";
	r = learn_map_fops(u, arena_fd);
	if (r < 0)
		return r;
	*why = NULL;
	*out = TAKE_PTR(u);
	return 0;
}

int users_read(struct users *u, struct arenad_user_rec **out, size_t *n)
{
	_cleanup_free_ struct arenad_user_rec *all = NULL;
	struct arenad_user_rec *grown;
	size_t total = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(u->links); i++) {
		_cleanup_free_ void *buf = NULL;
		size_t len;
		int r;

		r = iter_read(u->links[i], sizeof(*all), &buf, &len);
		if (r < 0)
			return r;
		if (!len)
			continue;
		grown = realloc(all, total * sizeof(*all) + len);
		if (!grown)
			return -ENOMEM;
		all = grown;
		memcpy(all + total, buf, len);
		total += len / sizeof(*all);
	}
	*out = TAKE_PTR(all);
	*n = total;
	return 0;
}
