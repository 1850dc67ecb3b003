package dsl

import "github.com/alecthomas/participle/v2/lexer"

// The lexers, for BenchmarkLex10k in package dsl_test: the scale flow's
// writer imports dsl, so a benchmark in package dsl cannot use it.
var (
	PicoLexer       lexer.Definition = picoLexer
	PicoRegexpLexer lexer.Definition = picoRegexpLexer
)

// CompareLexers is compareLexers, for TestLexerScale.
var CompareLexers = compareLexers
