package shard

import (
	"bufio"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestHashTranscript(t *testing.T) { runTranscript(t, "kv_hash.txt") }

// ---- RESP helpers for the model test ----

// hshErrReply is an error reply in a parsed reply tree.
type hshErrReply string

// hshParse decodes one RESP2/RESP3 reply into string (simple, bulk), int64,
// nil (null), hshErrReply or []any (arrays, sets; a map is a flat []any).
func hshParse(reply string) (any, error) {
	br := bufio.NewReader(strings.NewReader(reply))
	var parse func() (any, error)
	parse = func() (any, error) {
		line, err := br.ReadString('\n')
		if err != nil || len(line) < 3 {
			return nil, fmt.Errorf("bad reply %q", reply)
		}
		body := line[1 : len(line)-2]
		switch line[0] {
		case '+':
			return body, nil
		case '-':
			return hshErrReply(body), nil
		case ':':
			return strconv.ParseInt(body, 10, 64)
		case '_':
			return nil, nil
		case '$':
			n, _ := strconv.Atoi(body)
			if n < 0 {
				return nil, nil
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(br, buf); err != nil {
				return nil, err
			}
			return string(buf[:n]), nil
		case '*', '~', '%':
			n, _ := strconv.Atoi(body)
			if n < 0 {
				return nil, nil
			}
			if line[0] == '%' {
				n *= 2
			}
			l := make([]any, n)
			for i := range l {
				if l[i], err = parse(); err != nil {
					return nil, err
				}
			}
			return l, nil
		}
		return nil, fmt.Errorf("unexpected reply %q", reply)
	}
	v, err := parse()
	if err == nil && br.Buffered() > 0 {
		err = fmt.Errorf("trailing bytes in %q", reply)
	}
	return v, err
}

func hshRespInt(n int64) string   { return ":" + strconv.FormatInt(n, 10) + "\r\n" }
func hshRespBulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
func hshRespErr(s string) string  { return "-" + s + "\r\n" }

func hshRespNull(proto int) string {
	if proto == 3 {
		return "_\r\n"
	}
	return "$-1\r\n"
}

func hshRespArray(elems []string) string {
	return "*" + strconv.Itoa(len(elems)) + "\r\n" + strings.Join(elems, "")
}

// ---- the model ----

// hshModelHash is a hash as the model sees it: fields in insertion order
// (the order of a listpack) and whether Redis has converted it.
type hshModelHash struct {
	order []string
	vals  map[string]string
	table bool
}

func (h *hshModelHash) set(f, v string) bool {
	_, ok := h.vals[f]
	if !ok {
		h.order = append(h.order, f)
	}
	h.vals[f] = v
	return !ok
}

func (h *hshModelHash) del(f string) bool {
	if _, ok := h.vals[f]; !ok {
		return false
	}
	delete(h.vals, f)
	h.order = slices.DeleteFunc(h.order, func(s string) bool { return s == f })
	return true
}

// hshModel is the expected state: hashes, one string key, the limits.
type hshModel struct {
	hashes     map[string]*hshModelHash
	strKey     string
	maxEntries int
	maxValue   int
	proto      int
	converted  int // listpack -> hashtable conversions seen
}

// write applies Redis's conversion rules around a write of strs to key,
// creating the hash if needed, and returns it.
func (m *hshModel) prepare(key string, strs ...string) *hshModelHash {
	h := m.hashes[key]
	if h == nil {
		h = &hshModelHash{vals: map[string]string{}}
		m.hashes[key] = h
	}
	for _, s := range strs {
		if len(s) > m.maxValue && !h.table {
			h.table = true
			m.converted++
		}
	}
	return h
}

func (m *hshModel) after(h *hshModelHash) {
	if len(h.order) > m.maxEntries && !h.table {
		h.table = true
		m.converted++
	}
}

// hshExpect is what a command should get: an exact reply, a reply compared
// after sorting aggregates (hashtable order), or a check function.
type hshExpect struct {
	reply    string
	unsorted bool
	check    func(reply string) error
}

const hshWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"

// apply runs args on the model and returns the expected reply.
func (m *hshModel) apply(args []string) hshExpect {
	cmd, key := strings.ToUpper(args[0]), args[1]
	if cmd == "OBJECT" {
		key = args[2]
	}
	exact := func(s string) hshExpect { return hshExpect{reply: s} }
	if key == m.strKey && cmd != "DEL" {
		return exact(hshRespErr(hshWrongType))
	}
	h := m.hashes[key]
	size := 0
	if h != nil {
		size = len(h.order)
	}
	get := func(f string) (string, bool) {
		if h == nil {
			return "", false
		}
		v, ok := h.vals[f]
		return v, ok
	}
	dropIfEmpty := func() {
		if h != nil && len(h.order) == 0 {
			delete(m.hashes, key)
		}
	}
	switch cmd {
	case "HSET", "HMSET":
		h = m.prepare(key, args[2:]...)
		added := 0
		for i := 2; i < len(args); i += 2 {
			if h.set(args[i], args[i+1]) {
				added++
			}
		}
		m.after(h)
		if cmd == "HMSET" {
			return exact("+OK\r\n")
		}
		return exact(hshRespInt(int64(added)))
	case "HSETNX":
		if _, ok := get(args[2]); ok {
			return exact(hshRespInt(0))
		}
		h = m.prepare(key, args[2], args[3])
		h.set(args[2], args[3])
		m.after(h)
		return exact(hshRespInt(1))
	case "HGET":
		if v, ok := get(args[2]); ok {
			return exact(hshRespBulk(v))
		}
		return exact(hshRespNull(m.proto))
	case "HMGET":
		var el []string
		for _, f := range args[2:] {
			if v, ok := get(f); ok {
				el = append(el, hshRespBulk(v))
			} else {
				el = append(el, hshRespNull(m.proto))
			}
		}
		return exact(hshRespArray(el))
	case "HEXISTS":
		if _, ok := get(args[2]); ok {
			return exact(hshRespInt(1))
		}
		return exact(hshRespInt(0))
	case "HLEN":
		return exact(hshRespInt(int64(size)))
	case "HSTRLEN":
		v, _ := get(args[2])
		return exact(hshRespInt(int64(len(v))))
	case "HDEL":
		n := 0
		if h != nil {
			for _, f := range args[2:] {
				if h.del(f) {
					n++
				}
			}
			dropIfEmpty()
		}
		return exact(hshRespInt(int64(n)))
	case "DEL":
		if key == m.strKey {
			return exact(hshRespInt(0)) // the runner never deletes it
		}
		delete(m.hashes, key)
		if h != nil {
			return exact(hshRespInt(1))
		}
		return exact(hshRespInt(0))
	case "HGETALL", "HKEYS", "HVALS":
		var el []string
		if h != nil {
			for _, f := range h.order {
				if cmd != "HVALS" {
					el = append(el, hshRespBulk(f))
				}
				if cmd != "HKEYS" {
					el = append(el, hshRespBulk(h.vals[f]))
				}
			}
		}
		r := hshRespArray(el)
		if cmd == "HGETALL" && m.proto == 3 {
			r = "%" + strconv.Itoa(len(el)/2) + "\r\n" + strings.Join(el, "")
		}
		return hshExpect{reply: r, unsorted: h != nil && h.table}
	case "OBJECT":
		switch {
		case h == nil:
			return exact(hshRespNull(m.proto))
		case h.table:
			return exact(hshRespBulk("hashtable"))
		}
		return exact(hshRespBulk("listpack"))
	case "HINCRBY":
		incr, _ := strconv.ParseInt(args[3], 10, 64)
		var cur int64
		if v, ok := get(args[2]); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || strconv.FormatInt(n, 10) != v {
				return exact(hshRespErr("ERR hash value is not an integer"))
			}
			cur = n
		}
		sum := new(big.Int).Add(big.NewInt(cur), big.NewInt(incr))
		if !sum.IsInt64() {
			return exact(hshRespErr("ERR increment or decrement would overflow"))
		}
		text := sum.String()
		h = m.prepare(key, args[2], text)
		h.set(args[2], text)
		m.after(h)
		return exact(hshRespInt(sum.Int64()))
	case "HINCRBYFLOAT":
		// Redis adds in an x87 long double (64-bit mantissa) and prints
		// "%.17Lf" without trailing zeros.
		cur := new(big.Float).SetPrec(64)
		if v, ok := get(args[2]); ok {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return exact(hshRespErr("ERR hash value is not a float"))
			}
			cur.Parse(v, 10)
		}
		incr, _, _ := new(big.Float).SetPrec(64).Parse(args[3], 10)
		sum := new(big.Float).SetPrec(64).SetMode(big.ToNearestEven).Add(cur, incr)
		text := sum.Text('f', 17)
		text = strings.TrimRight(strings.TrimRight(text, "0"), ".")
		if text == "-0" {
			text = "0"
		}
		h = m.prepare(key, args[2], text)
		h.set(args[2], text)
		m.after(h)
		return exact(hshRespBulk(text))
	case "HRANDFIELD":
		return hshExpect{check: m.checkRandField(h, args)}
	}
	panic("model: unknown command " + cmd)
}

