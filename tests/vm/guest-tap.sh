# shellcheck shell=sh
# TAP for the guest scripts of the VM tests (sourced inside the VM).
n=0
fail=0
# t DESCRIPTION COMMAND: one test; COMMAND is evaluated by sh.
t() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		fail=$((fail + 1))
	fi
}
# tap_done: plan and the summary line a harness reads; status 0 when all passed.
tap_done() {
	echo "1..$n"
	echo "$((n - fail)) passed, $fail failed"
	[ $fail -eq 0 ]
}
# tap_import FILE: add FILE's unnumbered TAP lines ("ok - ...",
# "not ok - ...") to this script's count; other lines pass through.
tap_import() {
	while IFS= read -r line; do
		case $line in
		"ok - "*)
			n=$((n + 1))
			echo "ok $n - ${line#ok - }"
			;;
		"not ok - "*)
			n=$((n + 1))
			fail=$((fail + 1))
			echo "not ok $n - ${line#not ok - }"
			;;
		*) echo "$line" ;;
		esac
	done <"$1"
}
