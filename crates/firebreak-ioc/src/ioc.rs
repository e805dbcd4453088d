//! The IOC model: what an indicator is, where it came from, and what was said about it.

use crate::error::Position;
use serde::Serialize;

/// What kind of thing an IOC names, which decides how it is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IocType {
    Md5,
    Sha1,
    Sha256,
    Sha512,
    /// PE import hash (Sysmon `IMPHASH=`); same length as MD5, told apart by label only.
    Imphash,
    Ipv4,
    Ipv6,
    /// An IPv4 or IPv6 network, `a.b.c.d/n` or `x::/n`.
    Cidr,
    /// A domain; matches itself and every subdomain.
    Domain,
    Url,
    Email,
    FilePath,
    FileName,
    /// `user`, `DOMAIN\user` or `user@domain`.
    User,
    /// A substring of a command line (or script block).
    CommandLine,
    RegistryKey,
}

impl IocType {
    pub const ALL: [IocType; 16] = [
        IocType::Md5,
        IocType::Sha1,
        IocType::Sha256,
        IocType::Sha512,
        IocType::Imphash,
        IocType::Ipv4,
        IocType::Ipv6,
        IocType::Cidr,
        IocType::Domain,
        IocType::Url,
        IocType::Email,
        IocType::FilePath,
        IocType::FileName,
        IocType::User,
        IocType::CommandLine,
        IocType::RegistryKey,
    ];

    /// Stable name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            IocType::Md5 => "md5",
            IocType::Sha1 => "sha1",
            IocType::Sha256 => "sha256",
            IocType::Sha512 => "sha512",
            IocType::Imphash => "imphash",
            IocType::Ipv4 => "ipv4",
            IocType::Ipv6 => "ipv6",
            IocType::Cidr => "cidr",
            IocType::Domain => "domain",
            IocType::Url => "url",
            IocType::Email => "email",
            IocType::FilePath => "file_path",
            IocType::FileName => "file_name",
            IocType::User => "user",
            IocType::CommandLine => "command_line",
            IocType::RegistryKey => "registry_key",
        }
    }

    /// True for the hash types.
    pub fn is_hash(self) -> bool {
        matches!(
            self,
            IocType::Md5 | IocType::Sha1 | IocType::Sha256 | IocType::Sha512 | IocType::Imphash
        )
    }
}

impl std::fmt::Display for IocType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the source said about an indicator. Every field is optional; formats fill
/// what they carry (see the crate docs for which comes from where).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Meta {
    /// STIX object id, MISP attribute uuid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// STIX indicator name; MISP object name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// CSV description, STIX description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// CSV source column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// STIX labels and indicator_types; MISP tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// STIX kill-chain phases as `kill_chain_name:phase_name`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kill_chain: Vec<String>,
    /// STIX `created_by_ref` (the identity's name when the bundle has it); MISP `Orgc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// MISP `to_ids`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_ids: Option<bool>,
    /// MISP category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// MISP comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// MISP event `info`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_info: Option<String>,
    /// The other half of a composite MISP value (`filename|md5` keeps the file name
    /// here, `ip-dst|port` the port).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<String>,
}

/// One indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ioc {
    pub kind: IocType,
    /// The value in canonical form: hashes, domains, e-mail addresses lower case; IPs
    /// as `std::net` writes them; networks masked to their prefix; URLs with scheme and
    /// host lower case, default port, fragment and trailing slash removed. Paths, names,
    /// users and command lines keep their case (they are matched case-insensitively).
    pub value: String,
    /// Where in the source it was defined.
    pub position: Position,
    pub meta: Meta,
}

/// The format an IOC set was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Plain,
    Csv,
    Stix,
    Misp,
}

/// The indicators of one source (file, feed), in source order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IocSet {
    /// Caller's name for the source (a file name, a feed URL); hits and errors carry it.
    pub origin: String,
    pub format: Format,
    pub iocs: Vec<Ioc>,
}

impl IocSet {
    pub fn new(origin: &str, format: Format) -> IocSet {
        IocSet {
            origin: origin.to_string(),
            format,
            iocs: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.iocs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.iocs.is_empty()
    }

    /// How many IOCs of each type, in [`IocType`] order.
    pub fn counts(&self) -> Vec<(IocType, usize)> {
        IocType::ALL
            .into_iter()
            .map(|t| (t, self.iocs.iter().filter(|i| i.kind == t).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}
