// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `top`: a live view of the managed arena, redrawn in place. Curses-free:
 * ANSI cursor moves on the alternate screen, one frame written at once, so
 * it flickers nowhere and leaves the terminal as it found it (term.c).
 *
 * A frame is built as lines, each cut to the terminal's width: designed
 * for 80 columns, wider terminals get a longer bar and owner names,
 * narrower ones lose the ends of lines, never the layout.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "arenad.h"
#include "cli.h"
#include "events.h"
#include "inventory.h"
#include "output.h"
#include "term.h"
#include "usage.h"

struct frame {
	char *buf;
	size_t len, cap;
	int cols;		/* every line is cut to this */
	int lines, max_lines;
	bool tty;		/* erase to the end of each line */
};

/* Append one line, cut to the width; lines past max_lines are dropped. */
__attribute__((format(printf, 2, 3)))
static void line(struct frame *f, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	size_t n;

	if (f->lines >= f->max_lines)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	n = strlen(tmp);
	if (n > (size_t)f->cols)
		n = f->cols;
	if (f->len + n + 8 > f->cap) {
		size_t cap = (f->cap + n + 8) * 2;
		char *b = realloc(f->buf, cap);

		if (!b)
			return;
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, tmp, n);
	f->len += n;
	/* erase the rest of the old line on the screen, then newline */
	if (f->tty) {
		memcpy(f->buf + f->len, "\033[K", 3);
		f->len += 3;
	}
	f->buf[f->len++] = '\n';
	f->lines++;
}

static double rate(__u64 now, __u64 before, double secs)
{
	return secs > 0 && now >= before ? (now - before) / secs : 0;
}

/* The other arenas on the host, refreshed every few seconds (the daemon
 * runs a census of each for it). */
struct host {
	struct host_arena *arenas;
	size_t n;
	int err;			/* of the last refresh */
	char why[128];
	struct timespec when;
	bool valid;
};

static void host_refresh(struct cli *cli, struct host *h, const struct timespec *now)
{
	struct host_arena *a = NULL;
	size_t n = 0;

	if (h->valid && now->tv_sec - h->when.tv_sec < 5)
		return;
	h->err = inventory_arenas(cli, &a, &n);
	h->when = *now;
	h->valid = true;
	if (h->err < 0) {
		snprintf(h->why, sizeof(h->why), "%s", arenad_errmsg());
		free(a);
		return;
	}
	free(h->arenas);
	h->arenas = a;
	h->n = n;
}

static int host_lines(const struct host *h)
{
	if (!h->valid)
		return 0;
	return h->err < 0 ? 2 : 2 + (int)(h->n > 5 ? 6 : h->n);
}

static void render_host(struct frame *f, const struct host *h, int name_w)
{
	char b1[32], present[32];
	size_t i;

	line(f, "%s", "");
	if (h->err < 0) {
		line(f, "other arenas: %s", h->why[0] ? h->why : "unavailable");
		return;
	}
	line(f, "%-8s %-*s %12s %14s %6s %5s  %s", "MAP", name_w - 9, "ARENA ON HOST", "SIZE",
	     "PRESENT", "PROGS", "PROCS", "");
	for (i = 0; i < h->n; i++) {
		const struct host_arena *a = &h->arenas[i];

		if (i == 5 && h->n > 6) {
			line(f, "... %zu more arenas ('arenactl-client arenas')", h->n - 5);
			break;
		}
		if (a->present_known)
			snprintf(present, sizeof(present), "%llu pages", (unsigned long long)a->pages_present);
		else
			snprintf(present, sizeof(present), "-");
		line(f, "%-8llu %-*.*s %12s %14s %6u %5u  %s", (unsigned long long)a->map_id,
		     name_w - 9, name_w - 9, a->name[0] ? a->name : "-",
		     cli_bytes(a->pages_total * a->page_size, b1, sizeof(b1)), present,
		     a->n_programs, a->n_processes, a->managed ? "managed" : "");
	}
}

/* Rows of the owners' objects at most; the rest are in `query`. */
#define OBJECT_ROWS 3

static size_t owners_with_objects(const struct usage *u)
{
	size_t i, n = 0;

	for (i = 0; i < u->n_owners; i++)
		n += u->owners[i].has_objects;
	return n;
}

