package main

// The -hitratio mode: how well each server's eviction keeps the hot keys of
// a skewed load when only a tenth of the keyspace fits.
//
// The load is a cache's: GET key, and on a nil reply SET key <value>
// (-hitratio-value bytes, default 100). Keys are "key:NNNNNNNN" over
// K = -hitratio-keys distinct names, drawn from YCSB's scrambled zipfian
// distribution with theta 0.99 (zipf.go). -hitratio-conns connections
// (default 8) each draw from their own generator with a fixed seed (1, 2, ...)
// so both servers see the same per-connection key sequences; each connection
// pipelines -hitratio-batch GETs, reads the replies, then pipelines the SETs
// for that batch's misses. A key that misses twice in one batch is counted
// (and SET) twice, as two concurrent clients of a cache would.
//
// maxmemory is the same number of bytes for both servers, sized on
// redis-server: a fresh redis-server without maxmemory gets 1% of the K keys
// with -hitratio-value byte values; the used_memory delta per key, times 10%
// of K, plus the used_memory of the empty server, is the limit (override it
// with -hitratio-maxmemory). Both servers run with --maxmemory <bytes>
// --maxmemory-policy <policy> --maxmemory-samples 5, once per policy of
// -hitratio-policies (default allkeys-lru,allkeys-lfu), each run on a fresh
// server.
//
// A run is a warm-up of -hitratio-warmup GETs (counted separately) and a
// measured phase of -hitratio-n GETs, started on all connections together;
// it reports the hit ratio of the measured phase, GETs/s, and at the end
// INFO stats evicted_keys, INFO memory used_memory and DBSIZE. A SET refused
// with -OOM (a server that does not evict) is counted as an OOM, other error
// replies as errors; neither stops the run. A run that exceeds
// -hitratio-timeout is reported as timed out with what it measured; a run
// whose server dies is reported as failed and the mode exits non-zero after
// writing the results.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// hitSizingFraction is the share of K loaded to measure redis' cost per key.
const hitSizingFraction = 0.01

// hitSizing is how maxmemory was chosen.
type hitSizing struct {
	Source     string  `json:"source"` // "redis-server" or "-hitratio-maxmemory"
	SampleKeys int     `json:"sample_keys,omitempty"`
	UsedEmpty  int64   `json:"used_memory_empty,omitempty"`
	UsedLoaded int64   `json:"used_memory_loaded,omitempty"`
	PerKey     float64 `json:"bytes_per_key,omitempty"`
	Maxmemory  int64   `json:"maxmemory"`
}

// hitCounts are the outcomes of one phase.
type hitCounts struct {
	Gets     int64   `json:"gets"`
	Hits     int64   `json:"hits"`
	Misses   int64   `json:"misses"`
	Sets     int64   `json:"sets"`
	OOM      int64   `json:"oom"`
	Errors   int64   `json:"errors"`
	FirstErr string  `json:"first_error,omitempty"`
	WallS    float64 `json:"wall_s"`
}

func (c *hitCounts) add(o hitCounts) {
	c.Gets += o.Gets
	c.Hits += o.Hits
	c.Misses += o.Misses
	c.Sets += o.Sets
	c.OOM += o.OOM
	c.Errors += o.Errors
	if c.FirstErr == "" {
		c.FirstErr = o.FirstErr
	}
}

func (c hitCounts) hitPct() float64 {
	if c.Gets == 0 {
		return 0
	}
	return float64(c.Hits) / float64(c.Gets) * 100
}

// hitRun is one server, one policy, one round.
type hitRun struct {
	Server      string    `json:"server"`
	Policy      string    `json:"policy"`
	Round       int       `json:"round"`
	Warmup      hitCounts `json:"warmup"`
	Measured    hitCounts `json:"measured"`
	HitPct      float64   `json:"hit_ratio_pct"`
	GetsPerS    float64   `json:"gets_per_s"`
	EvictedKeys int64     `json:"evicted_keys"`
	UsedMemory  int64     `json:"used_memory"`
	Keys        int64     `json:"dbsize"`
	TimedOut    bool      `json:"timed_out,omitempty"`
	Failed      string    `json:"failed,omitempty"`
}

func (r *hitRun) complete() bool { return !r.TimedOut && r.Failed == "" }

