#!/usr/bin/env bash
# prove entry point: the systemd VM test; the guest prints the TAP; diagnostics on stderr.
exec bash "$(dirname "$0")/test-systemd.sh"
