#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests.
#   scripts/pg-test-server.sh start DIR PORT   -> prints postgresql://... URL
#   scripts/pg-test-server.sh stop DIR
# Installs Debian's postgresql package when no server binaries are present.
set -euo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_owner() {  # PostgreSQL refuses to run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    DIR=$2 PORT=$3
    BIN=$(find_bin)
    if [ -z "$BIN" ]; then
        echo "installing PostgreSQL from Debian's packages..." >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        BIN=$(find_bin)
    fi
    mkdir -p "$DIR"
    chmod 755 "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_owner "$BIN/initdb" -D "$DIR/data" -A trust -U club -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
        { cat "$DIR/initdb.log" >&2; exit 1; }
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U club club
    echo "postgresql://club@127.0.0.1:$PORT/club"
    ;;
stop)
    DIR=$2
    BIN=$(find_bin)
    [ -d "$DIR/data" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    rm -rf "$DIR"
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
