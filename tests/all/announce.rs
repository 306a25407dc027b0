//! announce: the release announcement, rendered from a real tag of a real repository
//! and sent through a real SMTP server on 127.0.0.1 (aiosmtpd) and a loopback webhook.

use crate::common::smtp::{SmtpOptions, SmtpServer};
use crate::common::{self, MockApi, MockResponse, Sandbox};

const PASSWORD: &str = "s3cret-smtp-pass";

/// The tag message tag-from-request writes for oslo.i18n 6.6.0 (README's tag format).
fn tag_message(extra: &str) -> String {
    format!(
        "oslo.i18n 6.6.0 release\n\nmeta:version: 6.6.0\nmeta:team: oslo\nmeta:diff-start: -\n\
         meta:series: flamingo\nmeta:branch: master\nmeta:release-type: release\nmeta:pypi: yes\n\
         meta:first: no\n{extra}"
    )
}

/// oslo.i18n with 6.5.0 and 6.6.0 tagged, two changes between them (one subject
/// outside ASCII, one longer than a mail line).
fn released_repo(sb: &Sandbox, extra_meta: &str) -> std::path::PathBuf {
    let repo = sb.repo("oslo.i18n");
    repo.commit(
        "setup.cfg",
        "[metadata]\nname = oslo.i18n\n",
        "Initial layout",
    );
    repo.tag_annotated("6.5.0", "oslo.i18n 6.5.0 release\n\nmeta:version: 6.5.0\n");
    repo.commit("a.py", "a\n", "Fix the translation of «plurals» in Español");
    repo.commit(
        "b.py",
        "b\n",
        "Add a very long commit subject that goes on and on past the seventy-eight characters of a mail line",
    );
    repo.tag_annotated("6.6.0", &tag_message(extra_meta));
    repo.path().to_path_buf()
}

fn announce(sb: &Sandbox, repo: &std::path::Path) -> common::Relay {
    sb.relay("announce").current_dir(repo).args([
        "--tag",
        "6.6.0",
        "--forge",
        "github",
        "--server-url",
        "https://opendev.org",
        "--project",
        "openstack/oslo.i18n",
        "--from",
        "Jörg Bot <release-bot@example.org>",
    ])
}

/// The message with its Date header (the time of sending) checked and fixed.
fn fixed_date(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive("\r\n") {
        if let Some(date) = line.strip_prefix("Date: ") {
            assert!(
                chrono::DateTime::parse_from_rfc2822(date.trim_end()).is_ok(),
                "an RFC 5322 date: {line:?}"
            );
            out.push_str("Date: Thu, 15 Jan 2026 12:00:00 +0000\r\n");
        } else {
            out.push_str(line);
        }
    }
    out
}

