// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A scan: the census's present pages held against the ledger. Pages that
 * are present but in no ledger range are "unaccounted" (allocated behind
 * arenad's back, or faulted in from user space); ledger ranges with pages
 * that are not present are "missing" (freed behind arenad's back).
 *
 * Logging: scan_run() runs per request and per census timer tick; it
 * returns failures to its caller, which logs or replies (log.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "census.h"
#include "cleanup.h"
#include "daemon.h"
#include "log.h"

json_object *scan_run_json(__u64 base, __u32 start, __u32 pages)
{
	json_object *o = json_object_new_object();

	rpc_put(o, "addr", proto_addr_new(base + ((__u64)start << ARENAD_PAGE_SHIFT)));
	rpc_put(o, "offset", json_object_new_uint64((__u64)start << ARENAD_PAGE_SHIFT));
	rpc_put(o, "pages", json_object_new_uint64(pages));
	return o;
}

static void add_string(json_object *o, const char *key, const struct arenad_pins *p, __u32 id)
{
	char buf[ARENAD_STR_LEN];

	if (id && arenad_pins__str(p, id, buf, sizeof(buf)) >= 0)
		rpc_put(o, key, json_object_new_string(buf));
}

int scan_run(struct arenad *d, int method, json_object **detail)
{
	const struct arenad_pins *p = d->arena->pins;
	__u64 base = d->arena->ident.user_vm_start;
	struct scan_summary sum = { .valid = true };
	struct census_result res;
	_cleanup_free_ struct arenad_range *recs = NULL;
	_cleanup_free_ struct page_run *runs = NULL;
	_cleanup_free_ __u64 *rest = NULL;
	_cleanup_(json_object_putp) json_object *missing = NULL, *unacc = NULL;
	size_t i, n, nruns = 0, words;
	__u32 present;
	int r;

	r = census_run(d->census, method, &res);
	if (r < 0)
		return r;
	/* The ledger after the census: a range allocated in between is in
	 * the ledger but may not be in the bitmap, and shows as missing. */
	r = arenad_pins__ranges(p, &recs, &n);
	if (r < 0)
		return r;
	words = (res.npages + 63) / 64;
	rest = malloc(words * sizeof(*rest));
	if (!rest)
		return -ENOMEM;
	memcpy(rest, res.bits, words * sizeof(*rest));

	if (detail)
		missing = json_object_new_array();
	for (i = 0; i < n; i++) {
		const struct arenad_range *rec = &recs[i];

		if (rec->pgoff >= res.npages || rec->pages > res.npages - rec->pgoff)
			continue;
		sum.pages_ledger += rec->pages;
		present = bitmap_count(res.bits, rec->pgoff, rec->pgoff + rec->pages);
		if (present < rec->pages) {
			sum.pages_missing += rec->pages - present;
			if (missing) {
				json_object *o = scan_run_json(base, rec->pgoff, rec->pages);

				rpc_put(o, "pages_missing",
						       json_object_new_uint64(rec->pages - present));
				add_string(o, "owner", p, rec->owner);
				add_string(o, "name", p, rec->name);
				rpc_append(missing, o);
			}
		}
		bitmap_clear(rest, rec->pgoff, rec->pgoff + rec->pages);
	}

	r = bitmap_runs(rest, res.npages, &runs, &nruns);
	if (r < 0)
		return r;
	if (detail)
		unacc = json_object_new_array();
	for (i = 0; i < nruns; i++) {
		sum.pages_unaccounted += runs[i].pages;
		if (unacc)
			rpc_append(unacc, scan_run_json(base, runs[i].start, runs[i].pages));
	}

	sum.pages_present = res.present;
	sum.when_usec = res.when_usec;
	sum.duration_us = res.duration_us;
	d->last_scan = sum;
	log_debug("census (%s): %u present, %u in the ledger, %u unaccounted, %u missing, %llu us",
		  res.method, sum.pages_present, sum.pages_ledger, sum.pages_unaccounted,
		  sum.pages_missing, (unsigned long long)sum.duration_us);

	if (detail) {
		json_object *o = json_object_new_object();

		rpc_put(o, "pages_total", json_object_new_uint64(res.npages));
		rpc_put(o, "pages_present", json_object_new_uint64(sum.pages_present));
		rpc_put(o, "pages_ledger", json_object_new_uint64(sum.pages_ledger));
		rpc_put(o, "pages_unaccounted", json_object_new_uint64(sum.pages_unaccounted));
		rpc_put(o, "pages_missing", json_object_new_uint64(sum.pages_missing));
		rpc_put(o, "unaccounted", TAKE_PTR(unacc));
		rpc_put(o, "missing", TAKE_PTR(missing));
		rpc_put(o, "pages_probed", json_object_new_uint64(res.probed));
		rpc_put(o, "duration_us", json_object_new_uint64(sum.duration_us));
		rpc_put(o, "method", json_object_new_string(res.method));
		*detail = o;
	}
	return 0;
}