/* The lines render_objects() takes: a gap, a head, the rows. */
static int objects_lines(const struct usage *u)
{
	size_t n = owners_with_objects(u);

	return n ? 2 + (int)(n > OBJECT_ROWS + 1 ? OBJECT_ROWS + 1 : n) : 0;
}

/*
 * Per owner with objects of BPF programs (arenad_malloc()): their exact
 * bytes, how many, the pages held for them and what those pages hold
 * beyond the objects (internal fragmentation), as `query` has them.
 */
static void render_objects(struct frame *f, const struct usage *u, __u64 psz, int name_w)
{
	size_t i, shown = 0, n = owners_with_objects(u);
	char b[32];

	if (!n)
		return;
	line(f, "%s", "");
	line(f, "%-*s %12s %9s %7s %10s %5s", name_w, "OBJECTS OF", "BYTES", "OBJECTS", "PAGES",
	     "UNUSED", "FRAG");
	for (i = 0; i < u->n_owners; i++) {
		const struct arenad_owner_usage *o = &u->owners[i];
		__u64 held = o->object_pages * psz;
		__u64 unused = usage_objects_unused(o->object_pages, o->object_bytes, psz);

		if (!o->has_objects)
			continue;
		if (shown == OBJECT_ROWS && n > OBJECT_ROWS + 1) {
			line(f, "... %zu more owners with objects ('arenactl-client query')", n - shown);
			break;
		}
		line(f, "%-*.*s %12llu %9llu %7llu %10s %4.0f%%", name_w, name_w,
		     o->owner[0] ? o->owner : "-", (unsigned long long)o->object_bytes,
		     (unsigned long long)o->objects, (unsigned long long)o->object_pages,
		     cli_bytes(unused, b, sizeof(b)), cli_pct(unused, held));
		shown++;
	}
}

