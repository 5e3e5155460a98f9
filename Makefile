# rowstat: top-level build.
#
#   make            every userspace part (model core, libaccel, tests, bench)
#   make check      every test: unit tests, then the same under ASan+UBSan
#   make bench      the AlexNet benchmark (not a test)
#   make deps       install the Debian packages the build needs (root)
#
# The kernel module builds with `make -C $KDIR M=$PWD`, which reads Kbuild.

BUILD ?= build
CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT ?= -O3
CFLAGS_COMMON := -std=gnu11 -g $(WARN) -Ilibaccel/include -I. -D_GNU_SOURCE
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

MODEL_SRCS := $(wildcard qemu-device/model/*.c)
ACCEL_SRCS := $(wildcard libaccel/src/*.c)
SUPPORT_SRCS := $(wildcard tests/support/*.c) firmware/fwconf.c
UNIT_SRCS := $(wildcard tests/unit/*.c)
BENCH_SRCS := $(wildcard tests/bench/*.c)

# One build tree per flavour: plain, and sanitized for `make check`.
define flavour
$(1)_DIR := $(BUILD)/$(1)
$(1)_CFLAGS := $(CFLAGS_COMMON) $(2)
$(1)_LDFLAGS := $(3)
$(1)_MODEL_OBJS := $$(MODEL_SRCS:%.c=$$($(1)_DIR)/%.o)
$(1)_ACCEL_OBJS := $$(ACCEL_SRCS:%.c=$$($(1)_DIR)/%.o)
$(1)_SUPPORT_OBJS := $$(SUPPORT_SRCS:%.c=$$($(1)_DIR)/%.o)
$(1)_UNIT_BINS := $$(UNIT_SRCS:tests/unit/%.c=$$($(1)_DIR)/tests/%)

$$($(1)_DIR)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$($(1)_CFLAGS) $$(CHECK_CFLAGS) -MMD -MP -c $$< -o $$@

$$($(1)_DIR)/libmodel.a: $$($(1)_MODEL_OBJS)
	$$(AR) rcs $$@ $$^

$$($(1)_DIR)/libaccel.a: $$($(1)_ACCEL_OBJS)
	$$(AR) rcs $$@ $$^

$$($(1)_DIR)/tests/%: $$($(1)_DIR)/tests/unit/%.o $$($(1)_SUPPORT_OBJS) \
		$$($(1)_DIR)/libaccel.a $$($(1)_DIR)/libmodel.a
	$$(CC) $$($(1)_CFLAGS) $$^ -o $$@ $$($(1)_LDFLAGS) $$(CHECK_LIBS) -lm

-include $$(shell find $$($(1)_DIR) -name '*.d' 2>/dev/null)
endef

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(eval $(call flavour,plain,$(OPT)))
$(eval $(call flavour,san,-O1 $(SAN),$(SAN)))

BENCH_BIN := $(BUILD)/plain/bench/alexnet
QTEST_SRCS := $(wildcard tests/qtest/test_*.c)
QBENCH_BIN := $(BUILD)/plain/qtest/bench_device
QTEST_LIB := tests/qtest/qtest_client.c tests/qtest/rowstat_dev.c
QTEST_BINS := $(QTEST_SRCS:tests/qtest/%.c=$(BUILD)/plain/qtest/%)

$(BUILD)/plain/qtest/%: $(plain_DIR)/tests/qtest/%.o $(QTEST_LIB:%.c=$(plain_DIR)/%.o) \
		$(plain_SUPPORT_OBJS) $(plain_DIR)/libaccel.a $(plain_DIR)/libmodel.a
	@mkdir -p $(dir $@)
	$(CC) $(plain_CFLAGS) $^ -o $@ $(CHECK_LIBS) -lm

# The guest side of the VM bench: static, so the initramfs needs no libc.
VM_GUEST := $(BUILD)/vm/rowstat-guest

$(VM_GUEST): $(plain_DIR)/tests/vm/guest/rowstat_guest.o $(plain_SUPPORT_OBJS) \
		$(plain_DIR)/libaccel.a $(plain_DIR)/libmodel.a
	@mkdir -p $(dir $@)
	$(CC) $(plain_CFLAGS) -static $^ -o $@ -lm

FW_TOOL := $(BUILD)/plain/firmware/rsfw
FW_IMAGE := $(BUILD)/firmware/rowstat.fw

$(FW_TOOL): $(plain_DIR)/firmware/rsfw.o $(plain_DIR)/firmware/fwconf.o \
		$(plain_DIR)/libmodel.a
	@mkdir -p $(dir $@)
	$(CC) $(plain_CFLAGS) $^ -o $@

$(FW_IMAGE): firmware/rowstat-fw.conf $(FW_TOOL)
	@mkdir -p $(dir $@)
	$(FW_TOOL) build $< $@

$(BENCH_BIN): $(BENCH_SRCS:%.c=$(plain_DIR)/%.o) $(plain_SUPPORT_OBJS) \
		$(plain_DIR)/libaccel.a $(plain_DIR)/libmodel.a
	@mkdir -p $(dir $@)
	$(CC) $(plain_CFLAGS) $^ -o $@ -lm

.PHONY: all check check-plain check-san check-qtest check-vm qemu bench bench-device deps clean firmware
.DEFAULT_GOAL := all
# Objects are built through pattern rules; keep them between runs.
.SECONDARY:

all: $(plain_UNIT_BINS) $(BENCH_BIN) $(FW_IMAGE) $(QTEST_BINS) $(QBENCH_BIN) $(VM_GUEST)

# Each suite prints Check's summary; a failure stops the run.
check-plain: $(plain_UNIT_BINS)
	@for t in $^; do echo "== $$t"; $$t || exit 1; done

check-san: $(san_UNIT_BINS)
	@for t in $^; do echo "== $$t (ASan+UBSan)"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		RS_TEST_QUICK=1 $$t || exit 1; done

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
	@for k in $(KERNELS); do tests/vm/run-vm.sh --kernel $$k || exit 1; done
	@tests/vm/selftest-arguments.sh
	@tests/vm/selftest-watchdog.sh

# One group after the other, so each suite's output stays together.
check:
	$(MAKE) --no-print-directory check-plain
	$(MAKE) --no-print-directory check-san
	$(MAKE) --no-print-directory check-qtest
	$(MAKE) --no-print-directory check-vm

firmware: $(FW_IMAGE)

bench: $(BENCH_BIN)
	$(BENCH_BIN)

# The device's cost against the model in-process (needs the built QEMU).
bench-device: $(QBENCH_BIN)
	@$(find_qemu) && CK_FORK=no ROWSTAT_QEMU=$$qemu $(QBENCH_BIN)

deps:
	scripts/install-deps.sh

clean:
	rm -rf $(BUILD)
