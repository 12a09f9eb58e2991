package main

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testdata/set_get_p1.csv is the verbatim output of
// redis-benchmark 7.0.15 -c 50 -n 20000 -r 100000 -P 1 -t set,get --csv.
func TestParseCSVCaptured(t *testing.T) {
	rows, err := ParseCSV(readTestdata(t, "set_get_p1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []BenchRow{
		{Test: "SET", RPS: 50251.26, AvgMs: 0.592, MinMs: 0.120, P50Ms: 0.519, P95Ms: 1.191, P99Ms: 2.079, MaxMs: 3.951},
		{Test: "GET", RPS: 49875.31, AvgMs: 0.533, MinMs: 0.144, P50Ms: 0.495, P95Ms: 0.703, P99Ms: 1.495, MaxMs: 8.119},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
}

// testdata/suite_p1.csv is the default suite (no -t): test names contain
// blanks and parentheses.
func TestParseCSVSuite(t *testing.T) {
	rows, err := ParseCSV(readTestdata(t, "suite_p1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 20 {
		t.Fatalf("got %d rows, want 20", len(rows))
	}
	if rows[0].Test != "PING_INLINE" || rows[19].Test != "MSET (10 keys)" {
		t.Errorf("first/last test = %q/%q", rows[0].Test, rows[19].Test)
	}
	if got := rows[15]; got.Test != "LRANGE_100 (first 100 elements)" || got.RPS != 37593.98 || got.P99Ms != 1.847 {
		t.Errorf("LRANGE_100 row = %+v", got)
	}
	if shortTest(rows[14].Test) != "LPUSH (for LRANGE)" || shortTest(rows[16].Test) != "LRANGE_300" {
		t.Errorf("shortTest: %q %q", shortTest(rows[14].Test), shortTest(rows[16].Test))
	}
}

// testdata/error_unknown_command.txt is what redis-benchmark printed (exit
// status 1) against a server that rejects GET.
func TestParseCSVRejectsErrors(t *testing.T) {
	if _, err := ParseCSV(readTestdata(t, "error_unknown_command.txt")); err == nil || !strings.Contains(err.Error(), "ERR unknown command") {
		t.Fatalf("want an error mentioning the server error, got %v", err)
	}
	bad := map[string]string{
		"header only":   `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"` + "\n",
		"wrong header":  `"test","rps","avg","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"` + "\n",
		"no header":     `"SET","50251.26","0.592","0.120","0.519","1.191","2.079","3.951"` + "\n",
		"short line":    readTestdata(t, "set_get_p1.csv") + `"INCR","1.0"` + "\n",
		"not a number":  strings.Replace(readTestdata(t, "set_get_p1.csv"), "50251.26", "fast", 1),
		"progress text": readTestdata(t, "set_get_p1.csv") + "SET: rps=123.0 (overall: 1.0) avg_msec=0.1\n",
	}
	for name, in := range bad {
		if rows, err := ParseCSV(in); err == nil {
			t.Errorf("%s: parsed without error: %+v", name, rows)
		}
	}
}

func TestParseStatTicks(t *testing.T) {
	// A real /proc/<pid>/stat line, with a blank and a ')' in the name.
	stat := "4242 (redis server) a)) S 1 4242 4242 0 -1 4194560 1164 0 0 0 1234 567 0 0 20 0 5 0 123456 10000000 2000 18446744073709551615 1 1 0 0 0 0 0 4097 17642 0 0 0 17 1 0 0 0 0 0\n"
	got, err := parseStatTicks(stat)
	if err != nil || got != 1234+567 {
		t.Fatalf("parseStatTicks = %d, %v; want 1801", got, err)
	}
	self, err := readCPUTicks(os.Getpid())
	if err != nil {
		t.Fatalf("own /proc stat: %v (ticks %d)", err, self)
	}
}

func TestMedianAndRatios(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1000}, 10}, // one outlier round does not move it
	}
	for _, c := range cases {
		in := append([]float64(nil), c.in...)
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("Median modified its input")
			}
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) should be NaN")
	}
	r := Ratios([]float64{100, 90, 50}, []float64{50, 0, 100})
	if len(r) != 2 || r[0] != 2 || r[1] != 0.5 {
		t.Errorf("Ratios = %v, want [2 0.5]", r)
	}
}

func ptr(v float64) *float64 { return &v }

