package shard

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duva-db/duva/internal/config"
	"github.com/duva-db/duva/rdb"
)

// rdbContents decodes an RDB image into "db key" -> canonical value text.
type rdbContents map[string]string

func (m rdbContents) Aux(key, val []byte) error                   { return nil }
func (m rdbContents) ResizeDB(db int, size, expires uint64) error { return nil }
func (m rdbContents) Function(code []byte) error                  { return nil }
func (m rdbContents) Key(db int, key []byte, expireMs int64, v *rdb.Value) error {
	var items []string
	for i, el := range v.Elems {
		s := string(el)
		if v.Kind == rdb.KindZSet {
			s += "=" + strconv.FormatFloat(v.Scores[i], 'g', 17, 64)
		}
		items = append(items, s)
	}
	if v.Kind == rdb.KindHash {
		var pairs []string
		for i := 0; i+1 < len(items); i += 2 {
			pairs = append(pairs, items[i]+":"+items[i+1])
		}
		items = pairs
	}
	if v.Kind != rdb.KindList {
		sort.Strings(items)
	}
	k := fmt.Sprintf("%d %s", db, key)
	if _, dup := m[k]; dup {
		return fmt.Errorf("key %q written twice", k)
	}
	m[k] = fmt.Sprintf("kind=%d exp=%d str=%q items=%q", v.Kind, expireMs, v.Str, items)
	return nil
}

// snapshotRDB takes a snapshot of env's engine as an RDB image; between walk
// steps it runs between (if not nil).
func snapshotRDB(t *testing.T, env *kvEnv, between func()) rdbContents {
	t.Helper()
	var buf bytes.Buffer
	rw := rdb.NewWriter(&buf)
	if _, err := rw.Write(rdb.AppendHeader(nil)); err != nil {
		t.Fatal(err)
	}
	sw := env.e.NewWorker()
	sn := env.e.startSnapshot(sw, func() entryWriter { return &rdbEntries{compress: true} }, nil)
	sn.afterStep = between
	if _, err := env.e.walkSnapshot(sw, sn, rw); err != nil {
		t.Fatal(err)
	}
	if err := rw.Finish(true); err != nil {
		t.Fatal(err)
	}
	got := rdbContents{}
	if _, err := rdb.Load(bufio.NewReader(&buf), got, rdb.Options{}); err != nil {
		t.Fatal(err)
	}
	return got
}

