package dsl

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	goparser "go/parser"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"golang.org/x/tools/txtar"

	"github.com/digital-duck/picoflow-go/internal/golden"
)

// TestFormatGolden runs every case in testdata/fmt: each archive holds the
// input in "in" and either the formatted file in "out" or, for a syntax
// error, the exact diagnostic in "error". go test ./dsl -update rewrites
// them.
func TestFormatGolden(t *testing.T) {
	golden.Run(t, "../testdata/fmt", func(t *testing.T, c *golden.Case) {
		in := c.File("in")
		if in == nil {
			t.Fatal(`archive needs an "in" file`)
		}
		got, err := Format("in.pico", in.Data)
		name := "out"
		if err != nil {
			got, name = []byte(err.Error()+"\n"), "error"
		} else if err := FormatProperties("in.pico", in.Data); err != nil {
			t.Error(err)
		}
		// The expected output is one file, "out" or "error": a case whose
		// input stops or starts parsing fails here.
		c.CheckSet(t, func(n string) bool { return n == "out" || n == "error" }, txtar.File{Name: name, Data: got})
	})
}

// TestFormatEncoding covers what a txtar file cannot hold reliably: CRLF
// line endings and a byte order mark, both dropped as gofmt drops them.
func TestFormatEncoding(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"crlf", "store S {\r\n  n int = 1 // one\r\n\r\n\r\n  m string\r\n}\r\nnode A\r\n", "store S {\n    n int = 1   // one\n\n    m string\n}\n\nnode A\n"},
		{"bom", "\uFEFFstore S { n int }\nnode A\n", "store S { n int }\nnode A\n"},
		{"bom and crlf", "\uFEFF// doc\r\nnode A\r\n", "// doc\nnode A\n"},
		{"no final newline", "node A", "node A\n"},
		{"empty", "", ""},
		{"blank lines only", "\n\n  \n", ""},
		{"comments only", "\n\n// one  \n\n\n// two\n\n", "// one\n\n// two\n"},
		{"lone carriage return in a comment", "// a\rb\nnode A\n", "// a\rb\nnode A\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Format("x.pico", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Format(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if err := FormatProperties("x.pico", []byte(tc.in)); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestFormatSyntaxError checks that a syntax error comes back as the
// diagnostic that Check reports, and that semantic errors do not stop Format.
func TestFormatSyntaxError(t *testing.T) {
	for _, src := range []string{"store S {\n  n int\nnode A\n", "node A {\n  prep: int\n}\n", "store S { n \x00 }", "\xff"} {
		_, err := Format("x.pico", []byte(src))
		_, diags := Check("x.pico", []byte(src))
		var got Diagnostics
		if !errors.As(err, &got) || got.Error() != diags.Error() || len(got) != 1 {
			t.Errorf("Format(%q) error = %v, want %v", src, err, diags)
		}
	}
	// Unknown names, a misspelled setting and a duplicate store check with
	// errors but parse, so they are formatted.
	src := "store S {n int}\nstore T {m int}\nnode A {tiemout 5s}\nflow F {start Nope\nA then x->Gone}\n"
	got, err := Format("x.pico", []byte(src))
	want := "store S { n int }\nstore T { m int }\nnode A { tiemout 5s }\n\nflow F {\n    start Nope\n    A then x -> Gone\n}\n"
	if err != nil || string(got) != want {
		t.Errorf("Format = %q, %v; want %q", got, err, want)
	}
}

// TestFormatCorpus formats every .pico the repository holds: the examples,
// those of internal packages, picoflow init's starter, the .pico files of
// every txtar case, the README's pico blocks and the fuzz corpus. Each must
// keep the properties of FormatProperties, and the examples, internal flows
// and the starter must already be in the canonical layout, as gofmt -l
// would say.
func TestFormatCorpus(t *testing.T) {
	type input struct {
		name string
		src  []byte
	}
	var inputs []input
	var canonical []string
	for _, patterns := range [][]string{
		{"../examples/*/*.pico"},
		// The scenario packages are in internal/e2e; any other internal
		// package may hold a flow too.
		{"../internal/*/*.pico", "../internal/*/*/*.pico"},
		{"../templates/init/*.pico.tmpl"},
	} {
		var files []string
		for _, pattern := range patterns {
			m, err := filepath.Glob(pattern)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, m...)
		}
		if len(files) == 0 {
			t.Fatalf("no files match %v", patterns)
		}
		canonical = append(canonical, files...)
	}
	for _, path := range canonical {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Format(path, src)
		if err != nil {
			t.Errorf("%s: %v", path, err)
		} else if !bytes.Equal(got, src) {
			t.Errorf("%s is not formatted: go run ./cmd/picoflow fmt -w %s", path, strings.TrimPrefix(path, "../"))
		}
		inputs = append(inputs, input{path, src})
	}
	loose, err := filepath.Glob("../testdata/*/*.pico")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range loose {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{path, src})
	}
	archives, err := filepath.Glob("../testdata/*/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range archives {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".pico") || f.Name == "in" || f.Name == "out" {
				inputs = append(inputs, input{path + ":" + f.Name, f.Data})
			}
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```pico\\n(.*?)^```$").FindAllSubmatch(readme, -1)
	if len(blocks) < 3 {
		t.Errorf("found %d pico blocks in README.md, want at least 3", len(blocks))
	}
	for i, m := range blocks {
		inputs = append(inputs, input{fmt.Sprintf("README.md block %d", i+1), m[1]})
	}
	corpus, err := filepath.Glob("testdata/fuzz/FuzzCheck/*")
	if err != nil || len(corpus) == 0 {
		t.Fatalf("no fuzz corpus: %v", err)
	}
	for _, path := range corpus {
		src, err := fuzzInput(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		inputs = append(inputs, input{path, src})
	}
	t.Logf("%d inputs", len(inputs))
	for _, in := range inputs {
		if err := FormatProperties("in.pico", in.src); err != nil {
			t.Errorf("%s: %v", in.name, err)
		}
	}
}

