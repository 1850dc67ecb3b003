package dsl

import (
	"cmp"
	"slices"
	"strings"
)

// Diagnostic is one problem found in a .pico file.
type Diagnostic struct {
	Pos     Pos
	Msg     string
	Warning bool // warnings do not fail a run
}

// Error formats d as FILE:LINE:COL: message, or FILE:LINE:COL: warning: message.
func (d *Diagnostic) Error() string {
	if d.Warning {
		return d.Pos.String() + ": warning: " + d.Msg
	}
	return d.Pos.String() + ": " + d.Msg
}

// Diagnostics is every problem of a run, in the manner of go/scanner.ErrorList.
type Diagnostics []*Diagnostic

// Error lists every diagnostic, one per line.
func (l Diagnostics) Error() string {
	var b strings.Builder
	for i, d := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}

// HasErrors reports whether any diagnostic is an error rather than a warning.
func (l Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(l, func(d *Diagnostic) bool { return !d.Warning })
}

// Sort orders l by file, line and column, then message, and drops exact
// duplicates, so that output is stable whatever order the checks ran in.
func (l Diagnostics) Sort() Diagnostics {
	slices.SortStableFunc(l, func(a, b *Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			strings.Compare(a.Error(), b.Error()),
		)
	})
	return slices.CompactFunc(l, func(a, b *Diagnostic) bool { return a.Error() == b.Error() })
}