#[test]
fn mails_the_announcement_through_a_real_smtp_server_byte_for_byte() {
    let sb = Sandbox::new();
    let repo = released_repo(
        &sb,
        "meta:announce-to: release-announce@lists.example.org\n",
    );
    let server = SmtpServer::start(
        sb.path(),
        &SmtpOptions {
            auth: Some(("release-bot".into(), PASSWORD.into())),
            ..SmtpOptions::default()
        },
    );
    let run = announce(&sb, &repo)
        .args([
            "--smtp-server",
            &server.address(),
            "--smtp-security",
            "plain",
            "--reply-to",
            "discuss@lists.example.org",
            "--json",
        ])
        .env("SMTP_USERNAME", "release-bot")
        .env("SMTP_PASSWORD", PASSWORD)
        .run()
        .success();
    let outputs = run.json();
    assert_eq!(outputs["sent"], "email");
    assert_eq!(outputs["already-sent"], "");
    assert_eq!(
        outputs["message-id"],
        "<release.oslo.i18n.6.6.0@example.org>"
    );
    assert_eq!(
        outputs["subject"],
        "[release][oslo] oslo.i18n 6.6.0 (flamingo)"
    );
    assert_eq!(outputs["recipients"], "release-announce@lists.example.org");

    let messages = server.messages();
    assert_eq!(messages.len(), 1, "one message");
    let received = &messages[0];
    assert_eq!(received.envelope["mail_from"], "release-bot@example.org");
    assert_eq!(
        received.envelope["rcpt_tos"],
        serde_json::json!(["release-announce@lists.example.org"])
    );
    assert_eq!(received.envelope["login"], "release-bot");
    let text = received.text();
    for line in text.split("\r\n") {
        assert!(
            line.len() <= 78,
            "a line longer than 78 characters: {line:?}"
        );
    }
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "every line ends in CRLF"
    );
    common::assert_golden("announce/oslo.i18n-6.6.0.eml", &fixed_date(&text));
    assert!(
        run.stderr().contains(
            "sent \"[release][oslo] oslo.i18n 6.6.0 (flamingo)\" by e-mail to release-announce@lists.example.org"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_rerun_with_the_state_file_sends_nothing_twice() {
    let sb = Sandbox::new();
    let repo = released_repo(&sb, "");
    let server = SmtpServer::start(sb.path(), &SmtpOptions::default());
    let state = sb.path().join("announce.state");
    let send = || {
        announce(&sb, &repo)
            .args([
                "--smtp-server",
                &server.address(),
                "--smtp-security",
                "plain",
            ])
            .args(["--to", "list@example.org", "--json", "--state"])
            .arg(&state)
            .run()
            .success()
            .json()
    };
    assert_eq!(send()["sent"], "email");
    assert_eq!(
        std::fs::read_to_string(&state).unwrap(),
        "# announcements sent by release-relay's announce: <channel> <message-id>\n\
         email <release.oslo.i18n.6.6.0@example.org>\n"
    );
    let again = send();
    assert_eq!(again["sent"], "");
    assert_eq!(again["already-sent"], "email");
    assert_eq!(server.messages().len(), 1, "the re-run sent nothing");
}

#[test]
fn a_dry_run_prints_the_message_and_needs_no_server() {
    let sb = Sandbox::new();
    let repo = released_repo(
        &sb,
        "meta:announce-to: Équipe Release <release@example.org>\n",
    );
    let run = announce(&sb, &repo).args(["--dry-run"]).run().success();
    let out = run.stdout();
    assert!(out.starts_with("--- e-mail\nFrom: =?utf-8?b?"), "{out}");
    assert!(
        out.contains("To: =?utf-8?b?w4lxdWlwZSBSZWxlYXNl?= <release@example.org>\n"),
        "a non-ASCII display name as an RFC 2047 encoded word: {out}"
    );
    assert!(
        out.contains("Subject: [release][oslo] oslo.i18n 6.6.0 (flamingo)\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "Download the package from:\n\n    https://pypi.org/project/oslo.i18n/6.6.0/\n"
        )
    );
    assert!(
        run.stderr().contains(
            "dry run: would send \"[release][oslo] oslo.i18n 6.6.0 (flamingo)\" by e-mail to release@example.org"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn starttls_and_implicit_tls_trust_a_private_ca() {
    for mode in ["starttls", "implicit"] {
        let sb = Sandbox::new();
        let repo = released_repo(&sb, "");
        let server = SmtpServer::start(
            sb.path(),
            &SmtpOptions {
                auth: Some(("release-bot".into(), PASSWORD.into())),
                tls: Some(mode),
                ..SmtpOptions::default()
            },
        );
        let security = if mode == "implicit" {
            "tls"
        } else {
            "starttls"
        };
        let ca = server.ca_file.clone().unwrap();
        // Without the CA the certificate is unknown.
        let refused = announce(&sb, &repo)
            .args(["--smtp-server", &format!("localhost:{}", server.port)])
            .args(["--smtp-security", security, "--to", "list@example.org"])
            .env("SMTP_USERNAME", "release-bot")
            .env("SMTP_PASSWORD", PASSWORD)
            .run()
            .expect_code(1);
        assert!(
            refused.stderr().contains("TLS failed: ")
                && refused.stderr().contains(
                    "(a relay with a private certificate authority needs --smtp-ca-file)"
                ),
            "{mode}: {}",
            refused.stderr()
        );
        announce(&sb, &repo)
            .args(["--smtp-server", &format!("localhost:{}", server.port)])
            .args(["--smtp-security", security, "--to", "list@example.org"])
            .arg("--smtp-ca-file")
            .arg(&ca)
            .env("SMTP_USERNAME", "release-bot")
            .env("SMTP_PASSWORD", PASSWORD)
            .run()
            .success();
        let messages = server.messages();
        assert_eq!(messages.len(), 1, "{mode}");
        assert_eq!(messages[0].envelope["tls"], true, "{mode}: sent encrypted");
        assert_eq!(messages[0].envelope["login"], "release-bot");
    }
}

#[test]
fn a_refused_login_is_a_clear_error_and_never_shows_the_password() {
    let sb = Sandbox::new();
    let repo = released_repo(&sb, "");
    let server = SmtpServer::start(
        sb.path(),
        &SmtpOptions {
            auth: Some(("release-bot".into(), "the-right-password".into())),
            ..SmtpOptions::default()
        },
    );
    let state = sb.path().join("state");
    let run = announce(&sb, &repo)
        .args([
            "--smtp-server",
            &server.address(),
            "--smtp-security",
            "plain",
        ])
        .args(["--to", "list@example.org", "--state"])
        .arg(&state)
        .env("SMTP_USERNAME", "release-bot")
        .env("SMTP_PASSWORD", PASSWORD)
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim_end(),
        format!(
            "error: announcing the release: SMTP server {}: logging in as release-bot: the server \
             answered 535 5.7.8 Authentication credentials invalid",
            server.address()
        )
    );
    assert!(server.messages().is_empty());
    assert!(!state.exists(), "nothing recorded as sent");
}

#[test]
fn a_server_that_is_gone_or_hangs_up_is_a_clear_error() {
    let sb = Sandbox::new();
    let repo = released_repo(&sb, "");
    let mut server = SmtpServer::start(sb.path(), &SmtpOptions::default());
    let address = server.address();
    server.stop();
    let run = announce(&sb, &repo)
        .args(["--smtp-server", &address, "--smtp-security", "plain"])
        .args(["--to", "list@example.org"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr().starts_with(&format!(
            "error: announcing the release: SMTP server {address}: connecting: Connection refused"
        )),
        "{}",
        run.stderr()
    );

    let server = SmtpServer::start(
        sb.path(),
        &SmtpOptions {
            hang_up: Some("data"),
            ..SmtpOptions::default()
        },
    );
    let run = announce(&sb, &repo)
        .args([
            "--smtp-server",
            &server.address(),
            "--smtp-security",
            "plain",
        ])
        .args(["--to", "list@example.org"])
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim_end(),
        format!(
            "error: announcing the release: SMTP server {}: sending the message: the server closed the connection",
            server.address()
        )
    );
}

#[test]
fn temporary_and_permanent_refusals_say_which_step_and_what_to_do() {
    let cases = [
        (
            "rcpt",
            "550 5.1.1 <list@example.org>: Recipient address rejected",
            "recipient list@example.org: the server answered 550 5.1.1 <list@example.org>: Recipient address rejected",
        ),
        (
            "data",
            "451 4.3.0 Mail server temporarily rejected message",
            "sending the message: the server answered 451 4.3.0 Mail server temporarily rejected message (a temporary failure: retry the job later)",
        ),
        (
            "mail",
            "553 5.7.1 Sender address rejected: not owned by user",
            "sender release-bot@example.org: the server answered 553 5.7.1 Sender address rejected: not owned by user",
        ),
    ];
    for (step, reply, expected) in cases {
        let sb = Sandbox::new();
        let repo = released_repo(&sb, "");
        let server = SmtpServer::start(
            sb.path(),
            &SmtpOptions {
                replies: vec![(step, reply.to_string())],
                ..SmtpOptions::default()
            },
        );
        let run = announce(&sb, &repo)
            .args([
                "--smtp-server",
                &server.address(),
                "--smtp-security",
                "plain",
            ])
            .args(["--to", "list@example.org"])
            .run()
            .expect_code(1);
        assert_eq!(
            run.stderr().trim_end(),
            format!(
                "error: announcing the release: SMTP server {}: {expected}",
                server.address()
            ),
            "{step}"
        );
        assert!(server.messages().is_empty());
    }
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let sb = Sandbox::new();
    let repo = released_repo(&sb, "");
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, String);
    let cases: Vec<Case> = vec![
        (
            vec!["--smtp-server", "smtp.example.org", "--smtp-security", "plain", "--to", "a@example.org"],
            vec![("SMTP_USERNAME", "bot"), ("SMTP_PASSWORD", PASSWORD)],
            "error: refusing to send the SMTP login in clear text to smtp.example.org: use --smtp-security starttls or tls (plain is for a relay on this machine)".into(),
        ),
        (
            vec!["--smtp-server", "smtp.example.org"],
            vec![],
            "error: no recipient: pass --to ADDRESS, or name the list in the release request's metadata (`announce-to`)".into(),
        ),
        (
            vec!["--to", "a@example.org"],
            vec![],
            "error: e-mail needs a server: pass --smtp-server HOST[:PORT]".into(),
        ),
        (
            vec!["--smtp-server", "smtp.example.org", "--to", "not an address"],
            vec![],
            "error: --to `not an address` is no e-mail address: expected `address` or `Name <address>`".into(),
        ),
        (
            vec!["--smtp-server", "smtp.example.org", "--to", "a@example.org"],
            vec![("SMTP_USERNAME", "bot")],
            "error: SMTP_USERNAME is set but SMTP_PASSWORD is empty: set both to log in, or neither".into(),
        ),
        (
            vec!["--send", "webhook"],
            vec![],
            "error: --send webhook needs the webhook's URL in the environment variable ANNOUNCE_WEBHOOK_URL (a secret: the URL is the credential)".into(),
        ),
        (
            vec!["--send", "webhook"],
            vec![("ANNOUNCE_WEBHOOK_URL", "ftp://hooks.example.org/x")],
            "error: the webhook URL in ANNOUNCE_WEBHOOK_URL is not an http(s) URL".into(),
        ),
    ];
    for (args, env, expected) in cases {
        let mut relay = announce(&sb, &repo).args(&args);
        for (k, v) in &env {
            relay = relay.env(k, v);
        }
        let run = relay.run().expect_code(2);
        assert_eq!(run.stderr().trim_end(), expected, "{args:?}");
    }
}

#[test]
fn templates_and_notes_are_the_users_and_their_errors_are_located() {
    let sb = Sandbox::new();
    let repo = released_repo(&sb, "");
    sb.write(
        "CHANGELOG.md",
        "# Changelog\n\n## 6.6.0 - 2026-01-15\n\n### Fixed\n\n- Plurals in Spanish.\n\n## 6.5.0\n\n- Older.\n",
    );
    sb.write(
        "announce.j2",
        "{{ project }} {{ version }} is out\n\n{{ notes }}\n{% for c in changes %}* {{ c.subject }}\n{% endfor %}",
    );
    let run = announce(&sb, &repo)
        .args(["--dry-run", "--to", "a@example.org", "--changelog"])
        .arg(sb.path().join("CHANGELOG.md"))
        .arg("--template")
        .arg(sb.path().join("announce.j2"))
        .run()
        .success();
    let out = run.stdout();
    assert!(out.contains("Subject: oslo.i18n 6.6.0 is out\n"), "{out}");
    assert!(
        out.contains("### Fixed\n\n- Plurals in Spanish.\n* Add a very long"),
        "the changelog section and the changes: {out}"
    );
    assert!(!out.contains("Older"), "only the version's section: {out}");

    sb.write(
        "bad.j2",
        "{{ project }}\n\n{% for c in changes %}{{ c.nope }}{% endfor %}\n",
    );
    sb.write("typo.j2", "{{ project }\n");
    let bad = sb.path().join("bad.j2");
    let typo = sb.path().join("typo.j2");
    let run = announce(&sb, &repo)
        .args(["--dry-run", "--to", "a@example.org", "--template"])
        .arg(&typo)
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .starts_with(&format!("error: {}:1:", typo.display())),
        "{}",
        run.stderr()
    );
    let run = announce(&sb, &repo)
        .args(["--dry-run", "--to", "a@example.org", "--template"])
        .arg(&bad)
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .starts_with(&format!("error: {}:3:", bad.display()))
            && run.stderr().contains("undefined value"),
        "{}",
        run.stderr()
    );
    sb.write("OTHER.md", "# Changelog\n\n## 6.5.0\n\n- Older.\n");
    let other = sb.path().join("OTHER.md");
    let run = announce(&sb, &repo)
        .args(["--dry-run", "--to", "a@example.org", "--changelog"])
        .arg(&other)
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim_end(),
        format!(
            "error: {}:1:1: no section for version 6.6.0 (a `## 6.6.0` heading)",
            other.display()
        )
    );
}

