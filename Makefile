# filewall: `make` builds, `make test` runs both test tiers, `make demo` shows it work.
SHELL := /bin/bash
.DEFAULT_GOAL := all

JDK := $(or $(JAVA_HOME_25),$(firstword $(wildcard /usr/lib/jvm/*25*)))
MVN := JAVA_HOME=$(JDK) mvn -B -q -Dstyle.color=never
# tests print Surefire's summary, so no -q there
MVN_TEST := JAVA_HOME=$(JDK) mvn -B -Dstyle.color=never --no-transfer-progress
CLANG ?= clang
BPFTOOL ?= bpftool

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,target/bpf/%.bpf.o,$(BPF_SRCS))
TEST_BPF_SRCS := $(wildcard src/test/bpf/*.bpf.c)
TEST_BPF_OBJS := $(patsubst src/test/bpf/%.bpf.c,target/test-bpf/%.bpf.o,$(TEST_BPF_SRCS))
BPF_HDRS := $(wildcard bpf/*.h)
JAVA_SRCS := $(shell find src/main -type f 2>/dev/null)

# Debian packages the build and both test tiers need.
DEB_PKGS := clang llvm libbpf-dev libbpf1 bpftool make maven qemu-system-x86 busybox-static cpio kmod systemd chromium chromium-driver
DEPS_STAMP := target/.deps-ok
# Debian packages of `make bench`'s report and charts (bench/report); make deps installs them too.
BENCH_PKGS := python3 python3-matplotlib
BENCH_STAMP := target/.bench-deps-ok

include src/test/vm/vm.mk

.PHONY: all deps test test-host test-vm test-install install demo clean bpf bench bench-host bench-vm $(VM_KERNELS:%=test-vm-%)

all: $(DEPS_STAMP) target/filewall

$(DEPS_STAMP): Makefile
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(DEB_PKGS) 2>/dev/null | awk '$$4!="installed"{print $$1}'; \
	  for p in $(DEB_PKGS); do dpkg-query -W $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then $(MAKE) --no-print-directory deps; fi
	@[ -n "$(JDK)" ] && [ -x "$(JDK)/bin/java" ] || { echo "filewall: no JDK 25 found: install one (e.g. a Temurin 25 JDK under /usr/lib/jvm) or set JAVA_HOME_25"; exit 1; }
	@mkdir -p target && touch $@

deps:
	@[ "$$(id -u)" = 0 ] || { echo "make deps installs Debian packages: run it as root"; exit 1; }
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(DEB_PKGS) $(BENCH_PKGS)

target/bpf/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror -Itarget/bpf -Ibpf

target/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) target/bpf/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

target/test-bpf/%.bpf.o: src/test/bpf/%.bpf.c $(BPF_HDRS) target/bpf/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

bpf: $(DEPS_STAMP) $(BPF_OBJS) $(TEST_BPF_OBJS)

target/filewall.jar: $(BPF_OBJS) pom.xml $(JAVA_SRCS)
	$(MVN) -Dmaven.test.skip=true package

target/filewall: target/filewall.jar src/main/sh/filewall
	install -m 0755 src/main/sh/filewall $@

test: test-host test-install test-vm
	@src/test/summary target/surefire-reports target/install-results $(VM_KERNELS:%=target/vm-results/%/junit)

test-host: $(DEPS_STAMP) $(BPF_OBJS) $(TEST_BPF_OBJS)
	$(MVN_TEST) -Dfilewall.test.bpf.dir=$(CURDIR)/target/test-bpf test


# The VM tier: the daemon and the real LSM hooks inside Debian's kernels (src/test/vm/README.md).
VM_TOOLS := target/vm/fwops target/vm/trojan
VM_CP := target/vm-test-classpath.txt

# static: an exec of a static binary is several times faster in the TCG guest
target/vm/%: src/test/vm/%.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Werror -static -o $@ $<

$(VM_CP): $(DEPS_STAMP) pom.xml $(shell find src/test/java -type f 2>/dev/null)
	$(MVN) test-compile dependency:build-classpath -Dmdep.outputFile=$(CURDIR)/$@ -Dmdep.includeScope=test

# VM_SELECT narrows a run, e.g. VM_SELECT='--select-class dev.filewall.vm.PathsTest'
VM_SELECT ?= --select-package dev.filewall.vm
VM_JUNIT = java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$$(cat $(VM_CP)) \
	org.junit.platform.console.ConsoleLauncher execute $(VM_SELECT) \
	--reports-dir $$VM_OUT/junit --disable-banner --details=verbose --disable-ansi-colors

test-vm: target/filewall $(VM_TOOLS) $(VM_CP) vm-prepare
	$(MAKE) --no-print-directory -j2 $(VM_KERNELS:%=test-vm-%)

# each kernel's target stands alone too (make test-vm-6.1), so it needs the same inputs
$(VM_KERNELS:%=test-vm-%): test-vm-%: target/filewall $(VM_TOOLS) $(VM_CP) vm-prepare-%
	rm -rf target/vm-results/$*
	$(call vm_run,$*,bash -c '$(VM_JUNIT)')

demo: target/filewall $(VM_TOOLS) vm-prepare-6.12
	$(call vm_run,6.12,src/test/vm/demo)

clean:
	rm -rf target

# `make install [PREFIX=/usr/local] [DESTDIR=DIR]` (README "Install"): the launcher, the jar with
# the BPF objects inside, the systemd unit, and /etc/filewall's configuration and rules, each
# kept when it exists. Then doctor says whether this machine can enforce, and how to fix it.
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
UNITDIR = $(PREFIX)/lib/systemd/system

install: all
	install -D -m 0755 src/main/sh/filewall $(DESTDIR)$(BINDIR)/filewall
	install -D -m 0644 target/filewall.jar $(DESTDIR)$(PREFIX)/lib/filewall/filewall.jar
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' packaging/filewall.service > $(DESTDIR)$(UNITDIR)/filewall.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/filewall.service
	install -d -m 0755 $(DESTDIR)/etc/filewall
	@for f in packaging/filewall.yaml rules.yaml; do \
	  to=$(DESTDIR)/etc/filewall/$$(basename $$f); \
	  if [ -e $$to ]; then echo "kept $$to (the new default is $$f)"; else install -m 0644 $$f $$to && echo "installed $$to"; fi; \
	done
	@echo "checking this machine (filewall doctor):"
	@$(DESTDIR)$(BINDIR)/filewall doctor || true
	@echo "then: systemctl daemon-reload && systemctl enable --now filewall"

# make install into a scratch DESTDIR and check what it installed (src/test/install/run)
test-install: target/filewall
	src/test/install/run target/install-results

# Benchmarks (bench/README.md); not part of `make test`. `make bench` runs both tiers and writes
# bench/results/. Host tier: compile time, table bytes, kernel cost per decision; the event
# pipeline's throughput; the event store's queries over 1,000,000 events. VM tier (bench/run-vm): one boot of the 6.12 guest, filewall side by side
# with AppArmor and fapolicyd; BENCH_ROUNDS, BENCH_ITERS, BENCH_STATS, BENCH_MACRO_ROUNDS, BENCH_SETS size it.
bench: bench-host bench-vm

bench-host: $(DEPS_STAMP) $(BPF_OBJS) $(VM_CP) target/bench/bench_events.bpf.o
	java -version >/dev/null 2>&1; $(JDK)/bin/java --enable-native-access=ALL-UNNAMED \
	  -cp target/test-classes:target/classes:$$(cat $(VM_CP)) dev.filewall.compile.TableBench
	$(JDK)/bin/java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$$(cat $(VM_CP)) \
	  dev.filewall.events.PipelineBench target/bench/bench_events.bpf.o
	$(JDK)/bin/java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$$(cat $(VM_CP)) \
	  dev.filewall.logstore.LogstoreBench

bench-vm: $(BENCH_STAMP) target/filewall target/bench/fsbench vm-prepare-6.12
	JAVA_HOME=$(JDK) PATH="$(JDK)/bin:$$PATH" bench/run-vm

$(BENCH_STAMP): Makefile $(DEPS_STAMP)
	@missing=$$(for p in $(BENCH_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then $(MAKE) --no-print-directory deps; fi
	@touch $@

# static: an exec of a static binary is several times faster in the TCG guest
target/bench/fsbench: bench/fsbench.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Werror -static -o $@ $<

target/bench/%.bpf.o: bench/%.bpf.c $(BPF_HDRS) target/bpf/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
