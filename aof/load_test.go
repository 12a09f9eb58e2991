package aof

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// loadFixtureDir copies an aof-* fixture to <tmp>/appendonlydir and loads it.
func loadFixtureDir(t *testing.T, name string, rl *recLoader) (LoadInfo, *fixtureJSON, string) {
	fx := readFixture(t, name+".json")
	work := t.TempDir()
	copyDir(t, filepath.Join(fixtures(t), name), filepath.Join(work, "appendonlydir"))
	info, err := Load(work, "appendonlydir", "appendonly.aof", LoadOptions{LoadTruncated: true, Logger: quietLogger()}, rl)
	require.NoError(t, err)
	return info, fx, work
}

func TestLoadFixtures(t *testing.T) {
	for _, name := range []string{"aof-plain", "aof-plain-rewritten", "aof-timestamp"} {
		t.Run(name, func(t *testing.T) {
			rl := &recLoader{}
			info, fx, _ := loadFixtureDir(t, name, rl)
			var want [][]string
			var size int64
			for _, f := range fx.AOF.Files {
				want = append(want, decodeCommands(t, f.Commands)...)
				size += f.Size
			}
			require.NotEmpty(t, want)
			require.Equal(t, want, rl.cmds)
			require.Zero(t, rl.rdbCalls)
			require.Equal(t, StatusOK, info.Status)
			require.EqualValues(t, len(want), info.Commands)
			require.Equal(t, 2, info.Files)
			require.Equal(t, size, info.Bytes)
			require.Equal(t, fx.AOF.Files[0].Size, info.BaseSize)
			require.False(t, info.Upgrade)
		})
	}
}

func TestLoadPreambleFixture(t *testing.T) {
	rl := &recLoader{rdbLen: -1}
	info, fx, _ := loadFixtureDir(t, "aof-preamble", rl)
	require.Equal(t, "rdb-preamble", fx.AOF.Files[0].Format)
	require.Equal(t, 1, rl.rdbCalls)
	require.Equal(t, "REDIS0010", rl.rdbMagic)
	require.Equal(t, decodeCommands(t, fx.AOF.Files[1].Commands), rl.cmds)
	require.Equal(t, StatusOK, info.Status)
}