// checkRandField returns a check of an HRANDFIELD reply against hash h.
func (m *hshModel) checkRandField(h *hshModelHash, args []string) func(string) error {
	proto := m.proto
	var snapshot *hshModelHash
	if h != nil {
		snapshot = &hshModelHash{order: slices.Clone(h.order), vals: map[string]string{}, table: h.table}
		for k, v := range h.vals {
			snapshot.vals[k] = v
		}
	}
	return func(reply string) error {
		v, err := hshParse(reply)
		if err != nil {
			return err
		}
		if len(args) == 2 {
			if snapshot == nil {
				if v != nil {
					return fmt.Errorf("want null")
				}
				return nil
			}
			s, ok := v.(string)
			if _, in := snapshot.vals[s]; !ok || !in {
				return fmt.Errorf("not a field: %v", v)
			}
			return nil
		}
		l, _ := strconv.ParseInt(args[2], 10, 64)
		withValues := len(args) == 4
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("not an array: %v", v)
		}
		if snapshot == nil || l == 0 {
			if len(arr) != 0 {
				return fmt.Errorf("want empty array")
			}
			return nil
		}
		// Flatten to (field, value) pairs.
		var fields, vals []string
		switch {
		case withValues && proto == 3:
			for _, p := range arr {
				pa, ok := p.([]any)
				if !ok || len(pa) != 2 {
					return fmt.Errorf("RESP3 WITHVALUES element is not a pair: %v", p)
				}
				fields = append(fields, pa[0].(string))
				vals = append(vals, pa[1].(string))
			}
		case withValues:
			if len(arr)%2 != 0 {
				return fmt.Errorf("odd RESP2 WITHVALUES reply")
			}
			for i := 0; i < len(arr); i += 2 {
				fields = append(fields, arr[i].(string))
				vals = append(vals, arr[i+1].(string))
			}
		default:
			for _, f := range arr {
				fields = append(fields, f.(string))
			}
		}
		size := len(snapshot.order)
		want := int(l)
		if l < 0 {
			want = int(-l)
		} else if want > size {
			want = size
		}
		if len(fields) != want {
			return fmt.Errorf("%d fields, want %d", len(fields), want)
		}
		seen := map[string]bool{}
		for i, f := range fields {
			val, in := snapshot.vals[f]
			if !in {
				return fmt.Errorf("not a field: %q", f)
			}
			if withValues && vals[i] != val {
				return fmt.Errorf("field %q with value %q, want %q", f, vals[i], val)
			}
			if l > 0 && seen[f] {
				return fmt.Errorf("field %q repeated with a positive count", f)
			}
			seen[f] = true
		}
		// All the fields of a listpack come in its order (a smaller sample
		// has no order in Redis: it may sample through a dict).
		if l >= int64(size) && !snapshot.table {
			pos := map[string]int{}
			for i, f := range snapshot.order {
				pos[f] = i
			}
			for i := 1; i < len(fields); i++ {
				if pos[fields[i]] < pos[fields[i-1]] {
					return fmt.Errorf("listpack fields out of order: %v", fields)
				}
			}
		}
		return nil
	}
}

