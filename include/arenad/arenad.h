/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libarenad: talk to arenad and use the arena it owns.
 *
 * Three ways in:
 *  - the daemon's control socket (struct arenad_client, arenad_client__*):
 *    typed calls over JSON-RPC on a Unix socket, for any process the
 *    socket's permissions admit;
 *  - the pins (struct arenad_pins, arenad_pins__*): the pinned maps and the
 *    pinned allocator program used directly, for processes with BPF
 *    privileges that do not want to depend on the daemon being up;
 *  - external loaders (arenad_reuse(), arenad_map_arena()): make a BPF
 *    object use the pinned arena and map it into the process.
 * All of them land in one ledger.
 *
 * Conventions (those of libbpf):
 *  - Names: struct arenad_X is an opaque object, arenad_X__Y() a function on
 *    it (arenad_X__open() makes one, arenad_X__close() ends it); functions
 *    that are not about one object have a single underscore.
 *  - Errors: functions returning int return >= 0 on success and a negative
 *    errno on failure; functions returning a pointer return NULL and set
 *    errno. Either way errno is set, and arenad_errmsg() describes the
 *    failure in a sentence (for a daemon's refusal, the daemon's words,
 *    and arenad_errcode() its JSON-RPC code). Both are per thread and, like
 *    errno, keep their value until the next failure: read them right after
 *    a call failed.
 *  - Options: struct arenad_X_opts begins with .sz = sizeof(struct), best
 *    declared with ARENAD_OPTS(); a NULL opts means all defaults. A caller
 *    built against an older header passes a smaller .sz; a larger one is
 *    accepted only if the fields this library does not know are zero
 *    (-EINVAL otherwise), so that no option is silently ignored.
 *  - Results: output structs (arenad_stats, arenad_alloc, arenad_scan, ...)
 *    also begin with .sz, set by the caller (ARENAD_OPTS() does it); the
 *    library fills at most .sz bytes, zeroes what it does not know, and
 *    writes back in .sz how many bytes it filled. Arrays of results take
 *    the size of one record as an argument (like bpf_prog_info's
 *    func_info_rec_size) and are malloc'ed: free() them.
 *  - A NULL pin_dir is ARENAD_DEFAULT_PIN_DIR, everywhere. A NULL socket
 *    path is $ARENAD_SOCKET, or ARENAD_DEFAULT_SOCKET when that is unset.
 *
 * json-c is not part of this API: arenad_client__call() takes and returns
 * JSON text. A program that only reuses the arena (arenad_reuse(),
 * arenad_map_*(), arenad_pins__*()) links libbpf and not json-c.
 */
#ifndef __ARENAD_H
#define __ARENAD_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>

#include "arenad_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LIBARENAD_API
#define LIBARENAD_API __attribute__((visibility("default")))
#endif

/*
 * Declare opts (or an output struct) NAME of struct TYPE with .sz set and
 * every other byte, padding included, zero; the rest are designated
 * initializers:  ARENAD_OPTS(arenad_alloc_opts, o, .owner = "me");
 */
#define ARENAD_OPTS(TYPE, NAME, ...)					\
	struct TYPE NAME = ({						\
		memset(&NAME, 0, sizeof(struct TYPE));			\
		(struct TYPE) {						\
			.sz = sizeof(struct TYPE),			\
			__VA_ARGS__					\
		};							\
	})

/* ---- error detail ------------------------------------------------------ */

/* A sentence about this thread's last failure ("" before any). */
LIBARENAD_API const char *arenad_errmsg(void);
/* The daemon's JSON-RPC error code of that failure; 0 when it was local. */
LIBARENAD_API int arenad_errcode(void);

/* ---- pins ------------------------------------------------------------ */

struct arenad_pins;

/* Open every pin below pin_dir. NULL with errno ENOENT when one is missing. */
LIBARENAD_API struct arenad_pins *arenad_pins__open(const char *pin_dir);
LIBARENAD_API void arenad_pins__close(struct arenad_pins *pins);

