package main

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// testdata/gctrace_duva.log is the server log of duva (go1.26) started with
// GODEBUG=gctrace=1 and loaded with redis-benchmark -t set -P 32: slog lines
// and gctrace lines interleaved.
func TestParseGCTraceDuvaLog(t *testing.T) {
	cycles := duvaGCTrace(t)
	if len(cycles) != 7 {
		t.Fatalf("got %d cycles, want 7", len(cycles))
	}
	for i, c := range cycles {
		if c.N != i+1 {
			t.Errorf("cycle %d numbered %d", i+1, c.N)
		}
	}
	// gc 7 @3.060s 7%: 0.041+607+0.005 ms clock, 0.041+0.36/148/0.83+0.005 ms cpu, 136->145->141 MB, 159 MB goal, ...
	c := cycles[6]
	approx(t, "AtS", c.AtS, 3.060)
	approx(t, "CPUMs", c.CPUMs, 0.041+0.36+148+0.83+0.005)
	approx(t, "STWMs", c.STWMs, 0.041+0.005)
	if c.HeapMB != [3]int{136, 145, 141} || c.GoalMB != 159 || c.Forced {
		t.Errorf("cycle 7 = %+v", c)
	}
	// gc 2 @0.615s 1%: 0.075+9.1+0.005 ms clock, 0.075+4.7/0.14/0+0.005 ms cpu, ...
	approx(t, "cycle 2 CPUMs", cycles[1].CPUMs, 0.075+4.7+0.14+0+0.005)
	approx(t, "cycle 2 AtS", cycles[1].AtS, 0.615)
}

func TestParseGCTraceLine(t *testing.T) {
	// From a go1.26 program calling runtime.GC().
	forced := "gc 5 @0.080s 17%: 0.20+5.1+0.005 ms clock, 0.41+0/0.20/5.0+0.011 ms cpu, 36->36->26 MB, 54 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)"
	c, ok, err := parseGCTraceLine(forced)
	if !ok || err != nil {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	if !c.Forced || c.N != 5 || c.HeapMB != [3]int{36, 36, 26} {
		t.Errorf("forced line = %+v", c)
	}
	approx(t, "forced CPUMs", c.CPUMs, 0.41+0+0.20+5.0+0.011)
	approx(t, "forced STWMs", c.STWMs, 0.20+0.005)

	for _, line := range []string{
		"",
		"time=2026-11-29T17:49:26.699Z level=INFO msg=\"duva ready\"",
		"scvg: 0 MB released",
		"gc 1 @",
	} {
		if _, ok, err := parseGCTraceLine(line); ok || err != nil {
			t.Errorf("%q: ok=%v err=%v, want not a gctrace line", line, ok, err)
		}
	}
	// Recognized but malformed "ms cpu": an error, not a silent zero.
	bad := "gc 1 @0.5s 0%: 0.01+7.7+0.01 ms clock, 0.01+0.17/2.2+0.01 ms cpu, 3->3->3 MB, 4 MB goal, 1 P"
	if _, ok, err := parseGCTraceLine(bad); !ok || err == nil {
		t.Errorf("malformed cpu field: ok=%v err=%v, want an error", ok, err)
	}
}

func TestGCInWindow(t *testing.T) {
	cycles := duvaGCTrace(t)
	start := time.Date(2026, 11, 29, 17, 49, 26, 0, time.UTC)
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	// Cycles 5 (@1.082s) and 6 (@1.680s) start inside [1.0 s, 2.0 s].
	n, cpu, stw := gcInWindow(cycles, start, at(1.0), at(2.0))
	if n != 2 {
		t.Errorf("%d cycles in the window, want 2", n)
	}
	approx(t, "cpu", cpu, (0.035+1.7+35+0+0.007)+(0.042+1.0+67+0+0.005))
	approx(t, "stw", stw, 0.042+0.005)
	if n, _, _ := gcInWindow(cycles, start, at(3.1), at(9)); n != 0 {
		t.Errorf("%d cycles after the last one, want 0", n)
	}
}

func TestReadGCTraceOffset(t *testing.T) {
	b, err := os.ReadFile("testdata/gctrace_duva.log")
	if err != nil {
		t.Fatal(err)
	}
	off := strings.Index(string(b), "gc 6 @")
	cycles, err := readGCTrace("testdata/gctrace_duva.log", int64(off))
	if err != nil {
		t.Fatal(err)
	}
	if len(cycles) != 2 || cycles[0].N != 6 {
		t.Errorf("from the offset of gc 6: %+v", cycles)
	}
}

func approx(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// A /proc/<pid>/status of redis-server 7.0 on Linux 6.x (abridged).
const procStatus = `Name:	redis-server
Umask:	0022
State:	S (sleeping)
Tgid:	8274
Pid:	8274
VmPeak:	  155676 kB
VmSize:	  155676 kB
VmLck:	       0 kB
VmHWM:	   10608 kB
VmRSS:	   10432 kB
RssAnon:	    3328 kB
RssFile:	    7104 kB
RssShmem:	       0 kB
VmData:	   27952 kB
Threads:	5
`

func TestParseVmRSS(t *testing.T) {
	v, err := parseVmRSS(procStatus)
	if err != nil || v != 10432*1024 {
		t.Errorf("parseVmRSS = %d, %v; want %d", v, err, 10432*1024)
	}
	// A kernel thread has no VmRSS line.
	if _, err := parseVmRSS("Name:\tkthreadd\nState:\tS (sleeping)\n"); err == nil {
		t.Error("no VmRSS line: want an error")
	}
	if _, err := parseVmRSS("VmRSS:\t  12x kB\n"); err == nil {
		t.Error("malformed VmRSS: want an error")
	}
	// The harness's own status file parses.
	if v, err := readRSS(os.Getpid()); err != nil || v <= 0 {
		t.Errorf("readRSS(self) = %d, %v", v, err)
	}
}

func TestParseInfo(t *testing.T) {
	info := "# Memory\r\nused_memory:1178456\r\nused_memory_human:1.12M\r\nmaxmemory_policy:allkeys-lru\r\n\r\n# Stats\r\nevicted_keys:42\r\n"
	m := parseInfo(info)
	if m["used_memory"] != "1178456" || m["evicted_keys"] != "42" || m["maxmemory_policy"] != "allkeys-lru" || len(m) != 4 {
		t.Errorf("parseInfo = %v", m)
	}
}

func TestKeyNameAndShortCount(t *testing.T) {
	for _, tc := range []struct {
		prefix   string
		i, width int
		want     string
	}{
		{"key:", 0, 7, "key:0000000"},
		{"key:", 999999, 7, "key:0999999"},
		{"hash:", 42, 7, "hash:0000042"},
		{"key:", 1234, 12, "key:000000001234"},
		{"key:", 123456789, 8, "key:123456789"},
	} {
		if got := keyName(tc.prefix, tc.i, tc.width); got != tc.want {
			t.Errorf("keyName(%q, %d, %d) = %q, want %q", tc.prefix, tc.i, tc.width, got, tc.want)
		}
	}
	for n, want := range map[int]string{10000: "10K", 10000000: "10M", 200000: "200K", 1500: "1500", 1000000: "1M"} {
		if got := shortCount(n); got != want {
			t.Errorf("shortCount(%d) = %q, want %q", n, got, want)
		}
	}
}

// duvaGCTrace parses testdata/gctrace_duva.log.
func duvaGCTrace(t *testing.T) []gcCycle {
	t.Helper()
	f, err := os.Open("testdata/gctrace_duva.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cycles, err := parseGCTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	return cycles
}