// fuzzInput decodes a file of the go test fuzz corpus that holds one
// []byte value.
func fuzzInput(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	header, value, ok := strings.Cut(string(data), "\n")
	if !ok || header != "go test fuzz v1" {
		return nil, errors.New("not a go test fuzz v1 file")
	}
	expr, err := goparser.ParseExpr(strings.TrimSpace(value))
	if err != nil {
		return nil, err
	}
	call, ok := expr.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return nil, errors.New("not a []byte(...) value")
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok {
		return nil, errors.New("not a []byte(...) literal")
	}
	s, err := strconv.Unquote(lit.Value)
	return []byte(s), err
}

// TestFormatProperties makes sure that the property check itself notices
// what it is there to notice.
func TestFormatProperties(t *testing.T) {
	a, _ := parseSyntax("a.pico", "store S { n int }\n")
	b, _ := parseSyntax("b.pico", "store S {\n    n int\n}\n")
	c, _ := parseSyntax("c.pico", "store S { n int64 }\n")
	if syntax(a) != syntax(b) {
		t.Errorf("the syntax of two layouts differs:\n%s\n%s", syntax(a), syntax(b))
	}
	if syntax(a) == syntax(c) {
		t.Errorf("the syntax of two different files is the same: %s", syntax(a))
	}
	want := `astFile{Decls:[astDecl{Package:nil Import:nil Store:astStore{Name:astName{Value:"S"} Fields:[astField{Name:astName{Value:"n"} Type:astType{Pointer:nil List:nil Map:nil Chan:nil Named:astNamed{Qualifier:nil Name:astIdent{Value:"int"}}} Default:nil Merge:nil}]} Node:nil Flow:nil}]}`
	if syntax(a) != want {
		t.Errorf("syntax = %s\nwant %s", syntax(a), want)
	}
	if got, want := strings.Join(tokens([]byte("// a  \r\nstore S{n int}//b\n")), " "), "// a store S { n int } //b"; got != want {
		t.Errorf("tokens = %q, want %q", got, want)
	}
}

func parseSyntax(filename, src string) (*astFile, error) {
	f, d := newSource(filename, []byte(src)).parse()
	if d != nil {
		return nil, d
	}
	return f, nil
}

