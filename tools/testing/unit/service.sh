#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the systemd unit (tools/deploy/ebpfdma-serve.service):
# its exposure in systemd-analyze security --offline=yes is at most 3.0,
# it waits for serve's readiness (Type=notify), reloads with SIGHUP, loads
# the module with privileges of its own, and does not restart serve after
# the exit statuses that restarting cannot heal (ebpfdmactl's own).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$here/../selftests/tap.sh"
unit=$top/tools/deploy/ebpfdma-serve.service
ctl_h=$top/tools/ebpfdmactl/ctl.h

score=$(cd / && systemd-analyze security --offline=yes "$unit" 2>/dev/null |
	sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
check "systemd-analyze security --offline=yes: exposure $score, at most 3.0" \
	bash -c "cd / && systemd-analyze security --offline=yes --threshold=30 '$unit' >/dev/null"
check "Type=notify: started once serve says READY=1" grep -qx 'Type=notify' "$unit"
check "ExecReload sends SIGHUP (peers and keys again, sessions go on)" \
	grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"
check "the module is loaded with full privileges (ExecStartPre=+)" \
	grep -qx 'ExecStartPre=+/sbin/modprobe ebpfdma' "$unit"
usage=$(sed -n 's/.*CTL_EXIT_USAGE = \([0-9]*\),.*/\1/p' "$ctl_h")
config=$(sed -n 's/.*CTL_EXIT_CONFIG = \([0-9]*\),.*/\1/p' "$ctl_h")
check "no restart after a usage ($usage) or configuration ($config) error, ebpfdmactl's statuses" \
	grep -qx "RestartPreventExitStatus=$usage $config" "$unit"
check "serve runs from the package's path" \
	grep -qx 'ExecStart=/usr/sbin/ebpfdmactl serve /etc/ebpfdma/serve.conf' "$unit"
tap_done
