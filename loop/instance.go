package loop

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on pprof-addr
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/duva-db/duva/codec"
	"github.com/duva-db/duva/gossip"
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
	served   chan struct{} // the event loops have ended
	done     chan struct{} // ... and the shutdown save is over
	err      error
	pprof    *http.Server
	cluster  *gossip.Cluster // cluster-enabled: the bus, closed by Stop

	save, nosave bool  // SHUTDOWN SAVE / NOSAVE (set before Stop)
	loadErr      error // loading at start failed
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
	eng.SetLogger(logger)
	eng.ApplyConfig()
	var bus *gossip.Cluster
	if cfg.ClusterEnabled {
		var err error
		if bus, err = openCluster(cfg, eng, logger); err != nil {
			return nil, err
		}
	}
	limits := codec.DefaultLimits()
	if cfg.ProtoMaxBulkLen > 0 {
		limits.MaxBulkLen = cfg.ProtoMaxBulkLen
	}
	in := &Instance{
		Engine:  eng,
		Addrs:   addrs,
		log:     logger,
		done:    make(chan struct{}),
		served:  make(chan struct{}),
		srv:     New(eng, Options{Addrs: addrs, EventLoops: cfg.EventLoops, Limits: limits, Logger: logger}),
		cluster: bus,
	}
	if cfg.PprofAddr != "" {
		ln, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			in.closeCluster()
			return nil, fmt.Errorf("pprof listener on %s: %w", cfg.PprofAddr, err)
		}
		in.pprof = &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
		logger.Info("pprof listening", "addr", ln.Addr().String())
		go func() { _ = in.pprof.Serve(ln) }()
	}
	eng.Start()
	eng.BeginLoading() // before any client can connect
	errc := make(chan error, 1)
	go func() {
		err := in.srv.Serve()
		eng.Stop()
		if cfg.UnixSocket != "" {
			_ = os.Remove(cfg.UnixSocket)
		}
		in.err = err
		close(in.served)
		errc <- err
		go in.Stop("event loops ended") // no-op when Stop started this
	}()
	select {
	case <-in.srv.Ready():
		eng.SetShutdown(func(save, nosave bool) {
			in.save, in.nosave = save, nosave
			in.Stop("SHUTDOWN command")
		})
		// Load the dataset while already listening, as Redis does: clients
		// get -LOADING until it is in memory. A file that cannot be loaded
		// stops the server (exit status 1), never a half-loaded dataset.
		go func() {
			if err := eng.LoadAtStart(); err != nil {
				logger.Error("Fatal error loading the DB, exiting", "err", err.Error())
				in.loadErr = err
				in.nosave = true
				in.Stop("loading failed")
				return
			}
			eng.PersistReady()
		}()
		return in, nil
	case err := <-errc:
		if in.pprof != nil {
			_ = in.pprof.Close()
		}
		in.closeCluster()
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
		<-in.served
		// With no client left: flush the AOF and save the final RDB snapshot
		// (when save points are set), as Redis's prepareForShutdown.
		if err := in.Engine.ShutdownSave(in.save, in.nosave); err != nil {
			in.log.Error("Error saving the dataset on shutdown", "err", err.Error())
		}
		if in.pprof != nil {
			_ = in.pprof.Close()
		}
		in.closeCluster()
		close(in.done)
	})
	<-in.done
}

// Done is closed when the server has stopped.
func (in *Instance) Done() <-chan struct{} { return in.done }

// Err is the error the server ended with, after Done: loading the dataset
// failed, or the event loops stopped with an error.
func (in *Instance) Err() error {
	if in.loadErr != nil {
		return in.loadErr
	}
	return in.err
}

// openCluster opens the cluster bus (cluster-enabled yes) and hands it to the
// engine: bus port cluster-port (0: port+10000), nodes.conf relative to dir.
func openCluster(cfg *config.Config, eng *shard.Engine, logger *slog.Logger) (*gossip.Cluster, error) {
	file := cfg.ClusterConfigFile
	if file != "" && !filepath.IsAbs(file) {
		dir := cfg.Dir
		if !filepath.IsAbs(dir) {
			dir, _ = filepath.Abs(dir)
		}
		file = filepath.Join(dir, file)
	}
	ip, bindIP := cfg.ClusterAnnounceIP, ""
	for _, b := range cfg.Bind {
		b = strings.TrimPrefix(b, "-")
		if a, err := netip.ParseAddr(b); err == nil && !a.IsUnspecified() {
			bindIP = b // the bus listens where clients do, as Redis's bus
			break
		}
	}
	if ip == "" {
		ip = bindIP
	}
	c, err := gossip.Open(gossip.Config{
		IP:                  ip,
		Hostname:            cfg.ClusterAnnounceHostname,
		Port:                cfg.Port,
		BusPort:             cfg.ClusterPort,
		AnnouncePort:        cfg.ClusterAnnouncePort,
		AnnounceBusPort:     cfg.ClusterAnnounceBusPort,
		BindIP:              bindIP,
		NodeTimeout:         time.Duration(cfg.ClusterNodeTimeout) * time.Millisecond,
		ConfigFile:          file,
		RequireFullCoverage: cfg.ClusterRequireFullCoverage,
		Logger:              logger,
		CountKeysInSlot:     eng.CountKeysInSlot,
	})
	if err != nil {
		return nil, err
	}
	eng.SetCluster(c)
	return c, nil
}

func (in *Instance) closeCluster() {
	if in.cluster != nil {
		_ = in.cluster.Close()
	}
}
