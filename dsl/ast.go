package dsl

import "github.com/alecthomas/participle/v2/lexer"

// The syntax tree, unexported: the model is the package's API. Each struct
// is one participle production. The grammar accepts a little more than the
// language (any identifier as a name, any number-like token as a value) so
// that the checker, not the parser, reports those mistakes with a message
// that says what is wrong.
//
// Keywords are contextual. The lexer gives each node setting a token kind of
// its own by what its value is (settingTokens), so a setting's value is read
// by its kind; wherever a name is expected, a setting keyword is a name like
// any other (astName). Declaration and flow keywords are plain identifiers
// that the grammar matches by value where it expects them.

// astFile is a whole .pico file.
type astFile struct {
	Decls []*astDecl `parser:"( Newline | @@ )*"`
}

// astDecl is one top-level declaration.
type astDecl struct {
	Package *astPackage `parser:"  @@"`
	Import  *astImport  `parser:"| @@"`
	Store   *astStore   `parser:"| @@"`
	Node    *astNode    `parser:"| @@"`
	Flow    *astFlow    `parser:"| @@"`
}

// astPackage is `package NAME`.
type astPackage struct {
	Pos  lexer.Position
	Name *astName `parser:"'package' @@"`
}

// astImport is `import [ALIAS] "PATH"`.
type astImport struct {
	Pos   lexer.Position
	Alias *astName `parser:"'import' @@?"`
	Path  *astStr  `parser:"@@"`
}

// astStore is `store NAME { FIELD... }`.
type astStore struct {
	Pos    lexer.Position
	Name   *astName    `parser:"'store' @@ '{'"`
	Fields []*astField `parser:"( Newline | @@ )* '}'"`
}

// astField is `NAME TYPE [= LITERAL]`. Any word names a field, but the start
// of a declaration with a block (`node Fetch {`) does not: a store missing
// its `}` is reported where the next declaration begins rather than as a
// field called node.
type astField struct {
	Pos     lexer.Position
	Name    *astName `parser:"(?! ( 'store' | 'node' | 'flow' ) Ident '{' ) (?! 'import' String ) @@"`
	Type    *astType `parser:"@@"`
	Default *astLit  `parser:"( '=' @@ )?"`
	// Merge is the rule that combines parallel members' writes: "merge" is
	// a keyword only after a field's type (or default).
	Merge *astName `parser:"( 'merge' @@ )?"`
}

// astType is a Go type expression.
type astType struct {
	Pos     lexer.Position
	Pointer *astType    `parser:"  '*' @@"`
	List    *astBracket `parser:"| '[' @@"`
	Map     *astMap     `parser:"| @@"`
	Chan    *astType    `parser:"| (?= 'chan' ( Ident | '*' | '[' ) ) 'chan' @@"` // parsed only to be refused with a reason
	Named   *astNamed   `parser:"| @@"`
}

// astBracket is the rest of `[]T` (no Len) or `[N]T`. Slices and arrays
// share one production so that the parser never needs to look ahead.
type astBracket struct {
	Len  *astNum  `parser:"( ']' | @@ ']' )"`
	Elem *astType `parser:"@@"`
}

// astMap is `map[K]V`.
type astMap struct {
	Key  *astType `parser:"'map' '[' @@ ']'"`
	Elem *astType `parser:"@@"`
}

// astNamed is `NAME` or `QUALIFIER.NAME`. A qualifier may be any word (an
// import may be named wait); a type name is an identifier, so that a missing
// type (`prep` then `exec string`) is reported where it is missing.
type astNamed struct {
	Qualifier *astName  `parser:"( (?= ( Ident | TypeKey | NumberKey | FlagKey | ListKey ) '.' ) @@ '.' )?"`
	Name      *astIdent `parser:"@@"`
}

// astLit is a default value: a string, a number or duration, or a bool. Any
// identifier is accepted so that `= unknown` gets a clear message.
type astLit struct {
	Pos    lexer.Position
	String *string `parser:"  @String"`
	Number *string `parser:"| @( '-'? Number )"`
	Ident  *string `parser:"| @Ident"`
}

// astNode is `node NAME [{ SETTING... }]`.
type astNode struct {
	Pos      lexer.Position
	Name     *astName      `parser:"'node' @@"`
	Settings []*astSetting `parser:"( '{' ( Newline | @@ )* '}' )?"`
}

