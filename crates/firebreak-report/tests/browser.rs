//! The HTML report in a real browser: headless Chromium renders it from a file to a
//! non-empty screenshot, and the page makes no network request. Every request would
//! go to a local listener posing as the proxy (and no name resolves), so the listener
//! must see no connection. A control page that does load a remote image proves the
//! listener would see one. Chromium's own background calls to Google services go
//! around the trap (`--proxy-bypass-list`) and fail on the resolver rule.
//!
//! Needs Chromium (`apt-get install -y chromium`); fails, naming that command, when it
//! is missing.

mod common;

use firebreak_report::render_html;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const INSTALL: &str = "apt-get install -y chromium";

/// Hosts only the browser itself calls; kept out of the trap (see [`screenshot`]).
const BROWSER_SERVICES: &str = "*.google.com;*.googleapis.com;*.gvt1.com";

/// The Chromium binary. Debian's `chromium` is a wrapper script that exports Google
/// API keys and turns remote extensions on (the browser then calls Google services on
/// its own); the binary behind it is used directly when it is there.
fn chromium() -> &'static str {
    for bin in ["/usr/lib/chromium/chromium", "chromium", "chromium-browser"] {
        let ok = Command::new(bin)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return bin;
        }
    }
    panic!(
        "headless Chromium is needed for this test and is not installed: install it with `{INSTALL}` (as root)"
    );
}

/// A TCP listener on 127.0.0.1 that accepts and records every connection (the first
/// line of what was sent), answering nothing.
struct Trap {
    port: u16,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Trap {
    fn start() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, v) = (stop.clone(), seen.clone());
        let thread = thread::spawn(move || Trap::run(&listener, &s, &v));
        Trap {
            port,
            stop,
            seen,
            thread: Some(thread),
        }
    }

    fn run(listener: &TcpListener, stop: &AtomicBool, seen: &Mutex<Vec<String>>) {
        while !stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((conn, _)) => seen.lock().unwrap().push(first_line(conn)),
                Err(_) => thread::sleep(Duration::from_millis(10)),
            }
        }
        // Connections still queued when the browser is gone.
        while let Ok((conn, _)) = listener.accept() {
            seen.lock().unwrap().push(first_line(conn));
        }
    }

    fn finish(mut self) -> Vec<String> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.seen.lock().unwrap().clone()
    }
}

fn first_line(mut conn: TcpStream) -> String {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_millis(300)));
    let mut buf = [0u8; 512];
    let n = conn.read(&mut buf).unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    text.lines().next().unwrap_or("(nothing sent)").to_string()
}

/// Run headless Chromium on `page`, with every request sent to the trap's port, and
/// write the screenshot to `png`. Killed after two minutes.
fn screenshot(page: &Path, png: &Path, port: u16, profile: &Path) {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--disable-domain-reliability",
            "--disable-breakpad",
            "--metrics-recording-only",
            "--no-pings",
            "--hide-scrollbars",
            "--disable-client-side-phishing-detection",
            "--disable-component-extensions-with-background-pages",
            "--safebrowsing-disable-auto-update",
            "--allow-browser-signin=false",
            "--password-store=basic",
            "--use-mock-keychain",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,OptimizationGuideModelDownloading,Translate,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
            "--window-size=1280,4000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--proxy-server=127.0.0.1:{port}"))
        // Chromium's own calls to Google services (component updates, account
        // checks), which no flag turns off entirely, bypass the trap and fail on the
        // resolver rule below; nothing in the report names those hosts.
        .arg(format!("--proxy-bypass-list={BROWSER_SERVICES}"))
        .arg("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start Chromium ({e}); install it with `{INSTALL}`"));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium did not finish within two minutes");
        }
        thread::sleep(Duration::from_millis(100));
    }
}

fn png_ok(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.len() > 1000 && b.starts_with(b"\x89PNG\r\n\x1a\n"))
}

/// Where the screenshot is kept after the run.
fn keep(png: &Path, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dest = dir.join(name);
    std::fs::copy(png, &dest).unwrap();
    dest
}

#[test]
fn chromium_renders_the_report_without_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let png = dir.path().join("report.png");
    // The hostile fixture: every text field carries external-looking URLs in
    // <img src>, <link href>, <iframe src>, url(...) and markdown image forms.
    let mut html = Vec::new();
    render_html(&common::hostile_fixture(), &mut html).unwrap();
    std::fs::write(&page, &html).unwrap();

    let trap = Trap::start();
    screenshot(&page, &png, trap.port, &dir.path().join("profile"));
    let requests = trap.finish();

    assert!(
        png_ok(&png),
        "Chromium wrote no screenshot at {}",
        png.display()
    );
    let kept = keep(&png, "report.png");
    println!("screenshot: {}", kept.display());
    assert!(
        requests.is_empty(),
        "the report made network requests: {requests:?}"
    );

    // The clean report too, kept for a human look.
    let mut html = Vec::new();
    render_html(&common::fixture(), &mut html).unwrap();
    std::fs::write(&page, &html).unwrap();
    let trap = Trap::start();
    screenshot(&page, &png, trap.port, &dir.path().join("profile"));
    let requests = trap.finish();
    assert!(png_ok(&png), "no screenshot of the clean report");
    println!("screenshot: {}", keep(&png, "report-clean.png").display());
    println!("page: {}", keep(&page, "report-clean.html").display());
    assert!(
        requests.is_empty(),
        "the report made network requests: {requests:?}"
    );
}

/// The control: a page that loads a remote image is seen by the trap, so an empty
/// trap above means no request, not a blind harness.
#[test]
fn the_trap_sees_a_page_that_does_fetch() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("fetch.html");
    let png = dir.path().join("fetch.png");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>control</p><img src=\"http://198.51.100.77/control.png\"></body></html>",
    )
    .unwrap();
    let trap = Trap::start();
    screenshot(&page, &png, trap.port, &dir.path().join("profile"));
    let requests = trap.finish();
    assert!(
        requests.iter().any(|r| r.contains("198.51.100.77")),
        "the trap saw no request from a page that fetches: {requests:?}"
    );
}