// An old-style RDB-preamble AOF: RDB then RESP commands in one file. The
// Loader consumes exactly the RDB; the tail is replayed by LoadFile.
func TestLoadPreambleWithTail(t *testing.T) {
	fx := readFixture(t, "aof-preamble.json")
	base, err := os.ReadFile(filepath.Join(fixtures(t), "aof-preamble", "appendonly.aof.2.base.rdb"))
	require.NoError(t, err)
	incr, err := os.ReadFile(filepath.Join(fixtures(t), "aof-preamble", "appendonly.aof.2.incr.aof"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "appendonly.aof")
	require.NoError(t, os.WriteFile(path, append(append([]byte{}, base...), incr...), 0o644))

	rl := &recLoader{rdbLen: int64(len(base))}
	info, err := LoadFile(path, LoadOptions{Logger: quietLogger()}, rl, true)
	require.NoError(t, err)
	require.Equal(t, 1, rl.rdbCalls)
	require.Equal(t, decodeCommands(t, fx.AOF.Files[1].Commands), rl.cmds)
	require.EqualValues(t, len(base)+len(incr), info.Bytes)

	// A plain RESP file never reaches the RDB callback.
	require.NoError(t, os.WriteFile(path, resp("SET REDIS x"), 0o644))
	rl = &recLoader{}
	_, err = LoadFile(path, LoadOptions{}, rl, true)
	require.NoError(t, err)
	require.Zero(t, rl.rdbCalls)

	// RDB callback errors abort the load with the file and offset.
	require.NoError(t, os.WriteFile(path, []byte("REDIS00"), 0o644))
	_, err = LoadFile(path, LoadOptions{Logger: quietLogger()}, &recLoader{}, true)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.Contains(t, fe.Msg, "Error reading the RDB base file appendonly.aof, AOF loading aborted")
}

func TestLoadClassicUpgrade(t *testing.T) {
	fx := readFixture(t, "classic.json")
	want := decodeCommands(t, fx.File.Commands)
	work := t.TempDir()
	copyFile(t, filepath.Join(fixtures(t), "classic.aof"), filepath.Join(work, "appendonly.aof"))

	rl := &recLoader{}
	info, err := Load(work, "appendonlydir", "appendonly.aof", LoadOptions{Logger: quietLogger()}, rl)
	require.NoError(t, err)
	require.True(t, info.Upgrade)
	require.Equal(t, StatusOK, info.Status)
	require.Equal(t, want, rl.cmds)
	require.Equal(t, fx.File.Size, info.BaseSize)

	// Open performs the migration (aofUpgradePrepare).
	l, err := Open(work, "appendonlydir", "appendonly.aof", EverySec, false, quietLogger())
	require.NoError(t, err)
	l.AppendCommand(0, bargs("SET after upgrade")...)
	require.NoError(t, l.Close())
	_, err = os.Stat(filepath.Join(work, "appendonly.aof"))
	require.True(t, os.IsNotExist(err), "old file not moved")
	man, err := os.ReadFile(filepath.Join(work, "appendonlydir", "appendonly.aof.manifest"))
	require.NoError(t, err)
	require.Equal(t, "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", string(man))
	checkAOF(t, filepath.Join(work, "appendonlydir", "appendonly.aof.manifest"))

	rl = &recLoader{}
	info, err = Load(work, "appendonlydir", "appendonly.aof", LoadOptions{}, rl)
	require.NoError(t, err)
	require.False(t, info.Upgrade)
	require.Equal(t, append(want, cmds("SELECT 0", "SET after upgrade")...), rl.cmds)
}

func TestLoadTruncated(t *testing.T) {
	classic := decodeCommands(t, readFixture(t, "classic.json").File.Commands)
	fx := readFixture(t, "truncated.json")
	require.Equal(t, 57, fx.File.CommandsApplied)

	t.Run("load-truncated", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "appendonly.aof")
		copyFile(t, filepath.Join(fixtures(t), "truncated.aof"), path)
		sink, logger := newSink()
		rl := &recLoader{}
		info, err := LoadFile(path, LoadOptions{LoadTruncated: true, Logger: logger}, rl, true)
		require.NoError(t, err)
		require.Equal(t, classic[:57], rl.cmds)
		require.True(t, info.Truncated)
		require.Equal(t, StatusTruncated, info.Status)
		require.Equal(t, fx.File.ValidPrefixBytes, info.Bytes)
		st, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, fx.File.ValidPrefixBytes, st.Size(), "file not truncated to the valid prefix")
		// The exact lines Redis 7.0.15 logged for this file.
		require.Equal(t, fx.RedisLoadLog, sink.messages())
		// Loading the repaired file is clean.
		rl = &recLoader{}
		info, err = LoadFile(path, LoadOptions{}, rl, true)
		require.NoError(t, err)
		require.Equal(t, StatusOK, info.Status)
		require.Len(t, rl.cmds, 57)
	})
	t.Run("strict", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "appendonly.aof")
		copyFile(t, filepath.Join(fixtures(t), "truncated.aof"), path)
		_, err := LoadFile(path, LoadOptions{Logger: quietLogger()}, &recLoader{}, true)
		var fe *FileError
		require.ErrorAs(t, err, &fe)
		require.ErrorIs(t, err, ErrTruncated)
		require.ErrorIs(t, err, ErrCorrupt)
		require.Equal(t, "appendonly.aof", fe.File)
		require.Equal(t, fx.File.ValidPrefixBytes, fe.Offset)
		require.Contains(t, err.Error(), "Unexpected end of file reading the append only file appendonly.aof")
		st, _ := os.Stat(path)
		require.Equal(t, fx.File.Size, st.Size(), "strict load must not modify the file")
	})
}

