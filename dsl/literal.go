package dsl

import (
	"go/constant"
	"go/scanner"
	"go/token"
	"math"
	"strconv"
	"strings"
	"time"
)

// literal checks a default value against its field's type. Defaults are
// allowed on string, bool, numeric and time.Duration fields, checked here,
// and on other named types (a local Level, a qualified llm.Temperature),
// whose underlying type only the Go compiler and check -types can see: for
// them any literal is accepted, and the generated code states it at the
// .pico position so that go build reports a wrong one there.
func (c *checker) literal(le *astLit, t *Type) *Literal {
	p := c.src.pos(le.Pos)
	lit := &Literal{Pos: p}
	switch {
	case le.String != nil:
		if _, err := strconv.Unquote(*le.String); err != nil {
			c.errorf(p, "invalid string literal %s: %v", *le.String, err)
			return nil
		}
		lit.Kind, lit.Go = StringLit, *le.String
	case le.Ident != nil && (*le.Ident == "true" || *le.Ident == "false"):
		lit.Kind, lit.Go = BoolLit, *le.Ident
	case le.Ident != nil:
		c.errorf(p, "default must be a string, number, duration or bool literal, not %s", *le.Ident)
		return nil
	default:
		lit.Go = *le.Number
		switch number(lit.Go).Kind() {
		case constant.Int:
			lit.Kind = IntLit
		case constant.Float:
			lit.Kind = FloatLit
		default:
			d, ok := c.durationLit(p, lit.Go, t)
			if !ok {
				return nil
			}
			lit.Kind, lit.Duration = DurationLit, d
		}
	}
	val := lit.value()

	if t.Kind != NamedType {
		c.errorf(p, "a default is not allowed on a %s field: only string, bool, numeric and duration fields have defaults", t)
		return nil
	}
	if t.IsDuration() {
		switch {
		case lit.Kind == DurationLit:
		case lit.Kind == IntLit && constant.Sign(val) == 0:
		case lit.Kind == IntLit:
			c.errorf(p, "time.Duration default %s has no unit: write it as a duration, such as %ss or %sms", lit.Go, lit.Go, lit.Go)
			return nil
		case lit.Kind == StringLit:
			c.errorf(p, "cannot use %s as time.Duration default: a duration is written without quotes, such as 30s", lit.Go)
			return nil
		default:
			c.errorf(p, "cannot use %s as time.Duration default: write a duration, such as 30s or 1m30s", lit.Go)
			return nil
		}
		return lit
	}
	if t.Pkg != nil || !predeclared[t.Name] {
		return lit
	}
	if lit.Kind == DurationLit {
		c.errorf(p, "cannot use %s as %s default: a duration needs a time.Duration field", lit.Go, t.Name)
		return nil
	}
	if msg := fits(val, t.Name); msg != "" {
		c.errorf(p, "cannot use %s as %s default%s", lit.Go, t.Name, msg)
		return nil
	}
	return lit
}

// durationLit parses a default that is no number as a duration, or reports
// why it is neither.
func (c *checker) durationLit(p Pos, s string, t *Type) (time.Duration, bool) {
	d, err := time.ParseDuration(s)
	switch {
	case err == nil:
		return d, true
	case durationSyntax.MatchString(strings.TrimPrefix(s, "-")):
		c.errorf(p, "duration %s is out of range: durations go up to about 2562047h", s)
	case t.IsDuration():
		c.errorf(p, "malformed duration %s: use Go duration syntax, such as 500ms or 1m30s", s)
	default:
		c.errorf(p, "malformed number %s", s)
	}
	return 0, false
}

