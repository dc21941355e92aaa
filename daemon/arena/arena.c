// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Create or adopt the arena and pin it. Logging: everything here runs at
 * start-up (or for --unpin) and logs its own failures; callers only
 * propagate the -errno (log.h).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "arena.h"
#include "arena_mapped.h"
#include "arena_refusal.h"
#include "light_load.h"
#include "pin_table.h"
#include "pindir.h"
#include "arenad_alloc.skel.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct arenad_alloc_bpf *, arenad_alloc_bpf__destroy);

/* Pin fd as dir/name, and remember that this start created that pin. */
static int pin_new(struct arena *a, int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int r;

	r = pin_dir_join(path, sizeof(path), dir, name);
	if (r < 0)
		return r;
	if (a->n_created >= ARRAY_SIZE(a->created))
		return log_error_errno(-E2BIG, "too many pins");
	if (bpf_obj_pin(fd, path))
		return log_error_errno(-errno, "pin %s", path);
	a->created[a->n_created++] = name;
	return 0;
}

/*
 * Pin the allocator under its final name atomically: pin beside it, then
 * rename over the old pin, so that a loader opening the pin at any moment
 * gets either the old or the new program, never nothing.
 */
static int pin_prog_replace(int prog_fd, const char *dir)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int r;

	/* bpffs refuses names with dots, hence "_new". */
	r = pin_dir_join(tmp, sizeof(tmp), dir, ARENAD_PIN_ALLOC_PROG "_new");
	if (r >= 0)
		r = pin_dir_join(path, sizeof(path), dir, ARENAD_PIN_ALLOC_PROG);
	if (r < 0)
		return r;
	(void)unlink(tmp);	/* left over by a crash between pin and rename */
	if (bpf_obj_pin(prog_fd, tmp))
		return log_error_errno(-errno, "pin %s", tmp);
	if (rename(tmp, path)) {
		r = -errno;
		(void)unlink(tmp);
		return log_error_errno(r, "rename %s to %s", tmp, path);
	}
	return 0;
}

/*
 * The build of the allocator program this daemon carries (state's
 * alloc_build): FNV-1a of its BPF object. Never 0, which pins from before
 * the field existed hold.
 */
static __u32 alloc_build(void)
{
	const __u8 *p;
	size_t n, i;
	__u32 h = 2166136261u;

	p = arenad_alloc_bpf__elf_bytes(&n);
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h ?: 1;
}

/*
 * Record the allocator pinned now. Through a mapping of the state map,
 * one aligned 32-bit store: a map update would write the whole value and
 * could undo the allocator's concurrent counter updates.
 */
static int set_alloc_build(int state_fd, __u32 build)
{
	struct arenad_state *st;

	st = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, state_fd, 0);
	if (st == MAP_FAILED)
		return -errno;
	__atomic_store_n(&st->alloc_build, build, __ATOMIC_RELEASE);
	munmap(st, page_size());
	return 0;
}

static int open_skel(struct arena *a)
{
	a->skel = arenad_alloc_bpf__open();
	if (!a->skel)
		return log_error_errno(-errno, "open the allocator object");
	return 0;
}

static int configure_new(struct arenad_alloc_bpf *skel, const struct arena_opts *o)
{
	__u32 flags = BPF_F_MMAPABLE | (o->segv_on_fault ? ARENAD_F_SEGV_ON_FAULT : 0);
	int r;

	r = bpf_map__set_max_entries(skel->maps.arena, o->pages);
	if (r >= 0)
		r = bpf_map__set_map_extra(skel->maps.arena, o->user_addr);
	if (r >= 0)
		r = bpf_map__set_map_flags(skel->maps.arena, flags);
	/* One ledger entry per allocation: never more than pages. */
	if (r >= 0)
		r = bpf_map__set_max_entries(skel->maps.arenad_ledger, o->pages);
	/* One object-page word per page of the arena. */
	if (r >= 0)
		r = bpf_map__set_max_entries(skel->maps.arenad_obj_pages, o->pages);
	if (r < 0)
		return log_error_errno(r, "configure arena maps");
	return 0;
}

/*
 * The allocator did not load: when the kernel refuses the arena itself,
 * say why (a missing capability, a policy that refuses arenas, a kernel
 * without them); else it was a program, and libbpf has printed the
 * verifier's log.
 */
