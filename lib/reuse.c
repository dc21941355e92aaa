// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libarenad: make an external BPF object use arenad's pinned arena, and
 * map that arena into the process at the address every process shares.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "arenad.h"
#include "error.h"
#include "proc_stat.h"
#include "opts.h"
#include "pin_table.h"

/* Fail with err (a negative errno) and a sentence for arenad_errmsg(). */
#define fail libarenad_err

static struct bpf_map *find_arena(struct bpf_object *obj, int *count)
{
	struct bpf_map *m, *found = NULL;

	*count = 0;
	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) == (enum bpf_map_type)ARENAD_MAP_TYPE_ARENA) {
			found = m;
			(*count)++;
		}
	}
	return found;
}

static int reuse_pin(struct bpf_map *map, const char *pin_dir, const char *pin, bool optional)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, r;

	if (libarenad_pin_path(path, sizeof(path), pin_dir, pin))
		return fail(-ENAMETOOLONG, "pin directory %s: name too long", pin_dir);
	fd = bpf_obj_get(path);
	/* Pinned by an older arenad without it: the object keeps a map of
	 * its own (its events go unread) and works as before. */
	if (fd < 0 && errno == ENOENT && optional)
		return 0;
	if (fd < 0)
		return fail(-errno, "open %s: %s (is arenad running with --pin-dir %s?)",
			    path, strerror(errno), pin_dir);
	if (bpf_map_get_info_by_fd(fd, &info, &len)) {
		r = -errno;
		close(fd);
		return fail(r, "inspect %s: %s", path, strerror(-r));
	}
	/* bpf_map__reuse_fd() adopts the pin's definition without comparing,
	 * and the verifier then checks the program against the pin's sizes:
	 * a smaller value struct would load and silently misread the ledger.
	 * So the declaration must be arenad_ledger.bpf.h's, to the byte. */
	if (bpf_map__type(map) != info.type || bpf_map__key_size(map) != info.key_size ||
	    bpf_map__value_size(map) != info.value_size) {
		close(fd);
		return fail(-EINVAL, "map '%s' is declared as type %u, key %u, value %u bytes, "
			    "but %s is type %u, key %u, value %u bytes: declare the ledger maps "
			    "by including arenad_ledger.bpf.h (same arenad version), or rename "
			    "your map", bpf_map__name(map), bpf_map__type(map),
			    bpf_map__key_size(map), bpf_map__value_size(map), path,
			    info.type, info.key_size, info.value_size);
	}
	r = bpf_map__reuse_fd(map, fd);
	close(fd);	/* reuse_fd keeps its own duplicate */
	if (r)
		return fail(r, "reuse %s for map '%s': %s", path, bpf_map__name(map), strerror(-r));
	return 0;
}

/*
 * The byte offset and the writable initial value of global variable var
 * (as the object's BTF places it in one of its data sections). NULL when
 * the object has no such variable.
 */
static void *find_global(struct bpf_object *obj, const char *var, __u32 *size)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *m;
	size_t len;
	char *data;
	int i;

	if (!btf)
		return NULL;
	bpf_object__for_each_map(m, obj) {
		if (!bpf_map__is_internal(m))
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(m));
		if (!t || !btf_is_datasec(t))
			continue;
		vs = btf_var_secinfos(t);
		for (i = 0; i < btf_vlen(t); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);

			if (!v || strcmp(btf__name_by_offset(btf, v->name_off), var))
				continue;
			data = bpf_map__initial_value(m, &len);
			if (!data || vs->offset + vs->size > len)
				return NULL;
			*size = vs->size;
			return data + vs->offset;
		}
	}
	return NULL;
}

/*
 * Intern s into the pinned string table and store its id in var. The
 * string is kept for good (arenad_pins__keep()): the object's programs and
 * later runs of it use the same id, which must keep naming s, and loading
 * the object again must not add a reference each time.
 */
static int set_string_id(struct bpf_object *obj, const char *pin_dir, const char *var,
			 const char *s)
{
	struct arenad_pins *pins;
	__u32 id, size = 0;
	void *slot = find_global(obj, var, &size);
	int r;

	if (!slot || size != sizeof(id))
		return fail(-EINVAL, "object '%s' has no %s to account its allocations with: "
			    "include arenad_ledger.bpf.h, or leave the reuse option unset",
			    bpf_object__name(obj), var);
	if (strlen(s) >= ARENAD_STR_LEN || !*s)
		return fail(-EINVAL, "'%s' for %s: the string must be 1..%d bytes",
			    s, var, ARENAD_STR_LEN - 1);
	pins = arenad_pins__open(pin_dir);
	if (!pins)
		return -errno;	/* arenad_errmsg() names the pin */
	r = arenad_pins__keep(pins, s, &id);
	arenad_pins__close(pins);
	if (r)
		return fail(r, "intern '%s' in %s/%s: %s%s", s, pin_dir, ARENAD_PIN_STRINGS, strerror(-r),
			    r == -ENOSPC ? " (the string table is full)" : "");
	memcpy(slot, &id, sizeof(id));
	return 0;
}