func TestLoadTruncatedMulti(t *testing.T) {
	classic := decodeCommands(t, readFixture(t, "classic.json").File.Commands)
	fx := readFixture(t, "truncated-multi.json")
	path := filepath.Join(t.TempDir(), "appendonly.aof")
	copyFile(t, filepath.Join(fixtures(t), "truncated-multi.aof"), path)
	sink, logger := newSink()
	rl := &recLoader{}
	info, err := LoadFile(path, LoadOptions{LoadTruncated: true, Logger: logger}, rl, true)
	require.NoError(t, err)
	require.Equal(t, classic[:fx.File.CommandsApplied], rl.cmds)
	require.Equal(t, []string{"MULTI"}, classic[fx.File.CommandsApplied], "fixture should cut after a MULTI")
	require.True(t, info.Truncated)
	st, _ := os.Stat(path)
	require.Equal(t, fx.File.ValidPrefixBytes, st.Size())
	require.Equal(t, fx.RedisLoadLog, sink.messages())

	// Strict: error at the offset of the MULTI.
	copyFile(t, filepath.Join(fixtures(t), "truncated-multi.aof"), path)
	_, err = LoadFile(path, LoadOptions{Logger: quietLogger()}, &recLoader{}, true)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.ErrorIs(t, err, ErrTruncated)
	require.Equal(t, fx.File.ValidPrefixBytes, fe.Offset)
}

func TestLoadMultiDeliveredOnlyAtExec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.aof")
	body := resp("SET a 1", "multi", "SET b 2", "INCR c", "exec", "SET d 4")
	require.NoError(t, os.WriteFile(path, body, 0o644))
	rl := &recLoader{}
	_, err := LoadFile(path, LoadOptions{}, rl, true)
	require.NoError(t, err)
	require.Equal(t, cmds("SET a 1", "multi", "SET b 2", "INCR c", "exec", "SET d 4"), rl.cmds)

	// A MULTI followed by garbage: nothing of the block is delivered.
	bad := append(resp("SET a 1", "MULTI", "SET b 2"), "garbage\r\n"...)
	require.NoError(t, os.WriteFile(path, bad, 0o644))
	rl = &recLoader{}
	_, err = LoadFile(path, LoadOptions{LoadTruncated: true, Logger: quietLogger()}, rl, true)
	require.ErrorIs(t, err, ErrCorrupt)
	require.Equal(t, cmds("SET a 1"), rl.cmds)

	// EXEC without MULTI is ignored, as on Redis's fake client.
	require.NoError(t, os.WriteFile(path, resp("EXEC", "SET a 1"), 0o644))
	rl = &recLoader{}
	_, err = LoadFile(path, LoadOptions{}, rl, true)
	require.NoError(t, err)
	require.Equal(t, cmds("SET a 1"), rl.cmds)
}

func TestLoadAnnotations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.aof")
	long := "#" + string(bytes.Repeat([]byte("x"), 5000)) + "\r\n"
	body := append([]byte("#TS:1\r\n"), resp("SET a 1")...)
	body = append(body, long...)
	body = append(body, resp("SET b 2")...)
	body = append(body, "#TS:2\r\n"...)
	require.NoError(t, os.WriteFile(path, body, 0o644))
	rl := &recLoader{}
	_, err := LoadFile(path, LoadOptions{}, rl, true)
	require.NoError(t, err)
	require.Equal(t, cmds("SET a 1", "SET b 2"), rl.cmds)
}

