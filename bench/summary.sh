#!/usr/bin/env bash
# Summary benchmark (issue 6): the same two generated survey years (N filings × 106 indicators:
# GQ-002 + GQ-003's 86 numeric ones and 20 synthetic) summarised by Huoju's columnar snapshots
# and by DuckDB in the same run — by province × 门类, by zone, and year-on-year by province on
# comparable units — with the sums of both cross-checked (the script fails if they differ).
# Usage: bench/summary.sh [UNITS]          (default 600000)
# Writes bench/results/summary.md (a section of bench/RESULTS.md). Needs cmake, ninja, node/npm.
set -euo pipefail
cd "$(dirname "$0")/.."
UNITS=${1:-600000}
BUILD=${BUILD_DIR:-build-bench}
RUNS=${RUNS:-5}
THREADS=2

export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/huoju-ccache}
echo "summary: building summary_bench in $BUILD"
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHUOJU_BUILD_BENCH=ON >/dev/null
fi
ninja -C "$BUILD" -j2 summary_bench >/dev/null
if [[ ! -d bench/duckdb/node_modules/@duckdb/node-api ]]; then
  (cd bench/duckdb && npm ci --no-audit --no-fund >/dev/null)
fi

WORK=$(mktemp -d /tmp/huoju-summary.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
LOAD_AVG=$(cut -d' ' -f1-3 /proc/loadavg)

echo "summary: generating 2 × $UNITS filings, Huoju snapshots (best of $RUNS, $THREADS threads)"
"$BUILD/bench/summary_bench" --units "$UNITS" --runs "$RUNS" --threads "$THREADS" \
  --csv-prefix "$WORK/" >"$WORK/cpp.json"
echo "summary: DuckDB: load the same CSV, same operations as SQL (best of $RUNS, $THREADS threads)"
node bench/duckdb/summary.mjs --cur "$WORK/cur.csv" --prev "$WORK/prev.csv" --runs "$RUNS" \
  --threads "$THREADS" >"$WORK/duck.json"

mkdir -p bench/results
python3 - "$WORK" "$UNITS" "$LOAD_AVG" <<'PY'
import json, sys, datetime, os
work, units, load_avg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cpp = json.load(open(f"{work}/cpp.json"))
duck = json.load(open(f"{work}/duck.json"))

# Cross-check: every group's COUNT(*), and every indicator's SUM (relative 1e-9) and COUNT.
checked, bad = 0, []
for name in ["province_section", "zone", "yoy_current", "yoy_previous"]:
    a, b = cpp["results"][name], duck["results"][name]
    if set(a) != set(b):
        bad.append(f"{name}: groups differ ({len(a)} vs {len(b)})")
        continue
    for k in a:
        for col, v in a[k].items():
            w = b[k].get(col)
            if w is None or abs(v - w) > 1e-9 * max(1.0, abs(v), abs(w)):
                bad.append(f"{name} {k} {col}: {v} vs {w}")
            checked += 1
if bad:
    print("summary: results differ from DuckDB:\n  " + "\n  ".join(bad[:20]), file=sys.stderr)
    sys.exit(1)

cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
mem = int(open("/proc/meminfo").readline().split()[1]) // (1024 * 1024)
now = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ")
rows = []
targets = {"province_section": 0.4, "zone": 0.4, "yoy": 0.25}
labels = {"province_section": "summary by province × 门类 (32 × 20 groups)",
          "zone": "summary by zone (180 groups)",
          "yoy": "year-on-year by province, comparable units (DuckDB: keys-only join)"}
for k in ["province_section", "zone", "yoy"]:
    h, d = cpp[k], duck[k]
    ratio = h["best_ms"] / d["best_ms"]
    rows.append(f"| {labels[k]} | {h['best_ms']:.1f} ({h['median_ms']:.1f}) | {d['best_ms']:.1f} ({d['median_ms']:.1f}) | "
                f"**{ratio:.2f}×** | ≤ {targets[k]}× {'✓' if ratio <= targets[k] else '✗'} |")
md = f"""## Summaries and year-on-year vs DuckDB (bench/summary.sh)

Run {now} on {os.cpu_count()} cores ({cpu}), {mem} GiB; load average at start {load_avg}
(the machine is shared with other sessions: times are the best of {cpp['province_section']['runs']} runs, median in brackets).

Data: two survey years of {units:,} filings each (bench/audit_gen.cpp, seeds 1 and 2) ×
{cpp['indicators']} indicators (GQ-002 + GQ-003's 86 numeric indicators and 20 synthetic decimal
columns, ≈ 10 % blank cells), 32 provinces, 180 zones, 20 门类; {cpp['comparable_units']:,} units file in
both years. Huoju: `analytics::Summarize` / `YearOnYear` on the in-memory columnar snapshots
(the server's layout, built in memory by bench/summary_bench.cpp), {cpp['threads']} threads. DuckDB
{duck['duckdb_version']} (@duckdb/node-api, {duck['threads']} threads) over the same data loaded from CSV
({duck['load_ms']/1000:.1f} s to load both years), SUM and COUNT of every indicator plus COUNT(*)
per group in both. All {checked:,} group counts and sums agree (relative difference ≤ 1e-9).

| operation | Huoju ms | DuckDB ms | Huoju / DuckDB | target |
| --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Snapshot memory: {cpp['memory_bytes']/1e6:.0f} MB for {units:,} filings × {cpp['indicators']} indicators,
i.e. **{cpp['memory_mb_per_100k']:.1f} MB per 100,000 filings** (8 bytes per value, a missing bitmap,
dimension ids, ids, org path and the id indexes).
"""
open("bench/results/summary.md", "w").write(md)
print(md)
PY
bench/assemble.sh
