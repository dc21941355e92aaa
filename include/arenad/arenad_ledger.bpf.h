/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ledger, for BPF: the definitions of arenad's bookkeeping maps and the
 * allocate/free logic that keeps them consistent. The daemon's allocator
 * (bpf/arenad_alloc.bpf.c) and external sleepable programs that account
 * their pages (arenad_alloc_pages()/arenad_free_pages() below) compile
 * this one file, so there is one definition of every map and one
 * implementation of the bookkeeping. An external loader reuses the pinned
 * maps (libarenad's arenad_reuse() does it by these map names).
 *
 * Include after arenad.bpf.h and after declaring the arena map; define
 * ARENAD_ARENA to its name first if it is not "arena".
 *
 * The maps are defined here, in a header, so every object that includes it
 * has its own definition: they are __weak (as sched_ext's arena_map.h does
 * for its arena), so that two such objects link into one with `bpftool gen
 * object` and share one set of maps. The functions are static, one copy
 * per object, and marked unused: a program may need only one of them.
 */
#ifndef __ARENAD_LEDGER_BPF_H
#define __ARENAD_LEDGER_BPF_H

#include "arenad.bpf.h"

#ifndef ARENAD_ARENA
#define ARENAD_ARENA arena
#endif

#define __arenad_ledger_fn static __attribute__((unused))

/*
 * The arena kfuncs the ledger calls: the flavoured names of arenad.bpf.h,
 * which never collide with the program's own declarations. A program that
 * declares the plain names through arenad.bpf.h (without vmlinux.h's
 * prototypes) may define ARENAD_PLAIN_KFUNCS to call those instead: libbpf's
 * loader program (bpf_object__gen_loader(), light skeletons) asks the
 * kernel for a kfunc by its full name, flavour included, and finds none.
 */
#ifdef ARENAD_PLAIN_KFUNCS
#define arenad__alloc_pages	bpf_arena_alloc_pages
#define arenad__free_pages	bpf_arena_free_pages
#else
#define arenad__alloc_pages	bpf_arena_alloc_pages___arenad
#define arenad__free_pages	bpf_arena_free_pages___arenad
#endif

/* mmapable: the daemon reads the counters from memory, without a syscall */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct arenad_state);
} arenad_state __weak SEC(".maps");

/* page offset -> allocation; max_entries is set to the arena's page count */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_PAGES);
	__type(key, __u32);
	__type(value, struct arenad_range);
} arenad_ledger __weak SEC(".maps");

/* owner string slot (ARENAD_OWNERS_NONE: no owner) -> usage; mmapable:
 * the daemon reads the table from memory */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ARENAD_MAX_OWNERS);
	__type(key, __u32);
	__type(value, struct arenad_owner);
} arenad_owners __weak SEC(".maps");

/* string slot -> string, its references and its probe bookkeeping */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ARENAD_MAX_STRINGS);
	__type(key, __u32);
	__type(value, struct arenad_str);
} arenad_strings __weak SEC(".maps");

/* name string id -> first page offset of the named allocation */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_NAMED);
	__type(key, __u32);
	__type(value, __u32);
} arenad_names __weak SEC(".maps");

/* uid -> its usage and limit (struct arenad_uid); entries are never
 * deleted, see arenad_abi.h */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_UIDS);
	__type(key, __u32);
	__type(value, struct arenad_uid);
} arenad_uids __weak SEC(".maps");

/* The allocator's events (arenad_abi.h): a ring buffer the daemon reads,
 * and the count of records a full ring buffer refused. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ARENAD_EVENTS_BYTES);
} arenad_events __weak SEC(".maps");

/* mmapable: the daemon reads the count from memory, without a syscall */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} arenad_ev_drops __weak SEC(".maps");

/*
 * The object allocator's state (arenad_objects.bpf.h, arenad_abi.h): here
 * because the ledger's free must see object pages, and so that the
 * daemon's allocator object makes and pins them with the other maps.
 * obj_pages' max_entries is set to the arena's page count, as the
 * ledger's is.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ARENAD_MAX_PAGES);
	__type(key, __u32);
	__type(value, struct arenad_obj_page);
} arenad_obj_pages __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ARENAD_MAX_OBJECTS);
	__type(key, __u32);
	__type(value, struct arenad_obj);
} arenad_objs __weak SEC(".maps");

/* mmapable: the daemon reads the table from memory */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ARENAD_MAX_OWNERS);
	__type(key, __u32);
	__type(value, struct arenad_obj_owner);
} arenad_obj_owners __weak SEC(".maps");

/*
 * Tell the daemon: one record reserved in the ring buffer and submitted,
 * which never sleeps or waits for a reader. BPF_RB_NO_WAKEUP: a wake-up per
 * record is an irq_work on this CPU and a turn of the daemon's loop per
 * allocation, which tripled the pinned alloc+free pair in a one-CPU
 * guest; the daemon drains the buffer on a timer instead (every 20 ms
 * while anyone subscribes). A lease is the exception: its holder may die
 * at once, and the daemon must start watching it now. When the buffer is
 * full the record is dropped and counted; the allocation itself has
 * already succeeded and stays so.
 */
