#!/usr/bin/env bash
# Sourced by the build scripts: makes sure the machine can build the browser half, and
# exports how. Idempotent: skips whatever is already installed. Nothing is fetched except
# from the package registries (crates.io, Debian's archive, npm).
#
# Route 1 (ordinary machines): rustup's wasm32-unknown-unknown target.
# Route 2 (machines where rustup cannot download it): Debian's Rust with its std sources,
#          building std for wasm (-Zbuild-std) and linking with lld's wasm-ld.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ANCHORLINK_ROOT="$ROOT"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

choose_wasm_route() {
  if [ -n "${WASM_ROUTE:-}" ]; then return; fi
  if [ "${ANCHORLINK_WASM_ROUTE:-}" != "debian" ] && command -v rustup >/dev/null 2>&1; then
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
       || timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
      export WASM_ROUTE=rustup
      return
    fi
  fi
  export WASM_ROUTE=debian
  apt_install rustc-web cargo-web libstd-rust-web-dev rust-web-src lld-22
}

# Runs cargo for the wasm target with the chosen route's environment.
wasm_cargo() {
  choose_wasm_route
  if [ "$WASM_ROUTE" = rustup ]; then
    CARGO_TARGET_DIR="$ROOT/target/wasm" cargo "$@" --target wasm32-unknown-unknown
  else
    PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22 \
      CARGO_TARGET_DIR="$ROOT/target/wasm" /usr/bin/cargo "$@" --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort
  fi
}

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")
  if command -v wasm-bindgen >/dev/null 2>&1 && [ "$(wasm-bindgen --version | awk '{print $2}')" = "$want" ]; then
    return
  fi
  log "installing wasm-bindgen-cli $want (a few minutes, once)"
  cargo install -q wasm-bindgen-cli --version "$want"
}

ensure_chromium() {
  apt_install chromium chromium-driver
}

# PostgreSQL on loopback for the tests; prints the connection URL.
ensure_postgres() {
  apt_install postgresql
  local ver
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -z "$ver" ]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
    pg_createcluster "$ver" main >/dev/null
  fi
  pg_ctlcluster "$ver" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 && break
    sleep 1
  done
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'anchorlink'\"" >/dev/null
  echo "postgres://postgres:anchorlink@127.0.0.1:5432/postgres"
}
