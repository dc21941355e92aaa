// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The seam between the daemon's request path and the kernel, for the fuzz
 * harness: the pins API (allocator, ledger, strings, names), the owners
 * map (a memory file that owners.c maps), the census and the parts of the
 * server, the workers and the inventory that methods call, over a small
 * in-memory model. Linked instead of libarenad, census.o, server.o,
 * worker.o and inventory.o; everything above it (rpc.c,
 * json_strict.c, json_out.c, methods*.c, scan.c, bitmap.c) is the
 * daemon's own code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "census.h"
#include "counters.h"
#include "daemon.h"
#include "inventory.h"
#include "json_out.h"
#include "metrics.h"
#include "seam.h"
#include "server.h"
#include "worker.h"

#define MAX_RANGES	64
#define MAX_STRS	32

static void owners_sync(void);

static struct arenad_range ranges[MAX_RANGES];
static unsigned int n_ranges;
static char strs[MAX_STRS][ARENAD_STR_LEN];
static unsigned int n_strs;
static struct arenad_state state;
static __u64 bits[SEAM_PAGES / 64];

void seam_reset(void)
{
	n_ranges = 0;
	n_strs = 0;
	memset(bits, 0, sizeof(bits));
	state = (struct arenad_state) {
		.magic = 1,
		.user_vm_start = SEAM_BASE,
		.pages_total = SEAM_PAGES,
		.numa_node = -1,
	};
	owners_sync();
}

int arenad_pins__state(const struct arenad_pins *pins, struct arenad_state *st)
{
	*st = state;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct arenad_range *x = a, *y = b;

	return x->pgoff < y->pgoff ? -1 : x->pgoff > y->pgoff;
}

static bool busy(__u32 pgoff, __u32 pages)
{
	unsigned int i;

	for (i = 0; i < n_ranges; i++)
		if (pgoff < ranges[i].pgoff + ranges[i].pages && ranges[i].pgoff < pgoff + pages)
			return true;
	return false;
}

static int model_intern(const char *s, __u32 *id);

int arenad_pins__run(const struct arenad_pins *pins, struct arenad_req *req)
{
	__u32 pgoff, i;

	if (req->op == ARENAD_OP_ALLOC) {
		/* The allocator interns the request's strings itself. */
		if ((req->owner_str[0] && model_intern(req->owner_str, &req->owner)) ||
		    (req->name_str[0] && model_intern(req->name_str, &req->name)))
			return req->ret = -ENOSPC;
		if (!req->pages || req->pages > SEAM_PAGES || n_ranges == MAX_RANGES)
			return req->ret = -ENOMEM;
		for (i = 0; req->name && i < n_ranges; i++)
			if (ranges[i].name == req->name)
				return req->ret = -EEXIST;
		if (req->addr) {
			pgoff = (req->addr - SEAM_BASE) >> ARENAD_PAGE_SHIFT;
			if (pgoff + (__u64)req->pages > SEAM_PAGES || busy(pgoff, req->pages))
				return req->ret = -EBUSY;
		} else {
			for (pgoff = 0; pgoff + req->pages <= SEAM_PAGES && busy(pgoff, req->pages); pgoff++)
				;
			if (pgoff + req->pages > SEAM_PAGES)
				return req->ret = -ENOMEM;
		}
		ranges[n_ranges++] = (struct arenad_range) {
			.pgoff = pgoff, .pages = req->pages, .owner = req->owner,
			.name = req->name, .uid = req->uid,
		};
		qsort(ranges, n_ranges, sizeof(ranges[0]), cmp_range);
		for (i = pgoff; i < pgoff + req->pages; i++)
			bits[i / 64] |= 1ULL << (i % 64);
		req->addr = SEAM_BASE + ((__u64)pgoff << ARENAD_PAGE_SHIFT);
		state.pages_allocated += req->pages;
		state.live_allocations++;
		owners_sync();
		state.allocations++;
		return req->ret = 0;
	}
	if (req->op == ARENAD_OP_FREE) {
		pgoff = (req->addr - SEAM_BASE) >> ARENAD_PAGE_SHIFT;
		for (i = 0; i < n_ranges && ranges[i].pgoff != pgoff; i++)
			;
		if (i == n_ranges)
			return req->ret = -ENOENT;
		if (req->uid && ranges[i].uid != req->uid)
			return req->ret = -EPERM;
		req->pages = ranges[i].pages;
		state.pages_allocated -= req->pages;
		state.live_allocations--;
		for (pgoff = ranges[i].pgoff; pgoff < ranges[i].pgoff + ranges[i].pages; pgoff++)
			bits[pgoff / 64] &= ~(1ULL << (pgoff % 64));
		ranges[i] = ranges[--n_ranges];
		qsort(ranges, n_ranges, sizeof(ranges[0]), cmp_range);
		owners_sync();
		state.frees++;
		return req->ret = 0;
	}
	return req->ret = -EINVAL;
}