func runHitRatio(ctx context.Context, cfg *config, tmp, root string) error {
	machine := describeMachine(root, cfg)
	K := int64(cfg.hitKeys)
	t0 := time.Now()
	newZipfian(K, zipfTheta) // zeta(K, 0.99), computed once for all runs
	logf("hitratio: zeta(%d, %.2f) computed in %v", K, zipfTheta, time.Since(t0).Round(time.Millisecond))

	var sizing hitSizing
	if cfg.hitMaxmemory > 0 {
		sizing = hitSizing{Source: "-hitratio-maxmemory", Maxmemory: cfg.hitMaxmemory}
	} else {
		dir := filepath.Join(tmp, "hit-sizing")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var err error
		if sizing, err = sizeMaxmemory(ctx, cfg, dir); err != nil {
			return fmt.Errorf("sizing maxmemory: %w", err)
		}
	}
	logf("hitratio: maxmemory %d bytes (%.1f MB) for both servers (%s)", sizing.Maxmemory, float64(sizing.Maxmemory)/1e6, describeSizing(sizing))

	bins := map[string]string{"duva": cfg.DuvaBin, "redis": cfg.RedisBin}
	var runs []hitRun
	var failed []string
	start := time.Now()
	for round := 0; round < cfg.Rounds; round++ {
		order := []string{"duva", "redis"}
		if round%2 == 1 {
			order = []string{"redis", "duva"}
		}
		for _, policy := range cfg.hitPolicies {
			for _, name := range order {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				dir := filepath.Join(tmp, fmt.Sprintf("hit-%s-%s-%d", name, policy, round))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
				r := hitRatioRun(ctx, cfg, name, bins[name], dir, policy, sizing.Maxmemory)
				r.Round = round + 1
				if ctx.Err() != nil {
					return ctx.Err()
				}
				status := ""
				switch {
				case r.Failed != "":
					status = " FAILED: " + r.Failed
					failed = append(failed, fmt.Sprintf("%s %s round %d: %s", name, policy, round+1, r.Failed))
				case r.TimedOut:
					status = fmt.Sprintf(" TIMED OUT after %v (measured %d of %d GETs)", cfg.hitTimeout, r.Measured.Gets, cfg.hitN)
				}
				logf("hitratio round %d %-12s %-5s hit %.2f%% (warm-up %.2f%%), %.0f GET/s, evicted %d, used_memory %.1f MB, %d keys, OOM %d, errors %d%s",
					round+1, policy, name, r.HitPct, r.Warmup.hitPct(), r.GetsPerS, r.EvictedKeys, float64(r.UsedMemory)/1e6, r.Keys,
					r.Warmup.OOM+r.Measured.OOM, r.Warmup.Errors+r.Measured.Errors, status)
				runs = append(runs, r)
			}
		}
	}
	logf("hitratio: measured in %v", time.Since(start).Round(time.Second))

	summary := summarizeHits(cfg, runs)
	printHitTable(cfg, sizing, summary)
	params := map[string]any{
		"keys": cfg.hitKeys, "theta": zipfTheta, "distribution": "YCSB scrambled zipfian (fnvhash64(rank) mod keys)",
		"warmup": cfg.hitWarmup, "measured": cfg.hitN, "value_bytes": cfg.hitValue, "conns": cfg.hitConns,
		"batch": cfg.hitBatch, "policies": cfg.hitPolicies, "maxmemory_samples": 5, "timeout_s": cfg.hitTimeout.Seconds(),
		"rounds": cfg.Rounds, "duva_bin": cfg.DuvaBin, "duva_built": cfg.DuvaBuilt, "duva_args": cfg.DuvaArgs, "redis_bin": cfg.RedisBin,
	}
	err := writeResult(cfg, root, "hitratio-latest.json", map[string]any{
		"date": time.Now().UTC().Format(time.RFC3339), "machine": machine, "params": params,
		"sizing": sizing, "summary": summary, "runs": runs,
	})
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d hitratio run(s) failed:\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	return nil
}

func describeSizing(s hitSizing) string {
	if s.Source != "redis-server" {
		return s.Source
	}
	return fmt.Sprintf("redis-server: %d keys cost %.1f B/key of used_memory, empty server %d B; maxmemory = 10%% of keys x %.1f B + %d B",
		s.SampleKeys, s.PerKey, s.UsedEmpty, s.PerKey, s.UsedEmpty)
}

