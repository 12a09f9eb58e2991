// Package loop owns the network side of duva: gnet event loops that accept
// connections, decode RESP requests in place from gnet's inbound buffer, hand each
// command to the shard engine, and write the replies back in request order.
//
// One read event of a connection is one batch: the loop parses as many complete
// commands as the inbound buffer holds (at most maxBatch), runs each through its
// shard.Worker (inline when the shard is free, which is the common case), appends
// every reply to one buffer, and writes it with a single Write. If a command has to
// wait for a busy shard, the loop writes what it has, stops reading that
// connection's buffer, and resumes when the engine notifies it (gnet Conn.Wake), so
// replies always keep request order.
//
// Buffer lifetimes (gnet): bytes from Peek are valid only until Discard or the end
// of the callback; the parser returns sub-slices of them, so nothing may keep an
// argument past Exec (the engine copies a command it must queue).
package loop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/duva-db/duva/codec"
	"github.com/duva-db/duva/shard"
)

// maxBatch bounds the commands run per read event so one pipelining client cannot
// starve the others on its loop; the rest runs after a Wake.
const maxBatch = 1024

// defaultPauseOutput is the pending-output size past which a client's further
// input is not processed until the client reads its replies (back-pressure),
// when client-output-buffer-limit normal sets no limit (Redis's default).
const defaultPauseOutput = 1 << 20

// pauseOutput is where back-pressure starts: the soft limit if one is set (a
// paused client over it for its seconds is then disconnected, as in Redis),
// else the hard limit (a batch that overshoots it disconnects), else 1 MB.
func pauseOutput(l *shard.ConnLimits) int {
	switch {
	case l.OutputSoft > 0:
		return int(l.OutputSoft)
	case l.OutputHard > 0:
		return int(l.OutputHard)
	}
	return defaultPauseOutput
}

// Options configure the listeners.
type Options struct {
	Addrs      []string // "tcp://127.0.0.1:6379", "unix:///tmp/duva.sock"
	EventLoops int
	Limits     codec.Limits
	Logger     *slog.Logger
}

// Server is the gnet event handler.
type Server struct {
	gnet.BuiltinEventEngine
	eng  *shard.Engine
	opts Options
	log  *slog.Logger

	gnetEng atomic.Pointer[gnet.Engine]
	ready   chan struct{}

	loopsMu sync.Mutex
	loops   map[gnet.EventLoop]*loopState

	pausedMu sync.Mutex
	paused   map[*conn]struct{} // connections waiting for their output to drain
}

// loopState is per event loop; only that loop's goroutine touches it.
type loopState struct {
	w   *shard.Worker
	out []byte
}

// conn is per connection; only its loop's goroutine touches it, except done.
type conn struct {
	gc     gnet.Conn
	cl     *shard.Client
	ls     *loopState
	parser codec.Parser
	// waiting: a command is queued in the engine; its reply is pending.
	waiting bool
	done    atomic.Bool // the queued command finished (set by any goroutine)
	// softSince: when pending output first passed the soft limit (0 = below).
	softSince time.Time
	closing   bool
	qbuf, obl atomic.Int64 // published for CLIENT LIST

	// appendfsync always: replies of a batch that wrote to the AOF wait in held
	// until an fsync covers the log up to the batch's end (group commit: the
	// AOF writer fsyncs for every waiting connection at once).
	syncWait bool
	synced   atomic.Bool // the fsync came (set by the AOF writer goroutine)
	held     []byte
	onSynced func()
}

// New makes a server for eng.
func New(eng *shard.Engine, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Server{
		eng:    eng,
		opts:   opts,
		log:    opts.Logger,
		ready:  make(chan struct{}),
		loops:  make(map[gnet.EventLoop]*loopState),
		paused: make(map[*conn]struct{}),
	}
}

// Serve runs the event loops until Stop; it returns when they have ended.
func (s *Server) Serve() error {
	n := s.opts.EventLoops
	if n < 1 {
		n = 1
	}
	return gnet.Rotate(s, s.opts.Addrs,
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(n),
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithTicker(true),
		gnet.WithLogger(gnetLogger{s.log}),
	)
}

// Ready is closed once the listeners accept connections.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Stop closes the listeners and every connection (flushing pending replies).
func (s *Server) Stop(ctx context.Context) error {
	e := s.gnetEng.Load()
	if e == nil {
		return nil
	}
	return e.Stop(ctx)
}

func (s *Server) OnBoot(e gnet.Engine) gnet.Action {
	s.gnetEng.Store(&e)
	close(s.ready)
	return gnet.None
}