func TestLoadCorruption(t *testing.T) {
	good := resp("SET a 1", "SET b 2")
	cases := []struct {
		name string
		body []byte
		off  int64
	}{
		{"bad first byte", append([]byte("X"), good[1:]...), 0},
		{"bad byte mid-file", append(append(resp("SET a 1"), '?'), good...), int64(len(resp("SET a 1")))},
		{"bad bulk prefix", []byte("*1\r\n%3\r\nSET\r\n"), 4},
		{"bad bulk length", []byte("*1\r\n$x\r\nSET\r\n"), 4},
		{"negative bulk length", []byte("*1\r\n$-1\r\n"), 4},
		{"zero argc", []byte("*0\r\n"), 0},
		{"missing CRLF after bulk", []byte("*1\r\n$3\r\nSETxx*1\r\n$1\r\nx\r\n"), 11},
		{"no CR", []byte("*1\n$3\r\nSET\r\n"), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "appendonly.aof.1.incr.aof")
			require.NoError(t, os.WriteFile(path, c.body, 0o644))
			sink, logger := newSink()
			_, err := LoadFile(path, LoadOptions{LoadTruncated: true, Logger: logger}, &recLoader{}, true)
			var fe *FileError
			require.ErrorAs(t, err, &fe)
			require.ErrorIs(t, err, ErrCorrupt)
			require.NotErrorIs(t, err, ErrTruncated)
			require.Equal(t, "appendonly.aof.1.incr.aof", fe.File)
			require.Equal(t, c.off, fe.Offset)
			require.Contains(t, err.Error(), "Bad file format reading the append only file appendonly.aof.1.incr.aof")
			require.Contains(t, sink.messages(), "Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>")
			st, _ := os.Stat(path)
			require.EqualValues(t, len(c.body), st.Size(), "corrupt file must not be truncated")
		})
	}
}

// writeLayout writes a manifest and files into <work>/appendonlydir.
func writeLayout(t *testing.T, files map[string][]byte, manifest string) string {
	work := t.TempDir()
	dir := filepath.Join(work, "appendonlydir")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for n, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "appendonly.aof.manifest"), []byte(manifest), 0o644))
	return work
}

const threeFiles = "file appendonly.aof.1.base.aof seq 1 type b\n" +
	"file appendonly.aof.1.incr.aof seq 1 type i\n" +
	"file appendonly.aof.2.incr.aof seq 2 type i\n"

func TestLoadCorruptionInEarlierFile(t *testing.T) {
	first := resp("SET a 1", "SET b 2")
	first[len(resp("SET a 1"))+5] = '!' // inside "$3" of SET b 2
	work := writeLayout(t, map[string][]byte{
		"appendonly.aof.1.base.aof": resp("SET base 0"),
		"appendonly.aof.1.incr.aof": first,
		"appendonly.aof.2.incr.aof": resp("SET c 3"),
	}, threeFiles)
	rl := &recLoader{}
	_, err := Load(work, "appendonlydir", "appendonly.aof", LoadOptions{LoadTruncated: true, Logger: quietLogger()}, rl)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "appendonly.aof.1.incr.aof", fe.File)
	require.EqualValues(t, len(resp("SET a 1"))+4, fe.Offset)
	require.Equal(t, cmds("SET base 0", "SET a 1"), rl.cmds)
}

func TestLoadTruncationOnlyInLastFile(t *testing.T) {
	full := resp("SET a 1", "SET b 2")
	cut := full[:len(full)-3]
	work := writeLayout(t, map[string][]byte{
		"appendonly.aof.1.base.aof": nil,
		"appendonly.aof.1.incr.aof": cut,
		"appendonly.aof.2.incr.aof": resp("SET c 3"),
	}, threeFiles)
	_, err := Load(work, "appendonlydir", "appendonly.aof", LoadOptions{LoadTruncated: true, Logger: quietLogger()}, &recLoader{})
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.ErrorIs(t, err, ErrTruncated)
	require.Equal(t, "appendonly.aof.1.incr.aof", fe.File)
	require.Contains(t, err.Error(), "is not the last file")
	st, _ := os.Stat(filepath.Join(work, "appendonlydir", "appendonly.aof.1.incr.aof"))
	require.EqualValues(t, len(cut), st.Size(), "a non-last file must not be truncated")

	// The same cut in the last file is repaired.
	work = writeLayout(t, map[string][]byte{
		"appendonly.aof.1.base.aof": resp("SET base 0"),
		"appendonly.aof.1.incr.aof": resp("SET c 3"),
		"appendonly.aof.2.incr.aof": cut,
	}, threeFiles)
	rl := &recLoader{}
	info, err := Load(work, "appendonlydir", "appendonly.aof", LoadOptions{LoadTruncated: true, Logger: quietLogger()}, rl)
	require.NoError(t, err)
	require.Equal(t, StatusTruncated, info.Status)
	require.Equal(t, cmds("SET base 0", "SET c 3", "SET a 1"), rl.cmds)
	st, _ = os.Stat(filepath.Join(work, "appendonlydir", "appendonly.aof.2.incr.aof"))
	require.EqualValues(t, len(resp("SET a 1")), st.Size())
}

