// Package diff compares two texts line by line and prints the difference as
// a unified diff, the format of diff -u and gofmt -d, which patch applies.
package diff

import (
	"bytes"
	"fmt"
	"strings"
)

// context is the number of unchanged lines shown around each change.
const context = 3

// Unified returns the unified diff that turns old into new, with oldName
// and newName in its --- and +++ lines, or nil when the texts are equal.
// A last line without a newline is marked as diff marks it.
func Unified(oldName, newName string, old, new []byte) []byte {
	if bytes.Equal(old, new) {
		return nil
	}
	a, b := splitLines(old), splitLines(new)
	ops := Lines(a, b)
	var out bytes.Buffer
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	prevEnd := 0
	for i := 0; i < len(ops); {
		if ops[i].Kind == Equal {
			i++
			continue
		}
		// A hunk runs from context lines before its first change to context
		// lines after its last, taking in every change that is at most
		// 2*context unchanged lines from the one before.
		start := max(i-context, prevEnd)
		end := i + 1
		for j := i; j < len(ops); j++ {
			if ops[j].Kind != Equal {
				end = j + 1
			} else if j-end >= 2*context {
				break
			}
		}
		stop := min(end+context, len(ops))
		hunk(&out, a, b, ops[start:stop])
		prevEnd, i = stop, stop
	}
	return out.Bytes()
}

// hunk prints one hunk: its @@ header and lines.
func hunk(out *bytes.Buffer, a, b []string, ops []Op) {
	na, nb := 0, 0
	for _, op := range ops {
		if op.Kind != Insert {
			na++
		}
		if op.Kind != Delete {
			nb++
		}
	}
	// An empty range starts at the line before it, as diff -u prints.
	sa, sb := ops[0].A, ops[0].B
	if na > 0 {
		sa++
	}
	if nb > 0 {
		sb++
	}
	fmt.Fprintf(out, "@@ -%d,%d +%d,%d @@\n", sa, na, sb, nb)
	for _, op := range ops {
		switch op.Kind {
		case Equal:
			line(out, ' ', a[op.A])
		case Delete:
			line(out, '-', a[op.A])
		case Insert:
			line(out, '+', b[op.B])
		}
	}
}

func line(out *bytes.Buffer, prefix byte, text string) {
	out.WriteByte(prefix)
	out.WriteString(text)
	if !strings.HasSuffix(text, "\n") {
		out.WriteString("\n\\ No newline at end of file\n")
	}
}

// splitLines splits text after each newline; the last line may lack one.
func splitLines(text []byte) []string {
	var lines []string
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n') + 1
		if i == 0 {
			i = len(text)
		}
		lines = append(lines, string(text[:i]))
		text = text[i:]
	}
	return lines
}

// Kind is what an Op does with a line.
type Kind int

const (
	Equal  Kind = iota // the line is in both texts
	Delete             // the line of a is not in b
	Insert             // the line of b is not in a
)

// Op is one step of an edit script. A and B are the indexes of the line in
// a and b; for an Insert, A is the index in a before which the line goes,
// and for a Delete, B is the index in b where a's line was.
type Op struct {
	Kind Kind
	A, B int
}

// Lines returns a shortest edit script that turns a into b: every line of
// a and of b once, in order, as Equal, Delete or Insert. It is Myers' O(ND)
// algorithm in linear space, so that two large texts that differ
// everywhere cost time, not memory.
func Lines(a, b []string) []Op {
	d := &differ{a: a, b: b}
	d.compare(0, len(a), 0, len(b))
	// Within each run of changes, deletions go first, as diff prints them.
	ops := d.ops
	for i := 0; i < len(ops); {
		if ops[i].Kind == Equal {
			i++
			continue
		}
		j := i
		for j < len(ops) && ops[j].Kind != Equal {
			j++
		}
		x, y := ops[i].A, ops[i].B
		dels := 0
		for _, op := range ops[i:j] {
			if op.Kind == Delete {
				dels++
			}
		}
		for k := i; k < j; k++ {
			if k-i < dels {
				ops[k] = Op{Delete, x + k - i, y}
			} else {
				ops[k] = Op{Insert, x + dels, y + k - i - dels}
			}
		}
		i = j
	}
	return ops
}

type differ struct {
	a, b []string
	ops  []Op
	vf   []int // furthest x of the forward search, by diagonal
	vb   []int // least x of the backward search, by diagonal
}

