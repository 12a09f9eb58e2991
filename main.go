// Command duva is a Redis-protocol in-memory cache server written in Go.
//
//	go run .                          # 127.0.0.1:6379, built-in defaults
//	go run . /etc/duva.conf --port 7000 --shards 4
//
// Arguments follow redis-server: an optional redis.conf-style file first, then
// --name value options that override it. See README.md for the options.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/duva-db/duva/internal/config"
	"github.com/duva-db/duva/loop"
	"github.com/duva-db/duva/shard"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, err := config.Parse(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	logger, closeLog, err := newLogger(cfg.LogLevel, cfg.LogFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer closeLog()
	slog.SetDefault(logger)
	if cfg.Dir != "" && cfg.Dir != "." {
		if err := os.Chdir(cfg.Dir); err != nil {
			logger.Error("can't chdir to the configured dir", "dir", cfg.Dir, "err", err)
			return 1
		}
	}

	procs := setGoMaxProcs(cfg)

	in, err := loop.Start(cfg, logger)
	if err != nil {
		logger.Error("could not start", "err", err)
		return 1
	}
	cwd, _ := os.Getwd()
	logger.Info("duva ready to accept connections",
		"version", shard.Version, "redis_version", shard.RedisVersion,
		"port", cfg.Port, "bind", cfg.Bind, "unixsocket", cfg.UnixSocket,
		"shards", in.Engine.NumShards(), "event_loops", cfg.EventLoops, "gomaxprocs", procs,
		"pid", os.Getpid(), "dir", cwd)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sigs:
		in.Stop("received " + s.String())
	case <-in.Done():
	}
	if err := in.Err(); err != nil {
		logger.Error("event loops ended with an error", "err", err)
		return 1
	}
	logger.Warn("duva is now ready to exit, bye bye...")
	return 0
}

// setGoMaxProcs gives the Go scheduler one P per event loop (plus one per shard
// in hop mode, where shards have goroutines of their own), unless the GOMAXPROCS
// environment variable says otherwise. Shards run on the loops (flat
// combining), so more Ps only add idle threads that the runtime keeps waking:
// measured on 2 cores with one loop, GOMAXPROCS=1 cost 11.5-12.0 µs of server
// CPU per GET at -P 1 against 13.1-14.3 µs with GOMAXPROCS=2. Background work
// (a snapshot being written, the AOF writer) gets one more P while it runs
// (shard.ManageProcs), as Redis's fork child gets a core of its own.
func setGoMaxProcs(cfg *config.Config) int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	n := cfg.EventLoops
	if cfg.ShardHandoff == "hop" {
		n += cfg.Shards
	}
	n = max(1, min(n, runtime.NumCPU()))
	runtime.GOMAXPROCS(n)
	shard.ManageProcs(n)
	return n
}

// newLogger makes the slog logger: one text line per event, to stdout or the logfile.
func newLogger(level, file string) (*slog.Logger, func(), error) {
	var lvl slog.Level
	switch level {
	case "debug", "verbose":
		lvl = slog.LevelDebug
	case "warning":
		lvl = slog.LevelWarn
	case "nothing":
		lvl = slog.LevelError + 100
	default: // notice
		lvl = slog.LevelInfo
	}
	var w io.Writer = os.Stdout
	closeFn := func() {}
	if file != "" {
		f, err := os.OpenFile(filepath.Clean(file), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("can't open the log file %q: %w", file, err)
		}
		w = f
		closeFn = func() { _ = f.Close() }
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl})), closeFn, nil
}
