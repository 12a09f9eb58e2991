// Command bench compares duva against redis-server with redis-benchmark.
//
// Run it from anywhere inside the repository:
//
//	go run ./bench                 # default: set,get at -P 1 and -P 16, 3 rounds
//	go run ./bench -quick          # smoke test (n=50000, ~30 s)
//	go run ./bench -markdown       # print the table as Markdown (for the README)
//	go run ./bench -suite          # the whole default redis-benchmark suite (n=20000 per test)
//	go run ./bench -duva-args "--shards 2 --event-loops 2"
//	go run ./bench -duva-bin /usr/bin/redis-server   # A/A run: redis vs redis
//	go run ./bench -from bench/results/latest.json -markdown   # re-render a saved run
//	go run ./bench -persist        # persistence: SAVE, BGSAVE, load, AOF (persist.go)
//	go run ./bench -memory         # bytes per key, GC and GET latency at 10K vs 10M keys (memory.go)
//	go run ./bench -hitratio       # hit ratio, zipfian load under maxmemory, LRU and LFU (hitratio.go)
//
// A default run (3 rounds x 2 pipelines x 2 tests x 2 servers at 200000
// requests) takes 1.5 to 3 minutes on 2 cores (longer on a loaded machine);
// -suite 3 to 5 minutes.
//
// The A/A run, with redis-server standing in for duva, measures the noise
// floor of the machine: the duva/redis ratios it reports should be read as
// "indistinguishable" bands for real runs. On a shared 2-core box the
// throughput ratio of an A/A run can be off by 10-20% while the CPU ratio
// stays within a few percent, which is the reason CPU per request is
// reported at all (see below).
//
// # Method
//
// duva is built from the module root (or taken from -duva-bin) and started next
// to a stock redis-server, both on free loopback ports, both without
// persistence. Before anything is measured, every key of the -r keyspace is
// written to both servers over a raw RESP connection, so that GET always hits.
//
// The harness then runs redis-benchmark (-c, -n, -r, -P, one -t test per run,
// --csv) against each server in turn. A run against one server is always
// immediately followed by the same run against the other one (A B), and the
// order flips every round (A B, B A, A B, ...), so a slow drift of the machine
// (thermal throttling, a noisy neighbour, the page cache) hits both servers
// alike instead of favouring whichever runs first. Each (test, pipeline) pair
// is preceded by a short warm-up run on both servers (connection setup, Go heap
// growth, hash table resizes), which is not recorded.
//
// Every number reported is a median over rounds, which, unlike a mean, a
// single disturbed run cannot move. The throughput ratio is the median of the
// per-round duva/redis ratios: the two runs of one round ran seconds apart on
// the same machine state, so their ratio is a much less noisy quantity than
// either absolute number. The spread (min..max) of the per-round ratios is
// shown next to it; if it straddles 1.0 the difference is noise.
//
// # Why CPU per request
//
// On a small machine (2 cores, like the one this harness was written on)
// redis-benchmark itself needs most of a core (it is single-threaded), so requests/s mostly measures how the client and the
// server share the CPUs: a server that burns more CPU can still show the same
// throughput while the client is the bottleneck, and a multi-threaded server
// can steal cycles from the client and look slower than it is. Server CPU
// time per request does not have that problem: it is read from
// /proc/<pid>/stat (utime+stime of all threads, fields 14 and 15, in clock
// ticks) before and after each run and divided by the number of requests. It
// is the number that predicts how the server behaves when it, not the client,
// is the bottleneck. The tick is 1/CLK_TCK (10 ms on Linux); at n=200000 and
// ~12 µs/request (-P 1) a run costs ~2.4 s of CPU, so the resolution is
// ~0.4%; at -P 16 (~1.7 µs/request) it is ~3%. The notes under the table give
// the tick size in µs/request for the -n used.
//
// With -suite, redis-benchmark runs its whole default test list in one
// process; per-test server CPU is then attributed by sampling /proc when each
// CSV line arrives (stdout is made line-buffered with stdbuf when available;
// without stdbuf, per-test CPU is reported as n/a).
//
// A run fails loudly, with the tail of the output, if redis-benchmark exits
// non-zero, prints anything mentioning ERR or Error, prints anything that is
// not its CSV, takes longer than -run-timeout, or if a server dies.
//
// Results go to stdout (table or Markdown), progress goes to stderr, and the
// raw runs, the summary and the machine description are written to
// <out>/latest.json together with a bar chart <out>/latest.svg.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config holds the parsed command line.
type config struct {
	Rounds    int      `json:"rounds"`
	N         int      `json:"n"`
	Clients   int      `json:"clients"`
	Keyspace  int      `json:"keyspace"`
	Tests     []string `json:"tests,omitempty"`
	Pipelines []int    `json:"pipelines"`
	Warmup    int      `json:"warmup"`
	Suite     bool     `json:"suite"`
	Quick     bool     `json:"quick"`
	DuvaBin   string   `json:"duva_bin"`
	DuvaBuilt bool     `json:"duva_built"`
	DuvaArgs  []string `json:"duva_args,omitempty"`
	RedisBin  string   `json:"redis_bin"`
	ClkTck    int      `json:"clk_tck"`

	persist     bool // -persist: the persistence comparison (persist.go)
	persistKeys int

	memory        bool // -memory: bytes per key and GC impact (memory.go)
	memoryKeys    int  // the big keyspace of the GC/latency runs
	memoryBPKKeys int  // keys of the bytes-per-key runs
	memoryN       int  // requests of each GET run
	memorySet     bool // also measure with a concurrent SET run

	hitratio     bool // -hitratio: cache hit ratio under a zipfian load (hitratio.go)
	hitKeys      int
	hitWarmup    int
	hitN         int
	hitValue     int
	hitConns     int
	hitBatch     int
	hitPolicies  []string
	hitMaxmemory int64
	hitTimeout   time.Duration

	out      string
	markdown bool
	timeout  time.Duration
	from     string
}

