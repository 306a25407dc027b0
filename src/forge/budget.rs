//! The rate budget of one token, shared by every call the process makes with it.
//!
//! GitHub documents, beside the hourly primary quota (`x-ratelimit-*` headers), secondary
//! limits for REST: at most 100 concurrent requests, 900 points a minute (a read costs
//! 1, a write 5), 80 content-creating requests a minute and 500 an hour, and writes
//! made one at a time at least a second apart. GitLab answers `RateLimit-*` headers
//! (GitLab.com: 2,000 authenticated API requests a minute). The [`TokenBudget`] holds a
//! token's requests to those numbers before they are sent, instead of learning them
//! from refusals; the quota the forge reports is read from every answer; and a limit
//! signal (429, a 403 with `Retry-After` or GitHub's secondary-limit message) pauses
//! every task of the token and halves its pace, since the forge counts them together.
//!
//! `RELAY_RATE_LIMITS` replaces the defaults (GitHub Enterprise Server, self-managed
//! GitLab: README "Rate limits"); `RELAY_HTTP_WAIT_DIVISOR` divides every window and
//! wait, so a test or benchmark against a mock that enforces limits divided the same
//! way runs in seconds. A CI shard takes its share of the budget ([`set_share`]).

use super::ForgeError;
use super::http::Response;
use super::transport::{Budget, RequestKind};
use crate::forge::Platform;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The limits a token is held to. `0` means "no such limit".
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Requests in flight at once.
    pub concurrent: u32,
    /// Points spent in any minute, a read costing `read_points`, a write `write_points`.
    pub points_per_minute: u32,
    pub read_points: u32,
    pub write_points: u32,
    /// Writes (content-creating requests) in any minute and in any hour.
    pub writes_per_minute: u32,
    pub writes_per_hour: u32,
    /// The least time between two writes; with it, writes go one at a time.
    pub write_interval: Duration,
    /// No pacing at all: only the forge's refusals slow the calls down.
    pub off: bool,
}

impl Limits {
    /// GitHub's documented secondary limits.
    pub fn github() -> Limits {
        Limits {
            concurrent: 100,
            points_per_minute: 900,
            read_points: 1,
            write_points: 5,
            writes_per_minute: 80,
            writes_per_hour: 500,
            write_interval: Duration::from_secs(1),
            off: false,
        }
    }

    /// GitLab.com's authenticated API limit; the rest comes from its headers.
    pub fn gitlab() -> Limits {
        Limits {
            concurrent: 100,
            points_per_minute: 2000,
            read_points: 1,
            write_points: 1,
            writes_per_minute: 0,
            writes_per_hour: 0,
            write_interval: Duration::ZERO,
            off: false,
        }
    }

    pub fn of(platform: Platform) -> Limits {
        match platform {
            Platform::GitLab => Limits::gitlab(),
            _ => Limits::github(),
        }
    }

    /// `base` with the settings of `spec` applied: `off`, or comma-separated
    /// `name=value` pairs (README "Rate limits").
    pub fn parse(spec: &str, base: Limits) -> Result<Limits, String> {
        let mut limits = base;
        for (index, part) in spec.split(',').enumerate() {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if part == "off" {
                limits.off = true;
                continue;
            }
            let column = spec
                .split(',')
                .take(index)
                .map(|p| p.len() + 1)
                .sum::<usize>()
                + 1;
            let Some((name, value)) = part.split_once('=') else {
                return Err(format!(
                    "column {column}: `{part}` is not name=value or `off`"
                ));
            };
            let (name, value) = (name.trim(), value.trim());
            const NAMES: [&str; 7] = [
                "concurrent",
                "points-per-minute",
                "read-points",
                "write-points",
                "writes-per-minute",
                "writes-per-hour",
                "write-interval-ms",
            ];
            if !NAMES.contains(&name) {
                return Err(format!(
                    "column {column}: unknown limit `{name}` ({}, off)",
                    NAMES.join(", ")
                ));
            }
            let number: u32 = value.parse().map_err(|_| {
                format!("column {column}: {name} takes a whole number, not `{value}`")
            })?;
            match name {
                "concurrent" => limits.concurrent = number,
                "points-per-minute" => limits.points_per_minute = number,
                "read-points" => limits.read_points = number,
                "write-points" => limits.write_points = number,
                "writes-per-minute" => limits.writes_per_minute = number,
                "writes-per-hour" => limits.writes_per_hour = number,
                "write-interval-ms" => limits.write_interval = Duration::from_millis(number.into()),
                _ => unreachable!("the name was checked against NAMES"),
            }
        }
        Ok(limits)
    }

