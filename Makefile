# tracectl — the targets a newcomer guesses. Only Go is needed; tools the
# targets use are installed into ./bin on first use.

GO        ?= go
BIN       := $(CURDIR)/bin
FUZZTIME  ?= 30s
# Minimising a new interesting input defaults to 60s, which eats a short
# fuzzing budget whole (8 executions in 60s): keep it short.
FUZZMINTIME ?= 5s
BENCHTIME ?= 1s
STATICCHECK := $(BIN)/staticcheck

# What `tracectl version` reports, from git when there is a checkout (Go's
# own VCS stamping is off under -buildvcs=false and in git worktrees). The
# date is the commit's, so the same source builds the same binary.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE     ?= $(shell git log -1 --format=%cI 2>/dev/null)
MODIFIED ?= $(shell git rev-parse HEAD >/dev/null 2>&1 && { git diff --quiet HEAD 2>/dev/null && echo false || echo true; })
LDFLAGS  := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE) -X main.modified=$(MODIFIED)

.PHONY: build man test test-peers bench bench-peers bench-critpath bench-scale fuzz demo demo-data lint clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/tracectl ./cmd/tracectl

# A man page per command (cobra's generator, from the commands' own help)
# into bin/man: read one with `man -l bin/man/tracectl-tree.1`, or install
# them with `cp bin/man/*.1 /usr/local/share/man/man1/`.
man: build
	$(BIN)/tracectl man $(BIN)/man

# The command CI runs (.ci/run): vet, unit tests, CLI scripts, and the race
# detector on the packages that run goroutines. The unit tests end with one
# line saying what was skipped and why (internal/testenv/testsummary); under
# CI (CI=true) missing conformance data fails instead of skipping.
test:
	@if [ "$(CI)" = true ] && [ -z "$$TRACECTL_CONFORMANCE" ] && [ ! -d ../shared/conformance ]; then \
	  echo "make test: CI=true but ../shared/conformance is missing (or set TRACECTL_CONFORMANCE): CI must not silently lose coverage"; exit 1; fi
	$(GO) vet ./...
	@mkdir -p $(BIN) && $(GO) build -o $(BIN)/testsummary ./internal/testenv/testsummary
	{ $(GO) test -json ./...; echo $$? > $(BIN)/.go-test-status; } | $(BIN)/testsummary && exit $$(cat $(BIN)/.go-test-status)
	$(GO) test -race -short ./internal/ingest/... ./internal/live/... ./internal/receiver/... ./internal/emit/... ./internal/view/... ./cmd/tracectl/...
	$(GO) test -race -run 'Summarize' ./internal/critpath
	cd bench && $(GO) vet ./... && $(GO) test ./...

# tracectl against real peers (TestJaegerPeer, TestCollectorPeer): Jaeger v2
# and an OpenTelemetry Collector, built once from the module proxy by the
# shared scripts into ./bin/peers (minutes). `make test` runs the same tests
# when the binaries are there and skips them, saying so, when not.
PEERS        := $(BIN)/peers
PEER_SCRIPTS ?= $(CURDIR)/../shared/peers

test-peers:
	@test -x $(PEERS)/jaeger || $(PEER_SCRIPTS)/build-jaeger.sh $(PEERS)
	@test -x $(PEERS)/otelcol-mini || $(PEER_SCRIPTS)/build-otelcol.sh $(PEERS)
	TRACECTL_JAEGER=$(PEERS)/jaeger TRACECTL_JAEGER_CONFIG=$(PEER_SCRIPTS)/jaeger.yaml TRACECTL_OTELCOL=$(PEERS)/otelcol-mini \
	  $(GO) test -count=1 -run 'Peer$$' -v ./cmd/tracectl

bench:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./internal/...

# tracectl against its peers (the Collector's pdata), side by side, in the
# separate bench module so the tool's own dependencies stay lean.
bench-peers:
	cd bench && ./compare.sh

# Whole processes against the Collector's pdata decoding the same file
# (issue 15's bars: wall time below pdata's, <= 300 B/span of peak RSS, 10M
# spans in <= 1 GiB), with a CPU profile summary; writes a report under
# bench/results/. Minutes: SIZES=156000 for a quick look.
bench-scale:
	bench/scale.sh

# Critical path + attribution against decoding the same spans (issue 4's
# bar: <= 0.3x), per round and as medians.
bench-critpath:
	bench/critpath-vs-decode.sh

fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg || exit 1; \
	  done; \
	done

DEMO_DATA := testdata/demo/shop.jsonl
DEMO_REPORT := demo-out/report.html
SLOWEST    = $$($(BIN)/tracectl ls --sort duration -o json $(DEMO_DATA) | head -1 | cut -d'"' -f4)

# The main job on the bundled sample: 90 requests of the shop scenario,
# recorded with `tracectl emit --seed 7` (make demo-data records it again).
demo: build
	@mkdir -p demo-out
	@echo '$$ tracectl ls --sort duration $(DEMO_DATA) | head'
	@$(BIN)/tracectl ls --sort duration $(DEMO_DATA) | head
	@echo
	@echo '$$ tracectl tree --critical --trace <slowest> $(DEMO_DATA)'
	@$(BIN)/tracectl tree --critical --trace $(SLOWEST) $(DEMO_DATA)
	@echo
	@echo '$$ tracectl critpath --trace <slowest> $(DEMO_DATA) | tail -1'
	@$(BIN)/tracectl critpath --trace $(SLOWEST) $(DEMO_DATA) | tail -1
	@echo
	@echo '$$ tracectl attrib --by operation --top 8 $(DEMO_DATA)'
	@$(BIN)/tracectl attrib --by operation --top 8 $(DEMO_DATA)
	@echo
	@echo '$$ tracectl graph $(DEMO_DATA)'
	@$(BIN)/tracectl graph $(DEMO_DATA)
	@echo
	@echo '$$ tracectl check --pii $(DEMO_DATA)'
	@$(BIN)/tracectl check --pii $(DEMO_DATA)
	@echo
	@echo "\$$ tracectl assert -e '{ resource.service.name = \"payment\" && duration > 300ms }' $(DEMO_DATA)"
	@$(BIN)/tracectl assert -e '{ resource.service.name = "payment" && duration > 300ms }' $(DEMO_DATA) || true
	@echo
	@echo '$$ tracectl report --out $(DEMO_REPORT) $(DEMO_DATA)'
	@$(BIN)/tracectl report --out $(DEMO_REPORT) $(DEMO_DATA)
	@echo "report: $(CURDIR)/$(DEMO_REPORT) (open it in a browser)"

demo-data: build
	$(BIN)/tracectl emit --out $(DEMO_DATA) --duration 3s --rate 30 --error-rate 0.1 --latency payment-tail --seed 7

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

# go mod tidy -diff fails (and prints the diff) when go.mod/go.sum are not tidy.
lint: $(STATICCHECK)
	$(GO) mod tidy -diff
	cd bench && $(GO) mod tidy -diff
	@test -z "$$(gofmt -l cmd internal bench)" || (gofmt -l cmd internal bench; echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...
	$(STATICCHECK) ./...
	cd bench && $(GO) vet ./... && $(STATICCHECK) ./...

clean:
	rm -rf $(BIN)
