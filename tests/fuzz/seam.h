/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fuzz harness's stand-in for the kernel side (seam.c). */
#ifndef __ARENAD_FUZZ_SEAM_H
#define __ARENAD_FUZZ_SEAM_H

#define SEAM_BASE	0x100000000000ULL
#define SEAM_PAGES	256

/* An empty arena, ledger and string table. */
void seam_reset(void);

#endif /* __ARENAD_FUZZ_SEAM_H */
