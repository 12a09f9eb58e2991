package shard

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Tests of the set commands: the recorded transcript (testdata/kv_set.txt),
// a model test (random command sequences against a Go model of Redis's set
// semantics, encodings included), the same sequences against a real
// redis-server when there is one, the randomness of SPOP/SRANDMEMBER, SSCAN's
// guarantee, allocations and benchmarks.

func TestSetTranscript(t *testing.T) { runTranscript(t, "kv_set.txt") }

// ---- a parsed reply ----

// stVal is one RESP reply: kind is ':' (i), '$' (s), '_' (null bulk or null
// array), '-' (s), '*' or '~' (elems).
type stVal struct {
	kind  byte
	i     int64
	s     string
	elems []stVal
}

func (v stVal) String() string {
	switch v.kind {
	case ':':
		return strconv.FormatInt(v.i, 10)
	case '$':
		return strconv.Quote(v.s)
	case '_':
		return "nil"
	case '-':
		return "(error " + v.s + ")"
	case '+':
		return "+" + v.s
	}
	parts := make([]string, len(v.elems))
	for i, e := range v.elems {
		parts[i] = e.String()
	}
	return string(v.kind) + "[" + strings.Join(parts, " ") + "]"
}

func stParseReply(t testing.TB, raw []byte) stVal {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(string(raw)))
	v, err := stParseOne(br)
	if err != nil {
		t.Fatalf("bad reply %q: %v", raw, err)
	}
	if br.Buffered() != 0 {
		t.Fatalf("trailing bytes after reply %q", raw)
	}
	return v
}

func stParseOne(br *bufio.Reader) (stVal, error) {
	line, err := br.ReadString('\n')
	if err != nil || len(line) < 3 {
		return stVal{}, fmt.Errorf("short line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		return stVal{kind: ':', i: n}, err
	case '-', '+':
		return stVal{kind: line[0], s: body}, nil
	case '_':
		return stVal{kind: '_'}, nil
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return stVal{}, err
		}
		if n < 0 {
			return stVal{kind: '_'}, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return stVal{}, err
		}
		return stVal{kind: '$', s: string(buf[:n])}, nil
	case '*', '~', '%':
		n, err := strconv.Atoi(body)
		if err != nil {
			return stVal{}, err
		}
		if n < 0 {
			return stVal{kind: '_'}, nil
		}
		if line[0] == '%' {
			n *= 2
		}
		v := stVal{kind: line[0], elems: []stVal{}}
		for i := 0; i < n; i++ {
			e, err := stParseOne(br)
			if err != nil {
				return stVal{}, err
			}
			v.elems = append(v.elems, e)
		}
		return v, nil
	}
	return stVal{}, fmt.Errorf("unexpected reply type %q", line)
}

// strs returns the bulk elements of an aggregate.
func (v stVal) strs() []string {
	var l []string
	for _, e := range v.elems {
		l = append(l, e.s)
	}
	return l
}

// ---- the model ----

// stMSet is a set as the model sees it: members and whether Redis would have
// it in the intset encoding.
type stMSet struct {
	mem    map[string]bool
	intset bool
}

type stModel struct {
	sets map[string]*stMSet
	strs map[string]bool // keys holding strings
	max  int             // set-max-intset-entries
}

func newSTModel() *stModel {
	return &stModel{sets: map[string]*stMSet{}, strs: map[string]bool{}, max: 512}
}

func stIsInt(m string) bool { _, ok := parseInt([]byte(m)); return ok }

func (m *stModel) maxInts() int { return min(m.max, stMaxIntsetCap) }

// create is setTypeCreate.
func (m *stModel) create(first string) *stMSet {
	return &stMSet{mem: map[string]bool{}, intset: stIsInt(first)}
}

// add is setTypeAdd.
func (m *stModel) add(s *stMSet, x string) bool {
	if s.mem[x] {
		return false
	}
	s.mem[x] = true
	if s.intset && (!stIsInt(x) || len(s.mem) > m.maxInts()) {
		s.intset = false
	}
	return true
}

// canonical is the encoding of a set built from scratch by adding members.
func (m *stModel) canonical(mem map[string]bool) bool {
	if len(mem) > m.maxInts() {
		return false
	}
	for x := range mem {
		if !stIsInt(x) {
			return false
		}
	}
	return true
}

func (m *stModel) wrong(keys ...string) bool {
	for _, k := range keys {
		if m.strs[k] {
			return true
		}
	}
	return false
}

func (m *stModel) members(k string) map[string]bool {
	if s := m.sets[k]; s != nil {
		return s.mem
	}
	return nil
}

// store is setKey / dbDelete for the *STORE commands.
func (m *stModel) store(dst string, res *stMSet) {
	delete(m.strs, dst)
	delete(m.sets, dst)
	if len(res.mem) > 0 {
		m.sets[dst] = res
	}
}

func (m *stModel) delIfEmpty(k string) {
	if s := m.sets[k]; s != nil && len(s.mem) == 0 {
		delete(m.sets, k)
	}
}

// ---- the generator ----

var stKeys = []string{"a", "b", "c", "d"}

var stIntPool = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "-1", "-7",
	"300", "70000", "-70000", "5000000000", "-5000000000", "9223372036854775807", "-9223372036854775808"}

