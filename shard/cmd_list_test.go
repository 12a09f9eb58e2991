package shard

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLstTranscript runs testdata/kv_list.txt (format: kv_string.txt; -update-kv
// re-records it). Its own runner, because blocking commands that time out
// need the engine started (timeouts run on the shards like commands).
func TestLstTranscript(t *testing.T) { runTranscript(t, "kv_list.txt") }

// ---- random command sequences: against a Go model, and against Redis ----

// lstModel is the obvious implementation of the list commands: a map of
// string slices, replying in RESP2 or RESP3.
type lstModel struct {
	lists map[string][]string
	strs  map[string]string
	proto int
}

func newLstModel(proto int) *lstModel {
	return &lstModel{lists: map[string][]string{}, strs: map[string]string{}, proto: proto}
}

func lstRBulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
func lstRInt(n int) string     { return ":" + strconv.Itoa(n) + "\r\n" }
func lstRArr(items []string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(items)) + "\r\n")
	for _, it := range items {
		b.WriteString(lstRBulk(it))
	}
	return b.String()
}

func (m *lstModel) null() string {
	if m.proto == 3 {
		return "_\r\n"
	}
	return "$-1\r\n"
}

func (m *lstModel) nullArray() string {
	if m.proto == 3 {
		return "_\r\n"
	}
	return "*-1\r\n"
}

const lstWT = "-" + ErrWrongType + "\r\n"

