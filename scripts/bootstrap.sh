#!/usr/bin/env bash
# Installs everything `make test`, `make demo` and `make bench` need, idempotently:
# each piece is skipped when it is already present at the right version.
# Nothing is downloaded from outside the package registries (crates.io, npm, Debian).
set -euo pipefail

cd "$(dirname "$0")/.."
# The wasm-bindgen CLI must equal the wasm-bindgen crate the build links:
# the version Cargo.lock resolves (the library itself asks only for ^0.2.93).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

say() { printf '[bootstrap] %s\n' "$*"; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for comp in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$comp"; then
    rustup component add "$comp"
  fi
done

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes ~10 min on 2 cores)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  say "installing wasm-pack $WASM_PACK_VERSION (takes ~8 min on 2 cores)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --force
fi

if [ "$(geckodriver --version 2>/dev/null | head -n1 | awk '{print $2}')" != "$GECKODRIVER_VERSION" ]; then
  say "installing geckodriver $GECKODRIVER_VERSION (Firefox's WebDriver server; takes ~4 min on 2 cores)"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --force
fi

# The browser engines the tests run in, from Debian: Chromium (+ chromedriver
# for the wasm-bindgen tests), Firefox ESR, WebKitGTK's WebKitWebDriver (its
# MiniBrowser comes with libwebkit2gtk-4.1-0), and Xvfb, since this
# MiniBrowser has no headless mode; and wabt, whose wasm-objdump names the
# largest functions in `make build`'s size table. One `apt-get update` at most.
APT_PACKAGES=()
# libFuzzer (the fuzz round of make test) is C++, built by the libfuzzer-sys crate.
command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 || APT_PACKAGES+=(g++)
[ -x /usr/bin/chromium ] || APT_PACKAGES+=(chromium)
[ -x /usr/bin/chromedriver ] || APT_PACKAGES+=(chromium-driver)
[ -x /usr/bin/firefox-esr ] || APT_PACKAGES+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || APT_PACKAGES+=(webkit2gtk-driver)
[ -x /usr/bin/Xvfb ] || APT_PACKAGES+=(xvfb)
[ -x /usr/bin/wasm-objdump ] || APT_PACKAGES+=(wabt)
if [ ${#APT_PACKAGES[@]} -gt 0 ]; then
  # apt-get needs root: as root directly, else through sudo if it works
  # without a password prompt; otherwise say what to install and stop.
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    say "missing Debian packages: ${APT_PACKAGES[*]}"
    say "installing them needs root: run as root, or with passwordless sudo, or first run:"
    say "  sudo apt-get update && sudo apt-get install -y ${APT_PACKAGES[*]}"
    exit 1
  fi
  say "installing Debian packages: ${APT_PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
fi

# Node tools (current wasm-opt from the npm `binaryen` package, esbuild,
# TypeScript, the bundlers, playwright-core driving Debian's Chromium, Deno
# and Bun) at the exact versions of the committed package-lock.json.
if ! [ -x node_modules/.bin/wasm-opt ] || ! [ -d node_modules/playwright-core ] \
   || [ package-lock.json -nt node_modules/.installed ] || [ package.json -nt node_modules/.installed ]; then
  say "installing node dev tools (npm ci: the versions of package-lock.json)"
  npm ci --no-audit --no-fund --silent
  touch node_modules/.installed
fi
say "toolchain ready"