// ---- the generator ----

type hshGen struct {
	r        *rand.Rand
	nfields  int
	maxValue int
	keys     []string
	strKey   string
}

func (g *hshGen) field() string {
	switch n := g.r.IntN(100); {
	case n < 2:
		return strings.Repeat("F", g.maxValue+1+g.r.IntN(3))
	case n < 4:
		return strings.Repeat("G", g.maxValue)
	case n < 5:
		return ""
	}
	return "f" + strconv.Itoa(g.r.IntN(g.nfields))
}

func (g *hshGen) value() string {
	switch n := g.r.IntN(100); {
	case n < 3:
		return strings.Repeat("v", g.maxValue+1+g.r.IntN(3))
	case n < 6:
		return strings.Repeat("w", g.maxValue)
	case n < 30:
		return strconv.Itoa(g.r.IntN(21) - 10)
	case n < 35:
		return []string{"9223372036854775800", "-9223372036854775800", "9223372036854775807"}[g.r.IntN(3)]
	case n < 40:
		return []string{"1.5", "-0.25", "abc", "", "1e3", " 1", "+1", "01"}[g.r.IntN(8)]
	}
	return "val" + strconv.Itoa(g.r.IntN(1000))
}

func (g *hshGen) key() string {
	if g.r.IntN(50) == 0 {
		return g.strKey
	}
	return g.keys[g.r.IntN(len(g.keys))]
}

