#!/usr/bin/env bash
# tag-from-request against OpenStack's own data, opt-in (CI has no network):
#
#   RELAY_OPENSTACK_RELEASES=/path/to/openstack/releases \
#   RELAY_OPENSTACK_REPOS="/path/to/oslo.i18n /path/to/pbr ..." benches/openstack.sh
#
# RELAY_OPENSTACK_RELEASES is a clone of openstack/releases with its history;
# RELAY_OPENSTACK_REPOS are clones (bare or not) of OpenStack project repositories
# with their tags. Nothing is fetched and neither is changed.
#
# 1. The whole requests repository at its HEAD: `--check` and `--check --all` over
#    every deliverable file (how many files are refused, and the time), then
#    `--all --dry-run`: the plan of every file, its preflight against remotes that do
#    not exist here (every tag `failed`, none refused).
# 2. History replayed: for every tag of each project repository made by OpenStack's
#    release bot, the requests repository is checked out at the commit that added that
#    version to its deliverable file, and tag-from-request runs as the post-merge job
#    would on that file (`--request FILE --changed-since <commit>^ --dry-run --json`),
#    against a copy of the project repository without tags. Its planned message is
#    compared with the real tag's, every `meta:` line that does not come from Gerrit
#    (`meta:release:*`): equal in full (same lines, same order, same subject) for tags
#    made since `release.sh` writes `meta:team` (2024-09-19), equal on the lines the
#    tag has for older tags (the format then had fewer, and `meta:announce` from a key
#    the job no longer reads).
#
# 3. The whole history split into shards as a CI matrix would: `--plan-shards 256
#    --check --all`, then each of 8 shards' `--shard K/8 --check --all`: every ref in
#    exactly one shard, each repository whole in one, the union equal to the single
#    plan; the shards' sizes.
#
# Needs PyYAML (to find each version's file). Exit 1 when a file is refused or a
# compared tag differs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
releases="${RELAY_OPENSTACK_RELEASES:?set RELAY_OPENSTACK_RELEASES to a clone of openstack/releases}"
repos="${RELAY_OPENSTACK_REPOS:-}"
cargo build --quiet --release --bin tag-from-request --manifest-path "$root/Cargo.toml"
tool="$root/target/release/tag-from-request"
work="$(mktemp -d "${TMPDIR:-/tmp}/openstack-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$work/home/.gitconfig"
mkdir -p "$HOME"
git config --global user.name "Release Bot"
git config --global user.email "bot@example.org"
git config --global protocol.file.allow always
# A checkout of our own, sharing the clone's objects.
git clone -q --shared "$releases" "$work/releases"

python3 - "$tool" "$work" "$releases" $repos <<'PY'
import json, os, re, subprocess, sys, time
import yaml

tool, work, _, *repos = sys.argv[1:]
checkout = os.path.join(work, "releases")
failed = False

def git(*args, cwd=None, check=True):
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, errors="replace")
    if check and out.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {out.stderr}")
    return out.stdout

def run(args, cwd):
    start = time.monotonic()
    out = subprocess.run([tool, *args], cwd=cwd, capture_output=True, text=True, errors="replace")
    return out, time.monotonic() - start

def refused_files(stderr):
    return {m.group(1) for m in re.finditer(r"^\s*(?:error: [^:]*: )?(deliverables/[^:]+):\d+:\d+: ", stderr, re.M)}

# 1. The whole repository at HEAD.
files = int(subprocess.run(["bash", "-c", "find deliverables -name '*.yaml' | wc -l"], cwd=checkout,
                           capture_output=True, text=True).stdout)
