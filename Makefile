# duva: the commands the README gives.
.PHONY: test race quick bench fuzz lint redis-tools

# The test command: installs the Redis tools the interop suite drives (if they
# are missing), then runs every test with the race detector.
test: redis-tools
	go vet ./...
	go test -race -count=1 -timeout 20m ./...

# Tests without the race detector (faster while editing).
quick:
	go test -count=1 ./...

# The side-by-side benchmark against redis-server (see bench/).
bench: redis-tools
	go run ./bench

fuzz:
	go test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./codec/

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...

# redis-server, redis-cli, redis-benchmark, redis-check-rdb/aof (Debian packages).
redis-tools:
	@if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then \
		echo "installing redis-server and redis-tools (Debian packages)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server redis-tools >/dev/null || \
		{ echo "could not install redis-server/redis-tools: install them with 'apt-get install -y redis-server redis-tools'"; exit 1; }; \
	fi
