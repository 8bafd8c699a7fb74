# cellwatch: contain and watch untrusted code.
#
#   make          build everything into build/
#   make run      install what is missing, build, run the demo
#   make test     install what is missing, build, run every test (here and in a VM)
#   make vmtest   the integration suite in a VM whose kernel loads BPF-LSM
#                 (ARCH=arm64: cellrun cross-built, checked in an arm64 VM)
#   make bench    benchmarks, reported as ratios against baselines
#   make fuzz     each libFuzzer target for FUZZ_SECONDS (tests/fuzz/)
#   make scorecard  the hostile corpus (tests/hostile) in cells: caught, missed, false kills
#   make deps     install the Debian packages the build and tests need
#   make fresh-test  make test on a freshly bootstrapped Debian 12 root (what CI runs)
#   make install  binaries, policies, configuration, unit, man pages, completions
#                 (PREFIX=/usr/local, DESTDIR, sysconfdir=/etc, ...: see below)
#   make deb      a Debian package of the same, in build/
#
# V=1 shows full commands.

OUT		:= build
# The compiler make deps installs, not whatever `cc` points to: clang 14's
# DWARF 5 is unreadable to valgrind 3.19, which the test suite runs.
ifeq ($(origin CC),default)
CC		:= gcc
endif
CLANG		?= clang
BPFTOOL		?= bpftool
HOST_ARCH	:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
# make ARCH=arm64 on x86-64: cellrun cross-built for arm64, static, into
# build-arm64/, from Debian's cross compiler and the arm64 libraries and
# kernel BTF tests/vm/arm64-fetch.sh fetches (make vmtest ARCH=arm64 boots it).
ARCH		:= $(HOST_ARCH)
ifneq ($(ARCH),$(HOST_ARCH))
ifneq ($(ARCH)-$(HOST_ARCH),arm64-x86)
$(error ARCH=$(ARCH): only arm64 is cross-built, and from x86-64)
endif
CROSS		:= aarch64-linux-gnu
ifeq ($(origin OUT),file)
OUT		:= build-arm64
endif
CC		:= $(CROSS)-gcc
endif

CFLAGS		?= -O2 -g
# Project flags apart from CFLAGS, so `make CFLAGS=...` (sanitizers) keeps them.
CW_CFLAGS	:= -std=gnu11 -Wall -Wextra -Wshadow \
		   -Wformat=2 -Werror=implicit-function-declaration \
		   -D_GNU_SOURCE -MMD -MP -I$(OUT) -Ibpf -Iuserspace/lib
LDLIBS		:= -lbpf -lelf -lz -ljansson -lseccomp
HTTP_LDLIBS	:= -lmicrohttpd
# cellrun, started once a run, takes its libraries in: the dynamic linker
# loading five more cost 0.45 ms of every launch.  libc stays shared, for
# the egress proxy's name lookups (NSS).
CELLRUN_LDLIBS	= -Wl,-Bstatic $(LDLIBS) -Wl,-Bdynamic
# Where make install puts things.  The binaries read their defaults from
# sysconfdir (/etc/cellwatch/default.json), never from this tree.
PREFIX		?= /usr/local
prefix		?= $(PREFIX)
bindir		?= $(prefix)/bin
datadir		?= $(prefix)/share
mandir		?= $(datadir)/man
docdir		?= $(datadir)/doc/cellwatch
sysconfdir	?= /etc
localstatedir	?= /var
unitdir		?= $(prefix)/lib/systemd/system
bashcompdir	?= $(datadir)/bash-completion/completions
CW_VERSION	:= $(shell cat VERSION)

