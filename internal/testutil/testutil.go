// Package testutil starts real duva servers for tests: the same loop.Start that
// main runs, on a free loopback port, stopped by t.Cleanup.
package testutil

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/duva-db/duva/internal/config"
	"github.com/duva-db/duva/loop"
)

// Server is a running test server.
type Server struct {
	Addr     string // "127.0.0.1:port"
	Port     int
	Instance *loop.Instance
}

// StartServer starts duva with redis-server style args (e.g. "--shards", "4")
// on a free port of 127.0.0.1 and stops it when the test ends.
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := FreePort(t)
		full := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", ""}, args...)
		cfg, err := config.Parse(full)
		if err != nil {
			t.Fatalf("config %v: %v", full, err)
		}
		var w io.Writer = io.Discard
		if os.Getenv("DUVA_TEST_LOG") != "" {
			w = os.Stderr
		}
		logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
		in, err := loop.Start(cfg, logger)
		if err != nil {
			lastErr = err // port taken between FreePort and bind: try another
			continue
		}
		s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Instance: in}
		t.Cleanup(func() { in.Stop("test cleanup") })
		return s
	}
	t.Fatalf("could not start server: %v", lastErr)
	return nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// CheckFor polls fn every step until it returns nil or total passes; then it fails
// the test with fn's last error. Tests use it instead of sleeping.
func CheckFor(t testing.TB, total, step time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %v: %v", total, err)
		}
		time.Sleep(step)
	}
}
