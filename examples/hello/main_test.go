package main

import (
	"bytes"
	"context"
	"testing"
)

func TestHello(t *testing.T) {
	for name, want := range map[string]string{
		"":       "Hello, world!\n",
		"Gopher": "Hello, Gopher!\n",
	} {
		var out bytes.Buffer
		if err := run(context.Background(), &out, name); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("name %q: printed %q, want %q", name, out.String(), want)
		}
	}
}

func TestDefaultsFromPico(t *testing.T) {
	if s := NewGreeting(); s.Name != "world" || s.Greeting != "" {
		t.Errorf("NewGreeting() = %+v, want the .pico default name \"world\"", s)
	}
}