/* The directory the pins were opened from. */
LIBARENAD_API const char *arenad_pins__dir(const struct arenad_pins *pins);
/* The pins' fds, owned by pins (valid until arenad_pins__close()). */
LIBARENAD_API int arenad_pins__arena_fd(const struct arenad_pins *pins);
LIBARENAD_API int arenad_pins__state_fd(const struct arenad_pins *pins);
LIBARENAD_API int arenad_pins__ledger_fd(const struct arenad_pins *pins);
LIBARENAD_API int arenad_pins__owners_fd(const struct arenad_pins *pins);
LIBARENAD_API int arenad_pins__strings_fd(const struct arenad_pins *pins);
LIBARENAD_API int arenad_pins__names_fd(const struct arenad_pins *pins);
LIBARENAD_API int arenad_pins__uids_fd(const struct arenad_pins *pins);
LIBARENAD_API int arenad_pins__prog_fd(const struct arenad_pins *pins);

/* How many of arenad's pins exist below pin_dir, to tell none from some. */
LIBARENAD_API int arenad_pins_count(const char *pin_dir);

/* The state map's one element; -EBADMSG/-EPROTO: not this ABI's pins. */
LIBARENAD_API int arenad_pins__state(const struct arenad_pins *pins,
				     struct arenad_state *st);
/*
 * Run the allocator; returns req->ret or a test-run error. A run that found
 * the string table busy is retried.
 */
LIBARENAD_API int arenad_pins__run(const struct arenad_pins *pins,
				   struct arenad_req *req);

/*
 * String ids, shared by all users of the pins. A string lives while
 * something references it: each live allocation (its owner and name) and
 * each hold. arenad_pins__intern() takes a hold, for an id kept to pass to
 * arenad_alloc_pages_as() in a BPF program; arenad_pins__release() drops
 * it, and the last reference frees the slot for other strings. An id whose
 * string was freed never names another string (-ESTALE on use).
 * A full table (ARENAD_MAX_STRINGS live strings) is -ENOSPC.
 */
LIBARENAD_API int arenad_pins__intern(const struct arenad_pins *pins,
				      const char *s, __u32 *id);
LIBARENAD_API int arenad_pins__release(const struct arenad_pins *pins, __u32 id);
/*
 * Keep s in the table for good (one slot, however often it is kept): for
 * ids that outlive any process, like those arenad_reuse() writes into
 * loaders' objects, whose named allocations later runs find again.
 */
LIBARENAD_API int arenad_pins__keep(const struct arenad_pins *pins,
				    const char *s, __u32 *id);
/* Look up without adding or holding: -ENOENT when s is not live. */
LIBARENAD_API int arenad_pins__find_str(const struct arenad_pins *pins,
					const char *s, __u32 *id);
/* The string of a live id into buf; -ENOENT for id 0 or a freed id. */
LIBARENAD_API int arenad_pins__str(const struct arenad_pins *pins, __u32 id,
				   char *buf, size_t len);

/*
 * The object counters (arenad_malloc() in BPF programs) of an owner string
 * id, 0 for no owner. The slot is the string's: a slot that a new string
 * took counts from zero again. -ENOENT: the pins are of an arenad without
 * objects.
 */
LIBARENAD_API int arenad_pins__obj_owner(const struct arenad_pins *pins, __u32 owner,
					 struct arenad_obj_owner *ob);

/* The ledger entry of the allocation a name refers to. */
LIBARENAD_API int arenad_pins__find_name(const struct arenad_pins *pins,
					 const char *name, struct arenad_range *r);

/*
 * Every live allocation in the ledger, sorted by page offset, read in
 * batches; each appears once even when allocations come and go during the
 * read. *ranges is malloc'ed: free() it.
 */
LIBARENAD_API int arenad_pins__ranges(const struct arenad_pins *pins,
				      struct arenad_range **ranges, size_t *n);

