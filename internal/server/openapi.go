package server

import (
	"net/http"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-zA-Z_]+)\.{0,3}\}`)

// openAPI builds the OpenAPI 3.1 document from the route table, so the document cannot
// drift from the routes: a route added to the table appears here with its scope.
func (s *Server) openAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.routes {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Path),
			"responses": map[string]any{
				"default": map[string]any{"description": "error envelope", "content": map[string]any{
					"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
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
			op["security"] = []any{map[string]any{"operatorToken": scopes}}
			op["x-steward-scope"] = string(rt.Scope)
		case WriteKey:
			op["security"] = []any{map[string]any{"writeKey": []string{}}}
		case Subject:
			op["security"] = []any{map[string]any{"subjectSession": []string{}}}
		default:
			op["security"] = []any{}
		}
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "Steward API", "version": s.cfg.Version},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"operatorToken":  map[string]any{"type": "http", "scheme": "bearer", "description": "operator API token; each operation names the scope it needs in x-steward-scope"},
				"writeKey":       map[string]any{"type": "http", "scheme": "basic", "description": "source write key as the Basic user, empty password"},
				"subjectSession": map[string]any{"type": "http", "scheme": "bearer", "description": "privacy-center session bound to one subject"},
			},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{
					"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
						"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}},
			},
		},
	}
}

func (s *Server) openAPIHandler(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.openAPI())
	return nil
}
