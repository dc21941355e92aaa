// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arena_mem: read or write bytes of a pinned arena through an mmap, as an
 * external user-space process would.
 *
 *   arena_mem PIN_DIR write ADDR hex:HEXBYTES   (e.g. hex:00ff7f)
 *   arena_mem PIN_DIR write ADDR STRING         (the bytes of STRING, no NUL)
 *   arena_mem PIN_DIR read ADDR LEN             (prints the bytes as hex)
 *
 * The arena must be mapped at its user_vm_start (map_extra) in every
 * process, so the mapping is fixed there, over the whole arena.
 *
 * Touching an unallocated page of an arena without BPF_F_SEGV_ON_FAULT
 * ALLOCATES it behind the daemon's back: callers only name allocated pages.
 *
 * Exit status: 0 on success, 1 on an error (message on stderr), 2 on usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "arenad_abi.h"

struct arena_view {
	unsigned char *base;
	size_t size;
};

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno)
		return -errno;
	return *end ? -EINVAL : 0;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -EINVAL;
}

/* Decode "hex:..." into a malloc'ed buffer, or copy a plain string. */
static int parse_data(const char *arg, unsigned char **out, size_t *len)
{
	unsigned char *buf;
	size_t i, n;
	int hi, lo;

	if (strncmp(arg, "hex:", 4)) {
		*len = strlen(arg);
		*out = (unsigned char *)strdup(arg);
		return *out ? 0 : -ENOMEM;
	}
	arg += 4;
	n = strlen(arg);
	if (n % 2)
		return -EINVAL;
	buf = malloc(n / 2 + 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n / 2; i++) {
		hi = hex_nibble(arg[2 * i]);
		lo = hex_nibble(arg[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(buf);
			return -EINVAL;
		}
		buf[i] = hi << 4 | lo;
	}
	*out = buf;
	*len = n / 2;
	return 0;
}

static int map_arena(const char *pin_dir, struct arena_view *v)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[4096];
	void *addr, *p;
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, ARENAD_PIN_ARENA) >= (int)sizeof(path)) {
		fprintf(stderr, "arena_mem: pin dir path too long\n");
		return -ENAMETOOLONG;
	}
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "arena_mem: open %s: %s\n", path, strerror(-err));
		return err;
	}
	if (bpf_map_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		fprintf(stderr, "arena_mem: map info of %s: %s\n", path, strerror(-err));
		goto out;
	}
	if (info.type != ARENAD_MAP_TYPE_ARENA) {
		fprintf(stderr, "arena_mem: %s is a map of type %u, not an arena\n", path, info.type);
		err = -EINVAL;
		goto out;
	}
	if (!info.map_extra) {
		fprintf(stderr, "arena_mem: %s has no fixed user address (map_extra)\n", path);
		err = -EINVAL;
		goto out;
	}

	addr = (void *)(unsigned long)info.map_extra;
	v->size = (size_t)info.max_entries * (size_t)sysconf(_SC_PAGESIZE);
	p = mmap(addr, v->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		fprintf(stderr, "arena_mem: mmap %zu bytes at %p: %s\n", v->size, addr, strerror(-err));
		goto out;
	}
	if (p != addr) {	/* kernels before 4.17 ignore MAP_FIXED_NOREPLACE */
		munmap(p, v->size);
		fprintf(stderr, "arena_mem: the arena was mapped at %p, not at %p\n", p, addr);
		err = -EBUSY;
		goto out;
	}
	v->base = p;
	err = 0;
out:
	close(fd);
	return err;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: arena_mem PIN_DIR read ADDR LEN\n"
		"       arena_mem PIN_DIR write ADDR hex:HEXBYTES|STRING\n");
}

int main(int argc, char **argv)
{
	unsigned long long addr, n;
	struct arena_view v;
	unsigned char *data = NULL, *p;
	size_t len, i;
	bool rd;
	int err;

	if (argc != 5 || (strcmp(argv[2], "read") && strcmp(argv[2], "write"))) {
		usage();
		return 2;
	}
	rd = !strcmp(argv[2], "read");
	if (parse_u64(argv[3], &addr)) {
		fprintf(stderr, "arena_mem: bad address '%s'\n", argv[3]);
		return 2;
	}
	if (rd) {
		err = parse_u64(argv[4], &n);
		if (err || !n) {
			fprintf(stderr, "arena_mem: bad length '%s'\n", argv[4]);
			return 2;
		}
	} else {
		err = parse_data(argv[4], &data, &len);
		if (err) {
			fprintf(stderr, "arena_mem: bad data '%s': %s\n", argv[4], strerror(-err));
			return 2;
		}
		n = len;
	}

	err = map_arena(argv[1], &v);
	if (err)
		goto out;
	if (addr < (unsigned long)v.base || n > v.size ||
	    addr - (unsigned long)v.base > v.size - n) {
		fprintf(stderr, "arena_mem: 0x%llx+%llu is outside the arena [%p, %p)\n",
			addr, n, v.base, v.base + v.size);
		err = -ERANGE;
		goto out;
	}

	p = (unsigned char *)(unsigned long)addr;
	if (rd) {
		for (i = 0; i < n; i++)
			printf("%02x", p[i]);
		printf("\n");
		if (fflush(stdout)) {
			err = -errno;
			fprintf(stderr, "arena_mem: write to stdout: %s\n", strerror(-err));
		}
	} else {
		memcpy(p, data, n);
	}
out:
	free(data);
	return err ? 1 : 0;
}
