//! Linux authentication log (`auth.log`, `secure`) enrichment of syslog events.
//!
//! Lines from sshd, sudo, su, the shadow-utils account tools, passwd, systemd-logind,
//! login, and any `pam_*(service:type)` line get `source = authlog`, an `event_id` such
//! as `sshd.accepted`, fields with clear names (`user`, `src_ip`, `src_port`,
//! `auth_method`, `sudo_user`, `target_user`, `tty`, `pwd`, `command`, …) and the
//! matching normalised fields. Unrecognised messages from these programs keep their
//! syslog fields and only change source. `CRON` command lines get `cron.command` but
//! stay `syslog` (they are not authentication events).

use crate::syslog_common::MAX_FIELDS;
use firebreak_event::{desc, Event, SourceKind};

/// Programs whose every line belongs to the authentication log.
fn is_auth_program(program: &str) -> bool {
    matches!(
        program,
        "sshd"
            | "sshd-session"
            | "sshd-auth"
            | "sudo"
            | "su"
            | "useradd"
            | "usermod"
            | "userdel"
            | "groupadd"
            | "groupdel"
            | "groupmod"
            | "gpasswd"
            | "passwd"
            | "chpasswd"
            | "chage"
            | "systemd-logind"
            | "login"
    )
}

/// Adds authentication details to `ev`, a syslog event from `program` saying `msg`.
pub(crate) fn enrich(program: &str, msg: &str, ev: &mut Event) {
    if msg.starts_with("pam_") {
        ev.source = SourceKind::AuthLog;
        pam(msg, ev);
        return;
    }
    if !is_auth_program(program) {
        if program.eq_ignore_ascii_case("cron") {
            cron(msg, ev);
        }
        return;
    }
    ev.source = SourceKind::AuthLog;
    match program {
        "sshd" | "sshd-session" | "sshd-auth" => sshd(msg, ev),
        "sudo" => sudo(msg, ev),
        "su" => su(msg, ev),
        "systemd-logind" => logind(msg, ev),
        "login" => login(msg, ev),
        _ => account(program, msg, ev),
    }
}

fn set_id(ev: &mut Event, id: impl Into<String>, timestamp_desc: &str) {
    ev.event_id = Some(id.into());
    if timestamp_desc != desc::EVENT_LOGGED {
        ev.timestamp_desc = timestamp_desc.to_string();
    }
}

fn push(ev: &mut Event, name: &str, value: &str) {
    if !value.is_empty() && ev.fields.len() < MAX_FIELDS {
        ev.fields.push(name, value);
    }
}

fn set_user(ev: &mut Event, name: &str) {
    if !name.is_empty() {
        push(ev, "user", name);
        ev.user.name = Some(name.to_string());
    }
}

fn set_src(ev: &mut Event, ip: &str, port: &str) {
    if !ip.is_empty() {
        push(ev, "src_ip", ip);
        ev.network.src_ip = Some(ip.to_string());
    }
    if let Ok(p) = port.parse::<u16>() {
        push(ev, "src_port", port);
        ev.network.src_port = Some(p);
    }
}

/// Splits `<head> <ip> port <n>[ tail]` into head (may be empty), ip and port.
fn split_ip_port(s: &str) -> Option<(&str, &str, &str)> {
    let (head, tail) = s.rsplit_once(" port ")?;
    let (head, ip) = head.rsplit_once(' ').unwrap_or(("", head));
    let port = tail.split([' ', ':']).next().unwrap_or_default();
    Some((head, ip, port))
}

/// `[invalid user ]<user> from <ip> port <n> …`
fn user_from(ev: &mut Event, s: &str) {
    let s = match s.strip_prefix("invalid user ") {
        Some(rest) => {
            push(ev, "invalid_user", "true");
            rest
        }
        None => s,
    };
    let Some((user, addr)) = s.rsplit_once(" from ") else {
        return;
    };
    set_user(ev, user);
    if let Some((_, ip, port)) = split_ip_port(addr) {
        set_src(ev, ip, port);
    }
}

