package voice

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
)

// UserData is a call's attached data (behaviour.md §12.2): keys to JSON values, each a string, a number or
// an object (WWE attaches objects). Values are kept as the client sent them, compacted, so that a view is a
// plain copy that shares nothing mutable with the core.
type UserData map[string]json.RawMessage

// clone copies the map; the values are never mutated, so they may be shared.
func (d UserData) clone() UserData {
	if len(d) == 0 {
		return nil
	}
	return maps.Clone(d)
}

// Keys lists the keys in sorted order.
func (d UserData) Keys() []string { return slices.Sorted(maps.Keys(d)) }

// String returns the value of key as a Go string when it is a JSON string.
func (d UserData) String(key string) (string, bool) {
	var s string
	if raw, ok := d[key]; ok && json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	return "", false
}

// checkUserData validates a userData parameter: at least one key, every key non-empty, every value a
// string, a number or an object. It returns the data with compacted values.
func checkUserData(op Operation, res string, d UserData) (UserData, error) {
	if len(d) == 0 {
		return nil, opErr(ErrMissingParameter, op, res, "", "userData with at least one key is required")
	}
	out := UserData{}
	for _, k := range d.Keys() {
		if k == "" {
			return nil, opErr(ErrInvalidValue, op, res, "", "userData keys must not be empty")
		}
		raw := bytes.TrimSpace(d[k])
		if len(raw) == 0 || !json.Valid(raw) {
			return nil, opErr(ErrInvalidValue, op, res, "", "userData %q is not a JSON value", k)
		}
		switch raw[0] {
		case '"', '{', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		default:
			return nil, opErr(ErrInvalidValue, op, res, "", "userData %q must be a string, a number or an object, not %s", k, raw)
		}
		var b bytes.Buffer
		_ = json.Compact(&b, raw)
		out[k] = json.RawMessage(b.Bytes())
	}
	return out, nil
}

// merge writes the keys of add over d (AttachUserData keeps the last value of a repeated key; UpdateUserData
// overwrites, behaviour.md §12.2) and returns the result.
func (d UserData) merge(add UserData) UserData {
	if len(add) == 0 {
		return d
	}
	if d == nil {
		d = UserData{}
	}
	for k, v := range add {
		d[k] = v
	}
	return d
}
