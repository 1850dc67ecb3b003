package dsl

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"golang.org/x/tools/txtar"
)

// picoRegexpLexer is the definition picoLexer replaced, kept as the
// specification it must meet token for token: regexps say what a token is
// more plainly than the scanner, and participle's lexer says where it is.
var picoRegexpLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `//[^\n]*`},
	{Name: "String", Pattern: `"(\\.|[^"\\\n])*"`},
	{Name: "Unterminated", Pattern: `"(\\.|[^"\\\n])*`},
	{Name: "Number", Pattern: `(?:[0-9]|\.[0-9])(?:[eEpP][+-]|[0-9A-Za-z_.\x{B5}\x{3BC}])*`},
	{Name: settingTokens[typeValue], Pattern: keywordPattern(typeValue)},
	{Name: settingTokens[numberValue], Pattern: keywordPattern(numberValue)},
	{Name: settingTokens[flagValue], Pattern: keywordPattern(flagValue)},
	{Name: settingTokens[nameListValue], Pattern: keywordPattern(nameListValue)},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "Arrow", Pattern: `->`},
	{Name: "Punct", Pattern: `[{}\[\]*.,=-]`},
	{Name: "Newline", Pattern: `\n`},
	{Name: "Whitespace", Pattern: `[ \t\r\x{FEFF}]+`}, // a leading byte order mark is blank, as in Go
	{Name: "Other", Pattern: `.`},
})

// keywordPattern is the pattern of the settings whose values are of kind k:
// their names as whole words, so that timeouts or prep_time stay
// identifiers.
func keywordPattern(k valueKind) string {
	var names []string
	for _, s := range settingTable {
		if s.value == k {
			names = append(names, regexp.QuoteMeta(s.name))
		}
	}
	return `(?:` + strings.Join(names, "|") + `)\b`
}

// lexAll returns every token of src, EOF included, or the first error; a
// panic is an error too, so that a test reports the input.
func lexAll(def lexer.Definition, src string) (toks []lexer.Token, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	lx, err := def.(lexer.StringDefinition).LexString("x.pico", src)
	if err != nil {
		return nil, err
	}
	for {
		tok, err := lx.Next()
		if err != nil {
			return toks, err
		}
		toks = append(toks, tok)
		if tok.EOF() {
			// Another Next after EOF gives EOF again.
			if again, err := lx.Next(); err != nil || again != tok {
				return toks, fmt.Errorf("after EOF: %#v, %v", again, err)
			}
			return toks, nil
		}
	}
}

// compareLexers reports how the tokens of src from picoLexer differ from
// those of the reference, or "".
func compareLexers(src string) string {
	want, werr := lexAll(picoRegexpLexer, src)
	got, gerr := lexAll(picoLexer, src)
	if fmt.Sprint(werr) != fmt.Sprint(gerr) {
		return fmt.Sprintf("error %v, want %v", gerr, werr)
	}
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			return fmt.Sprintf("token %d is %#v, want %#v", i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d tokens, want %d", len(got), len(want))
	}
	return ""
}

// lexerEdgeCases are the inputs where a scanner most easily parts from the
// regexps: the end of the input inside or just after a token, escapes,
// exponents, whole-word keywords, multi-byte and invalid UTF-8.
var lexerEdgeCases = []string{
	"", "\n", "/", "//", "// hi", "x // hi\n", "/ /", "///x\n/",
	`"`, `"\`, `"\"`, `"a\"`, `"abc`, `"abc"`, `"\\"`, `"\\\"`, "\"\\\n\"", "\"a\nb\"", "x\"\\n", "\"\\µ\"", "\"\\\xff\"", "\"\\\xe2\x82\"",
	"->", "-", "->>", "a->b", "--", "=>", "=", ".", "..", ".5", ".5s", "._", ".e", "5.", "5..5", "a.b",
	"1", "1e", "1e+", "1e+5", "1E-", "1p+3", "1P-", "1e++", "0x1F", "3µs", "3μs", "3µ", "3\xc2", "3\xce", "3\xc2\xb6", "1_000", "1ee+-",
	"prep", "prepx", "prep_", "prep1", "prep\n", "prep.x", "prepµ", "xprep", "_prep", "Prep", "timeouts", "prep_time", "retry", "retry_delay",
	"\ufeff", "\ufeffnode", " \ufeff\t\r x", "\xef\xbb", "\xef", "µ", "é", "\u2028", "\U0001F600", "\ufffd",
	"a\r\nb", "\t", " ", "\r", "a\tb ", "\x00", "a\x00b", "\x80", "\xff\xfe", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xc0\xaf",
	";", ":", "#", "'", "`", "(", ")", ">", "<", "!", "@", "$", "%", "^", "&", "|", "~", "?", "+", "\\", "{}[]*.,=-",
	"node A {\n}\n;", "store S {\n  n int default 3\n}\n",
}

