//! The pack on real recordings: the shared EVTX-ATTACK-SAMPLES. Specific rules must fire
//! on the files that record what they detect, and the impact / exfiltration rules must
//! stay silent on a corpus that holds no ransomware or data theft.

mod common;

use firebreak_readers::ReadOptions;
use firebreak_sigma::RuleSet;
use std::collections::BTreeMap;
use std::path::Path;

/// (bundled rule file, sample file under evtx-attack-samples, minimum detections):
/// chosen by reading what each sample records.
const CASES: &[(&str, &str, usize)] = &[
    // Security 4662 with the DS-Replication-Get-Changes(-All) GUIDs by a user account.
    (
        "credential_access/dcsync_replication_rights.yml",
        "Credential Access/CA_DCSync_4662.evtx",
        1,
    ),
    // Sysmon 10: mimikatz opening lsass.exe with 0x1010.
    (
        "credential_access/lsass_access_suspicious_rights.yml",
        "Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx",
        1,
    ),
    // Sysmon 11: LSASS dumps written by procdump and by Task Manager.
    (
        "credential_access/lsass_dump_file_created.yml",
        "Credential Access/sysmon_10_11_lsass_memdump.evtx",
        1,
    ),
    // rdrleakdiag.exe /p <lsass pid> /fullmemdmp.
    (
        "credential_access/lsass_dump_procdump.yml",
        "Credential Access/sysmon_rdrleakdiag_lsass_dump.evtx",
        1,
    ),
    // PowerShell 4104: MiniDumpWriteDump on lsass from a script.
    (
        "credential_access/mimikatz_powershell_script.yml",
        "Credential Access/Powershell_4104_MiniDumpWriteDump_Lsass.evtx",
        1,
    ),
    // Application log, ESENT 325/326/327: ntdsutil IFM copying ntds.dit.
    (
        "credential_access/ntds_database_ifm_snapshot.yml",
        "Credential Access/dc_applog_ntdsutil_dfir_325_326_327.evtx",
        1,
    ),
    // Security 1102 and System 104.
    (
        "defense_evasion/security_log_cleared.yml",
        "Defense Evasion/DE_1102_security_log_cleared.evtx",
        1,
    ),
    (
        "defense_evasion/event_log_cleared.yml",
        "Defense Evasion/DE_104_system_log_cleared.evtx",
        1,
    ),
    // Sysmon 17/18: a renamed PsExec service still uses the -stdin/-stdout/-stderr pipes.
    (
        "lateral_movement/psexec_named_pipes.yml",
        "Defense Evasion/DE_renamed_psexec_service_sysmon_17_18.evtx",
        3,
    ),
    // PsExec -s: PSEXESVC.exe starting cmd.exe as SYSTEM.
    (
        "execution/psexec_service_child_process.yml",
        "Privilege Escalation/sysmon_privesc_psexec_dwell.evtx",
        1,
    ),
    // Impacket wmiexec: WmiPrvSE.exe starting cmd.exe /Q /c whoami /all 1> \\127.0.0.1\ADMIN$\...
    (
        "lateral_movement/wmi_remote_process.yml",
        "Lateral Movement/LM_wmiexec_impacket_sysmon_whoami.evtx",
        1,
    ),
    (
        "discovery/whoami_execution.yml",
        "Lateral Movement/LM_wmiexec_impacket_sysmon_whoami.evtx",
        1,
    ),
    // winrs: winrshost.exe starting the remote command.
    (
        "lateral_movement/winrm_remote_shell.yml",
        "Lateral Movement/LM_winrm_exec_sysmon_1_winrshost.evtx",
        1,
    ),
    // Security 5145: a renamed PsExec service binary written to ADMIN$, svcctl opened.
    (
        "lateral_movement/admin_share_executable_write.yml",
        "Lateral Movement/LM_renamed_psexecsvc_5145.evtx",
        1,
    ),
    (
        "lateral_movement/remote_service_control_pipe.yml",
        "Lateral Movement/LM_REMCOM_5145_TargetHost.evtx",
        1,
    ),
    // System 7045: a service whose binary is cmd.exe.
    (
        "lateral_movement/suspicious_service_installed.yml",
        "Lateral Movement/LM_Remote_Service02_7045.evtx",
        1,
    ),
    // Sysmon 11: the System process writing PSEXESVC.exe into C:\Windows.
    (
        "lateral_movement/executable_written_over_smb.yml",
        "Lateral Movement/remote_file_copy_system_proc_file_write_sysmon_11.evtx",
        1,
    ),
    // Security 4648: WMIC.exe using explicit credentials against another host.
    (
        "lateral_movement/explicit_credentials_remote_tool.yml",
        "Lateral Movement/LM_WMIC_4648_rpcss.evtx",
        1,
    ),
];

fn sample_root() -> std::path::PathBuf {
    common::shared("evtx-attack-samples")
}

/// Detections per rule file on one sample.
fn detections(set: &RuleSet, path: &Path) -> BTreeMap<String, usize> {
    let events = common::read_any(path, &ReadOptions::default())
        .unwrap_or_else(|| panic!("{}: not recognised", path.display()));
    assert!(!events.is_empty(), "{}", path.display());
    let mut out = BTreeMap::new();
    for ev in &events {
        for r in set.matches(ev) {
            *out.entry(common::file_of(r).to_string()).or_default() += 1;
        }
    }
    out
}

#[test]
fn bundled_rules_fire_on_the_samples_that_record_their_technique() {
    let set = common::pack();
    let root = sample_root();
    let mut failures = Vec::new();
    for (rule, sample, min) in CASES {
        assert!(
            firebreak_rules::bundled()
                .iter()
                .any(|(o, _)| o.ends_with(rule)),
            "{rule} is not bundled"
        );
        let got = detections(&set, &root.join(sample));
        let n = got.get(*rule).copied().unwrap_or(0);
        println!("{n:>4} {rule} on {sample}");
        if n < *min {
            failures.push(format!("{rule} on {sample}: {n} < {min} (fired: {got:?})"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn impact_and_exfiltration_rules_stay_silent_on_the_corpus() {
    // The corpus records attack techniques but no ransomware impact and no data theft;
    // any impact, exfiltration or collection detection on it is a false positive.
    let set = common::pack();
    let mut files = 0;
    let mut events = 0;
    let mut noisy = Vec::new();
    for entry in walkdir::WalkDir::new(sample_root()).sort_by_file_name() {
        let path = entry.expect("walk samples").into_path();
        if path.extension().and_then(|x| x.to_str()) != Some("evtx") {
            continue;
        }
        files += 1;
        let evs = common::read_any(&path, &ReadOptions::default()).unwrap_or_default();
        events += evs.len();
        for ev in &evs {
            for r in set.matches(ev) {
                let silent = ["impact", "exfiltration", "collection"]
                    .iter()
                    .any(|t| common::has_tactic(r, t));
                if silent {
                    noisy.push(format!("{} on {}", r.origin(), path.display()));
                }
            }
        }
    }
    println!("{files} files, {events} events");
    assert!(
        files > 150 && events > 5_000,
        "{files} files, {events} events"
    );
    assert!(noisy.is_empty(), "{noisy:#?}");
}
