#!/usr/bin/env bash
# Load benchmark on loopback with wrk: authenticated org-node reads and logins.
# Usage: bench/load.sh [UNITS] [DURATION_SECONDS]      (defaults: 600000 units, 15 s)
# Writes bench/results/load.md (a section of bench/RESULTS.md). Needs build/huoju (scripts/setup).
set -euo pipefail
cd "$(dirname "$0")/.."
UNITS=${1:-600000}
DUR=${2:-15}
BIN=build/huoju
WORK=$(mktemp -d /tmp/huoju-bench.XXXXXX)
PID=""
trap '[[ -n $PID ]] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

echo "bench: generating demo data with $UNITS units"
t0=$(date +%s.%N)
$BIN demo-data --data-dir "$WORK/data" --units "$UNITS" >/dev/null
t1=$(date +%s.%N)
DB_BYTES=$(stat -c %s "$WORK/data/huoju.db")

start_server() {
  $BIN serve --data-dir "$WORK/data" --listen 127.0.0.1:0 --workers "${WORKERS:-2}" --io-threads "${IO_THREADS:-2}" \
    >"$WORK/server.out" 2>/dev/null &
  PID=$!
  for _ in $(seq 100); do grep -q http:// "$WORK/server.out" 2>/dev/null && break; sleep 0.1; done
  URL=$(grep -oP 'http://127\.0\.0\.1:\d+' "$WORK/server.out")
}
start_server

login_cookie() {
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"Huoju@2024\"}" "$URL/api/v1/auth/login" |
    grep -oP 'huoju_session=[0-9a-f]+'
}
COOKIE_CENTER=$(login_cookie center)
COOKIE_GD=$(login_cookie gd_reviewer)

# Ids to read: every node for the national account; the province's own subtree for the reviewer.
sqlite3 "$WORK/data/huoju.db" "SELECT id FROM org_node ORDER BY id" >"$WORK/ids_all"
GD_PATH=$(sqlite3 "$WORK/data/huoju.db" "SELECT path FROM org_node WHERE code='440000' AND kind='province'")
sqlite3 "$WORK/data/huoju.db" "SELECT id FROM org_node WHERE path >= '$GD_PATH' AND path < '$GD_PATH'||char(127)" >"$WORK/ids_gd"
NODES=$(wc -l <"$WORK/ids_all")

run_wrk() {  # name, connections, threads, extra args...
  local name=$1 conns=$2 threads=$3
  shift 3
  wrk -t"$threads" -c"$conns" -d"${DUR}s" --latency "$@" >"$WORK/$name.txt"
  local rps p50 p99
  rps=$(grep -oP 'Requests/sec:\s*\K[0-9.]+' "$WORK/$name.txt")
  p50=$(grep -oP '^\s+50%\s+\K\S+' "$WORK/$name.txt")
  p99=$(grep -oP '^\s+99%\s+\K\S+' "$WORK/$name.txt")
  local errors
  errors=$(grep -oP 'Non-2xx or 3xx responses:\s*\K\d+' "$WORK/$name.txt" || echo 0)
  echo "$name|$conns|$rps|$p50|$p99|$errors"
}

echo "bench: wrk ${DUR}s per run"
R_HEALTH=$(run_wrk healthz 64 2 "$URL/healthz")
R_CENTER=$(HUOJU_COOKIE=$COOKIE_CENTER HUOJU_IDS=$WORK/ids_all run_wrk org_center 64 2 -s bench/org_read.lua "$URL")
R_GD=$(HUOJU_COOKIE=$COOKIE_GD HUOJU_IDS=$WORK/ids_gd run_wrk org_gd 64 2 -s bench/org_read.lua "$URL")
R_CHILD=$(HUOJU_COOKIE=$COOKIE_GD HUOJU_IDS=$WORK/ids_gd HUOJU_PATH_SUFFIX="/children?limit=50" run_wrk org_children 64 2 -s bench/org_read.lua "$URL")
R_LOGIN=$(HUOJU_USER=center run_wrk login 8 1 -s bench/login.lua "$URL/api/v1/auth/login")
# Reads while a login storm runs: does argon2id starve other requests?
HUOJU_USER=gd_reviewer wrk -t1 -c8 -d"${DUR}s" -s bench/login.lua "$URL/api/v1/auth/login" >/dev/null &
STORM=$!
R_DURING=$(HUOJU_COOKIE=$COOKIE_GD HUOJU_IDS=$WORK/ids_gd run_wrk org_during_logins 64 1 -s bench/org_read.lua "$URL")
wait $STORM || true

row() {
  IFS='|' read -r name conns rps p50 p99 errors <<<"$1"
  printf '| %s | %s | %s | %.0f | %s | %s | %s |\n' "$2" "$conns" "$3" "$rps" "$p50" "$p99" "$errors"
}
HEALTH_RPS=$(cut -d'|' -f3 <<<"$R_HEALTH")
ratio() { awk -v a="$(cut -d'|' -f3 <<<"$1")" -v b="$HEALTH_RPS" 'BEGIN{printf "%.2f", a/b}'; }

mkdir -p bench/results
{
  echo "## Load: org-tree reads and logins over HTTP (bench/load.sh)"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB;"
  echo "wrk on the same 2 cores as the server (loopback, keep-alive, ${DUR} s per run)."
  echo "Data: SQLite, $NODES org nodes ($UNITS units), database file $((DB_BYTES / 1048576)) MiB;"
  printf 'demo data generated in %.1f s. Server: %s I/O threads, %s workers.\n' "$(echo "$t1 - $t0" | bc)" "${IO_THREADS:-2}" "${WORKERS:-2}"
  echo
  echo "| what | clients | peer ratio (÷ /healthz req/s, same run) | req/s | p50 | p99 | non-2xx |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  row "$R_HEALTH" "GET /healthz (server ceiling, the peer)" "1.00"
  row "$R_CENTER" "GET /org/nodes/:id as 火炬中心 (national scope, random nodes)" "$(ratio "$R_CENTER")"
  row "$R_GD" "GET /org/nodes/:id as 广东省审核员 (province scope)" "$(ratio "$R_GD")"
  row "$R_CHILD" "GET /org/nodes/:id/children?limit=50 as 广东省审核员" "$(ratio "$R_CHILD")"
  row "$R_LOGIN" "POST /auth/login (argon2id 64 MiB, 2 passes; $(( $(nproc) > 1 ? $(nproc) - 1 : 1 )) hash at a time)" "$(ratio "$R_LOGIN")"
  row "$R_DURING" "GET /org/nodes/:id during a login storm (8 clients logging in)" "$(ratio "$R_DURING")"
  echo
  echo "Target (issue 3): ≥ 20,000 authenticated org-node reads/s with p99 < 10 ms at 64 clients."
} >bench/results/load.md
cat bench/results/load.md
bench/assemble.sh
