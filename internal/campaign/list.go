package campaign

import (
	"context"
	"encoding/json"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Summary is a stored campaign or journey as operators list it: what it is, where it
// stands, and its definition as stored.
type Summary struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"` // campaign or journey
	Name    string `json:"name,omitempty"`
	Purpose string `json:"purpose"`
	Channel string `json:"channel"`
	// Schedule is a campaign's schedule kind (once, recurring, triggered); Entry a
	// journey's entry ("segment:NAME" or "event:NAME").
	Schedule   string          `json:"schedule,omitempty"`
	Entry      string          `json:"entry,omitempty"`
	Status     string          `json:"status"`
	NextRunAt  *time.Time      `json:"next_run_at,omitempty"`
	Actor      string          `json:"actor"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	Definition json.RawMessage `json:"definition"`
	// Invalid says why a stored definition no longer checks (it is kept, never run).
	Invalid string `json:"invalid,omitempty"`
}

// List returns the stored definitions of a kind (store.CampaignKindCampaign or
// store.CampaignKindJourney; "" for both), by id.
func (s *Service) List(ctx context.Context, kind string) ([]Summary, error) {
	defs, err := s.cfg.Store.ListCampaigns(ctx, kind)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(defs))
	for _, def := range defs {
		out = append(out, s.summary(ctx, def))
	}
	return out, nil
}

// Get returns one stored definition (ErrNotFound if there is none).
func (s *Service) Get(ctx context.Context, id string) (Summary, error) {
	def, err := s.cfg.Store.GetCampaign(ctx, id)
	if err != nil {
		return Summary{}, s.notFound(id, err)
	}
	return s.summary(ctx, def), nil
}

func (s *Service) summary(ctx context.Context, def store.CampaignDef) Summary {
	sm := Summary{ID: def.ID, Kind: def.Kind, Status: def.Status, NextRunAt: def.NextRunAt, Actor: def.Actor,
		CreatedAt: def.CreatedAt, UpdatedAt: def.UpdatedAt, Definition: json.RawMessage(def.Spec)}
	_, cs, err := s.load(ctx, def.ID)
	switch {
	case err != nil:
		sm.Invalid = err.Error()
	case cs.c != nil:
		sm.Name, sm.Purpose, sm.Channel, sm.Schedule = cs.c.Name, cs.c.Purpose, cs.c.Channel.Type, cs.c.Schedule.Kind
	case cs.j != nil:
		sm.Name, sm.Purpose, sm.Channel = cs.j.Name, cs.j.Purpose, cs.j.Channel.Type
		if cs.j.Entry.Segment != "" {
			sm.Entry = "segment:" + cs.j.Entry.Segment
		} else {
			sm.Entry = "event:" + cs.j.Entry.Event
		}
	}
	return sm
}
