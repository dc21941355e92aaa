/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libarenad: talk to arenad and use the arena it owns.
 *
 * Two ways in:
 *  - the daemon's control socket (arenad_client_*): JSON-RPC over a Unix
 *    socket, any process the socket's permissions admit;
 *  - the pins (arenad_pins_*): open the pinned maps and run the pinned
 *    allocator program directly, for processes with BPF privileges that
 *    do not want to depend on the daemon being up. Both land in one ledger.
 *
 * All functions return 0 or a negative errno, in the libbpf style.
 */
#ifndef __ARENAD_H
#define __ARENAD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "arenad_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- pins ------------------------------------------------------------ */

struct arenad_pins {
	int arena_fd;
	int state_fd;
	int ledger_fd;
	int owners_fd;
	int strings_fd;
	int names_fd;
	int prog_fd;
};

#define ARENAD_PINS_INIT { -1, -1, -1, -1, -1, -1, -1 }

/*
 * Open every pin below pin_dir (NULL: ARENAD_DEFAULT_PIN_DIR). -ENOENT when
 * there is no arena pin.
 */
int arenad_pins_open(const char *pin_dir, struct arenad_pins *pins);
void arenad_pins_close(struct arenad_pins *pins);
/* Number of pins present below pin_dir (0..7, NULL: the default), to tell
 * none from some. */
int arenad_pins_count(const char *pin_dir);

int arenad_pins_state(const struct arenad_pins *pins, struct arenad_state *st);

/*
 * Run the allocator; returns req->ret or a test-run error. A run that found
 * the string table busy is retried.
 */
int arenad_pins_run(const struct arenad_pins *pins, struct arenad_req *req);

/*
 * String ids, shared by all users of the pins. A string lives while
 * something references it: each live allocation (its owner and name) and
 * each hold. arenad_str_intern() takes a hold, for an id kept to pass to
 * arenad_alloc_pages() in a BPF program; arenad_str_release() drops it,
 * and the last reference frees the slot for other strings. An id whose
 * string was freed never names another string (-ESTALE on use).
 * A full table (ARENAD_MAX_STRINGS live strings) is -ENOSPC.
 */
int arenad_str_intern(const struct arenad_pins *pins, const char *s, __u32 *id);
int arenad_str_release(const struct arenad_pins *pins, __u32 id);
/*
 * Keep s in the table for good (one slot, however often it is kept): for
 * ids that outlive any process, like those arenad_reuse() writes into
 * loaders' objects, whose named allocations later runs find again.
 */
int arenad_str_keep(const struct arenad_pins *pins, const char *s, __u32 *id);
/* Look up without adding or holding: -ENOENT when s is not live. */
int arenad_str_find(int strings_fd, const char *s, __u32 *id);
/* The string of a live id; -ENOENT when it was freed. */
int arenad_str_get(int strings_fd, __u32 id, char *buf, size_t len);

/* The allocation a name refers to. */
int arenad_name_find(const struct arenad_pins *pins, const char *name,
		     struct arenad_range *r);

/*
 * Every live allocation in the ledger, sorted by page offset, read in
 * batches; each appears once even when allocations come and go during the
 * read. The caller frees *ranges.
 */
int arenad_pins_ranges(const struct arenad_pins *pins, struct arenad_range **ranges,
		       size_t *n);

/*
 * Allocate or free through the pinned allocator; the owner and name (NULL
 * or "" for none) are interned by the allocator in the same run. On
 * success *addr is the address.
 */
int arenad_pins_alloc(const struct arenad_pins *pins, __u32 pages,
		      const char *owner, const char *name, __u64 *addr);
int arenad_pins_free(const struct arenad_pins *pins, __u64 addr, __u32 *pages);

/* ---- external loaders: reuse the pinned arena --------------------------- */

struct bpf_object;

struct arenad_reuse_opts {
	size_t sz;			/* sizeof(struct arenad_reuse_opts) */
	const char *pin_dir;		/* NULL: ARENAD_DEFAULT_PIN_DIR */
	/*
	 * Who the object's BPF-side allocations (arenad_alloc_pages() of
	 * arenad_ledger.bpf.h) are accounted to: interned and written into
	 * the object's arenad_owner_id. NULL: the object's name.
	 */
	const char *owner;
	/* The name arenad_named_pages() finds or creates; NULL: none. */
	const char *name;
	size_t :0;
};
#define arenad_reuse_opts__last_field name

