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
	$(SELFTEST_BIN)/ioctl_fuzz $(SELFTEST_BIN)/xdp_test $(SELFTEST_BIN)/engine_test \
	$(SELFTEST_BIN)/stress_test $(SELFTEST_BIN)/session_test \
	$(SELFTEST_BIN)/rx_fuzz
CFLAGS ?= -O2 -g
SELFTEST_CFLAGS := $(CFLAGS) -Wall -Wextra -Werror -I.

BENCH_PROGS := build/bench/submit_vs_pwrite build/bench/udp_pwrite \
	build/bench/udp_direct build/bench/af_xdp build/bench/nvme_writer \
	build/bench/memcpy_bw build/bench/aead_bw build/bench/insns_mark \
	build/bench/insns_plugin.so build/bench/ebpfdma-send-blast
XSK_SKEL = $(BPF_OUT)/bench_xsk.skel.h
RXCORE = tools/bench/rxcore.c $(SESSION_LIB) tools/lib/seqset.c
RXCORE_HDRS = tools/bench/rxcore.h tools/bench/dwrite.h $(SESSION_LIB_HDRS) \
	tools/lib/seqset.h
# Durable O_DIRECT writes with group commit (io_uring).
DWRITE := tools/bench/dwrite.c

# The XDP program and its libbpf skeleton.
BPF_OUT := build/bpf
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -I. \
	-I/usr/include/$(shell $(CC) -dumpmachine)
BPF_HDRS := bpf/ebpfdma_kfuncs.h bpf/ebpfdma_rx.h uapi/ebpfdma_wire.h
RX_SKEL := $(BPF_OUT)/ebpfdma_rx.skel.h
# What the XDP program's loader and the tests share: CRC32C, sequence sets.
WIRE_LIB := tools/lib/crc32c.c tools/lib/seqset.c
WIRE_LIB_HDRS := tools/lib/crc32c.h tools/lib/seqset.h uapi/ebpfdma_wire.h
RX_LIB := tools/lib/rx.c $(WIRE_LIB)
RX_LIB_HDRS := tools/lib/rx.h $(WIRE_LIB_HDRS) $(RX_SKEL)
BPF_LIBS := -lbpf -lelf -lz -lpthread

.PHONY: all module tools man install deb selftests bench bench-progs deps check style demo vm debug-kernel dkms-install \
	fuzz fuzz-build \
	dkms-remove clean help

all: module tools selftests

selftests: $(SELFTEST_PROGS) build/unit/lib_test build/unit/wire2_test \
	build/unit/cc_test build/unit/metrics_test

$(SELFTEST_BIN)/%: tools/testing/selftests/%.c tools/testing/selftests/tap.h \
		tools/lib/ebpfdma.c tools/lib/ebpfdma.h \
		uapi/ebpfdma.h
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -pthread -o $@ $< tools/lib/ebpfdma.c

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	clang $(BPF_CFLAGS) -c $< -o $@

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	bpftool gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

