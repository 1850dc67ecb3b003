package dsl

import (
	"strings"
	"testing"
)

// The model names every import as the generated file imports it: an import
// whose name generated code declares for itself (a local, one of its own
// packages with another path, a flow's member table) gets a number.
func TestImportGoNames(t *testing.T) {
	src := `import p "example.com/p"
import "runtime"
import flowF "example.com/states"
import "example.com/llm"
import "time"
store S {
    a p.T
    b runtime.MemStats
    c flowF.T
    d llm.Message
    e time.Duration
}
node A
flow F { start A }
`
	m, diags := Check("names.pico", []byte(src))
	if m == nil {
		t.Fatal(diags)
	}
	var got []string
	for _, imp := range m.Imports {
		got = append(got, imp.Path+"="+imp.GoName)
	}
	want := "example.com/p=p1 runtime=runtime1 example.com/states=flowF1 example.com/llm=llm time=time"
	if strings.Join(got, " ") != want {
		t.Errorf("GoNames = %s\nwant      %s", strings.Join(got, " "), want)
	}
}

// Constructor parameters are the members' names as Go locals, never a
// keyword, a predeclared name or another parameter.
func TestParamNames(t *testing.T) {
	src := `store S { n int }
node HTTPFetch
node URL
node Func
node String
node Len
node Url
flow F {
    start HTTPFetch
    HTTPFetch then a -> URL
    HTTPFetch then b -> Func
    HTTPFetch then c -> String
    HTTPFetch then d -> Len
    HTTPFetch then e -> Url
}
`
	m, diags := Check("params.pico", []byte(src))
	if m == nil {
		t.Fatal(diags)
	}
	var got []string
	for _, mb := range m.Flows[0].Members {
		got = append(got, mb.Param)
	}
	want := "httpFetch url funcNode stringNode lenNode urlNode"
	if strings.Join(got, " ") != want {
		t.Errorf("params = %s\nwant     %s", strings.Join(got, " "), want)
	}
}