    /// The limits for `platform` from the environment.
    pub fn from_env(platform: Platform) -> Result<Limits, ForgeError> {
        let base = Limits::of(platform);
        match std::env::var("RELAY_RATE_LIMITS") {
            Ok(spec) if !spec.trim().is_empty() => {
                Limits::parse(&spec, base).map_err(|rule| ForgeError::Unacceptable {
                    what: "RELAY_RATE_LIMITS".into(),
                    rule,
                })
            }
            _ => Ok(base),
        }
    }

    /// The part `1/n` of these limits (a CI shard's): every count divided, the write
    /// interval multiplied.
    pub fn share(&self, n: u32) -> Limits {
        let n = n.max(1);
        let part = |v: u32| if v == 0 { 0 } else { (v / n).max(1) };
        Limits {
            concurrent: part(self.concurrent),
            points_per_minute: part(self.points_per_minute),
            writes_per_minute: part(self.writes_per_minute),
            writes_per_hour: part(self.writes_per_hour),
            write_interval: self.write_interval * n,
            ..self.clone()
        }
    }

    /// The shortest time `writes` writes and `reads` reads can take within these
    /// limits (the plan's ETA; scaled by the wait divisor).
    pub fn least_time(&self, reads: u64, writes: u64) -> Duration {
        if self.off {
            return Duration::ZERO;
        }
        let minute = 60.0 / divisor();
        let mut seconds: f64 = 0.0;
        let points = reads * u64::from(self.read_points) + writes * u64::from(self.write_points);
        if self.points_per_minute > 0 {
            seconds = seconds.max(points as f64 / f64::from(self.points_per_minute) * minute);
        }
        if self.writes_per_minute > 0 {
            seconds = seconds.max(writes as f64 / f64::from(self.writes_per_minute) * minute);
        }
        if self.writes_per_hour > 0 && writes > u64::from(self.writes_per_hour) {
            // The last hour's worth can go in its hour's first minutes.
            let full_hours = (writes - 1) / u64::from(self.writes_per_hour);
            seconds = seconds.max(full_hours as f64 * 60.0 * minute);
        }
        seconds = seconds.max(writes as f64 * self.write_interval.as_secs_f64() / divisor());
        Duration::from_secs_f64(seconds)
    }
}

/// The number every window and wait is divided by (`RELAY_HTTP_WAIT_DIVISOR`, default 1).
pub fn divisor() -> f64 {
    std::env::var(DIVISOR_VARIABLE)
        .ok()
        .and_then(|v| parse_divisor(&v))
        .unwrap_or(1.0)
}

/// The environment variable every window and wait is divided by.
pub const DIVISOR_VARIABLE: &str = "RELAY_HTTP_WAIT_DIVISOR";

/// A value of `RELAY_HTTP_WAIT_DIVISOR`: a whole number of at least 1 (the budget's
/// windows and the retries' waits shrink alike). The CLI edge refuses any other value
/// before a tool starts.
pub fn parse_divisor(text: &str) -> Option<f64> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|&d| d >= 1)
        .map(f64::from)
}

/// How many shards share each token's budget (1: this process has it all).
static SHARES: AtomicU64 = AtomicU64::new(1);

/// Makes every budget made from now on `1/n` of the token's (a CI shard of `n`).
pub fn set_share(n: u32) {
    SHARES.store(u64::from(n.max(1)), Ordering::SeqCst);
}

/// How many shards share each token's budget ([`set_share`]).
pub fn share() -> u32 {
    SHARES.load(Ordering::SeqCst) as u32
}

/// Time every task of the process spent waiting for a budget, in microseconds.
static WAITED: AtomicU64 = AtomicU64::new(0);

/// Time the process's requests waited for the forge's limits so far.
pub fn waited() -> Duration {
    Duration::from_micros(WAITED.load(Ordering::SeqCst))
}

/// The budget of a token at an API: one per process, whichever client asks.
pub fn for_token(
    platform: Platform,
    api_base: &str,
    token: Option<&str>,
) -> Result<Arc<TokenBudget>, ForgeError> {
    /// Each API's budgets, by a hash of the token (the token itself is not kept).
    type Budgets = HashMap<(String, u64), Arc<TokenBudget>>;
    static ALL: OnceLock<Mutex<Budgets>> = OnceLock::new();
    let limits = Limits::from_env(platform)?;
    let key = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        token.hash(&mut hasher);
        (api_base.to_string(), hasher.finish())
    };
    let mut all = ALL
        .get_or_init(Default::default)
        .lock()
        .expect("never poisoned");
    Ok(all
        .entry(key)
        .or_insert_with(|| {
            let shares = share();
            Arc::new(TokenBudget::new(limits.share(shares), divisor()))
        })
        .clone())
}