var stStrPool = []string{"x", "y", "z", "w", "01", "+1", "-0", "", "1.5", "9223372036854775808", "hello world"}

type stGen struct {
	r *rand.Rand
}

func (g *stGen) key() string {
	if g.r.Intn(25) == 0 {
		return "str"
	}
	return stKeys[g.r.Intn(len(stKeys))]
}

func (g *stGen) member(intBias int) string {
	if g.r.Intn(100) < intBias {
		return stIntPool[g.r.Intn(len(stIntPool))]
	}
	return stStrPool[g.r.Intn(len(stStrPool))]
}

func (g *stGen) keys(n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = g.key()
	}
	return l
}

// next returns a random command. intBias changes over a run so that sets
// spend time in both encodings.
func (g *stGen) next(intBias int) []string {
	r := g.r
	switch w := r.Intn(100); {
	case w < 22:
		args := []string{"SADD", g.key()}
		for n := 1 + r.Intn(4); n > 0; n-- {
			args = append(args, g.member(intBias))
		}
		return args
	case w < 30:
		args := []string{"SREM", g.key()}
		for n := 1 + r.Intn(3); n > 0; n-- {
			args = append(args, g.member(intBias))
		}
		return args
	case w < 33:
		return []string{"SCARD", g.key()}
	case w < 36:
		return []string{"SISMEMBER", g.key(), g.member(intBias)}
	case w < 38:
		return []string{"SMISMEMBER", g.key(), g.member(intBias), g.member(intBias)}
	case w < 42:
		return []string{"SMEMBERS", g.key()}
	case w < 45:
		return []string{"SPOP", g.key()}
	case w < 49:
		return []string{"SPOP", g.key(), strconv.Itoa(r.Intn(12))}
	case w < 51:
		return []string{"SRANDMEMBER", g.key()}
	case w < 54:
		return []string{"SRANDMEMBER", g.key(), strconv.Itoa(r.Intn(16) - 6)}
	case w < 59:
		return []string{"SMOVE", g.key(), g.key(), g.member(intBias)}
	case w < 65:
		cmd := []string{"SINTER", "SUNION", "SDIFF"}[r.Intn(3)]
		return append([]string{cmd}, g.keys(1+r.Intn(3))...)
	case w < 73:
		cmd := []string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}[r.Intn(3)]
		return append([]string{cmd, g.key()}, g.keys(1+r.Intn(3))...)
	case w < 76:
		n := 1 + r.Intn(3)
		args := append([]string{"SINTERCARD", strconv.Itoa(n)}, g.keys(n)...)
		if r.Intn(2) == 0 {
			args = append(args, "LIMIT", strconv.Itoa(r.Intn(4)))
		}
		return args
	case w < 79:
		return []string{"SSCAN", g.key(), "0", "COUNT", strconv.Itoa(1 + r.Intn(5))}
	case w < 91:
		return []string{"OBJECT", "ENCODING", g.key()}
	case w < 94:
		return []string{"CONFIG", "SET", "set-max-intset-entries", []string{"0", "2", "3", "5", "8", "512"}[r.Intn(6)]}
	case w < 97:
		return []string{"DEL", g.key()}
	}
	// A big set: past 512 members in one command.
	args := []string{"SADD", g.key()}
	base := r.Intn(1000)
	for i := 0; i < 520; i++ {
		args = append(args, strconv.Itoa(base+i))
	}
	return args
}

// ---- checking duva against the model ----

func stErrVal(msg string) stVal { return stVal{kind: '-', s: msg} }

var (
	stNull    = stVal{kind: '_'}
	stWrongTy = stErrVal(ErrWrongType)
)

func stIntVal(n int) stVal { return stVal{kind: ':', i: int64(n)} }

// stSortedStrs sorts a member list as strings.
func stSortedStrs(l []string) []string {
	l = append([]string(nil), l...)
	sort.Strings(l)
	return l
}

func stKeysOf(mem map[string]bool) []string {
	var l []string
	for x := range mem {
		l = append(l, x)
	}
	return stSortedStrs(l)
}

// stAscending reports whether the members are integers in ascending order.
func stAscending(l []string) bool {
	prev := int64(math.MinInt64)
	for i, x := range l {
		v, ok := parseInt([]byte(x))
		if !ok || (i > 0 && v <= prev) {
			return false
		}
		prev = v
	}
	return true
}

type stChecker struct {
	t     *testing.T
	m     *stModel
	proto int
	step  int
	cmd   []string
}

func (ck *stChecker) fail(format string, a ...any) {
	ck.t.Helper()
	ck.t.Fatalf("step %d %q: %s", ck.step, ck.cmd, fmt.Sprintf(format, a...))
}

func (ck *stChecker) expect(got, want stVal) {
	ck.t.Helper()
	if got.String() != want.String() {
		ck.fail("got %v, want %v", got, want)
	}
}

// expectSet checks an aggregate reply holding exactly the members mem (in
// ascending order when ordered), of kind '~' in RESP3 if set, else '*'.
func (ck *stChecker) expectSet(got stVal, mem map[string]bool, set, ordered bool) {
	ck.t.Helper()
	kind := byte('*')
	if set && ck.proto == 3 {
		kind = '~'
	}
	if got.kind != kind {
		ck.fail("reply %v: want a %c aggregate", got, kind)
	}
	l := got.strs()
	if fmt.Sprint(stSortedStrs(l)) != fmt.Sprint(stKeysOf(mem)) {
		ck.fail("members %q, want %q", stSortedStrs(l), stKeysOf(mem))
	}
	if ordered && !stAscending(l) {
		ck.fail("members %q: want ascending (intset order)", l)
	}
}

