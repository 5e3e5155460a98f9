# rowstat: top-level build.
#
#   make            every userspace part (rules library, model core, libaccel,
#                   firmware, tests, benchmarks)
#   make check      every test: symbols, unit tests, accelctl, an application
#                   built from the installed library, the same unit tests
#                   under ASan+UBSan, qtest, the driver's static checks, the
#                   VM bench
#   make install    librowstat.so, headers, rowstat.pc, accelctl, its man
#                   page (PREFIX=/usr/local, DESTDIR)
#   make driver     rowstat.ko for 6.1 and 6.12 (build/kmod/<release>/)
#   make bench      the AlexNet benchmark (not a test)
#   make bench-mapper  the mapping search against the exhaustive optimum
#   make bench-compile  compile time of four networks' conv and FC layers
#   make deps       install the Debian packages the build needs (root)
#   V=1             show the commands, not one line per file
#
# The kernel module builds with `make -C $KDIR M=$PWD`, which reads Kbuild;
# `make driver` builds it for every kernel the VM bench boots.

BUILD ?= build
CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT ?= -O3
CFLAGS_COMMON := -std=gnu11 -g $(WARN) -D_GNU_SOURCE
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

# One line per file, kernel-style; V=1 prints the commands instead.
ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @printf '  %-7s %s\n'
MAKEFLAGS += --no-print-directory
endif

# What each component may include: a layering mistake fails the build.
#   uapi/     what user space sees            everyone
#   hwif/     what driver and device share    device, driver, firmware tool, tests
#   hwrules/  the hardware rules library      everyone but the kernel's C
# libaccel's sim backend is a device in-process: it also sees hwif/ and the
# model core.
UAPI_INC := -Iuapi
HWRULES_INC := $(UAPI_INC) -Ihwif -Ihwrules/include
MODEL_INC := $(UAPI_INC) -Ihwrules/include -Iqemu-device/model/include
DRM_CFLAGS := $(shell pkg-config --cflags libdrm libpci libnl-genl-3.0 2>/dev/null)
# What a program linking libaccel needs besides it.
ACCEL_LIBS := $(shell pkg-config --libs libdrm libpci libnl-genl-3.0 2>/dev/null) -lpthread -lm
# Static programs never list devices nor listen to devlink (libpci has no
# static library).
ACCEL_STATIC_LIBS := $(shell pkg-config --libs libdrm 2>/dev/null) -lpthread -lm
ACCEL_INC := $(UAPI_INC) $(DRM_CFLAGS) -Ihwrules/include -Ilibaccel/include
ACCEL_SIM_INC := $(ACCEL_INC) -Ihwif -Iqemu-device/model/include
FW_INC := $(UAPI_INC) -Ihwif -Ihwrules/include -Ifirmware
TEST_INC := $(DRM_CFLAGS) $(UAPI_INC) -Ihwif -Ihwrules/include -Iqemu-device/model/include \
	    -Ilibaccel/include -Ifirmware -Itests/support -Itests/qtest