func lstAtoiT(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// norm applies Redis's LRANGE/LTRIM index rules: ok false for an empty range.
func lstNorm(start, end, n int) (int, int, bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= n {
		return 0, 0, false
	}
	if end >= n {
		end = n - 1
	}
	return start, end, true
}

func (m *lstModel) set(k string, l []string) {
	if len(l) == 0 {
		delete(m.lists, k)
	} else {
		m.lists[k] = l
	}
}

// popN removes up to n elements from the head or tail, in pop order.
func (m *lstModel) popN(k string, head bool, n int) []string {
	l := m.lists[k]
	n = min(n, len(l))
	var out []string
	if head {
		out = append(out, l[:n]...)
		l = l[n:]
	} else {
		for i := 0; i < n; i++ {
			out = append(out, l[len(l)-1-i])
		}
		l = l[:len(l)-n]
	}
	m.set(k, append([]string(nil), l...))
	return out
}

func (m *lstModel) push(k string, head bool, vals ...string) int {
	l := m.lists[k]
	for _, v := range vals {
		if head {
			l = append([]string{v}, l...)
		} else {
			l = append(l, v)
		}
	}
	m.set(k, l)
	return len(l)
}

// apply runs one command on the model and returns its reply.
func (m *lstModel) apply(args []string) string {
	cmd := strings.ToUpper(args[0])
	isStr := func(k string) bool { _, ok := m.strs[k]; return ok }
	switch cmd {
	case "SET":
		delete(m.lists, args[1])
		m.strs[args[1]] = args[2]
		return "+OK\r\n"
	case "DEL":
		n := 0
		for _, k := range args[1:] {
			if _, ok := m.lists[k]; ok {
				n++
			} else if isStr(k) {
				n++
			}
			delete(m.lists, k)
			delete(m.strs, k)
		}
		return lstRInt(n)
	case "CONFIG":
		return "+OK\r\n"
	case "OBJECT":
		if _, ok := m.lists[args[2]]; ok {
			return lstRBulk("quicklist")
		}
		if isStr(args[2]) {
			return lstRBulk("embstr")
		}
		return m.null()
	case "TYPE":
		if _, ok := m.lists[args[1]]; ok {
			return "+list\r\n"
		}
		if isStr(args[1]) {
			return "+string\r\n"
		}
		return "+none\r\n"
	}
	k := args[1]
	// Argument errors come before the type check for these commands.
	switch cmd {
	case "LPUSH", "RPUSH", "LPUSHX", "RPUSHX":
		if isStr(k) {
			return lstWT
		}
		if _, ok := m.lists[k]; !ok && strings.HasSuffix(cmd, "X") {
			return lstRInt(0)
		}
		return lstRInt(m.push(k, cmd[0] == 'L', args[2:]...))
	case "LPOP", "RPOP":
		l, ok := m.lists[k]
		if isStr(k) {
			return lstWT
		}
		if !ok {
			if len(args) == 3 {
				return m.nullArray()
			}
			return m.null()
		}
		if len(args) == 2 {
			return lstRBulk(m.popN(k, cmd == "LPOP", 1)[0])
		}
		n := lstAtoiT(args[2])
		if n == 0 {
			return "*0\r\n"
		}
		_ = l
		return lstRArr(m.popN(k, cmd == "LPOP", n))
	case "LLEN":
		if isStr(k) {
			return lstWT
		}
		return lstRInt(len(m.lists[k]))
	case "LRANGE":
		if isStr(k) {
			return lstWT
		}
		l := m.lists[k]
		s, e, ok := lstNorm(lstAtoiT(args[2]), lstAtoiT(args[3]), len(l))
		if !ok {
			return "*0\r\n"
		}
		return lstRArr(l[s : e+1])
	case "LINDEX":
		if isStr(k) {
			return lstWT
		}
		l, ok := m.lists[k]
		if !ok {
			return m.null()
		}
		i := lstAtoiT(args[2])
		if i < 0 {
			i += len(l)
		}
		if i < 0 || i >= len(l) {
			return m.null()
		}
		return lstRBulk(l[i])
	case "LSET":
		if isStr(k) {
			return lstWT
		}
		l, ok := m.lists[k]
		if !ok {
			return "-" + ErrNoSuchKey + "\r\n"
		}
		i := lstAtoiT(args[2])
		if i < 0 {
			i += len(l)
		}
		if i < 0 || i >= len(l) {
			return "-" + lstErrIndexRange + "\r\n"
		}
		l[i] = args[3]
		return "+OK\r\n"
	case "LREM":
		if isStr(k) {
			return lstWT
		}
		l := m.lists[k]
		cnt := lstAtoiT(args[2])
		limit, fromTail := cnt, cnt < 0
		if fromTail {
			limit = -cnt
		}
		removed := 0
		var kept []string
		if !fromTail {
			for _, v := range l {
				if v == args[3] && (limit == 0 || removed < limit) {
					removed++
					continue
				}
				kept = append(kept, v)
			}
		} else {
			for i := len(l) - 1; i >= 0; i-- {
				if l[i] == args[3] && (limit == 0 || removed < limit) {
					removed++
					continue
				}
				kept = append([]string{l[i]}, kept...)
			}
		}
		if _, ok := m.lists[k]; ok {
			m.set(k, kept)
		}
		return lstRInt(removed)
	case "LTRIM":
		if isStr(k) {
			return lstWT
		}
		l, ok := m.lists[k]
		if !ok {
			return "+OK\r\n"
		}
		s, e, ok := lstNorm(lstAtoiT(args[2]), lstAtoiT(args[3]), len(l))
		if !ok {
			m.set(k, nil)
		} else {
			m.set(k, append([]string(nil), l[s:e+1]...))
		}
		return "+OK\r\n"
	case "LINSERT":
		if isStr(k) {
			return lstWT
		}
		l, ok := m.lists[k]
		if !ok {
			return lstRInt(0)
		}
		for i, v := range l {
			if v == args[3] {
				if strings.EqualFold(args[2], "AFTER") {
					i++
				}
				l = append(l[:i], append([]string{args[4]}, l[i:]...)...)
				m.set(k, l)
				return lstRInt(len(l))
			}
		}
		return lstRInt(-1)
	case "LPOS":
		rank, count, maxlen := 1, -1, 0
		for j := 3; j < len(args); j += 2 {
			n := lstAtoiT(args[j+1])
			switch strings.ToUpper(args[j]) {
			case "RANK":
				rank = n
			case "COUNT":
				count = n
			case "MAXLEN":
				maxlen = n
			}
		}
		if isStr(k) {
			return lstWT
		}
		l, ok := m.lists[k]
		if !ok {
			if count != -1 {
				return "*0\r\n"
			}
			return m.null()
		}
		var idx []int
		if rank > 0 {
			for i := 0; i < len(l) && (maxlen == 0 || i < maxlen); i++ {
				if l[i] == args[2] {
					idx = append(idx, i)
				}
			}
		} else {
			for i := len(l) - 1; i >= 0 && (maxlen == 0 || len(l)-1-i < maxlen); i-- {
				if l[i] == args[2] {
					idx = append(idx, i)
				}
			}
			rank = -rank
		}
		if rank-1 < len(idx) {
			idx = idx[rank-1:]
		} else {
			idx = nil
		}
		if count == -1 {
			if len(idx) == 0 {
				return m.null()
			}
			return lstRInt(idx[0])
		}
		if count > 0 && len(idx) > count {
			idx = idx[:count]
		}
		s := "*" + strconv.Itoa(len(idx)) + "\r\n"
		for _, i := range idx {
			s += lstRInt(i)
		}
		return s
	case "LMOVE", "RPOPLPUSH", "BLMOVE", "BRPOPLPUSH":
		src, dst := args[1], args[2]
		from, to := "RIGHT", "LEFT"
		if cmd == "LMOVE" || cmd == "BLMOVE" {
			from, to = strings.ToUpper(args[3]), strings.ToUpper(args[4])
		}
		if isStr(src) {
			return lstWT
		}
		if _, ok := m.lists[src]; !ok {
			if cmd[0] == 'B' {
				return m.nullArray() // the timeout's null
			}
			return m.null()
		}
		if isStr(dst) {
			return lstWT
		}
		v := m.popN(src, from == "LEFT", 1)[0]
		m.push(dst, to == "LEFT", v)
		return lstRBulk(v)
	case "LMPOP", "BLMPOP":
		i := 1
		if cmd == "BLMPOP" {
			i = 2
		}
		n := lstAtoiT(args[i])
		keys := args[i+1 : i+1+n]
		head := strings.EqualFold(args[i+1+n], "LEFT")
		count := 1
		if len(args) > i+2+n {
			count = lstAtoiT(args[i+3+n])
		}
		for _, k := range keys {
			if isStr(k) {
				return lstWT
			}
			if _, ok := m.lists[k]; ok {
				return "*2\r\n" + lstRBulk(k) + lstRArr(m.popN(k, head, count))
			}
		}
		return m.nullArray()
	case "BLPOP", "BRPOP":
		for _, k := range args[1 : len(args)-1] {
			if isStr(k) {
				return lstWT
			}
			if _, ok := m.lists[k]; ok {
				return "*2\r\n" + lstRBulk(k) + lstRBulk(m.popN(k, cmd == "BLPOP", 1)[0])
			}
		}
		return m.nullArray()
	}
	panic("model: unknown command " + cmd)
}

// lstGen makes random list commands over a few keys (one of which sometimes
// holds a string), with small values that repeat (for LREM, LPOS, LINSERT)
// and now and then long ones that fill or overflow a node.
type lstGen struct {
	r *rand.Rand
}

var lstGenKeys = []string{"k0", "k1", "k2", "{k0}x", "k3"}

func (g *lstGen) key() string { return lstGenKeys[g.r.IntN(len(lstGenKeys))] }

func (g *lstGen) val() string {
	switch g.r.IntN(40) {
	case 0:
		return strings.Repeat("L", 100+g.r.IntN(200))
	case 1:
		return strings.Repeat("H", 3000+g.r.IntN(7000))
	case 2:
		return ""
	}
	return string(rune('a' + g.r.IntN(5)))
}

func (g *lstGen) idx() string { return strconv.Itoa(g.r.IntN(31) - 15) }

func (g *lstGen) where() string {
	if g.r.IntN(2) == 0 {
		return "LEFT"
	}
	return "right"
}

func (g *lstGen) next() []string {
	r := g.r
	switch n := r.IntN(100); {
	case n < 14:
		args := []string{[]string{"LPUSH", "RPUSH"}[r.IntN(2)], g.key()}
		for i := r.IntN(6); i >= 0; i-- {
			args = append(args, g.val())
		}
		if r.IntN(3) == 0 { // a burst of many elements
			for i := 0; i < 50; i++ {
				args = append(args, g.val())
			}
		}
		return args
	case n < 18:
		return []string{[]string{"LPUSHX", "RPUSHX"}[r.IntN(2)], g.key(), g.val(), g.val()}
	case n < 30:
		args := []string{[]string{"LPOP", "RPOP"}[r.IntN(2)], g.key()}
		if r.IntN(2) == 0 {
			args = append(args, strconv.Itoa(r.IntN(8)))
		}
		return args
	case n < 33:
		return []string{"LLEN", g.key()}
	case n < 41:
		return []string{"LRANGE", g.key(), g.idx(), g.idx()}
	case n < 45:
		return []string{"LINDEX", g.key(), g.idx()}
	case n < 50:
		return []string{"LSET", g.key(), g.idx(), g.val()}
	case n < 55:
		return []string{"LREM", g.key(), strconv.Itoa(r.IntN(7) - 3), g.val()}
	case n < 59:
		return []string{"LTRIM", g.key(), g.idx(), g.idx()}
	case n < 64:
		return []string{"LINSERT", g.key(), []string{"BEFORE", "after"}[r.IntN(2)], g.val(), g.val()}
	case n < 70:
		args := []string{"LPOS", g.key(), g.val()}
		for _, opt := range r.Perm(3)[:r.IntN(4)] {
			switch opt {
			case 0:
				rank := r.IntN(7) - 3
				if rank == 0 {
					rank = 1
				}
				args = append(args, "RANK", strconv.Itoa(rank))
			case 1:
				args = append(args, "COUNT", strconv.Itoa(r.IntN(4)))
			case 2:
				args = append(args, "MAXLEN", strconv.Itoa(r.IntN(10)))
			}
		}
		return args
	case n < 76:
		return []string{"LMOVE", g.key(), g.key(), g.where(), g.where()}
	case n < 79:
		return []string{"RPOPLPUSH", g.key(), g.key()}
	case n < 84:
		k := 1 + r.IntN(3)
		args := []string{"LMPOP", strconv.Itoa(k)}
		for i := 0; i < k; i++ {
			args = append(args, g.key())
		}
		args = append(args, g.where())
		if r.IntN(2) == 0 {
			args = append(args, "COUNT", strconv.Itoa(1+r.IntN(6)))
		}
		return args
	case n < 87:
		// Blocking forms: served at once, or a 1 ms timeout.
		switch r.IntN(5) {
		case 0:
			return []string{"BLPOP", g.key(), g.key(), "0.001"}
		case 1:
			return []string{"BRPOP", g.key(), "0.001"}
		case 2:
			return []string{"BLMOVE", g.key(), g.key(), g.where(), g.where(), "0.001"}
		case 3:
			return []string{"BRPOPLPUSH", g.key(), g.key(), "0.001"}
		}
		return []string{"BLMPOP", "0.001", "2", g.key(), g.key(), g.where(), "COUNT", strconv.Itoa(1 + r.IntN(4))}
	case n < 90:
		return []string{"OBJECT", "ENCODING", g.key()}
	case n < 92:
		return []string{"TYPE", g.key()}
	case n < 94:
		return []string{"DEL", g.key()}
	case n < 95:
		return []string{"SET", g.key(), "a string"}
	case n < 97:
		sizes := []string{"-2", "-1", "1", "2", "3", "5", "128", "-5", "0"}
		return []string{"CONFIG", "SET", "list-max-listpack-size", sizes[r.IntN(len(sizes))]}
	}
	return []string{"LRANGE", g.key(), "0", "-1"}
}

func TestLstModel(t *testing.T) {
	steps := 4000
	if testing.Short() {
		steps = 1000
	}
	for _, shards := range []int{1, 4} {
		for _, proto := range []int{2, 3} {
			for seed := uint64(1); seed <= 4; seed++ {
				t.Run(fmt.Sprintf("shards%d/resp%d/seed%d", shards, proto, seed), func(t *testing.T) {
					env := lstBlockingEnv(t, shards)
					env.cl.SetProto(proto)
					m := newLstModel(proto)
					g := &lstGen{r: rand.New(rand.NewPCG(seed, uint64(proto)))}
					var last []string
					for i := 0; i < steps; i++ {
						args := g.next()
						want := m.apply(args)
						got := env.do(args...)
						if got != want {
							t.Fatalf("step %d: %s\n  duva:  %q\n  model: %q\n  previous: %q", i, lstShow(args), lstClip(got), lstClip(want), last)
						}
						last = args
					}
					// Every key's full contents at the end.
					for _, k := range lstGenKeys {
						if got, want := env.do("LRANGE", k, "0", "-1"), m.apply([]string{"LRANGE", k, "0", "-1"}); got != want {
							t.Fatalf("final LRANGE %s differs", k)
						}
					}
				})
			}
		}
	}
}

// TestLstDifferential runs the same random sequences against a real
// redis-server 7.0 and duva and compares every reply byte for byte.
func TestLstDifferential(t *testing.T) {
	r := startRedis(t)
	if r == nil {
		t.Skip("redis-server 7.0 not found")
	}
	steps := 3000
	if testing.Short() {
		steps = 500
	}
	for _, proto := range []int{2, 3} {
		for seed := uint64(11); seed <= 13; seed++ {
			t.Run(fmt.Sprintf("resp%d/seed%d", proto, seed), func(t *testing.T) {
				env := lstBlockingEnv(t, 4)
				env.cl.SetProto(proto)
				r.do(t, "HELLO", strconv.Itoa(proto))
				r.do(t, "FLUSHALL")
				r.do(t, "CONFIG", "SET", "list-max-listpack-size", "-2")
				defer r.do(t, "CONFIG", "SET", "list-max-listpack-size", "-2")
				g := &lstGen{r: rand.New(rand.NewPCG(seed, 99))}
				for i := 0; i < steps; i++ {
					args := g.next()
					want := r.do(t, args...)
					got := env.do(args...)
					if got != want {
						t.Fatalf("step %d: %s\n  duva:  %q\n  redis: %q", i, lstShow(args), lstClip(got), lstClip(want))
					}
				}
			})
		}
	}
}

func lstShow(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if len(a) > 20 {
			a = fmt.Sprintf("%.10s...(%d bytes)", a, len(a))
		}
		b.WriteString(a)
	}
	return b.String()
}

