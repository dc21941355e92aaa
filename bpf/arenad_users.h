/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Who uses an arena: the records of the users iterators (arenad_users.bpf.c). */
#ifndef __ARENAD_USERS_H
#define __ARENAD_USERS_H

#include "arenad_abi.h"

enum arenad_user_kind {
	ARENAD_USER_PROG = 1,	/* a loaded program whose maps include the arena */
	ARENAD_USER_FD = 2,	/* a process holds an fd on the arena map */
	ARENAD_USER_VMA = 3,	/* a process has the arena mmapped */
};

struct arenad_user_rec {
	__u32 kind;		/* enum arenad_user_kind */
	__u32 map_id;		/* the arena */
	__u32 id;		/* PROG: program id; FD, VMA: tgid */
	__u32 type;		/* PROG: enum bpf_prog_type */
	char name[16];		/* PROG: program name; FD, VMA: the process's comm */
};

#endif /* __ARENAD_USERS_H */
