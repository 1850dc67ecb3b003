package runtime

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// jsonStrings are strings at the edges of what encoding/json escapes, each
// also placed at every offset of an 8-byte block by the tests.
var jsonStrings = []string{
	"", "plain text", `"quoted" and \back\`, "<a href='x'>&amp;</a>", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"héllo wörld", "日本語のテキスト", "\u2028 and \u2029", "bad \xff\xfe utf-8 \xc3", "\xe2\x80", "emoji 🎉 ok",
	strings.Repeat("x", 1000), strings.Repeat("ab<", 100), "\x80\x81\x82\x83\x84\x85\x86\x87\x88",
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range jsonStrings {
		for pad := range 9 {
			s := strings.Repeat("p", pad) + s + strings.Repeat("q", pad)
			checkJSONString(t, s)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s)
	}
	f.Fuzz(checkJSONString)
}

func checkJSONString(t *testing.T, s string) {
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := AppendJSONString([]byte("prefix"), s); !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Errorf("AppendJSONString(%q) = %s, want %s", s, got[len("prefix"):], want)
	}
}

// The sort of store a model call fills: long text, escaped here and there.
func BenchmarkAppendJSONString(b *testing.B) {
	s := strings.Repeat("The model's answer, with a \"quote\" now and then.\n", 20000) // 1 MB
	b.SetBytes(int64(len(s)))
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	buf := make([]byte, 0, 2*len(s))
	b.Run("AppendJSONString", func(b *testing.B) {
		for b.Loop() {
			buf = AppendJSONString(buf[:0], s)
		}
	})
}
