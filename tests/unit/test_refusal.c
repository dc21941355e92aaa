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
		{ -E2BIG, ARENAD_ERR_NO_MEMORY, "the ledger or the names table is full" },
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
	libarenad_refusal(-ENOMEM, &req, &st, small, sizeof(small));
	is_str(small, "out of ", "a short buffer is cut and terminated");
	return tap_done();
}
