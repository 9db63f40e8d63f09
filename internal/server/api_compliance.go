package server

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/stewardhq/steward/internal/assessment"
	"github.com/stewardhq/steward/internal/compliance"
	"github.com/stewardhq/steward/internal/incident"
	"github.com/stewardhq/steward/internal/retention"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/transfer"
)

// complianceAPI serves issue 26: retention, the transfer register, assessments, the breach
// register and the evidence bundle.
type complianceAPI struct {
	retention   *retention.Service
	transfers   *transfer.Service
	assessments *assessment.Service
	incidents   *incident.Service
	bundles     *compliance.Builder
	audit       store.Store
}

// RetentionStatus is the retention in force and the last passes.
type RetentionStatus struct {
	Plan retention.Plan  `json:"plan"`
	Runs []retention.Run `json:"runs"`
}

// ImpactAssessmentList lists assessments and what the manifest in force needs.
type ImpactAssessmentList struct {
	Assessments []assessment.View `json:"assessments"`
	Needs       []assessment.Need `json:"needs"`
}

// DraftAssessment asks for a generated assessment: kind pipia with a purpose, or ropa;
// manifest (YAML), when given, is a manifest to publish rather than the one in force.
type DraftAssessment struct {
	Kind     string `json:"kind"`
	Purpose  string `json:"purpose,omitempty"`
	Manifest string `json:"manifest,omitempty"`
}

// AssessmentStep is a review or approval with its note.
type AssessmentStep struct {
	Note string `json:"note,omitempty"`
}

// IncidentList is the breach register.
type IncidentList struct {
	Incidents []incident.View `json:"incidents"`
}

func (h complianceAPI) retentionStatus(w http.ResponseWriter, r *http.Request) error {
	st := RetentionStatus{Plan: h.retention.Plan(), Runs: []retention.Run{}}
	if l, ok := h.audit.(retention.Leaves); ok {
		runs, err := retention.Runs(r.Context(), l, 20)
		if err != nil {
			return err
		}
		st.Runs = runs
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (h complianceAPI) retentionRun(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.retention.Run(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (h complianceAPI) transferRegister(w http.ResponseWriter, r *http.Request) error {
	year := 0
	if v := r.URL.Query().Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 9999 {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "year must be a calendar year")
		}
		year = y
	}
	reg, err := h.transfers.Register(r.Context(), year)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reg)
	return nil
}

func (h complianceAPI) assessmentList(w http.ResponseWriter, r *http.Request) error {
	as, err := h.assessments.List(r.Context())
	if err != nil {
		return err
	}
	needs := h.assessments.Needs()
	if needs == nil {
		needs = []assessment.Need{}
	}
	writeJSON(w, http.StatusOK, ImpactAssessmentList{Assessments: as, Needs: needs})
	return nil
}

func (h complianceAPI) assessmentDraft(w http.ResponseWriter, r *http.Request) error {
	var in DraftAssessment
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.assessments.Draft(r.Context(), assessment.DraftRequest{Kind: in.Kind, Purpose: in.Purpose, Manifest: []byte(in.Manifest),
		Actor: principal(r).Operator.ID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (h complianceAPI) assessmentGet(w http.ResponseWriter, r *http.Request) error {
	v, err := h.assessments.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h complianceAPI) assessmentStep(review bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in AssessmentStep
		if err := optionalJSON(r, &in); err != nil {
			return err
		}
		step := h.assessments.Approve
		if review {
			step = h.assessments.Review
		}
		v, err := step(r.Context(), r.PathValue("id"), principal(r).Operator.ID, in.Note)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

func (h complianceAPI) incidentList(w http.ResponseWriter, r *http.Request) error {
	is, err := h.incidents.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, IncidentList{Incidents: is})
	return nil
}

func (h complianceAPI) incidentOpen(w http.ResponseWriter, r *http.Request) error {
	var in incident.Report
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.incidents.Open(r.Context(), in, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (h complianceAPI) incidentGet(w http.ResponseWriter, r *http.Request) error {
	v, err := h.incidents.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h complianceAPI) incidentChange(w http.ResponseWriter, r *http.Request) error {
	var in incident.Update
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.incidents.Change(r.Context(), r.PathValue("id"), in, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// bundle makes the evidence bundle and sends it as a download.
func (h complianceAPI) bundle(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	sum, err := h.bundles.Build(r.Context(), &buf)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", `attachment; filename="steward-compliance-`+sum.GeneratedAt.Format("20060102-150405")+`.tar"`)
	w.Header().Set("X-Steward-Bundle-Files", strconv.Itoa(len(sum.Files)))
	w.Header().Set("X-Steward-Bundle-PDF", strconv.FormatBool(sum.PDF))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf.Bytes())
	return err
}
