package main

// The -memory mode: what a key costs and what the Go GC costs, side by side
// with redis-server.
//
// Bytes per key. A fresh server (--save "" --appendonly no) is started and
// left idle until its RSS (VmRSS of /proc/<pid>/status) is stable; then
// -memory-bpk-keys keys (default 1,000,000, "key:0000000" ...) are written
// with pipelined commands over memLoadConns connections, 1000 commands per
// flush, and the RSS is again sampled until stable (no change beyond 0.2%
// for 1 s, at most 10 s). Reported: (RSS after - RSS empty) / keys and the
// same for INFO memory used_memory. Three variants, each on a fresh server:
// SET k <16 bytes>; SET k <16 bytes> EX 100000; HSET hash:N f1 v1 .. f4 v4
// with 8-byte values. For duva, used_memory is the Go heap's object bytes,
// which includes garbage not yet swept; RSS is the figure to compare.
//
// GC and latency. duva runs with GODEBUG=gctrace=1 (the runtime writes one
// line per GC cycle to stderr, which startServer sends to the server log).
// The server is filled with 10,000 keys "key:000000000000" ... (12 digits:
// the names redis-benchmark's -r generates for GET, so that every GET hits)
// with 16-byte values, then `redis-benchmark -t get -c 50 -n -memory-n -r
// 10000 -d 16` runs; then the same server is filled up to -memory-keys keys
// (default 10,000,000) and the run is repeated with -r -memory-keys. Reported:
// GET p50/p99/rps at both sizes and p99(big)/p99(10K) (median of the
// per-round ratios). For duva also the GC cycles that started inside the
// benchmark window (the "@" of a gctrace line is the time since the runtime
// started, which the harness knows to a few ms) and GC CPU % = the sum of the
// cpu-ms of those cycles (all of "a+b/c/d+e ms cpu": STW sweep termination,
// assist, background, idle mark workers, STW mark termination) divided by the
// server's CPU time (utime+stime) over the window.
//
// A GET-only load allocates next to nothing, so GC may not run at all; with
// -memory-set (default on) each size is also measured while a second
// redis-benchmark overwrites existing keys (-t set -c 10 -d 16 -r <size>)
// for the whole GET run (it is stopped when the GET run ends). A third load,
// "get+gc", forces GC cycles during the GET run: a client sends MEMORY PURGE
// (duva: a full GC and scavenge, run off the event loops; redis: a jemalloc
// purge) every 200 ms, so the p99 of "get+gc" against "get" at the same size is
// what GC cycles add to the tail, however many keys there are.
//
// Rounds alternate the order (duva first, then redis first, ...); every
// figure is the median over rounds.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	memSmallKeys = 10000 // the small keyspace of the GC/latency runs
	memLoadConns = 4     // connections of the pipelined loaders
	memLoadBatch = 1000  // commands per flush
)

// bpkVariant is one bytes-per-key dataset.
type bpkVariant struct {
	name  string
	label string
	write func(rc *respConn, key string)
	reply any // the expected reply
}

var bpkVariants = []bpkVariant{
	{name: "string", label: "string 16 B", reply: "OK",
		write: func(rc *respConn, k string) { rc.writeCommand("SET", k, memValue16) }},
	{name: "string-ttl", label: "string 16 B + TTL", reply: "OK",
		write: func(rc *respConn, k string) { rc.writeCommand("SET", k, memValue16, "EX", "100000") }},
	{name: "hash", label: "hash 4 fields x 8 B", reply: int64(4),
		write: func(rc *respConn, k string) {
			rc.writeCommand("HSET", k, "f1", "vvvvvvv1", "f2", "vvvvvvv2", "f3", "vvvvvvv3", "f4", "vvvvvvv4")
		}},
}

const memValue16 = "vvvvvvvvvvvvvvvv"

