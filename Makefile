# OrderShop Functions — build, test, run.
SHELL := /bin/bash
# A Go 1.26 toolchain: the one on PATH, or one scripts/ensure-go.sh installs.
GO := $(shell ./scripts/ensure-go.sh)
export PATH := $(dir $(GO)):$(PATH)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN := bin
FUNCTIONS := $(notdir $(wildcard functions/*))
# COMMANDS: every cmd/<name>/main.go: the operator CLI (ordershop) and the
# benchmarks (ordershop-bench), two binaries so that the operator's links no
# test code.
COMMANDS := $(patsubst cmd/%/main.go,%,$(wildcard cmd/*/main.go))

.PHONY: all build test test-cluster bench run run-cluster deps deps-browser deps-redis deps-foreman vet clean fuzz screenshots

all: build

## build: compile every function, the ordershop CLI and ordershop-bench into bin/
build:
	@mkdir -p $(BIN)
	@for f in $(FUNCTIONS); do $(GO) build -o $(BIN)/$$f ./functions/$$f || exit 1; done
	@for c in $(COMMANDS); do $(GO) build -o $(BIN)/$$c ./cmd/$$c || exit 1; done

## deps: install what the tests and the shop need if missing: redis-server
## and redis-cli (the cluster kit and make run-cluster join nodes with it),
## foreman (Debian's ruby-foreman), curl and git (the foreman tests run
## scripts/run.sh and copy the repository's tracked files)
deps:
	@$(call apt_install,redis-server:redis-server redis-cli:redis-tools foreman:ruby-foreman curl:curl git:git)

## deps-browser: install Debian's chromium if missing (the dashboard's browser tests drive it headless)
deps-browser:
	@$(call apt_install,chromium:chromium)

deps-redis:
	@$(call apt_install,redis-server:redis-server)

deps-foreman:
	@$(call apt_install,foreman:ruby-foreman curl:curl)

# apt_install,command:package ...: apt-get install, in one go, the package of
# every command that is not on PATH.
apt_install = missing=""; \
	for cp in $(1); do command -v "$${cp%%:*}" >/dev/null || missing="$$missing $${cp\#*:}"; done; \
	if [ -n "$$missing" ]; then echo "installing$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

## vet: go vet
vet:
	$(GO) vet ./...

# NOT_ON_CLUSTER: the tests of tests/ that the Cluster pass of make test
# leaves out. Two do not apply to a Redis Cluster: TestRedisStartsLate
# stops and restarts the one redis-server, and
# TestMigrationKeepsTheReadModel migrates a log of before partitions (one
# stream per aggregate, which only a single node ever had) into
# partitions. TestSeedWalkSlots runs on a one-node cluster of its own
# whatever the package's Redis is: once is enough.
NOT_ON_CLUSTER := ^(TestRedisStartsLate|TestMigrationKeepsTheReadModel|TestSeedWalkSlots)$$

## test: every test, against throwaway redis-servers on free loopback ports,
## then the shop's end-to-end tests (tests/) again on a Redis Cluster of 3
## masters (ORDERSHOP_TEST_REDIS=cluster), but NOT_ON_CLUSTER
# The browser test (chromium and a whole shop) runs after the rest, not
# beside the runtime's timing-sensitive takeover tests; the Cluster pass
# runs alone too, after the single-node packages.
test: deps deps-browser
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m $$($(GO) list ./... | grep -v '/tests/browser$$')
	ORDERSHOP_TEST_REDIS=cluster $(GO) test -count=1 -timeout 5m -skip '$(NOT_ON_CLUSTER)' ./tests/
	$(GO) test -count=1 -timeout 5m ./tests/browser/

## test-cluster: only the Cluster pass of make test
test-cluster: deps
	ORDERSHOP_TEST_REDIS=cluster $(GO) test -count=1 -timeout 5m -skip '$(NOT_ON_CLUSTER)' ./tests/

BENCH_EVENTS ?= 100000
# BENCH_GO: the runtime's Go benchmarks that make bench runs BENCH_EVENTS times
# each. BenchmarkWindowExpiry (1M records per iteration) is a one-off of
# docs/reliability.md, run with -benchtime 1x.
BENCH_GO := ^Benchmark(Drain|DrainPartitioned|BaselineRawLoop|CommitGroup)$$

# A count of executions, not a duration: Go 1.26's fuzz coordinator can fail a
# duration run with a spurious "context deadline exceeded" as the time runs out
# on a loaded machine (golang/go#75804, fixed in Go 1.27); a count has no deadline.
FUZZTIME ?= 20000x

## fuzz: run every fuzz target briefly (FUZZTIME executions each) on top of its seed corpus
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeEvent$$' -fuzztime=$(FUZZTIME) ./runtime
	$(GO) test -run '^$$' -fuzz '^FuzzJSONObjectAgreesWithEncodingJSON$$' -fuzztime=$(FUZZTIME) ./runtime/internal/entry
	$(GO) test -run '^$$' -fuzz '^FuzzCustomerBody$$' -fuzztime=$(FUZZTIME) ./internal/shop/gateway/input
	$(GO) test -run '^$$' -fuzz '^FuzzProductBody$$' -fuzztime=$(FUZZTIME) ./internal/shop/gateway/input
	$(GO) test -run '^$$' -fuzz '^FuzzInventoryBody$$' -fuzztime=$(FUZZTIME) ./internal/shop/gateway/input
	$(GO) test -run '^$$' -fuzz '^FuzzOrderBody$$' -fuzztime=$(FUZZTIME) ./internal/shop/gateway/input
	$(GO) test -run '^$$' -fuzz '^FuzzBillingBody$$' -fuzztime=$(FUZZTIME) ./internal/shop/gateway/input

## bench: Go benchmarks of the runtime, then the comparison table on a throwaway redis-server (docs/performance.md)
bench: deps-redis build
	$(GO) test -run '^$$' -bench '$(BENCH_GO)' -benchtime=$(BENCH_EVENTS)x -benchmem -count=1 ./runtime/...
	$(BIN)/ordershop-bench suite --bin $(BIN) --cluster --events $(BENCH_EVENTS)

## screenshots: refresh docs/images/dashboard-*.png: the browser test's walk, saving what it sees
screenshots: deps deps-browser
	DASHBOARD_SCREENSHOTS=$(CURDIR)/docs/images $(GO) test -count=1 -run '^TestDashboardInABrowser$$' ./tests/browser/

## run: set up and run the whole shop with foreman
run: deps build
	@./scripts/run.sh

## run-cluster: run the whole shop with foreman on a local Redis Cluster of
## 3 masters and 3 replicas (127.0.0.1:7101-7106, data in data/redis-cluster)
run-cluster: deps build
	@./scripts/run-cluster.sh

clean:
	rm -rf $(BIN)