static void render(struct cli *cli, struct frame *f, const struct usage *u,
		   const struct usage *prev, const struct host *h)
{
	const struct arenad_stats *st = &u->st;
	__u64 total = st->pages_total, psz = st->page_size ?: 4096;
	__u64 freep = usage_free_pages(st);
	char b1[32], b2[32], bars[512];
	int name_w = f->cols > 80 ? f->cols - 56 : 24, obj_w, reserve;
	int bar_w = (f->cols > 80 ? f->cols : 80) - 2;
	time_t now = time(NULL);
	bool limits = false;
	struct tm tm;
	size_t i;

	localtime_r(&now, &tm);
	if (name_w > 64)
		name_w = 64;
	obj_w = name_w;
	if (bar_w > 200)
		bar_w = 200;
	line(f, "arenad top %02d:%02d:%02d  map %llu  up %s  %s", tm.tm_hour, tm.tm_min, tm.tm_sec,
	     (unsigned long long)st->map_id, cli_duration(st->uptime_s, b1, sizeof(b1)),
	     cli->socket_path);
	line(f, "arena %llu pages of %s = %s at 0x%llx", (unsigned long long)total,
	     cli_bytes(psz, b1, sizeof(b1)), cli_bytes(total * psz, b2, sizeof(b2)),
	     (unsigned long long)st->user_vm_start);
	usage_bar(bars, bar_w, st);
	line(f, "[%s]", bars);
	line(f, "used         %10llu pages %6.1f%%  %-11s peak %llu pages",
	     (unsigned long long)st->pages_allocated, cli_pct(st->pages_allocated, total),
	     cli_bytes(st->pages_allocated * psz, b1, sizeof(b1)),
	     (unsigned long long)st->high_water_pages);
	if (st->census_valid) {
		line(f, "present      %10llu pages %6.1f%%  census %s, %s ago",
		     (unsigned long long)st->pages_present, cli_pct(st->pages_present, total),
		     st->census_method[0] ? st->census_method : "-",
		     cli_duration(st->census_age_s, b1, sizeof(b1)));
		line(f, "unaccounted  %10llu pages %6.1f%%  present, in no allocation",
		     (unsigned long long)st->pages_unaccounted, cli_pct(st->pages_unaccounted, total));
	} else {
		line(f, "present             - pages          no census yet%s%s",
		     st->census_method[0] ? "" : ": ", st->census_method[0] ? "" : "census unavailable");
		line(f, "unaccounted         - pages");
	}
	line(f, "free         %10llu pages %6.1f%%  %s", (unsigned long long)freep, cli_pct(freep, total),
	     cli_bytes(freep * psz, b1, sizeof(b1)));
	/* Objects of BPF programs (arenad_malloc()), once there were any:
	 * exact bytes, the pages held for them (in "used" too), and what
	 * those pages hold beyond the objects. */
	if (st->object_allocs || st->object_failures || st->object_bad_frees)
		line(f, "objects      %10llu live %12llu bytes %7llu pages  %s unused",
		     (unsigned long long)st->objects, (unsigned long long)st->object_bytes,
		     (unsigned long long)st->object_pages,
		     cli_bytes(usage_objects_unused(st->object_pages, st->object_bytes, psz), b1,
			       sizeof(b1)));
	if (prev) {
		double secs = (u->when.tv_sec - prev->when.tv_sec) +
			      (u->when.tv_nsec - prev->when.tv_nsec) / 1e9;

		line(f, "allocs/s %8.1f   frees/s %8.1f   failures/s %8.1f   live allocations %llu",
		     rate(st->allocations_total, prev->st.allocations_total, secs),
		     rate(st->frees_total, prev->st.frees_total, secs),
		     rate(st->alloc_failures, prev->st.alloc_failures, secs),
		     (unsigned long long)st->allocations);
	} else {
		line(f, "allocs/s        -   frees/s        -   failures/s        -   live allocations %llu",
		     (unsigned long long)st->allocations);
	}
	line(f, "%s", "");
	/* With limits, a column for them: "LIMIT (USE)", the owner's name
	 * gives it the room. */
	for (i = 0; i < u->n_owners && !limits; i++)
		limits = u->owners[i].has_limit;
	if (limits)
		name_w -= 17;
	if (limits)
		snprintf(b2, sizeof(b2), " %9s %6s", "LIMIT", "(USE)");
	else
		b2[0] = 0;
	line(f, "%-*s %10s %12s %8s %9s%s", name_w, "OWNER", "PAGES", "BYTES", "ALLOCS", "% OF USED", b2);
	/* keep one line for "N more", the objects and the host's arenas */
	reserve = 1 + objects_lines(u) + host_lines(h);
	for (i = 0; i < u->n_owners; i++) {
		const struct arenad_owner_usage *o = &u->owners[i];

		if (f->lines >= f->max_lines - reserve && i + 1 < u->n_owners) {
			line(f, "... %zu more owners", u->n_owners - i);
			break;
		}
		if (limits && o->has_limit)
			snprintf(b2, sizeof(b2), " %9llu (%3.0f%%)", (unsigned long long)o->limit,
				 cli_pct(o->pages, o->limit));
		else
			snprintf(b2, sizeof(b2), "%s", limits ? "          -      " : "");
		line(f, "%-*.*s %10llu %12s %8llu %8.1f%%%s", name_w, name_w, o->owner[0] ? o->owner : "-",
		     (unsigned long long)o->pages, cli_bytes(o->pages * psz, b1, sizeof(b1)),
		     (unsigned long long)o->allocations, cli_pct(o->pages, st->pages_allocated), b2);
	}
	if (!u->n_owners)
		line(f, "(no allocations)");
	render_objects(f, u, psz, obj_w);
	if (h->valid)
		render_host(f, h, name_w);
}

/* The frame on the screen: home, the lines, clear what is below them. */
static void show(struct frame *f, bool tty)
{
	if (tty)
		fputs("\033[H", stdout);
	fwrite(f->buf, 1, f->len, stdout);
	if (tty)
		fputs("\033[J", stdout);
	fflush(stdout);
}

