# tracectl — the targets a newcomer guesses. Only Go is needed; tools the
# targets use are installed into ./bin on first use.

GO        ?= go
BIN       := $(CURDIR)/bin
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
STATICCHECK := $(BIN)/staticcheck

.PHONY: build test race bench bench-peers fuzz demo lint clean

build:
	$(GO) build -o $(BIN)/tracectl ./cmd/tracectl

# The command CI runs (.ci/run): vet, unit tests, CLI scripts, and the race
# detector on the packages that run goroutines.
test:
	$(GO) vet ./...
	$(GO) test ./...
	$(GO) test -race -short ./internal/ingest/...
	cd bench && $(GO) vet ./... && $(GO) test ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./internal/...

# tracectl against its peers (the Collector's pdata), side by side, in the
# separate bench module so the tool's own dependencies stay lean.
bench-peers:
	cd bench && ./compare.sh

fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

DEMO_DATA := $(CURDIR)/testdata/demo/shop.jsonl

demo: build
	@echo "\$$ tracectl ls testdata/demo/shop.jsonl"
	@$(BIN)/tracectl ls $(DEMO_DATA)
	@echo
	@echo "\$$ tracectl tree --trace <slowest> testdata/demo/shop.jsonl"
	@$(BIN)/tracectl tree --trace $$($(BIN)/tracectl ls --sort duration -o json $(DEMO_DATA) | head -1 | sed 's/.*"trace_id":"\([0-9a-f]*\)".*/\1/') $(DEMO_DATA)

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: $(STATICCHECK)
	@test -z "$$(gofmt -l cmd internal bench)" || (gofmt -l cmd internal bench; echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...
	$(STATICCHECK) ./...

clean:
	rm -rf $(BIN)
