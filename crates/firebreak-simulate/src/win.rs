//! Windows events: templates (provider, System values and the EventData field names in
//! the order Windows writes them) and two renderings of a record — the XML of
//! `wevtutil qe <log> /f:xml` and the JSON line of `evtx_dump -o jsonl`.

use crate::out::{json_escaped, xml_escaped};
use crate::time::{write_sysmon, write_win, Ticks};
use std::io::{self, Write};

#[derive(Debug)]
pub(crate) struct Provider {
    pub name: &'static str,
    pub guid: &'static str,
    pub source: Option<&'static str>,
    pub channel: &'static str,
}

pub(crate) const SECURITY: Provider = Provider {
    name: "Microsoft-Windows-Security-Auditing",
    guid: "{54849625-5478-4994-a5ba-3e3b0328c30d}",
    source: None,
    channel: "Security",
};
pub(crate) const SCM: Provider = Provider {
    name: "Service Control Manager",
    guid: "{555908d1-a6d7-4695-8e1e-26931d2012f4}",
    source: Some("Service Control Manager"),
    channel: "System",
};
pub(crate) const SYSMON: Provider = Provider {
    name: "Microsoft-Windows-Sysmon",
    guid: "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}",
    source: None,
    channel: "Microsoft-Windows-Sysmon/Operational",
};

/// One event id's fixed parts.
#[derive(Debug)]
pub(crate) struct Tpl {
    pub id: u16,
    pub provider: &'static Provider,
    pub qualifiers: Option<u16>,
    pub version: u8,
    pub level: u8,
    pub task: u16,
    pub keywords: &'static str,
    /// EventData names in order; `Binary` is written as the `<Binary>` element.
    pub fields: &'static [&'static str],
}

const fn sec(id: u16, version: u8, task: u16, fields: &'static [&'static str]) -> Tpl {
    Tpl {
        id,
        provider: &SECURITY,
        qualifiers: None,
        version,
        level: 0,
        task,
        keywords: "0x8020000000000000",
        fields,
    }
}

const fn sysmon(id: u16, version: u8, fields: &'static [&'static str]) -> Tpl {
    Tpl {
        id,
        provider: &SYSMON,
        qualifiers: None,
        version,
        level: 4,
        task: id,
        keywords: "0x8000000000000000",
        fields,
    }
}

const fn scm(id: u16, fields: &'static [&'static str]) -> Tpl {
    Tpl {
        id,
        provider: &SCM,
        qualifiers: Some(16384),
        version: 0,
        level: 4,
        task: 0,
        keywords: "0x8080000000000000",
        fields,
    }
}

const SUBJECT: [&str; 4] = [
    "SubjectUserSid",
    "SubjectUserName",
    "SubjectDomainName",
    "SubjectLogonId",
];

