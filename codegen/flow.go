package codegen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/digital-duck/picoflow-go/dsl"
)

// flow emits the struct of a flow and its Run, check and run methods.
func (g *gen) flow(fl *dsl.Flow) {
	// A flow is not comparable: nothing compares flows, and the equality
	// function the compiler would make for one costs a large flow's build
	// seconds.
	fields := []jen.Code{jen.Id("_").Index(jen.Lit(0)).Func().Params().Comment("not comparable"), jen.Line()}
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
	for _, grp := range fl.Groups {
		edges = append(edges, fmt.Sprintf("\t%s -> %s (in parallel)", grp.Name(), grp.ExitName()))
	}
	g.decl(paragraphs(doc, edges), jen.Type().Id(fl.Name).Struct(fields...))
	g.constructor(fl)

	g.runMethod(fl)
	g.table(fl)
	g.steps(fl)
}

// constructor emits New<Flow>, which takes every member in the order of the
// struct: a member added to the .pico breaks every call that does not pass
// it, at compile time, where a struct literal would leave the field nil.
func (g *gen) constructor(fl *dsl.Flow) {
	var params, values, inMemory []jen.Code
	for i, m := range fl.Members {
		params = append(params, jen.Id(m.Param).Add(memberType(m)))
		values = append(values, field(m.Name(), jen.Id(m.Param)))
		if len(fl.Members) > manyMembers {
			if i == 0 {
				inMemory = append(inMemory,
					jen.Comment("Each parameter's address is taken so that the compiler keeps them in"),
					jen.Comment("memory: holding this many in registers would cost it time and memory"),
					jen.Comment("that grow with the square of their number."))
			}
			inMemory = append(inMemory, jen.Id("_").Op("=").Op("&").Id(m.Param))
		}
	}
	body := append(inMemory, jen.Return(jen.Op("&").Id(fl.Name).Custom(multi, values...)))
	g.decl([]string{
		fmt.Sprintf("%s returns flow %s with its members, in the order of its fields.", fl.Constructor, fl.Name),
	}, jen.Func().Id(fl.Constructor).Params(params...).Op("*").Id(fl.Name).Block(body...))
}

// manyMembers is the number of members above which a flow's constructor
// keeps its parameters in memory (see constructor). Below it the compiler's
// cost is small, and the constructor reads as one would write it.
const manyMembers = 64

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

// runName is the name by which the runtime knows a member: a group's is
// its members' joined by "+" (Web+Docs), which can name a checkpoint file.
func runName(m *dsl.Member) string {
	if m.Group == nil {
		return m.Name()
	}
	names := make([]string, len(m.Group))
	for i, g := range m.Group {
		names[i] = g.Name()
	}
	return strings.Join(names, "+")
}

// tableIndex gives each row of fl's member table its index: the members,
// then the groups.
func tableIndex(fl *dsl.Flow) map[*dsl.Member]int {
	index := map[*dsl.Member]int{}
	for i, m := range fl.Members {
		index[m] = i
	}
	for i, grp := range fl.Groups {
		index[grp] = len(fl.Members) + i
	}
	return index
}

// routeRows are the rows m's actions go to, in action order, as its step
// routes them (negative: the flow ends), for the runtime's Graph.
func routeRows(fl *dsl.Flow, m *dsl.Member, index map[*dsl.Member]int) []jen.Code {
	var out []jen.Code
	for _, r := range m.Routes {
		switch {
		case r.Target != nil:
			out = append(out, jen.Lit(index[r.Target]))
		case fl.Subflow:
			for i, o := range fl.Outcomes {
				if o.Name == r.Action.Name {
					out = append(out, jen.Lit(-(i + 1)))
				}
			}
		default:
			out = append(out, jen.Lit(-1))
		}
	}
	return out
}

// recv is the receiver of a flow's methods.
func recv(fl *dsl.Flow) *jen.Statement {
	return jen.Id("f").Op("*").Id(fl.Name)
}

