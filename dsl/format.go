package dsl

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Format returns src in the canonical layout of a .pico file, as gofmt does
// for Go: four-space indentation, one item per line, field types, setting
// values and edge arrows aligned in columns, trailing comments aligned, at
// most one blank line where the source had one or more, a blank line around
// every multi-line declaration, LF line endings and no byte order mark.
// Every comment is kept where it was relative to the code, and the tokens
// are those of src in the same order: only the space between them changes.
// Literals are printed as written. A block written on one line, such as
// `node Answer { prep string  exec string }`, stays on one line.
//
// Format only parses: a file that does not check (an unknown node, a
// misspelled setting) is formatted all the same. A syntax error is returned
// as Diagnostics, as Check reports it, and nothing is formatted.
func Format(filename string, src []byte) ([]byte, error) {
	s := newSource(filename, src)
	f, d := s.parse()
	if d != nil {
		return nil, Diagnostics{d}
	}
	p := &printer{}
	p.lex(s)
	p.file(f)
	p.placeComments()
	p.blankLines()
	return p.render(), nil
}

// indent is one level of indentation: what SPEC.md and the examples use.
const indent = "    "

// commentGap is the least space between code and a trailing comment.
const commentGap = 3

// tok is a token of the source with its byte offsets and line.
type tok struct {
	off, end, line int
	text           string
}

// lineKind says which lines align their first column together.
type lineKind int

const (
	kindOther   lineKind = iota
	kindField            // NAME TYPE [= LITERAL]
	kindSetting          // KEYWORD VALUE
	kindEdge             // SOURCE then ACTION -> ...
	kindCont             // a continuation line of an actions list
	kindComment          // a comment alone on its line
)

// line is one line of output.
type line struct {
	depth int // indentation level
	// group is the block the line is in (0: the top level); lines align
	// only with neighbours of their group.
	group   int
	kind    lineKind
	cells   []string // code; the first of two cells is aligned in its run
	comment string   // trailing comment, with its //
	// first and last are the offsets of the first and last source tokens
	// the line prints; startLine and endLine their lines.
	first, last        int
	startLine, endLine int
	open               bool   // ends with the { of a multi-line block
	close              bool   // the } of a multi-line block
	inner              int    // for close: the group of the block's lines
	decl               bool   // the first code line of a top-level declaration
	multi              bool   // for decl: the declaration spans several lines
	end                bool   // the last line of a top-level declaration
	blank              bool   // a blank line goes before this one
	text               string // as printed, after the indentation: set by render
}

// printer lays out one parsed file.
type printer struct {
	toks     []tok       // every token but blanks, newlines and comments
	at       map[int]int // index in toks by byte offset
	comments []tok       // in source order
	lines    []*line
	groups   int // multi-line blocks laid out so far
}

// lex collects the tokens and comments of s, which has parsed, so lexing
// cannot fail.
func (p *printer) lex(s *source) {
	p.at = map[int]int{}
	lx, err := picoLexer.LexString(s.filename, string(s.src))
	if err != nil {
		return
	}
	symbols := picoLexer.Symbols()
	for {
		t, err := lx.Next()
		if err != nil || t.EOF() {
			return
		}
		tk := tok{off: t.Pos.Offset, end: t.Pos.Offset + len(t.Value), line: t.Pos.Line, text: t.Value}
		switch t.Type {
		case symbols["Whitespace"], symbols["Newline"]:
		case symbols["Comment"]:
			tk.text = strings.TrimRight(tk.text, " \t\r")
			p.comments = append(p.comments, tk)
		default:
			p.at[tk.off] = len(p.toks)
			p.toks = append(p.toks, tk)
		}
	}
}

// index returns the index of the token at offset off, which the parser
// reported, so it exists.
func (p *printer) index(off int) int { return p.at[off] }

// add appends a code line covering tokens i to j.
func (p *printer) add(l *line, i, j int) *line {
	l.first, l.last = p.toks[i].off, p.toks[j].off
	l.startLine, l.endLine = p.toks[i].line, p.toks[j].line
	p.lines = append(p.lines, l)
	return l
}