func lstClip(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// TestLstBlockingShortTimeouts blocks and times out many times with 0.1 ms
// timeouts, single- and multi-shard: the timeout must never race with the
// command that blocks (a lost or empty reply). DUVA_LST_SHORT_TIMEOUTS=1 runs
// it 20 times longer.
func TestLstBlockingShortTimeouts(t *testing.T) {
	rounds := 300
	if os.Getenv("DUVA_LST_SHORT_TIMEOUTS") != "" {
		rounds = 6000
	}
	env := lstBlockingEnv(t, 4)
	for i := 0; i < rounds; i++ {
		for _, args := range [][]string{
			{"BLPOP", "k0", "0.0001"},
			{"BLPOP", "k0", "k1", "0.0001"},
			{"BLMOVE", "k0", "k1", "LEFT", "LEFT", "0.0001"},
		} {
			if got := env.do(args...); got != "*-1\r\n" {
				t.Fatalf("round %d: %s = %q", i, lstShow(args), got)
			}
		}
	}
}

// ---- blocking: clients that wait and are served (expectations checked on
// redis-server 7.0.15 with redis-cli) ----

// lstAsync is a client whose commands may block: replies arrive on a channel.
type lstAsync struct {
	w     *Worker
	cl    *Client
	reply chan string
}

func newLstAsync(e *Engine, proto int) *lstAsync {
	a := &lstAsync{w: e.NewWorker(), reply: make(chan string, 4)}
	a.cl = e.NewClient("127.0.0.1:2", "127.0.0.1:6379", 0, false)
	a.cl.SetProto(proto)
	a.cl.Notify = func() { a.reply <- string(a.cl.TakeReply()) }
	return a
}

// send runs a command that blocks; it fails the test if it is answered now.
func (a *lstAsync) send(t *testing.T, args ...string) {
	t.Helper()
	out, queued := a.w.Exec(a.cl, argv(args...), nil)
	a.w.Flush()
	if !queued {
		t.Fatalf("%s did not block: %q", lstShow(args), out)
	}
}

func (a *lstAsync) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-a.reply:
		if got != want {
			t.Fatalf("blocked client got %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("blocked client got nothing, want %q", want)
	}
}

func (a *lstAsync) expectNothing(t *testing.T) {
	t.Helper()
	select {
	case got := <-a.reply:
		t.Fatalf("blocked client unexpectedly got %q", got)
	case <-time.After(30 * time.Millisecond):
	}
}

// lstKeysOnShards returns n keys on n different shards of env's engine.
func lstKeysOnShards(env *kvEnv, prefix string, n int) []string {
	var keys []string
	seen := map[int]bool{}
	for i := 0; len(keys) < n; i++ {
		k := prefix + strconv.Itoa(i)
		if s := env.e.ShardOf([]byte(k)); !seen[s] {
			seen[s] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// lstBlockingEnv is a kvEnv whose engine runs (timeouts of blocked clients
// and shard ticks need it).
func lstBlockingEnv(t *testing.T, shards int) *kvEnv {
	env := newKVEnv(t, shards)
	env.e.Start() // ticks (expiry, sweeping) run alongside, as in the server
	t.Cleanup(env.e.Stop)
	return env
}

func TestLstBlockingServed(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			env := lstBlockingEnv(t, 4)
			env.cl.SetProto(proto)
			k := lstKeysOnShards(env, "k", 3)

			// BLPOP on keys of two shards, served by a push on the second.
			a := newLstAsync(env.e, proto)
			a.send(t, "BLPOP", k[0], k[1], "0")
			a.expectNothing(t)
			if got := env.do("RPUSH", k[1], "x", "y"); got != ":2\r\n" {
				t.Fatalf("RPUSH = %q", got)
			}
			a.expect(t, "*2\r\n"+lstRBulk(k[1])+lstRBulk("x"))
			if got := env.do("LRANGE", k[1], "0", "-1"); got != lstRArr([]string{"y"}) {
				t.Fatalf("left after the pop: %q", got)
			}

			// BLMOVE across shards, served by a push on its source.
			env.do("DEL", k[0], k[1], k[2])
			a.send(t, "BLMOVE", k[0], k[2], "RIGHT", "LEFT", "0")
			env.do("RPUSH", k[2], "old")
			a.expectNothing(t) // the destination is not what it waits for
			env.do("LPUSH", k[0], "v1", "v2")
			a.expect(t, lstRBulk("v1"))
			if got := env.do("LRANGE", k[2], "0", "-1"); got != lstRArr([]string{"v1", "old"}) {
				t.Fatalf("destination after BLMOVE: %q", got)
			}

			// BRPOPLPUSH served by an LMOVE that creates its source.
			env.do("DEL", k[0], k[1], k[2])
			a.send(t, "BRPOPLPUSH", k[1], k[0], "0")
			env.do("RPUSH", k[2], "m")
			if got := env.do("LMOVE", k[2], k[1], "LEFT", "LEFT"); got != lstRBulk("m") {
				t.Fatalf("LMOVE = %q", got)
			}
			a.expect(t, lstRBulk("m"))
			if got := env.do("EXISTS", k[0], k[1], k[2]); got != ":1\r\n" {
				t.Fatalf("after the chain, EXISTS = %q (only the destination should be left)", got)
			}

			// BLMPOP with COUNT takes up to count from the first key that has data.
			env.do("DEL", k[0], k[1], k[2])
			a.send(t, "BLMPOP", "0", "2", k[0], k[1], "RIGHT", "COUNT", "3")
			env.do("RPUSH", k[1], "a", "b", "c", "d")
			a.expect(t, "*2\r\n"+lstRBulk(k[1])+lstRArr([]string{"d", "c", "b"}))

			// A SET on the key does not serve (nor break) a waiter; a list does.
			env.do("DEL", k[0], k[1], k[2])
			a.send(t, "BRPOP", k[0], "0")
			env.do("SET", k[0], "str")
			a.expectNothing(t)
			env.do("DEL", k[0])
			env.do("RPUSH", k[0], "z")
			a.expect(t, "*2\r\n"+lstRBulk(k[0])+lstRBulk("z"))
			if got := env.do("EXISTS", k[0]); got != ":0\r\n" {
				t.Fatalf("the served pop left the key: %q", got)
			}

			// A blocked BLMOVE whose destination is no list gets WRONGTYPE;
			// the element stays in the source.
			env.do("SET", k[1], "str")
			a.send(t, "BLMOVE", k[0], k[1], "LEFT", "LEFT", "0")
			env.do("RPUSH", k[0], "x")
			a.expect(t, lstWT)
			if got := env.do("LRANGE", k[0], "0", "-1"); got != lstRArr([]string{"x"}) {
				t.Fatalf("source after the failed BLMOVE: %q", got)
			}
		})
	}
}

// TestLstBlockingChainAndOrder: clients blocked on one key are served in
// the order they blocked, several by one push; a BLMOVE that creates a key
// serves the clients waiting on that key in turn.
func TestLstBlockingChainAndOrder(t *testing.T) {
	env := lstBlockingEnv(t, 4)
	k := lstKeysOnShards(env, "c", 2)
	a, b, c := newLstAsync(env.e, 2), newLstAsync(env.e, 2), newLstAsync(env.e, 3)
	a.send(t, "BLPOP", "q", "0")
	b.send(t, "BRPOP", "q", "0")
	c.send(t, "BLMPOP", "0", "1", "q", "LEFT", "COUNT", "2")
	env.do("RPUSH", "q", "a", "b", "c", "d", "e")
	a.expect(t, "*2\r\n"+lstRBulk("q")+lstRBulk("a"))
	b.expect(t, "*2\r\n"+lstRBulk("q")+lstRBulk("e"))
	c.expect(t, "*2\r\n"+lstRBulk("q")+lstRArr([]string{"b", "c"}))
	if got := env.do("LRANGE", "q", "0", "-1"); got != lstRArr([]string{"d"}) {
		t.Fatalf("left: %q", got)
	}

	// One element, two waiters: the first gets it, the second waits on.
	env.do("DEL", "q")
	a.send(t, "BLPOP", "q", "0")
	b.send(t, "BLPOP", "q", "0")
	env.do("RPUSH", "q", "1")
	a.expect(t, "*2\r\n"+lstRBulk("q")+lstRBulk("1"))
	b.expectNothing(t)
	env.do("RPUSH", "q", "2")
	b.expect(t, "*2\r\n"+lstRBulk("q")+lstRBulk("2"))

	// Chain: a moves src -> mid (another shard), which serves b waiting on mid.
	a.send(t, "BLMOVE", k[0], k[1], "RIGHT", "LEFT", "0")
	b.send(t, "BLPOP", k[1], "0")
	env.do("RPUSH", k[0], "x", "y")
	a.expect(t, lstRBulk("y"))
	b.expect(t, "*2\r\n"+lstRBulk(k[1])+lstRBulk("y"))
	if got := env.do("EXISTS", k[1]); got != ":0\r\n" {
		t.Fatalf("mid should be gone: %q", got)
	}
}

// TestLstBlockingTimeout: every blocking form answers a timeout with a null
// array ("*-1", RESP3 "_"), BLMOVE and BRPOPLPUSH included.
func TestLstBlockingTimeout(t *testing.T) {
	env := lstBlockingEnv(t, 4)
	for _, proto := range []int{2, 3} {
		want := "*-1\r\n"
		if proto == 3 {
			want = "_\r\n"
		}
		for _, args := range [][]string{
			{"BLPOP", "t1", "t2", "0.02"},
			{"BRPOP", "t1", "0.02"},
			{"BLMOVE", "t1", "t2", "LEFT", "RIGHT", "0.02"},
			{"BRPOPLPUSH", "t1", "t2", "0.02"},
			{"BLMPOP", "0.02", "2", "t1", "t2", "LEFT", "COUNT", "2"},
		} {
			a := newLstAsync(env.e, proto)
			start := time.Now()
			a.send(t, args...)
			a.expect(t, want)
			if d := time.Since(start); d < 15*time.Millisecond {
				t.Errorf("%s timed out after %v", lstShow(args), d)
			}
		}
	}
	if got := env.do("EXISTS", "t1", "t2"); got != ":0\r\n" {
		t.Fatalf("timeouts created keys: %q", got)
	}
}

// ---- allocations and benchmarks ----

// TestLstHotPathAllocs: the hot list commands allocate nothing on an existing
// list once the node buffers have room (0 per run on average).
func TestLstHotPathAllocs(t *testing.T) {
	if raceEnabled() {
		t.Skip("allocation counts are not meaningful with -race")
	}
	env := newKVEnv(t, 4)
	vals := make([]string, 600)
	for i := range vals {
		vals[i] = "xxx"
	}
	env.do(append([]string{"RPUSH", "l"}, vals...)...)
	env.do("RPUSH", "q", "a", "b", "c")
	src, dst := "{r}src", "{r}dst"
	env.do("RPUSH", src, "1", "2", "3")
	env.do("RPUSH", dst, "4")
	cases := []struct {
		name string
		cmds [][][]byte
	}{
		{"LRANGE 0 599", [][][]byte{argv("LRANGE", "l", "0", "599")}},
		{"LRANGE -100 -1", [][][]byte{argv("LRANGE", "l", "-100", "-1")}},
		{"LINDEX", [][][]byte{argv("LINDEX", "l", "300")}},
		{"LLEN", [][][]byte{argv("LLEN", "l")}},
		{"LSET same size", [][][]byte{argv("LSET", "l", "10", "yyy")}},
		{"LPOS", [][][]byte{argv("LPOS", "l", "yyy", "COUNT", "0")}},
		{"RPUSH+LPOP", [][][]byte{argv("RPUSH", "q", "v"), argv("LPOP", "q")}},
		{"LPUSH+RPOP", [][][]byte{argv("LPUSH", "q", "v"), argv("RPOP", "q")}},
		{"LPUSH+RPOP count", [][][]byte{argv("LPUSH", "q", "v", "w"), argv("RPOP", "q", "2")}},
		{"RPOPLPUSH rotate", [][][]byte{argv("RPOPLPUSH", "q", "q")}},
		{"LMOVE back and forth", [][][]byte{argv("LMOVE", src, dst, "LEFT", "RIGHT"), argv("LMOVE", dst, src, "RIGHT", "LEFT")}},
		{"BLPOP served", [][][]byte{argv("RPUSH", "q", "v"), argv("BLPOP", "q", "0")}},
	}
	out := make([]byte, 0, 1<<16)
	for _, tc := range cases {
		run := func() {
			for _, c := range tc.cmds {
				out, _ = env.w.Exec(env.cl, c, out[:0])
			}
		}
		for i := 0; i < 200; i++ { // warm up: node buffers grow to their working size
			run()
		}
		env.w.Flush()
		n := testing.AllocsPerRun(2000, run)
		env.w.Flush()
		if n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, n)
		}
	}
}

