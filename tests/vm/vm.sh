# shellcheck shell=bash
# Shell functions over the VM tools, for the tests/vm/test-*.sh drivers
# written in bash (sourced):
#
#   vm_deps [PKG...]              tests/vm/deps.sh: host packages
#   vm_kernel                     tests/vm/kernel.sh: sets VM_KVER VM_VMLINUZ
#                                 VM_KDIR VM_BTF VM_KROOT, exported
#   vm_install_elf ROOT SRC DST   a dynamically linked program and its libraries
#   vm_boot INITRD LOG SECS [MEM] tests/vm/boot.sh, with $VM_APPEND
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