func (p *printer) file(f *astFile) {
	for _, d := range f.Decls {
		switch {
		case d.Package != nil:
			i := p.index(d.Package.Pos.Offset)
			p.add(&line{cells: []string{"package " + d.Package.Name.Value}, decl: true, end: true}, i, p.index(d.Package.Name.Pos.Offset))
		case d.Import != nil:
			text := "import "
			if d.Import.Alias != nil {
				text += d.Import.Alias.Value + " "
			}
			i := p.index(d.Import.Pos.Offset)
			p.add(&line{cells: []string{text + d.Import.Path.Value}, decl: true, end: true}, i, p.index(d.Import.Path.Pos.Offset))
		case d.Store != nil:
			sd := d.Store
			offs := make([]int, len(sd.Fields))
			for k, fd := range sd.Fields {
				offs[k] = fd.Pos.Offset
			}
			p.block("store "+sd.Name.Value, sd.Pos.Offset, sd.Name.Pos.Offset, offs, func(k, i, j int) []*line {
				return []*line{p.field(sd.Fields[k], i, j)}
			})
		case d.Node != nil:
			nd := d.Node
			name := p.index(nd.Name.Pos.Offset)
			if name+1 >= len(p.toks) || p.toks[name+1].text != "{" {
				p.add(&line{cells: []string{"node " + nd.Name.Value}, decl: true, end: true}, p.index(nd.Pos.Offset), name)
				continue
			}
			offs := make([]int, len(nd.Settings))
			for k, st := range nd.Settings {
				offs[k] = st.Pos.Offset
			}
			p.block("node "+nd.Name.Value, nd.Pos.Offset, nd.Name.Pos.Offset, offs, func(k, i, j int) []*line {
				return p.setting(nd.Settings[k], i, j)
			})
		case d.Flow != nil:
			fd := d.Flow
			offs := make([]int, len(fd.Items))
			for k, it := range fd.Items {
				offs[k] = it.Pos.Offset
			}
			p.block("flow "+fd.Name.Value, fd.Pos.Offset, fd.Name.Pos.Offset, offs, func(k, i, j int) []*line {
				return []*line{p.flowItem(fd.Items[k], i, j)}
			})
		}
	}
}

// block lays out a declaration with a { } block: head is its text up to the
// brace, start and name the offsets of its keyword and name, offs those of
// its items. item returns the lines of the k-th item, which spans tokens i
// to j. A block written on one line stays on one line; an empty one without
// comments becomes {}.
func (p *printer) block(head string, start, name int, offs []int, item func(k, i, j int) []*line) {
	first := p.index(start)
	open := p.index(name) + 1
	// Items hold no braces (the rest of a misspelled setting stops at one),
	// so the block ends at the first } after the start of its last item.
	closing := open + 1
	if len(offs) > 0 {
		closing = p.index(offs[len(offs)-1])
	}
	for closing < len(p.toks) && p.toks[closing].text != "}" {
		closing++
	}
	var items [][]*line
	for k, off := range offs {
		i, j := p.index(off), closing-1
		if k+1 < len(offs) {
			j = p.index(offs[k+1]) - 1
		}
		items = append(items, item(k, i, j))
	}
	// The first comment after the { tells whether the block holds any.
	next := sort.Search(len(p.comments), func(k int) bool { return p.comments[k].off > p.toks[open].off })
	inside := next < len(p.comments) && p.comments[next].off < p.toks[closing].off
	switch {
	case len(items) == 0 && !inside:
		p.add(&line{cells: []string{head + " {}"}, decl: true, end: true}, first, closing)
		return
	case p.toks[open].line == p.toks[closing].line:
		parts := make([]string, len(items))
		for k, ls := range items {
			parts[k] = strings.Join(nonEmpty(ls[0].cells), " ")
		}
		p.add(&line{cells: []string{head + " { " + strings.Join(parts, "  ") + " }"}, decl: true, end: true}, first, closing)
		return
	}
	p.add(&line{cells: []string{head + " {"}, open: true, decl: true, multi: true}, first, open)
	p.groups++
	for _, ls := range items {
		for _, l := range ls {
			l.group = p.groups
			l.depth++
			p.lines = append(p.lines, l)
		}
	}
	p.add(&line{cells: []string{"}"}, close: true, inner: p.groups, end: true}, closing, closing)
}

// nonEmpty drops the empty value cell of a `batch` line.
func nonEmpty(cells []string) []string {
	return slices.DeleteFunc(slices.Clone(cells), func(c string) bool { return c == "" })
}

// item returns a line of the given kind and cells covering tokens i to j,
// not yet added.
func (p *printer) item(kind lineKind, cells []string, i, j int) *line {
	return &line{kind: kind, cells: cells, first: p.toks[i].off, last: p.toks[j].off,
		startLine: p.toks[i].line, endLine: p.toks[j].line}
}

