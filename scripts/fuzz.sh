#!/usr/bin/env bash
# Fuzzes the stream parser (fuzz/fuzz_targets/parser.rs) with libFuzzer, on
# stable Rust: no cargo-fuzz, no nightly. The coverage instrumentation that
# cargo-fuzz would add is passed to rustc directly; there are no sanitizers
# (they need nightly), and the parser has no unsafe code for them to check.
#
#   scripts/fuzz.sh SECONDS [LIBFUZZER_FLAG...]   build, then fuzz for SECONDS
#   scripts/fuzz.sh --check RUNS                  build, then a reproducible round:
#                                                 every committed seed, then RUNS
#                                                 inputs mutated from them with a
#                                                 fixed random seed (what `make
#                                                 test` runs: the same inputs on
#                                                 every machine, so it fails only
#                                                 when the code changed)
#   scripts/fuzz.sh FILE...                       build, then replay inputs
#
# Exits non-zero when the target fails (panic, assertion, timeout, memory
# limit). The failing input is saved in fuzz/artifacts/parser/; replay it
# with `scripts/fuzz.sh fuzz/artifacts/parser/crash-...`. Inputs that found
# new coverage go to fuzz/corpus/parser/ and are reused by the next run.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

usage() {
  echo "usage: $0 SECONDS [LIBFUZZER_FLAG...] | $0 --check RUNS | $0 FILE..." >&2
  exit 2
}
[ $# -ge 1 ] || usage

host=$(rustc -vV | sed -n 's/^host: //p')
# What `cargo fuzz build --sanitizer none` passes, all stable flags. The
# explicit --target keeps them off build scripts, which cannot link them.
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
--cfg fuzzing"
unset CARGO_BUILD_TARGET CARGO_TARGET_DIR
cargo build --release --manifest-path fuzz/Cargo.toml --target "$host" --bin parser
target=fuzz/target/$host/release/parser
artifacts=fuzz/artifacts/parser
# What every fuzzing run passes. -timeout: a parse of a 4 KiB input takes
# microseconds, so 10 s is a hang. -rss_limit_mb: the target holds a few
# copies of at most 4 KiB of input.
fuzz_flags=(
  -timeout=10
  -rss_limit_mb=512
  -dict=fuzz/parser.dict
  -artifact_prefix="$artifacts/"
  -print_final_stats=1
)

if [ "$1" = --check ]; then
  [ $# -eq 2 ] && [[ $2 =~ ^[0-9]+$ ]] || usage
  mkdir -p "$artifacts"
  # New inputs go to a directory of this run's own, which is dropped: the
  # next round starts from the same committed seeds.
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  # Coverage features hash code addresses: without address randomisation
  # the round is the same on every run, not only the same inputs.
  fixed=()
  if setarch "$(uname -m)" -R true 2>/dev/null; then
    fixed=(setarch "$(uname -m)" -R)
  fi
  "${fixed[@]}" "$target" \
    -seed=1 \
    -reload=0 \
    -runs="$2" \
    "${fuzz_flags[@]}" \
    "$scratch" fuzz/seeds/parser
  exit
fi

if ! [[ $1 =~ ^[0-9]+$ ]]; then
  for file in "$@"; do
    [ -f "$file" ] || usage
  done
  exec "$target" "$@"
fi

seconds=$1
shift
corpus=fuzz/corpus/parser
mkdir -p "$corpus" "$artifacts"
# New inputs go to the first directory; the committed seeds are only read.
exec "$target" \
  -max_total_time="$seconds" \
  "${fuzz_flags[@]}" \
  "$@" \
  "$corpus" fuzz/seeds/parser
