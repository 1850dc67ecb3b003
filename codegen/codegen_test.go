package codegen

import (
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/dsl"
)

// supportModel builds by hand the model of the support.pico of SPEC §1, so
// that these tests do not depend on the checker.
func supportModel() *dsl.Model {
	llm := &dsl.Import{Alias: "llm", Path: "example.com/app/llm", Name: "llm", GoName: "llm"}
	tm := &dsl.Import{Path: "time", Name: "time", GoName: "time"}
	named := func(name string) *dsl.Type { return &dsl.Type{Kind: dsl.NamedType, Name: name} }
	slice := func(t *dsl.Type) *dsl.Type { return &dsl.Type{Kind: dsl.SliceType, Elem: t} }
	acts := func(node string, names ...string) []*dsl.Action {
		var out []*dsl.Action
		for _, n := range names {
			out = append(out, &dsl.Action{Name: n, GoName: node + strings.ToUpper(n[:1]) + n[1:]})
		}
		return out
	}
	store := &dsl.Store{Name: "Ticket", Constructor: "NewTicket", Doc: []string{"Ticket is the state that every node reads and writes."}, Fields: []*dsl.Field{
		{Name: "query", GoName: "Query", Type: named("string")},
		{Name: "intent", GoName: "Intent", Type: named("string"), Default: &dsl.Literal{Kind: dsl.StringLit, Go: `"unknown"`}, Comment: "defaults: string, number and bool literals"},
		{Name: "urls", GoName: "URLs", Type: slice(named("string"))},
		{Name: "pages", GoName: "Pages", Type: slice(named("Page")), Doc: []string{"unqualified: a type of the generated package"}},
		{Name: "history", GoName: "History", Type: slice(&dsl.Type{Kind: dsl.NamedType, Name: "Message", Pkg: llm})},
		{Name: "budget", GoName: "Budget", Type: &dsl.Type{Kind: dsl.NamedType, Name: "Duration", Pkg: tm}},
		{Name: "tries", GoName: "Tries", Type: named("int"), Default: &dsl.Literal{Kind: dsl.IntLit, Go: "0"}},
	}}
	classify := &dsl.Node{Name: "Classify", Interface: "ClassifyNode", ActionType: "ClassifyAction", Doc: []string{"Classify asks the model what the user wants."},
		Prep: named("string"), Exec: named("string"), Attempts: 3, Wait: 500 * time.Millisecond, Backoff: 2, Timeout: 20 * time.Second, Parallel: 1,
		Actions: acts("Classify", "faq", "lookup", "billing", "refund")}
	fetch := &dsl.Node{Name: "Fetch", Interface: "FetchNode", ActionType: "FetchAction", Prep: slice(named("string")), Exec: named("Page"), Attempts: 1, Backoff: 1, Batch: true, Parallel: 8,
		Actions: acts("Fetch", "more", "enough")}
	answer := &dsl.Node{Name: "Answer", Interface: "AnswerNode", Prep: named("string"), Exec: named("string"), Attempts: 1, Backoff: 1, Parallel: 1}
	escalate := &dsl.Node{Name: "Escalate", Interface: "EscalateNode", Attempts: 1, Backoff: 1, Parallel: 1}

	research := &dsl.Flow{Name: "Research", Constructor: "NewResearch", Table: "flowResearch", ActionType: "ResearchAction", Subflow: true, Outcomes: acts("Research", "enough")}
	rFetch := &dsl.Member{Node: fetch, Step: "stepFetch", Param: "fetch"}
	research.Start = rFetch
	research.Members = []*dsl.Member{rFetch}
	e1 := &dsl.Edge{From: rFetch, Label: "more", To: rFetch}
	e2 := &dsl.Edge{From: rFetch, Label: "enough"}
	research.Edges = []*dsl.Edge{e1, e2}
	rFetch.Routes = []*dsl.Route{{Action: fetch.Actions[0], Target: rFetch, Edge: e1}, {Action: fetch.Actions[1], Edge: e2}}

	support := &dsl.Flow{Name: "Support", Constructor: "NewSupport", Table: "flowSupport", MaxSteps: 50}
	member := func(n *dsl.Node, f *dsl.Flow) *dsl.Member {
		m := &dsl.Member{Node: n, Flow: f}
		m.Step, m.Param = "step"+m.Name(), strings.ToLower(m.Name()[:1])+m.Name()[1:]
		return m
	}
	sClassify, sAnswer, sResearch, sEscalate := member(classify, nil), member(answer, nil), member(nil, research), member(escalate, nil)
	support.Start = sClassify
	support.Members = []*dsl.Member{sClassify, sAnswer, sResearch, sEscalate}
	faq := &dsl.Edge{From: sClassify, Label: "faq", To: sAnswer}
	lookup := &dsl.Edge{From: sClassify, Label: "lookup", To: sResearch}
	enough := &dsl.Edge{From: sResearch, Label: "enough", To: sAnswer}
	star := &dsl.Edge{From: sClassify, Label: "*", To: sEscalate}
	support.Edges = []*dsl.Edge{faq, lookup, enough, star}
	sClassify.Routes = []*dsl.Route{
		{Action: classify.Actions[0], Target: sAnswer, Edge: faq},
		{Action: classify.Actions[1], Target: sResearch, Edge: lookup},
		{Action: classify.Actions[2], Target: sEscalate, Edge: star},
		{Action: classify.Actions[3], Target: sEscalate, Edge: star},
	}
	sResearch.Routes = []*dsl.Route{{Action: research.Outcomes[0], Target: sAnswer, Edge: enough}}

	return &dsl.Model{
		Filename:   "testdata/support.pico",
		SourceHash: "5f3c",
		Package:    "support",
		Imports:    []*dsl.Import{tm, llm},
		Store:      store,
		Nodes:      []*dsl.Node{classify, fetch, answer, escalate},
		Flows:      []*dsl.Flow{research, support},
	}
}