// next returns a command; "HSCAN" here means a whole iteration (the runner
// loops over the cursor).
func (g *hshGen) next() []string {
	k := g.key()
	r := g.r
	switch n := r.IntN(100); {
	case n < 20:
		args := []string{"HSET", k}
		if r.IntN(2) == 0 {
			args[0] = "HMSET"
		}
		pairs := 1 + r.IntN(3)
		if r.IntN(20) == 0 {
			pairs = 10 + r.IntN(g.nfields)
		}
		for i := 0; i < pairs; i++ {
			args = append(args, g.field(), g.value())
		}
		return args
	case n < 26:
		return []string{"HSETNX", k, g.field(), g.value()}
	case n < 36:
		return []string{"HGET", k, g.field()}
	case n < 40:
		return []string{"HMGET", k, g.field(), g.field(), g.field()}
	case n < 50:
		args := []string{"HDEL", k}
		for i := 1 + r.IntN(3); i > 0; i-- {
			args = append(args, g.field())
		}
		return args
	case n < 54:
		return []string{"HEXISTS", k, g.field()}
	case n < 57:
		return []string{"HLEN", k}
	case n < 60:
		return []string{"HSTRLEN", k, g.field()}
	case n < 66:
		incr := strconv.Itoa(r.IntN(21) - 10)
		if r.IntN(10) == 0 {
			incr = []string{"9223372036854775807", "-9223372036854775808", "100"}[r.IntN(3)]
		}
		return []string{"HINCRBY", k, g.field(), incr}
	case n < 70:
		return []string{"HINCRBYFLOAT", k, g.field(), []string{"0.5", "-1.25", "3", "0.25", "-0.75", "1e1"}[r.IntN(6)]}
	case n < 74:
		return []string{"HGETALL", k}
	case n < 76:
		return []string{"HKEYS", k}
	case n < 78:
		return []string{"HVALS", k}
	case n < 84:
		return []string{"OBJECT", "ENCODING", g.keys[r.IntN(len(g.keys))]}
	case n < 91:
		switch r.IntN(4) {
		case 0:
			return []string{"HRANDFIELD", k}
		case 1:
			return []string{"HRANDFIELD", k, strconv.Itoa(r.IntN(2*g.nfields+2) - g.nfields - 1)}
		}
		return []string{"HRANDFIELD", k, strconv.Itoa(r.IntN(2*g.nfields+2) - g.nfields - 1), "WITHVALUES"}
	case n < 95:
		args := []string{"HSCAN", k, "COUNT", strconv.Itoa(1 + r.IntN(20))}
		if r.IntN(3) == 0 {
			args = append(args, "MATCH", []string{"*", "f1*", "f?", "*[0-3]", "G*"}[r.IntN(5)])
		}
		return args
	}
	return []string{"DEL", g.keys[r.IntN(len(g.keys))]}
}

// ---- the runner ----

// hshServer sends one command to duva or to the real redis-server.
type hshServer struct {
	name string
	do   func(args ...string) string
}

// hshFullScan iterates HSCAN key (with args) to the end on srv and returns
// the (field, value) pairs in call order, and whether the first call was the
// last (a listpack answers at once).
func hshFullScan(t *testing.T, srv hshServer, key string, opts []string) (fields, vals []string, oneCall bool, err error) {
	cursor := "0"
	for calls := 1; ; calls++ {
		reply := srv.do(append([]string{"HSCAN", key, cursor}, opts...)...)
		v, perr := hshParse(reply)
		if perr != nil {
			return nil, nil, false, perr
		}
		if e, ok := v.(hshErrReply); ok {
			return nil, nil, false, fmt.Errorf("error %s", e)
		}
		arr := v.([]any)
		items := arr[1].([]any)
		for i := 0; i+1 < len(items); i += 2 {
			fields = append(fields, items[i].(string))
			vals = append(vals, items[i+1].(string))
		}
		cursor = arr[0].(string)
		if cursor == "0" {
			return fields, vals, calls == 1, nil
		}
		if calls > 100000 {
			return nil, nil, false, fmt.Errorf("HSCAN does not end")
		}
	}
}

// checkScan checks a whole HSCAN against the model's hash h.
func (m *hshModel) checkScan(h *hshModelHash, pattern string, fields, vals []string, oneCall bool) error {
	want := map[string]string{}
	var order []string
	if h != nil {
		for _, f := range h.order {
			if ok, _ := path.Match(pattern, f); ok {
				want[f] = h.vals[f]
				order = append(order, f)
			}
		}
	}
	got := map[string]bool{}
	for i, f := range fields {
		wv, in := want[f]
		if !in {
			return fmt.Errorf("HSCAN returned %q, not in the hash (or not matching %q)", f, pattern)
		}
		if vals[i] != wv {
			return fmt.Errorf("HSCAN returned %q=%q, want %q", f, vals[i], wv)
		}
		got[f] = true
	}
	if len(got) != len(want) {
		return fmt.Errorf("HSCAN returned %d distinct fields, want %d", len(got), len(want))
	}
	if h != nil && !h.table {
		if !oneCall {
			return fmt.Errorf("a listpack needs one HSCAN call")
		}
		if !slices.Equal(fields, order) {
			return fmt.Errorf("listpack HSCAN order %v, want %v", fields, order)
		}
	}
	return nil
}

type hshModelConfig struct {
	seed       uint64
	proto      int
	maxEntries int // 0: Redis's defaults (512 entries, 64 bytes)
	maxValue   int
	nfields    int
	steps      int
}

