package aof

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	dirName  = "appendonlydir"
	fileName = "appendonly.aof"
)

func loadAll(t *testing.T, work string) [][]string {
	t.Helper()
	rl := &recLoader{}
	_, err := Load(work, dirName, fileName, LoadOptions{Logger: quietLogger()}, rl)
	require.NoError(t, err)
	return rl.cmds
}

func readManifestText(t *testing.T, work string) string {
	b, err := os.ReadFile(filepath.Join(work, dirName, fileName+".manifest"))
	require.NoError(t, err)
	return string(b)
}

// eventually polls cond for up to 5s.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting: " + msg)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestLogPolicies(t *testing.T) {
	for _, p := range []Policy{Always, EverySec, No} {
		t.Run(p.String(), func(t *testing.T) {
			work := t.TempDir()
			l, err := Open(work, dirName, fileName, p, false, quietLogger())
			require.NoError(t, err)
			require.Equal(t, "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
				readManifestText(t, work))
			st, err := os.Stat(filepath.Join(work, dirName, "appendonly.aof.1.base.aof"))
			require.NoError(t, err)
			require.Zero(t, st.Size())

			var last int64
			for i := 0; i < 100; i++ {
				db := (i / 10) % 3
				off := l.AppendCommand(db, []byte("SET"), fmt.Appendf(nil, "k%d", i), []byte("v\r\nwith crlf"))
				require.Greater(t, off, last)
				last = off
				if i%7 == 0 {
					l.Kick()
				}
			}
			done := make(chan struct{})
			if !l.WaitSync(last, func() { close(done) }) {
				<-done
			}
			s := l.Status()
			require.Equal(t, last, s.Appended)
			if p == Always {
				require.Equal(t, last, s.Synced)
			}
			require.NoError(t, l.Close())
			require.Equal(t, last, l.Status().Synced, "Close fsyncs everything")

			var want [][]string
			db := -1
			for i := 0; i < 100; i++ {
				if d := (i / 10) % 3; d != db {
					want = append(want, []string{"SELECT", fmt.Sprint(d)})
					db = d
				}
				want = append(want, []string{"SET", fmt.Sprintf("k%d", i), "v\r\nwith crlf"})
			}
			require.Equal(t, want, loadAll(t, work))
			checkAOF(t, filepath.Join(work, dirName, fileName+".manifest"))
		})
	}
}

