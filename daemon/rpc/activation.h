/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sockets passed by the service manager (socket activation), told apart
 * by their FileDescriptorName=: "metrics" is the HTTP listener
 * (arenad-metrics.socket); any other name is the control socket
 * (arenad.socket, or systemd-socket-activate without --fdname).
 */
#ifndef __ARENAD_ACTIVATION_H
#define __ARENAD_ACTIVATION_H

#define ACTIVATION_METRICS_NAME "metrics"

struct activation {
	int control_fd;		/* -1: none passed */
	int metrics_fd;		/* -1: none passed */
};

/* Take the passed fds (once: the environment is unset). More than one
 * socket for either role is an error, not a guess. */
int activation_collect(struct activation *a);

#endif /* __ARENAD_ACTIVATION_H */
