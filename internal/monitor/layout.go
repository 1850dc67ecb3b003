package monitor

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// graphView is a flow's graph laid out for a run's page: boxes in layers
// from left to right by their distance from the start (a breadth-first
// search), arrows between them, marked with the way the run took.
type graphView struct {
	Flow          string
	Width, Height int
	Boxes         []*box
	Arrows        []*arrow
	Start         *startMark // nil for a flow without members
}

// box is a member of the flow (a node, a subflow, a parallel group with
// its members inside) or the end of the flow after one.
type box struct {
	Name, Kind string // Kind: node, subflow, group, end
	Class      string // taken, failed, waiting, current, as CSS classes
	X, Y, W, H int
	TX         int // the x of its text, centered (a group's: left)
	Label      string
	LabelY     int
	IX, IY     int // a subflow's inner border
	IW, IH     int
	Kind2      string // a subflow's second line: "subflow FLOW"
	Kind2Y     int
	Sub        string // what the run did there: visits, steps, time
	SubY       int
	Title      string
	Inner      []*box // a group's members

	layer, order int
	out, in      []*arrow
	prev, next   []*box // the boxes and points beside it in the layers before and after
	taken        bool
}

// arrow is the edge between two boxes, with the actions that take it.
type arrow struct {
	From, To string
	Class    string
	D        string
	Labels   []arrowLabel
	LX, LY   int // the label's text position (centered)
	BX, BY   int // its background
	BW, BH   int
	Taken    bool

	from, to *box
	back     bool   // it closes a loop: drawn below the boxes
	via      []*box // the points of an arrow across several layers
}

type arrowLabel struct {
	Text  string // the action, and the times it was taken
	Taken bool
	Comma bool // a comma before it
}

type startMark struct {
	CX, CY, X1, X2 int
}

// Sizes of the drawing, in pixels.
const (
	marginLeft  = 40
	marginTop   = 48
	marginRight = 24
	gapY        = 48
	boxH        = 46
	subflowH    = 60
	innerH      = 40
	groupHead   = 22
	groupPad    = 10
	endW, endH  = 46, 26
	charW       = 8.6 // a bold 13px label's characters, wide ones included (DejaVu Sans)
	smallCharW  = 7.0 // an 11px line's
)

func textWidth(s string, w float64) int {
	return int(math.Ceil(float64(utf8.RuneCountInString(s)) * w))
}

