"""Validates the packaging: every action.yml against GitHub's action schema, every
GitLab template (its `spec:` header and its jobs, as GitLab reads them: two documents)
and example pipeline against the GitLab CI schema, every example workflow against the
workflow schema. Template inputs used as `$[[ inputs.x ]]` must be declared in `spec`;
templates/ (the CI/CD Catalog layout) must be what .ci/components.py writes from
ci-templates/. Fails on any finding."""

import glob
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
failures = 0


def check(schema, files):
    global failures
    if not files:
        return
    cmd = [os.path.join(BIN, "check-jsonschema"), "--builtin-schema", schema, *files]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        failures += 1
        print(result.stdout + result.stderr)
    else:
        print(f"{schema}: {len(files)} files ok")


def rel(pattern):
    return sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True))


check("vendor.github-actions", rel("action.yml") + rel("actions/*/action.yml"))
root_action = subprocess.run(
    [sys.executable, os.path.join(ROOT, ".ci", "root_action.py"), "--check"], capture_output=True, text=True
)
print(root_action.stdout.strip())
if root_action.returncode != 0:
    failures += 1
# The image every action and template pins is the one the release of this version
# publishes (.github/workflows/release.yml tags it with Cargo.toml's version); the tools
# that sign tags pin its Debian variant, the one with gpg and ssh.
SIGNING = {"actions/tag-from-request/action.yml", "ci-templates/tag-from-request.yml",
           "templates/tag-from-request.yml"}
with open(os.path.join(ROOT, "Cargo.toml")) as f:
    version = re.search(r'^version = "(.*)"', f.read(), re.M).group(1)
pinned = 0
for path in rel("action.yml") + rel("actions/*/action.yml") + rel("ci-templates/*.yml") + rel("templates/*.yml"):
    with open(path) as f:
        for number, line in enumerate(f, 1):
            for pin in re.findall(r"ghcr\.io/release-relay/release-relay:([^\s\"']+)", line):
                pinned += 1
                relpath = os.path.relpath(path, ROOT)
                if pin != (f"{version}-debian" if relpath in SIGNING else version):
                    print(f"{os.path.relpath(path, ROOT)}:{number}: pins the image {pin}, the release is {version}")
                    failures += 1
print(f"image pins: {pinned} name release-relay {version}")

components = subprocess.run(
    [sys.executable, os.path.join(ROOT, ".ci", "components.py"), "--check"], capture_output=True, text=True
)
print(components.stdout.strip())
if components.returncode != 0:
    failures += 1
check("vendor.github-workflows", rel(".github/workflows/*.yml") + rel("examples/github/**/*.yml"))
check("vendor.gitlab-ci", rel("examples/gitlab/**/*.yml"))

with tempfile.TemporaryDirectory() as tmp:
    parts = []
    for template in rel("ci-templates/*.yml"):
        with open(template) as f:
            text = f.read()
        docs = list(yaml.safe_load_all(text))
        name = os.path.basename(template)
        if len(docs) != 2 or "spec" not in docs[0]:
            print(f"{template}: expected a `spec:` header document and a jobs document")
            failures += 1
            continue
        declared = set((docs[0]["spec"].get("inputs") or {}).keys())
        used = set(re.findall(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)", text))
        for missing in sorted(used - declared):
            print(f"{template}: uses inputs.{missing}, which spec does not declare")
            failures += 1
        header, jobs = text.split("\n---\n", 1)
        for suffix, body in (("header", header), ("jobs", jobs)):
            path = os.path.join(tmp, f"{name}.{suffix}.yml")
            with open(path, "w") as f:
                f.write(body)
            parts.append(path)
    check("vendor.gitlab-ci", parts)

sys.exit(1 if failures else 0)