__arenad_ledger_fn void arenad__event(__u32 kind, const struct arenad_range *r, __u64 total)
{
	__u64 wake = kind == ARENAD_EVENT_ALLOC && (r->flags & ARENAD_LEASE_MASK) ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	struct arenad_event *ev;
	__u32 zero = 0;
	__u64 *drops;

	/* Written in place, not on the stack: callers' chains of calls
	 * (arenad_malloc() in a bpf_loop() callback) need the room. */
	ev = bpf_ringbuf_reserve(&arenad_events, sizeof(*ev), 0);
	if (!ev) {
		drops = bpf_map_lookup_elem(&arenad_ev_drops, &zero);
		if (drops)
			__sync_fetch_and_add(drops, 1);
		return;
	}
	ev->kind = kind;
	ev->pages = r->pages;
	ev->owner = r->owner;
	ev->name = r->name;
	ev->uid = r->uid;
	ev->pgoff = r->pgoff;
	ev->pages_allocated = total;
	ev->time_ns = kind == ARENAD_EVENT_ALLOC ? r->time_ns : bpf_ktime_get_boot_ns();
	ev->flags = r->flags;
	ev->pid = r->pid;
	ev->start_ns = r->start_ns;
	ev->alloc_ns = r->time_ns;
	bpf_ringbuf_submit(ev, wake);
}

/*
 * The fields of the kernel's task_struct the ledger reads, relocated by
 * CO-RE (the ___arenad flavour matches the kernel's struct whatever
 * header style the program uses, with or without vmlinux.h). A program
 * built in two passes (clang for the host, then llc) has no CO-RE: the
 * attribute is the BPF target's.
 */
#if __has_attribute(preserve_access_index)
#define ARENAD_TASK_CORE 1
struct task_struct___arenad {
	__u64 start_boottime;
	char comm[ARENAD_COMM_LEN];
	struct task_struct___arenad *group_leader;
} __attribute__((preserve_access_index));
#endif

/*
 * What arenad__alloc() and arenad__free() read and write: the fields of
 * struct arenad_req they use, under the same names, without its strings.
 * BPF-side callers (arenad_alloc_pages(), the object allocator) keep one
 * on the stack, where a whole request would take the verifier's 512 bytes
 * of combined stack from programs that allocate in a bpf_loop() callback;
 * the allocator program copies its request in and out
 * (arenad__op_from_req(), arenad__op_to_req()).
 */
struct arenad__op {
	__u64 addr;
	__u64 start_ns;
	__u64 time_ns;
	__u32 pages;
	__u32 owner;
	__u32 name;
	__u32 uid;
	__u32 flags;
	__s32 numa_node;
	__u32 pid;
	__u32 quota_kind;
	__u32 quota_held;
	__u32 quota_limit;
	char comm[ARENAD_COMM_LEN];
};

static __always_inline void arenad__op_from_req(struct arenad__op *op, const struct arenad_req *req)
{
	op->addr = req->addr;
	op->start_ns = req->start_ns;
	op->time_ns = req->time_ns;
	op->pages = req->pages;
	op->owner = req->owner;
	op->name = req->name;
	op->uid = req->uid;
	op->flags = req->flags;
	op->numa_node = req->numa_node;
	op->pid = req->pid;
	op->quota_kind = 0;
	op->quota_held = 0;
	op->quota_limit = 0;
	__builtin_memcpy(op->comm, req->comm, sizeof(op->comm));
}

/* What an operation answers (arenad_abi.h: struct arenad_req's "out"). */
static __always_inline void arenad__op_to_req(struct arenad_req *req, const struct arenad__op *op)
{
	req->addr = op->addr;
	req->time_ns = op->time_ns;
	req->pages = op->pages;
	req->owner = op->owner;
	req->name = op->name;
	req->quota_kind = op->quota_kind;
	req->quota_held = op->quota_held;
	req->quota_limit = op->quota_limit;
}

/*
 * The calling process as an allocation's creator: its thread group id,
 * and the group leader's start time and name (the process's, not the
 * calling thread's). Read with bpf_probe_read_kernel(): program types
 * that may call the arena kfuncs differ in what a task pointer lets
 * them dereference, and a failed read only leaves a field 0. The reads
 * go to the stack: the helper may not write into a program's context
 * (the allocator's request is one). Without CO-RE the start time stays
 * 0 (the pid alone names the creator) and the name is the thread's.
 */
static __always_inline void arenad__creator_current(struct arenad__op *req)
{
	char comm[ARENAD_COMM_LEN] = {};
	__u64 start = 0;
#ifdef ARENAD_TASK_CORE
	struct task_struct___arenad *t = (void *)bpf_get_current_task(), *leader = NULL;

	if (!bpf_probe_read_kernel(&leader, sizeof(leader), &t->group_leader) && leader) {
		bpf_probe_read_kernel(&start, sizeof(start), &leader->start_boottime);
		bpf_probe_read_kernel(comm, sizeof(comm), leader->comm);
	}
#else
	bpf_get_current_comm(comm, sizeof(comm));
#endif
	req->pid = bpf_get_current_pid_tgid() >> 32;
	req->start_ns = start;
	__builtin_memcpy(req->comm, comm, sizeof(comm));
}

