package shard

import (
	"strconv"
	"strings"
	"time"
)

// Connection commands: they touch only the calling client's session, so they are
// RouteLocal and run on the client's own loop.

func init() {
	register(
		&Command{Name: "ping", Arity: -1, Flags: FlagFast, Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}, Group: "connection", Summary: "Ping the server", Since: "1.0.0", Exec: pingCommand},
		&Command{Name: "echo", Arity: 2, Flags: FlagFast | FlagStale | FlagLoading, Group: "connection", Summary: "Echo the given string", Since: "1.0.0", Exec: echoCommand},
		&Command{Name: "quit", Arity: -1, Flags: FlagNoAuth | FlagFast | FlagStale | FlagLoading | FlagNoScript, Group: "connection", Summary: "Close the connection", Since: "1.0.0", Exec: quitCommand},
		&Command{Name: "select", Arity: 2, Flags: FlagFast | FlagLoading | FlagStale, Group: "connection", Summary: "Change the selected database for the current connection", Since: "1.0.0", Exec: selectCommand},
		&Command{Name: "auth", Arity: -2, Flags: FlagNoAuth | FlagFast | FlagNoScript | FlagLoading | FlagStale, Group: "connection", Summary: "Authenticate to the server", Since: "1.0.0", Exec: authCommand},
		&Command{Name: "hello", Arity: -1, Flags: FlagNoAuth | FlagFast | FlagNoScript | FlagLoading | FlagStale, Group: "connection", Summary: "Handshake with Redis", Since: "6.0.0", Exec: helloCommand},
		&Command{Name: "time", Arity: 1, Flags: FlagFast | FlagLoading | FlagStale, Group: "server", Summary: "Return the current server time", Since: "2.6.0", Exec: timeCommand},
		&Command{Name: "wait", Arity: 3, Flags: FlagNoScript, Group: "generic", Summary: "Wait for the synchronous replication of all the write commands sent in the context of the current connection", Since: "3.0.0", Exec: waitCommand},
		&Command{Name: "client", Arity: -2, Group: "connection", Summary: "A container for client connection commands", Since: "2.4.0", Exec: containerCommand,
			Sub: map[string]*Command{
				"id":       {Arity: 2, Flags: FlagNoScript | FlagLoading | FlagStale, Summary: "Returns the client ID for the current connection", Since: "5.0.0", Exec: clientIDCommand},
				"setname":  {Arity: 3, Flags: FlagNoScript | FlagLoading | FlagStale, Summary: "Set the current connection name", Since: "2.6.9", Exec: clientSetNameCommand},
				"getname":  {Arity: 2, Flags: FlagNoScript | FlagLoading | FlagStale, Summary: "Get the current connection name", Since: "2.6.9", Exec: clientGetNameCommand},
				"list":     {Arity: -2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Get the list of client connections", Since: "2.4.0", Exec: clientListCommand},
				"info":     {Arity: 2, Flags: FlagNoScript | FlagLoading | FlagStale, Summary: "Returns information about the current client connection.", Since: "6.2.0", Exec: clientInfoCommand},
				"kill":     {Arity: -3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Kill the connection of a client", Since: "2.4.0", Exec: clientKillCommand},
				"setinfo":  {Arity: 4, Flags: FlagNoScript | FlagLoading | FlagStale, Summary: "Set client or connection specific info", Since: "7.2.0", Exec: clientSetInfoCommand},
				"reply":    {Arity: 3, Flags: FlagNoScript | FlagLoading | FlagStale, Summary: "Instruct the server whether to reply to commands", Since: "3.2.0", Exec: clientReplyCommand},
				"no-evict": {Arity: 3, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Summary: "Set client eviction mode for the current connection", Since: "7.0.0", Exec: clientOnOffOK},
				"no-touch": {Arity: 3, Flags: FlagNoScript | FlagLoading | FlagStale, Summary: "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.", Since: "7.2.0", Exec: clientOnOffOK},
				"help":     {Arity: 2, Flags: FlagLoading | FlagStale, Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Exec: helpCommand},
			}},
	)
}

// containerCommand answers a container command called with an unknown subcommand.
func containerCommand(c *Ctx) {
	c.Out = appendUnknownSubcommand(c.Out, c.Args[1], c.Cmd.Name)
}

func helpCommand(c *Ctx) {
	parent := c.Cmd.parent
	var lines []string
	upper := strings.ToUpper(parent.Name)
	lines = append(lines, upper+" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	names := make([]string, 0, len(parent.Sub))
	for n := range parent.Sub {
		names = append(names, n)
	}
	sortStrings(names)
	for _, n := range names {
		sub := parent.Sub[n]
		lines = append(lines, strings.ToUpper(n), "    "+sub.Summary+".")
	}
	c.Lines(lines)
}

func pingCommand(c *Ctx) {
	switch len(c.Args) {
	case 1:
		c.Simple("PONG")
	case 2:
		c.Bulk(c.Args[1])
	default:
		c.ArityError()
	}
}

func echoCommand(c *Ctx) { c.Bulk(c.Args[1]) }

func quitCommand(c *Ctx) {
	c.OK()
	c.Client.CloseAfterReply = true
}

func selectCommand(c *Ctx) {
	n, ok := parseInt(c.Args[1])
	if !ok {
		c.NotInteger()
		return
	}
	if c.e.clusterOn && n != 0 {
		c.Error("ERR SELECT is not allowed in cluster mode")
		return
	}
	if n < 0 || n >= int64(c.e.ndb) {
		c.Error(ErrDBIndex)
		return
	}
	c.Client.SetDB(int(n))
	c.OK()
}

func authCommand(c *Ctx) {
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	pass := c.Args[len(c.Args)-1]
	user := "default"
	if len(c.Args) == 3 {
		user = string(c.Args[1])
	}
	if len(c.Args) == 2 && c.e.requirePass() == "" {
		c.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	if !c.e.checkPassword(user, pass) {
		c.Error(ErrWrongPass)
		return
	}
	c.Client.Authed = true
	c.OK()
}

func (e *Engine) checkPassword(user string, pass []byte) bool {
	if user != "default" {
		return false
	}
	return e.requirePass() == "" || string(pass) == e.requirePass()
}

// helloCommand: HELLO [protover [AUTH username password] [SETNAME clientname]].
func helloCommand(c *Ctx) {
	proto := c.Client.Proto()
	i := 1
	if len(c.Args) >= 2 {
		v, ok := parseInt(c.Args[1])
		if !ok {
			c.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.Error("NOPROTO unsupported protocol version")
			return
		}
		proto = int(v)
		i = 2
	}
	var name []byte
	authed := c.Client.Authed
	for ; i < len(c.Args); i++ {
		more := len(c.Args) - i - 1
		switch opt := strings.ToLower(string(c.Args[i])); {
		case opt == "auth" && more >= 2:
			if !c.e.checkPassword(string(c.Args[i+1]), c.Args[i+2]) {
				c.Error(ErrWrongPass)
				return
			}
			authed = true
			i += 2
		case opt == "setname" && more >= 1:
			name = c.Args[i+1]
			if !validClientName(name) {
				c.Error("ERR Client names cannot contain spaces, newlines or special characters.")
				return
			}
			i++
		default:
			c.Error("ERR Syntax error in HELLO option '" + string(c.Args[i]) + "'")
			return
		}
	}
	if !authed {
		c.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	c.Client.Authed = true
	if name != nil {
		c.Client.setName(string(name))
	}
	c.Client.SetProto(proto)
	c.proto = proto
	c.Map(7)
	c.BulkString("server")
	c.BulkString("redis")
	c.BulkString("version")
	c.BulkString(RedisVersion)
	c.BulkString("proto")
	c.Int(int64(proto))
	c.BulkString("id")
	c.Int(c.Client.ID)
	c.BulkString("mode")
	c.BulkString(c.e.mode())
	c.BulkString("role")
	c.BulkString("master")
	c.BulkString("modules")
	c.Array(0)
}

func timeCommand(c *Ctx) {
	now := time.Now()
	c.Array(2)
	c.BulkInt(now.Unix())
	c.BulkInt(int64(now.Nanosecond() / 1000))
}

func waitCommand(c *Ctx) {
	if _, ok := parseInt(c.Args[1]); !ok {
		c.NotInteger()
		return
	}
	if t, ok := parseInt(c.Args[2]); !ok {
		c.Error("ERR timeout is not an integer or out of range")
		return
	} else if t < 0 {
		c.Error("ERR timeout is negative")
		return
	}
	c.Int(0) // no replicas yet
}

func clientIDCommand(c *Ctx) { c.Int(c.Client.ID) }

func validClientName(n []byte) bool {
	for _, ch := range n {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func clientSetNameCommand(c *Ctx) {
	if !validClientName(c.Args[2]) {
		c.Error("ERR Client names cannot contain spaces, newlines or special characters.")
		return
	}
	c.Client.setName(string(c.Args[2]))
	c.OK()
}

func clientGetNameCommand(c *Ctx) {
	if n := c.Client.Name(); n != "" {
		c.BulkString(n)
	} else {
		c.Null()
	}
}

func clientSetInfoCommand(c *Ctx) {
	attr := strings.ToLower(string(c.Args[2]))
	val := string(c.Args[3])
	if attr != "lib-name" && attr != "lib-ver" {
		c.Error("ERR Unrecognized option '" + string(c.Args[2]) + "'")
		return
	}
	for i := 0; i < len(val); i++ {
		if val[i] < '!' || val[i] > '~' {
			c.Error("ERR " + strings.ToUpper(attr) + " cannot contain spaces, newlines or special characters.")
			return
		}
	}
	c.Client.mu.Lock()
	if attr == "lib-name" {
		c.Client.libName = val
	} else {
		c.Client.libVer = val
	}
	c.Client.mu.Unlock()
	c.OK()
}

func clientReplyCommand(c *Ctx) {
	cl := c.Client
	switch strings.ToLower(string(c.Args[2])) {
	case "on":
		cl.replyOff, cl.replySkip = false, false
		c.OK()
	case "off":
		cl.replyOff = true
	case "skip":
		if !cl.replyOff {
			cl.replySkipNext = true
		}
	default:
		c.SyntaxError()
	}
}

func clientOnOffOK(c *Ctx) {
	switch strings.ToLower(string(c.Args[2])) {
	case "on", "off":
		c.OK()
	default:
		c.SyntaxError()
	}
}

// clientLine renders one CLIENT LIST line, with Redis 7's field order.
func (e *Engine) clientLine(cl *Client, now time.Time) string {
	cl.mu.Lock()
	name, libName, libVer := cl.name, cl.libName, cl.libVer
	cl.mu.Unlock()
	cmd := "NULL"
	if id := cl.lastCmd.Load(); id >= 0 && int(id) < len(commandList) {
		cmd = commandList[id].Name
	}
	var st ConnStats
	if cl.Stats != nil {
		st = cl.Stats()
	}
	idle := (now.UnixMilli() - cl.lastActive.Load()) / 1000
	if idle < 0 {
		idle = 0
	}
	flags := "N"
	var b strings.Builder
	b.WriteString("id=" + strconv.FormatInt(cl.ID, 10))
	b.WriteString(" addr=" + cl.Addr)
	b.WriteString(" laddr=" + cl.LAddr)
	b.WriteString(" fd=" + strconv.Itoa(cl.Fd))
	b.WriteString(" name=" + name)
	b.WriteString(" age=" + strconv.FormatInt(int64(now.Sub(cl.Created)/time.Second), 10))
	b.WriteString(" idle=" + strconv.FormatInt(idle, 10))
	b.WriteString(" flags=" + flags)
	b.WriteString(" db=" + strconv.Itoa(cl.DB()))
	b.WriteString(" sub=0 psub=0 ssub=0 multi=-1")
	b.WriteString(" qbuf=" + strconv.Itoa(st.QueryBuf) + " qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0")
	b.WriteString(" obl=0 oll=0 omem=" + strconv.Itoa(st.OutputBuf) + " tot-mem=0 events=r")
	b.WriteString(" cmd=" + cmd + " user=default redir=-1 resp=" + strconv.Itoa(cl.Proto()))
	b.WriteString(" lib-name=" + libName + " lib-ver=" + libVer)
	return b.String()
}

func (e *Engine) clientsSnapshot() []*Client {
	e.clientsMu.Lock()
	list := make([]*Client, 0, len(e.clients))
	for _, cl := range e.clients {
		list = append(list, cl)
	}
	e.clientsMu.Unlock()
	sortClients(list)
	return list
}

func clientListCommand(c *Ctx) {
	var ids map[int64]bool
	for i := 2; i < len(c.Args); i++ {
		switch opt := strings.ToLower(string(c.Args[i])); {
		case opt == "type" && i+1 < len(c.Args):
			t := strings.ToLower(string(c.Args[i+1]))
			switch t {
			case "normal":
			case "master", "replica", "slave", "pubsub":
				ids = map[int64]bool{}
			default:
				c.Error("ERR Unknown client type '" + string(c.Args[i+1]) + "'")
				return
			}
			i++
		case opt == "id" && i+1 < len(c.Args):
			ids = map[int64]bool{}
			for i++; i < len(c.Args); i++ {
				id, ok := parseInt(c.Args[i])
				if !ok || id <= 0 {
					c.Error("ERR Invalid client ID")
					return
				}
				ids[id] = true
			}
		default:
			c.SyntaxError()
			return
		}
	}
	now := time.Now()
	var b strings.Builder
	for _, cl := range c.e.clientsSnapshot() {
		if ids != nil && !ids[cl.ID] {
			continue
		}
		b.WriteString(c.e.clientLine(cl, now))
		b.WriteByte('\n')
	}
	c.Verbatim(b.String())
}

func clientInfoCommand(c *Ctx) {
	c.Verbatim(c.e.clientLine(c.Client, time.Now()) + "\n")
}

// clientKillCommand: CLIENT KILL addr, or CLIENT KILL <filter value> ...
func clientKillCommand(c *Ctx) {
	if len(c.Args) == 3 {
		addr := string(c.Args[2])
		for _, cl := range c.e.clientsSnapshot() {
			if cl.Addr == addr {
				c.e.kill(cl)
				c.OK()
				return
			}
		}
		c.Error("ERR No such client")
		return
	}
	if len(c.Args)%2 != 0 {
		c.SyntaxError()
		return
	}
	var id int64
	var addr, laddr string
	skipMe := true
	for i := 2; i < len(c.Args); i += 2 {
		v := string(c.Args[i+1])
		switch strings.ToLower(string(c.Args[i])) {
		case "id":
			n, ok := parseInt(c.Args[i+1])
			if !ok || n <= 0 {
				c.Error("ERR client-id should be greater than 0")
				return
			}
			id = n
		case "addr":
			addr = v
		case "laddr":
			laddr = v
		case "skipme":
			switch strings.ToLower(v) {
			case "yes":
				skipMe = true
			case "no":
				skipMe = false
			default:
				c.SyntaxError()
				return
			}
		case "type":
			switch strings.ToLower(v) {
			case "normal", "master", "replica", "slave", "pubsub":
			default:
				c.Error("ERR Unknown client type '" + v + "'")
				return
			}
		case "user":
			if v != "default" {
				c.Error("ERR No such user '" + v + "'")
				return
			}
		case "maxage":
		default:
			c.SyntaxError()
			return
		}
	}
	killed := 0
	for _, cl := range c.e.clientsSnapshot() {
		if (id != 0 && cl.ID != id) || (addr != "" && cl.Addr != addr) || (laddr != "" && cl.LAddr != laddr) {
			continue
		}
		if skipMe && cl == c.Client {
			continue
		}
		c.e.kill(cl)
		killed++
	}
	c.Int(int64(killed))
}

func (e *Engine) kill(cl *Client) {
	if cl.killed.CompareAndSwap(false, true) && cl.Kill != nil {
		cl.Kill()
	}
}

// KillIdle closes clients idle for longer than d (the `timeout` setting).
func (e *Engine) KillIdle(d time.Duration) {
	cut := time.Now().Add(-d).UnixMilli()
	for _, cl := range e.clientsSnapshot() {
		if cl.lastActive.Load() < cut && cl.job.cl == nil {
			e.kill(cl)
		}
	}
}

func sortClients(l []*Client) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].ID < l[j-1].ID; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

func sortStrings(l []string) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j] < l[j-1]; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

// parseInt parses a base-10 int64 with Redis's string2ll rules (no '+', no
// leading zeros, no spaces).
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v = v*10 + uint64(d)
		if v < uint64(d) {
			return 0, false
		}
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
