package codegen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/digital-duck/picoflow-go/dsl"
)

// flow emits the struct of a flow and its Run, check and run methods.
func (g *gen) flow(fl *dsl.Flow) {
	var fields []jen.Code
	for _, m := range fl.Members {
		fields = append(fields, jen.Id(m.Name()).Add(memberType(m)))
	}
	// The .pico doc comes first, as it names the flow the Go way.
	doc := fl.Doc
	if len(doc) == 0 {
		doc = []string{fmt.Sprintf("%s runs flow %s of %s.", fl.Name, fl.Name, g.src)}
	}
	edges := []string{fmt.Sprintf("Make it with %s, then call Run.", fl.Constructor)}
	if len(fl.Edges) > 0 {
		edges = []string{fmt.Sprintf("Make it with %s, then call Run. Its edges:", fl.Constructor), ""}
	}
	for _, e := range fl.Edges {
		edges = append(edges, "\t"+edgeText(e))
	}
	g.decl(paragraphs(doc, edges), jen.Type().Id(fl.Name).Struct(fields...))
	g.constructor(fl)

	g.runMethod(fl)
	g.checkMethod(fl)
	g.runLoop(fl)
}

// constructor emits New<Flow>, which takes every member in the order of the
// struct: a member added to the .pico breaks every call that does not pass
// it, at compile time, where a struct literal would leave the field nil.
func (g *gen) constructor(fl *dsl.Flow) {
	var params, values []jen.Code
	for _, m := range fl.Members {
		params = append(params, jen.Id(m.Param).Add(memberType(m)))
		values = append(values, field(m.Name(), jen.Id(m.Param)))
	}
	g.decl([]string{
		fmt.Sprintf("%s returns flow %s with its members, in the order of its fields.", fl.Constructor, fl.Name),
	}, jen.Func().Id(fl.Constructor).Params(params...).Op("*").Id(fl.Name).Block(
		jen.Return(jen.Op("&").Id(fl.Name).Custom(jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}, values...)),
	))
}

// memberType is the type of a member's field in its flow's struct.
func memberType(m *dsl.Member) *jen.Statement {
	if m.Flow != nil {
		return jen.Op("*").Id(m.Flow.Name)
	}
	return jen.Id(m.Node.Interface)
}

// edgeText writes e as in the .pico; a `*` edge also lists the actions it
// routes, which the reader would otherwise have to work out.
func edgeText(e *dsl.Edge) string {
	to := "end"
	if e.To != nil {
		to = e.To.Name()
	}
	s := fmt.Sprintf("%s then %s -> %s", e.From.Name(), e.Label, to)
	if e.Wildcard() {
		var covered []string
		for _, r := range e.From.Routes {
			if r.Edge == e {
				covered = append(covered, r.Action.Name)
			}
		}
		s += " (" + strings.Join(covered, ", ") + ")"
	}
	return s
}

// recv is the receiver of a flow's methods.
func recv(fl *dsl.Flow) *jen.Statement {
	return jen.Id("f").Op("*").Id(fl.Name)
}