/*
 * The string table, and why it is safe with any number of processes and
 * programs using the pins at once (the daemon, libarenad's arenad_pins_*
 * callers, loaders' programs calling arenad_alloc_pages()).
 *
 * Slots are array elements: their memory never goes away or moves to
 * another key, so an atomic operation on a slot's .ref is always on that
 * slot. .ref packs the slot's generation, its state and its reference
 * count into one 64-bit word, so one compare-and-swap checks all three:
 *
 *  - take a reference (str_get): CAS ref -> ref + 1 while LIVE with the
 *    generation the id names; a slot that was freed, or freed and claimed
 *    by another string, has another .ref and the CAS fails: -ESTALE;
 *  - drop one (str_put): CAS ref -> ref - 1, and the last one turns the
 *    slot free in the same CAS, so no one can take a reference on a slot
 *    that is being freed (there is no "zero but live" state, except for a
 *    KEPT string, which is never freed);
 *  - claim a free slot: CAS free -> CLAIMED with the next generation, write
 *    the string, then publish LIVE with one reference (an exchange, which
 *    orders the string before it). Nobody reads the string of a slot that
 *    is not LIVE, and readers in user space read a slot twice and keep it
 *    only when both reads agree (libarenad's pins.c).
 *
 * One string must never sit in two slots (names are unique by id, and
 * owners are counted per slot). All interns of a string take the lock in
 * the string's home slot, so they are serialised, and under that lock the
 * string can only be in [home, home + reach], reach being kept in the
 * home slot and only ever raised under its lock. Releases need no lock: a
 * string that goes free during the search is simply not found, and a new
 * copy is made; the freed one is no copy of anything.
 *
 * The lock is a word taken with a CAS and released with an exchange in
 * the same program run; a BPF program cannot die half-way, so it is never
 * left taken. A program that cannot take it within ARENAD_STR_SPINS tries
 * returns -EAGAIN with nothing changed, and libarenad retries.
 */
#define ARENAD_STR_SPINS	(1 << 16)

#define arenad__once(x) (*(volatile __typeof__(x) *)&(x))

static __always_inline struct arenad_str *arenad__slot(__u32 slot)
{
	__u32 key = slot & ARENAD_STR_SLOT_MASK;

	return bpf_map_lookup_elem(&arenad_strings, &key);
}

struct arenad__str_op {
	__u32 id;
	__s32 err;
	__s64 delta;		/* +1 take, -1 drop */
};

__arenad_ledger_fn long arenad__str_ref_cb(__u64 i, void *data)
{
	struct arenad__str_op *op = data;
	struct arenad_str *v = arenad__slot(ARENAD_STR_SLOT(op->id));
	__u64 w, nw;

	if (!v) {
		op->err = -ESTALE;
		return 1;
	}
	w = arenad__once(v->ref);
	if (!(w & ARENAD_STR_LIVE) || ARENAD_STR_ID(ARENAD_STR_SLOT(op->id), w) != op->id) {
		op->err = -ESTALE;
		return 1;
	}
	if (op->delta > 0) {
		if ((w & ARENAD_STR_REFS) == ARENAD_STR_REFS) {
			op->err = -EOVERFLOW;
			return 1;
		}
		nw = w + 1;
	} else {
		if (!(w & ARENAD_STR_REFS)) {
			op->err = -ESTALE;	/* a kept string with nothing to drop */
			return 1;
		}
		/* The last reference frees the slot, keeping its generation. */
		nw = (w & ARENAD_STR_REFS) == 1 && !(w & ARENAD_STR_KEPT) ?
			w & ~0xffffffffULL : w - 1;
	}
	if (__sync_val_compare_and_swap(&v->ref, w, nw) != w)
		return 0;	/* changed under us: look again */
	op->err = 0;
	return 1;
}

/* Take (+1) or drop (-1) a reference on the live string id. */
__arenad_ledger_fn int arenad__str_ref(__u32 id, __s64 delta)
{
	struct arenad__str_op op = { .id = id, .err = -EAGAIN, .delta = delta };

	if (!id)
		return 0;	/* "none" is not counted */
	if (!ARENAD_STR_GEN(id))
		return -ESTALE;
	bpf_loop(ARENAD_STR_SPINS, arenad__str_ref_cb, &op, 0);
	return op.err;
}

static __always_inline int arenad__str_get(__u32 id)
{
	return arenad__str_ref(id, 1);
}

static __always_inline int arenad__str_put(__u32 id)
{
	return arenad__str_ref(id, -1);
}

/* Interning: the string, NUL-padded, and the search's state. */
struct arenad__intern {
	union {
		char c[ARENAD_STR_LEN];
		__u64 w[ARENAD_STR_LEN / 8];
	} s;
	__u32 hash;
	__u32 home;
	__u32 id;		/* out: the string's id, with a reference taken */
	__u32 dist;		/* out: probes from home to the slot claimed */
	__s32 err;
	__u32 keep;		/* in: mark it kept instead of taking a reference */
	__u32 cand;		/* the slot that matched (arenad__take_cb) */
	__u32 gone;		/* ... and was freed meanwhile */
	__u64 w;		/* ... its .ref as last read */
};

__arenad_ledger_fn long arenad__lock_cb(__u64 i, void *data)
{
	struct arenad__intern *in = data;
	struct arenad_str *h = arenad__slot(in->home);

	if (!h)
		return 1;
	if (__sync_val_compare_and_swap(&h->lock, 0, 1) == 0) {
		in->err = 0;
		return 1;
	}
	return 0;
}