// expectDistinctSubset checks n distinct members of mem.
func (ck *stChecker) expectDistinctSubset(got stVal, mem map[string]bool, n int, kind byte) {
	ck.t.Helper()
	if got.kind != kind || len(got.elems) != n {
		ck.fail("reply %v: want %d elements in a %c aggregate", got, n, kind)
	}
	seen := map[string]bool{}
	for _, x := range got.strs() {
		if !mem[x] || seen[x] {
			ck.fail("reply %v: %q is not a member or repeats", got, x)
		}
		seen[x] = true
	}
}

// run executes cmd through do and checks the reply against the model, which it
// then updates.
func (ck *stChecker) run(do func(args ...string) stVal, cmd []string) {
	ck.t.Helper()
	ck.cmd = cmd
	m := ck.m
	setKind := byte('*')
	if ck.proto == 3 {
		setKind = '~'
	}
	if cmd[0] == "SSCAN" {
		ck.scan(do, cmd)
		return
	}
	got := do(cmd...)
	switch cmd[0] {
	case "SADD":
		k := cmd[1]
		if m.wrong(k) {
			ck.expect(got, stWrongTy)
			return
		}
		s := m.sets[k]
		if s == nil {
			s = m.create(cmd[2])
			m.sets[k] = s
		}
		n := 0
		for _, x := range cmd[2:] {
			if m.add(s, x) {
				n++
			}
		}
		ck.expect(got, stIntVal(n))
	case "SREM":
		k := cmd[1]
		if m.wrong(k) {
			ck.expect(got, stWrongTy)
			return
		}
		n := 0
		if s := m.sets[k]; s != nil {
			for _, x := range cmd[2:] {
				if s.mem[x] {
					delete(s.mem, x)
					n++
				}
			}
			m.delIfEmpty(k)
		}
		ck.expect(got, stIntVal(n))
	case "SCARD":
		if m.wrong(cmd[1]) {
			ck.expect(got, stWrongTy)
			return
		}
		ck.expect(got, stIntVal(len(m.members(cmd[1]))))
	case "SISMEMBER":
		if m.wrong(cmd[1]) {
			ck.expect(got, stWrongTy)
			return
		}
		ck.expect(got, stIntVal(b2i(m.members(cmd[1])[cmd[2]])))
	case "SMISMEMBER":
		if m.wrong(cmd[1]) {
			ck.expect(got, stWrongTy)
			return
		}
		want := stVal{kind: '*', elems: []stVal{}}
		for _, x := range cmd[2:] {
			want.elems = append(want.elems, stIntVal(b2i(m.members(cmd[1])[x])))
		}
		ck.expect(got, want)
	case "SMEMBERS":
		if m.wrong(cmd[1]) {
			ck.expect(got, stWrongTy)
			return
		}
		s := m.sets[cmd[1]]
		ck.expectSet(got, m.members(cmd[1]), true, s != nil && s.intset)
	case "OBJECT":
		k := cmd[2]
		switch {
		case m.strs[k]:
			if got.kind != '$' {
				ck.fail("got %v", got)
			}
		case m.sets[k] == nil:
			ck.expect(got, stNull)
		case m.sets[k].intset:
			ck.expect(got, stVal{kind: '$', s: "intset"})
		default:
			ck.expect(got, stVal{kind: '$', s: "hashtable"})
		}
	case "CONFIG":
		ck.expect(got, stVal{kind: '+', s: "OK"})
		m.max, _ = strconv.Atoi(cmd[3])
	case "DEL":
		n := 0
		if m.sets[cmd[1]] != nil || m.strs[cmd[1]] {
			n = 1
		}
		delete(m.sets, cmd[1])
		delete(m.strs, cmd[1])
		ck.expect(got, stIntVal(n))
	case "SPOP":
		ck.spop(got, cmd, setKind)
	case "SRANDMEMBER":
		ck.srandmember(got, cmd)
	case "SMOVE":
		ck.smove(got, cmd)
	case "SINTER", "SUNION", "SDIFF":
		if m.wrong(cmd[1:]...) {
			ck.expect(got, stWrongTy)
			return
		}
		res := ck.setop(cmd[0], cmd[1:])
		// SUNION and SDIFF reply from a new set (ascending when an intset);
		// SINTER iterates the smallest source.
		ck.expectSet(got, res.mem, true, cmd[0] != "SINTER" && res.intset && len(res.mem) > 0)
	case "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE":
		if m.wrong(cmd[2:]...) {
			ck.expect(got, stWrongTy)
			return
		}
		res := ck.setop(strings.TrimSuffix(cmd[0], "STORE"), cmd[2:])
		m.store(cmd[1], res)
		ck.expect(got, stIntVal(len(res.mem)))
	case "SINTERCARD":
		n, _ := strconv.Atoi(cmd[1])
		keys := cmd[2 : 2+n]
		if m.wrong(keys...) {
			ck.expect(got, stWrongTy)
			return
		}
		res := ck.setop("SINTER", keys)
		card := len(res.mem)
		if len(cmd) > 2+n {
			if l, _ := strconv.Atoi(cmd[3+n]); l > 0 && card > l {
				card = l
			}
		}
		ck.expect(got, stIntVal(card))
	default:
		ck.fail("no model for %s", cmd[0])
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// setop computes SINTER/SUNION/SDIFF and the encoding Redis's result set has.
func (ck *stChecker) setop(op string, keys []string) *stMSet {
	m := ck.m
	res := &stMSet{mem: map[string]bool{}, intset: true}
	switch op {
	case "SINTER":
		for _, k := range keys {
			if m.sets[k] == nil {
				return res
			}
		}
		for x := range m.sets[keys[0]].mem {
			in := true
			for _, k := range keys[1:] {
				in = in && m.sets[k].mem[x]
			}
			if in {
				res.mem[x] = true
			}
		}
		res.intset = m.canonical(res.mem)
	case "SUNION":
		for _, k := range keys {
			for x := range m.members(k) {
				res.mem[x] = true
			}
		}
		res.intset = m.canonical(res.mem)
	case "SDIFF":
		first := m.sets[keys[0]]
		if first == nil {
			return res
		}
		one, two := 0, 0
		for _, k := range keys {
			if s := m.sets[k]; s != nil {
				one += len(first.mem)
				two += len(s.mem)
			}
		}
		for _, k := range keys[1:] {
			if k == keys[0] {
				return res // the same set: empty
			}
		}
		for x := range first.mem {
			in := false
			for _, k := range keys[1:] {
				in = in || m.members(k)[x]
			}
			if !in {
				res.mem[x] = true
			}
		}
		if one/2 <= two {
			res.intset = m.canonical(res.mem)
		} else {
			// Algorithm 2 copies the whole first set, then removes.
			res.intset = m.canonical(first.mem)
		}
	}
	return res
}

func (ck *stChecker) spop(got stVal, cmd []string, setKind byte) {
	m := ck.m
	k := cmd[1]
	if len(cmd) == 3 {
		n, _ := strconv.Atoi(cmd[2])
		if m.wrong(k) {
			ck.expect(got, stWrongTy)
			return
		}
		s := m.sets[k]
		if s == nil || n == 0 {
			ck.expect(got, stVal{kind: setKind, elems: []stVal{}})
			return
		}
		size := len(s.mem)
		if n >= size {
			ck.expectSet(got, s.mem, true, m.canonical(s.mem))
			delete(m.sets, k)
			return
		}
		ck.expectDistinctSubset(got, s.mem, n, setKind)
		for _, x := range got.strs() {
			delete(s.mem, x)
		}
		if (size-n)*stSpopMoveMul <= n {
			s.intset = m.canonical(s.mem) // a new set of the remaining members
		}
		return
	}
	if m.wrong(k) {
		ck.expect(got, stWrongTy)
		return
	}
	s := m.sets[k]
	if s == nil {
		ck.expect(got, stNull)
		return
	}
	if got.kind != '$' || !s.mem[got.s] {
		ck.fail("popped %v: not a member", got)
	}
	delete(s.mem, got.s)
	m.delIfEmpty(k)
}

func (ck *stChecker) srandmember(got stVal, cmd []string) {
	m := ck.m
	k := cmd[1]
	if m.wrong(k) {
		ck.expect(got, stWrongTy)
		return
	}
	s := m.sets[k]
	if len(cmd) == 2 {
		if s == nil {
			ck.expect(got, stNull)
		} else if got.kind != '$' || !s.mem[got.s] {
			ck.fail("got %v: not a member", got)
		}
		return
	}
	n, _ := strconv.Atoi(cmd[2])
	if s == nil || n == 0 {
		ck.expect(got, stVal{kind: '*', elems: []stVal{}})
		return
	}
	if n < 0 {
		if got.kind != '*' || len(got.elems) != -n {
			ck.fail("got %v: want %d members", got, -n)
		}
		for _, x := range got.strs() {
			if !s.mem[x] {
				ck.fail("got %v: %q is not a member", got, x)
			}
		}
		return
	}
	if n >= len(s.mem) {
		ck.expectSet(got, s.mem, false, s.intset)
		return
	}
	ck.expectDistinctSubset(got, s.mem, n, '*')
}

func (ck *stChecker) smove(got stVal, cmd []string) {
	m := ck.m
	src, dst, x := cmd[1], cmd[2], cmd[3]
	if m.sets[src] == nil && !m.strs[src] {
		ck.expect(got, stIntVal(0))
		return
	}
	if m.wrong(src, dst) {
		ck.expect(got, stWrongTy)
		return
	}
	s := m.sets[src]
	if src == dst {
		ck.expect(got, stIntVal(b2i(s.mem[x])))
		return
	}
	if !s.mem[x] {
		ck.expect(got, stIntVal(0))
		return
	}
	delete(s.mem, x)
	m.delIfEmpty(src)
	d := m.sets[dst]
	if d == nil {
		d = m.create(x)
		m.sets[dst] = d
	}
	m.add(d, x)
	ck.expect(got, stIntVal(1))
}

// scan iterates SSCAN to the end and checks it returned every member.
func (ck *stChecker) scan(do func(args ...string) stVal, cmd []string) {
	m := ck.m
	k := cmd[1]
	cursor := "0"
	seen := map[string]bool{}
	for i := 0; ; i++ {
		if i > 10000 {
			ck.fail("SSCAN does not end")
		}
		got := do("SSCAN", k, cursor, cmd[3], cmd[4])
		if m.wrong(k) {
			ck.expect(got, stWrongTy)
			return
		}
		if got.kind != '*' || len(got.elems) != 2 || got.elems[1].kind != '*' {
			ck.fail("SSCAN reply %v", got)
		}
		for _, x := range got.elems[1].strs() {
			if !m.members(k)[x] {
				ck.fail("SSCAN returned %q, not a member", x)
			}
			seen[x] = true
		}
		cursor = got.elems[0].s
		if s := m.sets[k]; (s == nil || s.intset) && cursor != "0" {
			ck.fail("SSCAN of an intset returned cursor %s", cursor)
		}
		if cursor == "0" {
			break
		}
	}
	if fmt.Sprint(stKeysOf(seen)) != fmt.Sprint(stKeysOf(m.members(k))) {
		ck.fail("SSCAN returned %q, want %q", stKeysOf(seen), stKeysOf(m.members(k)))
	}
}

// stSequence runs steps random commands of seed through do, checked by a model.
func stSequence(t *testing.T, seed int64, steps, proto int, do func(args ...string) stVal) {
	g := &stGen{r: rand.New(rand.NewSource(seed))}
	ck := &stChecker{t: t, m: newSTModel(), proto: proto}
	ck.m.strs["str"] = true
	intBias := 90
	for i := 0; i < steps; i++ {
		if i%300 == 0 {
			intBias = []int{95, 80, 50}[g.r.Intn(3)]
		}
		ck.step = i
		ck.run(do, g.next(intBias))
	}
	// Every key still agrees with the model.
	for _, k := range stKeys {
		ck.step = steps
		ck.run(do, []string{"SMEMBERS", k})
		ck.run(do, []string{"OBJECT", "ENCODING", k})
	}
}

func TestSetModel(t *testing.T) {
	for _, proto := range []int{2, 3} {
		for seed := int64(1); seed <= 6; seed++ {
			t.Run(fmt.Sprintf("resp%d/seed%d", proto, seed), func(t *testing.T) {
				env := newKVEnv(t, 4)
				env.cl.SetProto(proto)
				env.do("SET", "str", "x")
				steps := 3000
				if testing.Short() {
					steps = 500
				}
				stSequence(t, seed, steps, proto, func(args ...string) stVal {
					return stParseReply(t, []byte(env.do(args...)))
				})
			})
		}
	}
}

// TestSetModelItself runs the model against a real redis-server, which checks
// the model (and so what TestSetModel asserts) is Redis's behaviour.
func TestSetModelItself(t *testing.T) {
	r := startRedis(t)
	if r == nil {
		t.Skip("redis-server 7.0 not found")
	}
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			r.do(t, "FLUSHALL")
			r.do(t, "CONFIG", "SET", "set-max-intset-entries", "512")
			r.do(t, "SET", "str", "x")
			stSequence(t, seed, 2000, 2, func(args ...string) stVal {
				return stParseReply(t, []byte(r.do(t, args...)))
			})
		})
	}
	r.do(t, "CONFIG", "SET", "set-max-intset-entries", "512")
}

