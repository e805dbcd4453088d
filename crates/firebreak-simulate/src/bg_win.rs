//! Background activity of one Windows host: its Security, System and Sysmon logs,
//! written together in one pass (with the attack's records for that host merged in).

use crate::catalog::{
    App, ADMIN_APPS, EXPLORER, SERVICES, SYSTEM_APPS, USERINIT, USER_APPS, USER_FILES,
};
use crate::emit::{PlacedLabels, Queues, WinFile};
use crate::out::{Addr, Out};
use crate::rng::Rng;
use crate::sched::{minutes, Due, Profile, Sched};
use crate::time::{weekday, Ticks, DAY, HOUR, SEC};
use crate::win::{
    scm_binary, Tpl, E4624, E4634, E4647, E4672, E4688, E4768, E4769, E4776, E5145, E7036, S1, S11,
    S3,
};
use crate::winev::{
    self, fake_hashes, Acct, Auth, Conn, Logon, Proc, ShareAccess, Start, ADMIN_PRIVS, SYSTEM_PRIVS,
};
use crate::world::{Host, Role, ShareFile, World, DOMAIN, PROXY_IP, PROXY_PORT};
use crate::SimError;
use std::path::Path;

const K_APP: u8 = 0;
const K_SYSPROC: u8 = 1;
const K_NET: u8 = 2;
const K_FILE: u8 = 3;
const K_SVCLOGON: u8 = 4;
const K_SVCSTATE: u8 = 5;
const K_TGT: u8 = 6;
const K_TGS: u8 = 7;
const K_NTLM: u8 = 8;
const K_NETLOGON: u8 = 9;
const K_SHARE: u8 = 10;
const K_SMBFILE: u8 = 11;
const K_ADMIN: u8 = 12;

/// Background streams per role: kind, arrivals per hour at peak (per host, or per
/// person for the servers' per-user streams), profile, per-user?
const STREAMS: &[(Role, u8, f64, Profile, bool)] = &[
    (Role::Workstation, K_APP, 9.0, Profile::Office, false),
    (Role::Workstation, K_NET, 7.0, Profile::Office, false),
    (Role::Workstation, K_FILE, 5.0, Profile::Office, false),
    (Role::Dc, K_TGT, 0.5, Profile::Office, true),
    (Role::Dc, K_TGS, 1.5, Profile::Office, true),
    (Role::Dc, K_NTLM, 0.2, Profile::Office, true),
    (Role::Dc, K_NETLOGON, 0.6, Profile::Office, true),
    (Role::Dc, K_ADMIN, 0.15, Profile::Office, false),
    (Role::FileServer, K_NETLOGON, 0.3, Profile::Office, true),
    (Role::FileServer, K_SHARE, 1.5, Profile::Office, true),
    (Role::FileServer, K_SMBFILE, 0.5, Profile::Office, true),
    (Role::FileServer, K_ADMIN, 0.1, Profile::Office, false),
];
/// Streams every host has.
const COMMON: &[(u8, f64)] = &[(K_SYSPROC, 2.0), (K_SVCLOGON, 1.0), (K_SVCSTATE, 0.8)];

const ACCESS_READ: &str =
    "%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%4419\r\n\t\t\t\t%%4423\r\n\t\t\t\t";

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Later {
    DayLogon,
    DayLogoff { id: u64 },
    Logoff { user: usize, id: u64, ltype: u8 },
    SvcStop { svc: usize },
    Backup,
    Support,
}

/// Strings computed once per run and borrowed by records.
pub(crate) struct Tables {
    user_hashes: Vec<String>,
    sys_hashes: Vec<String>,
    admin_hashes: Vec<String>,
    svc_binary: Vec<[String; 2]>,
    explorer_hash: String,
}

impl Tables {
    pub(crate) fn new() -> Tables {
        let hashes =
            |apps: &[(u32, App)]| apps.iter().map(|(_, a)| fake_hashes(a.exe.image)).collect();
        Tables {
            user_hashes: hashes(USER_APPS),
            sys_hashes: hashes(SYSTEM_APPS),
            admin_hashes: hashes(ADMIN_APPS),
            svc_binary: SERVICES
                .iter()
                .map(|(_, key)| [scm_binary(key, false), scm_binary(key, true)])
                .collect(),
            explorer_hash: fake_hashes(EXPLORER.image),
        }
    }
}

