/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command-line configuration of arenad: parsing and validation only. */
#ifndef __ARENAD_CONFIG_H
#define __ARENAD_CONFIG_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/types.h>

#define CONFIG_MAX_ALLOW 32

struct config {
	__u32 pages;
	__u64 user_addr;
	int numa_node;			/* -1: any */
	bool segv_on_fault;
	const char *pin_dir;
	const char *socket_path;
	const char *group;		/* socket group name, NULL: none */
	bool group_set;			/* --group given explicitly */
	mode_t socket_mode;
	uid_t allow_uids[CONFIG_MAX_ALLOW];
	unsigned int n_allow_uids;
	gid_t allow_gids[CONFIG_MAX_ALLOW];
	unsigned int n_allow_gids;
	unsigned int census_interval_s;	/* 0: census only on request */
	bool census_interval_set;	/* --census-interval given explicitly */
	const char *metrics_listen;	/* --metrics-listen as given, NULL: off */
	struct sockaddr_storage metrics_addr;
	socklen_t metrics_addrlen;
	unsigned int max_clients;	/* connections at once */
	unsigned int max_clients_per_uid; /* of them for one uid that may not write */
	unsigned int idle_timeout_s;	/* 0: idle connections stay */
	unsigned int max_reply_mib;	/* memory for replies not yet read */
	int log_level;
	bool unpin;
	bool check;			/* --check: report the requirements and exit */
	bool json;			/* -j: --check's report as JSON */
};

/* Parse results besides 0 and -errno. */
#define CONFIG_EXIT 1	/* --help or --version printed: exit 0 */

void config_init(struct config *cfg);
int config_parse_args(struct config *cfg, int argc, char **argv);
int config_validate(const struct config *cfg, char *err, size_t errlen);

/* Exposed for unit tests. */
int parse_u64(const char *s, __u64 *out);
int parse_id(const char *s, bool group, unsigned int *out);
int parse_listen_address(const char *s, struct sockaddr_storage *ss, socklen_t *len);

#endif /* __ARENAD_CONFIG_H */
