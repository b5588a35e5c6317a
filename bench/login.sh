#!/usr/bin/env bash
# Login benchmark on loopback with wrk: logins per second with argon2id at the production cost
# (the server's default `--password-cost interactive`, never `fast`), and whether an authenticated
# read keeps its latency while a login storm runs. The reads are measured without a storm before
# and after the storm runs, in the same server process, so the ratios compare like with like.
#
# Usage: bench/login.sh [UNITS] [DURATION_SECONDS]      (defaults: 100000 units, 15 s)
# Env:   HUOJU_BINARY (default build/huoju), WORKERS / IO_THREADS (default: the server's own
#        defaults), STORM_CLIENTS (default "8 32": one storm per value).
# Writes bench/results/login.md (a section of bench/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
UNITS=${1:-100000}
DUR=${2:-15}
BIN=${HUOJU_BINARY:-build/huoju}
STORMS=${STORM_CLIENTS:-8 32}
WORK=$(mktemp -d /tmp/huoju-login-bench.XXXXXX)
PID=""
STORM=""
cleanup() {
  [[ -n $STORM ]] && kill "$STORM" 2>/dev/null
  [[ -n $PID ]] && kill "$PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "bench: generating demo data with $UNITS units (production password cost)"
t0=$(date +%s.%N)
"$BIN" demo-data --data-dir "$WORK/data" --units "$UNITS" >/dev/null
t1=$(date +%s.%N)
DB="$WORK/data/huoju.db"
DB_BYTES=$(stat -c %s "$DB")
NODES=$(sqlite3 "$DB" "SELECT count(*) FROM org_node")
ACCOUNTS=$(sqlite3 "$DB" "SELECT count(*) FROM account")
# The parameters actually stored, e.g. m=65536,t=2,p=1 (KiB of memory, passes, lanes).
PARAMS=$(sqlite3 "$DB" "SELECT password_hash FROM account WHERE username = 'center'" | cut -d'$' -f4)
if [[ $PARAMS != m=65536,* ]]; then
  echo "bench: expected production argon2id parameters (m=65536), found '$PARAMS'" >&2
  exit 1
fi

server_args=(serve --data-dir "$WORK/data" --listen 127.0.0.1:0)
[[ -n ${WORKERS:-} ]] && server_args+=(--workers "$WORKERS")
[[ -n ${IO_THREADS:-} ]] && server_args+=(--io-threads "$IO_THREADS")
"$BIN" "${server_args[@]}" >"$WORK/server.out" 2>/dev/null &
PID=$!
for _ in $(seq 200); do grep -q http:// "$WORK/server.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -oP 'http://127\.0\.0\.1:\d+' "$WORK/server.out")

COOKIE=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"gd_reviewer","password":"Huoju@2024"}' "$URL/api/v1/auth/login" |
  grep -oP 'huoju_session=[0-9a-f]+')
GD_PATH=$(sqlite3 "$DB" "SELECT path FROM org_node WHERE code='440000' AND kind='province'")
sqlite3 "$DB" "SELECT id FROM org_node WHERE path >= '$GD_PATH' AND path < '$GD_PATH'||char(127)" >"$WORK/ids_gd"
GD_NODES=$(wc -l <"$WORK/ids_gd")

# One wrk run -> "requests|seconds|ok_per_s|p50|p99|non2xx|socket_errors".
run_wrk() {  # name, connections, threads, extra args...
  local name=$1 conns=$2 threads=$3
  shift 3
  wrk -t"$threads" -c"$conns" -d"${DUR}s" --timeout 60s --latency "$@" >"$WORK/$name.txt"
  parse_wrk "$WORK/$name.txt"
}
parse_wrk() {
  local f=$1 reqs secs non2xx errs p50 p99
  reqs=$(grep -oP '^\s*\K\d+(?= requests in)' "$f")
  secs=$(grep -oP 'requests in \K[0-9.]+(?=s)' "$f")
  non2xx=$(grep -oP 'Non-2xx or 3xx responses:\s*\K\d+' "$f" || echo 0)
  errs=$(grep -oP 'Socket errors:.*' "$f" | grep -oP '\d+' | paste -sd+ | bc 2>/dev/null || echo 0)
  p50=$(grep -oP '^\s+50%\s+\K\S+' "$f")
  p99=$(grep -oP '^\s+99%\s+\K\S+' "$f")
  local ok_per_s
  ok_per_s=$(awk -v r="$reqs" -v n="$non2xx" -v s="$secs" 'BEGIN{printf "%.1f", (r-n)/s}')
  echo "$reqs|$secs|$ok_per_s|$p50|$p99|$non2xx|${errs:-0}"
}
ms() {  # wrk latency (us/ms/s) -> milliseconds
  awk -v v="$1" 'BEGIN{
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.2f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.2f", v * 1000 } }'
}
field() { cut -d'|' -f"$2" <<<"$1"; }

