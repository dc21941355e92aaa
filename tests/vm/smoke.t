#!/usr/bin/env bash
# prove entry point: the VM tooling boots a guest and tells pass, fail and timeout apart.
exec bash "$(dirname "$0")/test-smoke.sh"
