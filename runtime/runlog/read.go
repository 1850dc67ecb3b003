package runlog

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
)

// Run is one run as the log has it.
type Run struct {
	ID, Flow, Status string
	Started, Updated time.Time
	Ended            time.Time // zero while the run is in progress
	Steps            int       // the last step begun
	Err              string
	// Waiting is the await node a waiting run stopped at, and Question
	// what it asks, as JSON.
	Waiting, Question string
	PID               int // the process that last ran it, on Host
	Host              string
	Graph             *runtime.Graph // the flow's shape; nil when not known
}

// Step is one step of a run.
type Step struct {
	Step           int
	Flow, Node     string // the flow is a subflow's for its steps
	Status, Action string
	Started        time.Time
	Elapsed        time.Duration
	Attempts       int // Exec's attempts: 1 + its retries
	Err, Stack     string
}

// Event is a retry, a fallback, a store field's change or an Emit of a
// run, by Kind: "retry", "fallback", "write" or "emit".
type Event struct {
	ID         int64 // increasing: a reader asks for the events after the last it saw
	Step       int
	Time       time.Time
	Kind, Node string
	Attempt    int           // retry, fallback
	Wait       time.Duration // retry: the pause before the next attempt
	Field      string        // write: the field, its old and new value as JSON
	Old, New   string
	Value      string // emit: the value as JSON
	Err        string // retry, fallback
}

// StoreAt is the store of a run after one of its steps, from its
// checkpoint.
type StoreAt struct {
	Step       int
	Node, Next string
	Time       time.Time
	Store      json.RawMessage
}

// Fields are the store's fields in the order its JSON has them, and their
// values as JSON; both nil when the store is no JSON object.
func (s StoreAt) Fields() (keys []string, values map[string]json.RawMessage) {
	return storeFields(s.Store)
}

// Filter selects runs for [Log.Runs]; an empty field selects all.
type Filter struct {
	Flow, Status string
	ID           string // a prefix of the run ID
	Limit        int    // at most this many, newest first (0: 100)
}

const runColumns = `id, flow, status, started, updated, ended, steps, error, waiting, question, pid, host, graph`

// Runs returns the runs f selects, the most recently started first.
func (l *Log) Runs(f Filter) ([]Run, error) {
	var where []string
	var args []any
	if f.Flow != "" {
		where, args = append(where, "flow = ?"), append(args, f.Flow)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.ID != "" {
		where, args = append(where, "substr(id, 1, ?) = ?"), append(args, len(f.ID), f.ID)
	}
	q := `SELECT ` + runColumns + ` FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += ` ORDER BY started DESC, id LIMIT ?`
	rows, err := l.db.Query(q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("runlog: runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("runlog: runs: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// Run returns run id; the error wraps fs.ErrNotExist when the log has none.
func (l *Log) Run(id string) (*Run, error) {
	r, err := scanRun(l.db.QueryRow(`SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("runlog: no run %q in %s: %w", id, l.path, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("runlog: run %s: %w", id, err)
	}
	return r, nil
}

type scanner interface{ Scan(...any) error }

func scanRun(s scanner) (*Run, error) {
	var r Run
	var started, updated int64
	var ended sql.NullInt64
	var graph string
	if err := s.Scan(&r.ID, &r.Flow, &r.Status, &started, &updated, &ended, &r.Steps, &r.Err, &r.Waiting, &r.Question, &r.PID, &r.Host, &graph); err != nil {
		return nil, err
	}
	r.Started, r.Updated = time.Unix(0, started), time.Unix(0, updated)
	if ended.Valid {
		r.Ended = time.Unix(0, ended.Int64)
	}
	if graph != "" {
		r.Graph = new(runtime.Graph)
		if json.Unmarshal([]byte(graph), r.Graph) != nil {
			r.Graph = nil // written by a runtime with another shape: not drawn
		}
	}
	return &r, nil
}

// Steps returns the steps of run id in order.
func (l *Log) Steps(id string) ([]Step, error) {
	rows, err := l.db.Query(`SELECT step, flow, node, status, action, started, elapsed, attempts, error, stack
		FROM steps WHERE run_id = ? ORDER BY step`, id)
	if err != nil {
		return nil, fmt.Errorf("runlog: steps of run %s: %w", id, err)
	}
	defer rows.Close()
	var out []Step
	for rows.Next() {
		var s Step
		var started, elapsed int64
		if err := rows.Scan(&s.Step, &s.Flow, &s.Node, &s.Status, &s.Action, &started, &elapsed, &s.Attempts, &s.Err, &s.Stack); err != nil {
			return nil, fmt.Errorf("runlog: steps of run %s: %w", id, err)
		}
		s.Started, s.Elapsed = time.Unix(0, started), time.Duration(elapsed)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Events returns the events of run id after the one with ID after (0: all),
// in the order they were written.
func (l *Log) Events(id string, after int64) ([]Event, error) {
	rows, err := l.db.Query(`SELECT id, step, time, kind, node, attempt, wait, field, old, new, value, error
		FROM events WHERE run_id = ? AND id > ? ORDER BY id`, id, after)
	if err != nil {
		return nil, fmt.Errorf("runlog: events of run %s: %w", id, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at, wait int64
		if err := rows.Scan(&e.ID, &e.Step, &at, &e.Kind, &e.Node, &e.Attempt, &wait, &e.Field, &e.Old, &e.New, &e.Value, &e.Err); err != nil {
			return nil, fmt.Errorf("runlog: events of run %s: %w", id, err)
		}
		e.Time, e.Wait = time.Unix(0, at), time.Duration(wait)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Stores returns the store of run id after each step that saved a
// checkpoint, in step order.
func (l *Log) Stores(id string) ([]StoreAt, error) {
	rows, err := l.db.Query(`SELECT data FROM checkpoints WHERE run_id = ? ORDER BY step`, id)
	if err != nil {
		return nil, fmt.Errorf("runlog: stores of run %s: %w", id, err)
	}
	defer rows.Close()
	var out []StoreAt
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("runlog: stores of run %s: %w", id, err)
		}
		cp, err := runtime.DecodeCheckpoint(data)
		if err != nil {
			return nil, fmt.Errorf("runlog: run %s: %w", id, err)
		}
		out = append(out, StoreAt{Step: cp.Step, Node: cp.Node, Next: cp.Next, Time: cp.Time, Store: cp.Store})
	}
	return out, rows.Err()
}
