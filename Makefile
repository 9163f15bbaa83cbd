# The one test command: README and .ci/run both call `make test`.
# It needs Go, a PostgreSQL server (SKILLPATH_TEST_POSTGRES, default the
# local server's database "test") and, for the browser tests, Debian's
# chromium; .ci/run installs and starts what is missing.

GO ?= go

.PHONY: test check lint unit bench build perf

test: check unit

# Static checks: formatting, vet and staticcheck (pinned in go.mod's tools).
check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

unit:
	$(GO) test -count=1 -timeout 20m ./...

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
