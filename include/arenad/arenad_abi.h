/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * arenad ABI: the one header shared by the BPF allocator, the daemon, the
 * client library and external BPF programs.
 *
 * Everything here describes memory that crosses the user/kernel boundary
 * (BPF_PROG_TEST_RUN contexts, values of pinned maps), so only fixed-width
 * types are used and every struct is padded by hand. Changing a layout is an
 * ABI break: bump ARENAD_ABI_VERSION, and the daemon will refuse to adopt
 * pins written by another version instead of misreading them.
 */
#ifndef __ARENAD_ABI_H
#define __ARENAD_ABI_H

/* BPF programs have __u32 and friends from vmlinux.h or linux/types.h;
 * next to vmlinux.h, linux/types.h would redefine some of them. (The
 * host-target pass of clang -emit-llvm | llc -march=bpf may lack __BPF__.) */
#if !defined(__BPF__) && !defined(__VMLINUX_H__)
#include <linux/types.h>
#endif

/*
 * Arena uapi values under our own names: Debian 12's linux/bpf.h (6.1)
 * predates arenas (6.9), and enum constants cannot be tested with #ifdef.
 */
#define ARENAD_MAP_TYPE_ARENA	33		/* BPF_MAP_TYPE_ARENA */
#define ARENAD_F_SEGV_ON_FAULT	(1U << 17)	/* BPF_F_SEGV_ON_FAULT */

/* 3: quotas (struct arenad_owner's limit and refusal counters, the uids
 * map, the state's default limit, arenad_req's quota fields)
 * 4: who made each allocation and leases (struct arenad_range's creator
 * fields and flags, arenad_req's, arenad_event's) */
#define ARENAD_ABI_VERSION	4
#define ARENAD_STATE_MAGIC	0x6172656eU	/* "aren" */

#define ARENAD_PAGE_SHIFT	12
#define ARENAD_PAGE_SIZE	(1U << ARENAD_PAGE_SHIFT)

/* An arena spans at most 4 GiB: page offsets are 32 bits in the kernel. */
#define ARENAD_MAX_PAGES	(1U << 20)

/* Sizes of the pinned bookkeeping maps (entries). */
#define ARENAD_MAX_STRINGS	(64 * 1024)	/* string slots: a power of two */
#define ARENAD_MAX_NAMED	(64 * 1024)
/* The owners table has one entry per string slot, and one for "no owner". */
#define ARENAD_OWNERS_NONE	ARENAD_MAX_STRINGS
#define ARENAD_MAX_OWNERS	(ARENAD_MAX_STRINGS + 1)

/* Entries of the per-uid table ("uids"): distinct uids ever recorded. */
#define ARENAD_MAX_UIDS		(64 * 1024)

/* Owner and name strings, NUL-padded. ID 0 means "none". */
#define ARENAD_STR_LEN		64

/* A task's command name, as the kernel keeps it (TASK_COMM_LEN). */
#define ARENAD_COMM_LEN		16

/* Operations of the allocator program (struct arenad_req.op). */
enum arenad_op {
	ARENAD_OP_ALLOC = 1,
	ARENAD_OP_FREE = 2,
	ARENAD_OP_INTERN = 3,	/* hold owner_str: its id in .owner; with
				 * ARENAD_INTERN_KEEP in .flags, keep it for good */
	ARENAD_OP_RELEASE = 4,	/* drop one hold on the id in .owner */
	ARENAD_OP_QUOTA = 5,	/* root only: set or clear a page limit (.flags:
				 * ARENAD_QUOTA_*, .pages the limit) of the owner
				 * owner_str (kept for good), of uid .uid, or the
				 * default; out: .owner the owner's id */
	ARENAD_OP_DROP_OBJECTS = 6,	/* root only: drop every live object on
				 * the object page at .addr, as the program
				 * that made them would free them (the page
				 * goes with the last); .time_ns: the page's
				 * ledger entry's; out: .pages the objects
				 * dropped */
};

/*
 * Page limits (quotas). A limit is one 64-bit word, read and written
 * whole: 0 is "none", else ARENAD_QUOTA_SET | pages (0 pages is a limit
 * too: nothing may be allocated).
 */
#define ARENAD_QUOTA_SET	(1ULL << 32)
#define ARENAD_QUOTA_IS_SET(q)	(((q) & ARENAD_QUOTA_SET) != 0)
#define ARENAD_QUOTA_PAGES(q)	((__u32)(q))

