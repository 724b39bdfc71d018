#!/usr/bin/env bash
# Every test: unit tests, integration tests against the real router on SQLite and on
# PostgreSQL, and browser tests in headless Chromium. Called by `make test` (after the
# site and server are built) and so by CI.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$ROOT"

PACKAGES=(-p domain -p backend -p app -p migrations -p server -p anchorlink-search -p anchorlink-tests)

# The judged relevance tests run apart, with their per-query figures shown (nDCG@10 and
# recall@5), as they run: the figures are the point of them.
RELEVANCE=judged_queries_rank_the_right_suppliers_first
relevance() {
  local out status=0
  out=$(mktemp)
  cargo test "${PACKAGES[@]}" --features app/ssr "$RELEVANCE" -- --nocapture >"$out" 2>&1 || status=$?
  # The means, and each query a buyer would find poorly ranked (nDCG@10 under 0.8).
  grep -E 'mean nDCG|nDCG@10 0\.[0-7]' "$out" || true
  if [ "$status" -ne 0 ]; then cat "$out"; fi
  rm -f "$out"
  return "$status"
}

log "unit and integration tests (SQLite)"
cargo test "${PACKAGES[@]}" --features app/ssr -- --skip "$RELEVANCE"
log "relevance of the judged queries (SQLite)"
relevance

# spend analysis (issue 9): the matcher's precision and recall on the labelled payees
log "spend matching: precision and recall on the labelled payee set"
cargo test -p domain --features files spend::matching::labelled::automatic_attachment_is_precise_and_finds_most_matchable_payees \
  -- --nocapture 2>&1 | grep -E "labelled set|precision|recall|WRONG|test result"

log "integration tests (PostgreSQL)"
PG_URL=$(ensure_postgres)
# Databases left by earlier runs (each test makes its own) are dropped first.
psql "$PG_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'anchorlink_test_%'" \
  | while read -r db; do psql "$PG_URL" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null; done
# The same packages and features as above, so nothing is compiled again; only the tests
# that talk to a database (the integration tests) use the PostgreSQL URL.
ANCHORLINK_TEST_DATABASE_URL="$PG_URL" cargo test "${PACKAGES[@]}" --features app/ssr -- --skip "$RELEVANCE"
log "relevance of the judged queries (PostgreSQL)"
ANCHORLINK_TEST_DATABASE_URL="$PG_URL" relevance

# issue 10: the parsers of outside input fuzzed for a short while (10 s per target; the
# long run before a release is `scripts/fuzz.sh 600`); a crash fails the run.
log "fuzzing the parsers of outside input (short run)"
scripts/fuzz.sh "${FUZZ_SECONDS_PER_TARGET:-10}"

log "browser tests (headless Chromium, JavaScript on and off)"
ensure_chromium
(cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund; } && node --test --test-concurrency=1 .)

# light pages (issue 13): what each main page downloads, compressed, on a first visit, measured
# on the release assets (a directory of their own, so the dev site above is untouched), against
# the budgets (search 200,000 bytes, other pages 150,000); over budget fails.
log "page weight of the release build"
scripts/build-site.sh release
(cd tests/browser && node --test page-weight.mjs)
