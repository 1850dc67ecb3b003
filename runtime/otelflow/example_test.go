package otelflow_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime/otelflow"
	"github.com/digital-duck/picoflow-go/runtime/otelflow/internal/testflow"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// A program traces a flow's runs by passing otelflow.Options to Run. Here
// the spans are printed to standard output as JSON, one object per span
// as each ends: the steps Fetch and Answer, then the run's span
// ("picoflow.run Chain"), then the caller's ("handle"). Chain is a flow
// that picoflow generated (from internal/testflow/testflow.pico).
func Example() {
	exp, err := stdouttrace.New(stdouttrace.WithWriter(os.Stdout), stdouttrace.WithPrettyPrint())
	if err != nil {
		log.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	otel.SetTracerProvider(tp) // or otelflow.WithTracerProvider(tp)

	// The run's span is a child of the span in the context given to Run.
	ctx, span := otel.Tracer("example").Start(context.Background(), "handle")
	defer span.End()

	flow := testflow.NewChain(testflow.Fetch{}, testflow.Answer{})
	s := testflow.NewState()
	s.Input = "What is picoflow?"
	if err := flow.Run(ctx, s, otelflow.Options()...); err != nil {
		log.Fatal(err)
	}
}

// TestExample runs Example with standard output in a file and checks the
// spans it printed: their names, parents and attributes.
func TestExample(t *testing.T) {
	prev := otel.GetTracerProvider()
	defer otel.SetTracerProvider(prev)
	f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdout := os.Stdout
	os.Stdout = f
	func() {
		defer func() { os.Stdout = stdout }()
		Example()
	}()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	type spanContext struct{ TraceID, SpanID string }
	type span struct {
		Name        string
		SpanContext spanContext
		Parent      spanContext
		Attributes  []struct {
			Key   string
			Value struct{ Value any }
		}
	}
	var spans []span
	for dec := json.NewDecoder(f); ; {
		var s span
		if err := dec.Decode(&s); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, s)
	}
	var names []string
	byName := map[string]span{}
	for _, s := range spans {
		names = append(names, s.Name)
		byName[s.Name] = s
	}
	if want := []string{"Fetch", "Answer", "picoflow.run Chain", "handle"}; !slices.Equal(names, want) {
		t.Fatalf("spans %q, want %q", names, want)
	}
	parents := map[string]string{"Fetch": "picoflow.run Chain", "Answer": "picoflow.run Chain", "picoflow.run Chain": "handle"}
	for child, parent := range parents {
		if got, want := byName[child].Parent, byName[parent].SpanContext; got != want {
			t.Errorf("%s: parent %v, want %s's %v", child, got, parent, want)
		}
	}
	got := map[string]any{}
	for _, kv := range byName["Fetch"].Attributes {
		got[kv.Key] = kv.Value.Value
	}
	delete(got, "picoflow.run_id") // random
	want := map[string]any{"picoflow.flow": "Chain", "picoflow.node": "Fetch", "picoflow.step": 1.0, "picoflow.attempts": 1.0, "picoflow.action": "next"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Fetch's attributes %v, want %v and a run ID", got, want)
	}
}
