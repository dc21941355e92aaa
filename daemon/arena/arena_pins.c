// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pins of arena maps on every BPF file system (arena_pins.h).
 * Logging: per request, none; errors are returned (log.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "arena_pins.h"
#include "arenad_abi.h"
#include "cleanup.h"
#include "util.h"

/* Bounds of one walk: a host with a deep or huge bpffs costs at most this. */
#define MAX_DEPTH	16
#define MAX_FILES	100000

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

struct walk {
	struct arena_pin *pins;
	size_t n, cap;
	size_t files;			/* looked at, all mounts */
	dev_t *devs;			/* file systems walked already */
	size_t n_devs;
};

static int add_pin(struct walk *w, __u32 map_id, const char *path)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct arena_pin *p = realloc(w->pins, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		w->pins = p;
		w->cap = cap;
	}
	w->pins[w->n].path = strdup(path);
	if (!w->pins[w->n].path)
		return -ENOMEM;
	w->pins[w->n++].map_id = map_id;
	return 0;
}

/* A file on a bpffs: an arena map's pin? Read-only opens fail at once for
 * program and link pins, which need read-write. */
static int look_at(struct walk *w, const char *path)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	_cleanup_close_ int fd = -1;

	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0)
		return 0;
	if (bpf_map_get_info_by_fd(fd, &info, &len) || info.type != ARENAD_MAP_TYPE_ARENA)
		return 0;
	return add_pin(w, info.id, path);
}

static int walk_dir(struct walk *w, const char *dir, dev_t dev, int depth)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *e;
	char path[PATH_MAX];
	struct stat st;
	int r;

	if (depth > MAX_DEPTH)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;	/* not ours to read */
	while ((e = readdir(d)) && w->files < MAX_FILES) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (lstat(path, &st) || st.st_dev != dev)	/* a mount below: walked on its own */
			continue;
		w->files++;
		if (S_ISDIR(st.st_mode))
			r = walk_dir(w, path, dev, depth + 1);
		else if (S_ISREG(st.st_mode))
			r = look_at(w, path);
		else
			r = 0;
		if (r < 0)
			return r;
	}
	return 0;
}

/* A mount point as mountinfo writes it: space, tab, newline and backslash
 * are octal escapes. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The mount point of a mountinfo line whose file system type is bpf. */
static bool bpffs_mount(char *line, char **mnt)
{
	char *sep = strstr(line, " - "), *f[5], *save = NULL, *p = line;
	int i;

	if (!sep || strncmp(sep + 3, "bpf ", 4))
		return false;
	*sep = '\0';
	for (i = 0; i < 5; i++, p = NULL) {
		f[i] = strtok_r(p, " ", &save);
		if (!f[i])
			return false;
	}
	unescape(f[4]);
	*mnt = f[4];
	return true;
}

static int walk_mount(struct walk *w, const char *mnt)
{
	struct stat st;
	dev_t *devs;

	if (stat(mnt, &st) || !S_ISDIR(st.st_mode))
		return 0;
	for (size_t i = 0; i < w->n_devs; i++)
		if (w->devs[i] == st.st_dev)
			return 0;	/* the same instance, mounted again */
	devs = realloc(w->devs, (w->n_devs + 1) * sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	w->devs = devs;
	w->devs[w->n_devs++] = st.st_dev;
	return walk_dir(w, mnt, st.st_dev, 0);
}

static int cmp_pin(const void *a, const void *b)
{
	const struct arena_pin *x = a, *y = b;

	if (x->map_id != y->map_id)
		return x->map_id < y->map_id ? -1 : 1;
	return strcmp(x->path, y->path);
}

int arena_pins_find(struct arena_pin **out, size_t *n)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	struct walk w = {};
	size_t len = 0;
	char *mnt;
	int r = 0;

	*out = NULL;
	*n = 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (r >= 0 && getline(&line, &len, f) > 0)
		if (bpffs_mount(line, &mnt))
			r = walk_mount(&w, mnt);
	free(w.devs);
	if (r < 0) {
		arena_pins_free(w.pins, w.n);
		return r;
	}
	if (w.n)
		qsort(w.pins, w.n, sizeof(*w.pins), cmp_pin);
	*out = w.pins;
	*n = w.n;
	return 0;
}

void arena_pins_free(struct arena_pin *pins, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(pins[i].path);
	free(pins);
}