// runHashModel runs a random command sequence on duva (and on redis-server
// when r is not nil) and checks every reply against the model.
func runHashModel(t *testing.T, cfg hshModelConfig, r *kvRedis) {
	env := newKVEnv(t, 4)
	servers := []hshServer{{"duva", func(args ...string) string { return env.do(args...) }}}
	if r != nil {
		r.do(t, "FLUSHALL")
		servers = append(servers, hshServer{"redis", func(args ...string) string { return r.do(t, args...) }})
	}
	m := &hshModel{hashes: map[string]*hshModelHash{}, strKey: "str", maxEntries: 512, maxValue: 64, proto: cfg.proto}
	if cfg.maxEntries > 0 {
		m.maxEntries, m.maxValue = cfg.maxEntries, cfg.maxValue
	}
	for _, srv := range servers {
		for _, c := range [][]string{
			{"HELLO", strconv.Itoa(cfg.proto)},
			{"CONFIG", "SET", "hash-max-listpack-entries", strconv.Itoa(m.maxEntries)},
			{"CONFIG", "SET", "hash-max-listpack-value", strconv.Itoa(m.maxValue)},
			{"SET", "str", "x"},
		} {
			if c[0] == "HELLO" && srv.name == "duva" {
				env.cl.SetProto(cfg.proto)
				continue
			}
			if got := srv.do(c...); strings.HasPrefix(got, "-") {
				t.Fatalf("%s: %v: %q", srv.name, c, got)
			}
		}
	}
	if r != nil {
		t.Cleanup(func() {
			r.do(t, "HELLO", "2")
			r.do(t, "CONFIG", "SET", "hash-max-listpack-entries", "512")
			r.do(t, "CONFIG", "SET", "hash-max-listpack-value", "64")
		})
	}
	g := &hshGen{r: rand.New(rand.NewPCG(cfg.seed, 7)), nfields: cfg.nfields, maxValue: m.maxValue,
		keys: []string{"h0", "h1", "h2"}, strKey: "str"}
	var history []string
	fail := func(step int, format string, a ...any) {
		start := max(0, len(history)-15)
		t.Fatalf("seed %d step %d: %s\nlast commands:\n  %s", cfg.seed, step, fmt.Sprintf(format, a...),
			strings.Join(history[start:], "\n  "))
	}
	for step := 0; step < cfg.steps; step++ {
		args := g.next()
		line := strings.Join(args, " ")
		if len(line) > 120 {
			line = line[:120] + "..."
		}
		history = append(history, line)
		if args[0] == "HSCAN" {
			key, opts := args[1], args[2:]
			pattern := "*"
			if len(opts) == 4 {
				pattern = opts[3]
			}
			h := m.hashes[key]
			for _, srv := range servers {
				fields, vals, one, err := hshFullScan(t, srv, key, opts)
				if key == m.strKey {
					if err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
						fail(step, "%s: HSCAN of a string: %v", srv.name, err)
					}
					continue
				}
				if err == nil {
					err = m.checkScan(h, pattern, fields, vals, one)
				}
				if err != nil {
					fail(step, "%s: %v", srv.name, err)
				}
			}
			continue
		}
		want := m.apply(args)
		var replies []string
		for _, srv := range servers {
			got := srv.do(args...)
			replies = append(replies, got)
			switch {
			case want.check != nil:
				if err := want.check(got); err != nil {
					fail(step, "%s: %s -> %q: %v", srv.name, line, got, err)
				}
			case want.unsorted:
				if normalizeRESP(got) != normalizeRESP(want.reply) {
					fail(step, "%s: %s\n  got  %q\n  want %q (any order)", srv.name, line, got, want.reply)
				}
			default:
				if got != want.reply {
					fail(step, "%s: %s\n  got  %q\n  want %q", srv.name, line, got, want.reply)
				}
			}
		}
		// Deterministic replies must also be identical between the servers.
		if len(replies) == 2 && want.check == nil && !want.unsorted && replies[0] != replies[1] {
			fail(step, "%s: duva %q, redis %q", line, replies[0], replies[1])
		}
	}
	if m.converted < 5 {
		t.Errorf("only %d conversions to hashtable: the sequence does not test them", m.converted)
	}
	t.Logf("%d steps, %d conversions to hashtable", cfg.steps, m.converted)
	// The final state, encodings included.
	for _, k := range g.keys {
		want := m.apply([]string{"OBJECT", "ENCODING", k})
		for _, srv := range servers {
			if got := srv.do("OBJECT", "ENCODING", k); got != want.reply {
				t.Errorf("%s: final OBJECT ENCODING %s = %q, want %q", srv.name, k, got, want.reply)
			}
		}
	}
}

var hshModelConfigs = []hshModelConfig{
	{seed: 1, proto: 2, maxEntries: 4, maxValue: 8, nfields: 10, steps: 3000},
	{seed: 2, proto: 3, maxEntries: 6, maxValue: 12, nfields: 12, steps: 3000},
	{seed: 3, proto: 2, maxEntries: 1, maxValue: 4, nfields: 6, steps: 3000},
	{seed: 4, proto: 3, maxEntries: 8, maxValue: 16, nfields: 20, steps: 3000},
	{seed: 5, proto: 2, maxEntries: 16, maxValue: 6, nfields: 24, steps: 3000},
	{seed: 6, proto: 3, nfields: 700, steps: 2500}, // Redis's defaults: 512 fields, 64 bytes
}

// TestHashModel checks random command sequences against a Go model, with
// thresholds small enough that hashes convert often (and are deleted and
// created again as listpacks).
func TestHashModel(t *testing.T) {
	for _, cfg := range hshModelConfigs {
		t.Run(fmt.Sprintf("seed%d", cfg.seed), func(t *testing.T) { runHashModel(t, cfg, nil) })
	}
}

