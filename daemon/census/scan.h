/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scanner: a census of the managed arena held against the ledger
 * (scan.c), run on the census worker, and the figures of the latest one,
 * which `stats`, the metrics and the periodic census read.
 */
#ifndef __ARENAD_SCAN_H
#define __ARENAD_SCAN_H

#include <stdbool.h>
#include <json-c/json.h>
#include <linux/types.h>

struct arenad_pins;
struct census;
struct worker;
struct scanner;

/* What the latest census found, for stats. */
struct scan_summary {
	bool valid;
	__u32 pages_present;
	__u32 pages_ledger;
	__u32 pages_unaccounted;
	__u32 pages_missing;	/* ledger pages that are not present */
	__u64 when_usec;	/* CLOCK_MONOTONIC */
	__u64 duration_us;
};

/* What a scan returns besides the summary (scanner_submit()'s flags). */
enum {
	SCAN_DETAIL	= 1 << 0,	/* the `scan` result */
	SCAN_PRESENT	= 1 << 1,	/* ... with the fields of `scan {map_id}` too:
					 * the map and its present runs */
};

/* Scans of the arena behind pins (mapped at base, map map_id), run on
 * worker. 0 or -ENOMEM. */
int scanner_new(struct worker *worker, const struct arenad_pins *pins, __u64 base, __u32 map_id,
		struct scanner **out);
/* Returns NULL. Its jobs must be done or cancelled (the worker freed). */
struct scanner *scanner_free(struct scanner *s);
/* The census to scan with, once start-up loaded one (it stays the
 * worker's); until then scans fail with -EAGAIN. */
void scanner_set_census(struct scanner *s, struct census *census);

/*
 * Run a census (method 0: the default) and compare it with the ledger.
 * Later, on the loop, the summary is updated and done() gets 0 and, with
 * SCAN_DETAIL, the JSON result (its own), or a negative errno: -EAGAIN
 * when no census method works, -ECANCELED when shutting down. Returns 0,
 * or a negative errno and done() is not called (-EAGAIN: no census).
 */
typedef void (*scan_done_t)(struct scanner *s, int error, json_object *detail, void *userdata);
int scanner_submit(struct scanner *s, int method, unsigned flags, scan_done_t done, void *userdata);
/* The latest scan's figures (valid false before the first, or for NULL). */
const struct scan_summary *scanner_last(const struct scanner *s);
/* Why no census method works for the managed arena, in words. */
const char *scanner_unavailable(const struct scanner *s);

/* A run of pages as the protocol gives it: {addr, offset, pages}. */
json_object *scan_run_json(__u64 base, __u32 start, __u32 pages);

#endif /* __ARENAD_SCAN_H */
