//! EventData builders: the values of each event id in its template's field order, for
//! one host. Shared by the background and the attack.

use crate::time::Ticks;
use crate::win::V;
use crate::world::{Host, World, DOMAIN};

/// A security principal as the Subject/Target fields show it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Acct<'a> {
    pub sid: &'a str,
    pub rid: Option<u32>,
    pub name: &'a str,
    pub domain: &'a str,
}

impl<'a> Acct<'a> {
    pub(crate) fn sid(&self) -> V<'a> {
        match self.rid {
            Some(r) => V::Sid(self.sid, r),
            None => V::S(self.sid),
        }
    }
    pub(crate) fn user(w: &'a World, i: usize) -> Acct<'a> {
        Acct {
            sid: &w.domain_sid,
            rid: Some(w.users[i].rid),
            name: &w.users[i].sam,
            domain: DOMAIN,
        }
    }
    pub(crate) fn machine(h: &'a Host) -> Acct<'a> {
        Acct {
            sid: "S-1-5-18",
            rid: None,
            name: &h.machine,
            domain: DOMAIN,
        }
    }
    pub(crate) const SYSTEM: Acct<'static> = Acct {
        sid: "S-1-5-18",
        rid: None,
        name: "SYSTEM",
        domain: "NT AUTHORITY",
    };
    const NOBODY: Acct<'static> = Acct {
        sid: "S-1-0-0",
        rid: None,
        name: "-",
        domain: "-",
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    Kerberos,
    Ntlm,
    Interactive,
    Rdp,
    Service,
}

pub(crate) struct Logon<'a> {
    pub user: Acct<'a>,
    pub id: u64,
    pub ltype: u8,
    pub auth: Auth,
    pub ip: &'a str,
    pub port: u16,
    /// The client's name (NTLM) — otherwise the host's own name is used.
    pub workstation: &'a str,
    pub elevated: bool,
    pub guid: u128,
}

const ZERO_GUID: u128 = 0;

pub(crate) fn e4624<'a>(h: &'a Host, l: &Logon<'a>) -> [V<'a>; 27] {
    use Auth::*;
    let network = matches!(l.auth, Kerberos | Ntlm);
    let subj = if network {
        Acct::NOBODY
    } else {
        Acct::machine(h)
    };
    let subj_id = if network { 0 } else { 0x3e7 };
    let (proc_name, ws) = match l.auth {
        Kerberos => ("Kerberos", "-"),
        Ntlm => ("NtLmSsp ", l.workstation),
        Interactive | Rdp => ("User32 ", h.name.as_str()),
        Service => ("Advapi  ", "-"),
    };
    let package = match l.auth {
        Kerberos => "Kerberos",
        Ntlm => "NTLM",
        _ => "Negotiate",
    };
    let (pid, image) = match l.auth {
        Kerberos | Ntlm => (0, "-"),
        Service => (
            u64::from(h.services_pid),
            "C:\\Windows\\System32\\services.exe",
        ),
        _ => (
            u64::from(h.services_pid) + 0x1c,
            "C:\\Windows\\System32\\svchost.exe",
        ),
    };
    let (ip, port) = match l.auth {
        Interactive => (V::S("127.0.0.1"), V::S("0")),
        Service => (V::S("-"), V::S("-")),
        _ => (V::S(l.ip), V::U(u64::from(l.port))),
    };
    let yes_no = |b| V::S(if b { "%%1842" } else { "%%1843" });
    [
        subj.sid(),
        V::S(subj.name),
        V::S(subj.domain),
        V::Hex(subj_id),
        l.user.sid(),
        V::S(l.user.name),
        V::S(l.user.domain),
        V::Hex(l.id),
        V::U(u64::from(l.ltype)),
        V::S(proc_name),
        V::S(package),
        V::S(ws),
        V::Guid(if matches!(l.auth, Ntlm | Service) {
            ZERO_GUID
        } else {
            l.guid
        }),
        V::S("-"),
        V::S(if l.auth == Ntlm { "NTLM V2" } else { "-" }),
        V::U(if l.auth == Ntlm { 128 } else { 0 }),
        V::Hex(pid),
        V::S(image),
        ip,
        port,
        V::S("%%1833"),
        V::S(if l.auth == Rdp { "%%1843" } else { "-" }),
        V::S("-"),
        V::S("-"),
        V::S("%%1843"),
        V::Hex(0),
        yes_no(l.elevated),
    ]
}