/// The owner's current interactive session.
struct Session {
    id: u64,
    explorer: u32,
    guid: u64,
}

struct Gen<'w> {
    w: &'w World,
    h: &'w Host,
    shares: &'w [ShareFile],
    tables: &'w Tables,
    rng: Rng,
    sec: WinFile,
    sys: WinFile,
    smon: WinFile,
    seq: u64,
    session: Session,
}

/// Write `<host>/Security.xml`, `System.xml` and `Sysmon.jsonl`. Returns the record count.
pub(crate) fn write_host(
    w: &World,
    hi: usize,
    shares: &[ShareFile],
    tables: &Tables,
    out_dir: &Path,
    queues: &mut Queues,
    placed: &mut PlacedLabels,
) -> Result<u64, SimError> {
    let h = &w.hosts[hi];
    let mut rng = Rng::derive(w.seed, &h.name);
    let mut file = |name: &str, json: bool, rng: &mut Rng| -> Result<WinFile, SimError> {
        let rel = format!("{}/{name}", h.name);
        let addr = if json { Addr::Line } else { Addr::Record };
        let out = Out::create(out_dir, &rel, addr, 10)?;
        Ok(WinFile::new(
            out,
            rng.range(2_000, 900_000) as u64,
            json,
            queues.take(&rel),
        ))
    };
    let sec = file("Security.xml", false, &mut rng)?;
    let sys = file("System.xml", false, &mut rng)?;
    let smon = file("Sysmon.jsonl", true, &mut rng)?;
    let mut sched = Sched::new(w.start, w.end);
    plan(w, hi, &mut rng, &mut sched);
    let session = Session {
        id: rng.range(0x10_0000, 0x8f_ffff) as u64,
        explorer: rng.range(1000, 2000) as u32 * 4,
        guid: rng.next_u64(),
    };
    let gen = Gen {
        w,
        h,
        shares,
        tables,
        rng,
        sec,
        sys,
        smon,
        seq: 1,
        session,
    };
    gen.run(&mut sched, placed)
}

fn plan(w: &World, hi: usize, rng: &mut Rng, sched: &mut Sched<Later>) {
    let h = &w.hosts[hi];
    let people = w.staff().len() as f64;
    for &(role, kind, rate, profile, per_user) in STREAMS {
        if role == h.role {
            let rate = if per_user { rate * people } else { rate };
            sched.add(rng, kind, rate * w.intensity, profile);
        }
    }
    for &(kind, rate) in COMMON {
        sched.add(rng, kind, rate * w.intensity, Profile::Flat);
    }
    let mut day = w.start - w.start.rem_euclid(DAY);
    while day < w.end {
        match h.role {
            Role::Workstation if weekday(day) < 5 && rng.chance(0.92) => {
                sched.defer(day + 6 * HOUR + minutes(rng, 40, 140), Later::DayLogon);
            }
            Role::FileServer => sched.defer(day + minutes(rng, 20, 40), Later::Backup),
            _ => {}
        }
        day += DAY;
    }
    if hi == w.patient_zero {
        let support = w.t0 - w.t0.rem_euclid(DAY) - DAY + 10 * HOUR + minutes(rng, 20, 50);
        sched.defer(support, Later::Support);
    }
}

impl<'w> Gen<'w> {
    fn run(mut self, sched: &mut Sched<Later>, placed: &mut PlacedLabels) -> Result<u64, SimError> {
        loop {
            let next = sched.peek().unwrap_or(Ticks::MAX);
            self.sec.flush_until(self.h, next, placed)?;
            self.sys.flush_until(self.h, next, placed)?;
            self.smon.flush_until(self.h, next, placed)?;
            let Some((t, due)) = sched.pop(&mut self.rng) else {
                break;
            };
            match due {
                Due::Stream(k) => self.stream(k, t, sched)?,
                Due::Deferred(d) => self.later(d, t, sched)?,
            }
        }
        Ok(self.sec.finish()? + self.sys.finish()? + self.smon.finish()?)
    }

