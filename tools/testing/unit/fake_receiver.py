#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A receiver of wire version 2 (uapi/PROTOCOL.md), written independently
of the C code (keys and tags with hashlib's BLAKE2b, RFC 7693), that
misbehaves on request: the host tests of ebpfdma-send, and tools.sh, run
the real sender against it.

    fake_receiver.py MODE KEYFILE OUTFILE [ADDRESS]

prints the UDP port it listens on (ADDRESS, default 127.0.0.1; port 7790
when an ADDRESS is given), then serves until the sender commits or it is
killed; the blocks it received go into OUTFILE at their offset.  It grants
sessions with protection "mac" (the body in clear, so that Python can
check it).  Modes:
    good        verify and write every DATA, drop every 7th the first time,
                acknowledge what it holds, answer COMMIT with COMPLETE
    clean       the same, dropping nothing
    sink        the same as clean, writing nothing (a large transfer)
    range       refuse the HELLO: the file does not fit (E_RANGE)
    stale       answer the HELLO with a WELCOME of another HELLO's nonce
    stall       grant, then ACK forever without acknowledging anything
    forged      grant, then answer every DATA with "all durable, complete"
                under a key that is not the session's k_ack
    claim       the same under the session's k_ack: believed (the check of
                "forged" could fail)
    deaf        grant every HELLO, acknowledge nothing, ever
    restart     as clean, but once it holds half the session's blocks (or
                FAKE_RESTART_AT) it forgets the session, as a restarted
                receiver does: its DATA is ignored until a new HELLO
    ioerror     write every DATA, acknowledge nothing durable until it
                holds 8 of the session's blocks, then fail the session
                as a disk error does: one ACK with status E_IO whose
                durable mark and ranges are what it holds ("failed
                durable=D ranges=R" logged), and nothing after it
A session's blocks go to OUTFILE at the HELLO's lba (in FAKE_UNIT bytes)
plus index * block size; each session granted and each COMPLETE is logged
to OUTFILE.log ("hello lba=L length=N block=B", "complete data=D" with D
the DATA datagrams the session received, from P source ports, E of them
marked ECN-capable, and what its COMMIT recorded: "record=none", not the
transfer's last session; "record=ok lba=L length=N", the transfer's
length and BLAKE2b-256 match what OUTFILE holds from lba L; or
"bad lba=L length=N"; then "digest HEX", the BLAKE2b-256 it recorded).
With FAKE_CE set, its ACKs report every 8th DATA
as having arrived marked CE (ECN's Congestion Experienced).  It returns after the first
COMPLETE unless FAKE_KEEP is set (a stream: a session per chunk).  Its
port is FAKE_PORT when set.  Its WELCOME asks for FAKE_FLOWS flows (default 0: not said); ACKs go to the
address and port the HELLO came from, whatever port DATA comes from.
With FAKE_CHANGE="PATH SIZE AT" it changes the sender's input file once
it holds AT blocks of a session: truncates PATH to SIZE bytes if that is
shorter, else rewrites its first byte in place (the same length, a new
modification time).
With FAKE_STORE set it is a file store: its WELCOME says so, each
session's blocks go to OUTFILE.NAME (NAME the HELLO's name, "-" for
none), and the "hello" log line ends with "name=NAME".
A HELLO whose block size is not a multiple of the logical block size
(FAKE_UNIT in the environment, default 512) or larger than its slots
(FAKE_MAX_BLOCK, default 8192) is refused with E_BLOCK, as serve does.
"""
import hashlib
import os
import socket
import struct
import sys

MAGIC = 0x45444D41
HDR = struct.Struct(">IBBHQQII")  # magic version type flags session counter len index
HELLO, WELCOME, DATA, ACK, COMMIT = 1, 2, 3, 4, 5
TRAILER = 16
PROTECT_MAC = 1
E_RANGE, E_BLOCK, E_IO = 2, 3, 5
COMPLETE = 1
UNIT = int(os.environ.get("FAKE_UNIT", 512))
MAX_BLOCK = int(os.environ.get("FAKE_MAX_BLOCK", 8192))
CREDIT = 1024


def kdf(secret, msg, person):
    return hashlib.blake2b(msg, digest_size=32, key=secret,
                           person=person.encode()).digest()


def tag(key, data):
    return hashlib.blake2b(data, digest_size=32, key=key).digest()[:TRAILER]


def seal(key, typ, session, counter, body):
    hdr = HDR.pack(MAGIC, 2, typ, 0, session, counter, len(body), 0)
    return hdr + body + tag(key, hdr + body)


def opened(key, pkt):
    """The datagram's header fields and body, or None if it does not verify."""
    if len(pkt) < HDR.size + TRAILER:
        return None
    fields = HDR.unpack_from(pkt)
    if fields[0] != MAGIC or fields[1] != 2 or \
            fields[6] != len(pkt) - HDR.size - TRAILER:
        return None
    if tag(key, pkt[:-TRAILER]) != pkt[-TRAILER:]:
        return None
    return fields, pkt[HDR.size:-TRAILER]


def record(body, outfile):
    """What a COMMIT's record says of OUTFILE: none (not the transfer's
    last session), ok (its length and BLAKE2b-256 are those of the bytes
    OUTFILE holds there), or bad."""
    _, flags, lba, length, digest = struct.unpack(">IIQQ32s", body)
    if not flags & 1:
        return "none"
    with open(outfile, "rb") as f:
        f.seek(lba * UNIT)
        data = f.read(length)
    ok = len(data) == length and \
        hashlib.blake2b(data, digest_size=32).digest() == digest
    return "%s lba=%d length=%d" % ("ok" if ok else "bad", lba, length)


def runs(done, cum):
    out = []
    for s in sorted(x for x in done if x >= cum):
        if out and out[-1][1] == s:
            out[-1][1] = s + 1
        else:
            out.append([s, s + 1])
    return out[:64]


def main():
    mode, keyfile, outfile = sys.argv[1:4]
    addr = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    with open(keyfile) as f:
        secret = bytes.fromhex(f.read().strip())
    k_hs = kdf(secret, b"", "ebpfdma2 hello")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, int(os.environ.get("FAKE_PORT", 0))
               if len(sys.argv) <= 4 else 7790))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    fake_ce = bool(os.environ.get("FAKE_CE"))
    print(sock.getsockname()[1], flush=True)
    out = open(outfile, "wb", buffering=0)  # what it acknowledged is there
    log = open(outfile + ".log", "w")
    flows = int(os.environ.get("FAKE_FLOWS", 0))
    keep = bool(os.environ.get("FAKE_KEEP"))
    restart_at = os.environ.get("FAKE_RESTART_AT")
    restarted = False
    change = os.environ.get("FAKE_CHANGE", "").split()
    store = bool(os.environ.get("FAKE_STORE"))
    sess = None
    while True:
        pkt, anc, _, peer = sock.recvmsg(65536, socket.CMSG_SPACE(4))
        tos = 0
        for level, typ, data in anc:
            if level == socket.IPPROTO_IP and typ == socket.IP_TOS:
                tos = data[0]
        if len(pkt) >= HDR.size and pkt[5] == HELLO:
            got = opened(k_hs, pkt)
            if not got:
                continue
            _, bsize, lba, length, _ = struct.unpack_from(">IIQQQ", got[1])
            nonce_c = got[1][32:64]
            name = got[1][64:].decode(errors="replace") or "-"
            if store and (not sess or sess["name"] != name):
                # (the "-" OUTFILE, when written to, is OUTFILE.-)
                out = open(outfile + "." + name, "wb", buffering=0)
            if mode == "stale":
                nonce_c = os.urandom(32)
            refuse = E_BLOCK if bsize % UNIT or bsize > MAX_BLOCK else 0
            if mode == "range":
                refuse = E_RANGE
            if refuse:
                body = struct.pack(">IIIIIHH", refuse, 0, 0, MAX_BLOCK, UNIT,
                                   int(store), 0)
                sock.sendto(seal(k_hs, WELCOME, 0, 0,
                                 body + nonce_c + bytes(32)), peer)
                continue
            sid = struct.unpack(">Q", os.urandom(8))[0] | 1
            nonce_s = os.urandom(32)
            ids = got[1][32:64] + nonce_s + struct.pack(">Q", sid)
            sess = {
                "id": sid, "bsize": bsize, "at": lba * UNIT, "peer": peer,
                "data": 0, "ports": set(), "ect": 0,
                "blocks": (length + bsize - 1) // bsize,
                "k_data": kdf(secret, ids, "ebpfdma2 data"),
                "k_ack": os.urandom(32) if mode == "forged"
                else kdf(secret, ids, "ebpfdma2 ack"),
                "counter": 0, "done": set(), "seen": set(), "cum": 0,
                "name": name,
                "path": outfile + "." + name if store else outfile,
            }
            body = struct.pack(">IIIIIHH", 0, PROTECT_MAC, CREDIT, MAX_BLOCK,
                               UNIT, int(store), flows)
            log.write("hello lba=%d length=%d block=%d name=%s\n"
                      % (lba, length, bsize, name))
            log.flush()
            sock.sendto(seal(k_hs, WELCOME, sid, 0,
                             body + nonce_c + nonce_s), peer)
            continue
        if not sess:
            continue
        got = opened(sess["k_data"], pkt)
        if not got or got[0][4] != sess["id"]:
            continue
        typ, index = got[0][2], got[0][7]
        s = sess
        if typ == DATA:
            s["data"] += 1
            s["ports"].add(peer[1])
            s["ect"] += (tos & 3) == 2
        if mode == "restart" and not restarted and typ == DATA and \
                s["cum"] + len(s["done"]) >= \
                int(restart_at or s["blocks"] // 2):
            restarted = True  # as if it restarted: the session is gone
            out.flush()
            sess = None
            continue
        if mode == "deaf" or s.get("failed"):
            continue
        if mode in ("forged", "claim"):
            durable, flags, ranges = s["blocks"], COMPLETE, []
        elif typ == DATA and mode in ("good", "clean", "sink", "restart",
                                      "ioerror"):
            if mode == "good" and index not in s["seen"] and index % 7 == 3:
                s["seen"].add(index)  # lost the first time: resent
                continue
            if mode != "sink":
                out.seek(s["at"] + index * s["bsize"])
                out.write(got[1])
            if index >= s["cum"]:
                s["done"].add(index)
            while s["cum"] in s["done"]:  # only what is above cum is kept
                s["done"].discard(s["cum"])
                s["cum"] += 1
            durable, flags, ranges = s["cum"], 0, runs(s["done"], s["cum"])
            if mode == "ioerror":
                if s["cum"] + len(s["done"]) < 8:
                    durable, ranges = 0, []  # not flushed yet
                else:
                    s["failed"] = True
                    log.write("failed durable=%d ranges=%d\n"
                              % (durable, sum(b - a for a, b in ranges)))
                    log.flush()
            if change and s["cum"] >= int(change[2]):
                path, size = change[0], int(change[1])
                if size < os.path.getsize(path):
                    os.truncate(path, size)
                else:
                    with open(path, "r+b") as f:
                        first = f.read(1)
                        f.seek(0)
                        f.write(bytes([first[0] ^ 0xff]))
                change = None
        elif (typ == COMMIT and mode in ("good", "clean", "sink", "restart")
              and s["cum"] == s["blocks"]):
            out.flush()
            log.write("complete data=%d ports=%d ect=%d record=%s\n"
                      % (s["data"], len(s["ports"]), s["ect"],
                         record(got[1], s["path"])))
            if struct.unpack_from(">I", got[1], 4)[0] & 1:
                log.write("digest %s\n" % got[1][24:56].hex())
            log.flush()
            durable, flags, ranges = s["cum"], COMPLETE, []
        else:
            durable, flags, ranges = 0, 0, []
        s["counter"] += 1
        body = struct.pack(">IIIIIIII", E_IO if s.get("failed") else 0,
                           flags, durable, CREDIT,
                           max(durable, 1) - 1, 0,
                           s["data"] // 8 if fake_ce else 0, 0)
        body += b"".join(struct.pack(">II", a, b) for a, b in ranges)
        sock.sendto(seal(s["k_ack"], ACK, s["id"], s["counter"], body),
                    s["peer"])
        if flags & COMPLETE and mode in ("good", "clean", "sink", "restart") \
                and not keep:
            return
        if s.get("failed"):
            return


if __name__ == "__main__":
    main()
