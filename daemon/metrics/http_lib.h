/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmicrohttpd, loaded with dlopen() when a metrics listener is asked
 * for, the way systemd loads its optional libraries: most starts serve no
 * HTTP, and loading it (with GnuTLS, which it links) costs every start
 * about 5 ms, a tenth of the time to READY. http.c calls sym_MHD_*().
 */
#ifndef __ARENAD_HTTP_LIB_H
#define __ARENAD_HTTP_LIB_H

#include <microhttpd.h>

extern typeof(MHD_start_daemon) *sym_MHD_start_daemon;
extern typeof(MHD_stop_daemon) *sym_MHD_stop_daemon;
extern typeof(MHD_get_daemon_info) *sym_MHD_get_daemon_info;
extern typeof(MHD_get_timeout) *sym_MHD_get_timeout;
extern typeof(MHD_run) *sym_MHD_run;
extern typeof(MHD_create_response_from_buffer) *sym_MHD_create_response_from_buffer;
extern typeof(MHD_add_response_header) *sym_MHD_add_response_header;
extern typeof(MHD_queue_response) *sym_MHD_queue_response;
extern typeof(MHD_destroy_response) *sym_MHD_destroy_response;

/* Load the library and every sym_MHD_*(), once; later calls return the
 * first result. Logs its failure. */
int dlopen_microhttpd(void);

#endif /* __ARENAD_HTTP_LIB_H */