// layoutGraph lays out the graph of m with path p of a run whose status
// is status.
func layoutGraph(m *flowModel, p *runPath, status string) *graphView {
	v := &graphView{Flow: m.g.Flow}
	boxes := map[string]*box{}
	for _, gm := range m.g.Members {
		if m.groupOnly[gm.Name] || boxes[gm.Name] != nil {
			continue
		}
		b := &box{Name: gm.Name, Kind: gm.Kind, Label: gm.Name}
		t := p.units[gm.Name]
		switch gm.Kind {
		case "group":
			b.Label = "parallel"
			for _, x := range gm.Members {
				in := &box{Name: x, Kind: "member", Label: x}
				if xm := m.byName[x]; xm != nil && xm.Kind == "subflow" {
					in.Kind = "subflow"
				}
				it := p.inner[[2]string{gm.Name, x}]
				in.Sub, in.Title = tallyText(x, it, false)
				in.Class = tallyClass(it)
				b.Inner = append(b.Inner, in)
			}
			if t != nil && t.visits > 0 {
				b.Label = fmt.Sprintf("parallel · %d× · %s", t.visits, formatDuration(t.elapsed))
			}
			_, b.Title = tallyText(gm.Name, t, false)
		case "subflow":
			b.Kind2 = "subflow"
			if gm.Graph != nil && gm.Graph.Flow != gm.Name {
				b.Kind2 = "subflow " + gm.Graph.Flow
			}
			b.Sub, b.Title = tallyText(gm.Name, t, true)
		default:
			b.Kind = "node"
			b.Sub, b.Title = tallyText(gm.Name, t, false)
		}
		b.Class = tallyClass(t)
		b.size()
		boxes[gm.Name] = b
		v.Boxes = append(v.Boxes, b)
	}
	if len(v.Boxes) == 0 {
		return v
	}

	// The arrows: one per pair of boxes, with the actions that take it.
	edges := p.edges
	if status == runlog.StatusDone && p.lastKnown && p.lastTo == "" {
		edges = maps.Clone(edges)
		edges[p.lastExit]++
	}
	for _, b := range slices.Clone(v.Boxes) {
		gm := m.byName[b.Name]
		add := func(to string, label string, k edgeKey) {
			var tb *box
			if to == "" {
				tb = boxes["\x00end "+b.Name]
				if tb == nil {
					tb = &box{Name: "end", Kind: "end", Label: "end", Title: "the end of the flow after " + b.Name, W: endW, H: endH}
					boxes["\x00end "+b.Name] = tb
					v.Boxes = append(v.Boxes, tb)
				}
			} else if tb = boxes[to]; tb == nil {
				return // not in the drawing: a member only groups run
			}
			a := b.arrowTo(tb)
			if a == nil {
				a = &arrow{From: b.Name, To: tb.Name, from: b, to: tb}
				b.out, tb.in = append(b.out, a), append(tb.in, a)
				v.Arrows = append(v.Arrows, a)
			}
			n := edges[k]
			if label != "" {
				text := label
				if n > 1 {
					text += fmt.Sprintf(" ×%d", n)
				}
				a.Labels = append(a.Labels, arrowLabel{Text: text, Taken: n > 0, Comma: len(a.Labels) > 0})
			}
			if n > 0 {
				a.Taken, tb.taken = true, true
			}
		}
		switch {
		case gm.Kind == "group":
			if len(gm.Next) > 0 {
				add(gm.Next[0], "", edgeKey{gm.Name, -1})
			}
		case len(gm.Actions) == 0 && gm.Kind == "node":
			add("", "", edgeKey{gm.Name, -1})
		default:
			for i, act := range gm.Actions {
				if i < len(gm.Next) {
					add(gm.Next[i], act, edgeKey{gm.Name, i})
				}
			}
		}
	}
	for _, b := range v.Boxes {
		if b.Kind == "end" && b.taken {
			b.Class = "taken"
		}
	}
	if status == runlog.StatusRunning && boxes[p.at] != nil && p.at != "" {
		b := boxes[p.at]
		b.Class = strings.TrimSpace(b.Class + " current")
	}
	start := boxes[m.start()]
	start.Class = strings.TrimSpace(start.Class + " start")
	v.place(v.layers(start), start)
	return v
}

func (b *box) arrowTo(to *box) *arrow {
	for _, a := range b.out {
		if a.to == to {
			return a
		}
	}
	return nil
}

// tallyText is the line that says what a run did in a box, and its
// tooltip.
func tallyText(name string, t *tally, subflow bool) (string, string) {
	if t == nil || t.visits == 0 {
		return "", name + ": not run"
	}
	line := fmt.Sprintf("%d× · %s", t.visits, formatDuration(t.elapsed))
	title := fmt.Sprintf("%s: run %d %s, %s in all", name, t.visits, plural(t.visits, "time", "times"), formatDuration(t.elapsed))
	if subflow {
		line = fmt.Sprintf("%d× · %d %s · %s", t.visits, t.steps, plural(t.steps, "step", "steps"), formatDuration(t.elapsed))
		title = fmt.Sprintf("%s: run %d %s, %d %s, %s in all", name, t.visits, plural(t.visits, "time", "times"), t.steps, plural(t.steps, "step", "steps"), formatDuration(t.elapsed))
	}
	if t.attempts > t.steps {
		title += fmt.Sprintf(", %d attempts", t.attempts)
	}
	switch {
	case t.failed:
		title += ", failed"
	case t.waiting:
		title += ", waiting for an answer"
	}
	return line, title
}

