// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arenad: own one BPF arena, pin it, and answer page-usage queries.
 * Logging: every start-up step logs its own failure (log.h); run() and
 * main() only propagate, so nothing is logged twice.
 */
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "activation.h"
#include "census.h"
#include "census_tick.h"
#include "events.h"
#include "check.h"
#include "inventory.h"
#include "counters.h"
#include "daemon.h"
#include "http.h"
#include "leases.h"
#include "orphans.h"
#include "log.h"
#include "methods.h"
#include "owners.h"
#include "pindir.h"
#include "scan.h"
#include "server.h"
#include "startup.h"
#include "status.h"
#include "util.h"
#include "worker.h"
#include "cleanup.h"
#include "arenad_version.h"

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct arenad *d = userdata;

	log_info("received %s, exiting (pins stay in %s)", strsignal(si->ssi_signo),
		 d->cfg->pin_dir);
	sd_notify(0, "STOPPING=1");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* Start-up's second half is done (startup.h): census every interval. */
static void startup_done(struct arenad *d)
{
	census_tick_start(d->census_tick);
}

/* The metrics listener: the socket passed as "metrics", or our own on
 * --metrics-listen. */
static int start_metrics(struct arenad *d, int activated_fd)
{
	int fd = activated_fd, r;

	if (fd >= 0) {
		if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) <= 0)
			return log_error_errno(-EINVAL, "the passed metrics fd is not a listening TCP socket");
	} else if (d->cfg->metrics_listen) {
		fd = http_listen((const struct sockaddr *)&d->cfg->metrics_addr, d->cfg->metrics_addrlen);
		if (fd < 0)
			return log_error_errno(fd, "metrics: listen on %s", d->cfg->metrics_listen);
	} else {
		return 0;
	}
	r = http_new(d->event, fd, d, &d->http);
	if (r < 0)
		return r;
	log_info("metrics at http://%s/metrics", http_address(d->http));
	return 0;
}

/* The group of the socket arenad creates; activated tells that the
 * service manager made the socket (and chose its group) instead. */
static int socket_gid(const struct config *cfg, bool activated, gid_t *gid)
{
	struct group *gr;

	*gid = (gid_t)-1;
	if (!cfg->group)
		return 0;
	gr = getgrnam(cfg->group);
	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	if (cfg->group_set)
		return log_error_errno(-ESRCH, "socket group '%s' does not exist", cfg->group);
	if (activated)
		return 0;
	/* The default group is optional, but without it only root connects,
	 * which the README's "members of arenad may connect" does not lead
	 * anyone to expect: say so at every start. */
	log_warning("group '%s' does not exist: only root may connect to %s. Create it with "
		    "systemd-sysusers (arenad's sysusers.d snippet) or groupadd --system %s and "
		    "restart, or name another group with --group",
		    cfg->group, cfg->socket_path, cfg->group);
	return 0;
}

/* A record of the allocator: a lease's holder to watch, or lost records. */
static void on_allocator_record(const struct arenad_event *r, void *userdata)
{
	struct leases *l = userdata;

	if (!r)
		leases_resync(l);
	else if (r->kind == ARENAD_EVENT_ALLOC && (r->flags & ARENAD_LEASE_PROCESS))
		leases_watch(l, r->pid, r->start_ns);
}

/* Release what run() set up, in the reverse order of setting it up. */
static void daemon_done(struct arenad *d)
{
	d->http = http_free(d->http);
	/* First the workers: they deliver or cancel their jobs, whose
	 * callbacks use what follows (start-up waits for the first
	 * inventory, replies go to the server's connections). */
	d->census_worker = worker_free(d->census_worker);
	d->ledger_worker = worker_free(d->ledger_worker);
	d->orphans = orphans_free(d->orphans);
	d->startup = startup_free(d->startup);
	d->census_tick = census_tick_free(d->census_tick);
	/* Tells the subscribers, while the server still has them. */
	d->events = events_free(d->events);
	/* Its connections close: their leases end, while the pins are open. */
	d->server = server_free(d->server);
	d->leases = leases_free(d->leases);
	d->inventory = inventory_free(d->inventory);
	d->scanner = scanner_free(d->scanner);
	d->census = census_free(d->census);
	d->methods = methods_state_free(d->methods);
	d->owners = owners_free(d->owners);
	d->status = status_free(d->status);
	d->counters = counters_free(d->counters);
	d->arena = arena_free(d->arena);
	d->event = sd_event_unref(d->event);
}