static int parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0.1 || v > 3600)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * The daemon's event stream, when it offers one: a frame follows each
 * change of the managed arena at once (at most FRAME_MIN_S apart), and
 * the interval only paces the rest (the host's other arenas, the rates).
 * A daemon without `subscribe` answers with an error: then top polls.
 */
#define FRAME_MIN_S 0.1

/* What came on the stream: 1 something (a frame is due), 0 nothing yet,
 * -1 it ended or was refused (close it and poll). */
static int stream_read(int fd, bool *replied)
{
	char buf[16384], *nl;
	ssize_t n;
	int got = 0;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if (*replied) {
			got = 1;
			continue;
		}
		/* The first line is the reply: an error means no stream. A
		 * reply longer than a read is not one of subscribe's. */
		nl = memchr(buf, '\n', n);
		if (!nl || memmem(buf, nl - buf, "\"error\"", 7))
			return -1;
		*replied = true;
		if (nl + 1 < buf + n)
			got = 1;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	return got;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait up to secs for a key or, with *stream >= 0, an event; true when a
 * key asks to quit. */
static bool wait_key(double secs, int *stream, bool *replied)
{
	struct pollfd p[2] = {
		{ .fd = isatty(STDIN_FILENO) ? STDIN_FILENO : -1, .events = POLLIN },
		{ .fd = *stream, .events = POLLIN },
	};
	double deadline = mono_s() + secs, left;
	char c;
	int r;

	while ((left = deadline - mono_s()) > 0) {
		if (poll(p, 2, (int)(left * 1000) + 1) <= 0)
			return false;
		if (p[0].revents) {
			while (read(STDIN_FILENO, &c, 1) == 1) {
				if (c == 'q' || c == 'Q')
					return true;
			}
			return false;
		}
		r = stream_read(*stream, replied);
		if (r < 0) {
			close(*stream);
			*stream = p[1].fd = -1;
		} else if (r > 0) {
			/* Let a burst settle into one frame. */
			usleep(FRAME_MIN_S * 1e6);
			(void)stream_read(*stream, replied);
			return false;
		}
	}
	return false;
}

int cmd_top(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval",	required_argument, NULL, 'i' },
		{ "once",	no_argument,	   NULL, 'o' },
		{}
	};
	struct usage cur = {}, prev = {};
	struct host host = {};
	struct frame f = {};
	double interval = 1.0;
	bool once = false, have_prev = false, replied = false;
	int c, r, rows, stream = -1;

	while ((c = cli_getopt(cli, argc, argv, "i:", opts)) != -1) {
		switch (c) {
		case 'i':
			if (parse_interval(optarg, &interval))
				return cli_usage(cli, "--interval wants seconds (0.1..3600), got '%s'",
						 optarg);
			break;
		case 'o':
			once = true;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage(cli, "top takes no arguments, got '%s'", argv[optind]);
	if (cli->json)
		return cli_usage(cli, "top is a view for people; for JSON use 'query --json'");
	if (!once && !isatty(STDOUT_FILENO))
		return cli_usage(cli, "top needs a terminal (stdout is not one); "
				      "use 'top --once' for a single frame");

	if (once) {
		r = usage_get(cli, &cur);
		if (r)
			return cli_call_error(cli, r, "stats");
		host_refresh(cli, &host, &cur.when);
		f.cols = cli_term_cols(80);
		f.max_lines = 10000;
		render(cli, &f, &cur, NULL, &host);
		free(host.arenas);
		show(&f, false);
		usage_free(&cur);
		free(f.buf);
		return 0;
	}

	r = term_enter();
	if (r)
		return cli_error(cli, CLI_EXIT_FAILURE, r, "cannot use the terminal: %s", strerror(-r));
	stream = events_connect(cli, NULL, NULL, 0, 0);
	for (;;) {
		r = usage_get(cli, &cur);
		if (r)
			break;
		term_size(&rows, &f.cols);
		f.len = 0;
		f.lines = 0;
		f.max_lines = rows - 1;
		f.tty = true;
		host_refresh(cli, &host, &cur.when);
		render(cli, &f, &cur, have_prev ? &prev : NULL, &host);
		show(&f, true);
		usage_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		have_prev = true;
		/* a key, a resize or the interval: the next frame */
		if (wait_key(interval, &stream, &replied) || term_quit_signal)
			break;
		term_resized = 0;
	}
	term_leave();
	if (stream >= 0)
		close(stream);
	free(host.arenas);
	usage_free(&prev);
	usage_free(&cur);
	free(f.buf);
	if (r)
		return cli_call_error(cli, r, "stats");
	/* ^C ends top as q does: nothing failed */
	return 0;
}
