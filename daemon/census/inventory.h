/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every arena on the host — the daemon's own and other programs' — with a
 * kernel-truth census of its present pages and who holds it (programs,
 * processes, bpffs pins). The work runs on a worker thread, off the event loop; its
 * results come back to the loop. The latest finished inventory is kept, so
 * a reader (stats, metrics) never waits for a census.
 */
#ifndef __ARENAD_INVENTORY_H
#define __ARENAD_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include <linux/types.h>

#include "rpc.h"

struct census;
struct worker;
struct census;
struct inventory;

struct inv_prog {
	__u32 id;
	__u32 type;			/* enum bpf_prog_type */
	char name[16];
};

struct inv_proc {
	__u32 pid;
	char comm[16];
	char *unit;			/* systemd unit, NULL when none */
	__u32 fds;			/* fds it holds on the arena map */
	bool mapped;			/* the arena is mmapped in it */
};

struct inv_arena {
	__u32 map_id;
	char name[16];
	__u32 pages_total;
	__u32 page_size;
	__u32 map_flags;
	__u64 user_vm_start;		/* 0: none set yet */
	bool managed;			/* the arena this daemon owns */
	bool census_ok;			/* pages_present is valid */
	__u32 pages_present;
	__u32 pages_probed;
	const char *census_method;	/* static string, NULL without census */
	char census_unavailable[256];	/* why, when !census_ok */
	__u64 census_duration_us;
	struct inv_prog *progs;
	size_t n_progs;
	struct inv_proc *procs;
	size_t n_procs;
	char **pins;			/* bpffs paths of the map, malloc'ed */
	size_t n_pins;
};

/* One finished inventory, sorted by map_id. Shared, reference counted. */
struct inv_list {
	struct inv_arena *arenas;
	size_t n;
	__u64 when_usec;		/* CLOCK_MONOTONIC when it finished */
	__u64 duration_us;		/* how long it took */
	bool pins_known;		/* the walk of the BPF file systems worked */
	int refs;
};

/*
 * The inventory, with the census method that passed its self-test for
 * other programs' arenas (census, which only worker uses); its programs
 * and processes iterators, which take the managed arena's fd (it stays
 * open while the inventory lives), load as the first job on worker. Sets *out to NULL,
 * and returns 0, when the map iterator did not load (then there is no
 * inventory); fails only when out of memory.
 * Takes no inventory by itself: the caller asks for the first one
 * (startup.c, which waits for it).
 */
int inventory_new(struct census *census, struct worker *worker, int managed_fd, __u32 managed_id,
		  struct inventory **out);
/* After its worker is freed (which delivers or cancels its jobs).
 * Returns NULL. */
struct inventory *inventory_free(struct inventory *inv);

/*
 * The latest finished inventory, with a reference (inv_list_unref() it),
 * or NULL before the first one finished. Never waits; any thread.
 */
struct inv_list *inventory_latest(struct inventory *inv);
void inv_list_unref(struct inv_list *l);

/* Whether programs and processes are found at all (their iterators
 * loaded); when not, every arena's lists are empty for that reason. */
bool inventory_users_known(const struct inventory *inv);


/* The JSON the `arenas` method answers: an array of inv_arena_json(). */
json_object *inv_list_json(const struct inv_list *l);
json_object *inv_arena_json(const struct inv_arena *a);

/* What a request asks the worker; the answer comes back on the loop. */
enum inv_job_kind {
	INV_JOB_ARENAS,			/* a new inventory (becomes the latest) */
	INV_JOB_SCAN,			/* the census of one arena, with its runs */
	INV_JOB_WHO,			/* programs, processes and pins of one arena */
};

/*
 * Queue a job on the inventory's worker; done(result, err, userdata) runs later
 * on the event loop
 * with a result (the callee owns it) or, when result is NULL, an error.
 * Returns 0 or a negative errno (then done never runs).
 */
/* With done NULL, an INV_JOB_ARENAS job just refreshes the latest
 * inventory (what a periodic reader such as a metrics scrape wants). */
typedef void (*inv_done_t)(json_object *result, const struct rpc_error *err, void *userdata);
int inventory_submit(struct inventory *inv, enum inv_job_kind kind, __u32 map_id,
		     inv_done_t done, void *userdata);
/* The same with a census method (enum arenad_census_method; 0: the
 * default) for INV_JOB_SCAN: one that passed its self-test for other
 * programs' arenas (census_verdict_method()). */
int inventory_submit_scan(struct inventory *inv, enum inv_job_kind kind, __u32 map_id, int method,
			  inv_done_t done, void *userdata);

/*
 * Ask for a new inventory when l (the latest, or NULL) is older than
 * max_age_usec, at most once per max_age_usec however often this is
 * called (a metrics scrape). Never waits; the loop only.
 */
void inventory_refresh(struct inventory *inv, const struct inv_list *l, __u64 max_age_usec);

#endif /* __ARENAD_INVENTORY_H */
