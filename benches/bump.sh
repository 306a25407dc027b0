#!/usr/bin/env bash
# Benchmark: bump-versions against bump-my-version (PyPI) on a synthetic monorepo of
# 1,000 package.json and 1,000 Chart.yaml files (version 1.4.0 → 1.5.0: package.json
# `version`, Chart.yaml `version` and `appVersion`). Both run on fresh copies of the
# same input in this one run; the best of RUNS runs is reported, then every result file
# is compared with the expected bytes and any file a tool got wrong is listed.
#
#   benches/bump.sh            # RUNS=3 FILES=1000 by default
#
# bump-versions replaces each file atomically (a new file, then a rename over the old
# one); bump-my-version rewrites files in place. Creating 2,000 files is most of our
# time, and on ext4 without a journal it is slower for a few minutes after many files
# were deleted (the allocator skips recently freed inodes), e.g. right after this
# script's own clean-up: leave a few minutes between runs for comparable figures.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-3}"
files="${FILES:-1000}"
tools="$root/target/bench-tools"

cargo build --quiet --release --bin bump-versions --manifest-path "$root/Cargo.toml"
ours="$root/target/release/bump-versions"
if [ ! -x "$tools/bmv/bin/bump-my-version" ]; then
  python3 -m venv "$tools/bmv"
  "$tools/bmv/bin/pip" install --quiet --disable-pip-version-check "bump-my-version==1.8.1"
fi
peer="$tools/bmv/bin/bump-my-version"

work="$(mktemp -d "${TMPDIR:-/tmp}/bump-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The input and the expected output, written by an independent generator.
python3 - "$work" "$files" <<'PY'
import os, sys
work, n = sys.argv[1], int(sys.argv[2])
def package(i, v):
    return f'''{{
  "name": "@acme/pkg-{i:04d}",
  "version": "{v}",
  "private": true,
  "scripts": {{
    "build": "tsc -p ."
  }},
  "dependencies": {{
    "@acme/pkg-{(i + 1) % n:04d}": "1.4.0",
    "left-pad": "^1.3.0"
  }}
}}
'''
def chart(i, v):
    return f'''# Chart {i} of the monorepo.
apiVersion: v2
name: chart-{i:04d}
description: Chart {i}   # generated
type: application
version: {v}
appVersion: "{v}"
dependencies:
  - name: common
    version: 1.4.0   # a dependency at the old version: must not change
    repository: oci://registry.example.org/charts
'''
for tree, v in (("input", "1.4.0"), ("expected", "1.5.0")):
    for i in range(n):
        for rel, text in ((f"packages/pkg-{i:04d}/package.json", package(i, v)),
                          (f"charts/chart-{i:04d}/Chart.yaml", chart(i, v))):
            path = os.path.join(work, tree, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
with open(os.path.join(work, "input", ".bumpversion.toml"), "w") as f:
    f.write('''[tool.bumpversion]
current_version = "1.4.0"
commit = false
tag = false
allow_dirty = true

[[tool.bumpversion.files]]
glob = "packages/*/package.json"
search = "\\"version\\": \\"{current_version}\\""
replace = "\\"version\\": \\"{new_version}\\""

[[tool.bumpversion.files]]
glob = "charts/*/Chart.yaml"
regex = true
search = "^version: {current_version}$"
replace = "version: {new_version}"

[[tool.bumpversion.files]]
glob = "charts/*/Chart.yaml"
search = "appVersion: \\"{current_version}\\""
replace = "appVersion: \\"{new_version}\\""
''')
PY

# With RELAY_BENCH_RESULTS set (benches/run-all.sh), each result is also appended there
# as `name|ours|peer|ratio` (ratio = peer time / our time).
record() { [ -z "${RELAY_BENCH_RESULTS:-}" ] || printf '%s|%s|%s|%s\n' "$@" >> "$RELAY_BENCH_RESULTS"; }
now() { python3 -c 'import time; print(time.perf_counter())'; }
best() { sort -g | head -1; }

run_ours() {
  (cd "$1" && "$ours" --version 1.5.0 --file 'packages/*/package.json' \
    --file 'charts/*/Chart.yaml' --file 'charts/*/Chart.yaml:appVersion' 2>/dev/null)
}
run_peer() {
  (cd "$1" && "$peer" bump --new-version 1.5.0 >/dev/null 2>&1)
}

declare -A times
for tool in ours peer; do
  for i in $(seq "$runs"); do
    dir="$work/$tool-$i"
    cp -r "$work/input" "$dir"
    start=$(date +%s.%N)
    "run_$tool" "$dir"
    end=$(date +%s.%N)
    times[$tool]+="$(echo "$end - $start" | bc) "
  done
done

ours_best=$(printf '%s\n' ${times[ours]} | best)
peer_best=$(printf '%s\n' ${times[peer]} | best)
printf '\n%-34s %10s   %s\n' "tool ($((files * 2)) files)" "best (s)" "runs (s)"
printf '%-34s %10.3f   %s\n' "bump-versions" "$ours_best" "${times[ours]}"
printf '%-34s %10.3f   %s\n' "bump-my-version $("$peer" --version | awk '{print $NF}')" "$peer_best" "${times[peer]}"
printf '%-34s %10.1fx\n' "speed-up" "$(echo "$peer_best / $ours_best" | bc -l)"
record "bumps: $((files * 2)) files (package.json, Chart.yaml)" "$(printf '%.3f s' "$ours_best")" \
  "$(printf '%.3f s (bump-my-version)' "$peer_best")" "$(printf '%.1fx' "$(echo "$peer_best / $ours_best" | bc -l)")"

# Correctness: every file of each tool's last run against the expected bytes.
for tool in ours peer; do
  dir="$work/$tool-$runs"
  wrong=$(cd "$work/expected" && find . -type f | while read -r f; do
    cmp -s "$f" "$dir/$f" || echo "$f"
  done)
  count=$(printf '%s' "$wrong" | grep -c . || true)
  name=$([ "$tool" = ours ] && echo bump-versions || echo bump-my-version)
  printf '%-34s %s\n' "$name: files wrong" "$count"
  if [ "$count" -gt 0 ]; then
    printf '%s\n' "$wrong" | head -5 | while read -r f; do
      diff -u "$work/expected/$f" "$dir/$f" | sed 's/^/    /' | head -12
    done
  fi
done
