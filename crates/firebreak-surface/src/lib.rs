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
//! `origin.bypass`/`origin.protected`, `creds.leaked`,
//! `web.directory_listing`/`web.default_page`, `scan.problem`. In-flight work is bounded by the
//! concurrency limits (DNS queries, hosts, connections); the discovered names and the
//! findings are kept for the run. Banner text in findings is attacker-controlled; the
//! summary sanitises it for the terminal.
//!
//! More names (`discovery`, `names`, `permute`): passive inputs (crt.sh JSON, name
//! lists, an earlier run's JSONL; [`names::passive`]), permutations of the found names
//! (numbers ±1, environment words from `data/permutations.txt`, bounded), then rounds
//! (`Config::recursion`): the in-scope names the answers revealed (certificate SANs in
//! any finding's evidence, `Location`/CSP/links of every HTTP answer;
//! [`names::from_http`]) and brute force under newly seen sub-zones are resolved and
//! their new addresses scanned. `asset.name` says how each name was found (`axfr`,
//! `bruteforce`, `passive`, `permutation`, `http`, `tls-san`, `ns/mx`, `scope`).
//!
//! Protection: with a provider range file (cdncheck's `sources_data.json` format) each
//! resolved name is classified as behind a CDN/WAF provider or not, by address range or
//! CNAME suffix as it resolves; the others after the scan by the response headers and
//! cookies the fingerprinter saw (`data/protection-headers.yaml`: cf-ray, __cf_bm,
//! x-amz-cf-id, x-akamai-*, x-sucuri-id, x-iinfo/incap_ses_*, ...). The deciding method
//! (`ip-range`, `cname-suffix`, `http-header`, `cookie`) and what matched are recorded
//! (`protection.*` findings). [`import_ranges`] turns the providers' published lists
//! (files the user downloaded: Cloudflare ips-v4/v6, AWS ip-ranges.json, Fastly,
//! Google, plain lists) into such a file.
//!
//! Leaked credentials ([`creds`]): leak lists are read with the one line parser of
//! `firebreak_analytics::leakline` (email:password, user:hash, pwdump, combolists with
//! a URL); accounts under a scoped domain are reported at once (`creds.leaked`, high),
//! logins captured for the scope's URLs after the scan, critical when the URL's host is
//! a discovered remote-access portal (`portal.*`). Secrets are masked while reading
//! (`P*******1 (9 chars)`, `hash (bcrypt)`) and never kept; nothing is tried with them.
//!
//! Case: [`store::Stabilizer`] gives each finding a key that is stable across runs and
//! drops volatile evidence (reply sizes, dates, cookie values; `data/case-keys.yaml`),
//! so the case's findings store reports only real changes as new / gone / changed.
//!
//! Origin exposure: for each protected site whose edge is in scope, every candidate
//! origin — every other scanned address (unprotected siblings, MX hosts, hosts whose
//! certificate covers the name), the domain's SPF `ip4:`/`ip6:` addresses, and the
//! name's past addresses from a history file (`Config::origin_history`) — is asked for
//! the site (HTTPS on 443 with SNI and Host = the name, else HTTP
//! on 80 with the Host header) and compared with the edge's
//! answer (same status and title, body similarity ≥ 0.9): `origin.bypass` or
//! `origin.protected`, with both responses and why each candidate was one as evidence.
//! A candidate outside the scope is listed, never asked.
//!
//! Service probes (one module each, over the guarded `net` connections):
//! - [`tls`]: on TLS ports (`https`, `smtps`, `imaps`, `pop3s`, `ldaps` in the profile)
//!   which versions the server accepts (a hand-made ClientHello per version, TLS 1.0 to
//!   1.3, read without decrypting: `tls.old_protocol` for 1.0/1.1), the certificate
//!   ([`CertInfo`]: subject, SANs, issuer, validity, self-signed, key; `service.tls`,
//!   `tls.self_signed`, `tls.certificate_expired`) through the system OpenSSL with no
//!   verification and SNI = the name, the HTTPS fingerprint, and whether a client may
//!   renegotiate (`tls.client_renegotiation`, a real `SSL_renegotiate` on TLS 1.2);
//! - UDP amplifiers besides DNS/SNMP/memcached: NTP mode 6 READVAR and mode 7 monlist,
//!   SSDP M-SEARCH, CLDAP rootDSE, chargen (`amp.ntp_mode6`, `amp.ntp_monlist`,
//!   `amp.ssdp`, `amp.cldap`, `amp.chargen`), factor = all reply bytes within the
//!   deadline / request bytes;
//! - [`slow`]: slowloris exposure on HTTP and HTTPS ports (`dos.slowloris`: 3 connections,
//!   one header line every quarter of the threshold, all still open at the threshold;
//!   `Config::slowloris`, 10 s by default);
//! - SMB (`service.smb` with the SMB2 dialect, `smb.v1_enabled` when an SMB1-only
//!   NEGOTIATE is accepted), FTP and SMTP greetings (`service.ftp`, `service.smtp`)
//!   and the certificate behind STARTTLS / AUTH TLS (`service.tls` with `starttls`);
//!   the DNS server's `version.bind` (`service.dns`);
//! - [`pages`]: server-generated directory listings (`web.directory_listing`, medium:
//!   nginx autoindex, Apache mod_autoindex, IIS directory browsing, lighttpd, Python's
//!   http.server) and out-of-the-box pages (`web.default_page`, low: nginx, Debian and
//!   Ubuntu Apache, the RHEL test page, IIS, Tomcat, lighttpd) by the signatures of
//!   `data/web-signatures.yaml` (markers, how many must match), in the answer to `GET /`
//!   and, for listings, in at most 3 common folders (`/uploads/`, `/backup/`; none when
//!   `/` is a listing); evidence: URL, server, signature, the number of entries (never
//!   their names);
//! - [`portal`]: FortiGate SSL-VPN, Ivanti Connect Secure, GlobalProtect, Exchange OWA
//!   (with the build), RD Web by the signatures of `data/portals.yaml` (two markers or
//!   more), and the NetScaler build from `data/citrix-builds.csv`.
//!
//! Banners (HTTP Server, SSH, FTP, SMTP, NTP's version, memcached's) are matched against
//! the DoS knowledge base; every entry names the advisory it was checked against.
//!
//! Data: `data/dos-kb.yaml` (product + version range → CVE), `data/ports.txt` (the port
//! profile), `data/subdomains.txt` (the wordlist), `data/portals.yaml`,
//! `data/citrix-builds.csv`, `data/permutations.txt`,
//! `data/protection-headers.yaml`, `data/web-signatures.yaml`, `data/case-keys.yaml`. No global mutable state.

mod amp;
mod banner;
pub mod creds;
mod discovery;
mod dns;
mod error;
mod finding;
mod kb;
pub mod names;
mod net;
mod origin;
pub mod pages;
pub mod permute;
mod pipeline;
pub mod portal;
mod probe;
mod protect;
mod scope;
mod shield;
pub mod slow;
mod smb;
pub mod store;
pub mod tls;
mod web;
pub mod wire;

pub use dns::{Dns, HostInfo};
pub use error::{ScopeError, SurfaceError};
pub use finding::{rank_assets, summary_table, AssetRisk, Finding, Severity};
pub use kb::{port_profile, version_key, DosEntry, DosKb, DosMatch, PortSpec, WORDLIST};
pub use origin::{similarity, BYPASS_THRESHOLD};
pub use pipeline::{run, run_blocking, Config, Stats};
pub use protect::{
    import_ranges, Category, HeaderSignals, ImportCount, Protection, Providers, RangeFormat,
};
pub use scope::{Guard, Limits, Permit, Scope};
pub use tls::CertInfo;