// TestHashModelDifferential runs the same sequences on duva and on a real
// redis-server, checking both against the model and deterministic replies
// against each other. Skipped without redis-server.
func TestHashModelDifferential(t *testing.T) {
	r := startRedis(t)
	if r == nil {
		t.Skip("redis-server 7.0 not on PATH")
	}
	for _, cfg := range hshModelConfigs {
		cfg.steps = min(cfg.steps, 2000)
		t.Run(fmt.Sprintf("seed%d", cfg.seed), func(t *testing.T) { runHashModel(t, cfg, r) })
	}
}

// TestHashIncrbyfloatMatchesRedis compares HINCRBYFLOAT's long double
// arithmetic and formatting with redis-server's on awkward values.
func TestHashIncrbyfloatMatchesRedis(t *testing.T) {
	r := startRedis(t)
	if r == nil {
		t.Skip("redis-server 7.0 not on PATH")
	}
	env := newKVEnv(t, 4)
	r.do(t, "DEL", "hf")
	steps := [][2]string{
		{"a", "0.1"}, {"a", "0.2"}, {"a", "1e-20"}, {"a", "-0.3"}, {"b", "3.0e15"}, {"b", "0.001"},
		{"c", "1.7976931348623157e308"}, {"c", "1.7976931348623157e308"}, {"d", "-1e-300"}, {"d", "1e-300"},
		{"e", "0x1p-1074"}, {"f", "123456789012345678901234567890"}, {"f", "-0.5"}, {"g", "5e-324"},
		{"h", "1.18973149535723176502e+4932"}, {"i", "2.5"}, {"i", "-2.5"}, {"j", "1e4931"}, {"j", "9e4931"},
	}
	for _, s := range steps {
		args := []string{"HINCRBYFLOAT", "hf", s[0], s[1]}
		want := r.do(t, args...)
		if got := env.do(args...); got != want {
			t.Errorf("%v: duva %q, redis %q", args, got, want)
		}
	}
	want := normalizeRESP(r.do(t, "HGETALL", "hf"))
	if got := normalizeRESP(env.do("HGETALL", "hf")); got != want {
		t.Errorf("HGETALL: duva %q, redis %q", got, want)
	}
}

// TestHashHugeHSET checks that one HSET with very many fields converts to a
// hashtable as soon as it passes the limit (Redis does it mid-command), so
// it does not walk a listpack per field, both for a new and an existing key.
func TestHashHugeHSET(t *testing.T) {
	env := newKVEnv(t, 4)
	const n = 100000
	args := []string{"HSET", "new"}
	for i := 0; i < n; i++ {
		args = append(args, "field:"+strconv.Itoa(i), "v")
	}
	args = append(args, "field:7", "last")
	if got := env.do(args...); got != hshRespInt(n) {
		t.Fatalf("HSET new: %q", got)
	}
	env.do("HSET", "old", "a", "1")
	args[1] = "old"
	if got := env.do(args...); got != hshRespInt(n) {
		t.Fatalf("HSET old: %q", got)
	}
	for k, size := range map[string]int64{"new": n, "old": n + 1} {
		if got := env.do("HLEN", k); got != hshRespInt(size) {
			t.Errorf("HLEN %s = %q", k, got)
		}
		if got := env.do("HGET", k, "field:7"); got != hshRespBulk("last") {
			t.Errorf("HGET %s field:7 = %q", k, got)
		}
		if got := env.do("OBJECT", "ENCODING", k); got != hshRespBulk("hashtable") {
			t.Errorf("encoding of %s: %q", k, got)
		}
	}
}

// ---- HSCAN guarantee ----

// TestHashScanGuarantee checks Redis's HSCAN guarantee on a hashtable: every
// field present for the whole iteration is returned at least once, while
// fields are added (the table grows) or removed (it shrinks) between calls.
func TestHashScanGuarantee(t *testing.T) {
	for _, mode := range []string{"grow", "shrink"} {
		t.Run(mode, func(t *testing.T) {
			env := newKVEnv(t, 4)
			stable := map[string]bool{}
			args := []string{"HSET", "h"}
			for i := 0; i < 1000; i++ {
				f := "stable:" + strconv.Itoa(i)
				stable[f] = false
				args = append(args, f, "v")
			}
			env.do(args...)
			temp := 0
			if mode == "shrink" {
				for ; temp < 6000; temp++ {
					env.do("HSET", "h", "temp:"+strconv.Itoa(temp), "v")
				}
			}
			if got := env.do("OBJECT", "ENCODING", "h"); got != "$9\r\nhashtable\r\n" {
				t.Fatalf("encoding %q", got)
			}
			cursor, calls := "0", 0
			for {
				v, err := hshParse(env.do("HSCAN", "h", cursor, "COUNT", "7"))
				if err != nil {
					t.Fatal(err)
				}
				arr := v.([]any)
				items := arr[1].([]any)
				for i := 0; i < len(items); i += 2 {
					if _, ok := stable[items[i].(string)]; ok {
						stable[items[i].(string)] = true
					}
				}
				for i := 0; i < 15; i++ {
					if mode == "grow" {
						env.do("HSET", "h", "temp:"+strconv.Itoa(temp), "v")
						temp++
					} else if temp > 0 {
						temp--
						env.do("HDEL", "h", "temp:"+strconv.Itoa(temp))
					}
				}
				calls++
				cursor = arr[0].(string)
				if cursor == "0" {
					break
				}
				if calls > 100000 {
					t.Fatal("HSCAN does not end")
				}
			}
			for f, seen := range stable {
				if !seen {
					t.Errorf("HSCAN never returned %s", f)
				}
			}
			t.Logf("%d calls, %d temp fields left", calls, temp)
		})
	}
}

