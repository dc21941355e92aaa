// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of libarenad's socket client against a scripted daemon: reply
 * framing (replies split across reads, two in one read, too long, not a
 * reply), signals during a call, the mapping of the daemon's error codes
 * to errnos, and the
 * validation of opts and output structs (.sz too small, larger with a
 * non-zero tail, records of another size). The daemon is a child process
 * on a socketpair-like private Unix socket that sends canned bytes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arenad.h"
#include "arenad_proto.h"
#include "tap.h"

static char sock_path[108];

/*
 * A daemon that answers each request line with the next chunk of script
 * (chunks are written with a pause between them, so they arrive in
 * separate reads). Request ids count from 1 per client, so the script
 * knows them.
 */
static pid_t serve(const char *const *chunks, int per_request)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, fd;
	pid_t pid;

	unlink(sock_path);
	strcpy(sa.sun_path, sock_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1))
		exit(99);
	pid = fork();
	if (pid)
		return close(lfd), pid;
	fd = accept(lfd, NULL, NULL);
	for (; *chunks; chunks++) {
		char buf[4096];

		if (per_request && read(fd, buf, sizeof(buf)) <= 0)
			break;
		if (write(fd, *chunks, strlen(*chunks)) < 0)
			break;
		usleep(20000);
	}
	usleep(200000);
	_exit(0);
}

static struct arenad_client *client(int timeout_ms)
{
	ARENAD_OPTS(arenad_client_opts, o, .socket_path = sock_path, .timeout_ms = timeout_ms);

	return arenad_client__open(&o);
}

