# coachsim — every target a person runs is the one CI runs.
GO      ?= go
BIN     := bin/coachsim
OUT     ?= reports/out
NODEDIR := simulator/interop/node
PEERDIR := load/peers/node

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/coachsim
	$(GO) build -o $(BIN) ./cmd/coachsim

.PHONY: run
run: ## serve the default environment on 127.0.0.1:8080
	$(GO) run ./cmd/coachsim serve

.PHONY: busy
busy: ## serve fixtures/busy-center.yaml: a contact center that runs on its own
	$(GO) run ./cmd/coachsim serve --fixture fixtures/busy-center.yaml $(ARGS)

.PHONY: conform
conform: ## the main job: the conformance suite against the embedded simulator, reports in reports/out/
	$(GO) run ./cmd/coachsim conform --out $(OUT) $(ARGS)

.PHONY: deps
deps: ## install what the tests need: Go modules and the pinned npm interop clients
	$(GO) mod download
	npm ci --prefix $(NODEDIR) --no-audit --no-fund
	npm ci --prefix $(PEERDIR) --no-audit --no-fund

.PHONY: test
test: deps lint ## the test suite: vet, every test with the race detector, then a few seconds of each fuzz target
	$(GO) test -race -count=1 ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=5s

FUZZTIME ?= 2m
.PHONY: fuzz
fuzz: ## fuzz the operation decoder, the Bayeux parser and the fixture loader, FUZZTIME each (default 2m)
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeOperation$$' -fuzztime $(FUZZTIME) ./simulator/internal/restapi
	$(GO) test -run '^$$' -fuzz '^FuzzParseRequest$$' -fuzztime $(FUZZTIME) ./simulator/internal/cometd
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./fixtures

.PHONY: check-limits
check-limits: ## hardening at full size: 300 body-announcing connections under ulimit -n 256, 100,000 cookie-less Basic requests (RSS), the no-loss runs
	COACHSIM_STRICT=1 COACHSIM_RSS_REQUESTS=100000 $(GO) test -count=1 -v -run 'TestBodyAnnouncing|TestCookieless' ./cmd/coachsim
	$(GO) test -count=1 -v ./simulator/internal/cometd -ginkgo.focus='no loss' -ginkgo.v | grep -a 'ack extension:'

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: bench
bench: ## benchmarks (REST throughput, notification latency, engine)
	$(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: bench-pools
bench-pools: ## the quick suite against one long-lived server: serial vs four role sets (fixtures/pools.yaml), ratio printed
	$(GO) test -run '^$$' -bench '^BenchmarkTargetRolePools$$' -benchtime 1x ./steps

.PHONY: bench-calls
bench-calls: ## call handling as the center grows: closed loop at 50 vs 500 pairs (core, HTTP), open-loop p99 vs loopback RTT
	$(GO) test -run '^$$' -bench 'CoreCalls' -benchmem ./simulator/internal/voice
	$(GO) test -run '^$$' -bench 'HTTPCallsScaling' -benchtime 100x ./simulator/interop
	$(GO) test -run '^$$' -bench 'HTTPOpenLoop' -benchtime 10s ./simulator/interop

.PHONY: bench-delivery
bench-delivery: ## the notification path, each case next to its former implementation in the same run
	$(GO) test -run '^$$' -bench 'ReplyWrite' -benchmem ./simulator/internal/restapi
	$(GO) test -run '^$$' -bench 'ParseRequest|PublishEvent|ConnectExchange' -benchmem ./simulator/internal/cometd

ROUNDS ?= 3
.PHONY: bench-peers
bench-peers: build ## coachsim's notification path vs the Faye and CometD Node servers (ROUNDS interleaved rounds, default 3)
	$(GO) run ./cmd/bench-peers --coachsim $(BIN) --node $(PEERDIR) --rounds $(ROUNDS) $(ARGS)

.PHONY: bench-memory
bench-memory: ## RSS of coachsim serve holding 10,000 long polls (one CometD session per user; target 300 MiB)
	$(GO) test -run '^$$' -bench 'HeldSessionsRSS' -benchtime 1x ./cmd/coachsim