# The rules library and the model list their sources once, for this file
# and for QEMU's meson (qemu-device/meson.build).
HWRULES_SRCS := $(addprefix hwrules/,$(shell cat hwrules/sources.list))
MODEL_SRCS := $(addprefix qemu-device/model/,$(shell cat qemu-device/model/sources.list))
$(foreach d,hwrules qemu-device/model,$(if $(filter-out $(HWRULES_SRCS) $(MODEL_SRCS),\
	$(wildcard $(d)/*.c)),$(error $(d)/sources.list misses \
	$(filter-out $(HWRULES_SRCS) $(MODEL_SRCS),$(wildcard $(d)/*.c)))))
ACCEL_SRCS := $(wildcard libaccel/src/*.c)
SUPPORT_SRCS := $(wildcard tests/support/*.c) firmware/fwconf.c
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
BENCH_SRCS := tests/bench/alexnet.c

# Libraries export only their API (the *_API macros): internals are hidden.
LIB_CFLAGS := -fvisibility=hidden

# One build tree per flavour: plain, and sanitized for `make check`.
define flavour
$(1)_DIR := $(BUILD)/$(1)
$(1)_CFLAGS := $(CFLAGS_COMMON) $(2)
$(1)_LDFLAGS := $(3)
$(1)_HWRULES_OBJS := $$(HWRULES_SRCS:%.c=$$($(1)_DIR)/%.o)
$(1)_MODEL_OBJS := $$(MODEL_SRCS:%.c=$$($(1)_DIR)/%.o)
$(1)_ACCEL_OBJS := $$(ACCEL_SRCS:%.c=$$($(1)_DIR)/%.o)
$(1)_SUPPORT_OBJS := $$(SUPPORT_SRCS:%.c=$$($(1)_DIR)/%.o)
$(1)_LIBS := $$($(1)_DIR)/libaccel.a $$($(1)_DIR)/libmodel.a $$($(1)_DIR)/libhwrules.a
$(1)_UNIT_BINS := $$(UNIT_SRCS:tests/unit/%.c=$$($(1)_DIR)/tests/%)

$$($(1)_DIR)/hwrules/%.o: INC = $$(HWRULES_INC) $$(LIB_CFLAGS)
$$($(1)_DIR)/qemu-device/model/%.o: INC = $$(MODEL_INC) $$(LIB_CFLAGS)
$$($(1)_DIR)/libaccel/src/%.o: INC = $$(ACCEL_INC) $$(LIB_CFLAGS)
$$($(1)_DIR)/libaccel/src/backend_sim.o: INC = $$(ACCEL_SIM_INC) $$(LIB_CFLAGS)
$$($(1)_DIR)/firmware/%.o: INC = $$(FW_INC)
$$($(1)_DIR)/tests/%.o: INC = $$(TEST_INC) $$(CHECK_CFLAGS)

$$($(1)_DIR)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(say) CC $$@
	$$(Q)$$(CC) $$($(1)_CFLAGS) $$(INC) -MMD -MP -c $$< -o $$@

$$($(1)_DIR)/libhwrules.a: $$($(1)_HWRULES_OBJS)
	$$(say) AR $$@
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^

$$($(1)_DIR)/libmodel.a: $$($(1)_MODEL_OBJS)
	$$(say) AR $$@
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^

$$($(1)_DIR)/libaccel.a: $$($(1)_ACCEL_OBJS)
	$$(say) AR $$@
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^

$$($(1)_DIR)/tests/%: $$($(1)_DIR)/tests/unit/%.o $$($(1)_SUPPORT_OBJS) $$($(1)_LIBS)
	$$(say) LD $$@
	$$(Q)$$(CC) $$($(1)_CFLAGS) $$^ -o $$@ $$($(1)_LDFLAGS) $$(UNIT_LDFLAGS) $$(CHECK_LIBS) \
		$$(ACCEL_LIBS)
# The library's allocations go through the test's own, which fail on demand.
$$($(1)_DIR)/tests/test_alloc_failures: UNIT_LDFLAGS := \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

-include $$(shell find $$($(1)_DIR) -name '*.d' 2>/dev/null)
endef

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(eval $(call flavour,plain,$(OPT)))
$(eval $(call flavour,san,-O1 $(SAN),$(SAN)))
# Position-independent objects for the shared library.
$(eval $(call flavour,pic,$(OPT) -fPIC))

BENCH_BIN := $(BUILD)/plain/bench/alexnet
MAPPER_BENCH := $(BUILD)/plain/bench/mapper
COMPILE_BENCH := $(BUILD)/plain/bench/compile
QTEST_SRCS := $(wildcard tests/qtest/test_*.c)
QBENCH_BIN := $(BUILD)/plain/qtest/bench_device
QTEST_LIB := tests/qtest/qtest_client.c tests/qtest/rowstat_dev.c
QTEST_BINS := $(QTEST_SRCS:tests/qtest/%.c=$(BUILD)/plain/qtest/%)

$(BUILD)/plain/qtest/%: $(plain_DIR)/tests/qtest/%.o $(QTEST_LIB:%.c=$(plain_DIR)/%.o) \
		$(plain_SUPPORT_OBJS) $(plain_LIBS)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(plain_CFLAGS) $^ -o $@ $(CHECK_LIBS) $(ACCEL_LIBS)

# The guest side of the VM bench, one program per ioctl family or concern:
# static, so the initramfs needs no libc.
VM_GUEST := $(patsubst tests/vm/guest/rowstat_%.c,$(BUILD)/vm/rowstat-%, \
	$(wildcard tests/vm/guest/rowstat_*.c)) $(BUILD)/vm/rowstat-runtime $(BUILD)/vm/accelctl

$(BUILD)/vm/rowstat-%: $(plain_DIR)/tests/vm/guest/rowstat_%.o \
		$(plain_DIR)/tests/vm/guest/drm_test.o $(plain_SUPPORT_OBJS) $(plain_LIBS)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(plain_CFLAGS) -static $^ -o $@ $(ACCEL_STATIC_LIBS)

# accelctl in the guest: the README's demo through the whole stack.
$(BUILD)/vm/accelctl: $(BUILD)/plain/bin/accelctl
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# libaccel's own suite, run on the kernel backend in the guest.
$(BUILD)/vm/rowstat-runtime: $(plain_DIR)/tests/unit/test_runtime.o $(plain_SUPPORT_OBJS) \
		$(plain_LIBS)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(plain_CFLAGS) $^ -o $@ $(CHECK_LIBS) $(ACCEL_LIBS)

# accelctl: the public API only.
ACCELCTL := $(BUILD)/plain/bin/accelctl
$(plain_DIR)/tools/%.o: INC = $(ACCEL_INC)
$(ACCELCTL): $(plain_DIR)/tools/accelctl/accelctl.o $(plain_LIBS)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(plain_CFLAGS) $^ -o $@ $(ACCEL_LIBS)

FW_TOOL := $(BUILD)/plain/firmware/rsfw
FW_IMAGE := $(BUILD)/firmware/rowstat.fw

$(FW_TOOL): $(plain_DIR)/firmware/rsfw.o $(plain_DIR)/firmware/fwconf.o \
		$(plain_DIR)/libhwrules.a
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(plain_CFLAGS) $^ -o $@

$(FW_IMAGE): firmware/rowstat-fw.conf $(FW_TOOL)
	@mkdir -p $(dir $@)
	$(say) RSFW $@
	$(Q)$(FW_TOOL) build $< $@ >/dev/null

$(BENCH_BIN): $(BENCH_SRCS:%.c=$(plain_DIR)/%.o) $(plain_SUPPORT_OBJS) $(plain_LIBS)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(plain_CFLAGS) $^ -o $@ $(ACCEL_LIBS)

$(MAPPER_BENCH): $(plain_DIR)/tests/bench/mapper.o $(plain_SUPPORT_OBJS) $(plain_LIBS)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(plain_CFLAGS) $^ -o $@ $(ACCEL_LIBS)

$(COMPILE_BENCH): $(plain_DIR)/tests/bench/compile.o $(plain_SUPPORT_OBJS) $(plain_LIBS)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(plain_CFLAGS) $^ -o $@ $(ACCEL_LIBS)

.PHONY: shlib install check-install all check check-symbols check-plain check-san check-qtest check-vm qemu bench \
	bench-device bench-mapper bench-compile deps clean firmware driver check-driver bench-driver
.DEFAULT_GOAL := all
# Objects are built through pattern rules; keep them between runs.
.SECONDARY:

all: $(plain_UNIT_BINS) $(BENCH_BIN) $(MAPPER_BENCH) $(FW_IMAGE) $(QTEST_BINS) $(QBENCH_BIN) $(VM_GUEST) \
	$(ACCELCTL)

# Every library exports only names with its prefix, and hides its internals.
check-symbols: $(plain_LIBS)
	@scripts/check-symbols.sh $(plain_DIR)/libhwrules.a rs_hw_ hwrules/include \
		$(plain_DIR)/libmodel.a rs_model_ qemu-device/model/include \
		$(plain_DIR)/libaccel.a accel_ libaccel/include

# Each suite prints Check's summary; a failure stops the run.
# The runtime's sim backend boots the firmware image, as the device does.
check-plain: $(plain_UNIT_BINS) $(FW_IMAGE) $(ACCELCTL) $(COMPILE_BENCH) $(MAPPER_BENCH)
	@for t in $(plain_UNIT_BINS); do echo "== $$t"; \
		ROWSTAT_FIRMWARE=$(FW_IMAGE) $$t || exit 1; done
	@echo "== tests/tools/test_accelctl.sh"
	@ROWSTAT_FIRMWARE=$(FW_IMAGE) tests/tools/test_accelctl.sh $(ACCELCTL)
	@echo "== tests/tools/test_benches.sh"
	@ROWSTAT_FIRMWARE=$(FW_IMAGE) tests/tools/test_benches.sh $(COMPILE_BENCH) $(MAPPER_BENCH)

check-san: $(san_UNIT_BINS) $(FW_IMAGE)
	@for t in $(san_UNIT_BINS); do echo "== $$t (ASan+UBSan)"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		RS_TEST_QUICK=1 ROWSTAT_FIRMWARE=$(FW_IMAGE) $$t || exit 1; done

# QEMU 7.2 with the device, built once and cached outside the tree.
# QEMU_SERIES=10.0 builds (and tests on) bookworm-backports' QEMU instead.
QEMU_SERIES ?= 7.2
export ROWSTAT_QEMU_SERIES := $(QEMU_SERIES)
qemu:
	scripts/build-qemu.sh

# Sets $qemu in a recipe to the built binary (the script's last line);
# a failed build stops the recipe instead of running tests without QEMU.
find_qemu = qemu=$$(scripts/build-qemu.sh) && qemu=$$(printf '%s\n' "$$qemu" | tail -n 1)

# Device tests through qtest: the built QEMU, no guest.
check-qtest: $(QTEST_BINS)
	@$(find_qemu) && \
	for t in $^; do echo "== $$t"; ROWSTAT_QEMU=$$qemu $$t || exit 1; done

# Guest tests on Debian's 6.1 and 6.12 kernels under TCG, then the check
# that a hung device ends the run.  KERNELS=6.1 to run one.
KERNELS ?= 6.1 6.12
check-vm: $(VM_GUEST) $(FW_IMAGE)
	@scripts/build-driver.sh $(KERNELS) >/dev/null
	@for k in $(KERNELS); do tests/vm/run-vm.sh --kernel $$k || exit 1; \
		tests/vm/run-vm.sh --kernel $$k --device rowstat,fault-hang-job=3 \
			hang dmesg-clean || exit 1; \
		tests/vm/run-vm.sh --kernel $$k --device rowstat,fault-hang-job=3 \
			hang-rings dmesg-clean || exit 1; \
		tests/vm/run-vm.sh --kernel $$k --device rowstat,fault-hang-job=3 \
			hang-contexts dmesg-clean || exit 1; \
		tests/vm/run-vm.sh --kernel $$k --device rowstat,fault-hang-job=3 \
			runtime-hang dmesg-clean || exit 1; \
		tests/vm/run-vm.sh --kernel $$k --device rowstat,fault-fw-crash-job=2 \
			fwcrash dmesg-clean || exit 1; \
		tests/vm/run-vm.sh --kernel $$k --device rowstat,fault-fw-crash-job=2 \
			runtime-fwcrash dmesg-clean || exit 1; done
	@tests/vm/selftest-arguments.sh
	@tests/vm/selftest-watchdog.sh

# One group after the other, so each suite's output stays together.
check:
	$(Q)$(MAKE) check-symbols
	$(Q)$(MAKE) check-plain
	$(Q)$(MAKE) check-install
	$(Q)$(MAKE) check-san
	$(Q)$(MAKE) check-qtest
	$(Q)$(MAKE) check-driver
	$(Q)$(MAKE) check-vm

firmware: $(FW_IMAGE)

# The driver's figures in the VM (not a test): no-op job latency against an
# ioctl round trip, jobs per second from 1, 2 and 4 processes.
bench-driver: $(VM_GUEST) $(FW_IMAGE)
	@scripts/build-driver.sh $(KERNELS) >/dev/null
	@for k in $(KERNELS); do \
		ROWSTAT_VM_LOG=$(BUILD)/bench-driver-$$k.log tests/vm/run-vm.sh --kernel $$k bench \
			>/dev/null || exit 1; \
		echo "== $$k"; grep '^bench:' $(BUILD)/bench-driver-$$k.log; done

# rowstat.ko for every kernel the VM bench boots, with W=1 (no warnings).
driver:
	@scripts/build-driver.sh $(KERNELS)

# The driver's static checks: W=1 and sparse on every kernel, checkpatch.
check-driver:
	@scripts/build-driver.sh --check $(KERNELS)
	@scripts/checkpatch.sh

bench: $(BENCH_BIN)
	$(BENCH_BIN)

# The mapping search against the exhaustive optimum, per layer (figures).
bench-mapper: $(MAPPER_BENCH)
	$(MAPPER_BENCH)

# Compile time of every conv and FC layer of four networks (figures).
bench-compile: $(COMPILE_BENCH)
	$(COMPILE_BENCH)

# The device's cost against the model in-process (needs the built QEMU).
bench-device: $(QBENCH_BIN)
	@$(find_qemu) && CK_FORK=no ROWSTAT_QEMU=$$qemu $(QBENCH_BIN)

deps:
	scripts/install-deps.sh

clean:
	rm -rf $(BUILD)

# ---- Packaging --------------------------------------------------------------
# librowstat.so.1: libaccel with the model core (its sim backend) and the
# rules library, exporting accel_* and rs_hw_* only; its headers, a
# pkg-config file, accelctl and its man page.  PREFIX and DESTDIR as usual.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
ROWSTAT_VERSION := 1.0.0
SHLIB := $(BUILD)/pic/librowstat.so.$(ROWSTAT_VERSION)
PUBLIC_HEADERS := $(wildcard libaccel/include/rowstat/*.h)
# What the public headers include, installed beside them.
PUBLIC_DEPS := hwrules/include/rs_hw.h uapi/rowstat_cmd.h uapi/rowstat_common.h

$(SHLIB): $(pic_ACCEL_OBJS) $(pic_MODEL_OBJS) $(pic_HWRULES_OBJS) libaccel/rowstat.map
	$(say) LD $@
	$(Q)$(CC) -shared -Wl,-soname,librowstat.so.1 -Wl,--version-script=libaccel/rowstat.map \
		-Wl,-z,defs $(filter %.o,$^) -o $@ $(ACCEL_LIBS)

# Directories under PREFIX are written relative to ${prefix}.
pc_dir = $(patsubst $(PREFIX)%,$${prefix}%,$(1))

shlib: $(SHLIB)

install: $(SHLIB) $(ACCELCTL)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/rowstat/rowstat \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf librowstat.so.$(ROWSTAT_VERSION) $(DESTDIR)$(LIBDIR)/librowstat.so.1
	ln -sf librowstat.so.1 $(DESTDIR)$(LIBDIR)/librowstat.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc_dir,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|' \
		-e 's|@VERSION@|$(ROWSTAT_VERSION)|' libaccel/rowstat.pc.in \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/rowstat.pc
	install -m 0644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/rowstat/rowstat/
	install -m 0644 $(PUBLIC_DEPS) $(DESTDIR)$(INCLUDEDIR)/rowstat/
	install -m 0755 $(ACCELCTL) $(DESTDIR)$(BINDIR)/
	install -m 0644 docs/accelctl.1 $(DESTDIR)$(MANDIR)/man1/

# An application outside the tree builds with pkg-config alone.
check-install: $(FW_IMAGE)
	@tests/tools/test_install.sh