/*
 * Before bpf_object__load(): make obj use arenad's arena. Its arena map
 * (found by type; there must be exactly one) reuses <pin_dir>/arena, and
 * any of the ledger maps declared by arenad_ledger.bpf.h (arenad_state,
 * arenad_ledger, arenad_owners, arenad_strings, arenad_names) reuse their
 * pins, so arenad_alloc_pages() in the object lands in the daemon's ledger.
 *
 * An object that includes arenad_ledger.bpf.h gets opts->owner (default:
 * the object's name) and opts->name as string ids in its read-only
 * arenad_owner_id and arenad_name_id, so that arenad_alloc_pages(pages)
 * and arenad_named_pages(pages) in BPF need no ids of their own; an
 * owner or name given to an object that lacks them is refused.
 *
 * Refused with -EINVAL: an object without an arena map (or whose map
 * "arena" is of another type) or with two; whose arena declares
 * BPF_F_SEGV_ON_FAULT differently from the pinned one; whose ledger maps
 * differ in type, key or value size from the pins (bpf_map__reuse_fd()
 * would adopt them without comparing); with __arena globals
 * (.addr_space.1), which the linked libbpf places in the arena's first
 * pages (up to 1.6, or 1.7+ on kernels before the large map-value offsets)
 * or last pages (1.7+), both handed out to others by arenad; and opts with unknown
 * non-zero fields. Missing pins: -ENOENT. arenad_strerror() explains.
 */
int arenad_reuse(struct bpf_object *obj, const struct arenad_reuse_opts *opts);

/*
 * After load: map the object's (reused) arena into this process at the
 * address every process uses (the arena's map_extra), which libbpf does
 * not do for a reused arena. Returns the base, or NULL with errno set:
 * EEXIST when something else is mapped in that range in this process
 * (arenad_strerror() names it), EINVAL for an object without an arena.
 * *size, if not NULL, gets the mapping's length. A process can map an
 * arena once only: calls for an arena this library already mapped here
 * return that mapping.
 */
void *arenad_map_arena(struct bpf_object *obj, size_t *size);

/* The same for a process that has no BPF object: map <pin_dir>/arena. */
void *arenad_map_pinned_arena(const char *pin_dir, size_t *size);

/* A description of the last arenad_reuse()/arenad_map_*() failure. */
const char *arenad_strerror(void);

/* ---- control socket ---------------------------------------------------- */

struct json_object;
struct arenad_client;

struct arenad_client_opts {
	size_t sz;			/* sizeof(struct arenad_client_opts) */
	const char *socket_path;	/* NULL: ARENAD_DEFAULT_SOCKET */
	int timeout_ms;			/* per call; 0: 10 s */
	size_t :0;
};
#define arenad_client_opts__last_field timeout_ms

/* Connect. -ENOENT / -ECONNREFUSED: the daemon is not running there. */
int arenad_client_open(const struct arenad_client_opts *opts,
		       struct arenad_client **out);
void arenad_client_close(struct arenad_client *c);

/*
 * The daemon's words for the last failed call ("" after success or when the
 * failure was local) and its JSON-RPC error code (0 when none).
 */
const char *arenad_client_errmsg(const struct arenad_client *c);
int arenad_client_errcode(const struct arenad_client *c);

/*
 * Generic call: params may be NULL and is not consumed; on success *result
 * is a new reference the caller puts. Daemon errors map to errnos:
 * out of memory -ENOMEM, permission -EPERM, not found -ENOENT, conflict
 * -EEXIST, invalid params -EINVAL, unknown method -EOPNOTSUPP, protocol
 * -EPROTO, unavailable -EAGAIN, anything else -EIO.
 *
 * A call that fails half-way (-ETIMEDOUT, a lost connection, a reply that
 * is malformed or answers another request) may leave a reply in flight:
 * the client is then broken, and every later call returns -EPIPE rather
 * than read a stale reply as its own. Close it and open a new one.
 */
int arenad_client_call(struct arenad_client *c, const char *method,
		       struct json_object *params, struct json_object **result);

struct arenad_stats {
	__u64 page_size;
	__u64 pages_total;
	__u64 pages_allocated;
	__u64 pages_free;
	__u64 high_water_pages;
	__u64 allocations;		/* live */
	__u64 alloc_failures;
	__u64 map_id;
	__u64 user_vm_start;
	char pin_dir[256];
};

struct arenad_alloc {
	__u64 addr;
	__u64 offset;			/* bytes from the arena start */
	__u32 pages;
	__u32 uid;
	char owner[ARENAD_STR_LEN];
	char name[ARENAD_STR_LEN];	/* "" when anonymous */
};

