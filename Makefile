# Thin wrapper around CMake. The two commands a new user needs:
#   make run    install deps, build, run the default sweep (JSON + charts in cfbench-out/)
#   make test   install deps, build, run the whole test suite with CTest
# Sanitizer builds (what CI also runs): make test-asan, make test-tsan
#   make install   build, then install under PREFIX (default /usr/local; DESTDIR
#                  honoured): libcfutures, headers, pkg-config + CMake package,
#                  cfbench, its data files, man page, completion (docs/install.md)
#   make uninstall remove what the last install put in (BUILD/install_manifest.txt)
BUILD    ?= build
TYPE     ?= RelWithDebInfo
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
CTEST_ARGS ?=
# The default sweep also runs every case under the emulated GIL (impl c+gil).
RUN_ARGS ?= --gil
PREFIX   ?= /usr/local
DESTDIR  ?=

.PHONY: all deps configure build test run bench test-asan test-tsan format-check clean install uninstall

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(TYPE) $(CMAKE_ARGS)

configure: $(BUILD)/CMakeCache.txt

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

# --test: also chromium, for the report's browser test (tests/report/)
test: build
	@scripts/deps.sh --test
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The sweep prints its results path on stdout; the charts and report.html go
# to plots/ beside it, and `cfbench plot` prints where the report is.
run: build
	@res=$$($(BUILD)/cfbench run $(RUN_ARGS)); rc=$$?; res=$$(printf '%s\n' "$$res" | tail -n 1); \
	if [ -f "$$res" ]; then echo "results: $$res"; $(BUILD)/cfbench plot "$$res" || exit $$?; fi; \
	exit $$rc

# The prefix is also given at configure time, so the library directory
# follows it (GNUInstallDirs); the installed tree is relocatable anyway.
install: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(TYPE) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# The manifest lists the files of the last install (with its DESTDIR).
uninstall:
	@test -f $(BUILD)/install_manifest.txt || { echo "make uninstall: no $(BUILD)/install_manifest.txt (nothing installed from $(BUILD))" >&2; exit 2; }
	xargs -d '\n' rm -f -- < $(BUILD)/install_manifest.txt
	@echo "removed $$(wc -l < $(BUILD)/install_manifest.txt) files listed in $(BUILD)/install_manifest.txt"

bench: build
	$(BUILD)/bench/core_bench

test-asan:
	$(MAKE) test BUILD=build-asan CMAKE_ARGS="-DCFB_SANITIZE=address,undefined $(CMAKE_ARGS)"

test-tsan:
	$(MAKE) test BUILD=build-tsan CMAKE_ARGS="-DCFB_SANITIZE=thread $(CMAKE_ARGS)"

format-check:
	@scripts/format-check.sh

clean:
	rm -rf build build-asan build-tsan

# Fuzzing (docs/fuzzing.md): build the libFuzzer targets with clang in
# build-fuzz and run each for FUZZ_SECONDS (default 60) on its seed corpus;
# a crash or broken invariant fails and prints the reproducer. fuzz-merge
# adds what runs found (new coverage only) to the seed corpora in fuzz/corpus/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
.PHONY: fuzz fuzz-merge clean-fuzz
fuzz: deps
	@scripts/deps.sh clang libclang-rt-dev
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(JOBS) scripts/fuzz.sh run $(FUZZ_TARGETS)

fuzz-merge: deps
	@scripts/deps.sh clang libclang-rt-dev
	FUZZ_JOBS=$(JOBS) scripts/fuzz.sh merge $(FUZZ_TARGETS)

clean: clean-fuzz
clean-fuzz:
	rm -rf build-fuzz