// runMethod emits Run, the entry point users call.
func (g *gen) runMethod(fl *dsl.Flow) {
	store := g.m.Store.Name
	doc := []string{
		fmt.Sprintf("Run runs the flow on s, starting at %s. A nil field of f fails it", fl.Start.Name()),
		"before the first step.",
	}
	if fl.MaxSteps > 0 {
		doc[1] += fmt.Sprintf(" It fails with runtime.ErrMaxSteps after %d steps", fl.MaxSteps)
		doc = append(doc, "unless runtime.WithMaxSteps sets another limit.")
	}
	body := []jen.Code{
		jen.If(jen.Err().Op(":=").Id("f").Dot("check").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Id("r").Op(":=").Qual(runtimePath, "Start").Call(jen.Lit(fl.Name), jen.Lit(g.schema), jen.Lit(fl.MaxSteps), jen.Id("opts")),
	}
	run := jen.Id("f").Dot("run").Call(jen.Id("ctx"), jen.Id("r"), jen.Id("s"), jen.Lit(""))
	if fl.Subflow {
		// Run alone, a subflow's outcome only tells which edge into end it took.
		body = append(body,
			jen.List(jen.Id("_"), jen.Err()).Op(":=").Add(run),
			jen.Return(jen.Id("r").Dot("Finish").Call(jen.Err())),
		)
	} else {
		body = append(body, jen.Return(jen.Id("r").Dot("Finish").Call(run)))
	}
	g.decl(doc, jen.Func().Params(recv(fl)).Id("Run").Params(
		jen.Id("ctx").Qual(contextPath, "Context"),
		jen.Id("s").Op("*").Id(store),
		jen.Id("opts").Op("...").Qual(runtimePath, "Option"),
	).Error().Block(body...))
	g.resumeMethod(fl)
}

// resumeMethod emits Resume, which continues a run from a checkpoint: the
// store as saved, then the node the checkpoint names as next.
func (g *gen) resumeMethod(fl *dsl.Flow) {
	fail := func(format string) jen.Code {
		return jen.Return(jen.Id("r").Dot("Finish").Call(jen.Qual(fmtPath, "Errorf").Call(jen.Lit(format), jen.Err())))
	}
	run := jen.Id("f").Dot("run").Call(jen.Id("ctx"), jen.Id("r"), jen.Id("s"), jen.Id("cp").Dot("Next"))
	finish := []jen.Code{jen.Return(jen.Id("r").Dot("Finish").Call(run))}
	if fl.Subflow {
		finish = []jen.Code{
			jen.List(jen.Id("_"), jen.Err()).Op("=").Add(run),
			jen.Return(jen.Id("r").Dot("Finish").Call(jen.Err())),
		}
	}
	body := []jen.Code{
		jen.If(jen.Err().Op(":=").Id("f").Dot("check").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Qual(runtimePath, "Resume").Call(
			jen.Id("cp"), jen.Lit(fl.Name), jen.Lit(g.schema), jen.Lit(fl.MaxSteps), jen.Id("opts")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.If(jen.Err().Op(":=").Qual(jsonPath, "Unmarshal").Call(jen.Id("cp").Dot("Store"), jen.Id("s")), jen.Err().Op("!=").Nil()).Block(
			fail("resume flow " + fl.Name + ": store: %w"),
		),
		jen.If(jen.Id("cp").Dot("Next").Op("==").Lit("")).Block(
			jen.Comment("// The run had finished: s now holds its result; no node runs."),
			jen.Return(jen.Id("r").Dot("Finish").Call(jen.Nil())),
		),
	}
	body = append(body, finish...)
	g.decl([]string{
		"Resume continues a run of the flow from checkpoint cp (see runtime.Dir and",
		"runtime.LatestCheckpoint): it restores s from cp and runs from the node cp",
		"names as next, with steps numbered on from cp's. A checkpoint of another",
		"flow or of another store schema is refused. Resuming a run that had",
		"finished restores its final store and runs no node.",
	}, jen.Func().Params(recv(fl)).Id("Resume").Params(
		jen.Id("ctx").Qual(contextPath, "Context"),
		jen.Id("s").Op("*").Id(g.m.Store.Name),
		jen.Id("cp").Op("*").Qual(runtimePath, "Checkpoint"),
		jen.Id("opts").Op("...").Qual(runtimePath, "Option"),
	).Error().Block(body...))
}

// checkMethod emits check, which finds a nil field before the first step,
// so that a half-wired flow fails at once rather than midway through a run.
func (g *gen) checkMethod(fl *dsl.Flow) {
	var cases, subs []jen.Code
	for _, m := range fl.Members {
		cases = append(cases, jen.Case(jen.Id("f").Dot(m.Name()).Op("==").Nil()).Block(
			jen.Return(jen.Qual(runtimePath, "MissingNode").Call(jen.Lit(fl.Name), jen.Lit(m.Name()))),
		))
		if m.Flow != nil {
			subs = append(subs, jen.If(jen.Err().Op(":=").Id("f").Dot(m.Name()).Dot("check").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())))
		}
	}
	body := append([]jen.Code{jen.Switch().Block(cases...)}, subs...)
	body = append(body, jen.Return(jen.Nil()))
	doc := []string{"check reports the first nil field of f, so that a half-wired flow fails", "before its first step."}
	if len(subs) > 0 {
		doc = []string{"check reports the first nil field of f or of its subflows, so that a", "half-wired flow fails before its first step."}
	}
	g.decl(doc,
		jen.Func().Params(recv(fl)).Id("check").Params().Error().Block(body...))
}

// runLoop emits run, the step loop in the shape of internal/design/DESIGN.md.
// A subflow's run is also called by the flows that use it, with their Run,
// so that steps, hooks and max_steps span the whole run; it returns the edge
// into end that it took, as its outcome.
func (g *gen) runLoop(fl *dsl.Flow) {
	l := &loop{g: g, fl: fl}
	var consts, cases []jen.Code
	for i, m := range fl.Members {
		if i == 0 {
			consts = append(consts, jen.Id(m.State).Op("=").Iota())
		} else {
			consts = append(consts, jen.Id(m.State))
		}
		var body []jen.Code
		if m.Flow != nil {
			body = l.subflowStep(m)
		} else {
			body = l.nodeStep(m)
		}
		cases = append(cases, jen.Case(jen.Id(m.State)).Block(body...))
	}
	results := jen.Params(jen.Err().Error())
	doc := []string{"run runs the steps of the flow from the member named from; at holds the", "member that runs next."}
	if fl.Subflow {
		// Named results, because Recover sets err through a pointer.
		results = jen.Params(jen.Id("a").Id(fl.ActionType), jen.Err().Error())
		doc = []string{
			"run runs the steps of the flow from the member named from, for Run or as a",
			"step of a flow that uses it, and returns its outcome; at holds the member",
			"that runs next.",
		}
	}
	// from names the member to run first: "" or the start for Run, the
	// checkpoint's next node for Resume.
	entry := []jen.Code{jen.Case(jen.Lit(""), jen.Lit(fl.Start.Name()))}
	var names []jen.Code
	for _, m := range fl.Members {
		names = append(names, jen.Id(m.State).Op(":").Lit(m.Name()))
		if m != fl.Start {
			entry = append(entry, jen.Case(jen.Lit(m.Name())).Block(jen.Id("at").Op("=").Id(m.State)))
		}
	}
	entry = append(entry, jen.Default().Block(l.ret(
		jen.Qual(fmtPath, "Errorf").Call(jen.Lit("flow "+fl.Name+" has no node %q to run"), jen.Id("from")))))
	body := []jen.Code{
		jen.Defer().Id("r").Dot("Recover").Call(jen.Op("&").Err()),
		jen.Const().Defs(consts...),
	}
	if l.usesNames {
		body = append(body, jen.Id("names").Op(":=").Index(jen.Op("...")).String().Values(names...))
	}
	body = append(body, jen.Id("at").Op(":=").Id(fl.Start.State))
	if l.hasSubflows() {
		// A checkpoint inside a subflow names its next node by path
		// ("Research/Fetch"): this flow's member first, the rest for it.
		body = append(body,
			jen.List(jen.Id("head"), jen.Id("rest"), jen.Id("_")).Op(":=").Qual(stringsPath, "Cut").Call(jen.Id("from"), jen.Lit("/")),
			jen.Switch(jen.Id("head")).Block(entry...),
		)
	} else {
		body = append(body, jen.Switch(jen.Id("from")).Block(entry...))
	}
	body = append(body, jen.For().Block(jen.Switch(jen.Id("at")).Block(cases...)))
	g.decl(doc, jen.Func().Params(recv(fl)).Id("run").Params(
		jen.Id("ctx").Qual(contextPath, "Context"),
		jen.Id("r").Op("*").Qual(runtimePath, "Run"),
		jen.Id("s").Op("*").Id(g.m.Store.Name),
		jen.Id("from").String(),
	).Add(results).Block(body...))
}

// hasSubflows reports whether the flow uses another flow as a member.
func (l *loop) hasSubflows() bool {
	for _, m := range l.fl.Members {
		if m.Flow != nil {
			return true
		}
	}
	return false
}

// loop writes the steps of one flow's run method.
type loop struct {
	g         *gen
	fl        *dsl.Flow
	usesNames bool // a step records the name of the member it routes to
}

// ret is a return statement of run: a subflow's run also returns an outcome,
// none (0) when it fails.
func (l *loop) ret(err jen.Code) jen.Code {
	if l.fl.Subflow {
		return jen.Return(jen.Lit(0), err)
	}
	return jen.Return(err)
}

// failIfErr returns from run with err wrapped by r.Fail.
func (l *loop) failIfErr() jen.Code {
	return jen.If(jen.Err().Op("!=").Nil()).Block(l.ret(jen.Id("r").Dot("Fail").Call(jen.Err())))
}

// nodeStep is the case of run that runs a node member: Begin, the declared
// phases, then the route of its action.
func (l *loop) nodeStep(m *dsl.Member) []jen.Code {
	n := m.Node
	body := []jen.Code{
		jen.If(
			jen.Err().Op(":=").Id("r").Dot("Begin").Call(jen.Id("ctx"), jen.Lit(l.fl.Name), jen.Lit(n.Name)),
			jen.Err().Op("!=").Nil(),
		).Block(l.ret(jen.Err())),
		jen.Id("n").Op(":=").Id("f").Dot(n.Name),
	}
	post := []jen.Code{jen.Id("ctx"), jen.Id("s")}
	if n.Prep != nil {
		body = append(body,
			jen.List(jen.Id("p"), jen.Err()).Op(":=").Id("n").Dot("Prep").Call(jen.Id("ctx"), jen.Id("s")),
			l.failIfErr(),
		)
		post = append(post, jen.Id("p"))
	}
	if n.Exec != nil {
		body = append(body, l.exec(n)...)
		post = append(post, jen.Id("e"))
	}
	// The store is snapshotted only when a StoreWrite hook is set; the
	// writes are reported even when Post fails, since they happened.
	body = append(body,
		jen.Var().Id("old").Op("*").Id(l.g.m.Store.Name),
		jen.If(jen.Id("r").Dot("WatchesWrites").Call()).Block(jen.Id("old").Op("=").Id("s").Dot("snapshotForHooks").Call()),
		jen.Id("r").Dot("Enter").Call(jen.Qual(runtimePath, "PhasePost")),
	)
	reportWrites := jen.If(jen.Id("old").Op("!=").Nil()).Block(jen.Id("s").Dot("reportWrites").Call(jen.Id("r"), jen.Id("old")))
	if n.Terminal() {
		if l.fl.Subflow {
			l.g.fail("flow %s is used as a node but can finish at terminal node %s", l.fl.Name, n.Name)
		}
		return append(body,
			jen.Err().Op("=").Id("n").Dot("Post").Call(post...),
			reportWrites,
			l.failIfErr(),
			l.end(jen.Nil(), jen.Lit("")),
			jen.Return(jen.Nil()),
		)
	}
	body = append(body,
		jen.List(jen.Id("a"), jen.Err()).Op(":=").Id("n").Dot("Post").Call(post...),
		reportWrites,
		l.failIfErr(),
	)
	return append(body, l.route(m)...)
}

// exec runs Exec with the node's policy into e. When every attempt failed
// and the node has `fallback`, its ExecFallback gives the result instead:
// the method is part of the node's interface, so the compiler has checked
// its signature. A batch node's fallback applies per element, inside
// ExecBatch.
func (l *loop) exec(n *dsl.Node) []jen.Code {
	ctxParam := jen.Id("ctx").Qual(contextPath, "Context")
	if n.Batch {
		fallback := jen.Nil()
		if n.Fallback {
			fallback = jen.Id("n").Dot("ExecFallback")
		}
		return []jen.Code{
			jen.List(jen.Id("e"), jen.Err()).Op(":=").Qual(runtimePath, "ExecBatch").Call(
				jen.Id("ctx"), jen.Id("r"), policy(n), jen.Id("p"), jen.Id("n").Dot("Exec"), fallback),
			l.failIfErr(),
		}
	}
	args, fbArgs := []jen.Code{jen.Id("ctx")}, []jen.Code{jen.Id("ctx")}
	if n.Prep != nil {
		args = append(args, jen.Id("p"))
		fbArgs = append(fbArgs, jen.Id("p"))
	}
	fbArgs = append(fbArgs, jen.Err())
	// A node with one attempt and no timeout needs no retry loop: Exec is
	// called directly, as a hand-written loop would.
	call := []jen.Code{
		jen.Id("r").Dot("Enter").Call(jen.Qual(runtimePath, "PhaseExec")),
		jen.List(jen.Id("e"), jen.Err()).Op(":=").Id("n").Dot("Exec").Call(args...),
	}
	if n.Attempts > 1 || n.Timeout > 0 {
		call = []jen.Code{jen.List(jen.Id("e"), jen.Err()).Op(":=").Qual(runtimePath, "Exec").Call(jen.Id("ctx"), jen.Id("r"), policy(n),
			jen.Func().Params(ctxParam.Clone()).Params(typ(n.Exec), jen.Error()).Block(
				jen.Return(jen.Id("n").Dot("Exec").Call(args...)),
			))}
	}
	if !n.Fallback {
		return append(call, l.failIfErr())
	}
	return append(call,
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.List(jen.Id("e"), jen.Err()).Op("=").Qual(runtimePath, "Fallback").Call(jen.Id("ctx"), jen.Id("r"), jen.Err(),
				jen.Func().Params(ctxParam.Clone(), jen.Err().Error()).Params(typ(n.Exec), jen.Error()).Block(
					jen.Return(jen.Id("n").Dot("ExecFallback").Call(fbArgs...)),
				)),
			l.failIfErr(),
		),
	)
}

// end records the end of the current step for hooks and checkpoints: its
// action and the member that runs next ("" when the flow finishes). Only an
// observed run calls End, so a plain step does not box its action.
func (l *loop) end(action, next jen.Code) jen.Code {
	return jen.If(jen.Id("r").Dot("Observed").Call()).Block(
		jen.If(jen.Err().Op(":=").Id("r").Dot("End").Call(action, next, jen.Id("s")), jen.Err().Op("!=").Nil()).Block(l.ret(jen.Err())),
	)
}

// subflowStep is the case of run that runs a subflow member: the subflow's
// run takes its own steps on the same Run, then its outcome is routed.
func (l *loop) subflowStep(m *dsl.Member) []jen.Code {
	body := []jen.Code{
		jen.Id("r").Dot("EnterSubflow").Call(jen.Lit(m.Name())),
		jen.List(jen.Id("a"), jen.Err()).Op(":=").Id("f").Dot(m.Name()).Dot("run").Call(jen.Id("ctx"), jen.Id("r"), jen.Id("s"), jen.Id("rest")),
		jen.Id("r").Dot("ExitSubflow").Call(),
		jen.Id("rest").Op("=").Lit(""), // a resumed subflow starts where it stopped only once
		jen.If(jen.Err().Op("!=").Nil()).Block(l.ret(jen.Err())),
	}
	return append(body, l.route(m)...)
}

// route switches on the action a of member m. Actions with the same target
// share a case, in action order. The step ends with r.End once the next
// member is known; for a subflow member that is the subflow's last step.
func (l *loop) route(m *dsl.Member) []jen.Code {
	type group struct {
		actions []jen.Code
		body    []jen.Code
		returns bool
	}
	var groups []*group
	byKey := map[any]*group{}
	for _, r := range m.Routes {
		var key any = r.Target
		if r.Target == nil && l.fl.Subflow {
			key = r.Action // each edge into end is its own outcome
		}
		if grp, ok := byKey[key]; ok {
			grp.actions = append(grp.actions, jen.Id(r.Action.GoName))
			continue
		}
		grp := &group{actions: []jen.Code{jen.Id(r.Action.GoName)}}
		switch {
		case r.Target != nil:
			grp.body = []jen.Code{jen.Id("at").Op("=").Id(r.Target.State)}
		case l.fl.Subflow:
			// The flow that uses this one routes the outcome and ends the
			// step: only it knows which member runs next.
			grp.returns = true
			grp.body = append(grp.body, jen.Return(l.outcome(r.Action), jen.Nil()))
		default:
			grp.returns = true
			grp.body = append(grp.body, l.end(jen.Id("a"), jen.Lit("")), jen.Return(jen.Nil()))
		}
		byKey[key] = grp
		groups = append(groups, grp)
	}
	var cases []jen.Code
	allReturn := true
	for _, grp := range groups {
		cases = append(cases, jen.Case(grp.actions...).Block(grp.body...))
		allReturn = allReturn && grp.returns
	}
	cases = append(cases, jen.Default().Block(l.ret(jen.Id("r").Dot("BadAction").Call(jen.Id("a").Dot("String").Call()))))
	code := []jen.Code{jen.Switch(jen.Id("a")).Block(cases...)}
	if !allReturn {
		// Past the switch only when the flow goes on to another member. A
		// subflow member's last inner step is ended here too, now that its
		// outcome is routed.
		l.usesNames = true
		code = append(code, l.end(jen.Id("a"), jen.Id("names").Index(jen.Id("at"))))
	}
	return code
}

// outcome is the constant of the subflow outcome that an action routed into
// end becomes: the outcome of the same name.
func (l *loop) outcome(a *dsl.Action) jen.Code {
	for _, o := range l.fl.Outcomes {
		if o.Name == a.Name {
			return jen.Id(o.GoName)
		}
	}
	l.g.fail("flow %s routes action %q into end but has no outcome of that name", l.fl.Name, a.Name)
	return jen.Lit(0)
}
