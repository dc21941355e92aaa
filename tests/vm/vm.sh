# shellcheck shell=bash
# Shell functions over the VM tools, for the tests/vm/test-*.sh drivers
# written in bash (sourced):
#
#   vm_deps [PKG...]              tests/vm/deps.sh: host packages
#   vm_kernel                     tests/vm/kernel.sh: sets VM_KVER VM_VMLINUZ
#                                 VM_KDIR VM_BTF VM_KROOT, exported
#   vm_install_elf ROOT SRC DST   a dynamically linked program and its libraries
#   vm_boot INITRD LOG SECS [MEM] tests/vm/boot.sh, with $VM_APPEND
#   vm_prepare                    vm_deps and vm_kernel, or a TAP bail-out
#   vm_run_guest NAME GUEST STAGE BIN...
#                                 after vm_prepare: a busybox guest that runs
#                                 GUEST with BIN... (from build/) in /usr/bin
#                                 and what else is in STAGE; its TAP on stdout
#
# Busybox guests are built by tests/vm/run-initramfs.sh.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # for the drivers' own caches (test-systemd.sh)
VM_CACHE=${ARENAD_VM_CACHE:-/var/cache/arenad-vm}

vm_log() { printf '# vm: %s\n' "$*" >&2; }

vm_deps() { "$VM_DIR/deps.sh" "$@"; }

vm_kernel() {
	local env
	env=$("$VM_DIR/kernel.sh") || return 1
	eval "$env"
	export VM_KVER VM_VMLINUZ VM_KDIR VM_BTF VM_KROOT
}

vm_install_elf() {
	local root=$1 src=$2 dst=$3 lib
	install -D -m 0755 "$src" "$root/$dst"
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
	done
}

vm_boot() {
	"$VM_DIR/boot.sh" "$1" --log "$2" --timeout "$3" --mem "${4:-1024}" --append "${VM_APPEND:-}"
}

vm_prepare() {
	# shellcheck disable=SC2119 # no extra packages
	vm_deps >&2 || { echo "Bail out! host packages missing"; return 1; }
	vm_kernel || { echo "Bail out! no Debian 6.12 kernel"; return 1; }
	echo "# kernel $VM_KVER"
}

vm_run_guest() {
	local name=$1 guest=$2 stage=$3 b logdir
	shift 3
	for b in "$@"; do
		[ -x "$b" ] || { echo "Bail out! $b is missing: run make test-build first"; return 1; }
	done
	for b in "$@"; do
		vm_install_elf "$stage" "$b" "usr/bin/$(basename "$b")"
	done
	install -m 0755 "$guest" "$stage/test.sh"
	install -D -m 0644 "$VM_DIR/guest-tap.sh" "$stage/usr/local/lib/guest-tap.sh"
	logdir=${ARENAD_VM_LOGDIR:-build/vm}
	mkdir -p "$logdir"
	"$VM_DIR/run-initramfs.sh" "$stage" --timeout "${ARENAD_VM_TIMEOUT:-300}" --log "$logdir/$name.log"
}