# Wire version 2 sessions: datagrams sealed with libsodium.
WIRE2_LIB := tools/lib/wire2.c tools/lib/wire2.h
# The selftests that run the XDP program with sessions' sealed DATA.
$(SELFTEST_BIN)/xdp_test $(SELFTEST_BIN)/stress_test: $(SELFTEST_BIN)/%: \
		tools/testing/selftests/%.c tools/testing/selftests/tap.h \
		tools/testing/selftests/pkt.h tools/lib/inet_csum.h \
		tools/testing/selftests/xdprun.h \
		tools/testing/selftests/sess.h tools/lib/ebpfdma.c \
		tools/lib/ebpfdma.h uapi/ebpfdma.h $(WIRE2_LIB) $(RX_LIB) \
		$(RX_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -I$(BPF_OUT) -o $@ $< tools/lib/ebpfdma.c \
		tools/lib/wire2.c $(RX_LIB) $(BPF_LIBS) -lsodium

# ... with the handshake, ACK and COMMIT, and key files.
SESSION_LIB := tools/lib/wire2.c tools/lib/handshake.c tools/lib/control.c \
	tools/lib/keyfile.c tools/lib/crc32c.c
SESSION_LIB_HDRS := tools/lib/wire2.h tools/lib/handshake.h \
	tools/lib/control.h tools/lib/keyfile.h tools/lib/crc32c.h \
	uapi/ebpfdma_wire.h
$(SELFTEST_BIN)/session_test $(SELFTEST_BIN)/rx_fuzz: $(SELFTEST_BIN)/%: \
		tools/testing/selftests/%.c \
		tools/testing/selftests/tap.h tools/testing/selftests/pkt.h \
		tools/lib/inet_csum.h tools/testing/selftests/xdprun.h tools/testing/selftests/sess.h tools/lib/ebpfdma.c \
		tools/lib/ebpfdma.h uapi/ebpfdma.h $(WIRE2_LIB) $(RX_LIB) \
		$(RX_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -I$(BPF_OUT) -o $@ $< tools/lib/ebpfdma.c \
		tools/lib/wire2.c $(RX_LIB) $(BPF_LIBS) -lsodium

# The tools: ebpfdmactl (one file per subcommand) and ebpfdma-send.
CTL_SRCS := $(wildcard tools/ebpfdmactl/*.c)
TOOLS := build/tools/ebpfdmactl build/tools/ebpfdma-send
TOOL_CFLAGS := $(CFLAGS) -Wall -Wextra -Werror -I. \
	-DEBPFDMA_VERSION='"$(VERSION)"'

tools: $(TOOLS)

# The man pages, from their scdoc sources.
MAN_PAGES := build/man/ebpfdma-send.1 build/man/ebpfdmactl.8 \
	build/man/ebpfdma-serve.conf.5
man: $(MAN_PAGES)
build/man/%: docs/man/%.scd
	@mkdir -p $(@D)
	scdoc <$< >$@

build/tools/ebpfdmactl: $(CTL_SRCS) $(wildcard tools/ebpfdmactl/*.h) \
		tools/lib/ebpfdma.c tools/lib/ebpfdma.h uapi/ebpfdma.h \
		$(SESSION_LIB) $(SESSION_LIB_HDRS) tools/lib/rx.c \
		tools/lib/seqset.c $(RX_LIB_HDRS) tools/lib/idmap.c tools/lib/idmap.h
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -I$(BPF_OUT) -o $@ $(CTL_SRCS) tools/lib/ebpfdma.c \
		$(SESSION_LIB) tools/lib/rx.c tools/lib/seqset.c tools/lib/idmap.c \
		$(BPF_LIBS) \
		-lsodium -lpthread

SEND_SRCS := tools/ebpfdma-send/main.c tools/ebpfdma-send/data.c \
	tools/ebpfdma-send/bbr.c \
	tools/ebpfdma-send/net.c tools/ebpfdma-send/opts.c \
	tools/ebpfdma-send/resume.c tools/ebpfdma-send/cc.c \
	tools/ebpfdma-send/flight.c tools/ebpfdma-send/source.c \
	tools/ebpfdma-send/digest.c
build/tools/ebpfdma-send: $(SEND_SRCS) $(wildcard tools/ebpfdma-send/*.h) \
		$(SESSION_LIB) $(SESSION_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -o $@ $(SEND_SRCS) $(SESSION_LIB) -lsodium -lpthread -lm

# The benchmark's load generator: ebpfdma-send with tools/bench/blast.c,
# which emits each session's datagrams with BPF_PROG_RUN's live frames.
BLAST_SKEL = $(BPF_OUT)/bench_blast.skel.h
build/bench/ebpfdma-send-blast: $(SEND_SRCS) $(wildcard tools/ebpfdma-send/*.h) \
		tools/bench/blast.c tools/lib/inet_csum.h $(BLAST_SKEL) \
		$(SESSION_LIB) $(SESSION_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -I$(BPF_OUT) -o $@ $(SEND_SRCS) tools/bench/blast.c \
		$(SESSION_LIB) -lsodium $(BPF_LIBS) -lm

# Host unit tests of the tools' shared code.
build/unit/wire2_test: tools/testing/unit/wire2_test.c \
		kunit/rfc8439_a5.h tools/testing/selftests/tap.h \
		$(SESSION_LIB) $(SESSION_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(SESSION_LIB) -lsodium -lpthread

build/unit/cc_test: tools/testing/unit/cc_test.c tools/testing/selftests/tap.h \
		tools/ebpfdma-send/cc.c tools/ebpfdma-send/cc.h \
		tools/ebpfdma-send/bbr.c tools/ebpfdma-send/flight.c \
		tools/ebpfdma-send/flight.h
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< tools/ebpfdma-send/cc.c \
		tools/ebpfdma-send/bbr.c tools/ebpfdma-send/flight.c

build/unit/lib_test: tools/testing/unit/lib_test.c tools/testing/selftests/tap.h \
		tools/ebpfdmactl/config.c tools/ebpfdmactl/ctl.h \
		tools/ebpfdmactl/store.c tools/ebpfdmactl/store.h $(RX_LIB) \
		$(RX_LIB_HDRS) tools/lib/idmap.c tools/lib/idmap.h \
		tools/lib/inet_csum.h
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -I$(BPF_OUT) -o $@ $< tools/lib/idmap.c \
		tools/ebpfdmactl/config.c tools/ebpfdmactl/store.c $(RX_LIB) \
		$(BPF_LIBS)

build/unit/metrics_test: tools/testing/unit/metrics_test.c \
		tools/testing/selftests/tap.h tools/ebpfdmactl/metrics.c \
		tools/ebpfdmactl/metrics_http.c tools/ebpfdmactl/metrics.h \
		tools/ebpfdmactl/config.c tools/ebpfdmactl/ctl.h $(RX_LIB) \
		$(RX_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -I$(BPF_OUT) -o $@ $< tools/ebpfdmactl/metrics.c \
		tools/ebpfdmactl/metrics_http.c tools/ebpfdmactl/config.c \
		$(RX_LIB) $(BPF_LIBS)

# libFuzzer targets (tools/fuzz/): clang with ASan and UBSan.  make fuzz
# runs them; make check replays their seeds and kept findings.  kwire
# builds the module's own wire.c, session_blocks.c and plan.c for the host,
# with tools/fuzz/kshim/ as the kernel's headers (and the kernel's
# warning set: no unused-parameter or sign-compare warnings).
FUZZ_TARGETS := kwire wire2 control handshake config store_name
FUZZ_OUT := build/fuzz
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_WIRE := tools/lib/wire2.c tools/lib/crc32c.c
FUZZ_HDRS := tools/fuzz/fuzz.h $(SESSION_LIB_HDRS)
KSHIM_HDRS := $(wildcard tools/fuzz/kshim/*.h tools/fuzz/kshim/*/*.h)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_OUT)/%_fuzz) $(FUZZ_OUT)/seeds

