#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests.
#   scripts/pg-test-server.sh start DIR PORT   -> prints postgresql://... URL
#   scripts/pg-test-server.sh stop DIR         (and delete DIR)
set -euo pipefail
HERE=$(dirname "$0")
case "${1:-}" in
start) exec "$HERE/pg-server.sh" start "$2" "$3" ;;
stop) exec "$HERE/pg-server.sh" remove "$2" ;;
*) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
