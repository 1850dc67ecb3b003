// Package runlog records runs of picoflow flows in a SQLite database: each
// run (flow, status, times, error), its steps (node, action, elapsed,
// attempts, error and stack), retries, fallbacks, the store's changes
// field by field (old and new as JSON), Emit events, the question of a run
// waiting at an await node, and every checkpoint, so that a crashed or
// waiting run resumes from the log:
//
//	log, err := runlog.Open("runs.db")
//	...
//	defer log.Close()
//	err = flow.Run(ctx, store, log.Options()...)
//	...
//	cp, err := log.Latest(runID)
//	err = flow.Resume(ctx, store, cp, log.Options()...)
//
// `picoflow runs` prints the log and `picoflow monitor` serves it as a web
// page that follows runs live.
//
// The database is one file in WAL mode (readers never wait for the
// writer), written with modernc.org/sqlite, which is pure Go: no cgo.
// Many runs in one process, and several processes, may share a file. Each
// step's records are written in one transaction with its checkpoint,
// synced before the next step begins (as [runtime.Dir] syncs its files), so
// a SIGKILL loses at most the step in flight and leaves a database that
// opens. A write that fails fails the run: Save returns it, or, for the
// records of the run's end, the run's FlowEnd hook panics with it, which
// the runtime returns as a *runtime.HookError.
package runlog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Log is an open run log. Its methods are safe for concurrent use.
type Log struct {
	db   *sql.DB
	path string

	mu   sync.Mutex
	runs map[string]*run // the runs in progress in this process, by ID
}

// run is what the log holds of a run in progress until it is written.
type run struct {
	flow    string
	steps   map[int]*stepRow // begun and not written yet, by step
	events  []event          // not written yet
	started time.Time
	store   map[string]json.RawMessage // the last checkpoint's store, for the next one's changes
	loaded  bool                       // the log was asked for the run's last store (a resumed run has one)
	err     error                      // a write that failed in a hook, for the next Save
}

type stepRow struct {
	step           int
	flow, node     string
	status, action string
	started        time.Time
	elapsed        time.Duration
	retries        int
	errText, stack string
	ended          bool
}

// event is a retry, fallback or Emit; a store's changes are written from
// the checkpoints.
type event struct {
	step             int
	at               time.Time
	kind, node       string
	attempt          int
	wait             time.Duration
	value, errorText string
}

// The statuses of a run.
const (
	StatusRunning  = "running"
	StatusDone     = "done"
	StatusFailed   = "failed"
	StatusWaiting  = "waiting" // stopped at an await node for an answer
	StatusCanceled = "canceled"
)

// Open opens the run log at path, creating it (and its schema) if needed,
// and brings an older schema up to date.
func Open(path string) (*Log, error) {
	// busy_timeout lets writers of several processes take turns; FULL
	// syncs each commit, so a saved checkpoint survives a power cut as a
	// Dir file does.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("runlog: open %s: %w", path, err)
	}
	l := &Log{db: db, path: path, runs: map[string]*run{}}
	if err := l.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("runlog: open %s: %w", path, err)
	}
	return l, nil
}

// OpenExisting opens the run log at path for reading and writing, failing
// (with an error wrapping fs.ErrNotExist) when there is none, rather than
// creating an empty one: for tools that read logs.
func OpenExisting(path string) (*Log, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	return Open(path)
}

// Close closes the database. Runs still in progress are left as they are in
// the log: running, until they are resumed.
func (l *Log) Close() error { return l.db.Close() }

// Path is the file the log is in.
func (l *Log) Path() string { return l.path }

// Options are the options that record a run: pass them to a generated
// flow's Run or Resume. They save a checkpoint after every step in the log
// (so do not pass another runtime.WithCheckpoints) and record its events
// with hooks.
func (l *Log) Options() []runtime.Option {
	return []runtime.Option{runtime.WithCheckpoints(l), runtime.WithHooks(l.Hooks())}
}