func TestLogReopenAppendsWithSelect(t *testing.T) {
	work := t.TempDir()
	l, err := Open(work, dirName, fileName, Always, false, quietLogger())
	require.NoError(t, err)
	l.AppendCommand(2, bargs("SET a 1")...)
	l.AppendCommand(-1, bargs("PING")...)
	require.NoError(t, l.Close())
	l.AppendCommand(2, bargs("SET dropped 1")...) // after Close: dropped

	l, err = Open(work, dirName, fileName, EverySec, false, quietLogger())
	require.NoError(t, err)
	s := l.Status()
	require.Equal(t, s.CurrentSize, int64(len(resp("SELECT 2", "SET a 1", "PING"))))
	l.AppendCommand(2, bargs("SET b 2")...) // same db, but a new process: SELECT again
	require.NoError(t, l.Close())
	require.Equal(t, "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		readManifestText(t, work))
	require.Equal(t, cmds("SELECT 2", "SET a 1", "PING", "SELECT 2", "SET b 2"), loadAll(t, work))
}

// A real redis-server 7.0 loads what the Log wrote.
func TestLogReadByRedisServer(t *testing.T) {
	work := t.TempDir()
	l, err := Open(work, dirName, fileName, Always, false, quietLogger())
	require.NoError(t, err)
	l.AppendCommand(0, bargs("SET greeting hello")...)
	l.AppendCommand(0, bargs("RPUSH list a b c")...)
	l.AppendCommand(3, []byte("SET"), []byte("bin"), []byte("x\r\ny\x00z"))
	l.AppendCommand(0, bargs("INCRBY counter 41")...)
	l.AppendCommand(0, bargs("INCR counter")...)
	require.NoError(t, l.Close())
	checkAOF(t, filepath.Join(work, dirName, fileName+".manifest"))

	rc := redisServer(t, work)
	for _, c := range []struct{ args, want string }{
		{"GET greeting", "hello"},
		{"LINDEX list 2", "c"},
		{"GET counter", "42"},
		{"GET bin", "(nil)"}, // db 3
		{"SELECT 3", "OK"},
		{"GET bin", "x\r\ny\x00z"},
	} {
		got, err := rc.do(strings.Fields(c.args)...)
		require.NoError(t, err, c.args)
		require.Equal(t, c.want, got, c.args)
	}
}

// Group commit: concurrent appenders, one fsync covers many of them.
func TestLogGroupCommit(t *testing.T) {
	work := t.TempDir()
	l, err := Open(work, dirName, fileName, Always, false, quietLogger())
	require.NoError(t, err)
	defer l.Close()
	const goroutines, per = 32, 200
	var calls [goroutines * per]atomic.Int32
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var acked sync.WaitGroup
			for i := 0; i < per; i++ {
				id := g*per + i
				off := l.AppendCommand(0, []byte("SET"), fmt.Appendf(nil, "k%d", id), []byte("v"))
				acked.Add(1)
				if l.WaitSync(off, func() { calls[id].Add(1); acked.Done() }) {
					calls[id].Add(1)
					acked.Done()
				}
				if i%16 == 15 {
					acked.Wait() // a client waits for its reply now and then
				}
			}
			acked.Wait()
		}()
	}
	wg.Wait()
	for i := range calls {
		require.EqualValues(t, 1, calls[i].Load(), "done %d", i)
	}
	s := l.Status()
	require.Equal(t, s.Appended, s.Synced)
	t.Logf("%d appends, %d fsyncs", goroutines*per, s.Fsyncs)
	require.Less(t, s.Fsyncs, int64(goroutines*per/4), "fsyncs should be batched")
	require.NoError(t, l.Close())
	require.Len(t, loadAll(t, work), goroutines*per+1)
}

func TestLogEverySecFsyncsAtMostOncePerSecond(t *testing.T) {
	work := t.TempDir()
	l, err := Open(work, dirName, fileName, EverySec, false, quietLogger())
	require.NoError(t, err)
	defer l.Close()
	for i := 0; i < 200; i++ {
		off := l.AppendCommand(0, bargs("SET a b")...)
		done := make(chan struct{})
		if !l.WaitSync(off, func() { close(done) }) { // written, not fsynced
			<-done
		}
	}
	require.LessOrEqual(t, l.Status().Fsyncs, int64(1))
	eventually(t, func() bool { s := l.Status(); return s.Synced == s.Appended }, "everysec fsync")
}

func TestLogSetPolicyReleasesWaiters(t *testing.T) {
	d := &faultDisk{}
	work := t.TempDir()
	l, err := openLog(work, dirName, fileName, Always, false, quietLogger(), d.open)
	require.NoError(t, err)
	defer l.Close()
	d.set(func() { d.syncErr = syscall.EIO })
	off := l.AppendCommand(0, bargs("SET a 1")...)
	var called atomic.Bool
	require.False(t, l.WaitSync(off, func() { called.Store(true) }))
	eventually(t, func() bool { return !l.Status().LastWriteOK }, "fsync error")
	require.False(t, called.Load())
	l.SetPolicy(No) // written is enough now
	eventually(t, called.Load, "waiter released by policy change")
}

// faultDisk makes the files of a Log fail on demand.
type faultDisk struct {
	mu       sync.Mutex
	writeErr error // writes fail with it ...
	partial  int   // ... after writing this many bytes (a short write)
	syncErr  error
	truncErr error
	syncs    int
}

func (d *faultDisk) set(fn func()) {
	d.mu.Lock()
	fn()
	d.mu.Unlock()
}

func (d *faultDisk) open(path string, flag int, perm os.FileMode) (file, error) {
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: f, d: d}, nil
}

type faultFile struct {
	*os.File
	d *faultDisk
}