// compare appends the edit script of a[alo:ahi] against b[blo:bhi].
func (d *differ) compare(alo, ahi, blo, bhi int) {
	for alo < ahi && blo < bhi && d.a[alo] == d.b[blo] {
		d.ops = append(d.ops, Op{Equal, alo, blo})
		alo, blo = alo+1, blo+1
	}
	suffix := 0
	for alo < ahi-suffix && blo < bhi-suffix && d.a[ahi-suffix-1] == d.b[bhi-suffix-1] {
		suffix++
	}
	ahi, bhi = ahi-suffix, bhi-suffix
	switch {
	case alo == ahi:
		for y := blo; y < bhi; y++ {
			d.ops = append(d.ops, Op{Insert, alo, y})
		}
	case blo == bhi:
		for x := alo; x < ahi; x++ {
			d.ops = append(d.ops, Op{Delete, x, blo})
		}
	default:
		// Neither side is empty and the ends differ, so at least two edits
		// are needed and each half of the split needs fewer.
		xs, ys, xe, ye := d.middleSnake(alo, ahi, blo, bhi)
		d.compare(alo, xs, blo, ys)
		for x, y := xs, ys; x < xe; x, y = x+1, y+1 {
			d.ops = append(d.ops, Op{Equal, x, y})
		}
		d.compare(xe, ahi, ye, bhi)
	}
	for i := range suffix {
		d.ops = append(d.ops, Op{Equal, ahi + i, bhi + i})
	}
}

// middleSnake finds the middle snake of a shortest edit path through
// a[alo:ahi] and b[blo:bhi], searching from both corners at once (Myers
// 1986, section 4b): the run of equal lines from (xs, ys) to (xe, ye), in
// absolute indexes, where the two searches meet.
//
// Diagonal k holds the points with x - y = k. After D edits, vf holds the
// furthest x the forward search reaches on each diagonal and vb the least x
// the backward search reaches, or -1 where no path of D edits stays inside
// the grid; every move is checked against the grid's edges, so neither
// search ever steps outside it.
func (d *differ) middleSnake(alo, ahi, blo, bhi int) (xs, ys, xe, ye int) {
	a, b := d.a[alo:ahi], d.b[blo:bhi]
	n, m := len(a), len(b)
	delta := n - m
	odd := delta%2 != 0
	size := n + m + 3 // diagonals -m-1 to n+1
	if cap(d.vf) < size {
		d.vf, d.vb = make([]int, size), make([]int, size)
	}
	vf, vb := d.vf[:size], d.vb[:size]
	for i := range vf {
		vf[i], vb[i] = -1, -1
	}
	f := func(k int) *int { return &vf[k+m+1] }
	r := func(k int) *int { return &vb[k+m+1] }
	for D := 0; D <= n+m; D++ {
		for k := max(-D, -m); k <= min(D, n); k++ {
			if (k+D)%2 != 0 {
				continue
			}
			x := -1
			switch {
			case D == 0:
				x = 0
			default:
				if p := *f(k + 1); p >= 0 && p-k <= m {
					x = p // down: an insertion
				}
				if p := *f(k - 1); p >= 0 && p+1 <= n && p+1 > x {
					x = p + 1 // right: a deletion
				}
			}
			*f(k) = x
			if x < 0 {
				continue
			}
			y := x - k
			x0, y0 := x, y
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			*f(k) = x
			if odd && k >= delta-(D-1) && k <= delta+(D-1) && *r(k) >= 0 && x >= *r(k) {
				return alo + x0, blo + y0, alo + x, blo + y
			}
		}
		for k := max(delta-D, -m); k <= min(delta+D, n); k++ {
			if (k-delta+D)%2 != 0 {
				continue
			}
			x := -1
			switch {
			case D == 0:
				x = n
			default:
				if p := *r(k - 1); p >= 0 && p-k >= 0 {
					x = p // up: an insertion, backwards
				}
				if p := *r(k + 1); p >= 1 && (x < 0 || p-1 < x) {
					x = p - 1 // left: a deletion, backwards
				}
			}
			*r(k) = x
			if x < 0 {
				continue
			}
			y := x - k
			x0, y0 := x, y
			for x > 0 && y > 0 && a[x-1] == b[y-1] {
				x, y = x-1, y-1
			}
			*r(k) = x
			if !odd && k >= -D && k <= D && *f(k) >= 0 && x <= *f(k) {
				return alo + x, blo + y, alo + x0, blo + y0
			}
		}
	}
	panic("diff: no middle snake") // unreachable: the searches meet by D = (n+m+1)/2
}
