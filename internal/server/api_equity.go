package server

import (
	"net/http"

	"github.com/stewardhq/steward/internal/equity"
)

// equityAPI serves the data-equity exchange (issue 25): a person's privacy tier, points and
// privacy subscription, and the shop backend's record of a paid subscription.
type equityAPI struct {
	s   *Server
	svc *equity.Service
	sub subjectAPI
}

func (h equityAPI) tier(w http.ResponseWriter, r *http.Request) error {
	st, err := h.svc.Standing(r.Context(), subjectPrincipal(r).SubjectID, lang(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// TierChoice is the tier a person picks in the privacy center.
type TierChoice struct {
	Tier string `json:"tier"`
}

// TierChosen is what choosing a tier recorded, and where the person stands now.
type TierChosen struct {
	// Changes are the consent changes recorded (empty when already in the tier).
	Changes  []equity.Change `json:"changes"`
	Standing equity.Standing `json:"standing"`
}

func (h equityAPI) chooseTier(w http.ResponseWriter, r *http.Request) error {
	var in TierChoice
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Tier == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "tier is required")
	}
	sub := subjectPrincipal(r).SubjectID
	ch, err := h.svc.Choose(r.Context(), sub, in.Tier, lang(r))
	if err != nil {
		return err
	}
	st, err := h.svc.Standing(r.Context(), sub, lang(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, TierChosen{Changes: ch, Standing: st})
	return nil
}

func (h equityAPI) points(w http.ResponseWriter, r *http.Request) error {
	p, err := h.svc.Points(r.Context(), subjectPrincipal(r).SubjectID, lang(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// SubscriptionPurchase buys months of the privacy subscription with points.
type SubscriptionPurchase struct {
	Months int `json:"months"`
}

func (h equityAPI) redeem(w http.ResponseWriter, r *http.Request) error {
	var in SubscriptionPurchase
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.svc.Redeem(r.Context(), subjectPrincipal(r).SubjectID, in.Months)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// PaidSubscription is the shop backend's word that a customer paid for months of the
// privacy subscription; Ref is its payment reference.
type PaidSubscription struct {
	Months int    `json:"months"`
	Ref    string `json:"ref"`
}

func (h equityAPI) paid(w http.ResponseWriter, r *http.Request) error {
	var in PaidSubscription
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sub, err := h.sub.subject(r)
	if err != nil {
		return err
	}
	v, err := h.svc.Paid(r.Context(), sub, in.Months, in.Ref, "operator:"+principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}
