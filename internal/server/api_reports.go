package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/dp/stored"
)

// reportsAPI serves privacy budgets and the differentially private reports spent against
// them (issue 20 item 4).
type reportsAPI struct {
	ledger *dp.Ledger
	source *stored.Source
}

// BudgetList is every privacy budget with what was spent in its period and what is left.
type BudgetList struct {
	Budgets []dp.Budget `json:"budgets"`
}

// ReleaseList is a list of stored releases, newest first.
type ReleaseList struct {
	Releases []dp.Release `json:"releases"`
}

func (h reportsAPI) createBudget(w http.ResponseWriter, r *http.Request) error {
	var spec dp.BudgetSpec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}
	b, err := h.ledger.CreateBudget(r.Context(), principal(r).Operator.ID, spec)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, b)
	return nil
}

func (h reportsAPI) budgets(w http.ResponseWriter, r *http.Request) error {
	bs, err := h.ledger.Budgets(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, BudgetList{Budgets: bs})
	return nil
}

// report runs (or, with dry_run, prices) a report. A new release answers 201; a dry run
// and the replay of a release already paid for answer 200.
func (h reportsAPI) report(w http.ResponseWriter, r *http.Request) error {
	var spec dp.Spec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}
	rel, err := h.ledger.Report(r.Context(), principal(r).Operator.ID, spec)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if rel.DryRun || rel.Replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, rel)
	return nil
}

func (h reportsAPI) release(w http.ResponseWriter, r *http.Request) error {
	rel, err := h.ledger.Release(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rel)
	return nil
}

// releases lists the releases of ?budget= (every budget when absent), newest first.
func (h reportsAPI) releases(w http.ResponseWriter, r *http.Request) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "limit is a whole number from 1 to 1000")
		}
		limit = n
	}
	names := []string{r.URL.Query().Get("budget")}
	if names[0] == "" {
		bs, err := h.ledger.Budgets(r.Context())
		if err != nil {
			return err
		}
		names = names[:0]
		for _, b := range bs {
			names = append(names, b.Name)
		}
	}
	out := []dp.Release{}
	for _, name := range names {
		rs, err := h.ledger.Releases(r.Context(), name, limit)
		if err != nil {
			return err
		}
		out = append(out, rs...)
	}
	slices.SortStableFunc(out, func(a, b dp.Release) int { return b.At.Compare(a.At) })
	if len(out) > limit {
		out = out[:limit]
	}
	writeJSON(w, http.StatusOK, ReleaseList{Releases: out})
	return nil
}

// schema says what a report under ?purpose= may read (the console's form offers that).
func (h reportsAPI) schema(w http.ResponseWriter, r *http.Request) error {
	if h.source == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "reports over stored data are not enabled on this server")
	}
	sc, err := h.source.Schema(r.URL.Query().Get("purpose"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sc)
	return nil
}

// exhausted is the 409 a release the budget cannot pay for gets, with the amounts.
func exhausted(ex *dp.BudgetExhaustedError) *Error {
	return &Error{Status: http.StatusConflict, Code: CodePrivacyBudgetExhausted, Message: strings.TrimPrefix(ex.Error(), "report: "), Details: ex}
}