func (s *Server) loopFor(c gnet.Conn) *loopState {
	el := c.EventLoop()
	s.loopsMu.Lock()
	defer s.loopsMu.Unlock()
	ls := s.loops[el]
	if ls == nil {
		ls = &loopState{w: s.eng.NewWorker(), out: make([]byte, 0, 16<<10)}
		s.loops[el] = ls
	}
	return ls
}

func (s *Server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	lim := s.eng.Limits()
	if s.eng.NumClients() >= lim.MaxClients {
		s.eng.RejectedConnection()
		return []byte("-ERR max number of clients reached\r\n"), gnet.Close
	}
	addr, laddr, unix := addrString(c.RemoteAddr()), addrString(c.LocalAddr()), false
	if _, ok := c.LocalAddr().(*net.UnixAddr); ok {
		unix = true
		addr = laddr + ":0"
	}
	cn := &conn{gc: c, ls: s.loopFor(c)}
	cn.parser.SetLimits(s.opts.Limits)
	cl := s.eng.NewClient(addr, laddr, c.Fd(), unix)
	cl.Notify = func() {
		cn.done.Store(true)
		_ = c.Wake(nil)
	}
	cl.Kill = func() { _ = c.Close() }
	cl.Stats = func() shard.ConnStats {
		// gnet's buffers belong to the loop: show what it last published.
		return shard.ConnStats{QueryBuf: int(cn.qbuf.Load()), OutputBuf: int(cn.obl.Load())}
	}
	cn.cl = cl
	cn.onSynced = func() {
		cn.synced.Store(true)
		_ = c.Wake(nil)
	}
	c.SetContext(cn)
	return nil, gnet.None
}

func (s *Server) OnClose(c gnet.Conn, _ error) gnet.Action {
	if cn, ok := c.Context().(*conn); ok {
		s.eng.ClientClosed(cn.cl)
		s.eng.RemoveClient(cn.cl)
		s.pausedMu.Lock()
		delete(s.paused, cn)
		s.pausedMu.Unlock()
	}
	return gnet.None
}

func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	cn, ok := c.Context().(*conn)
	if !ok || cn.closing {
		return gnet.None
	}
	ls := cn.ls
	out := ls.out[:0]
	if cn.syncWait {
		if !cn.synced.Load() {
			return s.checkQueryLimit(cn)
		}
		cn.syncWait = false
		out = append(out, cn.held...)
		cn.held = cn.held[:0]
	}
	if cn.waiting {
		if !cn.done.Load() {
			if len(out) > 0 {
				if a := s.flush(cn, out); a != gnet.None {
					return a
				}
			}
			return s.checkQueryLimit(cn)
		}
		cn.waiting = false
		cn.done.Store(false)
		out = append(out, cn.cl.TakeReply()...)
		if cn.cl.CloseAfterReply {
			return s.finish(cn, out, true)
		}
	}
	if a := s.checkOutputLimits(cn); a != gnet.None {
		return a
	}
	pauseAt := pauseOutput(s.eng.Limits())
	if c.OutboundBuffered() > pauseAt {
		// The client is not reading its replies: stop consuming its requests
		// until OnTick finds the output drained.
		s.pause(cn)
		if len(out) > 0 && s.holdForFsync(cn, out) {
			return s.checkQueryLimit(cn)
		}
		if len(out) > 0 {
			ls.out = out
			if a := s.flush(cn, out); a != gnet.None {
				return a
			}
		}
		return s.checkQueryLimit(cn)
	}

	buf, _ := c.Peek(-1)
	consumed, n := 0, 0
	var perr error
	for consumed < len(buf) {
		if need := cn.parser.Need(); need > 0 && len(buf)-consumed < need {
			break
		}
		m, args, err := cn.parser.Parse(buf[consumed:])
		if err != nil {
			if errors.Is(err, codec.ErrNeedMore) {
				break
			}
			perr = err
			break
		}
		consumed += m
		if len(args) == 0 {
			continue
		}
		var queued bool
		out, queued = ls.w.Exec(cn.cl, args, out)
		n++
		if queued {
			cn.waiting = true
			break
		}
		if cn.cl.CloseAfterReply || n >= maxBatch || len(out) > pauseAt {
			break
		}
	}
	ls.w.Flush()
	if consumed > 0 {
		_, _ = c.Discard(consumed)
	}
	s.eng.NetIO(consumed, len(out))
	if perr != nil {
		out = codec.AppendError(out, "ERR "+perr.Error())
		s.log.Debug("protocol error, closing client", "addr", cn.cl.Addr, "err", perr.Error())
		return s.finish(cn, out, true)
	}
	if cn.cl.CloseAfterReply {
		return s.finish(cn, out, true)
	}
	if len(out) > 0 && s.holdForFsync(cn, out) {
		// Resumed by onSynced; whatever input is left is read then.
		cn.publishStats()
		return s.checkQueryLimit(cn)
	}
	if a := s.flush(cn, out); a != gnet.None {
		return a
	}
	if !cn.waiting && consumed < len(buf) && (n >= maxBatch || len(out) > pauseAt) {
		// Stopped early with commands left: continue after the other
		// connections had their turn (or after the output drained, if paused).
		if c.OutboundBuffered() > pauseAt {
			s.pause(cn)
		} else {
			_ = c.Wake(nil)
		}
	}
	cn.publishStats()
	return s.checkQueryLimit(cn)
}