func main() {
	err := run()
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "bench: interrupted; servers stopped")
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: FAILED:", err)
		os.Exit(1)
	}
}

func parseFlags() (*config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	rounds := fs.Int("rounds", 3, "measured rounds (at least 3); medians are taken over rounds")
	n := fs.Int("n", 200000, "requests per redis-benchmark run (per test); -suite defaults to 20000")
	c := fs.Int("c", 50, "parallel connections (redis-benchmark -c)")
	r := fs.Int("r", 100000, "keyspace size (redis-benchmark -r); all keys are pre-populated")
	tests := fs.String("tests", "set,get", "comma separated redis-benchmark -t tests, one run each")
	pipes := fs.String("pipelines", "1,16", "comma separated pipeline depths (redis-benchmark -P)")
	warmup := fs.Int("warmup", 20000, "requests of the unrecorded warm-up run before each measured pair")
	out := fs.String("out", "bench/results", "directory for latest.json and latest.svg (relative to the module root)")
	duvaArgs := fs.String("duva-args", "", "extra arguments for duva, e.g. \"--shards 2 --event-loops 2\"")
	duvaBin := fs.String("duva-bin", "", "prebuilt duva binary (default: go build the module root)")
	redisBin := fs.String("redis-bin", "redis-server", "redis-server binary to compare against")
	persist := fs.Bool("persist", false, "compare persistence: SAVE, BGSAVE, load time, AOF throughput (see persist.go)")
	persistKeys := fs.Int("persist-keys", 1000000, "keys of 100 bytes for -persist")
	memory := fs.Bool("memory", false, "compare bytes per key and GC/latency at 10K vs -memory-keys keys (see memory.go); -rounds defaults to 2")
	memoryKeys := fs.Int("memory-keys", 10000000, "-memory: keyspace of the big GET runs (16-byte values)")
	memoryBPK := fs.Int("memory-bpk-keys", 1000000, "-memory: keys loaded for the bytes-per-key figures")
	memoryN := fs.Int("memory-n", 2000000, "-memory: requests of each redis-benchmark GET run")
	memorySet := fs.Bool("memory-set", true, "-memory: also run each GET benchmark with a concurrent SET overwrite load")
	hitratio := fs.Bool("hitratio", false, "compare cache hit ratios under a zipfian GET/SET-on-miss load with maxmemory (see hitratio.go); -rounds defaults to 2")
	hitKeys := fs.Int("hitratio-keys", 10000000, "-hitratio: distinct keys K of the zipfian (theta 0.99) distribution")
	hitWarmup := fs.Int("hitratio-warmup", 10000000, "-hitratio: warm-up requests (GETs) before the measured phase")
	hitN := fs.Int("hitratio-n", 10000000, "-hitratio: measured requests (GETs)")
	hitValue := fs.Int("hitratio-value", 100, "-hitratio: value size in bytes of the SETs on a miss")
	hitConns := fs.Int("hitratio-conns", 8, "-hitratio: client connections (each with its own seeded key sequence)")
	hitBatch := fs.Int("hitratio-batch", 100, "-hitratio: GETs pipelined per batch (then the SETs for the batch's misses)")
	hitPolicies := fs.String("hitratio-policies", "allkeys-lru,allkeys-lfu", "-hitratio: comma separated maxmemory-policy values")
	hitMaxmemory := fs.Int64("hitratio-maxmemory", 0, "-hitratio: maxmemory in bytes for both servers (0: size it for 10% of the keys from redis-server's cost per key)")
	hitTimeout := fs.Duration("hitratio-timeout", 10*time.Minute, "-hitratio: bound of one run (one server, one policy); a run that hits it is reported as timed out")
	markdown := fs.Bool("markdown", false, "print the result table as Markdown instead of plain text")
	suite := fs.Bool("suite", false, "run the whole default redis-benchmark suite (no -t) instead of -tests")
	quick := fs.Bool("quick", false, "smoke test: n=50000 (suite: 10000), warmup=10000")
	timeout := fs.Duration("run-timeout", 0, "kill a redis-benchmark run after this long (0: derived from -n)")
	from := fs.String("from", "", "do not benchmark: re-render a saved latest.json (table to stdout, .svg next to it)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./bench [flags]\n\nCompares duva with redis-server using redis-benchmark; see the package doc.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	cfg := &config{
		Rounds: *rounds, N: *n, Clients: *c, Keyspace: *r, Warmup: *warmup,
		Suite: *suite, Quick: *quick, RedisBin: *redisBin,
		out: *out, markdown: *markdown, timeout: *timeout, from: *from, persist: *persist, persistKeys: *persistKeys,
		memory: *memory, memoryKeys: *memoryKeys, memoryBPKKeys: *memoryBPK, memoryN: *memoryN, memorySet: *memorySet,
		hitratio: *hitratio, hitKeys: *hitKeys, hitWarmup: *hitWarmup, hitN: *hitN, hitValue: *hitValue,
		hitConns: *hitConns, hitBatch: *hitBatch, hitMaxmemory: *hitMaxmemory, hitTimeout: *hitTimeout,
	}
	modes := 0
	for _, on := range []bool{*persist, *memory, *hitratio} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		return nil, errors.New("-persist, -memory and -hitratio are separate runs; choose one")
	}
	for _, p := range strings.Split(*hitPolicies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.hitPolicies = append(cfg.hitPolicies, p)
		}
	}
	if !set["n"] {
		switch {
		case *suite && *quick:
			cfg.N = 10000
		case *suite:
			cfg.N = 20000 // ~20 tests per run
		case *quick:
			cfg.N = 50000
		}
	}
	if *quick && !set["warmup"] {
		cfg.Warmup = 10000
	}
	switch {
	case *memory || *hitratio:
		// Minutes per round: fewer rounds by default, one allowed.
		if !set["rounds"] {
			cfg.Rounds = 2
		}
		if cfg.Rounds < 1 {
			return nil, fmt.Errorf("-rounds must be at least 1, got %d", cfg.Rounds)
		}
		if *memory && (cfg.memoryKeys <= memSmallKeys || cfg.memoryBPKKeys <= 0 || cfg.memoryN <= 0) {
			return nil, fmt.Errorf("-memory-keys must be more than %d (the small keyspace), -memory-bpk-keys and -memory-n positive", memSmallKeys)
		}
		if *hitratio && (cfg.hitKeys < 1000 || cfg.hitWarmup < 0 || cfg.hitN <= 0 || cfg.hitValue <= 0 ||
			cfg.hitConns <= 0 || cfg.hitBatch <= 0 || cfg.hitMaxmemory < 0 || cfg.hitTimeout <= 0 || len(cfg.hitPolicies) == 0) {
			return nil, errors.New("-hitratio-keys must be at least 1000, -hitratio-warmup not negative, -hitratio-maxmemory not negative, the other -hitratio-* flags positive and -hitratio-policies not empty")
		}
	case cfg.Rounds < 3:
		return nil, fmt.Errorf("-rounds must be at least 3 (medians of fewer rounds are not robust), got %d", cfg.Rounds)
	}
	if cfg.N <= 0 || cfg.Clients <= 0 || cfg.Keyspace <= 0 || cfg.Warmup < 0 {
		return nil, errors.New("-n, -c and -r must be positive and -warmup not negative")
	}
	for _, p := range strings.Split(*pipes, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad -pipelines entry %q", p)
		}
		cfg.Pipelines = append(cfg.Pipelines, v)
	}
	if !*suite {
		for _, t := range strings.Split(*tests, ",") {
			t = strings.ToLower(strings.TrimSpace(t))
			if t == "" {
				continue
			}
			if strings.ContainsAny(t, " \t") {
				return nil, fmt.Errorf("bad -tests entry %q", t)
			}
			cfg.Tests = append(cfg.Tests, t)
		}
		if len(cfg.Tests) == 0 {
			return nil, errors.New("-tests is empty")
		}
	} else if set["tests"] {
		fmt.Fprintln(os.Stderr, "bench: note: -tests is ignored with -suite")
	}
	args, err := splitArgs(*duvaArgs)
	if err != nil {
		return nil, fmt.Errorf("-duva-args: %w", err)
	}
	cfg.DuvaArgs = args
	cfg.DuvaBin = *duvaBin
	return cfg, nil
}

