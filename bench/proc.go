package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one running server process (duva or redis-server).
type server struct {
	name    string
	port    int
	pid     int
	cmd     *exec.Cmd
	logPath string
	logFile *os.File

	started time.Time // just before the process was started

	done    chan struct{} // closed when the process has exited
	waitErr error
	once    sync.Once
}

func (s *server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// startServer starts bin with args in its own process group, with stdout and
// stderr going to <dir>/<name>.log. The process gets SIGKILL should the
// harness die without stopping it (PR_SET_PDEATHSIG), so no server outlives
// the harness even on a crash or a second Ctrl-C.
func startServer(name, bin string, args []string, port int, dir string) (*server, error) {
	return startServerEnv(name, bin, args, port, dir, nil)
}

// startServerEnv is startServer with extra environment variables ("K=V")
// added to the harness's environment (e.g. GODEBUG=gctrace=1 for duva).
func startServerEnv(name, bin string, args []string, port int, dir string, env []string) (*server, error) {
	logPath := filepath.Join(dir, name+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = lf
	cmd.Stderr = lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	s := &server{name: name, port: port, pid: cmd.Process.Pid, cmd: cmd, logPath: logPath, logFile: lf, started: started, done: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	if len(env) > 0 {
		logf("started %s: %s %s %s", name, strings.Join(env, " "), bin, quoteArgs(args))
	} else {
		logf("started %s: %s %s", name, bin, quoteArgs(args))
	}
	return s, nil
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			a = strconv.Quote(a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the server's process group, then SIGKILL if it has
// not exited after 5 s. Safe to call more than once.
func (s *server) stop() {
	s.once.Do(func() {
		if !s.exited() {
			_ = syscall.Kill(-s.pid, syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(5 * time.Second):
				logf("%s did not exit on SIGTERM, killing", s.name)
				_ = syscall.Kill(-s.pid, syscall.SIGKILL)
				<-s.done
			}
		}
		// Children the server may have forked share its process group.
		_ = syscall.Kill(-s.pid, syscall.SIGKILL)
		s.logFile.Close()
	})
}

func (s *server) logTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// waitReady polls with a raw RESP PING until the server answers +PONG.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if s.exited() {
			return fmt.Errorf("%s exited before answering PING (%v); log:\n%s", s.name, s.waitErr, s.logTail(20))
		}
		if last = ping(s.addr()); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer PING on %s within %v (last error: %v); log:\n%s", s.name, s.addr(), timeout, last, s.logTail(20))
}

// cpuTicks returns utime+stime of the process (all its threads, fields 14
// and 15 of /proc/<pid>/stat) in clock ticks.
func (s *server) cpuTicks() (uint64, error) {
	return readCPUTicks(s.pid)
}

func readCPUTicks(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatTicks(string(b))
}

// parseStatTicks extracts utime+stime from the text of /proc/<pid>/stat. The
// command name (field 2) is in parentheses and may contain blanks, so the
// fields are counted from the last ')'.
func parseStatTicks(stat string) (uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/pid/stat")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so field k is f[k-3].
	if len(f) < 13 {
		return 0, errors.New("short /proc/pid/stat")
	}
	ut, err1 := strconv.ParseUint(f[14-3], 10, 64)
	st, err2 := strconv.ParseUint(f[15-3], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad utime/stime in /proc/pid/stat")
	}
	return ut + st, nil
}

// clockTicks is CLK_TCK, the unit of /proc/<pid>/stat times.
func clockTicks() int {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && v > 0 {
			return v
		}
	}
	return 100 // the value on every Linux architecture Go supports
}

// freePorts asks the kernel for n distinct free loopback ports. The listeners
// are held open until all ports are chosen so the same port is not returned
// twice; there is a small window before the servers bind them.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// buildDuva runs `go build -o out .` in the module root.
func buildDuva(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build of duva failed (%v):\n%s", err, b)
	}
	return nil
}

// ---- a minimal RESP client, just enough for PING, populate, DBSIZE, INFO and the loaders ----

type respConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func dialRESP(addr string, timeout time.Duration) (*respConn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	return &respConn{c: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 64<<10)}, nil
}

func (rc *respConn) Close() error { return rc.c.Close() }

