package shard

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/duva-db/duva/rdb"
)

// DUMP, RESTORE, RESTORE-ASKING and MIGRATE: moving keys between servers,
// which is how redis-cli --cluster reshard moves a slot's keys.
//
// A DUMP payload is the value serialised exactly as the snapshot writes it
// (rdbEntries.appendObject, RDB version 10), then the version and a CRC-64,
// so payloads travel both ways between duva and redis-server 7.0. RESTORE
// decodes a payload with the RDB decoder and builds the value through the
// commands the RDB loader uses (RPUSH, SADD, HSET, ZADD), so it gets the
// encodings a load would give it.
//
// MIGRATE runs while holding its keys' shards, network round trip included,
// as Redis's MIGRATE blocks its server: no write can slip in between the
// copy and the delete. Connections to targets are cached for 10 s, as
// Redis's migrateGetSocket does.

func init() {
	cmds := []*Command{
		{Name: "dump", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Return a serialized version of the value stored at the specified key.", Since: "2.6.0", Exec: dumpCommand},
		{Name: "restore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Create a key using the provided serialized value, previously obtained using DUMP.", Since: "2.6.0", Exec: restoreCommand},
		{Name: "restore-asking", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagAsking, FirstKey: 1, LastKey: 1, Step: 1, Group: "server", Summary: "An internal command for migrating keys in a cluster", Since: "3.0.0", Exec: restoreCommand},
		{Name: "migrate", Arity: -6, Flags: FlagWrite, FirstKey: 3, LastKey: 3, Step: 1, Keys: migrateKeys, Group: "generic", Summary: "Atomically transfer a key from a Redis instance to another one.", Since: "2.6.0", Exec: migrateCommand},
	}
	register(cmds...)
	for _, c := range cmds {
		m := clsMeta[c.Name]
		c.infoFlags, c.ACL, c.Tips, c.Specs = m.flags, m.acl, m.tips, m.specs
	}
}

// DumpPayload appends the DUMP payload of en to dst.
func (e *Engine) dumpPayload(dst []byte, en *Entry, compress bool) []byte {
	r := rdbEntries{compress: compress}
	start := len(dst)
	dst = r.appendObject(dst, en, false)
	return rdb.AppendDumpFooter(dst, start)
}

func dumpCommand(c *Ctx) {
	en := c.LookupRead(c.Args[1])
	if en == nil {
		c.Null()
		return
	}
	c.Bulk(c.e.dumpPayload(nil, en, c.e.cfgBool("rdbcompression")))
}

const (
	errBusyKey    = "BUSYKEY Target key name already exists."
	errBadPayload = "ERR DUMP payload version or checksum are wrong"
	errBadFormat  = "ERR Bad data format"
)

var (
	bRESTORE       = []byte("RESTORE")
	bRESTOREAsking = []byte("RESTORE-ASKING")
	bABSTTL        = []byte("ABSTTL")
	bREPLACE       = []byte("REPLACE")
	bUNLINK        = []byte("UNLINK")
	bAUTH          = []byte("AUTH")
)

// restoreCommand is RESTORE and RESTORE-ASKING:
// key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f].
func restoreCommand(c *Ctx) {
	args := c.Args
	key := args[1]
	replace, absttl := false, false
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(args); j++ {
		more := len(args) - j - 1
		switch {
		case argIs(args[j], "REPLACE"):
			replace = true
		case argIs(args[j], "ABSTTL"):
			absttl = true
		case argIs(args[j], "IDLETIME") && more >= 1 && freq == -1:
			n, ok := parseInt(args[j+1])
			if !ok {
				c.NotInteger()
				return
			}
			if n < 0 {
				c.Error("ERR Invalid IDLETIME value, must be >= 0")
				return
			}
			idle = n
			j++
		case argIs(args[j], "FREQ") && more >= 1 && idle == -1:
			n, ok := parseInt(args[j+1])
			if !ok {
				c.NotInteger()
				return
			}
			if n < 0 || n > 255 {
				c.Error("ERR Invalid FREQ value, must be >= 0 and <= 255")
				return
			}
			freq = n
			j++
		default:
			c.SyntaxError()
			return
		}
	}
	if !replace && c.Lookup(key) != nil {
		c.Error(errBusyKey)
		return
	}
	ttl, ok := parseInt(args[2])
	if !ok {
		c.NotInteger()
		return
	}
	if ttl < 0 {
		c.Error("ERR Invalid TTL value, must be >= 0")
		return
	}
	if _, err := rdb.VerifyDump(args[3]); err != nil {
		c.Error(errBadPayload)
		return
	}
	if ttl != 0 && !absttl {
		ttl += c.Now
	}
	loading := c.Client != nil && c.Client.loader
	if ttl != 0 && ttl <= c.Now && !loading {
		// Already expired: only the old key goes, as in Redis.
		var err error
		err = rdb.DecodeDump(args[3], func(*rdb.Value) error { return nil })
		if err != nil {
			c.Error(errBadFormat)
			return
		}
		if replace && c.Remove(key) {
			del := bDEL
			if c.e.cfgBool("lazyfree-lazy-server-del") {
				del = bUNLINK
			}
			c.Rewrite(del, key)
		}
		c.OK()
		return
	}
	mark := len(c.Out)
	err := rdb.DecodeDump(args[3], func(v *rdb.Value) error {
		if replace {
			c.Remove(key)
		}
		if !c.restoreValue(key, v) {
			return errors.New("bad value")
		}
		return nil
	})
	c.Out = c.Out[:mark]
	if err != nil {
		c.Error(errBadFormat)
		return
	}
	if en := c.dict(key).Get(key); en != nil {
		setIdle(en, c.e.memPolicy(), c.Now, idle, freq) // IDLETIME / FREQ
	}
	if ttl != 0 {
		if en := c.Lookup(key); en != nil {
			c.SetExpire(key, en, ttl)
		}
		if !absttl {
			// Propagate the TTL as an absolute time, as Redis does.
			re := make([][]byte, 0, len(args)+1)
			re = append(re, args[:2]...)
			re = append(re, strconv.AppendInt(nil, ttl, 10))
			re = append(re, args[3:]...)
			re = append(re, bABSTTL)
			c.Rewrite(re...)
		}
	}
	c.OK()
}

// restoreValue creates key (absent) holding v, through the same commands the
// RDB loader runs (persist.go loader.Key). It reports false if they failed.
func (c *Ctx) restoreValue(key []byte, v *rdb.Value) bool {
	if v.Kind == rdb.KindString {
		en := c.Create(key)
		en.Type = TypeString
		en.SetStr(v.Str)
		return true
	}
	args, _, ok := valueCommand(make([][]byte, 0, 2+len(v.Elems)*2), nil, key, v)
	if !ok {
		return false
	}
	exec := lookupCommand(args[0]).Exec // RPUSH, SADD, HSET or ZADD, from the one table
	if len(args) <= 2 {
		return false
	}
	saved, mark := c.Args, len(c.Out)
	c.Args = args
	exec(c)
	c.Args = saved
	return len(c.Out) == mark || c.Out[mark] != '-'
}

// migrateKeys gives MIGRATE's key positions: the key argument, or every
// argument after KEYS (Redis's migrateGetKeys).
func migrateKeys(args [][]byte, dst []int) []int {
	if len(args) < 6 {
		return dst
	}
	for i := 6; i < len(args); i++ {
		switch {
		case argIs(args[i], "KEYS"):
			for j := i + 1; j < len(args); j++ {
				dst = append(dst, j)
			}
			return dst
		case argIs(args[i], "AUTH"):
			i++
		case argIs(args[i], "AUTH2"):
			i += 2
		}
	}
	return append(dst, 3)
}

// migrateCommand is MIGRATE host port key|"" destination-db timeout [COPY]
// [REPLACE] [AUTH password | AUTH2 username password] [KEYS key ...].
func migrateCommand(c *Ctx) {
	args := c.Args
	copyKeys, replace := false, false
	var auth [][]byte
	keys := args[3:4]
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case argIs(args[j], "COPY"):
			copyKeys = true
		case argIs(args[j], "REPLACE"):
			replace = true
		case argIs(args[j], "AUTH"):
			if more == 0 {
				c.SyntaxError()
				return
			}
			j++
			auth = [][]byte{bAUTH, args[j]}
		case argIs(args[j], "AUTH2"):
			if more < 2 {
				c.SyntaxError()
				return
			}
			auth = [][]byte{bAUTH, args[j+1], args[j+2]}
			j += 2
		case argIs(args[j], "KEYS"):
			if len(args[3]) != 0 {
				c.Error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
				return
			}
			keys = args[j+1:]
			j = len(args)
		default:
			c.SyntaxError()
			return
		}
	}
	timeout, ok := parseInt(args[5])
	if !ok {
		c.NotInteger()
		return
	}
	db, ok := parseInt(args[4])
	if !ok {
		c.NotInteger()
		return
	}
	if timeout <= 0 {
		timeout = 1000
	}
	type kv struct {
		key []byte
		en  *Entry
	}
	var found []kv
	for _, k := range keys {
		if en := c.LookupRead(k); en != nil {
			found = append(found, kv{k, en})
		}
	}
	if len(found) == 0 {
		c.Simple("NOKEY")
		return
	}
	// The request: AUTH, SELECT (unless the cached connection has db
	// selected), then one RESTORE per key still alive.
	restore := bRESTORE
	if c.e.clusterOn {
		restore = bRESTOREAsking
	}
	compress := c.e.cfgBool("rdbcompression")
	addr := net.JoinHostPort(string(args[1]), string(args[2]))
	dur := time.Duration(timeout) * time.Millisecond
	cache := &c.e.cluster.mig
	for attempt := 0; ; attempt++ {
		mc, errMsg := cache.get(addr, dur)
		if mc == nil {
			c.Error(errMsg)
			return
		}
		var req []byte
		if auth != nil {
			req = appendRESPCommand(req, auth...)
		}
		sel := mc.db != db
		if sel {
			req = appendRESPCommand(req, bSELECT, strconv.AppendInt(nil, db, 10))
		}
		var sent []kv
		var payload, num []byte
		for _, f := range found {
			ttl := int64(0)
			if f.en.Expire() != 0 {
				if ttl = f.en.Expire() - c.Now; ttl < 0 {
					continue
				}
				ttl = max(ttl, 1)
			}
			sent = append(sent, f)
			payload = c.e.dumpPayload(payload[:0], f.en, compress)
			num = strconv.AppendInt(num[:0], ttl, 10)
			if replace {
				req = appendRESPCommand(req, restore, f.key, num, payload, bREPLACE)
			} else {
				req = appendRESPCommand(req, restore, f.key, num, payload)
			}
		}
		_ = mc.c.SetDeadline(time.Now().Add(dur))
		if _, err := mc.c.Write(req); err != nil {
			cache.drop(mc)
			if mc.cached && attempt == 0 && !isTimeout(err) {
				continue // a stale cached connection: retry once on a new one
			}
			c.Error("IOERR error or timeout writing to target instance")
			return
		}
		var authReply, selReply string
		var err error
		if auth != nil {
			authReply, err = mc.readLine()
		}
		if err == nil && sel {
			selReply, err = mc.readLine()
		}
		if err != nil {
			cache.drop(mc)
			if mc.cached && attempt == 0 && !isTimeout(err) {
				continue
			}
			c.Error("IOERR error or timeout reading to target instance")
			return
		}
		targetErr := ""
		socketErr := false
		var moved [][]byte
		var readErr error
		for _, f := range sent {
			line, err := mc.readLine()
			if err != nil {
				socketErr, readErr = true, err
				break
			}
			if (auth != nil && isErrLine(authReply)) || (sel && isErrLine(selReply)) || isErrLine(line) {
				if targetErr == "" {
					mc.db = -1
					switch {
					case auth != nil && isErrLine(authReply):
						targetErr = authReply[1:]
					case sel && isErrLine(selReply):
						targetErr = selReply[1:]
					default:
						targetErr = line[1:]
					}
				}
				continue
			}
			if !copyKeys {
				c.Remove(f.key)
				moved = append(moved, f.key)
			}
		}
		if len(moved) > 0 {
			// Propagated as a DEL of the keys the target acknowledged.
			c.Rewrite(append([][]byte{bDEL}, moved...)...)
		}
		if socketErr {
			cache.drop(mc)
			if targetErr == "" && len(moved) == 0 && mc.cached && attempt == 0 && !isTimeout(readErr) {
				continue // nothing was processed: retry once on a new connection
			}
			if targetErr == "" {
				c.Error("IOERR error or timeout reading to target instance")
				return
			}
		} else {
			if targetErr == "" {
				mc.db = db
			}
			cache.put(addr, mc)
		}
		if targetErr != "" {
			c.Error("ERR Target instance replied with error: " + targetErr)
			return
		}
		c.OK()
		return
	}
}