// TestHashScanCount checks that a hashtable HSCAN returns about COUNT/2
// fields per call (Redis counts a field and its value as two) and never
// more than the buckets it visited hold.
func TestHashScanCount(t *testing.T) {
	env := newKVEnv(t, 1)
	args := []string{"HSET", "h"}
	for i := 0; i < 2000; i++ {
		args = append(args, "f"+strconv.Itoa(i), "v")
	}
	env.do(args...)
	cursor, total, calls := "0", 0, 0
	seen := map[string]int{}
	for {
		v, _ := hshParse(env.do("HSCAN", "h", cursor, "COUNT", "20"))
		arr := v.([]any)
		items := arr[1].([]any)
		if len(items)/2 > 30 {
			t.Errorf("one call returned %d fields with COUNT 20", len(items)/2)
		}
		for i := 0; i < len(items); i += 2 {
			seen[items[i].(string)]++
		}
		total += len(items) / 2
		calls++
		cursor = arr[0].(string)
		if cursor == "0" {
			break
		}
	}
	if len(seen) != 2000 || total != 2000 {
		t.Errorf("saw %d distinct fields, %d in all; want 2000 once each", len(seen), total)
	}
	if calls < 2000/20 || calls > 2000/5 {
		t.Errorf("%d calls for 2000 fields with COUNT 20", calls)
	}
}

// ---- HRANDFIELD distribution ----

// TestHashRandFieldUniform checks that HRANDFIELD picks every field with
// about the same frequency, in both encodings and for the sampling paths.
func TestHashRandFieldUniform(t *testing.T) {
	env := newKVEnv(t, 1)
	env.do("CONFIG", "SET", "hash-max-listpack-entries", "64")
	for _, tc := range []struct {
		name   string
		fields int
		args   []string
	}{
		{"listpack single", 10, []string{"HRANDFIELD", "h"}},
		{"listpack negative", 10, []string{"HRANDFIELD", "h", "-5"}},
		{"listpack unique", 10, []string{"HRANDFIELD", "h", "3"}},
		{"hashtable single", 200, []string{"HRANDFIELD", "h"}},
		{"hashtable negative", 200, []string{"HRANDFIELD", "h", "-50"}},
		{"hashtable unique few", 200, []string{"HRANDFIELD", "h", "20"}},
		{"hashtable unique many", 200, []string{"HRANDFIELD", "h", "150"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.do("DEL", "h")
			args := []string{"HSET", "h"}
			for i := 0; i < tc.fields; i++ {
				args = append(args, "f"+strconv.Itoa(i), "v")
			}
			env.do(args...)
			if enc := env.do("OBJECT", "ENCODING", "h"); (tc.fields > 64) != strings.Contains(enc, "hashtable") {
				t.Fatalf("encoding %q for %d fields", enc, tc.fields)
			}
			counts := map[string]int{}
			total := 0
			for total < 200*tc.fields {
				v, err := hshParse(env.do(tc.args...))
				if err != nil {
					t.Fatal(err)
				}
				var picks []any
				if s, ok := v.(string); ok {
					picks = []any{s}
				} else {
					picks = v.([]any)
				}
				for _, p := range picks {
					counts[p.(string)]++
					total++
				}
			}
			if len(counts) != tc.fields {
				t.Fatalf("%d distinct fields picked out of %d", len(counts), tc.fields)
			}
			// Listpack picks are uniform. Hashtable picks are as fair as
			// Redis's dictGetFairRandomKey: a field after a run of empty
			// buckets is more likely, so only gross bias fails.
			mean := float64(total) / float64(tc.fields)
			lo, hi := 0.7*mean, 1.3*mean
			if tc.fields > 64 {
				lo, hi = 0.25*mean, 2.5*mean
			}
			bad := 0
			for f, n := range counts {
				if float64(n) < lo || float64(n) > hi {
					if bad++; bad <= 5 {
						t.Errorf("field %s picked %d times, mean %.0f", f, n, mean)
					}
				}
			}
		})
	}
}

// ---- allocations and benchmarks ----