static void done(struct arenad_client *c, pid_t pid)
{
	arenad_client__close(c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void framing(void)
{
	/* One reply split in three reads, then two replies in one read. */
	static const char *const split[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"res", "ult\":{\"version\":\"9.8", ".7\"}}\n",
		NULL };
	static const char *const two[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"pong\":\"arenad\"}}\n"
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"pong\":\"arenad\"}}\n", NULL };
	static const char *const garbage[] = { "this is not json\n", NULL };
	static const char *const other_id[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}\n", NULL };
	struct arenad_client *c;
	char ver[32] = "";
	pid_t pid;

	pid = serve(split, 0);
	c = client(2000);
	is_int(arenad_client__version(c, ver, sizeof(ver)), 0, "a reply split across reads");
	is_str(ver, "9.8.7", "... is read whole");
	done(c, pid);

	pid = serve(two, 0);
	c = client(2000);
	is_int(arenad_client__ping(c), 0, "two replies in one read: the first");
	is_int(arenad_client__ping(c), 0, "... and the second, from the buffer");
	done(c, pid);

	pid = serve(garbage, 0);
	c = client(2000);
	is_int(arenad_client__ping(c), -EPROTO, "a line that is not JSON is -EPROTO");
	ok(strstr(arenad_errmsg(), "malformed") != NULL, "... said so (%s)", arenad_errmsg());
	is_int(arenad_errcode(), 0, "... a local failure has no daemon code");
	is_int(arenad_client__ping(c), -EPIPE, "the client is broken after it: -EPIPE");
	done(c, pid);

	pid = serve(other_id, 0);
	c = client(2000);
	is_int(arenad_client__ping(c), -EPROTO, "a reply to another request is -EPROTO");
	done(c, pid);

	pid = serve((const char *const[]){ NULL }, 0);
	c = client(100);
	is_int(arenad_client__ping(c), -ETIMEDOUT, "no reply within the timeout: -ETIMEDOUT");
	done(c, pid);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal whose handler is not SA_RESTART (top's for a terminal resize)
 * arrives while a call waits for its reply: the call goes on. */
static void signals(void)
{
	static const char *const split[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"res", "ult\":{\"version\":\"9.8", ".7\"}}\n",
		NULL };
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval every_ms = { .it_interval = { 0, 1000 }, .it_value = { 0, 1000 } };
	struct arenad_client *c;
	char ver[32] = "";
	pid_t pid;
	int r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	pid = serve(split, 0);
	c = client(2000);
	setitimer(ITIMER_REAL, &every_ms, NULL);
	r = arenad_client__version(c, ver, sizeof(ver));
	setitimer(ITIMER_REAL, &(struct itimerval){}, NULL);
	is_int(r, 0, "a call that signals keep interrupting goes on");
	is_str(ver, "9.8.7", "... and reads its reply whole");
	done(c, pid);
	sigaction(SIGALRM, &old, NULL);
}

static void error_codes(void)
{
	static const struct {
		int code, err;
	} map[] = {
		{ ARENAD_ERR_NO_MEMORY, -ENOMEM },
		{ ARENAD_ERR_PERMISSION, -EPERM },
		{ ARENAD_ERR_NOT_FOUND, -ENOENT },
		{ ARENAD_ERR_CONFLICT, -EEXIST },
		{ ARENAD_ERR_UNAVAILABLE, -EAGAIN },
		{ ARENAD_RPC_INVALID_PARAMS, -EINVAL },
		{ ARENAD_RPC_METHOD_NOT_FOUND, -EOPNOTSUPP },
		{ ARENAD_RPC_PARSE_ERROR, -EPROTO },
		{ ARENAD_RPC_INVALID_REQUEST, -EPROTO },
		{ ARENAD_RPC_INTERNAL_ERROR, -EIO },
		{ -31999, -EIO },
	};
	char lines[sizeof(map) / sizeof(map[0])][160];
	const char *script[sizeof(map) / sizeof(map[0]) + 1];
	struct arenad_client *c;
	size_t i, n = sizeof(map) / sizeof(map[0]);
	pid_t pid;

	for (i = 0; i < n; i++) {
		snprintf(lines[i], sizeof(lines[i]),
			 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"error\":{\"code\":%d,\"message\":\"m%d\"}}\n",
			 i + 1, map[i].code, map[i].code);
		script[i] = lines[i];
	}
	script[n] = NULL;
	pid = serve(script, 1);
	c = client(2000);
	for (i = 0; i < n; i++) {
		char want[32];
		int r = arenad_client__ping(c);

		snprintf(want, sizeof(want), "m%d", map[i].code);
		ok(r == map[i].err && arenad_errcode() == map[i].code && !strcmp(arenad_errmsg(), want),
		   "daemon error %d is %d, with its code and message (got %d, %d, '%s')",
		   map[i].code, map[i].err, r, arenad_errcode(), arenad_errmsg());
	}
	done(c, pid);
}

static void validation(void)
{
	static const char *const stats[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"page_size\":4096,\"pages_total\":64,"
		"\"pin_dir\":\"/p\"}}\n", NULL };
	struct arenad_client_opts co;
	struct { struct arenad_client_opts o; char more[16]; } big;
	struct arenad_stats *st;
	size_t small = offsetof(struct arenad_stats, pages_total) + sizeof(__u64);
	struct arenad_client *c;
	pid_t pid;

	co = (struct arenad_client_opts){ .sz = 2, .socket_path = sock_path };
	ok(!arenad_client__open(&co) && errno == EINVAL, "opts .sz smaller than .sz itself: EINVAL");
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.o.socket_path = "/nonexistent/arenad.sock";
	big.more[3] = 1;
	ok(!arenad_client__open(&big.o) && errno == EINVAL,
	   "opts .sz larger than known with a non-zero tail: EINVAL (%s)", arenad_errmsg());
	big.more[3] = 0;
	ok(!arenad_client__open(&big.o) && errno == ENOENT,
	   "... with a zero tail: accepted (then ENOENT for the missing socket)");
	ok(strstr(arenad_errmsg(), "/nonexistent/arenad.sock") != NULL,
	   "the failed connect names the path (%s)", arenad_errmsg());

	pid = serve(stats, 1);
	c = client(2000);
	/* An older caller's struct: room for page_size and pages_total only. */
	st = calloc(1, sizeof(*st) + 64);
	memset(st, 0xa5, sizeof(*st) + 64);
	st->sz = small;
	is_int(arenad_client__stats(c, st), 0, "stats into a smaller (older) struct");
	ok(st->sz == small && st->page_size == 4096 && st->pages_total == 64,
	   "... fills what fits and says how much (.sz %zu)", st->sz);
	is_int(((unsigned char *)st)[small], 0xa5, "... and writes nothing beyond .sz");
	done(c, pid);

	pid = serve(stats, 1);
	c = client(2000);
	memset(st, 0xa5, sizeof(*st) + 64);
	st->sz = sizeof(*st) + 64;
	is_int(arenad_client__stats(c, st), 0, "stats into a larger (newer) struct");
	ok(st->sz == sizeof(*st) && !strcmp(st->pin_dir, "/p") &&
	   ((unsigned char *)st)[sizeof(*st) + 63] == 0,
	   "... fills all it knows, zeroes the rest, .sz is what it filled");
	st->sz = 0;
	is_int(arenad_client__stats(c, st), -EINVAL, "an output struct without .sz: -EINVAL");
	free(st);
	done(c, pid);
}

/* arenas, who and scan_map: records of the caller's sizes. */
static void arena_records(void)
{
	static const char *const arenas[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":["
		"{\"map_id\":7,\"name\":\"a\",\"pages_total\":64,\"page_size\":4096,"
		"\"pages_present\":3,\"managed\":true,"
		"\"programs\":[{\"id\":11,\"name\":\"p\",\"type\":\"syscall\"}],"
		"\"processes\":[{\"pid\":5,\"comm\":\"c\",\"unit\":null,\"fds\":2,\"mapped\":true},"
		"{\"pid\":6,\"comm\":\"d\",\"unit\":\"u.service\",\"fds\":1,\"mapped\":false}]},"
		"{\"map_id\":9,\"name\":\"b\",\"pages_total\":8,\"page_size\":4096,"
		"\"pages_present\":null,\"census_unavailable\":\"why\",\"programs\":[],\"processes\":[]}]}\n",
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"map_id\":9,\"pages_total\":8,"
		"\"pages_present\":2,\"pages_probed\":8,\"duration_us\":1,\"method\":\"rt\","
		"\"present\":[{\"addr\":\"0x1000\",\"offset\":0,\"pages\":1},"
		"{\"addr\":\"0x3000\",\"offset\":8192,\"pages\":1}]}}\n",
		NULL };
	/* An older caller's records: up to name, then one word more. */
	size_t old_sz = offsetof(struct arenad_arena, name) + 16 + 8;
	ARENAD_OPTS(arenad_arenas_opts, counts);
	ARENAD_OPTS(arenad_arenas_opts, lists, .prog_sz = sizeof(struct arenad_arena_prog),
		    .proc_sz = offsetof(struct arenad_arena_proc, comm) + 16);
	ARENAD_OPTS(arenad_scan_opts, so, .range_sz = sizeof(struct arenad_scan_range));
	ARENAD_OPTS(arenad_arena_scan, sc);
	struct arenad_arena *a, *b;
	struct arenad_arena_proc *pc;
	struct arenad_client *c;
	size_t n;
	pid_t pid;

	pid = serve(arenas, 1);
	c = client(2000);
	is_int(arenad_client__arenas(c, &counts, &a, old_sz, &n), 0, "arenas into older, smaller records");
	b = (struct arenad_arena *)((char *)a + old_sz);
	ok(n == 2 && a->sz == old_sz && a->map_id == 7 && !strcmp(a->name, "a") &&
	   b->sz == old_sz && b->map_id == 9 && !strcmp(b->name, "b"),
	   "... each record at its own stride, filled as far as it has room");
	arenad_arenas_free(a, old_sz, n);
	is_int(arenad_client__scan_map(c, 9, &so, &sc), 0, "scan_map with records of present runs");
	ok(sc.sz == sizeof(sc) && sc.n_present == 2 && sc.present[1].offset == 8192 &&
	   sc.present[1].sz == sizeof(struct arenad_scan_range) && !strcmp(sc.method, "rt"),
	   "... the present pages as runs");
	arenad_arena_scan_free(&sc);
	ok(!sc.present, "... freed");
	done(c, pid);

	pid = serve(arenas, 1);
	c = client(2000);
	is_int(arenad_client__arenas(c, &lists, &a, sizeof(*a), &n), 0, "arenas with their lists");
	pc = a[0].procs;
	ok(a[0].sz == sizeof(*a) && a[0].n_progs == 1 && a[0].progs[0].id == 11 &&
	   !strcmp(a[0].progs[0].type, "syscall") && a[0].n_procs == 2 &&
	   a[1].census_ok == false && !strcmp(a[1].census_unavailable, "why"),
	   "... programs, processes and why a census is missing");
	pc = (struct arenad_arena_proc *)((char *)a[0].procs + lists.proc_sz);
	ok(pc->sz == lists.proc_sz && pc->pid == 6,
	   "... process records of the size asked for (.sz %zu, pid %u)", pc->sz, pc->pid);
	arenad_arenas_free(a, sizeof(*a), n);
	done(c, pid);

	pid = serve(arenas, 1);
	c = client(2000);
	is_int(arenad_client__arenas(c, NULL, &a, sizeof(*a), &n), 0, "arenas without opts");
	ok(a[0].n_progs == 1 && a[0].n_procs == 2 && !a[0].progs && !a[0].procs,
	   "... counts without lists");
	arenad_arenas_free(a, sizeof(*a), n);
	lists.proc_sz = 4;
	is_int(arenad_client__arenas(c, &lists, &a, sizeof(*a), &n), -EINVAL,
	       "a record size smaller than its .sz: -EINVAL");
	done(c, pid);
}

int main(void)
{
	snprintf(sock_path, sizeof(sock_path), "/tmp/test_libarenad-%d.sock", getpid());
	framing();
	signals();
	error_codes();
	validation();
	arena_records();
	unlink(sock_path);
	return tap_done();
}
