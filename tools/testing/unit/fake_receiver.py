#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A receiver of the ebpfdma wire protocol (uapi/PROTOCOL.md), written
independently of the C code, that misbehaves on request: the host tests of
ebpfdma-send run the real sender against it.

    fake_receiver.py MODE OUTFILE

prints the UDP port it listens on (127.0.0.1), then serves until the sender
commits or it is killed; the blocks it received go into OUTFILE at their
lba.  Modes:
    good        acknowledge every DATA, drop every 7th datagram the first
                time, answer COMMIT
    bsize0      answer OPEN with a block size of 0
    geometry    acknowledge 16 datagrams, then announce another block size
    stall       answer OPEN, then ACK forever without acknowledging anything
    token       refuse the token
"""
import socket
import struct
import sys

MAGIC = 0x45444D41
HDR = struct.Struct(">IBBHIIQQIIII")  # 48 bytes
INFO = struct.Struct(">QII")
DATA, COMMIT, ACK, OPEN = 1, 2, 3, 4
F_CRC, F_COMMITTED = 1, 4
BSIZE, WINDOW, MAX_LEN = 512, 1 << 20, 4096


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data):
    """CRC32C (Castagnoli, reflected, as in iSCSI, RFC 3720)."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def ack(sock, peer, vol, sess, cum, status=0, flags=0, bsize=BSIZE,
        ranges=()):
    body = INFO.pack(WINDOW if not status else 0, bsize if not status else 0,
                     MAX_LEN if not status else 0)
    body += b"".join(struct.pack(">II", a, b) for a, b in ranges[:64])
    hdr = HDR.pack(MAGIC, 1, ACK, flags, vol, sess, 0, 0, cum, len(body), 0,
                   status)
    sock.sendto(hdr + body, peer)


def runs(done, cum):
    out = []
    for s in sorted(x for x in done if x >= cum):
        if out and out[-1][1] == s:
            out[-1][1] = s + 1
        else:
            out.append([s, s + 1])
    return [tuple(r) for r in out]


def main():
    mode, outfile = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    done, seen, cum, acked_data = set(), set(), 0, 0
    out = open(outfile, "wb")
    sock.settimeout(0.1)
    while True:
        try:
            pkt, peer = sock.recvfrom(65536)
        except socket.timeout:
            continue
        if len(pkt) < HDR.size:
            continue
        (magic, ver, typ, flags, vol, sess, token, lba, seq, length, crc,
         status) = HDR.unpack_from(pkt)
        if magic != MAGIC or ver != 1 or length != len(pkt) - HDR.size:
            continue
        if mode == "token":
            ack(sock, peer, vol, sess, 0, status=1)
            continue
        if typ == OPEN:
            ack(sock, peer, vol, sess, cum, bsize=0 if mode == "bsize0"
                else BSIZE, ranges=runs(done, cum))
        elif typ == COMMIT:
            if mode == "good" and cum == seq:
                out.flush()
                ack(sock, peer, vol, sess, seq, flags=F_COMMITTED)
                return
        elif typ == DATA:
            if mode == "stall":
                ack(sock, peer, vol, sess, 0)
                continue
            body = pkt[HDR.size:]
            if flags & F_CRC and crc32c(body) != crc:
                continue
            if mode == "good" and seq not in seen and seq % 7 == 3:
                seen.add(seq)  # lost the first time: resent by timeout
                continue
            out.seek(lba * BSIZE)
            out.write(body)
            done.add(seq)
            while cum in done:
                cum += 1
            acked_data += 1
            bsize = BSIZE
            if mode == "geometry" and acked_data > 16:
                bsize = 4096
            ack(sock, peer, vol, sess, cum, bsize=bsize,
                ranges=runs(done, cum))


if __name__ == "__main__":
    main()