pub(crate) const E4624: Tpl = sec(
    4624,
    2,
    12544,
    &[
        SUBJECT[0],
        SUBJECT[1],
        SUBJECT[2],
        SUBJECT[3],
        "TargetUserSid",
        "TargetUserName",
        "TargetDomainName",
        "TargetLogonId",
        "LogonType",
        "LogonProcessName",
        "AuthenticationPackageName",
        "WorkstationName",
        "LogonGuid",
        "TransmittedServices",
        "LmPackageName",
        "KeyLength",
        "ProcessId",
        "ProcessName",
        "IpAddress",
        "IpPort",
        "ImpersonationLevel",
        "RestrictedAdminMode",
        "TargetOutboundUserName",
        "TargetOutboundDomainName",
        "VirtualAccount",
        "TargetLinkedLogonId",
        "ElevatedToken",
    ],
);
#[allow(dead_code)] // kept for completeness: failed logons are not simulated yet
pub(crate) const E4625: Tpl = Tpl {
    keywords: "0x8010000000000000",
    ..sec(
        4625,
        0,
        12544,
        &[
            SUBJECT[0],
            SUBJECT[1],
            SUBJECT[2],
            SUBJECT[3],
            "TargetUserSid",
            "TargetUserName",
            "TargetDomainName",
            "Status",
            "FailureReason",
            "SubStatus",
            "LogonType",
            "LogonProcessName",
            "AuthenticationPackageName",
            "WorkstationName",
            "TransmittedServices",
            "LmPackageName",
            "KeyLength",
            "ProcessId",
            "ProcessName",
            "IpAddress",
            "IpPort",
        ],
    )
};
pub(crate) const E4634: Tpl = sec(
    4634,
    0,
    12545,
    &[
        "TargetUserSid",
        "TargetUserName",
        "TargetDomainName",
        "TargetLogonId",
        "LogonType",
    ],
);
pub(crate) const E4647: Tpl = sec(
    4647,
    0,
    12545,
    &[
        "TargetUserSid",
        "TargetUserName",
        "TargetDomainName",
        "TargetLogonId",
    ],
);
pub(crate) const E4648: Tpl = sec(
    4648,
    0,
    12544,
    &[
        SUBJECT[0],
        SUBJECT[1],
        SUBJECT[2],
        SUBJECT[3],
        "LogonGuid",
        "TargetUserName",
        "TargetDomainName",
        "TargetLogonGuid",
        "TargetServerName",
        "TargetInfo",
        "ProcessId",
        "ProcessName",
        "IpAddress",
        "IpPort",
    ],
);
pub(crate) const E4672: Tpl = sec(
    4672,
    0,
    12548,
    &[
        SUBJECT[0],
        SUBJECT[1],
        SUBJECT[2],
        SUBJECT[3],
        "PrivilegeList",
    ],
);
pub(crate) const E4688: Tpl = sec(
    4688,
    2,
    13312,
    &[
        SUBJECT[0],
        SUBJECT[1],
        SUBJECT[2],
        SUBJECT[3],
        "NewProcessId",
        "NewProcessName",
        "TokenElevationType",
        "ProcessId",
        "CommandLine",
        "TargetUserSid",
        "TargetUserName",
        "TargetDomainName",
        "TargetLogonId",
        "ParentProcessName",
        "MandatoryLabel",
    ],
);
pub(crate) const E4768: Tpl = sec(
    4768,
    0,
    14339,
    &[
        "TargetUserName",
        "TargetDomainName",
        "TargetSid",
        "ServiceName",
        "ServiceSid",
        "TicketOptions",
        "Status",
        "TicketEncryptionType",
        "PreAuthType",
        "IpAddress",
        "IpPort",
        "CertIssuerName",
        "CertSerialNumber",
        "CertThumbprint",
    ],
);
pub(crate) const E4769: Tpl = sec(
    4769,
    0,
    14337,
    &[
        "TargetUserName",
        "TargetDomainName",
        "ServiceName",
        "ServiceSid",
        "TicketOptions",
        "TicketEncryptionType",
        "IpAddress",
        "IpPort",
        "Status",
        "LogonGuid",
        "TransmittedServices",
    ],
);
pub(crate) const E4776: Tpl = sec(
    4776,
    0,
    14336,
    &["PackageName", "TargetUserName", "Workstation", "Status"],
);
pub(crate) const E5145: Tpl = sec(
    5145,
    0,
    12811,
    &[
        SUBJECT[0],
        SUBJECT[1],
        SUBJECT[2],
        SUBJECT[3],
        "ObjectType",
        "IpAddress",
        "IpPort",
        "ShareName",
        "ShareLocalPath",
        "RelativeTargetName",
        "AccessMask",
        "AccessList",
        "AccessReason",
    ],
);
pub(crate) const E7036: Tpl = scm(7036, &["param1", "param2", "Binary"]);
pub(crate) const E7045: Tpl = scm(
    7045,
    &[
        "ServiceName",
        "ImagePath",
        "ServiceType",
        "StartType",
        "AccountName",
    ],
);
pub(crate) const S1: Tpl = sysmon(
    1,
    5,
    &[
        "RuleName",
        "UtcTime",
        "ProcessGuid",
        "ProcessId",
        "Image",
        "FileVersion",
        "Description",
        "Product",
        "Company",
        "OriginalFileName",
        "CommandLine",
        "CurrentDirectory",
        "User",
        "LogonGuid",
        "LogonId",
        "TerminalSessionId",
        "IntegrityLevel",
        "Hashes",
        "ParentProcessGuid",
        "ParentProcessId",
        "ParentImage",
        "ParentCommandLine",
        "ParentUser",
    ],
);
pub(crate) const S3: Tpl = sysmon(
    3,
    5,
    &[
        "RuleName",
        "UtcTime",
        "ProcessGuid",
        "ProcessId",
        "Image",
        "User",
        "Protocol",
        "Initiated",
        "SourceIsIpv6",
        "SourceIp",
        "SourceHostname",
        "SourcePort",
        "SourcePortName",
        "DestinationIsIpv6",
        "DestinationIp",
        "DestinationHostname",
        "DestinationPort",
        "DestinationPortName",
    ],
);
pub(crate) const S10: Tpl = sysmon(
    10,
    3,
    &[
        "RuleName",
        "UtcTime",
        "SourceProcessGUID",
        "SourceProcessId",
        "SourceThreadId",
        "SourceImage",
        "TargetProcessGUID",
        "TargetProcessId",
        "TargetImage",
        "GrantedAccess",
        "CallTrace",
        "SourceUser",
        "TargetUser",
    ],
);
pub(crate) const S11: Tpl = sysmon(
    11,
    2,
    &[
        "RuleName",
        "UtcTime",
        "ProcessGuid",
        "ProcessId",
        "Image",
        "TargetFilename",
        "CreationUtcTime",
        "User",
    ],
);

