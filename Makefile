# wasm-eventsource. `make help` lists the targets.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
export CHROME_PATH ?= /usr/bin/chromium
WASM_TARGET := wasm32-unknown-unknown
WASM := target/$(WASM_TARGET)/release/wasm_eventsource.wasm
SERVER := target/release/sse-test-server

.PHONY: help setup test lint fmt-check clippy test-native build wasm-size test-wasm test-browser demo bench bench-native bench-browser server clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: ## Install the toolchain (idempotent; skips what is present)
	@scripts/bootstrap.sh

test: setup lint test-native build test-wasm test-browser ## Everything CI runs: lint, native tests, wasm build, browser tests
	@echo "make test: all passed"

lint: fmt-check clippy ## cargo fmt --check and clippy -D warnings (native and wasm32)

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p wasm-eventsource --lib --tests --target $(WASM_TARGET) -- -D warnings
	cargo clippy -p wasm-eventsource --lib --target $(WASM_TARGET) --no-default-features -- -D warnings

test-native: ## Native tests: parser fixtures, property tests, reconnect scenarios, test server
	cargo test --workspace

build: ## Release wasm build and pkg/ (npm package + script-tag file); prints sizes
	cargo build --release --lib --target $(WASM_TARGET) -p wasm-eventsource --no-default-features
	@echo "raw .wasm (before wasm-bindgen and wasm-opt): $$(stat -c %s $(WASM)) bytes"
	node scripts/build-pkg.mjs

$(SERVER): $(shell find tests/server/src -name '*.rs') tests/server/Cargo.toml
	cargo build --release -p sse-test-server

server: $(SERVER)

test-wasm: $(SERVER) ## Engine tests (wasm-bindgen-test) in headless Chromium against the test server
	node tests/run-wasm-tests.mjs

test-browser: build $(SERVER) ## Facade tests (playwright-core) in headless Chromium against the test server
	node --test --test-concurrency=1 tests/browser/

demo: setup build $(SERVER) ## Build pkg/ and serve the demo at http://127.0.0.1:8080
	@echo "demo: http://127.0.0.1:8080/"
	$(SERVER) --port 8080 --root www --root pkg=pkg

bench: bench-native bench-browser ## Both benchmarks (numbers go in BENCHMARKS.md)

bench-native: ## Native parser throughput
	cargo bench --bench parser

bench-browser: setup build $(SERVER) ## End-to-end throughput vs native EventSource in headless Chromium
	node tests/bench/run.mjs

clean:
	cargo clean; rm -rf pkg node_modules