// bpkRun is one bytes-per-key measurement.
type bpkRun struct {
	Server        string  `json:"server"`
	Round         int     `json:"round"`
	Variant       string  `json:"variant"`
	Keys          int     `json:"keys"`
	RSSEmpty      int64   `json:"rss_empty"`
	RSSLoaded     int64   `json:"rss_loaded"`
	RSSSettled    bool    `json:"rss_settled"` // false: still moving after 10 s
	UsedEmpty     int64   `json:"used_memory_empty"`
	UsedLoaded    int64   `json:"used_memory_loaded"`
	LoadS         float64 `json:"load_s"`
	RSSPerKey     float64 `json:"rss_bytes_per_key"`
	UsedMemPerKey float64 `json:"used_memory_bytes_per_key"`
}

// gcRun is one GET run of the GC/latency part.
type gcRun struct {
	Server     string  `json:"server"`
	Round      int     `json:"round"`
	Keys       int     `json:"keys"`
	Load       string  `json:"load"` // "get", "get+gc" or "get+set"
	Requests   int     `json:"requests"`
	RPS        float64 `json:"rps"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	WallS      float64 `json:"wall_s"`
	ServerCPUS float64 `json:"server_cpu_s"`
	RSSFilled  int64   `json:"rss_after_fill"` // settled RSS after filling to Keys
	// SetOverlap is false if the concurrent SET run ended before the GET run.
	SetOverlap *bool `json:"set_overlap,omitempty"`
	// GC figures, nil when the server printed no gctrace lines (redis, or a
	// -duva-bin that is not a Go program).
	GCCycles   *int     `json:"gc_cycles,omitempty"`
	GCCPUMs    *float64 `json:"gc_cpu_ms,omitempty"`
	GCCPUPct   *float64 `json:"gc_cpu_pct,omitempty"`
	GCMaxSTWMs *float64 `json:"gc_max_stw_ms,omitempty"`
}

func runMemory(ctx context.Context, cfg *config, tmp, root string) error {
	machine := describeMachine(root, cfg)
	var metrics []*persistMetric
	metric := func(name, unit string, higher bool) *persistMetric {
		m := &persistMetric{Name: name, Unit: unit, Higher: higher, Values: map[string][]float64{}}
		metrics = append(metrics, m)
		return m
	}
	type bpkMetrics struct{ rss, used *persistMetric }
	bpkM := map[string]bpkMetrics{}
	for _, v := range bpkVariants {
		bpkM[v.name] = bpkMetrics{
			rss:  metric(fmt.Sprintf("bytes/key RSS, %s", v.label), "B", false),
			used: metric(fmt.Sprintf("bytes/key used_memory, %s", v.label), "B", false),
		}
	}
	loads := []string{"get", "get+gc"}
	if cfg.memorySet {
		loads = append(loads, "get+set")
	}
	sizes := []int{memSmallKeys, cfg.memoryKeys}
	type gcKey struct {
		load string
		keys int
	}
	type gcMetrics struct{ p50, p99, rps, cycles, gcpct, stw *persistMetric }
	gcM := map[gcKey]gcMetrics{}
	tail := map[string]*persistMetric{}
	for _, load := range loads {
		for _, k := range sizes {
			sfx := fmt.Sprintf(", %s, %s keys", load, shortCount(k))
			gcM[gcKey{load, k}] = gcMetrics{
				p50:    metric("GET p50"+sfx, "ms", false),
				p99:    metric("GET p99"+sfx, "ms", false),
				rps:    metric("GET rps"+sfx, "rps", true),
				cycles: metric("GC cycles in window"+sfx, "n", false),
				gcpct:  metric("GC CPU % of server CPU"+sfx, "%", false),
				stw:    metric("GC max STW pause"+sfx, "ms", false),
			}
		}
		tail[load] = metric(fmt.Sprintf("GET p99(%s)/p99(%s), %s", shortCount(cfg.memoryKeys), shortCount(memSmallKeys), load), "x", false)
	}

	bins := map[string]string{"duva": cfg.DuvaBin, "redis": cfg.RedisBin}
	var bpkRuns []bpkRun
	var gcRuns []gcRun
	start := time.Now()
	for round := 0; round < cfg.Rounds; round++ {
		order := []string{"duva", "redis"}
		if round%2 == 1 {
			order = []string{"redis", "duva"}
		}
		for _, name := range order {
			dir := filepath.Join(tmp, fmt.Sprintf("mem-%s-%d", name, round))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			for _, v := range bpkVariants {
				r, err := bytesPerKeyRun(ctx, cfg, name, bins[name], dir, v)
				if err != nil {
					return fmt.Errorf("%s round %d, bytes/key %s: %w", name, round+1, v.name, err)
				}
				r.Round = round + 1
				bpkRuns = append(bpkRuns, r)
				m := bpkM[v.name]
				m.rss.Values[name] = append(m.rss.Values[name], r.RSSPerKey)
				m.used.Values[name] = append(m.used.Values[name], r.UsedMemPerKey)
				settled := ""
				if !r.RSSSettled {
					settled = " (RSS not settled after 10 s)"
				}
				logf("memory round %d %-5s %-10s %d keys in %.1f s: RSS %.1f -> %.1f MB = %.1f B/key, used_memory %.1f B/key%s",
					round+1, name, v.name, r.Keys, r.LoadS, float64(r.RSSEmpty)/1e6, float64(r.RSSLoaded)/1e6, r.RSSPerKey, r.UsedMemPerKey, settled)
			}
			runs, err := gcLatencyRound(ctx, cfg, name, bins[name], dir, sizes, loads)
			if err != nil {
				return fmt.Errorf("%s round %d, GC/latency: %w", name, round+1, err)
			}
			p99 := map[gcKey]float64{}
			for i := range runs {
				r := &runs[i]
				r.Round = round + 1
				m := gcM[gcKey{r.Load, r.Keys}]
				m.p50.Values[name] = append(m.p50.Values[name], r.P50Ms)
				m.p99.Values[name] = append(m.p99.Values[name], r.P99Ms)
				m.rps.Values[name] = append(m.rps.Values[name], r.RPS)
				if r.GCCycles != nil {
					m.cycles.Values[name] = append(m.cycles.Values[name], float64(*r.GCCycles))
					m.gcpct.Values[name] = append(m.gcpct.Values[name], *r.GCCPUPct)
					m.stw.Values[name] = append(m.stw.Values[name], *r.GCMaxSTWMs)
				}
				p99[gcKey{r.Load, r.Keys}] = r.P99Ms
			}
			for _, load := range loads {
				if small := p99[gcKey{load, memSmallKeys}]; small > 0 {
					tail[load].Values[name] = append(tail[load].Values[name], p99[gcKey{load, cfg.memoryKeys}]/small)
				}
			}
			gcRuns = append(gcRuns, runs...)
		}
	}
	logf("memory: measured in %v", time.Since(start).Round(time.Second))

	// Drop the GC rows nobody has values for (a -duva-bin without gctrace).
	kept := metrics[:0]
	for _, m := range metrics {
		if len(m.Values) > 0 {
			kept = append(kept, m)
		}
	}
	metrics = kept
	title := fmt.Sprintf("Memory and GC: bytes/key at %d keys; GET -c 50 -n %d at %d and %d keys; medians of %d interleaved rounds",
		cfg.memoryBPKKeys, cfg.memoryN, memSmallKeys, cfg.memoryKeys, cfg.Rounds)
	printMetricTable(title, metrics)
	fmt.Println()
	for _, m := range metrics {
		if strings.HasPrefix(m.Name, "GC ") {
			fmt.Println("GC rows: duva only (GODEBUG=gctrace=1), cycles that started inside the GET run; GC CPU % = cpu-ms of those cycles / server utime+stime over the run.")
			break
		}
	}
	if cfg.memorySet {
		fmt.Println("get+set: a second redis-benchmark (-t set -c 10 -d 16 -r <keys>) overwrites existing keys during the whole GET run.")
	}

	params := map[string]any{
		"bpk_keys": cfg.memoryBPKKeys, "small_keys": memSmallKeys, "big_keys": cfg.memoryKeys,
		"get_requests": cfg.memoryN, "get_clients": 50, "concurrent_set": cfg.memorySet, "value_bytes": 16,
		"rounds": cfg.Rounds, "duva_bin": cfg.DuvaBin, "duva_built": cfg.DuvaBuilt, "duva_args": cfg.DuvaArgs, "redis_bin": cfg.RedisBin,
	}
	return writeResult(cfg, root, "memory-latest.json", map[string]any{
		"date": time.Now().UTC().Format(time.RFC3339), "machine": machine, "params": params,
		"metrics": metrics, "bytes_per_key_runs": bpkRuns, "gc_runs": gcRuns,
	})
}

// writeResult writes v as indented JSON to <out>/<file>.
func writeResult(cfg *config, root, file string, v any) error {
	out := cfg.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	path := filepath.Join(out, file)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	logf("wrote %s", path)
	return nil
}

// startFresh starts name on a free port without persistence (plus
// -duva-args for duva) and waits for it to answer PING.
func startFresh(ctx context.Context, cfg *config, name, bin, dir string, env []string, extra ...string) (*server, error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	args := []string{"--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}
	args = append(args, extra...)
	if name == "duva" {
		args = append(args, cfg.DuvaArgs...)
	}
	s, err := startServerEnv(name, bin, args, ports[0], dir, env)
	if err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func bytesPerKeyRun(ctx context.Context, cfg *config, name, bin, dir string, v bpkVariant) (bpkRun, error) {
	r := bpkRun{Server: name, Variant: v.name, Keys: cfg.memoryBPKKeys}
	s, err := startFresh(ctx, cfg, name, bin, dir, nil)
	if err != nil {
		return r, err
	}
	defer s.stop()
	if r.RSSEmpty, _, err = settleRSS(ctx, s); err != nil {
		return r, err
	}
	if r.UsedEmpty, err = infoInt(s, "memory", "used_memory"); err != nil {
		return r, err
	}
	prefix := "key:"
	if v.name == "hash" {
		prefix = "hash:"
	}
	width := max(7, len(strconv.Itoa(r.Keys-1)))
	lctx, cancel := context.WithTimeout(ctx, loadTimeout(r.Keys))
	defer cancel()
	t0 := time.Now()
	err = loadPipelined(lctx, s, 0, r.Keys,
		func(rc *respConn, i int) { v.write(rc, keyName(prefix, i, width)) },
		func(reply any) error {
			if reply != v.reply {
				return fmt.Errorf("reply %v (%T), want %v", reply, reply, v.reply)
			}
			return nil
		})
	if err != nil {
		return r, err
	}
	r.LoadS = time.Since(t0).Seconds()
	if r.RSSLoaded, r.RSSSettled, err = settleRSS(ctx, s); err != nil {
		return r, err
	}
	if r.UsedLoaded, err = infoInt(s, "memory", "used_memory"); err != nil {
		return r, err
	}
	if n, err := dbsize(s.addr()); err != nil || n != int64(r.Keys) {
		return r, fmt.Errorf("DBSIZE %d (%v) after loading %d keys", n, err, r.Keys)
	}
	r.RSSPerKey = float64(r.RSSLoaded-r.RSSEmpty) / float64(r.Keys)
	r.UsedMemPerKey = float64(r.UsedLoaded-r.UsedEmpty) / float64(r.Keys)
	if s.exited() {
		return r, fmt.Errorf("%s exited:\n%s", name, s.logTail(20))
	}
	return r, nil
}

// loadTimeout bounds a fill of n keys: a minute plus 50 µs a key (the
// loaders run at 200k-1M keys/s).
func loadTimeout(n int) time.Duration {
	return time.Minute + time.Duration(n)*50*time.Microsecond
}

// gcLatencyRound runs the GET benchmarks at each size, growing one server.
func gcLatencyRound(ctx context.Context, cfg *config, name, bin, dir string, sizes []int, loads []string) ([]gcRun, error) {
	var env []string
	if name == "duva" {
		env = []string{"GODEBUG=gctrace=1"}
	}
	s, err := startFresh(ctx, cfg, name, bin, dir, env)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	timeout := cfg.timeout
	if timeout == 0 {
		timeout = time.Minute + time.Duration(cfg.memoryN)*100*time.Microsecond
	}
	var runs []gcRun
	filled := 0
	var rss int64
	for _, keys := range sizes {
		if keys > filled {
			lctx, cancel := context.WithTimeout(ctx, loadTimeout(keys-filled))
			t0 := time.Now()
			err := loadPipelined(lctx, s, filled, keys,
				func(rc *respConn, i int) { rc.writeCommand("SET", keyName("key:", i, 12), memValue16) },
				func(reply any) error {
					if reply != "OK" {
						return fmt.Errorf("SET answered %v", reply)
					}
					return nil
				})
			cancel()
			if err != nil {
				return nil, fmt.Errorf("fill to %d keys: %w", keys, err)
			}
			took := time.Since(t0)
			if rss, _, err = settleRSS(ctx, s); err != nil {
				return nil, err
			}
			logf("%s: filled keys %d..%d in %.1f s, RSS %.1f MB", name, filled, keys-1, took.Seconds(), float64(rss)/1e6)
			filled = keys
		}
		for _, load := range loads {
			r, err := gcLatencyRun(ctx, cfg, s, keys, load, timeout)
			if err != nil {
				return nil, fmt.Errorf("%s at %d keys: %w", load, keys, err)
			}
			r.RSSFilled = rss
			gc := "no gctrace"
			if r.GCCycles != nil {
				gc = fmt.Sprintf("%d GC cycles, GC CPU %.2f%%, max STW %.3f ms", *r.GCCycles, *r.GCCPUPct, *r.GCMaxSTWMs)
			}
			logf("%s %-7s %8d keys: %9.0f rps p50 %.3f p99 %.3f max %.3f ms; %s", name, load, keys, r.RPS, r.P50Ms, r.P99Ms, r.MaxMs, gc)
			runs = append(runs, r)
		}
	}
	// No gctrace line at all since the start (after filling millions of
	// keys): not a Go server, so the GC figures mean nothing.
	if name == "duva" {
		cycles, err := readGCTrace(s.logPath, 0)
		if err == nil && len(cycles) == 0 {
			for i := range runs {
				runs[i].GCCycles, runs[i].GCCPUMs, runs[i].GCCPUPct, runs[i].GCMaxSTWMs = nil, nil, nil, nil
			}
			logf("%s printed no gctrace lines; GC figures omitted", name)
		}
	}
	if s.exited() {
		return nil, fmt.Errorf("%s exited:\n%s", name, s.logTail(20))
	}
	return runs, nil
}

// gcLatencyRun is one redis-benchmark GET run, with the concurrent SET run
// for load "get+set", and the gctrace cycles inside its window.
func gcLatencyRun(ctx context.Context, cfg *config, s *server, keys int, load string, timeout time.Duration) (gcRun, error) {
	r := gcRun{Server: s.name, Keys: keys, Load: load, Requests: cfg.memoryN}
	common := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-r", strconv.Itoa(keys), "-d", "16"}
	var setDone chan error
	var setOut *bytes.Buffer
	cancelSet := func() {}
	if load == "get+set" {
		var sctx context.Context
		sctx, cancelSet = context.WithTimeout(ctx, timeout)
		defer cancelSet()
		// Bounded, but far more than the GET run needs: it is stopped when
		// the GET run ends.
		args := append(append([]string{}, common...), "-c", "10", "-n", strconv.Itoa(10*cfg.memoryN), "-t", "set", "--csv")
		cmd := exec.CommandContext(sctx, "redis-benchmark", args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		setOut = &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = setOut, setOut
		if err := cmd.Start(); err != nil {
			return r, err
		}
		setDone = make(chan error, 1)
		go func() { setDone <- cmd.Wait() }()
		time.Sleep(200 * time.Millisecond) // let it connect and get going
	}
	var offset int64
	if st, err := os.Stat(s.logPath); err == nil {
		offset = st.Size()
	}
	purgeStop, purgeDone := make(chan struct{}), make(chan error, 1)
	if load == "get+gc" {
		rc, err := dialRESP(s.addr(), 5*time.Second)
		if err != nil {
			return r, err
		}
		go func() {
			defer rc.Close()
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-purgeStop:
					purgeDone <- nil
					return
				case <-tick.C:
				}
				rc.writeCommand("MEMORY", "PURGE")
				if err := rc.w.Flush(); err != nil {
					purgeDone <- err
					return
				}
				if _, err := rc.readReply(); err != nil {
					purgeDone <- fmt.Errorf("MEMORY PURGE: %w", err)
					return
				}
			}
		}()
	} else {
		close(purgeDone)
	}
	args := append(append([]string{}, common...), "-c", "50", "-n", strconv.Itoa(cfg.memoryN), "-t", "get", "--csv")
	out, err := runBenchmark(ctx, s, args, timeout)
	close(purgeStop)
	if perr := <-purgeDone; perr != nil && err == nil {
		err = perr
	}
	if setDone != nil {
		overlap := true
		select {
		case <-setDone:
			overlap = false
		default:
			cancelSet()
			<-setDone
		}
		r.SetOverlap = &overlap
		for _, l := range strings.Split(setOut.String(), "\n") {
			if hasError(l) && err == nil {
				err = fmt.Errorf("concurrent SET run: %s", strings.TrimSpace(l))
			}
		}
		if !overlap {
			logf("warning: the concurrent SET run ended before the GET run")
		}
	}
	if err != nil {
		return r, err
	}
	row := lastRow(out)
	r.RPS, r.P50Ms, r.P99Ms, r.MaxMs = row.RPS, row.P50Ms, row.P99Ms, row.MaxMs
	r.WallS = out.end.Sub(out.start).Seconds()
	r.ServerCPUS = float64(out.endTicks-out.startTicks) / float64(cfg.ClkTck)
	if s.name != "duva" {
		return r, nil
	}
	// A cycle that started inside the window prints its line when it ends.
	time.Sleep(1500 * time.Millisecond)
	cycles, err := readGCTrace(s.logPath, offset)
	if err != nil {
		return r, err
	}
	n, cpu, stw := gcInWindow(cycles, s.started, out.start, out.end)
	pct := 0.0
	if r.ServerCPUS > 0 {
		pct = cpu / (r.ServerCPUS * 1000) * 100
	}
	r.GCCycles, r.GCCPUMs, r.GCCPUPct, r.GCMaxSTWMs = &n, &cpu, &pct, &stw
	return r, nil
}

// ---- gctrace ----

// gcInWindow sums the cycles that started in [from, to], for a process whose
// runtime started at (just after) started: the number of cycles, their
// cpu-ms, and the longest stop-the-world pause (ms).
func gcInWindow(cycles []gcCycle, started, from, to time.Time) (n int, cpuMs, maxSTWMs float64) {
	for _, c := range cycles {
		at := started.Add(time.Duration(c.AtS * float64(time.Second)))
		if at.Before(from) || at.After(to) {
			continue
		}
		n++
		cpuMs += c.CPUMs
		maxSTWMs = max(maxSTWMs, c.STWMs)
	}
	return n, cpuMs, maxSTWMs
}

// gcCycle is one line of GODEBUG=gctrace=1 output, e.g.
//
//	gc 4 @1.502s 1%: 0.037+41+0.004 ms clock, 0.037+0.14/10/5.7+0.004 ms cpu, 21->21->20 MB, 24 MB goal, 0 MB stacks, 0 MB globals, 1 P
type gcCycle struct {
	N      int
	AtS    float64 // start, seconds since the runtime started
	CPUMs  float64 // sum of the five "ms cpu" figures
	STWMs  float64 // wall time of the two stop-the-world phases
	HeapMB [3]int  // heap at start, at end, live
	GoalMB int
	Forced bool
}

var gcLineRE = regexp.MustCompile(`^gc (\d+) @([0-9.]+)s \d+%: ([0-9.+]+) ms clock, ([0-9.+/]+) ms cpu, (\d+)->(\d+)->(\d+) MB, (\d+) MB goal`)

// parseGCTraceLine parses one gctrace line; ok is false for other lines.
func parseGCTraceLine(line string) (c gcCycle, ok bool, err error) {
	m := gcLineRE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return c, false, nil
	}
	c.N, _ = strconv.Atoi(m[1])
	if c.AtS, err = strconv.ParseFloat(m[2], 64); err != nil {
		return c, true, err
	}
	clock, err := sumFields(m[3], 3, -1)
	if err != nil {
		return c, true, fmt.Errorf("clock %q: %w", m[3], err)
	}
	c.STWMs = clock[0] + clock[2]
	cpu, err := sumFields(m[4], 3, 1)
	if err != nil {
		return c, true, fmt.Errorf("cpu %q: %w", m[4], err)
	}
	for _, v := range cpu {
		c.CPUMs += v
	}
	for i := range 3 {
		c.HeapMB[i], _ = strconv.Atoi(m[5+i])
	}
	c.GoalMB, _ = strconv.Atoi(m[8])
	c.Forced = strings.HasSuffix(strings.TrimSpace(line), "(forced)")
	return c, true, nil
}

// sumFields splits "a+b+c" into parts numbers, the part at index slashed
// being "x/y/z" (three numbers); slashed < 0: none.
func sumFields(s string, parts, slashed int) ([]float64, error) {
	ps := strings.Split(s, "+")
	if len(ps) != parts {
		return nil, fmt.Errorf("%d '+' parts, want %d", len(ps), parts)
	}
	var out []float64
	for i, p := range ps {
		sub := []string{p}
		if i == slashed {
			if sub = strings.Split(p, "/"); len(sub) != 3 {
				return nil, errors.New("want assist/background/idle")
			}
		}
		for _, x := range sub {
			v, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// readGCTrace parses the gctrace lines of a log from byte offset on.
func readGCTrace(path string, offset int64) ([]gcCycle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	return parseGCTrace(f)
}

func parseGCTrace(r io.Reader) ([]gcCycle, error) {
	var out []gcCycle
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		c, ok, err := parseGCTraceLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("gctrace line %q: %w", sc.Text(), err)
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, sc.Err()
}

// ---- /proc and INFO ----

// parseVmRSS returns VmRSS of a /proc/<pid>/status text in bytes.
func parseVmRSS(status string) (int64, error) {
	for _, l := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(l, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("malformed VmRSS line %q", l)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed VmRSS line %q", l)
		}
		return kb * 1024, nil
	}
	return 0, errors.New("no VmRSS in /proc/pid/status")
}

func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVmRSS(string(b))
}

// settleRSS samples the server's RSS every 100 ms until it has not moved by
// more than 0.2% (at least 256 KiB) for 1 s, for at most 10 s. settled is
// false if it was still moving.
func settleRSS(ctx context.Context, s *server) (rss int64, settled bool, err error) {
	const every, window, bound = 100 * time.Millisecond, time.Second, 10 * time.Second
	n := int(window/every) + 1
	var recent []int64
	deadline := time.Now().Add(bound)
	for {
		v, err := readRSS(s.pid)
		if err != nil {
			return 0, false, fmt.Errorf("%s: %w", s.name, err)
		}
		recent = append(recent, v)
		if len(recent) > n {
			recent = recent[1:]
		}
		if len(recent) == n {
			lo, hi := recent[0], recent[0]
			for _, x := range recent {
				lo, hi = min(lo, x), max(hi, x)
			}
			if hi-lo <= max(256<<10, v/500) {
				return v, true, nil
			}
		}
		if time.Now().After(deadline) {
			return v, false, nil
		}
		select {
		case <-ctx.Done():
			return 0, false, ctx.Err()
		case <-time.After(every):
		}
	}
}

// parseInfo turns an INFO reply into field -> value.
func parseInfo(text string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "" || l[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(l, ":"); ok {
			m[k] = v
		}
	}
	return m
}

func infoInt(s *server, section, field string) (int64, error) {
	v, err := command(s, "INFO", section)
	if err != nil {
		return 0, fmt.Errorf("%s INFO %s: %w", s.name, section, err)
	}
	text, _ := v.(string)
	f, ok := parseInfo(text)[field]
	if !ok {
		return 0, fmt.Errorf("%s: INFO %s has no %s", s.name, section, field)
	}
	n, err := strconv.ParseInt(f, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: INFO %s: %w", s.name, field, err)
	}
	return n, nil
}

// ---- loading ----

// keyName is prefix + i zero-padded to width digits, without fmt.
func keyName(prefix string, i, width int) string {
	var b [40]byte
	d := strconv.AppendInt(b[:0], int64(i), 10)
	out := make([]byte, 0, len(prefix)+max(width, len(d)))
	out = append(out, prefix...)
	for range width - len(d) {
		out = append(out, '0')
	}
	return string(append(out, d...))
}

// loadPipelined sends the commands for i in [from, to) over memLoadConns
// connections, memLoadBatch commands per flush (then the replies of the
// batch are read), and checks every reply. Error replies, a check failure,
// a dead server or ctx ending stop all connections.
func loadPipelined(ctx context.Context, s *server, from, to int, write func(rc *respConn, i int), check func(reply any) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	chunks := (to - from + memLoadBatch - 1) / memLoadBatch
	var next atomic.Int64
	var wg sync.WaitGroup
	for range memLoadConns {
		rc, err := dialRESP(s.addr(), 5*time.Second)
		if err != nil {
			cancel(err)
			break
		}
		stopClose := context.AfterFunc(ctx, func() { rc.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer stopClose()
			defer rc.Close()
			for ctx.Err() == nil {
				k := int(next.Add(1) - 1)
				if k >= chunks {
					return
				}
				lo := from + k*memLoadBatch
				hi := min(lo+memLoadBatch, to)
				_ = rc.c.SetDeadline(time.Now().Add(time.Minute))
				for i := lo; i < hi; i++ {
					write(rc, i)
				}
				if err := rc.w.Flush(); err != nil {
					cancel(err)
					return
				}
				for i := lo; i < hi; i++ {
					v, err := rc.readReply()
					if err == nil {
						err = check(v)
					}
					if err != nil {
						cancel(fmt.Errorf("command %d: %w", i, err))
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		if s.exited() {
			return fmt.Errorf("%s exited (%v):\n%s", s.name, s.waitErr, s.logTail(20))
		}
		return fmt.Errorf("loading %s: %w", s.name, err)
	}
	return nil
}

// ---- output ----

// printMetricTable prints a Markdown table of medians over rounds with the
// duva/redis ratio of the medians; "n/a" where a server has no values.
func printMetricTable(title string, metrics []*persistMetric) {
	fmt.Printf("%s\n\n", title)
	fmt.Println("| measure | duva | redis | duva/redis | better |")
	fmt.Println("|:--|--:|--:|--:|:--|")
	for _, m := range metrics {
		cell := func(server string) (string, float64, bool) {
			vs := m.Values[server]
			if len(vs) == 0 {
				return "n/a", 0, false
			}
			v := medianOf(vs)
			if m.Unit == "n" { // counts: 3 or 2.5, not 3.000
				return strconv.FormatFloat(v, 'f', -1, 64), v, true
			}
			return fmtNum(v), v, true
		}
		ds, d, dok := cell("duva")
		rs, r, rok := cell("redis")
		ratio := "n/a"
		if dok && rok && r != 0 {
			ratio = fmt.Sprintf("%.2f", d/r)
		}
		better := "lower"
		if m.Higher {
			better = "higher"
		}
		fmt.Printf("| %s (%s) | %s | %s | %s | %s |\n", m.Name, m.Unit, ds, rs, ratio, better)
	}
}

// shortCount writes 10000 as 10K and 10000000 as 10M.
func shortCount(n int) string {
	switch {
	case n >= 1e6 && n%1e6 == 0:
		return strconv.Itoa(n/1e6) + "M"
	case n >= 1e3 && n%1e3 == 0:
		return strconv.Itoa(n/1e3) + "K"
	}
	return strconv.Itoa(n)
}