// BenchmarkLstLrange600 is redis-benchmark's LRANGE_600: LRANGE 0 599 on a
// 600-element list of 3-byte values.
func BenchmarkLstLrange600(b *testing.B) { lstBenchLrange(b, 600, "599") }

// BenchmarkLstLrange100 is LRANGE_100 (LRANGE 0 99 of the same list).
func BenchmarkLstLrange100(b *testing.B) { lstBenchLrange(b, 600, "99") }

func lstBenchLrange(b *testing.B, n int, stop string) {
	env := newKVEnv(b, 4)
	args := []string{"RPUSH", "mylist"}
	for i := 0; i < n; i++ {
		args = append(args, "xxx")
	}
	env.do(args...)
	cmd := argv("LRANGE", "mylist", "0", stop)
	out := make([]byte, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = env.w.Exec(env.cl, cmd, out[:0])
	}
	env.w.Flush()
}

// BenchmarkLstLpush is redis-benchmark's LPUSH: the list grows by one each time.
func BenchmarkLstLpush(b *testing.B) { lstBenchOne(b, argv("LPUSH", "mylist", "xxx")) }

// BenchmarkLstRpush likewise.
func BenchmarkLstRpush(b *testing.B) { lstBenchOne(b, argv("RPUSH", "mylist", "xxx")) }

