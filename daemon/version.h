/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __ARENAD_VERSION_H
#define __ARENAD_VERSION_H
#define ARENAD_VERSION "0.1.0"
#endif
