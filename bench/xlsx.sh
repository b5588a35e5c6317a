#!/usr/bin/env bash
# Excel benchmark (issue 6): export of a national unit list (600,000 rows × 118 columns) by the
# server's streaming writer vs libxlsxwriter (constant-memory) on the same rows, and import of a
# 100,000-unit GQ-002 batch workbook through app::Workbooks on a real SQLite application
# (check-only and writing), with LibreOffice Calc (headless, xlsx → csv) opening the same
# workbook as the import peer. Rows per second, best of one run each (the steps take seconds to
# minutes; see the JSON for every figure).
# Usage: bench/xlsx.sh [EXPORT_ROWS] [IMPORT_ROWS]      (defaults 600000 100000)
# Writes bench/results/xlsx.md (a section of bench/RESULTS.md). Needs cmake, ninja, soffice.
set -euo pipefail
cd "$(dirname "$0")/.."
EXPORT_ROWS=${1:-600000}
IMPORT_ROWS=${2:-100000}
PEER_ROWS=${PEER_ROWS:-100000}
BUILD=${BUILD_DIR:-build-bench}

export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/huoju-ccache}
echo "xlsx: building xlsx_bench in $BUILD"
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHUOJU_BUILD_BENCH=ON >/dev/null
fi
ninja -C "$BUILD" -j2 xlsx_bench >/dev/null

