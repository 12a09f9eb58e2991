package rdb

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Rebuilding every listpack in the fixtures from its decoded elements with
// our builder gives the very bytes Redis wrote: lpAppend's encodings, the
// back-lengths, the header and zzlInsertAt's score text all match.
func TestListpackByteExact(t *testing.T) {
	var lp Listpack
	counts := map[byte]int{}
	for _, name := range rdbFixtures(t) {
		data := readFixture(t, name)
		opt := Options{onBlob: func(typ byte, blob []byte, elems [][]byte, scores []float64) {
			lp.Reset()
			for i, e := range elems {
				lp.Append(e)
				if typ == TypeZSetListpack {
					lp.AppendScore(scores[i])
				}
			}
			n := len(elems)
			if typ == TypeZSetListpack {
				n *= 2
			}
			require.Equal(t, n, lp.Len())
			require.Equal(t, len(blob), lp.Size())
			if !bytes.Equal(blob, lp.Bytes()) {
				t.Fatalf("%s: type %d listpack differs:\nredis %x\n  ours %x", name, typ, blob, lp.Bytes())
			}
			counts[typ]++
		}}
		_, _, err := loadBytes(t, data, opt)
		require.NoError(t, err, name)
	}
	t.Logf("listpacks rebuilt byte for byte: %v", counts)
	assert.Greater(t, counts[TypeHashListpack], 100)
	assert.Greater(t, counts[TypeZSetListpack], 100)
	assert.Greater(t, counts[TypeListQuicklist2], 100)
}

// Our LZF compressor is lzf_compress step for step: every LZF string in the
// fixtures compresses back to the same bytes, and AppendString makes the same
// compress-or-not decision Redis made.
func TestLZFByteExact(t *testing.T) {
	n := 0
	for _, name := range rdbFixtures(t) {
		opt := Options{onLZF: func(compressed, plain []byte) {
			out := make([]byte, len(plain)-4)
			c := lzfCompress(plain, out)
			if !bytes.Equal(compressed, out[:c]) {
				t.Errorf("%s: LZF of %d bytes differs: redis %d bytes, ours %d", name, len(plain), len(compressed), c)
			}
			enc := AppendString(nil, plain, true)
			require.Equal(t, byte(0xC3), enc[0])
			assert.True(t, bytes.HasSuffix(enc, compressed))
			n++
		}}
		_, _, err := loadBytes(t, readFixture(t, name), opt)
		require.NoError(t, err, name)
	}
	t.Logf("%d LZF strings compressed byte for byte", n)
	assert.Greater(t, n, 500)
}
