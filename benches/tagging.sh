#!/usr/bin/env bash
# tag-from-request against what teams script today: a sequential
# `git clone` + `git tag -a` + `git push` loop over the same remotes, in one run.
#
#   1. 100 small repositories (30 commits each) on a git daemon on 127.0.0.1
#   2. 10 remotes that each hold a large real history: clones (objects shared) of
#      $RELAY_BENCH_REPO (e.g. a local clone of git/git); without it, a synthetic
#      50,000-commit history is made
#   3. 50 repositories through a mock GitHub API that answers after 100 ms
#
# Knobs: RELAY_BENCH_REPO (a large repository), RELAY_BENCH_SMALL (100),
# RELAY_BENCH_LARGE (10), RELAY_BENCH_API (50), RELAY_BENCH_LATENCY_MS (100).
# Everything happens in a temporary folder and on 127.0.0.1; nothing is fetched.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
small_count="${RELAY_BENCH_SMALL:-100}"
large_count="${RELAY_BENCH_LARGE:-10}"
api_count="${RELAY_BENCH_API:-50}"
latency_ms="${RELAY_BENCH_LATENCY_MS:-100}"

echo "building release binaries..." >&2
cargo build --quiet --release --bins --manifest-path "$root/Cargo.toml"
tool="$root/target/release/tag-from-request"
# The peer is git itself, driven by a shell loop: nothing to install into
# target/bench-tools.

work="$(mktemp -d "${TMPDIR:-/tmp}/relay-bench.XXXXXX")"
daemon_pid="" mock_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$work/home/.gitconfig"
mkdir -p "$HOME"
git config --global user.name "Release Bot"
git config --global user.email "bot@example.org"
git config --global init.defaultBranch main
git config --global tag.gpgSign false
unset GITHUB_ACTIONS GITLAB_CI GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_TOKEN GITLAB_TOKEN CI_JOB_TOKEN

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$work/srv"
"$(git --exec-path)/git-daemon" --reuseaddr --export-all --enable=receive-pack \
  --listen=127.0.0.1 --port="$port" --base-path="$work/srv" "$work/srv" 2>/dev/null &
daemon_pid=$!
server="git://127.0.0.1:$port"
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# The remotes allow partial fetches (`uploadpack.allowFilter`), as GitHub and GitLab
# do; git-daemon's default does not. The shell loop's full clones are unaffected.
git config --global uploadpack.allowFilter true

# A history of N commits, one file changed per commit, straight into a bare repository.
synthetic_history() { # DIR COMMITS
  git init -q --bare "$1"
  python3 - "$2" <<'PY' | git -C "$1" fast-import --quiet
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(1, n + 1):
    data = f"line {i}\n"
    out.write(f"commit refs/heads/main\nmark :{i}\ncommitter Dev <dev@example.org> {1700000000 + i} +0000\n")
    msg = f"change {i}\n"
    out.write(f"data {len(msg)}\n{msg}")
    if i > 1:
        out.write(f"from :{i - 1}\n")
    out.write(f"M 644 inline file{i % 50}.txt\ndata {len(data)}\n{data}\n")
PY
}

# The loop teams script today: clone, tag, push, one repository after another.
shell_loop() { # REQUEST_LIST TAG
  local dest="$work/loop-$2"
  mkdir -p "$dest"
  while read -r repo sha; do
    git clone -q "$server/$repo.git" "$dest/$repo" 2>/dev/null
    git -C "$dest/$repo" tag -a "$2" -m "$2" "$sha"
    git -C "$dest/$repo" push -q origin "refs/tags/$2" 2>/dev/null
  done < "$1"
  rm -rf "$dest"
}

request_file() { # LIST VERSION OUT
  {
    printf 'releases:\n  - version: %s\n    projects:\n' "$2"
    while read -r repo sha; do printf '      - repo: %s\n        hash: %s\n' "$repo" "$sha"; done < "$1"
  } > "$3"
}

rows=()
# With RELAY_BENCH_RESULTS set (benches/run-all.sh), each result is also appended there
# as `name|ours|peer|ratio` (ratio = peer time / our time).
record() { [ -z "${RELAY_BENCH_RESULTS:-}" ] || printf '%s|%s|%s|%s\n' "$@" >> "$RELAY_BENCH_RESULTS"; }
row() { rows+=("$(printf '| %s | %s | %s | %s | %s |' "$@")"); record "tagging: $1" "$3" "$2 (sequential)" "$4"; }

