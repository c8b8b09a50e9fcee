# OrderShop Functions — build, test, run.
SHELL := /bin/bash
# A Go 1.26 toolchain: the one on PATH, or one scripts/ensure-go.sh installs.
GO := $(shell ./scripts/ensure-go.sh)
export PATH := $(dir $(GO)):$(PATH)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN := bin
FUNCTIONS := $(notdir $(wildcard functions/*))

.PHONY: all build test bench run deps deps-redis deps-foreman vet clean fuzz

all: build

## build: compile every function and the ordershop CLI into bin/
build:
	@mkdir -p $(BIN)
	@for f in $(FUNCTIONS); do $(GO) build -o $(BIN)/$$f ./functions/$$f || exit 1; done
	@if [ -d cmd/ordershop ] && ls cmd/ordershop/*.go >/dev/null 2>&1; then $(GO) build -o $(BIN)/ordershop ./cmd/ordershop; fi

## deps: install what the tests and the shop need (redis-server, foreman) if missing
deps: deps-redis

deps-redis:
	@command -v redis-server >/dev/null || { echo "installing redis-server"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server >/dev/null; }

deps-foreman:
	@command -v curl >/dev/null || { echo "installing curl"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq curl >/dev/null; }
	@command -v foreman >/dev/null || { echo "installing foreman"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq ruby-foreman >/dev/null; }

## vet: go vet
vet:
	$(GO) vet ./...

## test: every test, against throwaway redis-servers on free loopback ports
test: deps-redis
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m ./...

BENCH_EVENTS ?= 100000

FUZZTIME ?= 5s

## fuzz: run every fuzz target briefly (FUZZTIME each) on top of its seed corpus
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeEvent$$' -fuzztime=$(FUZZTIME) ./runtime
	$(GO) test -run '^$$' -fuzz '^FuzzCustomerBody$$' -fuzztime=$(FUZZTIME) ./internal/gateway
	$(GO) test -run '^$$' -fuzz '^FuzzProductBody$$' -fuzztime=$(FUZZTIME) ./internal/gateway
	$(GO) test -run '^$$' -fuzz '^FuzzInventoryBody$$' -fuzztime=$(FUZZTIME) ./internal/gateway
	$(GO) test -run '^$$' -fuzz '^FuzzOrderBody$$' -fuzztime=$(FUZZTIME) ./internal/gateway
	$(GO) test -run '^$$' -fuzz '^FuzzBillingBody$$' -fuzztime=$(FUZZTIME) ./internal/gateway

## bench: Go benchmarks of the runtime, then the comparison table on a throwaway redis-server (docs/performance.md)
bench: deps-redis build
	$(GO) test -run '^$$' -bench . -benchtime=$(BENCH_EVENTS)x -benchmem -count=1 ./runtime/...
	$(BIN)/ordershop bench suite --bin $(BIN) --events $(BENCH_EVENTS)

## run: set up and run the whole shop with foreman
run: deps-redis deps-foreman build
	@./scripts/run.sh

clean:
	rm -rf $(BIN)
