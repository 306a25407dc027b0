#!/usr/bin/env bash
# A release of many repositories within the forge's rate limits, by route:
#
#   1. the API route, paced by the rate budget: N repositories tagged through a mock
#      GitHub that enforces the documented secondary limits for content-creating
#      requests (80 a minute, 500 an hour), time-scaled: the mock and the tool divide
#      every window and wait by the same DIVISOR. Reported: the writes, the limit
#      violations, the achieved write rate against the least time the limits allow.
#   2. the same release with pacing off (RELAY_RATE_LIMITS=off), the way the tool
#      wrote before it had a budget: its violations on the same mock.
#   3. the git route: the same N repositories as remotes on a git daemon on
#      127.0.0.1, tagged with one push each; the wall time and the API calls saved.
#   4. the API route split over SHARDS processes at once (a CI matrix), one token
#      between them, each with --shard K/SHARDS, then the join: the violations on
#      the same enforcing mock, and whether the joined outputs equal run 1's.
#
# Knobs: RELAY_BENCH_REPOS (1000), RELAY_BENCH_DIVISOR (600: a minute is 0.1 s),
# RELAY_BENCH_SHARDS (8),
# RELAY_BENCH_TOOL (a tag-from-request binary to use instead of the release build).
# Everything happens in a temporary folder and on 127.0.0.1; nothing is fetched.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${RELAY_BENCH_REPOS:-1000}"
divisor="${RELAY_BENCH_DIVISOR:-600}"
shards="${RELAY_BENCH_SHARDS:-8}"

tool="${RELAY_BENCH_TOOL:-}"
if [ -z "$tool" ]; then
  echo "building release binaries..." >&2
  cargo build --quiet --release --bin tag-from-request --manifest-path "$root/Cargo.toml"
  tool="$root/target/release/tag-from-request"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/relay-routes.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$work/home/.gitconfig"
mkdir -p "$HOME"
git config --global user.name "Release Bot"
git config --global user.email "bot@example.org"
git config --global init.defaultBranch main
git config --global tag.gpgSign false
git config --global uploadpack.allowFilter true
unset GITHUB_ACTIONS GITLAB_CI GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_TOKEN GITLAB_TOKEN CI_JOB_TOKEN RELAY_RATE_LIMITS

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.1f}')"; }

# One commit, in every repository.
seed="$work/seed"
git init -q "$seed"
echo "# r" > "$seed/README.md"
git -C "$seed" add README.md
git -C "$seed" commit -qm "feat: first"
sha="$(git -C "$seed" rev-parse HEAD)"
mkdir -p "$work/requests"
{
  echo "releases:"
  echo "  - version: 1.0.0"
  echo "    projects:"
  for i in $(seq -f "%04g" 1 "$count"); do
    printf '      - repo: acme/r%s\n        hash: %s\n' "$i" "$sha"
  done
} > "$work/requests/acme.yaml"

mock() { # DIVISOR NAME: starts a mock; its port is in $work/NAME.port
  python3 "$root/benches/mock_github.py" "$work/$2.port" 0 "$1" > /dev/null 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do [ -s "$work/$2.port" ] && break; sleep 0.05; done
}