func (p *printer) field(fd *astField, i, j int) *line {
	typ := typeString(fd.Type)
	if fd.Default != nil {
		typ += " = " + litString(fd.Default)
	}
	if fd.Merge != nil {
		typ += " merge " + fd.Merge.Value
	}
	return p.item(kindField, []string{fd.Name.Value, typ}, i, j)
}

// setting returns the line of a node setting, or several for an actions
// list that the source broke after commas.
func (p *printer) setting(st *astSetting, i, j int) []*line {
	kv := func(k, v string) []*line { return []*line{p.item(kindSetting, []string{k, v}, i, j)} }
	switch {
	case st.TypeKey != "":
		return kv(st.TypeKey, typeString(st.Type))
	case st.NumberKey != "":
		return kv(st.NumberKey, st.Num.Value)
	case st.FlagKey != "":
		return kv(st.FlagKey, "")
	case st.ListKey != "":
		return p.actions(i, j)
	}
	return []*line{p.item(kindOther, []string{p.raw(i, j)}, i, j)}
}

// actions lays out `actions a, b, ...` from its tokens, i (the keyword) to
// j, keeping the line breaks the source had after commas: a long list stays
// readable, and a comment after a comma stays there. Continuation lines are
// indented one level more.
func (p *printer) actions(i, j int) []*line {
	var ls []*line
	var b strings.Builder
	start := i + 1
	flush := func(end int) {
		if len(ls) == 0 {
			ls = append(ls, p.item(kindSetting, []string{"actions", b.String()}, i, end))
		} else {
			l := p.item(kindCont, []string{b.String()}, start, end)
			l.depth = 1
			ls = append(ls, l)
		}
		b.Reset()
	}
	for k := i + 1; k <= j; k++ {
		t := p.toks[k]
		b.WriteString(t.text)
		switch {
		case k == j:
			flush(k)
		case p.toks[k+1].line != t.line:
			flush(k)
			start = k + 1
		case t.text == ",":
			b.WriteByte(' ')
		}
	}
	return ls
}

func (p *printer) flowItem(it *astFlowItem, i, j int) *line {
	switch {
	case it.Start != nil:
		return p.item(kindOther, []string{"start " + it.Start.Value}, i, j)
	case it.MaxSteps != nil:
		return p.item(kindOther, []string{"max_steps " + it.MaxSteps.Value}, i, j)
	case it.Chain != nil:
		c := it.Chain
		rest := "-> " + targetString(c.Links[0].To)
		for _, l := range c.Links[1:] {
			rest += " then " + l.Action.Value + " -> " + targetString(l.To)
		}
		return p.item(kindEdge, []string{c.From.Value + " then " + c.Links[0].Action.Value, rest}, i, j)
	}
	return p.item(kindOther, []string{p.raw(i, j)}, i, j)
}

// targetString prints an edge's target; a group on one line, as
// `[A, B] -> TARGET`.
func targetString(t *astTarget) string {
	if t.Group == nil {
		return t.Name.Value
	}
	names := make([]string, len(t.Group.Members))
	for i, n := range t.Group.Members {
		names[i] = n.Value
	}
	return "[" + strings.Join(names, ", ") + "] -> " + targetString(t.Group.Exit)
}

// raw prints tokens i to j, one line of a misspelled setting or flow item
// that the checker will report, as written but with each run of blanks
// made one space.
func (p *printer) raw(i, j int) string {
	var b strings.Builder
	for k := i; k <= j; k++ {
		if k > i && p.toks[k].off > p.toks[k-1].end {
			b.WriteByte(' ')
		}
		b.WriteString(p.toks[k].text)
	}
	return b.String()
}

// typeString prints a type without spaces, as gofmt does.
func typeString(t *astType) string {
	switch {
	case t.Pointer != nil:
		return "*" + typeString(t.Pointer)
	case t.List != nil:
		n := ""
		if t.List.Len != nil {
			n = t.List.Len.Value
		}
		return "[" + n + "]" + typeString(t.List.Elem)
	case t.Map != nil:
		return "map[" + typeString(t.Map.Key) + "]" + typeString(t.Map.Elem)
	case t.Chan != nil:
		return "chan " + typeString(t.Chan)
	case t.Named != nil && t.Named.Qualifier != nil:
		return t.Named.Qualifier.Value + "." + t.Named.Name.Value
	case t.Named != nil:
		return t.Named.Name.Value
	}
	return ""
}

