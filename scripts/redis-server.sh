#!/usr/bin/env bash
# A Redis server on loopback (the scale profile's queue and Rasa's lock store;
# the tests through redis-test-server.sh).
#   scripts/redis-server.sh start DIR PORT   -> prints redis://... URL
#   scripts/redis-server.sh stop DIR         (shut down; its log stays in DIR)
#   scripts/redis-server.sh kill DIR         (SIGKILL: the fault suite)
# Installs Debian's redis-server package when no redis-server binary is found.
# The server keeps nothing on disk (no RDB snapshots, no AOF): the bridge's
# inbox and outbox in PostgreSQL are the truth, and the bridge schedules again
# what a restarted, empty Redis lost. It runs daemonised, its pid file in DIR.
set -euo pipefail

find_bin() { command -v redis-server 2>/dev/null || ls /usr/bin/redis-server 2>/dev/null || true; }

case "${1:-}" in
start)
    DIR=$2 PORT=$3
    BIN=$(find_bin)
    if [ -z "$BIN" ]; then
        echo "installing Redis from Debian's packages..." >&2
        apt-get update -qq >&2 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
        BIN=$(find_bin)
        [ -n "$BIN" ] || { echo "redis-server is still missing after apt-get" >&2; exit 1; }
    fi
    mkdir -p "$DIR"
    "$BIN" --bind 127.0.0.1 --port "$PORT" --protected-mode yes \
        --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" \
        --dir "$DIR" --save "" --appendonly no >&2
    CLI=$(command -v redis-cli || true)
    for _ in $(seq 1 100); do  # up to 10 s
        if [ -n "$CLI" ]; then
            [ "$("$CLI" -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ] && break
        elif [ -s "$DIR/redis.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    [ -s "$DIR/redis.pid" ] || { cat "$DIR/redis.log" >&2; exit 1; }
    echo "redis://127.0.0.1:$PORT/0"
    ;;
stop | kill)
    DIR=$2
    if [ -s "$DIR/redis.pid" ]; then
        PID=$(cat "$DIR/redis.pid")
        [ "$1" = kill ] && kill -9 "$PID" 2>/dev/null
        kill "$PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$PID" 2>/dev/null || true
        rm -f "$DIR/redis.pid"
    fi
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR | kill DIR" >&2
    exit 2
    ;;
esac
