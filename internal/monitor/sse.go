package monitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// stream writes server-sent events.
type stream struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	sent time.Time // when it last wrote
}

// start sends the headers of a text/event-stream.
func startStream(w http.ResponseWriter) (*stream, error) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	st := &stream{w: w, rc: http.NewResponseController(w)}
	_ = st.rc.SetWriteDeadline(time.Time{}) // a stream lasts as long as its page
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	return st, st.flush()
}

// event writes one event: its id (when not ""), name and data as JSON.
func (st *stream) event(id, name string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if id != "" {
		fmt.Fprintf(st.w, "id: %s\n", id)
	}
	_, err = fmt.Fprintf(st.w, "event: %s\ndata: %s\n\n", name, b)
	st.sent = time.Now()
	return err
}

func (st *stream) flush() error {
	st.sent = time.Now()
	return st.rc.Flush()
}

// keepAlive writes a comment when the stream has been quiet a while, so
// that proxies keep it open and a closed page is noticed.
func (st *stream) keepAlive() error {
	if time.Since(st.sent) < heartbeat {
		return nil
	}
	fmt.Fprint(st.w, ": keep-alive\n\n")
	return st.flush()
}

// The data of a run's stream's events.
type (
	stepData struct {
		Step     int    `json:"step"`
		Flow     string `json:"flow"`
		Node     string `json:"node"`
		Status   string `json:"status"`
		Action   string `json:"action"`
		Started  string `json:"started"`
		Elapsed  int64  `json:"elapsed_ns"`
		Took     string `json:"elapsed"`
		Attempts int    `json:"attempts"`
		Err      string `json:"error,omitempty"`
	}
	eventData struct {
		ID      int64  `json:"id"`
		Step    int    `json:"step"`
		Kind    string `json:"kind"`
		Node    string `json:"node"`
		Attempt int    `json:"attempt,omitempty"`
		Wait    int64  `json:"wait_ns,omitempty"`
		Field   string `json:"field,omitempty"`
		Old     string `json:"old,omitempty"`
		New     string `json:"new,omitempty"`
		Value   string `json:"value,omitempty"`
		Err     string `json:"error,omitempty"`
	}
	runData struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Steps   int    `json:"steps"`
		Updated int64  `json:"updated"`
		Err     string `json:"error,omitempty"`
		Waiting string `json:"waiting,omitempty"`
	}
)

// runState is what a run's stream has sent: the run's update time (the
// log sets it at each checkpoint and at the run's start and end), the
// last event's ID, and each step as it was.
type runState struct {
	updated int64
	status  string
	event   int64
	steps   int
	sent    map[int]string // by step: its fingerprint
}

func (rs *runState) id() string {
	return fmt.Sprintf("%d.%d.%d", rs.updated, rs.event, rs.steps)
}

func fingerprint(s runlog.Step) string {
	return fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s", s.Status, s.Action, s.Elapsed, s.Attempts, s.Err)
}

