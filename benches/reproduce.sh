#!/usr/bin/env bash
# Reproduces every number in BENCHMARKS.md: the criterion benchmarks and the refresh storm
# (`cargo bench -p keycard-benches`), the paired timings (`paired`), then the instruction counts
# (callgrind, noise-free).
# Usage: benches/reproduce.sh   (about 20-25 minutes on 2 cores; logs in $CARGO_TARGET_DIR/bench-logs,
# with the load average before each part in load.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
logs="$CARGO_TARGET_DIR/bench-logs"
mkdir -p "$logs"
uname -srm | tee "$logs/machine.txt"
grep -m1 'model name' /proc/cpuinfo | tee -a "$logs/machine.txt"
echo "cores: $(nproc)" | tee -a "$logs/machine.txt"
rustc --version | tee -a "$logs/machine.txt"
git rev-parse HEAD 2>/dev/null | tee -a "$logs/machine.txt" || true
# The machine's load before each part (the numbers are ratios because it moves).
load() { echo "$(date -u +%H:%M:%S) $1: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$logs/load.txt"; }
: >"$logs/load.txt"
load "criterion, body heap, transport, storm, fleet"
cargo bench -p keycard-benches 2>&1 | tee "$logs/criterion.txt"
cargo build --release -p keycard-benches --bin paired
load "paired (parsing, scope sets and their scaling curve, hot path on 1-8 threads, checked)"
"$CARGO_TARGET_DIR/release/paired" 2>&1 | tee "$logs/paired.txt"
load "instruction counts"
benches/icount.sh 2>&1 | tee "$logs/icount.txt"
load "end"