$(FUZZ_OUT)/kwire_fuzz: tools/fuzz/kwire_fuzz.c kmod/wire.c \
		kmod/session_blocks.c kmod/plan.c kmod/ebpfdma.h kmod/compat.h \
		uapi/ebpfdma.h $(KSHIM_HDRS) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -Wno-unused-parameter -Wno-sign-compare \
		-Itools/fuzz/kshim -o $@ $(filter %.c,$^)
$(FUZZ_OUT)/control_fuzz: tools/lib/control.c
$(FUZZ_OUT)/handshake_fuzz: tools/lib/handshake.c
$(FUZZ_OUT)/store_name_fuzz: tools/ebpfdmactl/store.c tools/ebpfdmactl/store.h
$(FUZZ_OUT)/%_fuzz: tools/fuzz/%_fuzz.c $(FUZZ_WIRE) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) -lsodium
$(FUZZ_OUT)/config_fuzz: tools/fuzz/config_fuzz.c tools/ebpfdmactl/config.c \
		tools/ebpfdmactl/ctl.h tools/lib/rx.c $(RX_LIB_HDRS) \
		uapi/ebpfdma.h bpf/ebpfdma_rx.h $(FUZZ_WIRE) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -I$(BPF_OUT) -o $@ $(filter %.c,$^) -lsodium \
		$(BPF_LIBS)
$(FUZZ_OUT)/seeds: tools/fuzz/seeds.c tools/lib/control.c \
		tools/lib/handshake.c $(FUZZ_WIRE) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $(filter %.c,$^) -lsodium

fuzz:
	tools/testing/fuzz.sh