static __always_inline int arenad__str_eq(const struct arenad_str *v,
					   const struct arenad__intern *in)
{
	const __u64 *a = (const __u64 *)v->str;
	int i;

	for (i = 0; i < ARENAD_STR_LEN / 8; i++)
		if (a[i] != in->s.w[i])
			return 0;
	return 1;
}

/*
 * One try at taking a reference on the slot that matched (in->cand, whose
 * .ref was in->w). The CAS checks that the slot still holds this
 * generation, so the comparison was with this string, not a later one.
 * A bpf_loop callback, not a loop of tries: the verifier would explore
 * such a loop once per try.
 */
__arenad_ledger_fn long arenad__take_cb(__u64 i, void *data)
{
	struct arenad__intern *in = data;
	struct arenad_str *v = arenad__slot(in->cand);
	__u64 w = in->w, now;

	if (!v) {
		in->err = -EINVAL;	/* cannot happen: cand < max_entries */
		return 1;
	}
	if (in->keep && (w & ARENAD_STR_KEPT)) {
		in->id = ARENAD_STR_ID(in->cand, w);
		in->err = 0;
		return 1;
	}
	if (!in->keep && (w & ARENAD_STR_REFS) == ARENAD_STR_REFS) {
		in->err = -EOVERFLOW;
		return 1;
	}
	now = __sync_val_compare_and_swap(&v->ref, w, in->keep ? w | ARENAD_STR_KEPT : w + 1);
	if (now == w) {
		in->id = ARENAD_STR_ID(in->cand, w);
		in->err = 0;
		return 1;
	}
	if (!(now & ARENAD_STR_LIVE) || (now >> 32) != (w >> 32)) {
		in->gone = 1;	/* freed meanwhile: not here any more */
		in->err = 0;
		return 1;
	}
	in->w = now;
	return 0;
}

/* Find the string among its home's slots and take a reference on it. */
__arenad_ledger_fn long arenad__match_cb(__u64 i, void *data)
{
	struct arenad__intern *in = data;
	__u32 slot = (in->home + (__u32)i) & ARENAD_STR_SLOT_MASK;
	struct arenad_str *v = arenad__slot(slot);
	__u64 w;

	if (!v)
		return 1;
	w = arenad__once(v->ref);
	if (!(w & ARENAD_STR_LIVE) || v->hash != in->hash || !arenad__str_eq(v, in))
		return 0;
	in->cand = slot;
	in->w = w;
	in->gone = 0;
	in->err = -EAGAIN;	/* unless a try settles it */
	bpf_loop(64, arenad__take_cb, in, 0);
	return !in->gone;
}

/*
 * A string slot claimed anew: its owners entry may still count refusals
 * and failures of the slot's last string. Nothing else is left there:
 * every allocation (also one in flight) holds its owner's string, and a
 * string with a limit is kept for good, so a free slot's pages,
 * allocations and limit are 0.
 */
static __always_inline void arenad__owner_fresh(__u32 slot)
{
	__u32 key = slot & ARENAD_STR_SLOT_MASK;
	struct arenad_owner *o = bpf_map_lookup_elem(&arenad_owners, &key);
	struct arenad_obj_owner *ob = bpf_map_lookup_elem(&arenad_obj_owners, &key);

	if (o) {
		o->quota_refusals = 0;
		o->failures = 0;
	}
	/* Its live objects are 0 (they hold pages, which hold the string). */
	if (ob) {
		ob->allocs = 0;
		ob->frees = 0;
		ob->failures = 0;
		ob->bad_frees = 0;
	}
}

/* Claim the first free slot from home on and write the string there. */
__arenad_ledger_fn long arenad__claim_cb(__u64 i, void *data)
{
	struct arenad__intern *in = data;
	__u32 slot = (in->home + (__u32)i) & ARENAD_STR_SLOT_MASK;
	struct arenad_str *v = arenad__slot(slot);
	__u64 w, gen, *dst;
	int k;

	if (!v)
		return 1;
	w = arenad__once(v->ref);
	if (w & (ARENAD_STR_LIVE | ARENAD_STR_CLAIMED))
		return 0;
	gen = (__u32)((w >> 32) + 1);
	if (!(gen & 0xffff))	/* ids must not be 0 in their generation bits */
		gen = (__u32)(gen + 1);
	if (__sync_val_compare_and_swap(&v->ref, w, gen << 32 | ARENAD_STR_CLAIMED) != w)
		return 0;	/* another string took it */
	arenad__owner_fresh(slot);
	v->hash = in->hash;
	dst = (__u64 *)v->str;
	for (k = 0; k < ARENAD_STR_LEN / 8; k++)
		dst[k] = in->s.w[k];
	__sync_lock_test_and_set(&v->ref, gen << 32 | ARENAD_STR_LIVE |
				 (in->keep ? ARENAD_STR_KEPT : 1));
	in->id = ARENAD_STR_ID(slot, gen << 32);
	in->dist = i;
	return 1;
}

/*
 * One byte of a string being loaded: checked, zeroed past the end, hashed
 * (arenad_str_hash(), which user space computes the same way). A bpf_loop
 * callback rather than an open-coded loop: the verifier checks it once,
 * where a loop with a branch per byte is explored once per end position,
 * times everything after it.
 */
