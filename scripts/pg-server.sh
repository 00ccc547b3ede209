#!/usr/bin/env bash
# A PostgreSQL server on loopback whose data lives in DIR (the scale profile,
# and the tests through pg-test-server.sh).
#   scripts/pg-server.sh start DIR PORT   -> prints the club database's URL
#   scripts/pg-server.sh stop DIR         (the data stays in DIR)
#   scripts/pg-server.sh remove DIR       (stop and delete DIR)
#   scripts/pg-server.sh kill DIR         (a crash: immediate shutdown, no
#                                          checkpoint; recovery at next start)
# `start` installs Debian's postgresql package when no server binaries are
# present, creates the cluster the first time, and the databases `club` (the
# club's data and the bridge's queue tables) and `tracker` (Rasa's tracker
# store) when missing. Runs as the postgres user when started as root.
set -euo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_owner() {  # PostgreSQL refuses to run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

create_db() {  # NAME PORT: create it unless it exists
    if ! as_owner "$BIN/psql" -h 127.0.0.1 -p "$2" -U club -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; then
        as_owner "$BIN/createdb" -h 127.0.0.1 -p "$2" -U club "$1"
    fi
}

BIN=$(find_bin)
case "${1:-}" in
start)
    DIR=$2 PORT=$3
    if [ -z "$BIN" ]; then
        echo "installing PostgreSQL from Debian's packages..." >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        BIN=$(find_bin)
    fi
    mkdir -p "$DIR"
    chmod 755 "$DIR"
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$DIR"
        runuser -u postgres -- test -w "$DIR" || {
            echo "PostgreSQL runs as the postgres user, which cannot reach $DIR" \
                "(a parent directory is private); set SCALE_DIR to a directory" \
                "it can reach, such as /var/lib/vungcao" >&2
            exit 1
        }
    fi
    if [ ! -s "$DIR/data/PG_VERSION" ]; then
        as_owner "$BIN/initdb" -D "$DIR/data" -A trust -U club -E UTF8 --locale=C.UTF-8 \
            >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
    fi
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
    create_db club "$PORT"
    create_db tracker "$PORT"
    echo "postgresql://club@127.0.0.1:$PORT/club"
    ;;
stop | remove)
    DIR=$2
    [ -d "$DIR/data" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    [ "$1" = remove ] && rm -rf "$DIR"
    true
    ;;
kill)
    DIR=$2
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >&2
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR | remove DIR | kill DIR" >&2
    exit 2
    ;;
esac
