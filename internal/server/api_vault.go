package server

import (
	"net/http"

	"github.com/stewardhq/steward/internal/vault"
)

// eventBodies is the binding the vault compresses with a trained dictionary (issue 27).
var eventBodies = vault.Binding{Table: "events", Field: "body"}

// Dictionaries retrains the compression dictionaries of sealed payloads (the vault).
type Dictionaries interface {
	Retrain(b vault.Binding) bool
	DictionaryID(b vault.Binding) int64
}

type vaultAPI struct{ dicts Dictionaries }

// DictionaryRetrain answers a retrain request: the dictionary event bodies are compressed
// with now, and that a new one is being trained from the next events sealed.
type DictionaryRetrain struct {
	Binding  string `json:"binding"`
	Current  int64  `json:"current"`
	Training bool   `json:"training"`
}

// retrain starts training a new dictionary for event bodies from the next events this
// node seals (at most 20 of one person, 2,000 in all); seals keep using the current one
// until it is stored, and rows keep the dictionary they were sealed with.
func (h vaultAPI) retrain(w http.ResponseWriter, r *http.Request) error {
	ok := h.dicts.Retrain(eventBodies)
	writeJSON(w, http.StatusAccepted, DictionaryRetrain{Binding: "events.body", Current: h.dicts.DictionaryID(eventBodies), Training: ok})
	return nil
}
