# Fairline developer and CI entry points.
GO       ?= go
FUZZTIME ?= 10s

GOFILES_CMD = find . -name '*.go' -not -path './.git/*' -not -path './web/node_modules/*' -not -path '*/testdata/*' -print0

.PHONY: run build test vendor lint fuzz

run:
	$(GO) run ./cmd/fairline serve

build:
	$(GO) build -o bin/fairline ./cmd/fairline

# Installs test dependencies, checks gofmt and vet, runs go test -race on all
# packages (fuzz seed corpora included) and verifies the vendored assets.
test:
	scripts/test.sh

# Re-vendors GOV.UK Frontend and axe-core from the npm versions pinned in web/.
vendor:
	scripts/vendor-assets.sh

lint:
	@out="$$($(GOFILES_CMD) | xargs -0 -r gofmt -l)"; \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Runs every Fuzz* target in the repository for FUZZTIME each (make fuzz FUZZTIME=1m).
fuzz:
	@set -e; \
	list="$$($(GO) test -list '^Fuzz' ./...)"; \
	tmp="$$(mktemp)"; trap 'rm -f "$$tmp"' EXIT; \
	printf '%s\n' "$$list" | awk '/^Fuzz/ { names = names " " $$1; next } /^ok/ { if (names != "") print $$2 names; names = "" }' >"$$tmp"; \
	if [ ! -s "$$tmp" ]; then echo "fuzz: no Fuzz targets found"; fi; \
	while read -r pkg targets; do \
		for f in $$targets; do \
			echo "== $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) "$$pkg" </dev/null; \
		done; \
	done <"$$tmp"
