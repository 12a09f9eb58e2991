package loop

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on pprof-addr
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/duva-db/duva/codec"
	"github.com/duva-db/duva/internal/config"
	"github.com/duva-db/duva/shard"
)

// Instance is a running server: engine, event loops and optional pprof listener.
// main uses it, and so do the tests, so they exercise exactly what users run.
type Instance struct {
	Engine *shard.Engine
	Addrs  []string // listener addresses as given to gnet

	srv      *Server
	log      *slog.Logger
	stopOnce sync.Once
	done     chan struct{}
	err      error
	pprof    *http.Server
}

// Start builds the engine from cfg and starts serving. It returns once the
// listeners accept connections, or with the error that stopped them.
func Start(cfg *config.Config, logger *slog.Logger) (*Instance, error) {
	var addrs []string
	if cfg.Port != 0 {
		for _, b := range cfg.Bind {
			optional := len(b) > 0 && b[0] == '-'
			if optional {
				b = b[1:]
			}
			if b == "" {
				continue
			}
			addrs = append(addrs, "tcp://"+net.JoinHostPort(b, strconv.Itoa(cfg.Port)))
		}
	}
	if cfg.UnixSocket != "" {
		_ = os.Remove(cfg.UnixSocket)
		addrs = append(addrs, "unix://"+cfg.UnixSocket)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no listening address: set port or unixsocket")
	}
	eng := shard.NewEngine(cfg)
	eng.ApplyConfig()
	limits := codec.DefaultLimits()
	if cfg.ProtoMaxBulkLen > 0 {
		limits.MaxBulkLen = cfg.ProtoMaxBulkLen
	}
	in := &Instance{
		Engine: eng,
		Addrs:  addrs,
		log:    logger,
		done:   make(chan struct{}),
		srv:    New(eng, Options{Addrs: addrs, EventLoops: cfg.EventLoops, Limits: limits, Logger: logger}),
	}
	if cfg.PprofAddr != "" {
		ln, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			return nil, fmt.Errorf("pprof listener on %s: %w", cfg.PprofAddr, err)
		}
		in.pprof = &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
		logger.Info("pprof listening", "addr", ln.Addr().String())
		go func() { _ = in.pprof.Serve(ln) }()
	}
	eng.Start()
	errc := make(chan error, 1)
	go func() {
		err := in.srv.Serve()
		eng.Stop()
		if cfg.UnixSocket != "" {
			_ = os.Remove(cfg.UnixSocket)
		}
		in.err = err
		close(in.done)
		errc <- err
	}()
	select {
	case <-in.srv.Ready():
		eng.SetShutdown(func(bool) { in.Stop("SHUTDOWN command") })
		return in, nil
	case err := <-errc:
		if in.pprof != nil {
			_ = in.pprof.Close()
		}
		if err == nil {
			err = fmt.Errorf("listeners stopped at start")
		}
		return nil, err
	}
}

// Stop closes the listeners and every connection (flushing pending replies) and
// waits until the event loops have ended.
func (in *Instance) Stop(reason string) {
	in.stopOnce.Do(func() {
		in.log.Warn("shutting down", "reason", reason)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := in.srv.Stop(ctx); err != nil {
			in.log.Error("stopping event loops", "err", err)
		}
		if in.pprof != nil {
			_ = in.pprof.Close()
		}
	})
	<-in.done
}

// Done is closed when the server has stopped.
func (in *Instance) Done() <-chan struct{} { return in.done }

// Err is the error the event loops ended with, after Done.
func (in *Instance) Err() error { return in.err }
