#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of ebpfdmactl's command lines: --help and --version, every
# usage error named with its exit status, strict numbers, serve's
# configuration errors (exit 3, file:line), ls --verify's statuses.  No
# module is needed: each case fails, or answers, before the device.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$here/../selftests/tap.sh"
ctl=$top/build/tools/ebpfdmactl
# Under build/ (a disk file system: user extended attributes for ls).
tmp=$(mktemp -d "$top/build/ctl-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# expect_exit DESC STATUS MESSAGE CMD...: CMD exits with STATUS, saying
# MESSAGE on standard error (or standard output, for status 0).
expect_exit() {
	local desc=$1 want=$2 msg=$3 rc
	shift 3
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$msg" ] ||
		grep -qF -- "$msg" "$tmp/stderr" "$tmp/stdout"; }; then
		_tap_result 0 "$desc"
	else
		_tap_result 1 "$desc (exit $rc, wanted $want and '$msg')"
		cat "$tmp/stderr" "$tmp/stdout" | sed 's/^/# /' | tail -n 5
	fi
}

version=$("$top/tools/build/version.sh")
expect_exit "--version: the package's version, exit 0" 0 "ebpfdmactl $version" "$ctl" --version
expect_exit "--help: exit 0" 0 "Exit status: 0 done" "$ctl" --help
check "... on standard output, nothing on standard error" \
	bash -c "'$ctl' --help 2>&1 >/dev/null | cmp -s - /dev/null && '$ctl' --help | grep -q '^usage: ebpfdmactl COMMAND'"
expect_exit "no command: the usage on standard error, exit 2" 2 "usage: ebpfdmactl COMMAND" "$ctl"
expect_exit "an unknown command: named, exit 2" 2 "unknown command 'frob'" "$ctl" frob
expect_exit "an unknown option: named, exit 2" 2 "unknown option '--frob'" "$ctl" --frob

helps=0
for cmd in attach detach "volume" "volume add" "volume del" "volume list" \
	"volume read" ls status serve genkey; do
	# shellcheck disable=SC2086 # the subcommand's words
	out=$("$ctl" $cmd --help 2>"$tmp/stderr") && [ ! -s "$tmp/stderr" ] &&
		grep -q "^usage: ebpfdmactl ${cmd%% *}" <<<"$out" &&
		helps=$((helps + 1))
done
check "every command's --help: its usage on standard output, exit 0 (11 commands)" test $helps = 11
# Every command --help lists is one ebpfdmactl knows.
listed=$("$ctl" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort -u | tr '\n' ' ')
check "--help lists every command: $listed" \
	test "$listed" = "attach detach genkey ls serve status volume "

expect_exit "attach --port 77x: refused, exit 2" 2 "ebpfdmactl attach: --port: '77x' is not a number from 1 to 65535" \
	"$ctl" attach eth0 --port 77x
expect_exit "attach --port 99999: refused, not wrapped" 2 "--port: '99999' is not a number from 1 to 65535" \
	"$ctl" attach eth0 --port 99999
expect_exit "attach --port +7: no sign" 2 "--port: '+7' is not a number" "$ctl" attach eth0 --port +7
expect_exit "attach --port 0x10: decimal only" 2 "--port: '0x10' is not a number" "$ctl" attach eth0 --port 0x10
expect_exit "attach --port with no value: named" 2 "option '--port' needs a value" "$ctl" attach eth0 --port
expect_exit "attach --full-policy maybe: refused (not taken as drop)" 2 "--full-policy: drop or pass, not 'maybe'" \
	"$ctl" attach eth0 --full-policy maybe
expect_exit "attach --peer a name: refused before loading anything" 2 "--peer: 'sender' is not a numeric address or network" \
	"$ctl" attach eth0 --peer sender
expect_exit "attach --peer 10.0.0.1/24 (host bits set): refused" 2 "--peer: '10.0.0.1/24' is not" \
	"$ctl" attach eth0 --peer 10.0.0.1/24
