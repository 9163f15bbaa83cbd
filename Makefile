# The one test command: README and .ci/run both call `make test`.
# It needs Go, a PostgreSQL server (SKILLPATH_TEST_POSTGRES, default the
# local server's database "test"), Node.js with `npm ci` run in
# internal/xapivalidator (Learning Locker's xAPI validator) and
# internal/axe (axe-core, for the accessibility checks) and, for the
# browser tests, Debian's chromium; .ci/run installs and starts what is missing.

GO ?= go

.PHONY: test check lint unit bench build fuzz fuzz-short perf

test: check unit fuzz-short

# Static checks: formatting, vet and staticcheck (pinned in go.mod's tools).
check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

unit: internal/xapivalidator/node_modules internal/axe/node_modules
	$(GO) test -count=1 -timeout 20m ./...

# Learning Locker's xAPI validator (npm), which the xAPI tests run through
# node, installed from the committed lock file when it changes.
internal/xapivalidator/node_modules: internal/xapivalidator/package-lock.json
	cd internal/xapivalidator && npm ci --no-audit --no-fund
	@touch $@

# axe-core (npm), which the browser tests inject into every page to check
# it against WCAG 2.1 A and AA (internal/axe), installed the same way.
internal/axe/node_modules: internal/axe/package-lock.json
	cd internal/axe && npm ci --no-audit --no-fund
	@touch $@

# Fuzz targets (package:function): the JSON bodies, the statistics
# filter parameters, the CSV writer and the status rules.
# `make test` runs each for FUZZTIME=3s; `make fuzz` for a minute each
# (FUZZTIME=10m make fuzz for longer). A failing input is saved under the
# package's testdata/fuzz and replayed by every `go test` from then on:
# commit it with the fix.
FUZZ_TARGETS = ./server/input:FuzzDecodeBodies ./report:FuzzParseFilter \
	./report:FuzzCSVWriter ./status:FuzzTrainingStatus ./status:FuzzDates
FUZZTIME ?= 60s

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$fn in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=3s

# Benchmarks behind docs/PERFORMANCE.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

build:
	$(GO) build -o bin/skillpath ./cmd/skillpath

# Learner answers over HTTP on loopback, 64 learners, beside the floor
# measured in the same run, then `skillpath recompute --check`, on SQLite
# and PostgreSQL (docs/PERFORMANCE.md, "Learner answers").
PERF_FLAGS ?= --learners 64 --duration 15s --rounds 3
perf: build
	$(GO) run ./cmd/skillpath-load --dialect sqlite --skillpath bin/skillpath $(PERF_FLAGS)
	$(GO) run ./cmd/skillpath-load --dialect postgres --skillpath bin/skillpath $(PERF_FLAGS)
