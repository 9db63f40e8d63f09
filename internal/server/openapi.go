package server

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"
)

var pathParam = regexp.MustCompile(`\{([a-zA-Z_]+)\.{0,3}\}`)

// openAPI builds the OpenAPI 3.1 document from the route table, so the document cannot
// drift from the routes: a route added to the table appears here with its scope, its query
// parameters and the schemas of its request and response bodies, generated from the very
// Go types the handlers decode and encode.
func (s *Server) openAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}, names: map[reflect.Type]string{}}
	paths := map[string]any{}
	for _, rt := range s.routes {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if rt.Out != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Out))}}
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
			"responses": map[string]any{
				itoa(status): ok,
				"default": map[string]any{"description": "error envelope", "content": map[string]any{
					"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		switch in := rt.In.(type) {
		case nil:
		case string: // a body that is not JSON, named by its media type family
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/" + in: map[string]any{"schema": map[string]any{"type": "string"}}}}
		default:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(in))}}}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			typ := q.Type
			if typ == "" {
				typ = "string"
			}
			p := map[string]any{"name": q.Name, "in": "query", "required": q.Required, "schema": map[string]any{"type": typ}}
			if q.Description != "" {
				p["description"] = q.Description
			}
			params = append(params, p)
		}
		if params != nil {
			op["parameters"] = params
		}
		switch rt.Access {
		case Operator:
			scopes := []string{}
			if rt.Scope != "" {
				scopes = append(scopes, string(rt.Scope))
			}
			if len(rt.AnyScope) > 0 {
				var any []string
				for _, sc := range rt.AnyScope {
					any = append(any, string(sc))
				}
				op["x-steward-scope-any"] = any
			}
			op["security"] = []any{map[string]any{"operatorToken": scopes}}
			op["x-steward-scope"] = string(rt.Scope)
		case WriteKey:
			op["security"] = []any{map[string]any{"writeKey": []string{}}}
		case Subject:
			op["security"] = []any{map[string]any{"subjectSession": []string{}}}
		case Partner:
			op["security"] = []any{map[string]any{"partnerSignature": []string{}}}
		default:
			op["security"] = []any{}
		}
		item[strings.ToLower(rt.Method)] = op
	}
	g.defs["Error"] = map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{
		"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
			"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"},
			"errors": map[string]any{"type": "array", "items": g.schema(reflect.TypeOf(locatedError{}))}}}}}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "Steward API", "version": s.cfg.Version},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"operatorToken":    map[string]any{"type": "http", "scheme": "bearer", "description": "operator API token; each operation names the scope it needs in x-steward-scope"},
				"writeKey":         map[string]any{"type": "http", "scheme": "basic", "description": "source write key as the Basic user, empty password"},
				"subjectSession":   map[string]any{"type": "http", "scheme": "bearer", "description": "privacy-center session bound to one subject"},
				"partnerSignature": map[string]any{"type": "apiKey", "in": "header", "name": "Steward-Signature", "description": "a paired instance's signature over the request (internal/partner): key, time, nonce, body digest"},
			},
			"schemas": g.defs,
		},
	}
}

func operationID(rt Route) string {
	return strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Path)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Schemer is implemented by types whose JSON is not their Go shape (a custom MarshalJSON):
// they describe themselves.
type Schemer interface {
	JSONSchema() map[string]any
}

var (
	timeType    = reflect.TypeOf(time.Time{})
	rawType     = reflect.TypeOf(json.RawMessage(nil))
	schemerType = reflect.TypeOf((*Schemer)(nil)).Elem()
)

// schemaGen turns Go types into JSON Schemas the way encoding/json encodes them: struct
// fields by their json tags (omitempty fields optional), embedded structs flattened, named
// structs as shared components.
type schemaGen struct {
	defs  map[string]any
	names map[reflect.Type]string
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		return g.schema(t.Elem()) // a nil pointer cannot describe itself
	}
	if t.Implements(schemerType) {
		return reflect.Zero(t).Interface().(Schemer).JSONSchema()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name, ok := g.names[t]
		if !ok {
			name = componentName(t)
			g.names[t] = name
			g.defs[name] = map[string]any{} // placeholder: recursive types refer to it
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{} // interfaces: any JSON value
}

// componentName is the package and type name, e.g. RightsRequestView.
func componentName(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i+1:]
	}
	if pkg == "server" {
		return t.Name()
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + t.Name()
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				g.fields(et, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}

func (s *Server) openAPIHandler(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.openAPI())
	return nil
}
