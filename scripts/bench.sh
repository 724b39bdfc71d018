#!/usr/bin/env bash
# Benchmark figures (`make bench`): for each size N, seeds N suppliers with the real seeder
# into a fresh SQLite database (and PostgreSQL), builds the real search index from it, builds
# the ranked SQL full-text baselines (SQLite FTS5 + bm25; PostgreSQL tsvector + GIN +
# ts_rank), then runs one fixed query mix through the app's search path and each baseline
# with 1 and 2 workers, and prints p50/p95/p99 and throughput side by side.
#
# Environment:
#   BENCH_SIZES     sizes to run, space- or comma-separated (default "100000 1000000")
#   BENCH_PG        0 skips the PostgreSQL baseline (default 1)
#   BENCH_PG_MAX    largest N loaded into PostgreSQL (default 1000000)
#   BENCH_QUERIES   size of the fixed query mix (default 240)
#   BENCH_PASS_SECS time cap of one pass of a (slow) baseline (default 150)
#   BENCH_DIR       where the temporary database and index go (default $TMPDIR or /tmp)
# Figures are also written to target/bench/results.md.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$ROOT"

SIZES=${BENCH_SIZES:-"100000 1000000"}
SIZES=${SIZES//,/ }

if [ "${BENCH_PG:-1}" != 0 ]; then
  BENCH_PG_URL=$(ensure_postgres)
  export BENCH_PG_URL
  # PostgreSQL set up as its experts would for a dedicated machine: shared_buffers a quarter
  # of the RAM (6 GiB of 24, more than the 1M search table's ~950 MiB). It takes a restart,
  # and is put back when the benchmark ends so the tests run on the packaged defaults.
  PG_VER=$(ls /etc/postgresql | sort -V | tail -1)
  pg_restart() {
    pg_ctlcluster "$PG_VER" main restart
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  }
  SHARED_MB=$(awk '/MemTotal/ {printf "%d", $2 / 1024 / 4}' /proc/meminfo)
  psql "$BENCH_PG_URL" -qc "ALTER SYSTEM SET shared_buffers = '${SHARED_MB}MB'"
  pg_restart
  trap 'psql "$BENCH_PG_URL" -qc "ALTER SYSTEM RESET shared_buffers" && pg_restart' EXIT
  # Databases left by an interrupted run are dropped first.
  psql "$BENCH_PG_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'anchorlink_bench_%'" \
    | while read -r db; do psql "$BENCH_PG_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null; done
else
  export BENCH_PG_URL=""
fi

# The release profile's LTO with one codegen unit takes many minutes on 2 cores and changes
# nothing that matters for these figures; an optimised build without LTO is used instead.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
log "building the benchmark (release, no LTO)"
cargo build --release -p anchorlink-bench

mkdir -p target/bench
OUT=target/bench/results.md
{
  echo "# Anchorlink search benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "$(nproc) CPU cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; $(uname -sr)"
} >"$OUT"
for n in $SIZES; do
  log "N = $n"
  ./target/release/anchorlink-bench "$n" | tee -a "$OUT"
done
# spend analysis (issue 9): a payments file through the real job path
# (BENCH_SPEND_ROWS, BENCH_SPEND_SUPPLIERS; default 100000 each)
log "spend analysis: ${BENCH_SPEND_ROWS:-100000} rows against ${BENCH_SPEND_SUPPLIERS:-100000} suppliers"
{ echo; ./target/release/spend-bench; } | tee -a "$OUT"
log "figures written to $OUT"