/* ARENAD_OP_QUOTA's .flags: exactly one target, and CLEAR to remove it */
#define ARENAD_QUOTA_OWNER	0x1U	/* the owner owner_str */
#define ARENAD_QUOTA_UID	0x2U	/* the uid .uid */
#define ARENAD_QUOTA_DEFAULT	0x4U	/* owners without a limit of their own */
#define ARENAD_QUOTA_CLEAR	0x8U

/* Which limit refused an allocation (arenad_req.quota_kind, with -EDQUOT) */
enum arenad_quota_kind {
	ARENAD_QUOTA_KIND_OWNER = 1,	/* the owner's own limit */
	ARENAD_QUOTA_KIND_DEFAULT = 2,	/* the default limit, for that owner */
	ARENAD_QUOTA_KIND_UID = 3,	/* the uid's limit */
};

/*
 * Context of the allocator program, passed in and out with
 * BPF_PROG_TEST_RUN (ctx_in/ctx_out). A syscall program sees the caller's
 * buffer directly, so the result is written back into the same struct.
 */
struct arenad_req {
	__u32 op;		/* in: enum arenad_op */
	__u32 pages;		/* in: ALLOC page count; out: pages allocated or freed */
	__u64 addr;		/* in: ALLOC fixed address (0 = any) or FREE address;
				 * out: address of the allocation */
	__u32 owner;		/* in: owner string id (0 = none) when owner_str is
				 * empty; out: the owner's id */
	__u32 name;		/* in: name string id (0 = anonymous) when name_str
				 * is empty; out: the name's id */
	__u32 uid;		/* in: uid recorded as the allocation's holder and
				 * checked by FREE; honoured from root only, any
				 * other caller's own uid is used instead */
	__s32 ret;		/* out: 0 or a negative errno */
	__s32 numa_node;	/* in: NUMA node for the pages; -1: the arena's
				 * (arenad --numa-node, any when unset) */
	__u32 flags;		/* in: ALLOC: ARENAD_LEASE_* or 0; FREE: 0;
				 * INTERN, QUOTA: their flags */
	char owner_str[ARENAD_STR_LEN];	/* in: ALLOC, INTERN, QUOTA: the owner
					 * string (or "" to use .owner) */
	char name_str[ARENAD_STR_LEN];	/* in: ALLOC: the name (or "" for .name) */
	/* out, with -EDQUOT: which limit (enum arenad_quota_kind), the
	 * pages its owner or uid held (allocations in flight included) and
	 * the limit; "owner X holds N of M pages" */
	__u32 quota_kind;
	__u32 quota_held;
	__u32 quota_limit;
	/* in: ALLOC: the process the allocation is made for, recorded as
	 * its creator (struct arenad_range.pid, start_ns, comm); honoured
	 * from root only (the daemon, for its peer), and 0 is the calling
	 * process */
	__u32 pid;
	__u64 start_ns;
	char comm[ARENAD_COMM_LEN];
	/* out: ALLOC: the allocation's time_ns (struct arenad_range);
	 * in: FREE: when not 0, free only the allocation made at this
	 * time_ns, so that the end of a lease never frees a later
	 * allocation at the same address (-ESTALE then) */
	__u64 time_ns;
};

/*
 * Leases (struct arenad_range.flags, arenad_req.flags of ALLOC): an
 * allocation may end with its holder instead of persisting. The daemon
 * frees it when the connection it was made on closes (CONNECTION: only
 * the daemon makes these), or when its creator process exits (PROCESS:
 * the pid and start time in the entry, so a reused pid never passes for
 * it). At most one of them.
 */
#define ARENAD_LEASE_CONNECTION	0x1U
#define ARENAD_LEASE_PROCESS	0x2U
#define ARENAD_LEASE_MASK	(ARENAD_LEASE_CONNECTION | ARENAD_LEASE_PROCESS)
/* Made by a BPF program through arenad_alloc_pages() (origin: its object),
 * not by a run of the allocator program. */
#define ARENAD_RANGE_PROG	0x100U
/* Pages that hold objects (arenad_objects.bpf.h): only the object
 * allocator frees them, when their last object goes; a free from anywhere
 * else is refused with -EBUSY, as it would pull the pages from under live
 * objects. */
#define ARENAD_RANGE_OBJECTS	0x200U
/* arenad_req.flags of a FREE made by the object allocator itself: never
 * accepted from a caller of the allocator program (-EINVAL there). */
#define ARENAD_FREE_OBJECTS	0x200U

