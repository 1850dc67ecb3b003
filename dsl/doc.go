// Package dsl reads .pico files: a hand-written lexer and a participle
// grammar whose syntax tree stays inside the package, the checker that
// resolves a file into a [Model], the only thing the code generator reads,
// and the formatter ([Format]).
//
// [Check] parses and checks one file and returns its model with every
// problem found, as [Diagnostics] sorted by position, each formatted as
// FILE:LINE:COL: message (warnings as FILE:LINE:COL: warning: message).
// Columns count bytes, as go/token does. The model is nil when there is an
// error; warnings (a flow that can never finish, a node no flow uses) come
// with a model.
//
// A syntax error stops the parse of its file, as in Go; every other problem
// of the file is reported in one run: unknown and duplicate names with "did
// you mean" suggestions, actions routed twice or not at all, unreachable
// nodes, subflow cycles, defaults that do not fit their type, store fields a
// JSON checkpoint cannot save, settings out of range, malformed or unused
// imports, and generated Go names that would collide. Errors that would only
// repeat an earlier one in other words are left out.
//
// Keywords are contextual: node settings are lexed by what their value is
// (one table, settingTable, drives the lexer, the grammar, the checker and
// the formatter), and wherever a name is expected any word is one.
//
// Every Go name that generated code declares or uses is decided here and
// recorded in the model (Node.Interface, Flow.Constructor, Member.Step,
// Import.GoName, ...), so that codegen and scaffold only read it and
// collisions are found once, at the .pico position; [Model.Idents] lists
// them all.
//
// The model is fully resolved: each flow lists its members in order, with
// one [Route] per action, `*` edges expanded, and each node's actions, as
// declared or as used by edges across the file.
package dsl
