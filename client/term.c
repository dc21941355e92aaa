// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Full-screen terminal mode without curses: see term.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "term.h"

volatile int term_quit_signal;
volatile int term_resized;

static struct termios saved;
static bool saved_valid, active;

/* alternate screen on, cursor hidden / visible, alternate screen off */
#define ENTER_SEQ	"\033[?1049h\033[?25l\033[H\033[2J"
#define LEAVE_SEQ	"\033[?25h\033[?1049l"

static void write_all(const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len) {
		n = write(STDOUT_FILENO, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= n;
	}
}

void term_leave(void)
{
	if (!active)
		return;
	active = false;
	fflush(stdout);
	write_all(LEAVE_SEQ);
	if (saved_valid)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
}

static void on_quit(int sig)
{
	term_quit_signal = sig;
}

static void on_winch(int sig)
{
	term_resized = 1;
}

int term_enter(void)
{
	struct sigaction sa = { .sa_handler = on_quit };	/* no SA_RESTART: waits end */
	struct termios raw;

	if (!isatty(STDOUT_FILENO))
		return -ENOTTY;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);

	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved)) {
		saved_valid = true;
		raw = saved;
		/* Keys arrive one by one, unechoed; ^C still sends SIGINT. */
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	active = true;
	atexit(term_leave);
	write_all(ENTER_SEQ);
	return 0;
}

void term_size(int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws)) {
		if (ws.ws_row)
			*rows = ws.ws_row;
		if (ws.ws_col)
			*cols = ws.ws_col;
	}
}
