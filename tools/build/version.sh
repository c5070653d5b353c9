#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the package version; dkms.conf is its one source.
sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$(dirname "$0")/../../dkms.conf"
