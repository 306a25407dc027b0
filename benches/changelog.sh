#!/usr/bin/env bash
# generate-changelog against git-cliff (default configuration) and the `git log` floor
# (the same range listed with subjects and bodies), on one clone of a long real
# history, in one run on this machine. Prints median times (hyperfine) and ratios, for
# ranges of different sizes: the cost follows the size of the range, not the history.
#
#   RELAY_BENCH_REPO=/path/to/git-clone benches/changelog.sh
#
# RELAY_BENCH_REPO   a local repository with a long history (e.g. git/git: 82k commits)
# RELAY_BENCH_RANGES space-separated PREV..NEW tag ranges [v2.30.0..v2.47.0 v2.46.0..v2.47.0]
# RELAY_BENCH_PREFIX the tag prefix of those tags [v]
# RELAY_BENCH_RUNS   runs per command [5; git-cliff gets 3]
#
# Needs hyperfine and python3. git-cliff is installed from crates.io into
# target/bench-tools on the first run (it compiles for several minutes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${RELAY_BENCH_REPO:?set RELAY_BENCH_REPO to a local clone with a long history, e.g. of git/git}"
ranges="${RELAY_BENCH_RANGES:-v2.30.0..v2.47.0 v2.46.0..v2.47.0}"
prefix="${RELAY_BENCH_PREFIX-v}"
runs="${RELAY_BENCH_RUNS:-5}"

command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install -y hyperfine)" >&2; exit 2; }
cargo build --quiet --release --bin generate-changelog --manifest-path "$root/Cargo.toml"
ours="$root/target/release/generate-changelog"
cliff="$root/target/bench-tools/bin/git-cliff"
if [ ! -x "$cliff" ]; then
  cargo install --quiet --locked git-cliff --root "$root/target/bench-tools"
fi

# One local clone (no network), shared by every command; no cliff.toml in it, so
# git-cliff runs its default configuration.
clone="$root/target/bench-data/$(basename "$(cd "$RELAY_BENCH_REPO" && pwd)")"
if [ ! -d "$clone" ]; then
  mkdir -p "$(dirname "$clone")"
  git clone --quiet --no-checkout "$RELAY_BENCH_REPO" "$clone"
fi
[ ! -e "$clone/cliff.toml" ] || { echo "$clone/cliff.toml exists; git-cliff would not run its default configuration" >&2; exit 2; }
out="$(mktemp -d "${TMPDIR:-/tmp}/relay-bench.XXXXXX")"
trap 'rm -rf "$out"' EXIT

history="$(git -C "$clone" rev-list --count HEAD)"
printf 'history: %s (%s commits on HEAD, %s tags); %s; %s\n' "$RELAY_BENCH_REPO" "$history" \
  "$(git -C "$clone" tag | wc -l)" "$("$cliff" --version)" "$(git --version)"

# With RELAY_BENCH_RESULTS set (benches/run-all.sh), each result is also appended there
# as `name|ours|peer|ratio` (ratio = peer time / our time).
record() { [ -z "${RELAY_BENCH_RESULTS:-}" ] || printf '%s|%s|%s|%s\n' "$@" >> "$RELAY_BENCH_RESULTS"; }
median() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }

rows=()
for range in $ranges; do
  prev="${range%%..*}" new="${range##*..}"
  commits="$(git -C "$clone" rev-list --count "$range")"
  listed="$(git -C "$clone" rev-list --count --no-merges "$range")"
  cd "$clone"
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$out/floor.json" \
    "git log --format='%H%n%s%n%b' $range" >/dev/null
  rm -f "$out/CHANGELOG.md"
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$out/ours.json" \
    "$ours --forge github --version ${new#"$prefix"} --previous ${prev#"$prefix"} --tag-prefix '$prefix' --repo git/git=. --changelog $out/CHANGELOG.md" >/dev/null
  hyperfine --style none --runs 3 --export-json "$out/cliff.json" \
    "$cliff $range -o $out/cliff.md" >/dev/null 2>&1
  floor="$(median "$out/floor.json")" mine="$(median "$out/ours.json")" theirs="$(median "$out/cliff.json")"
  rows+=("$(python3 - "$range" "$commits" "$listed" "$floor" "$mine" "$theirs" <<'PY'
import sys
r, commits, listed, floor, mine, theirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(float, sys.argv[4:])
print(f"| {r} | {commits} ({listed} non-merge) | {floor*1000:.0f} ms | {mine*1000:.0f} ms | {theirs*1000:.0f} ms "
      f"| {theirs/mine:.1f}x | {mine/floor:.2f}x | {mine*1e6/max(commits,1):.1f} us |")
PY
)")
  record "changelog $range ($commits commits)" "$(python3 -c "print(f'{$mine*1000:.0f} ms')")" \
    "$(python3 -c "print(f'{$theirs*1000:.0f} ms (git-cliff)')")" "$(python3 -c "print(f'{$theirs/$mine:.1f}x')")"
  cd "$root"
done

echo
echo "| range | commits | git log (floor) | generate-changelog | git-cliff | git-cliff / ours | ours / floor | ours per commit |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "medians of $runs runs (git-cliff: 3); git log lists subjects and bodies; generate-changelog"
echo "lists non-merge commits, groups them, renders the section and writes CHANGELOG.md."
