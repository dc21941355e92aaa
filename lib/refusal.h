/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libarenad-internal: the allocator's refusals (arenad_req.ret, a negative
 * errno) in words and as a JSON-RPC error code, the one table of them. The
 * pins API (arenad_pins__run()) reports them with these words, and the
 * daemon answers alloc and free with the same words and the code.
 */
#ifndef __LIBARENAD_REFUSAL_H
#define __LIBARENAD_REFUSAL_H

#include <stddef.h>

struct arenad_req;
struct arenad_state;

/*
 * The refusal err of the run of req, written into buf (len bytes, always
 * NUL-terminated). st, when not NULL, is the state read after the run: an
 * out-of-memory refusal then says how many pages are free. Returns the
 * JSON-RPC code to answer with (ARENAD_ERR_*, ARENAD_RPC_INVALID_PARAMS);
 * ARENAD_RPC_INTERNAL_ERROR for an errno the allocator does not refuse
 * with, then described as "allocator: <strerror>". Pure.
 */
int libarenad_refusal(int err, const struct arenad_req *req, const struct arenad_state *st,
		      char *buf, size_t len);

#endif /* __LIBARENAD_REFUSAL_H */
