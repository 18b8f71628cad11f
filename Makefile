# The two commands of the README: `make demo` (the main job) and `make test`.
PREFIX ?= /usr/local
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: deps demo test build release install uninstall bench crash-test concurrency-test sync-test clean

deps:
	scripts/install-deps

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

## The main job: build, make a fresh workspace from the embedded Copenhagen template, play a review
## round, assemble the draft policy into out/ and print where it is and the status table.
demo: build
	scripts/demo

test:
	scripts/install-deps --test
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

## The Swift runtime and Foundation linked into the binary: the dynamic linker then no longer resolves some
## 17,000 symbols across twenty libraries at every start (≈ 10 ms a command; the binary grows 37 → 97 MB).
RELEASE_FLAGS ?= -c release --static-swift-stdlib

release: deps
	$(SWIFT) build $(RELEASE_FLAGS) $(BUILD_FLAGS)

## Installs the binary and the template it finds without flags: PREFIX/bin, PREFIX/share/policyflow.
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/policyflow
	install -m 755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/policyflow" $(DESTDIR)$(PREFIX)/bin/policyflow
	rm -rf $(DESTDIR)$(PREFIX)/share/policyflow/repo-template $(DESTDIR)$(PREFIX)/share/policyflow/workflows
	cp -R repo-template workflows $(DESTDIR)$(PREFIX)/share/policyflow/

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/policyflow $(DESTDIR)$(PREFIX)/share/policyflow

bench:
	scripts/install-deps --bench
	scripts/bench
	scripts/bench-sync

## Long integrity runs (the test suite runs fast variants): 500 injected crashes; 8 processes x 200 operations.
crash-test: build
	scripts/install-deps --test
	scripts/crash-test

concurrency-test: build
	scripts/install-deps --test
	scripts/concurrency-test

## Seven copies, 1,000 random actions, random syncs and partitions (make test runs 120): prints the counts.
SYNC_ACTIONS ?= 1000
sync-test:
	scripts/install-deps --test
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	POLICYFLOW_SYNC_ACTIONS=$(SYNC_ACTIONS) $(SWIFT) test --skip-build $(BUILD_FLAGS) --filter SyncSimulationTests

clean:
	rm -rf .build out demo-workspace
