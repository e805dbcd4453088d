#!/usr/bin/env python3
"""Test double for the two UDP amplifiers no Debian server speaks (surface lab only).

- NTP mode 7 MON_GETLIST_1 ("monlist", CVE-2013-5211) on UDP/123: answers with a
  monitor list of 60 clients, 6 items of 72 bytes per datagram (info_monitor_1), the
  way ntpd before 4.2.7p26 did; anything else on 123 is ignored.
- CLDAP on UDP/389: answers a SearchRequest for the rootDSE with one SearchResultEntry
  carrying Active-Directory-like rootDSE attributes and a SearchResultDone (success),
  both in one datagram as Active Directory sends them.

Usage: amp_double.py ADDRESS  (runs inside the lab's namespace until killed)
"""
import selectors
import socket
import struct
import sys

ADDR = sys.argv[1]


def monlist_replies(req):
    if len(req) < 8 or req[0] & 0x80 or req[0] & 0x07 != 7 or req[3] != 42:
        return []
    items = []
    for i in range(60):
        # avgint, lsint, restr, count, addr, daddr, flags, port, mode, version, v6_flag,
        # unused1, addr6 (16), daddr6 (16)
        items.append(struct.pack(">IIIIIIIHBBII16s16s", 64, 3, 0, 100 + i,
                                 0x0A4D0100 + i, 0x0A4D0041, 0, 123, 3, 2, 0, 0,
                                 b"\0" * 16, b"\0" * 16))
    out = []
    chunks = [items[i:i + 6] for i in range(0, len(items), 6)]
    for seq, chunk in enumerate(chunks):
        more = 0x40 if seq < len(chunks) - 1 else 0
        head = bytes([0x80 | more | (2 << 3) | 7, seq, req[2], 42])
        head += struct.pack(">HH", len(chunk), 72)
        out.append(head + b"".join(chunk))
    return out


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + struct.pack(">H", n)
    return bytes([tag]) + length + content


def octets(s):
    return tlv(0x04, s.encode())


def read_tlv(b):
    tag, first = b[0], b[1]
    if first < 0x80:
        return tag, b[2:2 + first], b[2 + first:]
    n = first & 0x7F
    length = int.from_bytes(b[2:2 + n], "big")
    return tag, b[2 + n:2 + n + length], b[2 + n + length:]


ROOTDSE = [
    ("currentTime", ["20261126013000.0Z"]),
    ("subschemaSubentry", ["CN=Aggregate,CN=Schema,CN=Configuration,DC=probe,DC=test"]),
    ("dsServiceName", ["CN=NTDS Settings,CN=DC01,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=probe,DC=test"]),
    ("namingContexts", ["DC=probe,DC=test", "CN=Configuration,DC=probe,DC=test",
                        "CN=Schema,CN=Configuration,DC=probe,DC=test",
                        "DC=DomainDnsZones,DC=probe,DC=test", "DC=ForestDnsZones,DC=probe,DC=test"]),
    ("defaultNamingContext", ["DC=probe,DC=test"]),
    ("rootDomainNamingContext", ["DC=probe,DC=test"]),
    ("configurationNamingContext", ["CN=Configuration,DC=probe,DC=test"]),
    ("schemaNamingContext", ["CN=Schema,CN=Configuration,DC=probe,DC=test"]),
    ("supportedControl", ["1.2.840.113556.1.4.%d" % n for n in
                          (319, 801, 473, 528, 417, 619, 841, 529, 805, 521, 970, 1338, 474,
                           1339, 1340, 1413, 1504, 1852, 802, 1907, 1948, 1974, 1341, 2026,
                           2064, 2065, 2066, 2090, 2205, 2204, 2206, 2211, 2239, 2255, 2256, 2309)]),
    ("supportedLDAPVersion", ["3", "2"]),
    ("supportedLDAPPolicies", ["MaxPoolThreads", "MaxPercentDirSyncRequests", "MaxDatagramRecv",
                               "MaxReceiveBuffer", "InitRecvTimeout", "MaxConnections",
                               "MaxConnIdleTime", "MaxPageSize", "MaxBatchReturnMessages",
                               "MaxQueryDuration", "MaxDirSyncDuration", "MaxTempTableSize",
                               "MaxResultSetSize", "MinResultSets", "MaxResultSetsPerConn",
                               "MaxNotificationPerConn", "MaxValRange", "MaxValRangeTransitive",
                               "ThreadMemoryLimit", "SystemMemoryLimitPercent"]),
    ("highestCommittedUSN", ["123456"]),
    ("supportedSASLMechanisms", ["GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5"]),
    ("dnsHostName", ["dc01.probe.test"]),
    ("ldapServiceName", ["probe.test:dc01$@PROBE.TEST"]),
    ("serverName", ["CN=DC01,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=probe,DC=test"]),
    ("supportedCapabilities", ["1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670",
                               "1.2.840.113556.1.4.1791", "1.2.840.113556.1.4.1935",
                               "1.2.840.113556.1.4.2080", "1.2.840.113556.1.4.2237"]),
    ("isSynchronized", ["TRUE"]),
    ("isGlobalCatalogReady", ["TRUE"]),
    ("domainFunctionality", ["7"]),
    ("forestFunctionality", ["7"]),
    ("domainControllerFunctionality", ["7"]),
]


def cldap_reply(req):
    try:
        tag, msg, _ = read_tlv(req)
        if tag != 0x30:
            return None
        itag, mid, rest = read_tlv(msg)
        otag, _, _ = read_tlv(rest)
        if itag != 0x02 or otag != 0x63:
            return None
    except (IndexError, ValueError):
        return None
    attrs = b"".join(
        tlv(0x30, octets(name) + tlv(0x31, b"".join(octets(v) for v in vals)))
        for name, vals in ROOTDSE)
    entry = tlv(0x30, tlv(0x02, mid) + tlv(0x64, octets("") + tlv(0x30, attrs)))
    done = tlv(0x30, tlv(0x02, mid) + tlv(0x65, tlv(0x0A, b"\x00") + octets("") + octets("")))
    return entry + done


def main():
    ntp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ntp.bind((ADDR, 123))
    ldap = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ldap.bind((ADDR, 389))
    sel = selectors.DefaultSelector()
    sel.register(ntp, selectors.EVENT_READ)
    sel.register(ldap, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            data, peer = s.recvfrom(65536)
            if s is ntp:
                for d in monlist_replies(data):
                    s.sendto(d, peer)
            else:
                r = cldap_reply(data)
                if r:
                    s.sendto(r, peer)


if __name__ == "__main__":
    main()
