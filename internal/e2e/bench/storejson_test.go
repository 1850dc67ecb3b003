package bench

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The generated store encoder writes the bytes of json.Marshal, which the
// checkpoint's checksum is defined over, whatever the strings hold.
func FuzzStoreJSON(f *testing.F) {
	for _, s := range []string{"", "plain", `"q" \ <a>&`, "\x00\x1f\n\t", "h\xe9llo \xff", "\u2028\u2029", "日本語 🎉"} {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, payload string, count int) {
		s := &Counter{Count: count, Payload: payload}
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.appendJSON(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("appendJSON = %s, %v; want %s", got, err, want)
		}
	})
}