# --- 1. small repositories -----------------------------------------------------------
echo "1. making $small_count small repositories..." >&2
mkdir -p "$work/srv/small" "$work/req/small"
: > "$work/small.list"
for i in $(seq -w 1 "$small_count"); do
  synthetic_history "$work/srv/small/r$i.git" 30
  echo "small/r$i $(git -C "$work/srv/small/r$i.git" rev-parse main~1)" >> "$work/small.list"
done
request_file "$work/small.list" 1.0.0 "$work/req/small/small.yaml"
t0=$(now); shell_loop "$work/small.list" loop-1.0.0; t1=$(now)
"$tool" --forge git --remote-url-template "$server/{repo}.git" --request "$work/req/small/small.yaml" 2>"$work/small.log" \
  || { cat "$work/small.log" >&2; exit 1; }
t2=$(now)
loop=$(elapsed "$t0" "$t1"); ours=$(elapsed "$t1" "$t2")
row "$small_count small repositories (30 commits), git://127.0.0.1" "$loop s" "$ours s" "$(python3 -c "print(f'{$loop/$ours:.1f}×')")" "≥ 3×"

# --- 2. large histories ---------------------------------------------------------------
mkdir -p "$work/srv/large" "$work/req/large"
if [ -n "${RELAY_BENCH_REPO:-}" ]; then
  source_repo="$RELAY_BENCH_REPO"
  source_name="$(basename "$(cd "$source_repo" && pwd)")"
else
  echo "2. RELAY_BENCH_REPO is not set: making a synthetic 50,000-commit history..." >&2
  synthetic_history "$work/large-source.git" 50000
  source_repo="$work/large-source.git"
  source_name="synthetic"
fi
commits=$(git -C "$source_repo" rev-list --count HEAD)
target=$(git -C "$source_repo" rev-list -n 1 --skip=100 HEAD)
echo "2. $large_count remotes sharing the objects of $source_repo ($commits commits)..." >&2
: > "$work/large.list"
for i in $(seq -w 1 "$large_count"); do
  git clone -q --bare --shared "$source_repo" "$work/srv/large/big$i.git"
  echo "large/big$i $target" >> "$work/large.list"
done
request_file "$work/large.list" 9.9.9 "$work/req/large/large.yaml"
t0=$(now); shell_loop "$work/large.list" relay-bench-loop; t1=$(now)
"$tool" --forge git --remote-url-template "$server/{repo}.git" --request "$work/req/large/large.yaml" 2>"$work/large.log" \
  || { cat "$work/large.log" >&2; exit 1; }
t2=$(now)
loop=$(elapsed "$t0" "$t1"); ours=$(elapsed "$t1" "$t2")
row "$large_count remotes of $commits commits ($source_name), git://127.0.0.1" "$loop s" "$ours s" "$(python3 -c "print(f'{$loop/$ours:.1f}×')")" "≥ 10×"

# --- 3. the GitHub API with latency ------------------------------------------------------
echo "3. $api_count repositories through a mock GitHub API ($latency_ms ms per request)..." >&2
python3 "$root/benches/mock_github.py" "$work/mock.port" "$latency_ms" &
mock_pid=$!
for _ in $(seq 50); do [ -s "$work/mock.port" ] && break; sleep 0.1; done
api="http://127.0.0.1:$(cat "$work/mock.port")"
mkdir -p "$work/req/api"
: > "$work/api.list"
for i in $(seq -w 1 "$api_count"); do
  echo "acme/repo$i $(printf '%040d' "$((10#$i))")" >> "$work/api.list"
done
request_file "$work/api.list" 1.0.0 "$work/req/api/api.yaml"
run_api() { "$tool" --forge github --api-url "$api" --token bench-token --concurrency "$1" \
  --request "$work/req/api/api.yaml" 2>"$work/api.log" || { cat "$work/api.log" >&2; exit 1; }; }
t0=$(now); run_api 1; t1=$(now); run_api 8; t2=$(now)
sequential=$(elapsed "$t0" "$t1"); ours=$(elapsed "$t1" "$t2")
row "$api_count repositories, GitHub API at $latency_ms ms (--concurrency 1 vs default 8)" "$sequential s" "$ours s" "$(python3 -c "print(f'{$sequential/$ours:.1f}×')")" "< 3 s"

echo
echo "| scenario | sequential | tag-from-request | speed-up | goal |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
