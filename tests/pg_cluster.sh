#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for tests.
#
#   tests/pg_cluster.sh start DIR   initdb (if needed) + start; last stdout line is the URL
#   tests/pg_cluster.sh stop DIR    pg_ctl stop -m fast (no-op when not running)
#
# Trust auth, listens on 127.0.0.1 only, on a free port chosen here; the unix socket lives in
# DIR so clusters never collide. Run as root, the server runs as the `postgres` system user
# (initdb refuses root). PG_BIN overrides /usr/lib/postgresql/15/bin.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DB_NAME=huoju_test

die() {
  echo "pg_cluster.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

[[ $# -eq 2 && -n $2 ]] || usage
cmd=$1
[[ $cmd == start || $cmd == stop ]] || usage
[[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] || die "PostgreSQL 15 not found in $PG_BIN"

# As root, everything touching the data directory runs as `postgres`.
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  id -u postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user"
  as_owner=(runuser -u postgres --)
fi

if [[ $cmd == start ]]; then
  mkdir -p "$2" || die "cannot create $2"
fi
[[ -d $2 ]] || die "no cluster in $2"
DIR=$(cd "$2" && pwd -P)
DATA=$DIR/data
SOCK=$DIR/sock
LOG=$DIR/server.log
PORT_FILE=$DIR/port
# runuser keeps the cwd; postgres may be unable to enter root's home.
cd "$DIR"

if [[ $cmd == start && ${#as_owner[@]} -gt 0 ]]; then
  chown postgres: "$DIR" || die "cannot chown $DIR to postgres"
  "${as_owner[@]}" test -w "$DIR" ||
    die "user postgres cannot write $DIR (is a parent directory closed to it?)"
fi

pg() {
  local tool=$1
  shift
  "${as_owner[@]}" "$PG_BIN/$tool" "$@"
}

is_running() { pg pg_ctl status -D "$DATA" >/dev/null 2>&1; }

# Something accepts connections on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

print_url() { echo "postgresql://postgres@127.0.0.1:$(cat "$PORT_FILE")/$DB_NAME"; }

start() {
  if [[ ! -f $DATA/PG_VERSION ]]; then
    "${as_owner[@]}" mkdir -p "$SOCK"
    pg initdb -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
      die "initdb failed:"$'\n'"$(tail -n 20 "$DIR/initdb.log")"
    "${as_owner[@]}" tee -a "$DATA/postgresql.conf" >/dev/null <<EOF
# pg_cluster.sh (test cluster)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
fsync = on
shared_buffers = 32MB
max_connections = 200
log_min_messages = warning
EOF
  fi

  if is_running; then
    [[ -f $PORT_FILE ]] || die "a server runs on $DATA but $PORT_FILE is missing"
  else
    # Probe a random free port; retry if another process grabs it before the server binds.
    local port started=0
    for _ in $(seq 1 20); do
      port=$((20000 + RANDOM % 40000))
      port_busy "$port" && continue
      "${as_owner[@]}" truncate -s 0 "$LOG" 2>/dev/null || true
      if pg pg_ctl start -D "$DATA" -w -t 60 -l "$LOG" -o "-p $port" >/dev/null 2>&1; then
        started=1
        break
      fi
      grep -q "could not bind\|Address already in use" "$LOG" ||
        die "server did not start:"$'\n'"$(tail -n 20 "$LOG")"
    done
    [[ $started -eq 1 ]] || die "no free port found"
    echo "$port" >"$PORT_FILE"
  fi

  local port
  port=$(cat "$PORT_FILE")
  local psql=("$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
  if [[ -z $("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") ]]; then
    "${psql[@]}" -c "CREATE DATABASE $DB_NAME" >/dev/null || die "cannot create database $DB_NAME"
  fi
  print_url
}

stop() {
  [[ -f $DATA/PG_VERSION ]] || die "no cluster in $DIR"
  if is_running; then
    pg pg_ctl stop -D "$DATA" -m fast -w -t 60 >/dev/null || die "pg_ctl stop failed"
  fi
}

"$cmd"