func TestLoadTruncationPoints(t *testing.T) {
	full := resp("SET a 1", "SET key value")
	first := int64(len(resp("SET a 1")))
	// Every cut inside the second command is a truncation at the end of the first.
	for cut := first + 1; cut < int64(len(full)); cut++ {
		path := filepath.Join(t.TempDir(), "x.aof")
		require.NoError(t, os.WriteFile(path, full[:cut], 0o644))
		_, err := LoadFile(path, LoadOptions{}, &recLoader{}, true)
		var fe *FileError
		require.ErrorAs(t, err, &fe, "cut %d", cut)
		require.True(t, fe.Trunc, "cut %d: %v", cut, err)
		require.Equal(t, first, fe.Offset, "cut %d", cut)
	}
}

func TestLoadStatuses(t *testing.T) {
	work := t.TempDir()
	info, err := Load(work, "appendonlydir", "appendonly.aof", LoadOptions{}, &recLoader{})
	require.NoError(t, err)
	require.Equal(t, StatusNotExist, info.Status)

	work = writeLayout(t, map[string][]byte{"appendonly.aof.1.base.aof": nil, "appendonly.aof.1.incr.aof": nil},
		"file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
	info, err = Load(work, "appendonlydir", "appendonly.aof", LoadOptions{}, &recLoader{})
	require.NoError(t, err)
	require.Equal(t, StatusEmpty, info.Status)

	// A file listed in the manifest but missing is fatal.
	work = writeLayout(t, map[string][]byte{"appendonly.aof.1.base.aof": nil},
		"file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
	_, err = Load(work, "appendonlydir", "appendonly.aof", LoadOptions{Logger: quietLogger()}, &recLoader{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "appendonly.aof.1.incr.aof")

	// A broken manifest is reported.
	work = writeLayout(t, nil, "file a seq 1 type z\n")
	_, err = Load(work, "appendonlydir", "appendonly.aof", LoadOptions{}, &recLoader{})
	require.ErrorContains(t, err, "Unknown AOF file type")
}

func TestLoadLoaderError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.aof")
	require.NoError(t, os.WriteFile(path, resp("SET a 1", "BOGUS x"), 0o644))
	_, err := LoadFile(path, LoadOptions{}, &recLoader{failOn: "bogus"}, true)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.EqualValues(t, len(resp("SET a 1")), fe.Offset)
	require.Contains(t, err.Error(), "Unknown command 'BOGUS'")
	require.False(t, errors.Is(err, ErrCorrupt))
}

func TestLoadProgress(t *testing.T) {
	var body []byte
	for i := 0; i < 3000; i++ {
		body = append(body, resp("SET k v")...)
	}
	path := filepath.Join(t.TempDir(), "x.aof")
	require.NoError(t, os.WriteFile(path, body, 0o644))
	var calls int
	var last int64
	_, err := LoadFile(path, LoadOptions{Progress: func(read, total int64) {
		calls++
		require.GreaterOrEqual(t, read, last)
		require.EqualValues(t, len(body), total)
		last = read
	}}, &recLoader{}, true)
	require.NoError(t, err)
	require.GreaterOrEqual(t, calls, 3)
	require.EqualValues(t, len(body), last)
}

func FuzzReplay(f *testing.F) {
	f.Add(resp("SET a 1", "MULTI", "SET b 2", "EXEC"))
	f.Add([]byte("#TS:1\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n"))
	f.Add([]byte("*999999999\r\n$999999999999\r\n"))
	f.Add([]byte("REDIS0010"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.aof")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		LoadFile(path, LoadOptions{LoadTruncated: true, Logger: quietLogger()}, &recLoader{rdbLen: 9}, true)
	})
}