# The target's uapi headers give the BPF side its syscall numbers (bpf/arch.bpf.h).
ifdef CROSS
SYSROOT		:= $(OUT)/sysroot
VMLINUX_BTF	:= $(OUT)/vm/vmlinux.btf
UAPI_INCLUDE	:= /usr/$(CROSS)/include
# The seccomp filters are made on this machine, for the target's ABI.
SECCOMP_ARCH	:= aarch64
HOST_CC		:= gcc
CROSS_CFLAGS	:= -isystem $(SYSROOT)/usr/include -isystem $(SYSROOT)/usr/include/$(CROSS)
LDFLAGS		+= -static -L$(SYSROOT)/usr/lib/$(CROSS)
CELLRUN_LDLIBS	= $(LDLIBS)
else
VMLINUX_BTF	:= /sys/kernel/btf/vmlinux
UAPI_INCLUDE	:= /usr/include/$(shell $(CC) -print-multiarch)
endif
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall \
		   -I$(OUT) -Ibpf -idirafter $(UAPI_INCLUDE)

# Everything the build, the demo, the tests and the benchmarks run, on a
# minimal Debian 12 (tests/fresh/run.sh proves the list complete).
DEB_PACKAGES	:= gcc libc6-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libjansson-dev \
		   libseccomp-dev libmicrohttpd-dev pkg-config python3 python3-matplotlib bubblewrap \
		   qemu-system-x86 qemu-system-common busybox-static cpio xz-utils zstd valgrind \
		   libclang-rt-14-dev iproute2 groff-base prometheus systemd \
		   gcc-aarch64-linux-gnu qemu-system-arm

