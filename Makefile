# The two commands of the README: `make run` and `make test`. Both set up what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

MOTO_VENV  := .venv/moto
TOOLS_VENV := .venv/tools
VALIDATORS_VENV := .venv/validators
RELEASE_VENV := .venv/release
CONTRACT_VENV := .venv/contract
export SAM_CLI_TELEMETRY := 0

.PHONY: help run test setup build lint fmt bench load

help:
	@echo "make run    - build and run the whole backend locally (moto + the local Lambda service)"
	@echo "make test   - lint, build and run every test, starting and stopping the local stack"
	@echo "make load   - the load test alone against \`make run\`'s stack (LOAD_ARGS=\"--proposals 500\")"
	@echo "make bench  - release builds (arm64 + host) and every measurement, written to BENCHMARKS.md"
	@echo "              (PROFILES=1 also re-measures the release profile's alternatives)"

# Python venvs, each pinned (requirements/<name>.txt) and constrained to the exact versions last
# verified (requirements/<name>.constraints.txt): moto; cfn-lint and the SAM CLI (apart, since the
# SAM CLI pins an older boto3 than moto wants); xmlschema for the frab XML export's XSD check;
# schemathesis for the API contract check against openapi/openapi.yaml.
.venv/%/.installed: requirements/%.txt requirements/%.constraints.txt
	python3 -m venv .venv/$*
	.venv/$*/bin/pip install --quiet --disable-pip-version-check \
		-r requirements/$*.txt -c requirements/$*.constraints.txt
	touch $@

setup: $(MOTO_VENV)/.installed $(TOOLS_VENV)/.installed $(VALIDATORS_VENV)/.installed \
	$(CONTRACT_VENV)/.installed

# Plain debug binaries: the local runner runs them exactly as Lambda runs the release build.
# `--tests` makes this the same feature resolution as `cargo test --workspace`, so the test run
# reuses every artifact instead of building the dependency graph a second time.
build:
	cargo build --workspace --bins --tests

run: $(MOTO_VENV)/.installed build
	exec target/debug/cfp-local up --moto-server $(MOTO_VENV)/bin/moto_server

lint: $(TOOLS_VENV)/.installed
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(TOOLS_VENV)/bin/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml
	$(TOOLS_VENV)/bin/sam validate --lint --template template.yaml --region eu-central-1

fmt:
	cargo fmt --all

test: setup lint build
	scripts/test.sh

# The load test that ends `make test` (local/load-test), alone, against the stack `make run` keeps
# up (target/local/stack.json; CFP_STACK_FILE=... for another): 2,000 proposals from 50 clients,
# then every 201 stored and mailed exactly once, no 5xx. `cfp-load-test --help` lists LOAD_ARGS.
load: build
	target/debug/cfp-load-test $(LOAD_ARGS)

# Release builds with cargo-lambda (arm64 and the host), binary sizes, cold starts, latency and
# peak memory of the host binaries on the local stack, the criterion benches and the cost table:
# all written to BENCHMARKS.md by local/bench (cfp-bench). cargo-lambda and its zig come from their
# own venv, not from `setup`: `make test` never needs them. cfp-bench installs the arm64 Rust
# target itself (and reports arm64 as not built if that fails). PROFILES=1 also builds and
# measures the release profile's alternatives (four more release builds of three functions).
bench: $(RELEASE_VENV)/.installed $(MOTO_VENV)/.installed build
	PATH="$(CURDIR)/$(RELEASE_VENV)/bin:$$PATH" target/debug/cfp-bench \
		--cargo-lambda $(RELEASE_VENV)/bin/cargo-lambda \
		--moto-server $(MOTO_VENV)/bin/moto_server \
		$(if $(PROFILES),--profiles --command-label "make bench PROFILES=1")
