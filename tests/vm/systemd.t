#!/usr/bin/env bash
# prove entry point: the systemd VM test; the guest prints the TAP.
exec bash "$(dirname "$0")/test-systemd.sh" 2>&1