READ=(-s bench/org_read.lua "$URL")
export HUOJU_COOKIE=$COOKIE HUOJU_IDS=$WORK/ids_gd
echo "bench: wrk ${DUR}s per run; reads: 64 clients, GET /org/nodes/:id as 广东省审核员"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
R_BASE=$(run_wrk read_before 64 1 "${READ[@]}")
declare -A R_LOGIN R_DURING
for c in $STORMS; do
  R_LOGIN[$c]=$(HUOJU_USER=center run_wrk "login_$c" "$c" 1 -s bench/login.lua "$URL/api/v1/auth/login")
  # The storm runs a little longer than the reads so it covers their whole window.
  HUOJU_USER=center wrk -t1 -c"$c" -d"$((DUR + 3))s" --timeout 60s --latency -s bench/login.lua \
    "$URL/api/v1/auth/login" >"$WORK/storm_$c.txt" &
  STORM=$!
  sleep 1
  R_DURING[$c]=$(run_wrk "read_during_$c" 64 1 "${READ[@]}")
  wait "$STORM" || true
  STORM=""
done
R_AFTER=$(run_wrk read_after 64 1 "${READ[@]}")
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# The peer: the better of the two no-storm runs (before and after), so one noisy baseline on this
# shared machine can neither hide nor invent a slowdown.
P99_BEFORE=$(ms "$(field "$R_BASE" 5)")
P99_AFTER=$(ms "$(field "$R_AFTER" 5)")
BASE_P99=$(awk -v a="$P99_BEFORE" -v b="$P99_AFTER" 'BEGIN{print (a<b)?a:b}')
BASE_RPS=$(awk -v a="$(field "$R_BASE" 3)" -v b="$(field "$R_AFTER" 3)" 'BEGIN{print (a>b)?a:b}')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
read_row() {  # label, result
  local p99
  p99=$(ms "$(field "$2" 5)")
  printf '| %s | %.0f | %s | %s | %s | %s | %s |\n' "$1" "$(field "$2" 3)" "$(ratio "$(field "$2" 3)" "$BASE_RPS")" \
    "$(field "$2" 4)" "$(field "$2" 5)" "$(ratio "$p99" "$BASE_P99")" "$(field "$2" 6)"
}

mkdir -p bench/results
{
  echo "## Logins: argon2id at the production cost, and reads during a login storm (bench/login.sh)"
  echo
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB;"
  echo "load average $LOAD_START before the runs and $LOAD after them (the machine is shared with other"
  echo "sessions: other builds and tests ran at the same time, so compare rows of this run with each other)."
  echo "wrk on the same cores as the server (loopback, keep-alive, ${DUR} s per run)."
  echo "Data: SQLite, $NODES org nodes ($UNITS units), $ACCOUNTS accounts, database file $((DB_BYTES / 1048576)) MiB;"
  printf 'demo data generated in %.1f s. Server: default settings (`huoju serve --help`)%s.\n' "$(echo "$t1 - $t0" | bc)" \
    "${WORKERS:+, $WORKERS workers}${IO_THREADS:+, $IO_THREADS I/O threads}"
  echo "Password hashes: argon2id \`$PARAMS\` (libsodium INTERACTIVE: 64 MiB, 2 passes, 1 lane),"
  echo "at most $(( $(nproc) > 1 ? $(nproc) - 1 : 1 )) hash at a time (cores − 1, src/app/application.cpp)."
  echo
  echo "**Logins** — \`POST /api/v1/auth/login\` with the right password, one account (火炬中心):"
  echo
  echo "| login clients | successful logins/s | p50 | p99 | non-2xx | socket errors |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for c in $STORMS; do
    r=${R_LOGIN[$c]}
    printf '| %s | %s | %s | %s | %s | %s |\n' "$c" "$(field "$r" 3)" "$(field "$r" 4)" "$(field "$r" 5)" "$(field "$r" 6)" "$(field "$r" 7)"
  done
  echo
  echo "**A read during a login storm** — 64 clients reading random org nodes of 广东省 ($GD_NODES nodes in"
  echo "scope) as 广东省审核员; the peer is the same read without a storm (before and after the storms; the"
  echo "ratios divide by the better of the two):"
  echo
  echo "| reads | req/s | req/s ÷ no storm | p50 | p99 | p99 ÷ no storm | non-2xx |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  read_row "no storm (before)" "$R_BASE"
  for c in $STORMS; do
    storm_ok=$(parse_wrk "$WORK/storm_$c.txt")
    read_row "during a storm of $c login clients ($(field "$storm_ok" 3) logins/s)" "${R_DURING[$c]}"
  done
  read_row "no storm (after)" "$R_AFTER"
  echo
  worst=1
  for c in $STORMS; do
    worst=$(awk -v a="$(ms "$(field "${R_DURING[$c]}" 5)")" -v b="$BASE_P99" -v w="$worst" 'BEGIN{r=a/b; print (r>w)?r:w}')
  done
  verdict=$(awk -v w="$worst" 'BEGIN{print (w<=2) ? "met" : "not met"}')
  printf 'Target (issue 7): reads keep their latency while logins run, read as p99 during a storm within 2× the\n'
  printf 'no-storm p99 — **%s** in this run (worst ratio %.2f).\n' "$verdict" "$worst"
} >bench/results/login.md
cat bench/results/login.md
bench/assemble.sh