static int explain_load_failure(int r, const struct arena_opts *o)
{
	__u32 flags = BPF_F_MMAPABLE | (o->segv_on_fault ? ARENAD_F_SEGV_ON_FAULT : 0);
	char why[1024];
	int fd;

	fd = arena_try_create(o->pages, o->user_addr, flags);
	if (fd >= 0) {
		close(fd);
		return log_error_errno(r, "load the allocator");
	}
	arena_explain_refusal(fd, o->pages, o->user_addr, flags, why, sizeof(why));
	log_error("create the arena: %s ('arenad --check' lists every requirement)", why);
	return fd;
}

/*
 * Load the allocator for a new arena: through libbpf's loader program,
 * which leaves parsing the kernel's BTF (for the kfuncs) to the kernel,
 * else the usual way, whose failure explains itself (the verifier's log).
 */
static int load_new(struct arena *a, const struct arena_opts *o, struct light_fds *fds)
{
	const char *why;
	int r;

	r = open_skel(a);
	if (r >= 0)
		r = configure_new(a->skel, o);
	if (r < 0)
		return r;
#ifndef __SANITIZE_ADDRESS__
	r = light_load(a->skel->obj, fds, &why);
	if (r >= 0)
		return 0;
#else
	/* libbpf maps a placeholder where the arena goes (see
	 * create_and_pin()), which under ASan is its shadow memory: the
	 * next check of the shadow dies of SIGBUS inside libbpf. */
	r = -EOPNOTSUPP;
	why = "not with AddressSanitizer";
#endif
	log_debug_errno(r, "load the allocator through libbpf's loader program: %s; "
			"loading it the usual way", why);
	arenad_alloc_bpf__destroy(a->skel);
	a->skel = NULL;
	r = open_skel(a);
	if (r >= 0)
		r = configure_new(a->skel, o);
	if (r < 0)
		return r;
	r = arenad_alloc_bpf__load(a->skel);
	if (r < 0)
		return explain_load_failure(r, o);
	return 0;
}

/* The daemon uses its pins as any user of libarenad does. */
static int open_pins(struct arena *a, const char *pin_dir)
{
	a->pins = arenad_pins__open(pin_dir);
	if (!a->pins)
		return log_error_errno(-errno, "%s", arenad_errmsg());
	return 0;
}