__arenad_ledger_fn long arenad__load_cb(__u64 i, void *data)
{
	struct arenad__intern *in = data;
	__u32 k = i & (ARENAD_STR_LEN - 1);
	unsigned char c = in->s.c[k];

	if (in->dist) {			/* past the end: pad */
		in->s.c[k] = 0;
		return 0;
	}
	if (!c) {
		in->dist = 1;
		return 0;
	}
	if (c < 0x21 || c > 0x7e) {
		in->err = -EINVAL;
		return 1;
	}
	in->hash = (in->hash ^ c) * 16777619u;
	return 0;
}

/*
 * Copy a string from a request into in, NUL-padded and hashed: 1..63
 * printable ASCII characters without spaces (the protocol's rule, for
 * every path). 1: set, 0: empty, or -EINVAL.
 */
static __always_inline int arenad__str_load(struct arenad__intern *in, const char *src)
{
	__builtin_memcpy(in->s.c, src, ARENAD_STR_LEN);
	if (!in->s.c[0])
		return 0;
	if (in->s.c[ARENAD_STR_LEN - 1])
		return -EINVAL;
	in->hash = 2166136261u;
	in->dist = 0;		/* the callback's "past the end" flag */
	in->err = 0;
	bpf_loop(ARENAD_STR_LEN, arenad__load_cb, in, 0);
	if (in->err)
		return in->err;
	in->hash = in->hash ?: 1;
	return 1;
}

/* The id of in's string, with a reference taken, adding it if need be. */
static __always_inline int arenad__str_intern(struct arenad__intern *in)
{
	struct arenad_str *h;
	__u32 reach;

	in->home = in->hash & ARENAD_STR_SLOT_MASK;	/* hashed by arenad__str_load() */
	in->id = 0;
	in->dist = 0;
	in->err = -EAGAIN;
	bpf_loop(ARENAD_STR_SPINS, arenad__lock_cb, in, 0);
	if (in->err)
		return in->err;
	h = arenad__slot(in->home);
	if (!h)
		return -EINVAL;		/* cannot happen: home < max_entries */

	reach = arenad__once(h->reach);
	bpf_loop((reach & ARENAD_STR_SLOT_MASK) + 1, arenad__match_cb, in, 0);
	if (!in->id && !in->err) {
		bpf_loop(ARENAD_MAX_STRINGS, arenad__claim_cb, in, 0);
		if (!in->id)
			in->err = -ENOSPC;	/* every slot is in use */
		else if (in->dist > reach)
			h->reach = in->dist;
	}
	__sync_lock_test_and_set(&h->lock, 0);
	return in->err;
}

__arenad_ledger_fn __u32 pgoff_of(const struct arenad_state *st, __u64 addr)
{
	/* The kernel's own rule: offsets are taken on the low 32 bits. */
	return ((__u32)addr - (__u32)st->user_vm_start) >> ARENAD_PAGE_SHIFT;
}

__arenad_ledger_fn void raise_high_water(struct arenad_state *st, __u64 now)
{
	__u64 hw;
	int i;

	/* Bounded CAS loop: the verifier needs a bound, and losing the race
	 * a few times in a row means others are raising it for us. */
	for (i = 0; i < 8; i++) {
		hw = st->high_water_pages;
		if (now <= hw)
			return;
		if (__sync_val_compare_and_swap(&st->high_water_pages, hw, now) == hw)
			return;
	}
}

__arenad_ledger_fn struct arenad_owner *arenad__owner(__u32 owner)
{
	__u32 key = owner ? ARENAD_STR_SLOT(owner) : ARENAD_OWNERS_NONE;

	/* An array element: always there. The owner's string is held by
	 * each of its allocations (and kept for good once it has a limit),
	 * so this slot is the owner's while it counts anything. */
	return bpf_map_lookup_elem(&arenad_owners, &key);
}

/* The uid's entry, made on its first use (entries are never deleted);
 * NULL only when the table is full. */
__arenad_ledger_fn struct arenad_uid *arenad__uid(__u32 uid)
{
	struct arenad_uid *u = bpf_map_lookup_elem(&arenad_uids, &uid), fresh = {};

	if (u)
		return u;
	/* A racing first allocation of the same uid may make it first:
	 * BPF_NOEXIST, and either way the lookup finds the one entry. */
	bpf_map_update_elem(&arenad_uids, &uid, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&arenad_uids, &uid);
}

__arenad_ledger_fn void account_owner(__u32 owner, __s64 pages, __s64 allocations)
{
	struct arenad_owner *o = arenad__owner(owner);

	if (o) {
		__sync_fetch_and_add(&o->pages, pages);
		__sync_fetch_and_add(&o->allocations, allocations);
	}
}

__arenad_ledger_fn void account_uid(__u32 uid, __s64 pages, __s64 allocations)
{
	struct arenad_uid *u = bpf_map_lookup_elem(&arenad_uids, &uid);

	if (u) {
		__sync_fetch_and_add(&u->pages, pages);
		__sync_fetch_and_add(&u->allocations, allocations);
	}
}

