// SPDX-License-Identifier: LGPL-2.1-or-later
/* Prometheus text exposition format (prom.h). Pure: never logs (log.h). */
#include <stdlib.h>
#include <string.h>

#include "prom.h"

static void escaped(FILE *f, const char *s, int quote)
{
	/* Only label values escape the double quote; in HELP text \" would
	 * be shown literally. */
	const char *special = quote ? "\\\n\"" : "\\\n";
	size_t n;

	/* Runs of ordinary bytes in one write: most values have nothing to
	 * escape. */
	for (;;) {
		n = strcspn(s, special);
		fwrite(s, 1, n, f);
		s += n;
		if (!*s)
			return;
		fputs(*s == '\\' ? "\\\\" : *s == '\n' ? "\\n" : "\\\"", f);
		s++;
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
		fputs(l[0], f);
		fputc('=', f);
		prom_label_value(f, l[1]);
	}
	fputc('}', f);
}

void prom_sample_u64(FILE *f, const char *name, const char *const *labels, __u64 v)
{
	char buf[24], *p = buf + sizeof(buf);

	name_labels(f, name, labels);
	/* By hand: fprintf is a third of a scrape with a thousand owners. */
	*--p = '\n';
	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	*--p = ' ';
	fwrite(p, 1, buf + sizeof(buf) - p, f);
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

void prom_scalars(FILE *f, const struct prom_scalar *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		prom_family(f, s[i].name, s[i].type, s[i].help);
		prom_sample_u64(f, s[i].name, NULL, s[i].value);
	}
}