// The ratio is the median of per-round ratios, not the ratio of medians.
func TestSummarize(t *testing.T) {
	mk := func(server string, round int, rps, p50, p99 float64, cpu *float64) Run {
		return Run{Server: server, Round: round, Test: "SET", Pipeline: 16, RPS: rps, P50Ms: p50, P99Ms: p99, CPUUsPerReq: cpu}
	}
	runs := []Run{
		// Round 1: machine fast. Round 2: both slow (drift). Round 3: duva hiccup.
		mk("duva", 1, 110, 0.5, 1.0, ptr(10)), mk("redis", 1, 100, 0.6, 1.2, ptr(12)),
		mk("redis", 2, 50, 0.9, 2.0, ptr(12)), mk("duva", 2, 60, 0.8, 1.8, ptr(9)),
		mk("duva", 3, 40, 0.7, 9.0, ptr(11)), mk("redis", 3, 100, 0.6, 1.4, ptr(10)),
		// A GET at P=1 must come first (pipelines are sorted) and stay separate.
		{Server: "duva", Round: 1, Test: "GET", Pipeline: 1, RPS: 10},
		{Server: "redis", Round: 1, Test: "GET", Pipeline: 1, RPS: 20},
	}
	sum := Summarize(runs)
	if len(sum) != 2 {
		t.Fatalf("got %d summary rows, want 2: %+v", len(sum), sum)
	}
	g, s := sum[0], sum[1]
	if g.Test != "GET" || g.Pipeline != 1 || g.Ratio != 0.5 || g.Rounds != 1 || g.DuvaCPU != nil || g.CPURatio != nil {
		t.Errorf("GET row = %+v", g)
	}
	// per-round ratios: 1.1, 1.2, 0.4 -> median 1.1, range 0.4..1.2.
	// (ratio of medians would be 60/100 = 0.6.)
	if s.Test != "SET" || s.Rounds != 3 || math.Abs(s.Ratio-1.1) > 1e-12 || s.RatioMin != 0.4 || math.Abs(s.RatioMax-1.2) > 1e-12 {
		t.Errorf("SET ratio = %v [%v..%v] over %d rounds", s.Ratio, s.RatioMin, s.RatioMax, s.Rounds)
	}
	if s.DuvaRPS != 60 || s.RedisRPS != 100 || s.DuvaP50 != 0.7 || s.RedisP50 != 0.6 || s.DuvaP99 != 1.8 || s.RedisP99 != 1.4 {
		t.Errorf("SET medians = %+v", s)
	}
	// cpu: duva 10,9,11 -> 10; redis 12,12,10 -> 12; ratios 0.833, 0.75, 1.1 -> 0.833.
	if *s.DuvaCPU != 10 || *s.RedisCPU != 12 || math.Abs(*s.CPURatio-10.0/12) > 1e-12 {
		t.Errorf("SET cpu = %v %v %v", *s.DuvaCPU, *s.RedisCPU, *s.CPURatio)
	}
}

func TestBenchOutputRuns(t *testing.T) {
	// One test per invocation: CPU is the before/after delta.
	o := &benchOutput{startTicks: 1000, endTicks: 1300, samples: []lineSample{{row: BenchRow{Test: "SET", RPS: 1}, ticks: 1290}}}
	rs := o.runs("duva", 0, 1, 0, 200000, 100)
	if len(rs) != 1 || rs[0].CPUUsPerReq == nil || math.Abs(*rs[0].CPUUsPerReq-15) > 1e-9 || rs[0].CPUSource != "run" || rs[0].Round != 1 {
		t.Fatalf("single run = %+v", rs)
	}
	// Suite: per-line deltas when streamed, nothing when not.
	o = &benchOutput{startTicks: 100, endTicks: 400, streamed: true, samples: []lineSample{
		{row: BenchRow{Test: "A", RPS: 1}, ticks: 200}, {row: BenchRow{Test: "B", RPS: 1}, ticks: 390},
	}}
	rs = o.runs("redis", 2, 16, 1, 10000, 100)
	if *rs[0].CPUUsPerReq != 100 || *rs[1].CPUUsPerReq != 190 {
		t.Fatalf("suite runs = %v %v", *rs[0].CPUUsPerReq, *rs[1].CPUUsPerReq)
	}
	o.streamed = false
	if rs = o.runs("redis", 2, 16, 1, 10000, 100); rs[0].CPUUsPerReq != nil {
		t.Fatal("unstreamed suite should not attribute CPU per test")
	}
}

func TestReportRenders(t *testing.T) {
	runs := []Run{
		{Server: "duva", Round: 1, Test: "SET", Pipeline: 1, RPS: 61234.5, CPUUsPerReq: ptr(12.5)},
		{Server: "redis", Round: 1, Test: "SET", Pipeline: 1, RPS: 60000, CPUUsPerReq: ptr(10)},
	}
	rep := &Report{
		Config:  &config{Rounds: 3, N: 200000, Clients: 50, Keyspace: 100000, Tests: []string{"set"}, Pipelines: []int{1}, ClkTck: 100, DuvaBin: "/tmp/duva", DuvaBuilt: true},
		Machine: Machine{NProc: 2, CPUModel: "Test CPU"},
		Summary: Summarize(runs), Runs: runs,
	}
	txt := rep.Text()
	for _, want := range []string{"61,235", "60,000", "1.02", "12.50", "10.00", "1.25", "0.050 µs/req"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text table lacks %q:\n%s", want, txt)
		}
	}
	md := rep.Markdown()
	if !strings.Contains(md, "| SET | 1 | 61,235 | 60,000 | 1.02 |") || !strings.Contains(md, "|:--|--:|") {
		t.Errorf("markdown:\n%s", md)
	}
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if len(back["runs"].([]any)) != 2 || len(back["summary"].([]any)) != 1 {
		t.Errorf("json: %s", js)
	}
	svg := RenderSVG(rep)
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "61.2k") || strings.Count(svg, "<rect") < 4 {
		t.Errorf("svg:\n%s", svg)
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.4: "1,234,567"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]float64{0.7: 1, 3: 5, 23: 25, 140: 200, 12000: 20000} {
		if got := niceStep(in); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", in, got, want)
		}
	}
	args, err := splitArgs(`--shards 2 --save "" --name 'a b'`)
	if err != nil || len(args) != 6 || args[3] != "" || args[5] != "a b" {
		t.Errorf("splitArgs = %q, %v", args, err)
	}
	if _, err := splitArgs(`--x "open`); err == nil {
		t.Error("splitArgs accepted an unterminated quote")
	}
}