// splitArgs splits a command line on blanks, honouring single and double
// quotes ("--save \"\"" gives two arguments, the second one empty).
func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inArg := false
	var quote rune
	for _, ch := range s {
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else {
				cur.WriteRune(ch)
			}
		case ch == '"' || ch == '\'':
			quote = ch
			inArg = true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if inArg {
				out = append(out, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(ch)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inArg {
		out = append(out, cur.String())
	}
	return out, nil
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...)
}

func run() (err error) {
	cfg, err := parseFlags()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if cfg.from != "" {
		return rerender(cfg.from, cfg.markdown)
	}

	// Ctrl-C / SIGTERM cancel ctx: the running redis-benchmark is killed, run
	// returns, and the deferred stops below take the servers down.
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	go func() {
		<-ctx.Done()
		// A second Ctrl-C kills the harness at once; the servers still die
		// through their parent-death signal.
		stopSignals()
	}()

	root, err := findModuleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "duva-bench-")
	if err != nil {
		return err
	}
	serversStarted := false
	defer func() {
		if err != nil && serversStarted {
			logf("server logs kept in %s", tmp)
			return
		}
		os.RemoveAll(tmp)
	}()

	for _, tool := range []string{"redis-benchmark", cfg.RedisBin} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: %w", tool, err)
		}
	}
	redisPath, err := resolveBin(cfg.RedisBin)
	if err != nil {
		return err
	}
	cfg.RedisBin = redisPath
	if cfg.DuvaBin == "" {
		cfg.DuvaBin = filepath.Join(tmp, "duva")
		cfg.DuvaBuilt = true
		logf("building duva: go build -o %s . (in %s)", cfg.DuvaBin, root)
		if err := buildDuva(ctx, root, cfg.DuvaBin); err != nil {
			return err
		}
	} else {
		p, err := resolveBin(cfg.DuvaBin)
		if err != nil {
			return fmt.Errorf("-duva-bin: %w", err)
		}
		cfg.DuvaBin = p
	}
	cfg.ClkTck = clockTicks()
	switch {
	case cfg.persist:
		serversStarted = true
		return runPersist(ctx, cfg, tmp, root)
	case cfg.memory:
		serversStarted = true
		return runMemory(ctx, cfg, tmp, root)
	case cfg.hitratio:
		serversStarted = true
		return runHitRatio(ctx, cfg, tmp, root)
	}
	machine := describeMachine(root, cfg)

	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	duvaArgs := []string{"--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", ""}
	duvaArgs = append(duvaArgs, cfg.DuvaArgs...)
	redisArgs := []string{"--port", strconv.Itoa(ports[1]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}

	serversStarted = true
	duva, err := startServer("duva", cfg.DuvaBin, duvaArgs, ports[0], tmp)
	if err != nil {
		return err
	}
	defer duva.stop()
	redis, err := startServer("redis", cfg.RedisBin, redisArgs, ports[1], tmp)
	if err != nil {
		return err
	}
	defer redis.stop()
	servers := []*server{duva, redis}
	for _, s := range servers {
		if err := s.waitReady(ctx, 15*time.Second); err != nil {
			return err
		}
		logf("%s ready on 127.0.0.1:%d (pid %d)", s.name, s.port, s.pid)
	}

	for _, s := range servers {
		t0 := time.Now()
		if err := populate(ctx, s, cfg.Keyspace); err != nil {
			return err
		}
		msg := fmt.Sprintf("%s: wrote %d keys in %v", s.name, cfg.Keyspace, time.Since(t0).Round(time.Millisecond))
		if n, err := dbsize(s.addr()); err != nil {
			msg += fmt.Sprintf(" (DBSIZE unavailable: %v)", err)
		} else {
			msg += fmt.Sprintf(", DBSIZE %d", n)
			if n < int64(cfg.Keyspace) {
				return fmt.Errorf("%s: DBSIZE %d after writing %d keys", s.name, n, cfg.Keyspace)
			}
		}
		logf("%s", msg)
	}

	jobs := cfg.Tests
	if cfg.Suite {
		jobs = []string{""} // no -t: the whole default suite
	}
	timeout := cfg.timeout
	if timeout == 0 {
		per := len(jobs)
		if cfg.Suite {
			per = 25 // tests in the default suite, with margin
		}
		timeout = time.Minute + time.Duration(cfg.N*per)*100*time.Microsecond
	}

	var runs []Run
	start := time.Now()
	for round := 0; round < cfg.Rounds; round++ {
		order := []*server{duva, redis}
		if round%2 == 1 {
			order = []*server{redis, duva}
		}
		for _, p := range cfg.Pipelines {
			for _, test := range jobs {
				label := test
				if label == "" {
					label = "suite"
				}
				wn := cfg.Warmup
				if cfg.Suite {
					wn = max(1000, cfg.Warmup/10) // per test of the suite
				}
				if wn > 0 {
					for _, s := range order {
						wargs := benchArgs(s, cfg, wn, p, test)
						if _, err := runBenchmark(ctx, s, wargs, timeout); err != nil {
							return fmt.Errorf("warm-up %s P=%d on %s: %w", label, p, s.name, err)
						}
					}
				}
				var line []string
				for i, s := range order {
					out, err := runBenchmark(ctx, s, benchArgs(s, cfg, cfg.N, p, test), timeout)
					if err != nil {
						return fmt.Errorf("round %d %s P=%d on %s: %w", round+1, label, p, s.name, err)
					}
					rs := out.runs(s.name, round, p, i, cfg.N, cfg.ClkTck)
					runs = append(runs, rs...)
					line = append(line, describeRuns(s.name, rs))
				}
				logf("round %d/%d P=%-3d %-5s %s", round+1, cfg.Rounds, p, label, strings.Join(line, " | "))
			}
		}
	}
	logf("measured in %v", time.Since(start).Round(time.Second))

	rep := &Report{
		Generated: time.Now().UTC().Format(time.RFC3339),
		Config:    cfg,
		Machine:   machine,
		Summary:   Summarize(runs),
		Runs:      runs,
	}
	if cfg.markdown {
		fmt.Print(rep.Markdown())
	} else {
		fmt.Print(rep.Text())
	}

	outDir := cfg.out
	if !filepath.IsAbs(outDir) {
		outDir = filepath.Join(root, outDir)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	js, err := rep.JSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, "latest.json"), js, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, "latest.svg"), []byte(RenderSVG(rep)), 0o644); err != nil {
		return err
	}
	logf("wrote %s and %s", filepath.Join(outDir, "latest.json"), filepath.Join(outDir, "latest.svg"))

	// Both servers must have survived the whole run.
	for _, s := range servers {
		if s.exited() {
			return fmt.Errorf("%s exited during the benchmark:\n%s", s.name, s.logTail(20))
		}
	}
	return nil
}

