package runtime

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// logTo returns a logger that writes text lines to buf at level, without
// the values that change from run to run.
func logTo(buf *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{}
			case "elapsed":
				a.Value = slog.StringValue("E")
			case "run_id":
				a.Value = slog.StringValue("ID")
			}
			return a
		},
	}))
}

func TestSlogHooks(t *testing.T) {
	var buf bytes.Buffer
	if err := twoSteps(WithHooks(SlogHooks(logTo(&buf, slog.LevelDebug)))); err == nil {
		t.Fatal("twoSteps succeeded")
	}
	nodeErr := `"flow Flow: node B (step 2) prep: no input"`
	want := strings.Join([]string{
		`level=INFO msg="flow start" flow=Flow run_id=ID steps=0`,
		`level=INFO msg="node start" flow=Flow run_id=ID node=A step=1`,
		`level=WARN msg=retry flow=Flow run_id=ID node=A step=1 attempt=1 wait=0s error=flaky`,
		`level=DEBUG msg="store write" flow=Flow run_id=ID node=A step=1 field=intent`,
		`level=INFO msg="node end" flow=Flow run_id=ID node=A step=1 action=next elapsed=E`,
		`level=INFO msg="node start" flow=Flow run_id=ID node=B step=2`,
		`level=ERROR msg="node error" flow=Flow run_id=ID node=B step=2 elapsed=E error=` + nodeErr,
		`level=ERROR msg="flow end" flow=Flow run_id=ID steps=2 elapsed=E error=` + nodeErr,
	}, "\n") + "\n"
	if buf.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestSlogHooksSuccess(t *testing.T) {
	var buf bytes.Buffer
	r := start(context.Background(), "F", testSchema, 0, nil, []Option{WithHooks(SlogHooks(logTo(&buf, slog.LevelInfo)))})
	if r.writes {
		t.Error("WatchesWrites with a logger that drops Debug: the store would be copied for nothing")
	}
	steps(t, r, "F", &testStore{}, "A")
	r.Write("intent", "a", "b")
	if err := r.finish(nil); err != nil {
		t.Fatal(err)
	}
	want := `level=INFO msg="flow start" flow=F run_id=ID steps=0
level=INFO msg="node start" flow=F run_id=ID node=A step=1
level=INFO msg="node end" flow=F run_id=ID node=A step=1 action=go elapsed=E
level=INFO msg="flow end" flow=F run_id=ID steps=1 elapsed=E
`
	if buf.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestSlogHooksNilLogger(t *testing.T) {
	h := SlogHooks(nil)
	if h.FlowStart == nil || h.FlowEnd == nil || h.NodeError == nil {
		t.Error("SlogHooks(nil) leaves events unlogged")
	}
}
