#!/usr/bin/env bash
# `make test`: runs `make <stage>` for each stage given, in order, stops at
# the first that fails, and ends with how long each stage took. A stage that
# already ran is not run again as another's prerequisite (make -o), so
# `build` runs once even though test-size, test-browser and test-packaging
# depend on it.
set -u
make=${MAKE:-make}
done_stages=()
times=()
failed=
total_start=$(date +%s)
for stage in "$@"; do
  start=$(date +%s)
  skip=()
  for d in "${done_stages[@]+"${done_stages[@]}"}"; do skip+=(-o "$d"); done
  echo "== make $stage"
  if ! "$make" --no-print-directory "${skip[@]+"${skip[@]}"}" "$stage"; then failed=$stage; fi
  secs=$(( $(date +%s) - start ))
  times+=("$(printf '  %-16s %3d min %02d s%s' "$stage" $((secs / 60)) $((secs % 60)) "${failed:+  FAILED}")")
  [ -z "$failed" ] || break
  done_stages+=("$stage")
done
secs=$(( $(date +%s) - total_start ))
echo
echo "make test: time per stage"
printf '%s\n' "${times[@]}"
printf '  %-16s %3d min %02d s\n' total $((secs / 60)) $((secs % 60))
if [ -n "$failed" ]; then
  echo "make test: failed in $failed"
  exit 1
fi
echo "make test: all passed"
