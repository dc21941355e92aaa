// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libarenad: the pinned maps and program, used directly. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "arenad.h"
#include "error.h"
#include "opts.h"
#include "pin_table.h"
#include "refusal.h"

struct arenad_pins {
	int fd[LIBARENAD_PIN__COUNT];
	/* The uid allocations are recorded under when the caller is root
	 * (the program takes any other caller's from its task): read once,
	 * as geteuid() is a syscall and alloc/free should make only one. */
	uid_t euid;
	char dir[];
};

void arenad_pins__close(struct arenad_pins *pins)
{
	unsigned int i;

	if (!pins)
		return;
	libarenad_for_each_pin(i)
		if (pins->fd[i] >= 0)
			close(pins->fd[i]);
	free(pins);
}

int arenad_pins_count(const char *pin_dir)
{
	char path[PATH_MAX];
	unsigned int i;
	int n = 0;

	libarenad_for_each_pin(i) {
		if (libarenad_pin_path(path, sizeof(path), pin_dir, libarenad_pin_table[i].file))
			return libarenad_err(-ENAMETOOLONG, "pin directory %s: name too long", pin_dir);
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

struct arenad_pins *arenad_pins__open(const char *pin_dir)
{
	struct arenad_pins *pins;
	char path[PATH_MAX];
	unsigned int i;
	int r;

	pin_dir = pin_dir ?: ARENAD_DEFAULT_PIN_DIR;
	pins = calloc(1, sizeof(*pins) + strlen(pin_dir) + 1);
	if (!pins) {
		libarenad_err(-ENOMEM, "out of memory");
		return NULL;
	}
	strcpy(pins->dir, pin_dir);
	pins->euid = geteuid();
	libarenad_for_each_pin(i)
		pins->fd[i] = -1;
	libarenad_for_each_pin(i) {
		r = libarenad_pin_path(path, sizeof(path), pin_dir, libarenad_pin_table[i].file);
		if (r) {
			libarenad_err(r, "pin directory %s: name too long", pin_dir);
			goto fail;
		}
		pins->fd[i] = bpf_obj_get(path);
		if (pins->fd[i] < 0 && errno == ENOENT && libarenad_pin_table[i].optional)
			continue;	/* a set an older arenad pinned */
		if (pins->fd[i] < 0) {
			r = -errno;
			libarenad_err(r, "open %s: %s (is arenad running with --pin-dir %s?)",
				      path, strerror(-r), pin_dir);
			goto fail;
		}
	}
	return pins;
fail:
	arenad_pins__close(pins);
	errno = -r;
	return NULL;
}

int libarenad_pins_fd(const struct arenad_pins *pins, enum libarenad_pin_id id)
{
	return pins->fd[id];
}

const char *arenad_pins__dir(const struct arenad_pins *pins)
{
	return pins->dir;
}

int arenad_pins__arena_fd(const struct arenad_pins *pins)
{
	return pins->fd[LIBARENAD_PIN_ARENA];
}

int arenad_pins__state_fd(const struct arenad_pins *pins)
{
	return pins->fd[LIBARENAD_PIN_STATE];
}

int arenad_pins__ledger_fd(const struct arenad_pins *pins)
{
	return pins->fd[LIBARENAD_PIN_LEDGER];
}

int arenad_pins__owners_fd(const struct arenad_pins *pins)
{
	return pins->fd[LIBARENAD_PIN_OWNERS];
}

int arenad_pins__strings_fd(const struct arenad_pins *pins)
{
	return pins->fd[LIBARENAD_PIN_STRINGS];
}

int arenad_pins__names_fd(const struct arenad_pins *pins)
{
	return pins->fd[LIBARENAD_PIN_NAMES];
}

int arenad_pins__uids_fd(const struct arenad_pins *pins)
{
	return pins->fd[LIBARENAD_PIN_UIDS];
}

int arenad_pins__prog_fd(const struct arenad_pins *pins)
{
	return pins->fd[LIBARENAD_PIN_ALLOC_PROG];
}

int arenad_pins__state(const struct arenad_pins *pins, struct arenad_state *st)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(arenad_pins__state_fd(pins), &zero, st))
		return libarenad_err(-errno, "read %s/" ARENAD_PIN_STATE ": %s",
				     pins->dir, strerror(errno));
	if (st->magic != ARENAD_STATE_MAGIC)
		return libarenad_err(-EBADMSG, "%s/" ARENAD_PIN_STATE " is not arenad's state map "
				     "(magic 0x%x)", pins->dir, st->magic);
	if (st->abi_version != ARENAD_ABI_VERSION)
		return libarenad_err(-EPROTO, "the pins in %s are of arenad ABI %u, this library "
				     "speaks %u", pins->dir, st->abi_version, ARENAD_ABI_VERSION);
	return 0;
}