print(f"openstack/releases at {git('rev-parse', '--short', 'HEAD', cwd=checkout).strip()}: {files} deliverable files")
print("| run | exit | files refused | tags | branches | skipped | time |")
print("|---|---|---|---|---|---|---|")
for label, args in [
    ("--check", ["--check", "--request", "deliverables", "--json"]),
    ("--check --all", ["--check", "--all", "--request", "deliverables", "--json"]),
    ("--all --dry-run", ["--all", "--dry-run", "--request", "deliverables", "--json", "--forge", "git",
                         "--remote-url-template", f"file://{work}/nowhere/{{repo}}.git", "--concurrency", "16"]),
]:
    out, took = run(args, checkout)
    refused = refused_files(out.stderr)
    try:
        report = json.loads(out.stdout)
        counts = (len(report["tags"]), len(report["branches"]), len(report["skipped"]))
    except ValueError:
        counts = ("-", "-", "-")
    print(f"| `{label}` | {out.returncode} | {len(refused)} of {files} | {counts[0]} | {counts[1]} | {counts[2]} | {took:.1f} s |")
    if out.returncode == 2 or refused:
        failed = True
        print("   " + "\n   ".join(out.stderr.splitlines()[:20]))

# 3. Shards of the whole history (before the replay, which takes long).
plan, _ = run(["--check", "--all", "--request", "deliverables", "--plan-shards", "256", "--json"], checkout)
whole = json.loads(plan.stdout)
key = lambda r, kind: (r["repo"], kind, r.get("tag") or r.get("branch"), r["commit"])
single = [key(t, "tag") for t in whole["tags"]] + [key(b, "branch") for b in whole["branches"]]
seen, owner, sizes = [], {}, []
for k in range(1, 9):
    out, _ = run(["--check", "--all", "--request", "deliverables", "--shard", f"{k}/8", "--json"], checkout)
    part = json.loads(out.stdout)
    refs = [key(t, "tag") for t in part["tags"]] + [key(b, "branch") for b in part["branches"]]
    sizes.append(len(refs))
    seen.extend(refs)
    for ref in refs:
        if owner.setdefault(ref[0], k) != k:
            failed = True
            print(f"shards: {ref[0]} is split between shards {owner[ref[0]]} and {k}")
repos_count = len({r[0] for r in single})
same = sorted(seen) == sorted(single) and len(seen) == len(set(seen))
failed |= not same
print()
print(f"shards of the whole history (--all): {len(single)} refs over {repos_count} repositories; "
      f"--plan-shards 256 plans {whole['shards']} shards; 8 shards hold {min(sizes)} to {max(sizes)} refs each; "
      f"every ref in exactly one shard, the union {'equal to' if same else 'DIFFERENT from'} the single plan")

# 2. History replayed.
TEAM_SINCE = 1726704000  # 2024-09-19, when release.sh began writing meta:team
TODAY = {"version", "team", "diff-start", "series", "branch", "release-type", "pypi", "first"}
older_only = set()
def real_message(repo, tag):
    raw = git("cat-file", "tag", tag, cwd=repo)
    body = raw.split("\n\n", 1)[1]
    body = re.split(r"^-----BEGIN (?:PGP|SSH) SIGNATURE-----", body, flags=re.M)[0]
    lines = [l for l in body.splitlines() if not l.startswith("meta:release:")]
    return "\n".join(lines).rstrip("\n") + "\n"

def meta(message):
    return [tuple(l[5:].split(": ", 1)) if ": " in l else (l[5:].rstrip(":"), "")
            for l in message.splitlines() if l.startswith("meta:")]

index = {}  # (repo name, version) -> deliverable files at HEAD
for dirpath, _, names in os.walk(os.path.join(checkout, "deliverables")):
    for name in names:
        if name.endswith(".yaml"):
            path = os.path.join(dirpath, name)
            for release in (yaml.safe_load(open(path, encoding="utf-8")) or {}).get("releases") or []:
                for project in release["projects"]:
                    index.setdefault((project["repo"], str(release["version"])), []).append(
                        os.path.relpath(path, checkout))

