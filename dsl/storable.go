package dsl

// A store is saved in every checkpoint as JSON and read back on resume, so
// each field's type must encode with encoding/json and decode to an equal
// value. The checker refuses, at the .pico position of the type, what it can
// see cannot: channels (refused by typeExpr everywhere), complex numbers,
// interfaces (error, any: a number comes back as float64, a struct as a
// map), map keys that are no JSON object keys, a store containing itself,
// and the flows and node interfaces that generated code declares. Named
// types of the package and of imports are checked by check -types.

// storeTypes checks the field types of the store.
func (c *checker) storeTypes() {
	st := c.m.Store
	if st == nil {
		return
	}
	for _, f := range st.Fields {
		if f.Type != nil {
			c.storable(f.Type, true)
		}
	}
}

// freeForm is the hint for a field that would hold any value.
const freeForm = "; use json.RawMessage for free-form data"

// storable reports the first part of t that cannot round-trip through JSON.
// direct is whether t is laid out inside the store itself (the field, or
// an array element of it), where the store's own type would recurse.
func (c *checker) storable(t *Type, direct bool) bool {
	switch t.Kind {
	case SliceType, PointerType:
		return c.storable(t.Elem, false)
	case ArrayType:
		return c.storable(t.Elem, direct)
	case MapType:
		if !c.jsonKey(t.Key) {
			return false
		}
		return c.storable(t.Elem, false)
	}
	if t.Pkg != nil {
		return true
	}
	switch name := t.Name; {
	case name == "complex64" || name == "complex128":
		c.errorf(t.Pos, "a store field cannot hold %s: a checkpoint is JSON, which has no complex numbers; store the real and imaginary parts", name)
	case name == "error":
		c.errorf(t.Pos, "a store field cannot hold an error: a checkpoint is JSON, and an error does not come back from it; store its message as a string")
	case name == "any":
		c.errorf(t.Pos, "a store field cannot hold any: from a JSON checkpoint it comes back as another type (a number as float64, a struct as a map)%s", freeForm)
	case direct && name == c.m.Store.Name:
		c.errorf(t.Pos, "store %s cannot contain itself: use *%s or []%s", name, name, name)
	case c.flows[name] != nil:
		c.errorf(t.Pos, "a store field cannot hold flow %s: a flow holds node implementations, which a checkpoint cannot save", name)
	case c.nodeInterface(name) != nil:
		c.errorf(t.Pos, "a store field cannot hold %s, the interface of node %s: a checkpoint cannot save an interface%s", name, c.nodeInterface(name).Name, freeForm)
	default:
		return true
	}
	return false
}

// jsonKey reports whether encoding/json can write t as an object key: a
// string or an integer (or a named type, for check -types to judge).
func (c *checker) jsonKey(t *Type) bool {
	if t.Kind == NamedType {
		_, integer := intRanges[t.Name]
		if t.Pkg != nil || !predeclared[t.Name] || t.Name == "string" || integer {
			return true
		}
	}
	c.errorf(t.Pos, "a store map cannot have %s keys: a checkpoint is JSON, whose object keys are strings; use string or an integer type", t)
	return false
}

// nodeInterface returns the node whose generated interface is called name.
func (c *checker) nodeInterface(name string) *Node {
	for _, n := range c.m.Nodes {
		if n.Interface == name {
			return n
		}
	}
	return nil
}
