# Anchorlink. `make run` and `make test` work on a fresh machine: they install what is
# missing (see scripts/toolchain.sh) and skip what is already there.
SHELL := /bin/bash
export CARGO_TERM_COLOR ?= always

.PHONY: run test release bench site site-release server clean fmt lint

## Build everything in the dev profile and serve http://127.0.0.1:3000 (SQLite anchorlink.db).
run: site server
	./target/debug/anchorlink serve

## Every test: unit, integration (SQLite and PostgreSQL), browser (headless Chromium).
test: site server
	scripts/test.sh

## The self-contained release binary target/release/anchorlink (LTO) and optimised assets.
release: site-release
	cargo build --release -p server
	@echo "built target/release/anchorlink; run it from the repository root"

## Benchmark figures.
bench: site server
	scripts/bench.sh

site:
	scripts/build-site.sh dev

site-release:
	scripts/build-site.sh release

server:
	cargo build -p server

fmt:
	cargo fmt --all

lint:
	cargo clippy -p app -p server -p migrations -p anchorlink-search -p anchorlink-tests --all-targets --features app/ssr -- -D warnings

clean:
	cargo clean
