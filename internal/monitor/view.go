package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// runPage is the data of run.html.
type runPage struct {
	Path     string
	Run      *runlog.Run
	Elapsed  string
	Graph    *graphView // nil: the log has no graph of the run's flow
	Steps    []stepRow
	Earlier  int      // the steps before those shown
	Axis     []string // the timeline's scale, from 0 to its span
	Stores   []storeRow
	Before   int // the stores before those shown
	Emits    []eventRow
	Retries  []eventRow
	Errors   []errorRow
	Question string // a waiting run's, indented
	Live     string // the URL of the run's stream
	Fragment string // the URL of the part the stream refreshes
	Running  bool
}

// stepRow is a row of the timeline.
type stepRow struct {
	runlog.Step
	Label   string // the node, FLOW/NODE for a subflow's
	Group   string // the parallel group it ran in
	Offset  string // since the run's start
	Took    string
	X, W    int // its bar, in thousandths of the span
	Marks   []mark
	Retries int
	Title   string
}

// mark is a retry (or fallback) on a step's bar, or the wait after it.
type mark struct {
	Class string
	X, W  int
	Title string
}

// storeRow is the store after one step.
type storeRow struct {
	runlog.StoreAt
	Fields  []fieldRow
	Raw     string // a store that is no JSON object
	Changes int
	First   bool // the first checkpoint: what the store was before is not known
}

type fieldRow struct {
	Key, Value, Full, Old string
	Changed               bool
}

type eventRow struct {
	runlog.Event
	Offset string
	Shown  string // the value (emit) or error (retry, fallback), cut short
	Wait   string
}

type errorRow struct {
	Step       int
	Node       string
	Err, Stack string
}

// Limits of what a page shows: the last steps and stores of a long run
// (the graph counts them all), and of one value.
var (
	maxSteps  = 1000
	maxStores = 200
)

const (
	maxValue = 240       // runes of a store field or an event's value in a cell
	maxFull  = 16 << 10  // runes of its tooltip
	maxStack = 256 << 10 // bytes of a stack
)

