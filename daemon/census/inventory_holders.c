// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Who holds an arena (inventory_holders.h): its programs and processes
 * from the users iterators' records, its pins from the walk of the BPF
 * file systems. Per job: never logs, returns -errno (log.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-login.h>

#include "arena_pins.h"
#include "arenad_users.h"
#include "inventory.h"
#include "inventory_holders.h"

/* The programs and processes of arena map_id, from the users records. */
static int users_of(__u32 map_id, const struct arenad_user_rec *u, size_t n, struct inv_arena *a)
{
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (u[i].map_id != map_id)
			continue;
		if (u[i].kind == ARENAD_USER_PROG) {
			struct inv_prog *p;

			for (j = 0; j < a->n_progs && a->progs[j].id != u[i].id; j++)
				;
			if (j < a->n_progs)
				continue;
			p = realloc(a->progs, (a->n_progs + 1) * sizeof(*p));
			if (!p)
				return -ENOMEM;
			a->progs = p;
			p[a->n_progs] = (struct inv_prog) { .id = u[i].id, .type = u[i].type };
			memcpy(p[a->n_progs].name, u[i].name, sizeof(p->name));
			p[a->n_progs].name[sizeof(p->name) - 1] = 0;
			a->n_progs++;
			continue;
		}
		for (j = 0; j < a->n_procs && a->procs[j].pid != u[i].id; j++)
			;
		if (j == a->n_procs) {
			struct inv_proc *p = realloc(a->procs, (a->n_procs + 1) * sizeof(*p));

			if (!p)
				return -ENOMEM;
			a->procs = p;
			p[j] = (struct inv_proc) { .pid = u[i].id };
			memcpy(p[j].comm, u[i].name, sizeof(p->comm));
			p[j].comm[sizeof(p->comm) - 1] = 0;
			/* The unit from /proc/PID/cgroup; none for a process
			 * outside any unit, or hidden from us. */
			if (sd_pid_get_unit(u[i].id, &p[j].unit) < 0)
				p[j].unit = NULL;
			a->n_procs++;
		}
		if (u[i].kind == ARENAD_USER_FD)
			a->procs[j].fds++;
		else
			a->procs[j].mapped = true;
	}
	return 0;
}

/* The pins of arena map_id (pins sorted by map id). */
static int pins_of(__u32 map_id, const struct arena_pin *pins, size_t n, struct inv_arena *a)
{
	size_t i = 0, j;

	while (i < n && pins[i].map_id < map_id)
		i++;
	for (j = i; j < n && pins[j].map_id == map_id; j++)
		;
	if (j == i)
		return 0;
	a->pins = calloc(j - i, sizeof(*a->pins));
	if (!a->pins)
		return -ENOMEM;
	for (; i < j; i++) {
		a->pins[a->n_pins] = strdup(pins[i].path);
		if (!a->pins[a->n_pins])
			return -ENOMEM;
		a->n_pins++;
	}
	return 0;
}

int inv_holders_of(__u32 map_id, const struct arenad_user_rec *u, size_t nu,
		      const struct arena_pin *pins, size_t np, struct inv_arena *a)
{
	int r = users_of(map_id, u, nu, a);

	return r < 0 ? r : pins_of(map_id, pins, np, a);
}
