#!/usr/bin/env bash
# Audit-rule benchmark: (a) one GQ filing through CompiledCatalog::Evaluate (Google Benchmark),
# (b) a whole period — N synthetic units × every GQ-002/GQ-003 rule — through BatchEvaluate,
# compared in the same run with DuckDB evaluating the same rules as SQL over the same data.
# Fails if the per-rule failure counts of the two differ.
# Usage: bench/audit.sh [UNITS]          (default 600000)
# Writes bench/results/audit.md (a section of bench/RESULTS.md). Needs cmake, ninja, node/npm.
set -euo pipefail
cd "$(dirname "$0")/.."
UNITS=${1:-600000}
BUILD=${BUILD_DIR:-build-bench}
RUNS=${RUNS:-3}
THREADS=2

export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/huoju-ccache}
echo "audit: building audit_batch and audit_benchmark in $BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHUOJU_BUILD_BENCH=ON >/dev/null
ninja -C "$BUILD" -j2 audit_batch audit_benchmark >/dev/null
if [[ ! -d bench/duckdb/node_modules/@duckdb/node-api ]]; then
  (cd bench/duckdb && npm ci --no-audit --no-fund >/dev/null)
fi

WORK=$(mktemp -d /tmp/huoju-audit.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The catalog must load (and check) before anything is timed.
CATALOG=catalog/2024
CATALOG_NOTE=""
if ! "$BUILD/bench/audit_batch" --units 64 --runs 1 --no-verify --catalog "$CATALOG" >/dev/null 2>"$WORK/load.err"; then
  cat "$WORK/load.err" >&2
  exit 1
fi
LOAD_AVG=$(cut -d' ' -f1-3 /proc/loadavg)

echo "audit: (a) one filing per GQ form (Google Benchmark, 5 repetitions)"
HUOJU_CATALOG=$CATALOG "$BUILD/bench/audit_benchmark" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.3 \
  --benchmark_format=json >"$WORK/one.json" 2>"$WORK/one.err" || { cat "$WORK/one.err" >&2; exit 1; }

echo "audit: (b) generating $UNITS units, C++ batch (best of $RUNS)"
"$BUILD/bench/audit_batch" --units "$UNITS" --runs "$RUNS" --catalog "$CATALOG" \
  --csv "$WORK/gq.csv" --rules-json "$WORK/rules.json" >"$WORK/cpp.json"

echo "audit: (b) DuckDB: load CSV, same rules as SQL (best of $RUNS, $THREADS threads)"
node bench/duckdb/audit.mjs --csv "$WORK/gq.csv" --rules "$WORK/rules.json" --runs "$RUNS" \
  --threads "$THREADS" >"$WORK/duck.json"

mkdir -p bench/results
python3 - "$WORK" "$UNITS" "$LOAD_AVG" "$CATALOG_NOTE" <<'PY'
import json, os, subprocess, sys, datetime
work, units, load_avg, note = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
cpp = json.load(open(f"{work}/cpp.json"))
duck = json.load(open(f"{work}/duck.json"))
one = json.load(open(f"{work}/one.json"))
rules = json.load(open(f"{work}/rules.json"))

a, b = cpp["counts"], duck["counts"]
diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
equal = not diff and not duck["skipped"]

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")

med = {}
for bm in one["benchmarks"]:
    if bm.get("aggregate_name") == "median":
        name = bm["run_name"].split("/", 1)[1] if "/" in bm["run_name"] else bm["run_name"]
        t = bm["real_time"] * {"ns": 1e-3, "us": 1.0, "ms": 1e3}[bm["time_unit"]]
        med[name] = (t, bm.get("catalog_rules"), bm.get("failures"))

hb = cpp["batch"]["best_ms"]; h2 = cpp["batch_2_threads"]["best_ms"]; hc = cpp["batch_columnar_only"]["best_ms"]
db = duck["query"]["best_ms"]
catalog_rules = sum(len(f["rules"]) for f in rules["forms"])
cells = cpp["cells"]; blank = cpp["blank_cells"]
ind = cpp["indicators"]
L = []
L.append("## Audit rules: one filing and a whole period vs DuckDB (bench/audit.sh)")
L.append("")
L.append(f"Run {now} on {os.cpu_count()} cores ({cpu}), {mem} GiB; load average at start {load_avg}")
L.append("(the machine is shared with other sessions: times are the best of the runs).")
if note:
    L.append(f"**Catalog:** {note}")
L.append("")
L.append("**(a) One filing** — `CompiledCatalog::Evaluate` of the complete, passing filing of each form's")
L.append("fixture (catalog/2024/fixtures), with the unit's other forms and a previous-year filing so")
L.append("cross-form and prev() rules run; median of 5 repetitions (Google Benchmark, bench/audit_benchmark.cpp).")
L.append("")
L.append("| form | catalog rules | failures | µs per filing (p50) |")
L.append("| --- | --- | --- | --- |")
for name, (t, nr, nf) in med.items():
    label = name.replace("BM_EvaluateFiling/", "").replace("BM_EvaluateFailingGQ002", "GQ-002, 7 rules failing")
    L.append(f"| {label} | {int(nr) if nr is not None else '—'} | {int(nf) if nf is not None else '—'} | {t:.2f} |")
L.append("")
L.append(f"Target: one GQ filing audited in well under 100 µs.")
L.append("")
L.append(f"**(b) A whole period** — {units:,} synthetic units (deterministic generator bench/audit_gen.cpp, seed {cpp['seed']}):")
L.append(f"GQ-002 + GQ-003, {ind['numeric']} numeric + {ind['code']} code indicators per unit and {ind['previous_year']} previous-year values")
L.append(f"({cpp['units_with_previous']:,} units filed last year); {cells:,} cells, {100*blank/cells:.1f} % blank;")
L.append(f"{cpp['rules_total']} rules counted per unit: {catalog_rules} catalog rules + {cpp['rules_total']-catalog_rules} built-in required/range/code checks;")
L.append(f"{cpp['rules_columnar']} run on columns, {len(cpp['rules_per_filing_fallback'])} (code cells) per filing through `load_filing`.")
L.append(f"Both sides read the same data: the generator fills the C++ columns and writes the CSV DuckDB loads")
L.append(f"({cpp['csv_bytes']/2**20:.0f} MiB). Loading is timed separately and counted on neither side. Best of {len(cpp['batch']['runs_ms'])} runs.")
L.append("")
L.append("| what | threads | ms | ratio (Huoju ÷ DuckDB) |")
L.append("| --- | --- | --- | --- |")
L.append(f"| DuckDB {duck['duckdb_version']}: one SQL query, {duck['query']['aggregates']} SUM(CASE …) columns (the peer) | {duck['threads']} | {db:.0f} | 1.00 |")
L.append(f"| Huoju `BatchEvaluate`, GQ-002 then GQ-003, all {cpp['rules_total']} rules | 1 | {hb:.0f} | {hb/db:.2f} |")
L.append(f"| Huoju `BatchEvaluate`, all {cpp['rules_total']} rules, `BatchOptions::threads = 2` (per-filing rules on the calling thread meanwhile) | 2 | {h2:.0f} | {h2/db:.2f} |")
L.append(f"| Huoju `BatchEvaluate`, the {cpp['rules_columnar']} columnar rules only (no `load_filing`) | 1 | {hc:.0f} | {hc/db:.2f} |")
if "batch_columnar_only_2_threads" in cpp:
    hc2 = cpp["batch_columnar_only_2_threads"]["best_ms"]
    L.append(f"| Huoju `BatchEvaluate`, the {cpp['rules_columnar']} columnar rules only, `threads = 2` | 2 | {hc2:.0f} | {hc2/db:.2f} |")
pf = cpp.get("per_filing")
if pf:
    L.append(f"| Huoju per-filing `Evaluate` of every unit, both forms (cross-check) | 1 | {pf['ms']:.0f} | {pf['ms']/db:.2f} |")
L.append("")
verdict = "**equal**" if equal else f"**NOT equal** ({', '.join(diff[:10])})"
L.append(f"Per-rule failure counts, Huoju vs DuckDB: {verdict} for all {len(a)} rules"
         + (f"; DuckDB skipped {', '.join(s['id'] for s in duck['skipped'])}" if duck["skipped"] else "; no rule skipped") + ".")
if pf:
    L.append(f"Batch vs per-filing `Evaluate` on every unit: {'equal' if pf['counts_equal_batch'] else 'NOT equal'}.")
L.append(f"Context: DuckDB CSV load {duck['load_ms']/1000:.1f} s ({duck['rows']:,} rows × {duck['columns']} columns); generator {cpp['generate_ms']/1000:.1f} s, CSV write {cpp['csv_ms']/1000:.1f} s.")
L.append("")
L.append(f"Target: Huoju ≤ 0.25 × DuckDB, both on 2 threads — {'met' if h2/db <= 0.25 else 'NOT met'} "
         f"({h2/db:.2f}); Huoju on 1 thread against DuckDB's 2: {hb/db:.2f}.")
L.append("")
tot = units
rows = []
for f in rules["forms"]:
    for r in f["rules"]:
        n = a.get(r["id"], 0)
        rows.append(f"{r['id']} {100*n/tot:.1f}")
L.append("Failing units per catalog rule, %: " + ", ".join(rows) + ".")
open("bench/results/audit.md", "w").write("\n".join(L) + "\n")
print("\n".join(L))
if not equal:
    print("audit: per-rule counts differ between Huoju and DuckDB:", file=sys.stderr)
    for k in diff:
        print(f"  {k}: huoju {a.get(k)} duckdb {b.get(k)}", file=sys.stderr)
    sys.exit(3)
PY
bench/assemble.sh
