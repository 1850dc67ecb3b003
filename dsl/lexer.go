package dsl

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// picoLexer splits a .pico file into tokens. Newlines are tokens because they
// end statements. Number is deliberately broad (it takes 500ms, .5s, 1.5, 0x1F,
// 3µs and 3x alike) so that a malformed value reaches the checker, which knows whether
// a duration, an integer or a float belongs there. Unterminated strings and
// stray characters are tokens too, so they get a message, not a lexer dump.
//
// It is written by hand because participle's regexp lexer, which tries each
// rule's regexp in turn at every token, took about two thirds of Check on
// large files (issue 12). It gives exactly the tokens, types and positions
// of the regexp rules that lexer_test.go keeps as its reference and compares
// it with; a change to the language's tokens goes into both.
var picoLexer = &picoDefinition{symbols: picoSymbols, words: settingWords}

// The token types, numbered as participle numbers the rules of a
// lexer.MustSimple definition (EOF, then each rule in order), so that
// Symbols is what the regexp definition gave.
const (
	tokComment      lexer.TokenType = lexer.EOF - 1 - iota // //[^\n]*
	tokString                                              // "(\\.|[^"\\\n])*"
	tokUnterminated                                        // "(\\.|[^"\\\n])*
	tokNumber                                              // (?:[0-9]|\.[0-9])(?:[eEpP][+-]|[0-9A-Za-z_.µμ])*
	tokTypeKey                                             // a setting of typeValue, as a whole word
	tokNumberKey                                           // a setting of numberValue
	tokFlagKey                                             // a setting of flagValue
	tokListKey                                             // a setting of nameListValue
	tokIdent                                               // [A-Za-z_][A-Za-z0-9_]*
	tokArrow                                               // ->
	tokPunct                                               // [{}\[\]*.,=-]
	tokNewline                                             // \n
	tokWhitespace                                          // [ \t\r\x{FEFF}]+: a leading byte order mark is blank, as in Go
	tokOther                                               // any other character
)

// settingTokenTypes are the token types of the settings' keywords, by the
// kind of their values, as settingTokens names them.
var settingTokenTypes = map[valueKind]lexer.TokenType{
	typeValue:     tokTypeKey,
	numberValue:   tokNumberKey,
	flagValue:     tokFlagKey,
	nameListValue: tokListKey,
}

// picoSymbols names the token types, for the grammar and for Elide.
var picoSymbols = func() map[string]lexer.TokenType {
	m := map[string]lexer.TokenType{
		"EOF":          lexer.EOF,
		"Comment":      tokComment,
		"String":       tokString,
		"Unterminated": tokUnterminated,
		"Number":       tokNumber,
		"Ident":        tokIdent,
		"Arrow":        tokArrow,
		"Punct":        tokPunct,
		"Newline":      tokNewline,
		"Whitespace":   tokWhitespace,
		"Other":        tokOther,
	}
	for k, name := range settingTokens {
		m[name] = settingTokenTypes[k]
	}
	return m
}()

// settingWords maps each setting's name to its keyword's token type. A
// setting is a keyword only as a whole word (timeouts and prep_time are
// names), and a word is a maximal run of ASCII letters, digits and _, so a
// lookup of the word the identifier rule would take decides between them.
var settingWords = func() map[string]lexer.TokenType {
	m := map[string]lexer.TokenType{}
	for _, s := range settingTable {
		m[s.name] = settingTokenTypes[s.value]
	}
	return m
}()

// picoDefinition is the lexer.Definition of .pico files. It holds its
// tables, rather than reading the package's, so that picoLexer depends on
// them and is initialized after them: the parser is built from picoLexer's
// symbols when the package is initialized.
type picoDefinition struct {
	symbols map[string]lexer.TokenType
	words   map[string]lexer.TokenType // settingWords
}

// Symbols returns the token types by name. The map is shared, as
// participle's own definitions share theirs: do not change it.
func (d *picoDefinition) Symbols() map[string]lexer.TokenType { return d.symbols }