func lstBenchOne(b *testing.B, cmd [][]byte) {
	env := newKVEnv(b, 4)
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = env.w.Exec(env.cl, cmd, out[:0])
	}
	env.w.Flush()
}

// BenchmarkLstPushPop: a queue (RPUSH then LPOP), the list staying small.
func BenchmarkLstPushPop(b *testing.B) {
	lstBenchPairs(b, []string{"RPUSH", "q", "a", "b"}, argv("RPUSH", "q", "xxx"), argv("LPOP", "q"))
}

// BenchmarkLstLpopRpop: LPOP and RPOP of a list refilled in between.
func BenchmarkLstLpopRpop(b *testing.B) {
	lstBenchPairs(b, []string{"RPUSH", "q", "a"}, argv("LPUSH", "q", "xxx", "yyy"), argv("LPOP", "q"), argv("RPOP", "q"))
}

// BenchmarkLstRpoplpush rotates a 100-element list.
func BenchmarkLstRpoplpush(b *testing.B) {
	setup := []string{"RPUSH", "rot"}
	for i := 0; i < 100; i++ {
		setup = append(setup, strconv.Itoa(i))
	}
	lstBenchPairs(b, setup, argv("RPOPLPUSH", "rot", "rot"))
}

// BenchmarkLstLindexMiddle reads the middle of a 100000-element list.
func BenchmarkLstLindexMiddle(b *testing.B) {
	setup := []string{"RPUSH", "big"}
	for i := 0; i < 100000; i++ {
		setup = append(setup, strconv.Itoa(i))
	}
	lstBenchPairs(b, setup, argv("LINDEX", "big", "50000"))
}

func lstBenchPairs(b *testing.B, setup []string, cmds ...[][]byte) {
	env := newKVEnv(b, 4)
	env.do(setup...)
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, c := range cmds {
			out, _ = env.w.Exec(env.cl, c, out[:0])
		}
	}
	env.w.Flush()
}