func tallyClass(t *tally) string {
	if t == nil || (t.visits == 0 && t.steps == 0) {
		return ""
	}
	c := "taken"
	if t.failed {
		c += " failed"
	}
	if t.waiting {
		c += " waiting"
	}
	return c
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// size sets b's width and height from its text.
func (b *box) size() {
	switch b.Kind {
	case "group":
		w := textWidth(b.Label, smallCharW) + 2*groupPad
		h := groupHead
		for i, in := range b.Inner {
			in.W = max(84, textWidth(in.Label, charW)+24, textWidth(in.Sub, smallCharW)+16)
			in.H = innerH
			w = max(w, in.W+2*groupPad)
			if i > 0 {
				h += 8
			}
			h += in.H
		}
		b.W, b.H = w, h+groupPad
	case "subflow":
		b.W = max(110, textWidth(b.Label, charW)+32, textWidth(b.Kind2, smallCharW)+24, textWidth(b.Sub, smallCharW)+24)
		b.H = subflowH
	default:
		b.W = max(100, textWidth(b.Label, charW)+28, textWidth(b.Sub, smallCharW)+20)
		b.H = boxH
	}
}

// layers puts each box in a layer, from its distance from start (a
// breadth-first search, then the boxes it does not reach, each starting a
// search of its own), each moved right of the boxes that lead to it (but
// for the arrows that close loops, found by a depth-first search), so
// that every other arrow points right. An arrow across several layers
// passes through a point in each, which the ordering places like a box.
// Each layer is then ordered by the mean position of its neighbours, in
// sweeps right and left, to uncross arrows.
func (v *graphView) layers(start *box) [][]*box {
	for _, b := range v.Boxes {
		b.layer = -1
	}
	order := []*box{}
	bfs := func(from *box) {
		from.layer = 0
		if len(order) > 0 {
			from.layer = order[len(order)-1].layer + 1
		}
		queue := []*box{from}
		order = append(order, from)
		for len(queue) > 0 {
			b := queue[0]
			queue = queue[1:]
			for _, a := range b.out {
				if a.to.layer < 0 {
					a.to.layer = b.layer + 1
					queue = append(queue, a.to)
					order = append(order, a.to)
				}
			}
		}
	}
	bfs(start)
	for _, b := range v.Boxes {
		if b.layer < 0 {
			bfs(b)
		}
	}

	// The arrows back to a box being searched close loops.
	const (
		white = iota
		grey
		black
	)
	color := map[*box]int{}
	var dfs func(b *box)
	dfs = func(b *box) {
		color[b] = grey
		for _, a := range b.out {
			switch color[a.to] {
			case white:
				dfs(a.to)
			case grey:
				a.back = true
			}
		}
		color[b] = black
	}
	for _, b := range order {
		if color[b] == white {
			dfs(b)
		}
	}
	// Longest paths over the other arrows, in topological order.
	indeg := map[*box]int{}
	for _, a := range v.Arrows {
		if !a.back {
			indeg[a.to]++
		}
	}
	var ready []*box
	for _, b := range order {
		if indeg[b] == 0 {
			ready = append(ready, b)
		}
	}
	for len(ready) > 0 {
		b := ready[0]
		ready = ready[1:]
		for _, a := range b.out {
			if a.back {
				continue
			}
			a.to.layer = max(a.to.layer, b.layer+1)
			if indeg[a.to]--; indeg[a.to] == 0 {
				ready = append(ready, a.to)
			}
		}
	}

	nl := 0
	for _, b := range order {
		nl = max(nl, b.layer+1)
	}
	layers := make([][]*box, nl)
	for _, b := range order {
		layers[b.layer] = append(layers[b.layer], b)
	}
	// The points of the long arrows.
	for _, a := range v.Arrows {
		if a.back {
			continue
		}
		prev := a.from
		for l := a.from.layer + 1; l < a.to.layer; l++ {
			d := &box{Kind: "point", layer: l, W: 8, H: 14}
			layers[l] = append(layers[l], d)
			a.via = append(a.via, d)
			prev.next, d.prev = append(prev.next, d), append(d.prev, prev)
			prev = d
		}
		prev.next, a.to.prev = append(prev.next, a.to), append(a.to.prev, prev)
	}
	renumber := func(l int) {
		for i, b := range layers[l] {
			b.order = i
		}
	}
	for l := range layers {
		renumber(l)
	}
	sweep := func(l int, nbrs func(*box) []*box) {
		bary := map[*box]float64{}
		for _, b := range layers[l] {
			sum, n := 0.0, 0
			for _, x := range nbrs(b) {
				sum += float64(x.order)
				n++
			}
			if n > 0 {
				bary[b] = sum / float64(n)
			} else {
				bary[b] = float64(b.order)
			}
		}
		slices.SortStableFunc(layers[l], func(x, y *box) int { return cmp.Compare(bary[x], bary[y]) })
		renumber(l)
	}
	for range 4 {
		for l := 1; l < nl; l++ {
			sweep(l, func(b *box) []*box { return b.prev })
		}
		for l := nl - 2; l >= 0; l-- {
			sweep(l, func(b *box) []*box { return b.next })
		}
	}
	v.Boxes = v.Boxes[:0]
	for _, layer := range layers {
		for _, b := range layer {
			if b.Kind != "point" {
				v.Boxes = append(v.Boxes, b)
			}
		}
	}
	return layers
}

// place gives each box its position, column by column, and draws the
// arrows: forward ones as curves from the right side to the left one
// (through their points), a member's arrow to itself as a loop above it,
// and the ones back as curves below the drawing.
func (v *graphView) place(layers [][]*box, start *box) {
	nl := len(layers)
	colW := make([]int, nl)
	colH := make([]int, nl)
	gapX := make([]int, nl) // after each column: room for its arrows' labels
	for l, layer := range layers {
		gapX[l] = 72
		for i, b := range layer {
			colW[l] = max(colW[l], b.W)
			if i > 0 {
				colH[l] += gap(layer[i-1], b)
			}
			colH[l] += b.H
			for _, a := range b.out {
				if !a.back {
					gapX[l] = max(gapX[l], a.labelWidth()+32)
				}
			}
		}
	}
	inner := slices.Max(colH)
	colX := make([]int, nl)
	x := marginLeft
	for l := range nl {
		colX[l] = x
		x += colW[l] + gapX[l]
	}
	v.Width = colX[nl-1] + colW[nl-1] + marginRight
	for l, layer := range layers {
		y := marginTop + (inner-colH[l])/2
		for i, b := range layer {
			if i > 0 {
				y += gap(layer[i-1], b)
			}
			b.X = colX[l] + (colW[l]-b.W)/2
			b.Y = y
			y += b.H
			b.text()
		}
	}
	bottom := marginTop + inner
	back := 0
	for _, a := range v.Arrows {
		f, t := a.from, a.to
		switch {
		case f == t:
			x1, x2, y0 := f.X+f.W*2/3, f.X+f.W/3, f.Y
			a.D = fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y0, x1+12, y0-40, x2-12, y0-40, x2, y0-2)
			a.label(f.X+f.W/2, y0-30)
		case !a.back:
			x1, y1 := f.X+f.W, f.Y+f.H/2
			var d strings.Builder
			fmt.Fprintf(&d, "M%d,%d", x1, y1)
			first := true
			for _, p := range append(a.via, t) {
				x2, y2 := colX[p.layer], p.Y+p.H/2
				if p == t {
					x2 = t.X - 2
				}
				dx := max(24, (x2-x1)/2)
				fmt.Fprintf(&d, " C%d,%d %d,%d %d,%d", x1+dx, y1, x2-dx, y2, x2, y2)
				if first {
					first = false
					gx := float64(colX[f.layer] + colW[f.layer] + gapX[f.layer]/2)
					bx := [4]float64{float64(x1), float64(x1 + dx), float64(x2 - dx), float64(x2)}
					by := [4]float64{float64(y1), float64(y1), float64(y2), float64(y2)}
					lo, hi := 0.0, 1.0
					for range 40 {
						mid := (lo + hi) / 2
						if cubic(bx, mid) < gx {
							lo = mid
						} else {
							hi = mid
						}
					}
					a.label(int(gx), int(math.Round(cubic(by, lo)))+4)
				}
				if p != t {
					x1, y1 = colX[p.layer]+colW[p.layer], y2
					fmt.Fprintf(&d, " L%d,%d", x1, y1)
				}
			}
			a.D = d.String()
		default:
			x1, y1 := f.X+f.W/2+6, f.Y+f.H
			x2, y2 := t.X+t.W/2-6, t.Y+t.H+2
			low := bottom + 22 + 22*back
			back++
			c := int((float64(low) - 0.125*float64(y1+y2)) / 0.75)
			a.D = fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, x1, c, x2, c, x2, y2)
			a.label((x1+x2)/2, low+4)
		}
		a.Class = "edge"
		if a.Taken {
			a.Class = "edge taken"
		}
	}
	v.Height = bottom + 16
	if back > 0 {
		v.Height = bottom + 22*back + 22
	}
	v.Start = &startMark{CX: start.X - 26, CY: start.Y + start.H/2, X1: start.X - 20, X2: start.X - 2}
}

