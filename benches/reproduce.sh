#!/usr/bin/env bash
# Reproduces every number in BENCHMARKS.md: the criterion benchmarks and the refresh storm
# (`cargo bench -p keycard-benches`), the paired timings (`paired`), then the instruction counts
# (callgrind, noise-free).
# Usage: benches/reproduce.sh   (about 15 minutes on 2 cores; logs in $CARGO_TARGET_DIR/bench-logs)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
logs="$CARGO_TARGET_DIR/bench-logs"
mkdir -p "$logs"
uname -srm | tee "$logs/machine.txt"
grep -m1 'model name' /proc/cpuinfo | tee -a "$logs/machine.txt"
echo "cores: $(nproc)" | tee -a "$logs/machine.txt"
rustc --version | tee -a "$logs/machine.txt"
cargo bench -p keycard-benches 2>&1 | tee "$logs/criterion.txt"
cargo build --release -p keycard-benches --bin paired
"$CARGO_TARGET_DIR/release/paired" 2>&1 | tee "$logs/paired.txt"
benches/icount.sh 2>&1 | tee "$logs/icount.txt"