// Hooks are the hooks that record a run's events; [Log.Options] includes
// them.
func (l *Log) Hooks() runtime.Hooks {
	return runtime.Hooks{
		FlowStart: l.flowStart,
		NodeStart: l.nodeStart,
		NodeEnd:   l.nodeEnd,
		NodeError: l.nodeError,
		Retry:     func(e runtime.RetryEvent) { l.retry("retry", e) },
		Fallback:  func(e runtime.RetryEvent) { l.retry("fallback", e) },
		Emit:      l.emit,
		FlowEnd:   l.flowEnd,
	}
}

// state returns the state of run id, creating it for a run this process
// did not see start (an event after a hook's failure, say).
func (l *Log) state(id, flow string) *run {
	r := l.runs[id]
	if r == nil {
		r = &run{flow: flow, steps: map[int]*stepRow{}}
		l.runs[id] = r
	}
	return r
}

func (l *Log) flowStart(e runtime.FlowEvent) {
	now := time.Now()
	var graph []byte
	if g := e.Graph(); g != nil {
		graph, _ = json.Marshal(g) // a Graph is plain data: it always encodes
	}
	host, _ := os.Hostname()
	_, err := l.db.Exec(`INSERT INTO runs (id, flow, status, started, updated, steps, pid, host, graph)
		VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = 'running', updated = excluded.updated, ended = NULL,
			error = '', waiting = '', question = '', pid = excluded.pid, host = excluded.host, graph = excluded.graph`,
		e.RunID, e.Flow, now.UnixNano(), now.UnixNano(), e.Steps, os.Getpid(), host, string(graph))
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.state(e.RunID, e.Flow)
	r.started = now
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("runlog: record the start of run %s: %w", e.RunID, err)
	}
}

func (l *Log) nodeStart(e runtime.NodeEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.state(e.RunID, e.Flow)
	r.steps[e.Step] = &stepRow{step: e.Step, flow: e.Flow, node: e.Node, status: StatusRunning, started: time.Now()}
}

// ended records the end of step e of its run.
func (l *Log) ended(e runtime.NodeEvent, status string) *stepRow {
	r := l.state(e.RunID, e.Flow)
	s := r.steps[e.Step]
	if s == nil {
		// No NodeStart: the log was added to a run part-way.
		s = &stepRow{step: e.Step, flow: e.Flow, node: e.Node, started: time.Now().Add(-e.Elapsed)}
		r.steps[e.Step] = s
	}
	s.status, s.action, s.elapsed, s.ended = status, e.Action, e.Elapsed, true
	return s
}

func (l *Log) nodeEnd(e runtime.NodeEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ended(e, StatusDone)
}

func (l *Log) nodeError(e runtime.NodeEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.ended(e, StatusFailed)
	s.errText = errorText(e.Err)
	var pe *runtime.PanicError
	if errors.As(e.Err, &pe) {
		s.stack = string(pe.Stack)
	}
}

func (l *Log) retry(kind string, e runtime.RetryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.state(e.RunID, e.Flow)
	if s := r.steps[e.Step]; s != nil && kind == "retry" {
		s.retries++
	}
	r.events = append(r.events, event{step: e.Step, at: time.Now(), kind: kind, node: e.Node, attempt: e.Attempt, wait: e.Wait, errorText: errorText(e.Err)})
}

// maxEmitted bounds the text kept of one Emit value.
const maxEmitted = 64 << 10

