package aof

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func dirFiles(t *testing.T, work string) []string {
	ents, err := os.ReadDir(filepath.Join(work, dirName))
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestRewriteCommit(t *testing.T) {
	work := t.TempDir()
	l, err := Open(work, dirName, fileName, Always, false, quietLogger())
	require.NoError(t, err)
	l.AppendCommand(0, bargs("SET a 1")...)
	l.AppendCommand(0, bargs("SET a 2")...)
	l.AppendCommand(1, bargs("RPUSH l x")...)

	rw, err := l.StartRewrite(false)
	require.NoError(t, err)
	_, err = l.StartRewrite(false)
	require.ErrorIs(t, err, ErrRewriteInProgress)
	require.True(t, l.Status().Rewriting)
	require.Equal(t, "file appendonly.aof.1.base.aof seq 1 type b\n"+
		"file appendonly.aof.1.incr.aof seq 1 type i\n"+
		"file appendonly.aof.2.incr.aof seq 2 type i\n", readManifestText(t, work))

	// After the switch: a new incr file, starting with SELECT even for db 1.
	off := l.AppendCommand(1, bargs("RPUSH l y")...)
	l.AppendCommand(0, bargs("SET b 3")...)

	// The snapshot at the switch, as RESP.
	var base []byte
	base = AppendRewriteCommand(base, bargs("SELECT 0")...)
	base = AppendRewriteCommand(base, bargs("SET a 2")...)
	base = AppendRewriteCommand(base, bargs("SELECT 1")...)
	base = AppendRewriteCommand(base, bargs("RPUSH l x")...)
	_, err = rw.Writer().Write(base)
	require.NoError(t, err)
	require.NoError(t, rw.Commit())
	require.Error(t, rw.Commit())

	require.Equal(t, "file appendonly.aof.2.base.aof seq 2 type b\n"+
		"file appendonly.aof.2.incr.aof seq 2 type i\n", readManifestText(t, work))
	require.Equal(t, []string{"appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"},
		dirFiles(t, work))

	done := make(chan struct{})
	if !l.WaitSync(off, func() { close(done) }) {
		<-done
	}
	s := l.Status()
	require.False(t, s.Rewriting)
	require.True(t, s.LastRewriteOK)
	require.EqualValues(t, len(base), s.BaseSize)
	require.NoError(t, l.Close())
	require.EqualValues(t, len(base)+len(resp("SELECT 1", "RPUSH l y", "SELECT 0", "SET b 3")), l.Status().CurrentSize)

	require.Equal(t, cmds("SELECT 0", "SET a 2", "SELECT 1", "RPUSH l x",
		"SELECT 1", "RPUSH l y", "SELECT 0", "SET b 3"), loadAll(t, work))
	checkAOF(t, filepath.Join(work, dirName, fileName+".manifest"))

	// A second rewrite goes to seq 3 and reopening keeps appending to incr 3.
	l, err = Open(work, dirName, fileName, Always, false, quietLogger())
	require.NoError(t, err)
	rw, err = l.StartRewrite(false)
	require.NoError(t, err)
	rw.Writer().Write(resp("SET only 1"))
	require.NoError(t, rw.Commit())
	l.AppendCommand(0, bargs("SET after 2")...)
	require.NoError(t, l.Close())
	require.Equal(t, "file appendonly.aof.3.base.aof seq 3 type b\n"+
		"file appendonly.aof.3.incr.aof seq 3 type i\n", readManifestText(t, work))
	require.Equal(t, cmds("SET only 1", "SELECT 0", "SET after 2"), loadAll(t, work))

	// Redis itself loads the result.
	rc := redisServer(t, work)
	got, err := rc.do("GET", "after")
	require.NoError(t, err)
	require.Equal(t, "2", got)
	got, err = rc.do("GET", "only")
	require.NoError(t, err)
	require.Equal(t, "1", got)
}

func TestRewriteAbort(t *testing.T) {
	work := t.TempDir()
	l, err := Open(work, dirName, fileName, EverySec, false, quietLogger())
	require.NoError(t, err)
	l.AppendCommand(0, bargs("SET a 1")...)
	rw, err := l.StartRewrite(false)
	require.NoError(t, err)
	l.AppendCommand(0, bargs("SET b 2")...)
	rw.Writer().Write(resp("SET garbage 1"))
	rw.Abort()
	rw.Abort() // idempotent
	s := l.Status()
	require.False(t, s.Rewriting)
	require.False(t, s.LastRewriteOK)
	for _, n := range dirFiles(t, work) {
		require.False(t, strings.HasPrefix(n, "temp-"), "temp file left: %s", n)
	}

	// A later rewrite folds both incr files.
	l.AppendCommand(0, bargs("SET c 3")...)
	require.NoError(t, l.Flush())
	require.Equal(t, cmds("SELECT 0", "SET a 1", "SELECT 0", "SET b 2", "SET c 3"), loadAll(t, work))
	rw, err = l.StartRewrite(true)
	require.NoError(t, err)
	rw.Writer().Write(resp("SET a 1", "SET b 2", "SET c 3"))
	require.NoError(t, rw.Commit())
	require.NoError(t, l.Close())
	require.Equal(t, "file appendonly.aof.2.base.rdb seq 2 type b\n"+
		"file appendonly.aof.3.incr.aof seq 3 type i\n", readManifestText(t, work))
	require.Equal(t, []string{"appendonly.aof.2.base.rdb", "appendonly.aof.3.incr.aof", "appendonly.aof.manifest"},
		dirFiles(t, work))
	require.Equal(t, cmds("SET a 1", "SET b 2", "SET c 3"), loadAll(t, work))
}

func TestRewriteAbortLoadable(t *testing.T) {
	work := t.TempDir()
	l, err := Open(work, dirName, fileName, Always, false, quietLogger())
	require.NoError(t, err)
	l.AppendCommand(0, bargs("SET a 1")...)
	rw, err := l.StartRewrite(false)
	require.NoError(t, err)
	l.AppendCommand(0, bargs("SET b 2")...)
	rw.Abort()
	require.NoError(t, l.Close())
	require.Equal(t, "file appendonly.aof.1.base.aof seq 1 type b\n"+
		"file appendonly.aof.1.incr.aof seq 1 type i\n"+
		"file appendonly.aof.2.incr.aof seq 2 type i\n", readManifestText(t, work))
	require.Equal(t, cmds("SELECT 0", "SET a 1", "SELECT 0", "SET b 2"), loadAll(t, work))
	checkAOF(t, filepath.Join(work, dirName, fileName+".manifest"))
}

// History files left by a crash between the two manifest writes of Commit
// are deleted on Open.
func TestOpenDeletesHistory(t *testing.T) {
	work := writeLayout(t, map[string][]byte{
		"appendonly.aof.1.base.aof": resp("SET old 1"),
		"appendonly.aof.2.base.aof": resp("SET new 1"),
		"appendonly.aof.2.incr.aof": nil,
		"temp-rewriteaof-bg-1.aof":  []byte("partial"),
	}, "file appendonly.aof.2.base.aof seq 2 type b\n"+
		"file appendonly.aof.1.base.aof seq 1 type h\n"+
		"file appendonly.aof.2.incr.aof seq 2 type i\n")
	l, err := Open(work, dirName, fileName, Always, false, quietLogger())
	require.NoError(t, err)
	require.NoError(t, l.Close())
	require.Equal(t, "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		readManifestText(t, work))
	require.Equal(t, []string{"appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"},
		dirFiles(t, work))
}

// Open on a fixture directory continues its last incr file.
func TestOpenFixtureContinues(t *testing.T) {
	fx := readFixture(t, "aof-plain-rewritten.json")
	work := t.TempDir()
	copyDir(t, filepath.Join(fixtures(t), "aof-plain-rewritten"), filepath.Join(work, dirName))
	l, err := Open(work, dirName, fileName, Always, false, quietLogger())
	require.NoError(t, err)
	l.AppendCommand(5, bargs("SET z 26")...)
	require.NoError(t, l.Close())
	var want [][]string
	for _, f := range fx.AOF.Files {
		want = append(want, decodeCommands(t, f.Commands)...)
	}
	want = append(want, cmds("SELECT 5", "SET z 26")...)
	require.Equal(t, want, loadAll(t, work))
	require.Equal(t, fx.AOF.ManifestText, readManifestText(t, work))
	checkAOF(t, filepath.Join(work, dirName, fileName+".manifest"))
}
