package dsl

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

var parser = participle.MustBuild[astFile](
	participle.Lexer(picoLexer),
	participle.Elide("Comment", "Whitespace"),
	participle.UseLookahead(0),
)

// reserved are the words that no name may be: an action, node or flow
// called then or end would make edges ambiguous. Every other keyword is
// contextual (see ast.go).
var reserved = map[string]bool{"then": true, "end": true}

// isSetting reports whether the token t is a setting keyword.
func isSetting(t lexer.Token) bool {
	_, ok := settingKinds[t.Type]
	return ok
}

// isKeyword reports whether the token t is a keyword where a keyword may
// stand: a setting, or a declaration or flow keyword.
func isKeyword(t lexer.Token) bool {
	if isSetting(t) {
		return true
	}
	word := declKeywords[t.Value] || reserved[t.Value] || t.Value == "start" || t.Value == "max_steps"
	return word && t.Type == tokIdent
}

// settingKinds maps the token kinds of setting keywords back to their kinds.
var settingKinds = func() map[lexer.TokenType]valueKind {
	m := map[lexer.TokenType]valueKind{}
	for k, name := range settingTokens {
		m[picoLexer.Symbols()[name]] = k
	}
	return m
}()

// source is a file being parsed: its bytes, for turning participle's rune
// columns into byte columns, and its comments, for doc comments.
type source struct {
	filename string
	src      []byte
	lines    []int // offset of the start of each line
	// own holds, by line, comments that are alone on their line; trailing
	// holds comments that follow code on their line.
	own      map[int]string
	trailing map[int]string
}

