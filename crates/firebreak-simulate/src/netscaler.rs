//! The Citrix NetScaler gateway's `ns.log`: remote workers' sessions from home, typos,
//! and internet password spraying.

use crate::catalog::{SPRAY_NAMES, USER_AGENTS};
use crate::emit::{line, PlacedLabels, Queues, TextFile, TimeFmt};
use crate::out::{Addr, Out};
use crate::rng::Rng;
use crate::sched::{minutes, Due, Profile, Sched};
use crate::time::{write_duration, write_netscaler, Ticks, SEC};
use crate::world::{World, NS_NAME, NS_NSIP, NS_VSERVER};
use crate::SimError;
use std::io::Write;
use std::path::Path;

pub(crate) const FILE: &str = "ns01/ns.log";
const K_SESSION: u8 = 0;
const K_TYPO: u8 = 1;
const K_SPRAY: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct End {
    /// 0: HTTP request, 1: ICA start, 2: session end.
    step: u8,
    user: usize,
    session: u64,
    start: Ticks,
    vda: u8,
    port: u16,
    conn: u64,
}

/// The start of every ns.log line up to the time.
pub(crate) fn prefix() -> String {
    format!("<local0.info> {NS_NSIP} ")
}

pub(crate) fn write(
    w: &World,
    out_dir: &Path,
    queues: &mut Queues,
    placed: &mut PlacedLabels,
) -> Result<u64, SimError> {
    let mut rng = Rng::derive(w.seed, FILE);
    let out = Out::create(out_dir, FILE, Addr::Line, SEC)?;
    let mut f = TextFile::new(out, TimeFmt::Netscaler, queues.take(FILE));
    let remote: Vec<usize> = (0..w.users.len())
        .filter(|&u| w.users[u].home_ip.is_some())
        .collect();
    let mut sched: Sched<End> = Sched::new(w.start, w.end);
    let n = remote.len() as f64;
    sched.add(&mut rng, K_SESSION, 0.12 * n * w.intensity, Profile::Remote);
    sched.add(&mut rng, K_TYPO, 0.006 * n * w.intensity, Profile::Remote);
    sched.add(&mut rng, K_SPRAY, 0.4 * w.intensity.sqrt(), Profile::Flat);
    let mut g = Gen {
        w,
        f: &mut f,
        seq: rng.range(1000, 90_000) as u64,
        session: rng.range(100, 5000) as u64,
    };
    loop {
        g.f.flush_until(sched.peek().unwrap_or(Ticks::MAX), placed)?;
        let Some((t, due)) = sched.pop(&mut rng) else {
            break;
        };
        match due {
            Due::Stream(K_SESSION) => {
                let user = *rng.pick(&remote);
                g.login(&mut rng, t, user, &mut sched)?;
            }
            Due::Stream(K_TYPO) => {
                let user = *rng.pick(&remote);
                let ip = w.users[user].home_ip.as_deref().unwrap_or("-");
                let ua = rng.pick::<&str>(USER_AGENTS);
                g.failed(t, &w.users[user].sam, ip, ua)?;
            }
            Due::Stream(_) => {
                let ip = format!(
                    "{}.{}.{}.{}",
                    rng.range(23, 223),
                    rng.range(0, 255),
                    rng.range(0, 255),
                    rng.range(1, 255)
                );
                let name = rng.pick::<&str>(SPRAY_NAMES);
                g.failed(t, name, &ip, "python-requests/2.31.0")?;
            }
            Due::Deferred(e) if e.step == 0 => g.http(t, &e)?,
            Due::Deferred(e) if e.step == 1 => g.ica_start(t, &e)?,
            Due::Deferred(e) => g.end(&mut rng, t, &e)?,
        }
    }
    f.finish(placed)
}

struct Gen<'a, 'w> {
    w: &'w World,
    f: &'a mut TextFile,
    seq: u64,
    session: u64,
}

impl Gen<'_, '_> {
    /// Start a line: `<local0.info> NSIP time ns01 0-PPE-0 : default ` and the event.
    fn head(&mut self, t: Ticks, event: &str) -> Result<(), SimError> {
        let t = self.f.begin(t);
        line!(self.f, "<local0.info> {NS_NSIP} ")?;
        self.f.time(t)?;
        self.seq += 1;
        line!(
            self.f,
            " {NS_NAME} 0-PPE-0 : default {event} {} 0 : ",
            self.seq
        )
    }