expect_exit "attach --generik: the unknown option named" 2 "ebpfdmactl attach: unknown option '--generik'" \
	"$ctl" attach eth0 --generik
expect_exit "attach --generic=1: a value to an option that takes none, named" 2 \
	"ebpfdmactl attach: option '--generic' takes no value" "$ctl" attach eth0 --generic=1
expect_exit "attach --p: ambiguous (--port, --peer), named" 2 "ambiguous option '--p'" \
	"$ctl" attach eth0 --p 5
expect_exit "--version with an operand: refused" 2 "ebpfdmactl: --version takes no operand" \
	"$ctl" --version x
expect_exit "attach with no interface: missing operand" 2 "attach: missing operand" "$ctl" attach
expect_exit "detach with two interfaces: too many operands" 2 "detach: too many operands" "$ctl" detach a b
expect_exit "volume del abc: refused, not volume 0 (atoi)" 2 "volume del: volume id: 'abc' is not a number from 0 to 63" \
	"$ctl" volume del abc
expect_exit "volume del 64: past the last id" 2 "volume id: '64' is not a number from 0 to 63" "$ctl" volume del 64
expect_exit "volume del 1x: trailing garbage" 2 "volume id: '1x' is not a number" "$ctl" volume del 1x
expect_exit "volume with no subcommand" 2 "volume: missing subcommand: add, del, list or read" "$ctl" volume
expect_exit "volume frob: named" 2 "volume: unknown subcommand 'frob'" "$ctl" volume frob
expect_exit "volume add without --blocks" 2 "volume add: --blocks N is required" "$ctl" volume add 3 /dev/null
expect_exit "volume add --blocks 0" 2 "--blocks: '0' is not a number from 1" "$ctl" volume add 3 /dev/null --blocks 0
expect_exit "volume add --start -1" 2 "--start: '-1' is not a number" "$ctl" volume add 3 /dev/null --blocks 8 --start -1
expect_exit "volume add --flags sync" 2 "--flags: fua, flush_on_commit, not 'sync'" \
	"$ctl" volume add 3 /dev/null --blocks 8 --flags sync
expect_exit "volume list extra: too many operands" 2 "volume list: too many operands" "$ctl" volume list extra
expect_exit "volume read 1 --outptu: named" 2 "volume read: unknown option '--outptu'" "$ctl" volume read 1 --outptu x
expect_exit "status --jsn: named" 2 "status: unknown option '--jsn'" "$ctl" status --jsn
expect_exit "genkey with no file: missing operand" 2 "genkey: missing operand" "$ctl" genkey
expect_exit "ls --config C 99: the store id checked first" 2 "ls: store id: '99' is not a number from 0 to 63" \
	"$ctl" ls --config /nonexistent 99

# serve: the configuration is read and checked before anything else.
"$ctl" genkey "$tmp/k" >/dev/null
conf() { printf '%s\n' "state_dir = $tmp/state" "key_file = $tmp/k" "$@" >"$tmp/c.conf"; }
conf "interface = edma-none0" "volume = 1 /dev/null blocks=8" "port = 9000" "port = 9001"
expect_exit "serve: a key given twice: exit 3, naming both lines" 3 "c.conf:6: port given again (first on line 5)" \
	"$ctl" serve "$tmp/c.conf"
conf "interface = edma-none0" "volume = 1 /dev/null blocks=8" "metrics = localhost:9788"
expect_exit "serve: metrics = localhost:9788: exit 3 when read, not later" 3 "c.conf:5: metrics: a numeric address and port" \
	"$ctl" serve "$tmp/c.conf"
conf "interface = edma-none0" "volume = 1 /dev/null blocks=8" "metrics = 127.0.0.1/32:9788"
expect_exit "serve: metrics = 127.0.0.1/32:9788: a network is no address, exit 3 when read" 3 \
	"c.conf:5: metrics: a numeric address and port" "$ctl" serve "$tmp/c.conf"