// TestSetDifferential runs random sequences on duva and on redis-server side
// by side and compares the replies: exactly where Redis's reply is
// deterministic, as sets where only the order is unspecified. After SPOP the
// two servers popped different members; the Redis key is then rebuilt from
// duva's members in duva's encoding so that the runs continue in step.
func TestSetDifferential(t *testing.T) {
	r := startRedis(t)
	if r == nil {
		t.Skip("redis-server 7.0 not found")
	}
	for _, proto := range []int{2, 3} {
		for seed := int64(11); seed <= 14; seed++ {
			t.Run(fmt.Sprintf("resp%d/seed%d", proto, seed), func(t *testing.T) {
				env := newKVEnv(t, 4)
				env.cl.SetProto(proto)
				r.do(t, "HELLO", strconv.Itoa(proto))
				r.do(t, "FLUSHALL")
				r.do(t, "CONFIG", "SET", "set-max-intset-entries", "512")
				for _, d := range []func(...string) string{env.do, func(a ...string) string { return r.do(t, a...) }} {
					d("SET", "str", "x")
				}
				g := &stGen{r: rand.New(rand.NewSource(seed))}
				intBias := 90
				for i := 0; i < 2000; i++ {
					if i%300 == 0 {
						intBias = []int{95, 80, 50}[g.r.Intn(3)]
					}
					cmd := g.next(intBias)
					stDiffStep(t, i, cmd, env, r)
				}
			})
		}
	}
	r.do(t, "HELLO", "2")
	r.do(t, "CONFIG", "SET", "set-max-intset-entries", "512")
}

