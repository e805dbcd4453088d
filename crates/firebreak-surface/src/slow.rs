//! Slowloris exposure (plain HTTP and HTTPS): does the server keep an incomplete request
//! open for as long as
//! the client trickles header lines? Three connections at most, each sends a request
//! line and one header line every `interval`; the server is exposed when every
//! connection is still open when `hold` has passed (a server with a header timeout
//! closes them, usually with a 408). Nothing is flooded: 3 sockets, a line each every
//! few seconds, all closed at the end.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use tokio::time::Instant;

use crate::finding::Severity;
use crate::net;
use crate::probe::Target;

/// Connections held (at most).
pub const CONNECTIONS: usize = 3;

/// The default threshold: a server that keeps an incomplete request head open this long
/// while a line arrives every few seconds is reported. Short on purpose (the check
/// waits this long per web port); `--slowloris-secs` changes it, 0 turns it off.
pub const DEFAULT_HOLD: Duration = Duration::from_secs(10);

/// How one slow connection ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowConn {
    /// Seconds the server kept it open (the threshold when it was still open).
    pub open_seconds: f64,
    /// The server closed it before the threshold.
    pub closed_by_server: bool,
    /// Header lines sent after the request line.
    pub lines_sent: u32,
    /// HTTP status the server sent before closing, if any (408 is typical).
    pub status: Option<u16>,
}

/// Seconds between header lines for a threshold.
pub fn interval(hold: Duration) -> Duration {
    (hold / 4).clamp(Duration::from_secs(1), Duration::from_secs(10))
}

/// The verdict over the connections that opened: exposed when all stayed open.
pub fn exposed(conns: &[SlowConn]) -> bool {
    !conns.is_empty() && conns.iter().all(|c| !c.closed_by_server)
}

async fn one(
    t: &Target<'_>,
    sa: SocketAddr,
    hold: Duration,
    n: usize,
    tls: bool,
) -> Option<SlowConn> {
    let every = interval(hold);
    let head = format!(
        "GET /?fb{n}={} HTTP/1.1\r\nHost: {}\r\nUser-Agent: firebreak-surface (slow-request check)\r\n",
        rand::random::<u32>(),
        t.asset
    );
    if tls {
        return crate::tls::slow_request(t.guard, sa, t.asset, head, hold, every).await;
    }
    let mut c = net::connect_for(t.guard, sa, hold + Duration::from_secs(3))
        .await
        .ok()??;
    let start = Instant::now();
    let end = start + hold;
    c.send(head.as_bytes()).await.ok()?;
    let mut lines = 0u32;
    loop {
        let next = (Instant::now() + every).min(end);
        match c.closed_before(next).await {
            Ok(Some(bytes)) => {
                return Some(SlowConn {
                    open_seconds: (start.elapsed().as_secs_f64() * 10.0).round() / 10.0,
                    closed_by_server: true,
                    lines_sent: lines,
                    status: crate::wire::parse_http(&bytes)
                        .map(|i| i.status)
                        .or_else(|| status_line(&bytes)),
                })
            }
            Ok(None) if Instant::now() >= end => {
                return Some(SlowConn {
                    open_seconds: hold.as_secs_f64(),
                    closed_by_server: false,
                    lines_sent: lines,
                    status: None,
                })
            }
            Ok(None) => {
                lines += 1;
                if c.send(format!("X-Fb-{lines}: {lines}\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    return Some(SlowConn {
                        open_seconds: (start.elapsed().as_secs_f64() * 10.0).round() / 10.0,
                        closed_by_server: true,
                        lines_sent: lines - 1,
                        status: None,
                    });
                }
            }
            Err(_) => return None,
        }
    }
}

fn status_line(b: &[u8]) -> Option<u16> {
    let s = std::str::from_utf8(b.get(..12)?).ok()?;
    s.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()
}