// runPage reads what the page of run shows from the log.
func (s *server) runPage(run *runlog.Run) (*runPage, error) {
	steps, err := s.log.Steps(run.ID)
	if err != nil {
		return nil, err
	}
	events, err := s.log.Events(run.ID, 0)
	if err != nil {
		return nil, err
	}
	stores, err := s.log.Stores(run.ID)
	if err != nil {
		return nil, err
	}
	p := &runPage{
		Path:    s.log.Path(),
		Run:     run,
		Elapsed: runElapsed(*run),
		Running: run.Status == runlog.StatusRunning,
	}
	var path *runPath
	if run.Graph != nil && len(run.Graph.Members) > 0 {
		m := newFlowModel(run.Graph)
		path = m.path(steps)
		p.Graph = layoutGraph(m, path, run.Status)
	}

	// The timeline's scale: from the run's start to the last thing it did.
	origin, end := run.Started, run.Updated
	if !run.Ended.IsZero() {
		end = maxTime(end, run.Ended)
	}
	for _, st := range steps {
		origin = minTime(origin, st.Started)
		end = maxTime(end, st.Started.Add(st.Elapsed))
	}
	span := max(end.Sub(origin), time.Microsecond)
	at := func(t time.Time) int { return scale(t.Sub(origin), span) }
	for i := 0; i <= 4; i++ {
		p.Axis = append(p.Axis, significant(span*time.Duration(i)/4).String())
	}
	byStep := map[int][]runlog.Event{}
	writes := map[int]map[string]runlog.Event{}
	var lastEvent int64
	for _, e := range events {
		lastEvent = max(lastEvent, e.ID)
		row := eventRow{Event: e, Offset: "+" + formatDuration(e.Time.Sub(origin)), Wait: formatDuration(e.Wait)}
		switch e.Kind {
		case "emit":
			row.Shown = cut(e.Value, maxValue)
			p.Emits = append(p.Emits, row)
		case "retry", "fallback":
			row.Shown = cut(e.Err, maxValue)
			p.Retries = append(p.Retries, row)
			byStep[e.Step] = append(byStep[e.Step], e)
		case "write":
			if writes[e.Step] == nil {
				writes[e.Step] = map[string]runlog.Event{}
			}
			writes[e.Step][e.Field] = e
		}
	}
	maxStep := 0
	for i, st := range steps {
		maxStep = max(maxStep, st.Step)
		row := stepRow{Step: st, Label: st.Node, Offset: "+" + formatDuration(st.Started.Sub(origin)), Took: formatDuration(st.Elapsed)}
		if st.Flow != run.Flow && st.Flow != "" {
			row.Label = st.Flow + "/" + st.Node
		}
		if path != nil {
			row.Group = path.group[i]
		}
		row.X = at(st.Started)
		row.W = max(scale(st.Elapsed, span), 3)
		row.X = min(row.X, 1000-row.W)
		row.Title = fmt.Sprintf("step %d %s: %s, %s from +%s", st.Step, row.Label, st.Status, row.Took, formatDuration(st.Started.Sub(origin)))
		if st.Attempts > 1 {
			row.Title += fmt.Sprintf(", %d attempts", st.Attempts)
		}
		for _, e := range byStep[st.Step] {
			if e.Kind == "retry" {
				row.Retries++
			}
			x := at(e.Time)
			title := fmt.Sprintf("%s after attempt %d: %s", e.Kind, e.Attempt, cut(e.Err, 200))
			if e.Wait > 0 {
				title += "; waited " + formatDuration(e.Wait)
				row.Marks = append(row.Marks, mark{Class: "wait", X: x, W: max(scale(e.Wait, span), 1), Title: title})
			}
			row.Marks = append(row.Marks, mark{Class: e.Kind, X: min(x, 997), W: 3, Title: title})
		}
		if st.Err != "" {
			p.Errors = append(p.Errors, errorRow{Step: st.Step, Node: row.Label, Err: st.Err, Stack: cutBytes(st.Stack, maxStack)})
		}
		p.Steps = append(p.Steps, row)
	}

	var prev map[string]json.RawMessage
	for i, sa := range stores {
		row := storeRow{StoreAt: sa, First: i == 0}
		keys, fields := sa.Fields()
		if keys == nil {
			row.Raw = cut(string(sa.Store), maxFull)
			p.Stores = append(p.Stores, row)
			prev = nil
			continue
		}
		for _, k := range keys {
			f := fieldRow{Key: k, Value: cut(string(fields[k]), maxValue), Full: cut(string(fields[k]), maxFull)}
			w, written := writes[sa.Step][k]
			old, had := prev[k]
			switch {
			case written:
				f.Changed, f.Old = true, w.Old
			case prev != nil && (!had || string(old) != string(fields[k])):
				f.Changed, f.Old = true, string(old)
			}
			if f.Changed {
				row.Changes++
				if f.Old == "" {
					f.Old = "(none)"
				}
				f.Old = cut(f.Old, maxValue)
			}
			row.Fields = append(row.Fields, f)
		}
		prev = fields
		p.Stores = append(p.Stores, row)
	}
	if n := len(p.Steps); n > maxSteps {
		p.Earlier, p.Steps = n-maxSteps, p.Steps[n-maxSteps:]
	}
	if n := len(p.Stores); n > maxStores {
		p.Before, p.Stores = n-maxStores, p.Stores[n-maxStores:]
	}
	if run.Status == runlog.StatusWaiting {
		p.Question = indentJSON(run.Question)
	}
	q := url.Values{}
	q.Set("updated", strconv.FormatInt(run.Updated.UnixNano(), 10))
	q.Set("after", strconv.FormatInt(lastEvent, 10))
	q.Set("steps", strconv.Itoa(maxStep))
	p.Live = runURL(run.ID) + "/events?" + q.Encode()
	p.Fragment = runURL(run.ID) + "?fragment=1"
	return p, nil
}

// significant is d rounded to three significant digits, for a scale.
func significant(d time.Duration) time.Duration {
	p := time.Duration(1)
	for d/p >= 1000 {
		p *= 10
	}
	return d.Round(p)
}

// scale is d in thousandths of span, within 0 to 1000.
func scale(d, span time.Duration) int {
	return int(min(max(float64(d)*1000/float64(span), 0), 1000))
}

// cut is s, cut to at most n runes.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "\n…"
}

// indentJSON is the JSON text s indented, or s itself if it is no JSON.
func indentJSON(s string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(s), "", "  ") != nil {
		return s
	}
	return b.String()
}
