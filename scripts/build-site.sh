#!/usr/bin/env bash
# Builds the browser half: the wasm module (the interactive islands), its JS glue and the
# stylesheet, under content-hashed names (`anchorlink-<hash>.js`, `anchorlink-<hash>_bg.wasm`,
# `anchorlink-<hash>.css`) with `.br` and `.gz` copies beside each, and
# `asset-manifest.json` naming them for the server. Usage: scripts/build-site.sh [dev|release]
#   dev     → target/site          (served by `make run`, `make test`)
#   release → target/site-release  (embedded in the release binary by `make release`; a
#             directory of its own so a dev build never replaces what a release embeds)
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
MODE="${1:-dev}"
cd "$ROOT"
ensure_wasm_bindgen
if [ "$MODE" = release ]; then
  PROFILE=wasm-release; OUTDIR=wasm-release; SITE=target/site-release; LEVEL=best
else
  PROFILE=dev; OUTDIR=debug; SITE=target/site; LEVEL=fast
fi
PKG="$SITE/pkg"
log "building the browser half ($MODE, route: $(choose_wasm_route; echo "$WASM_ROUTE"))"
wasm_cargo build -p frontend --lib --profile "$PROFILE"
# A fresh pkg directory: old hashed files would pile up otherwise.
rm -rf "$PKG" && mkdir -p "$PKG"
wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name anchorlink \
  "target/wasm/wasm32-unknown-unknown/$OUTDIR/frontend.wasm"
if [ "$MODE" = release ]; then
  if [ ! -x target/tools/node_modules/.bin/wasm-opt ]; then
    log "installing wasm-opt (npm package binaryen)"
    mkdir -p target/tools && npm install --silent --prefix target/tools binaryen >/dev/null
  fi
  target/tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$PKG/anchorlink_bg.wasm" -o "$PKG/anchorlink_bg.wasm"
fi
cp style/main.css "$PKG/anchorlink.css"

# Content-hashed names: a browser may keep each file for a year, and a new build has new
# names. The JS glue and the wasm share one hash (the glue is made for that wasm).
hash() { cat "$@" | sha256sum | cut -c1-16; }
CODE="anchorlink-$(hash "$PKG/anchorlink.js" "$PKG/anchorlink_bg.wasm")"
CSS="anchorlink-$(hash "$PKG/anchorlink.css").css"
mv "$PKG/anchorlink.js" "$PKG/$CODE.js"
mv "$PKG/anchorlink_bg.wasm" "$PKG/${CODE}_bg.wasm"
mv "$PKG/anchorlink.css" "$PKG/$CSS"
node scripts/precompress.mjs "$PKG" "$LEVEL"
printf '{"js":"%s","wasm":"%s","css":"%s"}\n' "$CODE.js" "${CODE}_bg.wasm" "$CSS" >"$SITE/asset-manifest.json"
log "site assets ready in $PKG ($CODE, $CSS)"
