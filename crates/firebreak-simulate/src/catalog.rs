//! Data tables: executables, what people and machines run, services, web sites.

use crate::winev::Exe;

const fn exe(
    image: &'static str,
    version: &'static str,
    description: &'static str,
    product: &'static str,
    company: &'static str,
    original: &'static str,
) -> Exe {
    Exe {
        image,
        version,
        description,
        product,
        company,
        original,
    }
}

const MS: &str = "Microsoft Corporation";
const WIN: &str = "Microsoft® Windows® Operating System";
const WV: &str = "10.0.19041.1 (WinBuild.160101.0800)";

pub(crate) const EXPLORER: Exe = exe(
    "C:\\Windows\\explorer.exe",
    WV,
    "Windows Explorer",
    WIN,
    MS,
    "EXPLORER.EXE",
);
pub(crate) const USERINIT: Exe = exe(
    "C:\\Windows\\System32\\userinit.exe",
    WV,
    "Userinit Logon Application",
    WIN,
    MS,
    "USERINIT.EXE",
);
pub(crate) const CMD: Exe = exe(
    "C:\\Windows\\System32\\cmd.exe",
    WV,
    "Windows Command Processor",
    WIN,
    MS,
    "Cmd.Exe",
);
pub(crate) const POWERSHELL: Exe = exe(
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    WV,
    "Windows PowerShell",
    WIN,
    MS,
    "PowerShell.EXE",
);
pub(crate) const WHOAMI: Exe = exe(
    "C:\\Windows\\System32\\whoami.exe",
    WV,
    "whoami - displays logged on user information",
    WIN,
    MS,
    "whoami.exe",
);
pub(crate) const NET: Exe = exe(
    "C:\\Windows\\System32\\net.exe",
    WV,
    "Net Command",
    WIN,
    MS,
    "net.exe",
);
pub(crate) const NLTEST: Exe = exe(
    "C:\\Windows\\System32\\nltest.exe",
    WV,
    "Microsoft® Logon Server Test Utility",
    WIN,
    MS,
    "nltestrk.exe",
);
pub(crate) const IPCONFIG: Exe = exe(
    "C:\\Windows\\System32\\ipconfig.exe",
    WV,
    "IP Configuration Utility",
    WIN,
    MS,
    "ipconfig.exe",
);
pub(crate) const RUNDLL32: Exe = exe(
    "C:\\Windows\\System32\\rundll32.exe",
    WV,
    "Windows host process (Rundll32)",
    WIN,
    MS,
    "RUNDLL32.EXE",
);
pub(crate) const VSSADMIN: Exe = exe(
    "C:\\Windows\\System32\\vssadmin.exe",
    WV,
    "Command Line Interface for Microsoft® Volume Shadow Copy Service ",
    WIN,
    MS,
    "VSSADMIN.EXE",
);
pub(crate) const WMIC: Exe = exe(
    "C:\\Windows\\System32\\wbem\\WMIC.exe",
    WV,
    "WMI Commandline Utility",
    WIN,
    MS,
    "wmic.exe",
);
pub(crate) const BCDEDIT: Exe = exe(
    "C:\\Windows\\System32\\bcdedit.exe",
    WV,
    "Boot Configuration Data Editor",
    WIN,
    MS,
    "bcdedit.exe",
);
pub(crate) const WBADMIN: Exe = exe(
    "C:\\Windows\\System32\\wbadmin.exe",
    WV,
    "Command Line Interface for Microsoft® BLB Backup",
    WIN,
    MS,
    "WBADMIN.EXE",
);
pub(crate) const ADFIND: Exe = exe(
    "C:\\Users\\Public\\Music\\AdFind.exe",
    "1.57.00",
    "Joeware ADFind",
    "ADFind",
    "www.joeware.net",
    "AdFind.exe",
);
pub(crate) const PSEXEC: Exe = exe(
    "C:\\Users\\Public\\Music\\PsExec64.exe",
    "2.43",
    "Execute processes remotely",
    "Sysinternals PsExec",
    "Sysinternals - www.sysinternals.com",
    "psexec.exe",
);
pub(crate) const PSEXESVC: Exe = exe(
    "C:\\Windows\\PSEXESVC.exe",
    "2.43",
    "PsExec Service",
    "Sysinternals PsExec",
    "Sysinternals - www.sysinternals.com",
    "psexesvc.exe",
);
pub(crate) const LOCKER: Exe = exe("C:\\Windows\\Temp\\svcupd.exe", "-", "-", "-", "-", "-");

/// Executables people start from Explorer, with the command line (`{U}` = user).
pub(crate) struct App {
    pub exe: Exe,
    pub cmd: &'static str,
}