struct arenad_alloc_opts {
	size_t sz;			/* sizeof(struct arenad_alloc_opts) */
	const char *owner;		/* socket: NULL is "uid:<uid>"; pins: none */
	const char *name;		/* NULL: anonymous */
	__u64 addr;			/* 0: anywhere */
	/*
	 * 0: the allocation persists until it is freed (and survives
	 * restarts). ARENAD_LEASE_PROCESS: arenad frees it when the calling
	 * process exits, however it dies. ARENAD_LEASE_CONNECTION (socket
	 * only): when the client's connection closes, arenad_client__close()
	 * included.
	 */
	__u32 lease;
	size_t :0;
};
#define arenad_alloc_opts__last_field lease

/*
 * Allocate or free through the pinned allocator; the owner and name (NULL
 * or "" for none) are interned by the allocator in the same run. On
 * success *addr is the allocation's address and *pages (may be NULL) the
 * number of pages freed. An allocation is recorded under the caller's
 * uid, which the allocator takes from the task; for root it is the
 * effective uid the process had when it opened pins. Each call is one
 * run of the program, no other syscall.
 */
LIBARENAD_API int arenad_pins__alloc(const struct arenad_pins *pins, __u32 pages,
				     const struct arenad_alloc_opts *opts, __u64 *addr);
LIBARENAD_API int arenad_pins__free(const struct arenad_pins *pins, __u64 addr,
				    __u32 *pages);

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
 * arenad_ledger, arenad_owners, arenad_strings, arenad_names, arenad_uids)
 * reuse their pins, so arenad_alloc_pages() in the object lands in the daemon's ledger.
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
 * non-zero fields. Missing pins: -ENOENT. arenad_errmsg() explains.
 */
LIBARENAD_API int arenad_reuse(struct bpf_object *obj,
			       const struct arenad_reuse_opts *opts);

/*
 * After load: map the object's (reused) arena into this process at the
 * address every process uses (the arena's map_extra), which libbpf does
 * not do for a reused arena. Returns the base, or NULL with errno set:
 * EEXIST when something else is mapped in that range in this process
 * (arenad_errmsg() names it), EINVAL for an object without an arena.
 * *size, if not NULL, gets the mapping's length. A process can map an
 * arena once only: calls for an arena this library already mapped here
 * return that mapping.
 */
LIBARENAD_API void *arenad_map_arena(struct bpf_object *obj, size_t *size);

/* The same for a process that has no BPF object: map <pin_dir>/arena. */
LIBARENAD_API void *arenad_map_pinned_arena(const char *pin_dir, size_t *size);

/* ---- control socket ---------------------------------------------------- */

struct arenad_client;

struct arenad_client_opts {
	size_t sz;			/* sizeof(struct arenad_client_opts) */
	const char *socket_path;	/* NULL: $ARENAD_SOCKET or ARENAD_DEFAULT_SOCKET */
	int timeout_ms;			/* per call; 0: 10 s */
	size_t :0;
};
#define arenad_client_opts__last_field timeout_ms

/*
 * Connect. NULL with errno ENOENT or ECONNREFUSED: the daemon is not
 * running there (arenad_errmsg() names the path).
 */
LIBARENAD_API struct arenad_client *arenad_client__open(const struct arenad_client_opts *opts);
LIBARENAD_API void arenad_client__close(struct arenad_client *c);
/* The socket path it connected to. */
LIBARENAD_API const char *arenad_client__socket_path(const struct arenad_client *c);

/*
 * Generic call, in JSON text: params_json may be NULL (no params); on
 * success *result_json is the reply's result as JSON text, malloc'ed
 * (free() it). Daemon errors map to errnos: out of memory -ENOMEM,
 * permission -EPERM, not found -ENOENT, conflict -EEXIST, invalid params
 * -EINVAL, unknown method -EOPNOTSUPP, unavailable -EAGAIN, parse error or
 * invalid request -EPROTO, anything else -EIO; arenad_errcode() has the
 * daemon's code, arenad_errmsg() its message.
 *
 * A call that fails half-way (-ETIMEDOUT, a lost connection, a reply that
 * is malformed or answers another request) may leave a reply in flight:
 * the client is then broken, and every later call returns -EPIPE rather
 * than read a stale reply as its own. Close it and open a new one.
 */
