package gocheck

import (
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/codegen"
	"github.com/digital-duck/picoflow-go/dsl"
)

// generate checks and generates src as x.pico in package x.
func generate(t *testing.T, src string) (*dsl.Model, []byte) {
	t.Helper()
	m, diags := dsl.Check("x.pico", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("the .pico does not check:\n%v", diags)
	}
	out, err := codegen.Generate(m, codegen.Options{Package: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

// Each of these must generate Go that type-checks and vets with stand-ins
// for the types it names.
var clean = map[string]string{
	"qualified": `
import llm "example.com/app/llm"
import "example.com/app/store/v2"

store Chat {
    history []llm.Message
    last    *llm.Message
    byID    map[llm.ID]llm.Message
    cache   store.Cache
}

node Ask { prep []llm.Message  exec llm.Reply  attempts 3  timeout 2s }
node Save { exec *store.Row }

flow Talk {
    start Ask
    Ask then saved -> Save
}
`,
	"local_defaults": `
import "time"

store Settings {
    level  Level = 2
    again  Level = -1
    label  Label = "info"
    on     Flag = true
    ratio  Ratio = 2.5
    mixed  Mixed = 1
    mixed2 Mixed = 0.5
    huge   Huge = 0xFFFF_FFFF_FFFF_FFFF
    wide   Wide = 300
    vast   Vast = 1e300
    pause  time.Duration = 1500ms
    wait   Wait = 30s
    tick   Wait = 1ns
    plain  Page
}

node Tune

flow Run1 { start Tune }
`,
	"keys_arrays_pointers": `
import "encoding/json"
import tm "time"

store Index {
    byKey   map[Key]*Page
    grid    [4][3]Cell
    first   *Page
    raw     []json.RawMessage
    seen    map[string]bool
    at      tm.Time
}

node Look { prep map[Key]Page  exec [2]*Cell }
node Pair { prep map[[2]Pair2][]Page  exec map[*Page]int }
node When { exec map[tm.Time]Key }

flow Find {
    start Look
    Look then pair -> Pair
    Pair then when -> When
}
`,
	"batch_and_subflows": `
package support

import llm "example.com/app/llm"

store Crawl {
    urls  []string
    pages []Page
    notes []llm.Note
}

node Fetch {
    prep     []string
    exec     Page
    batch
    parallel 4
    attempts 2
    wait     100ms
}

node Summarize {
    prep  []llm.Document
    exec  llm.Summary
    batch
}

node Decide { actions more, enough }
node Report

flow Gather {
    start Fetch
    Fetch then again -> Fetch
    Fetch then done -> Decide
    Decide then more -> Fetch
    Decide then enough -> end
}

flow Main {
    start Gather
    Gather then enough -> Summarize
    Summarize then done -> Report
}
`,
}

func TestCheckClean(t *testing.T) {
	for name, src := range clean {
		t.Run(name, func(t *testing.T) {
			m, out := generate(t, src)
			if err := Check(m, "x.pico.go", out); err != nil {
				t.Errorf("%v\noutput:\n%s", err, out)
			}
		})
	}
}

// TestStandIns pins the stand-in each use of a local type gets: the least
// capable type that the .pico's defaults and map keys allow.
func TestStandIns(t *testing.T) {
	m, out := generate(t, clean["local_defaults"]+`
node Key { prep map[K]V  exec [2]A }
`)
	std, err := loadStd()
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "x.pico.go", out, 0)
	if err != nil {
		t.Fatal(err)
	}
	std.mu.Lock()
	w, err := plan(m, f, std)
	std.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	want := `package x

// Stand-ins for the local types the .pico names.

type A struct{_ [0]func()}
type Flag bool
type Huge uint64
type K struct{}
type Label string
type Level int8
type Mixed float32
type Page struct{_ [0]func()}
type Ratio float32
type V struct{_ [0]func()}
type Vast float64
type Wait int64
type Wide int16
`
	if got := string(w.localSource("x")); got != want {
		t.Errorf("stand-ins:\n%s\nwant\n%s", got, want)
	}
}

// TestNoStandIn: a .pico whose types no declarations can satisfy says so,
// rather than blaming the generator.
func TestNoStandIn(t *testing.T) {
	for name, fields := range map[string]string{
		"two_kinds":     "a Level = 1\n b Level = \"x\"",
		"too_big":       "a Level = 1e400",
		"not_a_type":    "a time.Now",
		"missing":       "a time.Duraton",
		"not_a_key":     "a map[json.RawMessage]int",
		"generic_std":   "a atomic.Pointer",
		"bool_and_enum": "a Flag = true\n b Flag = 1",
	} {
		t.Run(name, func(t *testing.T) {
			m, out := generate(t, "import \"time\"\nimport \"encoding/json\"\nimport \"sync/atomic\"\nstore S {\n"+fields+
				"\n t time.Time\n j json.RawMessage\n p atomic.Int64\n}\nnode N\nflow F { start N }\n")
			if err := Check(m, "x.pico.go", out); !errors.Is(err, ErrNoStandIn) {
				t.Errorf("got %v, want ErrNoStandIn", err)
			}
		})
	}
}

// broken generates a clean case and edits its output, checking that the
// edit is there to make.
func broken(t *testing.T, name, old, new string) (*dsl.Model, []byte) {
	t.Helper()
	m, out := generate(t, clean[name])
	if !bytes.Contains(out, []byte(old)) {
		t.Fatalf("the generated code has no %q:\n%s", old, out)
	}
	return m, bytes.Replace(out, []byte(old), []byte(new), 1)
}

// lineCol is the position in x.pico.go of the first s in src, as go/token
// counts, with skip bytes of s skipped.
func lineCol(src []byte, s string, skip ...int) string {
	i := bytes.Index(src, []byte(s))
	for _, n := range skip {
		i += n
	}
	line := 1 + bytes.Count(src[:i], []byte("\n"))
	col := i - bytes.LastIndexByte(src[:i], '\n')
	return fmt.Sprintf("x.pico.go:%d:%d", line, col)
}

func TestCheckBroken(t *testing.T) {
	t.Run("undefined", func(t *testing.T) {
		m, out := broken(t, "qualified", "runtime.CheckNode(", "runtime.CheckNod(")
		err := Check(m, "x.pico.go", out)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("got %v, want an *Error", err)
		}
		want := lineCol(out, "CheckNod(") + ": undefined: runtime.CheckNod"
		if len(e.Problems) != 1 || e.Problems[0].String() != want {
			t.Errorf("got\n%v\nwant\n%s", err, want)
		}
	})
	t.Run("compares_opaque", func(t *testing.T) {
		// The stand-in for a type the .pico cannot see into is not
		// comparable, so generated code may not use == on it.
		m, out := broken(t, "local_defaults", "!runtime.SameJSON(s.Plain, old.Plain)", "s.Plain != old.Plain")
		err := Check(m, "x.pico.go", out)
		want := lineCol(out, "s.Plain != old.Plain") + ": invalid operation: s.Plain != old.Plain (struct containing [0]func() cannot be compared)"
		if err == nil || !strings.HasPrefix(err.Error(), want+"\n") {
			t.Errorf("got\n%v\nwant it to start with\n%s", err, want)
		}
		if !strings.Contains(err.Error(), "\nstand-ins:\npackage x\n") {
			t.Errorf("the error does not show the stand-ins:\n%v", err)
		}
	})
	t.Run("line_directive", func(t *testing.T) {
		// An error after a //line directive is reported in the generated
		// file and, as the directive maps it, at the .pico.
		m, _ := generate(t, clean["local_defaults"])
		src := []byte("package x\n\n//line x.pico:7:5\nvar _ Level = \"x\"\n")
		err := Check(m, "x.pico.go", src)
		want := `x.pico.go:4:15 (x.pico:7:19): cannot use "x" (untyped string constant) as Level value in variable declaration`
		if err == nil || !strings.HasPrefix(err.Error(), want+"\n") {
			t.Errorf("got\n%v\nwant it to start with\n%s", err, want)
		}
	})
	t.Run("vet", func(t *testing.T) {
		m, out := broken(t, "qualified", "\t*dst = *s\n", "\t*dst = *s\n\tdst = dst\n")
		err := Check(m, "x.pico.go", out)
		if err == nil || !strings.Contains(err.Error(), ": vet assign: self-assignment of dst") {
			t.Errorf("got %v, want an assign finding", err)
		}
	})
	t.Run("build_constraint", func(t *testing.T) {
		m, out := broken(t, "qualified", "\npackage x\n", "\n//go:build linux\n\npackage x\n")
		err := Check(m, "x.pico.go", out)
		want := lineCol(out, "//go:build") + `: build constraint "//go:build linux" in the generated file`
		if err == nil || err.Error() != want {
			t.Errorf("got\n%v\nwant\n%s", err, want)
		}
	})
	t.Run("too_large", func(t *testing.T) {
		// gc refuses a type of 2^50 bytes or more; a stand-in has no size,
		// so an array of one is never too large.
		m, _ := generate(t, clean["local_defaults"])
		src := []byte("package x\n\ntype T struct {\n\ta [1 << 47]int64\n\tb [1 << 60]Page\n\tc [1<<47 - 1]int64\n}\n")
		err := Check(m, "x.pico.go", src)
		want := "x.pico.go:4:4: type [140737488355328]int64 larger than address space"
		if err == nil || !strings.HasPrefix(err.Error(), want+"\nstand-ins:") {
			t.Errorf("got\n%v\nwant\n%s", err, want)
		}
	})
	t.Run("stack_frame", func(t *testing.T) {
		// gc refuses a function whose arguments, or those of a call it
		// makes through an interface or func value, take 1 GB; half of it
		// in each is allowed, and a declared function's call may be
		// inlined away.
		m, _ := generate(t, clean["local_defaults"])
		src := []byte(`package x

type Big [1 << 27]int64

type Half [1 << 26]int64

type Taker interface{ Take(Big) }

func take(Big) {}

func call(p *Big, f func(Big), t Taker) {
	f(*p)
	t.Take(*p)
}

func inlined(p *Big) { take(*p) }

func half(h Half, f func(Half)) { f(h) }
`)
		err := Check(m, "x.pico.go", src)
		want := `x.pico.go:9:1: stack frame of at least 1024 MB: gc refuses one of 1 GB or more
x.pico.go:11:1: stack frame of at least 1024 MB: gc refuses one of 1 GB or more
stand-ins:`
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got\n%v\nwant\n%s", err, want)
		}
	})
	t.Run("directives", func(t *testing.T) {
		// Text of the .pico must not become a directive.
		m, _ := generate(t, clean["local_defaults"])
		src := []byte("package x\n\n//go:generate rm -rf /\nvar _ = 1\n\n//line other.go:3\nvar _ = 2\n\n//line x.pico:3:1\nvar _ = 3\n")
		err := Check(m, "x.pico.go", src)
		want := `x.pico.go:3:1: directive "//go:generate rm -rf /" in the generated file
x.pico.go:6:1: directive "//line other.go:3" maps the generated file to other.go
stand-ins:`
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got\n%v\nwant\n%s", err, want)
		}
	})
	t.Run("syntax", func(t *testing.T) {
		m, out := broken(t, "qualified", "func ", "func func ")
		err := Check(m, "x.pico.go", out)
		var e *Error
		want := lineCol(out, "func func", len("func ")) + ": expected 'IDENT', found 'func'\n"
		if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got\n%v\nwant it to start with\n%s", err, want)
		}
	})
}
