package shard

import (
	"fmt"
	"strings"
	"testing"

	"github.com/duva-db/duva/internal/config"
)

// BenchmarkLoadRDB measures loading an RDB file of 200,000 string keys of
// 100 bytes (what "load at start" in go run ./bench -persist measures, without
// the process start).
func BenchmarkLoadRDB(b *testing.B) {
	dir := b.TempDir()
	cfg := config.Default()
	cfg.Shards = 2
	cfg.Dir = dir
	src := NewEngine(cfg)
	src.ApplyConfig()
	w := src.NewWorker()
	cl := src.NewClient("t", "t", 0, false)
	val := []byte(strings.Repeat("v", 100))
	for i := 0; i < 200000; i++ {
		w.Exec(cl, [][]byte{[]byte("SET"), []byte(fmt.Sprintf("key:%012d", i)), val}, nil)
	}
	w.Flush()
	if err := src.SaveNow(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := NewEngine(cfg)
		e.ApplyConfig()
		if err := e.LoadAtStart(); err != nil {
			b.Fatal(err)
		}
	}
}
