#!/usr/bin/env bash
# prove entry point: kmod/arenad_kfuncs.ko's kfuncs in a 6.12 VM; the guest prints the TAP; diagnostics on stderr.
exec bash "$(dirname "$0")/test-kmod.sh"
