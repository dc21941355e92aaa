/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing the Prometheus text exposition format, version 0.0.4: family
 * headers (# HELP, # TYPE) and samples with escaped label values. Pure
 * formatting on a stdio stream; what is measured lives in metrics.c.
 */
#ifndef __ARENAD_PROM_H
#define __ARENAD_PROM_H

#include <stdio.h>
#include <linux/types.h>

/* The Content-Type of this format over HTTP. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum prom_type {
	PROM_GAUGE,
	PROM_COUNTER,
};

/* "# HELP name help" and "# TYPE name type"; help is escaped as the
 * format asks (backslash and newline). */
void prom_family(FILE *f, const char *name, enum prom_type type, const char *help);

/* A label value between double quotes, with backslash, double quote and
 * newline escaped; any other byte is copied (the format is UTF-8, and so
 * are the strings arenad stores). */
void prom_label_value(FILE *f, const char *v);

/*
 * One sample: name{k1="v1",...} value. labels is a NULL-terminated list
 * of key, value pairs (NULL itself for none); keys are written as they
 * are, values escaped.
 */
void prom_sample_u64(FILE *f, const char *name, const char *const *labels, __u64 v);
void prom_sample_double(FILE *f, const char *name, const char *const *labels, double v);

/* A family of one sample without labels. */
struct prom_scalar {
	const char *name;
	enum prom_type type;
	const char *help;
	__u64 value;
};
/* n of them, each its header and then its value, in order. */
void prom_scalars(FILE *f, const struct prom_scalar *s, size_t n);

#endif /* __ARENAD_PROM_H */