// number parses a Go integer or floating-point literal with an optional
// leading minus; the result is Unknown when it is neither. go/scanner
// decides what is a literal, so exactly Go's syntax is accepted (08 and
// 00p00 are not).
func number(s string) constant.Value {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var sc scanner.Scanner
	bad := false
	sc.Init(token.NewFileSet().AddFile("", -1, len(s)), []byte(s), func(token.Position, string) { bad = true }, 0)
	_, tok, lit := sc.Scan()
	if bad || lit != s || (tok != token.INT && tok != token.FLOAT) {
		return constant.MakeUnknown()
	}
	v := constant.MakeFromLiteral(s, tok, 0)
	if neg && v.Kind() != constant.Unknown {
		v = constant.UnaryOp(token.SUB, v, 0)
	}
	return v
}

// intRanges holds the bounds of Go's integer types on 64-bit platforms.
var intRanges = map[string][2]constant.Value{
	"int":     {constant.MakeInt64(math.MinInt64), constant.MakeInt64(math.MaxInt64)},
	"int8":    {constant.MakeInt64(math.MinInt8), constant.MakeInt64(math.MaxInt8)},
	"int16":   {constant.MakeInt64(math.MinInt16), constant.MakeInt64(math.MaxInt16)},
	"int32":   {constant.MakeInt64(math.MinInt32), constant.MakeInt64(math.MaxInt32)},
	"rune":    {constant.MakeInt64(math.MinInt32), constant.MakeInt64(math.MaxInt32)},
	"int64":   {constant.MakeInt64(math.MinInt64), constant.MakeInt64(math.MaxInt64)},
	"uint":    {constant.MakeInt64(0), constant.MakeUint64(math.MaxUint64)},
	"uint8":   {constant.MakeInt64(0), constant.MakeUint64(math.MaxUint8)},
	"byte":    {constant.MakeInt64(0), constant.MakeUint64(math.MaxUint8)},
	"uint16":  {constant.MakeInt64(0), constant.MakeUint64(math.MaxUint16)},
	"uint32":  {constant.MakeInt64(0), constant.MakeUint64(math.MaxUint32)},
	"uint64":  {constant.MakeInt64(0), constant.MakeUint64(math.MaxUint64)},
	"uintptr": {constant.MakeInt64(0), constant.MakeUint64(math.MaxUint64)},
}

// fits says why val cannot be a value of the predeclared type name, as a
// message suffix, or "" when it can.
func fits(val constant.Value, name string) string {
	switch name {
	case "string":
		if val.Kind() != constant.String {
			return " (not a string)"
		}
	case "bool":
		if val.Kind() != constant.Bool {
			return " (not a bool)"
		}
	case "float32", "float64", "complex64", "complex128":
		if val.Kind() != constant.Int && val.Kind() != constant.Float {
			return " (not a number)"
		}
		if f, _ := constant.Float64Val(val); name == "float32" || name == "complex64" {
			if math.Abs(f) > math.MaxFloat32 {
				return " (overflows)"
			}
		} else if math.IsInf(f, 0) {
			return " (overflows)"
		}
	default:
		r, ok := intRanges[name]
		if !ok {
			return " (only string, bool and numeric fields have defaults)"
		}
		if val.Kind() != constant.Int && val.Kind() != constant.Float {
			return " (not a number)"
		}
		i := constant.ToInt(val)
		if i.Kind() != constant.Int {
			return " (truncated)"
		}
		if constant.Compare(i, token.LSS, r[0]) || constant.Compare(i, token.GTR, r[1]) {
			return " (overflows)"
		}
	}
	return ""
}

// Fits says why l cannot be a value of the Go basic type called basic
// ("int8", "string"; a named type's underlying type, which picoflow check
// -types learns from the package), as a message suffix, or "" when it can.
func (l *Literal) Fits(basic string) string { return fits(l.value(), basic) }

// value is the constant l stands for; the checker made l, so it is valid.
func (l *Literal) value() constant.Value {
	switch l.Kind {
	case StringLit:
		s, _ := strconv.Unquote(l.Go)
		return constant.MakeString(s)
	case BoolLit:
		return constant.MakeBool(l.Go == "true")
	case DurationLit:
		return constant.MakeInt64(int64(l.Duration))
	}
	return number(l.Go)
}
