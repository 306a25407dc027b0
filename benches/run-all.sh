#!/usr/bin/env bash
# Every benchmark of the project against its peers, on the same inputs, in one run; ends
# with one table of ratios (peer time / our time: above 1 we are faster):
#   changelog vs git-cliff (benches/changelog.sh), bumps vs bump-my-version
#   (benches/bump.sh), multi-repo tagging vs a sequential script (benches/tagging.sh),
#   start-up time of every tool (benches/startup.sh). The container image is not built
#   here (no Docker engine).
#
#   RELAY_BENCH_REPO=/path/to/a/clone/of/git/git benches/run-all.sh
#
# RELAY_BENCH_REPO is required: a local repository with a long history and many tags
# (a clone of git/git: 82k commits, 1k tags). RELAY_BENCH_ONLY="bump startup" runs a
# subset. Each script's own report is kept in target/bench-results/<name>.log.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${RELAY_BENCH_REPO:-}" ] || ! git -C "${RELAY_BENCH_REPO:-/nonexistent}" rev-parse --git-dir >/dev/null 2>&1; then
  echo "run-all: set RELAY_BENCH_REPO to a local git repository with a long history and tags," >&2
  echo "         e.g. a clone of https://github.com/git/git (git clone --bare ... git.git)" >&2
  exit 2
fi
export RELAY_BENCH_REPO
out="$root/target/bench-results"
mkdir -p "$out"
export RELAY_BENCH_RESULTS="$out/results.txt"
: > "$RELAY_BENCH_RESULTS"

# Release binaries once, so that no script's time includes the build.
echo "building release binaries..." >&2
cargo build --quiet --release --bins --manifest-path "$root/Cargo.toml" || exit 1

# The quick ones first: changelog.sh builds git-cliff on its first run (minutes).
benches="${RELAY_BENCH_ONLY:-startup bump tagging changelog}"
declare -A status
for bench in $benches; do
  echo "== benches/$bench.sh (report: $out/$bench.log)" >&2
  start=$(date +%s)
  if bash "$root/benches/$bench.sh" > "$out/$bench.log" 2>&1; then
    status[$bench]="ok ($(( $(date +%s) - start )) s)"
  else
    status[$bench]="FAILED (exit $?, see $out/$bench.log)"
  fi
  echo "   ${status[$bench]}" >&2
done

echo
echo "| benchmark | release-relay | peer | ratio (peer / ours) |"
echo "|---|---|---|---|"
while IFS='|' read -r name ours peer ratio; do
  echo "| $name | $ours | $peer | $ratio |"
done < "$RELAY_BENCH_RESULTS"
echo "| container image size | not built here (no Docker engine) | - | - |"
echo
for bench in $benches; do echo "benches/$bench.sh: ${status[$bench]}"; done
echo "history: $RELAY_BENCH_REPO ($(git -C "$RELAY_BENCH_REPO" rev-list --count HEAD) commits, $(git -C "$RELAY_BENCH_REPO" tag | wc -l) tags)"