// runMethod emits Run, the entry point users call. It and Resume only hand
// the flow to its member table, which the runtime drives.
func (g *gen) runMethod(fl *dsl.Flow) {
	doc := []string{
		fmt.Sprintf("Run runs the flow on s, starting at %s. A nil field of f fails it", fl.Start.Name()),
		"before the first step.",
	}
	if fl.MaxSteps > 0 {
		doc[1] += fmt.Sprintf(" It fails with runtime.ErrMaxSteps after %d steps", fl.MaxSteps)
		doc = append(doc, "unless runtime.WithMaxSteps sets another limit.")
	}
	g.decl(doc, jen.Func().Params(recv(fl)).Id("Run").Params(
		jen.Id("ctx").Qual(contextPath, "Context"),
		jen.Id("s").Op("*").Id(g.m.Store.Name),
		jen.Id("opts").Op("...").Qual(runtimePath, "Option"),
	).Error().Block(
		jen.Return(jen.Id(fl.Table).Dot("Run").Call(jen.Id("ctx"), jen.Id("f"), jen.Id("s"), jen.Id("opts"))),
	))
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
	).Error().Block(
		jen.Return(jen.Id(fl.Table).Dot("Resume").Call(jen.Id("ctx"), jen.Id("f"), jen.Id("s"), jen.Id("cp"), jen.Id("opts"))),
	))
	for _, n := range fl.Awaits {
		g.decl([]string{
			fmt.Sprintf("Resume%s continues a run that stopped at node %s to wait for an answer (its", n.Name, n.Name),
			"error unwraps to a *runtime.Interrupt): it restores s from cp, the Interrupt's",
			fmt.Sprintf("checkpoint or the run's latest, and runs %s's Post with answer, then goes", n.Name),
			"on. A checkpoint that does not wait at " + n.Name + " is refused.",
		}, jen.Func().Params(recv(fl)).Id("Resume"+n.Name).Params(
			jen.Id("ctx").Qual(contextPath, "Context"),
			jen.Id("s").Op("*").Id(g.m.Store.Name),
			jen.Id("cp").Op("*").Qual(runtimePath, "Checkpoint"),
			jen.Id("answer").Add(typ(n.Await)),
			jen.Id("opts").Op("...").Qual(runtimePath, "Option"),
		).Error().Block(
			jen.Return(jen.Id(fl.Table).Dot("ResumeAnswer").Call(jen.Id("ctx"), jen.Id("f"), jen.Id("s"), jen.Id("cp"), jen.Lit(n.Name), jen.Id("answer"), jen.Id("opts"))),
		))
	}
}

// table emits the flow's member table: one row per member, each with the
// check of its field, its step method and the names of its actions. The
// runtime's loop over it replaces a generated loop with a case per member.
func (g *gen) table(fl *dsl.Flow) {
	flowType := []jen.Code{jen.Op("*").Id(fl.Name), jen.Id(g.m.Store.Name)}
	index := tableIndex(fl)
	var rows []jen.Code
	for _, m := range fl.Members {
		fieldOf := jen.Id("f").Dot(m.Name())
		check := jen.Qual(runtimePath, "CheckNode").Call(fieldOf, jen.Lit(fl.Name), jen.Lit(m.Name()))
		if m.Flow != nil {
			check = jen.Id(m.Flow.Table).Dot("CheckNested").Call(fieldOf, jen.Lit(fl.Name), jen.Lit(m.Name()))
		}
		var actions []jen.Code
		for _, a := range m.Actions() {
			actions = append(actions, jen.Lit(a.Name))
		}
		row := []jen.Code{
			field("Name", jen.Lit(m.Name())),
			field("Check", jen.Func().Params(jen.Id("f").Op("*").Id(fl.Name)).Error().Custom(oneLine, jen.Return(check))),
			field("Step", jen.Parens(jen.Op("*").Id(fl.Name)).Dot(m.Step)),
		}
		if len(actions) > 0 {
			row = append(row, field("Actions", jen.Index().String().Values(actions...)))
		}
		if routes := routeRows(fl, m, index); len(routes) > 0 {
			row = append(row, field("Routes", jen.Index().Int().Values(routes...)))
		}
		if m.Flow != nil {
			row = append(row, field("Subflow", jen.True()), field("Graph", jen.Id(m.Flow.Table).Dot("Graph")))
		}
		rows = append(rows, jen.Custom(multi, row...))
	}
	for _, grp := range fl.Groups {
		var members []jen.Code
		for _, m := range grp.Group {
			members = append(members, jen.Lit(index[m]))
		}
		next := jen.Lit(-1) // end
		if grp.Exit != nil {
			next = jen.Lit(index[grp.Exit])
		}
		rows = append(rows, jen.Custom(multi,
			field("Name", jen.Lit(runName(grp))),
			field("Group", jen.Index().Int().Values(members...)),
			field("Next", next),
		))
	}
	defs := []jen.Code{
		field("Name", jen.Lit(fl.Name)),
		field("Schema", jen.Lit(g.schema)),
	}
	if fl.MaxSteps > 0 {
		defs = append(defs, field("MaxSteps", jen.Lit(fl.MaxSteps)))
	}
	defs = append(defs,
		field("Copy", jen.Parens(jen.Op("*").Id(g.m.Store.Name)).Dot("copyInto")),
		field("Report", jen.Parens(jen.Op("*").Id(g.m.Store.Name)).Dot("reportWrites")),
		field("Encode", jen.Parens(jen.Op("*").Id(g.m.Store.Name)).Dot("appendJSON")),
	)
	if len(fl.Groups) > 0 {
		defs = append(defs, field("Merge", jen.Parens(jen.Op("*").Id(g.m.Store.Name)).Dot("mergeMembers")))
	}
	defs = append(defs, field("Members", jen.Index().Qual(runtimePath, "Member").Types(flowType...).Custom(multi, rows...)))
	doc := []string{
		fmt.Sprintf("%s is the member table of flow %s, which the runtime drives: a", fl.Table, fl.Name),
		"row per member, the start first, each with the check of its field and",
		"its step method.",
	}
	if len(fl.Groups) > 0 {
		doc[2] = "its step method, then a row per parallel group, with its members' rows."
	}
	g.decl(doc, jen.Var().Id(fl.Table).Op("=").Qual(runtimePath, "Flow").Types(flowType...).Custom(multi, defs...))
}

