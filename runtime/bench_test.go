package runtime

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

var sink string

// BenchmarkBaseline is the cost of the node call alone, as hand-written code
// would make it; BenchmarkStep adds what the runtime does around it.
func BenchmarkBaseline(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	var n stepNode = echo{}
	p := "prep"
	for b.Loop() {
		e, err := n.Exec(ctx, p)
		if err != nil {
			b.Fatal(err)
		}
		sink = e
	}
}

func BenchmarkStep(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	r := start(context.Background(), "Bench", testSchema, 0, nil, nil)
	var store testStore
	var n stepNode = echo{}
	p := "prep"
	for b.Loop() {
		if err := beginNamed(ctx, r, "Bench", "Echo"); err != nil {
			b.Fatal(err)
		}
		e, err := Exec(ctx, r, Policy{Attempts: 3}, func(ctx context.Context) (string, error) {
			return n.Exec(ctx, p)
		})
		if err != nil {
			b.Fatal(r.Fail("Bench", "Echo", err))
		}
		r.Enter(PhasePost)
		if err := r.end("next", "Echo", &store); err != nil {
			b.Fatal(err)
		}
		sink = e
	}
}

// bigStore returns a store whose JSON is about 10 KB, the size of a store
// holding a short conversation with a model.
func bigStore() *testStore {
	s := &testStore{Query: "how do I reset my password?", Intent: "faq", Tries: 2}
	for i := range 40 {
		s.History = append(s.History, strings.Repeat("a reply of some length ", 10)+strconv.Itoa(i))
	}
	return s
}

// BenchmarkCheckpoint is a step's End with Dir: encoding (the store, the
// sealed checkpoint, the indented file) and a durable write (write, fsync,
// rename, directory fsync). It measures the file system as much as the
// runtime; BenchmarkCheckpointEncode is the runtime's share alone.
func BenchmarkCheckpoint(b *testing.B) {
	benchCheckpoint(b, Dir(b.TempDir()))
}

func BenchmarkCheckpointEncode(b *testing.B) {
	benchCheckpoint(b, discard{})
}

// discard is a Checkpointer that encodes as Dir does but writes nothing.
type discard struct{}

func (discard) Save(_ context.Context, cp *Checkpoint) error {
	_, err := cp.file()
	return err
}

func benchCheckpoint(b *testing.B, c Checkpointer) {
	s := bigStore()
	data, err := json.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	ctx := context.Background()
	r := start(context.Background(), "Bench", testSchema, 0, nil, []Option{WithCheckpoints(c)})
	for b.Loop() {
		if err := beginNamed(ctx, r, "Bench", "Echo"); err != nil {
			b.Fatal(err)
		}
		r.Enter(PhasePost)
		if err := r.end("next", "Echo", s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "store-bytes")
}