static int create_and_pin(struct arena *a, const struct arena_opts *o)
{
	_cleanup_(light_fds_done) struct light_fds fds = {};
	struct timespec now;
	__u32 zero = 0;
	unsigned int i;
	int r, fd;

	r = load_new(a, o, &fds);
	if (r < 0)
		return r;

	clock_gettime(CLOCK_REALTIME, &now);
	a->ident = (struct arenad_state) {
		.magic = ARENAD_STATE_MAGIC,
		.abi_version = ARENAD_ABI_VERSION,
		.user_vm_start = o->user_addr,
		.pages_total = o->pages,
		.map_flags = bpf_map__map_flags(a->skel->maps.arena),
		.created_ns = (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec,
		.numa_node = o->numa_node,
		.alloc_build = alloc_build(),
	};
	fd = light_map_fd(&fds, a->skel->obj, "arenad_state");
	if (fd < 0 || bpf_map_update_elem(fd, &zero, &a->ident, BPF_ANY))
		return log_error_errno(fd < 0 ? fd : -errno, "initialise state map");

	/* In the table's order, which pins the arena last: its presence is
	 * what marks a complete set. */
	a->pin_dir = o->pin_dir;
	libarenad_for_each_pin(i) {
		const struct libarenad_pin *p = &libarenad_pin_table[i];

		fd = p->prog ? light_prog_fd(&fds, a->skel->obj, p->bpf_name)
			     : light_map_fd(&fds, a->skel->obj, p->bpf_name);
		if (fd < 0)
			return log_error_errno(fd, "the allocator object has no '%s'", p->bpf_name);
		if (p->prog) {
			r = pin_prog_replace(fd, o->pin_dir);
			if (r >= 0)
				a->created[a->n_created++] = p->file;
		} else {
			r = pin_new(a, fd, o->pin_dir, p->file);
		}
		if (r < 0)
			return r;
	}
	/*
	 * After a load through the loader program, libbpf (1.4 and later)
	 * still maps "the arena" at its address with MAP_FIXED, but from its
	 * placeholder fd, an empty file: a touch there is SIGBUS. Closing
	 * the object unmaps it; nothing of it is needed once pinned.
	 */
	if (fds.maps) {
		arenad_alloc_bpf__destroy(a->skel);
		a->skel = NULL;
	}
	return open_pins(a, o->pin_dir);
}

static int check_adoptable(const struct arenad_pins *p, const struct arena_opts *o,
			   struct arenad_state *st)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	bool segv;
	int r;

	r = arenad_pins__state(p, st);
	if (r == -EBADMSG)
		return log_error_errno(r, "pins in %s were not written by arenad (state magic 0x%x)",
				       o->pin_dir, st->magic);
	if (r == -EPROTO)
		return log_error_errno(r, "pins in %s have the pinned-map layout of arenad ABI %u, "
				       "this arenad uses ABI %u and cannot read them; run the arenad "
				       "that created them, or stop every user of the arena and remove "
				       "the pins with 'arenad --unpin --pin-dir %s' (this frees every "
				       "allocation in the arena)",
				       o->pin_dir, st->abi_version, ARENAD_ABI_VERSION, o->pin_dir);
	if (r < 0)
		return log_error_errno(r, "read %s/" ARENAD_PIN_STATE, o->pin_dir);
	if (bpf_map_get_info_by_fd(arenad_pins__arena_fd(p), &info, &len))
		return log_error_errno(-errno, "inspect %s/" ARENAD_PIN_ARENA, o->pin_dir);
	if (info.type != ARENAD_MAP_TYPE_ARENA)
		return log_error_errno(-EINVAL, "%s/" ARENAD_PIN_ARENA " is not an arena map", o->pin_dir);

	segv = info.map_flags & ARENAD_F_SEGV_ON_FAULT;
	if (info.max_entries != o->pages || info.map_extra != o->user_addr ||
	    segv != o->segv_on_fault || st->numa_node != o->numa_node ||
	    st->pages_total != info.max_entries) {
		log_error("pins in %s hold an arena of %u pages at 0x%llx%s (numa node %d), "
			  "but %u pages at 0x%llx%s (numa node %d) were requested",
			  o->pin_dir, info.max_entries, (unsigned long long)info.map_extra,
			  segv ? " with segv-on-fault" : "", st->numa_node,
			  o->pages, (unsigned long long)o->user_addr,
			  o->segv_on_fault ? " with segv-on-fault" : "", o->numa_node);
		log_error("start arenad with matching options, or remove the pins "
			  "(and everything in the arena) with 'arenad --unpin --pin-dir %s'",
			  o->pin_dir);
		return -EEXIST;
	}
	return 0;
}

/*
 * A set pinned by an arenad from before the events (its ABI is the same:
 * the other maps did not change) lacks their maps: make them as
 * arenad_ledger.bpf.h declares them and pin them, so that this build's
 * allocator, once it replaces the old one (arena_replace_allocator()),
 * and every loader from then on find them. The old allocator and objects
 * loaded before do not write them: their allocations are not streamed.
 */
