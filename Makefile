# Thin wrappers over scripts/bootstrap, CMake presets and CTest.
#   make run          build a release binary and serve on :8080 with sqlite in ./data
#   make test         build and run the whole suite: dev (g++), ThreadSanitizer (clang), fuzzers
#   make bench-ingest the ingest benchmark; appends to bench/RESULTS.md
#   make bench-e2e    the end-to-end benchmark (POST to reply recorded); appends to bench/RESULTS.md
#   make bench-aws    gateway CPU per accepted message on the aws backend (emulators); appends to bench/RESULTS.md
SHELL := /bin/bash
JOBS ?= $(shell nproc)
WAGATE_RELEASE := build/release/src/wagate/cli/wagate

.PHONY: bootstrap emulators browser-test-deps build release run test test-dev test-tsan test-fuzz test-asan bench-ingest bench-e2e bench-aws fmt clean

bootstrap:
	@bash scripts/bootstrap

# The AWS emulators the tests start (tests/emulators: dynalite, fauxqs), installed from their
# lockfile; again only when the lockfile is newer than the installed tree's copy of it.
EMULATORS_INSTALLED := tests/emulators/node_modules/.package-lock.json
emulators: $(EMULATORS_INSTALLED)

$(EMULATORS_INSTALLED): tests/emulators/package-lock.json
	npm ci --no-audit --no-fund --prefix tests/emulators
	touch $@

# playwright-core for the dashboard's browser test (tests/browser), from its lockfile; it drives
# Debian's chromium (scripts/bootstrap installs it).
BROWSER_TEST_INSTALLED := tests/browser/node_modules/.package-lock.json
browser-test-deps: $(BROWSER_TEST_INSTALLED)

$(BROWSER_TEST_INSTALLED): tests/browser/package-lock.json
	npm ci --no-audit --no-fund --prefix tests/browser
	touch $@

build: bootstrap
	cmake --preset dev >/dev/null
	cmake --build build/dev -j $(JOBS)

release: bootstrap
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS) --target wagate

run: release
	mkdir -p data
	WAGATE_DATA_DIR=$${WAGATE_DATA_DIR:-./data} $(WAGATE_RELEASE) serve

test: bootstrap
	$(MAKE) test-dev test-tsan test-fuzz

test-dev: emulators browser-test-deps
	cmake --preset dev >/dev/null
	cmake --build build/dev -j $(JOBS)
	cd build/dev && ctest --output-on-failure -j $(JOBS) --timeout 300

# The concurrent suites (store contract, group commit, logging from many threads, the load
# generator, concurrent POSTs against the real binary) under ThreadSanitizer: the tests labelled
# "tsan". Any report fails the run, including one from the service's own process.
test-tsan: emulators
	cmake --preset tsan >/dev/null
	cmake --build build/tsan -j $(JOBS) --target wagate wagate_backend_sqlite_test wagate_integration_test wagate_aws_integration_test wagate_base_test wagate_loadtest_test wagate_processing_test wagate_net_test wagate_admin_test
	cmake --build build/tsan -j $(JOBS) --target wagate_race_test
	cmake --build build/tsan -j $(JOBS) --target wagate_aws_emulators_test wagate_aws_auth_test wagate_backend_aws_test
	cmake --build build/tsan -j $(JOBS) --target wagate_metrics_test wagate_http_alerts_test
	cd build/tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --output-on-failure -j $(JOBS) --timeout 600 -L tsan

# libFuzzer targets replayed over their seed corpora.
test-fuzz:
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS) --target webhook_payload_fuzzer signature_header_fuzzer sigv4_canonical_fuzzer forwarded_for_fuzzer
	cd build/fuzz && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan:
	cmake --preset asan-ubsan >/dev/null
	cmake --build build/asan-ubsan -j $(JOBS)
	cd build/asan-ubsan && ctest --output-on-failure -j $(JOBS) --timeout 600

bench-ingest: release
	bash bench/ingest.sh

bench-e2e: release
	bash bench/e2e.sh

bench-aws: release emulators
	bash bench/aws.sh

fmt:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
