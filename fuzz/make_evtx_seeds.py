#!/usr/bin/env python3
"""Write the EVTX seeds in corpus-seed/evtx/: a one-chunk file with two small records
(BinXML <Event><System><EventID>..</EventID><Computer>..</Computer></System></Event>),
and the same file cut inside its chunk. Made here, from nothing: no sample is copied."""
import struct
import sys
import zlib
from pathlib import Path

CHUNK_START = 4096


def utf16(s):
    return s.encode("utf-16-le")


def name(text, at):
    """An inline BinXML name whose offset (within the chunk) is `at`."""
    return struct.pack("<IHH", 0, 0, len(text)) + utf16(text) + b"\0\0"


def element(tag, body, at):
    """<tag>body</tag> with an inline name; `at` is the element's chunk offset."""
    name_at = at + 9  # token, data size, name offset: no dependency id in a record
    nm = name(tag, name_at)
    inner_at = name_at + len(nm) + 1  # after the close-start token
    inner = body(inner_at) if callable(body) else body
    data = nm + b"\x02" + inner + b"\x04"
    return struct.pack("<BII", 0x01, len(data) + 4, name_at) + data


def text(value):
    return b"\x05\x01" + struct.pack("<H", len(value)) + utf16(value)


def event_xml(event_id, computer, at):
    """A BinXML fragment at chunk offset `at`."""
    def system(pos):
        a = element("EventID", text(event_id), pos)
        b = element("Computer", text(computer), pos + len(a))
        return a + b

    def event(pos):
        return element("System", system, pos)

    return b"\x0f\x01\x01\x00" + element("Event", event, at + 4) + b"\x00"


def record(rid, filetime, event_id, computer, at):
    body = event_xml(event_id, computer, at + 24)
    size = 24 + len(body) + 4
    return struct.pack("<IIQQ", 0x00002A2A, size, rid, filetime) + body + struct.pack("<I", size)


def chunk(records):
    data = b""
    offsets = []
    pos = 512
    for rid, event_id, computer in records:
        # 2024-11-24T10:00:00Z as FILETIME, one second apart.
        ft = (1732442400 + rid + 11644473600) * 10_000_000
        r = record(rid, ft, event_id, computer, pos)
        offsets.append(pos)
        data += r
        pos += len(r)
    first, last = records[0][0], records[-1][0]
    head = bytearray(512)
    head[0:8] = b"ElfChnk\0"
    struct.pack_into("<QQQQIII", head, 8, first, last, first, last, 128, offsets[-1], pos)
    struct.pack_into("<I", head, 52, zlib.crc32(data))
    struct.pack_into("<I", head, 124, zlib.crc32(bytes(head[:120]) + bytes(head[128:512])))
    body = bytes(head) + data
    return body + b"\0" * (65536 - len(body))


def file_header(chunks, next_record):
    h = bytearray(4096)
    h[0:8] = b"ElfFile\0"
    struct.pack_into("<QQQIHHHH", h, 8, 0, chunks - 1, next_record, 128, 1, 3, 4096, chunks)
    struct.pack_into("<I", h, 124, zlib.crc32(bytes(h[:120])))
    return bytes(h)


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "corpus-seed/evtx")
    out.mkdir(parents=True, exist_ok=True)
    records = [(1, "4624", "WS01.corp.example"), (2, "4625", "WS01.corp.example")]
    whole = file_header(1, 3) + chunk(records)
    (out / "two_records.evtx").write_bytes(whole)
    (out / "cut_in_chunk.evtx").write_bytes(whole[: CHUNK_START + 900])


if __name__ == "__main__":
    main()
