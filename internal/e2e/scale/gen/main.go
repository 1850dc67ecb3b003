// Command gen writes a flow of N nodes for measuring picoflow at scale: DIR
// gets scale.pico, nodes.go and main.go, a package main that builds once
// `picoflow generate` has added scale.pico.go. See package scale.
//
//	go run ./internal/e2e/scale/gen -nodes 1000 -o DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/digital-duck/picoflow-go/internal/e2e/scale"
)

func main() {
	nodes := flag.Int("nodes", 100, fmt.Sprintf("the number of nodes (at least %d)", scale.MinNodes))
	out := flag.String("o", "", "the directory to write into (made if missing)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -nodes N -o DIR")
		os.Exit(2)
	}
	if err := scale.Write(*out, *nodes); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