func TestGenerateSupport(t *testing.T) {
	m := supportModel()
	src, err := Generate(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "support.pico.go", src, parser.ParseComments); err != nil {
		t.Fatalf("generated code does not parse: %v\n%s", err, src)
	}
	out := string(src)
	for _, want := range []string{
		"// Code generated by picoflow from support.pico. DO NOT EDIT.\n//picoflow:source support.pico sha256=5f3c generator=" + GeneratorVersion + "\n\npackage support\n",
		"\nconst _ = runtime." + runtimeVersion + "\n",
		"\tllm \"example.com/app/llm\"\n",
		"\t\"github.com/digital-duck/picoflow-go/runtime\"\n",
		"\tIntent string   `json:\"intent\"` // defaults: string, number and bool literals\n",
		"\treturn &Ticket{\n\t\tIntent: \"unknown\",\n\t\tTries:  0,\n\t}\n",
		"\tClassifyFaq ClassifyAction = iota + 1\n",
		"\tPrep(ctx context.Context, s *Ticket) (string, error)\n",
		"\tExec(ctx context.Context, prep string) (string, error)\n",
		"\tPost(ctx context.Context, s *Ticket, prep string, exec string) (ClassifyAction, error)\n",
		"\tExec(ctx context.Context, item string) (Page, error)\n",
		"\tPost(ctx context.Context, s *Ticket, prep []string, exec []Page) (FetchAction, error)\n",
		"\tPost(ctx context.Context, s *Ticket) error\n",
		"// Exec: attempts 3, wait 500ms, backoff 2, timeout 20s.\n",
		"// Exec runs once per element of Prep, at most 8 at once.\n",
		"//\tClassify then * -> Escalate (billing, refund)\n",
		"runtime.Policy{Attempts: 3, Wait: 500 * time.Millisecond, Backoff: 2, Timeout: 20 * time.Second}",
		"runtime.ExecBatch(ctx, r, runtime.Policy{Parallel: 8}, p, n.Exec, nil)",
		"func NewSupport(classify ClassifyNode, answer AnswerNode, research *Research, escalate EscalateNode) *Support {",
		"\treturn flowSupport.Run(ctx, f, s, opts)\n",
		"\treturn flowSupport.Resume(ctx, f, s, cp, opts)\n",
		"\tSchema:   \"" + schema(m.Store) + "\",\n\tMaxSteps: 50,\n",
		"\tcase ClassifyBilling, ClassifyRefund:\n\t\treturn 3, int(a), nil // Escalate\n",
		"\tcase FetchEnough:\n\t\treturn -int(ResearchEnough), int(a), nil // end\n",
		"func (f *Research) stepFetch(ctx context.Context, r *runtime.Run, s *Ticket) (int, int, error) {",
		"\to, err := flowResearch.Nested(ctx, r, f.Research, s, \"Research\")\n",
		"\t\t\tCheck:   func(f *Support) error { return flowResearch.CheckNested(f.Research, \"Support\", \"Research\") },\n",
		"\t\t\tCheck:   func(f *Support) error { return runtime.CheckNode(f.Classify, \"Support\", \"Classify\") },\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, err := Generate(supportModel(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		b, err := Generate(supportModel(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if string(a) != string(b) {
			t.Fatal("two runs on the same model gave different output")
		}
	}
}