/* Write size bytes of value into var, when the object has it at that size. */
static bool set_global(struct bpf_object *obj, const char *var, const void *value, __u32 size)
{
	__u32 have = 0;
	void *slot = find_global(obj, var, &have);

	if (!slot || have != size)
		return false;
	memcpy(slot, value, size);
	return true;
}

/*
 * Record this process as the holder of the object's allocations
 * (arenad_ledger.bpf.h's arenad_loader_*), and the object's name as their
 * origin. An object built against an older header has none of these:
 * its allocations are recorded as the task's it ran in.
 */
static int set_loader(struct bpf_object *obj, const char *pin_dir)
{
	struct proc_stat st;
	__u32 pid = getpid();
	__u32 size;
	__u64 start_ns;
	int r;

	if (!find_global(obj, "arenad_origin_id", &size))
		return 0;	/* an older header's object */
	r = set_string_id(obj, pin_dir, "arenad_origin_id", bpf_object__name(obj));
	if (r)
		return r;
	r = libarenad_proc_stat_read(0, &st);
	if (r < 0)
		return fail(r, "read /proc/self/stat: %s", strerror(-r));
	/* The daemon compares start times at /proc's tick resolution. */
	start_ns = libarenad_ticks_to_ns(st.start_ticks);
	set_global(obj, "arenad_loader_start_ns", &start_ns, sizeof(start_ns));
	set_global(obj, "arenad_loader_comm", st.comm, sizeof(st.comm));
	set_global(obj, "arenad_loader_pid", &pid, sizeof(pid));
	return 0;
}

/*
 * Does the kernel take a 64-bit map-value load with an offset of 1 GiB?
 * libbpf >= 1.7 places __arena globals at the arena's end only then (its
 * FEAT_LDIMM64_FULL_RANGE_OFF): older verifiers stop at "direct value
 * offset of ... is not allowed" whatever the map, newer ones get to the
 * array's bounds check. 1: yes, 0: no, negative: could not tell.
 */
static int kernel_takes_large_value_offset(void)
{
	char log[512] = "";
	struct bpf_insn insns[3] = {
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_0,
		  .src_reg = BPF_PSEUDO_MAP_VALUE },
		{ .imm = 1 << 30 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, popts, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int map_fd, prog_fd;

	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "arenad_probe", sizeof(int), sizeof(int), 1, NULL);
	if (map_fd < 0)
		return -errno;
	insns[0].imm = map_fd;
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "arenad_probe", "GPL", insns, 3, &popts);
	close(map_fd);
	if (prog_fd >= 0) {
		close(prog_fd);
		return -EPROTO;
	}
	if (strstr(log, "direct value offset of"))
		return 0;
	return strstr(log, "invalid access to map value pointer") ? 1 : -EPROTO;
}

/*
 * __arena globals (.addr_space.1) live where the linked libbpf puts them:
 * at the arena's start up to libbpf 1.6, and from 1.7 at its end, on
 * kernels that take large map-value offsets (otherwise still at the
 * start). In arenad's arena either place is pages its allocator hands out
 * to others (the first allocation gets the first page, a full arena the
 * last ones), and libbpf copies no initial values into an arena it reuses
 * instead of creating. So they are refused, saying where they would go.
 */
static int refuse_arena_globals(struct bpf_object *obj)
{
	struct btf *btf = bpf_object__btf(obj);
	unsigned int major = libbpf_major_version(), minor = libbpf_minor_version();
	const struct btf_type *t;
	bool at_end = false;
	char why[160] = "";
	__u32 pages;
	int id, k;

	id = btf ? btf__find_by_name_kind(btf, ".addr_space.1", BTF_KIND_DATASEC) : -ENOENT;
	if (id < 0)
		return 0;
	t = btf__type_by_id(btf, id);
	pages = ((t ? t->size : 0) + ARENAD_PAGE_SIZE - 1) / ARENAD_PAGE_SIZE ?: 1;
	if (major > 1 || minor >= 7) {
		k = kernel_takes_large_value_offset();
		at_end = k > 0;
		snprintf(why, sizeof(why), k > 0 ? "" : k == 0 ?
			 " (it would put them at the end, but this kernel refuses large map-value offsets)" :
			 " (it would put them at the end if this kernel took large map-value offsets, "
			 "which could not be probed)");
	}
	return fail(-EINVAL, "object '%s' has __arena global variables (.addr_space.1): the linked "
		    "libbpf %u.%u places them in the arena's %s %u page%s%s, which arenad hands out to "
		    "other users, and copies no initial values into a reused arena. Allocate the "
		    "memory through arenad instead (arenad_named_pages() keeps it across runs) and "
		    "keep a pointer to it",
		    bpf_object__name(obj), major, minor, at_end ? "last" : "first", pages,
		    pages == 1 ? "" : "s", why);
}