static int run(const struct config *cfg)
{
	struct arena_opts aopts = {
		.sz = sizeof(aopts),
		.pages = cfg->pages,
		.user_addr = cfg->user_addr,
		.numa_node = cfg->numa_node,
		.segv_on_fault = cfg->segv_on_fault,
		.pin_dir = cfg->pin_dir,
	};
	struct server_opts sopts = {
		.sz = sizeof(sopts),
		.path = cfg->socket_path,
		.mode = cfg->socket_mode,
		.allow_uids = cfg->allow_uids,
		.n_allow_uids = cfg->n_allow_uids,
		.allow_gids = cfg->allow_gids,
		.n_allow_gids = cfg->n_allow_gids,
		.max_clients = cfg->max_clients,
		.max_clients_per_uid = cfg->max_clients_per_uid,
		.idle_timeout_s = cfg->idle_timeout_s,
		.reply_budget = (__u64)cfg->max_reply_mib << 20,
	};
	_cleanup_(daemon_done) struct arenad d = {
		.cfg = cfg,
	};
	unsigned int census_interval_s = cfg->census_interval_s;
	struct activation act;
	struct rpc_table table = {
		.methods = daemon_methods,
		.n = daemon_n_methods,
		.userdata = &d,
	};
	sigset_t mask;
	int r;

	d.start_usec = now_usec(CLOCK_MONOTONIC);

	r = activation_collect(&act);
	if (r < 0)
		return r;
	r = socket_gid(cfg, act.control_fd >= 0, &sopts.gid);
	if (r < 0)
		return r;
	sopts.activated_fd = act.control_fd;
	/* Served metrics without a census would lack the present and
	 * unaccounted figures: census every minute unless told otherwise. */
	if ((act.metrics_fd >= 0 || cfg->metrics_listen) && !cfg->census_interval_set)
		census_interval_s = 60;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Not sd_event_default(): its loop checks the calling thread with a
	 * gettid() syscall on every iteration. */
	r = sd_event_new(&d.event);
	if (r < 0)
		return log_error_errno(r, "create event loop");
	r = sd_event_add_signal(d.event, NULL, SIGTERM, on_signal, &d);
	if (r >= 0)
		r = sd_event_add_signal(d.event, NULL, SIGINT, on_signal, &d);
	if (r < 0)
		return log_error_errno(r, "watch signals");
	/* Sends WATCHDOG=1 at half of WATCHDOG_USEC while the loop runs. */
	r = sd_event_set_watchdog(d.event, true);
	if (r < 0)
		return log_error_errno(r, "enable watchdog");

	r = arena_setup(&aopts, &d.arena);
	if (r < 0)
		return r;
	log_info("%s arena map %u: %u pages at 0x%llx, pins in %s",
		 d.arena->adopted ? "adopted" : "created", d.arena->map_id,
		 d.arena->ident.pages_total,
		 (unsigned long long)d.arena->ident.user_vm_start, cfg->pin_dir);
	r = counters_open(arenad_pins__state_fd(d.arena->pins), &d.counters);
	if (r < 0)
		return log_error_errno(r, "read the state map");
	r = owners_new(d.arena->pins, arena_obj_owners(d.arena), &d.owners);
	if (r < 0)
		return log_oom();
	r = methods_state_new(&d.methods);
	if (r < 0)
		return log_oom();
	r = status_new(d.event, d.counters, !!getenv("NOTIFY_SOCKET"), &d.status);
	if (r < 0)
		return log_oom();
	r = census_tick_new(&d, census_interval_s, &d.census_tick);
	if (r < 0)
		return r;

	r = worker_new(d.event, "arenad-ledger", &d.ledger_worker);
	if (r < 0)
		return r;
	r = orphans_new(d.arena->pins, d.ledger_worker, &d.orphans);
	if (r < 0)
		return log_oom();
	/* Before the server, which tells them of closed connections. */
	r = leases_new(d.event, d.arena->pins, d.arena->ident.user_vm_start,
		       owners_strings(d.owners), &d.leases);
	if (r < 0)
		return r;
	sopts.closed = leases_connection_closed;
	sopts.closed_userdata = d.leases;
	r = server_new(d.event, &sopts, &table, &d.server);
	if (r < 0)
		return r;
	r = events_new(d.event, d.arena, d.counters, d.owners, d.server, &d.events);
	if (r < 0)
		return r;
	events_set_record_hook(d.events, on_allocator_record, d.leases);
	/* After events_new(), which read past the records made before it:
	 * the ledger has them. Before the loop runs, so before any client. */
	leases_adopt(d.leases);
	log_info("listening on %s", server_activated(d.server)
		 ? "the socket passed by the service manager" : cfg->socket_path);
	r = start_metrics(&d, act.metrics_fd);
	if (r < 0)
		return r;

	/* Only now can a client both connect and find the pins; from here
	 * on they hold allocations, so the pins outlive the daemon. */
	arena_keep_pins(d.arena);
	sd_notify(0, "READY=1");
	status_notify(d.status);
	r = startup_begin(&d, startup_done, &d.startup);
	if (r < 0)
		return r;

	r = sd_event_loop(d.event);
	if (r < 0)
		return log_error_errno(r, "event loop");
	return r;
}

/* --unpin: a missing directory is not "not on a BPF file system". */
static int unpin(const char *pin_dir)
{
	struct stat st;

	if (stat(pin_dir, &st) < 0 && errno == ENOENT) {
		log_error("%s does not exist: there are no pins to remove (is --pin-dir right?)",
			  pin_dir);
		return -ENOENT;
	}
	return pin_dir_unpin(pin_dir);
}

/* run(), and after a failed start the pin directory levels it created
 * go again (a start that failed for another owner's lock touched none). */
static int start(const struct config *cfg)
{
	struct pin_dir_new created;
	int r;

	pin_dir_note(cfg->pin_dir, &created);
	r = run(cfg);
	if (r < 0 && r != -EBUSY)
		pin_dir_undo(&created);
	return r;
}

int main(int argc, char **argv)
{
	struct config cfg;
	int r;

	/* Before parsing: refused arguments are logged with a priority too. */
	log_set_prefix(!!getenv("JOURNAL_STREAM"));
	config_init(&cfg);
	r = config_parse_args(&cfg, argc, argv);
	if (r == CONFIG_EXIT)
		return EXIT_SUCCESS;
	if (r < 0)
		return 2;
	log_set_max_level(cfg.log_level);

	if (cfg.check)
		return check_run(&cfg, cfg.json);
	r = cfg.unpin ? unpin(cfg.pin_dir) : start(&cfg);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