/* Tries of a run that found a string-table lock taken (-EAGAIN). */
#define RUN_RETRIES 1000

/* The allocator's refusals, in the words of the one table (refusal.h). */
static int run_error(const struct arenad_req *req, int r)
{
	char msg[256];

	libarenad_refusal(r, req, NULL, msg, sizeof(msg));
	return libarenad_err(r, "%s", msg);
}

int arenad_pins__run(const struct arenad_pins *pins, struct arenad_req *req)
{
	/* Syscall programs take no ctx_out: the kernel copies the context
	 * back into ctx_in, which is how the result comes back. */
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.ctx_in = req,
		.ctx_size_in = sizeof(*req),
	);
	struct arenad_req in = *req;
	int i;

	for (i = 0; ; i++) {
		if (bpf_prog_test_run_opts(arenad_pins__prog_fd(pins), &opts))
			return libarenad_err(-errno, "run %s/" ARENAD_PIN_ALLOC_PROG ": %s",
					     pins->dir, strerror(errno));
		/* -EAGAIN: nothing was done; the lock's holder is running. */
		if (req->ret != -EAGAIN || i == RUN_RETRIES)
			return req->ret ? run_error(req, req->ret) : 0;
		*req = in;
		sched_yield();
	}
}

/*
 * A string slot as one consistent snapshot: BPF may be writing it while we
 * copy, so read it twice and keep it when the generation, state and
 * string agree (the reference count may move; it does not matter here).
 */
static int read_slot(int fd, __u32 slot, struct arenad_str *v)
{
	struct arenad_str again;
	int i;

	for (i = 0; i < 16; i++) {
		if (bpf_map_lookup_elem(fd, &slot, v) || bpf_map_lookup_elem(fd, &slot, &again))
			return -errno;
		if ((v->ref & ~ARENAD_STR_REFS) == (again.ref & ~ARENAD_STR_REFS) &&
		    v->hash == again.hash && !memcmp(v->str, again.str, sizeof(v->str)))
			return 0;
	}
	return -EAGAIN;
}

static int str_copy(char *dst, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= ARENAD_STR_LEN)
		return -EINVAL;
	memset(dst, 0, ARENAD_STR_LEN);
	memcpy(dst, s, n);
	return 0;
}

static int intern(const struct arenad_pins *pins, const char *s, __u32 flags, __u32 *id)
{
	struct arenad_req req = { .op = ARENAD_OP_INTERN, .flags = flags };
	int r;

	if (!s || !*s || str_copy(req.owner_str, s))
		return libarenad_err(-EINVAL, "owner and name strings are 1..%d bytes",
				     ARENAD_STR_LEN - 1);
	r = arenad_pins__run(pins, &req);
	if (r)
		return r;
	*id = req.owner;
	return 0;
}

int arenad_pins__intern(const struct arenad_pins *pins, const char *s, __u32 *id)
{
	return intern(pins, s, 0, id);
}

int arenad_pins__keep(const struct arenad_pins *pins, const char *s, __u32 *id)
{
	return intern(pins, s, ARENAD_INTERN_KEEP, id);
}

int arenad_pins__release(const struct arenad_pins *pins, __u32 id)
{
	struct arenad_req req = { .op = ARENAD_OP_RELEASE, .owner = id };

	return arenad_pins__run(pins, &req);
}

#define FIND_CHUNK 256

