"""Runs every example pipeline of examples/gitlab, as written, with a real GitLab CI
client: gitlab-ci-local with the shell executor, each job in its own copy of the
checkout (--shell-isolation), artifacts and dotenv reports passed on the way GitLab
passes them. The projects are scratch repositories served over git's smart HTTP by
the mock forge (examples/mock-forge), which also plays GitLab's API with its token
rules; the templates are included from a scratch `release-relay/release-relay`
project at ref v1 holding this checkout's ci-templates/ and templates/.

Each scenario sets up what GitLab would give the pipeline (a push to main, a tag
pipeline, a schedule; CI_JOB_TOKEN and the CI/CD variables the example asks for),
runs it, and checks the jobs' outcomes, what they pass on (dotenv variables,
artifacts) and what they did (tags, releases, notes, merge requests, files).

Usage: gitlab_pipelines.py [NAME...]   (default: every example; NAME without .yml)
Needs: target/debug (the tools and the mock-forge example) and gitlab-ci-local and
node on PATH (.ci/run installs them)."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "debug")
WORK = os.path.join(ROOT, "target", "gitlab-pipelines")
TOKEN = "glpat-RELAYexamples0123456789"
JOB_TOKEN = "glcbt-64_RELAYjobtoken0123"
ZERO = "0" * 40
SETUP_IDENTITY = {
    "GIT_AUTHOR_NAME": "Release Bot",
    "GIT_AUTHOR_EMAIL": "bot@example.org",
    "GIT_COMMITTER_NAME": "Release Bot",
    "GIT_COMMITTER_EMAIL": "bot@example.org",
    "GIT_AUTHOR_DATE": "2026-01-15T12:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-15T12:00:00+00:00",
}


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def clean_env(home):
    """The machine's environment without CI, forge or git settings, HOME private."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "GITLAB_", "CI_", "INPUT_", "GIT_", "RUNNER_", "RELAY_"))
        and k not in ("CI",)
    }
    env.update(HOME=home, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.path.join(home, ".gitconfig"))
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env["LC_ALL"] = "C"
    return env