/*
 * Quotas: reserve, then commit. An allocation adds its pages to the
 * counter with one atomic fetch-and-add and looks at what the counter held
 * before: if that plus its pages is over the limit, it subtracts them
 * again and is refused. Of any number of allocations racing for one
 * owner, each sees the others' reservations, so the counter is over the
 * limit only for the instant between a losing add and its subtraction,
 * and no allocation that would end above the limit gets its pages. (A
 * racing loser may make another allocation that would fit fail too:
 * refusals err on the safe side.) The reservation is taken before the
 * kernel is asked for pages and given back if it refuses.
 *
 * The limit is read once, before the add: a limit changed meanwhile
 * applies from the next allocation on.
 */
static __always_inline int arenad__reserve(__u64 *held, __u64 limit, __u32 pages, __u64 *was)
{
	__u64 old = __sync_fetch_and_add(held, pages);

	*was = old;
	if (ARENAD_QUOTA_IS_SET(limit) && old + pages > ARENAD_QUOTA_PAGES(limit)) {
		__sync_fetch_and_add(held, -(__s64)pages);
		return -EDQUOT;
	}
	return 0;
}

/* A refusal over a limit: which, and what the owner or uid held. */
static __always_inline int arenad__over(struct arenad_state *st, struct arenad__op *req,
					__u64 *refusals, __u32 kind, __u64 held, __u64 limit)
{
	__sync_fetch_and_add(refusals, 1);
	__sync_fetch_and_add(&st->quota_refusals, 1);
	req->quota_kind = kind;
	req->quota_held = held > 0xffffffffULL ? 0xffffffffU : (__u32)held;
	req->quota_limit = ARENAD_QUOTA_PAGES(limit);
	return -EDQUOT;
}

/*
 * Allocate. The caller holds one reference on req->owner and on req->name
 * (each may be 0), which the ledger entry keeps on success; on failure the
 * caller still holds them. Over a limit: -EDQUOT, with req->quota_* set.
 * req->pid, start_ns and comm are the creator, set by the caller; rflags
 * and origin are ARENAD_RANGE_PROG and the object's name for a program's
 * allocation, else 0.
 */
__arenad_ledger_fn int arenad__alloc(struct arenad_state *st, struct arenad__op *req,
				     __u32 rflags, __u32 origin)
{
	struct arenad_range rec = {};
	void __arena *hint = NULL, *p;
	__u32 pages = req->pages, name = req->name, pgoff;
	struct arenad_owner *o;
	struct arenad_uid *u;
	__u64 total, limit, was;
	__u32 kind;
	int err;

	if (!pages || pages > st->pages_total || (req->flags & ~ARENAD_LEASE_MASK) ||
	    (req->flags & ARENAD_LEASE_MASK) == ARENAD_LEASE_MASK)
		return -EINVAL;
	if (req->addr) {
		if (req->addr & (ARENAD_PAGE_SIZE - 1) ||
		    req->addr < st->user_vm_start ||
		    req->addr - st->user_vm_start >=
			    (__u64)st->pages_total << ARENAD_PAGE_SHIFT)
			return -EINVAL;
		hint = (void __arena *)req->addr;
	}

	o = arenad__owner(req->owner);
	u = arenad__uid(req->uid);
	if (!o)
		return -EINVAL;		/* cannot happen: the slot < max_entries */
	if (!u)
		return -E2BIG;		/* ARENAD_MAX_UIDS distinct uids */
	/* Before the counters: readers trust the id of an entry that counts
	 * something. Every writer while the string lives writes the same id. */
	o->owner = req->owner;

	/* Reserve: the owner's pages against its limit, else the default. */
	limit = arenad__once(o->limit);
	kind = ARENAD_QUOTA_KIND_OWNER;
	if (!ARENAD_QUOTA_IS_SET(limit)) {
		limit = arenad__once(st->quota_default);
		kind = ARENAD_QUOTA_KIND_DEFAULT;
	}
	if (arenad__reserve(&o->pages, limit, pages, &was))
		return arenad__over(st, req, &o->quota_refusals, kind, was, limit);
	limit = arenad__once(u->limit);
	if (arenad__reserve(&u->pages, limit, pages, &was)) {
		__sync_fetch_and_add(&o->pages, -(__s64)pages);
		/* counted for the owner too: its refusals, whichever limit */
		__sync_fetch_and_add(&o->quota_refusals, 1);
		return arenad__over(st, req, &u->quota_refusals, ARENAD_QUOTA_KIND_UID, was, limit);
	}

	/* Claim the name first, so that two allocations racing for one name
	 * cannot both succeed; the value is fixed up below. */
	if (name) {
		pgoff = 0;
		err = bpf_map_update_elem(&arenad_names, &name, &pgoff, BPF_NOEXIST);
		if (err) {
			err = err == -EEXIST ? -EEXIST : -E2BIG;
			goto unreserve;
		}
	}

	/* The arena's NUMA node is the default for every path in (socket,
	 * pinned program, BPF-side accounting), not only the daemon's. */
	p = arenad__alloc_pages(&ARENAD_ARENA, hint, pages,
				  req->numa_node == NUMA_NO_NODE ? st->numa_node : req->numa_node, 0);
	if (!p) {
		/* The kfunc returns NULL without a reason: a fixed address that
		 * fails is taken (or reserved), anything else is lack of space. */
		err = hint ? -EBUSY : -ENOMEM;
		goto unname;
	}

	pgoff = pgoff_of(st, (__u64)p);
	rec.pgoff = pgoff;
	rec.pages = pages;
	rec.owner = req->owner;
	rec.name = name;
	rec.uid = req->uid;
	rec.flags = req->flags | rflags;
	rec.time_ns = bpf_ktime_get_boot_ns();
	rec.pid = req->pid;
	rec.origin = origin;
	rec.start_ns = req->start_ns;
	__builtin_memcpy(rec.comm, req->comm, sizeof(rec.comm));
	if (bpf_map_update_elem(&arenad_ledger, &pgoff, &rec, BPF_NOEXIST)) {
		arenad__free_pages(&ARENAD_ARENA, p, pages);
		err = -E2BIG;
		goto unname;
	}
	if (name)
		bpf_map_update_elem(&arenad_names, &name, &pgoff, BPF_EXIST);

	/* Commit: the pages are counted already (reserved above). */
	__sync_fetch_and_add(&o->allocations, 1);
	__sync_fetch_and_add(&u->allocations, 1);
	total = __sync_fetch_and_add(&st->pages_allocated, pages) + pages;
	__sync_fetch_and_add(&st->allocations, 1);
	__sync_fetch_and_add(&st->live_allocations, 1);
	raise_high_water(st, total);
	arenad__event(ARENAD_EVENT_ALLOC, &rec, total);

	req->addr = (__u64)p;
	req->time_ns = rec.time_ns;
	return 0;

unname:
	if (name)
		bpf_map_delete_elem(&arenad_names, &name);
unreserve:
	__sync_fetch_and_add(&u->pages, -(__s64)pages);
	__sync_fetch_and_add(&o->pages, -(__s64)pages);
	__sync_fetch_and_add(&o->failures, 1);
	return err;
}

