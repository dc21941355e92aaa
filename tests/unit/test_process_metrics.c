// SPDX-License-Identifier: LGPL-2.1-or-later
/* The process_* families (daemon/process_metrics.c): the stat line's
 * parser, and this process's figures against what the kernel says. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "process_metrics.h"
#include "tap.h"

/* A command name that holds ") " and digits: the fields are counted
 * from the last ')'. */
static const char STAT[] =
	"4242 (a) 1 2 (b) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 "
	"123456 10485760 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

int main(void)
{
	__u64 cpu = 0, start = 0, vsize = 0, rss = 0;
	struct process_figures p;
	struct rlimit rl;
	int fd, before;

	is_int(process_parse_stat(STAT, &cpu, &start, &vsize, &rss), 0, "a stat line parses");
	is_int(cpu, 300, "utime + stime in ticks");
	is_int(start, 123456, "starttime in ticks");
	is_int(vsize, 10485760, "vsize in bytes");
	is_int(rss, 300, "rss in pages");
	is_int(process_parse_stat("4242 (x) S 1 2", &cpu, &start, &vsize, &rss), -22, "a short line is refused");
	is_int(process_parse_stat("no parenthesis", &cpu, &start, &vsize, &rss), -22, "a line without ')' is refused");

	is_int(process_figures_read(&p), 0, "this process's figures read");
	getrlimit(RLIMIT_NOFILE, &rl);
	ok(p.max_fds == rl.rlim_cur, "process_max_fds is RLIMIT_NOFILE's soft limit");
	before = p.open_fds;
	fd = open("/dev/null", O_RDONLY);
	process_figures_read(&p);
	is_int((int)p.open_fds, before + 1, "process_open_fds counts one more descriptor after an open");
	close(fd);
	ok(p.resident_bytes > 0 && p.resident_bytes <= p.virtual_bytes, "resident bytes: %llu, of %llu virtual",
	   (unsigned long long)p.resident_bytes, (unsigned long long)p.virtual_bytes);
	ok(p.start_time_seconds <= time(NULL) + 1 && p.start_time_seconds > time(NULL) - 600,
	   "the start time is within the last minutes: %.2f", p.start_time_seconds);
	ok(p.cpu_seconds >= 0 && p.cpu_seconds < 600, "CPU seconds: %.2f", p.cpu_seconds);
	return tap_done();
}