func stDiffStep(t *testing.T, i int, cmd []string, env *kvEnv, r *kvRedis) {
	t.Helper()
	switch cmd[0] {
	case "SSCAN":
		full := func(do func(...string) string) string {
			var all []string
			cursor := "0"
			for n := 0; n < 10000; n++ {
				reply := do("SSCAN", cmd[1], cursor, cmd[3], cmd[4])
				v := stParseReply(t, []byte(reply))
				if v.kind != '*' {
					return reply
				}
				all = append(all, v.elems[1].strs()...)
				if cursor = v.elems[0].s; cursor == "0" {
					break
				}
			}
			seen := map[string]bool{}
			for _, x := range all {
				seen[x] = true
			}
			return fmt.Sprint(stKeysOf(seen))
		}
		if a, b := full(env.do), full(func(a ...string) string { return r.do(t, a...) }); a != b {
			t.Fatalf("step %d %q: duva %s, redis %s", i, cmd, a, b)
		}
		return
	}
	got, want := env.do(cmd...), r.do(t, cmd...)
	switch cmd[0] {
	case "SPOP", "SRANDMEMBER":
		gv, wv := stParseReply(t, []byte(got)), stParseReply(t, []byte(want))
		if gv.kind != wv.kind || len(gv.elems) != len(wv.elems) || (gv.kind == '-' && gv.s != wv.s) {
			t.Fatalf("step %d %q: duva %q, redis %q", i, cmd, got, want)
		}
		if cmd[0] == "SPOP" {
			stResync(t, cmd[1], env, r)
		}
		return
	case "SMEMBERS", "SINTER", "SUNION", "SDIFF":
		got, want = normalizeRESP(got), normalizeRESP(want)
	}
	if got != want {
		t.Fatalf("step %d %q:\n  duva:  %q\n  redis: %q", i, cmd, got, want)
	}
}