// A snapshot holds exactly the data of its start point, whatever the writes
// between its steps do: overwrite, delete, create, push, FLUSHDB, SWAPDB,
// RENAME, MOVE, EXPIRE (the copy-on-write path at key granularity).
func TestSnapshotIsPointInTime(t *testing.T) {
	defer func(n int) { snapshotStep = n }(snapshotStep)
	snapshotStep = 300 // many small steps, so writes land mid-walk
	for _, shards := range []int{1, 3} {
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) {
			env := newKVEnv(t, shards)
			for _, db := range []string{"0", "2", "5"} {
				env.do("SELECT", db)
				for i := 0; i < 400; i++ {
					k := strconv.Itoa(i)
					env.do("SET", "s"+k, strings.Repeat("x", i%30)+k)
					env.do("RPUSH", "l"+strconv.Itoa(i%20), k, "v"+k)
					env.do("HSET", "h"+strconv.Itoa(i%15), "f"+k, k)
					env.do("SADD", "set"+strconv.Itoa(i%10), k)
					env.do("SADD", "sets"+strconv.Itoa(i%10), "m"+k)
					env.do("ZADD", "z"+strconv.Itoa(i%12), strconv.Itoa(i%7), "m"+k)
				}
				env.do("PEXPIREAT", "s1", "99999999999999")
			}
			env.do("SELECT", "0")
			want := snapshotRDB(t, env, nil)
			if len(want) < 1000 {
				t.Fatalf("only %d keys in the snapshot", len(want))
			}
			rnd := rand.New(rand.NewPCG(1, uint64(shards)))
			steps := 0
			got := snapshotRDB(t, env, func() {
				steps++
				db := []string{"0", "2", "5", "7"}[rnd.IntN(4)]
				env.do("SELECT", db)
				for j := 0; j < 20; j++ {
					k := strconv.Itoa(rnd.IntN(450))
					switch rnd.IntN(12) {
					case 0:
						env.do("SET", "s"+k, "changed")
					case 1:
						env.do("DEL", "s"+k, "l"+strconv.Itoa(rnd.IntN(20)))
					case 2:
						env.do("RPUSH", "l"+strconv.Itoa(rnd.IntN(20)), "new")
					case 3:
						env.do("HSET", "h"+strconv.Itoa(rnd.IntN(15)), "f"+k, "new")
					case 4:
						env.do("SADD", "set"+strconv.Itoa(rnd.IntN(10)), "notint")
					case 5:
						env.do("ZINCRBY", "z"+strconv.Itoa(rnd.IntN(12)), "100", "m"+k)
					case 6:
						env.do("RENAME", "s"+k, "renamed"+k)
					case 7:
						env.do("MOVE", "sets"+strconv.Itoa(rnd.IntN(10)), "9")
					case 8:
						env.do("EXPIRE", "h"+strconv.Itoa(rnd.IntN(15)), "1000")
					case 9:
						env.do("SET", "fresh"+k, "x")
					case 10:
						env.do("SPOP", "set"+strconv.Itoa(rnd.IntN(10)), "3")
					case 11:
						if rnd.IntN(30) == 0 {
							env.do("SWAPDB", "0", "2")
						} else if rnd.IntN(30) == 0 {
							env.do("FLUSHDB")
						} else {
							env.do("LPOP", "l"+strconv.Itoa(rnd.IntN(20)))
						}
					}
				}
			})
			if steps < 20 {
				t.Fatalf("only %d walk steps: writes did not interleave", steps)
			}
			var diff []string
			for k, v := range want {
				if got[k] != v {
					diff = append(diff, fmt.Sprintf("%s: want %.80s got %.80s", k, v, got[k]))
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					diff = append(diff, k+": not in the start state")
				}
			}
			if len(diff) > 0 {
				sort.Strings(diff)
				t.Fatalf("%d differences after %d steps, first: %q", len(diff), steps, diff[:min(len(diff), 5)])
			}
			// And the writes did happen: a new snapshot sees them.
			if after := snapshotRDB(t, env, nil); fmt.Sprint(after) == fmt.Sprint(want) {
				t.Fatal("the interleaved writes changed nothing")
			}
		})
	}
}

// Snapshots started back to back while a client runs multi-shard and
// whole-keyspace commands (MSET, SCAN, FLUSHALL take every shard they need in
// order, as does a snapshot's start point): nothing waits forever, and every
// file written loads.
func TestSnapshotConcurrentWithMultiShardCommands(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Parse([]string{"--dir", dir, "--shards", "3", "--save", ""})
	if err != nil {
		t.Fatal(err)
	}
	env := newKVEnvConfig(t, cfg)
	stop := make(chan struct{})
	saverDone := make(chan struct{})
	go func() {
		defer close(saverDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			env.e.BackgroundSave()
			time.Sleep(time.Millisecond)
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		env.do("MSET", "a"+strconv.Itoa(i), "1", "b"+strconv.Itoa(i), "2", "c"+strconv.Itoa(i), "3")
		env.do("SCAN", "0", "COUNT", "1000")
		if i%200 == 199 {
			env.do("FLUSHALL")
		}
	}
	close(stop)
	<-saverDone
	env.e.persist.mu.Lock() // the last BGSAVE is done
	env.e.persist.mu.Unlock()
	if n := env.e.persist.saves.Load(); n < 10 {
		t.Fatalf("only %d saves completed", n)
	}
	f, err := os.Open(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := rdb.Load(bufio.NewReader(f), rdbContents{}, rdb.Options{}); err != nil {
		t.Fatalf("the last dump does not load: %v", err)
	}
}