// Lex reads all of r: tokens are substrings of the input.
func (d *picoDefinition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

// LexBytes is what participle's ParseBytes uses when a definition has it: one
// copy of the input instead of Lex's read through a buffer.
func (d *picoDefinition) LexBytes(filename string, b []byte) (lexer.Lexer, error) {
	return d.LexString(filename, string(b))
}

func (d *picoDefinition) LexString(filename string, s string) (lexer.Lexer, error) {
	return &picoLexerState{words: d.words, src: s, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}, nil
}

// picoLexerState lexes src from pos onwards. Columns count runes, as
// participle's do (source.pos turns them into byte columns).
type picoLexerState struct {
	words map[string]lexer.TokenType
	src   string
	pos   lexer.Position
}

// Next never fails: every byte belongs to some token (Other takes what no
// rule does, an invalid UTF-8 byte alone, as a regexp reads it).
func (l *picoLexerState) Next() (lexer.Token, error) {
	rest := l.src[l.pos.Offset:]
	if rest == "" {
		return lexer.EOFToken(l.pos), nil
	}
	typ, n := scanToken(rest, l.words)
	tok := lexer.Token{Type: typ, Value: rest[:n], Pos: l.pos}
	l.pos.Offset += n
	if typ == tokNewline { // the only token that holds a newline
		l.pos.Line++
		l.pos.Column = 1
	} else {
		l.pos.Column += utf8.RuneCountInString(tok.Value)
	}
	return tok, nil
}

// scanToken returns the type and length in bytes of the token that starts
// s, which is not empty; words are the settings' keywords. Where two rules
// could match, the earlier in the list of token types wins, as among the
// regexp rules.
func scanToken(s string, words map[string]lexer.TokenType) (lexer.TokenType, int) {
	c := s[0]
	switch {
	case c == '/' && len(s) > 1 && s[1] == '/':
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			return tokComment, i
		}
		return tokComment, len(s)
	case c == '"':
		return scanString(s)
	case isDigit(c) || c == '.' && len(s) > 1 && isDigit(s[1]):
		return tokNumber, scanNumber(s)
	case isLetter(c):
		i := 1
		for i < len(s) && isWordByte(s[i]) {
			i++
		}
		if t, ok := words[s[:i]]; ok {
			return t, i
		}
		return tokIdent, i
	case c == '-' && len(s) > 1 && s[1] == '>':
		return tokArrow, 2
	case strings.IndexByte("{}[]*.,=-", c) >= 0:
		return tokPunct, 1
	case c == '\n':
		return tokNewline, 1
	case c == ' ' || c == '\t' || c == '\r' || strings.HasPrefix(s, "\uFEFF"):
		i := 0
		for i < len(s) {
			switch {
			case s[i] == ' ' || s[i] == '\t' || s[i] == '\r':
				i++
			case strings.HasPrefix(s[i:], "\uFEFF"):
				i += len("\uFEFF")
			default:
				return tokWhitespace, i
			}
		}
		return tokWhitespace, i
	}
	_, n := utf8.DecodeRuneInString(s)
	return tokOther, n
}

// scanString scans a string literal, or as much of one as precedes the end
// of its line or of the input (Unterminated). A backslash escapes any
// character but a newline; a backslash with nothing to escape ends an
// unterminated literal before it. Bytes of multi-byte characters never
// equal the ASCII bytes that matter here, so the scan goes byte by byte.
func scanString(s string) (lexer.TokenType, int) {
	i := 1
	for i < len(s) {
		switch s[i] {
		case '"':
			return tokString, i + 1
		case '\n':
			return tokUnterminated, i
		case '\\':
			if i+1 == len(s) || s[i+1] == '\n' {
				return tokUnterminated, i
			}
			i += 2
		default:
			i++
		}
	}
	return tokUnterminated, i
}

// scanNumber returns the length of the number that starts s: a digit or a
// dot and a digit, then an exponent's sign, letters, digits, _, dots, µ
// (U+00B5) and μ (U+03BC), for 3µs in either spelling.
func scanNumber(s string) int {
	i := 1
	if s[0] == '.' {
		i = 2
	}
	for i < len(s) {
		c := s[i]
		switch {
		case (c|0x20 == 'e' || c|0x20 == 'p') && i+1 < len(s) && (s[i+1] == '+' || s[i+1] == '-'):
			i += 2
		case isWordByte(c) || c == '.':
			i++
		case strings.HasPrefix(s[i:], "\u00b5") || strings.HasPrefix(s[i:], "\u03bc"):
			i += 2
		default:
			return i
		}
	}
	return i
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }

// isWordByte is \w, which \b in the settings' regexps tested: ASCII only.
func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) }