    fn login(
        &mut self,
        rng: &mut Rng,
        t: Ticks,
        user: usize,
        sched: &mut Sched<End>,
    ) -> Result<(), SimError> {
        let u = &self.w.users[user];
        let ip = u.home_ip.as_deref().unwrap_or("-");
        self.session += 1;
        let s = self.session;
        self.head(t, "SSLVPN LOGIN")?;
        line!(self.f, "Context {}@{ip} - SessionId: {s} - User {} - Client_ip {ip} - Nat_ip \"Mapped Ip\" - Vserver {NS_VSERVER} - Browser_type \"{}\" - SSLVPN_client_type ICA - Group(s) \"CitrixUsers\"\n", u.sam, u.sam, rng.pick::<&str>(USER_AGENTS))?;
        let end = End {
            step: 0,
            user,
            session: s,
            start: t + 15 * SEC,
            vda: rng.range(20, 60) as u8,
            port: rng.range(49_152, 65_535) as u16,
            conn: rng.next_u64(),
        };
        sched.defer(t + 2 * SEC, End { step: 0, ..end });
        sched.defer(t + 15 * SEC, End { step: 1, ..end });
        sched.defer(t + minutes(rng, 20, 240), End { step: 2, ..end });
        Ok(())
    }

    fn http(&mut self, t: Ticks, e: &End) -> Result<(), SimError> {
        let u = &self.w.users[e.user];
        let ip = u.home_ip.as_deref().unwrap_or("-");
        self.head(t, "SSLVPN HTTPREQUEST")?;
        line!(self.f, "Context {}@{ip} - SessionId: {} - Client_ip {ip} - Nat_ip \"Mapped Ip\" - Vserver {NS_VSERVER} - ", u.sam, e.session)?;
        write_netscaler(&mut self.f.out.w, t).map_err(|e| self.f.out.err(e))?;
        line!(self.f, " GET /Citrix/StoreWeb/ - -\n")
    }

    fn ica_start(&mut self, t: Ticks, e: &End) -> Result<(), SimError> {
        let u = &self.w.users[e.user];
        let ip = u.home_ip.as_deref().unwrap_or("-");
        self.head(t, "SSLVPN ICASTART")?;
        line!(self.f, "Source {ip}:{} - Destination 10.0.4.{}:2598 - customername N/A - username:domainname {}:CORP - applicationName Desktop - startTime \"", e.port, e.vda, u.sam)?;
        write_netscaler(&mut self.f.out.w, t).map_err(|e| self.f.out.err(e))?;
        line!(self.f, "\" - connectionId {:016x}\n", e.conn)
    }

    fn end(&mut self, rng: &mut Rng, t: Ticks, e: &End) -> Result<(), SimError> {
        let u = &self.w.users[e.user];
        let ip = u.home_ip.as_deref().unwrap_or("-");
        let (send, recv) = (
            rng.range(2_000_000, 60_000_000),
            rng.range(20_000_000, 900_000_000),
        );
        self.head(t, "SSLVPN ICAEND_CONNSTAT")?;
        line!(self.f, "Source {ip}:{} - Destination 10.0.4.{}:2598 - customername N/A - username:domainname {}:CORP - startTime \"", e.port, e.vda, u.sam)?;
        self.span(e.start, t, "endTime")?;
        line!(self.f, " - Total_bytes_send {send} - Total_bytes_recv {recv} - Total_compressedbytes_send 0 - Total_compressedbytes_recv 0 - Compression_ratio_send 0.00% - Compression_ratio_recv 0.00% - connectionId {:016x}\n", e.conn)?;
        let t2 = t + 3 * SEC;
        self.head(t2, "SSLVPN LOGOUT")?;
        line!(self.f, "Context {}@{ip} - SessionId: {} - User {} - Client_ip {ip} - Nat_ip \"Mapped Ip\" - Vserver {NS_VSERVER} - Start_time \"", u.sam, e.session, u.sam)?;
        self.span(e.start - 15 * SEC, t2, "End_time")?;
        line!(self.f, " - Http_resources_accessed {} - NonHttp_services_accessed 0 - Total_TCP_connections {} - Total_UDP_flows 0 - Total_policies_allowed {} - Total_policies_denied 0 - Total_bytes_send {} - Total_bytes_recv {} - Total_compressedbytes_send 0 - Total_compressedbytes_recv 0 - Compression_ratio_send 0.00% - Compression_ratio_recv 0.00% - LogoutMethod \"Explicit\" - Group(s) \"CitrixUsers\"\n",
            rng.range(8, 40), rng.range(2, 12), rng.range(8, 40), send + 40_000, recv + 300_000)
    }

    /// `Start "…" - End "…" - Duration hh:mm:ss ` — the quoted times and the duration.
    fn span(&mut self, a: Ticks, b: Ticks, end_key: &str) -> Result<(), SimError> {
        let w = &mut self.f.out.w;
        let res = write_netscaler(w, a)
            .and_then(|_| write!(w, "\" - {end_key} \""))
            .and_then(|_| write_netscaler(w, b))
            .and_then(|_| w.write_all(b"\" - Duration "))
            .and_then(|_| write_duration(w, b - a))
            .and_then(|_| w.write_all(b" "));
        res.map_err(|e| self.f.out.err(e))
    }

    fn failed(&mut self, t: Ticks, user: &str, ip: &str, agent: &str) -> Result<(), SimError> {
        self.head(t, "AAA LOGIN_FAILED")?;
        line!(self.f, "User {user} - Client_ip {ip} - Failure_reason \"Invalid credentials\" - Browser_type \"{agent}\"\n")
    }
}