static int add_missing_pins(struct arena *a, const struct arena_opts *o)
{
	static const struct {
		const char *file, *name;
		enum bpf_map_type type;
		__u32 key, value, entries, flags;
	} maps[] = {
		{ ARENAD_PIN_EVENTS, "arenad_events", BPF_MAP_TYPE_RINGBUF, 0, 0,
		  ARENAD_EVENTS_BYTES, 0 },
		{ ARENAD_PIN_EVENT_DROPS, "arenad_ev_drops", BPF_MAP_TYPE_ARRAY, 4, 8, 1,
		  BPF_F_MMAPABLE },
		/* entries 0: as many as the arena has pages */
		{ ARENAD_PIN_OBJ_PAGES, "arenad_obj_pages", BPF_MAP_TYPE_ARRAY, 4,
		  sizeof(struct arenad_obj_page), 0, 0 },
		{ ARENAD_PIN_OBJS, "arenad_objs", BPF_MAP_TYPE_HASH, 4, sizeof(struct arenad_obj),
		  ARENAD_MAX_OBJECTS, BPF_F_NO_PREALLOC },
		{ ARENAD_PIN_OBJ_OWNERS, "arenad_obj_owners", BPF_MAP_TYPE_ARRAY, 4,
		  sizeof(struct arenad_obj_owner), ARENAD_MAX_OWNERS, BPF_F_MMAPABLE },
	};
	char path[PATH_MAX];
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = maps[i].flags);
		_cleanup_close_ int fd = -1;

		r = pin_dir_join(path, sizeof(path), o->pin_dir, maps[i].file);
		if (r < 0)
			return r;
		if (access(path, F_OK) == 0)
			continue;
		fd = bpf_map_create(maps[i].type, maps[i].name, maps[i].key, maps[i].value,
				    maps[i].entries ?: o->pages, &copts);
		if (fd < 0)
			return log_error_errno(-errno, "create %s for pins of an older arenad",
					       maps[i].name);
		r = pin_new(a, fd, o->pin_dir, maps[i].file);
		if (r < 0)
			return r;
		a->pins_added = true;
		log_info("added %s to the pins of an older arenad", path);
	}
	return 0;
}

static int adopt(struct arena *a, const struct arena_opts *o)
{
	int r;

	a->pins = arenad_pins__open(o->pin_dir);
	if (!a->pins)
		return log_error_errno(-errno, "%s (an incomplete set? 'arenad --unpin' removes it)",
				       arenad_errmsg());
	a->adopted = true;
	/* Another build's allocator serves, on the maps of the same ABI,
	 * until arena_replace_allocator() swaps this build's in after READY:
	 * loading a program against the pinned maps parses the kernel's BTF
	 * and verifies it, most of a start's time. */
	r = check_adoptable(a->pins, o, &a->ident);
	if (r < 0)
		return r;
	a->pin_dir = o->pin_dir;
	r = add_missing_pins(a, o);
	if (r < 0 || !a->pins_added)
		return r;
	/* Opened again, to hold the pins just added too. */
	arenad_pins__close(a->pins);
	return open_pins(a, o->pin_dir);
}

bool arena_allocator_stale(const struct arena *a)
{
	/* Pins added now are not the pinned allocator's, whatever its
	 * build: only a program loaded against them writes them. */
	return a->adopted && (a->ident.alloc_build != alloc_build() || a->pins_added);
}

int arena_replace_allocator(struct arena *a, __u32 *build)
{
	ARENAD_OPTS(arenad_reuse_opts, ropts, .pin_dir = a->opts.pin_dir);
	_cleanup_(arenad_alloc_bpf__destroyp) struct arenad_alloc_bpf *skel = NULL;
	__u32 old = a->ident.alloc_build, mine = alloc_build();
	int r, fd;

	*build = old;
	/* Declare the maps as they were created, then take the pinned ones,
	 * the way an external loader does (libarenad), with its checks. */
	skel = arenad_alloc_bpf__open();
	if (!skel)
		return log_warning_errno(-errno, "open the allocator object");
	r = configure_new(skel, &a->opts);
	if (r < 0)
		return r;
	r = arenad_reuse(skel->obj, &ropts);
	if (r < 0)
		return log_warning_errno(r, "%s", arenad_errmsg());
	r = arenad_alloc_bpf__load(skel);
	if (r < 0)
		return log_warning_errno(r, "load the allocator against the pinned maps");
	/* A new build brings a new program: swap it in under the old name. */
	fd = bpf_program__fd(skel->progs.arenad_alloc);
	r = pin_prog_replace(fd, a->opts.pin_dir);
	if (r < 0)
		return r;
	/* And for the daemon's own calls: its pins keep their fd number,
	 * which now names the new program; a call running meanwhile holds
	 * the old one until it returns. */
	if (dup3(fd, arenad_pins__prog_fd(a->pins), O_CLOEXEC) < 0)
		return log_warning_errno(-errno, "use the new allocator");
	r = set_alloc_build(arenad_pins__state_fd(a->pins), mine);
	if (r < 0)
		log_warning_errno(r, "record the allocator's build in %s/" ARENAD_PIN_STATE
				  "; the next start loads it again", a->opts.pin_dir);
	*build = mine;
	log_info("replaced the pinned allocator (build 0x%08x) with this build's (0x%08x)",
		 old, *build);
	/* Kept until the arena is freed: libbpf mapped the arena for it,
	 * which under AddressSanitizer lies over its shadow memory. */
	a->skel = TAKE_PTR(skel);
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Passed through whole: the verifier log arrives as one long
	 * multi-line message, and it is what explains a failed load. */
	if (level == LIBBPF_WARN || log_get_max_level() >= LOG_DEBUG)
		vfprintf(stderr, fmt, ap);
	return 0;
}

