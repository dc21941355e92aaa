#!/usr/bin/env bash
# prove entry point: the kmod VM test; the guest prints the TAP.
exec bash "$(dirname "$0")/test-kmod.sh" 2>&1