struct arenad_alloc_opts {
	size_t sz;			/* sizeof(struct arenad_alloc_opts) */
	const char *owner;		/* NULL: the daemon uses "uid:<uid>" */
	const char *name;		/* NULL: anonymous */
	__u64 addr;			/* 0: anywhere */
	size_t :0;
};
#define arenad_alloc_opts__last_field addr

struct arenad_scan {
	__u64 pages_present;
	__u64 pages_ledger;
	__u64 pages_unaccounted;
	__u64 pages_missing;
	__u64 duration_us;
	char method[8];
};

int arenad_client_ping(struct arenad_client *c);
/* The daemon's version string, e.g. "0.1.0". */
int arenad_client_version(struct arenad_client *c, char *buf, size_t len);
int arenad_client_stats(struct arenad_client *c, struct arenad_stats *st);
/* Census summary; the lists of ranges are in the JSON of arenad_client_call(). */
int arenad_client_scan(struct arenad_client *c, struct arenad_scan *out);
int arenad_client_alloc(struct arenad_client *c, __u32 pages,
			const struct arenad_alloc_opts *opts,
			struct arenad_alloc *out);
int arenad_client_free(struct arenad_client *c, __u64 addr, __u32 *pages);
int arenad_client_lookup(struct arenad_client *c, const char *name,
			 struct arenad_alloc *out);
/* *out is malloc'ed (free() it); *n its length. */
int arenad_client_ranges(struct arenad_client *c, struct arenad_alloc **out,
			 size_t *n);

/* One row of the per-owner table of "stats" (owners with live pages). */
struct arenad_owner_usage {
	char owner[ARENAD_STR_LEN];
	__u64 pages;
	__u64 allocations;		/* live */
};

/* The "owners" list of "stats"; *out is malloc'ed (free() it). */
int arenad_client_owners(struct arenad_client *c, struct arenad_owner_usage **out,
			 size_t *n);

/* ---- every arena on the host ("arenas", "who", "scan" with map_id) ---- */

struct arenad_arena_prog {
	__u32 id;
	char name[16];
	char type[32];			/* "syscall", "xdp", ... */
};

struct arenad_arena_proc {
	__u32 pid;
	char comm[16];
	char unit[256];			/* systemd unit; "" when none */
	__u32 fds;			/* fds it holds on the arena map */
	bool mapped;			/* the arena is mmapped in it */
};

struct arenad_arena {
	__u32 map_id;
	char name[16];
	__u64 pages_total;
	__u64 page_size;
	__u32 map_flags;
	bool segv_on_fault;
	bool managed;			/* the arena this daemon owns */
	__u64 user_vm_start;		/* 0: none set yet */
	bool census_ok;			/* pages_present is known */
	__u64 pages_present;
	char census_method[8];
	char census_unavailable[256];	/* why, when !census_ok */
	struct arenad_arena_prog *progs;
	size_t n_progs;
	struct arenad_arena_proc *procs;
	size_t n_procs;
};

/* Every arena on the host, sorted by map id; free with arenad_arenas_free(). */
int arenad_client_arenas(struct arenad_client *c, struct arenad_arena **out, size_t *n);
void arenad_arenas_free(struct arenad_arena *a, size_t n);

/*
 * The programs and processes of one arena (map_id, name, managed, progs and
 * procs are filled); release with arenad_arena_clear(). -EINVAL: no such
 * arena.
 */
int arenad_client_who(struct arenad_client *c, __u32 map_id, struct arenad_arena *out);
void arenad_arena_clear(struct arenad_arena *a);

struct arenad_run {
	__u64 addr;
	__u64 offset;			/* bytes from the arena start */
	__u64 pages;
};

struct arenad_arena_scan {
	__u32 map_id;
	__u64 pages_total;
	__u64 pages_present;
	__u64 pages_probed;
	__u64 duration_us;
	char method[8];
	struct arenad_run *runs;	/* present pages as maximal runs */
	size_t n_runs;
};

/*
 * The census of the arena with map id map_id, with census method "rt" or
 * "full" (NULL: the daemon's choice). For the daemon's own arena the reply
 * is the ledger scan (arenad_client_scan()), and runs is empty.
 * -EINVAL: no such arena, or an unknown method; -EAGAIN: that method (or
 * any) is unavailable on this kernel.
 */
int arenad_client_scan_map(struct arenad_client *c, __u32 map_id, const char *method,
			   struct arenad_arena_scan *out);
void arenad_arena_scan_free(struct arenad_arena_scan *s);

#ifdef __cplusplus
}
#endif

#endif /* __ARENAD_H */
