//! A git-aware TCP proxy on 127.0.0.1 in front of a [`GitServer`](super::GitServer)
//! (git://) or an [`HttpGitServer`](super::HttpGitServer): each connection is
//! forwarded, or, as a rule the test sets decides, left hanging (accepted and never
//! answered), cut while the client sends its pack, or forwarded with the server's
//! answer lost. The rule sees the repository path, the git service and the how-many-th
//! connection to that path this is, so a fault lands on the same step of every run
//! whatever the order in which concurrent work reaches the proxy. [`GitProxy::heal`]
//! forwards everything from then on.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What the proxy does with one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Passed on both ways.
    Forward,
    /// Accepted, read, never answered: the client waits until it gives up.
    Hang,
    /// Passed on until the client has sent the start of its pack (`PACK` and the pack
    /// header), then closed both ways: the server gets a truncated pack.
    CutPack,
    /// Passed on to the server in full, but nothing the server says after the client
    /// started sending reaches the client, which sees the connection close once the
    /// server is done: the push landed, its answer was lost.
    LoseAnswer,
}

/// One connection as the rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `git-upload-pack` (ls-remote, fetch, push negotiation) or `git-receive-pack`.
    pub service: String,
    /// The repository path as requested, e.g. `/acme/api.git`.
    pub path: String,
    /// 1 for the first connection to `path`, 2 for the second, …
    pub number: usize,
}

type Rule = Box<dyn Fn(&Connection) -> Fault + Send + Sync>;

struct State {
    rule: Mutex<Rule>,
    log: Mutex<Vec<(Connection, Fault)>>,
    /// Connections that are hanging, to be closed when the proxy goes.
    hanging: Mutex<Vec<TcpStream>>,
    stopped: AtomicBool,
}

pub struct GitProxy {
    port: u16,
    state: Arc<State>,
}

impl GitProxy {
    /// A proxy to `127.0.0.1:upstream`, forwarding everything until a rule is set.
    pub fn start(upstream: u16) -> GitProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            rule: Mutex::new(Box::new(|_| Fault::Forward)),
            log: Mutex::new(Vec::new()),
            hanging: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
        });
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if shared.stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let state = shared.clone();
                std::thread::spawn(move || serve(client, upstream, &state));
            }
        });
        GitProxy { port, state }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `git://127.0.0.1:PORT/<name>`
    pub fn git_url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }

    /// `http://127.0.0.1:PORT/<name>`
    pub fn http_url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }

    /// Decides every connection from now on.
    pub fn set_rule(&self, rule: impl Fn(&Connection) -> Fault + Send + Sync + 'static) {
        *self.state.rule.lock().unwrap() = Box::new(rule);
    }

    /// Forwards every connection from now on, and closes the hanging ones.
    pub fn heal(&self) {
        self.set_rule(|_| Fault::Forward);
        for stream in self.state.hanging.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Every connection so far with what was done to it, in arrival order.
    pub fn log(&self) -> Vec<(Connection, Fault)> {
        self.state.log.lock().unwrap().clone()
    }
}

impl Drop for GitProxy {
    fn drop(&mut self) {
        self.state.stopped.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        for stream in self.state.hanging.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Reads the start of a connection: the git:// request line (a pkt-line
/// `git-upload-pack /path\0host=…`) or an HTTP request line
/// (`GET /path/info/refs?service=git-upload-pack`, `POST /path/git-receive-pack`).
/// Returns the bytes read, the service and the repository path.
fn read_request(client: &mut TcpStream) -> Option<(Vec<u8>, String, String)> {
    let mut head = [0u8; 4];
    client.read_exact(&mut head).ok()?;
    let mut bytes = head.to_vec();
    if &head == b"GET " || &head == b"POST" {
        while !bytes.ends_with(b"\r\n") {
            let mut byte = [0u8; 1];
            client.read_exact(&mut byte).ok()?;
            bytes.push(byte[0]);
        }
        let line = String::from_utf8_lossy(&bytes).into_owned();
        let target = line.split(' ').nth(1)?.to_string();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let service = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("service="))
            .map(str::to_string)
            .or_else(|| path.rsplit('/').next().map(str::to_string))?;
        let repo = path
            .find(".git/")
            .map_or(path, |at| &path[..at + 4])
            .to_string();
        return Some((bytes, service, repo));
    }
    let len = usize::from_str_radix(std::str::from_utf8(&head).ok()?, 16).ok()?;
    let mut payload = vec![0u8; len.checked_sub(4)?];
    client.read_exact(&mut payload).ok()?;
    bytes.extend_from_slice(&payload);
    let text = String::from_utf8_lossy(&payload).into_owned();
    let request = text.split('\0').next()?;
    let (service, path) = request.split_once(' ')?;
    Some((bytes, service.to_string(), path.to_string()))
}

fn serve(mut client: TcpStream, upstream: u16, state: &State) {
    let Some((head, service, path)) = read_request(&mut client) else {
        return;
    };
    let fault = {
        let mut log = state.log.lock().unwrap();
        let number = log.iter().filter(|(c, _)| c.path == path).count() + 1;
        let connection = Connection {
            service,
            path,
            number,
        };
        let fault = (state.rule.lock().unwrap())(&connection);
        log.push((connection, fault));
        fault
    };
    if fault == Fault::Hang {
        if let Ok(clone) = client.try_clone() {
            state.hanging.lock().unwrap().push(clone);
        }
        // Read and drop until the client gives up (or the proxy goes).
        let _ = std::io::copy(&mut client, &mut std::io::sink());
        return;
    }
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    if server.write_all(&head).is_err() {
        return;
    }
    let client_spoke = Arc::new(AtomicBool::new(false));
    // Server → client.
    let (mut from_server, mut to_client) =
        (server.try_clone().unwrap(), client.try_clone().unwrap());
    let spoke = client_spoke.clone();
    let answers = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match from_server.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if fault == Fault::LoseAnswer && spoke.load(Ordering::SeqCst) {
                        continue;
                    }
                    if to_client.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to_client.shutdown(Shutdown::Both);
    });
    // Client → server.
    let mut buf = [0u8; 8192];
    let mut sent: Vec<u8> = Vec::new();
    loop {
        let n = match client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if fault == Fault::CutPack {
            sent.extend_from_slice(&buf[..n]);
            if let Some(at) = sent.windows(4).position(|w| w == b"PACK") {
                // Up to the pack header (signature, version, object count), no object.
                let keep = (at + 12).min(sent.len()) - (sent.len() - n);
                let _ = server.write_all(&buf[..keep]);
                let _ = server.shutdown(Shutdown::Both);
                let _ = client.shutdown(Shutdown::Both);
                break;
            }
        }
        client_spoke.store(true, Ordering::SeqCst);
        if server.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    if fault != Fault::LoseAnswer {
        let _ = server.shutdown(Shutdown::Write);
    }
    let _ = answers.join();
}
