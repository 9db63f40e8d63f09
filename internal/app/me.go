package app

import "context"

// me assembles the privacy center's document for a subject.
func (a *App) me(ctx context.Context, subjectID, lang string) (any, error) {
	return map[string]any{"subject": map[string]any{"id": subjectID}, "lang": lang, "sections": []any{}}, nil
}
