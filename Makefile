# wasm-eventsource. `make help` lists the targets.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
export CHROME_PATH ?= /usr/bin/chromium
WASM_TARGET := wasm32-unknown-unknown
WASM := target/$(WASM_TARGET)/module/wasm_eventsource.wasm
SERVER := target/release/sse-test-server
EXAMPLE := examples/rust-app
# An app pinned to the oldest wasm-bindgen the crate's requirements allow.
DOWNSTREAM_WASM_BINDGEN := 0.2.93

.PHONY: test-size help setup test test-js lint fmt-check clippy doc test-native test-fuzz fuzz test-doc build example test-downstream test-wasm test-browser test-packaging demo bench bench-native bench-browser bench-size server clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: ## Install the toolchain and the browser engines (idempotent; skips what is present)
	@scripts/bootstrap.sh

# The stages of make test, in order.
TEST_STAGES := setup lint doc test-native test-js test-fuzz test-doc build test-size example test-downstream server test-wasm test-browser test-packaging

test: ## Everything CI runs, stage by stage; stops at the first failure and prints each stage's time
	@MAKE="$(MAKE)" scripts/run-stages.sh $(TEST_STAGES)

lint: fmt-check clippy ## cargo fmt --check and clippy -D warnings (native, the no_std core, wasm32, the module, the example)

fmt-check:
	cargo fmt --all -- --check
	cargo fmt --manifest-path fuzz/Cargo.toml -- --check
	cargo fmt --manifest-path $(EXAMPLE)/Cargo.toml -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p wasm-eventsource --lib --tests --target $(WASM_TARGET) -- -D warnings
	cargo clippy -p wasm-eventsource --lib --no-default-features -- -D warnings
	cargo clippy -p wasm-eventsource --lib --target $(WASM_TARGET) --no-default-features --features module -- -D warnings
	cargo clippy --manifest-path $(EXAMPLE)/Cargo.toml --target $(WASM_TARGET) --target-dir target -- -D warnings

# Docs with every warning an error (broken links, missing docs): the Rust
# API for wasm32 and natively (as docs.rs builds it, and as a full-stack
# app's server side sees it), and the no_std core alone.
doc: ## cargo doc -D warnings: the Rust API for wasm32 and natively, and the no_std core (--no-default-features)
	RUSTDOCFLAGS="-D warnings" cargo doc -p wasm-eventsource --no-deps --target $(WASM_TARGET)
	RUSTDOCFLAGS="-D warnings" cargo doc -p wasm-eventsource --no-deps
	RUSTDOCFLAGS="-D warnings" cargo doc -p wasm-eventsource --no-deps --no-default-features

test-native: ## Native tests: parser fixtures, property tests, reconnect scenarios, error messages, test server
	cargo test --workspace

test-js: ## JavaScript unit tests under Node (tests/js/): no WebAssembly build, no browser
	node --test tests/js/

FUZZ_SECONDS ?= 600

fuzz: ## Fuzz the parser for FUZZ_SECONDS (default 600): libFuzzer on stable Rust, any bytes at any chunking
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Inputs of make test's fuzz round, mutated from the committed seeds with a fixed random seed.
FUZZ_CHECK_RUNS ?= 60000
test-fuzz: ## A reproducible round of the parser's fuzz target (part of make test): the committed seeds, then FUZZ_CHECK_RUNS mutations with a fixed seed
	scripts/fuzz.sh --check $(FUZZ_CHECK_RUNS)

test-doc: ## Doc tests for wasm32 (the Rust API's examples and the README's Rust snippets compile)
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test -p wasm-eventsource --doc --target $(WASM_TARGET)

build: ## The core's release wasm (src/module.rs) and pkg/ (npm package + script-tag file); prints sizes
	cargo rustc --profile module --lib --target $(WASM_TARGET) -p wasm-eventsource --no-default-features --features module --crate-type cdylib
	@echo "raw .wasm (before wasm-opt): $$(stat -c %s $(WASM)) bytes"
	node scripts/build-pkg.mjs

test-size: build ## Fails when the npm entry or the script tag outgrows its ceiling (scripts/size-budget.json)
	node scripts/check-size.mjs

LOCKED_WASM_BINDGEN = awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/version = |"/, ""); print; exit }'

