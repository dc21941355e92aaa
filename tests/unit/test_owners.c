// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Owner strings by id (owners.h): what a hit, a released string, a failed
 * lookup and id 0 give, and what is remembered. The strings map is faked
 * here: arenad_pins__str(), arenad_pins__owners_fd() and
 * arenad_pins__strings_fd() are this file's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "owners.h"
#include "tap.h"

static unsigned int lookups;
static int fail_with;		/* the next lookups fail with this */

/* id 7 and 23 (a collision in 16 slots) live, 9 released, the rest none */
int arenad_pins__str(const struct arenad_pins *pins, __u32 id, char *buf, size_t len)
{
	lookups++;
	if (len)
		buf[0] = 0;
	if (fail_with)
		return fail_with;
	if (id == 7 || id == 23) {
		snprintf(buf, len, "owner-%u", id);
		return 0;
	}
	return -ENOENT;
}

int arenad_pins__owners_fd(const struct arenad_pins *pins)
{
	return -1;
}

int arenad_pins__strings_fd(const struct arenad_pins *pins)
{
	return -1;
}

int main(void)
{
	struct owner_strings *s, *none;
	const char *str;
	unsigned int before;

	if (owner_strings_new(NULL, 16, &s) < 0 || owner_strings_new(NULL, 0, &none) < 0)
		return 1;

	is_int(owner_strings_get(s, 0, &str), 0, "id 0: found");
	is_str(str, "", "id 0 is the empty string");
	is_int(lookups, 0, "id 0 needs no lookup");

	is_int(owner_strings_get(s, 7, &str), 0, "a live string: found");
	is_str(str, "owner-7", "its string");
	before = lookups;
	owner_strings_get(s, 7, &str);
	is_int(lookups, before, "a found string is kept");
	is_str(str, "owner-7", "and given again");

	is_int(owner_strings_get(s, 9, &str), -ENOENT, "a released string: -ENOENT");
	is_str(str, "#9", "shown as #ID");
	before = lookups;
	is_int(owner_strings_get(s, 9, &str), -ENOENT, "still -ENOENT");
	is_int(lookups, before, "remembered: a released id never comes back");

	fail_with = -EIO;
	is_int(owner_strings_get(s, 12, &str), -EIO, "a failed lookup: its -errno");
	is_str(str, "#12", "shown as #ID");
	fail_with = 0;
	is_int(owner_strings_get(s, 12, &str), -ENOENT, "a failed lookup is not remembered");

	is_int(owner_strings_get(s, 23, &str), 0, "a colliding id: found");
	is_str(str, "owner-23", "its own string, never the other's");
	before = lookups;
	is_int(owner_strings_get(s, 7, &str), 0, "the id it displaced");
	is_int(lookups, before + 1, "is looked up again");
	is_str(str, "owner-7", "with its string");

	before = lookups;
	owner_strings_get(none, 7, &str);
	owner_strings_get(none, 7, &str);
	is_int(lookups, before + 2, "no slots: every call looks up");
	is_str(str, "owner-7", "and finds");
	is_int(owner_strings_get(none, 9, &str), -ENOENT, "no slots: released is -ENOENT too");

	owner_strings_free(s);
	owner_strings_free(none);
	return tap_done();
}