int arenad_reuse(struct bpf_object *obj, const struct arenad_reuse_opts *opts)
{
	const char *pin_dir = OPTS_GET(opts, pin_dir, NULL) ?: ARENAD_DEFAULT_PIN_DIR;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	const char *owner, *name;
	struct bpf_map *arena, *m;
	char path[PATH_MAX];
	unsigned int i;
	__u32 size;
	int n, fd, r;

	if (!OPTS_VALID(opts, arenad_reuse_opts))
		return fail(-EINVAL, "arenad_reuse_opts: bad .sz or unknown options set");
	arena = find_arena(obj, &n);
	if (!n) {
		m = bpf_object__find_map_by_name(obj, "arena");
		if (m)
			return fail(-EINVAL, "map 'arena' of object '%s' has type %u, not an arena "
				    "(BPF_MAP_TYPE_ARENA, %u); declare it with ARENAD_ARENA_MAP(arena)",
				    bpf_object__name(obj), bpf_map__type(m), ARENAD_MAP_TYPE_ARENA);
		return fail(-EINVAL, "object '%s' declares no arena map; declare one with "
			    "ARENAD_ARENA_MAP(arena) from arenad.bpf.h", bpf_object__name(obj));
	}
	if (n != 1)
		return fail(-EINVAL, "object '%s' declares %d arena maps; arenad shares exactly one",
			    bpf_object__name(obj), n);
	r = refuse_arena_globals(obj);
	if (r)
		return r;

	if (libarenad_pin_path(path, sizeof(path), pin_dir, ARENAD_PIN_ARENA))
		return fail(-ENAMETOOLONG, "pin directory %s: name too long", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fail(-errno, "open %s: %s (is arenad running with --pin-dir %s?)",
			    path, strerror(errno), pin_dir);
	r = bpf_map_get_info_by_fd(fd, &info, &len);
	if (r) {
		r = -errno;
		close(fd);
		return fail(r, "inspect %s: %s", path, strerror(-r));
	}
	if (info.type != ARENAD_MAP_TYPE_ARENA) {
		close(fd);
		return fail(-EINVAL, "%s is not an arena map", path);
	}
	/* Flags are part of what the object's code may assume: an object
	 * built for a SEGV_ON_FAULT arena must not get a faulting one. */
	if ((bpf_map__map_flags(arena) ^ info.map_flags) & ARENAD_F_SEGV_ON_FAULT) {
		close(fd);
		return fail(-EINVAL, "map '%s' is declared %s BPF_F_SEGV_ON_FAULT but arenad's arena is %s",
			    bpf_map__name(arena),
			    bpf_map__map_flags(arena) & ARENAD_F_SEGV_ON_FAULT ? "with" : "without",
			    info.map_flags & ARENAD_F_SEGV_ON_FAULT ? "with it" : "not");
	}
	r = bpf_map__reuse_fd(arena, fd);
	close(fd);
	if (r)
		return fail(r, "reuse %s for map '%s': %s", path, bpf_map__name(arena), strerror(-r));

	libarenad_for_each_pin(i) {
		if (!libarenad_pin_table[i].ledger)
			continue;
		m = bpf_object__find_map_by_name(obj, libarenad_pin_table[i].bpf_name);
		if (!m)
			continue;
		r = reuse_pin(m, pin_dir, libarenad_pin_table[i].file,
			      libarenad_pin_table[i].optional);
		if (r)
			return r;
	}

	/* One-step accounting: the ids arenad_alloc_pages() and
	 * arenad_named_pages() use. Objects without the ledger header are
	 * fine unless an owner or name was asked for. */
	owner = OPTS_GET(opts, owner, NULL);
	name = OPTS_GET(opts, name, NULL);
	if (owner || find_global(obj, "arenad_owner_id", &size)) {
		r = set_string_id(obj, pin_dir, "arenad_owner_id", owner ?: bpf_object__name(obj));
		if (r)
			return r;
	}
	if (name) {
		r = set_string_id(obj, pin_dir, "arenad_name_id", name);
		if (r)
			return r;
	}
	return set_loader(obj, pin_dir);
}

/* Name what occupies [start, end) in this process, from /proc/self/maps. */
static void who_maps(unsigned long start, unsigned long end, char *buf, size_t len)
{
	char line[512];
	unsigned long s, e;
	FILE *f = fopen("/proc/self/maps", "r");

	snprintf(buf, len, "an existing mapping");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &s, &e) != 2 || e <= start || s >= end)
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, len, "'%s'", line);
		break;
	}
	fclose(f);
}