pub(crate) const USER_APPS: &[(u32, App)] = &[
    (30, App { exe: exe("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "131.0.6778.86", "Google Chrome", "Google Chrome", "Google LLC", "chrome.exe"), cmd: "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\"" }),
    (12, App { exe: exe("C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", "131.0.2903.63", "Microsoft Edge", "Microsoft Edge", MS, "msedge.exe"), cmd: "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --single-argument https://intranet.corp.local/" }),
    (14, App { exe: exe("C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "16.0.18129.20158", "Microsoft Outlook", "Microsoft Outlook", MS, "Outlook.exe"), cmd: "\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE\"" }),
    (12, App { exe: exe("C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", "16.0.18129.20158", "Microsoft Excel", "Microsoft Office", MS, "Excel.exe"), cmd: "\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\EXCEL.EXE\" \"\\\\FS01\\Finance\\Budget\\Budget_004.xlsx\"" }),
    (12, App { exe: exe("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "16.0.18129.20158", "Microsoft Word", "Microsoft Office", MS, "WinWord.exe"), cmd: "\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\WINWORD.EXE\" /n \"C:\\Users\\{U}\\Documents\\Notes.docx\"" }),
    (8, App { exe: exe("C:\\Users\\{U}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "1.7.00.33761", "Microsoft Teams", "Microsoft Teams", MS, "Teams.exe"), cmd: "\"C:\\Users\\{U}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe\" --process-start-args \"--profile=AAD\"" }),
    (6, App { exe: exe("C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe", "24.216.1027.0003", "Microsoft OneDrive", "Microsoft OneDrive", MS, "OneDrive.exe"), cmd: "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background" }),
    (5, App { exe: exe("C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe", "24.4.20220.0", "Adobe Acrobat", "Adobe Acrobat", "Adobe Systems Incorporated", "Acrobat.exe"), cmd: "\"C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe\" \"C:\\Users\\{U}\\Downloads\\Invoice_2026-11.pdf\"" }),
    (4, App { exe: exe("C:\\Windows\\System32\\notepad.exe", WV, "Notepad", WIN, MS, "NOTEPAD.EXE"), cmd: "\"C:\\Windows\\system32\\NOTEPAD.EXE\" C:\\Users\\{U}\\Desktop\\todo.txt" }),
    (3, App { exe: exe("C:\\Windows\\System32\\mstsc.exe", WV, "Remote Desktop Connection", WIN, MS, "mstsc.exe"), cmd: "\"C:\\Windows\\system32\\mstsc.exe\"" }),
    (2, App { exe: exe("C:\\Program Files\\7-Zip\\7zFM.exe", "24.08", "7-Zip File Manager", "7-Zip", "Igor Pavlov", "7zFM.exe"), cmd: "\"C:\\Program Files\\7-Zip\\7zFM.exe\"" }),
];

/// What machines run on their own, as SYSTEM.
pub(crate) const SYSTEM_APPS: &[(u32, App)] = &[
    (20, App { exe: exe("C:\\Windows\\System32\\svchost.exe", WV, "Host Process for Windows Services", WIN, MS, "svchost.exe"), cmd: "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule" }),
    (12, App { exe: exe("C:\\Windows\\System32\\taskhostw.exe", WV, "Host Process for Windows Tasks", WIN, MS, "taskhostw.exe"), cmd: "taskhostw.exe Install $(Arg0)" }),
    (10, App { exe: exe("C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe", "4.18.24090.11 (WinBuild.160101.0800)", "Microsoft Malware Protection Command Line Utility", WIN, MS, "MpCmdRun.exe"), cmd: "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe\" -wdenable" }),
    (8, App { exe: exe("C:\\Windows\\System32\\wuauclt.exe", WV, "Windows Update", WIN, MS, "wuauclt.exe"), cmd: "\"C:\\Windows\\system32\\wuauclt.exe\" /RunHandlerComServer" }),
    (8, App { exe: exe("C:\\Windows\\System32\\backgroundTaskHost.exe", WV, "Background Task Host", WIN, MS, "backgroundTaskHost.exe"), cmd: "\"C:\\Windows\\system32\\backgroundTaskHost.exe\" -ServerName:BackgroundTaskHost.WebAccountProvider" }),
    (5, App { exe: exe("C:\\Windows\\System32\\CompatTelRunner.exe", WV, "Microsoft Compatibility Telemetry", WIN, MS, "CompatTelRunner.exe"), cmd: "C:\\Windows\\system32\\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun" }),
    (5, App { exe: exe("C:\\Windows\\System32\\gpupdate.exe", WV, "Microsoft® Group Policy Update Utility", WIN, MS, "gpupdate.exe"), cmd: "gpupdate.exe /target:computer" }),
    (6, App { exe: exe("C:\\Windows\\System32\\conhost.exe", WV, "Console Window Host", WIN, MS, "CONHOST.EXE"), cmd: "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1" }),
    (4, App { exe: exe("C:\\Windows\\servicing\\TrustedInstaller.exe", WV, "Windows Modules Installer", WIN, MS, "TrustedInstaller.exe"), cmd: "C:\\Windows\\servicing\\TrustedInstaller.exe" }),
];

/// What administrators run on servers.
pub(crate) const ADMIN_APPS: &[(u32, App)] = &[
    (
        5,
        App {
            exe: exe(
                "C:\\Windows\\System32\\mmc.exe",
                WV,
                "Microsoft Management Console",
                WIN,
                MS,
                "MMC.EXE",
            ),
            cmd: "\"C:\\Windows\\system32\\mmc.exe\" \"C:\\Windows\\system32\\dsa.msc\"",
        },
    ),
    (
        3,
        App {
            exe: exe(
                "C:\\Windows\\System32\\ServerManager.exe",
                WV,
                "Server Manager",
                WIN,
                MS,
                "ServerManager.exe",
            ),
            cmd: "\"C:\\Windows\\system32\\ServerManager.exe\"",
        },
    ),
    (
        2,
        App {
            exe: POWERSHELL,
            cmd: "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\"",
        },
    ),
    (
        2,
        App {
            exe: exe(
                "C:\\Windows\\System32\\eventvwr.exe",
                WV,
                "Event Viewer Snapin Launcher",
                WIN,
                MS,
                "eventvwr.exe",
            ),
            cmd: "\"C:\\Windows\\system32\\eventvwr.exe\"",
        },
    ),
];

/// Services that start and stop on their own: display name, key name.
pub(crate) const SERVICES: &[(&str, &str)] = &[
    ("Windows Update", "wuauserv"),
    ("Background Intelligent Transfer Service", "BITS"),
    ("Windows Modules Installer", "TrustedInstaller"),
    (
        "WinHTTP Web Proxy Auto-Discovery Service",
        "WinHttpAutoProxySvc",
    ),
    ("Software Protection", "sppsvc"),
    ("Delivery Optimization", "DoSvc"),
    ("Windows Error Reporting Service", "WerSvc"),
    ("Device Setup Manager", "DsmSvc"),
    ("Google Update Service (gupdate)", "gupdate"),
    ("Microsoft Edge Update Service (edgeupdate)", "edgeupdate"),
];

/// Files people's programs create: creating image (index into `USER_APPS`), path.
pub(crate) const USER_FILES: &[(usize, &str)] = &[
    (0, "C:\\Users\\{U}\\Downloads\\Invoice_2026-11.pdf"),
    (0, "C:\\Users\\{U}\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\Cache_Data\\index"),
    (2, "C:\\Users\\{U}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\R8K2QW1T\\Offer_2026.pdf"),
    (3, "C:\\Users\\{U}\\AppData\\Roaming\\Microsoft\\Excel\\Budget_004((Autosaved-311239512391)).xlsb"),
    (4, "C:\\Users\\{U}\\AppData\\Roaming\\Microsoft\\Word\\~WRL0005.tmp"),
    (4, "C:\\Users\\{U}\\Documents\\Notes.docx"),
    (6, "C:\\Users\\{U}\\OneDrive - CORP AG\\Documents\\Overview.xlsx"),
];

/// Web destinations: host, address, weight; `true` for plain HTTP.
pub(crate) const SITES: &[(u32, &str, &str, bool)] = &[
    (20, "www.google.com", "142.250.185.100", false),
    (14, "outlook.office365.com", "52.97.201.226", false),
    (10, "teams.microsoft.com", "52.113.194.132", false),
    (8, "login.microsoftonline.com", "20.190.159.2", false),
    (6, "www.linkedin.com", "13.107.42.14", false),
    (6, "www.spiegel.de", "128.65.210.8", false),
    (5, "www.dhl.de", "23.53.33.118", false),
    (4, "www.amazon.de", "18.66.97.108", false),
    (4, "github.com", "140.82.121.4", false),
    (3, "ctldl.windowsupdate.com", "93.184.221.240", true),
    (3, "crl.microsoft.com", "23.51.188.110", true),
    (2, "www.wetter.com", "185.89.98.64", true),
    (2, "ocsp.digicert.com", "192.229.211.108", true),
];

/// Plain-HTTP paths and content types for the `true` sites above.
pub(crate) const HTTP_PATHS: &[(&str, &str)] = &[
    ("/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab", "application/vnd.ms-cab-compressed"),
    ("/pki/crl/products/MicRooCerAut2011_2011_03_22.crl", "application/pkix-crl"),
    ("/", "text/html"),
    ("/MFEwTzBNMEswSTAJBgUrDgMCGgUABBSAUQYBMq2awn1Rh6Doh%2FsBYgFV7gQUA95QNVbRTLtm8KPiGxvDl7I90VUCEAJ0LqoXyo4hxxe7H%2Fz9DKA%3D", "application/ocsp-response"),
];

pub(crate) const VEEAM_MANAGER: Exe = exe(
    "C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Manager.exe",
    "12.2.0.334",
    "Veeam Backup Manager",
    "Veeam Backup & Replication",
    "Veeam Software Group GmbH",
    "Veeam.Backup.Manager.exe",
);

/// Browser strings seen at the Citrix gateway.
pub(crate) const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "CitrixReceiver/24.9.10.28 Windows/10.0",
];

/// Usernames tried by internet password sprayers at the gateway.
pub(crate) const SPRAY_NAMES: &[&str] = &[
    "admin",
    "administrator",
    "test",
    "citrix",
    "user",
    "scanner",
    "backup",
    "support",
    "info",
];
