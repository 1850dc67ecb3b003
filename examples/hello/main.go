// Command hello runs the smallest PicoFlow flow: one node that greets a name.
//
//	go run ./examples/hello            # Hello, world!
//	go run ./examples/hello -name Gopher
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
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
func run(ctx context.Context, w io.Writer, name string) error {
	s := NewGreeting()
	if name != "" {
		s.Name = name
	}
	flow := NewHello(greet{})
	if err := flow.Run(ctx, s); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, s.Greeting)
	return err
}

func main() {
	name := flag.String("name", "", "who to greet (default: the store's default, world)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *name); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}
