package shard

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Client is the session state of one connection that commands can see.
//
// Threading: the connection's event loop owns the Client. Commands that change
// session state (SELECT, HELLO, AUTH, CLIENT SETNAME...) are RouteLocal and so run
// on that loop. A queued command may run on another goroutine, but the loop runs
// nothing else for the client until it is notified, and the mailbox hand-off
// orders those accesses. Fields other goroutines read (CLIENT LIST, KILL) are
// atomics or guarded by mu.
type Client struct {
	ID      int64
	Addr    string // remote address, "ip:port" or "path:0" style for unix sockets
	LAddr   string
	Fd      int
	Unix    bool
	Created time.Time

	db     atomic.Int32
	proto  atomic.Int32
	Authed bool
	loader bool // the loader's client (persist.go): runs while loading, never propagated
	// aofOff is the AOF offset after this client's last propagated command,
	// until its loop has made sure the reply waits for the fsync (AOFSyncTarget).
	// Written by whoever runs the client's command; the loop may take it while
	// a queued command of the client runs elsewhere (replies of the same batch
	// written before it), hence atomic. Taking a queued command's offset early
	// only makes the earlier replies wait longer, never the later one less:
	// replies leave in order.
	aofOff atomic.Int64

	// CLIENT REPLY state, as Redis's CLIENT_REPLY_OFF / _SKIP / _SKIP_NEXT flags:
	// a command's reply is dropped if, when it ends, replyOff or replySkip is set;
	// SKIP sets replySkipNext, which becomes replySkip after the current command.
	replyOff, replySkip, replySkipNext bool
	CloseAfterReply                    bool // QUIT, or a fatal error: the loop closes after writing

	lastActive atomic.Int64 // unix ms of the last command
	lastCmd    atomic.Int32 // command id

	mu      sync.Mutex // guards name, libName, libVer
	name    string
	libName string
	libVer  string

	// Set by the loop.
	Notify func()           // a queued command finished; called from any goroutine
	Kill   func()           // close the connection; callable from any goroutine
	Stats  func() ConnStats // buffer sizes for CLIENT LIST; callable from any goroutine
	killed atomic.Bool

	job job
	blk blockState    // blocking.go
	cc  clusterClient // cluster.go: ASKING, READONLY, the slot check
}

// ConnStats are the loop-side numbers CLIENT LIST shows.
type ConnStats struct {
	QueryBuf  int // unparsed input bytes
	OutputBuf int // pending output bytes
}

// isLocal reports a loopback or unix-socket client (enable-protected-configs local).
func (c *Client) isLocal() bool {
	return c.Unix || strings.HasPrefix(c.Addr, "127.") || strings.HasPrefix(c.Addr, "[::1]:")
}

// DB is the selected database.
func (c *Client) DB() int { return int(c.db.Load()) }

// SetDB selects a database (loop goroutine only).
func (c *Client) SetDB(db int) { c.db.Store(int32(db)) }

// Proto is the RESP version, 2 or 3.
func (c *Client) Proto() int { return int(c.proto.Load()) }

// SetProto sets the RESP version.
func (c *Client) SetProto(p int) { c.proto.Store(int32(p)) }

// Name is the CLIENT SETNAME name.
func (c *Client) Name() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

func (c *Client) setName(n string) {
	c.mu.Lock()
	c.name = n
	c.mu.Unlock()
}

// endReply applies CLIENT REPLY OFF/SKIP to the reply the command just wrote
// (out[mark:]) and moves a pending SKIP on to the next command.
func (c *Client) endReply(out []byte, mark int) []byte {
	if c.replyOff || c.replySkip {
		out = out[:mark]
	}
	c.replySkip = false
	if c.replySkipNext {
		c.replySkip, c.replySkipNext = true, false
	}
	return out
}

// TakeReply returns the reply of the finished queued command. Loop goroutine only,
// after Notify.
func (c *Client) TakeReply() []byte { return c.job.out }

func (c *Client) finish(j *job) {
	j.cl = nil
	j.cmd = nil
	c.Notify()
}

// NewClient registers a connection's session.
func (e *Engine) NewClient(addr, laddr string, fd int, unix bool) *Client {
	c := &Client{
		ID:      e.nextID.Add(1),
		Addr:    addr,
		LAddr:   laddr,
		Fd:      fd,
		Unix:    unix,
		Created: time.Now(),
	}
	c.proto.Store(2)
	c.lastActive.Store(time.Now().UnixMilli())
	c.lastCmd.Store(-1)
	c.Authed = e.requirePass() == ""
	e.clientsMu.Lock()
	e.clients[c.ID] = c
	e.clientsMu.Unlock()
	e.stats.connectionsReceived.Add(1)
	return c
}

// RemoveClient unregisters a closed connection.
func (e *Engine) RemoveClient(c *Client) {
	e.clientsMu.Lock()
	delete(e.clients, c.ID)
	e.clientsMu.Unlock()
}

// NumClients is the number of connected clients.
func (e *Engine) NumClients() int {
	e.clientsMu.Lock()
	defer e.clientsMu.Unlock()
	return len(e.clients)
}

// RejectedConnection counts a connection refused for maxclients.
func (e *Engine) RejectedConnection() { e.stats.rejectedConnections.Add(1) }