var (
	// multi is a composite literal with one element per line.
	multi = jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}
	// oneLine is a block of one statement on the line of its func.
	oneLine = jen.Options{Open: "{ ", Close: " }"}
)

// steps emits one method per member, which runs it as one step of the flow
// (for a subflow: its steps) and returns the index of the member that runs
// next, or a negative number when the flow ends: -1, or for a subflow
// -outcome.
func (g *gen) steps(fl *dsl.Flow) {
	index := tableIndex(fl)
	for _, m := range fl.Members {
		st := &step{g: g, fl: fl, m: m, index: index}
		var body []jen.Code
		doc := fmt.Sprintf("%s runs node %s: its phases, then the route of its action.", m.Step, m.Name())
		switch {
		case m.GroupOnly && m.Flow != nil:
			body = st.subflow()
			doc = fmt.Sprintf("%s runs subflow %s as a member of a parallel group, which goes on.", m.Step, m.Name())
		case m.GroupOnly:
			body = st.node()
			doc = fmt.Sprintf("%s runs node %s as a member of a parallel group, which goes on.", m.Step, m.Name())
		case m.Flow != nil:
			body = st.subflow()
			doc = fmt.Sprintf("%s runs subflow %s, then routes its outcome.", m.Step, m.Name())
		default:
			body = st.node()
		}
		g.decl([]string{doc}, jen.Func().Params(recv(fl)).Id(m.Step).Params(
			jen.Id("ctx").Qual(contextPath, "Context"),
			jen.Id("r").Op("*").Qual(runtimePath, "Run"),
			jen.Id("s").Op("*").Id(g.m.Store.Name),
		).Params(jen.Int(), jen.Int(), jen.Error()).Block(body...))
	}
}

// step writes the step method of one member.
type step struct {
	g     *gen
	fl    *dsl.Flow
	m     *dsl.Member
	index map[*dsl.Member]int
}

// fail returns from the step with err as the failure of its node.
func (st *step) fail(err jen.Code) jen.Code {
	return jen.Return(jen.Lit(0), jen.Lit(0), jen.Id("r").Dot("Fail").Call(jen.Lit(st.fl.Name), jen.Lit(st.m.Name()), err))
}

// failIfErr returns from the step when err is set.
func (st *step) failIfErr() jen.Code {
	return jen.If(jen.Err().Op("!=").Nil()).Block(st.fail(jen.Err()))
}

