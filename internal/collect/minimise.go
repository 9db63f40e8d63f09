package collect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// FieldVerdict says whether one field of a message may be stored and, if not, why (a
// stable reason used as a metric label).
type FieldVerdict struct {
	Keep   bool
	Reason string
}

// Minimise rebuilds a message object keeping only what keep allows (PM-01: fields not on
// the event type's allow-list are never stored; fields whose every purpose is denied are
// stripped before storage).
//
// keep is asked about dotted paths top-down ("properties", then "properties.revenue"):
// an answer of Keep for an object keeps its whole subtree (a manifest entry for
// "properties.products" covers every product line); an answer with Reason "" and
// Keep false for an object means "no rule here, look inside", and the object is kept
// only with the members that survive. Leaves with no rule are stripped with reason
// "not_in_schema". The result has sorted keys, so equal inputs store equal bytes.
func Minimise(raw json.RawMessage, keep func(path string) FieldVerdict) ([]byte, map[string]int, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, nil, fmt.Errorf("minimise: %w", err)
	}
	stripped := map[string]int{}
	out, err := minimiseObject("", obj, keep, stripped)
	if err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, nil, fmt.Errorf("minimise: %w", err)
	}
	return b, stripped, nil
}

func minimiseObject(prefix string, obj map[string]json.RawMessage, keep func(string) FieldVerdict, stripped map[string]int) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(obj))
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := obj[k]
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		verdict := keep(path)
		if verdict.Keep {
			out[k] = v
			continue
		}
		if verdict.Reason != "" {
			stripped[verdict.Reason]++
			continue
		}
		trimmed := bytes.TrimSpace(v)
		if len(trimmed) > 0 && trimmed[0] == '{' {
			var child map[string]json.RawMessage
			if err := json.Unmarshal(trimmed, &child); err != nil {
				return nil, fmt.Errorf("minimise %s: %w", path, err)
			}
			kept, err := minimiseObject(path, child, keep, stripped)
			if err != nil {
				return nil, err
			}
			if len(kept) > 0 {
				b, err := json.Marshal(kept)
				if err != nil {
					return nil, err
				}
				out[k] = b
			}
			continue
		}
		stripped["not_in_schema"]++
	}
	return out, nil
}