func (l *Log) emit(e runtime.EmitEvent) {
	var text string
	if b, err := json.Marshal(e.Value); err == nil {
		text = string(b)
	} else {
		text = fmt.Sprintf("%q", fmt.Sprint(e.Value))
	}
	if len(text) > maxEmitted {
		text = text[:maxEmitted]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.state(e.RunID, e.Flow)
	r.events = append(r.events, event{step: e.Step, at: time.Now(), kind: "emit", node: e.Node, value: text})
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Save records cp, with the store's changes since the run's last checkpoint
// and the events of the steps that ended since, in one transaction: the
// Checkpointer of [Log.Options].
func (l *Log) Save(ctx context.Context, cp *runtime.Checkpoint) error {
	data, err := runtime.EncodeCheckpoint(cp)
	if err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	l.mu.Lock()
	r := l.state(cp.RunID, cp.Flow)
	if err := r.err; err != nil {
		l.mu.Unlock()
		return err
	}
	if !r.loaded && r.store == nil {
		r.loaded = true
		l.mu.Unlock()
		prev, err := l.lastStore(cp.RunID)
		if err != nil {
			return err
		}
		l.mu.Lock()
		r.store = prev
	}
	changes, store := diff(r.store, cp.Store)
	steps, events := r.takeEnded()
	l.mu.Unlock()

	err = l.write(ctx, func(tx *sql.Tx) error {
		if err := writeSteps(tx, cp.RunID, steps, events); err != nil {
			return err
		}
		for _, c := range changes {
			if _, err := tx.Exec(`INSERT INTO events (run_id, step, time, kind, node, field, old, new) VALUES (?, ?, ?, 'write', ?, ?, ?, ?)`,
				cp.RunID, cp.Step, cp.Time.UnixNano(), cp.Node, c.field, c.old, c.new); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`INSERT INTO checkpoints (run_id, step, node, next, time, data) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (run_id, step) DO UPDATE SET node = excluded.node, next = excluded.next, time = excluded.time, data = excluded.data`,
			cp.RunID, cp.Step, cp.Node, cp.Next, cp.Time.UnixNano(), data); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE runs SET steps = max(steps, ?), updated = ? WHERE id = ?`, cp.Step, time.Now().UnixNano(), cp.RunID)
		return err
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("runlog: save checkpoint of step %d of run %s: %w", cp.Step, cp.RunID, err)
	}
	r.store = store
	return nil
}

// takeEnded removes the steps that ended, and the events, from r, to write.
func (r *run) takeEnded() ([]stepRow, []event) {
	var steps []stepRow
	for n, s := range r.steps {
		if s.ended {
			steps = append(steps, *s)
			delete(r.steps, n)
		}
	}
	slices.SortFunc(steps, func(a, b stepRow) int { return a.step - b.step })
	events := r.events
	r.events = nil
	return steps, events
}

func writeSteps(tx *sql.Tx, runID string, steps []stepRow, events []event) error {
	for _, s := range steps {
		if _, err := tx.Exec(`INSERT INTO steps (run_id, step, flow, node, status, action, started, elapsed, attempts, error, stack)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (run_id, step) DO UPDATE SET flow = excluded.flow, node = excluded.node, status = excluded.status,
				action = excluded.action, started = excluded.started, elapsed = excluded.elapsed,
				attempts = excluded.attempts, error = excluded.error, stack = excluded.stack`,
			runID, s.step, s.flow, s.node, s.status, s.action, s.started.UnixNano(), int64(s.elapsed), s.retries+1, s.errText, s.stack); err != nil {
			return err
		}
	}
	for _, e := range events {
		if _, err := tx.Exec(`INSERT INTO events (run_id, step, time, kind, node, attempt, wait, value, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			runID, e.step, e.at.UnixNano(), e.kind, e.node, e.attempt, int64(e.wait), e.value, e.errorText); err != nil {
			return err
		}
	}
	return nil
}

// write runs f in a transaction that takes the write lock at once, so
// that writers of several processes queue on busy_timeout rather than
// fail on a lock upgrade.
func (l *Log) write(ctx context.Context, f func(*sql.Tx) error) error {
	// A step's records are worth writing even while the run is canceled.
	tx, err := l.db.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (l *Log) flowEnd(e runtime.FlowEvent) {
	l.mu.Lock()
	r := l.state(e.RunID, e.Flow)
	delete(l.runs, e.RunID)
	steps, events := r.takeEnded()
	open := r.steps
	l.mu.Unlock()

	status, waiting, question := StatusDone, "", ""
	var in *runtime.Interrupt
	switch {
	case errors.As(e.Err, &in):
		status, waiting = StatusWaiting, in.Node
		if b, err := json.Marshal(in.Question); err == nil {
			question = string(b)
		}
	case errors.Is(e.Err, context.Canceled), errors.Is(e.Err, context.DeadlineExceeded):
		status = StatusCanceled
	case e.Err != nil:
		status = StatusFailed
	}
	// A step that never ended is the await node's, waiting for its answer,
	// or one the run stopped in: it has the run's status.
	for _, s := range open {
		s.status = status
		steps = append(steps, *s)
	}
	now := time.Now().UnixNano()
	err := l.write(context.Background(), func(tx *sql.Tx) error {
		if err := writeSteps(tx, e.RunID, steps, events); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE runs SET status = ?, updated = ?, ended = ?, steps = max(steps, ?), error = ?, waiting = ?, question = ? WHERE id = ?`,
			status, now, now, e.Steps, errorText(e.Err), waiting, question, e.RunID)
		return err
	})
	if err != nil {
		// The run has ended: a panic is the one way left to say that its
		// record is incomplete (the runtime returns it as a HookError).
		panic(fmt.Errorf("runlog: record the end of run %s: %w", e.RunID, err))
	}
}

// Latest returns the latest checkpoint of run id, to resume it: the one of
// its last step, or of the await node it waits at. The error wraps
// fs.ErrNotExist when the log has none.
func (l *Log) Latest(id string) (*runtime.Checkpoint, error) {
	var data []byte
	err := l.db.QueryRow(`SELECT data FROM checkpoints WHERE run_id = ? ORDER BY step DESC, time DESC LIMIT 1`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("runlog: run %q has no checkpoint: %w", id, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("runlog: latest checkpoint of run %s: %w", id, err)
	}
	cp, err := runtime.DecodeCheckpoint(data)
	if err != nil {
		return nil, fmt.Errorf("runlog: run %s: %w", id, err)
	}
	return cp, nil
}

// lastStore is the store of run id's latest checkpoint in the log, as
// fields, for the changes of a resumed run's first checkpoint.
func (l *Log) lastStore(id string) (map[string]json.RawMessage, error) {
	cp, err := l.Latest(id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_, fields := storeFields(cp.Store) // a store that is no object has no fields to compare
	return fields, nil
}

// Prune deletes the runs that ended more than olderThan ago, with their
// steps, events and checkpoints, and returns how many it deleted. Runs in
// progress, and runs waiting for an answer, are kept.
func (l *Log) Prune(olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan).UnixNano()
	var n int64
	err := l.write(context.Background(), func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM runs WHERE ended IS NOT NULL AND ended < ? AND status != 'waiting'`, cutoff)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("runlog: prune: %w", err)
	}
	return int(n), nil
}

// change is one store field that a checkpoint changed.
type change struct{ field, old, new string }

// diff compares a checkpoint's store with the previous one's, field by
// field in the new store's key order, and returns the changes and the new
// store's fields (nil for a store that is no JSON object).
func diff(prev map[string]json.RawMessage, store json.RawMessage) ([]change, map[string]json.RawMessage) {
	keys, fields := storeFields(store)
	if prev == nil {
		return nil, fields // the first checkpoint: what the store began as is not known
	}
	var out []change
	for _, k := range keys {
		if old, ok := prev[k]; !ok || string(old) != string(fields[k]) {
			out = append(out, change{k, string(old), string(fields[k])})
		}
	}
	return out, fields
}

// storeFields are the keys of the JSON object b, in order, and their
// values; both nil when b is no object.
func storeFields(b []byte) ([]string, map[string]json.RawMessage) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil
	}
	keys := []string{}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil
		}
		k, ok := t.(string)
		if !ok {
			return nil, nil
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil
		}
		keys = append(keys, k)
		fields[k] = v
	}
	return keys, fields
}
