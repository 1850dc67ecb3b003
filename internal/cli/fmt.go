package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"github.com/digital-duck/picoflow-go/dsl"
	"github.com/digital-duck/picoflow-go/internal/diff"
)

const fmtHelp = `usage: picoflow fmt [-l] [-w] [-d] [PATH...]

Fmt prints each .pico file in the canonical layout: four-space indentation,
one item per line, field types, setting values and edge arrows aligned,
trailing comments aligned, at most one blank line in a row, LF line
endings. Every comment is kept where it was, and formatting a formatted
file changes nothing. PATH is as for generate; the default is ".".

Without flags, fmt prints the formatted files to stdout.

  -l   list the files whose formatting differs from fmt's
  -w   write the result back to each file whose formatting differs; the
       file is replaced atomically, and an unchanged file is left alone
  -d   print a unified diff of the changes instead of the files

A file with a syntax error is reported as FILE:LINE:COL: message and left
as it is; fmt then exits with status 1. Errors that check would report but
that are not syntax errors (an unknown node, a misspelled setting) do not
stop fmt.
`

func runFmt(c *command, e *env, args []string) int {
	flags := flag.NewFlagSet(c.name, flag.ContinueOnError)
	list := flags.Bool("l", false, "list files whose formatting differs")
	write := flags.Bool("w", false, "write the result to the files")
	showDiff := flags.Bool("d", false, "print diffs")
	paths, status, ok := c.parseFlags(flags, e, args)
	if !ok {
		return status
	}
	files, errs := pickFiles(paths)
	ok = len(errs) == 0
	for _, err := range errs {
		e.errorf("%v", err)
	}
	for _, path := range files {
		if !e.formatFile(path, *list, *write, *showDiff) {
			ok = false
		}
	}
	if !ok {
		return exitInput
	}
	return exitOK
}

// formatFile formats the .pico file at path and does with the result what
// the flags ask, in gofmt's order: list, write, diff, or else print. It
// reports whether the file had no problem; problems are printed.
func (e *env) formatFile(path string, list, write, showDiff bool) bool {
	src, err := os.ReadFile(path)
	if err != nil {
		e.errorf("%v", pathError(path, err))
		return false
	}
	out, err := dsl.Format(path, src)
	if err != nil {
		diags, _ := err.(dsl.Diagnostics)
		for _, d := range diags {
			fmt.Fprintln(e.stderr, d.Error())
			if e.excerpts {
				fmt.Fprint(e.stderr, excerpt(src, d.Pos))
			}
		}
		if diags == nil {
			e.errorf("%s: %v", path, err)
		}
		return false
	}
	changed := !bytes.Equal(src, out)
	if list && changed {
		fmt.Fprintln(e.stdout, path)
	}
	if write && changed {
		if err := rewrite(path, out); err != nil {
			e.errorf("%v", err)
			return false
		}
	}
	if showDiff && changed {
		fmt.Fprintf(e.stdout, "diff %s.orig %s\n", path, path)
		e.stdout.Write(diff.Unified(path+".orig", path, src, out))
	}
	if !list && !write && !showDiff {
		e.stdout.Write(out)
	}
	return true
}

// rewrite replaces the file at path with data atomically, keeping its
// permissions: writeFile makes new files 0644, but a user's source file
// keeps the mode it had.
func rewrite(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return pathError(path, err)
	}
	if err := writeFile(path, data); err != nil {
		return err
	}
	if mode := info.Mode().Perm(); mode != fs.FileMode(0o644) {
		if err := os.Chmod(path, mode); err != nil {
			return pathError(path, err)
		}
	}
	return nil
}
