# SPDX-License-Identifier: GPL-2.0
#
# ebpfdma: top-level driver for the module, the BPF objects, the tools and
# the tests.  Kernel build rules live in Kbuild.

VERSION := $(shell tools/build/version.sh)

KDIR ?= $(shell tools/build/kdir.sh)
KVER := $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# Build products for each kernel go to their own directory.
OUT ?= build/$(or $(KVER),unknown)


# C programs the selftests run inside the guest.
SELFTEST_BIN := build/selftests
SELFTEST_PROGS := $(SELFTEST_BIN)/pool_test $(SELFTEST_BIN)/submit_test \
	$(SELFTEST_BIN)/ioctl_fuzz
CFLAGS ?= -O2 -g
SELFTEST_CFLAGS := $(CFLAGS) -Wall -Wextra -Werror -I.

BENCH_PROGS := build/bench/submit_vs_pwrite

.PHONY: all module selftests bench bench-progs deps check style demo vm debug-kernel dkms-install \
	dkms-remove clean help

all: module selftests

selftests: $(SELFTEST_PROGS)

$(SELFTEST_BIN)/%: tools/testing/selftests/%.c tools/testing/selftests/tap.h \
		tools/lib/ebpfdma.c tools/lib/ebpfdma.h \
		uapi/ebpfdma.h
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< tools/lib/ebpfdma.c

help:
	@echo "make            build ebpfdma.ko for KDIR (default: $(KDIR))"
	@echo "make demo       the end-to-end demo in a VM (stock kernel)"
	@echo "make check      every test: style, KUnit, VM selftests (stock + debug kernel)"
	@echo "make bench      benchmarks in a VM (stock kernel); results in bench/results/"
	@echo "make vm CMD=... run a command in a VM (KERNEL=stock|debug)"
	@echo "make dkms-install / dkms-remove   install on this machine with DKMS"

module:
	tools/build/build-module.sh "$(KDIR)" "$(OUT)"

bench-progs: $(BENCH_PROGS)

build/bench/%: tools/bench/%.c tools/lib/ebpfdma.c tools/lib/ebpfdma.h \
		uapi/ebpfdma.h
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< tools/lib/ebpfdma.c

bench:
	tools/testing/bench.sh

deps:
	tools/testing/deps.sh

debug-kernel: deps
	tools/testing/debug-kernel.sh

check:
	tools/testing/check.sh

style:
	tools/testing/style.sh

demo:
	tools/testing/demo.sh

vm:
	tools/testing/vm-run.sh --kernel $(or $(KERNEL),stock) -- $(CMD)

dkms-install:
	-dkms remove -m ebpfdma -v $(VERSION) --all 2>/dev/null
	tools/build/dkms-stage.sh /usr/src
	dkms add -m ebpfdma -v $(VERSION)
	dkms build -m ebpfdma -v $(VERSION)
	dkms install -m ebpfdma -v $(VERSION)

dkms-remove:
	-dkms remove -m ebpfdma -v $(VERSION) --all
	rm -rf /usr/src/ebpfdma-$(VERSION)

clean:
	rm -rf build