    fn security(&mut self, tpl: &Tpl, t: Ticks, vals: &[crate::win::V]) -> Result<(), SimError> {
        let tid = self.rng.range(100, 2000) as u32 * 4;
        self.sec
            .write(self.h, tpl, t, self.h.lsass_pid, tid, None, vals)
    }

    fn sysmon(&mut self, tpl: &Tpl, t: Ticks, vals: &[crate::win::V]) -> Result<(), SimError> {
        let tid = self.rng.range(500, 1500) as u32 * 4;
        self.smon.write(
            self.h,
            tpl,
            t,
            self.h.sysmon_pid,
            tid,
            Some("S-1-5-18"),
            vals,
        )
    }

    fn system(&mut self, tpl: &Tpl, t: Ticks, vals: &[crate::win::V]) -> Result<(), SimError> {
        let tid = self.rng.range(100, 3000) as u32 * 4;
        self.sys
            .write(self.h, tpl, t, self.h.services_pid, tid, None, vals)
    }

    fn next_proc(&mut self) -> (u64, u32) {
        self.seq += 1;
        let guid = (self.seq << 32) ^ (self.rng.next_u64() & 0xffff_ffff);
        (guid, self.rng.range(300, 4000) as u32 * 4)
    }

    fn owner(&self) -> usize {
        self.h.owner.unwrap_or(self.w.admin_person)
    }

    fn peer(&mut self) -> usize {
        self.rng.below(self.w.staff().len() as u64) as usize
    }

