// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests: where a quota threshold lies, what crosses it, and the
 * daemon's count of each uid's pages (quota_watch.h). */
#include <stdlib.h>

#include "quota_watch.h"
#include "tap.h"

int main(void)
{
	struct quota_pcts p = {};
	struct uid_table t = {};
	struct uid_usage *u;
	__u32 i;
	bool all;

	is_int(quota_threshold(10, 90), 9, "90%% of 10 pages is 9");
	is_int(quota_threshold(8, 90), 8, "90%% of 8 pages rounds up to 8 (7.2 pages is not reached at 7)");
	is_int(quota_threshold(8, 100), 8, "100%% is the limit itself");
	is_int(quota_threshold(3, 1), 1, "1%% of a small limit is one page");
	is_int(quota_threshold(1u << 20, 50), 1u << 19, "half of the largest arena");

	is_int(quota_crossing(8, 9, 10, 90), 1, "8 -> 9 of 10 reaches 90%%");
	is_int(quota_crossing(0, 10, 10, 90), 1, "a jump over the threshold is one crossing");
	is_int(quota_crossing(9, 10, 10, 90), 0, "9 -> 10: above already, nothing");
	is_int(quota_crossing(9, 8, 10, 90), -1, "9 -> 8 leaves it");
	is_int(quota_crossing(10, 0, 10, 90), -1, "a free of everything leaves it once");
	is_int(quota_crossing(7, 8, 10, 90), 0, "7 -> 8 stays below");
	is_int(quota_crossing(5, 5, 10, 90), 0, "no change, no crossing");
	is_int(quota_crossing(0, 5, 0, 90), 0, "a limit of 0 pages has no threshold");
	is_int(quota_crossing(0, 1, 1, 90), 1, "a one-page limit: its page reaches it");

	ok(!quota_pcts_crossed(&p, 0, 10, 10), "nobody asked: no crossing");
	quota_pcts_add(&p, 90);
	quota_pcts_add(&p, 50);
	quota_pcts_add(&p, 50);
	is_int(p.total, 3, "three subscribers' thresholds");
	ok(quota_pcts_crossed(&p, 4, 5, 10), "4 -> 5 of 10 crosses 50%%");
	ok(quota_pcts_crossed(&p, 8, 9, 10), "8 -> 9 of 10 crosses 90%%");
	ok(!quota_pcts_crossed(&p, 6, 8, 10), "6 -> 8 crosses neither");
	quota_pcts_remove(&p, 50);
	ok(quota_pcts_crossed(&p, 4, 5, 10), "one 50%% subscriber left");
	quota_pcts_remove(&p, 50);
	ok(!quota_pcts_crossed(&p, 4, 5, 10), "none left at 50%%");
	quota_pcts_remove(&p, 50);
	is_int(p.total, 1, "removing what is not there changes nothing");
	quota_pcts_remove(&p, 0);
	quota_pcts_add(&p, 0);
	is_int(p.total, 1, "0 is no threshold: not counted, and not taken away");

	is_int(quota_tally(5, true, 3), 8, "an allocation adds its pages");
	is_int(quota_tally(8, false, 3), 5, "a free takes them");
	is_int(quota_tally(2, false, 3), 0, "never below 0");

	u = uid_table_get(&t, 1000);
	ok(u && u->uid == 1000 && u->pages == 0 && !u->limit_known, "a new uid starts at 0, limit unknown");
	u->pages = 7;
	u->limit = 42;
	u->limit_known = true;
	for (i = 0; i < 5000; i++)
		if (!uid_table_get(&t, 20000 + i))
			break;
	is_int(i, 5000, "5000 more uids, the table growing");
	is_int(t.n, 5001, "5001 uids");
	u = uid_table_get(&t, 1000);
	ok(u && u->pages == 7 && u->limit == 42 && u->limit_known, "the first one kept its figures");
	is_int(t.n, 5001, "finding it made no entry");
	all = true;
	for (i = 0; i < 5000; i++) {
		u = uid_table_get(&t, 20000 + i);
		all = all && u && u->uid == 20000 + i;
	}
	ok(all, "each found again");
	uid_table_reset(&t);
	u = uid_table_get(&t, 1000);
	ok(u && u->pages == 0 && !u->limit_known && t.n == 5001, "reset: counts 0, entries kept");
	u = uid_table_get(&t, 0);
	ok(u && u->uid == 0, "uid 0 (root) is a uid like any other");
	uid_table_done(&t);
	ok(!t.slots && !t.cap && !t.n, "done: empty");
	return tap_done();
}
