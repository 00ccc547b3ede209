#!/usr/bin/env bash
# A throwaway Redis server on loopback for the tests.
#   scripts/redis-test-server.sh start DIR PORT   -> prints redis://... URL
#   scripts/redis-test-server.sh stop DIR         (and delete DIR)
set -euo pipefail
HERE=$(dirname "$0")
case "${1:-}" in
start) exec "$HERE/redis-server.sh" start "$2" "$3" ;;
stop) "$HERE/redis-server.sh" stop "$2" && rm -rf "$2" ;;
*) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
