// Command picoflow turns .pico flow definitions into typed Go.
//
// Usage:
//
//	picoflow generate [-check] [-temporal] [PATH...]  check .pico files and write X.pico.go beside each X.pico
//	                                                  (and X.temporal.go, for Temporal)
//	picoflow check    [-types] [PATH...]              check .pico files, the Go types they name and their
//	                                                  generated files; write nothing
//	picoflow graph    [-format mermaid|dot] [-flow NAME] FILE
//	                                                  print the flows of FILE as a Mermaid or DOT diagram
//	picoflow fmt      [-l] [-w] [-d] [PATH...]        print, list, rewrite or diff .pico files in the canonical layout
//	picoflow scaffold [-o FILE] [PATH...]             write stubs of the node interfaces the Go package lacks
//	picoflow init     [-module PATH] [-replace DIR] DIR
//	                                                  create a module with a starter flow that builds and runs
//	picoflow runs     [-db FILE] [-flow NAME] [-status STATUS] [-n N] [RUNID]
//	                                                  print the run log: recent runs, or one run's steps
//	picoflow monitor  [-db FILE] [-addr HOST:PORT]    serve the run log as a web page that follows runs live
//	picoflow version                                  print the picoflow and Go versions
//	picoflow help     [COMMAND]                       print help for picoflow or for a command
//
// A PATH is a .pico file or a directory, which means its .pico files (not
// recursive); the default is the current directory. Problems are reported as
// FILE:LINE:COL: message. generate writes its outputs only when every file of
// the run checked and generated cleanly, each atomically, and leaves a file
// whose content would not change untouched. check and generate -check report
// a generated file that is missing or out of date with its .pico.
//
// The package of a generated file is the .pico's `package`, else $GOPACKAGE
// (set by go generate), else the package of the Go files beside the .pico,
// else the directory's name.
//
// Exit status is 0 on success, 1 when the input has errors, 2 on bad usage.
//
// In a project, next to the .pico files:
//
//	//go:generate go tool picoflow generate
package main

import (
	"os"

	"github.com/digital-duck/picoflow-go/internal/cli"
)

func main() {
	os.Exit(cli.Do(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
