#!/usr/bin/env bash
# Survey workflow benchmark (issue 5) on loopback, SQLite and PostgreSQL 15:
#  1. save + audit of one GQ-002 filing over HTTP at 50 and 200 concurrent clients (each client
#     its own unit, its own filing, its own keep-alive connection; bench/filing_load.mjs), with
#     GET /healthz (HTTP floor) and GET /api/v1/filings/:id (authenticated read) as peers;
#  2. bulk submission of GQ-002 for every enterprise of a 600,000-unit tree (huoju import);
#  3. review queue and progress of a province with >= 20,000 filings after that import.
#
# Usage: bench/filing.sh        (environment, defaults in brackets)
#   BACKENDS ["sqlite postgres"]   PARTS ["save bulk"]   BIN [build/huoju]
#   LOAD_UNITS [50000] units for the save test    DUR [20] seconds per load point (+2 s warm-up)
#   CLIENTS ["50 200"] closed-loop clients   PACED ["200:1000 200:250"] clients:ms, each client one
#   save every ms ms   ALT_WORKERS [64] also run the closed-loop saves on a server with this
#   many workers (empty: skip)   PG_SHARED_BUFFERS [1GB] (empty: the test cluster's 32MB)   BULK_UNITS [600000]   RUNS [20] repetitions of each queue request
#   IMPORT_SAMPLE [20000] rows imported before ANALYZE   WORKERS [16] IO_THREADS [2] server flags
# Each backend and part writes bench/results/filing.<backend>.<part>.part; bench/results/filing.md
# is built from the parts present plus bench/filing_findings.md (analysis, written by hand) (a section of bench/RESULTS.md, via bench/assemble.sh).
# PostgreSQL: a throwaway cluster (tests/pg_cluster.sh), stopped at the end. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-build/huoju}
BACKENDS=${BACKENDS:-sqlite postgres}
PARTS=${PARTS:-save bulk}
LOAD_UNITS=${LOAD_UNITS:-50000}
DUR=${DUR:-20}
CLIENTS=${CLIENTS:-50 200}
PACED=${PACED:-200:1000 200:250}
ALT_WORKERS=${ALT_WORKERS-64}
PG_SHARED_BUFFERS=${PG_SHARED_BUFFERS-1GB}
BULK_UNITS=${BULK_UNITS:-600000}
RUNS=${RUNS:-20}
IMPORT_SAMPLE=${IMPORT_SAMPLE:-20000}
WORKERS=${WORKERS:-16}
IO_THREADS=${IO_THREADS:-2}
WORK=$(mktemp -d /tmp/huoju-filing.XXXXXX)
chmod 755 "$WORK"
PID=""
PG_DIR=""
cleanup() {
  [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [[ -n $PG_DIR ]] && tests/pg_cluster.sh stop "$PG_DIR" >/dev/null 2>&1
  [[ -n ${KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
md_rows() { awk -F'|' '{s = "|"; for (i = 1; i <= NF; i++) s = s " " $i " |"; print s}' "$1"; }
log() { echo "filing.sh: $*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }

# ---------------------------------------------------------------- backends
PG_URL=""
db_flags() { # backend name -> flags selecting a fresh database called name
  if [[ $1 == sqlite ]]; then
    echo "--data-dir $WORK/$2"
  else
    psql -X -q -d "$PG_URL" -c "CREATE DATABASE $2" >/dev/null
    echo "--database-url ${PG_URL%/*}/$2"
  fi
}
db_size() { # backend name -> MiB
  if [[ $1 == sqlite ]]; then
    du -cm "$WORK/$2"/huoju.db* | tail -1 | cut -f1
  else
    psql -X -tA -d "$PG_URL" -c "SELECT pg_database_size('$2') / 1048576"
  fi
}
sql() { # backend name query -> rows, '|' separated
  if [[ $1 == sqlite ]]; then
    sqlite3 "$WORK/$2/huoju.db" "$3"
  else
    psql -X -tA -d "${PG_URL%/*}/$2" -c "$3"
  fi
}

start_server() { # flags...
  : >"$WORK/server.out"
  : >"$WORK/server.log"
  $BIN serve "$@" --listen 127.0.0.1:0 --password-cost fast --workers "$WORKERS" \
    --io-threads "$IO_THREADS" >"$WORK/server.out" 2>"$WORK/server.log" &
  PID=$!
  for _ in $(seq 300); do grep -q http:// "$WORK/server.out" 2>/dev/null && break; sleep 0.1; done
  URL=$(grep -oP 'http://127\.0\.0\.1:\d+' "$WORK/server.out")
}
stop_server() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=""
}

# Server-side request times (access log field "ms": request read to response written) of the
# requests logged inside the measured window; also how many were logged since the mark (for CPU
# per request). Args: method, path regex, window start ms, window end ms.
server_ms() {
  tail -n +"$((LOG_MARK + 1))" "$WORK/server.log" | node -e '
    const [method, path, from, to] = process.argv.slice(1);
    const re = new RegExp(`^${path}$`);
    const v = [];
    let all = 0;
    for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
      if (!line.includes("\"http.request\"")) continue;
      const j = JSON.parse(line);
      if (j.method !== method || !re.test(j.path)) continue;
      ++all;
      const t = Date.parse(j.ts);
      if (t >= +from && t <= +to) v.push(j.ms);
    }
    v.sort((a, b) => a - b);
    const q = (p) => (v.length ? v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)].toFixed(2) : "-");
    console.log([q(0.5), q(0.99), v.length ? v[v.length - 1].toFixed(2) : "-", all].join("|"));
  ' "$1" "$2" "$3" "$4"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

# Runs one load point; appends
# "what|clients|pace|req/s|p50|p90|p99|max|statuses|srv p50|srv p99|srv max|srv cpu ms/req|loadavg".
load_point() { # mode clients pace_ms label method pathregex
  LOG_MARK=$(wc -l <"$WORK/server.log")
  local out srv load c0 c1 win
  load=$(cut -d' ' -f1 /proc/loadavg)
  c0=$(cpu_ticks)
  out=$(node bench/filing_load.mjs --url "$URL" --mode "$1" --clients "$2" --pace "$3" --duration "$DUR")
  c1=$(cpu_ticks)
  win=$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.window_ms.join(" "))' "$out")
  # shellcheck disable=SC2086
  srv=$(server_ms "$5" "$6" $win)
  node -e '
    const r = JSON.parse(process.argv[1]);
    const [p50, p99, max, all] = process.argv[3].split("|");
    const cpu = ((+process.argv[5] - +process.argv[4]) * 1000 / +process.argv[7]) / Math.max(1, +all);
    const st = Object.entries(r.statuses).map(([k, v]) => `${k}: ${v}`).join(", ") +
      (r.not_saved_or_errors ? `; ${r.not_saved_or_errors} not saved/with errors` : "");
    const pace = r.pace_ms ? `each 1 per ${r.pace_ms} ms` : "closed loop";
    console.log([process.argv[2], r.clients, pace, Math.round(r.rps), r.p50, r.p90, r.p99, r.max, st, p50, p99, max, cpu.toFixed(2), process.argv[6]].join("|"));
  ' "$out" "$4" "$srv" "$c0" "$c1" "$load" "$(getconf CLK_TCK)" >>"$WORK/save.$BACKEND"
  log "$(tail -1 "$WORK/save.$BACKEND")"
}

# ---------------------------------------------------------------- 1. save + audit
run_save() {
  local flags
  flags=$(db_flags "$BACKEND" save)
  log "$BACKEND: demo data, $LOAD_UNITS units, 200 unit accounts"
  local t0 t1
  t0=$(now)
  # shellcheck disable=SC2086
  $BIN demo-data $flags --units "$LOAD_UNITS" --unit-accounts 200 --submit 0 --password-cost fast >/dev/null
  t1=$(now)
  SAVE_DEMO_S=$(secs "$t0" "$t1")
  SAVE_FILINGS=$(sql "$BACKEND" save "SELECT COUNT(*) FROM filing WHERE form_code='GQ-002' AND period_key='2024'")
  # shellcheck disable=SC2086
  start_server $flags
  : >"$WORK/save.$BACKEND"
  local save="PUT /api/v1/filings/:id/data, save + audit" spath='/api/v1/filings/\d+/data'
  for c in $CLIENTS; do
    load_point healthz "$c" 0 "GET /healthz (HTTP floor, peer)" GET '/healthz'
    load_point get "$c" 0 "GET /api/v1/filings/:id, own filing (authenticated read, peer)" GET '/api/v1/filings/\d+'
    load_point save "$c" 0 "$save" PUT "$spath"
  done
  for p in $PACED; do
    load_point save "${p%:*}" "${p#*:}" "$save" PUT "$spath"
  done
  stop_server
  if [[ -n $ALT_WORKERS ]]; then
    # shellcheck disable=SC2086
    WORKERS=$ALT_WORKERS start_server $flags
    for c in $CLIENTS; do
      load_point save "$c" 0 "$save, server --workers $ALT_WORKERS" PUT "$spath"
    done
    stop_server
  fi
  SAVE_VERSIONS=$(sql "$BACKEND" save "SELECT COUNT(*) FROM filing_version")
  SAVE_DB_MB=$(db_size "$BACKEND" save)
}

# ---------------------------------------------------------------- 2. bulk import, 3. queue
curl_login() { # user -> "cookie"
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"Huoju@2024\"}" "$URL/api/v1/auth/login" |
    grep -oP 'huoju_session=[0-9a-f]+'
}
time_get() { # label cookie path -> "label|runs|p50|max|bytes|status"
  local times=() code bytes
  for _ in $(seq "$RUNS"); do
    read -r code t bytes < <(curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' \
      -H "Cookie: $2" "$URL$3")
    times+=("$t")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v label="$1" -v runs="$RUNS" -v code="$code" -v bytes="$bytes" \
    '{v[NR]=$1*1000} END{printf "%s|%d|%.1f|%.1f|%d|%s\n", label, runs, v[int((NR+1)/2)], v[NR], bytes, code}'
}

# Imports $WORK/import.$1.jsonl; sets IMPORT_<part>_{ROWS,S,INNER,REJECTED,RSS}.
import_file() { # part flags
  local t0 t1 rows
  rows=$(wc -l <"$WORK/import.$1.jsonl")
  log "$BACKEND: importing $rows rows ($1)"
  t0=$(now)
  # shellcheck disable=SC2086
  /usr/bin/time -f '%M' -o "$WORK/import.$1.rss" $BIN import $2 --form GQ-002 --period 2024 \
    --input "$WORK/import.$1.jsonl" >"$WORK/import.$1.out" 2>&1 || true
  t1=$(now)
  local summary
  summary=$(head -1 "$WORK/import.$1.out")
  log "$BACKEND: $summary"
  printf -v "IMPORT_${1}_ROWS" '%s' "$rows"
  printf -v "IMPORT_${1}_S" '%s' "$(secs "$t0" "$t1")"
  printf -v "IMPORT_${1}_INNER" '%s' "$(grep -oP '用时 \K[0-9.]+' <<<"$summary" || echo '?')"
  printf -v "IMPORT_${1}_REJECTED" '%s' "$(grep -oP '拒绝 \K\d+' <<<"$summary" || echo '?')"
  printf -v "IMPORT_${1}_RSS" '%s' "$(($(tail -1 "$WORK/import.$1.rss") / 1024))"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN{if (s + 0 > 0) printf "%.0f", n / s; else print "?"}'; }

run_bulk() {
  local flags t0 t1
  flags=$(db_flags "$BACKEND" bulk)
  log "$BACKEND: demo data, $BULK_UNITS units"
  t0=$(now)
  # shellcheck disable=SC2086
  $BIN demo-data $flags --units "$BULK_UNITS" --submit 0 --password-cost fast >/dev/null
  t1=$(now)
  BULK_DEMO_S=$(secs "$t0" "$t1")
  log "$BACKEND: demo data in $BULK_DEMO_S s; writing the import file"
  sql "$BACKEND" bulk "SELECT o.uscc FROM filing f JOIN org_node o ON o.id = f.unit_id WHERE f.form_code = 'GQ-002' AND f.period_key = '2024' ORDER BY f.id" >"$WORK/usccs"
  # Every row: the clean fixture scaled by 1..5 (linear rules still hold); every 10th row has
  # 技术收入 one above its parts (warning GQ002-R03). Every warning rule of GQ-002 is explained
  # (only the explanations of rules that warn are kept), so rows warning year-on-year pass too.
  node -e '
    const fs = require("fs");
    const usccs = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
    const base = JSON.parse(process.argv[2]);
    const warn = ["GQ002-R03","GQ002-R07","GQ002-R16","GQ002-R22","GQ002-R23","GQ002-R26","GQ002-R27","GQ002-R28","GQ002-R29","GQ002-R30"];
    const explanations = Object.fromEntries(warn.map((r) => [r, "经核实数据无误：本年度业务调整所致"]));
    const out = fs.openSync(process.argv[3], "w");
    let buf = [];
    usccs.forEach((uscc, i) => {
      const k = 1 + (i % 5);
      const values = {};
      for (const [key, v] of Object.entries(base)) values[key] = typeof v === "number" && key !== "qc41" ? v * k : v;
      if (i % 10 === 9) values.qc06 += 2;
      buf.push(JSON.stringify({ uscc, values, explanations }));
      if (buf.length === 10000) { fs.writeSync(out, buf.join("\n") + "\n"); buf = []; }
    });
    if (buf.length) fs.writeSync(out, buf.join("\n") + "\n");
  ' "$WORK/usccs" "$(cat bench/filing_gq002.json)" "$WORK/import.jsonl"
  IMPORT_ROWS=$(wc -l <"$WORK/import.jsonl")
  IMPORT_MB=$(du -m "$WORK/import.jsonl" | cut -f1)
  # First IMPORT_SAMPLE rows on the database as demo-data left it (no explicit ANALYZE), then
  # ANALYZE, then the rest: the import's USCC lookup is planned differently without statistics.
  head -n "$IMPORT_SAMPLE" "$WORK/import.jsonl" >"$WORK/import.a.jsonl"
  tail -n +"$((IMPORT_SAMPLE + 1))" "$WORK/import.jsonl" >"$WORK/import.b.jsonl"
  import_file a "$flags"
  t0=$(now)
  sql "$BACKEND" bulk "ANALYZE" >/dev/null
  t1=$(now)
  ANALYZE_S=$(secs "$t0" "$t1")
  import_file b "$flags"
  IMPORT_SUBMITTED=$(sql "$BACKEND" bulk "SELECT COUNT(*) FROM filing WHERE form_code='GQ-002' AND period_key='2024' AND state='submitted'")
  BULK_DB_MB=$(db_size "$BACKEND" bulk)


  # 3. queue and progress
  # shellcheck disable=SC2086
  start_server $flags
  local center gd bj
  center=$(curl_login center)
  curl -s -H "Cookie: $center" "$URL/api/v1/progress?form=GQ-002&period=2024" >"$WORK/progress.json"
  # The province (of those with a demo reviewer) whose filing count is >= 20,000 and closest to it.
  read -r REVIEWER PROVINCE PROVINCE_N < <(node -e '
    const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const want = { "广东省": "gd_reviewer", "北京市": "bj_reviewer" };
    const c = p.children.filter((x) => want[x.node.name]).map((x) => [want[x.node.name], x.node.name, x.expected]);
    c.sort((a, b) => (a[2] >= 20000 ? a[2] - 20000 : 1e9 - a[2]) - (b[2] >= 20000 ? b[2] - 20000 : 1e9 - b[2]));
    console.log(c[0].join(" "));
  ' "$WORK/progress.json")
  local who
  who=$(curl_login "$REVIEWER")
  : >"$WORK/queue.$BACKEND"
  local q="form=GQ-002&period=2024"
  time_get "GET /review/queue?state=all&limit=50 as $REVIEWER" "$who" "/api/v1/review/queue?$q&state=all&limit=50" >>"$WORK/queue.$BACKEND"
  time_get "GET /review/queue?state=submitted&limit=50 as $REVIEWER" "$who" "/api/v1/review/queue?$q&state=submitted&limit=50" >>"$WORK/queue.$BACKEND"
  time_get "GET /review/queue?state=waiting&limit=50 as $REVIEWER" "$who" "/api/v1/review/queue?$q&state=waiting&limit=50" >>"$WORK/queue.$BACKEND"
  time_get "GET /progress as $REVIEWER ($PROVINCE_N filings)" "$who" "/api/v1/progress?$q" >>"$WORK/queue.$BACKEND"
  time_get "GET /progress as center (all $IMPORT_ROWS filings)" "$center" "/api/v1/progress?$q" >>"$WORK/queue.$BACKEND"
  time_get "GET /healthz (peer)" "" "/healthz" >>"$WORK/queue.$BACKEND"
  if [[ $BACKEND == postgres ]]; then
    # Pages not yet marked all-visible make index-only scans visit the table. The import runs
    # VACUUM (ANALYZE) itself (Database::RefreshAfterBulkWrite); the same requests after one
    # more, explicit VACUUM ANALYZE show whether anything was left for it.
    t0=$(now)
    sql "$BACKEND" bulk "VACUUM ANALYZE filing" >/dev/null
    t1=$(now)
    local vac
    vac=$(secs "$t0" "$t1")
    time_get "GET /review/queue?state=all&limit=50 as $REVIEWER, after VACUUM ANALYZE ($vac s)" "$who" "/api/v1/review/queue?$q&state=all&limit=50" >>"$WORK/queue.$BACKEND"
    time_get "GET /review/queue?state=submitted&limit=50 as $REVIEWER, after VACUUM ANALYZE" "$who" "/api/v1/review/queue?$q&state=submitted&limit=50" >>"$WORK/queue.$BACKEND"
    time_get "GET /review/queue?state=waiting&limit=50 as $REVIEWER, after VACUUM ANALYZE" "$who" "/api/v1/review/queue?$q&state=waiting&limit=50" >>"$WORK/queue.$BACKEND"
    time_get "GET /progress as $REVIEWER, after VACUUM ANALYZE" "$who" "/api/v1/progress?$q" >>"$WORK/queue.$BACKEND"
  fi
  cat "$WORK/queue.$BACKEND" >&2
  stop_server
}

# ---------------------------------------------------------------- per backend
for BACKEND in $BACKENDS; do
  if [[ $BACKEND == postgres ]]; then
    PG_DIR=$WORK/pg
    PG_URL=$(tests/pg_cluster.sh start "$PG_DIR" | tail -1)
    # The test cluster runs with shared_buffers = 32MB; a 600,000-filing database wants more.
    if [[ -n $PG_SHARED_BUFFERS ]]; then
      psql -X -q -d "$PG_URL" -c "ALTER SYSTEM SET shared_buffers = '$PG_SHARED_BUFFERS'"
      tests/pg_cluster.sh stop "$PG_DIR" >/dev/null
      PG_URL=$(tests/pg_cluster.sh start "$PG_DIR" | tail -1)
    fi
    PG_VERSION=$(psql -X -tA -d "$PG_URL" -c 'SHOW server_version')
    PG_CONF=$(psql -X -tA -d "$PG_URL" -c "SELECT string_agg(name || '=' || current_setting(name), ', ') FROM pg_settings WHERE name IN ('shared_buffers','synchronous_commit','fsync','max_connections','commit_delay')")
  fi
  PART=bench/results/filing.$BACKEND
  {
    if [[ $BACKEND == sqlite ]]; then
      echo "### SQLite (embedded, WAL, one writer thread with group commit)"
    else
      echo "### PostgreSQL $PG_VERSION (throwaway cluster on the same machine: tests/pg_cluster.sh; $PG_CONF)"
    fi
    echo
  } >"$PART.head.part"
  if [[ " $PARTS " == *" save "* ]]; then
    run_save
    {
      echo "**Save + audit over HTTP.** Run $(date -u +%Y-%m-%dT%H:%MZ). Data: $LOAD_UNITS units, $SAVE_FILINGS GQ-002 2024 filings"
      echo "(demo data in $SAVE_DEMO_S s); each client is its own unit (unit000001…) saving its own filing;"
      echo "body: the 67 values of the clean GQ-002 fixture, one alternating so every save is a new version"
      echo "(30 catalog rules + built-in checks run, last year's filing read for prev() rules)."
      echo "After the runs: $SAVE_VERSIONS filing versions, database $SAVE_DB_MB MiB. ${DUR} s per point after 2 s warm-up."
      echo "Client = measured by the Node load generator (includes its own queueing on the shared cores);"
      echo "server = the access log's \"ms\" (request read → response written) of the requests logged in the measured window;"
      echo "server CPU = the server process's user + system CPU time over the whole point ÷ the requests it logged."
      echo
      echo "| what | clients | pacing | req/s | client p50 ms | p90 | p99 | max | statuses | server p50 ms | server p99 | server max | server CPU ms/req | load avg at start |"
      echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
      md_rows "$WORK/save.$BACKEND"
      echo
    } >"$PART.save.part"
  fi
  if [[ " $PARTS " == *" bulk "* ]]; then
    run_bulk
    {
      echo "**Bulk submission.** Run $(date -u +%Y-%m-%dT%H:%MZ). \`huoju demo-data --units $BULK_UNITS --submit 0\`: $BULK_DEMO_S s."
      echo "\`huoju import --form GQ-002 --period 2024\` of $IMPORT_ROWS rows, one per enterprise of the tree (JSON Lines,"
      echo "$IMPORT_MB MB; 67 values each, every 10th with an explained warning), in two runs:"
      echo
      echo "| run | rows | wall s | rows/s (wall) | import call s (its own timer) | rows/s (import call) | rejected | peak RSS MiB |"
      echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
      echo "| first $IMPORT_a_ROWS rows, database as demo-data left it (no explicit ANALYZE) | $IMPORT_a_ROWS | $IMPORT_a_S | $(rate "$IMPORT_a_ROWS" "$IMPORT_a_S") | $IMPORT_a_INNER | $(rate "$IMPORT_a_ROWS" "$IMPORT_a_INNER") | $IMPORT_a_REJECTED | $IMPORT_a_RSS |"
      echo "| the other $IMPORT_b_ROWS rows, after \`ANALYZE\` ($ANALYZE_S s) | $IMPORT_b_ROWS | $IMPORT_b_S | $(rate "$IMPORT_b_ROWS" "$IMPORT_b_S") | $IMPORT_b_INNER | $(rate "$IMPORT_b_ROWS" "$IMPORT_b_INNER") | $IMPORT_b_REJECTED | $IMPORT_b_RSS |"
      echo
      echo "Submitted afterwards: $IMPORT_SUBMITTED GQ-002 filings; database after: $BULK_DB_MB MiB."
      echo
      echo "**Review queue and progress** after the import: province $PROVINCE ($PROVINCE_N GQ-002 filings, all submitted),"
      echo "$RUNS sequential requests each with curl (client time, loopback, new connection each)."
      echo
      echo "| request | runs | p50 ms | max ms | bytes | status |"
      echo "| --- | --- | --- | --- | --- | --- |"
      md_rows "$WORK/queue.$BACKEND"
      echo
    } >"$PART.bulk.part"
  fi
  if [[ $BACKEND == postgres ]]; then
    tests/pg_cluster.sh stop "$PG_DIR" >/dev/null
    PG_DIR=""
  fi
done

# ---------------------------------------------------------------- section
{
  echo "## Survey workflow: save + audit, bulk submission, review queue (bench/filing.sh)"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB,"
  echo "shared with other sessions (load average when this file was written: $(cut -d' ' -f1-3 /proc/loadavg);"
  echo "at the start of each load point: last column of the save tables)."
  echo "Server: \`huoju serve --workers $WORKERS --io-threads $IO_THREADS --password-cost fast\`; the load generator"
  echo "(Node $(node --version), node:http keep-alive, one connection per client) runs on the same 2 cores and"
  echo "competes with the server for them: client latencies include its own scheduling delay."
  echo "Targets (issue 5): save + audit p99 < 20 ms at 200 clients on both backends; review queue of"
  echo "≥ 20,000 filings in < 200 ms."
  echo
  for b in sqlite postgres; do
    for p in head save bulk; do
      if [[ -f bench/results/filing.$b.$p.part ]]; then cat "bench/results/filing.$b.$p.part"; fi
    done
  done
  if [[ -f bench/filing_findings.md ]]; then cat bench/filing_findings.md; fi
} >bench/results/filing.md
bench/assemble.sh
log "wrote bench/results/filing.md"