// astSetting is one node setting: a keyword of settingTable and its value,
// read by the keyword's value kind. Exactly one of the keys is set, or
// Unknown.
type astSetting struct {
	Pos       lexer.Position
	TypeKey   string     `parser:"  ( @TypeKey"`
	Type      *astType   `parser:"    @@ )"`
	NumberKey string     `parser:"| ( @NumberKey"`
	Num       *astNum    `parser:"    @@ )"`
	FlagKey   string     `parser:"| @FlagKey"`
	ListKey   string     `parser:"| ( @ListKey"`
	Names     []*astName `parser:"    @@ ( ',' Newline* @@ )* )"`
	// Unknown catches a misspelled setting and the rest of its line, so the
	// checker can name it and suggest the right one.
	Unknown *astName `parser:"| (?! 'package' | 'import' | 'store' | 'node' | 'flow' ) @@ ~( Newline | '}' )*"`
}

// key is the setting's keyword, "" for an unknown one.
func (s *astSetting) key() string {
	switch {
	case s.TypeKey != "":
		return s.TypeKey
	case s.NumberKey != "":
		return s.NumberKey
	case s.FlagKey != "":
		return s.FlagKey
	}
	return s.ListKey
}

// astFlow is `flow NAME { ITEM... }`.
type astFlow struct {
	Pos   lexer.Position
	Name  *astName       `parser:"'flow' @@ '{'"`
	Items []*astFlowItem `parser:"( Newline | @@ )* '}'"`
}

// astFlowItem is `start NODE`, `max_steps N` or an edge chain.
type astFlowItem struct {
	Pos      lexer.Position
	Start    *astName `parser:"  'start' @@"`
	MaxSteps *astNum  `parser:"| 'max_steps' @@"`
	Chain    *astEdge `parser:"| @@"`
	// Unknown catches a line that is neither start, max_steps nor an edge
	// (no `then` after its first name), so the checker can say which.
	Unknown *astName `parser:"| (?! 'package' | 'import' | 'store' | 'node' | 'flow' ) @@ ~( Newline | '}' )*"`
}

// astEdge is `SOURCE then ACTION -> TARGET [then ACTION -> TARGET]...`.
type astEdge struct {
	From  *astName   `parser:"(?= ( Ident | TypeKey | NumberKey | FlagKey | ListKey ) 'then' ) @@"`
	Links []*astLink `parser:"@@+"`
}

// astLink is one `then ACTION -> TARGET` of an edge chain.
type astLink struct {
	Pos    lexer.Position
	Action *astLabel  `parser:"'then' @@ Arrow"`
	To     *astTarget `parser:"@@"`
}

// astTarget is where an edge goes: a name (a node, a flow or end), or a
// parallel group followed by its exit.
type astTarget struct {
	Name  *astName  `parser:"  @@"`
	Group *astGroup `parser:"| @@"`
}

// last is the name the chain goes on from: the target's, or for a group its
// exit's.
func (t *astTarget) last() *astName {
	for t.Group != nil {
		t = t.Group.Exit
	}
	return t.Name
}

// astGroup is `[M1, M2, ...] -> TARGET`. Fewer than two members parse, so
// that the checker can say how many a group needs.
type astGroup struct {
	Pos     lexer.Position
	Members []*astName `parser:"'[' Newline* ( @@ ( ',' Newline* @@ )* Newline* )? ']'"`
	Exit    *astTarget `parser:"Arrow @@"`
}

// astLabel is an action name or `*`.
type astLabel struct {
	Pos   lexer.Position
	Value string `parser:"@( Ident | TypeKey | NumberKey | FlagKey | ListKey | '*' )"`
}

// astName is a name: an identifier or a setting keyword, which is a keyword
// only where a setting is expected.
type astName struct {
	Pos   lexer.Position
	Value string `parser:"@( Ident | TypeKey | NumberKey | FlagKey | ListKey )"`
}

// astIdent is an identifier that is no setting keyword: a type's name.
type astIdent struct {
	Pos   lexer.Position
	Value string `parser:"@Ident"`
}

// astStr is a double-quoted string literal, still quoted.
type astStr struct {
	Pos   lexer.Position
	Value string `parser:"@String"`
}

// astNum is a number-like token: an integer, a float or a duration, with an
// optional leading minus so that `attempts -1` gets a range message.
type astNum struct {
	Pos   lexer.Position
	Value string `parser:"@( '-'? Number )"`
}