LIBARENAD_API int arenad_client__call(struct arenad_client *c, const char *method,
				      const char *params_json, char **result_json);

/*
 * The result of this client's last successful call (typed or not) as the
 * daemon sent it, in JSON text; NULL before any. Valid until the next
 * call on c.
 */
LIBARENAD_API const char *arenad_client__last_result(struct arenad_client *c);

LIBARENAD_API int arenad_client__ping(struct arenad_client *c);
/* The daemon's version string, e.g. "0.1.0". */
LIBARENAD_API int arenad_client__version(struct arenad_client *c, char *buf, size_t len);

struct arenad_stats {
	size_t sz;			/* in: sizeof(); out: bytes filled */
	__u64 page_size;
	__u64 pages_total;
	__u64 pages_allocated;
	__u64 pages_free;
	__u64 bytes_allocated;
	__u64 high_water_pages;
	__u64 allocations;		/* live */
	__u64 allocations_total;	/* successful allocs, ever */
	__u64 frees_total;
	__u64 alloc_failures;
	__u64 map_id;
	__u64 user_vm_start;
	__u64 uptime_s;			/* of the daemon */
	__u64 created_s;		/* the arena's creation, CLOCK_REALTIME */
	__u64 clients;			/* connected now */
	__s32 numa_node;		/* -1: any */
	bool segv_on_fault;
	/* The latest census, when census_valid (a scan or the periodic one). */
	bool census_valid;
	__u64 pages_present;
	__u64 pages_unaccounted;
	__u64 census_age_s;
	char census_method[8];		/* "" when no census method works */
	char census_unavailable[256];	/* why, then */
	char pin_dir[256];
	/* Ledger pages the latest census did not find present (freed
	 * behind arenad's back), when census_valid. */
	__u64 pages_missing;
	/* Allocations refused over a page limit (not in alloc_failures). */
	__u64 quota_refusals;
	/* The default limit of owners without one, when has_quota_default. */
	bool has_quota_default;
	__u64 quota_default;
	/* Objects of BPF programs (arenad_malloc()), summed over the owners
	 * of the owner table: live bytes (as asked for) and objects, the
	 * pages held for them (in pages_allocated too), and the calls. */
	__u64 object_bytes;
	__u64 objects;
	__u64 object_pages;
	__u64 object_allocs;
	__u64 object_frees;
	__u64 object_failures;
	__u64 object_bad_frees;
	__u64 object_dropped;
};

/* One row of the per-owner table of "stats" (owners with live pages, a
 * limit of their own, or objects now or before), and of "quota". */
struct arenad_owner_usage {
	size_t sz;
	char owner[ARENAD_STR_LEN];	/* "" for allocations without owner */
	__u64 pages;
	__u64 allocations;		/* live */
	/* The page limit that applies (its own, or the default), when
	 * has_limit; limit_is_default says it is the default. */
	bool has_limit;
	bool limit_is_default;
	__u64 limit;
	__u64 quota_refusals;		/* allocations refused over the limit */
	__u64 failures;			/* allocations that failed otherwise */
	/* The owner's objects (arenad_malloc() in its BPF programs), when
	 * has_objects: it has or had some. object_pages are of pages (they
	 * hold objects, and are in pages too); object_pages * page size -
	 * object_bytes is what they hold beyond the objects. stats only. */
	bool has_objects;
	__u64 object_bytes;		/* live, as asked for */
	__u64 objects;			/* live */
	__u64 object_pages;
	__u64 object_allocs;		/* arenad_malloc() that succeeded, ever */
	__u64 object_frees;		/* arenad_free() that freed an object */
	__u64 object_failures;		/* arenad_malloc() that returned NULL */
	__u64 object_bad_frees;		/* arenad_free() of no live object */
	__u64 object_dropped;		/* dropped by free --orphans --objects */
};