/* The kernel lists each online memory node as a directory. */
static bool numa_node_online(int node)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", node);
	return access(path, F_OK) == 0;
}

int arena_setup(const struct arena_opts *o, struct arena **out)
{
	_cleanup_(arena_freep) struct arena *a = NULL;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int r;

	/* The ledger, its protocol and its pins count ARENAD_PAGE_SIZE pages
	 * (arenad_abi.h); an arena is made of the kernel's pages. */
	if (page_size() != ARENAD_PAGE_SIZE)
		return log_error_errno(-EOPNOTSUPP,
				       "this system's pages are %zu bytes; arenad accounts %u-byte pages",
				       page_size(), ARENAD_PAGE_SIZE);
	/* Every allocation passes the node to the kernel, and some kernels
	 * (Debian's 6.18.15) oops on one that is not online instead of
	 * refusing it. */
	if (o->numa_node >= 0 && !numa_node_online(o->numa_node))
		return log_error_errno(-ENODEV, "NUMA node %d is not online (see /sys/devices/system/node)",
				       o->numa_node);
	libbpf_set_print(libbpf_log);
	r = pin_dir_prepare(o->pin_dir);
	if (r < 0)
		return r;

	a = calloc(1, sizeof(*a));
	if (!a)
		return log_oom();
	a->opts = *o;
	a->lock_fd = -1;
	a->events_fd = -1;
	a->lock_fd = pin_dir_lock(o->pin_dir);
	if (a->lock_fd < 0)
		return a->lock_fd;

	r = pin_dir_join(path, sizeof(path), o->pin_dir, ARENAD_PIN_ARENA);
	if (r < 0)
		return r;
	if (access(path, F_OK) == 0)
		r = adopt(a, o);
	else if (arenad_pins_count(o->pin_dir) > 0)
		/* Bookkeeping pins without an arena: a creation that died
		 * half-way, or someone else's files. Never delete implicitly. */
		r = log_error_errno(-EEXIST, "%s holds arenad pins but no arena; "
				    "remove them with 'arenad --unpin --pin-dir %s'",
				    o->pin_dir, o->pin_dir);
	else
		r = create_and_pin(a, o);
	if (r >= 0)
		r = arena_map_counters(a);
	if (r < 0)
		return r;

	if (bpf_map_get_info_by_fd(arenad_pins__arena_fd(a->pins), &info, &len))
		return log_error_errno(-errno, "inspect the arena map");
	a->map_id = info.id;
	*out = TAKE_PTR(a);
	return 0;
}

void arena_keep_pins(struct arena *a)
{
	a->keep_pins = true;
}

/* Undo the pins of a start that failed; newest first, so the arena pin
 * (the mark of a complete set) goes before the rest. */
static void remove_created_pins(struct arena *a)
{
	char path[PATH_MAX];
	unsigned int n = 0;

	while (a->n_created) {
		const char *name = a->created[--a->n_created];

		if (pin_dir_join(path, sizeof(path), a->pin_dir, name) < 0)
			continue;
		if (unlink(path) == 0)
			n++;
		else if (errno != ENOENT)
			log_warning_errno(-errno, "remove %s", path);
	}
	if (n)
		log_info("start-up failed: removed the %u pins it had created in %s", n, a->pin_dir);
}

struct arena *arena_free(struct arena *a)
{
	if (!a)
		return NULL;
	if (!a->keep_pins)
		remove_created_pins(a);
	arenad_pins__close(a->pins);
	arenad_alloc_bpf__destroy(a->skel);
	closep(&a->lock_fd);
	if (a->event_drops)
		munmap((void *)a->event_drops, page_size());
	if (a->obj_owners)
		munmap((void *)a->obj_owners, a->obj_owners_len);
	free(a);
	return NULL;
}