// holdForFsync keeps out back when appendfsync is always and the AOF holds
// writes no fsync covers yet: a reply may only acknowledge a durable write.
func (s *Server) holdForFsync(cn *conn, out []byte) bool {
	off, need := s.eng.AOFSyncTarget(cn.cl)
	if !need {
		return false
	}
	cn.synced.Store(false)
	if s.eng.AOFWaitSync(off, cn.onSynced) {
		return false // durable meanwhile
	}
	cn.held = append(cn.held[:0], out...)
	cn.syncWait = true
	ls := cn.ls
	ls.out = out[:0]
	return true
}

// flush writes out and applies the output buffer limits.
func (s *Server) flush(cn *conn, out []byte) gnet.Action {
	ls := cn.ls
	if len(out) > 0 {
		if _, err := cn.gc.Write(out); err != nil {
			return gnet.Close
		}
	}
	if cap(out) > 1<<20 {
		out = make([]byte, 0, 16<<10) // do not keep a huge reply buffer per loop
	}
	ls.out = out[:0]
	return s.checkOutputLimits(cn)
}

// checkOutputLimits applies client-output-buffer-limit normal: close when the
// pending output passes the hard limit, or stays over the soft limit longer
// than its seconds.
func (s *Server) checkOutputLimits(cn *conn) gnet.Action {
	pending := int64(cn.gc.OutboundBuffered())
	lim := s.eng.Limits()
	over := lim.OutputHard > 0 && pending > lim.OutputHard
	if lim.OutputSoft > 0 && pending > lim.OutputSoft {
		if cn.softSince.IsZero() {
			cn.softSince = time.Now()
		} else if time.Since(cn.softSince) >= lim.OutputSoftFor {
			over = true
		}
	} else {
		cn.softSince = time.Time{}
	}
	if over {
		s.log.Warn("client closed for overcoming of output buffer limits", "addr", cn.cl.Addr, "pending", pending)
		cn.closing = true
		return gnet.Close
	}
	return gnet.None
}

// publishStats makes the buffer sizes visible to CLIENT LIST on other goroutines.
func (cn *conn) publishStats() {
	cn.qbuf.Store(int64(cn.gc.InboundBuffered()))
	cn.obl.Store(int64(cn.gc.OutboundBuffered()))
}

// finish writes the last replies and closes the connection.
func (s *Server) finish(cn *conn, out []byte, _ bool) gnet.Action {
	cn.closing = true
	if len(out) > 0 {
		_, _ = cn.gc.Write(out)
	}
	cn.ls.out = out[:0]
	return gnet.Close
}

// checkQueryLimit closes a client whose unprocessed input passed client-query-buffer-limit.
func (s *Server) checkQueryLimit(cn *conn) gnet.Action {
	if lim := s.eng.Limits().QueryBufferLimit; lim > 0 && int64(cn.gc.InboundBuffered()) > lim {
		s.log.Warn("closing client that reached max query buffer length", "addr", cn.cl.Addr, "qbuf", cn.gc.InboundBuffered())
		return gnet.Close
	}
	return gnet.None
}

func (s *Server) pause(cn *conn) {
	s.pausedMu.Lock()
	s.paused[cn] = struct{}{}
	s.pausedMu.Unlock()
}

// OnTick (gnet's ticker goroutine) wakes paused connections, so their loop
// looks again at their output (resume, or apply the output limits there: only
// the loop may touch a connection's buffers), and closes clients idle past
// `timeout`.
func (s *Server) OnTick() (time.Duration, gnet.Action) {
	s.pausedMu.Lock()
	for cn := range s.paused {
		delete(s.paused, cn)
		_ = cn.gc.Wake(nil)
	}
	s.pausedMu.Unlock()
	if t := s.eng.Limits().Timeout; t > 0 {
		s.eng.KillIdle(t)
	}
	return 50 * time.Millisecond, gnet.None
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	if u, ok := a.(*net.UnixAddr); ok {
		return u.Name
	}
	return a.String()
}

// gnetLogger routes gnet's own logs to slog.
type gnetLogger struct{ l *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debug(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Debug(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warn(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Error(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Error(strings.TrimSpace(fmt.Sprintf(f, a...))) }
