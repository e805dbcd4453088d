// Firebreak's bundled YARA pack: packers.

import "pe"

rule Firebreak_Packer_UPX
{
    meta:
        description = "Packed with UPX (section names and marker)"
        author = "Firebreak"
        category = "packer"
        attack = "T1027.002"
        score = 20
    strings:
        $m = "UPX!"
    condition:
        uint16(0) == 0x5A4D and
        (for any s in pe.sections : (s.name == "UPX0" or s.name == "UPX1") or $m in (0..4096))
}