api_run() { # PORT LIMITS LABEL
  local start end
  start="$(now)"
  (cd "$work" && RELAY_HTTP_WAIT_DIVISOR="$divisor" RELAY_RATE_LIMITS="$2" GITHUB_TOKEN=ghs_bench \
    "$tool" --forge github --api-url "http://127.0.0.1:$1" --server-url https://github.example.org \
    --request requests/acme.yaml --json --keep-going --concurrency 8 \
    > "$work/$3.json" 2> "$work/$3.log") || true
  end="$(now)"
  python3 - "$work/$3.json" "$work/$3.log" "$(elapsed "$start" "$end")" "$1" "$divisor" "$3" <<'PY'
import json, sys, urllib.request
out_file, log_file, seconds, port, divisor, label = sys.argv[1:]
seconds, divisor = float(seconds), float(divisor)
stats = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/__stats"))
try:
    out = json.load(open(out_file))
except ValueError:
    out = {}
log = open(log_file).read()
# The least time GitHub's secondary limits allow for these writes (80 a minute, 500 an
# hour; the last hour's 500 can go in its first minutes), in real minutes.
w = stats["writes"]
least = max(((w - 1) // 500) * 60, w / 80) if w else 0
span = (stats["last"] - stats["first"]) or 1e-9
# A scaled second is 1/divisor of a second: rates are per real (unscaled) minute.
rate = (stats["writes"] - 1) / span / divisor * 60 if stats["writes"] > 1 else 0
# From the first write to the last: the least span the limits allow (each hour's 500
# at 80 a minute), against the span the writes took.
least_span = ((w - 1) // 500) * 60 + ((w - 1) % 500) / 80 if w > 1 else 0
span_minutes = span * divisor / 60
print(f"{label}: {out.get('created', '?')} created, {out.get('failed', '?')} not made, {stats['writes']} writes, "
      f"{stats['violations']} limit violations, {seconds:.1f} s wall ({seconds * divisor / 3600:.2f} h at GitHub's "
      f"pace), {rate:.1f} writes a minute on average; the limits allow these writes in at least "
      f"{least / 60:.2f} h: {100 * least * 60 / (seconds * divisor):.0f} % of the allowed rate; from the first "
      f"write to the last {span_minutes / 60:.2f} h, where the limits allow {least_span / 60:.2f} h: "
      f"{100 * least_span / max(span_minutes, 1e-9):.0f} %")
PY
}

echo "== 1. the API route, paced ($count repositories, time / $divisor)"
mock "$divisor" paced
api_run "$(cat "$work/paced.port")" "" paced
echo "== 2. the API route, pacing off (the tool before its budget)"
mock "$divisor" unpaced
api_run "$(cat "$work/unpaced.port")" off unpaced

echo "== 3. the git route: $count remotes on a git daemon on 127.0.0.1"
mkdir -p "$work/srv/acme"
git clone -q --bare "$seed" "$work/srv/acme/r0000.git"
for i in $(seq -f "%04g" 1 "$count"); do cp -r "$work/srv/acme/r0000.git" "$work/srv/acme/r$i.git"; done
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$(git --exec-path)/git-daemon" --reuseaddr --export-all --enable=receive-pack \
  --listen=127.0.0.1 --port="$port" --base-path="$work/srv" "$work/srv" 2>/dev/null &
pids+=("$!")
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
start="$(now)"
(cd "$work" && "$tool" --forge git --remote-url-template "git://127.0.0.1:$port/{repo}.git" \
  --request requests/acme.yaml --json --concurrency 8 > "$work/git.json" 2> "$work/git.log")
end="$(now)"
made="$(python3 -c "import json,sys; print(json.load(open('$work/git.json'))['created'])")"
tagged="$(for i in $(seq -f "%04g" 1 "$count"); do git -C "$work/srv/acme/r$i.git" rev-parse -q --verify refs/tags/1.0.0 >/dev/null && echo; done | wc -l)"
echo "git route: $made created ($tagged remotes hold the tag), $(elapsed "$start" "$end") s wall on $(nproc) cores; API calls saved: $((count * 2)) writes and $((count * 2)) reads"

echo "== 4. the API route over $shards shards at once, one token, then the join"
mock "$divisor" sharded
port="$(cat "$work/sharded.port")"
start="$(now)"
shard_pids=()
for k in $(seq 1 "$shards"); do
  (cd "$work" && RELAY_HTTP_WAIT_DIVISOR="$divisor" GITHUB_TOKEN=ghs_bench \
    "$tool" --forge github --api-url "http://127.0.0.1:$port" --server-url https://github.example.org \
    --request requests/acme.yaml --keep-going --concurrency 8 \
    --shard "$k/$shards" --shard-report "shard-reports/$k.json" > /dev/null 2> "$work/shard-$k.log") &
  shard_pids+=("$!")
done
for pid in "${shard_pids[@]}"; do wait "$pid" || true; done
end="$(now)"
(cd "$work" && "$tool" --forge github --api-url "http://127.0.0.1:$port" \
  --request requests/acme.yaml --join shard-reports --json > "$work/joined.json" 2> "$work/join.log") || true
python3 - "$work/joined.json" "$work/paced.json" "$(elapsed "$start" "$end")" "$port" "$divisor" "$shards" <<'PY'
import json, sys, urllib.request
joined_file, single_file, seconds, port, divisor, shards = sys.argv[1:]
seconds, divisor = float(seconds), float(divisor)
stats = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/__stats"))
joined = json.load(open(joined_file))
single = json.load(open(single_file))
w = stats["writes"]
least = max(((w - 1) // 500) * 60, w / 80) if w else 0
same = "equal to" if joined == single else "DIFFERENT from"
print(f"{shards} shards: {joined.get('created', '?')} created, {joined.get('failed', '?')} not made, {w} writes, "
      f"{stats['violations']} limit violations, {seconds:.1f} s wall ({seconds * divisor / 3600:.2f} h at GitHub's "
      f"pace; the limits allow these writes in at least {least / 60:.2f} h: "
      f"{100 * least * 60 / (seconds * divisor):.0f} % of the allowed rate); the joined outputs are {same} "
      f"the single run's")
PY
