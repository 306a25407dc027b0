//! A real git server on 127.0.0.1: `git daemon` serving the bare repositories under a
//! folder over git://, with pushes allowed.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct GitServer {
    child: Child,
    port: u16,
    root: PathBuf,
}

impl GitServer {
    /// Serves every repository below `root`.
    pub fn start(root: &Path) -> GitServer {
        let exec_path = Command::new("git").arg("--exec-path").output().unwrap();
        let exec_path = String::from_utf8(exec_path.stdout)
            .unwrap()
            .trim()
            .to_string();
        // The daemon itself, not the `git daemon` wrapper: killing the wrapper leaves
        // an orphan that keeps the test's pipes open.
        let daemon = Path::new(&exec_path).join("git-daemon");
        for _ in 0..20 {
            let port = free_port();
            let mut child = Command::new(&daemon)
                .args([
                    "--reuseaddr",
                    "--export-all",
                    "--enable=receive-pack",
                    "--listen=127.0.0.1",
                    &format!("--port={port}"),
                    &format!("--base-path={}", root.display()),
                    &root.display().to_string(),
                ])
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", root)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("git-daemon starts");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // port taken in between: try another
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return GitServer {
                        child,
                        port,
                        root: root.to_path_buf(),
                    };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("git-daemon did not start");
    }

    /// The git:// URL of the repository at `name` (relative to the root).
    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{}", self.port, name)
    }

    /// A URL template for `owner/name` repositories (`--remote-url-template`).
    pub fn url_template(&self) -> String {
        format!("git://127.0.0.1:{}/{{repo}}.git", self.port)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
