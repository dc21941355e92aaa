// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdlib.h>

#include "prom.h"

static void escaped(FILE *f, const char *s, int quote)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '"':
			/* Only label values escape the double quote; in HELP
			 * text \" would be shown literally. */
			fputs(quote ? "\\\"" : "\"", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

void prom_family(FILE *f, const char *name, enum prom_type type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	escaped(f, help, 0);
	fprintf(f, "\n# TYPE %s %s\n", name, type == PROM_COUNTER ? "counter" : "gauge");
}

void prom_label_value(FILE *f, const char *v)
{
	fputc('"', f);
	escaped(f, v, 1);
	fputc('"', f);
}

static void name_labels(FILE *f, const char *name, const char *const *labels)
{
	fputs(name, f);
	if (!labels || !labels[0])
		return;
	fputc('{', f);
	for (const char *const *l = labels; l[0] && l[1]; l += 2) {
		if (l != labels)
			fputc(',', f);
		fprintf(f, "%s=", l[0]);
		prom_label_value(f, l[1]);
	}
	fputc('}', f);
}

void prom_sample_u64(FILE *f, const char *name, const char *const *labels, __u64 v)
{
	name_labels(f, name, labels);
	fprintf(f, " %llu\n", (unsigned long long)v);
}

void prom_sample_double(FILE *f, const char *name, const char *const *labels, double v)
{
	char buf[32];

	name_labels(f, name, labels);
	/* The shortest of %.15g and %.17g that reads back as v: 1e-06, not
	 * 9.9999999999999995e-07. */
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fprintf(f, " %s\n", buf);
}