__arenad_ledger_fn int arenad__free(struct arenad_state *st, struct arenad__op *req)
{
	struct arenad_range rec, *r;
	__u64 total;
	__u32 pgoff;

	if (req->addr & (ARENAD_PAGE_SIZE - 1) ||
	    req->addr < st->user_vm_start ||
	    req->addr - st->user_vm_start >=
		    (__u64)st->pages_total << ARENAD_PAGE_SHIFT)
		return -EINVAL;

	pgoff = pgoff_of(st, req->addr);
	r = bpf_map_lookup_elem(&arenad_ledger, &pgoff);
	if (!r)
		return -ENOENT;
	if (req->uid && r->uid != req->uid)
		return -EPERM;
	if (req->time_ns && r->time_ns != req->time_ns)
		return -ESTALE;
	/* Pages under live objects go only with their last object. */
	if ((r->flags & ARENAD_RANGE_OBJECTS) && !(req->flags & ARENAD_FREE_OBJECTS))
		return -EBUSY;
	rec = *r;
	/* Deleting is the commit point: of two racing frees only the one
	 * whose delete succeeds goes on to free the pages. */
	if (bpf_map_delete_elem(&arenad_ledger, &pgoff))
		return -ENOENT;

	arenad__free_pages(&ARENAD_ARENA, (void __arena *)req->addr, rec.pages);
	if (rec.name)
		bpf_map_delete_elem(&arenad_names, &rec.name);
	/* Counters first, then the strings: the owner's slot must not be
	 * reclaimed while it still counts these pages. */
	account_owner(rec.owner, -(__s64)rec.pages, -1);
	account_uid(rec.uid, -(__s64)rec.pages, -1);
	total = __sync_fetch_and_add(&st->pages_allocated, -(__s64)rec.pages) - rec.pages;
	__sync_fetch_and_add(&st->frees, 1);
	__sync_fetch_and_add(&st->live_allocations, -1);
	/* Before the strings are dropped: the daemon resolves the ids when
	 * the record arrives, and a string kept alive this long is more
	 * often still there (it remembers the ones it saw, too). */
	arenad__event(ARENAD_EVENT_FREE, &rec, total);
	arenad__str_put(rec.owner);
	arenad__str_put(rec.name);

	req->pages = rec.pages;
	req->owner = rec.owner;
	req->name = rec.name;
	return 0;
}

static __always_inline struct arenad_state *arenad__state(void)
{
	__u32 zero = 0;
	struct arenad_state *st = bpf_map_lookup_elem(&arenad_state, &zero);

	return st && st->magic == ARENAD_STATE_MAGIC ? st : NULL;
}

/*
 * Who this object's allocations are accounted to: string ids that
 * libarenad's arenad_reuse() interns and writes here before load (from
 * arenad_reuse_opts.owner, default the object's name, and .name). Read
 * only by the calls below; const volatile so that the compiler keeps the
 * load and libbpf can set the value; __weak so that objects that include
 * this header link together.
 */
const volatile __u32 arenad_owner_id __weak = 0;
const volatile __u32 arenad_name_id __weak = 0;
/*
 * Who holds the object's allocations: arenad_reuse() writes the object's
 * name (a kept string id) and the loading process, which the ledger
 * records as their creator (a program attached to a hook runs in whatever
 * task hit it, which is no holder). 0: the task the program runs in.
 */
