package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/store"
)

// campaignsAPI serves campaigns and journeys (issue 19): definitions in the engine's JSON
// format (internal/campaign/doc.go), their status and results, activation and pausing; and
// the one-click unsubscribe link every marketing message carries.
type campaignsAPI struct {
	svc *campaign.Service
}

// CampaignView is a campaign or journey with where it stands and its results. Results are
// left out of lists for definitions whose results are released through differential
// privacy (each release is charged to a budget): GET the definition to release them.
type CampaignView struct {
	campaign.Summary
	Results *campaign.Results `json:"results,omitempty"`
	// DPBudget names the privacy budget the results are charged to, when there is one.
	DPBudget string `json:"dp_budget,omitempty"`
}

// CampaignList is every campaign (or every journey).
type CampaignList struct {
	Campaigns []CampaignView `json:"campaigns"`
}

// JourneyList is every journey.
type JourneyList struct {
	Journeys []CampaignView `json:"journeys"`
}

func (h campaignsAPI) view(ctx context.Context, sm campaign.Summary, actor string, release bool) (CampaignView, error) {
	v := CampaignView{Summary: sm}
	if sm.Invalid != "" {
		return v, nil
	}
	v.DPBudget = dpBudgetOf(sm)
	if v.DPBudget != "" && !release {
		return v, nil
	}
	r, err := h.svc.Released(ctx, sm.ID, actor)
	if err != nil {
		return v, err
	}
	v.Results = &r
	return v, nil
}

// dpBudgetOf reads the budget a stored definition names, if any.
func dpBudgetOf(sm campaign.Summary) string {
	switch sm.Kind {
	case store.CampaignKindJourney:
		if j, err := campaign.ParseJourney(sm.Definition); err == nil && j.DP != nil {
			return j.DP.Budget
		}
	default:
		if c, err := campaign.ParseCampaign(sm.Definition); err == nil && c.DP != nil {
			return c.DP.Budget
		}
	}
	return ""
}

func (h campaignsAPI) list(kind string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		sms, err := h.svc.List(r.Context(), kind)
		if err != nil {
			return err
		}
		views := make([]CampaignView, 0, len(sms))
		for _, sm := range sms {
			v, err := h.view(r.Context(), sm, principal(r).Operator.ID, false)
			if err != nil {
				return err
			}
			views = append(views, v)
		}
		if kind == store.CampaignKindJourney {
			writeJSON(w, http.StatusOK, JourneyList{Journeys: views})
		} else {
			writeJSON(w, http.StatusOK, CampaignList{Campaigns: views})
		}
		return nil
	}
}

// one loads a definition of the route's kind (a journey is not found among campaigns).
func (h campaignsAPI) one(r *http.Request, kind string) (campaign.Summary, error) {
	sm, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return sm, err
	}
	if sm.Kind != kind {
		return sm, campaign.ErrNotFound
	}
	return sm, nil
}

func (h campaignsAPI) get(kind string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		sm, err := h.one(r, kind)
		if err != nil {
			return err
		}
		v, err := h.view(r.Context(), sm, principal(r).Operator.ID, true)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

// readDefinition reads a definition body as it came: the engine's strict parser checks
// it and locates every mistake (line, column and JSON pointer).
func readDefinition(r *http.Request) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return nil, Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type must be application/json, got %q", mt)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err // a *http.MaxBytesError becomes 413
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, Errorf(http.StatusBadRequest, CodeInvalidJSON, "body is empty")
	}
	return b, nil
}

func (h campaignsAPI) define(kind string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, err := readDefinition(r)
		if err != nil {
			return err
		}
		actor := principal(r).Operator.ID
		var id string
		if kind == store.CampaignKindJourney {
			j, err := campaign.ParseJourney(b)
			if err != nil {
				return err
			}
			if err := checkBodyText(j); err != nil {
				return err
			}
			if _, err := h.svc.DefineJourney(r.Context(), b, actor); err != nil {
				return err
			}
			id = j.ID
		} else {
			c, err := campaign.ParseCampaign(b)
			if err != nil {
				return err
			}
			if err := checkBodyText(c); err != nil {
				return err
			}
			if _, err := h.svc.Define(r.Context(), b, actor); err != nil {
				return err
			}
			id = c.ID
		}
		sm, err := h.svc.Get(r.Context(), id)
		if err != nil {
			return err
		}
		v, err := h.view(r.Context(), sm, actor, false)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, v)
		return nil
	}
}

func (h campaignsAPI) setStatus(kind string, activate bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		sm, err := h.one(r, kind)
		if err != nil {
			return err
		}
		if activate {
			err = h.svc.Activate(r.Context(), sm.ID)
		} else {
			err = h.svc.Pause(r.Context(), sm.ID)
		}
		if err != nil {
			return err
		}
		if sm, err = h.svc.Get(r.Context(), sm.ID); err != nil {
			return err
		}
		v, err := h.view(r.Context(), sm, principal(r).Operator.ID, false)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

// unsubscribe serves the one-click unsubscribe link (RFC 8058) at the public URL: GET shows
// a confirmation form (link scanners must not unsubscribe anyone), POST records an
// objection to direct marketing for the person the token stands for. The token is the
// only authority; a forged or altered one is refused and changes nothing.
func (h campaignsAPI) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	channel.UnsubscribeHandler(func(ctx context.Context, token string) error {
		err := h.svc.Unsubscribe(ctx, token)
		if err != nil && !errors.Is(err, channel.ErrRejectedToken) {
			logger(r).Error("unsubscribe failed", "err", err)
		}
		return err
	}).ServeHTTP(w, r)
	return nil
}