// sizeMaxmemory measures redis-server's used_memory per key for 1% of K.
func sizeMaxmemory(ctx context.Context, cfg *config, dir string) (hitSizing, error) {
	sz := hitSizing{Source: "redis-server", SampleKeys: max(1000, int(float64(cfg.hitKeys)*hitSizingFraction))}
	s, err := startFresh(ctx, cfg, "redis-sizing", cfg.RedisBin, dir, nil)
	if err != nil {
		return sz, err
	}
	defer s.stop()
	if sz.UsedEmpty, err = infoInt(s, "memory", "used_memory"); err != nil {
		return sz, err
	}
	width := hitKeyWidth(cfg.hitKeys)
	val := strings.Repeat("v", cfg.hitValue)
	lctx, cancel := context.WithTimeout(ctx, loadTimeout(sz.SampleKeys))
	defer cancel()
	err = loadPipelined(lctx, s, 0, sz.SampleKeys,
		func(rc *respConn, i int) { rc.writeCommand("SET", keyName("key:", i, width), val) },
		func(reply any) error {
			if reply != "OK" {
				return fmt.Errorf("SET answered %v", reply)
			}
			return nil
		})
	if err != nil {
		return sz, err
	}
	if sz.UsedLoaded, err = infoInt(s, "memory", "used_memory"); err != nil {
		return sz, err
	}
	sz.PerKey = float64(sz.UsedLoaded-sz.UsedEmpty) / float64(sz.SampleKeys)
	sz.Maxmemory = int64(0.1*float64(cfg.hitKeys)*sz.PerKey) + sz.UsedEmpty
	return sz, nil
}

func hitKeyWidth(keys int) int { return max(8, len(strconv.Itoa(keys-1))) }

// hitRatioRun measures one server with one policy on a fresh server; it
// never returns an error: failures are recorded in the result.
func hitRatioRun(ctx context.Context, cfg *config, name, bin, dir, policy string, maxmemory int64) (r hitRun) {
	r = hitRun{Server: name, Policy: policy}
	rctx, cancel := context.WithTimeout(ctx, cfg.hitTimeout)
	defer cancel()
	s, err := startFresh(rctx, cfg, name, bin, dir, nil,
		"--maxmemory", strconv.FormatInt(maxmemory, 10), "--maxmemory-policy", policy, "--maxmemory-samples", "5")
	if err != nil {
		r.Failed = err.Error()
		return r
	}
	defer s.stop()

	conns := make([]*respConn, cfg.hitConns)
	gens := make([]*scrambledZipfian, cfg.hitConns)
	for i := range conns {
		if conns[i], err = dialRESP(s.addr(), 5*time.Second); err != nil {
			r.Failed = err.Error()
			return r
		}
		defer conns[i].Close()
		gens[i] = newScrambledZipfian(int64(cfg.hitKeys), uint64(i+1))
	}
	// The timeout (or Ctrl-C) unblocks every connection.
	stopClose := context.AfterFunc(rctx, func() {
		for _, c := range conns {
			c.Close()
		}
	})
	defer stopClose()

	finish := func(err error) hitRun {
		switch {
		case ctx.Err() != nil:
			// interrupted: the caller returns
		case rctx.Err() != nil:
			r.TimedOut = true
		case err != nil:
			r.Failed = err.Error()
			if s.exited() {
				r.Failed += fmt.Sprintf(" (%s exited: %v)", name, s.waitErr)
			}
		}
		r.HitPct = r.Measured.hitPct()
		if r.Measured.WallS > 0 {
			r.GetsPerS = float64(r.Measured.Gets) / r.Measured.WallS
		}
		if !s.exited() {
			r.EvictedKeys, _ = infoInt(s, "stats", "evicted_keys")
			r.UsedMemory, _ = infoInt(s, "memory", "used_memory")
			r.Keys, _ = dbsize(s.addr())
		}
		return r
	}
	if cfg.hitWarmup > 0 {
		if r.Warmup, err = hitPhase(rctx, cfg, conns, gens, cfg.hitWarmup); err != nil || rctx.Err() != nil {
			return finish(err)
		}
	}
	r.Measured, err = hitPhase(rctx, cfg, conns, gens, cfg.hitN)
	return finish(err)
}

