/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The release version of arenad, arenactl-client and libarenad: the one
 * place it is written. The Makefile reads it for the pkg-config file, the
 * man pages and the shared library's version.
 */
#ifndef __ARENAD_VERSION_H
#define __ARENAD_VERSION_H

#define ARENAD_MAJOR_VERSION 0
#define ARENAD_MINOR_VERSION 1
#define ARENAD_PATCH_VERSION 0

#define __ARENAD_STR(x) #x
#define __ARENAD_XSTR(x) __ARENAD_STR(x)
#define ARENAD_VERSION							\
	__ARENAD_XSTR(ARENAD_MAJOR_VERSION) "."				\
	__ARENAD_XSTR(ARENAD_MINOR_VERSION) "."				\
	__ARENAD_XSTR(ARENAD_PATCH_VERSION)

#endif /* __ARENAD_VERSION_H */
