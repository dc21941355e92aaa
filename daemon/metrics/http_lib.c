// SPDX-License-Identifier: LGPL-2.1-or-later
/* libmicrohttpd through dlopen() (http_lib.h). Logs its failure (log.h). */
#include <dlfcn.h>
#include <errno.h>

#include "http_lib.h"
#include "log.h"
#include "util.h"

/* The ABI this is built against; MHD_VERSION says which release. */
#define MICROHTTPD_SONAME "libmicrohttpd.so.12"

typeof(MHD_start_daemon) *sym_MHD_start_daemon;
typeof(MHD_stop_daemon) *sym_MHD_stop_daemon;
typeof(MHD_get_daemon_info) *sym_MHD_get_daemon_info;
typeof(MHD_get_timeout) *sym_MHD_get_timeout;
typeof(MHD_run) *sym_MHD_run;
typeof(MHD_create_response_from_buffer) *sym_MHD_create_response_from_buffer;
typeof(MHD_add_response_header) *sym_MHD_add_response_header;
typeof(MHD_queue_response) *sym_MHD_queue_response;
typeof(MHD_destroy_response) *sym_MHD_destroy_response;

#define SYM(name) { (void **)&sym_##name, #name }

int dlopen_microhttpd(void)
{
	static const struct {
		void **p;
		const char *name;
	} syms[] = {
		SYM(MHD_start_daemon), SYM(MHD_stop_daemon), SYM(MHD_get_daemon_info),
		SYM(MHD_get_timeout), SYM(MHD_run), SYM(MHD_create_response_from_buffer),
		SYM(MHD_add_response_header), SYM(MHD_queue_response), SYM(MHD_destroy_response),
	};
	static int loaded;	/* 1, or the first failure */
	void *dl;

	if (loaded)
		return loaded < 0 ? loaded : 0;
	/* Never closed: its functions stay in use until exit. */
	dl = dlopen(MICROHTTPD_SONAME, RTLD_NOW | RTLD_NODELETE);
	if (!dl) {
		loaded = log_error_errno(-EOPNOTSUPP, "metrics: load %s: %s", MICROHTTPD_SONAME,
					 dlerror());
		return loaded;
	}
	for (size_t i = 0; i < ARRAY_SIZE(syms); i++) {
		*syms[i].p = dlsym(dl, syms[i].name);
		if (!*syms[i].p) {
			loaded = log_error_errno(-EOPNOTSUPP, "metrics: %s has no %s: %s",
						 MICROHTTPD_SONAME, syms[i].name, dlerror());
			return loaded;
		}
	}
	loaded = 1;
	return 0;
}