func TestGeneratePackage(t *testing.T) {
	m := supportModel()
	m.Package = ""
	if _, err := Generate(m, Options{}); err == nil || !strings.Contains(err.Error(), "no package") {
		t.Errorf("no package anywhere: got error %v", err)
	}
	src, err := Generate(m, Options{Package: "fromdir"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "\npackage fromdir\n") {
		t.Errorf("Options.Package not used:\n%s", src)
	}
	m.Package = "support"
	if src, _ := Generate(m, Options{Package: "fromdir"}); !strings.Contains(string(src), "\npackage support\n") {
		t.Errorf("the .pico package should win over Options.Package")
	}
	if _, err := Generate(m, Options{}); err != nil {
		t.Error(err)
	}
	m.Package = "not-an-identifier"
	if _, err := Generate(m, Options{}); err == nil {
		t.Error("an invalid package name was accepted")
	}
	if _, err := Generate(&dsl.Model{}, Options{Package: "p"}); err == nil {
		t.Error("a model without a store was accepted")
	}
}

// An import is written by the name the model gives it (dsl renames one that
// generated code needs for itself).
func TestImportGoName(t *testing.T) {
	m := supportModel()
	p := &dsl.Import{Path: "example.com/p", Name: "p", GoName: "p1"}
	m.Imports = append(m.Imports, p)
	m.Nodes[2].Exec = &dsl.Type{Kind: dsl.NamedType, Name: "Answer", Pkg: p}
	src, err := Generate(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := string(src)
	for _, want := range []string{"\tp1 \"example.com/p\"\n", "Exec(ctx context.Context, prep string) (p1.Answer, error)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// A user import named like one of the generated code's packages but with
// another path is written by its GoName, leaving the name to generated code.
func TestImportNamedLikeOwnPackage(t *testing.T) {
	m := supportModel()
	rt := &dsl.Import{Path: "runtime", Name: "runtime", GoName: "runtime1"}
	m.Imports = append(m.Imports, rt)
	m.Store.Fields = append(m.Store.Fields, &dsl.Field{Name: "mem", GoName: "Mem", Type: &dsl.Type{Kind: dsl.NamedType, Name: "MemStats", Pkg: rt}})
	src, err := Generate(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := string(src)
	for _, want := range []string{"\truntime1 \"runtime\"\n", "\t\"github.com/digital-duck/picoflow-go/runtime\"\n", "runtime1.MemStats", "runtime.Flow[*Support, Ticket]{"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestDurationCode(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{500 * time.Millisecond, "500 * time.Millisecond"},
		{90 * time.Second, "90 * time.Second"},
		{time.Second, "time.Second"},
		{2 * time.Hour, "2 * time.Hour"},
		{1500 * time.Microsecond, "1500 * time.Microsecond"},
		{7, "7 * time.Nanosecond"},
	} {
		if got := durationCode(c.d).GoString(); got != c.want {
			t.Errorf("durationCode(%v) = %s, want %s", c.d, got, c.want)
		}
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		500 * time.Millisecond:  "500ms",
		90 * time.Second:        "1m30s",
		time.Minute:             "1m",
		2 * time.Hour:           "2h",
		time.Hour + time.Second: "1h0m1s",
		90 * time.Minute:        "1h30m",
	} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%v) = %s, want %s", d, got, want)
		}
	}
}

// A subflow cannot finish through a terminal node (its run must return an
// outcome); a model that says otherwise is an error, not broken Go.
func TestSubflowWithTerminalNode(t *testing.T) {
	m := supportModel()
	research := m.Flows[0]
	esc := &dsl.Member{Node: m.Nodes[3]}
	research.Members = append(research.Members, esc)
	fetch := research.Members[0]
	fetch.Routes[0].Target = esc
	if _, err := Generate(m, Options{}); err == nil || !strings.Contains(err.Error(), "terminal node Escalate") {
		t.Errorf("got error %v", err)
	}
}

// TestSchemaFingerprint: the fingerprint changes with the store's fields
// and types, and not with an import alias, which changes no saved JSON.
func TestSchemaFingerprint(t *testing.T) {
	st := func(alias string, typ string) *dsl.Store {
		imp := &dsl.Import{Alias: alias, Path: "time", Name: "time"}
		if alias != "" {
			imp.Name = alias
		}
		return &dsl.Store{Name: "S", Fields: []*dsl.Field{
			{Name: "n", Type: &dsl.Type{Kind: dsl.NamedType, Name: typ}},
			{Name: "d", Type: &dsl.Type{Kind: dsl.NamedType, Name: "Duration", Pkg: imp}},
		}}
	}
	base := schema(st("", "int"))
	if !regexp.MustCompile(`^d=[0-9a-f]{8} n=[0-9a-f]{8}$`).MatchString(base) {
		t.Fatalf("fingerprint %q is not the fields' name=hash, sorted by name", base)
	}
	if got := schema(st("tm", "int")); got != base {
		t.Errorf("an import alias changed the fingerprint: %s vs %s", got, base)
	}
	if got := schema(st("", "int64")); got == base {
		t.Error("a field type change kept the fingerprint")
	}
}
