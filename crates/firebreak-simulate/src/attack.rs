//! The intrusion: every record the attacker caused, queued per output file, with the
//! labels `truth.json` is built from.

use crate::catalog::{self as cat};
use crate::emit::{Body, Queues, Rec, TextRec, WinRec};
use crate::netscaler;
use crate::rng::Rng;
use crate::squid;
use crate::time::{write_duration, write_netscaler, Ticks, DAY, MIN, MS, SEC};
use crate::win::{Tpl, E4624, E4648, E4672, E4688, E5145, E7036, E7045, S1, S10, S11, V};
use crate::winev::{
    self, fake_hashes, Acct, Auth, Exe, Logon, Proc, ShareAccess, Start, ADMIN_PRIVS,
};
use crate::world::{
    folder_of, ShareFile, World, DOMAIN, NOTE_NAME, NS_NAME, NS_SNIP, NS_VSERVER, RANSOM_EXT,
};
use std::collections::BTreeMap;

/// One labelled record (filled with its location once written).
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub host: String,
    pub phase: &'static str,
    pub technique: &'static str,
    pub description: String,
    /// False for the decoy (listed separately, not an attacker event).
    pub attack: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub from: String,
    pub to: String,
    pub user: String,
    pub method: &'static str,
    pub evidence: usize,
}

/// What the writers and `truth.json` need from the scenario.
#[derive(Debug, Default)]
pub(crate) struct Scenario {
    pub queues: Queues,
    pub labels: Vec<Label>,
    pub initial_access: usize,
    pub edges: Vec<Edge>,
    /// Per labelled host: first and last encryption record.
    pub impact_first: usize,
    pub impact_last: usize,
    pub impact_hosts: Vec<String>,
    pub files_encrypted: u64,
    /// FS01 share files' encryption times (parallel to the share list).
    pub enc_times: Vec<Option<Ticks>>,
    /// FS01 folders' ransom-note times.
    pub note_times: BTreeMap<String, Ticks>,
    pub decoy: usize,
    pub session_end: usize,
    pub compromised: Vec<String>,
}

/// Discovery commands run from the attacker's cmd.exe: program, command line, technique.
const DISCOVERY: &[(&Exe, &str, &str)] = &[
    (&cat::WHOAMI, "whoami /all", "T1033"),
    (
        &cat::NET,
        "net group \"domain admins\" /domain",
        "T1069.002",
    ),
    (&cat::NLTEST, "nltest /dclist:corp.local", "T1018"),
    (&cat::IPCONFIG, "ipconfig /all", "T1016"),
    (&cat::NET, "net view \\\\FS01", "T1135"),
    (
        &cat::ADFIND,
        "AdFind.exe -f \"(objectcategory=person)\" samaccountname memberof",
        "T1087.002",
    ),
    (
        &cat::ADFIND,
        "AdFind.exe -f \"(objectcategory=computer)\" name operatingSystem",
        "T1018",
    ),
    (&cat::NET, "net user {U} /domain", "T1087.002"),
];

/// One step of preparing a host for encryption; `stops` is the service it stops
/// (display name, key name) for its 7036 record.
struct Step {
    exe: &'static Exe,
    cmd: &'static str,
    phase: &'static str,
    technique: &'static str,
    stops: Option<(&'static str, &'static str)>,
}

/// Recovery inhibition and service stops, in order.
const PREPARE: &[Step] = &[
    Step {
        exe: &cat::POWERSHELL,
        cmd: "powershell.exe -nop -c \"Set-MpPreference -DisableRealtimeMonitoring $true\"",
        phase: "defense_evasion",
        technique: "T1562.001",
        stops: None,
    },
    Step {
        exe: &cat::VSSADMIN,
        cmd: "vssadmin.exe delete shadows /all /quiet",
        phase: "impact",
        technique: "T1490",
        stops: None,
    },
    Step {
        exe: &cat::WMIC,
        cmd: "wmic.exe shadowcopy delete /nointeractive",
        phase: "impact",
        technique: "T1490",
        stops: None,
    },
    Step {
        exe: &cat::BCDEDIT,
        cmd: "bcdedit.exe /set {default} recoveryenabled no",
        phase: "impact",
        technique: "T1490",
        stops: None,
    },
    Step {
        exe: &cat::WBADMIN,
        cmd: "wbadmin.exe delete catalog -quiet",
        phase: "impact",
        technique: "T1490",
        stops: None,
    },
    Step {
        exe: &cat::NET,
        cmd: "net.exe stop \"Veeam Backup Service\" /y",
        phase: "impact",
        technique: "T1489",
        stops: Some(("Veeam Backup Service", "VeeamBackupSvc")),
    },
    Step {
        exe: &cat::NET,
        cmd: "net.exe stop \"Veeam Backup Catalog Data Service\" /y",
        phase: "impact",
        technique: "T1489",
        stops: Some(("Veeam Backup Catalog Data Service", "VeeamCatalogSvc")),
    },
];