const volatile __u32 arenad_origin_id __weak = 0;
const volatile __u32 arenad_loader_pid __weak = 0;
const volatile __u64 arenad_loader_start_ns __weak = 0;
const volatile char arenad_loader_comm[ARENAD_COMM_LEN] __weak = {};

/*
 * For sleepable external programs: allocate pages accounted to owner (and
 * name, 0 for none) in arenad's ledger, within the owner's and the uid's
 * page limits. owner and name are string ids held with libarenad's
 * arenad_pins__intern() (an id whose string was released fails). Returns
 * the pages, or NULL with *err (when err is not NULL) set to the negative
 * errno: -EDQUOT over a limit, -ENOMEM no room, -ESTALE a released id,
 * -EEXIST a name in use, -EINVAL, -E2BIG a full table, -ENODEV no arenad
 * state in the maps.
 */
static __always_inline void __arena *arenad__prog_alloc(struct arenad_state *st, __u32 owner,
							__u32 name, __u32 pages, __u32 rflags,
							int *err, __u64 *time_ns)
{
	struct arenad__op req = {
		.pages = pages,
		.owner = owner,
		.name = name,
		.uid = (__u32)bpf_get_current_uid_gid(),
		.numa_node = NUMA_NO_NODE,
	};
	int r;

	if (!st) {
		r = -ENODEV;
		goto out;
	}
	if (arenad_loader_pid) {
		req.pid = arenad_loader_pid;
		req.start_ns = arenad_loader_start_ns;
		__builtin_memcpy(req.comm, (const char *)arenad_loader_comm, sizeof(req.comm));
	} else {
		arenad__creator_current(&req);
	}
	r = arenad__str_get(owner);
	if (r)
		goto fail;
	r = arenad__str_get(name);
	if (r) {
		arenad__str_put(owner);
		goto fail;
	}
	r = arenad__alloc(st, &req, ARENAD_RANGE_PROG | rflags, arenad_origin_id);
	if (r) {
		arenad__str_put(name);
		arenad__str_put(owner);
		goto fail;
	}
	if (err)
		*err = 0;
	if (time_ns)
		*time_ns = req.time_ns;
	return (void __arena *)req.addr;
fail:
	/* Quota refusals are counted apart (arenad__over()). */
	if (r != -EDQUOT)
		__sync_fetch_and_add(&st->alloc_failures, 1);
out:
	if (err)
		*err = r;
	return NULL;
}

static __always_inline void __arena *arenad_alloc_pages_err(__u32 owner, __u32 name, __u32 pages,
							    int *err)
{
	return arenad__prog_alloc(arenad__state(), owner, name, pages, 0, err, NULL);
}

/* The same without the reason. */
static __always_inline void __arena *arenad_alloc_pages_as(__u32 owner, __u32 name, __u32 pages)
{
	return arenad_alloc_pages_err(owner, name, pages, NULL);
}

/* The one-step form: pages accounted to the object's owner (see above). */
static __always_inline void __arena *arenad_alloc_pages(__u32 pages)
{
	return arenad_alloc_pages_as(arenad_owner_id, 0, pages);
}

/* The allocation called name (a string id) and its size, or NULL. */
static __always_inline void __arena *arenad_lookup_as(__u32 name, __u32 *pages)
{
	struct arenad_state *st = arenad__state();
	struct arenad_range *r;
	__u32 *pgoff;

	if (!st || !name)
		return NULL;
	pgoff = bpf_map_lookup_elem(&arenad_names, &name);
	if (!pgoff)
		return NULL;
	/* A name is claimed (with offset 0) before its pages are allocated:
	 * only a ledger entry carrying the name proves the offset. */
	r = bpf_map_lookup_elem(&arenad_ledger, pgoff);
	if (!r || r->name != name)
		return NULL;
	if (pages)
		*pages = r->pages;
	return (void __arena *)(st->user_vm_start + ((__u64)r->pgoff << ARENAD_PAGE_SHIFT));
}

/*
 * The object's named allocation (arenad_reuse_opts.name): the one that
 * exists, or else a new one of pages pages accounted to the object's
 * owner. Data kept there outlives the program and its loader, and the
 * next run finds it again. NULL when no name was set, on failure, and
 * when the existing allocation is smaller than pages (an older version of
 * the program made it: free it, e.g. arenactl-client free, to start anew).
 */
static __always_inline void __arena *arenad_named_pages(__u32 pages)
{
	__u32 name = arenad_name_id, have = 0;
	void __arena *p;

	if (!name)
		return NULL;
	p = arenad_lookup_as(name, &have);
	if (!p) {
		p = arenad_alloc_pages_as(arenad_owner_id, name, pages);
		if (p)
			return p;
		/* Lost a race to another run creating it: take that one. */
		p = arenad_lookup_as(name, &have);
	}
	return p && have >= pages ? p : NULL;
}

/* Free a whole allocation made through the ledger; pages freed or -errno. */
static __always_inline int arenad_free_pages(void __arena *ptr)
{
	struct arenad__op req = {
		.addr = (__u64)ptr,
	};
	struct arenad_state *st = arenad__state();
	int r;

	if (!st)
		return -ENODEV;
	r = arenad__free(st, &req);
	return r ? r : (int)req.pages;
}

#endif /* __ARENAD_LEDGER_BPF_H */
