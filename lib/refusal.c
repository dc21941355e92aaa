// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The allocator's refusals in words (refusal.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arenad_abi.h"
#include "arenad_proto.h"
#include "refusal.h"

/* "owner X holds N of M pages": whose limit, what it held, the limit. */
static void libarenad_quota_refusal(const struct arenad_req *req, char *buf, size_t len)
{
	char who[ARENAD_STR_LEN + 16];

	if (req->quota_kind == ARENAD_QUOTA_KIND_UID)
		snprintf(who, sizeof(who), "uid %u", req->uid);
	else if (req->owner_str[0])
		snprintf(who, sizeof(who), "owner %.*s", (int)sizeof(req->owner_str) - 1,
			 req->owner_str);
	else if (req->owner)
		snprintf(who, sizeof(who), "owner #%u", req->owner);
	else
		snprintf(who, sizeof(who), "owner (none)");
	snprintf(buf, len, "quota exceeded: %s holds %u of %u pages%s, %u more asked for",
		 who, req->quota_held, req->quota_limit,
		 req->quota_kind == ARENAD_QUOTA_KIND_DEFAULT ? " (the default limit)" : "",
		 req->pages);
}

int libarenad_refusal(int err, const struct arenad_req *req, const struct arenad_state *st,
		      char *buf, size_t len)
{
	unsigned long long addr = req->addr;
	int n;

	switch (err) {
	case -ENOMEM:
		n = snprintf(buf, len, "out of memory: no %u contiguous free pages", req->pages);
		if (st && n >= 0 && (size_t)n < len)
			snprintf(buf + n, len - n, " (%llu of %u pages free)",
				 (unsigned long long)(st->pages_total - st->pages_allocated),
				 st->pages_total);
		return ARENAD_ERR_NO_MEMORY;
	case -EDQUOT:
		libarenad_quota_refusal(req, buf, len);
		return ARENAD_ERR_QUOTA;
	case -EEXIST:
		snprintf(buf, len, "name '%.*s' is already in use",
			 (int)sizeof(req->name_str), req->name_str);
		return ARENAD_ERR_CONFLICT;
	case -EBUSY:
		/* A free is refused -EBUSY only for the pages of objects. */
		if (req->op == ARENAD_OP_FREE)
			snprintf(buf, len, "the pages at 0x%llx hold objects of a BPF program "
				 "(arenad_malloc()): freed with its last object, not by a free",
				 addr);
		else
			snprintf(buf, len, "pages at 0x%llx..+%u are not all free", addr, req->pages);
		return ARENAD_ERR_CONFLICT;
	case -ENOENT:
		snprintf(buf, len, "no allocation starts at 0x%llx", addr);
		return ARENAD_ERR_NOT_FOUND;
	case -EPERM:
		snprintf(buf, len, "permission denied: the allocation at 0x%llx belongs to another uid",
			 addr);
		return ARENAD_ERR_PERMISSION;
	case -ENOSPC:
		snprintf(buf, len, "string table is full: all %u owner and name strings are in use "
			 "by live allocations and holds; free some", ARENAD_MAX_STRINGS);
		return ARENAD_ERR_NO_MEMORY;
	case -E2BIG:
		snprintf(buf, len, "the ledger, the names table or the uids table is full");
		return ARENAD_ERR_NO_MEMORY;
	case -EAGAIN:
		/* arenad_pins__run() retries a busy string table first */
		snprintf(buf, len, "the string table stayed busy; retry");
		return ARENAD_ERR_UNAVAILABLE;
	case -ESTALE:
		snprintf(buf, len, "the string id was released");
		return ARENAD_ERR_NOT_FOUND;
	case -EINVAL:
		snprintf(buf, len, "invalid request (page count, strings, or an address outside "
			 "the arena or not page aligned)");
		return ARENAD_RPC_INVALID_PARAMS;
	default:
		snprintf(buf, len, "allocator: %s", strerror(err < 0 ? -err : err));
		return ARENAD_RPC_INTERNAL_ERROR;
	}
}
