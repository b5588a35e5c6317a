#!/usr/bin/env bash
# Builds bench/RESULTS.md from the sections the benchmark scripts write to bench/results/.
set -euo pipefail
cd "$(dirname "$0")"
{
  echo "# Benchmark results"
  echo
  echo "Every figure comes from a script in bench/ run on this project's 2-core machine; each"
  echo "section names its data sizes and the peer it is compared with in the same run."
  echo "Re-run a script to refresh its section (it rewrites bench/results/<name>.md and this file)."
  for f in results/*.md; do
    echo
    cat "$f"
  done
} >RESULTS.md
