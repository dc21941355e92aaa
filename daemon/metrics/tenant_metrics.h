/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The families of who holds what: orphans and leases (tenants/). */
#ifndef __ARENAD_TENANT_METRICS_H
#define __ARENAD_TENANT_METRICS_H

#include <stdio.h>

struct leases;
struct orphans;

/* The orphans' families only once they were counted (a census or an
 * orphans call): a 0 before that would be a claim nobody checked. */
void tenant_families(FILE *f, const struct orphans *o, const struct leases *l);

#endif /* __ARENAD_TENANT_METRICS_H */