static int str_find(int strings_fd, const char *s, __u32 *id)
{
	struct arenad_str v, *vals;
	char want[ARENAD_STR_LEN];
	__u32 hash, home, reach, i, k, count, slot, prev, keys[FIND_CHUNK];
	int r;

	if (!s || !*s || str_copy(want, s))
		return -EINVAL;
	hash = arenad_str_hash(want);
	home = hash & ARENAD_STR_SLOT_MASK;
	r = read_slot(strings_fd, home, &v);
	if (r)
		return r;
	/* Where the allocator would look (arenad_ledger.bpf.h): reach slots
	 * past home, read in batches; a candidate is read again by itself. */
	reach = v.reach;
	vals = malloc(FIND_CHUNK * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	r = -ENOENT;
	for (i = 0; i <= reach && i < ARENAD_MAX_STRINGS && r == -ENOENT; i += count) {
		slot = (home + i) & ARENAD_STR_SLOT_MASK;
		count = FIND_CHUNK;
		if (count > ARENAD_MAX_STRINGS - slot)
			count = ARENAD_MAX_STRINGS - slot;	/* wraps: next batch from 0 */
		if (count > reach + 1 - i)
			count = reach + 1 - i;
		prev = slot - 1;	/* an array's batch starts after in_batch */
		if (bpf_map_lookup_batch(strings_fd, slot ? &prev : NULL, &prev, keys, vals,
					 &count, NULL) && errno != ENOENT) {
			r = -errno;
			break;
		}
		if (!count)
			break;
		for (k = 0; k < count; k++) {
			if (!(vals[k].ref & ARENAD_STR_LIVE) || vals[k].hash != hash ||
			    memcmp(vals[k].str, want, sizeof(want)))
				continue;
			r = read_slot(strings_fd, keys[k], &v);
			if (!r && (v.ref & ARENAD_STR_LIVE) && !memcmp(v.str, want, sizeof(want))) {
				*id = ARENAD_STR_ID(keys[k], v.ref);
				break;
			}
			r = r ?: -ENOENT;
		}
	}
	free(vals);
	return r;
}

int arenad_pins__find_str(const struct arenad_pins *pins, const char *s, __u32 *id)
{
	int r = str_find(arenad_pins__strings_fd(pins), s, id);

	if (r == -ENOENT)
		return libarenad_err(r, "'%s' is not in the string table", s);
	if (r == -EINVAL)
		return libarenad_err(r, "owner and name strings are 1..%d bytes",
				     ARENAD_STR_LEN - 1);
	if (r)
		return libarenad_err(r, "read the string table: %s", strerror(-r));
	return 0;
}

static int str_get(int strings_fd, __u32 id, char *buf, size_t len)
{
	struct arenad_str val;
	int r;

	if (len)
		buf[0] = 0;
	if (!id)
		return -ENOENT;
	r = read_slot(strings_fd, ARENAD_STR_SLOT(id), &val);
	if (r)
		return r;
	if (!(val.ref & ARENAD_STR_LIVE) || ARENAD_STR_ID(ARENAD_STR_SLOT(id), val.ref) != id)
		return -ENOENT;		/* released, and maybe reused: not this id's */
	val.str[ARENAD_STR_LEN - 1] = 0;
	if (snprintf(buf, len, "%s", val.str) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int arenad_pins__str(const struct arenad_pins *pins, __u32 id, char *buf, size_t len)
{
	int r = str_get(arenad_pins__strings_fd(pins), id, buf, len);

	if (r == -ENOENT)
		return libarenad_err(r, "string id %u is no live string", id);
	if (r == -ENAMETOOLONG)
		return libarenad_err(r, "string id %u: longer than the buffer", id);
	if (r)
		return libarenad_err(r, "string id %u: %s", id, strerror(-r));
	return 0;
}

int arenad_pins__obj_owner(const struct arenad_pins *pins, __u32 owner,
			   struct arenad_obj_owner *ob)
{
	__u32 slot = owner ? ARENAD_STR_SLOT(owner) : ARENAD_OWNERS_NONE;
	int fd = pins->fd[LIBARENAD_PIN_OBJ_OWNERS];

	if (fd < 0)
		return libarenad_err(-ENOENT, "the pins in %s have no object counters "
				     "(pinned by an arenad without objects)", pins->dir);
	if (bpf_map_lookup_elem(fd, &slot, ob))
		return libarenad_err(-errno, "read %s/" ARENAD_PIN_OBJ_OWNERS ": %s",
				     pins->dir, strerror(errno));
	return 0;
}

int arenad_pins__find_name(const struct arenad_pins *pins, const char *name,
			   struct arenad_range *r)
{
	__u32 id, pgoff;
	int ret;

	ret = str_find(arenad_pins__strings_fd(pins), name, &id);
	if (ret == -ENOENT)
		return libarenad_err(ret, "no allocation named '%s'", name);
	if (ret)
		return libarenad_err(ret, "look up '%s': %s", name, strerror(-ret));
	if (bpf_map_lookup_elem(arenad_pins__names_fd(pins), &id, &pgoff) ||
	    bpf_map_lookup_elem(arenad_pins__ledger_fd(pins), &pgoff, r)) {
		if (errno == ENOENT)
			return libarenad_err(-ENOENT, "no allocation named '%s'", name);
		return libarenad_err(-errno, "look up '%s': %s", name, strerror(errno));
	}
	/* The name is claimed before its pages exist: a name whose ledger
	 * entry is not (yet) its own is an allocation in flight. */
	if (r->name != id)
		return libarenad_err(-ENOENT, "no allocation named '%s' (yet)", name);
	return 0;
}

static int by_pgoff(const void *a, const void *b)
{
	const struct arenad_range *x = a, *y = b;

	return x->pgoff < y->pgoff ? -1 : x->pgoff > y->pgoff;
}

/*
 * Batched reads: one syscall per chunk of entries instead of two per entry
 * (get_next_key + lookup). The batch cursor is a hash bucket index, so an
 * allocation freed during the walk cannot restart it, which get_next_key
 * does when its previous key is gone: every entry comes at most once.
 */
#define RANGES_CHUNK	1024

/* Make room for want elements of size sz in *buf of *cap: 0 or -ENOMEM. */
static int reserve(void **buf, size_t *cap, size_t want, size_t sz)
{
	size_t c = *cap ? *cap : want;
	void *p;

	if (want <= *cap)
		return 0;
	while (c < want)
		c *= 2;
	p = realloc(*buf, c * sz);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = c;
	return 0;
}

int arenad_pins__ranges(const struct arenad_pins *pins, struct arenad_range **ranges,
			size_t *n)
{
	struct arenad_range *out = NULL;
	__u32 *keys = NULL, cursor = 0, count, chunk = RANGES_CHUNK;
	size_t len = 0, out_cap = 0, keys_cap = 0;
	bool first = true;
	int ret;

	for (;;) {
		ret = reserve((void **)&out, &out_cap, len + chunk, sizeof(*out));
		if (!ret)
			ret = reserve((void **)&keys, &keys_cap, chunk, sizeof(*keys));
		if (ret)
			break;
		count = chunk;
		ret = bpf_map_lookup_batch(arenad_pins__ledger_fd(pins), first ? NULL : &cursor,
					   &cursor,
					   keys, out + len, &count, NULL) ? -errno : 0;
		if (ret == -ENOSPC && !count && chunk < ARENAD_MAX_PAGES) {
			/* One hash bucket holds more than a chunk: ask for more
			 * (the ledger has at most one entry per page). */
			chunk *= 2;
			continue;
		}
		if (ret && ret != -ENOENT)
			break;
		len += count;
		first = false;
		if (ret == -ENOENT) {	/* that was the last chunk */
			ret = 0;
			break;
		}
	}
	free(keys);
	if (ret) {
		free(out);
		*ranges = NULL;
		*n = 0;
		return libarenad_err(ret, "read %s/" ARENAD_PIN_LEDGER ": %s", pins->dir,
				     strerror(-ret));
	}
	qsort(out, len, sizeof(*out), by_pgoff);
	*ranges = out;
	*n = len;
	return 0;
}

int arenad_pins__alloc(const struct arenad_pins *pins, __u32 pages,
		       const struct arenad_alloc_opts *opts, __u64 *addr)
{
	const char *name = OPTS_GET(opts, name, NULL);
	struct arenad_req req = {
		.op = ARENAD_OP_ALLOC,
		.pages = pages,
		.addr = OPTS_GET(opts, addr, 0),
		.uid = pins->euid,
		.numa_node = -1,
		.flags = OPTS_GET(opts, lease, 0),
	};
	int r;

	if (!OPTS_VALID(opts, arenad_alloc_opts))
		return libarenad_err(-EINVAL, "arenad_alloc_opts: bad .sz or unknown options set");
	/* The allocator records this process as the holder (pid 0). */
	if (req.flags == ARENAD_LEASE_CONNECTION)
		return libarenad_err(-EINVAL, "a connection lease needs a connection: "
				     "arenad_client__alloc(), not the pinned allocator");
	if (req.flags & ~ARENAD_LEASE_PROCESS)
		return libarenad_err(-EINVAL, "arenad_alloc_opts.lease: 0 or ARENAD_LEASE_PROCESS, "
				     "not %u", req.flags);
	/* The allocator interns them and takes their references in the
	 * same run: an id is never held across two runs. */
	if (str_copy(req.owner_str, OPTS_GET(opts, owner, NULL)) || str_copy(req.name_str, name))
		return libarenad_err(-EINVAL, "owner and name strings are at most %d bytes",
				     ARENAD_STR_LEN - 1);
	r = arenad_pins__run(pins, &req);
	if (r == -EEXIST)
		return libarenad_err(r, "name '%s' is already in use", name);
	if (r)
		return r;
	*addr = req.addr;
	return 0;
}

int arenad_pins__free(const struct arenad_pins *pins, __u64 addr, __u32 *pages)
{
	struct arenad_req req = {
		.op = ARENAD_OP_FREE,
		.addr = addr,
		.uid = pins->euid,
	};
	int r;

	r = arenad_pins__run(pins, &req);
	if (r)
		return r;
	if (pages)
		*pages = req.pages;
	return 0;
}
