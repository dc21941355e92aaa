// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arena_mem: read or write bytes of a pinned arena through an mmap, as an
 * external user-space process would.
 *
 *   arena_mem PIN_DIR write ADDR STRING
 *   arena_mem PIN_DIR read ADDR LEN        (prints the bytes as hex)
 *
 * The arena must be mapped at its user_vm_start (map_extra) in every
 * process, so the mapping is fixed there. Touching an unallocated page of a
 * non-SEGV arena allocates it: callers only name allocated pages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "arenad_abi.h"

static int map_arena(const char *pin_dir, char **base, size_t *size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[4096];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, ARENAD_PIN_ARENA);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "arena_mem: open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (bpf_map_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "arena_mem: map info: %s\n", strerror(errno));
		return -errno;
	}
	*size = (size_t)info.max_entries * ARENAD_PAGE_SIZE;
	p = mmap((void *)(unsigned long)info.map_extra, *size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "arena_mem: mmap at 0x%llx: %s\n",
			(unsigned long long)info.map_extra, strerror(errno));
		return -errno;
	}
	close(fd);
	*base = p;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long addr, n;
	char *base, *p;
	size_t size, i;

	if (argc != 5 || (strcmp(argv[2], "read") && strcmp(argv[2], "write"))) {
		fprintf(stderr, "usage: arena_mem PIN_DIR read ADDR LEN | write ADDR STRING\n");
		return 2;
	}
	addr = strtoull(argv[3], NULL, 0);
	if (map_arena(argv[1], &base, &size))
		return 1;
	n = strcmp(argv[2], "read") ? strlen(argv[4]) : strtoull(argv[4], NULL, 0);
	if (addr < (unsigned long)base || addr + n > (unsigned long)base + size) {
		fprintf(stderr, "arena_mem: 0x%llx+%llu is outside the arena\n", addr, n);
		return 1;
	}
	p = (char *)(unsigned long)addr;
	if (!strcmp(argv[2], "write")) {
		memcpy(p, argv[4], n);
		return 0;
	}
	for (i = 0; i < n; i++)
		printf("%02x", (unsigned char)p[i]);
	printf("\n");
	return 0;
}