struct arenad_alloc {
	size_t sz;			/* in: sizeof(); out: bytes filled */
	__u64 addr;
	__u64 offset;			/* bytes from the arena start */
	__u32 pages;
	__u32 uid;
	char owner[ARENAD_STR_LEN];
	char name[ARENAD_STR_LEN];	/* "" when anonymous */
	__u64 created_s;		/* CLOCK_REALTIME of the allocation; 0: unknown */
	/* Who made it: the process (0: unknown) and its command name; for a
	 * BPF program's allocation, the process that loaded it, and the
	 * object's name in program (else ""). */
	__u32 pid;
	char comm[ARENAD_COMM_LEN];
	char program[ARENAD_STR_LEN];
	__u32 lease;			/* ARENAD_LEASE_*, 0: persistent */
	__u64 age_s;			/* orphans only: seconds since it was made */
	/* The pages hold a BPF program's objects (arenad_malloc()): they
	 * are freed with their last object, and a free of them is refused. */
	bool objects;
};

struct arenad_ranges_opts {
	size_t sz;			/* sizeof(struct arenad_ranges_opts) */
	const char *owner;		/* NULL: every owner's */
	size_t :0;
};
#define arenad_ranges_opts__last_field owner

/* A run of pages the census found, for arenad_scan's lists. */
struct arenad_scan_range {
	size_t sz;
	__u64 addr;
	__u64 offset;
	__u64 pages;
	__u64 pages_missing;		/* missing list: pages not present */
	char owner[ARENAD_STR_LEN];	/* missing list: the allocation's */
	char name[ARENAD_STR_LEN];
};

struct arenad_scan_opts {
	size_t sz;			/* sizeof(struct arenad_scan_opts) */
	const char *method;		/* NULL: the daemon's; "kmod", "rt", "full" */
	/* sizeof(struct arenad_scan_range) to get the lists, 0 for counts only */
	size_t range_sz;
	size_t :0;
};
#define arenad_scan_opts__last_field range_sz

struct arenad_scan {
	size_t sz;			/* in: sizeof(); out: bytes filled */
	__u64 pages_total;
	__u64 pages_probed;
	__u64 pages_present;
	__u64 pages_ledger;
	__u64 pages_unaccounted;
	__u64 pages_missing;
	__u64 duration_us;
	char method[8];
	/* With opts->range_sz: malloc'ed arrays of records of that size
	 * (free() them), else NULL. Present pages in no allocation: */
	struct arenad_scan_range *unaccounted;
	size_t n_unaccounted;
	/* Allocations with pages that are not present: */
	struct arenad_scan_range *missing;
	size_t n_missing;
};

LIBARENAD_API int arenad_client__stats(struct arenad_client *c, struct arenad_stats *st);
/*
 * The owners table of "stats"; *owners is malloc'ed, records of owner_sz.
 * With st non-NULL, also the rest of the same reply, as
 * arenad_client__stats() gives it: counters and owners of one moment.
 */
LIBARENAD_API int arenad_client__owners(struct arenad_client *c, struct arenad_stats *st,
					struct arenad_owner_usage **owners,
					size_t owner_sz, size_t *n);
/* Run a census and compare it with the ledger. */
LIBARENAD_API int arenad_client__scan(struct arenad_client *c,
				      const struct arenad_scan_opts *opts,
				      struct arenad_scan *out);
/* out->owner and out->name are what was asked for. */
LIBARENAD_API int arenad_client__alloc(struct arenad_client *c, __u32 pages,
				       const struct arenad_alloc_opts *opts,
				       struct arenad_alloc *out);
/* *pages (may be NULL) gets the number of pages freed. */
LIBARENAD_API int arenad_client__free(struct arenad_client *c, __u64 addr, __u32 *pages);
LIBARENAD_API int arenad_client__lookup(struct arenad_client *c, const char *name,
					struct arenad_alloc *out);
