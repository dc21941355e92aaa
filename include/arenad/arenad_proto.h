/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The arenad control protocol: JSON-RPC 2.0 over a Unix stream socket, one
 * JSON object per line in each direction. docs/protocol.md is the prose
 * version of this header.
 */
#ifndef __ARENAD_PROTO_H
#define __ARENAD_PROTO_H

/* A request line longer than this is refused and the connection closed. */
#define ARENAD_MAX_REQUEST	(64 * 1024)

/* JSON-RPC 2.0 error codes */
#define ARENAD_RPC_PARSE_ERROR		-32700
#define ARENAD_RPC_INVALID_REQUEST	-32600
#define ARENAD_RPC_METHOD_NOT_FOUND	-32601
#define ARENAD_RPC_INVALID_PARAMS	-32602
#define ARENAD_RPC_INTERNAL_ERROR	-32603

/* arenad's application error codes (the server-defined range) */
#define ARENAD_ERR_NO_MEMORY		-32001	/* not enough free pages */
#define ARENAD_ERR_PERMISSION		-32002	/* peer may not do this */
#define ARENAD_ERR_NOT_FOUND		-32003	/* no such allocation or name */
#define ARENAD_ERR_CONFLICT		-32004	/* name or address in use */
#define ARENAD_ERR_UNAVAILABLE		-32005	/* e.g. census unavailable */
#define ARENAD_ERR_QUOTA		-32006	/* over an owner's or uid's page limit */

#endif /* __ARENAD_PROTO_H */
