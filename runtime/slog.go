package runtime

import (
	"context"
	"log/slog"
)

// SlogHooks returns hooks that log every event of a run to l (nil: the
// default logger). Messages, levels and attribute keys are stable, so that
// log queries can rely on them:
//
//	flow start   Info   flow, run_id, steps (0, or the checkpoint's step when resumed)
//	node start   Info   flow, run_id, node, step
//	node end     Info   flow, run_id, node, step, action, elapsed
//	node error   Error  flow, run_id, node, step, elapsed, error
//	retry        Warn   flow, run_id, node, step, attempt, wait, error
//	fallback     Warn   flow, run_id, node, step, attempt, error
//	store write  Debug  flow, run_id, node, step, field
//	flow end     Info   flow, run_id, steps, elapsed (Error, with error, when the run failed)
//
// For node events, flow is the flow the node belongs to (a subflow's, inside
// one); run_id tells the lines of concurrent runs apart. A store write logs
// the field's .pico name but not its values, which may be large or private;
// a StoreWrite hook of your own can log them. Emit values are not logged:
// they are a stream (a model's tokens), for an Emit hook of your own.
//
// StoreWrite is set only when l has Debug enabled at the time SlogHooks is
// called: with it set, generated code copies the store before every Post,
// a cost not worth paying for lines that would be dropped.
func SlogHooks(l *slog.Logger) Hooks {
	if l == nil {
		l = slog.Default()
	}
	// Events carry no context; handlers get the background one.
	ctx := context.Background()
	h := Hooks{
		FlowStart: func(e FlowEvent) {
			l.LogAttrs(ctx, slog.LevelInfo, "flow start",
				slog.String("flow", e.Flow), slog.String("run_id", e.RunID), slog.Int("steps", e.Steps))
		},
		NodeStart: func(e NodeEvent) {
			l.LogAttrs(ctx, slog.LevelInfo, "node start",
				slog.String("flow", e.Flow), slog.String("run_id", e.RunID), slog.String("node", e.Node), slog.Int("step", e.Step))
		},
		NodeEnd: func(e NodeEvent) {
			l.LogAttrs(ctx, slog.LevelInfo, "node end",
				slog.String("flow", e.Flow), slog.String("run_id", e.RunID), slog.String("node", e.Node), slog.Int("step", e.Step),
				slog.String("action", e.Action), slog.Duration("elapsed", e.Elapsed))
		},
		NodeError: func(e NodeEvent) {
			l.LogAttrs(ctx, slog.LevelError, "node error",
				slog.String("flow", e.Flow), slog.String("run_id", e.RunID), slog.String("node", e.Node), slog.Int("step", e.Step),
				slog.Duration("elapsed", e.Elapsed), slog.Any("error", e.Err))
		},
		Retry: func(e RetryEvent) {
			l.LogAttrs(ctx, slog.LevelWarn, "retry",
				slog.String("flow", e.Flow), slog.String("run_id", e.RunID), slog.String("node", e.Node), slog.Int("step", e.Step),
				slog.Int("attempt", e.Attempt), slog.Duration("wait", e.Wait), slog.Any("error", e.Err))
		},
		Fallback: func(e RetryEvent) {
			l.LogAttrs(ctx, slog.LevelWarn, "fallback",
				slog.String("flow", e.Flow), slog.String("run_id", e.RunID), slog.String("node", e.Node), slog.Int("step", e.Step),
				slog.Int("attempt", e.Attempt), slog.Any("error", e.Err))
		},
		FlowEnd: func(e FlowEvent) {
			attrs := []slog.Attr{
				slog.String("flow", e.Flow), slog.String("run_id", e.RunID),
				slog.Int("steps", e.Steps), slog.Duration("elapsed", e.Elapsed),
			}
			level := slog.LevelInfo
			if e.Err != nil {
				level = slog.LevelError
				attrs = append(attrs, slog.Any("error", e.Err))
			}
			l.LogAttrs(ctx, level, "flow end", attrs...)
		},
	}
	if l.Enabled(ctx, slog.LevelDebug) {
		h.StoreWrite = func(e WriteEvent) {
			l.LogAttrs(ctx, slog.LevelDebug, "store write",
				slog.String("flow", e.Flow), slog.String("run_id", e.RunID), slog.String("node", e.Node), slog.Int("step", e.Step),
				slog.String("field", e.Field))
		}
	}
	return h
}
