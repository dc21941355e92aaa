#!/usr/bin/env bash
# Install what arenad needs to build and test, and nothing when all is there.
#
# Debian 12 ships libbpf 1.1 and bpftool 7.1, too old for arenas; those two
# come from bookworm-backports, selected per package (pkg/suite) so that the
# rest of the system is not upgraded. The backports suite reuses the mirror
# URI that the machine's own apt sources already use.
set -euo pipefail

# package:check — check is a command that succeeds when the package is usable
want_pkgs=(
	clang-19 llvm-19 libelf-dev zlib1g-dev libsystemd-dev libjson-c-dev
	pkg-config make gcc python3 perl util-linux iproute2
	groff-base	# the man page check (tests/integration/82-man.t)
	libclang-rt-19-dev	# libFuzzer and the sanitizer runtimes (make fuzz, make SANITIZE=1)
	bash-completion zsh tmux man-db	# the CLI's completions, its terminal tests, man -l
	libmicrohttpd-dev	# the metrics HTTP listener (daemon/metrics/http.c)
	prometheus	# promtool and a real server for tests/integration/65-metrics.t, 66-alerts.t
	python3-yaml	# the monitoring tests read the rule files (tests/monitoring/)
	strace	# which thread makes which bpf() call (tests/integration/35-off-loop.t)
)
backports_pkgs=(libbpf-dev bpftool)

log() { printf 'deps: %s\n' "$*" >&2; }

have_pkg() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]; }

libbpf_ok() {
	pkg-config --exists 'libbpf >= 1.4' 2>/dev/null
}

bpftool_ok() {
	# bpftool prints "bpftool v7.5.0"; arenas need >= 7.4
	local v
	v=$(bpftool version 2>/dev/null | sed -n 's/^bpftool v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	[ -n "$v" ] || return 1
	set -- $v
	[ "$1" -gt 7 ] || { [ "$1" -eq 7 ] && [ "$2" -ge 4 ]; }
}

. /etc/os-release
codename=${VERSION_CODENAME:-}

# The mirror URI this machine already uses for its main suite.
main_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822: paragraphs with URIs: and Suites: lines
		awk -v c="$codename" '
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == c) hit = 1 }
			/^$/ { if (hit && uri) { print uri; exit } hit = 0; uri = "" }
			END { if (hit && uri) print uri }' "$f"
	done | head -n1
	grep -hE "^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://[^[:space:]]+[[:space:]]+$codename[[:space:]]" \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/' | head -n1
	return 0
}

# --print-mirror: the mirror URI, for tools that bootstrap a Debian tree.
if [ "${1:-}" = --print-mirror ]; then
	uri=$(set +o pipefail; main_uri | head -n1)
	[ -n "$uri" ] || { log "cannot find this machine's Debian mirror in /etc/apt"; exit 1; }
	echo "$uri"
	exit 0
fi

missing=()
for p in "${want_pkgs[@]}"; do
	have_pkg "$p" || missing+=("$p")
done
need_bp=0
libbpf_ok || need_bp=1
bpftool_ok || need_bp=1
# Extra packages a caller asks for (e.g. the VM tests): ARENAD_EXTRA_DEPS="qemu-system-x86 ..."
for p in ${ARENAD_EXTRA_DEPS:-}; do
	have_pkg "$p" || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && [ $need_bp -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	log "missing: ${missing[*]} ${need_bp:+libbpf>=1.4/bpftool>=7.4}; run as root to install"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive


bp_suite=
if [ $need_bp -eq 1 ] && [ "$codename" = bookworm ]; then
	bp_suite=bookworm-backports
	bp_file=/etc/apt/sources.list.d/arenad-backports.sources
	if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		uri=$(set +o pipefail; main_uri | head -n1)
		[ -n "$uri" ] || { log "cannot find this machine's Debian mirror in /etc/apt"; exit 1; }
		log "adding $bp_suite from $uri"
		cat >"$bp_file" <<EOT
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	fi
fi

log "installing: ${missing[*]} ${bp_suite:+${backports_pkgs[*]} (from $bp_suite)}"
apt-get -o DPkg::Lock::Timeout=600 update -qq
to_install=("${missing[@]}")
if [ $need_bp -eq 1 ]; then
	for p in "${backports_pkgs[@]}"; do
		to_install+=("$p${bp_suite:+/$bp_suite}")
	done
fi
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${to_install[@]}" >/dev/null

# The prometheus package is here for promtool and for a server the tests
# start themselves on a private port: installing it starts Debian's own
# prometheus service (on :9090, all interfaces) where the init system lets
# it. Stop and disable what this install started; a prometheus that ran
# before is left alone.
if [[ " ${missing[*]} " == *" prometheus "* ]]; then
	if [ -d /run/systemd/system ]; then
		systemctl disable --now prometheus.service >/dev/null 2>&1 || true
	elif [ -x /etc/init.d/prometheus ]; then
		/etc/init.d/prometheus stop >/dev/null 2>&1 || true
		update-rc.d prometheus disable >/dev/null 2>&1 || true
	fi
fi

libbpf_ok || { log "libbpf >= 1.4 still missing after install"; exit 1; }
bpftool_ok || { log "bpftool >= 7.4 still missing after install"; exit 1; }
log "done"
