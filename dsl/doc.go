// Package dsl reads .pico files: the lexer and grammar (participle), the
// syntax tree, and the checker that resolves a file into a [Model], the
// only thing the code generator reads.
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
// nodes, subflow cycles, defaults that do not fit their type, settings out of
// range, unused imports, and generated Go names that would collide. Errors
// that would only repeat an earlier one in other words are left out.
//
// The model is fully resolved: each flow lists its members in order, with
// one [Route] per action, `*` edges expanded, and each node's actions, as
// declared or as used by edges across the file.
package dsl
