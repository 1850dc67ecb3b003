package cli

import (
	"bytes"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/digital-duck/picoflow-go/dsl"
)

// isTerminal reports whether w is a character device, such as a terminal.
// It needs no dependency: a terminal is all that matters, not its size.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// excerpt returns the source line of p, indented, and a caret under p's
// column. Tabs before the column are kept so that the caret lines up.
func excerpt(src []byte, p dsl.Pos) string {
	lines := bytes.Split(src, []byte("\n"))
	if p.Line < 1 || p.Line > len(lines) {
		return ""
	}
	line := strings.TrimRight(string(lines[p.Line-1]), "\r")
	col := min(max(p.Column-1, 0), len(line))
	var pad strings.Builder
	for _, r := range line[:col] {
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	return "    " + line + "\n    " + pad.String() + "^\n"
}
