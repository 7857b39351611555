# coachsim — every target a person runs is the one CI runs.
GO      ?= go
BIN     := bin/coachsim
OUT     ?= reports/out
NODEDIR := simulator/interop/node

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

.PHONY: test
test: deps lint ## the test suite: vet, then every test with the race detector
	$(GO) test -race -count=1 ./...

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: bench
bench: ## benchmarks (REST throughput, notification latency, engine)
	$(GO) test -run '^$$' -bench . -benchmem ./...
