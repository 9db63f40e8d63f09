package server

import (
	"net/http"
	"time"

	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/store"
)

// identityAPI serves held links: links between two identified people that a client-side
// call asked for and ingestion did not make (issue 17 item 1). Operators see them by
// internal subject ids only, and approve (merge) or reject each; collect records the
// decision in the audit log.
type identityAPI struct{ c *collect.Collector }

type heldLinkJSON struct {
	ID        string     `json:"id"`
	From      string     `json:"from_subject"`
	Into      string     `json:"into_subject"`
	Reason    string     `json:"reason"`
	SourceID  string     `json:"source_id"`
	CreatedAt time.Time  `json:"created_at"`
	Status    string     `json:"status"`
	DecidedAt *time.Time `json:"decided_at"`
	DecidedBy string     `json:"decided_by,omitempty"`
}

type heldLinkList struct {
	Links []heldLinkJSON `json:"links"`
}

func toHeldLinkJSON(l store.HeldLink) heldLinkJSON {
	return heldLinkJSON{ID: l.ID, From: l.From, Into: l.Into, Reason: l.Reason, SourceID: l.SourceID, CreatedAt: l.CreatedAt,
		Status: l.Status, DecidedAt: l.DecidedAt, DecidedBy: l.DecidedBy}
}

func (a identityAPI) list(w http.ResponseWriter, r *http.Request) error {
	status := r.URL.Query().Get("status")
	switch status {
	case "":
		status = store.LinkPending
	case "all":
		status = ""
	case store.LinkPending, store.LinkApproved, store.LinkRejected:
	default:
		return Errorf(http.StatusBadRequest, CodeBadRequest, "status is pending, approved, rejected or all")
	}
	ls, err := a.c.HeldLinks(r.Context(), status, 1000)
	if err != nil {
		return err
	}
	out := heldLinkList{Links: []heldLinkJSON{}}
	for _, l := range ls {
		out.Links = append(out.Links, toHeldLinkJSON(l))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a identityAPI) decide(approve bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, err := a.c.DecideLink(r.Context(), r.PathValue("id"), approve, principal(r).Operator.ID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toHeldLinkJSON(l))
		return nil
	}
}
