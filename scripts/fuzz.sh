#!/usr/bin/env bash
# Fuzzes the parsers of outside input (the targets in fuzz/fuzz_targets/) with cargo fuzz
# and libFuzzer, one target after another on one core.
#
#   scripts/fuzz.sh                 # 10 s per target: the short run of `make test`
#   scripts/fuzz.sh 600             # 10 minutes per target: the long run before a release
#   scripts/fuzz.sh 60 spend_csv    # some targets only
#
# Any crash (a panic, a failed property, a timeout or running out of memory) fails the
# script, which prints the reproducer's path and the command that replays it. The seeds
# in fuzz/corpus/<target>/ are only read; what the fuzzer learns is kept under the
# target directory (FUZZ_TARGET_DIR, default target/fuzz), so later runs resume from it.
#
# cargo fuzz needs nightly compiler flags (-Zsanitizer=address and others); the project
# builds with the stable toolchain, so RUSTC_BOOTSTRAP=1 unlocks them for these builds.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$ROOT"

SECONDS_PER_TARGET="${1:-10}"
shift || true
CARGO_FUZZ_VERSION=0.13.2
TARGET_DIR="${FUZZ_TARGET_DIR:-$ROOT/target/fuzz}"

if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || [ "$SECONDS_PER_TARGET" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh [seconds-per-target] [target...]" >&2
  exit 2
fi

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION (a few minutes, once)"
  cargo install -q --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$TARGET_DIR"

if [ "$#" -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(cargo fuzz list --fuzz-dir fuzz)
fi

log "building ${#TARGETS[@]} fuzz targets (release, debug assertions, AddressSanitizer)"
mkdir -p "$TARGET_DIR"
build_log="$TARGET_DIR/build.log"
build() {
  if ! cargo fuzz build --fuzz-dir fuzz "$@" >"$build_log" 2>&1; then
    grep -v '^\s*Compiling' "$build_log" >&2
    echo "the fuzz targets did not build" >&2
    exit 1
  fi
}
if [ "$#" -gt 0 ]; then
  for t in "${TARGETS[@]}"; do build "$t"; done
else
  build
fi
HOST=$(rustc -vV | sed -n 's/^host: //p')
BIN_DIR="$TARGET_DIR/$HOST/release"

failed=()
for t in "${TARGETS[@]}"; do
  work="$TARGET_DIR/corpus/$t"
  artifacts="$ROOT/fuzz/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds=("fuzz/corpus/$t")
  log "fuzzing $t for ${SECONDS_PER_TARGET}s"
  before=$(find "$artifacts" -type f | sort)
  log_file="$TARGET_DIR/$t.log"
  # New inputs go to the first corpus folder (the work folder), never to the seeds.
  if "$BIN_DIR/$t" "$work" "${seeds[@]}" \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log_file" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done ' "$log_file" | tail -1 >&2 || true
  else
    new=$(comm -13 <(echo "$before") <(find "$artifacts" -type f | sort) | head -1)
    tail -40 "$log_file" >&2
    echo "FUZZ FAILURE in $t: reproducer ${new:-(none written; see $log_file)}" >&2
    [ -n "$new" ] && echo "  replay: RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz $t $new" >&2
    failed+=("$t")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]}" >&2
  exit 1
fi
log "fuzzing: ${#TARGETS[@]} targets, ${SECONDS_PER_TARGET}s each, no crash"