pub(crate) fn e4634<'a>(user: Acct<'a>, id: u64, ltype: u8) -> [V<'a>; 5] {
    [
        user.sid(),
        V::S(user.name),
        V::S(user.domain),
        V::Hex(id),
        V::U(u64::from(ltype)),
    ]
}

pub(crate) const ADMIN_PRIVS: &str = "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege";
pub(crate) const SYSTEM_PRIVS: &str = "SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeAuditPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege";

pub(crate) fn e4672<'a>(user: Acct<'a>, id: u64, privs: &'a str) -> [V<'a>; 5] {
    [
        user.sid(),
        V::S(user.name),
        V::S(user.domain),
        V::Hex(id),
        V::S(privs),
    ]
}

/// Static facts about an executable, as Sysmon reports them.
#[derive(Debug)]
pub(crate) struct Exe {
    pub image: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    pub product: &'static str,
    pub company: &'static str,
    pub original: &'static str,
}

/// A running process.
#[derive(Debug, Clone)]
pub(crate) struct Proc<'a> {
    pub guid: u64,
    pub pid: u32,
    pub image: V<'a>,
    pub cmd: V<'a>,
    /// `DOMAIN\user` as Sysmon writes it.
    pub user: V<'a>,
}

/// Everything one process start records (Sysmon 1 and Security 4688).
pub(crate) struct Start<'a> {
    pub exe: &'a Exe,
    pub p: Proc<'a>,
    pub parent: Proc<'a>,
    pub cwd: V<'a>,
    pub subject: Acct<'a>,
    pub logon_id: u64,
    pub session: u32,
    /// `High`, `Medium` or `System`.
    pub integrity: &'static str,
    pub hashes: V<'a>,
}

pub(crate) fn s1<'a>(h: &Host, t: Ticks, s: &Start<'a>) -> [V<'a>; 23] {
    let e = s.exe;
    [
        V::S("-"),
        V::Utc(t),
        V::PGuid(h.guid_tag, s.p.guid),
        V::U(u64::from(s.p.pid)),
        s.p.image.clone(),
        V::S(e.version),
        V::S(e.description),
        V::S(e.product),
        V::S(e.company),
        V::S(e.original),
        s.p.cmd.clone(),
        s.cwd.clone(),
        s.p.user.clone(),
        V::PGuid(h.guid_tag, 0x0020_0000_0000 | s.logon_id),
        V::Hex(s.logon_id),
        V::U(u64::from(s.session)),
        V::S(s.integrity),
        s.hashes.clone(),
        V::PGuid(h.guid_tag, s.parent.guid),
        V::U(u64::from(s.parent.pid)),
        s.parent.image.clone(),
        s.parent.cmd.clone(),
        s.parent.user.clone(),
    ]
}

pub(crate) fn e4688<'a>(s: &Start<'a>) -> [V<'a>; 15] {
    let (elevation, label) = match s.integrity {
        "System" => ("%%1936", "S-1-16-16384"),
        "High" => ("%%1937", "S-1-16-12288"),
        _ => ("%%1938", "S-1-16-8192"),
    };
    [
        s.subject.sid(),
        V::S(s.subject.name),
        V::S(s.subject.domain),
        V::Hex(s.logon_id),
        V::Hex(u64::from(s.p.pid)),
        s.p.image.clone(),
        V::S(elevation),
        V::Hex(u64::from(s.parent.pid)),
        s.p.cmd.clone(),
        V::S("S-1-0-0"),
        V::S("-"),
        V::S("-"),
        V::Hex(0),
        s.parent.image.clone(),
        V::S(label),
    ]
}

