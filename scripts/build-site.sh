#!/usr/bin/env bash
# Builds the browser half into target/site/pkg: the wasm module (hydration), its JS glue
# and the stylesheet. Usage: scripts/build-site.sh [dev|release]
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
MODE="${1:-dev}"
cd "$ROOT"
ensure_wasm_bindgen
if [ "$MODE" = release ]; then
  PROFILE=wasm-release; OUTDIR=wasm-release
else
  PROFILE=dev; OUTDIR=debug
fi
log "building the browser half ($MODE, route: $(choose_wasm_route; echo "$WASM_ROUTE"))"
wasm_cargo build -p frontend --lib --profile "$PROFILE"
mkdir -p target/site/pkg
wasm-bindgen --target web --no-typescript --out-dir target/site/pkg --out-name anchorlink \
  "target/wasm/wasm32-unknown-unknown/$OUTDIR/frontend.wasm"
if [ "$MODE" = release ]; then
  if [ ! -x target/tools/node_modules/.bin/wasm-opt ]; then
    log "installing wasm-opt (npm package binaryen)"
    mkdir -p target/tools && npm install --silent --prefix target/tools binaryen >/dev/null
  fi
  target/tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    target/site/pkg/anchorlink_bg.wasm -o target/site/pkg/anchorlink_bg.wasm
fi
cp style/main.css target/site/pkg/anchorlink.css
log "site assets ready in target/site/pkg"