/*
 * Arenas this process has mapped through libarenad, by map id. The kernel
 * lets a process map an arena at its one address only, and a process may
 * well have several objects on arenad's arena (or an object and a plain
 * reader); their calls share the first mapping instead of failing on it.
 */
#define MAX_MAPPED 8
static pthread_mutex_t mapped_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	__u32 id;
	unsigned long base;
	size_t size;
} mapped[MAX_MAPPED];

/* Is [base, base + size) still one mapping of a BPF map? (munmap() by the
 * caller is not reported to us, so ask /proc instead of trusting the table.) */
static bool still_mapped(unsigned long base, size_t size)
{
	char line[512];
	unsigned long s, e;
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%lx-%lx", &s, &e) == 2 && s == base &&
			e == base + size && strstr(line, "bpf-map");
	fclose(f);
	return found;
}

static void *map_fd_locked(int fd, size_t *size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned int i, slot = MAX_MAPPED;
	size_t sz;
	void *want, *p;
	char who[600];

	if (bpf_map_get_info_by_fd(fd, &info, &len)) {
		fail(-errno, "inspect the arena map: %s", strerror(errno));
		return NULL;
	}
	if (info.type != ARENAD_MAP_TYPE_ARENA || !info.map_extra) {
		fail(-EINVAL, "not an arena with a fixed user address (map_extra)");
		return NULL;
	}
	/* An arena entry is one kernel page. */
	sz = (size_t)info.max_entries * (size_t)sysconf(_SC_PAGESIZE);
	want = (void *)(unsigned long)info.map_extra;

	for (i = 0; i < MAX_MAPPED; i++) {
		if (mapped[i].id == info.id && mapped[i].base == (unsigned long)want &&
		    still_mapped(mapped[i].base, mapped[i].size)) {
			if (size)
				*size = mapped[i].size;
					return want;
		}
		if (slot == MAX_MAPPED && (!mapped[i].id || !still_mapped(mapped[i].base, mapped[i].size)))
			slot = i;
	}

	/* NOREPLACE: never clobber something this process already maps. */
	p = mmap(want, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;

		if (e == EEXIST) {
			who_maps((unsigned long)want, (unsigned long)want + sz, who, sizeof(who));
			fail(-EEXIST, "cannot map the arena at %p..%p: this process already has %s there; "
			     "start arenad with another --user-addr, or map the arena before that mapping is made",
			     want, (char *)want + sz, who);
		} else if (e == EBUSY) {
			fail(-EBUSY, "the kernel refused to map the arena at %p (EBUSY): every process "
			     "must map it at the same address", want);
		} else {
			fail(-e, "mmap the arena at %p: %s", want, strerror(e));
		}
		return NULL;
	}
	if (p != want) {
		/* A kernel older than 4.17 takes NOREPLACE as a mere hint. */
		munmap(p, sz);
		fail(-EEXIST, "the kernel placed the arena at %p instead of %p", p, want);
		return NULL;
	}
	if (slot < MAX_MAPPED) {
		mapped[slot].id = info.id;
		mapped[slot].base = (unsigned long)p;
		mapped[slot].size = sz;
	}
	if (size)
		*size = sz;
	return p;
}

static void *map_fd(int fd, size_t *size)
{
	void *p;

	pthread_mutex_lock(&mapped_lock);
	p = map_fd_locked(fd, size);
	pthread_mutex_unlock(&mapped_lock);
	return p;
}

void *arenad_map_arena(struct bpf_object *obj, size_t *size)
{
	struct bpf_map *arena;
	int n;

	arena = find_arena(obj, &n);
	if (n != 1 || bpf_map__fd(arena) < 0) {
		fail(-EINVAL, "object has no loaded arena map");
		return NULL;
	}
	return map_fd(bpf_map__fd(arena), size);
}

void *arenad_map_pinned_arena(const char *pin_dir, size_t *size)
{
	char path[PATH_MAX];
	void *p;
	int fd;

	if (libarenad_pin_path(path, sizeof(path), pin_dir, ARENAD_PIN_ARENA)) {
		fail(-ENAMETOOLONG, "pin directory %s: name too long", pin_dir);
		return NULL;
	}
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fail(-errno, "open %s: %s", path, strerror(errno));
		return NULL;
	}
	p = map_fd(fd, size);
	close(fd);	/* the mapping keeps the map alive */
	return p;
}
