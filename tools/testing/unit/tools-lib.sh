#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests (host) of tools/lib/, built by "make unit-progs".
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
exec "$top/build/unit/lib_test"
