// Firebreak's bundled YARA pack: the project's own rules (Apache-2.0).
// Generic marks of ransomware binaries and notes.

rule Firebreak_Ransomware_Recovery_Inhibition
{
    meta:
        description = "Commands that delete shadow copies or disable Windows recovery"
        author = "Firebreak"
        category = "ransomware"
        attack = "T1490"
        score = 70
    strings:
        $vss1 = "vssadmin delete shadows" ascii wide nocase
        $vss2 = "vssadmin resize shadowstorage" ascii wide nocase
        $wmic = "shadowcopy delete" ascii wide nocase
        $ps = "win32_shadowcopy" ascii wide nocase
        $bcd = "recoveryenabled no" ascii wide nocase
        $wb = "wbadmin delete catalog" ascii wide nocase
    condition:
        any of them
}

rule Firebreak_Ransomware_Note_Text
{
    meta:
        description = "Ransom-note language: encrypted files, payment, Tor contact"
        author = "Firebreak"
        category = "ransomware"
        attack = "T1486"
        score = 60
    strings:
        $e1 = "files are encrypted" ascii wide nocase
        $e2 = "files have been encrypted" ascii wide nocase
        $e3 = "are currently encrypted" ascii wide nocase
        $e4 = "been encrypted by" ascii wide nocase
        $p1 = "decrypt" ascii wide nocase
        $p2 = "bitcoin" ascii wide nocase
        $p3 = "tor browser" ascii wide nocase
        $p4 = ".onion" ascii wide nocase
        $p5 = "private key" ascii wide nocase
    condition:
        any of ($e*) and 2 of ($p*)
}

rule Firebreak_Family_Conti
{
    meta:
        description = "Conti ransomware: its note's opening line"
        author = "Firebreak"
        family = "Conti"
        actor = "Wizard Spider"
        category = "ransomware"
        attack = "T1486"
        score = 90
    strings:
        $note = "encrypted by CONTI strain" ascii wide nocase
        $note2 = "encrypted by CONTI ransomware" ascii wide nocase
        $ext = ".CONTI" ascii wide
        $contirec = "contirec" ascii wide nocase
    condition:
        any of ($note*) or ($ext and $contirec)
}

rule Firebreak_Family_LockBit3
{
    meta:
        description = "LockBit 3.0 (Black): its note's banner"
        author = "Firebreak"
        family = "LockBit 3.0"
        category = "ransomware"
        attack = "T1486"
        score = 90
    strings:
        $banner = "LockBit 3.0 the world's fastest" ascii wide nocase
    condition:
        any of them
}