// stResync makes Redis's key hold duva's members, in duva's encoding.
func stResync(t *testing.T, key string, env *kvEnv, r *kvRedis) {
	members := stParseReply(t, []byte(env.do("SMEMBERS", key)))
	enc := env.do("OBJECT", "ENCODING", key)
	if members.kind == '-' {
		return
	}
	r.do(t, "DEL", key)
	if len(members.elems) == 0 {
		return
	}
	args := append([]string{"SADD", key}, members.strs()...)
	if strings.Contains(enc, "hashtable") {
		args = append(args, "\x00resync")
	}
	// An intset may be larger than the current limit (lowered after it was
	// built): add with no limit.
	max := stParseReply(t, []byte(r.do(t, "CONFIG", "GET", "set-max-intset-entries")))
	r.do(t, "CONFIG", "SET", "set-max-intset-entries", "1000000")
	r.do(t, args...)
	r.do(t, "CONFIG", "SET", "set-max-intset-entries", max.elems[1].s)
	if strings.Contains(enc, "hashtable") {
		r.do(t, "SREM", key, "\x00resync")
	}
	if got := r.do(t, "OBJECT", "ENCODING", key); got != enc {
		t.Fatalf("resync of %s: redis encoding %q, duva %q", key, got, enc)
	}
}

// ---- randomness of SPOP and SRANDMEMBER ----

// stChiSquare returns the chi-square statistic of counts against a uniform
// distribution.
func stChiSquare(counts map[string]int, bins int) float64 {
	total := 0
	for _, n := range counts {
		total += n
	}
	exp := float64(total) / float64(bins)
	x := 0.0
	for _, n := range counts {
		d := float64(n) - exp
		x += d * d / exp
	}
	x += float64(bins-len(counts)) * exp // bins never drawn
	return x
}

// stChiCritical approximates the chi-square quantile at p = 0.0001 for df
// degrees of freedom (Wilson-Hilferty).
func stChiCritical(df int) float64 {
	const z = 3.719 // standard normal quantile at 0.9999
	k := float64(df)
	h := 2 / (9 * k)
	c := 1 - h + z*math.Sqrt(h)
	return k * c * c * c
}

