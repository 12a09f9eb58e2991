package rdb

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dumpPayload builds the DUMP payload of r (type id and value, no key).
func dumpPayload(r *rawVal) []byte {
	var lp Listpack
	b, _ := appendValue(nil, []byte("k"), r, &lp, true)
	obj := append([]byte{b[0]}, b[1+len(AppendString(nil, []byte("k"), true)):]...)
	return AppendDumpFooter(obj, 0)
}

func TestDumpRoundTrip(t *testing.T) {
	for k, r := range syntheticDB()[0] {
		p := dumpPayload(r)
		var got entry
		require.NoError(t, DecodeDump(p, func(v *Value) error { got = entryOf(v, r.expire); return nil }), k)
		want := r.entry()
		assert.Equal(t, want, got, k)
		// Any flipped byte is refused.
		for i := 0; i < len(p); i += 1 + len(p)/300 {
			bad := bytes.Clone(p)
			bad[i] ^= 0x10
			assert.Error(t, DecodeDump(bad, func(*Value) error { return nil }), "%s flip %d", k, i)
		}
	}
	_, err := VerifyDump([]byte("short"))
	assert.ErrorIs(t, err, ErrTruncated)
	p := dumpPayload(&rawVal{kind: KindString, str: []byte("v")})
	p[len(p)-10] = 11 // version 11
	_, err = VerifyDump(p)
	assert.ErrorIs(t, err, ErrUnsupported)
}

// Payloads from redis-server's DUMP decode, and ours RESTORE into it.
func TestDumpRedis(t *testing.T) {
	want := syntheticDB()
	data, _ := encodeFile(t, rawDB{0: want[0]}, true)
	rc := startRedis(t, data)
	for _, k := range slices.Sorted(mapKeys(want[0])) {
		r := want[0][k]
		p, ok := rc.do("DUMP", k).(string)
		require.True(t, ok, k)
		var got entry
		require.NoError(t, DecodeDump([]byte(p), func(v *Value) error { got = entryOf(v, r.expire); return nil }), k)
		assert.Equal(t, r.entry(), got, k)

		nk := "restored:" + k
		require.Equal(t, "OK", rc.do("RESTORE", nk, "0", string(dumpPayload(r))), k)
		e := readKey(t, rc, nk)
		w := r.entry()
		w.Expire = 0
		assert.Equal(t, w, e, k)
	}
	// A corrupt payload is refused by Redis too (sanity of the oracle).
	bad := []byte(dumpPayload(want[0]["raw"]))
	bad[3] ^= 1
	assert.True(t, strings.Contains(string(rc.do("RESTORE", "x", "0", string(bad)).(respError)), "checksum"))
}
