#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the documentation: every message the README's
# troubleshooting quotes (bold, in backquotes) is one that ebpfdma's code
# or libbpf 1.1 really prints (its format strings, read from the sources
# and from libbpf.so's strings; IFACE, FILE, HOST, PORT, ID, ERROR and N
# stand for what varies), and every relative link of README.md and docs/
# names a file of the tree.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$here/../selftests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

libbpf=$(ls /usr/lib/*/libbpf.so.1 2>/dev/null | head -n 1)
strings "$libbpf" >"$tmp/libbpf" 2>/dev/null
check "libbpf 1.1's messages are at hand ($libbpf)" grep -q "^libbpf: " "$tmp/libbpf"

python3 - "$top" "$tmp" <<'PY' >"$tmp/result"
import glob, re, sys
top, tmp = sys.argv[1], sys.argv[2]
# Every C string literal of the tools and the module, adjacent ones joined.
formats = []
lit = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
for path in glob.glob(f"{top}/tools/**/*.c", recursive=True) + \
        glob.glob(f"{top}/kmod/*.c"):
    src = open(path, errors="replace").read()
    for m in re.finditer(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+', src):
        formats.append("".join(lit.findall(m.group(0)))
                       .replace("\\n", "\n").replace('\\"', '"'))
formats += open(f"{tmp}/libbpf", errors="replace").read().split("\n")
conv = re.compile(r"%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t)?[diouxXsSpcfgeE%]")
prefixes = ("ebpfdma-send: ", "ebpfdmactl serve: ", "ebpfdmactl: ")
regexes = []
for f in formats:
    f = f.strip()
    for p in prefixes:
        if f.startswith(p):
            f = f[len(p):]
    if len(f) < 8:
        continue
    parts = conv.split(f)
    regexes.append(re.compile(".*".join(re.escape(x) for x in parts)))
readme = open(f"{top}/README.md").read()
sect = readme[readme.index("### Troubleshoot"):readme.index("## Reference")]
quoted = [re.sub(r"\s+", " ", q) for q in re.findall(r"\*\*`([^`]+)`\*\*", sect)]
placeholder = re.compile(r"\b(IFACE|FILE|HOST|PORT|ID|ERROR|N)\b")
for q in quoted:
    sample = placeholder.sub("X", q)
    ok = any(r.fullmatch(sample) for r in regexes)
    print(("ok" if ok else "missing") + "\t" + q)
PY
check "the troubleshooting quotes messages ($(grep -c . "$tmp/result") of them)" \
	test "$(grep -c . "$tmp/result")" -ge 4
while IFS=$'\t' read -r verdict msg; do
	check "troubleshooting: '$msg' is printed by the code or libbpf" test "$verdict" = ok
done <"$tmp/result"

links=$(cd "$top" && for f in README.md docs/*.md; do
	grep -o '](\([^)#]*\))' "$f" | sed 's/^](//; s/)$//' |
		grep -v '^[a-z]*://' | sed "s|^|$(dirname "$f")/|"
done)
bad=
for l in $links; do
	[ -e "$top/$l" ] || bad+="$l "
done
check "every relative link of README.md and docs/ names a file ($(echo $links | wc -w) links)" test -z "$bad"
check "the README starts with what ebpfdma is, why, its limits and the two commands" \
	bash -c "head -n 50 '$top/README.md' | grep -q 'Why rather than NVMe/TCP or iSCSI' &&
		head -n 50 '$top/README.md' | grep -q '^\*\*Limits' &&
		head -n 50 '$top/README.md' | grep -q '^make demo' &&
		head -n 50 '$top/README.md' | grep -q '^make check'"
tap_done
