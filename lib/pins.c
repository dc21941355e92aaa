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

static const struct {
	const char *name;
	size_t off;
} pin_table[] = {
	{ ARENAD_PIN_ARENA,	offsetof(struct arenad_pins, arena_fd) },
	{ ARENAD_PIN_STATE,	offsetof(struct arenad_pins, state_fd) },
	{ ARENAD_PIN_LEDGER,	offsetof(struct arenad_pins, ledger_fd) },
	{ ARENAD_PIN_OWNERS,	offsetof(struct arenad_pins, owners_fd) },
	{ ARENAD_PIN_STRINGS,	offsetof(struct arenad_pins, strings_fd) },
	{ ARENAD_PIN_NAMES,	offsetof(struct arenad_pins, names_fd) },
	{ ARENAD_PIN_ALLOC_PROG, offsetof(struct arenad_pins, prog_fd) },
};

static int *pin_fd(struct arenad_pins *pins, unsigned int i)
{
	return (int *)((char *)pins + pin_table[i].off);
}

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void arenad_pins_close(struct arenad_pins *pins)
{
	unsigned int i;

	for (i = 0; i < sizeof(pin_table) / sizeof(pin_table[0]); i++) {
		int *fd = pin_fd(pins, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

int arenad_pins_count(const char *pin_dir)
{
	char path[PATH_MAX];
	unsigned int i;
	int n = 0;

	pin_dir = pin_dir ?: ARENAD_DEFAULT_PIN_DIR;
	for (i = 0; i < sizeof(pin_table) / sizeof(pin_table[0]); i++) {
		if (pin_path(path, sizeof(path), pin_dir, pin_table[i].name))
			return -ENAMETOOLONG;
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

int arenad_pins_open(const char *pin_dir, struct arenad_pins *pins)
{
	char path[PATH_MAX];
	unsigned int i;
	int r;

	pin_dir = pin_dir ?: ARENAD_DEFAULT_PIN_DIR;
	*pins = (struct arenad_pins)ARENAD_PINS_INIT;
	for (i = 0; i < sizeof(pin_table) / sizeof(pin_table[0]); i++) {
		r = pin_path(path, sizeof(path), pin_dir, pin_table[i].name);
		if (r)
			goto fail;
		*pin_fd(pins, i) = bpf_obj_get(path);
		if (*pin_fd(pins, i) < 0) {
			r = -errno;
			goto fail;
		}
	}
	return 0;
fail:
	arenad_pins_close(pins);
	return r;
}

int arenad_pins_state(const struct arenad_pins *pins, struct arenad_state *st)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(pins->state_fd, &zero, st))
		return -errno;
	if (st->magic != ARENAD_STATE_MAGIC)
		return -EBADMSG;
	if (st->abi_version != ARENAD_ABI_VERSION)
		return -EPROTO;
	return 0;
}

/* Tries of a run that found a string-table lock taken (-EAGAIN). */
#define RUN_RETRIES 1000

int arenad_pins_run(const struct arenad_pins *pins, struct arenad_req *req)
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
		if (bpf_prog_test_run_opts(pins->prog_fd, &opts))
			return -errno;
		/* -EAGAIN: nothing was done; the lock's holder is running. */
		if (req->ret != -EAGAIN || i == RUN_RETRIES)
			return req->ret;
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
		return -EINVAL;
	r = arenad_pins_run(pins, &req);
	if (r)
		return r;
	*id = req.owner;
	return 0;
}

int arenad_str_intern(const struct arenad_pins *pins, const char *s, __u32 *id)
{
	return intern(pins, s, 0, id);
}

int arenad_str_keep(const struct arenad_pins *pins, const char *s, __u32 *id)
{
	return intern(pins, s, ARENAD_INTERN_KEEP, id);
}

int arenad_str_release(const struct arenad_pins *pins, __u32 id)
{
	struct arenad_req req = { .op = ARENAD_OP_RELEASE, .owner = id };

	return arenad_pins_run(pins, &req);
}

#define FIND_CHUNK 256

int arenad_str_find(int strings_fd, const char *s, __u32 *id)
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

int arenad_str_get(int strings_fd, __u32 id, char *buf, size_t len)
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

int arenad_name_find(const struct arenad_pins *pins, const char *name,
		     struct arenad_range *r)
{
	__u32 id, pgoff;
	int ret;

	ret = arenad_str_find(pins->strings_fd, name, &id);
	if (ret)
		return ret;
	if (bpf_map_lookup_elem(pins->names_fd, &id, &pgoff))
		return -errno;
	if (bpf_map_lookup_elem(pins->ledger_fd, &pgoff, r))
		return -errno;
	/* The name is claimed before its pages exist: a name whose ledger
	 * entry is not (yet) its own is an allocation in flight. */
	return r->name == id ? 0 : -ENOENT;
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

int arenad_pins_ranges(const struct arenad_pins *pins, struct arenad_range **ranges,
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
		ret = bpf_map_lookup_batch(pins->ledger_fd, first ? NULL : &cursor, &cursor,
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
		return ret;
	}
	qsort(out, len, sizeof(*out), by_pgoff);
	*ranges = out;
	*n = len;
	return 0;
}

int arenad_pins_alloc(const struct arenad_pins *pins, __u32 pages,
		      const char *owner, const char *name, __u64 *addr)
{
	struct arenad_req req = {
		.op = ARENAD_OP_ALLOC,
		.pages = pages,
		.uid = geteuid(),
		.numa_node = -1,
	};
	int r;

	/* The allocator interns them and takes their references in the
	 * same run: an id is never held across two runs. */
	if (str_copy(req.owner_str, owner) || str_copy(req.name_str, name))
		return -EINVAL;
	r = arenad_pins_run(pins, &req);
	if (r)
		return r;
	*addr = req.addr;
	return 0;
}

int arenad_pins_free(const struct arenad_pins *pins, __u64 addr, __u32 *pages)
{
	struct arenad_req req = {
		.op = ARENAD_OP_FREE,
		.addr = addr,
		.uid = geteuid(),
	};
	int r;

	r = arenad_pins_run(pins, &req);
	if (r)
		return r;
	if (pages)
		*pages = req.pages;
	return 0;
}
