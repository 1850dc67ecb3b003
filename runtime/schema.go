package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// compatible reports whether the store saved in cp can be read by a store
// of schema, the fingerprint generated code gives: "name=hash" per field,
// sorted, the hash being of the field's type. The order of the fields does
// not matter, a field added since cp was saved keeps the value of the store
// resumed into (its default, from New<Store>), and a removed field is
// dropped if its saved value is empty (null, false, 0, "", [] or {}). A
// field whose type changed, or a removed one that held a value, fails with
// an error wrapping ErrSchemaMismatch that names it.
func compatible(cp *Checkpoint, schema string) error {
	if cp.Schema == schema {
		return nil
	}
	saved, ok := schemaFields(cp.Schema)
	if !ok {
		return fmt.Errorf("%w: the checkpoint's schema %q is not one of fields (it was written by an older picoflow): its store cannot be matched field by field", ErrSchemaMismatch, cp.Schema)
	}
	now, _ := schemaFields(schema)
	var values map[string]json.RawMessage // read only if a field was removed
	for _, f := range saved {
		name, hash, _ := strings.Cut(f, "=")
		cur, found := lookupField(now, name)
		switch {
		case found && cur != hash:
			return fmt.Errorf("%w: field %s has another type than when the checkpoint was saved", ErrSchemaMismatch, name)
		case found:
			continue
		}
		if values == nil {
			if err := json.Unmarshal(cp.Store, &values); err != nil {
				return fmt.Errorf("%w: field %s was removed, and the saved store cannot be read to see whether it held a value: %v", ErrSchemaMismatch, name, err)
			}
		}
		if v, held := values[name]; held && !emptyJSON(v) {
			return fmt.Errorf("%w: field %s was removed, but the checkpoint holds a value for it: %s", ErrSchemaMismatch, name, abbreviate(v))
		}
	}
	return nil
}

// schemaFields splits a fingerprint into its "name=hash" fields; ok is false
// for one of another form.
func schemaFields(schema string) (fields []string, ok bool) {
	if schema == "" {
		return nil, true
	}
	fields = strings.Split(schema, " ")
	for _, f := range fields {
		if name, hash, found := strings.Cut(f, "="); !found || name == "" || hash == "" {
			return nil, false
		}
	}
	return fields, true
}

// lookupField returns the hash of field name among fields.
func lookupField(fields []string, name string) (string, bool) {
	for _, f := range fields {
		if n, hash, _ := strings.Cut(f, "="); n == name {
			return hash, true
		}
	}
	return "", false
}

// emptyJSON reports whether v is the encoding of a zero value of its kind.
func emptyJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "null", "false", "0", `""`, "[]", "{}":
		return true
	}
	return false
}

// abbreviate shortens a saved value for a message.
func abbreviate(v json.RawMessage) string {
	if len(v) > 40 {
		return string(v[:37]) + "..."
	}
	return string(v)
}