/// One EventData value. Strings borrow where they can so background records need no
/// allocation; `O` owns (for the stored attack records).
#[derive(Debug, Clone)]
pub(crate) enum V<'a> {
    S(&'a str),
    O(String),
    /// A number (a JSON number in `evtx_dump` output).
    U(u64),
    /// `0x…` (a string in both renderings).
    Hex(u64),
    B(bool),
    /// The first string with every `{U}` replaced by the second.
    Tpl(&'a str, &'a str),
    /// Two strings joined.
    Cat(&'a str, &'a str),
    /// `S-1-5-21-…-rid`: domain (or machine) SID and RID.
    Sid(&'a str, u32),
    /// Sysmon's `UtcTime` form.
    Utc(Ticks),
    /// A Sysmon process GUID: host part and a unique number.
    PGuid(u32, u64),
    /// `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`.
    Guid(u128),
}

impl V<'_> {
    fn is_text(&self) -> bool {
        !matches!(self, V::U(_) | V::B(_))
    }

    fn write_text<W: Write>(&self, w: &mut W, esc: Esc) -> io::Result<()> {
        let e = |w: &mut W, s: &str| match esc {
            Esc::Xml => xml_escaped(w, s),
            Esc::Json => json_escaped(w, s),
            Esc::None => w.write_all(s.as_bytes()),
        };
        match self {
            V::S(s) => e(w, s),
            V::O(s) => e(w, s),
            V::U(n) => write!(w, "{n}"),
            V::Hex(n) => write!(w, "0x{n:x}"),
            V::B(b) => write!(w, "{b}"),
            V::Tpl(t, u) => {
                let mut parts = t.split("{U}");
                e(w, parts.next().unwrap_or(""))?;
                for p in parts {
                    e(w, u)?;
                    e(w, p)?;
                }
                Ok(())
            }
            V::Cat(a, b) => {
                e(w, a)?;
                e(w, b)
            }
            V::Sid(d, rid) => write!(w, "{d}-{rid}"),
            V::Utc(t) => write_sysmon(w, *t),
            V::PGuid(h, n) => write!(
                w,
                "{{{h:08x}-{:04x}-{:04x}-0000-0010{:08x}}}",
                (n >> 48) & 0xffff,
                (n >> 32) & 0xffff,
                n & 0xffff_ffff
            ),
            V::Guid(g) => write!(
                w,
                "{{{:08x}-{:04x}-{:04x}-{:04x}-{:012x}}}",
                g >> 96,
                (g >> 80) & 0xffff,
                (g >> 64) & 0xffff,
                (g >> 48) & 0xffff,
                g & 0xffff_ffff_ffff
            ),
        }
    }

    /// An owned copy (for records kept until their turn comes).
    pub(crate) fn to_static(&self) -> V<'static> {
        match self {
            V::S(s) => V::O((*s).to_string()),
            V::O(s) => V::O(s.clone()),
            V::U(n) => V::U(*n),
            V::Hex(n) => V::Hex(*n),
            V::B(b) => V::B(*b),
            V::Utc(t) => V::Utc(*t),
            V::PGuid(h, n) => V::PGuid(*h, *n),
            V::Guid(g) => V::Guid(*g),
            other => {
                let mut buf = Vec::new();
                let _ = other.write_text(&mut buf, Esc::None);
                V::O(String::from_utf8_lossy(&buf).into_owned())
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Esc {
    Xml,
    Json,
    None,
}

/// The System values that vary per record.
pub(crate) struct Hdr<'a> {
    pub time: Ticks,
    pub record_id: u64,
    pub computer: &'a str,
    pub pid: u32,
    pub tid: u32,
    pub user_sid: Option<&'a str>,
}

/// One `<Event>` element on one line, as `wevtutil qe /f:xml` writes it.
pub(crate) fn write_xml(w: &mut impl Write, tpl: &Tpl, h: &Hdr, vals: &[V]) -> io::Result<()> {
    debug_assert_eq!(tpl.fields.len(), vals.len(), "event {}", tpl.id);
    let p = tpl.provider;
    write!(
        w,
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='{}' Guid='{}'",
        p.name, p.guid
    )?;
    if let Some(src) = p.source {
        write!(w, " EventSourceName='{src}'")?;
    }
    w.write_all(b"/><EventID")?;
    if let Some(q) = tpl.qualifiers {
        write!(w, " Qualifiers='{q}'")?;
    }
    write!(
        w,
        ">{}</EventID><Version>{}</Version><Level>{}</Level><Task>{}</Task><Opcode>0</Opcode><Keywords>{}</Keywords><TimeCreated SystemTime='",
        tpl.id, tpl.version, tpl.level, tpl.task, tpl.keywords
    )?;
    write_win(w, h.time)?;
    write!(
        w,
        "'/><EventRecordID>{}</EventRecordID><Correlation/><Execution ProcessID='{}' ThreadID='{}'/><Channel>{}</Channel><Computer>",
        h.record_id, h.pid, h.tid, p.channel
    )?;
    xml_escaped(w, h.computer)?;
    w.write_all(b"</Computer>")?;
    match h.user_sid {
        Some(sid) => write!(w, "<Security UserID='{sid}'/>")?,
        None => w.write_all(b"<Security/>")?,
    }
    w.write_all(b"</System><EventData>")?;
    for (name, v) in tpl.fields.iter().zip(vals) {
        if *name == "Binary" {
            w.write_all(b"<Binary>")?;
            v.write_text(w, Esc::Xml)?;
            w.write_all(b"</Binary>")?;
        } else {
            write!(w, "<Data Name='{name}'>")?;
            v.write_text(w, Esc::Xml)?;
            w.write_all(b"</Data>")?;
        }
    }
    w.write_all(b"</EventData></Event>\n")
}

/// One record as a JSON line, in the shape of the `evtx` crate's JSON output.
pub(crate) fn write_json(w: &mut impl Write, tpl: &Tpl, h: &Hdr, vals: &[V]) -> io::Result<()> {
    debug_assert_eq!(tpl.fields.len(), vals.len(), "event {}", tpl.id);
    let p = tpl.provider;
    write!(
        w,
        "{{\"Event\":{{\"#attributes\":{{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/event\"}},\"System\":{{\"Provider\":{{\"#attributes\":{{\"Name\":\"{}\",\"Guid\":\"{}\"",
        p.name, p.guid
    )?;
    if let Some(src) = p.source {
        write!(w, ",\"EventSourceName\":\"{src}\"")?;
    }
    w.write_all(b"}},\"EventID\":")?;
    match tpl.qualifiers {
        Some(q) => write!(
            w,
            "{{\"#attributes\":{{\"Qualifiers\":{q}}},\"#text\":{}}}",
            tpl.id
        )?,
        None => write!(w, "{}", tpl.id)?,
    }
    write!(
        w,
        ",\"Version\":{},\"Level\":{},\"Task\":{},\"Opcode\":0,\"Keywords\":\"{}\",\"TimeCreated\":{{\"#attributes\":{{\"SystemTime\":\"",
        tpl.version, tpl.level, tpl.task, tpl.keywords
    )?;
    write_win(w, h.time)?;
    write!(
        w,
        "\"}}}},\"EventRecordID\":{},\"Correlation\":null,\"Execution\":{{\"#attributes\":{{\"ProcessID\":{},\"ThreadID\":{}}}}},\"Channel\":\"{}\",\"Computer\":\"",
        h.record_id, h.pid, h.tid, p.channel
    )?;
    json_escaped(w, h.computer)?;
    match h.user_sid {
        Some(sid) => write!(
            w,
            "\",\"Security\":{{\"#attributes\":{{\"UserID\":\"{sid}\"}}}}"
        )?,
        None => w.write_all(b"\",\"Security\":null")?,
    }
    w.write_all(b"},\"EventData\":{")?;
    for (i, (name, v)) in tpl.fields.iter().zip(vals).enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write!(w, "\"{name}\":")?;
        if v.is_text() {
            w.write_all(b"\"")?;
            v.write_text(w, Esc::Json)?;
            w.write_all(b"\"")?;
        } else {
            v.write_text(w, Esc::Json)?;
        }
    }
    w.write_all(b"}}}\n")
}

/// The `<Binary>` of event 7036: the service's key name and state code in UTF-16LE hex.
pub(crate) fn scm_binary(key: &str, running: bool) -> String {
    let text = format!("{key}/{}", if running { 4 } else { 1 });
    let mut s = String::with_capacity(text.len() * 4 + 4);
    for u in text.encode_utf16().chain([0]) {
        use std::fmt::Write as _;
        let _ = write!(s, "{:02X}{:02X}", u & 0xff, u >> 8);
    }
    s
}