conf "interface = edma-none0" "volume = 1 /dev/null blocks=0x10"
expect_exit "serve: blocks=0x10: decimal only, exit 3" 3 "c.conf:4: volume 1: bad blocks=0x10" \
	"$ctl" serve "$tmp/c.conf"
conf "interface = edma-none0" "volume = 1 /dev/null blocks=8" "peer = 10.1.3.0/23"
expect_exit "serve: peer = 10.1.3.0/23 (host bits set): exit 3" 3 "c.conf:5: peer: '10.1.3.0/23' is not" \
	"$ctl" serve "$tmp/c.conf"
# A comment longer than a read (1023 bytes): its tail was once taken as a
# setting, here "port = 9" (the old parser went on to open the device).
conf "interface = edma-none0" "volume = 1 /dev/null blocks=8" \
	"# $(printf '%01021d' 0)port = 9"
expect_exit "serve: a line longer than 1024 bytes: refused, exit 3 (not its tail taken as a setting)" 3 \
	"c.conf:5: longer than 1024 bytes" "$ctl" serve "$tmp/c.conf"
conf "interface = edma-none0" "volume = 1 /dev/null blocks=8"
printf 'port = 9000\0port = 1\n' >>"$tmp/c.conf"
expect_exit "serve: a NUL byte in a line: refused, exit 3" 3 "c.conf:5: a NUL byte: not text" \
	"$ctl" serve "$tmp/c.conf"
expect_exit "serve: a missing configuration: exit 3" 3 "nonexistent.conf: No such file" \
	"$ctl" serve "$tmp/nonexistent.conf"
conf "interface = edma-none0" "volume = 1 /dev/null blocks=8" "peer = 10.1.2.0/24"
chmod 644 "$tmp/k"
expect_exit "serve: a key file others may read: exit 3, saying so" 3 "is accessible to its group or others (mode 0644)" \
	"$ctl" serve "$tmp/c.conf"
chmod 600 "$tmp/k"
if [ -e /dev/ebpfdma ]; then
	skip "serve: with a usable configuration and no module: exit 1" "the module is loaded on this machine"
else
	expect_exit "serve: with a usable configuration (a network peer) and no module: exit 1, saying so" 1 \
		"/dev/ebpfdma: No such file or directory (modprobe ebpfdma first)" "$ctl" serve "$tmp/c.conf"
fi
expect_exit "serve with two configurations: too many operands" 2 "serve: too many operands" \
	"$ctl" serve "$tmp/c.conf" "$tmp/c.conf"

# ls --verify: 0 when every file matches its committed digest, 4 when one
# does not (its BLAKE2b-256 recorded as serve records it, by Python).
mkdir "$tmp/store"
head -c 100000 /dev/urandom >"$tmp/store/a.bin"
if python3 -c '
import hashlib, os, sys
p = sys.argv[1]
d = hashlib.blake2b(open(p, "rb").read(), digest_size=32).digest()
os.setxattr(p, "user.ebpfdma.blake2b-256", d)
os.setxattr(p, "user.ebpfdma.length", b"100000")' "$tmp/store/a.bin" 2>/dev/null; then
	expect_exit "ls --verify: a file as committed: ok, exit 0" 0 "ok" "$ctl" ls --verify "$tmp/store"
	printf 'x' | dd of="$tmp/store/a.bin" bs=1 seek=500 conv=notrunc status=none
	expect_exit "ls --verify: a byte changed since: MISMATCH, exit 4" 4 "MISMATCH" "$ctl" ls --verify "$tmp/store"
	expect_exit "ls without --verify: listed, exit 0" 0 "a.bin" "$ctl" ls "$tmp/store"
else
	skip "ls --verify: exit 0 and 4" "no user extended attributes on $top/build's file system"
	skip "ls --verify: MISMATCH" "no user extended attributes on $top/build's file system"
	skip "ls: listed" "no user extended attributes on $top/build's file system"
fi
expect_exit "ls of a missing directory: exit 1, named" 1 "ebpfdmactl ls: $tmp/none: No such file or directory" \
	"$ctl" ls "$tmp/none"

tap_done