int arenad_pins__ranges(const struct arenad_pins *pins, struct arenad_range **out, size_t *n)
{
	*out = malloc(sizeof(ranges[0]) * (n_ranges ?: 1));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, ranges, sizeof(ranges[0]) * n_ranges);
	*n = n_ranges;
	return 0;
}

int arenad_pins__find_str(const struct arenad_pins *pins, const char *s, __u32 *id)
{
	unsigned int i;

	for (i = 0; i < n_strs; i++)
		if (!strcmp(strs[i], s)) {
			*id = i + 1;
			return 0;
		}
	return -ENOENT;
}

static int model_intern(const char *s, __u32 *id)
{
	if (!arenad_pins__find_str(NULL, s, id))
		return 0;
	if (n_strs == MAX_STRS || strlen(s) >= ARENAD_STR_LEN)
		return -ENOSPC;
	strcpy(strs[n_strs++], s);
	*id = n_strs;
	return 0;
}

int arenad_pins__str(const struct arenad_pins *pins, __u32 id, char *buf, size_t len)
{
	if (!id || id > n_strs)
		return -ENOENT;
	snprintf(buf, len, "%s", strs[id - 1]);
	return 0;
}

int arenad_pins__find_name(const struct arenad_pins *pins, const char *name,
			   struct arenad_range *r)
{
	unsigned int i;
	__u32 id;

	if (arenad_pins__find_str(NULL, name, &id))
		return -ENOENT;
	for (i = 0; i < n_ranges; i++)
		if (ranges[i].name == id) {
			*r = ranges[i];
			return 0;
		}
	return -ENOENT;
}

/* The harness has no pins object: no fds (the map reads below take any). */
int arenad_pins__arena_fd(const struct arenad_pins *pins) { return -1; }
int arenad_pins__state_fd(const struct arenad_pins *pins) { return -1; }
int arenad_pins__ledger_fd(const struct arenad_pins *pins) { return -1; }
int arenad_pins__strings_fd(const struct arenad_pins *pins) { return -1; }
int arenad_pins__names_fd(const struct arenad_pins *pins) { return -1; }
int arenad_pins__uids_fd(const struct arenad_pins *pins) { return -1; }

/*
 * The owners map, which owners.c maps read-only: a memory file that holds
 * what the ledger model has per owner, rewritten after every change (the
 * allocator updates the map before it bumps the generation).
 */
static int owners_fd = -1;

int arenad_pins__owners_fd(const struct arenad_pins *pins)
{
	if (owners_fd < 0) {
		owners_fd = memfd_create("seam-owners", MFD_CLOEXEC);
		if (owners_fd >= 0 &&
		    ftruncate(owners_fd, ARENAD_MAX_OWNERS * sizeof(struct arenad_owner))) {
			close(owners_fd);
			owners_fd = -1;
		}
	}
	return owners_fd;
}