func TestHashHotPathAllocs(t *testing.T) {
	if raceEnabled() {
		t.Skip("allocation counts are not meaningful with -race")
	}
	env := newKVEnv(t, 4)
	env.do("HSET", "hp", "name", "some value", "n", "10", "other", "abc")
	args := []string{"HSET", "ht"}
	for i := 0; i < 600; i++ {
		args = append(args, "f"+strconv.Itoa(i), "value-"+strconv.Itoa(i%10))
	}
	env.do(args...)
	env.do("HSET", "ht", "n", "0")
	cases := []struct {
		name string
		args [][]byte
	}{
		{"HGET listpack", argv("HGET", "hp", "other")},
		{"HGET listpack miss", argv("HGET", "hp", "nosuch")},
		{"HGET hashtable", argv("HGET", "ht", "f300")},
		{"HSET listpack same size", argv("HSET", "hp", "name", "other valu")},
		{"HSET hashtable same size", argv("HSET", "ht", "f300", "value-7")},
		{"HMGET", argv("HMGET", "hp", "name", "n", "nosuch")},
		{"HEXISTS", argv("HEXISTS", "ht", "f1")},
		{"HLEN", argv("HLEN", "ht")},
		{"HSTRLEN", argv("HSTRLEN", "hp", "name")},
		{"HINCRBY listpack", argv("HINCRBY", "hp", "n", "1")},
		{"HINCRBY hashtable", argv("HINCRBY", "ht", "n", "1")},
		{"HGETALL listpack", argv("HGETALL", "hp")},
		{"HGETALL hashtable", argv("HGETALL", "ht")},
		{"HKEYS listpack", argv("HKEYS", "hp")},
	}
	out := make([]byte, 0, 64<<10)
	for _, tc := range cases {
		for i := 0; i < 10; i++ {
			out, _ = env.w.Exec(env.cl, tc.args, out[:0])
		}
		env.w.Flush()
		n := testing.AllocsPerRun(1000, func() {
			out, _ = env.w.Exec(env.cl, tc.args, out[:0])
		})
		env.w.Flush()
		if n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, n)
		}
	}
}

func hshBench(b *testing.B, setup [][]string, args [][]byte) {
	env := newKVEnv(b, 4)
	for _, s := range setup {
		env.do(s...)
	}
	out := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = env.benchExec(args, out[:0])
	}
	env.w.Flush()
}

// hshSmall is a hash like the memory test's: 5 fields of 10-byte values.
var hshSmall = []string{"HSET", "bench", "f1", "value-0001", "f2", "value-0002", "f3", "value-0003", "f4", "value-0004", "f5", "value-0005"}

func hshBigSetup() []string {
	args := []string{"HSET", "big"}
	for i := 0; i < 1000; i++ {
		args = append(args, "field:"+strconv.Itoa(i), "value-"+strconv.Itoa(i))
	}
	return args
}

func BenchmarkHashGetListpack(b *testing.B) {
	hshBench(b, [][]string{hshSmall}, argv("HGET", "bench", "f4"))
}

func BenchmarkHashGetHashtable(b *testing.B) {
	hshBench(b, [][]string{hshBigSetup()}, argv("HGET", "big", "field:500"))
}

func BenchmarkHashSetExistingListpack(b *testing.B) {
	hshBench(b, [][]string{hshSmall}, argv("HSET", "bench", "f3", "value-9999"))
}

func BenchmarkHashSetExistingHashtable(b *testing.B) {
	hshBench(b, [][]string{hshBigSetup()}, argv("HSET", "big", "field:500", "value-9999"))
}

func BenchmarkHashIncrby(b *testing.B) {
	hshBench(b, [][]string{{"HSET", "bench", "a", "1", "n", "0"}}, argv("HINCRBY", "bench", "n", "1"))
}

func BenchmarkHashMget(b *testing.B) {
	hshBench(b, [][]string{hshSmall}, argv("HMGET", "bench", "f1", "f3", "f5"))
}

func BenchmarkHashGetallListpack(b *testing.B) {
	hshBench(b, [][]string{hshSmall}, argv("HGETALL", "bench"))
}

func BenchmarkHashGetallHashtable(b *testing.B) {
	hshBench(b, [][]string{hshBigSetup()}, argv("HGETALL", "big"))
}

// BenchmarkHashSetNewKeys creates hashes of 5 fields (one HSET each), the
// shape of the memory test.
func BenchmarkHashSetNewKeys(b *testing.B) {
	env := newKVEnv(b, 4)
	keys := make([][]byte, 1<<16)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("hash:%07d", i))
	}
	args := argv(hshSmall...)
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i&(len(keys)-1) == 0 {
			b.StopTimer()
			env.do("FLUSHALL")
			b.StartTimer()
		}
		args[1] = keys[i&(len(keys)-1)]
		out = env.benchExec(args, out[:0])
	}
	env.w.Flush()
}

// BenchmarkHashSetNewFields grows a listpack one field at a time up to the
// conversion, then starts again.
func BenchmarkHashSetNewFields(b *testing.B) {
	env := newKVEnv(b, 4)
	fields := make([][]byte, 512)
	for i := range fields {
		fields[i] = []byte("field:" + strconv.Itoa(i))
	}
	args := argv("HSET", "grow", "", "some value")
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(fields) == 0 {
			b.StopTimer()
			env.do("DEL", "grow")
			b.StartTimer()
		}
		args[2] = fields[i%len(fields)]
		out = env.benchExec(args, out[:0])
	}
	env.w.Flush()
}
