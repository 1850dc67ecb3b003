package dsl

import "github.com/alecthomas/participle/v2/lexer"

// The syntax tree. Each struct is one participle production. The grammar
// accepts a little more than the language (any identifier as a name, any
// number-like token as a value) so that the checker, not the parser, reports
// those mistakes with a message that says what is wrong.

// File is a whole .pico file.
type File struct {
	Decls []*Decl `parser:"( Newline | @@ )*"`
}

// Decl is one top-level declaration.
type Decl struct {
	Package *PackageDecl `parser:"  @@"`
	Import  *ImportDecl  `parser:"| @@"`
	Store   *StoreDecl   `parser:"| @@"`
	Node    *NodeDecl    `parser:"| @@"`
	Flow    *FlowDecl    `parser:"| @@"`
}

// PackageDecl is `package NAME`.
type PackageDecl struct {
	Pos  lexer.Position
	Name *Name `parser:"'package' @@"`
}

// ImportDecl is `import [ALIAS] "PATH"`.
type ImportDecl struct {
	Pos   lexer.Position
	Alias *Name `parser:"'import' @@?"`
	Path  *Str  `parser:"@@"`
}

// StoreDecl is `store NAME { FIELD... }`.
type StoreDecl struct {
	Pos    lexer.Position
	Name   *Name        `parser:"'store' @@ '{'"`
	Fields []*FieldDecl `parser:"( Newline | @@ )* '}'"`
}

// FieldDecl is `NAME TYPE [= LITERAL]`. A declaration keyword cannot start
// a field, a setting or an edge, so a missing `}` is reported where the next
// declaration begins rather than somewhere inside it.
type FieldDecl struct {
	Pos     lexer.Position
	Name    *Name     `parser:"(?! 'package' | 'import' | 'store' | 'node' | 'flow' ) @@"`
	Type    *TypeExpr `parser:"@@"`
	Default *LitExpr  `parser:"( '=' @@ )?"`
}

// TypeExpr is a Go type expression.
type TypeExpr struct {
	Pos     lexer.Position
	Pointer *TypeExpr    `parser:"  '*' @@"`
	List    *BracketExpr `parser:"| '[' @@"`
	Map     *MapExpr     `parser:"| @@"`
	Named   *NamedExpr   `parser:"| @@"`
}

// BracketExpr is the rest of `[]T` (no Len) or `[N]T`. Slices and arrays
// share one production so that the parser never needs to look ahead.
type BracketExpr struct {
	Len  *Num      `parser:"( ']' | @@ ']' )"`
	Elem *TypeExpr `parser:"@@"`
}

// MapExpr is `map[K]V`.
type MapExpr struct {
	Key  *TypeExpr `parser:"'map' '[' @@ ']'"`
	Elem *TypeExpr `parser:"@@"`
}

// NamedExpr is `NAME` or `QUALIFIER.NAME`.
type NamedExpr struct {
	First  *Name `parser:"@@"`
	Second *Name `parser:"( '.' @@ )?"`
}

// LitExpr is a default value: a string, number or bool literal. Any
// identifier is accepted so that `= unknown` gets a clear message.
type LitExpr struct {
	Pos    lexer.Position
	String *string `parser:"  @String"`
	Number *string `parser:"| @( '-'? Number )"`
	Ident  *string `parser:"| @Ident"`
}

// NodeDecl is `node NAME [{ SETTING... }]`.
type NodeDecl struct {
	Pos      lexer.Position
	Name     *Name      `parser:"'node' @@"`
	Settings []*Setting `parser:"( '{' ( Newline | @@ )* '}' )?"`
}

// Setting is one node setting.
type Setting struct {
	Pos      lexer.Position
	Prep     *TypeExpr `parser:"  'prep' @@"`
	Exec     *TypeExpr `parser:"| 'exec' @@"`
	Attempts *Num      `parser:"| 'attempts' @@"`
	Wait     *Num      `parser:"| 'wait' @@"`
	Backoff  *Num      `parser:"| 'backoff' @@"`
	Timeout  *Num      `parser:"| 'timeout' @@"`
	Batch    bool      `parser:"| @'batch'"`
	Parallel *Num      `parser:"| 'parallel' @@"`
	Actions  []*Name   `parser:"| 'actions' @@ ( ',' Newline* @@ )*"`
	// Unknown catches a misspelled setting and the rest of its line, so the
	// checker can name it and suggest the right one.
	Unknown *Name `parser:"| (?! 'prep' | 'exec' | 'attempts' | 'wait' | 'backoff' | 'timeout' | 'batch' | 'parallel' | 'actions' | 'package' | 'import' | 'store' | 'node' | 'flow' ) @@ ~( Newline | '}' )*"`
}

// FlowDecl is `flow NAME { ITEM... }`.
type FlowDecl struct {
	Pos   lexer.Position
	Name  *Name       `parser:"'flow' @@ '{'"`
	Items []*FlowItem `parser:"( Newline | @@ )* '}'"`
}

// FlowItem is `start NODE`, `max_steps N` or an edge chain.
type FlowItem struct {
	Pos      lexer.Position
	Start    *Name     `parser:"  'start' @@"`
	MaxSteps *Num      `parser:"| 'max_steps' @@"`
	Chain    *EdgeExpr `parser:"| @@"`
	// Unknown catches a line that is neither start, max_steps nor an edge
	// (no `then` after its first name), so the checker can say which.
	Unknown *Name `parser:"| (?! 'package' | 'import' | 'store' | 'node' | 'flow' ) @@ ~( Newline | '}' )*"`
}

// EdgeExpr is `SOURCE then ACTION -> TARGET [then ACTION -> TARGET]...`.
type EdgeExpr struct {
	From  *Name   `parser:"(?= Ident 'then') @@"`
	Links []*Link `parser:"@@+"`
}

// Link is one `then ACTION -> TARGET` of an edge chain.
type Link struct {
	Pos    lexer.Position
	Action *Label `parser:"'then' @@ Arrow"`
	To     *Name  `parser:"@@"`
}

// Label is an action name or `*`.
type Label struct {
	Pos   lexer.Position
	Value string `parser:"@( Ident | '*' )"`
}

// Name is an identifier with its position.
type Name struct {
	Pos   lexer.Position
	Value string `parser:"@Ident"`
}

// Str is a double-quoted string literal, still quoted.
type Str struct {
	Pos   lexer.Position
	Value string `parser:"@String"`
}

// Num is a number-like token: an integer, a float or a duration, with an
// optional leading minus so that `attempts -1` gets a range message.
type Num struct {
	Pos   lexer.Position
	Value string `parser:"@( '-'? Number )"`
}
