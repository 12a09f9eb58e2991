package aof

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseManifestFixtures(t *testing.T) {
	for _, name := range []string{"aof-plain", "aof-preamble", "aof-plain-rewritten", "aof-timestamp"} {
		t.Run(name, func(t *testing.T) {
			fx := readFixture(t, name+".json")
			b, err := os.ReadFile(filepath.Join(fixtures(t), name, "appendonly.aof.manifest"))
			require.NoError(t, err)
			require.Equal(t, fx.AOF.ManifestText, string(b))
			m, err := ParseManifest(b)
			require.NoError(t, err)
			var got []File
			if m.Base != nil {
				got = append(got, *m.Base)
			}
			got = append(got, m.Incrs...)
			require.Len(t, got, len(fx.AOF.Files))
			for i, f := range fx.AOF.Files {
				require.Equal(t, f.Name, got[i].Name)
				require.Equal(t, f.Seq, got[i].Seq)
				require.Equal(t, f.Type[0], byte(got[i].Type))
			}
			require.Equal(t, m.Base.Seq, m.CurBaseSeq)
			require.Equal(t, m.Incrs[len(m.Incrs)-1].Seq, m.CurIncrSeq)
			require.Equal(t, string(b), string(m.Marshal()))
		})
	}
}

func TestManifestQuotedNamesRoundTrip(t *testing.T) {
	m := &Manifest{
		Base:    &File{Name: "my aof.1.base.rdb", Seq: 1, Type: TypeBase},
		History: []File{{Name: "tab\there\"q", Seq: 7, Type: TypeHistory}},
		Incrs: []File{
			{Name: "plain.2.incr.aof", Seq: 2, Type: TypeIncr},
			{Name: "bin\x01\xff.3.incr.aof", Seq: 3, Type: TypeIncr},
		},
		CurBaseSeq: 1, CurIncrSeq: 3,
	}
	text := string(m.Marshal())
	require.Equal(t, `file "my aof.1.base.rdb" seq 1 type b
file "tab\there\"q" seq 7 type h
file plain.2.incr.aof seq 2 type i
file "bin\x01\xff.3.incr.aof" seq 3 type i
`, text)
	back, err := ParseManifest([]byte(text))
	require.NoError(t, err)
	require.Equal(t, m, back)
}

func TestParseManifestSyntax(t *testing.T) {
	in := "# a comment\n" +
		"FILE 'single quoted' SEQ 3 TYPE b extra value\n" +
		"type i seq 4 file x.4.incr.aof\r\n" +
		"file  \"esc\\n\\x41\"   seq 9 type h\n" +
		"#last comment without newline"
	m, err := ParseManifest([]byte(in))
	require.NoError(t, err)
	require.Equal(t, &File{Name: "single quoted", Seq: 3, Type: TypeBase}, m.Base)
	require.Equal(t, []File{{Name: "x.4.incr.aof", Seq: 4, Type: TypeIncr}}, m.Incrs)
	require.Equal(t, []File{{Name: "esc\nA", Seq: 9, Type: TypeHistory}}, m.History)
	require.EqualValues(t, 3, m.CurBaseSeq)
	require.EqualValues(t, 4, m.CurIncrSeq)

	// Only comments: valid, nothing in it (Redis counts the lines).
	m, err = ParseManifest([]byte("# nothing\n"))
	require.NoError(t, err)
	require.Nil(t, m.Base)
	require.Empty(t, m.Incrs)
}

func TestParseManifestErrors(t *testing.T) {
	long := "file " + string(make([]byte, 1100)) + " seq 1 type b\n"
	cases := []struct {
		name, in, msg string
		line          int
	}{
		{"empty", "", "Found an empty AOF manifest", 0},
		{"blank line", "file a seq 1 type b\n\n", "Invalid AOF manifest file format", 2},
		{"spaces only", "   \t\n", "Invalid AOF manifest file format", 1},
		{"too few fields", "file a seq 1\n", "Invalid AOF manifest file format", 1},
		{"odd fields", "file a seq 1 type b x\n", "Invalid AOF manifest file format", 1},
		{"unbalanced quote", "file \"a seq 1 type b\n", "Invalid AOF manifest file format", 1},
		{"quote not followed by space", "file \"a\"b seq 1 type b\n", "Invalid AOF manifest file format", 1},
		{"missing type", "file a seq 1 kind b\n", "Invalid AOF manifest file format", 1},
		{"zero seq", "file a seq 0 type b\n", "Invalid AOF manifest file format", 1},
		{"non-numeric seq", "file a seq x type b\n", "Invalid AOF manifest file format", 1},
		{"empty type", "file a seq 1 type ''\n", "Invalid AOF manifest file format", 1},
		{"path", "file dir/a seq 1 type b\n", "File can't be a path, just a filename", 1},
		{"backslash path", "file 'dir\\a' seq 1 type b\n", "File can't be a path, just a filename", 1},
		{"duplicate base", "file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information", 2},
		{"non-monotonic", "file a seq 2 type i\nfile b seq 2 type i\n", "Found a non-monotonic sequence number", 2},
		{"decreasing", "file a seq 3 type i\nfile b seq 1 type i\n", "Found a non-monotonic sequence number", 2},
		{"unknown type", "file a seq 1 type x\n", "Unknown AOF file type", 1},
		{"no final newline", "file a seq 1 type b", "The AOF manifest file contains too long line", 1},
		{"long line", long, "The AOF manifest file contains too long line", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(c.in))
			require.Error(t, err)
			var me *ManifestError
			require.True(t, errors.As(err, &me), "%T %v", err, err)
			require.Equal(t, c.msg, me.Msg)
			require.Equal(t, c.line, me.Line)
			require.ErrorIs(t, err, ErrCorrupt)
		})
	}
}

func TestWriteManifestAtomic(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Base: &File{Name: "a.1.base.aof", Seq: 1, Type: TypeBase}, CurBaseSeq: 1}
	require.NoError(t, writeManifest(dir, "a", m))
	got, err := readManifest(dir, "a")
	require.NoError(t, err)
	require.Equal(t, m, got)
	_, err = os.Stat(filepath.Join(dir, "temp-a.manifest"))
	require.True(t, os.IsNotExist(err), "temp manifest left behind")
	missing, err := readManifest(dir, "other")
	require.NoError(t, err)
	require.Nil(t, missing)
}