/// The pace of one token: what it sent in the last minute and hour, what is in
/// flight, what the forge reported.
pub struct TokenBudget {
    limits: Limits,
    minute: Duration,
    hour: Duration,
    interval: Duration,
    divisor: f64,
    state: Mutex<State>,
    freed: tokio::sync::Notify,
}

#[derive(Default)]
struct State {
    in_flight: u32,
    writes_in_flight: u32,
    /// When each request of the last minute went, and its points.
    points: VecDeque<(Instant, u32)>,
    /// When each write of the last hour went.
    writes: VecDeque<Instant>,
    last_write: Option<Instant>,
    /// The primary quota as the forge last reported it, counted down since.
    remaining: Option<u64>,
    reset_at: Option<Instant>,
    /// Nobody sends before this (a limit signal's wait).
    paused_until: Option<Instant>,
    /// The pace is divided by this after limit signals (1, 2, 4, 8).
    slow: u32,
}

/// Why a request cannot go yet.
enum Hold {
    Until(Instant),
    /// Until a request in flight ends.
    Freed,
}

impl TokenBudget {
    pub fn new(limits: Limits, divisor: f64) -> TokenBudget {
        let scale = |d: Duration| Duration::from_secs_f64(d.as_secs_f64() / divisor);
        TokenBudget {
            // The forge counts by its own clock, from when a request reaches it: a
            // window 2 % longer keeps a late first request from letting one too many in.
            minute: scale(Duration::from_millis(61_200)),
            hour: scale(Duration::from_secs(3672)),
            interval: scale(limits.write_interval),
            divisor,
            limits,
            state: Mutex::new(State {
                slow: 1,
                ..State::default()
            }),
            freed: tokio::sync::Notify::new(),
        }
    }

    /// Takes a place for one request of `kind` if it may go now.
    fn try_take(&self, kind: RequestKind, now: Instant) -> Result<(), Hold> {
        let mut st = self.state.lock().expect("never poisoned");
        let limits = &self.limits;
        let slow = st.slow.max(1);
        while st
            .points
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) >= self.minute)
        {
            st.points.pop_front();
        }
        while st
            .writes
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.hour)
        {
            st.writes.pop_front();
        }
        if let Some(until) = st.paused_until.filter(|u| *u > now) {
            return Err(Hold::Until(until));
        }
        if st.remaining == Some(0)
            && let Some(reset) = st.reset_at.filter(|r| *r > now)
        {
            return Err(Hold::Until(reset));
        }
        if limits.concurrent > 0 && st.in_flight >= limits.concurrent {
            return Err(Hold::Freed);
        }
        let write = kind == RequestKind::Write;
        let cost = if write {
            limits.write_points
        } else {
            limits.read_points
        };
        if limits.points_per_minute > 0 {
            let cap = (limits.points_per_minute / slow).max(1);
            let spent: u32 = st.points.iter().map(|(_, p)| p).sum();
            if spent + cost > cap {
                // The moment enough of the minute's points have aged out.
                let mut freed = 0;
                for (t, p) in &st.points {
                    freed += p;
                    if spent - freed + cost <= cap {
                        return Err(Hold::Until(*t + self.minute));
                    }
                }
            }
        }
        if write {
            if self.interval > Duration::ZERO && st.writes_in_flight > 0 {
                return Err(Hold::Freed);
            }
            if let Some(last) = st.last_write {
                let next = last + self.interval * slow;
                if next > now {
                    return Err(Hold::Until(next));
                }
            }
            let windows = [
                (limits.writes_per_minute, self.minute),
                (limits.writes_per_hour, self.hour),
            ];
            for (per, window) in windows {
                if per == 0 {
                    continue;
                }
                let cap = (per / slow).max(1) as usize;
                let recent: Vec<Instant> = st
                    .writes
                    .iter()
                    .copied()
                    .filter(|t| now.duration_since(*t) < window)
                    .collect();
                if recent.len() >= cap {
                    return Err(Hold::Until(recent[recent.len() - cap] + window));
                }
            }
            st.writes.push_back(now);
            st.last_write = Some(now);
            st.writes_in_flight += 1;
        }
        st.points.push_back((now, cost));
        st.in_flight += 1;
        if let Some(remaining) = st.remaining.as_mut() {
            *remaining = remaining.saturating_sub(1);
        }
        Ok(())
    }

    fn scaled_secs(&self, seconds: f64) -> Duration {
        Duration::from_secs_f64((seconds / self.divisor).max(0.0))
    }

    /// Learns the quota and any limit signal from an answer.
    fn learn(&self, response: &Response) {
        let header = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| response.header(n))
                .map(str::trim)
                .map(str::to_string)
        };
        let now = Instant::now();
        let mut st = self.state.lock().expect("never poisoned");
        let remaining = header(&["x-ratelimit-remaining", "ratelimit-remaining"])
            .and_then(|v| v.parse::<u64>().ok());
        let reset =
            header(&["x-ratelimit-reset", "ratelimit-reset"]).and_then(|v| v.parse::<u64>().ok());
        if let Some(remaining) = remaining {
            st.remaining = Some(remaining);
            if let Some(reset) = reset {
                let unix_now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                st.reset_at = Some(now + self.scaled_secs(reset.saturating_sub(unix_now) as f64));
            }
        }
        if is_limit_signal(response) {
            let asked = header(&["retry-after"]).and_then(|v| v.parse::<f64>().ok());
            // GitHub asks to wait at least a minute when it gives no time.
            let wait = match asked {
                Some(seconds) => self.scaled_secs(seconds),
                None if remaining == Some(0) => Duration::ZERO,
                None => self.minute,
            };
            let until = now + wait;
            if st.paused_until.is_none_or(|p| p < until) {
                st.paused_until = Some(until);
            }
            st.slow = (st.slow.max(1) * 2).min(8);
        }
    }
}

