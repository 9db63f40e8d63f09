package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"

	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
)

func readFile(p string) (string, error) {
	b, err := os.ReadFile(p)
	return string(b), err
}

// fakeProfiles answers the profiles API with small fixed documents; unknown names are 404.
type fakeProfiles struct{}

func (fakeProfiles) Tags(context.Context) (any, error)        { return map[string]any{"tags": []any{}}, nil }
func (fakeProfiles) Tag(context.Context, string) (any, error) { return nil, store.ErrNotFound }
func (fakeProfiles) DefineTag(_ context.Context, def json.RawMessage, _ string) (any, error) {
	return nil, server.Errorf(http.StatusBadRequest, server.CodeInvalidDefinition, "tag: name is required")
}
func (fakeProfiles) DeleteTag(context.Context, string, string) error { return store.ErrNotFound }
func (fakeProfiles) Refresh(context.Context, string) (any, error) {
	return map[string]any{"tags": 0}, nil
}
func (fakeProfiles) Segments(context.Context) (any, error) {
	return map[string]any{"segments": []any{}}, nil
}
func (fakeProfiles) Segment(context.Context, string) (any, error) { return nil, store.ErrNotFound }
func (fakeProfiles) DefineSegment(context.Context, json.RawMessage, string) (any, error) {
	return nil, server.Errorf(http.StatusBadRequest, server.CodeInvalidDefinition, "segment: name is required")
}
func (fakeProfiles) DeleteSegment(context.Context, string, string) error { return store.ErrNotFound }
func (fakeProfiles) Preview(context.Context, string, string) (any, error) {
	return map[string]any{"size": 0}, nil
}
func (fakeProfiles) Export(context.Context, string, int, string) (any, error) {
	return nil, store.ErrNotFound
}
func (fakeProfiles) Profile(context.Context, string, string, string) (any, error) {
	return nil, store.ErrNotFound
}
func (fakeProfiles) MyTags(context.Context, string, string) (any, error) {
	return map[string]any{"tags": []any{}}, nil
}
func (fakeProfiles) DeleteMyTag(context.Context, string, string) error { return store.ErrNotFound }
