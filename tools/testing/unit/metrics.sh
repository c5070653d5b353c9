#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests (host) of serve's metrics endpoint, built by "make selftests".
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
exec "$top/build/unit/metrics_test"