#[test]
fn the_context_is_printed_as_json() {
    let sb = Sandbox::new();
    let repo = released_repo(&sb, "");
    let run = announce(&sb, &repo).args(["--context"]).run().success();
    let context = run.json();
    assert_eq!(context["project"], "oslo.i18n");
    assert_eq!(context["previous"], "6.5.0");
    assert_eq!(context["series"], "flamingo");
    assert_eq!(context["team"], "oslo");
    assert_eq!(context["stable"], false);
    assert_eq!(context["changes"].as_array().unwrap().len(), 2);
    assert_eq!(
        context["links"]["compare"],
        "https://opendev.org/openstack/oslo.i18n/compare/6.5.0...6.6.0"
    );
    assert_eq!(
        context["links"]["release"],
        "https://opendev.org/openstack/oslo.i18n/releases/tag/6.6.0"
    );
}

#[test]
fn posts_to_a_chat_webhook_once_and_never_shows_its_url() {
    let sb = Sandbox::new();
    let repo = released_repo(&sb, "");
    let hook = MockApi::start();
    let path = "/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX";
    hook.on(
        "POST",
        path,
        MockResponse::bytes(200, "text/html", b"ok".to_vec()),
    );
    let url = format!("{}{path}", hook.url());
    let state = sb.path().join("state");
    let post = || {
        announce(&sb, &repo)
            .args(["--send", "webhook", "--json", "--state"])
            .arg(&state)
            .env("ANNOUNCE_WEBHOOK_URL", &url)
            .run()
    };
    let run = post().success();
    run.assert_hides(path);
    assert_eq!(run.json()["sent"], "webhook");
    let posts = hook.requests_to("POST", path);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].header("content-type"), Some("application/json"));
    assert_eq!(
        posts[0].json(),
        serde_json::json!({"text": "*[release][oslo] oslo.i18n 6.6.0 (flamingo)*\nhttps://opendev.org/openstack/oslo.i18n/releases/tag/6.6.0\nhttps://pypi.org/project/oslo.i18n/6.6.0/"})
    );
    assert_eq!(post().success().json()["already-sent"], "webhook");
    assert_eq!(hook.requests_to("POST", path).len(), 1, "posted once");

    // Slack's answer to a revoked webhook.
    let gone = MockApi::start();
    gone.on(
        "POST",
        path,
        MockResponse::bytes(404, "text/html", b"no_service".to_vec()),
    );
    let host = gone
        .url()
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap()
        .to_string();
    let run = announce(&sb, &repo)
        .args(["--send", "webhook"])
        .env("ANNOUNCE_WEBHOOK_URL", format!("{}{path}", gone.url()))
        .run()
        .expect_code(1);
    run.assert_hides(path);
    assert_eq!(
        run.stderr().trim_end(),
        format!(
            "error: announcing the release: webhook at {host}: HTTP 404 Not Found: no_service (the webhook is gone or its URL is wrong: check ANNOUNCE_WEBHOOK_URL)"
        )
    );
}

#[test]
fn chat_text_from_commit_subjects_cannot_mention_a_channel() {
    let sb = Sandbox::new();
    let repo = released_repo(&sb, "");
    sb.write(
        "chat.j2",
        "{{ subject | chat }}\n{% for c in changes %}{{ c.subject | chat }}\n{% endfor %}",
    );
    let git = |args: &[&str]| sb.git_in(&repo, args);
    git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "<!channel> look & <https://evil.example|click>",
    ]);
    git(&[
        "tag",
        "-a",
        "6.6.1",
        "-m",
        "oslo.i18n 6.6.1 release\n\nmeta:version: 6.6.1\n",
    ]);
    let run = sb
        .relay("announce")
        .current_dir(&repo)
        .args([
            "--tag",
            "6.6.1",
            "--send",
            "webhook",
            "--dry-run",
            "--chat-template",
        ])
        .arg(sb.path().join("chat.j2"))
        .env(
            "ANNOUNCE_WEBHOOK_URL",
            "https://hooks.example.org/services/x",
        )
        .run()
        .success();
    assert!(
        run.stdout()
            .contains("&lt;!channel&gt; look &amp; &lt;https://evil.example|click&gt;"),
        "{}",
        run.stdout()
    );
}