// rerender prints the table of a saved report and writes its chart next to
// it (x.json -> x.svg).
func rerender(path string, markdown bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rep := &Report{}
	if err := json.Unmarshal(b, rep); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if rep.Config == nil || len(rep.Summary) == 0 {
		return fmt.Errorf("%s: not a bench report", path)
	}
	if markdown {
		fmt.Print(rep.Markdown())
	} else {
		fmt.Print(rep.Text())
	}
	svgPath := strings.TrimSuffix(path, filepath.Ext(path)) + ".svg"
	if err := os.WriteFile(svgPath, []byte(RenderSVG(rep)), 0o644); err != nil {
		return err
	}
	logf("wrote %s", svgPath)
	return nil
}

// benchArgs is the redis-benchmark command line for one run; test "" runs
// the default suite.
func benchArgs(s *server, cfg *config, n, pipeline int, test string) []string {
	args := []string{
		"-h", "127.0.0.1", "-p", strconv.Itoa(s.port),
		"-c", strconv.Itoa(cfg.Clients), "-n", strconv.Itoa(n),
		"-r", strconv.Itoa(cfg.Keyspace), "-P", strconv.Itoa(pipeline),
	}
	if test != "" {
		args = append(args, "-t", test)
	}
	return append(args, "--csv")
}

func describeRuns(name string, rs []Run) string {
	if len(rs) == 1 {
		r := rs[0]
		cpu := "cpu n/a"
		if r.CPUUsPerReq != nil {
			cpu = fmt.Sprintf("%.2f µs/req", *r.CPUUsPerReq)
		}
		return fmt.Sprintf("%s %9.0f rps p50 %.3f ms %s", name, r.RPS, r.P50Ms, cpu)
	}
	var sum float64
	for _, r := range rs {
		sum += r.RPS
	}
	return fmt.Sprintf("%s %d tests, mean %.0f rps", name, len(rs), sum/float64(len(rs)))
}

// findModuleRoot walks up from the working directory to the first go.mod.
func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found in the working directory or its parents; run from inside the duva repository")
		}
		dir = parent
	}
}

// resolveBin makes a binary path absolute (servers run with their working
// directory in a temp dir), looking bare names up in PATH.
func resolveBin(bin string) (string, error) {
	if !strings.Contains(bin, string(os.PathSeparator)) {
		return exec.LookPath(bin)
	}
	p, err := filepath.Abs(bin)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", p)
	}
	return p, nil
}
