package main

// The -persist mode: persistence side by side with redis-server, at
// -persist-keys keys (default 1,000,000) of 100-byte values:
//
//   - SAVE: wall time of the SAVE command.
//   - BGSAVE: wall time from the reply to rdb_bgsave_in_progress:0, and the
//     p99/max latency of a redis-benchmark GET run (-c 50, -P 1) during which
//     BGSAVE is kept running back to back, next to the same run without it.
//   - Load: from process start to the first +PONG (clients get -LOADING
//     until the dataset is in memory), on the file SAVE wrote.
//   - AOF: redis-benchmark SET -P 16 -d 100 throughput with appendfsync
//     everysec and always.
//
// Rounds alternate the order (duva first, then redis first, ...) and every
// figure is the median over rounds, with the duva/redis ratio of the medians.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// persistMetric is one measured quantity per server, one value per round.
type persistMetric struct {
	Name   string               `json:"name"`
	Unit   string               `json:"unit"`
	Higher bool                 `json:"higher_is_better"`
	Values map[string][]float64 `json:"values"` // server -> per-round values
}

func runPersist(ctx context.Context, cfg *config, tmp, root string) error {
	if cfg.timeout == 0 {
		cfg.timeout = 5 * time.Minute
	}
	metrics := []*persistMetric{
		{Name: "SAVE", Unit: "s"},
		{Name: "BGSAVE wall time", Unit: "s"},
		{Name: "GET p99 without BGSAVE", Unit: "ms"},
		{Name: "GET p99 during BGSAVE", Unit: "ms"},
		{Name: "GET max during BGSAVE", Unit: "ms"},
		{Name: "GET rps during BGSAVE", Unit: "rps", Higher: true},
		{Name: "load at start", Unit: "s"},
		{Name: "SET -P 16 appendfsync everysec", Unit: "rps", Higher: true},
		{Name: "SET -P 16 appendfsync always", Unit: "rps", Higher: true},
	}
	for _, m := range metrics {
		m.Values = map[string][]float64{}
	}
	record := func(server string, i int, v float64) {
		metrics[i].Values[server] = append(metrics[i].Values[server], v)
	}
	bins := map[string]string{"duva": cfg.DuvaBin, "redis": cfg.RedisBin}
	for round := 0; round < cfg.Rounds; round++ {
		order := []string{"duva", "redis"}
		if round%2 == 1 {
			order = []string{"redis", "duva"}
		}
		for _, name := range order {
			logf("persist round %d: %s", round+1, name)
			vals, err := persistRound(ctx, cfg, name, bins[name], filepath.Join(tmp, fmt.Sprintf("%s-%d", name, round)))
			if err != nil {
				return fmt.Errorf("%s round %d: %w", name, round+1, err)
			}
			for i, v := range vals {
				record(name, i, v)
			}
		}
	}
	printPersist(metrics, cfg)
	out := cfg.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(map[string]any{"config": cfg, "keys": cfg.persistKeys, "metrics": metrics, "date": time.Now().UTC().Format(time.RFC3339)}, "", " ")
	return os.WriteFile(filepath.Join(out, "persist-latest.json"), b, 0o644)
}

