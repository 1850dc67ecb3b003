package dsl

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeExamples keeps the README true: every ```pico block checks
// clean, unless the block right after it lists the diagnostics it must give.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	type block struct{ lang, body string }
	var blocks []block
	for _, m := range regexp.MustCompile("(?ms)^```(\\w*)\\n(.*?)^```$").FindAllStringSubmatch(string(readme), -1) {
		blocks = append(blocks, block{m[1], m[2]})
	}
	checked := 0
	for i, b := range blocks {
		if b.lang != "pico" {
			continue
		}
		checked++
		_, diags := Check("support.pico", []byte(b.body))
		got := diags.Error()
		want := ""
		if i+1 < len(blocks) && blocks[i+1].lang == "" && strings.HasPrefix(blocks[i+1].body, "support.pico:") {
			want = strings.TrimSuffix(blocks[i+1].body, "\n")
		}
		if got != want {
			t.Errorf("README pico block %d:\n%s\ngives:\n%s\nwant:\n%s", checked, b.body, got, want)
		}
	}
	if checked < 3 {
		t.Errorf("found %d pico blocks in README.md, want at least 3", checked)
	}
}
