// SPDX-License-Identifier: LGPL-2.1-or-later
/* The process_* families (daemon/metrics/process_metrics.c): the stat
 * line's parser (lib/proc_stat.c), and this process's figures
 * against what the kernel says. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "proc_stat.h"
#include "process_metrics.h"
#include "tap.h"

/* A command name that holds ") " and digits: the fields are counted
 * from the last ')'. */
static const char STAT[] =
	"4242 (a) 1 2 (b) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 "
	"123456 10485760 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

int main(void)
{
	struct proc_stat st;
	struct process_figures p;
	struct rlimit rl;
	int fd, before;

	is_int(libarenad_proc_stat_parse(STAT, &st), 0, "a stat line parses");
	is_str(st.comm, "a) 1 2 (b", "the command name runs to the last ')'");
	is_int(st.cpu_ticks, 300, "utime + stime in ticks");
	is_int(st.start_ticks, 123456, "starttime in ticks");
	is_int(st.vsize, 10485760, "vsize in bytes");
	is_int(st.rss_pages, 300, "rss in pages");
	is_int(libarenad_proc_stat_parse("4242 (x) S 1 2", &st), -22, "a short line is refused");
	is_int(libarenad_proc_stat_parse("no parenthesis", &st), -22, "a line without ')' is refused");
	is_int(libarenad_proc_stat_parse("4242 (a-name-longer-than-fifteen) S 1 4242 4242 0 -1 0 0 0 0 0 1 2 "
			       "0 0 20 0 1 0 7 8 9", &st), 0, "a long command name parses");
	is_str(st.comm, "a-name-longer-t", "... cut to the kernel's 15 characters");

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