// node is the body of a node member's step: Begin, the declared phases,
// then the route of its action.
func (st *step) node() []jen.Code {
	n := st.m.Node
	body := []jen.Code{
		jen.If(
			jen.Err().Op(":=").Id("r").Dot("Begin").Call(jen.Id("ctx"), jen.Lit(st.fl.Name), jen.Lit(n.Name)),
			jen.Err().Op("!=").Nil(),
		).Block(jen.Return(jen.Lit(0), jen.Lit(0), jen.Err())),
		jen.Id("n").Op(":=").Id("f").Dot(n.Name),
	}
	post := []jen.Code{jen.Id("ctx"), jen.Id("s")}
	if n.Await != nil {
		body = append(body, st.await(n)...)
		post = append(post, jen.Id("p"), jen.Id("answer"))
		if n.Prep == nil {
			post = []jen.Code{jen.Id("ctx"), jen.Id("s"), jen.Id("answer")}
		}
	} else if n.Prep != nil {
		body = append(body,
			jen.List(jen.Id("p"), jen.Err()).Op(":=").Id("n").Dot("Prep").Call(jen.Id("ctx"), jen.Id("s")),
			st.failIfErr(),
		)
		post = append(post, jen.Id("p"))
	}
	if n.Exec != nil {
		body = append(body, st.exec(n)...)
		post = append(post, jen.Id("e"))
	}
	body = append(body, jen.Id("r").Dot("Enter").Call(jen.Qual(runtimePath, "PhasePost")))
	if n.Terminal() {
		if st.fl.Subflow && !st.m.GroupOnly {
			st.g.fail("flow %s is used as a node but can finish at terminal node %s", st.fl.Name, n.Name)
		}
		return append(body,
			jen.If(jen.Err().Op(":=").Id("n").Dot("Post").Call(post...), jen.Err().Op("!=").Nil()).Block(st.fail(jen.Err())),
			jen.Return(jen.Lit(-1), jen.Lit(0), jen.Nil()).Comment(map[bool]string{false: "end", true: "its group goes on"}[st.m.GroupOnly]),
		)
	}
	body = append(body,
		jen.List(jen.Id("a"), jen.Err()).Op(":=").Id("n").Dot("Post").Call(post...),
		st.failIfErr(),
	)
	return append(body, st.route(jen.Id("a"), jen.Int().Call(jen.Id("a")))...)
}

// await is the part of an await node's step before Post: resumed with an
// answer, the saved question and the answer; else Prep, and the run stops
// with a *runtime.Interrupt.
func (st *step) await(n *dsl.Node) []jen.Code {
	var code []jen.Code
	question := jen.Nil()
	if n.Prep != nil {
		code = append(code, jen.Var().Id("p").Add(typ(n.Prep)))
		question = jen.Op("&").Id("p")
	}
	var ask []jen.Code
	asked := jen.Nil()
	if n.Prep != nil {
		ask = []jen.Code{
			jen.If(jen.List(jen.Id("p"), jen.Err()).Op("=").Id("n").Dot("Prep").Call(jen.Id("ctx"), jen.Id("s")), jen.Err().Op("!=").Nil()).Block(st.fail(jen.Err())),
		}
		asked = jen.Id("p")
	}
	ask = append(ask, jen.Return(jen.Lit(0), jen.Lit(0), jen.Id("r").Dot("Await").Call(jen.Lit(st.fl.Name), jen.Lit(n.Name), asked, jen.Id("s"))))
	return append(code,
		jen.Var().Id("answer").Add(typ(n.Await)),
		jen.List(jen.Id("answered"), jen.Err()).Op(":=").Qual(runtimePath, "Answer").Call(jen.Id("r"), question, jen.Op("&").Id("answer")),
		st.failIfErr(),
		jen.If(jen.Op("!").Id("answered")).Block(ask...),
	)
}