example: ## Build the Rust/wasm example app (examples/rust-app) into its pkg/
	@main=$$($(LOCKED_WASM_BINDGEN) Cargo.lock); app=$$($(LOCKED_WASM_BINDGEN) $(EXAMPLE)/Cargo.lock); \
	  [ "$$main" = "$$app" ] || { echo "$(EXAMPLE)/Cargo.lock has wasm-bindgen $$app, the CLI is $$main:" \
	  "run (cd $(EXAMPLE) && cargo update -p wasm-bindgen --precise $$main)"; exit 1; }
	cargo build --manifest-path $(EXAMPLE)/Cargo.toml --release --target $(WASM_TARGET) --target-dir target
	wasm-bindgen --target web --no-typescript --out-dir $(EXAMPLE)/pkg target/$(WASM_TARGET)/release/rust_app.wasm

test-downstream: ## Build the example as an app pinned to an older wasm-bindgen (the crate does not force its own)
	rm -rf target/downstream && mkdir -p target/downstream
	cp -r $(EXAMPLE)/src $(EXAMPLE)/Cargo.toml target/downstream/
	sed -i 's|^wasm-bindgen = .*|wasm-bindgen = "=$(DOWNSTREAM_WASM_BINDGEN)"|; s|path = "../.."|path = "$(CURDIR)"|' target/downstream/Cargo.toml
	cd target/downstream && cargo build --release --target $(WASM_TARGET) --target-dir ../downstream-build
	@grep -A1 '^name = "wasm-bindgen"$$' target/downstream/Cargo.lock | grep -q '"$(DOWNSTREAM_WASM_BINDGEN)"' \
	  && echo "test-downstream: an app on wasm-bindgen $(DOWNSTREAM_WASM_BINDGEN) builds"

$(SERVER): $(shell find tests/server/src -name '*.rs') tests/server/Cargo.toml
	cargo build --release -p sse-test-server

server: $(SERVER)

# Engines of test-browser (chromium, firefox, webkit), one after the other: `make test-browser BROWSERS=firefox`.
BROWSERS ?= chromium firefox webkit
# Engines of test-wasm; webkit works too (through wasm-pack --safari and WebKitWebDriver).
WASM_BROWSERS ?= chromium firefox

test-wasm: $(SERVER) ## wasm-pack test --headless in Chromium and Firefox (WASM_BROWSERS=...): the Rust API and the tables both front ends play, against the test server
	WASM_BROWSERS="$(WASM_BROWSERS)" node tests/run-wasm-tests.mjs

test-browser: build example $(SERVER) ## Facade and demo tests side by side with native in Chromium, Firefox ESR and WebKitGTK (BROWSERS=...)
	@failed=; for b in $(BROWSERS); do \
	  echo "== test-browser: $$b"; start=$$(date +%s); \
	  TEST_BROWSER=$$b node --test --test-concurrency=1 tests/browser/ || failed="$$failed $$b"; \
	  echo "== test-browser: $$b took $$(( $$(date +%s) - start )) s"; \
	done; \
	[ -z "$$failed" ] || { echo "test-browser: failed in:$$failed"; exit 1; }

test-packaging: build $(SERVER) ## The npm tarball in Vite, webpack, import maps, script tag, workers, CSP, Node/Deno/Bun; types; publish dry runs
	node --test --test-concurrency=1 tests/packaging/

demo: setup build example $(SERVER) ## Build pkg/ and the Rust example, serve the demo at http://127.0.0.1:8080
	@echo "demo: http://127.0.0.1:8080/ (the Rust/wasm app: http://127.0.0.1:8080/rust-app/)"
	$(SERVER) --port 8080 --root www --root pkg=pkg --root rust-app=$(EXAMPLE)

bench: bench-native bench-browser bench-size ## The benchmarks (numbers go in BENCHMARKS.md)

bench-native: ## Native parser throughput
	cargo bench --bench parser

bench-browser: setup build $(SERVER) ## Headless Chromium: events (native, ours, eventsource v4, event-source-polyfill) and streams (parser, for await)
	node tests/bench/run.mjs

bench-size: setup build ## What a page downloads with each SSE client: one Vite build of the same page each
	node tests/bench/sizes.mjs

clean:
	cargo clean; rm -rf pkg node_modules $(EXAMPLE)/pkg