/// `[invalid |authenticating ]user <user> <ip> port <n> …` or `<ip> port <n> …`
fn user_addr(ev: &mut Event, s: &str) {
    let Some((head, ip, port)) = split_ip_port(s) else {
        return;
    };
    let head = match head.strip_prefix("invalid ") {
        Some(rest) => {
            push(ev, "invalid_user", "true");
            rest
        }
        None => head.strip_prefix("authenticating ").unwrap_or(head),
    };
    if let Some(user) = head.strip_prefix("user ") {
        set_user(ev, user);
    }
    set_src(ev, ip, port);
}

fn sshd(msg: &str, ev: &mut Event) {
    if let Some(r) = msg.strip_prefix("Accepted ") {
        sshd_auth(ev, r, "sshd.accepted", desc::LOGON);
    } else if let Some(r) = msg.strip_prefix("Failed ") {
        sshd_auth(ev, r, "sshd.failed", desc::EVENT_LOGGED);
    } else if let Some(r) = msg.strip_prefix("Invalid user ") {
        set_id(ev, "sshd.invalid_user", desc::EVENT_LOGGED);
        user_from(ev, r);
    } else if let Some(r) = msg.strip_prefix("Disconnected from ") {
        let logoff = r.starts_with("user ") && !msg.ends_with("[preauth]");
        let d = if logoff {
            desc::LOGOFF
        } else {
            desc::EVENT_LOGGED
        };
        set_id(ev, "sshd.disconnect", d);
        user_addr(ev, r);
    } else if let Some(r) = msg.strip_prefix("Received disconnect from ") {
        set_id(ev, "sshd.disconnect", desc::EVENT_LOGGED);
        user_addr(ev, r);
    } else if let Some(r) = msg.strip_prefix("Connection closed by ") {
        set_id(ev, "sshd.connection_closed", desc::EVENT_LOGGED);
        user_addr(ev, r);
    } else if let Some(r) = msg.strip_prefix("error: maximum authentication attempts exceeded for ")
    {
        set_id(ev, "sshd.max_auth_attempts", desc::EVENT_LOGGED);
        user_from(ev, r);
    }
}

/// `<method> for <user> from <ip> port <n> ssh2[: <key>]`
fn sshd_auth(ev: &mut Event, r: &str, id: &str, d: &str) {
    let Some((method, rest)) = r.split_once(" for ") else {
        return;
    };
    set_id(ev, id, d);
    let method = method.split('/').next().unwrap_or(method);
    push(ev, "auth_method", method);
    user_from(ev, rest);
    if let Some((_, key)) = rest.split_once(" ssh2: ") {
        push(ev, "key", key);
    }
}

/// `  jdoe : TTY=pts/0 ; PWD=/home/jdoe ; USER=root ; COMMAND=/usr/bin/id`
fn sudo(msg: &str, ev: &mut Event) {
    let Some((who, rest)) = msg.trim_start().split_once(" : ") else {
        return;
    };
    let (settings, command) = match rest.find("COMMAND=") {
        Some(i) => (rest.get(..i).unwrap_or_default(), rest.get(i + 8..)),
        None => (rest, None),
    };
    let mut note = "";
    set_user(ev, who);
    push(ev, "sudo_user", who);
    for item in settings.split(';').map(str::trim) {
        match item.split_once('=') {
            Some(("TTY", v)) => push(ev, "tty", v),
            Some(("PWD", v)) => push(ev, "pwd", v),
            Some(("USER", v)) => push(ev, "target_user", v),
            Some(("GROUP", v)) => push(ev, "target_group", v),
            Some(_) => {}
            None if note.is_empty() => note = item,
            None => {}
        }
    }
    if let Some(cmd) = command {
        push(ev, "command", cmd);
        ev.process.command_line = Some(cmd.to_string());
    }
    push(ev, "reason", note);
    let id = if note.is_empty() {
        "sudo.command"
    } else if note.contains("incorrect password") {
        "sudo.auth_failure"
    } else if note.contains("NOT in sudoers") {
        "sudo.not_in_sudoers"
    } else {
        "sudo.denied"
    };
    set_id(ev, id, desc::EVENT_LOGGED);
}