/* Ledger value, keyed by the allocation's first page offset (__u32). */
struct arenad_range {
	__u32 pgoff;		/* first page, relative to the arena start */
	__u32 pages;
	__u32 owner;		/* string id */
	__u32 name;		/* string id, 0 = anonymous */
	__u32 uid;
	__u32 flags;		/* ARENAD_LEASE_*, ARENAD_RANGE_PROG */
	__u64 time_ns;		/* bpf_ktime_get_boot_ns() at allocation */
	/*
	 * Who made it: the process (its thread group id, in the initial pid
	 * namespace) and its start time (CLOCK_BOOTTIME ns, the kernel's
	 * task start_boottime: /proc/PID/stat's starttime times the clock
	 * tick), which tell a live creator from a later process with its
	 * pid; its command name. For a BPF program's allocation, the process
	 * that loaded the program through arenad_reuse(), else the task it
	 * ran in; origin is then the object's name (a kept string id).
	 */
	__u32 pid;
	__u32 origin;
	__u64 start_ns;
	char comm[ARENAD_COMM_LEN];
};

/*
 * Per-owner usage: an array indexed by the owner string's slot
 * (ARENAD_STR_SLOT(id)), ARENAD_OWNERS_NONE for allocations without an
 * owner. An owner's entry lives as long as its string, which each of its
 * allocations holds a reference on: the table cannot fill on its own, an
 * entry never needs deleting (the counters return to zero), and no update
 * is ever lost to a racing delete.
 */
struct arenad_owner {
	/* Live pages, plus the pages of allocations in flight: an
	 * allocation reserves its pages here (an atomic add) before it asks
	 * the kernel for them, and gives them back when it fails. */
	__u64 pages;
	__u64 allocations;	/* live allocations */
	__u32 owner;		/* the owner's string id while allocations > 0,
				 * and for good once it has a limit */
	__u32 reserved;
	/* The owner's page limit (ARENAD_QUOTA_SET | pages), 0: none, the
	 * state's quota_default applies. Setting one keeps the owner's
	 * string for good (ARENAD_STR_KEPT), so that this slot stays the
	 * owner's while nothing else references it. */
	__u64 limit;
	__u64 quota_refusals;	/* allocations refused over a limit */
	__u64 failures;		/* allocations that failed otherwise (no room) */
};

/*
 * Per-uid usage and limit: the "uids" hash map, keyed by uid (__u32). An
 * entry is made by the first allocation recorded under that uid (or a
 * limit set for it) and never deleted, so that no update is lost to a
 * racing delete; its pages and allocations return to zero. The uid is the
 * ledger entry's (struct arenad_range.uid), so a free finds it again.
 */
struct arenad_uid {
	__u64 pages;		/* live pages, plus allocations in flight */
	__u64 allocations;	/* live allocations */
	__u64 limit;		/* ARENAD_QUOTA_SET | pages, 0: none */
	__u64 quota_refusals;
};

/*
 * The string table: an array of ARENAD_MAX_STRINGS slots. A string lives
 * in the first free slot of its probe sequence (home slot = hash, then the
 * next ones), and its id is the slot plus 16 bits of the slot's generation,
 * so that an id held after its string was reclaimed never names the next
 * string in that slot: using it fails with -ESTALE.
 *
 * Every live allocation holds one reference on its owner and one on its
 * name string, and ARENAD_OP_INTERN takes a hold for ids kept outside the
 * ledger; the last reference dropped frees the slot. Only BPF writes
 * slots, with atomic operations on .ref; arenad_ledger.bpf.h explains why
 * that is safe against every concurrent user of the pins.
 */
struct arenad_str {
	__u64 ref;		/* generation << 32 | ARENAD_STR_LIVE/CLAIMED | references */
	__u32 hash;		/* arenad_str_hash(str) */
	__u32 reach;		/* home slot: its strings sit at most this far past it */
	__u32 lock;		/* home slot: held while a string of this home is interned */
	__u32 reserved;
	char str[ARENAD_STR_LEN];
};

#define ARENAD_STR_SLOT_BITS	16
#define ARENAD_STR_SLOT_MASK	(ARENAD_MAX_STRINGS - 1)
#define ARENAD_STR_LIVE		(1ULL << 31)	/* str is valid, references counted */
#define ARENAD_STR_CLAIMED	(1ULL << 30)	/* taken, str being written */
#define ARENAD_STR_KEPT		(1ULL << 29)	/* never freed (ARENAD_INTERN_KEEP) */
#define ARENAD_STR_REFS		((1ULL << 29) - 1)

/* ARENAD_OP_INTERN flag: keep the string for good, without counting a
 * reference each time (arenad_reuse() does this for loaders' strings). */
