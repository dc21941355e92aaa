// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libarenad: addresses as the protocol writes them (docs/protocol.md). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arenad.h"
#include "error.h"

int arenad_parse_addr(const char *s, __u64 *addr)
{
	const char *end;

	if (!s || (strncmp(s, "0x", 2) && strncmp(s, "0X", 2)))
		goto bad;
	/* Hex digits only: strtoull alone would accept a sign or white space. */
	for (end = s + 2; isxdigit((unsigned char)*end); end++)
		;
	if (end == s + 2 || *end || end - (s + 2) > 16)
		goto bad;
	*addr = strtoull(s + 2, NULL, 16);
	return 0;
bad:
	return libarenad_err(-EINVAL, "'%s' is not an address (0x and 1..16 hex digits)",
			     s ?: "(null)");
}
