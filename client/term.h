/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A full-screen terminal without curses, for `top`: the alternate screen,
 * no cursor, keys without Enter or echo; and everything put back on the
 * way out, also when a signal ends the program.
 */
#ifndef __ARENACTL_TERM_H
#define __ARENACTL_TERM_H

#include <stdbool.h>

/* Enter full-screen mode on stdout/stdin: 0 or a negative errno. */
int term_enter(void);
/* Leave it; safe to call more than once, and from atexit. */
void term_leave(void);
/* Rows and columns of the terminal (fallbacks when unknown). */
void term_size(int *rows, int *cols);

/*
 * Signals that end the view (SIGINT, SIGTERM, SIGHUP) and window size
 * changes are recorded here by the handlers term_enter() installs; the
 * waits in top return early (EINTR) when one arrives.
 */
extern volatile int term_quit_signal;
extern volatile int term_resized;

#endif /* __ARENACTL_TERM_H */