/// Sysmon 11: `p` created `target`.
pub(crate) fn s11<'a>(h: &Host, t: Ticks, p: &Proc<'a>, target: V<'a>) -> [V<'a>; 8] {
    [
        V::S("-"),
        V::Utc(t),
        V::PGuid(h.guid_tag, p.guid),
        V::U(u64::from(p.pid)),
        p.image.clone(),
        target,
        V::Utc(t),
        p.user.clone(),
    ]
}

/// Sysmon 3: an outbound TCP connection.
pub(crate) struct Conn<'a> {
    pub src_port: u16,
    pub dst_ip: &'a str,
    pub dst_host: &'a str,
    pub dst_port: u16,
    pub dst_port_name: &'a str,
}

pub(crate) fn s3<'a>(h: &'a Host, t: Ticks, p: &Proc<'a>, c: &Conn<'a>) -> [V<'a>; 18] {
    [
        V::S("-"),
        V::Utc(t),
        V::PGuid(h.guid_tag, p.guid),
        V::U(u64::from(p.pid)),
        p.image.clone(),
        p.user.clone(),
        V::S("tcp"),
        V::B(true),
        V::B(false),
        V::S(&h.ip),
        V::S(&h.fqdn),
        V::U(u64::from(c.src_port)),
        V::S("-"),
        V::B(false),
        V::S(c.dst_ip),
        V::S(c.dst_host),
        V::U(u64::from(c.dst_port)),
        V::S(c.dst_port_name),
    ]
}

/// Sysmon 10: `src` opened `target` with `access`.
pub(crate) fn s10<'a>(
    h: &Host,
    t: Ticks,
    src: &Proc<'a>,
    target: &Proc<'a>,
    access: u64,
    trace: &'a str,
) -> [V<'a>; 13] {
    [
        V::S("-"),
        V::Utc(t),
        V::PGuid(h.guid_tag, src.guid),
        V::U(u64::from(src.pid)),
        V::U(u64::from(src.pid) + 4),
        src.image.clone(),
        V::PGuid(h.guid_tag, target.guid),
        V::U(u64::from(target.pid)),
        target.image.clone(),
        V::Hex(access),
        V::S(trace),
        src.user.clone(),
        target.user.clone(),
    ]
}

/// Security 5145: a share object was checked for access.
pub(crate) struct ShareAccess<'a> {
    pub user: Acct<'a>,
    pub logon_id: u64,
    pub ip: &'a str,
    pub port: u16,
    /// `\\*\Finance`.
    pub share: V<'a>,
    /// `\??\D:\Shares\Finance` (empty for IPC$).
    pub local: V<'a>,
    pub target: V<'a>,
    pub mask: u64,
    pub access_list: &'a str,
}

pub(crate) fn e5145<'a>(a: &ShareAccess<'a>) -> [V<'a>; 13] {
    [
        a.user.sid(),
        V::S(a.user.name),
        V::S(a.user.domain),
        V::Hex(a.logon_id),
        V::S("File"),
        V::S(a.ip),
        V::U(u64::from(a.port)),
        a.share.clone(),
        a.local.clone(),
        a.target.clone(),
        V::Hex(a.mask),
        V::S(a.access_list),
        V::S("-"),
    ]
}

pub(crate) fn e7036<'a>(display: &'a str, running: bool, binary: V<'a>) -> [V<'a>; 3] {
    [
        V::S(display),
        V::S(if running { "running" } else { "stopped" }),
        binary,
    ]
}

pub(crate) fn e7045<'a>(
    name: &'a str,
    path: &'a str,
    start: &'a str,
    account: &'a str,
) -> [V<'a>; 5] {
    [
        V::S(name),
        V::S(path),
        V::S("user mode service"),
        V::S(start),
        V::S(account),
    ]
}

/// Sysmon's `Hashes` value for an executable (stable per image path).
pub(crate) fn fake_hashes(image: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in image.to_ascii_lowercase().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut next = || {
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z ^ (z >> 31)
    };
    let mut hex = |n: usize| {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            s.push_str(&format!("{:016X}", next()));
        }
        s.truncate(n);
        s
    };
    format!(
        "SHA1={},MD5={},SHA256={},IMPHASH={}",
        hex(40),
        hex(32),
        hex(64),
        hex(32)
    )
}
