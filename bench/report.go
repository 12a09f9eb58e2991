package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// csvHeader is the header redis-benchmark 7.x prints with --csv.
var csvHeader = []string{"test", "rps", "avg_latency_ms", "min_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "max_latency_ms"}

// BenchRow is one data line of redis-benchmark --csv output.
type BenchRow struct {
	Test                                     string
	RPS                                      float64
	AvgMs, MinMs, P50Ms, P95Ms, P99Ms, MaxMs float64
}

// ParseCSVLine parses one line of redis-benchmark --csv output. header is
// true for the header line, which must match csvHeader exactly.
func ParseCSVLine(line string) (row BenchRow, header bool, err error) {
	rd := csv.NewReader(strings.NewReader(line))
	rd.FieldsPerRecord = len(csvHeader)
	rec, err := rd.Read()
	if err != nil {
		return row, false, err
	}
	if rec[0] == "test" {
		for i, h := range csvHeader {
			if rec[i] != h {
				return row, true, fmt.Errorf("unexpected CSV header column %d: %q, want %q", i, rec[i], h)
			}
		}
		return row, true, nil
	}
	var v [7]float64
	for i := range v {
		v[i], err = strconv.ParseFloat(rec[i+1], 64)
		if err != nil {
			return row, false, fmt.Errorf("column %s: %w", csvHeader[i+1], err)
		}
	}
	return BenchRow{Test: rec[0], RPS: v[0], AvgMs: v[1], MinMs: v[2], P50Ms: v[3], P95Ms: v[4], P99Ms: v[5], MaxMs: v[6]}, false, nil
}

// ParseCSV parses a whole redis-benchmark --csv output. The header must come
// first; blank lines are ignored; anything else is an error.
func ParseCSV(out string) ([]BenchRow, error) {
	var rows []BenchRow
	sawHeader := false
	for i, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if hasError(line) {
			return nil, fmt.Errorf("line %d reports an error: %q", i+1, line)
		}
		row, header, err := ParseCSVLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if header {
			sawHeader = true
			continue
		}
		if !sawHeader {
			return nil, fmt.Errorf("line %d: data before the CSV header", i+1)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no result lines")
	}
	return rows, nil
}

// Run is one measured redis-benchmark result for one test on one server.
type Run struct {
	Server   string  `json:"server"`
	Round    int     `json:"round"`
	Order    int     `json:"order"` // 1 if this server ran first in its round
	Test     string  `json:"test"`
	Pipeline int     `json:"pipeline"`
	Requests int     `json:"requests"`
	RPS      float64 `json:"rps"`
	AvgMs    float64 `json:"avg_ms"`
	MinMs    float64 `json:"min_ms"`
	P50Ms    float64 `json:"p50_ms"`
	P95Ms    float64 `json:"p95_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	// Server CPU (utime+stime) over the run and per request; nil if it could
	// not be attributed to this test.
	ServerCPUS  float64  `json:"server_cpu_s"`
	CPUUsPerReq *float64 `json:"cpu_us_per_req"`
	CPUSource   string   `json:"cpu_source,omitempty"` // "run": before/after; "line": between CSV lines
	WallS       float64  `json:"wall_s"`
	ClientCPUS  float64  `json:"client_cpu_s,omitempty"` // redis-benchmark's own CPU
}

// Summary is one table row: medians over rounds for one (test, pipeline).
type Summary struct {
	Test     string  `json:"test"`
	Pipeline int     `json:"pipeline"`
	Rounds   int     `json:"rounds"`
	DuvaRPS  float64 `json:"duva_rps"`
	RedisRPS float64 `json:"redis_rps"`
	// Ratio is the median of the per-round duva/redis throughput ratios.
	Ratio    float64  `json:"ratio"`
	RatioMin float64  `json:"ratio_min"`
	RatioMax float64  `json:"ratio_max"`
	DuvaP50  float64  `json:"duva_p50_ms"`
	RedisP50 float64  `json:"redis_p50_ms"`
	DuvaP99  float64  `json:"duva_p99_ms"`
	RedisP99 float64  `json:"redis_p99_ms"`
	DuvaCPU  *float64 `json:"duva_cpu_us_per_req"`
	RedisCPU *float64 `json:"redis_cpu_us_per_req"`
	// CPURatio is the median of the per-round duva/redis CPU-per-request ratios.
	CPURatio *float64 `json:"cpu_ratio"`
}

// Median returns the median of xs (mean of the two middle values for an even
// count) and NaN for an empty slice. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Ratios returns a[i]/b[i] for every i where both are present and b[i] != 0.
func Ratios(a, b []float64) []float64 {
	var out []float64
	for i := range min(len(a), len(b)) {
		if b[i] != 0 && !math.IsNaN(a[i]) && !math.IsNaN(b[i]) {
			out = append(out, a[i]/b[i])
		}
	}
	return out
}

// Summarize pairs the duva and redis runs of each round and computes one
// Summary per (test, pipeline), ordered by pipeline and then by first
// appearance of the test.
func Summarize(runs []Run) []Summary {
	type key struct {
		test string
		p    int
	}
	type pair struct{ duva, redis *Run }
	byRound := map[key]map[int]*pair{}
	var keys []key
	for i := range runs {
		r := &runs[i]
		k := key{r.Test, r.Pipeline}
		if byRound[k] == nil {
			byRound[k] = map[int]*pair{}
			keys = append(keys, k)
		}
		pr := byRound[k][r.Round]
		if pr == nil {
			pr = &pair{}
			byRound[k][r.Round] = pr
		}
		switch r.Server {
		case "duva":
			pr.duva = r
		case "redis":
			pr.redis = r
		}
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].p < keys[j].p })

	var out []Summary
	for _, k := range keys {
		rounds := make([]int, 0, len(byRound[k]))
		for rd := range byRound[k] {
			rounds = append(rounds, rd)
		}
		sort.Ints(rounds)
		var dRPS, rRPS, dP50, rP50, dP99, rP99, dCPU, rCPU, cpuRatios []float64
		for _, rd := range rounds {
			pr := byRound[k][rd]
			if pr.duva == nil || pr.redis == nil {
				continue
			}
			d, r := pr.duva, pr.redis
			dRPS, rRPS = append(dRPS, d.RPS), append(rRPS, r.RPS)
			dP50, rP50 = append(dP50, d.P50Ms), append(rP50, r.P50Ms)
			dP99, rP99 = append(dP99, d.P99Ms), append(rP99, r.P99Ms)
			if d.CPUUsPerReq != nil {
				dCPU = append(dCPU, *d.CPUUsPerReq)
			}
			if r.CPUUsPerReq != nil {
				rCPU = append(rCPU, *r.CPUUsPerReq)
			}
			if d.CPUUsPerReq != nil && r.CPUUsPerReq != nil && *r.CPUUsPerReq > 0 {
				cpuRatios = append(cpuRatios, *d.CPUUsPerReq / *r.CPUUsPerReq)
			}
		}
		ratios := Ratios(dRPS, rRPS)
		if len(ratios) == 0 {
			continue
		}
		s := Summary{
			Test: k.test, Pipeline: k.p, Rounds: len(ratios),
			DuvaRPS: Median(dRPS), RedisRPS: Median(rRPS),
			Ratio: Median(ratios), RatioMin: minOf(ratios), RatioMax: maxOf(ratios),
			DuvaP50: Median(dP50), RedisP50: Median(rP50),
			DuvaP99: Median(dP99), RedisP99: Median(rP99),
			DuvaCPU: medianPtr(dCPU), RedisCPU: medianPtr(rCPU), CPURatio: medianPtr(cpuRatios),
		}
		out = append(out, s)
	}
	return out
}

func medianPtr(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	m := Median(xs)
	return &m
}

func minOf(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

// Machine describes where the numbers come from.
type Machine struct {
	NProc          int    `json:"nproc"`
	CPUModel       string `json:"cpu_model"`
	Kernel         string `json:"kernel"`
	Date           string `json:"date"`
	GoVersion      string `json:"go_version"`
	RedisVersion   string `json:"redis_version"`
	BenchVersion   string `json:"redis_benchmark_version"`
	DuvaCommit     string `json:"duva_commit,omitempty"`
	LineBufferedIO bool   `json:"stdbuf"`
}

func (m Machine) String() string {
	s := fmt.Sprintf("machine: %d cpus, %s, Linux %s, %s, %s, redis %s, redis-benchmark %s",
		m.NProc, m.CPUModel, m.Kernel, m.Date, m.GoVersion, m.RedisVersion, m.BenchVersion)
	if m.DuvaCommit != "" {
		s += ", duva " + m.DuvaCommit
	}
	return s
}

var versionRE = regexp.MustCompile(`\d+\.\d+\.\d+`)

func describeMachine(root string, cfg *config) Machine {
	m := Machine{
		NProc:          runtime.NumCPU(),
		CPUModel:       "unknown",
		Kernel:         "unknown",
		Date:           time.Now().Format("2006-01-02 15:04 MST"),
		GoVersion:      runtime.Version(),
		LineBufferedIO: stdbufPath != "",
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	// "Redis server v=7.0.15 sha=..." and "redis-benchmark 7.0.15".
	if b, err := exec.Command(cfg.RedisBin, "--version").Output(); err == nil {
		if _, v, ok := strings.Cut(string(b), "v="); ok {
			m.RedisVersion = strings.Fields(v)[0]
		}
	}
	if b, err := exec.Command("redis-benchmark", "--version").Output(); err == nil {
		m.BenchVersion = versionRE.FindString(string(b))
	}
	if cfg.DuvaBuilt {
		if b, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output(); err == nil {
			m.DuvaCommit = strings.TrimSpace(string(b))
		}
	}
	return m
}

// Report is everything a run produced; it is what latest.json holds.
type Report struct {
	Generated string    `json:"generated"`
	Config    *config   `json:"config"`
	Machine   Machine   `json:"machine"`
	Summary   []Summary `json:"summary"`
	Runs      []Run     `json:"runs"`
}

// JSON renders the report, indented.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var tableHeader = []string{"test", "P", "duva rps", "redis rps", "duva/redis", "range",
	"duva p50", "redis p50", "duva p99", "redis p99", "duva µs/req", "redis µs/req", "cpu duva/redis"}

// tableRows renders the summary rows as cells shared by Text and Markdown.
func (r *Report) tableRows() [][]string {
	var rows [][]string
	for _, s := range r.Summary {
		rows = append(rows, []string{
			s.Test, strconv.Itoa(s.Pipeline),
			thousands(s.DuvaRPS), thousands(s.RedisRPS),
			fmt.Sprintf("%.2f", s.Ratio), fmt.Sprintf("%.2f–%.2f", s.RatioMin, s.RatioMax),
			fmt.Sprintf("%.3f", s.DuvaP50), fmt.Sprintf("%.3f", s.RedisP50),
			fmt.Sprintf("%.3f", s.DuvaP99), fmt.Sprintf("%.3f", s.RedisP99),
			fmtPtr(s.DuvaCPU, "%.2f"), fmtPtr(s.RedisCPU, "%.2f"), fmtPtr(s.CPURatio, "%.2f"),
		})
	}
	return rows
}

func fmtPtr(p *float64, format string) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf(format, *p)
}

// thousands formats a rate as an integer with thousands separators.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// title is the one-line description of what was measured.
func (r *Report) title() string {
	c := r.Config
	what := "tests " + strings.Join(c.Tests, ",")
	if c.Suite {
		what = "default suite"
	}
	return fmt.Sprintf("duva vs redis: redis-benchmark -c %d -n %d -r %d, %s, pipelines %s; medians of %d rounds, order alternated per round",
		c.Clients, c.N, c.Keyspace, what, joinInts(c.Pipelines), c.Rounds)
}

func (r *Report) duvaLine() string {
	c := r.Config
	s := "duva: " + c.DuvaBin
	if c.DuvaBuilt {
		s = "duva: built from the module root"
	} else {
		s += " (prebuilt, -duva-bin)"
	}
	if len(c.DuvaArgs) > 0 {
		s += ", args " + quoteArgs(c.DuvaArgs)
	}
	return s + "; redis: " + c.RedisBin + " --save \"\" --appendonly no"
}

func (r *Report) notes() []string {
	c := r.Config
	tick := 1e6 / float64(c.ClkTck) / float64(c.N) // µs/req of one tick
	notes := []string{
		"rps: median requests/s; duva/redis: median of the per-round throughput ratios (>1: duva faster), range: min–max over rounds.",
		"p50/p99: latency in ms (median over rounds); with P>1 redis-benchmark times whole pipelines.",
		fmt.Sprintf("µs/req: server CPU (utime+stime from /proc/<pid>/stat) per request; CLK_TCK=%d, so one tick is %.3f µs/req at n=%d. cpu duva/redis <1: duva cheaper.", c.ClkTck, tick, c.N),
	}
	if c.Suite {
		notes = append(notes, "suite: per-test CPU is sampled when each CSV line arrives; it includes that test's connection setup.")
	}
	return notes
}

// Text renders the summary as an aligned plain-text table.
func (r *Report) Text() string {
	rows := r.tableRows()
	all := append([][]string{tableHeader}, rows...)
	width := make([]int, len(tableHeader))
	for _, row := range all {
		for i, cell := range row {
			width[i] = max(width[i], len([]rune(cell)))
		}
	}
	var b strings.Builder
	fmt.Fprintln(&b, r.title())
	fmt.Fprintln(&b, r.Machine.String())
	fmt.Fprintln(&b, r.duvaLine())
	fmt.Fprintln(&b)
	for ri, row := range all {
		for i, cell := range row {
			pad := strings.Repeat(" ", width[i]-len([]rune(cell)))
			if i > 0 {
				b.WriteString("  ")
			}
			if i == 0 {
				b.WriteString(cell + pad)
			} else {
				b.WriteString(pad + cell)
			}
		}
		b.WriteByte('\n')
		if ri == 0 {
			total := 2 * (len(width) - 1)
			for _, w := range width {
				total += w
			}
			b.WriteString(strings.Repeat("-", total) + "\n")
		}
	}
	fmt.Fprintln(&b)
	for _, n := range r.notes() {
		fmt.Fprintln(&b, n)
	}
	return b.String()
}

// Markdown renders the same table as GitHub-flavoured Markdown.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", mdEscape(r.title()))
	b.WriteString("| " + strings.Join(tableHeader, " | ") + " |\n")
	b.WriteString("|:--")
	for range tableHeader[1:] {
		b.WriteString("|--:")
	}
	b.WriteString("|\n")
	for _, row := range r.tableRows() {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdEscape(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	fmt.Fprintf(&b, "\n%s  \n%s\n\n", mdEscape(r.Machine.String()), mdEscape(r.duvaLine()))
	for _, n := range r.notes() {
		fmt.Fprintf(&b, "- %s\n", mdEscape(n))
	}
	return b.String()
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`).Replace(s)
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