BPF_SRCS	:= $(filter-out bpf/lsmprobe.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
# userspace/lib: the monitor library every binary links (libcellwatch.a);
# userspace/daemon and userspace/cli: the cellwatch command; userspace/egress:
# the proxy cellrun starts; launcher: cellrun.
objs		= $(patsubst %.c,$(OUT)/%.o,$(1))
LIB_SRCS	:= $(wildcard userspace/lib/*.c)
LIB_OBJS	:= $(call objs,$(LIB_SRCS))
DAEMON_OBJS	:= $(call objs,$(wildcard userspace/daemon/*.c))
TAIL_OBJS	:= $(OUT)/userspace/cli/tail.o
EGRESS_OBJS	:= $(call objs,$(wildcard userspace/egress/*.c))
LAUNCH_OBJS	:= $(call objs,$(wildcard launcher/*.c))
TEST_OBJS	:= $(call objs,$(wildcard tests/*.c))
# The fuzz targets and the option parser they fuzz: test_runner replays their inputs.
FUZZ_SRCS	:= $(filter-out tests/fuzz/seed_events.c,$(wildcard tests/fuzz/*.c))
TEST_OBJS	+= $(call objs,$(FUZZ_SRCS)) $(OUT)/launcher/options.o $(OUT)/launcher/outdir.o
# The seccomp filters cellrun installs, and libseccomp's build of them to compare.
SECCOMP_BUILD_OBJS := $(OUT)/launcher/seccomp/build.o
TEST_OBJS	+= $(OUT)/launcher/seccomp.o $(SECCOMP_BUILD_OBJS)
BINS		:= $(OUT)/cellwatch $(OUT)/cellrun $(OUT)/test_runner $(OUT)/spawn-ready
ifdef CROSS
# What the arm64 VM runs: cellrun and its payload (tests/vm/arm64.sh).
BINS		:= $(OUT)/cellrun $(OUT)/probe
LDLIBS		+= -lzstd
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all run check test fresh-test vmtest bench scorecard fuzz fuzz-seeds deps clean FORCE \
	install uninstall deb
.DELETE_ON_ERROR:

all: $(BINS)

deps:
	$(Q)missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$(echo $$missing | sed 's/^/ /')"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
ifdef CROSS
	$(Q)tests/vm/arm64-fetch.sh $(OUT)
else
	$(Q)tests/vm/kernel.sh $(OUT)/vm
	$(Q)tests/vm/kernel.sh $(OUT)/vm/k5.10 5.10
	$(Q)tests/vm/kernel.sh $(OUT)/vm/k6.12 6.12
endif

$(OUT) $(OUT)/bpf $(OUT)/bench:
	$(Q)mkdir -p $@

$(OUT)/vmlinux.h: | $(OUT) $(VMLINUX_BTF)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

ifdef CROSS
# The arm64 libraries and kernel, fetched once (the stamp names the fetch).
$(SYSROOT)/.fetched $(VMLINUX_BTF): tests/vm/arm64-fetch.sh tests/vm/btf-extract.py
	$(Q)tests/vm/arm64-fetch.sh $(OUT)

$(OUT)/probe: tests/vm/arm64-probe.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CW_CFLAGS) $(CFLAGS) -static $< -o $@
endif

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h bpf/*.def) $(OUT)/vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The list of program groups: a removed group must relink the object too.
# Their names only: make run with OUT spelled otherwise (an absolute path,
# as the tests run make install) must not relink, nor rebuild what follows.
$(OUT)/bpf/groups: FORCE | $(OUT)/bpf
	$(Q)echo '$(notdir $(BPF_OBJS))' | cmp -s - $@ || echo '$(notdir $(BPF_OBJS))' > $@

# One object, one skeleton: the static linker merges the groups' shared maps.
$(OUT)/cellwatch.bpf.o: $(BPF_OBJS) $(OUT)/bpf/groups
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $(BPF_OBJS)

$(OUT)/cellwatch.skel.h: $(OUT)/cellwatch.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name cellwatch_bpf > $@

# The LSM probe stays a separate object: it must load alone.
$(OUT)/lsmprobe.skel.h: $(OUT)/bpf/lsmprobe.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name lsmprobe_bpf > $@

# What the build was configured with, for the code: rewritten only when it
# changes, so that `make sysconfdir=...` rebuilds exactly what uses it.
$(OUT)/buildconf.h: FORCE | $(OUT) $(if $(CROSS),$(SYSROOT)/.fetched)
	$(Q)printf '%s\n' '/* Generated by make: what this build was configured with. */' \
		'#ifndef CW_BUILDCONF_H' '#define CW_BUILDCONF_H' \
		'#define CW_VERSION "$(CW_VERSION)"' \
		'#define CW_SYSCONFDIR "$(sysconfdir)"' \
		'#define CW_DEFAULT_RULES "$(sysconfdir)/cellwatch/default.json"' \
		'#define CW_DEFAULT_CONFIG "$(sysconfdir)/cellwatch/cellwatch.conf"' '#endif' >$@.new
	$(Q)if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# Headers each object includes come from the compiler (-MMD -MP, the .d
# files); only the loader includes the skeletons.
$(OUT)/%.o: %.c | $(OUT)/buildconf.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CW_CFLAGS) $(CROSS_CFLAGS) $(CFLAGS) -c $< -o $@

$(OUT)/userspace/lib/monitor.o: $(OUT)/cellwatch.skel.h
$(OUT)/userspace/lib/lsmprobe.o: $(OUT)/lsmprobe.skel.h

# The cell's seccomp filters, built by libseccomp once, at build time, into
# ready BPF programs (launcher/seccomp/gen.c).  The generator runs here, so
# it is built for this machine, and writes the programs for the target's
# ABI (SECCOMP_ARCH; this machine's unless cross-building).  It depends on
# libseccomp's header (the .d files), whose version macros change with an
# upgrade: the programs are then made again.
ifdef CROSS
GEN_OBJS	:= $(OUT)/host/launcher/seccomp/gen.o $(OUT)/host/launcher/seccomp/build.o
GEN_LD		:= $(HOST_CC)

$(OUT)/host/%.o: %.c | $(OUT)/buildconf.h
	$(call msg,HOSTCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(HOST_CC) $(CW_CFLAGS) -O2 -c $< -o $@
else
GEN_OBJS	:= $(OUT)/launcher/seccomp/gen.o $(SECCOMP_BUILD_OBJS)
GEN_LD		:= $(CC) $(LDFLAGS)
endif

$(OUT)/seccomp-gen: $(GEN_OBJS)
	$(call msg,LD,$@)
	$(Q)$(GEN_LD) $^ -lseccomp -o $@

$(OUT)/seccomp_filters.h: $(OUT)/seccomp-gen
	$(call msg,GEN,$@)
	$(Q)$(OUT)/seccomp-gen $@ $(SECCOMP_ARCH)

$(OUT)/launcher/seccomp.o: $(OUT)/seccomp_filters.h

# What may include what: the library only itself; the rest the library and,
# by folder name ("daemon/keeper.h"), what they are built with.
$(OUT)/userspace/cli/%.o $(OUT)/launcher/%.o: CW_CFLAGS += -Iuserspace
# Tests find the project's files (rules/, tests/rules/) from its source tree.
$(OUT)/tests/%.o: CW_CFLAGS += -Iuserspace -Ilauncher -DCW_SOURCE_DIR='"$(abspath .)"'

$(OUT)/libcellwatch.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(OUT)/cellwatch: $(OUT)/userspace/cli/cellwatch.o $(TAIL_OBJS) $(DAEMON_OBJS) $(OUT)/libcellwatch.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) $(HTTP_LDLIBS) -o $@

$(OUT)/cellrun: $(LAUNCH_OBJS) $(EGRESS_OBJS) $(OUT)/libcellwatch.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(CELLRUN_LDLIBS) -o $@

$(OUT)/test_runner: $(TEST_OBJS) $(TAIL_OBJS) $(DAEMON_OBJS) $(EGRESS_OBJS) $(OUT)/libcellwatch.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) $(HTTP_LDLIBS) -o $@

