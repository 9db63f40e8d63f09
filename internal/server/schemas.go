package server

import (
	"embed"
	"net/http"
)

//go:embed schemas/*.json
var schemas embed.FS

// Schema returns a published JSON Schema by file name (e.g. "export.json").
func Schema(name string) ([]byte, error) { return schemas.ReadFile("schemas/" + name) }

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request) error {
	b, err := Schema(r.PathValue("name"))
	if err != nil {
		return Errorf(http.StatusNotFound, CodeNotFound, "no such schema")
	}
	w.Header().Set("Content-Type", "application/schema+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
	return nil
}
