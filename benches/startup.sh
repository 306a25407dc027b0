#!/usr/bin/env bash
# Start-up time of every tool: a real read of an annotated, PGP-signed tag by
# read-tag-metadata on a large repository, and `--version` of every tool (process
# start, option parsing, exit). Uses hyperfine; prints a table.
#   RELAY_BENCH_REPO  a git repository with annotated tags (default: a scratch repo)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)"; exit 1; }
cargo build --quiet --release --bins --manifest-path "$root/Cargo.toml"
bin="$root/target/release"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

repo="${RELAY_BENCH_REPO:-}"
tag=""
if [ -n "$repo" ]; then
  tag="$(git -C "$repo" for-each-ref --sort=-creatordate --count=1 --format='%(refname:short)' 'refs/tags/v*')"
else
  repo="$work/repo"
  git init -q "$repo"
  git -C "$repo" -c user.name=b -c user.email=b@x commit -q --allow-empty -m first
  git -C "$repo" -c user.name=b -c user.email=b@x tag -a 1.0.0 -m "x 1.0.0 release

meta:series: 2026.1"
  tag=1.0.0
fi

# With RELAY_BENCH_RESULTS set (benches/run-all.sh), each result is also appended there
# as `name|ours|peer|ratio` (ratio = peer time / our time).
record() { [ -z "${RELAY_BENCH_RESULTS:-}" ] || printf '%s|%s|%s|%s\n' "$@" >> "$RELAY_BENCH_RESULTS"; }
printf '%-40s %12s %12s\n' "command" "mean (ms)" "± (ms)"
measure() {
  local name="$1"; shift
  hyperfine -N --warmup 5 --runs "${RUNS:-100}" --export-json "$work/h.json" "$*" >/dev/null 2>&1
  python3 - "$name" "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))["results"][0]
print(f"{sys.argv[1]:<40} {r['mean']*1000:12.2f} {r['stddev']*1000:12.2f}")
PY
}
# The last measured mean, in ms (for the results file).
mean_ms() { python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["mean"] * 1000))' "$work/h.json"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }
cd "$repo"
measure "git cat-file tag $tag (floor)" git cat-file tag "$tag"
floor="$(mean_ms)"
measure "read-tag-metadata --tag $tag" "$bin/read-tag-metadata" --tag "$tag" --json
record "start-up: read-tag-metadata --tag $tag" "$(mean_ms) ms" "$floor ms (git cat-file tag)" "$(ratio "$floor" "$(mean_ms)")"
measure "git --version (floor)" git --version
git_floor="$(mean_ms)"
for tool in $("$bin/release-relay" --help | sed -n 's/^tools: //p' | tr ',' ' '); do
  # --help, not --version: update-links and others take --version as the release's version.
  measure "$tool --help" "$bin/$tool" --help
  record "start-up: $tool --help" "$(mean_ms) ms" "$git_floor ms (git --version)" "$(ratio "$git_floor" "$(mean_ms)")"
done
