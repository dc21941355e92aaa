#!/usr/bin/env bash
# prove entry point: every arena on the host (arenas, scan --map-id, who) in a 6.12 VM; the guest prints the TAP; diagnostics on stderr.
exec bash "$(dirname "$0")/test-arenas.sh"
