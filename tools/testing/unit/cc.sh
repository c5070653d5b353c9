#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests (host) of the sender's round-trip estimate and congestion
# window (tools/ebpfdma-send/cc.c), built by "make selftests".
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
exec "$top/build/unit/cc_test"
