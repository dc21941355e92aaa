#!/usr/bin/env bash
# prove entry point: arenad using kmod/arenad_kfuncs.ko in a 6.12 VM; the guest prints the TAP; diagnostics on stderr.
exec bash "$(dirname "$0")/test-kmod-arenad.sh"