func TestSetRandomUniform(t *testing.T) {
	env := newKVEnv(t, 4)
	cases := []struct {
		name    string
		members func(i int) string
		n       int
	}{
		{"intset", func(i int) string { return strconv.Itoa(i * 7) }, 60},
		{"hashtable", func(i int) string { return "m" + strconv.Itoa(i) }, 60},
		{"hashtable-large", func(i int) string { return "member:" + strconv.Itoa(i) }, 1000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.do("DEL", "u")
			args := []string{"SADD", "u"}
			for i := 0; i < tc.n; i++ {
				args = append(args, tc.members(i))
			}
			env.do(args...)
			crit := stChiCritical(tc.n - 1)
			draws := tc.n * 200

			// SRANDMEMBER one at a time.
			counts := map[string]int{}
			for i := 0; i < draws; i++ {
				counts[stParseReply(t, []byte(env.do("SRANDMEMBER", "u"))).s]++
			}
			if x := stChiSquare(counts, tc.n); x > crit {
				t.Errorf("SRANDMEMBER: chi-square %.1f > %.1f (df %d)", x, crit, tc.n-1)
			}
			// SRANDMEMBER with a negative count.
			counts = map[string]int{}
			for _, x := range stParseReply(t, []byte(env.do("SRANDMEMBER", "u", strconv.Itoa(-draws)))).strs() {
				counts[x]++
			}
			if x := stChiSquare(counts, tc.n); x > crit {
				t.Errorf("SRANDMEMBER -%d: chi-square %.1f > %.1f", draws, x, crit)
			}
			// SRANDMEMBER with a small positive count (distinct picks).
			counts = map[string]int{}
			for i := 0; i < draws/5; i++ {
				for _, x := range stParseReply(t, []byte(env.do("SRANDMEMBER", "u", "5"))).strs() {
					counts[x]++
				}
			}
			if x := stChiSquare(counts, tc.n); x > crit {
				t.Errorf("SRANDMEMBER 5: chi-square %.1f > %.1f", x, crit)
			}
			// SRANDMEMBER with a large positive count (shuffled copy).
			counts = map[string]int{}
			for i := 0; i < draws/(tc.n/2); i++ {
				for _, x := range stParseReply(t, []byte(env.do("SRANDMEMBER", "u", strconv.Itoa(tc.n/2)))).strs() {
					counts[x]++
				}
			}
			if x := stChiSquare(counts, tc.n); x > crit {
				t.Errorf("SRANDMEMBER %d: chi-square %.1f > %.1f", tc.n/2, x, crit)
			}
		})
	}
	// SPOP: which of 20 members goes first; and SPOP with a count in both
	// strategies (remove picks, keep a few).
	for _, enc := range []string{"intset", "hashtable"} {
		t.Run("spop-"+enc, func(t *testing.T) {
			const n = 20
			for _, count := range []string{"", "3", "18"} {
				counts := map[string]int{}
				for i := 0; i < 4000; i++ {
					args := []string{"SADD", "p"}
					for j := 0; j < n; j++ {
						if enc == "intset" {
							args = append(args, strconv.Itoa(j))
						} else {
							args = append(args, "m"+strconv.Itoa(j))
						}
					}
					env.do("DEL", "p")
					env.do(args...)
					if count == "" {
						counts[stParseReply(t, []byte(env.do("SPOP", "p"))).s]++
						continue
					}
					for _, x := range stParseReply(t, []byte(env.do("SPOP", "p", count))).strs() {
						counts[x]++
					}
				}
				if x, crit := stChiSquare(counts, n), stChiCritical(n-1); x > crit {
					t.Errorf("SPOP %s: chi-square %.1f > %.1f", count, x, crit)
				}
			}
		})
	}
}

// ---- SSCAN's guarantee on a changing hashtable ----

// TestSetScanGuarantee: members present for the whole scan are returned,
// while others are added (growing the table) and removed (shrinking it)
// between the calls.
func TestSetScanGuarantee(t *testing.T) {
	env := newKVEnv(t, 4)
	r := rand.New(rand.NewSource(5))
	for round := 0; round < 20; round++ {
		env.do("DEL", "g")
		stable := map[string]bool{}
		args := []string{"SADD", "g"}
		for i := 0; i < 300; i++ {
			m := fmt.Sprintf("s%d", i)
			stable[m] = true
			args = append(args, m)
		}
		env.do(args...)
		seen := map[string]bool{}
		cursor, extra := "0", 0
		for calls := 0; ; calls++ {
			if calls > 100000 {
				t.Fatal("SSCAN does not end")
			}
			v := stParseReply(t, []byte(env.do("SSCAN", "g", cursor, "COUNT", strconv.Itoa(1+r.Intn(20)))))
			for _, x := range v.elems[1].strs() {
				seen[x] = true
			}
			if cursor = v.elems[0].s; cursor == "0" {
				break
			}
			switch r.Intn(3) {
			case 0: // grow
				for i := 0; i < 50; i++ {
					env.do("SADD", "g", fmt.Sprintf("x%d", extra))
					extra++
				}
			case 1: // shrink
				for i := 0; i < 60 && extra > 0; i++ {
					extra--
					env.do("SREM", "g", fmt.Sprintf("x%d", extra))
				}
			}
		}
		for m := range stable {
			if !seen[m] {
				t.Fatalf("round %d: SSCAN missed %q", round, m)
			}
		}
	}
}

// ---- allocations and benchmarks ----

func TestSetHotPathAllocs(t *testing.T) {
	if raceEnabled() {
		t.Skip("allocation counts are not meaningful with -race")
	}
	env := newKVEnv(t, 4)
	env.do("SADD", "si", "1", "2", "3", "4", "5")
	env.do("SADD", "sh", "a", "b", "c", "d", "e")
	cases := []struct {
		name string
		args [][]byte
	}{
		{"SADD intset existing", argv("SADD", "si", "3")},
		{"SADD hashtable existing", argv("SADD", "sh", "c")},
		{"SISMEMBER intset", argv("SISMEMBER", "si", "4")},
		{"SISMEMBER hashtable", argv("SISMEMBER", "sh", "d")},
		{"SISMEMBER miss", argv("SISMEMBER", "nokey", "d")},
		{"SMISMEMBER", argv("SMISMEMBER", "sh", "a", "z")},
		{"SCARD", argv("SCARD", "sh")},
		{"SMEMBERS intset", argv("SMEMBERS", "si")},
		{"SMEMBERS hashtable", argv("SMEMBERS", "sh")},
		{"SRANDMEMBER intset", argv("SRANDMEMBER", "si")},
		{"SRANDMEMBER hashtable", argv("SRANDMEMBER", "sh")},
		{"SRANDMEMBER -3", argv("SRANDMEMBER", "sh", "-3")},
		{"SINTERCARD", argv("SINTERCARD", "2", "si", "si")},
		{"SSCAN intset", argv("SSCAN", "si", "0")},
		{"SADD+SREM intset", nil},
	}
	out := make([]byte, 0, 4096)
	for _, tc := range cases {
		run := func() { out, _ = env.w.Exec(env.cl, tc.args, out[:0]) }
		if tc.args == nil {
			add, rem := argv("SADD", "si", "6"), argv("SREM", "si", "6")
			run = func() {
				out, _ = env.w.Exec(env.cl, add, out[:0])
				out, _ = env.w.Exec(env.cl, rem, out[:0])
			}
		}
		for i := 0; i < 10; i++ {
			run()
		}
		env.w.Flush()
		n := testing.AllocsPerRun(1000, run)
		env.w.Flush()
		if n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, n)
		}
	}
}