// hitPhase runs total GETs (and the SETs of their misses) split over the
// connections, each continuing its own key sequence.
func hitPhase(ctx context.Context, cfg *config, conns []*respConn, gens []*scrambledZipfian, total int) (hitCounts, error) {
	var wg sync.WaitGroup
	counts := make([]hitCounts, len(conns))
	errs := make([]error, len(conns))
	t0 := time.Now()
	for i := range conns {
		share := total / len(conns)
		if i < total%len(conns) {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = hitConnLoad(ctx, cfg, conns[i], gens[i], share)
		}()
	}
	wg.Wait()
	var sum hitCounts
	for _, c := range counts {
		sum.add(c)
	}
	sum.WallS = time.Since(t0).Seconds()
	return sum, errors.Join(errs...)
}

// hitConnLoad is one connection's share of a phase.
func hitConnLoad(ctx context.Context, cfg *config, rc *respConn, gen *scrambledZipfian, n int) (c hitCounts, err error) {
	width := hitKeyWidth(cfg.hitKeys)
	val := strings.Repeat("v", cfg.hitValue)
	keys := make([]string, cfg.hitBatch)
	var missed []int
	replyErr := func(e respError) {
		if strings.HasPrefix(string(e), "OOM") {
			c.OOM++
			return
		}
		c.Errors++
		if c.FirstErr == "" {
			c.FirstErr = string(e)
		}
	}
	for done := 0; done < n; {
		if ctx.Err() != nil {
			return c, nil
		}
		b := min(cfg.hitBatch, n-done)
		_ = rc.c.SetDeadline(time.Now().Add(time.Minute))
		for j := range b {
			keys[j] = keyName("key:", int(gen.next()), width)
			rc.writeCommand("GET", keys[j])
		}
		if err := rc.w.Flush(); err != nil {
			return c, ioErr(ctx, err)
		}
		missed = missed[:0]
		if err := readReplies(rc, b, replyErr, func(j int, v any) {
			if v == nil {
				missed = append(missed, j)
			} else {
				c.Hits++
			}
		}); err != nil {
			return c, ioErr(ctx, err)
		}
		c.Gets += int64(b)
		c.Misses += int64(len(missed))
		done += b
		if len(missed) == 0 {
			continue
		}
		for _, j := range missed {
			rc.writeCommand("SET", keys[j], val)
		}
		if err := rc.w.Flush(); err != nil {
			return c, ioErr(ctx, err)
		}
		if err := readReplies(rc, len(missed), replyErr, func(_ int, v any) {
			if v != "OK" {
				replyErr(respError(fmt.Sprintf("SET answered %v", v)))
			}
		}); err != nil {
			return c, ioErr(ctx, err)
		}
		c.Sets += int64(len(missed))
	}
	return c, nil
}

// readReplies reads n pipelined replies: error replies go to onErr, the
// others to onValue with their index; it stops at a connection error.
func readReplies(rc *respConn, n int, onErr func(respError), onValue func(j int, v any)) error {
	for j := 0; j < n; j++ {
		v, err := rc.readReply()
		var re respError
		switch {
		case errors.As(err, &re):
			onErr(re)
		case err != nil:
			return err
		default:
			onValue(j, v)
		}
	}
	return nil
}

// ioErr drops the connection errors caused by the context closing it.
func ioErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// hitSummary is the medians over the complete rounds of one policy.
type hitSummary struct {
	Policy string             `json:"policy"`
	Rounds map[string]int     `json:"complete_rounds"`
	Median map[string]hitMeds `json:"median"` // server -> medians
	// DiffPP is the median hit ratio of duva minus redis, in percentage points.
	DiffPP *float64 `json:"hit_ratio_diff_pp"`
}

type hitMeds struct {
	HitPct      float64 `json:"hit_ratio_pct"`
	GetsPerS    float64 `json:"gets_per_s"`
	EvictedKeys float64 `json:"evicted_keys"`
	UsedMemory  float64 `json:"used_memory"`
	Keys        float64 `json:"dbsize"`
	OOM         float64 `json:"oom"`
	Errors      float64 `json:"errors"`
}