/// Runs the check on `port` (over TLS when `tls`); reports `dos.slowloris` when exposed.
pub(crate) async fn check(t: &Target<'_>, port: u16, hold: Duration, tls: bool) {
    let sa = SocketAddr::new(t.addr, port);
    let (a, b, c) = tokio::join!(
        one(t, sa, hold, 1, tls),
        one(t, sa, hold, 2, tls),
        one(t, sa, hold, 3, tls)
    );
    let conns: Vec<SlowConn> = [a, b, c].into_iter().flatten().collect();
    if !exposed(&conns) {
        return;
    }
    (t.emit)(
        t.finding(
            "dos.slowloris",
            Severity::Medium,
            Some(port),
            format!(
                "{sa} keeps incomplete requests open past {} s (slowloris)",
                hold.as_secs()
            ),
            "a few slow clients can hold its connection slots: set a request-header timeout (nginx client_header_timeout, Apache mod_reqtimeout)",
        )
        .evidence(json!({"threshold_seconds": hold.as_secs_f64(), "interval_seconds": interval(hold).as_secs_f64(), "connections": conns})),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_and_pacing() {
        let open = SlowConn {
            open_seconds: 10.0,
            closed_by_server: false,
            lines_sent: 4,
            status: None,
        };
        let closed = SlowConn {
            open_seconds: 3.0,
            closed_by_server: true,
            lines_sent: 1,
            status: Some(408),
        };
        assert!(exposed(&[open.clone(), open.clone()]));
        assert!(!exposed(&[open, closed]));
        assert!(!exposed(&[]));
        assert_eq!(
            interval(Duration::from_secs(10)),
            Duration::from_millis(2500)
        );
        assert_eq!(interval(Duration::from_secs(2)), Duration::from_secs(1));
        assert_eq!(interval(Duration::from_secs(300)), Duration::from_secs(10));
        assert_eq!(status_line(b"HTTP/1.1 408 Request Time-out\r\n"), Some(408));
        assert_eq!(status_line(b"xx"), None);
    }
}

#[cfg(test)]
mod loopback {
    use std::sync::Mutex;

    use tokio::io::AsyncReadExt;

    use super::*;
    use crate::finding::Finding;
    use crate::kb::DosKb;
    use crate::portal::Portals;
    use crate::scope::{Guard, Limits, Scope};

    /// A server on 127.0.0.1 that reads requests and closes each connection after
    /// `close_after` (or keeps it until the client leaves).
    async fn server(close_after: Option<Duration>) -> u16 {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let read = async {
                        while let Ok(n) = s.read(&mut buf).await {
                            if n == 0 {
                                break;
                            }
                        }
                    };
                    match close_after {
                        Some(d) => {
                            let _ = tokio::time::timeout(d, read).await;
                        }
                        None => read.await,
                    }
                });
            }
        });
        port
    }

    async fn run(port: u16) -> Vec<Finding> {
        let guard = Guard::new(
            Scope::parse("127.0.0.0/8\n").unwrap(),
            vec![],
            Limits::default(),
        );
        let kb = DosKb::bundled().unwrap();
        let portals = Portals::bundled().unwrap();
        let pages = crate::pages::PageSigs::bundled().unwrap();
        let got = Mutex::new(Vec::new());
        let emit = |f: Finding| got.lock().unwrap().push(f);
        let on_http = |_: std::net::IpAddr, _: &[u8]| {};
        let t = Target {
            guard: &guard,
            kb: &kb,
            portals: &portals,
            pages: &pages,
            emit: &emit,
            on_http: &on_http,
            addr: "127.0.0.1".parse().unwrap(),
            asset: "slow.test",
        };
        check(&t, port, Duration::from_secs(2), false).await;
        got.into_inner().unwrap()
    }

    #[tokio::test]
    async fn a_header_timeout_protects_and_none_exposes() {
        let patient = server(None).await;
        let f = run(patient).await;
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, "dos.slowloris");
        assert_eq!(f[0].evidence["connections"].as_array().unwrap().len(), 3);
        let strict = server(Some(Duration::from_millis(300))).await;
        assert!(run(strict).await.is_empty());
    }
}
