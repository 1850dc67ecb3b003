// Command hello runs the smallest PicoFlow flow: one node that greets a name.
//
//	go run ./examples/hello            # Hello, world!
//	go run ./examples/hello -name Gopher
//	go run ./examples/hello -db runs.db   # then: picoflow runs -db runs.db
//
// With -db FILE the run is recorded in the run log at FILE (a SQLite
// database, see runtime/runlog), where picoflow runs and picoflow monitor
// show it.
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// greet implements GreetNode, the interface generated from hello.pico.
type greet struct{}

func (greet) Prep(_ context.Context, s *Greeting) (string, error) {
	return s.Name, nil
}

func (greet) Exec(_ context.Context, name string) (string, error) {
	return "Hello, " + name + "!", nil
}

func (greet) Post(_ context.Context, s *Greeting, _ string, greeting string) error {
	s.Greeting = greeting
	return nil
}

// run greets name (the store's default when empty) and prints the greeting.
// With db set it records the run in the run log at db.
func run(ctx context.Context, w io.Writer, name, db string) error {
	var opts []runtime.Option
	if db != "" {
		runLog, err := runlog.Open(db)
		if err != nil {
			return err
		}
		defer runLog.Close()
		opts = runLog.Options()
	}
	s := NewGreeting()
	if name != "" {
		s.Name = name
	}
	flow := NewHello(greet{})
	if err := flow.Run(ctx, s, opts...); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, s.Greeting)
	return err
}

func main() {
	name := flag.String("name", "", "who to greet (default: the store's default, world)")
	db := flag.String("db", "", "record the runs in the run log `FILE` (see picoflow runs and picoflow monitor)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *name, *db); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}