func summarizeHits(cfg *config, runs []hitRun) []hitSummary {
	var out []hitSummary
	for _, p := range cfg.hitPolicies {
		s := hitSummary{Policy: p, Rounds: map[string]int{}, Median: map[string]hitMeds{}}
		for _, name := range []string{"duva", "redis"} {
			var hit, gps, ev, used, keys, oom, errs []float64
			for _, r := range runs {
				if r.Server != name || r.Policy != p || !r.complete() {
					continue
				}
				hit = append(hit, r.HitPct)
				gps = append(gps, r.GetsPerS)
				ev = append(ev, float64(r.EvictedKeys))
				used = append(used, float64(r.UsedMemory))
				keys = append(keys, float64(r.Keys))
				oom = append(oom, float64(r.Warmup.OOM+r.Measured.OOM))
				errs = append(errs, float64(r.Warmup.Errors+r.Measured.Errors))
			}
			s.Rounds[name] = len(hit)
			if len(hit) > 0 {
				s.Median[name] = hitMeds{medianOf(hit), medianOf(gps), medianOf(ev), medianOf(used), medianOf(keys), medianOf(oom), medianOf(errs)}
			}
		}
		d, dok := s.Median["duva"]
		r, rok := s.Median["redis"]
		if dok && rok {
			diff := d.HitPct - r.HitPct
			s.DiffPP = &diff
		}
		out = append(out, s)
	}
	return out
}

func printHitTable(cfg *config, sz hitSizing, summary []hitSummary) {
	fmt.Printf("Hit ratio: GET, SET on miss (%d-byte values), scrambled zipfian theta 0.99 over %d keys, %d warm-up + %d measured GETs, %d connections x %d-GET batches; maxmemory %d bytes (%.1f MB, %s); medians of %d interleaved rounds\n\n",
		cfg.hitValue, cfg.hitKeys, cfg.hitWarmup, cfg.hitN, cfg.hitConns, cfg.hitBatch, sz.Maxmemory, float64(sz.Maxmemory)/1e6, describeSizing(sz), cfg.Rounds)
	fmt.Println("| policy | measure | duva | redis | duva − redis | duva/redis |")
	fmt.Println("|:--|:--|--:|--:|--:|--:|")
	for _, s := range summary {
		d, dok := s.Median["duva"]
		r, rok := s.Median["redis"]
		row := func(measure string, get func(hitMeds) float64, format string, pp bool) {
			cell := func(m hitMeds, ok bool) string {
				if !ok {
					return "n/a"
				}
				return fmt.Sprintf(format, get(m))
			}
			diff, ratio := "n/a", "n/a"
			if dok && rok {
				dv, rv := get(d), get(r)
				if pp {
					diff = fmt.Sprintf("%+.2f pp", dv-rv)
				} else {
					diff = fmt.Sprintf(format, dv-rv)
				}
				if rv != 0 {
					ratio = fmt.Sprintf("%.2f", dv/rv)
				}
			}
			fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", s.Policy, measure, cell(d, dok), cell(r, rok), diff, ratio)
		}
		row("hit ratio, measured (%)", func(m hitMeds) float64 { return m.HitPct }, "%.2f", true)
		row("GET/s, measured", func(m hitMeds) float64 { return m.GetsPerS }, "%.0f", false)
		row("evicted_keys at end", func(m hitMeds) float64 { return m.EvictedKeys }, "%.0f", false)
		row("used_memory at end (MB)", func(m hitMeds) float64 { return m.UsedMemory / 1e6 }, "%.1f", false)
		row("keys at end (DBSIZE)", func(m hitMeds) float64 { return m.Keys }, "%.0f", false)
		row("OOM replies", func(m hitMeds) float64 { return m.OOM }, "%.0f", false)
		row("other error replies", func(m hitMeds) float64 { return m.Errors }, "%.0f", false)
		if s.Rounds["duva"] < cfg.Rounds || s.Rounds["redis"] < cfg.Rounds {
			fmt.Printf("| %s | complete rounds | %d | %d | | |\n", s.Policy, s.Rounds["duva"], s.Rounds["redis"])
		}
	}
	fmt.Println()
	fmt.Println("hit ratio: hits / GETs of the measured phase; OOM: SETs refused with -OOM (warm-up + measured), the mark of a server that does not evict.")
	for _, s := range summary {
		for _, name := range []string{"duva", "redis"} {
			m, ok := s.Median[name]
			if ok && m.EvictedKeys == 0 && m.OOM == 0 && m.UsedMemory > 1.1*float64(sz.Maxmemory) {
				fmt.Printf("note: %s with %s ended at used_memory %.1f MB > maxmemory %.1f MB with no eviction and no OOM: it does not enforce maxmemory, so its hit ratio is that of an unbounded cache.\n",
					name, s.Policy, m.UsedMemory/1e6, float64(sz.Maxmemory)/1e6)
			}
		}
	}
}