/* Live allocations by address; *allocs is malloc'ed, records of alloc_sz. */
LIBARENAD_API int arenad_client__ranges(struct arenad_client *c,
					const struct arenad_ranges_opts *opts,
					struct arenad_alloc **allocs, size_t alloc_sz,
					size_t *n);

/* ---- orphans: allocations nobody will free ------------------------- */

struct arenad_orphans_opts {
	size_t sz;			/* sizeof(struct arenad_orphans_opts) */
	__u32 older_than_s;		/* only those made this long ago */
	bool free;			/* free them (root only) */
	/* With free: drop the objects of BPF programs on orphaned object
	 * pages too (their pages go with the last), which free alone keeps. */
	bool objects;
	size_t :0;
};
#define arenad_orphans_opts__last_field objects

struct arenad_orphans {
	size_t sz;			/* in: sizeof(); out: bytes filled */
	__u64 allocations;		/* every orphan (freed, with opts->free) */
	__u64 pages;
	bool freed;
	/* With opts->free: orphans not freed because their pages hold
	 * objects of BPF programs (they go with their last object). */
	__u64 kept_objects;
	__u64 kept_object_pages;
	/* With opts->objects: the objects dropped (their pages are freed). */
	__u64 dropped_objects;
};

/*
 * The allocations that nothing names, no lease ends, and whose creating
 * process is gone; with opts->free, free them. allocs (may be NULL)
 * gets a malloc'ed array of the first few thousand, records of
 * alloc_sz; out counts them all.
 */
LIBARENAD_API int arenad_client__orphans(struct arenad_client *c,
					 const struct arenad_orphans_opts *opts,
					 struct arenad_orphans *out,
					 struct arenad_alloc **allocs, size_t alloc_sz, size_t *n);

/* ---- page limits ("quota") ----------------------------------------- */

struct arenad_quota_opts {
	size_t sz;			/* sizeof(struct arenad_quota_opts) */
	/* The target, exactly one: an owner, a uid (with .uid_set), or the
	 * default for owners without a limit of their own. */
	const char *owner;
	bool uid_set;
	__u32 uid;
	bool dflt;
	size_t :0;
};
#define arenad_quota_opts__last_field dflt

/* A uid's row of "quota". */
struct arenad_uid_usage {
	size_t sz;
	__u32 uid;
	__u64 pages;
	__u64 allocations;		/* live */
	bool has_limit;
	__u64 limit;
	__u64 quota_refusals;
};

/*
 * Set the page limit of the target opts names to limit pages, or remove
 * it with ARENAD_QUOTA_NONE (root or a writer the daemon allows; -EPERM
 * otherwise). Allocations over a limit fail with -EDQUOT on every path:
 * the socket, arenad_pins__alloc() and arenad_alloc_pages() in BPF. An
 * owner's limit keeps its string in the string table for good.
 */
#define ARENAD_QUOTA_NONE ((__u64)-1)
LIBARENAD_API int arenad_client__quota_set(struct arenad_client *c,
					   const struct arenad_quota_opts *opts, __u64 limit);
/*
 * The limit and use of an owner (*owner filled, sz set by the caller) or a
 * uid (*uid); for the default only has_limit and limit of *owner are set.
 * Either pointer may be NULL when opts does not name that kind.
 */
LIBARENAD_API int arenad_client__quota_get(struct arenad_client *c,
					   const struct arenad_quota_opts *opts,
					   struct arenad_owner_usage *owner,
					   struct arenad_uid_usage *uid);

/*
 * The daemon's metrics in the Prometheus text exposition format: *text is
 * malloc'ed (free() it), *len its length.
 */
LIBARENAD_API int arenad_client__metrics(struct arenad_client *c, char **text, size_t *len);

/* Parse an address as the protocol writes it ("0x" and 1..16 hex digits). */
LIBARENAD_API int arenad_parse_addr(const char *s, __u64 *addr);