#define ARENAD_INTERN_KEEP	1U
#define ARENAD_STR_SLOT(id)	((id) & ARENAD_STR_SLOT_MASK)
#define ARENAD_STR_GEN(id)	((id) >> ARENAD_STR_SLOT_BITS)
/* The id of the string in slot whose .ref is ref; never 0. */
#define ARENAD_STR_ID(slot, ref) \
	((__u32)((((ref) >> 32) & 0xffff) << ARENAD_STR_SLOT_BITS) | (__u32)(slot))

/*
 * FNV-1a of a NUL-padded string, never 0: its home slot is the hash's low
 * bits. BPF and user space must agree on it, hence here.
 */
static inline __u32 arenad_str_hash(const char *s)
{
	__u32 h = 2166136261u;
	int i;

	for (i = 0; i < ARENAD_STR_LEN && s[i]; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ? h : 1;
}

/*
 * Global state: the single element of the "state" array map. The first
 * block is written once by the daemon when it creates the arena and never
 * changes (but alloc_build, see there); adopting pins starts by checking it. The counters are updated
 * with atomic adds by the allocator program, which is why they are 64-bit
 * and why pages_allocated can be trusted without walking the ledger.
 */
struct arenad_state {
	/* identity, written at creation */
	__u32 magic;
	__u32 abi_version;
	__u64 user_vm_start;	/* arena base address in every process */
	__u32 pages_total;
	__u32 map_flags;	/* BPF_F_* the arena was created with */
	__u64 created_ns;	/* CLOCK_REALTIME of creation, nanoseconds */
	__s32 numa_node;	/* arenad --numa-node; -1 = any */
	/* Which build of the allocator program is pinned: a hash of the BPF
	 * object the daemon loaded it from (0: unknown). A daemon of the same
	 * build adopts the pinned program as it is; another one loads its own,
	 * replaces the pin, then sets this. */
	__u32 alloc_build;

	/* counters, maintained by the allocator program */
	__u64 pages_allocated;
	__u64 allocations;	/* successful ALLOC operations, cumulative */
	__u64 frees;		/* successful FREE operations, cumulative */
	__u64 alloc_failures;
	__u64 high_water_pages;
	__u64 live_allocations;

	/* quotas, maintained by the allocator program (ARENAD_OP_QUOTA) */
	__u64 quota_default;	/* ARENAD_QUOTA_SET | pages for owners without a
				 * limit of their own; 0: none */
	__u64 quota_refusals;	/* ALLOC operations refused over a limit
				 * (not in alloc_failures) */
	__u64 quota_changes;	/* limits set or cleared, cumulative */
};

/*
 * Objects: arenad_malloc()/arenad_free() (arenad_objects.bpf.h) carve
 * objects of up to a page out of pages taken through the ledger under the
 * program's owner (ARENAD_RANGE_OBJECTS entries); a larger object is an
 * allocation of whole pages of its own. All of the allocator's state is
 * in the three maps below, outside the arena, so that a write into arena
 * memory can corrupt objects but never the accounting.
 *
 * Objects are 8-byte aligned and carved downwards from the top of a page.
 */
#define ARENAD_OBJ_ALIGN	8U
/* Live objects at most (records in "objs"; the map grows with use). */
#define ARENAD_MAX_OBJECTS	(1U << 22)

/*
 * Per page ("obj_pages", an array indexed by page offset, as long as the
 * arena): the state of an object page, one 64-bit word changed with
 * compare-and-swap only, so that carving, freeing and the release of the
 * page never race:
 *   bits  0-15  live objects on the page;
 *   bits 16-31  the free top: bytes below it are not carved yet;
 *   bit  32     LIVE: the page holds objects and may be carved;
 *   bits 33-63  generation, raised each time the page is taken anew, so
 *               that a CPU's stale idea of "my current page" never
 *               carves a page that was released and taken again.
 * The last object's free turns the page not LIVE in the same CAS that
 * counts it, and then gives the page back to the arena through the
 * ledger, naming the ledger entry's time_ns.
 */
struct arenad_obj_page {
	__u64 word;
	__u64 time_ns;		/* the page's ledger entry's */
};

#define ARENAD_OBJ_COUNT(w)	((__u32)((w) & 0xffff))
#define ARENAD_OBJ_TOP(w)	((__u32)(((w) >> 16) & 0xffff))
#define ARENAD_OBJ_LIVE		(1ULL << 32)
#define ARENAD_OBJ_GEN_SHIFT	33
#define ARENAD_OBJ_GEN(w)	((__u32)((w) >> ARENAD_OBJ_GEN_SHIFT))

/* Per live object ("objs", a hash keyed by the object's byte offset in
 * the arena, __u32): what arenad_free() gives back, and to whom. */
struct arenad_obj {
	__u32 size;		/* bytes asked for */
	__u32 owner;		/* owner string id (its pages' owner) */
	__u32 pages;		/* 0: carved from an object page; else the
				 * object is a ledger allocation of these pages */
	__u32 reserved;
};

/*
 * Per owner ("obj_owners", an array indexed like "owners": by the owner
 * string's slot, ARENAD_OWNERS_NONE for none; mmapable). bytes and
 * objects are exact: the sizes the program asked for. pages are the
 * pages held for objects (also counted in the owner's "owners" pages), so
 * pages * ARENAD_PAGE_SIZE - bytes is the owner's internal fragmentation.
 * A slot claimed by a new string starts its counters at zero.
 */
struct arenad_obj_owner {
	__u64 bytes;		/* live bytes */
	__u64 objects;		/* live objects */
	__u64 pages;		/* pages held for objects */
	__u64 allocs;		/* arenad_malloc() calls that succeeded, cumulative */
	__u64 frees;		/* arenad_free() calls that freed an object */
	__u64 failures;		/* arenad_malloc() calls that returned NULL */
	__u64 bad_frees;	/* arenad_free() of no live object's address
				 * (a double free, a pointer into an object),
				 * counted under the calling object's owner */
	__u64 dropped;		/* objects dropped by root (ARENAD_OP_DROP_OBJECTS)
				 * when their loader was gone, cumulative */
};

/*
 * The allocator's events (ring buffer "arenad_events", pinned as
 * ARENAD_PIN_EVENTS): one record per successful allocation or free, on
 * every path (the socket, the pinned allocator, external programs calling
 * arenad_alloc_pages()). A full ring buffer drops the record and counts it
 * in the "arenad_ev_drops" array (ARENAD_PIN_EVENT_DROPS), never fails or
 * waits. Both are newer than ABI 2's other pins: pin sets created by an
 * older arenad lack them until a newer daemon adopts the set and adds
 * them. The layout is part of the ABI.
 */
enum arenad_event_kind {
	ARENAD_EVENT_ALLOC = 1,
	ARENAD_EVENT_FREE = 2,
};

struct arenad_event {
	__u32 kind;		/* enum arenad_event_kind */
	__u32 pages;
	__u32 owner;		/* string ids (0: none), as in the ledger */
	__u32 name;
	__u32 uid;
	__u32 pgoff;		/* first page's offset in the arena */
	__u64 pages_allocated;	/* the arena's total just after this one */
	__u64 time_ns;		/* CLOCK_BOOTTIME */
	/* the ledger entry's (struct arenad_range): ALLOC of a lease tells
	 * the daemon whom to watch */
	__u32 flags;
	__u32 pid;
	__u64 start_ns;
	__u64 alloc_ns;		/* the allocation's time_ns (FREE too) */
};

/* The ring buffer's size: a power of two of pages; ~5000 records. */
#define ARENAD_EVENTS_BYTES	(256 * 1024)

/* Names of the pins below the pin directory. */
#define ARENAD_PIN_ARENA	"arena"
#define ARENAD_PIN_STATE	"state"
#define ARENAD_PIN_LEDGER	"ledger"
#define ARENAD_PIN_OWNERS	"owners"
#define ARENAD_PIN_STRINGS	"strings"
#define ARENAD_PIN_NAMES	"names"
#define ARENAD_PIN_UIDS		"uids"
#define ARENAD_PIN_ALLOC_PROG	"alloc_prog"
#define ARENAD_PIN_EVENTS	"events"
#define ARENAD_PIN_EVENT_DROPS	"event_drops"
#define ARENAD_PIN_OBJ_PAGES	"obj_pages"
#define ARENAD_PIN_OBJS		"objs"
#define ARENAD_PIN_OBJ_OWNERS	"obj_owners"

/* Defaults, shared by daemon, client library and docs. */
#define ARENAD_DEFAULT_PIN_DIR		"/sys/fs/bpf/arenad"
#define ARENAD_DEFAULT_SOCKET		"/run/arenad/arenad.sock"
/* The socket's group when it exists (systemd/arenad.sysusers makes it). */
#define ARENAD_DEFAULT_GROUP		"arenad"
#define ARENAD_DEFAULT_USER_ADDR	0x100000000000ULL	/* 16 TiB, 4 GiB aligned */
#define ARENAD_DEFAULT_PAGES		(1U << 18)		/* 1 GiB */

#endif /* __ARENAD_ABI_H */