// runEvents streams run id's changes as events: "step" for each step that
// is new or changed, "event" for each new event of the log (retry,
// fallback, write, emit), then "run" with the run's state, which pages
// refresh on; "gone" if the run is deleted. It polls the log, often while
// the run is in progress, seldom once it has stopped (it may be resumed).
// A client says what it has with ?updated=&after=&steps= (the page's
// values), or, reconnecting, with Last-Event-ID; one that is behind gets
// every step.
func (s *server) runEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, err := s.log.Run(id)
	if errors.Is(err, fs.ErrNotExist) {
		http.Error(w, fmt.Sprintf("no run %q", id), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rs := &runState{sent: map[int]string{}}
	q := r.URL.Query()
	rs.updated, _ = strconv.ParseInt(q.Get("updated"), 10, 64)
	rs.event, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	rs.steps, _ = strconv.Atoi(q.Get("steps"))
	if last := strings.Split(r.Header.Get("Last-Event-ID"), "."); len(last) == 3 {
		rs.updated, _ = strconv.ParseInt(last[0], 10, 64)
		rs.event, _ = strconv.ParseInt(last[1], 10, 64)
		rs.steps, _ = strconv.Atoi(last[2])
	}
	if rs.updated == run.Updated.UnixNano() {
		// The client has the run as it is: its steps are sent.
		rs.status = run.Status
		steps, err := s.log.Steps(id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, st := range steps {
			rs.sent[st.Step] = fingerprint(st)
		}
	}
	st, err := startStream(w)
	if err != nil {
		return
	}
	ctx := r.Context()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		status, err := s.pollRun(st, id, rs)
		if err != nil {
			return
		}
		if status == "" {
			return // gone
		}
		if status == runlog.StatusRunning {
			timer.Reset(pollRunning)
		} else {
			timer.Reset(pollStopped)
		}
	}
}

// pollRun sends what changed in run id since rs and returns its status
// ("" when it is gone).
func (s *server) pollRun(st *stream, id string, rs *runState) (string, error) {
	run, err := s.log.Run(id)
	if errors.Is(err, fs.ErrNotExist) {
		st.event("", "gone", map[string]string{"id": id})
		return "", st.flush()
	}
	if err != nil {
		return "", err
	}
	if run.Updated.UnixNano() == rs.updated && run.Status == rs.status {
		return run.Status, st.keepAlive()
	}
	steps, err := s.log.Steps(id)
	if err != nil {
		return "", err
	}
	events, err := s.log.Events(id, rs.event)
	if err != nil {
		return "", err
	}
	for _, x := range steps {
		if fp, seen := rs.sent[x.Step]; seen && fp == fingerprint(x) {
			continue
		}
		rs.sent[x.Step] = fingerprint(x)
		rs.steps = max(rs.steps, x.Step)
		if err := st.event("", "step", stepData{
			Step: x.Step, Flow: x.Flow, Node: x.Node, Status: x.Status, Action: x.Action,
			Started: x.Started.UTC().Format(time.RFC3339Nano), Elapsed: int64(x.Elapsed), Took: formatDuration(x.Elapsed),
			Attempts: x.Attempts, Err: x.Err,
		}); err != nil {
			return "", err
		}
	}
	for _, e := range events {
		rs.event = max(rs.event, e.ID)
		if err := st.event("", "event", eventData{
			ID: e.ID, Step: e.Step, Kind: e.Kind, Node: e.Node, Attempt: e.Attempt, Wait: int64(e.Wait),
			Field: e.Field, Old: e.Old, New: e.New, Value: e.Value, Err: e.Err,
		}); err != nil {
			return "", err
		}
	}
	rs.updated, rs.status = run.Updated.UnixNano(), run.Status
	if err := st.event(rs.id(), "run", runData{
		ID: run.ID, Status: run.Status, Steps: run.Steps, Updated: rs.updated, Err: run.Err, Waiting: run.Waiting,
	}); err != nil {
		return "", err
	}
	return run.Status, st.flush()
}

// runsVersion is a digest of a runs list: it changes when a run is added,
// removed or updated.
func runsVersion(runs []runlog.Run) string {
	h := fnv.New64a()
	for _, r := range runs {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00", r.ID, r.Status, r.Updated.UnixNano(), r.Steps)
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// runsEvents streams "runs" whenever the runs that the query's filter
// selects change; v is the version the client has.
func (s *server) runsEvents(w http.ResponseWriter, r *http.Request) {
	f := filter(r.URL.Query())
	version := r.URL.Query().Get("v")
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		version = id
	}
	st, err := startStream(w)
	if err != nil {
		return
	}
	ctx := r.Context()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		runs, err := s.log.Runs(f)
		if err != nil {
			return
		}
		if v := runsVersion(runs); v != version {
			version = v
			if st.event(v, "runs", map[string]int{"runs": len(runs)}) != nil || st.flush() != nil {
				return
			}
		} else if st.keepAlive() != nil {
			return
		}
		timer.Reset(pollRuns)
	}
}