    fn ws_ip(&self, user: usize) -> &'w str {
        let w = self.w;
        w.users[user]
            .ws
            .map_or("10.0.2.10", |h| w.hosts[h].ip.as_str())
    }

    fn stream(&mut self, k: u8, t: Ticks, sched: &mut Sched<Later>) -> Result<(), SimError> {
        match k {
            K_APP => self.user_app(t),
            K_SYSPROC => self.system_app(t),
            K_NET => self.user_net(t),
            K_FILE => self.user_file(t),
            K_SVCLOGON => self.service_logon(t),
            K_SVCSTATE => {
                let svc = self.rng.below(SERVICES.len() as u64) as usize;
                self.service_state(t, svc, true)?;
                sched.defer(t + minutes(&mut self.rng, 1, 25), Later::SvcStop { svc });
                Ok(())
            }
            K_TGT | K_TGS | K_NTLM => self.kerberos(k, t),
            K_NETLOGON => self.network_logon(t, sched),
            K_SHARE => self.share_access(t),
            K_SMBFILE => self.smb_file(t),
            K_ADMIN => self.admin_session(t, sched),
            _ => Ok(()),
        }
    }

    fn later(&mut self, d: Later, t: Ticks, sched: &mut Sched<Later>) -> Result<(), SimError> {
        match d {
            Later::DayLogon => self.day_logon(t, sched),
            Later::DayLogoff { id } => {
                let user = Acct::user(self.w, self.owner());
                self.security(
                    &E4647,
                    t,
                    &[
                        user.sid(),
                        crate::win::V::S(user.name),
                        crate::win::V::S(DOMAIN),
                        crate::win::V::Hex(id),
                    ],
                )?;
                self.security(&E4634, t + 3 * MS_, &winev::e4634(user, id, 2))
            }
            Later::Logoff { user, id, ltype } => self.security(
                &E4634,
                t,
                &winev::e4634(Acct::user(self.w, user), id, ltype),
            ),
            Later::SvcStop { svc } => self.service_state(t, svc, false),
            Later::Backup => self.backup(t),
            Later::Support => {
                let admin = self.w.admin;
                let ip = self.ws_ip(self.w.admin_person);
                self.rdp_admin(t, admin, ip, sched)
            }
        }
    }

    fn explorer(&self) -> Proc<'w> {
        let sam = &self.w.users[self.owner()].sam;
        Proc {
            guid: self.session.guid,
            pid: self.session.explorer,
            image: crate::win::V::S(EXPLORER.image),
            cmd: crate::win::V::S("C:\\Windows\\Explorer.EXE"),
            user: crate::win::V::Cat("CORP\\", sam),
        }
    }

    fn services(&self) -> Proc<'w> {
        Proc {
            guid: 1,
            pid: self.h.services_pid,
            image: crate::win::V::S("C:\\Windows\\System32\\services.exe"),
            cmd: crate::win::V::S("C:\\Windows\\system32\\services.exe"),
            user: crate::win::V::S("NT AUTHORITY\\SYSTEM"),
        }
    }

    fn start(&mut self, t: Ticks, s: &Start<'w>) -> Result<(), SimError> {
        self.sysmon(&S1, t, &winev::s1(self.h, t, s))?;
        let t2 = t + self.rng.range(1, 20 * MS_);
        self.security(&E4688, t2, &winev::e4688(s))
    }

    fn user_app(&mut self, t: Ticks) -> Result<(), SimError> {
        use crate::win::V;
        let i = self.rng.below(USER_APPS.len() as u64) as usize;
        let i = if self.rng.chance(0.5) {
            weighted_index(&mut self.rng, USER_APPS)
        } else {
            i
        };
        let app = &USER_APPS[i].1;
        let owner = self.owner();
        let sam: &'w str = &self.w.users[owner].sam;
        let (guid, pid) = self.next_proc();
        let s = Start {
            exe: &app.exe,
            p: Proc {
                guid,
                pid,
                image: V::Tpl(app.exe.image, sam),
                cmd: V::Tpl(app.cmd, sam),
                user: V::Cat("CORP\\", sam),
            },
            parent: self.explorer(),
            cwd: V::Tpl("C:\\Users\\{U}\\", sam),
            subject: Acct::user(self.w, owner),
            logon_id: self.session.id,
            session: 1,
            integrity: "Medium",
            hashes: V::S(&self.tables.user_hashes[i]),
        };
        self.start(t, &s)
    }

    fn system_app(&mut self, t: Ticks) -> Result<(), SimError> {
        use crate::win::V;
        let i = weighted_index(&mut self.rng, SYSTEM_APPS);
        let app = &SYSTEM_APPS[i].1;
        let (guid, pid) = self.next_proc();
        let s = Start {
            exe: &app.exe,
            p: Proc {
                guid,
                pid,
                image: V::S(app.exe.image),
                cmd: V::S(app.cmd),
                user: V::S("NT AUTHORITY\\SYSTEM"),
            },
            parent: self.services(),
            cwd: V::S("C:\\Windows\\system32\\"),
            subject: Acct::machine(self.h),
            logon_id: 0x3e7,
            session: 0,
            integrity: "System",
            hashes: V::S(&self.tables.sys_hashes[i]),
        };
        self.start(t, &s)
    }

    fn user_net(&mut self, t: Ticks) -> Result<(), SimError> {
        use crate::win::V;
        let i = *self.rng.pick(&[0usize, 0, 1, 2, 5]);
        let sam: &'w str = &self.w.users[self.owner()].sam;
        let p = Proc {
            guid: self.session.guid ^ (i as u64 + 1),
            pid: self.session.explorer + 4 * (i as u32 + 7),
            image: V::Tpl(USER_APPS[i].1.exe.image, sam),
            cmd: V::S(""),
            user: V::Cat("CORP\\", sam),
        };
        let c = Conn {
            src_port: self.rng.range(49_152, 65_535) as u16,
            dst_ip: PROXY_IP,
            dst_host: "proxy.corp.local",
            dst_port: PROXY_PORT,
            dst_port_name: "-",
        };
        self.sysmon(&S3, t, &winev::s3(self.h, t, &p, &c))
    }

    fn user_file(&mut self, t: Ticks) -> Result<(), SimError> {
        use crate::win::V;
        let &(app, path) = self.rng.pick(USER_FILES);
        let sam: &'w str = &self.w.users[self.owner()].sam;
        let p = Proc {
            guid: self.session.guid ^ (app as u64 + 1),
            pid: self.session.explorer + 4 * (app as u32 + 7),
            image: V::Tpl(USER_APPS[app].1.exe.image, sam),
            cmd: V::S(""),
            user: V::Cat("CORP\\", sam),
        };
        self.sysmon(&S11, t, &winev::s11(self.h, t, &p, V::Tpl(path, sam)))
    }

    fn service_logon(&mut self, t: Ticks) -> Result<(), SimError> {
        let l = Logon {
            user: Acct::SYSTEM,
            id: 0x3e7,
            ltype: 5,
            auth: Auth::Service,
            ip: "-",
            port: 0,
            workstation: "-",
            elevated: true,
            guid: 0,
        };
        self.security(&E4624, t, &winev::e4624(self.h, &l))?;
        self.security(&E4672, t, &winev::e4672(Acct::SYSTEM, 0x3e7, SYSTEM_PRIVS))
    }

    fn service_state(&mut self, t: Ticks, svc: usize, running: bool) -> Result<(), SimError> {
        let bin = &self.tables.svc_binary[svc][usize::from(running)];
        let vals = winev::e7036(SERVICES[svc].0, running, crate::win::V::S(bin));
        self.system(&E7036, t, &vals)
    }

    fn kerberos(&mut self, k: u8, t: Ticks) -> Result<(), SimError> {
        use crate::win::V;
        let w = self.w;
        let u = self.peer();
        let user = &w.users[u];
        let ip = self.ws_ip(u);
        let port = self.rng.range(49_152, 65_535) as u64;
        match k {
            K_TGT => {
                let vals = [
                    V::S(&user.sam),
                    V::S("CORP.LOCAL"),
                    V::Sid(&w.domain_sid, user.rid),
                    V::S("krbtgt"),
                    V::Sid(&w.domain_sid, 502),
                    V::Hex(0x4081_0010),
                    V::Hex(0),
                    V::Hex(0x12),
                    V::U(2),
                    V::Cat("::ffff:", ip),
                    V::U(port),
                    V::S(""),
                    V::S(""),
                    V::S(""),
                ];
                self.security(&E4768, t, &vals)
            }
            K_TGS => {
                let target = if self.rng.chance(0.5) { w.fs } else { w.dc };
                let vals = [
                    V::Cat(&user.sam, "@CORP.LOCAL"),
                    V::S("CORP.LOCAL"),
                    V::S(&w.hosts[target].machine),
                    V::Sid(&w.domain_sid, 1000 + target as u32),
                    V::Hex(0x4081_0000),
                    V::Hex(0x12),
                    V::Cat("::ffff:", ip),
                    V::U(port),
                    V::Hex(0),
                    V::Guid(self.rng.next_u64() as u128 * 0x1_0000_0001),
                    V::S("-"),
                ];
                self.security(&E4769, t, &vals)
            }
            _ => {
                let status = if self.rng.chance(0.05) {
                    0xc000_006a
                } else {
                    0
                };
                let ws = user.ws.map_or("-", |h| w.hosts[h].name.as_str());
                let vals = [
                    V::S("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"),
                    V::S(&user.sam),
                    V::S(ws),
                    V::Hex(status),
                ];
                self.security(&E4776, t, &vals)
            }
        }
    }

    fn network_logon(&mut self, t: Ticks, sched: &mut Sched<Later>) -> Result<(), SimError> {
        let u = self.peer();
        let id = self.rng.range(0x100_0000, 0xfff_ffff) as u64;
        let l = Logon {
            user: Acct::user(self.w, u),
            id,
            ltype: 3,
            auth: Auth::Kerberos,
            ip: self.ws_ip(u),
            port: self.rng.range(49_152, 65_535) as u16,
            workstation: "-",
            elevated: false,
            guid: u128::from(self.rng.next_u64()) << 64 | u128::from(self.rng.next_u64()),
        };
        self.security(&E4624, t, &winev::e4624(self.h, &l))?;
        let stay = if self.h.role == Role::Dc {
            self.rng.range(SEC, 40 * SEC)
        } else {
            minutes(&mut self.rng, 5, 90)
        };
        sched.defer(
            t + stay,
            Later::Logoff {
                user: u,
                id,
                ltype: 3,
            },
        );
        Ok(())
    }

    fn share_access(&mut self, t: Ticks) -> Result<(), SimError> {
        use crate::win::V;
        let u = self.peer();
        let f = self.rng.pick(self.shares);
        let rest = f.path.strip_prefix("Shares\\").unwrap_or(&f.path);
        let (dept, rel) = rest.split_once('\\').unwrap_or((rest, ""));
        let a = ShareAccess {
            user: Acct::user(self.w, u),
            logon_id: self.rng.range(0x100_0000, 0xfff_ffff) as u64,
            ip: self.ws_ip(u),
            port: self.rng.range(49_152, 65_535) as u16,
            share: V::Cat("\\\\*\\", dept),
            local: V::Cat("\\??\\D:\\Shares\\", dept),
            target: V::S(rel),
            mask: 0x12_0089,
            access_list: ACCESS_READ,
        };
        self.security(&E5145, t, &winev::e5145(&a))
    }

    fn smb_file(&mut self, t: Ticks) -> Result<(), SimError> {
        use crate::win::V;
        let f = self.rng.pick(self.shares);
        let p = Proc {
            guid: 2,
            pid: 4,
            image: V::S("System"),
            cmd: V::S(""),
            user: V::S("NT AUTHORITY\\SYSTEM"),
        };
        self.sysmon(&S11, t, &winev::s11(self.h, t, &p, V::Cat("D:\\", &f.path)))
    }

    fn admin_session(&mut self, t: Ticks, sched: &mut Sched<Later>) -> Result<(), SimError> {
        let admin = self.w.admin + self.rng.below(2) as usize;
        let person = admin - self.w.admin;
        let ip = self.ws_ip(person);
        self.rdp_admin(t, admin, ip, sched)
    }

    /// An administrator's RDP session: logon, privileges, a tool, logoff later.
    fn rdp_admin(
        &mut self,
        t: Ticks,
        admin: usize,
        ip: &'w str,
        sched: &mut Sched<Later>,
    ) -> Result<(), SimError> {
        use crate::win::V;
        let id = self.rng.range(0x100_0000, 0xfff_ffff) as u64;
        let user = Acct::user(self.w, admin);
        let l = Logon {
            user,
            id,
            ltype: 10,
            auth: Auth::Rdp,
            ip,
            port: 0,
            workstation: "-",
            elevated: true,
            guid: u128::from(self.rng.next_u64()),
        };
        self.security(&E4624, t, &winev::e4624(self.h, &l))?;
        self.security(&E4672, t, &winev::e4672(user, id, ADMIN_PRIVS))?;
        let i = weighted_index(&mut self.rng, ADMIN_APPS);
        let app = &ADMIN_APPS[i].1;
        let (guid, pid) = self.next_proc();
        let sam: &'w str = &self.w.users[admin].sam;
        let s = Start {
            exe: &app.exe,
            p: Proc {
                guid,
                pid,
                image: V::S(app.exe.image),
                cmd: V::S(app.cmd),
                user: V::Cat("CORP\\", sam),
            },
            parent: Proc {
                guid: guid ^ 0xe,
                pid: pid + 8,
                image: V::S(EXPLORER.image),
                cmd: V::S("C:\\Windows\\Explorer.EXE"),
                user: V::Cat("CORP\\", sam),
            },
            cwd: V::Tpl("C:\\Users\\{U}\\", sam),
            subject: user,
            logon_id: id,
            session: 2,
            integrity: "High",
            hashes: V::S(&self.tables.admin_hashes[i]),
        };
        let t2 = t + self.rng.range(20 * SEC, 90 * SEC);
        self.start(t2, &s)?;
        sched.defer(
            t + minutes(&mut self.rng, 12, 45),
            Later::Logoff {
                user: admin,
                id,
                ltype: 10,
            },
        );
        Ok(())
    }

    fn day_logon(&mut self, t: Ticks, sched: &mut Sched<Later>) -> Result<(), SimError> {
        use crate::win::V;
        let owner = self.owner();
        let local_admin = owner == self.w.victim || owner < 2;
        let id = self.rng.range(0x100_0000, 0xfff_ffff) as u64;
        let user = Acct::user(self.w, owner);
        let l = Logon {
            user,
            id,
            ltype: 2,
            auth: Auth::Interactive,
            ip: "127.0.0.1",
            port: 0,
            workstation: "-",
            elevated: local_admin,
            guid: u128::from(self.rng.next_u64()) << 32,
        };
        self.security(&E4624, t, &winev::e4624(self.h, &l))?;
        if local_admin {
            self.security(&E4672, t, &winev::e4672(user, id, ADMIN_PRIVS))?;
        }
        let (guid, pid) = self.next_proc();
        self.session = Session {
            id,
            explorer: pid,
            guid,
        };
        let sam: &'w str = &self.w.users[owner].sam;
        let me = V::Cat("CORP\\", sam);
        let winlogon = Proc {
            guid: 3,
            pid: self.h.services_pid + 0x40,
            image: V::S("C:\\Windows\\System32\\winlogon.exe"),
            cmd: V::S("winlogon.exe"),
            user: V::S("NT AUTHORITY\\SYSTEM"),
        };
        let init = Proc {
            guid: guid ^ 0x55,
            pid: pid + 0x1c,
            image: V::S(USERINIT.image),
            cmd: V::S("C:\\Windows\\system32\\userinit.exe"),
            user: me.clone(),
        };
        let hash = &self.tables.explorer_hash;
        let common = |exe, p, parent| Start {
            exe,
            p,
            parent,
            cwd: V::S("C:\\Windows\\system32\\"),
            subject: user,
            logon_id: id,
            session: 1,
            integrity: "Medium",
            hashes: V::S(hash),
        };
        let s = common(&USERINIT, init.clone(), winlogon);
        self.start(t + 2 * SEC, &s)?;
        let s = common(&EXPLORER, self.explorer(), init);
        self.start(t + 3 * SEC, &s)?;
        let day = t - t.rem_euclid(DAY);
        sched.defer(
            day + 15 * HOUR + minutes(&mut self.rng, 30, 200),
            Later::DayLogoff { id },
        );
        Ok(())
    }

    fn backup(&mut self, t: Ticks) -> Result<(), SimError> {
        use crate::win::V;
        let w = self.w;
        let sam: &'w str = &w.users[w.backup_svc].sam;
        let (guid, pid) = self.next_proc();
        let exe = &crate::catalog::VEEAM_MANAGER;
        let s = Start {
            exe,
            p: Proc { guid, pid, image: V::S(exe.image), cmd: V::S("\"C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Manager.exe\" backup 8b5e1a57-3f2c-4a8e-9d1b-cloudtier"), user: V::Cat("CORP\\", sam) },
            parent: Proc { guid: 4, pid: self.h.services_pid + 0x300, image: V::S("C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Service.exe"), cmd: V::S("\"C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Service.exe\""), user: V::Cat("CORP\\", sam) },
            cwd: V::S("C:\\Windows\\system32\\"),
            subject: Acct::user(w, w.backup_svc),
            logon_id: 0x5_8a3c,
            session: 0,
            integrity: "High",
            hashes: V::S(&self.tables.explorer_hash),
        };
        self.start(t, &s)?;
        let c = Conn {
            src_port: self.rng.range(49_152, 65_535) as u16,
            dst_ip: PROXY_IP,
            dst_host: "proxy.corp.local",
            dst_port: PROXY_PORT,
            dst_port_name: "-",
        };
        self.sysmon(&S3, t + 4 * SEC, &winev::s3(self.h, t + 4 * SEC, &s.p, &c))
    }
}

const MS_: Ticks = crate::time::MS;

fn weighted_index<T>(rng: &mut Rng, xs: &[(u32, T)]) -> usize {
    let total: u64 = xs.iter().map(|(w, _)| u64::from(*w)).sum();
    let mut r = rng.below(total);
    for (i, (w, _)) in xs.iter().enumerate() {
        if r < u64::from(*w) {
            return i;
        }
        r -= u64::from(*w);
    }
    xs.len() - 1
}
