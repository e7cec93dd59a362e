#!/usr/bin/env bash
# Instructions per call for every benchmark case, counted by callgrind (noise-free).
# Usage: benches/icount.sh [FILTER]   (FILTER: a substring of the case names, e.g. parse_token)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -p keycard-benches --bin icount >&2
bin="$CARGO_TARGET_DIR/release/icount"
out=$(mktemp -d)
printf '%-55s %14s\n' case instructions/call
for case in $("$bin" list | grep -F -- "${1:-}"); do
  file="$out/$(echo "$case" | tr / _).out"
  # Each transport case is a real HTTP exchange with the emulator under valgrind: fewer runs.
  case "$case" in transport/*) runs=${TRANSPORT_RUNS:-200} ;; *) runs=${RUNS:-2000} ;; esac
  valgrind --tool=callgrind --toggle-collect='*measured*' --callgrind-out-file="$file" \
    "$bin" "$case" "$runs" >/dev/null 2>&1
  total=$(awk '/^(summary|totals):/ {print $2; exit}' "$file")
  printf '%-55s %14.1f\n' "$case" "$(echo "$total / $runs" | bc -l)"
done
rm -rf "$out"