// exec runs Exec with the node's policy into e. When every attempt failed
// and the node has `fallback`, its ExecFallback gives the result instead:
// the method is part of the node's interface, so the compiler has checked
// its signature. A batch node's fallback applies per element, inside
// ExecBatch.
func (st *step) exec(n *dsl.Node) []jen.Code {
	ctxParam := jen.Id("ctx").Qual(contextPath, "Context")
	if n.Batch {
		fallback := jen.Nil()
		if n.Fallback {
			fallback = jen.Id("n").Dot("ExecFallback")
		}
		return []jen.Code{
			jen.List(jen.Id("e"), jen.Err()).Op(":=").Qual(runtimePath, "ExecBatch").Call(
				jen.Id("ctx"), jen.Id("r"), policy(n), jen.Id("p"), jen.Id("n").Dot("Exec"), fallback),
			st.failIfErr(),
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
		return append(call, st.failIfErr())
	}
	return append(call,
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.List(jen.Id("e"), jen.Err()).Op("=").Qual(runtimePath, "Fallback").Call(jen.Id("ctx"), jen.Id("r"), jen.Err(),
				jen.Func().Params(ctxParam.Clone(), jen.Err().Error()).Params(typ(n.Exec), jen.Error()).Block(
					jen.Return(jen.Id("n").Dot("ExecFallback").Call(fbArgs...)),
				)),
			st.failIfErr(),
		),
	)
}

// subflow is the body of a subflow member's step: the subflow's steps on
// the same Run, then the route of its outcome o.
func (st *step) subflow() []jen.Code {
	sub := st.m.Flow
	body := []jen.Code{
		jen.List(jen.Id("o"), jen.Err()).Op(":=").Id(sub.Table).Dot("Nested").Call(
			jen.Id("ctx"), jen.Id("r"), jen.Id("f").Dot(st.m.Name()), jen.Id("s"), jen.Lit(st.m.Name())),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Lit(0), jen.Lit(0), jen.Err())),
	}
	if st.m.GroupOnly {
		return append(body, jen.Return(jen.Lit(-1), jen.Id("o"), jen.Nil()).Comment("its group goes on"))
	}
	return append(body, st.route(jen.Id(sub.ActionType).Call(jen.Id("o")), jen.Id("o"))...)
}

// route switches on the action a (a value of the member's action type;
// value is it as an int). Actions with the same target share a case, in
// action order; each returns the index of its target, or ends the flow.
func (st *step) route(a, value jen.Code) []jen.Code {
	type group struct {
		actions []jen.Code
		ret     jen.Code
	}
	var groups []*group
	byKey := map[any]*group{}
	for _, r := range st.m.Routes {
		var key any = r.Target
		if r.Target == nil && st.fl.Subflow {
			key = r.Action // each edge into end is its own outcome
		}
		if grp, ok := byKey[key]; ok {
			grp.actions = append(grp.actions, jen.Id(r.Action.GoName))
			continue
		}
		grp := &group{actions: []jen.Code{jen.Id(r.Action.GoName)}}
		switch {
		case r.Target != nil:
			grp.ret = jen.Return(jen.Lit(st.index[r.Target]), value, jen.Nil()).Comment(runName(r.Target))
		case st.fl.Subflow:
			// The flow ends with the outcome of the action's name; the flow
			// that uses this one routes it.
			grp.ret = jen.Return(jen.Op("-").Int().Call(st.outcome(r.Action)), value, jen.Nil()).Comment("end")
		default:
			grp.ret = jen.Return(jen.Lit(-1), value, jen.Nil()).Comment("end")
		}
		byKey[key] = grp
		groups = append(groups, grp)
	}
	var cases []jen.Code
	for _, grp := range groups {
		cases = append(cases, jen.Case(grp.actions...).Block(grp.ret))
	}
	return []jen.Code{
		jen.Switch(a).Block(cases...),
		jen.Return(jen.Lit(0), jen.Lit(0), jen.Id("r").Dot("BadAction").Call(jen.Lit(st.fl.Name), jen.Lit(st.m.Name()), a)),
	}
}

// outcome is the constant of the subflow outcome that an action routed into
// end becomes: the outcome of the same name.
func (st *step) outcome(a *dsl.Action) jen.Code {
	for _, o := range st.fl.Outcomes {
		if o.Name == a.Name {
			return jen.Id(o.GoName)
		}
	}
	st.g.fail("flow %s routes action %q into end but has no outcome of that name", st.fl.Name, a.Name)
	return jen.Lit(0)
}
