//! A real SMTP server on 127.0.0.1 (aiosmtpd, `smtp_server.py` beside this file), run
//! with the Python of `RELAY_TEST_PYTHON` or of the CI venv `target/ci-venv` that
//! `.ci/run` fills (`pip install aiosmtpd`). Each accepted message is kept as the bytes
//! received, for byte-for-byte checks.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How the server is set up.
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    /// The login the server requires (`user`, `password`).
    pub auth: Option<(String, String)>,
    /// `implicit` or `starttls`, with a certificate for 127.0.0.1 and localhost.
    pub tls: Option<&'static str>,
    /// One SMTP step (`mail`, `rcpt`, `data`) answered with a given reply.
    pub replies: Vec<(&'static str, String)>,
    /// The step at which the server closes the connection.
    pub hang_up: Option<&'static str>,
}

/// A message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub bytes: Vec<u8>,
    pub envelope: serde_json::Value,
}

impl Received {
    pub fn text(&self) -> String {
        String::from_utf8(self.bytes.clone()).expect("the message is ASCII")
    }
}

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    spool: PathBuf,
    /// The CA certificate (PEM) the client must trust, when the server speaks TLS.
    pub ca_file: Option<PathBuf>,
}

/// The Python that has aiosmtpd.
pub fn python() -> PathBuf {
    let python = std::env::var_os("RELAY_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python"));
    let ok = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the SMTP tests need aiosmtpd: run `python3 -m venv target/ci-venv && \
         target/ci-venv/bin/pip install aiosmtpd` (bash .ci/run does), or point \
         RELAY_TEST_PYTHON at a Python that has it ({} has not)",
        python.display()
    );
    python
}

impl SmtpServer {
    /// Starts the server in `dir` (its spool and certificate go there).
    pub fn start(dir: &Path, options: &SmtpOptions) -> SmtpServer {
        let dir = dir.join(format!("smtp-{}", unique()));
        let spool = dir.join("spool");
        std::fs::create_dir_all(&spool).unwrap();
        let port_file = dir.join("port");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/all/common/smtp_server.py");
        let mut cmd = Command::new(python());
        cmd.arg(script)
            .arg("--port-file")
            .arg(&port_file)
            .arg("--spool")
            .arg(&spool)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some((user, password)) = &options.auth {
            cmd.arg("--auth").arg(format!("{user}:{password}"));
        }
        let mut ca_file = None;
        if let Some(mode) = options.tls {
            let (cert, key) = certificate(&dir);
            cmd.args(["--tls", mode])
                .arg("--cert")
                .arg(&cert)
                .arg("--key")
                .arg(key);
            ca_file = Some(cert);
        }
        for (step, reply) in &options.replies {
            cmd.arg("--reply").arg(format!("{step}={reply}"));
        }
        if let Some(step) = options.hang_up {
            cmd.args(["--hang-up", step]);
        }
        let mut child = cmd.spawn().expect("the SMTP server starts");
        let started = Instant::now();
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                break text.trim().parse().unwrap();
            }
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read;
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("the SMTP server stopped ({status}): {err}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the SMTP server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        SmtpServer {
            child,
            port,
            spool,
            ca_file,
        }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The messages accepted so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        let mut found = Vec::new();
        for n in 1.. {
            let base = self.spool.join(n.to_string());
            let Ok(bytes) = std::fs::read(base.with_extension("eml")) else {
                break;
            };
            let envelope = std::fs::read_to_string(base.with_extension("json")).unwrap();
            found.push(Received {
                bytes,
                envelope: serde_json::from_str(&envelope).unwrap(),
            });
        }
        found
    }

    /// Stops the server: the port refuses connections from now on.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unique() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) files.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("a test certificate");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key)
}