// gap is the room between two boxes stacked in a column: less beside an
// arrow's point.
func gap(a, b *box) int {
	if a.Kind == "point" || b.Kind == "point" {
		return 16
	}
	return gapY
}

func cubic(p [4]float64, t float64) float64 {
	u := 1 - t
	return u*u*u*p[0] + 3*u*u*t*p[1] + 3*u*t*t*p[2] + t*t*t*p[3]
}

func (a *arrow) labelWidth() int {
	if len(a.Labels) == 0 {
		return 0
	}
	n := 0
	for _, l := range a.Labels {
		n += utf8.RuneCountInString(l.Text) + 2
	}
	return int(math.Ceil(float64(n-2)*smallCharW)) + 10
}

// label puts a's label centered at x with its baseline at y.
func (a *arrow) label(x, y int) {
	a.LX, a.LY = x, y
	if w := a.labelWidth(); w > 0 {
		a.BX, a.BY, a.BW, a.BH = x-w/2, y-12, w, 16
	}
}

// text places b's lines of text, and a group's members.
func (b *box) text() {
	b.TX = b.X + b.W/2
	switch b.Kind {
	case "group":
		b.TX, b.LabelY = b.X+groupPad, b.Y+15
		y := b.Y + groupHead
		for _, in := range b.Inner {
			in.X, in.Y = b.X+(b.W-in.W)/2, y
			in.TX, in.LabelY, in.SubY = in.X+in.W/2, in.Y+17, in.Y+32
			if in.Kind == "subflow" {
				in.IX, in.IY, in.IW, in.IH = in.X+3, in.Y+3, in.W-6, in.H-6
			}
			y += in.H + 8
		}
	case "subflow":
		b.LabelY, b.Kind2Y, b.SubY = b.Y+21, b.Y+36, b.Y+50
		b.IX, b.IY, b.IW, b.IH = b.X+4, b.Y+4, b.W-8, b.H-8
	case "end":
		b.LabelY = b.Y + 17
	default:
		b.LabelY, b.SubY = b.Y+20, b.Y+36
		if b.Sub == "" {
			b.LabelY = b.Y + 28
		}
	}
}
