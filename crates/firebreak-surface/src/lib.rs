//! Firebreak's attack-surface pipeline (`firebreak surface`).
//!
//! Given a [`Scope`] (domains and address ranges the customer owns) it discovers names
//! (zone transfer against the domains' in-scope name servers, brute force with the
//! bundled wordlist and wildcard detection), resolves them through the configured
//! resolvers only (A/AAAA/CNAME, NS, MX, TXT; hickory-proto messages), connect-scans a
//! port profile on every in-scope address, fingerprints HTTP, SSH and RDP (NLA enforced
//! or not, per the HYBRID_REQUIRED_BY_SERVER rule) and Citrix Gateway portals (two
//! signals or more, and the gzip MTIME of `rdx_en.json.gz` that identifies the build),
//! probes UDP amplifiers (open DNS recursion, SNMP `public` GetBulk, memcached) and
//! measures their amplification from the real reply sizes,
//! and matches banners against a DoS knowledge base (`data/dos-kb.yaml`).
//!
//! Safety: this is the only Firebreak crate that opens sockets, and it opens them only
//! in its private `net` module after the [`Guard`] admitted the address: in a scoped range, within
//! the global and per-host packet rates and connection limits; DNS queries go only to
//! the configured resolvers. Names that resolve outside the scope are reported
//! (`scope.out_of_scope`), never probed. Every probe has a hard deadline. Nothing sends
//! credentials, floods or writes to a service.
//!
//! Output: [`Finding`]s, each with a severity and a reason, handed to the caller the
//! moment each is confirmed; [`summary_table`] ranks the assets by risk score (sum of
//! severity weights). Kinds: `dns.records`, `dns.axfr_open`, `dns.wildcard`,
//! `asset.name`, `scope.out_of_scope`, `protection.behind`/`protection.none`,
//! `port.open`, `service.http`/`service.ssh`, `rdp.nla_enforced`/`rdp.nla_not_enforced`,
//! `portal.citrix_gateway`, `dos.known_cve`, `amp.memcached`, `amp.snmp_public`,
//! `amp.dns_open_resolver`,
//! `origin.bypass`/`origin.protected`, `scan.problem`. In-flight work is bounded by the
//! concurrency limits (DNS queries, hosts, connections); the discovered names and the
//! findings are kept for the run. Banner text in findings is attacker-controlled; the
//! summary sanitises it for the terminal.
//!
//! Protection: with a provider range file (cdncheck's `sources_data.json` format) each
//! resolved name is classified as behind a CDN/WAF provider or not, by address range or
//! CNAME suffix, and the deciding method is recorded (`protection.*` findings).
//!
//! Origin exposure: for each protected site whose edge is in scope, every other scanned
//! address is asked for the site (Host header, port 80) and compared with the edge's
//! answer (same status and title, body similarity ≥ 0.9): `origin.bypass` or
//! `origin.protected`, with both responses as evidence.
//!
//! Data: `data/dos-kb.yaml` (product + version range → CVE), `data/ports.txt` (the port
//! profile), `data/subdomains.txt` (the wordlist). No global mutable state.

mod dns;
mod error;
mod finding;
mod kb;
mod net;
mod origin;
mod pipeline;
mod protect;
mod scope;
pub mod wire;

pub use dns::{Dns, HostInfo};
pub use error::{ScopeError, SurfaceError};
pub use finding::{rank_assets, summary_table, AssetRisk, Finding, Severity};
pub use kb::{port_profile, version_key, DosEntry, DosKb, DosMatch, PortSpec, WORDLIST};
pub use origin::{similarity, BYPASS_THRESHOLD};
pub use pipeline::{run, run_blocking, Config, Stats};
pub use protect::{Category, Protection, Providers};
pub use scope::{Guard, Limits, Permit, Scope};