WORK=$(mktemp -d /tmp/huoju-xlsx.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
LOAD_AVG=$(cut -d' ' -f1-3 /proc/loadavg)

echo "xlsx: export $EXPORT_ROWS rows (peer: first $PEER_ROWS), import $IMPORT_ROWS units"
"$BUILD/bench/xlsx_bench" --export-rows "$EXPORT_ROWS" --peer-rows "$PEER_ROWS" \
  --import-rows "$IMPORT_ROWS" --work "$WORK" >"$WORK/cpp.json"

echo "xlsx: LibreOffice opens the same import workbook (xlsx → csv)"
t0=$(date +%s.%N)
HOME="$WORK" soffice --headless --convert-to csv --outdir "$WORK/lo" "$WORK/import.xlsx" >/dev/null 2>&1
t1=$(date +%s.%N)
LO_ROWS=$(($(wc -l <"$WORK/lo/import.csv") - 3))
LO_VERSION=$(soffice --version 2>/dev/null | head -1 | cut -d' ' -f2)

mkdir -p bench/results
python3 - "$WORK" "$LOAD_AVG" "$t0" "$t1" "$LO_ROWS" "$LO_VERSION" <<'PY'
import json, sys, datetime, os
work, load_avg, t0, t1, lo_rows, lo_version = sys.argv[1:7]
d = json.load(open(f"{work}/cpp.json"))
lo_s = float(t1) - float(t0)
lo_rows = int(lo_rows)
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
now = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ")
e, imp = d["export"], d["import"]
h, p = e["huoju"], e["libxlsxwriter"]
rows = imp["workbook"]["rows"]
lo_rps = lo_rows / lo_s
def mark(v): return "✓" if v >= 50000 else "✗"
def runs(step): return ", ".join(f"{r:.2f}" for r in step.get("runs", []))
md = f"""## Excel: national list export and batch workbook import (bench/xlsx.sh)

Run {now} on {os.cpu_count()} cores ({cpu}); load average at start {load_avg} (the machine is
shared with other sessions). Rows per second of wall time; the import's read-only steps are the
median of 3 runs (every run in the JSON), the others one run.

**Export.** {h['rows']:,} rows × {h['columns']} columns shaped like the unit list a reviewer
exports (filing and unit id, name, USCC, state, seven dimension codes, then the 106 numeric
indicators of the summary bench with ≈ 10 % blanks), written by `io::XlsxStreamWriter` (the
writer of the export jobs: own sheet XML, deflate in 1 MiB pieces on {d['threads']} threads while the
next rows are formatted). Peer: libxlsxwriter {'1.1.4'} in constant-memory mode (the library the
project uses for small tables) on the first {p['rows']:,} of the same rows.

| writer | rows | seconds | rows/s | file MB | vs peer | target ≥ 50,000 rows/s |
| --- | --- | --- | --- | --- | --- | --- |
| Huoju streaming writer | {h['rows']:,} | {h['seconds']:.1f} | **{h['rows_per_s']:,.0f}** | {h['bytes']/1e6:.0f} | **{h['rows_per_s']/p['rows_per_s']:.1f}×** | {mark(h['rows_per_s'])} |
| libxlsxwriter constant_memory | {p['rows']:,} | {p['seconds']:.1f} | {p['rows_per_s']:,.0f} | {p['bytes']/1e6:.0f} | 1× | {mark(p['rows_per_s'])} |

**Import.** A GQ-002 batch workbook of {rows:,} units (the server's own template,
`app::WriteTemplate`, filled with generated values: {imp['workbook']['bytes']/1e6:.0f} MB; writing it took
{imp['workbook']['template_seconds']:.1f} s = {imp['workbook']['template_rows_per_s']:,.0f} rows/s with libxlsxwriter), imported
through `app::Workbooks::Import` as the Torch Center on a real SQLite application whose demo tree
holds those units with their GQ-002 2024 tasks and every enterprise's final 2023 GQ-002
(`app::GenerateDemoSurvey`), opened again after that setup as a server finds its database
after a data load (in the very process that had just written the 627,000 filings, check-only
took 2.8–3.5 s). The generated data breaks rules on purpose:
{imp['check_only']['rejected']:,} units have errors.

| step | seconds | rows/s | target ≥ 50,000 rows/s |
| --- | --- | --- | --- |
| reader only: unzip + XML + cell values, no mapping (`io::XlsxReader`) | {imp['scan_only']['seconds']:.2f} ({runs(imp['scan_only'])}) | {imp['scan_only']['rows_per_s']:,.0f} | {mark(imp['scan_only']['rows_per_s'])} |
| read and check every cell (types, decimals, codes; `ReadWorkbook`) | {imp['read_only']['seconds']:.2f} ({runs(imp['read_only'])}) | {imp['read_only']['rows_per_s']:,.0f} | {mark(imp['read_only']['rows_per_s'])} |
| + audit every unit with its rules, write nothing (`check_only`) | {imp['check_only']['seconds']:.2f} ({runs(imp['check_only'])}) | **{imp['check_only']['rows_per_s']:,.0f}** | {mark(imp['check_only']['rows_per_s'])} |
| + write the {imp['write_clean']['saved']:,} clean units (`clean_only`: dry run, then the write) | {imp['write_clean']['seconds']:.1f} | {imp['write_clean']['rows_per_s']:,.0f} | — |
| peer: LibreOffice {lo_version} headless opens the same workbook (xlsx → csv, {lo_rows:,} rows) | {lo_s:.1f} | {lo_rps:,.0f} | — |

Huoju's check-only import is **{imp['check_only']['rows_per_s']/lo_rps:.1f}×** LibreOffice's rows/s on the same file
(LibreOffice only converts; Huoju also checks and audits every unit).

**How the import keeps up.** Each row of this workbook has ≈ 60 cells (≈ 2.2 KB of sheet XML as
libxlsxwriter writes it, cell references and styles included: 225 MB for the sheet), so
50,000 rows/s means ≈ 110 MB/s of XML, checked and audited, on 2 cores. Three threads share
them. The sheet is inflated whole by libdeflate (about 2.5× zlib's speed, CRC checked, the
archive's size limits kept) and scanned on one thread — the scanner reads the common shapes of a
cell in one pass and everything else the general way, agreeing with expat on every test sheet —
and the rows cross to the calling thread as whole cell vectors. There the cells are mapped and
checked, numbers going into the rows as (indicator, value) pairs, and every 2,000 complete
units move to a third thread that audits them while the sheet is still being read: a dry run of
the bulk import (units found by USCC in the in-memory org directory, one query per period for
their tasks and other forms — last year's GQ-002 of every unit is in this database, so the
year-on-year rules run — then every rule, the numbers put straight into the rule engine's slots
and number-only expressions evaluated without building values). Once the reading is done the
calling thread helps with the blocks left. Writing is bounded by the store (the same per-row
cost as the bulk import of the survey-workflow section). Earlier runs of this bench, check-only
with the audit: expat on one thread 15.8 s; the first own scanner 4.7 s; the audit after the
reading 3.1 s (31,824 rows/s, 2026-11-28T02:21Z); the audit while reading 2.18 s (45,950 rows/s,
2026-11-28T06:34Z) on the AMD EPYC machine shared with other sessions. The same code took 1.25–1.40 s
(72,000–80,000 rows/s) on the Intel Xeon machine of the later runs: the machines differ, so compare
runs of one machine only.
"""
open("bench/results/xlsx.md", "w").write(md)
print(md)
PY
bench/assemble.sh