func (f *faultFile) Write(p []byte) (int, error) {
	f.d.mu.Lock()
	werr, partial := f.d.writeErr, f.d.partial
	f.d.mu.Unlock()
	if werr == nil {
		return f.File.Write(p)
	}
	n := min(partial, len(p))
	if n > 0 {
		if _, err := f.File.Write(p[:n]); err != nil {
			return 0, err
		}
	}
	return n, werr
}

func (f *faultFile) Sync() error {
	f.d.mu.Lock()
	err := f.d.syncErr
	f.d.syncs++
	f.d.mu.Unlock()
	if err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *faultFile) Truncate(n int64) error {
	f.d.mu.Lock()
	err := f.d.truncErr
	f.d.mu.Unlock()
	if err != nil {
		return err
	}
	return f.File.Truncate(n)
}

func TestLogWriteErrorsAlways(t *testing.T) {
	for _, mode := range []string{"enospc", "short-write", "short-write-no-truncate"} {
		t.Run(mode, func(t *testing.T) {
			d := &faultDisk{}
			work := t.TempDir()
			l, err := openLog(work, dirName, fileName, Always, false, quietLogger(), d.open)
			require.NoError(t, err)
			defer l.Close()

			off := l.AppendCommand(0, bargs("SET before 1")...)
			require.NoError(t, l.Flush())
			require.True(t, l.WaitSync(off, nil))

			d.set(func() {
				d.writeErr = syscall.ENOSPC
				switch mode {
				case "short-write":
					d.partial = 7
				case "short-write-no-truncate":
					d.partial = 7
					d.truncErr = syscall.EIO
				}
			})
			var called atomic.Int32
			var offs []int64
			for i := 0; i < 5; i++ {
				offs = append(offs, l.AppendCommand(0, []byte("SET"), fmt.Appendf(nil, "k%d", i), []byte("value")))
			}
			for _, o := range offs {
				require.False(t, l.WaitSync(o, func() { called.Add(1) }))
			}
			eventually(t, func() bool { return !l.Status().LastWriteOK }, "write error reported")
			s := l.Status()
			require.ErrorIs(t, s.LastWriteErr, syscall.ENOSPC)
			require.Positive(t, s.PendingBytes)
			require.Equal(t, off, s.Synced)
			l.Kick() // retries fail too
			time.Sleep(20 * time.Millisecond)
			require.Zero(t, called.Load(), "nothing may be acknowledged while the disk fails")
			require.Error(t, l.Flush())

			d.set(func() { d.writeErr, d.partial, d.truncErr = nil, 0, nil })
			l.Kick()
			eventually(t, func() bool { return called.Load() == 5 }, "acks after recovery")
			s = l.Status()
			require.True(t, s.LastWriteOK)
			require.NoError(t, s.LastWriteErr)
			require.Equal(t, s.Appended, s.Synced)
			require.Zero(t, s.PendingBytes)
			require.NoError(t, l.Close())

			want := cmds("SELECT 0", "SET before 1")
			for i := 0; i < 5; i++ {
				want = append(want, []string{"SET", fmt.Sprintf("k%d", i), "value"})
			}
			require.Equal(t, want, loadAll(t, work)) // strict load: no partial command anywhere
		})
	}
}

func TestLogWriteErrorsEverySec(t *testing.T) {
	d := &faultDisk{}
	work := t.TempDir()
	l, err := openLog(work, dirName, fileName, EverySec, false, quietLogger(), d.open)
	require.NoError(t, err)
	d.set(func() { d.writeErr = syscall.ENOSPC; d.partial = 3 })
	l.AppendCommand(0, bargs("SET a 1")...)
	l.Kick()
	eventually(t, func() bool { return !l.Status().LastWriteOK }, "write error")
	d.set(func() { d.writeErr, d.partial = nil, 0 })
	// No kick: the 1s tick retries.
	eventually(t, func() bool { return l.Status().LastWriteOK }, "retry on tick")
	require.NoError(t, l.Close())
	require.Equal(t, cmds("SELECT 0", "SET a 1"), loadAll(t, work))
}