// FormatProperties checks what Format promises for src: a syntax error is
// the diagnostic Check gives; otherwise formatting succeeds, formatting the
// output again changes nothing, the output parses to the same syntax tree
// (positions aside), holds the same tokens and comments in the same order,
// and is laid out as the canonical layout says: no tab, carriage return or
// trailing blank, no two blank lines in a row, no blank line at the start or
// end, a final newline. It is exported for FuzzCheck (an _test.go file of
// the package, so not part of its API).
func FormatProperties(filename string, src []byte) error {
	out, err := Format(filename, src)
	if _, d := newSource(filename, src).parse(); d != nil {
		var got Diagnostics
		if !errors.As(err, &got) || len(got) != 1 || got[0].Error() != d.Error() {
			return fmt.Errorf("Format error = %v, want the syntax error %v", err, d)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("input parses but Format failed: %v\ninput:\n%s", err, src)
	}
	again, err := Format(filename, out)
	if err != nil {
		return fmt.Errorf("the output does not parse: %v\ninput:\n%s\noutput:\n%s", err, src, out)
	}
	if !bytes.Equal(again, out) {
		return fmt.Errorf("not idempotent:\ninput:\n%s\nonce:\n%s\ntwice:\n%s", src, out, again)
	}
	a, _ := parseSyntax(filename, string(src))
	b, _ := parseSyntax(filename, string(out))
	if syntax(a) != syntax(b) {
		return fmt.Errorf("the syntax tree changed:\n%s\nnow:\n%s\ninput:\n%s\noutput:\n%s", syntax(a), syntax(b), src, out)
	}
	if ta, tb := tokens(src), tokens(out); !slices.Equal(ta, tb) {
		return fmt.Errorf("the tokens or comments changed:\n%q\nnow:\n%q\ninput:\n%s\noutput:\n%s", ta, tb, src, out)
	}
	lines := strings.Split(string(out), "\n")
	switch {
	case len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")):
		return fmt.Errorf("no final newline:\n%s", out)
	case layoutTab(out) || bytes.Contains(out, []byte("\r\n")) || bytes.HasPrefix(out, []byte("\uFEFF")):
		return fmt.Errorf("a tab, CRLF or byte order mark in the output's layout:\n%q", out)
	case bytes.HasPrefix(out, []byte("\n")) || bytes.HasSuffix(out, []byte("\n\n")) || bytes.Contains(out, []byte("\n\n\n")):
		return fmt.Errorf("a leading, trailing or second blank line:\n%s", out)
	case slices.ContainsFunc(lines, func(l string) bool { return strings.TrimRight(l, " ") != l }):
		return fmt.Errorf("trailing blanks:\n%q", out)
	}
	return nil
}

// layoutTab reports whether src, which parses, has a tab between tokens. A
// tab inside a string or a comment is the user's text, which Format keeps.
func layoutTab(src []byte) bool {
	lx, err := picoLexer.LexString("", string(src))
	if err != nil {
		return false
	}
	space := picoLexer.Symbols()["Whitespace"]
	for {
		t, err := lx.Next()
		if err != nil || t.EOF() {
			return false
		}
		if t.Type == space && strings.Contains(t.Value, "\t") {
			return true
		}
	}
}

// syntax prints a syntax tree without its positions: two layouts of one
// file print the same.
func syntax(f *astFile) string {
	var b strings.Builder
	dump(&b, reflect.ValueOf(f))
	return b.String()
}

var positionType = reflect.TypeFor[lexer.Position]()

func dump(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		dump(b, v.Elem())
	case reflect.Struct:
		b.WriteString(v.Type().Name() + "{")
		sep := ""
		for i := range v.NumField() {
			if v.Field(i).Type() == positionType {
				continue
			}
			b.WriteString(sep + v.Type().Field(i).Name + ":")
			dump(b, v.Field(i))
			sep = " "
		}
		b.WriteString("}")
	case reflect.Slice:
		// nil and empty print alike: `node A` and `node A {}` mean the same.
		b.WriteString("[")
		for i := range v.Len() {
			if i > 0 {
				b.WriteString(" ")
			}
			dump(b, v.Index(i))
		}
		b.WriteString("]")
	case reflect.String:
		b.WriteString(strconv.Quote(v.String()))
	default:
		fmt.Fprint(b, v.Interface())
	}
}