// persistRound measures one server; values in the order of runPersist's metrics.
func persistRound(ctx context.Context, cfg *config, name, bin, dir string) ([]float64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	port := ports[0]
	base := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir}
	if name == "duva" {
		base = append(base, cfg.DuvaArgs...)
	}
	start := func(extra ...string) (*server, error) {
		s, err := startServer(name, bin, append(append([]string{}, base...), extra...), port, dir)
		if err != nil {
			return nil, err
		}
		if err := s.waitReady(ctx, 5*time.Minute); err != nil {
			s.stop()
			return nil, err
		}
		return s, nil
	}
	vals := make([]float64, 9)

	s, err := start("--appendonly", "no")
	if err != nil {
		return nil, err
	}
	if err := populateValues(ctx, s, cfg.persistKeys, 100); err != nil {
		s.stop()
		return nil, err
	}
	t0 := time.Now()
	if _, err := command(s, "SAVE"); err != nil {
		s.stop()
		return nil, err
	}
	vals[0] = time.Since(t0).Seconds()

	getArgs := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-c", "50", "-n", "200000", "-r", strconv.Itoa(cfg.persistKeys), "-t", "get", "--csv"}
	quiet, err := runBenchmark(ctx, s, getArgs, cfg.timeout)
	if err != nil {
		s.stop()
		return nil, err
	}
	vals[2] = lastRow(quiet).P99Ms

	// BGSAVE back to back while the GET run lasts.
	type bgResult struct {
		first time.Duration
		err   error
	}
	stopBG := make(chan struct{})
	bgDone := make(chan bgResult, 1)
	go func() {
		var res bgResult
		for i := 0; ; i++ {
			select {
			case <-stopBG:
				bgDone <- res
				return
			default:
			}
			t := time.Now()
			if _, err := command(s, "BGSAVE"); err != nil {
				res.err = err
				bgDone <- res
				return
			}
			for {
				v, err := command(s, "INFO", "persistence")
				if err != nil {
					res.err = err
					bgDone <- res
					return
				}
				if strings.Contains(fmt.Sprint(v), "rdb_bgsave_in_progress:0") {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if i == 0 {
				res.first = time.Since(t)
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	busy, err := runBenchmark(ctx, s, getArgs, cfg.timeout)
	close(stopBG)
	res := <-bgDone
	if err == nil {
		err = res.err
	}
	if err != nil {
		s.stop()
		return nil, err
	}
	vals[1] = res.first.Seconds()
	row := lastRow(busy)
	vals[3], vals[4], vals[5] = row.P99Ms, row.MaxMs, row.RPS
	if _, err := command(s, "SAVE"); err != nil { // the file the load measures
		s.stop()
		return nil, err
	}
	s.stop()

	t0 = time.Now()
	s, err = start("--appendonly", "no")
	if err != nil {
		return nil, err
	}
	vals[6] = time.Since(t0).Seconds()
	n, err := dbsize(s.addr())
	s.stop()
	if err != nil {
		return nil, err
	}
	if n != int64(cfg.persistKeys) {
		return nil, fmt.Errorf("%s loaded %d keys, want %d", name, n, cfg.persistKeys)
	}

	for i, fsync := range []string{"everysec", "always"} {
		adir := filepath.Join(dir, "aof-"+fsync)
		if err := os.MkdirAll(adir, 0o755); err != nil {
			return nil, err
		}
		s, err := startServer(name, bin, append(append([]string{}, base...), "--dir", adir, "--appendonly", "yes", "--appendfsync", fsync), port, adir)
		if err != nil {
			return nil, err
		}
		if err := s.waitReady(ctx, time.Minute); err != nil {
			s.stop()
			return nil, err
		}
		nreq := 1000000
		if fsync == "always" {
			nreq = 300000
		}
		out, err := runBenchmark(ctx, s, []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-c", "50", "-n", strconv.Itoa(nreq), "-r", strconv.Itoa(cfg.persistKeys), "-P", "16", "-d", "100", "-t", "set", "--csv"}, cfg.timeout)
		s.stop()
		if err != nil {
			return nil, err
		}
		vals[7+i] = lastRow(out).RPS
	}
	return vals, nil
}

func lastRow(o *benchOutput) BenchRow { return o.samples[len(o.samples)-1].row }

// command sends one command on a fresh connection and returns its reply.
func command(s *server, args ...string) (any, error) {
	rc, err := dialRESP(s.addr(), time.Second)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	_ = rc.c.SetDeadline(time.Now().Add(10 * time.Minute))
	rc.writeCommand(args...)
	if err := rc.w.Flush(); err != nil {
		return nil, err
	}
	return rc.readReply()
}

// populateValues writes keys "key:%012d" (redis-benchmark's -r names) with
// values of size bytes, pipelined.
func populateValues(ctx context.Context, s *server, keys, size int) error {
	rc, err := dialRESP(s.addr(), time.Second)
	if err != nil {
		return err
	}
	defer rc.Close()
	val := strings.Repeat("v", size)
	const batch = 2000
	for lo := 0; lo < keys; lo += batch {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = rc.c.SetDeadline(time.Now().Add(time.Minute))
		hi := min(lo+batch, keys)
		for k := lo; k < hi; k++ {
			rc.writeCommand("SET", fmt.Sprintf("key:%012d", k), val)
		}
		if err := rc.w.Flush(); err != nil {
			return err
		}
		for k := lo; k < hi; k++ {
			if v, err := rc.readReply(); err != nil || v != "OK" {
				return fmt.Errorf("populate %s: SET gave %v, %v", s.name, v, err)
			}
		}
	}
	return nil
}

func medianOf(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func printPersist(metrics []*persistMetric, cfg *config) {
	printMetricTable(fmt.Sprintf("Persistence at %d keys of 100 bytes, medians of %d interleaved rounds", cfg.persistKeys, cfg.Rounds), metrics)
}

func fmtNum(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}
