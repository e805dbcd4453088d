//! The simulated organisation: people, accounts, hosts, addresses and the file shares,
//! all drawn deterministically from the seed (and sized by the scale).

use crate::rng::Rng;
use crate::time::{days_from_civil, Ticks, DAY, HOUR, MIN, SEC};
use crate::SimConfig;

pub(crate) const DOMAIN: &str = "CORP";
pub(crate) const DNS_DOMAIN: &str = "corp.local";
pub(crate) const MAIL_DOMAIN: &str = "corp-ag.example";
pub(crate) const NS_NAME: &str = "ns01";
pub(crate) const NS_NSIP: &str = "10.0.0.8";
pub(crate) const NS_SNIP: &str = "10.0.0.9";
pub(crate) const NS_VSERVER: &str = "198.51.100.10:443";
pub(crate) const PROXY_IP: &str = "10.0.0.5";
pub(crate) const PROXY_PORT: u16 = 3128;
pub(crate) const JUMP_NAME: &str = "jump01";
pub(crate) const RANSOM_EXT: &str = ".lockx";
pub(crate) const NOTE_NAME: &str = "README_RESTORE_FILES.txt";

const SURNAMES: &[&str] = &[
    "keller",
    "huber",
    "wolf",
    "schmidt",
    "meyer",
    "wagner",
    "becker",
    "schulz",
    "hoffmann",
    "koch",
    "richter",
    "klein",
    "neumann",
    "schwarz",
    "zimmermann",
    "braun",
    "krueger",
    "hartmann",
    "lange",
    "schmitt",
    "werner",
    "krause",
    "lehmann",
    "maier",
    "koehler",
    "herrmann",
    "koenig",
    "walter",
    "fuchs",
    "peters",
    "vogel",
    "berger",
    "jung",
    "frank",
    "roth",
    "beck",
    "lorenz",
    "baumann",
    "franke",
    "albrecht",
    "winter",
    "sommer",
    "brandt",
    "haas",
    "graf",
    "kuhn",
    "pohl",
    "engel",
    "horn",
    "busch",
];
const INITIALS: &[u8] = b"abcdefghjklmnprstuvw";
const HOME_NETS: &[&str] = &[
    "84.132.", "87.150.", "91.64.", "95.90.", "178.12.", "217.230.", "79.219.", "93.104.",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserKind {
    Staff,
    Admin,
    Service,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub sam: String,
    pub rid: u32,
    pub kind: UserKind,
    pub email: String,
    /// Home address of a Citrix remote worker.
    pub home_ip: Option<String>,
    /// Index of the workstation this person uses.
    pub ws: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Dc,
    FileServer,
    Workstation,
}

#[derive(Debug, Clone)]
pub(crate) struct Host {
    pub name: String,
    /// The computer account, `NAME$`.
    pub machine: String,
    pub fqdn: String,
    pub ip: String,
    pub role: Role,
    pub owner: Option<usize>,
    pub lsass_pid: u32,
    pub services_pid: u32,
    pub sysmon_pid: u32,
    /// First group of the host's Sysmon process GUIDs.
    pub guid_tag: u32,
}

/// A file on FS01's data volume (`D:`), with times in Unix seconds.
#[derive(Debug, Clone)]
pub(crate) struct ShareFile {
    /// Windows path below `D:\`, backslash-separated (e.g. `Shares\Finance\2025\x.xlsx`).
    pub path: String,
    pub size: u64,
    pub inode: u64,
    pub crtime: i64,
    pub mtime: i64,
    pub atime: i64,
    /// Ransomware skips executables, links and `desktop.ini`.
    pub encrypt: bool,
}

#[derive(Debug)]
pub(crate) struct World {
    pub seed: u64,
    pub scale: u64,
    pub domain_sid: String,
    pub users: Vec<User>,
    pub hosts: Vec<Host>,
    pub dc: usize,
    pub fs: usize,
    /// Per-host/per-user activity multiplier: total background grows with the scale.
    pub intensity: f64,
    pub start: Ticks,
    pub end: Ticks,
    /// The attacker's gateway login.
    pub t0: Ticks,
    pub victim: usize,
    /// The domain admin whose credentials are stolen, and that admin's everyday user.
    pub admin: usize,
    pub admin_person: usize,
    pub backup_svc: usize,
    pub patient_zero: usize,
    pub attacker_ip: String,
}

impl World {
    pub(crate) fn new(cfg: &SimConfig) -> World {
        let mut rng = Rng::derive(cfg.seed, "world");
        let scale = cfg.scale.max(1);
        let ws_count = ((8.0 * (scale as f64).sqrt()).round() as usize).clamp(8, 4000);
        let (y, m, d) = cfg.attack_date;
        let attack_day = days_from_civil(y, m, d) * DAY;
        let domain_sid = format!(
            "S-1-5-21-{}-{}-{}",
            rng.range(1_000_000_000, 4_000_000_000),
            rng.range(1_000_000_000, 4_000_000_000),
            rng.range(1_000_000_000, 4_000_000_000)
        );
        let mut users = staff(&mut rng, ws_count);
        let hosts = hosts(&mut rng, ws_count, &mut users);
        let admin_person = 0;
        let admin = users.len();
        users.push(account(
            &format!("adm.{}", base_name(&users[0].sam)),
            1500,
            UserKind::Admin,
        ));
        users.push(account(
            &format!("adm.{}", base_name(&users[1].sam)),
            1501,
            UserKind::Admin,
        ));
        let backup_svc = users.len();
        users.push(account("svc_backup", 1600, UserKind::Service));
        users.push(account("svc_sql", 1601, UserKind::Service));
        let remote: Vec<usize> = (2..ws_count)
            .filter(|&i| users[i].home_ip.is_some())
            .collect();
        let victim = *rng.pick(&remote);
        let patient_zero = users[victim].ws.expect("staff have workstations");
        World {
            seed: cfg.seed,
            scale,
            domain_sid,
            intensity: scale as f64 * 8.0 / ws_count as f64,
            start: attack_day - i64::from(cfg.background_days) * DAY,
            end: attack_day + 8 * HOUR + 30 * MIN,
            t0: attack_day + 2 * HOUR + rng.range(11 * MIN, 16 * MIN) + rng.range(0, SEC),
            users,
            hosts,
            dc: 0,
            fs: 1,
            victim,
            admin,
            admin_person,
            backup_svc,
            patient_zero,
            attacker_ip: format!("185.220.101.{}", rng.range(2, 250)),
        }
    }

    /// Staff (people with workstations).
    pub(crate) fn staff(&self) -> &[User] {
        let n = self
            .users
            .iter()
            .take_while(|u| u.kind == UserKind::Staff)
            .count();
        &self.users[..n]
    }
}

fn base_name(sam: &str) -> &str {
    sam.split('.').nth(1).unwrap_or(sam)
}

fn account(sam: &str, rid: u32, kind: UserKind) -> User {
    User {
        sam: sam.to_string(),
        rid,
        kind,
        email: format!("{sam}@{MAIL_DOMAIN}"),
        home_ip: None,
        ws: None,
    }
}

fn staff(rng: &mut Rng, n: usize) -> Vec<User> {
    let mut seen = std::collections::HashSet::new();
    let mut users = Vec::with_capacity(n + 4);
    while users.len() < n {
        let mut sam = format!("{}.{}", *rng.pick(INITIALS) as char, rng.pick(SURNAMES));
        if seen.contains(&sam) {
            sam.push_str(&(users.len() % 97 + 2).to_string());
        }
        if !seen.insert(sam.clone()) {
            continue;
        }
        let mut u = account(&sam, 1100 + users.len() as u32, UserKind::Staff);
        if rng.chance(0.7) {
            u.home_ip = Some(format!(
                "{}{}.{}",
                rng.pick(HOME_NETS),
                rng.range(1, 255),
                rng.range(1, 255)
            ));
        }
        users.push(u);
    }
    users
}

fn hosts(rng: &mut Rng, ws_count: usize, users: &mut [User]) -> Vec<Host> {
    let host = |rng: &mut Rng, name: String, ip: String, role| Host {
        fqdn: format!("{name}.{DNS_DOMAIN}"),
        machine: format!("{name}$"),
        name,
        ip,
        role,
        owner: None,
        lsass_pid: rng.range(150, 250) as u32 * 4,
        services_pid: rng.range(120, 150) as u32 * 4,
        sysmon_pid: rng.range(500, 1500) as u32 * 4,
        guid_tag: rng.next_u64() as u32,
    };
    let mut hosts = vec![
        host(rng, "DC01".into(), "10.0.0.10".into(), Role::Dc),
        host(rng, "FS01".into(), "10.0.0.20".into(), Role::FileServer),
    ];
    let mut numbers = std::collections::BTreeSet::new();
    let max = (ws_count * 5).max(99) as u64;
    while numbers.len() < ws_count {
        numbers.insert(rng.below(max) + 1);
    }
    for (i, n) in numbers.into_iter().enumerate() {
        let ip = format!("10.0.{}.{}", 2 + i / 200, 20 + i % 200);
        let mut h = host(rng, format!("WS-{n:03}"), ip, Role::Workstation);
        h.owner = Some(i);
        users[i].ws = Some(hosts.len());
        hosts.push(h);
    }
    hosts
}

const DEPARTMENTS: &[&str] = &[
    "Finance",
    "HR",
    "Sales",
    "Marketing",
    "IT",
    "Legal",
    "Projects",
    "Management",
    "Purchasing",
    "Logistics",
];
const SUBFOLDERS: &[&str] = &[
    "2024",
    "2025",
    "2026",
    "Archive",
    "Reports",
    "Contracts",
    "Invoices",
    "Templates",
    "Meetings",
    "Budget",
];
const STEMS: &[&str] = &[
    "Q1_Report",
    "Q2_Report",
    "Q3_Report",
    "Q4_Report",
    "Budget",
    "Forecast",
    "Offer",
    "Invoice",
    "Contract",
    "Minutes",
    "Presentation",
    "Customer_List",
    "Price_List",
    "Payroll",
    "Plan",
    "Overview",
    "Summary",
    "Timesheet",
    "Order",
    "Analysis",
];
const EXTS: &[(u32, &str)] = &[
    (30, "xlsx"),
    (30, "docx"),
    (15, "pdf"),
    (8, "pptx"),
    (5, "csv"),
    (4, "msg"),
    (3, "jpg"),
    (3, "zip"),
    (2, "lnk"),
];

/// FS01's shares. Deterministic from the seed alone (not the scale).
pub(crate) fn share_files(seed: u64, before: Ticks) -> Vec<ShareFile> {
    let mut rng = Rng::derive(seed, "shares");
    let before = before / SEC;
    let mut files = Vec::new();
    let mut inode = 4096u64;
    for dept in DEPARTMENTS {
        let mut subs: Vec<&str> = SUBFOLDERS.to_vec();
        let keep = rng.range(4, 8) as usize;
        while subs.len() > keep {
            subs.remove(rng.below(subs.len() as u64) as usize);
        }
        for sub in subs {
            let folder = format!("Shares\\{dept}\\{sub}");
            for k in 0..rng.range(22, 48) {
                let ext = rng.weighted(EXTS);
                let name = format!("{}_{:03}.{ext}", rng.pick(STEMS), k + 1);
                let crtime = before - rng.range(5 * 86_400, 900 * 86_400);
                let mtime = (crtime + rng.range(0, 200 * 86_400)).min(before - 3600);
                inode += rng.range(1, 40) as u64;
                files.push(ShareFile {
                    path: format!("{folder}\\{name}"),
                    size: rng.range(9_000, 4_000_000) as u64,
                    inode,
                    crtime,
                    mtime,
                    atime: mtime.max(before - rng.range(3600, 40 * 86_400)),
                    encrypt: *ext != "lnk",
                });
            }
        }
    }
    files
}

/// The folder part of a share file's path.
pub(crate) fn folder_of(path: &str) -> &str {
    path.rsplit_once('\\').map_or("", |(d, _)| d)
}