func stBench(b *testing.B, setup [][]string, args ...string) {
	env := newKVEnv(b, 4)
	for _, s := range setup {
		env.do(s...)
	}
	a := argv(args...)
	out := make([]byte, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = env.w.Exec(env.cl, a, out[:0])
	}
	env.w.Flush()
}

func stBenchSetup(key string, n int, member func(i int) string) [][]string {
	args := []string{"SADD", key}
	for i := 0; i < n; i++ {
		args = append(args, member(i))
	}
	return [][]string{args}
}

func stIntMember(i int) string { return strconv.Itoa(i * 3) }
func stStrMember(i int) string { return "member:" + strconv.Itoa(i) }

func BenchmarkSetSaddIntsetExisting(b *testing.B) {
	stBench(b, stBenchSetup("s", 100, stIntMember), "SADD", "s", "150")
}

func BenchmarkSetSaddHashtableExisting(b *testing.B) {
	stBench(b, stBenchSetup("s", 1000, stStrMember), "SADD", "s", "member:500")
}

// BenchmarkSetSaddSremIntset adds and removes one member (two commands per op).
func BenchmarkSetSaddSremIntset(b *testing.B) {
	env := newKVEnv(b, 4)
	env.do(stBenchSetup("s", 100, stIntMember)[0]...)
	add, rem := argv("SADD", "s", "151"), argv("SREM", "s", "151")
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = env.w.Exec(env.cl, add, out[:0])
		out, _ = env.w.Exec(env.cl, rem, out[:0])
	}
	env.w.Flush()
}

// BenchmarkSetSaddSremHashtable adds and removes one member (two commands per op).
func BenchmarkSetSaddSremHashtable(b *testing.B) {
	env := newKVEnv(b, 4)
	env.do(stBenchSetup("s", 1000, stStrMember)[0]...)
	add, rem := argv("SADD", "s", "new-member"), argv("SREM", "s", "new-member")
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ = env.w.Exec(env.cl, add, out[:0])
		out, _ = env.w.Exec(env.cl, rem, out[:0])
	}
	env.w.Flush()
}

// BenchmarkSetSaddNewKeys creates small sets of 5 integer members.
func BenchmarkSetSaddNewKeysIntset(b *testing.B) {
	env := newKVEnv(b, 4)
	keys := make([][]byte, 1<<16)
	for i := range keys {
		keys[i] = []byte("set:" + strconv.Itoa(i))
	}
	args := argv("SADD", "", "1", "2", "3", "4", "5")
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

func BenchmarkSetSismemberIntset(b *testing.B) {
	stBench(b, stBenchSetup("s", 500, stIntMember), "SISMEMBER", "s", "300")
}

func BenchmarkSetSismemberHashtable(b *testing.B) {
	stBench(b, stBenchSetup("s", 1000, stStrMember), "SISMEMBER", "s", "member:300")
}

func BenchmarkSetSmembersIntset100(b *testing.B) {
	stBench(b, stBenchSetup("s", 100, stIntMember), "SMEMBERS", "s")
}

func BenchmarkSetSmembersHashtable100(b *testing.B) {
	stBench(b, stBenchSetup("s", 100, stStrMember), "SMEMBERS", "s")
}

func BenchmarkSetSrandmemberHashtable(b *testing.B) {
	stBench(b, stBenchSetup("s", 1000, stStrMember), "SRANDMEMBER", "s")
}

func BenchmarkSetSinterIntset(b *testing.B) {
	setup := append(stBenchSetup("{x}a", 300, stIntMember), stBenchSetup("{x}b", 300, func(i int) string { return strconv.Itoa(i * 2) })...)
	stBench(b, setup, "SINTER", "{x}a", "{x}b")
}

func BenchmarkSetSinterHashtable(b *testing.B) {
	setup := append(stBenchSetup("{x}a", 300, stStrMember), stBenchSetup("{x}b", 300, func(i int) string { return stStrMember(i * 2) })...)
	stBench(b, setup, "SINTER", "{x}a", "{x}b")
}

// BenchmarkSetSpopHashtable pops from a set of 20000 members, refilled
// (untimed) when it is down to 10000.
func BenchmarkSetSpopHashtable(b *testing.B) {
	env := newKVEnv(b, 4)
	fill := stBenchSetup("s", 20000, stStrMember)[0]
	pop := argv("SPOP", "s")
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%10000 == 0 {
			b.StopTimer()
			env.do(fill...)
			b.StartTimer()
		}
		out, _ = env.w.Exec(env.cl, pop, out[:0])
	}
	env.w.Flush()
}