/* ---- every arena on the host ("arenas", "who", "scan" with map_id) ---- */

struct arenad_arena_prog {
	size_t sz;
	__u32 id;
	char name[16];
	char type[32];			/* "syscall", "xdp", ... */
};

struct arenad_arena_proc {
	size_t sz;
	__u32 pid;
	char comm[16];
	char unit[256];			/* systemd unit; "" when none */
	__u32 fds;			/* fds it holds on the arena map */
	bool mapped;			/* the arena is mmapped in it */
};

struct arenad_arena {
	size_t sz;			/* in: sizeof(); out: bytes filled */
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
	/* Records of the sizes arenad_arenas_opts asks for, malloc'ed (see
	 * arenad_arena_clear()); NULL when it asks for none. The counts are
	 * filled either way. */
	struct arenad_arena_prog *progs;
	size_t n_progs;
	struct arenad_arena_proc *procs;
	size_t n_procs;
	/* The map's pins on the BPF file systems the daemon sees, with
	 * arenad_arenas_opts.pins: n_pins paths in one malloc'ed block
	 * (pointers, then the strings), else NULL; the count either way.
	 * Programs, processes and pins are everything that holds an arena. */
	char **pins;
	size_t n_pins;
};

struct arenad_arenas_opts {
	size_t sz;			/* sizeof(struct arenad_arenas_opts) */
	/* sizeof(struct arenad_arena_prog) to get the programs, 0: none */
	size_t prog_sz;
	/* sizeof(struct arenad_arena_proc) to get the processes, 0: none */
	size_t proc_sz;
	/* true to get the pins' paths */
	bool pins;
	size_t :0;
};
#define arenad_arenas_opts__last_field pins

/*
 * Every arena on the host, sorted by map id: *arenas is malloc'ed, n
 * records of arena_sz bytes; release with arenad_arenas_free().
 */
LIBARENAD_API int arenad_client__arenas(struct arenad_client *c,
					const struct arenad_arenas_opts *opts,
					struct arenad_arena **arenas, size_t arena_sz, size_t *n);
LIBARENAD_API void arenad_arenas_free(struct arenad_arena *arenas, size_t arena_sz, size_t n);

/*
 * The programs, processes and pins of one arena (map_id, name, managed and
 * the lists opts asks for are filled); release with arenad_arena_clear().
 * -ENOENT: no map with that id; -EINVAL: it is not an arena.
 */
LIBARENAD_API int arenad_client__who(struct arenad_client *c, __u32 map_id,
				     const struct arenad_arenas_opts *opts,
				     struct arenad_arena *out);
/* Free a's lists (a itself is the caller's). */
LIBARENAD_API void arenad_arena_clear(struct arenad_arena *a);

struct arenad_arena_scan {
	size_t sz;			/* in: sizeof(); out: bytes filled */
	__u32 map_id;
	__u64 pages_total;
	__u64 pages_present;
	__u64 pages_probed;
	__u64 duration_us;
	char method[8];
	/* With opts->range_sz: the present pages as maximal runs (addr,
	 * offset, pages), malloc'ed records of that size, else NULL. */
	struct arenad_scan_range *present;
	size_t n_present;
};

/*
 * The census of the arena with map id map_id, with census method
 * opts->method "rt" or "full" (NULL: the daemon's choice; "kmod" too for
 * the daemon's own arena, whose census is also held against the ledger as
 * arenad_client__scan() does). -ENOENT: no map with that id; -EINVAL: it
 * is not an arena, or an unknown method; -EAGAIN: that method (or any) is
 * unavailable on this kernel.
 */
LIBARENAD_API int arenad_client__scan_map(struct arenad_client *c, __u32 map_id,
					  const struct arenad_scan_opts *opts,
					  struct arenad_arena_scan *out);
/* Free s's list (s itself is the caller's). */
LIBARENAD_API void arenad_arena_scan_free(struct arenad_arena_scan *s);

#ifdef __cplusplus
}
#endif

#endif /* __ARENAD_H */
