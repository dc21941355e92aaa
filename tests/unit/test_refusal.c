// SPDX-License-Identifier: LGPL-2.1-or-later
/* The allocator's refusals: one table of codes and words (lib/refusal.h). */
#include <errno.h>

#include "arenad_abi.h"
#include "arenad_proto.h"
#include "refusal.h"
#include "tap.h"

int main(void)
{
	struct arenad_req req = { .pages = 3, .addr = 0x100000002000ULL };
	struct arenad_state st = { .pages_total = 16, .pages_allocated = 10 };
	static const struct { int err, code; const char *msg; } cases[] = {
		{ -ENOMEM, ARENAD_ERR_NO_MEMORY, "out of memory: no 3 contiguous free pages" },
		{ -EEXIST, ARENAD_ERR_CONFLICT, "name 'n1' is already in use" },
		{ -EBUSY, ARENAD_ERR_CONFLICT, "pages at 0x100000002000..+3 are not all free" },
		{ -ENOENT, ARENAD_ERR_NOT_FOUND, "no allocation starts at 0x100000002000" },
		{ -EPERM, ARENAD_ERR_PERMISSION,
		  "permission denied: the allocation at 0x100000002000 belongs to another uid" },
		{ -E2BIG, ARENAD_ERR_NO_MEMORY, "the ledger, the names table or the uids table is full" },
		{ -EAGAIN, ARENAD_ERR_UNAVAILABLE, "the string table stayed busy; retry" },
		{ -ESTALE, ARENAD_ERR_NOT_FOUND, "the string id was released" },
		{ -EINVAL, ARENAD_RPC_INVALID_PARAMS, "invalid request (page count, strings, or an "
		  "address outside the arena or not page aligned)" },
		{ -EIO, ARENAD_RPC_INTERNAL_ERROR, "allocator: Input/output error" },
	};
	char buf[256], small[8];

	snprintf(req.name_str, sizeof(req.name_str), "n1");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_int(libarenad_refusal(cases[i].err, &req, NULL, buf, sizeof(buf)), cases[i].code,
		       "%s: code", strerror(-cases[i].err));
		is_str(buf, cases[i].msg, "%s: words", strerror(-cases[i].err));
	}
	libarenad_refusal(-ENOMEM, &req, &st, buf, sizeof(buf));
	is_str(buf, "out of memory: no 3 contiguous free pages (6 of 16 pages free)",
	       "out of memory with the state: how many pages are free");
	is_int(libarenad_refusal(-ENOSPC, &req, NULL, buf, sizeof(buf)), ARENAD_ERR_NO_MEMORY,
	       "string table full: code");
	ok(strstr(buf, "string table is full: all ") != NULL, "string table full: words");

	/* Over a limit: its own code, and "owner X holds N of M pages". */
	struct arenad_req q = { .pages = 4, .uid = 1000, .quota_kind = ARENAD_QUOTA_KIND_OWNER,
				.quota_held = 10, .quota_limit = 12 };

	snprintf(q.owner_str, sizeof(q.owner_str), "demo");
	is_int(libarenad_refusal(-EDQUOT, &q, &st, buf, sizeof(buf)), ARENAD_ERR_QUOTA,
	       "over a quota: its own code");
	is_str(buf, "quota exceeded: owner demo holds 10 of 12 pages, 4 more asked for",
	       "over an owner's limit: whose, what it holds, the limit");
	q.quota_kind = ARENAD_QUOTA_KIND_DEFAULT;
	libarenad_refusal(-EDQUOT, &q, NULL, buf, sizeof(buf));
	is_str(buf, "quota exceeded: owner demo holds 10 of 12 pages (the default limit), "
	       "4 more asked for", "over the default limit: says so");
	q.quota_kind = ARENAD_QUOTA_KIND_UID;
	libarenad_refusal(-EDQUOT, &q, NULL, buf, sizeof(buf));
	is_str(buf, "quota exceeded: uid 1000 holds 10 of 12 pages, 4 more asked for",
	       "over a uid's limit: the uid");
	q.quota_kind = ARENAD_QUOTA_KIND_OWNER;
	q.owner_str[0] = 0;
	q.owner = 0x10005;
	libarenad_refusal(-EDQUOT, &q, NULL, buf, sizeof(buf));
	is_str(buf, "quota exceeded: owner #65541 holds 10 of 12 pages, 4 more asked for",
	       "an owner given by id (a BPF program's) is named by its id");

	libarenad_refusal(-ENOMEM, &req, &st, small, sizeof(small));
	is_str(small, "out of ", "a short buffer is cut and terminated");
	return tap_done();
}