func litString(l *astLit) string {
	switch {
	case l.String != nil:
		return *l.String
	case l.Number != nil:
		return *l.Number
	case l.Ident != nil:
		return *l.Ident
	}
	return ""
}

// placeComments puts each comment on the line of the code it follows
// (a trailing comment) or on a line of its own before the code that comes
// next, at that code's indentation; one before a block's } is indented as
// the block's items, and one after the last code ends the file.
func (p *printer) placeComments() {
	code := p.lines
	var own []*line
	for _, c := range p.comments {
		prev := sort.Search(len(p.toks), func(k int) bool { return p.toks[k].off > c.off }) - 1
		if prev >= 0 && p.toks[prev].line == c.line {
			// The line printing the token before the comment: the one that
			// starts last at or before it.
			k := sort.Search(len(code), func(k int) bool { return code[k].first > p.toks[prev].off }) - 1
			if k >= 0 && code[k].comment == "" {
				code[k].comment = c.text
				continue
			}
		}
		own = append(own, &line{kind: kindComment, cells: []string{c.text}, first: c.off, last: c.off, startLine: c.line, endLine: c.line})
	}
	// Merge the own-line comments into the code lines by offset.
	var out []*line
	k := 0
	for _, c := range own {
		for k < len(code) && code[k].first < c.first {
			out = append(out, code[k])
			k++
		}
		if k < len(code) {
			next := code[k]
			c.depth, c.group = next.depth, next.group
			if next.close {
				c.depth, c.group = next.depth+1, next.inner
			}
			if next.kind == kindCont {
				c.kind = kindCont // no blank line inside an actions list
			}
		}
		out = append(out, c)
	}
	p.lines = append(out, code[k:]...)
}

// blankLines keeps one blank line where the source had one or more, except
// at the start and end of a block and inside an actions list, and puts one
// between two top-level declarations when either spans several lines.
func (p *printer) blankLines() {
	prevEnd, prevMulti := -1, false
	for i, l := range p.lines {
		if i > 0 {
			prev := p.lines[i-1]
			l.blank = l.startLine-prev.endLine > 1 && !prev.open && !l.close && l.kind != kindCont
		}
		if l.decl {
			if prevEnd >= 0 && (prevMulti || l.multi) {
				between := p.lines[prevEnd+1 : i+1]
				if !slices.ContainsFunc(between, func(l *line) bool { return l.blank }) {
					between[0].blank = true
				}
			}
			prevMulti = l.multi
		}
		if l.end {
			prevEnd = i
		}
	}
}

// width is the printed width of a line's code, indentation included.
func width(l *line) int { return len(indent)*l.depth + utf8.RuneCountInString(l.text) }

// render aligns the columns and prints the lines.
func (p *printer) render() []byte {
	ls := p.lines
	// The first cells of a run of consecutive fields, settings or edges
	// align, as gofmt aligns struct fields; a blank line, a comment line or
	// a line of another kind ends the run.
	for i := 0; i < len(ls); {
		j := i + 1
		if ls[i].kind == kindField || ls[i].kind == kindSetting || ls[i].kind == kindEdge {
			for j < len(ls) && !ls[j].blank && ls[j].kind == ls[i].kind && ls[j].group == ls[i].group {
				j++
			}
		}
		w := 0
		for _, l := range ls[i:j] {
			if len(l.cells) == 2 {
				w = max(w, utf8.RuneCountInString(l.cells[0]))
			}
		}
		for _, l := range ls[i:j] {
			l.text = l.cells[0]
			if len(l.cells) == 2 {
				l.text = strings.TrimRight(l.text+strings.Repeat(" ", w-utf8.RuneCountInString(l.cells[0])+1)+l.cells[1], " ")
			}
		}
		i = j
	}
	// Trailing comments of consecutive lines of a block align, commentGap
	// spaces after the longest of those lines.
	for i := 0; i < len(ls); {
		j := i + 1
		if ls[i].comment != "" {
			for j < len(ls) && !ls[j].blank && ls[j].comment != "" && ls[j].group == ls[i].group {
				j++
			}
		}
		w := 0
		for _, l := range ls[i:j] {
			w = max(w, width(l))
		}
		for _, l := range ls[i:j] {
			if l.comment != "" {
				l.text += strings.Repeat(" ", w-width(l)+commentGap) + l.comment
			}
		}
		i = j
	}
	var b strings.Builder
	for i, l := range ls {
		if l.blank && i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat(indent, l.depth))
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