/// `(to root) jdoe on pts/0`, `FAILED SU (to root) jdoe on pts/0` (util-linux),
/// `Successful su for root by jdoe`, `FAILED su for root by jdoe` (shadow-utils).
fn su(msg: &str, ev: &mut Event) {
    let (failed, parts) = if let Some(r) = msg.strip_prefix("FAILED SU ") {
        (true, su_to(r))
    } else if let Some(r) = msg.strip_prefix("FAILED su for ") {
        (true, su_for(r))
    } else if let Some(r) = msg.strip_prefix("Successful su for ") {
        (false, su_for(r))
    } else {
        (false, su_to(msg))
    };
    let Some((target, user, tty)) = parts else {
        return;
    };
    if failed {
        set_id(ev, "su.failed", desc::EVENT_LOGGED);
    } else {
        set_id(ev, "su.session", desc::LOGON);
    }
    set_user(ev, user);
    push(ev, "target_user", target);
    push(ev, "tty", tty);
}

/// `(to root) jdoe on pts/0` → target, user, tty.
fn su_to(s: &str) -> Option<(&str, &str, &str)> {
    let (target, rest) = s.strip_prefix("(to ")?.split_once(") ")?;
    let (user, tty) = rest.rsplit_once(" on ").unwrap_or((rest, ""));
    Some((target, user, tty))
}

/// `root by jdoe` → target, user, no tty.
fn su_for(s: &str) -> Option<(&str, &str, &str)> {
    let (target, user) = s.split_once(" by ")?;
    Some((target, user, ""))
}

fn logind(msg: &str, ev: &mut Event) {
    if let Some(r) = msg.strip_prefix("New session ") {
        let Some((id, user)) = r.split_once(" of user ") else {
            return;
        };
        set_id(ev, "systemd-logind.new_session", desc::LOGON);
        push(ev, "session_id", id);
        set_user(ev, user.trim_end_matches('.'));
    } else if let Some(r) = msg.strip_prefix("Session ") {
        let Some((id, _)) = r.split_once(" logged out") else {
            return;
        };
        set_id(ev, "systemd-logind.session_logged_out", desc::LOGOFF);
        push(ev, "session_id", id);
    } else if let Some(r) = msg.strip_prefix("Removed session ") {
        set_id(ev, "systemd-logind.removed_session", desc::LOGOFF);
        push(ev, "session_id", r.trim_end_matches('.'));
    }
}

/// The texts between single quotes: `a 'x' b 'y'` → `x`, `y`.
fn quoted(s: &str) -> impl Iterator<Item = &str> {
    s.split('\'').skip(1).step_by(2)
}

fn login(msg: &str, ev: &mut Event) {
    if msg.starts_with("ROOT LOGIN ") {
        set_id(ev, "login.root_login", desc::LOGON);
        set_user(ev, "root");
        push(ev, "tty", quoted(msg).next().unwrap_or_default());
    } else if msg.starts_with("FAILED LOGIN ") {
        let mut q = quoted(msg);
        let tty = q.next().unwrap_or_default();
        set_id(ev, "login.failed", desc::EVENT_LOGGED);
        set_user(ev, q.next().unwrap_or_default());
        push(ev, "tty", tty);
    } else if let Some(r) = msg.strip_prefix("LOGIN ON ") {
        let Some((tty, user)) = r.split_once(" BY ") else {
            return;
        };
        set_id(ev, "login.login", desc::LOGON);
        set_user(ev, user);
        push(ev, "tty", tty);
    }
}