head = git("rev-parse", "HEAD", cwd=checkout).strip()
totals = {"compared": 0, "equal": 0, "full": 0, "full_equal": 0, "not_found": 0}
print()
print("| repository | bot tags | replayed | equal | of them in today's format | equal in full |")
print("|---|---|---|---|---|---|")
for repo in repos:
    name = os.path.basename(repo.rstrip("/")).removesuffix(".git")
    project = f"openstack/{name}"
    bare = os.path.join(work, "notags", "openstack", f"{name}.git")
    if not os.path.exists(bare):
        git("clone", "-q", "--bare", "--no-tags", repo, bare)
        for tag in git("tag", cwd=bare).split():
            git("tag", "-d", tag, cwd=bare)
        # Until 2019 many repositories lived under openstack-dev/ and openstack-infra/.
        for old in ("openstack-dev", "openstack-infra"):
            os.makedirs(os.path.join(work, "notags", old), exist_ok=True)
            os.symlink(bare, os.path.join(work, "notags", old, f"{name}.git"))
    listing = git("for-each-ref", "refs/tags", "--sort=taggerdate",
                  "--format=%(refname:short)|%(taggername)|%(taggerdate:unix)", cwd=repo)
    tags = [l.split("|") for l in listing.splitlines() if "Release Bot" in l]
    stats = {"compared": 0, "equal": 0, "full": 0, "full_equal": 0}
    for tag, _, when in tags:
        files = index.get((project, tag), [])
        commit = None
        for rel in files:
            found = git("log", "--reverse", "--format=%H", "-G",
                        rf"^[[:space:]]*(- )?version: {re.escape(tag)}[[:space:]]*$",
                        head, "--", rel, cwd=checkout).split()
            if found:
                commit = found[0]
                break
        if commit is None:
            totals["not_found"] += 1
            continue
        git("checkout", "-q", "--detach", commit, cwd=checkout)
        # The job takes each changed file on its own (one file's error does not stop
        # the others): the file of this version, as it was then.
        out, _ = run(["--request", rel, "--changed-since", f"{commit}^", "--dry-run", "--json",
                      "--forge", "git", "--remote-url-template", f"file://{work}/notags/{{repo}}.git"], checkout)
        try:
            planned = [t for t in json.loads(out.stdout)["tags"]
                       if t["repo"].rsplit("/", 1)[-1] == name and t["tag"] == tag]
        except ValueError:
            planned = []
        expected = real_message(repo, tag)
        stats["compared"] += 1
        full = int(when) >= TEAM_SINCE
        stats["full"] += full
        if not planned:
            failed = True
            print(f"   {name} {tag}: not planned at {commit[:10]}: {out.stderr.strip().splitlines()[-1:]}")
            continue
        ours = planned[0]["message"]
        if full:
            same = ours == expected
        else:
            # Older tags: every line of today's format that the tag has (the job then
            # wrote fewer, and `meta:announce` from a key it no longer reads).
            ours_meta = dict(meta(ours))
            same = (ours.split("\n", 1)[0] == expected.split("\n", 1)[0]
                    and all(ours_meta.get(k) == v for k, v in meta(expected) if k in TODAY))
            older_only.update(k for k, _ in meta(expected) if k not in TODAY)
        stats["equal"] += same
        stats["full_equal"] += same and full
        if not same:
            failed = True
            print(f"   {name} {tag} (releases {commit[:10]}) differs:\n     ours: {ours!r}\n     real: {expected!r}")
    for k in stats:
        totals[k] += stats[k]
    print(f"| {project} | {len(tags)} | {stats['compared']} | {stats['equal']} | {stats['full']} | {stats['full_equal']} |")
print(f"| all | | {totals['compared']} | {totals['equal']} | {totals['full']} | {totals['full_equal']} |")
if older_only:
    print(f"lines of older tags that today's release.sh no longer writes (not compared): {', '.join(sorted(older_only))}")
if totals["not_found"]:
    print(f"{totals['not_found']} bot tags name a version no deliverable file lists for that repository at HEAD (not replayed)")
sys.exit(1 if failed else 0)
PY
