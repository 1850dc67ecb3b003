package diff

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	lines := func(n int) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			b.WriteString("l" + string(rune('a'+i-1)) + "\n")
		}
		return b.String()
	}
	ten := lines(10) // la, lb, ... lj
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", `--- old
+++ new
@@ -1,3 +1,3 @@
 a
-b
+B
 c
`},
		{"context is three lines", ten, strings.Replace(ten, "le\n", "LE\n", 1), `--- old
+++ new
@@ -2,7 +2,7 @@
 lb
 lc
 ld
-le
+LE
 lf
 lg
 lh
`},
		{"changes six apart share a hunk", ten, strings.NewReplacer("la\n", "LA\n", "lh\n", "LH\n").Replace(ten), `--- old
+++ new
@@ -1,10 +1,10 @@
-la
+LA
 lb
 lc
 ld
 le
 lf
 lg
-lh
+LH
 li
 lj
`},
		{"changes seven apart get two hunks", ten + "lk\n", strings.NewReplacer("la\n", "LA\n", "li\n", "LI\n").Replace(ten + "lk\n"), `--- old
+++ new
@@ -1,4 +1,4 @@
-la
+LA
 lb
 lc
 ld
@@ -6,6 +6,6 @@
 lf
 lg
 lh
-li
+LI
 lj
 lk
`},
		{"insert at the top", "a\nb\n", "x\na\nb\n", `--- old
+++ new
@@ -1,2 +1,3 @@
+x
 a
 b
`},
		{"delete at the end", "a\nb\nc\nd\ne\n", "a\nb\nc\nd\n", `--- old
+++ new
@@ -2,4 +2,3 @@
 b
 c
 d
-e
`},
		{"from empty", "", "a\nb\n", `--- old
+++ new
@@ -0,0 +1,2 @@
+a
+b
`},
		{"to empty", "a\n", "", `--- old
+++ new
@@ -1,1 +0,0 @@
-a
`},
		{"no newline at end", "a\nb", "a\nb\n", `--- old
+++ new
@@ -1,2 +1,2 @@
 a
-b
\ No newline at end of file
+b
`},
		{"pure insertion in the middle", ten, strings.Replace(ten, "lf\n", "lf\nnew\n", 1), `--- old
+++ new
@@ -4,6 +4,7 @@
 ld
 le
 lf
+new
 lg
 lh
 li
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(Unified("old", "new", []byte(tc.old), []byte(tc.new)))
			if got != tc.want {
				t.Errorf("Unified =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestLines checks on random texts that the edit script is valid (it turns
// a into b) and shortest (its Equal lines are a longest common
// subsequence, which a quadratic dynamic program computes independently).
func TestLines(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	random := func() []string {
		n := r.IntN(30)
		alphabet := 1 + r.IntN(5)
		s := make([]string, n)
		for i := range s {
			s[i] = string(rune('a' + r.IntN(alphabet)))
		}
		return s
	}
	for i := range 5000 {
		a, b := random(), random()
		ops := Lines(a, b)
		var gotA, gotB []string
		equal, x, y := 0, 0, 0
		for _, op := range ops {
			switch op.Kind {
			case Equal:
				if op.A != x || op.B != y || a[op.A] != b[op.B] {
					t.Fatalf("case %d: bad Equal %+v at %d,%d", i, op, x, y)
				}
				gotA, gotB = append(gotA, a[x]), append(gotB, b[y])
				x, y, equal = x+1, y+1, equal+1
			case Delete:
				if op.A != x || op.B != y {
					t.Fatalf("case %d: bad Delete %+v at %d,%d", i, op, x, y)
				}
				gotA = append(gotA, a[x])
				x++
			case Insert:
				if op.A != x || op.B != y {
					t.Fatalf("case %d: bad Insert %+v at %d,%d", i, op, x, y)
				}
				gotB = append(gotB, b[y])
				y++
			}
		}
		if strings.Join(gotA, "") != strings.Join(a, "") || strings.Join(gotB, "") != strings.Join(b, "") {
			t.Fatalf("case %d: the script does not cover a=%q b=%q: %+v", i, a, b, ops)
		}
		if want := lcs(a, b); equal != want {
			t.Fatalf("case %d: %d equal lines, want %d: a=%q b=%q", i, equal, want, a, b)
		}
	}
}

func lcs(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// TestLinesLarge checks that two large texts that differ everywhere are
// compared in linear space and reasonable time.
func TestLinesLarge(t *testing.T) {
	a, b := make([]string, 5000), make([]string, 5000)
	for i := range a {
		a[i], b[i] = "a"+string(rune(i)), "b"+string(rune(i))
	}
	ops := Lines(a, b)
	if len(ops) != 10000 {
		t.Errorf("%d ops, want 10000", len(ops))
	}
}