/// useradd / usermod / userdel / groupadd / groupdel / gpasswd / chage lines.
fn account(program: &str, msg: &str, ev: &mut Event) {
    let action = if let Some(kv) = msg.strip_prefix("new user: ") {
        key_values(ev, kv, "user");
        "new_user"
    } else if let Some(kv) = msg.strip_prefix("new group: ") {
        key_values(ev, kv, "group");
        "new_group"
    } else if let Some(r) = msg.strip_prefix("group added to ") {
        let kv = r.split_once(": ").map(|(_, kv)| kv).unwrap_or_default();
        key_values(ev, kv, "group");
        "group_added"
    } else {
        match account_quoted(ev, msg) {
            Some(action) => action,
            None => return,
        }
    };
    set_id(ev, format!("{program}.{action}"), desc::EVENT_LOGGED);
}

/// Account lines naming users and groups in quotes.
fn account_quoted(ev: &mut Event, msg: &str) -> Option<&'static str> {
    let mut q = quoted(msg);
    let (first, second) = (q.next().unwrap_or_default(), q.next().unwrap_or_default());
    let (action, first_is_user) = if msg.starts_with("add ") && msg.contains(" shadow group ") {
        ("add_to_shadow_group", true)
    } else if msg.starts_with("add ") {
        ("add_to_group", true)
    } else if msg.starts_with("delete user ") {
        ("delete_user", true)
    } else if msg.starts_with("change user ") {
        ("change_user", true)
    } else if msg.starts_with("lock user ") {
        ("lock_user", true)
    } else if msg.starts_with("removed shadow group ") {
        ("removed_shadow_group", false)
    } else if msg.starts_with("removed group ") || msg.starts_with("group ") {
        ("removed_group", false)
    } else {
        return None;
    };
    if first_is_user {
        set_user(ev, first);
        push(ev, "group", second);
    } else {
        push(ev, "group", first);
        push(ev, "owner", second);
    }
    Some(action)
}

/// `name=backup2, UID=1001, GID=1001, home=/home/backup2, shell=/bin/bash, from=/dev/pts/1`
fn key_values(ev: &mut Event, kv: &str, name_is: &str) {
    for item in kv.split(", ") {
        let Some((k, v)) = item.split_once('=') else {
            continue;
        };
        match k {
            "name" if name_is == "user" => set_user(ev, v),
            "name" => push(ev, "group", v),
            "UID" => push(ev, "uid", v),
            "GID" => push(ev, "gid", v),
            "home" => push(ev, "home", v),
            "shell" => push(ev, "shell", v),
            "from" => push(ev, "from", v),
            _ => {}
        }
    }
}

/// `pam_unix(sshd:session): session opened for user jdoe(uid=1000) by (uid=0)` and the
/// like.
fn pam(msg: &str, ev: &mut Event) {
    let Some((module, rest)) = msg.split_once('(') else {
        return;
    };
    let Some((service_type, text)) = rest.split_once("): ") else {
        return;
    };
    let (service, kind) = service_type.split_once(':').unwrap_or((service_type, ""));
    push(ev, "pam_module", module);
    push(ev, "pam_service", service);
    push(ev, "pam_type", kind);
    if let Some(r) = text.strip_prefix("session opened for user ") {
        set_id(ev, "pam.session_opened", desc::LOGON);
        let (user, by) = r.split_once(" by ").unwrap_or((r, ""));
        set_user(ev, without_uid(user));
        push(ev, "by_user", without_uid(by));
    } else if let Some(r) = text.strip_prefix("session closed for user ") {
        set_id(ev, "pam.session_closed", desc::LOGOFF);
        set_user(ev, without_uid(r));
    } else if let Some(r) = text.strip_prefix("authentication failure;") {
        set_id(ev, "pam.auth_failure", desc::EVENT_LOGGED);
        pam_failure(ev, r);
    } else if let Some(r) = text.strip_prefix("password changed for ") {
        set_id(ev, "pam.password_changed", desc::EVENT_LOGGED);
        set_user(ev, r.trim());
    }
}

/// `jdoe(uid=1000)` → `jdoe`; `(uid=0)` → empty.
fn without_uid(s: &str) -> &str {
    s.split('(').next().unwrap_or_default().trim()
}

/// ` logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root`
fn pam_failure(ev: &mut Event, r: &str) {
    for (k, v) in r.split_ascii_whitespace().filter_map(|t| t.split_once('=')) {
        match k {
            "user" => set_user(ev, v),
            "rhost" if v.parse::<std::net::IpAddr>().is_ok() => set_src(ev, v, ""),
            "logname" | "uid" | "euid" | "tty" | "ruser" | "rhost" => push(ev, k, v),
            _ => {}
        }
    }
}

/// `(root) CMD (/usr/local/bin/backup.sh)`
fn cron(msg: &str, ev: &mut Event) {
    let Some((user, cmd)) = msg.strip_prefix('(').and_then(|r| r.split_once(") CMD (")) else {
        return;
    };
    let cmd = cmd.strip_suffix(')').unwrap_or(cmd);
    set_id(ev, "cron.command", desc::EVENT_LOGGED);
    set_user(ev, user);
    push(ev, "command", cmd);
    ev.process.command_line = Some(cmd.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use firebreak_event::{Location, Timestamp};

    fn enriched(program: &str, msg: &str) -> Event {
        let ts = Timestamp::from_secs(0).unwrap();
        let mut ev = Event::new(ts, SourceKind::Syslog, Location::Line(1));
        enrich(program, msg, &mut ev);
        ev
    }

    fn id(ev: &Event) -> &str {
        ev.event_id.as_deref().unwrap_or("-")
    }

    #[test]
    fn su_forms() {
        let ev = enriched("su", "FAILED SU (to root) jdoe on pts/1");
        assert_eq!(
            (id(&ev), ev.fields.get("tty")),
            ("su.failed", Some("pts/1"))
        );
        let ev = enriched("su", "Successful su for root by jdoe");
        assert_eq!(id(&ev), "su.session");
        assert_eq!(ev.fields.get("target_user"), Some("root"));
        assert_eq!(ev.user.name.as_deref(), Some("jdoe"));
        assert_eq!(
            id(&enriched("su", "FAILED su for root by mallory")),
            "su.failed"
        );
    }

    #[test]
    fn login_and_sshd_extras() {
        let ev = enriched(
            "login",
            "FAILED LOGIN (1) on '/dev/tty1' FOR 'root', Authentication failure",
        );
        assert_eq!(id(&ev), "login.failed");
        assert_eq!(ev.user.name.as_deref(), Some("root"));
        assert_eq!(ev.fields.get("tty"), Some("/dev/tty1"));
        assert_eq!(
            id(&enriched("login", "ROOT LOGIN  on '/dev/tty1'")),
            "login.root_login"
        );
        let ev = enriched(
            "sshd-session",
            "error: maximum authentication attempts exceeded for invalid user oracle from 192.0.2.9 port 4711 ssh2 [preauth]",
        );
        assert_eq!(id(&ev), "sshd.max_auth_attempts");
        assert_eq!(ev.user.name.as_deref(), Some("oracle"));
        assert_eq!(ev.network.src_port, Some(4711));
        let ev = enriched(
            "sshd",
            "Accepted keyboard-interactive/pam for jdoe from 2001:db8::7 port 2222 ssh2",
        );
        assert_eq!(ev.fields.get("auth_method"), Some("keyboard-interactive"));
        assert_eq!(ev.network.src_ip.as_deref(), Some("2001:db8::7"));
        let ev = enriched("sshd", "Server listening on 0.0.0.0 port 22.");
        assert_eq!((id(&ev), ev.source), ("-", SourceKind::AuthLog));
    }

    #[test]
    fn other_programs_stay_syslog() {
        let ev = enriched("systemd", "Started session-42.scope.");
        assert_eq!((id(&ev), ev.source), ("-", SourceKind::Syslog));
        let ev = enriched(
            "gdm-password]",
            "pam_unix(gdm-password:session): session opened for user jdoe(uid=1000) by (uid=0)",
        );
        assert_eq!(
            (id(&ev), ev.source),
            ("pam.session_opened", SourceKind::AuthLog)
        );
    }
}
