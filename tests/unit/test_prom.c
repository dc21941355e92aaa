// SPDX-License-Identifier: LGPL-2.1-or-later
/* The Prometheus text writer (daemon/metrics/prom.c) and --metrics-listen parsing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "prom.h"
#include "tap.h"

/* What a writer call produced, as a string (static buffer). */
#define CAPTURE(call) ({						\
	static char _buf[4096];						\
	FILE *f = fmemopen(_buf, sizeof(_buf), "w");			\
	FILE *stream = f;						\
	(void)stream;							\
	call;								\
	fclose(f);							\
	_buf;								\
})

static const char *listen_str(const char *s)
{
	static char out[80];
	struct sockaddr_storage ss;
	socklen_t len;
	char ip[INET6_ADDRSTRLEN];

	if (parse_listen_address(s, &ss, &len))
		return "invalid";
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(out, sizeof(out), "%s:%u", ip, ntohs(in->sin_port));
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(out, sizeof(out), "[%s]:%u", ip, ntohs(in6->sin6_port));
	}
	return out;
}

int main(void)
{
	is_str(CAPTURE(prom_label_value(f, "plain")), "\"plain\"", "a plain label value is quoted");
	is_str(CAPTURE(prom_label_value(f, "a\"b")), "\"a\\\"b\"", "double quote escaped");
	is_str(CAPTURE(prom_label_value(f, "a\\b")), "\"a\\\\b\"", "backslash escaped");
	is_str(CAPTURE(prom_label_value(f, "a\nb")), "\"a\\nb\"", "newline escaped");
	is_str(CAPTURE(prom_label_value(f, "")), "\"\"", "empty value");
	is_str(CAPTURE(prom_label_value(f, "ünï{},=")), "\"ünï{},=\"",
	       "UTF-8 and the format's punctuation pass through");

	is_str(CAPTURE(prom_family(f, "x_bytes", PROM_GAUGE, "a \"b\" \\ c\nd")),
	       "# HELP x_bytes a \"b\" \\\\ c\\nd\n# TYPE x_bytes gauge\n",
	       "HELP escapes backslash and newline, not the double quote");
	is_str(CAPTURE(prom_family(f, "x_total", PROM_COUNTER, "n")),
	       "# HELP x_total n\n# TYPE x_total counter\n", "counter type");

	is_str(CAPTURE(prom_sample_u64(f, "m", NULL, 18446744073709551615ULL)),
	       "m 18446744073709551615\n", "unlabelled sample, full u64");
	is_str(CAPTURE(prom_sample_u64(f, "m", (const char *const[]){ NULL }, 0)),
	       "m 0\n", "an empty label list writes no braces");
	is_str(CAPTURE(prom_sample_u64(f, "m", (const char *const[]){ "a", "1", "b", "x\"y", NULL }, 7)),
	       "m{a=\"1\",b=\"x\\\"y\"} 7\n", "labels in order, values escaped");
	is_str(CAPTURE(prom_sample_double(f, "s", NULL, 0.25)), "s 0.25\n", "a double");
	is_str(CAPTURE(prom_sample_double(f, "s", NULL, 1e-6)), "s 1e-06\n",
	       "a double in its shortest form");
	is_str(CAPTURE(prom_sample_double(f, "s", NULL, 0.1 + 0.2)), "s 0.30000000000000004\n",
	       "a double that needs 17 digits keeps them");

	is_str(listen_str("127.0.0.1:9731"), "127.0.0.1:9731", "IPv4:port");
	is_str(listen_str("9731"), "127.0.0.1:9731", "a port alone is loopback");
	is_str(listen_str("0"), "127.0.0.1:0", "port 0: any free port");
	is_str(listen_str("[::1]:80"), "[::1]:80", "[IPv6]:port");
	is_str(listen_str("0.0.0.0:65535"), "0.0.0.0:65535", "all IPv4 addresses, highest port");
	is_str(listen_str("::1:80"), "invalid", "IPv6 without brackets");
	is_str(listen_str("127.0.0.1:65536"), "invalid", "port out of range");
	is_str(listen_str("127.0.0.1:"), "invalid", "empty port");
	is_str(listen_str("127.0.0.1:+80"), "invalid", "signed port");
	is_str(listen_str("127.0.0.1:0x50"), "invalid", "hex port");
	is_str(listen_str("localhost:80"), "invalid", "host names are not looked up");
	is_str(listen_str(":80"), "invalid", "empty address");
	is_str(listen_str("[::1]80"), "invalid", "bracket without colon");
	is_str(listen_str("[]:80"), "invalid", "empty brackets");
	is_str(listen_str(""), "invalid", "empty");
	is_str(listen_str("1.2.3.4.5:80"), "invalid", "not an address");
	return tap_done();
}