func newSource(filename string, src []byte) *source {
	s := &source{filename: filename, src: src, lines: []int{0}, own: map[int]string{}, trailing: map[int]string{}}
	for i, b := range src {
		if b == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
	return s
}

// pos converts a participle position (1-based rune column) into a Pos with a
// byte column, as go/token reports.
func (s *source) pos(p lexer.Position) Pos {
	if p.Line < 1 || p.Line > len(s.lines) {
		return s.offsetPos(p.Offset)
	}
	return Pos{Filename: s.filename, Offset: p.Offset, Line: p.Line, Column: p.Offset - s.lines[p.Line-1] + 1}
}

// offsetPos is the position of a byte offset.
func (s *source) offsetPos(off int) Pos {
	off = max(0, min(off, len(s.src)))
	line := 1
	for line < len(s.lines) && s.lines[line] <= off {
		line++
	}
	return Pos{Filename: s.filename, Offset: off, Line: line, Column: off - s.lines[line-1] + 1}
}

// parse builds the syntax tree. A syntax error stops the parse: the grammar
// has no statement-level recovery, and a second error after a misparse is
// more often noise than help.
func (s *source) parse() (*astFile, *Diagnostic) {
	if !utf8.Valid(s.src) {
		off := 0
		for off < len(s.src) {
			r, n := utf8.DecodeRune(s.src[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		return nil, &Diagnostic{Pos: s.offsetPos(off), Msg: "invalid UTF-8 encoding"}
	}
	if i := bytes.IndexByte(s.src, 0); i >= 0 {
		return nil, &Diagnostic{Pos: s.offsetPos(i), Msg: "invalid NUL character"}
	}
	// As in Go, a byte order mark may only start the file: elsewhere, in a
	// string or a comment, it would be carried into Go that does not compile.
	bom, start := []byte("\uFEFF"), 0
	if bytes.HasPrefix(s.src, bom) {
		start = len(bom)
	}
	if i := bytes.Index(s.src[start:], bom); i >= 0 {
		return nil, &Diagnostic{Pos: s.offsetPos(start + i), Msg: "invalid byte order mark: it may only start the file"}
	}
	if d := s.scan(); d != nil {
		return nil, d
	}
	f, err := parser.ParseBytes(s.filename, s.src)
	if err != nil {
		return nil, s.syntaxError(err)
	}
	return f, nil
}

// scan records every comment by line, for doc comments, and reports the
// first lexical error: participle would only say the token was unexpected.
func (s *source) scan() *Diagnostic {
	lx, err := picoLexer.LexString(s.filename, string(s.src))
	if err != nil {
		return s.syntaxError(err)
	}
	symbols := picoLexer.Symbols()
	comment, space, newline := symbols["Comment"], symbols["Whitespace"], symbols["Newline"]
	codeLine := 0 // the last line that holds a token other than a comment
	// nesting counts the type constructors (*, [, map, chan) of the type
	// expression being read: a type nested thousands deep would exhaust the
	// parser's stack and the Go formatter's depth limit, so it is refused
	// before parsing. A type goes on past a name or length followed by ] or
	// . (map[int]map[int]..., [2][2]..., a.B), and ends at any other token.
	nesting := 0
	var prev lexer.Token // the last significant token
	for {
		t, err := lx.Next()
		if err != nil {
			return s.syntaxError(err)
		}
		if t.Type != space && t.Type != comment {
			switch {
			case prev.Value == "*" || prev.Value == "[" || prev.Value == "map" || prev.Value == "chan":
				if nesting++; nesting > maxTypeNesting {
					return &Diagnostic{Pos: s.pos(prev.Pos), Msg: fmt.Sprintf("type nested too deeply: more than %d levels", maxTypeNesting)}
				}
			case prev.Value == "]" || prev.Value == "." || t.Value == "]" || t.Value == ".":
			default:
				nesting = 0
			}
			prev = t
		}
		if t.EOF() {
			return nil
		}
		switch t.Type {
		case symbols["Unterminated"]:
			return &Diagnostic{Pos: s.pos(t.Pos), Msg: "string literal not terminated"}
		case symbols["Other"]:
			return s.invalidChar(t.Pos.Offset, t.Value)
		case comment:
			text := strings.TrimPrefix(t.Value, "//")
			text = strings.TrimPrefix(text, " ")
			if codeLine == t.Pos.Line {
				s.trailing[t.Pos.Line] = text
			} else {
				s.own[t.Pos.Line] = text
			}
		case space, newline:
		default:
			codeLine = t.Pos.Line
		}
	}
}

// doc returns the comment block directly above line, oldest line first.
func (s *source) doc(line int) []string {
	first := line
	for first > 1 {
		if _, ok := s.own[first-1]; !ok {
			break
		}
		first--
	}
	var doc []string
	for l := first; l < line; l++ {
		doc = append(doc, s.own[l])
	}
	return doc
}

// syntaxError turns a participle error into a diagnostic in the project's
// wording: token names a user would recognise, no grammar internals, and a
// hint for the mistakes people make most.
func (s *source) syntaxError(err error) *Diagnostic {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &Diagnostic{Pos: s.offsetPos(0), Msg: err.Error()}
	}
	d := &Diagnostic{Pos: s.pos(perr.Position()), Msg: perr.Message()}
	var unexpected *participle.UnexpectedTokenError
	if !errors.As(err, &unexpected) {
		return d
	}
	tok := unexpected.Unexpected
	found := describe(tok)
	want := expectation(perr.Message())
	symbols := picoLexer.Symbols()
	prev, next := s.neighbours(tok.Pos.Offset)
	switch {
	case prev != nil && prev.Value == "," && (want == "name" || want == ""):
		d.Pos, d.Msg = s.pos(prev.Pos), "unexpected trailing comma"
	case prev != nil && prev.Value == "->":
		d.Msg = "expected a node, a flow, end or a parallel group [A, B] after ->, found " + found
	case prev != nil && prev.Value == "]" && want == "->":
		d.Msg = "expected -> after a parallel group, found " + found + ": a group has a single exit, as in `[A, B] -> C`"
	case tok.Value == "[" && prev != nil && prev.Value == "start":
		d.Msg = "a flow cannot start at a parallel group: start at a node whose edge goes to the group"
	case tok.Value == "[" && (want == "" || want == "}"):
		d.Msg = "a parallel group cannot begin an edge: it has no actions, only its exit, as in `A then x -> [B, C] -> D`"
	case want == "import path string":
		d.Msg = `expected a quoted import path, as in import "time", found ` + found
	case want == "" && isSetting(tok):
		d.Msg = fmt.Sprintf("setting %s outside a node block: is the { after the node name missing?", tok.Value)
	case want == "" && tok.Value == "{":
		d.Msg = `unexpected {: it must be on the same line as its store, node or flow`
	case want == "" && tok.Type == symbols["Ident"] && next != nil && next.Value == "then":
		d.Msg = "edge outside a flow: edges go inside flow NAME { ... }"
	case want == "" && tok.Type == symbols["Ident"] && !isKeyword(tok):
		d.Msg = fmt.Sprintf("unexpected name %s: expected package, import, store, node or flow%s",
			tok.Value, suggest(tok.Value, []string{"package", "import", "store", "node", "flow"}))
	case strings.HasPrefix(want, "}") && (tok.EOF() || declKeywords[tok.Value]):
		if open, ok := s.unclosedBrace(tok.Pos.Offset); ok {
			// `node Answer` after a store missing its } reads as a field
			// called node; a declaration keyword that starts a line is
			// where the block most likely should have ended.
			if decl := s.declAtLineStart(open.Offset, tok.Pos.Offset); decl != nil {
				d.Pos, found = s.pos(decl.Pos), describe(*decl)
			}
			d.Msg = fmt.Sprintf("expected } to close the { at %d:%d, found %s", open.Line, open.Column, found)
		} else {
			d.Msg = "expected }, found " + found
		}
	case want != "" && want != "}":
		d.Msg = "expected " + want + ", found " + found
	default:
		d.Msg = "unexpected " + found
	}
	return d
}

// maxTypeNesting bounds how deeply types may nest ([]*map[K][]T ...).
const maxTypeNesting = 100

// declKeywords start top-level declarations.
var declKeywords = map[string]bool{"package": true, "import": true, "store": true, "node": true, "flow": true}

// neighbours returns the significant tokens (not blanks, comments or
// newlines) just before and just after offset.
func (s *source) neighbours(offset int) (prev, next *lexer.Token) {
	lx, err := picoLexer.LexString(s.filename, string(s.src))
	if err != nil {
		return nil, nil
	}
	symbols := picoLexer.Symbols()
	for {
		t, err := lx.Next()
		if err != nil || t.EOF() {
			return prev, nil
		}
		switch t.Type {
		case symbols["Whitespace"], symbols["Comment"], symbols["Newline"]:
			continue
		}
		switch {
		case t.Pos.Offset < offset:
			prev = &t
		case t.Pos.Offset > offset:
			return prev, &t
		}
	}
}

// invalidChar explains a character the language has no use for, with a
// hint for the habits people bring from Python, PocketFlow and Go.
func (s *source) invalidChar(off int, r string) *Diagnostic {
	at := s.src[off:]
	before := s.src[:off]
	d := &Diagnostic{Pos: s.offsetPos(off), Msg: fmt.Sprintf("invalid character %q", r)}
	switch {
	case r == ">" && bytes.HasSuffix(before, []byte("=")):
		d.Pos, d.Msg = s.offsetPos(off-1), "an edge arrow is ->, not =>"
	case r == ">" && (bytes.HasPrefix(at, []byte(">>")) || bytes.HasSuffix(before, []byte(">"))):
		d.Msg = "invalid character \">\": >> is PocketFlow's Python syntax; write SOURCE then ACTION -> TARGET"
	case r == "/" && bytes.HasPrefix(at, []byte("/*")):
		d.Msg = "block comments are not supported; start each comment line with //"
	case r == "(" && bytes.HasSuffix(bytes.TrimRight(before, " \t"), []byte("func")):
		d.Msg = `invalid character "(": a .pico names no function types; for a phase, declare a named type in the package`
	case r == ":":
		d.Msg = `invalid character ":": write NAME TYPE and SETTING VALUE without a colon`
	case r == ";":
		d.Msg = `invalid character ";": statements end at a newline`
	case r == "#":
		d.Msg = `invalid character "#": comments start with //`
	case r == "'" || r == "`":
		d.Msg = fmt.Sprintf("invalid character %q: strings use double quotes", r)
	case len(r) > 1:
		rn, _ := utf8.DecodeRuneInString(r)
		d.Msg = fmt.Sprintf("invalid character %U %q: names use ASCII letters, digits and _", rn, r)
	}
	return d
}

// declAtLineStart returns the first declaration keyword between the offsets
// from and to that starts a line, or nil.
func (s *source) declAtLineStart(from, to int) *lexer.Token {
	lx, err := picoLexer.LexString(s.filename, string(s.src[:to]))
	if err != nil {
		return nil
	}
	for {
		t, err := lx.Next()
		if err != nil || t.EOF() {
			return nil
		}
		if t.Pos.Offset > from && t.Pos.Column == 1 && declKeywords[t.Value] && t.Type == picoLexer.Symbols()["Ident"] {
			return &t
		}
	}
}

// unclosedBrace finds the innermost `{` still open at offset, so that a
// missing `}` can be reported together with the block it should close.
func (s *source) unclosedBrace(offset int) (Pos, bool) {
	lx, err := picoLexer.LexString(s.filename, string(s.src[:offset]))
	if err != nil {
		return Pos{}, false
	}
	var open []Pos
	for {
		t, err := lx.Next()
		if err != nil || t.EOF() {
			break
		}
		switch t.Value {
		case "{":
			open = append(open, s.pos(t.Pos))
		case "}":
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	if len(open) == 0 {
		return Pos{}, false
	}
	return open[len(open)-1], true
}

// expected maps the first element that participle expected (a production
// or token name of the grammar) to words a user knows.
var expected = map[string]string{
	"AstType":  "type",
	"AstLit":   "value",
	"<number>": "number",
	"AstNum":   "number",
	"AstLabel": "action or *",
	"<arrow>":  "->",
	"AstName":  "name",
	"AstIdent": "type",
	"AstLink+": "then",
	"AstStr":   "import path string",
	`"}"`:      "}",
	`"{"`:      "{",
	`"]"`:      "]",
	`"["`:      "[",
}

// expectation extracts what participle's message says it expected.
func expectation(msg string) string {
	_, rest, ok := strings.Cut(msg, "(expected ")
	if !ok {
		return ""
	}
	first, _, _ := strings.Cut(strings.TrimSuffix(rest, ")"), " ")
	return expected[first]
}

// describe names a token for a message.
func describe(t lexer.Token) string {
	symbols := picoLexer.Symbols()
	switch {
	case t.EOF():
		return "end of file"
	case t.Type == symbols["Newline"]:
		return "newline"
	case t.Type == symbols["String"]:
		return "string " + t.Value
	case t.Type == symbols["Number"]:
		return fmt.Sprintf("number %s", t.Value)
	case isKeyword(t):
		return fmt.Sprintf("keyword %s", t.Value)
	case t.Type == symbols["Ident"]:
		return fmt.Sprintf("name %s", t.Value)
	}
	return fmt.Sprintf("%q", t.Value)
}
