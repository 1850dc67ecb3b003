package dsl

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSupportModel checks the model of SPEC's example file: defaults,
// settings, derived actions, subflow outcomes and expanded `*` routes.
func TestSupportModel(t *testing.T) {
	src, err := os.ReadFile("../testdata/check/support.pico")
	if err != nil {
		t.Fatal(err)
	}
	m, diags := Check("support.pico", src)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%v", diags)
	}
	if m.Package != "support" || len(m.Imports) != 2 || m.Imports[1].Name != "llm" {
		t.Errorf("package %q, imports %v", m.Package, m.Imports)
	}
	var fields []string
	for _, f := range m.Store.Fields {
		s := f.GoName + " " + f.Type.String()
		if f.Default != nil {
			s += " = " + f.Default.Go
		}
		fields = append(fields, s)
	}
	wantFields := "Query string, Intent string = \"unknown\", URLs []string, Pages []Page, History []llm.Message, Budget time.Duration, Tries int = 0"
	if got := strings.Join(fields, ", "); got != wantFields {
		t.Errorf("fields:\n got %s\nwant %s", got, wantFields)
	}
	if got := m.Store.Doc; len(got) != 1 || got[0] != "Ticket is the state that every node reads and writes." {
		t.Errorf("store doc %q", got)
	}
	if got := m.Store.Fields[1].Comment; got != "defaults: string, number and bool literals" {
		t.Errorf("trailing comment %q", got)
	}

	c := m.Nodes[0]
	if c.Attempts != 3 || c.Wait != 500*time.Millisecond || c.Backoff != 2 || c.Timeout != 20*time.Second {
		t.Errorf("Classify settings: %+v", c)
	}
	f := m.Nodes[1]
	if !f.Batch || f.Parallel != 8 || f.Item().String() != "string" {
		t.Errorf("Fetch settings: %+v", f)
	}
	var nodes []string
	for _, n := range m.Nodes {
		var acts []string
		for _, a := range n.Actions {
			acts = append(acts, a.GoName)
		}
		nodes = append(nodes, fmt.Sprintf("%s%v", n.Name, acts))
	}
	if got, want := strings.Join(nodes, " "), "Classify[ClassifyFaq ClassifyLookup ClassifyBilling ClassifyRefund] Fetch[FetchMore FetchEnough] Answer[] Escalate[]"; got != want {
		t.Errorf("actions:\n got %s\nwant %s", got, want)
	}

	var flows []string
	for _, fl := range m.Flows {
		s := fmt.Sprintf("%s sub=%v max=%d outcomes=%v:", fl.Name, fl.Subflow, fl.MaxSteps, actionNames(fl.Outcomes))
		for _, mem := range fl.Members {
			s += " " + mem.Name() + "{"
			for _, r := range mem.Routes {
				to := "end"
				if r.Target != nil {
					to = r.Target.Name()
				}
				s += fmt.Sprintf(" %s->%s", r.Action.Name, to)
			}
			s += " }"
		}
		flows = append(flows, s)
	}
	want := []string{
		"Research sub=true max=0 outcomes=[enough]: Fetch{ more->Fetch enough->end }",
		"Support sub=false max=50 outcomes=[]: Classify{ faq->Answer lookup->Research billing->Escalate refund->Escalate } Answer{ } Research{ enough->Answer } Escalate{ }",
	}
	if got := strings.Join(flows, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("flows:\n got %s\nwant %s", got, strings.Join(want, "\n"))
	}
}