func (rc *respConn) writeCommand(args ...string) {
	rc.writeLen('*', len(args))
	for _, a := range args {
		rc.writeLen('$', len(a))
		rc.w.WriteString(a)
		rc.w.WriteString("\r\n")
	}
}

// writeLen writes "<prefix><n>\r\n" without going through fmt (the loaders
// of -memory and -hitratio send tens of millions of commands).
func (rc *respConn) writeLen(prefix byte, n int) {
	var b [24]byte
	buf := append(b[:0], prefix)
	buf = strconv.AppendInt(buf, int64(n), 10)
	rc.w.Write(append(buf, '\r', '\n'))
}

// respError is an error reply (-ERR ...) from the server.
type respError string

func (e respError) Error() string { return string(e) }

// readReply reads one reply: string for simple/bulk strings, int64 for
// integers, nil for null, []any for arrays, respError for error replies.
func (rc *respConn) readReply() (any, error) {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("malformed RESP line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, respError(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		arr := make([]any, 0, n)
		for range n {
			v, err := rc.readReply()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unexpected RESP type %q", line[0])
}

func ping(addr string) error {
	rc, err := dialRESP(addr, time.Second)
	if err != nil {
		return err
	}
	defer rc.Close()
	rc.c.SetDeadline(time.Now().Add(2 * time.Second))
	rc.writeCommand("PING")
	if err := rc.w.Flush(); err != nil {
		return err
	}
	v, err := rc.readReply()
	if err != nil {
		return err
	}
	if v != "PONG" {
		return fmt.Errorf("PING answered %q", v)
	}
	return nil
}

func dbsize(addr string) (int64, error) {
	rc, err := dialRESP(addr, time.Second)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	rc.writeCommand("DBSIZE")
	if err := rc.w.Flush(); err != nil {
		return 0, err
	}
	v, err := rc.readReply()
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("DBSIZE answered %v", v)
	}
	return n, nil
}

// populate writes every key redis-benchmark can generate with -r keys
// ("key:" + 12-digit zero padded number, see __rand_int__) with a 3-byte value
// (the -d default), pipelined in batches, so GET runs always hit.
func populate(ctx context.Context, s *server, keys int) error {
	rc, err := dialRESP(s.addr(), time.Second)
	if err != nil {
		return fmt.Errorf("populate %s: %w", s.name, err)
	}
	defer rc.Close()
	const batch = 1000
	for lo := 0; lo < keys; lo += batch {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rc.c.SetDeadline(time.Now().Add(30 * time.Second))
		hi := min(lo+batch, keys)
		for k := lo; k < hi; k++ {
			rc.writeCommand("SET", fmt.Sprintf("key:%012d", k), "xxx")
		}
		if err := rc.w.Flush(); err != nil {
			return fmt.Errorf("populate %s: %w", s.name, err)
		}
		for k := lo; k < hi; k++ {
			v, err := rc.readReply()
			if err != nil {
				return fmt.Errorf("populate %s: SET key %d: %w", s.name, k, err)
			}
			if v != "OK" {
				return fmt.Errorf("populate %s: SET answered %v", s.name, v)
			}
		}
	}
	return nil
}

// ---- running redis-benchmark ----

// lineSample is one CSV data line and the server CPU when it arrived.
type lineSample struct {
	row   BenchRow
	ticks uint64
	at    time.Time
}

// benchOutput is one redis-benchmark invocation.
type benchOutput struct {
	samples    []lineSample
	startTicks uint64
	endTicks   uint64
	start, end time.Time
	clientCPU  time.Duration
	streamed   bool // stdout was line-buffered: per-line CPU samples are meaningful
}

var stdbufPath = func() string {
	p, err := exec.LookPath("stdbuf")
	if err != nil {
		return ""
	}
	return p
}()

// runBenchmark runs redis-benchmark with args against s and samples the
// server's CPU before, after, and at every CSV line. Any failure is an error:
// non-zero exit, a line mentioning ERR/Error, an unexpected line, no result.
func runBenchmark(ctx context.Context, s *server, args []string, timeout time.Duration) (*benchOutput, error) {
	if s.exited() {
		return nil, fmt.Errorf("%s is not running (%v); log:\n%s", s.name, s.waitErr, s.logTail(20))
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	name, full := "redis-benchmark", args
	if stdbufPath != "" {
		name, full = stdbufPath, append([]string{"-oL", "redis-benchmark"}, args...)
	}
	cmd := exec.CommandContext(ctx, name, full...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	out := &benchOutput{streamed: stdbufPath != ""}
	if out.startTicks, err = s.cpuTicks(); err != nil {
		return nil, err
	}
	out.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var raw []string
	var problems []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		ticks, _ := s.cpuTicks()
		now := time.Now()
		raw = append(raw, line)
		if strings.TrimSpace(line) == "" {
			continue
		}
		if hasError(line) {
			problems = append(problems, line)
			continue
		}
		row, header, err := ParseCSVLine(line)
		if err != nil {
			problems = append(problems, fmt.Sprintf("unexpected output %q: %v", line, err))
			continue
		}
		if !header {
			out.samples = append(out.samples, lineSample{row: row, ticks: ticks, at: now})
		}
	}
	waitErr := cmd.Wait()
	out.end = time.Now()
	out.endTicks, _ = s.cpuTicks()
	if cmd.ProcessState != nil {
		out.clientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if hasError(l) {
			problems = append(problems, "stderr: "+l)
		}
	}
	describe := func(why string) error {
		return fmt.Errorf("redis-benchmark %s: %s\nstdout:\n  %s\nstderr:\n  %s", quoteArgs(args), why,
			strings.Join(tail(raw, 10), "\n  "), strings.Join(tail(strings.Split(strings.TrimSpace(stderr.String()), "\n"), 10), "\n  "))
	}
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return nil, describe(fmt.Sprintf("timed out after %v", timeout))
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case s.exited():
		return nil, describe(fmt.Sprintf("%s exited during the run (%v); server log:\n%s", s.name, s.waitErr, s.logTail(20)))
	case waitErr != nil:
		return nil, describe(waitErr.Error())
	case len(problems) > 0:
		return nil, describe(strings.Join(problems, "; "))
	case len(out.samples) == 0:
		return nil, describe("no CSV result line")
	}
	for _, sm := range out.samples {
		if !(sm.row.RPS > 0) {
			return nil, describe(fmt.Sprintf("test %q reports %v requests/s", sm.row.Test, sm.row.RPS))
		}
	}
	return out, nil
}

// hasError reports whether a redis-benchmark output line reports a failure
// ("Error from server: ERR ...", "Error: Connection reset by peer", ...).
func hasError(line string) bool {
	return strings.Contains(line, "ERR") || strings.Contains(line, "Error")
}

func tail(lines []string, n int) []string {
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}

// runs converts one invocation into per-test Run records. With a single test
// the server CPU is the whole invocation (before/after); with several (the
// suite) it is the CPU spent between consecutive CSV lines.
func (o *benchOutput) runs(serverName string, round, pipeline, order, n, clkTck int) []Run {
	var rs []Run
	prevTicks, prevAt := o.startTicks, o.start
	for _, sm := range o.samples {
		r := Run{
			Server: serverName, Round: round + 1, Pipeline: pipeline, Order: order + 1,
			Test: sm.row.Test, Requests: n, RPS: sm.row.RPS,
			AvgMs: sm.row.AvgMs, MinMs: sm.row.MinMs, P50Ms: sm.row.P50Ms,
			P95Ms: sm.row.P95Ms, P99Ms: sm.row.P99Ms, MaxMs: sm.row.MaxMs,
		}
		var ticks uint64
		switch {
		case len(o.samples) == 1:
			ticks = o.endTicks - o.startTicks
			r.WallS = o.end.Sub(o.start).Seconds()
			r.ClientCPUS = o.clientCPU.Seconds()
			r.CPUSource = "run"
		case o.streamed && sm.ticks >= prevTicks:
			ticks = sm.ticks - prevTicks
			r.WallS = sm.at.Sub(prevAt).Seconds()
			r.CPUSource = "line"
		}
		if r.CPUSource != "" {
			cpu := float64(ticks) / float64(clkTck)
			us := cpu * 1e6 / float64(n)
			r.ServerCPUS = cpu
			r.CPUUsPerReq = &us
		}
		prevTicks, prevAt = sm.ticks, sm.at
		rs = append(rs, r)
	}
	return rs
}
