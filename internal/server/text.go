package server

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/stewardhq/steward/internal/store"
)

// Text at the edge: path parameters, query parameters and the strings of JSON bodies must
// be store.ValidText (no NUL, valid UTF-8). They are checked once here, naming the field,
// so no handler passes such text on to a store, where PostgreSQL would fail with a 500
// and SQLite would keep it (issue 17 item 7). Messages of the Segment API are checked by
// segmentspec.

// pathParams lists the names of a route pattern's parameters (pathParam: openapi.go).
func pathParams(path string) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

// checkRequestText refuses a request whose path or query parameters are not valid text.
func checkRequestText(r *http.Request, params []string) error {
	for _, p := range params {
		if !store.ValidText(r.PathValue(p)) {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "path parameter {%s} must not contain a NUL character or invalid UTF-8", p)
		}
	}
	for name, vs := range r.URL.Query() {
		for _, v := range vs {
			if !store.ValidText(v) || !store.ValidText(name) {
				return Errorf(http.StatusBadRequest, CodeBadRequest, "query parameter %q must not contain a NUL character or invalid UTF-8", strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), ""))
			}
		}
	}
	return nil
}

// checkBodyText walks a decoded JSON body and refuses the first string (or map key) that
// is not valid text, naming its JSON path.
func checkBodyText(v any) error {
	if path, bad := badText(reflect.ValueOf(v), ""); bad {
		if path == "" {
			path = "body"
		}
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "field %s must not contain a NUL character or invalid UTF-8", path)
	}
	return nil
}

func badText(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return badText(v.Elem(), path)
	case reflect.String:
		return path, !store.ValidText(v.String())
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if p, bad := badText(v.Field(i), join(path, name)); bad {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false // []byte is base64 in JSON
		}
		for i := range v.Len() {
			if p, bad := badText(v.Index(i), path); bad {
				return p, true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			if k.Kind() == reflect.String && !store.ValidText(k.String()) {
				return join(path, "(a key)"), true
			}
			if p, bad := badText(it.Value(), join(path, keyName(k))); bad {
				return p, true
			}
		}
	}
	return "", false
}

func keyName(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	return "(a key)"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