const PZ_FOLDERS: &[&str] = &[
    "Documents",
    "Desktop",
    "Downloads",
    "Pictures",
    "Documents\\Projects",
];
const PZ_STEMS: &[&str] = &[
    "Report", "Offer", "Notes", "Budget", "Photo", "Scan", "Contract", "Travel",
];
const PZ_EXTS: &[&str] = &["docx", "xlsx", "pdf", "jpg", "pptx"];

enum Chan {
    Security,
    System,
    Sysmon,
}

struct Plan<'w> {
    w: &'w World,
    rng: Rng,
    s: Scenario,
    seq: u64,
}

pub(crate) fn plan(w: &World, shares: &[ShareFile]) -> Scenario {
    let mut p = Plan {
        w,
        rng: Rng::derive(w.seed, "attack"),
        s: Scenario::default(),
        seq: 0x7000,
    };
    p.s.enc_times = vec![None; shares.len()];
    let victim = &w.users[w.victim];
    let admin = &w.users[w.admin];
    p.s.compromised = vec![
        format!("{DOMAIN}\\{}", victim.sam),
        format!("{DOMAIN}\\{}", admin.sam),
    ];
    p.gateway();
    let session = p.rdp();
    let cmd = p.discovery(&session);
    p.dump_lsass(&session, &cmd);
    let t_lat = w.t0 + 32 * MIN + p.rng.range(0, 60 * SEC);
    let dc = p.psexec(&session, w.dc, t_lat);
    let t_fs = t_lat + 4 * MIN + p.rng.range(0, 60 * SEC);
    let fs = p.psexec(&session, w.fs, t_fs);
    let _ = dc;
    let t_prep = t_lat + 9 * MIN;
    let t = p.prepare(w.fs, &fs, t_prep, None);
    let t = p.encrypt_fs(&fs, shares, t + 2 * MIN);
    let t = p.prepare(w.patient_zero, &cmd, t + 3 * MIN, Some(session.id));
    let t = p.encrypt_pz(&session, t + MIN);
    p.gateway_end(t + 6 * MIN);
    p.decoy();
    p.s
}

/// The attacker's RDP session on patient zero.
struct Session {
    id: u64,
    explorer: Proc<'static>,
}

impl<'w> Plan<'w> {
    fn label(
        &mut self,
        host: &str,
        phase: &'static str,
        technique: &'static str,
        description: String,
    ) -> usize {
        self.s.labels.push(Label {
            host: host.to_string(),
            phase,
            technique,
            description,
            attack: true,
        });
        self.s.labels.len() - 1
    }

    fn win(
        &mut self,
        host: usize,
        chan: Chan,
        tpl: &'static Tpl,
        t: Ticks,
        vals: &[V],
        label: Option<usize>,
    ) {
        let h = &self.w.hosts[host];
        let (file, pid, sid) = match chan {
            Chan::Security => ("Security.xml", h.lsass_pid, None),
            Chan::System => ("System.xml", h.services_pid, None),
            Chan::Sysmon => ("Sysmon.jsonl", h.sysmon_pid, Some("S-1-5-18".to_string())),
        };
        let rec = WinRec {
            tpl,
            pid,
            tid: self.rng.range(200, 2000) as u32 * 4,
            user_sid: sid,
            vals: vals.iter().map(V::to_static).collect(),
        };
        self.s.queues.push(
            &format!("{}/{file}", h.name),
            Rec {
                time: t,
                label,
                body: Body::Win(rec),
            },
        );
    }

    fn text(&mut self, file: &str, t: Ticks, before: String, after: String, label: Option<usize>) {
        self.s.queues.push(
            file,
            Rec {
                time: t,
                label,
                body: Body::Text(TextRec { before, after }),
            },
        );
    }

