//! What a request may name: repositories, and tag and branch names by git's rules, so
//! that a bad name is refused at its position before anything is asked of a remote.

/// What a request may name as a repository: `owner/name`, a git URL, or a path, but
/// never one that climbs out with `..` (a merge request could otherwise point the
/// tools, and their write token, at any repository on the runner), a remote helper
/// (`ext::sh -c …` runs a command), text git would read as an option, or a forge
/// project written with `.git` (which reads as neither a project nor a path).
pub fn check_repo(repo: &str) -> Result<(), &'static str> {
    if repo.trim().is_empty() {
        return Err("it is empty");
    }
    if repo.starts_with('-') {
        return Err("it starts with `-`, which git would read as an option");
    }
    if repo.chars().any(char::is_control) {
        return Err("it holds a control character");
    }
    if let Some((transport, _)) = repo.split_once("::")
        && !transport.is_empty()
        && transport
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return Err(
            "`transport::address` makes git run a remote helper; name the repository as owner/name, a URL or a path",
        );
    }
    if repo.split(['/', '\\', ':']).any(|segment| segment == "..") {
        return Err(
            "it climbs out with `..`; name the repository as owner/name, a URL, or a path inside the working folder",
        );
    }
    if is_project_name(repo) && repo.ends_with(".git") {
        return Err(
            "a forge project (owner/name) is named without `.git`: drop the `.git` for the project, or start a repository of the working folder with `./`",
        );
    }
    Ok(())
}

/// Whether `repo` is written as a forge project (`owner/name`, `group/sub/name`)
/// rather than a URL (`scheme://…`, `host:path`) or a path (`/…`, `./…`, `../…`).
pub fn is_project_name(repo: &str) -> bool {
    let url = repo.contains("://")
        || repo
            .split_once(':')
            .is_some_and(|(host, _)| !host.is_empty() && !host.contains('/'));
    let path = repo.starts_with(['/', '~']) || repo.starts_with("./") || repo.starts_with("../");
    !url && !path
}

/// Git's rules for a reference name (`git check-ref-format`), for the part after
/// `refs/tags/` or `refs/heads/`.
pub fn check_ref_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.starts_with('-') {
        return Err("it starts with `-`");
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == ' ' || "~^:?*[\\".contains(c))
    {
        return Err("it holds a space, a control character or one of ~^:?*[\\");
    }
    if name.contains("..") || name.contains("@{") || name == "@" {
        return Err("it holds `..` or `@{`");
    }
    if name.ends_with('.') || name.ends_with('/') {
        return Err("it ends with `.` or `/`");
    }
    if name
        .split('/')
        .any(|part| part.is_empty() || part.starts_with('.') || part.ends_with(".lock"))
    {
        return Err("a `/`-separated part is empty, starts with `.` or ends with `.lock`");
    }
    Ok(())
}

/// A tag name: git's rules.
pub fn check_tag_name(name: &str) -> Result<(), &'static str> {
    check_ref_name(name)
}

/// A branch name: git's rules, and not `HEAD` (which git refuses as a branch).
pub fn check_branch_name(name: &str) -> Result<(), &'static str> {
    check_ref_name(name)?;
    if name == "HEAD" {
        return Err("`HEAD` is not a branch name");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repos_that_climb_out_or_run_helpers_are_refused() {
        for ok in [
            "acme/api",
            "group/sub/api",
            "https://gitlab.example.org/acme/api.git",
            "git@github.com:acme/api.git",
            "ssh://[::1]/acme/api.git",
            "./api.git",
            "./srv/acme/worker.git",
            "/srv/git/api.git",
            "acme/api..old",
            "openstack/oslo.i18n",
        ] {
            assert_eq!(check_repo(ok), Ok(()), "{ok}");
        }
        for (bad, reason) in [
            ("../../x", "it climbs out with `..`"),
            ("acme/../../x", "it climbs out with `..`"),
            ("https://h/acme/../x.git", "it climbs out with `..`"),
            ("git@h:../x.git", "it climbs out with `..`"),
            (
                "ext::sh -c touch% /tmp/x",
                "`transport::address` makes git run",
            ),
            ("-uupload-pack=x", "it starts with `-`"),
            (
                "srv/acme/worker.git",
                "a forge project (owner/name) is named without `.git`",
            ),
        ] {
            assert!(
                check_repo(bad).is_err_and(|r| r.starts_with(reason)),
                "{bad}: {:?}",
                check_repo(bad)
            );
        }
    }

    #[test]
    fn ref_names_follow_gits_rules() {
        assert!(check_tag_name("v1.2.0").is_ok());
        assert!(check_tag_name("release/1.2").is_ok());
        assert!(check_branch_name("stable/2026.1").is_ok());
        assert_eq!(
            check_branch_name("HEAD"),
            Err("`HEAD` is not a branch name")
        );
        for bad in [
            "-x", "a b", "a..b", "a.lock", "a/", "x.", "a~1", ".a", "a//b",
        ] {
            assert!(check_tag_name(bad).is_err(), "{bad}");
            assert!(check_branch_name(bad).is_err(), "{bad}");
        }
    }
}
