#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the man pages (docs/man/*.scd): each builds with scdoc, and
# each documents everything its program offers: every option that
# ebpfdma-send --help and every ebpfdmactl command's --help list, every
# command, and every key and volume/store setting serve's configuration
# parser takes (read from tools/ebpfdmactl/config.c itself); and the bash
# completion offers every option and command.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$here/../selftests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
send=$top/build/tools/ebpfdma-send
ctl=$top/build/tools/ebpfdmactl

for page in ebpfdma-send.1 ebpfdmactl.8 ebpfdma-serve.conf.5; do
	check "scdoc builds $page, a man page man(1) renders" \
		bash -c "scdoc <'$top/docs/man/$page.scd' >'$tmp/$page' &&
			MANWIDTH=80 man -l '$tmp/$page' 2>&1 | grep -q '^NAME'"
done

# missing PAGE WORD...: the words the page does not have as *WORD*.
missing() {
	local page=$1 w out=
	shift
	for w in "$@"; do
		grep -qF -- "*$w*" "$top/docs/man/$page.scd" || out+="$w "
	done
	echo "$out"
}

opts=$("$send" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
check "ebpfdma-send(1) has every option --help lists ($(echo $opts | wc -w) of them)" \
	test -z "$(missing ebpfdma-send.1 $opts)"
check "... and ebpfdma-send --help lists every option the page has" \
	test -z "$(grep -o -- '\*--[a-z][a-z-]*\*' "$top/docs/man/ebpfdma-send.1.scd" | tr -d '*' |
		sort -u | comm -23 - <(echo "$opts"))"

cmds=$("$ctl" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort -u)
copts=$(for c in attach detach "volume add" "volume del" "volume list" \
	"volume read" ls status serve genkey; do
	# shellcheck disable=SC2086 # the command's words
	"$ctl" $c --help
done | grep -o -- '--[a-z][a-z-]*' | sort -u)
check "ebpfdmactl(8) has every command ($(echo $cmds | wc -w)) and every option of their --help ($(echo $copts | wc -w))" \
	test -z "$(missing ebpfdmactl.8 $cmds $copts)"
check "... and its exit statuses 0 to 4" \
	test -z "$(missing ebpfdmactl.8 0 1 2 3 4)"

# The parser's keys: the configuration's (key) and a volume's line's (tok).
keys=$(grep -o 'strcmp(key, "[a-z_]*")' "$top/tools/ebpfdmactl/config.c" |
	sed 's/.*"\(.*\)")/\1/' | sort -u)
settings=$(sed -n '/^static int parse_volume/,/^}/p' "$top/tools/ebpfdmactl/config.c" |
	grep -o 'strcmp(tok, "[a-z_]*")' |
	sed 's/.*"\(.*\)")/\1=/' | sort -u)
singles=$(sed -n '/single_keys\[\] = {/,/};/p' "$top/tools/ebpfdmactl/config.c" |
	grep -o '"[a-z_]*"' | tr -d '"' | sort -u)
check "the parser takes keys and settings the page can be checked against ($(echo $keys | wc -w) keys, $(echo $settings | wc -w) settings)" \
	test "$(echo $keys | wc -w)" -ge 12 -a "$(echo $settings | wc -w)" -ge 8
check "ebpfdma-serve.conf(5) has every key and every volume and store setting" \
	test -z "$(missing ebpfdma-serve.conf.5 $keys $(echo "$settings" | grep -v '^token=$'))"
check "... and every key that takes one value is one the parser reads" \
	test -z "$(comm -23 <(echo "$singles") <(echo "$keys"))"

# The bash completion offers the same options and commands.
comp=$top/tools/deploy/bash-completion
check "ebpfdma-send's completion offers every option of --help" \
	test -z "$(for o in $opts; do grep -q -- "$o\b" "$comp/ebpfdma-send" || echo "$o"; done)"
check "ebpfdmactl's completion offers every command and option of the --help texts" \
	test -z "$(for o in $cmds $copts; do grep -qw -- "$o" "$comp/ebpfdmactl" || echo "$o"; done)"
check "both completions are bash that parses" \
	bash -c "bash -n '$comp/ebpfdma-send' && bash -n '$comp/ebpfdmactl'"
tap_done
