# Anchorlink. `make run` and `make test` work on a fresh machine: they install what is
# missing (see scripts/toolchain.sh) and skip what is already there.
SHELL := /bin/bash
export CARGO_TERM_COLOR ?= always

.PHONY: run test release bench loadtest site site-release server clean fmt lint

## Build everything in the dev profile and serve http://127.0.0.1:3000 (SQLite anchorlink.db).
run: site server
	./target/debug/anchorlink serve

## Every test: unit, integration (SQLite and PostgreSQL), browser (headless Chromium).
test: site server
	scripts/test.sh

## The self-contained release binary target/release/anchorlink (LTO) and optimised assets.
release: site-release
	cargo build --release -p server --features embed-site
	@echo "built target/release/anchorlink: the site's assets are inside it (LEPTOS_SITE_ROOT=dir serves a directory instead)"

## Benchmark figures.
bench: site server
	scripts/bench.sh

## Load test from a second process on loopback: capacity, then 1x and 2x it (see README).
loadtest: release
	ANCHORLINK_BINARY=target/release/anchorlink node scripts/loadtest.mjs

site:
	scripts/build-site.sh dev

site-release:
	scripts/build-site.sh release

server:
	cargo build -p server

fmt:
	cargo fmt --all

## Clippy with -D warnings over every crate: the server side (with the pages' ssr half),
## then the browser half (app with hydrate, and the wasm entry point) on its own, since
## the two feature sets cannot be built together.
lint:
	cargo clippy $(SERVER_CRATES) --all-targets --features app/ssr -- -D warnings
	cargo clippy -p app -p frontend --all-targets -- -D warnings

SERVER_CRATES := -p domain -p backend -p app -p server -p migrations -p anchorlink-search \
	-p anchorlink-tests -p anchorlink-bench

clean:
	cargo clean