class Scratch:
    """A scenario's folder: bare repositories in srv/, the mock forge, checkouts."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(WORK, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.srv = os.path.join(self.dir, "srv")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.srv)
        os.makedirs(self.home)
        # The jobs' git has no identity, as in a runner's container.
        with open(os.path.join(self.home, ".gitconfig"), "w") as f:
            f.write("[init]\n\tdefaultBranch = main\n[tag]\n\tgpgSign = false\n[advice]\n\tdetachedHead = false\n")
        self.env = clean_env(self.home)
        self.forge = None
        self.smtp = None
        self.forge_args = []

    def git(self, cwd, *args, env=None):
        full = dict(self.env, **SETUP_IDENTITY, **(env or {}))
        out = subprocess.run(["git", *args], cwd=cwd, env=full, capture_output=True, text=True)
        if out.returncode != 0:
            raise Failure(f"git {' '.join(args)} in {cwd}: {out.stderr.strip()}")
        return out.stdout.strip()

    def bare(self, project):
        path = os.path.join(self.srv, project + ".git")
        os.makedirs(path)
        self.git(path, "init", "-q", "--bare", "-b", "main")
        self.git(path, "config", "receive.advertisePushOptions", "true")
        return path

    def commit(self, project, files, message, tag=None, tag_message=None, remove=(), branch="main"):
        """Commits `files` ({path: text}) on `branch` of `project` (created when new)."""
        bare = os.path.join(self.srv, project + ".git")
        if not os.path.isdir(bare):
            self.bare(project)
        work = os.path.join(self.dir, "seed", project)
        if not os.path.isdir(work):
            os.makedirs(os.path.dirname(work), exist_ok=True)
            self.git(self.dir, "clone", "-q", bare, work)
        for path, text in files.items():
            full = os.path.join(work, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
        for path in remove:
            os.remove(os.path.join(work, path))
        self.git(work, "add", "-A")
        self.git(work, "commit", "-q", "--allow-empty", "-m", message)
        if tag:
            if tag_message:
                self.git(work, "tag", "-a", "--cleanup=verbatim", tag, "-m", tag_message)
            else:
                self.git(work, "tag", tag)
        self.git(work, "push", "-q", "origin", f"HEAD:{branch}", *([f"refs/tags/{tag}"] if tag else []))
        return self.git(work, "rev-parse", "HEAD")

    def templates(self):
        """release-relay/release-relay at v1: this checkout's templates."""
        files = {}
        for folder in ("ci-templates", "templates"):
            for base, _, names in os.walk(os.path.join(ROOT, folder)):
                for name in names:
                    path = os.path.join(base, name)
                    with open(path) as f:
                        files[os.path.relpath(path, ROOT)] = f.read()
        self.commit("release-relay/release-relay", files, "templates", tag="v1", tag_message="v1")

    def start_forge(self, *args):
        port_file = os.path.join(self.dir, "forge.port")
        log = os.path.join(self.dir, "forge.log")
        cmd = [
            os.path.join(BIN, "examples", "mock-forge"),
            "--git-root", self.srv, "--port-file", port_file, "--log", log,
            "--gitlab-token", TOKEN, "--job-token", JOB_TOKEN, *args,
        ]
        self.forge = subprocess.Popen(cmd, env=self.env)
        for _ in range(100):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        self.url = "http://127.0.0.1:" + open(port_file).read().strip()
        return self.url

    def start_smtp(self, user, password):
        """A real SMTP server on 127.0.0.1 (the tests' aiosmtpd script) that requires
        the login `user`/`password`; returns the folder its accepted mail lands in."""
        spool = os.path.join(self.dir, "smtp-spool")
        os.makedirs(spool)
        port_file = os.path.join(self.dir, "smtp.port")
        python = os.path.join(ROOT, "target", "ci-venv", "bin", "python")
        script = os.path.join(ROOT, "tests", "all", "common", "smtp_server.py")
        self.smtp = subprocess.Popen([python, script, "--port-file", port_file, "--spool", spool,
                                      "--auth", f"{user}:{password}"], env=self.env)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            if self.smtp.poll() is not None:
                raise Failure(f"the SMTP server exited with {self.smtp.returncode} (is aiosmtpd in target/ci-venv?)")
            time.sleep(0.05)
        self.smtp_port = int(open(port_file).read().strip())
        return spool

    def stop(self):
        if self.smtp:
            self.smtp.terminate()
            self.smtp.wait()
            self.smtp = None
        if self.forge:
            self.forge.terminate()
            self.forge.wait()
            self.forge = None

    def api(self, path, token=TOKEN):
        request = urllib.request.Request(self.url + "/api/v4/" + path, headers={"PRIVATE-TOKEN": token})
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def api_write(self, method, path, body, token=TOKEN):
        request = urllib.request.Request(self.url + "/api/v4/" + path, method=method, data=json.dumps(body).encode(),
                                         headers={"PRIVATE-TOKEN": token, "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def tool(self, cwd, name, *args, env=None):
        """A release-relay tool run as a job outside the pipeline would (set-up)."""
        full = dict(self.env, GITLAB_CI="true", CI_SERVER_URL=self.url, CI_API_V4_URL=self.url + "/api/v4",
                    **(env or {}))
        out = subprocess.run([os.path.join(BIN, name), *args], cwd=cwd, env=full, capture_output=True, text=True)
        if out.returncode != 0:
            raise Failure(f"{name} {' '.join(args)}: exit {out.returncode}\n{out.stderr.strip()}")
        return out.stdout

    def remote_git(self, project, *args):
        return self.git(os.path.join(self.srv, project + ".git"), *args)

    def checkout(self, project, example, ref="main", pipeline=None):
        """A clone of `project` over HTTP at `ref` with the example (or the text
        `pipeline`) as .gitlab-ci.yml, as the pipeline's commit holds it."""
        work = os.path.join(self.dir, "pipeline", project)
        shutil.rmtree(work, ignore_errors=True)
        self.git(self.dir, "clone", "-q", f"{self.url}/{project}.git", work)
        self.git(work, "checkout", "-q", ref)
        if pipeline is None:
            shutil.copy(os.path.join(ROOT, "examples", "gitlab", example + ".yml"), os.path.join(work, ".gitlab-ci.yml"))
        else:
            with open(os.path.join(work, ".gitlab-ci.yml"), "w") as f:
                f.write(pipeline)
        self.git(work, "remote", "set-head", "origin", "main")
        return work

    def run(self, work, variables, unset=()):
        """gitlab-ci-local in `work`; returns (exit code, {job: PASS|FAIL|WARN}, output)."""
        predefined = {
            "GITLAB_CI": "true",
            "CI_JOB_TOKEN": JOB_TOKEN,
            "CI_PIPELINE_SOURCE": "push",
            "CI_PROJECT_VISIBILITY": "public",
        }
        predefined.update(variables)
        cmd = ["gitlab-ci-local", "--force-shell-executor", "--shell-isolation", "--no-color",
               "--no-artifacts-to-source", "--home", os.path.join(self.home, ".gitlab-ci-local")]
        for key, value in predefined.items():
            cmd += ["--variable", f"{key}={value}"]
        for key in unset:
            cmd += ["--unset-variable", key]
        # The runner sets these; here the scenario plays the runner.
        cmd += ["--ignore-predefined-vars", ",".join(predefined)]
        out = subprocess.run(cmd, cwd=work, env=self.env, capture_output=True, text=True, timeout=900)
        output = out.stdout + out.stderr
        with open(os.path.join(self.dir, "gitlab-ci-local.log"), "w") as f:
            f.write(output)
        jobs = {}
        for line in output.splitlines():
            m = re.match(r"^\s*(PASS|FAIL|WARN)\s+(\S.*?)\s*$", line)
            if m:
                jobs[m.group(2)] = m.group(1)
        return out.returncode, jobs, output

    def tag_pipeline(self, work, tag, extra=None):
        """The variables of a tag pipeline for `tag` (GitLab: CI_COMMIT_BEFORE_SHA is
        all zeros, no CI_COMMIT_BRANCH)."""
        message = self.git(work, "tag", "-l", "--format=%(contents)", tag)
        variables = {
            "CI_COMMIT_TAG": tag,
            "CI_COMMIT_REF_NAME": tag,
            "CI_COMMIT_REF_SLUG": re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-"),
            "CI_COMMIT_BEFORE_SHA": ZERO,
        }
        if message.strip():
            variables["CI_COMMIT_TAG_MESSAGE"] = message.strip()
        variables.update(extra or {})
        return variables


def job_log(work, job):
    with open(os.path.join(work, ".gitlab-ci-local", "output", job + ".log")) as f:
        return f.read()


def artifact(work, job, path):
    with open(os.path.join(work, ".gitlab-ci-local", "artifacts", job, path)) as f:
        return f.read()


def dotenv(work, job, name):
    return artifact(work, job, os.path.join(".gitlab-ci-reports", "dotenv", name))


def expect_jobs(result, expected):
    code, jobs, output = result
    check(jobs == expected, f"jobs {jobs}, expected {expected}\n{tail(output)}")
    failed = any(v == "FAIL" for v in expected.values())
    check((code != 0) == failed, f"gitlab-ci-local exit {code}\n{tail(output)}")


def tail(text, lines=60):
    return "\n".join(text.splitlines()[-lines:])


OPENSTACK_TAG = (
    "api 1.2.0 release\n\nmeta:version: 1.2.0\nmeta:series: 2026.1\nmeta:branch: main\n"
    "meta:diff-start: -\nmeta:release-type: release\nmeta:pypi: yes\nmeta:first: yes\n"
    "meta:announce: yes\nmeta:announce-to: release-announce@lists.example.org\n"
)


# ---- the scenarios: one per example ----


def tag_pipeline(s):
    s.start_forge()
    s.templates()
    s.commit("acme/api", {"README.md": "# api\n"}, "feat: first", tag="1.2.0", tag_message=OPENSTACK_TAG)
    work = s.checkout("acme/api", "tag-pipeline", "1.2.0")
    spool = s.start_smtp("bot", "smtp-secret")
    # The example names the team's relay; here a project variable points the job at a
    # real SMTP server on this machine (pipeline variables win over the job's).
    variables = s.tag_pipeline(work, "1.2.0", {
        "INPUT_SMTP_SERVER": f"127.0.0.1:{s.smtp_port}",
        "INPUT_SMTP_SECURITY": "plain",
        "SMTP_USERNAME": "bot",
        "SMTP_PASSWORD": "smtp-secret",
    })
    result = s.run(work, variables, unset=["CI_COMMIT_BRANCH"])
    expect_jobs(result, {"tag-metadata": "PASS", "upload": "PASS", "announce": "PASS"})
    check("uploading the 2026.1 release" in job_log(work, "upload"), "upload did not branch on the metadata")
    report = dotenv(work, "tag-metadata", "tag-metadata.env")
    check("SERIES=2026.1\n" in report and "META_ANNOUNCE=yes\n" in report, report)
    check("smtp-secret" not in job_log(work, "announce"), "the SMTP password is in the job log")
    mails = sorted(f for f in os.listdir(spool) if f.endswith(".eml"))
    check(len(mails) == 1, f"expected one announcement, the server has {mails}")
    with open(os.path.join(spool, "1.json")) as f:
        envelope = json.load(f)
    check(envelope["rcpt_tos"] == ["release-announce@lists.example.org"] and envelope["login"] == "bot", envelope)
    with open(os.path.join(spool, mails[0]), "rb") as f:
        mail = f.read().decode()
    check('From: "Release Bot" <release-bot@example.org>' in mail and "Subject: [release] api 1.2.0 (2026.1)" in mail, mail)


def release_request(s):
    s.start_forge()
    s.templates()
    api = s.commit("acme/api", {"README.md": "# api\n"}, "feat: first")
    worker = s.commit("acme/worker", {"README.md": "# worker\n"}, "feat: first")
    request = "metadata:\n  pypi: yes\nreleases:\n"
    entry = "  - version: {v}\n    projects:\n      - repo: acme/api\n        hash: {a}\n      - repo: acme/worker\n        hash: {w}\n"
    before = s.commit("acme/releases", {"deliverables/2026.1/acme.yaml": request}, "the 2026.1 series")
    s.commit("acme/releases", {"deliverables/2026.1/acme.yaml": request + entry.format(v="1.1.0", a=api, w=worker)},
             "release acme 1.1.0")
    work = s.checkout("acme/releases", "release-request")
    variables = {"CI_COMMIT_BEFORE_SHA": before, "GITLAB_TOKEN": TOKEN}
    expect_jobs(s.run(work, variables), {"tag-release": "PASS", "report": "PASS"})
    check("created 2 tags, 0 already there" in job_log(work, "report"), job_log(work, "report"))
    for project, sha in (("acme/api", api), ("acme/worker", worker)):
        check(s.remote_git(project, "rev-parse", "1.1.0^{commit}") == sha, f"{project} 1.1.0")
        message = s.remote_git(project, "tag", "-l", "--format=%(contents)", "1.1.0").splitlines()
        check("meta:series: 2026.1" in message and "meta:pypi: yes" in message, message)
    # A re-run of the pipeline (a retried job) finds every tag in place.
    expect_jobs(s.run(work, variables), {"tag-release": "PASS", "report": "PASS"})
    check("created 0 tags, 2 already there" in job_log(work, "report"), job_log(work, "report"))


def release_request_shards(s):
    s.start_forge()
    s.templates()
    projects = ["api", "worker", "homeport", "ui", "docs"]
    commits = {p: s.commit(f"acme/{p}", {"README.md": f"# {p}\n"}, "feat: first") for p in projects}
    request = "releases:\n  - version: 2.0.0\n    projects:\n" + "".join(
        f"      - repo: acme/{p}\n        hash: {commits[p]}\n" for p in projects)
    before = s.commit("acme/releases", {"README.md": "# releases\n"}, "start")
    s.commit("acme/releases", {"deliverables/2026.1/acme.yaml": request}, "release acme 2.0.0")
    work = s.checkout("acme/releases", "release-request-shards")
    variables = {"CI_COMMIT_BEFORE_SHA": before, "GITLAB_TOKEN": TOKEN}
    shards = {f"tag-shard: [{k}/4]": "PASS" for k in range(1, 5)}
    code, jobs, output = s.run(work, variables)
    expect_jobs((code, jobs, output), dict(shards, join="PASS", verify="PASS"))
    for project, sha in commits.items():
        check(s.remote_git(f"acme/{project}", "rev-parse", "2.0.0^{commit}") == sha, f"acme/{project} 2.0.0")
    # Shard 1 of 4 took the first and the fifth repository; the join saw them all.
    check("shard 1/4: 2 of the release's 5 repositories" in output, tail(output))
    report = dotenv(work, "join", "tags.env")
    check("CREATED=5\n" in report and "FAILED=0\n" in report, report)
    # A retried pipeline finds every tag in place, shard by shard.
    expect_jobs(s.run(work, variables), dict(shards, join="PASS", verify="PASS"))
    check("all 5 checks hold" in job_log(work, "verify"), job_log(work, "verify"))
    report = dotenv(work, "join", "tags.env")
    check("EXISTING=5\n" in report and "CREATED=0\n" in report, report)


def links_config():
    """examples/links/relay.toml without its link service (none runs here)."""
    with open(os.path.join(ROOT, "examples", "links", "relay.toml")) as f:
        text = f.read()
    return text.split("# A link service")[0]


def release_links(s):
    s.start_forge()
    s.templates()
    old = "https://github.com/acme/tool/releases/download/v1.3.0/tool-1.3.0-linux-amd64.tar.gz"
    s.commit("acme/tool", {"README.md": f"# tool\n\n    curl -LO {old}\n", "site/_redirects": "/ /index.html 200\n",
                            "relay.toml": links_config()}, "feat: first", tag="v1.3.0", tag_message="v1.3.0")
    s.git(os.path.join(s.dir, "seed", "acme/tool"), "push", "-q", "origin", "v1.3.0^{commit}:refs/tags/v1", "v1.3.0^{commit}:refs/tags/latest")
    tag_message = OPENSTACK_TAG.replace("api 1.2.0", "tool 1.4.0").replace("1.2.0", "1.4.0")
    sha = s.commit("acme/tool", {"CHANGES": "more\n"}, "feat: more", tag="v1.4.0", tag_message=tag_message)
    work = s.checkout("acme/tool", "release-links", "v1.4.0")
    variables = s.tag_pipeline(work, "v1.4.0", {"GITLAB_TOKEN": TOKEN})
    expect_jobs(s.run(work, variables, unset=["CI_COMMIT_BRANCH"]),
                {"tag-metadata": "PASS", "assets": "PASS", "links": "PASS", "propose-links": "PASS"})
    for name in ("v1", "latest"):
        check(s.remote_git("acme/tool", "rev-parse", f"{name}^{{commit}}") == sha, f"floating tag {name}")
    check(s.remote_git("acme/tool", "cat-file", "-t", "v1.4.0") == "tag", "the release tag stays annotated")
    report = dotenv(work, "links", "links.env")
    check("UPDATED=" in report and "CREATED=" in report, report)
    # The edited files reached the merge request, on a branch from main.
    mrs = s.api("projects/acme%2Ftool/merge_requests?state=opened")
    check(len(mrs) == 1 and mrs[0]["source_branch"] == "relay/links", mrs)
    readme = s.remote_git("acme/tool", "show", "relay/links:README.md")
    check(old.replace("1.3.0", "1.4.0") in readme, readme)
    redirects = s.remote_git("acme/tool", "show", "relay/links:site/_redirects")
    check("/download/1.4/linux " in redirects and "/download/latest/linux " in redirects, redirects)
    check(s.remote_git("acme/tool", "rev-parse", "relay/links^") == s.remote_git("acme/tool", "rev-parse", "main"),
          "the branch starts from main")


def release_changelog(s):
    s.start_forge()
    s.templates()
    for project in ("acme/api", "acme/worker"):
        s.commit(project, {"README.md": "# x\n"}, "feat: first", tag="v1.9.0", tag_message="v1.9.0")
        s.commit(project, {"a.txt": "a\n"}, f"feat({project[5:]}): a feature (#7)")
        s.commit(project, {"b.txt": "b\n"}, "fix: a fix", tag="v2.0.0", tag_message="v2.0.0")
    s.commit("acme/hub", {"CHANGELOG.md": "# Changelog\n\n## [1.9.0] - 2026-01-01\n\n- first\n"}, "hub",
             tag="v2.0.0", tag_message="v2.0.0")
    work = s.checkout("acme/hub", "release-changelog", "v2.0.0")
    # CI_JOB_TOKEN cannot read another project's compare: the job fails and says so.
    result = s.run(work, s.tag_pipeline(work, "v2.0.0"), unset=["CI_COMMIT_BRANCH"])
    expect_jobs(result, {"changelog": "FAIL"})
    check("GITLAB_TOKEN" in job_log(work, "changelog") or "read_api" in job_log(work, "changelog"),
          job_log(work, "changelog"))
    # With the CI/CD variable the example asks for, the release notes name both.
    result = s.run(work, s.tag_pipeline(work, "v2.0.0", {"GITLAB_TOKEN": TOKEN}), unset=["CI_COMMIT_BRANCH"])
    expect_jobs(result, {"changelog": "PASS", "release": "PASS"})
    notes = artifact(work, "changelog", "release-notes.md")
    for project in ("acme/api", "acme/worker"):
        check(f"{s.url}/{project}/-/compare/v1.9.0...v2.0.0" in notes, notes)
    check("a feature" in notes and "a fix" in notes and "SBOM" in notes, notes)
    check(artifact(work, "changelog", "CHANGELOG.md").count("## [") == 2, "CHANGELOG.md has both sections")
    check("4 commits since 1.9.0" in job_log(work, "release"), job_log(work, "release"))


def record_push_options(bare):
    """A hook that keeps the push options of every push, as GitLab reads them."""
    hook = os.path.join(bare, "hooks", "pre-receive")
    script = r"""#!/bin/sh
i=0
while [ "$i" -lt "${GIT_PUSH_OPTION_COUNT:-0}" ]; do
  eval "printf '%s\n' \"\$GIT_PUSH_OPTION_$i\"" >> "$GIT_DIR/push-options"
  i=$((i + 1))
done
cat > /dev/null
"""
    with open(hook, "w") as f:
        f.write(script)
    os.chmod(hook, 0o755)
    return os.path.join(bare, "push-options")


def bump_versions(s):
    s.start_forge()
    s.templates()
    # A release's version first, as GITALY_SERVER_VERSION holds on a stable branch
    # (a value of another length: gitlab-ci-local passes artifacts with rsync, whose
    # quick check takes a same-size file written in the same second for unchanged).
    pinned, green = "16.11.0", "b" * 40
    s.commit("acme/gitlab", {"GITALY_SERVER_VERSION": pinned + "\n"}, "pin gitaly")
    options = record_push_options(os.path.join(s.srv, "acme/gitlab.git"))
    work = s.checkout("acme/gitlab", "bump-versions")
    variables = {"GITLAB_TOKEN": TOKEN, "CI_PIPELINE_SOURCE": "schedule", "GITALY_COMMIT": green}
    expect_jobs(s.run(work, variables), {"bump-gitaly": "PASS", "open-merge-request": "PASS"})
    branch = f"gitaly-update-{green}"
    check(s.remote_git("acme/gitlab", "show", f"{branch}:GITALY_SERVER_VERSION") == green, "the pushed bump")
    with open(options) as f:
        pushed = f.read().splitlines()
    check(pushed == ["merge_request.create", "merge_request.merge_when_pipeline_succeeds",
                     f"merge_request.title=Update Gitaly to {green}"], pushed)
    # The pin already says it: nothing to push, and the job still passes.
    s.commit("acme/gitlab", {"GITALY_SERVER_VERSION": green + "\n"}, "merge the update")
    s.git(work, "fetch", "-q", "origin", "main")
    s.git(work, "checkout", "-q", "FETCH_HEAD", "--", "GITALY_SERVER_VERSION")
    s.git(work, "commit", "-q", "-m", "the merged update", "--", "GITALY_SERVER_VERSION")
    expect_jobs(s.run(work, variables), {"bump-gitaly": "PASS", "open-merge-request": "PASS"})
    check("already names" in job_log(work, "open-merge-request"), job_log(work, "open-merge-request"))
    # Without GITALY_COMMIT (a push to main) the pipeline has no job at all.
    code, jobs, output = s.run(work, {"GITLAB_TOKEN": TOKEN})
    check(jobs == {}, f"jobs without GITALY_COMMIT: {jobs}\n{tail(output)}")


def auto_update(s):
    gitaly = [s.commit("acme/gitaly", {"CHANGES": f"change {i}\n"}, f"feat: gitaly change {i}", branch="master")
              for i in range(3)]
    # The newest commit's tests failed; the one before passed build and tests.
    jobs = []
    for sha, test in zip(gitaly, ("success", "success", "failed")):
        jobs += ["--pipeline", f"acme/gitaly@{sha}:build=success", "--pipeline", f"acme/gitaly@{sha}:test-unit={test}"]
    s.start_forge(*jobs)
    s.templates()
    s.commit("acme/gitlab", {"GITALY_SERVER_VERSION": gitaly[0] + "\n"}, "pin gitaly")
    work = s.checkout("acme/gitlab", "auto-update")
    variables = {"GITLAB_TOKEN": TOKEN, "CI_PIPELINE_SOURCE": "schedule"}
    expect_jobs(s.run(work, variables), {"green-gitaly": "PASS", "update-gitaly": "PASS"})
    check(f"COMMIT={gitaly[1]}\n" in dotenv(work, "green-gitaly", "green-commit.env"), "the newest green commit")
    check(s.remote_git("acme/gitlab", "show", "relay/gitaly-update:GITALY_SERVER_VERSION") == gitaly[1], "the bump")
    mrs = s.api("projects/acme%2Fgitlab/merge_requests?state=opened")
    check(len(mrs) == 1, mrs)
    mr = mrs[0]
    check(mr["title"] == f"Update Gitaly version to {gitaly[1][:7]}" and mr["labels"] == ["automation"]
          and mr["merge_when_pipeline_succeeds"], mr)
    report = dotenv(work, "update-gitaly", "propose-change.env")
    check("ACTION=created\n" in report and "NUMBER=1\n" in report, report)
    # The next scheduled run: the same green commit, nothing new.
    expect_jobs(s.run(work, variables), {"green-gitaly": "PASS", "update-gitaly": "PASS"})
    check("ACTION=unchanged\n" in dotenv(work, "update-gitaly", "propose-change.env"),
          dotenv(work, "update-gitaly", "propose-change.env"))
    check(len(s.api("projects/acme%2Fgitlab/merge_requests")) == 1, "still one merge request")
    # A push pipeline runs neither job.
    code, jobs_run, output = s.run(work, {"GITLAB_TOKEN": TOKEN})
    check(jobs_run == {}, f"{jobs_run}\n{tail(output)}")


TOOLCHAIN_LINKS = """[links]
aliases = ["{major}.{minor}", "latest"]

[[links.map]]
path = "links.json"
name = "tool/{alias}/{asset}"

[links.tags]
target = "v{version}"
names = ["v{major}", "latest"]
"""


ECO_COMPONENTS = ("api", "worker", "sdk-python", "sdk-js")
ECO_FILES = {
    "charts/eco/Chart.yaml": "apiVersion: v2\nname: eco\nversion: 1.0.0\nappVersion: \"v1.0.0\"\n",
    "charts/eco/values.yaml": "image:\n  repository: ghcr.io/acme/api\n  tag: v1.0.0  # set by the release\n",
    ".env.example": "export APP_VERSION=1.0.0\nPORT=8080\n",
    "sdk/python/pyproject.toml": "[project]\nname = \"acme-sdk\"\nversion = \"1.0.0\"\n",
    "sdk/js/package.json": "{\n  \"name\": \"@acme/sdk\",\n  \"version\": \"1.0.0\"\n}\n",
    "sdk/js/package-lock.json": "{\n  \"name\": \"@acme/sdk\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n"
                                "  \"packages\": {\"\": {\"name\": \"@acme/sdk\", \"version\": \"1.0.0\"}}\n}\n",
}


def ecosystem_release(s):
    s.start_forge()
    s.templates()
    first, second = {}, {}
    for name in ECO_COMPONENTS:
        project = f"acme/{name}"
        first[name] = s.commit(project, {"README.md": f"# {name}\n"}, "feat: first", tag="v1.0.0",
                               tag_message=f"{name} 1.0.0")
        second[name] = s.commit(project, {"CHANGES": "more\n"}, f"feat({name}): more (#3)")

    def entry(version, commits):
        lines = [f"  - version: {version}\n    projects:\n"]
        lines += [f"      - repo: acme/{n}\n        hash: {commits[n]}\n" for n in ECO_COMPONENTS]
        return "".join(lines)

    request = "branch: main\nreleases:\n" + entry("1.0.0", first) + entry("2.0.0", second)
    s.commit("acme/hub", {**ECO_FILES, "releases.yaml": request}, "release 2.0.0", tag="v2.0.0",
             tag_message="eco 2.0.0")
    work = s.checkout("acme/hub", "ecosystem-release", "v2.0.0")
    variables = s.tag_pipeline(work, "v2.0.0", {"GITLAB_TOKEN": TOKEN})
    expect_jobs(s.run(work, variables, unset=["CI_COMMIT_BRANCH"]),
                {"tag-components": "PASS", "bump": "PASS", "changelog": "PASS", "verify": "PASS"})
    for name in ECO_COMPONENTS:
        check(s.remote_git(f"acme/{name}", "rev-parse", "v2.0.0^{commit}") == second[name], f"acme/{name} v2.0.0")
    chart = artifact(work, "bump", "charts/eco/Chart.yaml")
    check("version: 2.0.0\n" in chart and 'appVersion: "v2.0.0"' in chart, chart)
    check("tag: v2.0.0  # set by the release" in artifact(work, "bump", "charts/eco/values.yaml"), "values.yaml")
    notes = artifact(work, "changelog", "release-notes.md")
    for name in ECO_COMPONENTS:
        link = f"{s.url}/acme/{name}/-/compare/v1.0.0...v2.0.0"
        check(link in notes, f"no {link} in\n{notes}")
    check("sbom.spdx.json" in notes and "eco/2.0/openapi.yaml" in notes, notes)
    # A retried pipeline finds every tag in place and writes none.
    expect_jobs(s.run(work, variables, unset=["CI_COMMIT_BRANCH"]),
                {"tag-components": "PASS", "bump": "PASS", "changelog": "PASS", "verify": "PASS"})
    check("0 created" in job_log(work, "tag-components") or "already there" in job_log(work, "tag-components"),
          job_log(work, "tag-components"))


def release_promotion(s):
    s.templates()
    sha = s.commit("acme/tool", {"README.md": "# tool\n", "VERSION": "2.0.0\n", "relay.toml": TOOLCHAIN_LINKS,
                                  "links.json": "{}\n"}, "release 2.0.0", tag="v2.0.0", tag_message="v2.0.0")
    # The build job's artifacts as the forge keeps them: gitlab-ci-local writes them
    # to the checkout's .gitlab-ci-local/artifacts/build, which the mock zips when asked.
    work_dir = os.path.join(s.dir, "pipeline", "acme/tool")
    built = os.path.join(work_dir, ".gitlab-ci-local", "artifacts", "build")
    s.start_forge("--pipeline", f"acme/tool@{sha}:build=success={built}", "--pipeline", f"acme/tool@{sha}:test=success")
    work = s.checkout("acme/tool", "release-promotion", "v2.0.0")
    variables = s.tag_pipeline(work, "v2.0.0", {
        "RELEASE_API_TOKEN": TOKEN,
        "CI_PIPELINE_ID": "500",
        "CI_PROJECT_URL": f"{s.url}/acme/tool",
    })
    jobs = {"build": "PASS", "test": "PASS", "publish": "PASS", "verify": "PASS", "links": "PASS"}
    expect_jobs(s.run(work, variables, unset=["CI_COMMIT_BRANCH"]), jobs)
    release = s.api("projects/acme%2Ftool/releases/v2.0.0")
    names = sorted(link["name"] for link in release["assets"]["links"])
    check(names == ["SHA256SUMS", "tool-v2.0.0-linux.tar.gz"], names)
    for name in ("v2", "latest"):
        check(s.remote_git("acme/tool", "rev-parse", f"{name}^{{commit}}") == sha, f"floating tag {name}")
    links = json.loads(artifact(work, "links", "links.json"))
    check("tool/latest/SHA256SUMS" in links and "tool/2.0/tool-v2.0.0-linux.tar.gz" in links, links)
    # A retried pipeline ships the same files again: nothing changes.
    expect_jobs(s.run(work, variables, unset=["CI_COMMIT_BRANCH"]), jobs)
    again = s.api("projects/acme%2Ftool/releases/v2.0.0")
    check(sorted(link["name"] for link in again["assets"]["links"]) == names, again)


def toolchain_release(s):
    s.start_forge("--gitlab-issue", "acme/tool#42")
    s.templates()
    s.commit("acme/tool", {"README.md": "# tool\n", "VERSION": "1.3.0\n", "relay.toml": TOOLCHAIN_LINKS,
                            "links.json": "{}\n"}, "feat: first", tag="v1.3.0", tag_message="v1.3.0")
    sha = s.commit("acme/tool", {"VERSION": "1.4.0\n"}, "chore: release 1.4.0", tag="v1.4.0", tag_message="v1.4.0")
    work = s.checkout("acme/tool", "toolchain-release", "v1.4.0")
    variables = s.tag_pipeline(work, "v1.4.0", {"GITLAB_TOKEN": TOKEN})
    expect_jobs(s.run(work, variables, unset=["CI_COMMIT_BRANCH"]),
                {"version-check": "PASS", "build": "PASS", "publish": "PASS", "links": "PASS", "announce": "PASS"})
    release = s.api("projects/acme%2Ftool/releases/v1.4.0")
    names = sorted(link["name"] for link in release["assets"]["links"])
    check(names == ["SHA256SUMS", "tool-1.4.0-linux.tar.gz"], names)
    for name in ("v1", "latest"):
        check(s.remote_git("acme/tool", "rev-parse", f"{name}^{{commit}}") == sha, f"floating tag {name}")
    links = json.loads(artifact(work, "links", "links.json"))
    check("tool/1.4/tool-1.4.0-linux.tar.gz" in links and "tool/latest/SHA256SUMS" in links, links)
    notes = s.api("projects/acme%2Ftool/issues/42/notes")
    check(len(notes) == 1 and release["_links"]["self"] in notes[0]["body"], notes)
    # A retried pipeline changes nothing and writes no second note.
    expect_jobs(s.run(work, variables, unset=["CI_COMMIT_BRANCH"]),
                {"version-check": "PASS", "build": "PASS", "publish": "PASS", "links": "PASS", "announce": "PASS"})
    check(len(s.api("projects/acme%2Ftool/issues/42/notes")) == 1, "one note")
    # A tag whose VERSION file says otherwise stops the pipeline at its first job.
    s.commit("acme/tool", {"CHANGES": "x\n"}, "fix: late", tag="v1.4.1", tag_message="v1.4.1")
    s.git(work, "fetch", "-q", "origin", "refs/tags/v1.4.1:refs/tags/v1.4.1")
    s.git(work, "checkout", "-q", "v1.4.1")
    shutil.copy(os.path.join(ROOT, "examples", "gitlab", "toolchain-release.yml"), os.path.join(work, ".gitlab-ci.yml"))
    code, jobs, output = s.run(work, s.tag_pipeline(work, "v1.4.1", {"GITLAB_TOKEN": TOKEN}), unset=["CI_COMMIT_BRANCH"])
    check(jobs.get("version-check") == "FAIL" and "publish" not in jobs, f"{jobs}\n{tail(output)}")


TRACK_CONFIG = """[track]
writers = ["release-bot"]

[[track.step]]
name = "build"
checkpoints = ["pr", "merge-commit", "build-id"]

[[track.phase]]
name = "ship"
signoffs = [{ team = "acme/release", count = 2 }]
"""


def track_release(s):
    people = {"alice": "glpat-ALICEsignoff0123", "bob": "glpat-BOBsignoff01234", "eve": "glpat-EVEsignoff01234"}
    s.start_forge(*[arg for login, token in people.items() for arg in ("--gitlab-user", f"{token}={login}")],
                  "--gitlab-group", "acme/release=alice,bob")
    s.templates()
    s.commit("acme/go", {"README.md": "# go\n", "relay.toml": TRACK_CONFIG}, "chore: track releases")
    work = s.checkout("acme/go", "track-release")
    opened = json.loads(s.tool(work, "track-release", "open", "--release", "go-2026-01-15", "--subject", "1.18.0-1",
                               "--repo", "acme/go", "--json", env={"GITLAB_TOKEN": TOKEN}))
    check(opened["action"] == "created" and opened["issue"] == "1", opened)
    landed = s.commit("acme/go", {"VERSION": "1.18.0-1\n"}, "release 1.18.0-1", branch="release/1.18.0-1")
    mr = s.api_write("POST", "projects/acme%2Fgo/merge_requests",
                     {"source_branch": "release/1.18.0-1", "target_branch": "main", "title": "Release 1.18.0-1"})
    schedule = {"CI_PIPELINE_SOURCE": "schedule", "RELEASE_MERGE_REQUEST": str(mr["iid"]), "RELEASE_API_TOKEN": TOKEN}

    # Not merged yet: the schedule's pipeline looks once, records nothing and passes.
    expect_jobs(s.run(work, schedule), {"merged": "PASS", "resume": "PASS"})
    report = dotenv(work, "merged", "track-release.env")
    check("MET=false\n" in report, report)
    check(not any(landed in n["body"] for n in s.api("projects/acme%2Fgo/issues/1/notes")), "recorded before the merge")

    # Merged: the next scheduled pipeline records what landed; resume reads it back.
    merged = s.api_write("PUT", f"projects/acme%2Fgo/merge_requests/{mr['iid']}/merge", {})
    check(merged["state"] == "merged", merged)
    expect_jobs(s.run(work, schedule), {"merged": "PASS", "resume": "PASS"})
    report = dotenv(work, "merged", "track-release.env")
    check("MET=true\n" in report and f"MERGE_COMMIT={landed}\n" in report, report)
    resumed = dotenv(work, "resume", "track-release.env")
    check(f"CHECKPOINT_MERGE_COMMIT={landed}\n" in resumed, resumed)
    table = s.api("projects/acme%2Fgo/issues/1")["description"]
    check("running at `merge-commit`" in table, table)
    notes = s.api("projects/acme%2Fgo/issues/1/notes")
    check(sum(landed in n["body"] for n in notes) == 1, "the merge commit is recorded once on the issue")

    # Sign-offs on the tracking issue trigger pipelines; the phase starts with the
    # second member's, a stranger's does not count.
    trigger = {"CI_PIPELINE_SOURCE": "trigger", "RELEASE_API_TOKEN": TOKEN}
    for login in ("alice", "eve"):
        s.api_write("POST", "projects/acme%2Fgo/issues/1/notes", {"body": "/signoff ship"}, token=people[login])
    expect_jobs(s.run(work, trigger), {"ship-when-signed-off": "PASS"})
    report = dotenv(work, "ship-when-signed-off", "track-release.env")
    check("STARTED=false\n" in report and "MISSING=1 more of acme/release\n" in report, report)
    s.api_write("POST", "projects/acme%2Fgo/issues/1/notes", {"body": "/signoff ship"}, token=people["bob"])
    expect_jobs(s.run(work, trigger), {"ship-when-signed-off": "PASS"})
    report = dotenv(work, "ship-when-signed-off", "track-release.env")
    check("STARTED=true\n" in report and "SIGNED_OFF=alice,bob\n" in report, report)


def include(template, inputs):
    """A pipeline that includes one template with `inputs` (YAML lines) and extends it."""
    lines = "".join(f"      {line}\n" for line in inputs)
    return (f"include:\n  - project: release-relay/release-relay\n    ref: v1\n    file: /ci-templates/{template}.yml\n"
            f"    inputs:\n{lines}\n{template}:\n  extends: .{template}\n  rules:\n    - when: always\n")


def typed_inputs(s):
    """The templates' typed inputs: GitLab refuses a wrong value when it creates the
    pipeline, before any job runs; a boolean reaches the tool as true."""
    s.start_forge()
    s.templates()
    s.commit("acme/tool", {"VERSION": "1.0.0\n"}, "feat: first")
    refused = [
        ("bump-versions", ['dry-run: "ture"'], "`dry-run` input: provided value is not a boolean"),
        ("bump-versions", ['check: "true"'], "`check` input: provided value is not a boolean"),
        ("update-links", ["forge: github"], "`github` cannot be used because it is not in the list of allowed options"),
        ("find-green-commit", ["limit: lots"], "`limit` input: provided value is not a number"),
        ("announce", ["send: email,sms"], "`email,sms` does not match required regex"),
        ("track-release", ["command: close"], "`close` cannot be used because it is not in the list of allowed options"),
    ]
    for template, inputs, message in refused:
        work = s.checkout("acme/tool", None, pipeline=include(template, inputs))
        code, jobs, output = s.run(work, {})
        check(code != 0 and not jobs and message in output,
              f"{template} with {inputs}: exit {code}, jobs {jobs}, expected {message!r}\n{tail(output)}")
    work = s.checkout("acme/tool", None, pipeline=include("bump-versions", ["version: 2.0.0", "file: VERSION", "dry-run: true"]))
    expect_jobs(s.run(work, {}), {"bump-versions": "PASS"})
    log = job_log(work, "bump-versions")
    check("+2.0.0" in log, log)
    check(s.remote_git("acme/tool", "show", "main:VERSION") == "1.0.0", "a dry run changes nothing")


SCENARIOS = {
    "track-release": track_release,
    "toolchain-release": toolchain_release,
    "ecosystem-release": ecosystem_release,
    "release-promotion": release_promotion,
    "auto-update": auto_update,
    "bump-versions": bump_versions,
    "release-changelog": release_changelog,
    "release-links": release_links,
    "tag-pipeline": tag_pipeline,
    "release-request": release_request,
    "release-request-shards": release_request_shards,
}


def readme_pipelines():
    """README's GitLab snippets: each YAML block that includes a template or a component."""
    blocks = []
    for readme in ("README.md", os.path.join("templates", "README.md")):
        with open(os.path.join(ROOT, readme)) as f:
            text = f.read()
        for m in re.finditer(r"```ya?ml\n(.*?)```", text, re.S):
            block = m.group(1)
            if re.search(r"^include:", block, re.M) and ("/ci-templates/" in block or "component:" in block):
                line = text.count("\n", 0, m.start()) + 2
                blocks.append((f"{readme}:{line}", block))
    return blocks


# The pipelines a snippet may be meant for: a push to main, a tag pipeline, a trigger.
SNIPPET_CONTEXTS = (
    {"CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main"},
    {"CI_COMMIT_TAG": "v1.0.0", "CI_COMMIT_REF_NAME": "v1.0.0"},
    {"CI_PIPELINE_SOURCE": "trigger", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main"},
)


def readme_snippets(s):
    """Every GitLab snippet of the READMEs creates a pipeline as written: gitlab-ci-local
    parses it with the templates (or components) of this checkout, and in one of the
    pipelines it is meant for it has a job outside .pre and .post (GitLab creates no
    pipeline of .pre and .post jobs alone). The jobs themselves are not run here."""
    s.start_forge()
    s.templates()
    s.commit("acme/tool", {"VERSION": "1.0.0\n"}, "feat: first")
    snippets = readme_pipelines()
    check(len(snippets) >= 14, f"only {len(snippets)} GitLab snippets found")
    problems = []
    for where, snippet in snippets:
        work = s.checkout("acme/tool", None, pipeline=snippet)
        created = False
        for context in SNIPPET_CONTEXTS:
            variables = {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push", "CI_SERVER_FQDN": s.url[len("http://"):],
                         **context}
            cmd = ["gitlab-ci-local", "--list-json", "--home", os.path.join(s.home, ".gitlab-ci-local"),
                   "--ignore-predefined-vars", ",".join(variables)]
            for key, value in variables.items():
                cmd += ["--variable", f"{key}={value}"]
            if "CI_COMMIT_TAG" in context:
                cmd += ["--unset-variable", "CI_COMMIT_BRANCH"]
            out = subprocess.run(cmd, cwd=work, env=s.env, capture_output=True, text=True, timeout=300)
            if out.returncode != 0:
                problems.append(f"{where}: gitlab-ci-local refuses it: {tail(out.stdout + out.stderr, 5)}")
                break
            listing = "\n" + out.stdout
            jobs = json.loads(listing[listing.index("\n[") + 1:])
            if any(j["when"] != "never" and j["stage"] not in (".pre", ".post") for j in jobs):
                created = True
                break
        else:
            problems.append(f"{where}: no job outside .pre/.post in any pipeline, so GitLab creates none")
    check(not problems, "\n".join(problems))


# Checks of the templates themselves, run with the examples.
TEMPLATE_CHECKS = {
    "typed-inputs": typed_inputs,
    "readme-snippets": readme_snippets,
}


def main(names):
    os.makedirs(WORK, exist_ok=True)
    examples = sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, "examples", "gitlab")) if f.endswith(".yml"))
    missing = [e for e in examples if e not in SCENARIOS]
    SCENARIOS.update(TEMPLATE_CHECKS)
    names = names or examples + list(TEMPLATE_CHECKS)
    passed, failed = 0, 0
    started = time.time()
    for name in names:
        scratch = Scratch(name)
        begin = time.time()
        try:
            if name not in SCENARIOS:
                print(f"todo  {name}: no scenario runs this example yet")
                continue
            SCENARIOS[name](scratch)
            passed += 1
            print(f"ok    {name} ({time.time() - begin:.1f} s)")
        except (Failure, subprocess.TimeoutExpired, OSError) as e:
            failed += 1
            print(f"FAIL  {name} ({time.time() - begin:.1f} s): {e}")
        finally:
            scratch.stop()
    names_run = [n for n in names if n in SCENARIOS]
    print(f"gitlab examples: {passed} passed, {failed} failed, {len(names) - len(names_run)} without a scenario "
          f"({time.time() - started:.0f} s)")
    if missing:
        print("examples no scenario runs yet: " + ", ".join(missing))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
