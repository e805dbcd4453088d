// Firebreak's bundled YARA pack: attacker tooling that is staged before encryption.

rule Firebreak_Tool_Mimikatz
{
    meta:
        description = "Mimikatz credential dumper (command names and banner)"
        author = "Firebreak"
        family = "Mimikatz"
        category = "tool"
        attack = "T1003.001"
        score = 80
    strings:
        $c1 = "sekurlsa::logonpasswords" ascii wide nocase
        $c2 = "lsadump::sam" ascii wide nocase
        $c3 = "privilege::debug" ascii wide nocase
        $b = "gentilkiwi" ascii wide nocase
    condition:
        2 of them
}

rule Firebreak_Tool_Rclone_Exfil_Config
{
    meta:
        description = "Rclone configuration for a cloud remote (common exfiltration tool)"
        author = "Firebreak"
        family = "Rclone"
        category = "tool"
        attack = "T1567.002"
        score = 50
    strings:
        $type = /type = (mega|pcloud|s3|ftp|sftp|webdav|dropbox)/
        $pass = /\npass = /
    condition:
        $type and $pass and filesize < 64KB
}

rule Firebreak_Tool_Remote_Execution_Staging
{
    meta:
        description = "Remote execution / lateral movement tooling names together"
        author = "Firebreak"
        category = "tool"
        attack = "T1569.002"
        score = 40
    strings:
        $psexec = "PSEXESVC" ascii wide
        $ps2 = "PsExec" ascii wide
        $adfind = "AdFind" ascii wide
        $adf2 = "objectcategory=computer" ascii wide nocase
    condition:
        ($psexec and $ps2) or ($adfind and $adf2)
}
