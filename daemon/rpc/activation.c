// SPDX-License-Identifier: LGPL-2.1-or-later
/* The sockets the service manager passed (activation.h). Start-up: logs its
 * own failures (log.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "activation.h"
#include "log.h"

int activation_collect(struct activation *a)
{
	char **names = NULL;
	int n, i, r = 0;

	a->control_fd = a->metrics_fd = -1;
	n = sd_listen_fds_with_names(1, &names);
	if (n < 0)
		return log_error_errno(n, "read the sockets passed by the service manager");
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *name = names && names[i] ? names[i] : "unknown";
		int *slot = strcmp(name, ACTIVATION_METRICS_NAME) ? &a->control_fd : &a->metrics_fd;

		if (*slot >= 0) {
			r = log_error_errno(-EINVAL, "more than one %s socket passed (fd %d is '%s')",
					    slot == &a->metrics_fd ? "metrics" : "control", fd, name);
			close(fd);
			continue;
		}
		*slot = fd;
	}
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	return r;
}
