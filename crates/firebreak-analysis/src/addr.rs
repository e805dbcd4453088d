//! Which internal address belongs to which host, learned from the signals.
//!
//! In order of trust:
//! 1. a network logon (4624) names the client in `WorkstationName` beside its
//!    `IpAddress`;
//! 2. a Sysmon network connection (3) gives its own host's `SourceIp`;
//! 3. the gateway: the initial-access account's RDP connections through the gateway
//!    (`Destination ip:3389` of its session) go to the host the chain reached, and that
//!    host's logon of the account came from the gateway's own (NAT) address;
//! 4. (in `lateral`) a host that launched a remote-execution tool against T, when T
//!    sees an arrival from an unknown address within minutes.

use crate::model::InitialAccess;
use crate::norm::{account_key, field, host_key, secs, src_ip};
use crate::Ctx;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub(crate) struct AddrMap {
    map: BTreeMap<String, (String, String)>,
}

impl AddrMap {
    pub fn build(ctx: &Ctx<'_>, ia: Option<&InitialAccess>) -> AddrMap {
        let mut m = AddrMap::default();
        for s in &ctx.signals {
            let (Some(host), Some(ip)) = (s.host.as_deref(), src_ip(s)) else {
                continue;
            };
            let eid = field(s, &["event_id"]).unwrap_or("");
            if eid == "4624" {
                if let Some(ws) = field(s, &["WorkstationName"]) {
                    if host_key(ws) != host_key(host) && is_logon_type3(s) {
                        m.learn(ip, &ctx.host(ws), "the network logon's WorkstationName");
                    }
                }
            }
            if eid == "3" {
                m.learn(
                    ip,
                    &ctx.host(host),
                    "a Sysmon network connection of the host",
                );
            }
        }
        if let Some(ia) = ia {
            m.learn_gateway(ctx, ia);
        }
        m
    }

    fn learn_gateway(&mut self, ctx: &Ctx<'_>, ia: &InitialAccess) {
        let Some(target) = ia.led_to.as_deref() else {
            return;
        };
        let who = account_key(&ia.account);
        let mine = |s: &&&crate::Signal| s.user.as_deref().map(account_key) == Some(who.clone());
        let mut rdp: Vec<String> = Vec::new();
        for s in ctx.signals.iter().filter(mine) {
            if let Some(d) = field(s, &["Destination"]).and_then(|d| d.strip_suffix(":3389")) {
                crate::norm::push_unique(&mut rdp, d);
            }
        }
        if rdp.len() == 1 {
            self.learn(&rdp[0], target, "the gateway session's RDP destination");
        }
        let nat = ctx.signals.iter().filter(mine).find(|s| {
            s.host.as_deref().map(host_key) == Some(host_key(target))
                && field(s, &["event_id"]) == Some("4624")
                && (-60..=900).contains(&secs(ia.time, s.time))
        });
        if let Some(ip) = nat.and_then(|s| src_ip(s)) {
            self.learn(
                ip,
                &ia.via,
                "the gateway's address in the first logon it produced",
            );
        }
    }

    /// Keeps the first host learned for an address.
    pub fn learn(&mut self, ip: &str, host: &str, how: &str) {
        self.map
            .entry(ip.to_string())
            .or_insert_with(|| (host.to_string(), how.to_string()));
    }

    pub fn host_of(&self, ip: &str) -> Option<&str> {
        self.map.get(ip).map(|(h, _)| h.as_str())
    }
}

fn is_logon_type3(s: &crate::Signal) -> bool {
    match field(s, &["LogonType"]) {
        Some(t) => t == "3",
        None => s.summary.contains("LogonType=3"),
    }
}