/// Whether the forge says a limit was hit: 429, a 403 that asks to wait or reports
/// an exhausted quota, or GitHub's secondary-limit message.
pub fn is_limit_signal(response: &Response) -> bool {
    if response.status == 429 {
        return true;
    }
    if response.status != 403 {
        return false;
    }
    response.header("retry-after").is_some()
        || response.header("x-ratelimit-remaining").map(str::trim) == Some("0")
        || response.message().contains("secondary rate limit")
}

#[async_trait::async_trait]
impl Budget for TokenBudget {
    async fn admit(&self, kind: RequestKind) {
        if self.limits.off {
            return;
        }
        let start = Instant::now();
        loop {
            // Registered before the check, so a place freed in between is not missed.
            let freed = self.freed.notified();
            match self.try_take(kind, Instant::now()) {
                Ok(()) => break,
                Err(Hold::Until(at)) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at.into()) => {}
                        _ = freed => {}
                    }
                }
                Err(Hold::Freed) => freed.await,
            }
        }
        let waited = start.elapsed();
        if !waited.is_zero() {
            WAITED.fetch_add(waited.as_micros() as u64, Ordering::SeqCst);
        }
    }

    fn observe(&self, kind: RequestKind, response: Option<&Response>) {
        if let Some(response) = response {
            self.learn(response);
        }
        if self.limits.off {
            return;
        }
        {
            let mut st = self.state.lock().expect("never poisoned");
            st.in_flight = st.in_flight.saturating_sub(1);
            if kind == RequestKind::Write {
                st.writes_in_flight = st.writes_in_flight.saturating_sub(1);
            }
        }
        self.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&'static str, &str)], body: &str) -> Response {
        let mut map = ::http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Response {
            status,
            headers: map,
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn the_limits_are_read_from_their_syntax() {
        let limits = Limits::parse(
            "writes-per-hour=5000, write-interval-ms=250,concurrent=10",
            Limits::github(),
        )
        .unwrap();
        assert_eq!(limits.writes_per_hour, 5000);
        assert_eq!(limits.write_interval, Duration::from_millis(250));
        assert_eq!(limits.concurrent, 10);
        assert_eq!(limits.points_per_minute, 900);
        assert!(Limits::parse("off", Limits::github()).unwrap().off);
        assert_eq!(
            Limits::parse("concurrent=10,speed=3", Limits::github()).unwrap_err(),
            "column 15: unknown limit `speed` (concurrent, points-per-minute, read-points, write-points, writes-per-minute, writes-per-hour, write-interval-ms, off)"
        );
        assert_eq!(
            Limits::parse("concurrent=ten", Limits::github()).unwrap_err(),
            "column 1: concurrent takes a whole number, not `ten`"
        );
        assert_eq!(
            Limits::parse("x", Limits::github()).unwrap_err(),
            "column 1: `x` is not name=value or `off`"
        );
    }

    #[test]
    fn a_share_divides_the_counts_and_stretches_the_interval() {
        let part = Limits::github().share(8);
        assert_eq!(
            (
                part.concurrent,
                part.points_per_minute,
                part.writes_per_minute
            ),
            (12, 112, 10)
        );
        assert_eq!(part.writes_per_hour, 62);
        assert_eq!(part.write_interval, Duration::from_secs(8));
    }

    #[test]
    fn the_least_time_follows_the_tightest_limit() {
        let github = Limits::github();
        // 2,000 writes: the hourly cap of 500 makes it three full hours and a bit.
        assert_eq!(github.least_time(0, 2000), Duration::from_secs(3 * 3600));
        // 60 writes: one a second.
        assert_eq!(github.least_time(0, 60), Duration::from_secs(60));
        // 1,800 reads: 900 points a minute.
        assert_eq!(github.least_time(1800, 0), Duration::from_secs(120));
    }

    #[test]
    fn writes_keep_their_interval_and_their_minute() {
        let limits = Limits {
            writes_per_minute: 3,
            write_interval: Duration::from_secs(1),
            ..Limits::github()
        };
        let budget = TokenBudget::new(limits, 1.0);
        let t0 = Instant::now();
        assert!(budget.try_take(RequestKind::Write, t0).is_ok());
        // One at a time: the second waits for the first to end.
        assert!(matches!(
            budget.try_take(RequestKind::Write, t0),
            Err(Hold::Freed)
        ));
        budget.observe(RequestKind::Write, None);
        match budget.try_take(RequestKind::Write, t0) {
            Err(Hold::Until(at)) => assert_eq!(at, t0 + Duration::from_secs(1)),
            _ => panic!("the interval holds the write"),
        }
        for s in 1..3 {
            let at = t0 + Duration::from_secs(s);
            assert!(budget.try_take(RequestKind::Write, at).is_ok());
            budget.observe(RequestKind::Write, None);
        }
        // Three in the minute: the fourth waits for the first to age out.
        match budget.try_take(RequestKind::Write, t0 + Duration::from_secs(3)) {
            Err(Hold::Until(at)) => assert_eq!(at, t0 + Duration::from_millis(61_200)),
            _ => panic!("the minute's cap holds the write"),
        }
        // Reads are not held by the writes' limits.
        assert!(
            budget
                .try_take(RequestKind::Read, t0 + Duration::from_secs(3))
                .is_ok()
        );
    }

    #[test]
    fn a_limit_signal_pauses_everyone_and_slows_the_pace() {
        let budget = TokenBudget::new(Limits::github(), 1.0);
        let body = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#;
        assert!(budget.try_take(RequestKind::Read, Instant::now()).is_ok());
        budget.observe(RequestKind::Read, Some(&answer(403, &[], body)));
        let now = Instant::now();
        match budget.try_take(RequestKind::Read, now) {
            Err(Hold::Until(at)) => assert!(at > now + Duration::from_secs(59)),
            _ => panic!("a secondary limit without Retry-After pauses a minute"),
        }
        assert_eq!(budget.state.lock().unwrap().slow, 2);
        assert!(is_limit_signal(&answer(429, &[], "{}")));
        assert!(is_limit_signal(&answer(403, &[("retry-after", "3")], "{}")));
        assert!(!is_limit_signal(&answer(
            403,
            &[],
            r#"{"message":"Resource not accessible by integration"}"#
        )));
    }

    #[test]
    fn an_exhausted_quota_holds_until_its_reset() {
        let budget = TokenBudget::new(Limits::gitlab(), 1.0);
        let reset = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 30;
        assert!(budget.try_take(RequestKind::Read, Instant::now()).is_ok());
        budget.observe(
            RequestKind::Read,
            Some(&answer(
                200,
                &[
                    ("ratelimit-remaining", "0"),
                    ("ratelimit-reset", &reset.to_string()),
                ],
                "{}",
            )),
        );
        let now = Instant::now();
        match budget.try_take(RequestKind::Read, now) {
            Err(Hold::Until(at)) => assert!(at > now + Duration::from_secs(25)),
            _ => panic!("an exhausted quota holds the request"),
        }
    }
}