// tokens lists the tokens of src, comments included, without blanks and
// newlines, and comments without their trailing blanks.
func tokens(src []byte) []string {
	lx, err := picoLexer.LexString("", string(src))
	if err != nil {
		return nil
	}
	symbols := picoLexer.Symbols()
	var toks []string
	for {
		t, err := lx.Next()
		if err != nil || t.EOF() {
			return toks
		}
		switch t.Type {
		case symbols["Whitespace"], symbols["Newline"]:
		default:
			toks = append(toks, strings.TrimRight(t.Value, " \t\r"))
		}
	}
}

// TestFormatRandom checks the properties of Format on random files that
// parse: random blanks, line breaks, blank lines and comments between every
// pair of tokens where the grammar allows them, which the mutation fuzzer
// rarely reaches from the seed corpus.
func TestFormatRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// 250 files take under a second; under the race detector, which the
	// README's test command leaves out for dsl, participle runs some 40
	// times slower and they take about 25 s. FuzzCheck checks the same
	// properties for as long as it is given.
	n := 250
	if testing.Short() {
		n = 50
	}
	for i := range n {
		g := &randomFile{r: r}
		src := g.file()
		if _, d := newSource("r.pico", []byte(src)).parse(); d != nil {
			t.Fatalf("case %d does not parse: %v\n%s", i, d, src)
		}
		if err := FormatProperties("r.pico", []byte(src)); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
	}
}

// randomFile writes a random .pico file that parses.
type randomFile struct {
	r *rand.Rand
	b strings.Builder
	n int // comments written, to tell them apart
}

func (g *randomFile) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// sp writes the blank that must separate two words.
func (g *randomFile) sp() { g.b.WriteString(g.pick(" ", "  ", "\t", " \t ")) }

// osp writes an optional blank.
func (g *randomFile) osp() {
	if g.r.IntN(2) == 0 {
		g.sp()
	}
}

// nl ends a line, perhaps with a trailing comment, then writes blank lines
// and comment lines at random, and the indentation of the next line.
func (g *randomFile) nl() {
	if g.r.IntN(3) == 0 {
		g.osp()
		g.comment()
	}
	g.b.WriteString(g.pick("\n", "\n", "\r\n", " \n"))
	for g.r.IntN(3) == 0 {
		if g.r.IntN(2) == 0 {
			g.osp()
			g.comment()
		}
		g.b.WriteString("\n")
	}
	g.osp()
}

func (g *randomFile) comment() {
	g.n++
	fmt.Fprintf(&g.b, "//%s c%d%s", g.pick("", " ", "  "), g.n, g.pick("", " "))
}

// sep separates two items: a blank on the same line or a line break.
func (g *randomFile) sep() {
	if g.r.IntN(4) == 0 {
		g.sp()
	} else {
		g.nl()
	}
}

func (g *randomFile) file() string {
	if g.r.IntN(2) == 0 {
		g.nl()
	}
	for range g.r.IntN(8) {
		g.decl()
		g.sep()
	}
	return g.b.String()
}

func (g *randomFile) decl() {
	name := g.pick("A", "B", "Ticket", "Fetch")
	switch g.r.IntN(6) {
	case 0:
		g.b.WriteString("package")
		g.sp()
		g.b.WriteString("demo")
	case 1:
		g.b.WriteString("import")
		g.sp()
		if g.r.IntN(2) == 0 {
			g.b.WriteString("js")
			g.sp()
		}
		g.b.WriteString(`"encoding/json"`)
	case 2:
		g.b.WriteString("store")
		g.sp()
		g.b.WriteString(name)
		g.block(g.field)
	case 3:
		g.b.WriteString("node")
		g.sp()
		g.b.WriteString(name)
		if g.r.IntN(3) > 0 {
			g.block(g.setting)
		}
	default:
		g.b.WriteString("flow")
		g.sp()
		g.b.WriteString(name)
		g.block(g.flowItem)
	}
}