# The scorecard's way to start a monitor as the tests do.
$(OUT)/spawn-ready: $(OUT)/tests/tools/spawn_ready.o $(OUT)/tests/ready.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@

BENCH_BINS	:= $(addprefix $(OUT)/bench_,startup overhead tail kill incell events rss payload \
			   workload consumer layers)

# Host-side benchmarks sharing tests/bench/bench.c; tests/ready.c starts their daemons.
BENCH_COMMON	:= $(OUT)/tests/bench/bench.o $(OUT)/tests/ready.o $(OUT)/userspace/daemon/keeper.o
$(addprefix $(OUT)/bench_,startup kill incell events rss workload): $(OUT)/bench_%: \
							  $(OUT)/tests/bench/%.o \
							  $(BENCH_COMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@

# Static: a cell whose root is one directory runs it (tests/bench/run.sh).
$(OUT)/bench_payload: $(OUT)/tests/bench/payload.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -static $^ -o $@

$(OUT)/bench/hooks.bpf.o: tests/bench/hooks.bpf.c $(wildcard bpf/*.h bpf/*.def) $(OUT)/vmlinux.h | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/hooks.skel.h: $(OUT)/bench/hooks.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name hooks_bpf > $@

$(OUT)/tests/bench/overhead.o: $(OUT)/hooks.skel.h

$(OUT)/bench_tail: $(OUT)/tests/bench/tail_latency.o $(BENCH_COMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -ljansson -o $@

$(OUT)/bench_consumer: $(OUT)/tests/bench/consumer.o $(BENCH_COMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -ljansson -lpthread -o $@

# seccomp and Landlock as cellrun applies them, without the rest of a cell.
$(OUT)/bench_layers: $(OUT)/tests/bench/layers.o $(OUT)/launcher/landlock.o \
		     $(OUT)/launcher/seccomp.o $(BENCH_COMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@

$(OUT)/bench_overhead: $(OUT)/tests/bench/overhead.o $(BENCH_COMMON) $(OUT)/libcellwatch.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)tests/bench/run.sh $(OUT)

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/demo/run.sh $(OUT)

# The unit tests alone (UNIT_TEST in tests/): no root, no apt, no BPF; seconds.
check: all
	$(Q)$(OUT)/test_runner --unit

# Both backends: the tracepoint one here, the BPF-LSM one in VMs; and
# cellrun cross-built for arm64 ($(OUT)-arm64), checked in an arm64 VM.
test: deps
	@# The benchmarks are built too: nothing else compiles them, and they rotted once.
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 OUT=$(OUT)-arm64 deps all
	$(Q)tests/run-all.sh $(OUT)

# CI: the README's make test where nothing was installed by hand.
fresh-test:
	$(Q)tests/fresh/run.sh

scorecard: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/hostile/run.py $(OUT)

# The suite in a VM per kernel of VM_KERNELS (5.10, 6.1, 6.12: tests/vm/kernel.sh).
VM_KERNELS	?= 6.1
comma		:= ,
ifdef CROSS
vmtest: deps
	$(Q)$(MAKE) --no-print-directory ARCH=$(ARCH) OUT=$(OUT) all
	$(Q)tests/vm/arm64.sh $(OUT)
else
vmtest: deps
	@# The benchmarks are built too: nothing else compiles them, and they rotted once.
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)for k in $(subst $(comma), ,$(VM_KERNELS)); do \
		echo "== Linux $$k"; VM_KERNEL=$$k tests/vm/run.sh $(OUT) || exit 1; \
	done
endif

# Fuzzing (tests/fuzz/): libFuzzer targets built by clang with ASan and UBSan
# into $(OUT)/fuzz/, from objects of their own that share $(OUT)'s skeletons.
# `make fuzz` runs each for FUZZ_SECONDS on a scratch copy of its seeds and
# fails on a crash, leak or timeout, naming the input it saved.
FUZZ_TARGETS	:= rules event options
FUZZ_SECONDS	?= 60
FUZZ_CFLAGS	:= -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
		   -fno-sanitize-recover=undefined -DCW_LIBFUZZER
FUZZ_OBJS	:= $(patsubst %.c,$(OUT)/fuzz/obj/%.o,$(LIB_SRCS) userspace/daemon/rfc5424.c \
		     launcher/options.c launcher/outdir.c userspace/egress/policy.c \
		     tests/fuzz/fuzz.c tests/fuzz/samples.c)
FUZZ_BINS	:= $(patsubst %,$(OUT)/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(OUT)/fuzz/obj/%.o: %.c | $(OUT)/buildconf.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CW_CFLAGS) -Iuserspace -Ilauncher -DCW_SOURCE_DIR='"$(abspath .)"' \
		$(FUZZ_CFLAGS) -c $< -o $@

$(OUT)/fuzz/obj/userspace/lib/monitor.o: $(OUT)/cellwatch.skel.h
$(OUT)/fuzz/obj/userspace/lib/lsmprobe.o: $(OUT)/lsmprobe.skel.h

$(OUT)/fuzz/libfuzzed.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(FUZZ_BINS): $(OUT)/fuzz/fuzz_%: $(OUT)/fuzz/obj/tests/fuzz/fuzz_%.o $(OUT)/fuzz/libfuzzed.a
	$(call msg,LD,$@)
	$(Q)$(CLANG) -fsanitize=fuzzer,address,undefined $^ $(LDLIBS) -o $@

fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(OUT)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Rewrite the event target's seeds from tests/fuzz/samples.c (after an ABI change).
fuzz-seeds: $(OUT)/tests/fuzz/seed_events.o $(OUT)/tests/fuzz/samples.o
	$(call msg,LD,$(OUT)/fuzz-seed-events)
	$(Q)$(CC) $(LDFLAGS) $^ -o $(OUT)/fuzz-seed-events
	$(Q)$(OUT)/fuzz-seed-events tests/fuzz/corpus/event

# ---- install ----
# Files in sysconfdir may be the operator's: one that exists and differs is
# kept, the new one written beside it as NAME.new (and said).
MANPAGES	:= man/cellrun.1 man/cellwatch-rules.5 man/cellwatch.8
DOCS		:= README.md docs/events.md docs/architecture.md
SUBST		= sed -e 's|@bindir@|$(bindir)|g' -e 's|@sysconfdir@|$(sysconfdir)|g' \
		      -e 's|@docdir@|$(docdir)|g'
INSTALL		?= install

# $(call install_conf,SRC,DEST)
define install_conf
	$(Q)$(SUBST) $(1) >$(DESTDIR)$(2).tmp && chmod 0644 $(DESTDIR)$(2).tmp
	$(Q)if [ -e $(DESTDIR)$(2) ] && ! cmp -s $(DESTDIR)$(2).tmp $(DESTDIR)$(2); then \
		mv $(DESTDIR)$(2).tmp $(DESTDIR)$(2).new; \
		echo "install: $(2) differs from this version's: kept; the new one is $(2).new"; \
	else \
		mv $(DESTDIR)$(2).tmp $(DESTDIR)$(2); \
	fi

endef

install: all
	$(call msg,INSTALL,$(DESTDIR)$(prefix) $(DESTDIR)$(sysconfdir))
	$(Q)$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(sysconfdir)/cellwatch \
		$(DESTDIR)$(sysconfdir)/logrotate.d $(DESTDIR)$(unitdir) $(DESTDIR)$(bashcompdir) \
		$(DESTDIR)$(docdir) $(addprefix $(DESTDIR)$(mandir)/man,1 5 8)
	$(Q)$(INSTALL) -d -m 0750 $(DESTDIR)$(localstatedir)/log/cellwatch
	$(Q)$(INSTALL) -m 0755 $(OUT)/cellwatch $(OUT)/cellrun $(DESTDIR)$(bindir)/
	$(foreach f,$(wildcard rules/*.json),$(call install_conf,$(f),$(sysconfdir)/cellwatch/$(notdir $(f))))
	$(call install_conf,deploy/config/cellwatch.conf,$(sysconfdir)/cellwatch/cellwatch.conf)
	$(call install_conf,deploy/logrotate/cellwatch,$(sysconfdir)/logrotate.d/cellwatch)
	$(Q)$(SUBST) deploy/systemd/cellwatch.service.in >$(DESTDIR)$(unitdir)/cellwatch.service
	$(Q)chmod 0644 $(DESTDIR)$(unitdir)/cellwatch.service
	$(Q)for m in $(MANPAGES); do \
		$(INSTALL) -m 0644 $$m $(DESTDIR)$(mandir)/man$${m##*.}/; \
	done
	$(Q)$(INSTALL) -m 0644 deploy/bash-completion/cellwatch $(DESTDIR)$(bashcompdir)/cellwatch
	$(Q)ln -sf cellwatch $(DESTDIR)$(bashcompdir)/cellrun
	$(Q)$(INSTALL) -m 0644 $(DOCS) $(DESTDIR)$(docdir)/
	$(Q)$(INSTALL) -m 0644 rules/README.md $(DESTDIR)$(docdir)/rules.md

# What install wrote, but sysconfdir: the operator's files stay.
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(prefix))
	$(Q)rm -f $(addprefix $(DESTDIR)$(bindir)/,cellwatch cellrun) \
		$(DESTDIR)$(unitdir)/cellwatch.service \
		$(addprefix $(DESTDIR)$(bashcompdir)/,cellwatch cellrun) \
		$(foreach m,$(MANPAGES),$(DESTDIR)$(mandir)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	$(Q)rm -rf $(DESTDIR)$(docdir)
	$(Q)echo "uninstall: $(DESTDIR)$(sysconfdir)/cellwatch and its logrotate file are kept"

# A Debian package of this build: make install into a staging root with
# Debian's paths, then dpkg-deb (deploy/debian/build.sh).
deb: all
	$(Q)deploy/debian/build.sh $(OUT) $(CW_VERSION)

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT)

-include $(shell find $(OUT) -name '*.d' -type f -not -path '$(OUT)/deb/*' 2>/dev/null)
