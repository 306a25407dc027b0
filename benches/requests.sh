#!/usr/bin/env bash
# Reading large release request files: `tag-from-request --check` (read, validate,
# plan the newest entry) and `--check --all` (a tag and its message for every entry)
# on one file of N entries, for N = 20k, 40k, 80k and a file just under the 16 MiB
# cap. The peer is what OpenStack's release job does to read the same file:
# PyYAML's `yaml.safe_load` (process_release_requests.py). The growth from one size
# to the next tells linear (×2 per doubling) from quadratic (×4).
#
#   benches/requests.sh                 # SIZES="20000 40000 80000" by default
#
# Time and peak memory (max RSS) are the best of RUNS runs (default 3). Everything is
# generated in a temporary folder; nothing is fetched.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-3}"
sizes="${SIZES:-20000 40000 80000}"

cargo build --quiet --release --bin tag-from-request --manifest-path "$root/Cargo.toml"
ours="$root/target/release/tag-from-request"
python3 -c 'import yaml' 2>/dev/null || {
  echo "requests.sh: the peer needs PyYAML (pip install pyyaml)" >&2
  exit 2
}

work="$(mktemp -d "${TMPDIR:-/tmp}/requests-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/deliverables/2026.1"

# An OpenStack deliverable with N releases (a repository each).
generate() {
  python3 - "$1" "$2" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("---\nlaunchpad: big\nteam: big\ntype: library\ninclude-pypi-link: true\n")
    f.write("repository-settings:\n  openstack/big: {}\nreleases:\n")
    for i in range(n):
        version = f"{i // 10000}.{i // 100 % 100}.{i % 100}"
        f.write(f"  - version: {version}\n    projects:\n")
        f.write(f"      - repo: openstack/big\n        hash: {i:040x}\n")
PY
}

# Best wall time and its max RSS (MB) of `runs` runs of the command.
measure() {
  local best="" rss=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null 2> "$work/err" || {
      cat "$work/err" >&2
      exit 1
    }
    read -r t m < "$work/time"
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then
      best=$t rss=$((m / 1024))
    fi
  done
  echo "$best $rss"
}

# With RELAY_BENCH_RESULTS set (benches/run-all.sh), each result is also appended there
# as `name|ours|peer|ratio`.
record() { [ -z "${RELAY_BENCH_RESULTS:-}" ] || printf '%s|%s|%s|%s\n' "$@" >> "$RELAY_BENCH_RESULTS"; }

echo "| entries | file | --check | --check --all | yaml.safe_load (OpenStack's job) | ratio |"
echo "|---|---|---|---|---|---|"
file="$work/deliverables/2026.1/big.yaml"
# The most entries that stay under the 16 MiB every reader allows, from the size of
# a 10,000-entry file.
generate "$file" 10000
cap_entries=$(( (16 * 1024 * 1024) * 10000 / $(stat -c %s "$file") * 98 / 100 ))
for n in $sizes "$cap_entries"; do
  generate "$file" "$n"
  bytes=$(stat -c %s "$file")
  read -r newest newest_rss < <(cd "$work" && measure "$ours" --check --request "$file")
  read -r every every_rss < <(cd "$work" && measure "$ours" --check --all --request "$file")
  read -r peer peer_rss < <(measure python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$file")
  ratio=$(awk -v p="$peer" -v o="$newest" 'BEGIN{printf "%.1f×", (o > 0 ? p / o : 0)}')
  printf '| %s | %.1f MB | %s s, %s MB | %s s, %s MB | %s s, %s MB | %s |\n' \
    "$n" "$(awk -v b="$bytes" 'BEGIN{print b / 1048576}')" \
    "$newest" "$newest_rss" "$every" "$every_rss" "$peer" "$peer_rss" "$ratio"
  record "request file, $n entries (--check)" "$newest s" "$peer s" "$ratio"
done