// block writes { items }, on one line or several. item reports whether
// the line must end after it (the rest of a line the grammar does not know
// belongs to it).
func (g *randomFile) block(item func() bool) {
	g.osp()
	g.b.WriteString("{")
	oneLine := g.r.IntN(3) == 0
	if !oneLine && g.r.IntN(2) == 0 {
		g.nl()
	} else {
		g.osp()
	}
	for range g.r.IntN(6) {
		if item() {
			g.nl()
		} else if oneLine {
			g.sp()
		} else {
			g.sep()
		}
	}
	if !oneLine && g.r.IntN(2) == 0 {
		g.nl()
	}
	g.b.WriteString("}")
}

func (g *randomFile) field() bool {
	g.b.WriteString(g.pick("a", "bb", "longer_name"))
	g.sp()
	g.typ(0)
	if g.r.IntN(3) == 0 {
		g.osp()
		g.b.WriteString("=")
		g.osp()
		g.b.WriteString(g.pick(`"x"`, `"é y"`, "1", "-2.5", "- 3", "true", "500ms"))
	}
	return false
}

func (g *randomFile) typ(depth int) {
	k := g.r.IntN(6)
	if depth > 3 {
		k = 0
	}
	switch k {
	case 0:
		g.b.WriteString(g.pick("int", "string", "Page"))
	case 1:
		g.b.WriteString("js")
		g.osp()
		g.b.WriteString(".")
		g.osp()
		g.b.WriteString("RawMessage")
	case 2:
		g.b.WriteString("[")
		g.osp()
		g.b.WriteString(g.pick("", "4", "-1"))
		g.osp()
		g.b.WriteString("]")
		g.osp()
		g.typ(depth + 1)
	case 3:
		g.b.WriteString("map")
		g.osp()
		g.b.WriteString("[")
		g.osp()
		g.typ(depth + 1)
		g.osp()
		g.b.WriteString("]")
		g.osp()
		g.typ(depth + 1)
	default:
		g.b.WriteString("*")
		g.osp()
		g.typ(depth + 1)
	}
}

func (g *randomFile) setting() bool {
	switch g.r.IntN(8) {
	case 0, 1:
		g.b.WriteString(g.pick("prep", "exec"))
		g.sp()
		g.typ(0)
	case 2:
		g.b.WriteString(g.pick("attempts", "wait", "backoff", "timeout", "parallel"))
		g.sp()
		g.b.WriteString(g.pick("3", "500ms", "1.5", "-1", "- 2"))
	case 3:
		g.b.WriteString("batch")
	case 4, 5:
		g.b.WriteString("actions")
		g.sp()
		g.b.WriteString("a")
		for range g.r.IntN(4) {
			g.osp()
			g.b.WriteString(",")
			if g.r.IntN(3) == 0 {
				g.nl()
			} else {
				g.osp()
			}
			g.b.WriteString(g.pick("b", "c", "longer"))
		}
	default:
		g.b.WriteString(g.pick("tiemout", "retries"))
		g.sp()
		g.b.WriteString(g.pick("5s", "x y", "{ z", "a.b"))
		return true
	}
	return false
}

func (g *randomFile) flowItem() bool {
	switch g.r.IntN(5) {
	case 0:
		g.b.WriteString("start")
		g.sp()
		g.b.WriteString(g.pick("A", "B"))
	case 1:
		g.b.WriteString("max_steps")
		g.sp()
		g.b.WriteString("50")
	case 2, 3:
		g.b.WriteString(g.pick("A", "Classify"))
		for range 1 + g.r.IntN(3) {
			g.sp()
			g.b.WriteString("then")
			g.sp()
			g.b.WriteString(g.pick("x", "*", "longer"))
			g.osp()
			g.b.WriteString("->")
			g.osp()
			g.b.WriteString(g.pick("B", "end", "Research"))
		}
	default:
		g.b.WriteString(g.pick("A", "Bogus"))
		g.sp()
		g.b.WriteString(g.pick("-> B", "x", "{ y"))
		return true
	}
	return false
}