func isErrLine(s string) bool { return len(s) > 0 && s[0] == '-' }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// migrateCache keeps MIGRATE's connections by target address. A connection
// is used by one MIGRATE at a time (taken out of the map meanwhile) and
// closed after 10 s unused, as Redis's MIGRATE_SOCKET_CACHE_TTL.
type migrateCache struct {
	mu    sync.Mutex
	conns map[string]*migConn
}

type migConn struct {
	c      net.Conn
	r      *bufio.Reader
	db     int64 // the database selected on it, -1 unknown
	last   time.Time
	cached bool // it came from the cache (and may have gone stale)
}

const migrateCacheTTL = 10 * time.Second

// get takes the cached connection to addr, or dials one; errMsg is the
// reply when that fails.
func (m *migrateCache) get(addr string, timeout time.Duration) (*migConn, string) {
	m.mu.Lock()
	now := time.Now()
	for a, mc := range m.conns {
		if now.Sub(mc.last) > migrateCacheTTL {
			_ = mc.c.Close()
			delete(m.conns, a)
		}
	}
	mc := m.conns[addr]
	delete(m.conns, addr)
	m.mu.Unlock()
	if mc != nil {
		mc.cached = true
		return mc, ""
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, "IOERR error or timeout connecting to the client"
	}
	return &migConn{c: conn, r: bufio.NewReader(conn), db: -1}, ""
}

func (m *migrateCache) put(addr string, mc *migConn) {
	mc.last = time.Now()
	mc.cached = false
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conns == nil {
		m.conns = make(map[string]*migConn)
	}
	if old := m.conns[addr]; old != nil {
		_ = old.c.Close()
	}
	m.conns[addr] = mc
}

func (m *migrateCache) drop(mc *migConn) { _ = mc.c.Close() }

// readLine reads one reply and returns its first line (status, error or
// integer); a bulk or aggregate reply is skipped whole.
func (mc *migConn) readLine() (string, error) {
	line, err := mc.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return "", errors.New("protocol error")
	}
	line = line[:len(line)-2]
	switch line[0] {
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n >= 0 {
			if _, err := mc.r.Discard(n + 2); err != nil {
				return "", err
			}
		}
	case '*':
		n, _ := strconv.Atoi(line[1:])
		for i := 0; i < n; i++ {
			if _, err := mc.readLine(); err != nil {
				return "", err
			}
		}
	}
	return line, nil
}
