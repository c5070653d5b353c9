#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Wire version 2 from the attacker's side, for tools.sh (uapi/PROTOCOL.md).

  wire2.py capture IFACE PORT OUT      record the UDP payloads sent to PORT
                                       on IFACE (until SIGTERM)
  wire2.py replay FILE HOST PORT [MODE [FIRST N]]
                                       send them again from a port of its
                                       own: MODE "all" (default), or the
                                       first N DATA, retargeted at blocks
                                       FIRST .. FIRST+N-1 ("header": only
                                       its index changed) and with one bit
                                       of its body changed too ("body"),
                                       or unchanged ("data")
(A receiver that forges ACKs: tools/testing/unit/fake_receiver.py.)
"""
import signal
import socket
import struct
import sys

MAGIC = 0x45444D41
DATA = 3
HDR = struct.Struct(">IBBHQQII")  # magic version type flags session counter len index
TRAILER = 16


def segments(payload):
    """The datagrams of a payload: one, or several cut by UDP GSO later."""
    while len(payload) >= HDR.size + TRAILER:
        magic, version, _, _, _, _, length, _ = HDR.unpack_from(payload)
        end = HDR.size + length + TRAILER
        if magic != MAGIC or version != 2 or end > len(payload):
            return
        yield payload[:end]
        payload = payload[end:]


def capture(iface, port, out):
    # ETH_P_ALL: a tap of that protocol only sees what the host sends.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s.settimeout(0.2)
    with open(out, "wb") as f:
        while not stop:
            try:
                frame = s.recv(1 << 17)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            ip = frame[14:]
            if frame[12:14] != b"\x08\x00" or len(ip) < 28 or ip[9] != 17:
                continue
            udp = ip[(ip[0] & 15) * 4:]
            if struct.unpack(">H", udp[2:4])[0] != port:
                continue
            for d in segments(udp[8:]):
                f.write(struct.pack(">I", len(d)) + d)
            f.flush()


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    while len(data) >= 4:
        (n,) = struct.unpack(">I", data[:4])
        yield data[4:4 + n]
        data = data[4 + n:]


def replay(path, host, port, mode="all", first=0, n=1):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    first, n = int(first), int(n)
    sent = 0
    for i, d in enumerate(records(path)):
        if mode != "all":
            if d[5] != DATA:
                continue
            if sent == n:
                break
            d = bytearray(d)
            if mode != "data":
                struct.pack_into(">I", d, 28, first + sent % n)
            if mode == "body":
                bit = (i * 101) % ((len(d) - HDR.size - TRAILER) * 8)
                d[HDR.size + bit // 8] ^= 1 << (bit % 8)
        s.sendto(bytes(d), (host, port))
        sent += 1
    print(sent)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "capture":
        capture(args[0], int(args[1]), args[2])
    elif cmd == "replay":
        replay(args[0], args[1], int(args[2]), *args[3:])
    else:
        sys.exit(__doc__)