static void owners_sync(void)
{
	struct arenad_owner o[MAX_STRS + 1] = {};
	unsigned int i;

	if (arenad_pins__owners_fd(NULL) < 0)
		return;
	for (i = 0; i < n_ranges; i++) {
		o[ranges[i].owner].owner = ranges[i].owner;
		o[ranges[i].owner].pages += ranges[i].pages;
		o[ranges[i].owner].allocations++;
	}
	(void)!pwrite(owners_fd, o, sizeof(o), 0);
}

/* The census: the model's pages, by method "rt" (1); "full" did not pass. */
static int a_census;

struct census *seam_census(void)
{
	return (struct census *)&a_census;
}

/* Other programs' arenas: no method passed (the inventory is the seam's).
 * census_verdict_method() is the real one, on these verdicts. */
static const struct census_verdict verdicts[] = {
	[CENSUS_MANAGED] = {
		.method = ARENAD_CENSUS_RT,
		.passed = { [ARENAD_CENSUS_RT] = true },
		.why = {
			[ARENAD_CENSUS_FULL] = "not in the fuzz seam",
			[ARENAD_CENSUS_KMOD] = "not in the fuzz seam",
		},
	},
	[CENSUS_FOREIGN] = {
		.why = {
			[ARENAD_CENSUS_FULL] = "not in the fuzz seam",
			[ARENAD_CENSUS_RT] = "not in the fuzz seam",
			[ARENAD_CENSUS_KMOD] = "not in the fuzz seam",
		},
		.reason = "not in the fuzz seam",
	},
};

const struct census_verdict *census_verdict(const struct census *c, enum census_arenas which)
{
	return &verdicts[which];
}

int census_run(struct census *c, int method, struct census_result *res)
{
	unsigned int i;

	*res = (struct census_result) { .bits = bits, .npages = SEAM_PAGES, .method = "rt" };
	for (i = 0; i < SEAM_PAGES; i++)
		res->present += !!(bits[i / 64] & 1ULL << (i % 64));
	return 0;
}

unsigned int server_clients(const struct server *s) { return 1; }

/*
 * Kept calls: the seam's worker runs each job at once, so a kept call is
 * answered before its handler returns, and the dispatcher gives that
 * answer. One answered later would be kept here, as the server would send
 * it, for seam_take_answer().
 */
static struct rpc_answer later;

static void seam_answered(void *userdata, struct rpc_answer *a)
{
	rpc_answer_done(&later);
	later = *a;
	*a = (struct rpc_answer) {};
}

static bool over_budget;

static bool seam_over_budget(void *userdata)
{
	return over_budget;
}

static const struct rpc_link_ops seam_link_ops = {
	.over_budget = seam_over_budget,
	.answered = seam_answered,
};

const struct rpc_link *seam_link(bool over)
{
	static const struct rpc_link link = { .ops = &seam_link_ops };

	over_budget = over;
	return &link;
}

void seam_take_answer(struct rpc_answer *a)
{
	if (a->kind != RPC_ANSWER_LATER)
		return;
	rpc_answer_done(a);
	*a = later;
	later = (struct rpc_answer) {};
}

static int a_worker;

struct worker *seam_worker(void)
{
	return (struct worker *)&a_worker;
}

void worker_submit(struct worker *w, struct worker_job *job)
{
	job->run(job);
	job->done(job, 0);
}

int inventory_submit(struct inventory *inv, enum inv_job_kind kind, __u32 map_id,
		     inv_done_t done, void *userdata)
{
	return -EAGAIN;
}

int inventory_submit_scan(struct inventory *inv, enum inv_job_kind kind, __u32 map_id, int method,
			  inv_done_t done, void *userdata)
{
	return -EAGAIN;
}

int metrics_render(struct arenad *d, bool own_process, char **text, size_t *len)
{
	*text = strdup("# no metrics in the fuzz seam\n");
	*len = *text ? strlen(*text) : 0;
	return *text ? 0 : -ENOMEM;
}

/* The state map's counters (counters.c reads them from an mmap). */
int counters_read(const struct counters *c, struct arenad_state *st)
{
	*st = state;
	return 0;
}