// After a failed fsync the unsynced tail is cut and written again, once.
func TestLogFsyncErrorRewritesTail(t *testing.T) {
	d := &faultDisk{}
	work := t.TempDir()
	l, err := openLog(work, dirName, fileName, Always, false, quietLogger(), d.open)
	require.NoError(t, err)
	defer l.Close()
	l.AppendCommand(0, bargs("SET a 1")...)
	require.NoError(t, l.Flush())

	d.set(func() { d.syncErr = syscall.EIO })
	off := l.AppendCommand(0, bargs("SET b 2")...)
	var called atomic.Int32
	require.False(t, l.WaitSync(off, func() { called.Add(1) }))
	eventually(t, func() bool { return !l.Status().LastWriteOK }, "fsync error")
	size := l.Status().CurrentSize
	require.Equal(t, int64(len(resp("SELECT 0", "SET a 1"))), size, "unsynced tail cut back")
	require.Zero(t, called.Load())

	d.set(func() { d.syncErr = nil })
	l.Kick()
	eventually(t, func() bool { return called.Load() == 1 }, "ack after fsync recovers")
	require.NoError(t, l.Close())
	require.Equal(t, cmds("SELECT 0", "SET a 1", "SET b 2"), loadAll(t, work))
}

func TestPolicyParse(t *testing.T) {
	for _, p := range []Policy{Always, EverySec, No} {
		got, err := ParsePolicy(strings.ToUpper(p.String()))
		require.NoError(t, err)
		require.Equal(t, p, got)
	}
	_, err := ParsePolicy("sometimes")
	require.Error(t, err)
}

func TestAppendCommandEncoding(t *testing.T) {
	require.Equal(t, "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$2\r\n\r\n\r\n",
		string(AppendRewriteCommand(nil, []byte("SET"), nil, []byte("\r\n"))))
	require.Equal(t, "*2\r\n$6\r\nSELECT\r\n$2\r\n15\r\n", string(appendSelect(nil, 15)))
}

func TestAppendCommandAllocs(t *testing.T) {
	work := t.TempDir()
	l, err := Open(work, dirName, fileName, No, false, quietLogger())
	require.NoError(t, err)
	defer l.Close()
	k, v := []byte("key:000001"), []byte("value-0000000001")
	set := []byte("SET")
	for r := 0; r < 4; r++ { // warm the recycled buffers
		for i := 0; i < 1000; i++ {
			l.AppendCommand(0, set, k, v)
		}
		require.NoError(t, l.Flush())
	}
	allocs := testing.AllocsPerRun(500, func() { l.AppendCommand(0, set, k, v) })
	require.Zero(t, allocs)
}

func BenchmarkAppendCommand(b *testing.B) {
	l, err := Open(b.TempDir(), dirName, fileName, No, false, quietLogger())
	require.NoError(b, err)
	defer l.Close()
	k, v := []byte("key:000001"), []byte("value-0000000001")
	set := []byte("SET")
	b.ReportAllocs()
	b.SetBytes(int64(len(resp("SET key:000001 value-0000000001"))))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.AppendCommand(0, set, k, v)
		if i&255 == 255 {
			l.Kick()
		}
	}
}

func BenchmarkAppendCommandParallel(b *testing.B) {
	l, err := Open(b.TempDir(), dirName, fileName, No, false, quietLogger())
	require.NoError(b, err)
	defer l.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		k, v := []byte("key:000001"), []byte("value-0000000001")
		set := []byte("SET")
		i := 0
		for pb.Next() {
			l.AppendCommand(0, set, k, v)
			if i++; i&255 == 0 {
				l.Kick()
			}
		}
	})
}

func BenchmarkGroupCommitAlways(b *testing.B) {
	l, err := Open(b.TempDir(), dirName, fileName, Always, false, quietLogger())
	require.NoError(b, err)
	defer l.Close()
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		k, v := []byte("key:000001"), []byte("value-0000000001")
		set := []byte("SET")
		ch := make(chan struct{}, 1)
		done := func() { ch <- struct{}{} }
		for pb.Next() {
			off := l.AppendCommand(0, set, k, v)
			if !l.WaitSync(off, done) {
				<-ch
			}
		}
	})
}