// lexerCorpus is every .pico file of the module, every section of its
// txtar archives (the .pico cases and, for variety, the Go and messages they
// expect), the fuzz corpora of dsl, random files that parse, and the edge
// cases, by name. Those not in .pico, the large Go files among them, are in
// others: comparing every prefix of them would take minutes.
func lexerCorpus(t testing.TB) (inputs, others map[string]string) {
	inputs, others = map[string]string{}, map[string]string{}
	err := filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case d.IsDir():
			return nil
		case strings.HasSuffix(p, ".pico"):
			b, err := os.ReadFile(p)
			inputs[p] = string(b)
			return err
		case strings.HasSuffix(p, ".txtar"):
			ar, err := txtar.ParseFile(p)
			if err != nil {
				return err
			}
			for _, f := range ar.Files {
				if strings.HasSuffix(f.Name, ".pico") || f.Name == "in" {
					inputs[p+":"+f.Name] = string(f.Data)
				} else {
					others[p+":"+f.Name] = string(f.Data)
				}
			}
		case strings.Contains(filepath.ToSlash(p), "dsl/testdata/fuzz/"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			vals, err := fuzzValues(string(b))
			if err != nil {
				return fmt.Errorf("%s: %v", p, err)
			}
			for i, v := range vals {
				inputs[p+"#"+strconv.Itoa(i)] = v
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 20 {
		g := &randomFile{r: r}
		inputs["random"+strconv.Itoa(i)] = g.file()
	}
	for i, s := range lexerEdgeCases {
		inputs["edge"+strconv.Itoa(i)] = s
	}
	return inputs, others
}

// fuzzValues returns the string and []byte values of a file in the fuzz
// corpus format ("go test fuzz v1", then one Go literal a line).
func fuzzValues(file string) ([]string, error) {
	lines := strings.Split(file, "\n")
	if lines[0] != "go test fuzz v1" {
		return nil, fmt.Errorf("not a fuzz corpus file")
	}
	var vals []string
	for _, line := range lines[1:] {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		lit, ok := strings.CutPrefix(line, "[]byte(")
		if !ok {
			lit, ok = strings.CutPrefix(line, "string(")
		}
		if !ok || !strings.HasSuffix(lit, ")") {
			return nil, fmt.Errorf("unsupported value %s", line)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if err != nil {
			return nil, err
		}
		vals = append(vals, s)
	}
	return vals, nil
}

// TestLexerMatchesRegexp compares picoLexer with the regexp definition on
// every input of the corpus and on every byte prefix of each .pico input: a
// prefix ends the input inside each token and just after it, where scanners
// go wrong. The regexp lexer takes some ten seconds over all the prefixes;
// with -short, it compares the whole inputs and their first 200 prefixes.
func TestLexerMatchesRegexp(t *testing.T) {
	inputs, others := lexerCorpus(t)
	t.Logf("%d .pico inputs, %d others", len(inputs), len(others))
	for name, src := range others {
		if d := compareLexers(src); d != "" {
			t.Errorf("%s: %s", name, d)
		}
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := len(src)
			if testing.Short() {
				n = min(n, 200)
			}
			for k := range n {
				if d := compareLexers(src[:k]); d != "" {
					t.Fatalf("first %d bytes %q: %s", k, src[:k], d)
				}
			}
			if d := compareLexers(src); d != "" {
				t.Fatalf("%s", d)
			}
		})
	}
}

// TestLexerSymbols checks that the token types keep the names and numbers
// participle gave the regexp rules, which the grammar and the checker use.
func TestLexerSymbols(t *testing.T) {
	want, got := picoRegexpLexer.Symbols(), picoLexer.Symbols()
	if len(want) != len(got) {
		t.Errorf("%d symbols, want %d", len(got), len(want))
	}
	for name, typ := range want {
		if got[name] != typ {
			t.Errorf("%s is %d, want %d", name, got[name], typ)
		}
	}
}

// TestSettingNamesAreWords guards the lexer's keyword lookup, which takes
// the word the identifier rule would and looks it up: a setting name must
// be such a word.
func TestSettingNamesAreWords(t *testing.T) {
	word := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	for _, s := range settingTable {
		if !word.MatchString(s.name) {
			t.Errorf("setting %q is not an identifier", s.name)
		}
	}
}

// TestLexerReaders checks that Lex and LexBytes give what LexString gives.
func TestLexerReaders(t *testing.T) {
	src := "node A {\n  prep string // p\n}\n\"x"
	want, _ := lexAll(picoLexer, src)
	for name, lex := range map[string]func() (lexer.Lexer, error){
		"Lex":      func() (lexer.Lexer, error) { return picoLexer.Lex("x.pico", strings.NewReader(src)) },
		"LexBytes": func() (lexer.Lexer, error) { return picoLexer.LexBytes("x.pico", []byte(src)) },
	} {
		lx, err := lex()
		if err != nil {
			t.Fatal(err)
		}
		got, err := lexer.ConsumeAll(lx)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %v, %v; want %v", name, got, err, want)
		}
	}
}

// FuzzLexer compares picoLexer with the regexp definition on any input,
// invalid UTF-8 and NUL included: Check refuses those before lexing, but the
// lexer must not depend on it. Seeds: the corpus of TestLexerMatchesRegexp
// and testdata/fuzz/FuzzLexer.
func FuzzLexer(f *testing.F) {
	inputs, others := lexerCorpus(f)
	for _, src := range inputs {
		f.Add(src)
	}
	for _, src := range others {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if d := compareLexers(src); d != "" {
			t.Fatal(d)
		}
	})
}