    fn proc(&mut self, image: &str, cmd: &str, user: &str) -> Proc<'static> {
        self.seq += 1;
        Proc {
            guid: (self.seq << 32) | (self.rng.next_u64() & 0xffff_ffff),
            pid: self.rng.range(1500, 4000) as u32 * 4,
            image: V::O(image.to_string()),
            cmd: V::O(cmd.to_string()),
            user: V::O(user.to_string()),
        }
    }

    /// A process start in Sysmon (1) and Security (4688), both labelled.
    #[allow(clippy::too_many_arguments)]
    fn start(
        &mut self,
        host: usize,
        t: Ticks,
        exe: &'static Exe,
        p: &Proc<'static>,
        parent: &Proc<'static>,
        subject: (Acct<'w>, u64),
        phase: &'static str,
        technique: &'static str,
        what: &str,
    ) {
        let name = self.w.hosts[host].name.clone();
        let hashes = fake_hashes(exe.image);
        let system = subject.1 == 0x3e7;
        let s = Start {
            exe,
            p: p.clone(),
            parent: parent.clone(),
            cwd: V::S(if system {
                "C:\\Windows\\system32\\"
            } else {
                "C:\\Users\\Public\\Music\\"
            }),
            subject: subject.0,
            logon_id: subject.1,
            session: if system { 0 } else { 2 },
            integrity: if system { "System" } else { "High" },
            hashes: V::O(hashes),
        };
        let cmd = match &p.cmd {
            V::O(c) => c.clone(),
            _ => String::new(),
        };
        let l = self.label(
            &name,
            phase,
            technique,
            format!("{what}: {cmd} (Sysmon process creation)"),
        );
        let h = &self.w.hosts[host];
        let vals = winev::s1(h, t, &s);
        self.win(host, Chan::Sysmon, &S1, t, &vals, Some(l));
        let l = self.label(
            &name,
            phase,
            technique,
            format!("{what}: {cmd} (Security process creation)"),
        );
        let t2 = t + self.rng.range(MS, 15 * MS);
        self.win(host, Chan::Security, &E4688, t2, &winev::e4688(&s), Some(l));
    }

    fn gateway(&mut self) {
        let w = self.w;
        let (u, ip) = (&w.users[w.victim].sam, &w.attacker_ip);
        let pre = netscaler::prefix();
        let t = w.t0 - self.rng.range(70 * SEC, 150 * SEC);
        let l = self.label(
            NS_NAME,
            "initial_access",
            "T1078",
            format!("Citrix gateway login failure for {u} from {ip}"),
        );
        self.text(netscaler::FILE, t, pre.clone(), format!(" {NS_NAME} 0-PPE-0 : default AAA LOGIN_FAILED 96001 0 : User {u} - Client_ip {ip} - Failure_reason \"Invalid credentials\" - Browser_type \"{AGENT}\""), Some(l));
        let l = self.label(
            NS_NAME,
            "initial_access",
            "T1078",
            format!(
                "Citrix gateway SSLVPN LOGIN as {u} from {ip}, never seen for this user, at night"
            ),
        );
        self.s.initial_access = l;
        self.text(netscaler::FILE, w.t0, pre, format!(" {NS_NAME} 0-PPE-0 : default SSLVPN LOGIN 96002 0 : Context {u}@{ip} - SessionId: {SESSION} - User {u} - Client_ip {ip} - Nat_ip \"Mapped Ip\" - Vserver {NS_VSERVER} - Browser_type \"{AGENT}\" - SSLVPN_client_type Agent - Group(s) \"CitrixUsers\""), Some(l));
    }

    fn rdp(&mut self) -> Session {
        let w = self.w;
        let pz = w.patient_zero;
        let h = &w.hosts[pz];
        let t = w.t0 + 2 * MIN + self.rng.range(0, 60 * SEC);
        let id = self.rng.range(0x200_0000, 0xfff_ffff) as u64;
        let victim = Acct::user(w, w.victim);
        let l = Logon {
            user: victim,
            id,
            ltype: 10,
            auth: Auth::Rdp,
            ip: NS_SNIP,
            port: self.rng.range(49_152, 65_535) as u16,
            workstation: "-",
            elevated: true,
            guid: u128::from(self.rng.next_u64()),
        };
        let lab = self.label(
            &h.name,
            "lateral_movement",
            "T1021.001",
            format!(
                "RDP logon (type 10) of {} from the gateway's address {NS_SNIP}",
                victim.name
            ),
        );
        self.win(
            pz,
            Chan::Security,
            &E4624,
            t,
            &winev::e4624(h, &l),
            Some(lab),
        );
        self.s.edges.push(Edge {
            from: NS_NAME.into(),
            to: h.name.clone(),
            user: format!("{DOMAIN}\\{}", victim.name),
            method: "RDP",
            evidence: lab,
        });
        self.win(
            pz,
            Chan::Security,
            &E4672,
            t,
            &winev::e4672(victim, id, ADMIN_PRIVS),
            None,
        );
        let user = format!("{DOMAIN}\\{}", victim.name);
        let explorer = self.proc(cat::EXPLORER.image, "C:\\Windows\\Explorer.EXE", &user);
        // Tools arrive over the RDP clipboard.
        let rdpclip = self.proc("C:\\Windows\\System32\\rdpclip.exe", "rdpclip", &user);
        for (i, tool) in [&cat::ADFIND, &cat::PSEXEC, &cat::LOCKER]
            .into_iter()
            .enumerate()
        {
            let tt = t + 3 * MIN + i as Ticks * self.rng.range(4 * SEC, 20 * SEC);
            let path = if tool.image.contains("Temp") {
                "C:\\Users\\Public\\Music\\svcupd.exe"
            } else {
                tool.image
            };
            let lab = self.label(
                &h.name,
                "command_and_control",
                "T1105",
                format!("tool copied over RDP: {path}"),
            );
            self.win(
                pz,
                Chan::Sysmon,
                &S11,
                tt,
                &winev::s11(h, tt, &rdpclip, V::S(path)),
                Some(lab),
            );
        }
        Session { id, explorer }
    }

    fn discovery(&mut self, s: &Session) -> Proc<'static> {
        let w = self.w;
        let pz = w.patient_zero;
        let victim = Acct::user(w, w.victim);
        let user = format!("{DOMAIN}\\{}", victim.name);
        let mut t = w.t0 + 6 * MIN + self.rng.range(0, 30 * SEC);
        let cmd = self.proc(cat::CMD.image, "\"C:\\Windows\\system32\\cmd.exe\"", &user);
        self.start(
            pz,
            t,
            &cat::CMD,
            &cmd,
            &s.explorer,
            (victim, s.id),
            "execution",
            "T1059.003",
            "command shell",
        );
        for (exe, line, technique) in DISCOVERY {
            t += self.rng.range(12 * SEC, 70 * SEC);
            let line = line.replace("{U}", victim.name);
            let p = self.proc(exe.image, &line, &user);
            self.start(
                pz,
                t,
                exe,
                &p,
                &cmd,
                (victim, s.id),
                "discovery",
                technique,
                "discovery",
            );
        }
        cmd
    }

    fn dump_lsass(&mut self, s: &Session, cmd: &Proc<'static>) {
        let w = self.w;
        let pz = w.patient_zero;
        let h = &w.hosts[pz];
        let victim = Acct::user(w, w.victim);
        let user = format!("{DOMAIN}\\{}", victim.name);
        let t = w.t0 + 20 * MIN + self.rng.range(0, 60 * SEC);
        let line = format!("rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump {} C:\\Users\\Public\\Music\\lsass.dmp full", h.lsass_pid);
        let p = self.proc(cat::RUNDLL32.image, &line, &user);
        self.start(
            pz,
            t,
            &cat::RUNDLL32,
            &p,
            cmd,
            (victim, s.id),
            "credential_access",
            "T1003.001",
            "LSASS dump with comsvcs.dll",
        );
        let lsass = Proc {
            guid: 5,
            pid: h.lsass_pid,
            image: V::S("C:\\Windows\\system32\\lsass.exe"),
            cmd: V::S(""),
            user: V::S("NT AUTHORITY\\SYSTEM"),
        };
        let t = t + 300 * MS;
        let lab = self.label(
            &h.name,
            "credential_access",
            "T1003.001",
            "rundll32.exe opened lsass.exe with GrantedAccess 0x1010".into(),
        );
        let trace = "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e|C:\\Windows\\System32\\comsvcs.dll+1d7f5|UNKNOWN(00000000000A1B2C)";
        self.win(
            pz,
            Chan::Sysmon,
            &S10,
            t,
            &winev::s10(h, t, &p, &lsass, 0x1010, trace),
            Some(lab),
        );
        let t = t + 900 * MS;
        let lab = self.label(
            &h.name,
            "credential_access",
            "T1003.001",
            "LSASS memory dump written: C:\\Users\\Public\\Music\\lsass.dmp".into(),
        );
        self.win(
            pz,
            Chan::Sysmon,
            &S11,
            t,
            &winev::s11(h, t, &p, V::S("C:\\Users\\Public\\Music\\lsass.dmp")),
            Some(lab),
        );
    }

    /// PsExec from patient zero to `target` with the stolen admin account; returns the
    /// remote `cmd.exe` it started.
    fn psexec(&mut self, s: &Session, target: usize, t: Ticks) -> Proc<'static> {
        let w = self.w;
        let pz = w.patient_zero;
        let (src, dst) = (&w.hosts[pz], &w.hosts[target]);
        let victim = Acct::user(w, w.victim);
        let admin = Acct::user(w, w.admin);
        let user = format!("{DOMAIN}\\{}", victim.name);
        let line = format!(
            "PsExec64.exe \\\\{} -accepteula -u {DOMAIN}\\{} -p W1nter2026! -s cmd.exe",
            dst.name, admin.name
        );
        let p = self.proc(cat::PSEXEC.image, &line, &user);
        let cmd = self.proc(cat::CMD.image, "\"C:\\Windows\\system32\\cmd.exe\"", &user);
        self.start(
            pz,
            t,
            &cat::PSEXEC,
            &p,
            &cmd,
            (victim, s.id),
            "lateral_movement",
            "T1021.002",
            "PsExec to a server",
        );
        let t1 = t + 400 * MS;
        let vals = [
            victim.sid(),
            V::S(victim.name),
            V::S(DOMAIN),
            V::Hex(s.id),
            V::Guid(0),
            V::S(admin.name),
            V::S(DOMAIN),
            V::Guid(0),
            V::S(&dst.name),
            V::S(&dst.name),
            V::Hex(u64::from(p.pid)),
            V::S(cat::PSEXEC.image),
            V::S("-"),
            V::S("-"),
        ];
        let lab = self.label(
            &src.name,
            "lateral_movement",
            "T1021.002",
            format!(
                "explicit credentials of {} used for {}",
                admin.name, dst.name
            ),
        );
        self.win(pz, Chan::Security, &E4648, t1, &vals, Some(lab));
        // On the target.
        let t2 = t + 1200 * MS;
        let id = self.rng.range(0x200_0000, 0xfff_ffff) as u64;
        let port = self.rng.range(49_152, 65_535) as u16;
        let l = Logon {
            user: admin,
            id,
            ltype: 3,
            auth: Auth::Ntlm,
            ip: &src.ip,
            port,
            workstation: &src.name,
            elevated: true,
            guid: 0,
        };
        let lab = self.label(
            &dst.name,
            "lateral_movement",
            "T1021.002",
            format!(
                "network logon (type 3) of {} from {} ({})",
                admin.name, src.name, src.ip
            ),
        );
        self.win(
            target,
            Chan::Security,
            &E4624,
            t2,
            &winev::e4624(dst, &l),
            Some(lab),
        );
        self.s.edges.push(Edge {
            from: src.name.clone(),
            to: dst.name.clone(),
            user: format!("{DOMAIN}\\{}", admin.name),
            method: "PsExec",
            evidence: lab,
        });
        self.win(
            target,
            Chan::Security,
            &E4672,
            t2,
            &winev::e4672(admin, id, ADMIN_PRIVS),
            None,
        );
        for (i, (share, rel, mask)) in [
            ("\\\\*\\ADMIN$", "PSEXESVC.exe", 0x13_019f_u64),
            ("\\\\*\\IPC$", "svcctl", 0x12_019f),
        ]
        .into_iter()
        .enumerate()
        {
            let tt = t2 + (i as Ticks + 1) * 150 * MS;
            let a = ShareAccess { user: admin, logon_id: id, ip: &src.ip, port, share: V::S(share), local: V::S(if i == 0 { "\\??\\C:\\Windows" } else { "" }), target: V::S(rel), mask, access_list: "%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%4417\r\n\t\t\t\t%%4418\r\n\t\t\t\t" };
            let lab = self.label(
                &dst.name,
                "lateral_movement",
                "T1021.002",
                format!("{share} accessed by {} for {rel}", admin.name),
            );
            self.win(
                target,
                Chan::Security,
                &E5145,
                tt,
                &winev::e5145(&a),
                Some(lab),
            );
        }
        let sys = Proc {
            guid: 2,
            pid: 4,
            image: V::S("System"),
            cmd: V::S(""),
            user: V::S("NT AUTHORITY\\SYSTEM"),
        };
        let tt = t2 + 200 * MS;
        self.win(
            target,
            Chan::Sysmon,
            &S11,
            tt,
            &winev::s11(dst, tt, &sys, V::S(cat::PSEXESVC.image)),
            None,
        );
        let tt = t2 + 600 * MS;
        let lab = self.label(
            &dst.name,
            "execution",
            "T1569.002",
            "service PSEXESVC installed".into(),
        );
        let sid = format!("{}-{}", w.domain_sid, w.users[w.admin].rid);
        let vals = winev::e7045(
            "PSEXESVC",
            "%SystemRoot%\\PSEXESVC.exe",
            "demand start",
            "LocalSystem",
        );
        let rec = WinRec {
            tpl: &E7045,
            pid: dst.services_pid,
            tid: 4 * 311,
            user_sid: Some(sid),
            vals: vals.iter().map(V::to_static).collect(),
        };
        self.s.queues.push(
            &format!("{}/System.xml", dst.name),
            Rec {
                time: tt,
                label: Some(lab),
                body: Body::Win(rec),
            },
        );
        let bin = crate::win::scm_binary("PSEXESVC", true);
        self.win(
            target,
            Chan::System,
            &E7036,
            tt + 50 * MS,
            &winev::e7036("PSEXESVC", true, V::O(bin)),
            None,
        );
        let services = Proc {
            guid: 1,
            pid: dst.services_pid,
            image: V::S("C:\\Windows\\System32\\services.exe"),
            cmd: V::S("C:\\Windows\\system32\\services.exe"),
            user: V::S("NT AUTHORITY\\SYSTEM"),
        };
        let svc = self.proc(
            cat::PSEXESVC.image,
            "C:\\Windows\\PSEXESVC.exe",
            "NT AUTHORITY\\SYSTEM",
        );
        let machine = Acct::machine(dst);
        self.start(
            target,
            tt + 80 * MS,
            &cat::PSEXESVC,
            &svc,
            &services,
            (machine, 0x3e7),
            "execution",
            "T1569.002",
            "PsExec service started",
        );
        let rcmd = self.proc(cat::CMD.image, "\"cmd.exe\"", "NT AUTHORITY\\SYSTEM");
        self.start(
            target,
            tt + 300 * MS,
            &cat::CMD,
            &rcmd,
            &svc,
            (machine, 0x3e7),
            "execution",
            "T1059.003",
            "remote shell via PsExec",
        );
        rcmd
    }

    /// Recovery inhibition and service stops on `host`; returns when done.
    fn prepare(
        &mut self,
        host: usize,
        shell: &Proc<'static>,
        mut t: Ticks,
        logon: Option<u64>,
    ) -> Ticks {
        let w = self.w;
        let h = &w.hosts[host];
        let pz = logon.is_some();
        let subject = match logon {
            Some(id) => (Acct::user(w, w.victim), id),
            None => (Acct::machine(h), 0x3e7),
        };
        let user = if pz {
            format!("{DOMAIN}\\{}", w.users[w.victim].sam)
        } else {
            "NT AUTHORITY\\SYSTEM".into()
        };
        for Step {
            exe,
            cmd: line,
            phase,
            technique,
            stops: svc,
        } in PREPARE
        {
            if pz && svc.is_some() {
                continue;
            }
            t += self.rng.range(8 * SEC, 40 * SEC);
            let p = self.proc(exe.image, line, &user);
            self.start(
                host,
                t,
                exe,
                &p,
                shell,
                subject,
                phase,
                technique,
                "preparing for encryption",
            );
            if let Some((display, key)) = svc {
                let tt = t + self.rng.range(2 * SEC, 6 * SEC);
                let lab = self.label(
                    &h.name,
                    "impact",
                    "T1489",
                    format!("{display} entered the stopped state"),
                );
                let bin = crate::win::scm_binary(key, false);
                self.win(
                    host,
                    Chan::System,
                    &E7036,
                    tt,
                    &winev::e7036(display, false, V::O(bin)),
                    Some(lab),
                );
            }
        }
        t
    }

    fn encrypt_fs(&mut self, shell: &Proc<'static>, shares: &[ShareFile], t: Ticks) -> Ticks {
        let w = self.w;
        let fs = w.fs;
        let h = &w.hosts[fs];
        let p = self.proc(
            cat::LOCKER.image,
            &format!("C:\\Windows\\Temp\\svcupd.exe -p D:\\Shares -ext {RANSOM_EXT}"),
            "NT AUTHORITY\\SYSTEM",
        );
        let sys = Proc {
            guid: 2,
            pid: 4,
            image: V::S("System"),
            cmd: V::S(""),
            user: V::S("NT AUTHORITY\\SYSTEM"),
        };
        let copied = t - 40 * SEC;
        let lab = self.label(
            &h.name,
            "lateral_movement",
            "T1570",
            "ransomware binary copied over SMB: C:\\Windows\\Temp\\svcupd.exe".into(),
        );
        self.win(
            fs,
            Chan::Sysmon,
            &S11,
            copied,
            &winev::s11(h, copied, &sys, V::S(cat::LOCKER.image)),
            Some(lab),
        );
        self.start(
            fs,
            t,
            &cat::LOCKER,
            &p,
            shell,
            (Acct::machine(h), 0x3e7),
            "impact",
            "T1486",
            "ransomware started",
        );
        let targets: Vec<(usize, String)> = shares
            .iter()
            .enumerate()
            .filter(|(_, f)| f.encrypt)
            .map(|(i, f)| (i, format!("D:\\{}", f.path)))
            .collect();
        let mut t = t + 2 * SEC;
        let mut folder = "";
        let mut first = None;
        for (i, path) in &targets {
            let dir = folder_of(&shares[*i].path);
            if dir != folder {
                folder = dir;
                t += self.rng.range(20 * MS, 120 * MS);
                self.s.note_times.insert(dir.to_string(), t);
                let label = (self.s.note_times.len() == 1).then(|| {
                    self.label(
                        &h.name,
                        "impact",
                        "T1486",
                        format!("ransom note written: D:\\{dir}\\{NOTE_NAME}"),
                    )
                });
                let note = format!("D:\\{dir}\\{NOTE_NAME}");
                self.win(
                    fs,
                    Chan::Sysmon,
                    &S11,
                    t,
                    &winev::s11(h, t, &p, V::O(note)),
                    label,
                );
            }
            t += self.rng.range(30 * MS, 250 * MS);
            self.s.enc_times[*i] = Some(t);
            let label = first.is_none().then(|| {
                self.label(
                    &h.name,
                    "impact",
                    "T1486",
                    format!("first encrypted file: {path}{RANSOM_EXT}"),
                )
            });
            first = first.or(label);
            let last = *i == targets.last().map_or(0, |x| x.0);
            let label = if last {
                Some(self.label(
                    &h.name,
                    "impact",
                    "T1486",
                    format!("last encrypted file: {path}{RANSOM_EXT}"),
                ))
            } else {
                label
            };
            self.win(
                fs,
                Chan::Sysmon,
                &S11,
                t,
                &winev::s11(h, t, &p, V::O(format!("{path}{RANSOM_EXT}"))),
                label,
            );
            if last {
                self.s.impact_last = label.unwrap_or(0);
            }
        }
        self.s.impact_first = first.unwrap_or(0);
        self.s.files_encrypted += targets.len() as u64;
        self.s.impact_hosts.push(h.name.clone());
        t
    }

    fn encrypt_pz(&mut self, s: &Session, t: Ticks) -> Ticks {
        let w = self.w;
        let pz = w.patient_zero;
        let h = &w.hosts[pz];
        let victim = Acct::user(w, w.victim);
        let user = format!("{DOMAIN}\\{}", victim.name);
        let p = self.proc(
            "C:\\Users\\Public\\Music\\svcupd.exe",
            &format!("C:\\Users\\Public\\Music\\svcupd.exe -p C:\\Users -ext {RANSOM_EXT}"),
            &user,
        );
        let parent = s.explorer.clone();
        self.start(
            pz,
            t,
            &cat::LOCKER,
            &p,
            &parent,
            (victim, s.id),
            "impact",
            "T1486",
            "ransomware started",
        );
        let mut t = t + 2 * SEC;
        let counts: Vec<u64> = PZ_FOLDERS
            .iter()
            .map(|_| self.rng.range(30, 80) as u64)
            .collect();
        let total: u64 = counts.iter().sum();
        let mut n = 0u64;
        for (fi, (folder, count)) in PZ_FOLDERS.iter().zip(counts).enumerate() {
            let dir = format!("C:\\Users\\{}\\{folder}", victim.name);
            t += self.rng.range(20 * MS, 120 * MS);
            let label = (fi == 0).then(|| {
                self.label(
                    &h.name,
                    "impact",
                    "T1486",
                    format!("ransom note written: {dir}\\{NOTE_NAME}"),
                )
            });
            self.win(
                pz,
                Chan::Sysmon,
                &S11,
                t,
                &winev::s11(h, t, &p, V::O(format!("{dir}\\{NOTE_NAME}"))),
                label,
            );
            for k in 0..count {
                t += self.rng.range(30 * MS, 250 * MS);
                let name = format!(
                    "{dir}\\{}_{:02}.{}{RANSOM_EXT}",
                    self.rng.pick(PZ_STEMS),
                    k + 1,
                    self.rng.pick(PZ_EXTS)
                );
                let which = match n {
                    0 => Some("first"),
                    n if n + 1 == total => Some("last"),
                    _ => None,
                };
                let label = which.map(|x| {
                    self.label(
                        &h.name,
                        "impact",
                        "T1486",
                        format!("{x} encrypted file: {name}"),
                    )
                });
                if which == Some("last") {
                    self.s.impact_last = label.unwrap_or(0);
                }
                self.win(
                    pz,
                    Chan::Sysmon,
                    &S11,
                    t,
                    &winev::s11(h, t, &p, V::O(name)),
                    label,
                );
                n += 1;
            }
        }
        self.s.files_encrypted += n;
        self.s.impact_hosts.push(h.name.clone());
        t
    }

    fn gateway_end(&mut self, t_end: Ticks) {
        let w = self.w;
        let pz = &w.hosts[w.patient_zero];
        let (u, ip) = (&w.users[w.victim].sam, &w.attacker_ip);
        let rdp_start = w.t0 + 2 * MIN;
        let (send, recv) = (
            self.rng.range(9_000_000, 30_000_000),
            self.rng.range(40_000_000, 140_000_000),
        );
        let span = |a: Ticks, b: Ticks| {
            let mut v = Vec::new();
            let _ = write_netscaler(&mut v, a);
            v.extend_from_slice(b"\" - End_time \"");
            let _ = write_netscaler(&mut v, b);
            v.extend_from_slice(b"\" - Duration ");
            let _ = write_duration(&mut v, b - a);
            String::from_utf8(v).unwrap_or_default()
        };
        let pre = netscaler::prefix();
        let lab = self.label(
            NS_NAME,
            "lateral_movement",
            "T1021.001",
            format!(
                "gateway TCP connection from {NS_SNIP} to {}:3389 (RDP) in {u}'s session",
                pz.ip
            ),
        );
        let after = format!(" {NS_NAME} 0-PPE-0 : default SSLVPN TCPCONNSTAT 96003 0 : Context {u}@{ip} - SessionId: {SESSION} - User {u} - Client_ip {ip} - Nat_ip {NS_SNIP} - Vserver {NS_VSERVER} - Source {NS_SNIP}:{} - Destination {}:3389 - Start_time \"{}  - Total_bytes_send {send} - Total_bytes_recv {recv} - Total_compressedbytes_send 0 - Total_compressedbytes_recv 0 - Compression_ratio_send 0.00% - Compression_ratio_recv 0.00% - Access Allowed - Group(s) \"CitrixUsers\"", self.rng.range(49_152, 65_535), pz.ip, span(rdp_start, t_end));
        self.text(netscaler::FILE, t_end, pre.clone(), after, Some(lab));
        let t = t_end + 4 * SEC;
        let lab = self.label(
            NS_NAME,
            "initial_access",
            "T1133",
            format!(
                "gateway session of {u} from {ip} ends: {} MB sent, {} MB received in total",
                (send + 52_000) / 1_000_000,
                (recv + 310_000) / 1_000_000
            ),
        );
        self.s.session_end = lab;
        let after = format!(" {NS_NAME} 0-PPE-0 : default SSLVPN LOGOUT 96004 0 : Context {u}@{ip} - SessionId: {SESSION} - User {u} - Client_ip {ip} - Nat_ip \"Mapped Ip\" - Vserver {NS_VSERVER} - Start_time \"{}  - Http_resources_accessed 3 - NonHttp_services_accessed 0 - Total_TCP_connections 4 - Total_UDP_flows 0 - Total_policies_allowed 4 - Total_policies_denied 0 - Total_bytes_send {} - Total_bytes_recv {} - Total_compressedbytes_send 0 - Total_compressedbytes_recv 0 - Compression_ratio_send 0.00% - Compression_ratio_recv 0.00% - LogoutMethod \"Explicit\" - Group(s) \"CitrixUsers\"", span(w.t0, t), send + 52_000, recv + 310_000);
        self.text(netscaler::FILE, t, pre, after, Some(lab));
    }

    fn decoy(&mut self) {
        let w = self.w;
        let night = w.t0 - w.t0.rem_euclid(DAY);
        let (start, dur, bytes) = squid::backup_upload(w.seed, night);
        let fs = &w.hosts[w.fs];
        self.s.labels.push(Label {
            host: fs.name.clone(),
            phase: "decoy",
            technique: "-",
            description: format!(
                "nightly cloud backup: {} uploads {:.1} GB from {} ({}) to {} through the proxy — the same every night; not exfiltration",
                w.users[w.backup_svc].sam, bytes as f64 / 1e9, fs.name, fs.ip, squid::BACKUP_HOST
            ),
            attack: false,
        });
        self.s.decoy = self.s.labels.len() - 1;
        let label = Some(self.s.decoy);
        self.text(
            squid::FILE,
            start + dur,
            String::new(),
            squid::backup_line(w, dur, bytes),
            label,
        );
    }
}

const AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SESSION: u32 = 90_417;