help:
	@echo "make            build ebpfdma.ko for KDIR (default: $(KDIR))"
	@echo "make demo       the end-to-end demo in a VM (stock kernel)"
	@echo "make check      every test: style, KUnit, VM selftests (stock + debug kernel)"
	@echo "make bench      benchmarks in a VM (stock kernel); results in bench/results/"
	@echo "make fuzz       every fuzzer, EBPFDMA_FUZZ_SECONDS each (600); FUZZING.md"
	@echo "make vm CMD=... run a command in a VM (KERNEL=stock|debug)"
	@echo "make dkms-install / dkms-remove   install on this machine with DKMS"

# "+": the kernel's make inside takes its share of this make's jobs (DKMS
# runs "make -jN module"); without it, it would build with one.  (So
# "make -n module" builds too.)
module:
	+tools/build/build-module.sh "$(KDIR)" "$(OUT)"

bench-progs: $(BENCH_PROGS)

build/bench/submit_vs_pwrite: tools/bench/submit_vs_pwrite.c tools/lib/ebpfdma.c \
		tools/lib/ebpfdma.h uapi/ebpfdma.h
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< tools/lib/ebpfdma.c

# The baseline receivers: the protocol in rxcore.c, a data path each.
build/bench/udp_pwrite: tools/bench/udp_pwrite.c $(RXCORE) $(RXCORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(RXCORE) -lsodium -lpthread

build/bench/udp_direct: tools/bench/udp_direct.c $(DWRITE) $(RXCORE) \
		$(RXCORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(DWRITE) $(RXCORE) -luring -lsodium \
		-lpthread

build/bench/af_xdp: tools/bench/af_xdp.c $(DWRITE) $(RXCORE) $(RXCORE_HDRS) \
		$(XSK_SKEL)
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -I$(BPF_OUT) -o $@ $< $(DWRITE) $(RXCORE) \
		-luring -lsodium $(BPF_LIBS)

build/bench/nvme_writer: tools/bench/nvme_writer.c
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< -luring

build/bench/aead_bw: tools/bench/aead_bw.c tools/lib/crc32c.c \
		tools/lib/crc32c.h
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< tools/lib/crc32c.c -lsodium

# The instruction counting plugin for qemu (TCG) and its guest marker.
build/bench/insns_plugin.so: tools/bench/insns_plugin.c
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -shared -fPIC -fvisibility=hidden -o $@ $< -lpthread

build/bench/insns_mark: tools/bench/insns_mark.c
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

build/bench/memcpy_bw: tools/bench/memcpy_bw.c
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

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

# The tools, their man pages, the unit and the configuration, under
# $(DESTDIR) (the packages' layout; DESTDIR empty: this machine).  The
# configuration is installed once, mode 0600, never over an edited one.
install: tools man
	install -D -m 755 build/tools/ebpfdmactl $(DESTDIR)/usr/sbin/ebpfdmactl
	install -D -m 755 build/tools/ebpfdma-send $(DESTDIR)/usr/bin/ebpfdma-send
	install -D -m 644 build/man/ebpfdmactl.8 $(DESTDIR)/usr/share/man/man8/ebpfdmactl.8
	install -D -m 644 build/man/ebpfdma-send.1 $(DESTDIR)/usr/share/man/man1/ebpfdma-send.1
	install -D -m 644 build/man/ebpfdma-serve.conf.5 \
		$(DESTDIR)/usr/share/man/man5/ebpfdma-serve.conf.5
	install -D -m 644 tools/deploy/ebpfdma-serve.service \
		$(DESTDIR)/lib/systemd/system/ebpfdma-serve.service
	install -d -m 700 $(DESTDIR)/etc/ebpfdma
	[ -e $(DESTDIR)/etc/ebpfdma/serve.conf ] || install -m 600 \
		tools/deploy/serve.conf.example $(DESTDIR)/etc/ebpfdma/serve.conf

# The Debian packages, ebpfdma-dkms and ebpfdma-tools, built from a copy
# of the tracked sources, into build/deb/ (and checked with lintian).
deb:
	rm -rf build/deb && mkdir -p build/deb/ebpfdma-$(VERSION)
	git ls-files -z -co --exclude-standard | xargs -0 tar -cf - | tar -xf - -C build/deb/ebpfdma-$(VERSION)
	cd build/deb/ebpfdma-$(VERSION) && dpkg-buildpackage -b -us -uc
	lintian --fail-on error build/deb/*.changes
	@ls build/deb/*.deb

clean:
	rm -rf build
