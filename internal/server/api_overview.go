package server

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/intake"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store"
)

// overviewAPI answers "is everything fine" (issue 18 item 2) with counts from the store and
// the intake counters, never estimates: what ingestion received, stored and dropped (by
// reason) per day, how many people Steward knows, consent choices per purpose per day (by
// when they were made), the rights queue, how far the signed audit log lags, and whether
// the store answers. Nothing in it names a person.
type overviewAPI struct {
	s       *Server
	intake  *intake.Counter
	console store.Console
	regime  *regime.Service
	rights  *rights.Service
	audit   *audit.Log
}

// Overview is the console's first screen.
type Overview struct {
	Today string `json:"today"`
	Days  int    `json:"days"`
	// Ingest is one row per day (oldest first, every day of the window, zeros included),
	// by day of arrival.
	Ingest      []IngestDay `json:"ingest"`
	IngestToday IngestDay   `json:"ingest_today"`
	IngestTotal IngestDay   `json:"ingest_total"`
	// People is how many people Steward knows (merged-away ones not counted); Events how
	// many events it holds.
	People int64 `json:"people"`
	Events int64 `json:"events"`
	// Consent is grants and withdrawals per purpose per day of the choice.
	Consent []PurposeRates `json:"consent"`
	Rights  RightsQueue    `json:"rights"`
	Audit   AuditLag       `json:"audit"`
	Store   StoreHealth    `json:"store"`
}

// IngestDay is one day of ingestion.
type IngestDay struct {
	Day       string           `json:"day"`
	Received  int64            `json:"received"`
	Stored    int64            `json:"stored"`
	Duplicate int64            `json:"duplicate"`
	Dropped   int64            `json:"dropped"`
	DroppedBy map[string]int64 `json:"dropped_by"`
}

// PurposeRates is one purpose's consent choices per day.
type PurposeRates struct {
	Purpose   string     `json:"purpose"`
	Name      string     `json:"name"`
	Granted   int64      `json:"granted"`
	Withdrawn int64      `json:"withdrawn"`
	Days      []DayRates `json:"days"`
}

// DayRates is one day of a purpose's choices.
type DayRates struct {
	Day       string `json:"day"`
	Granted   int64  `json:"granted"`
	Withdrawn int64  `json:"withdrawn"`
}

// RightsQueue counts the rights requests still to be answered.
type RightsQueue struct {
	Open    int `json:"open"`
	DueSoon int `json:"due_soon"`
	Overdue int `json:"overdue"`
}

// AuditLag says how far the signed checkpoints trail the audit log: the acts no checkpoint
// covers yet and how long the oldest of them has waited.
type AuditLag struct {
	Size           uint64     `json:"size"`
	CheckpointSize uint64     `json:"checkpoint_size"`
	Unsigned       uint64     `json:"unsigned"`
	LastSignedAct  *time.Time `json:"last_signed_act"`
	OldestUnsigned *time.Time `json:"oldest_unsigned"`
	// WaitingSeconds is how long the oldest unsigned act has waited (0: none waits).
	WaitingSeconds int64 `json:"waiting_seconds"`
}

// StoreHealth says whether the store answers.
type StoreHealth struct {
	Healthy bool   `json:"healthy"`
	Dialect string `json:"dialect"`
	Schema  int    `json:"schema"`
	PingMS  int64  `json:"ping_ms"`
}

func (h overviewAPI) overview(w http.ResponseWriter, r *http.Request) error {
	days := 30
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 366 {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "days is a number from 1 to 366")
		}
		days = n
	}
	ctx := r.Context()
	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	from := today.AddDate(0, 0, -(days - 1))
	out := Overview{Today: today.Format(time.DateOnly), Days: days, Consent: []PurposeRates{}}

	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err := h.s.st.Ping(pctx)
	cancel()
	out.Store = StoreHealth{Healthy: err == nil, Dialect: h.s.st.Dialect(), PingMS: time.Since(start).Milliseconds()}
	if !out.Store.Healthy {
		writeJSON(w, http.StatusOK, out) // the rest would not answer either
		return nil
	}
	if out.Store.Schema, err = h.s.st.SchemaVersion(ctx); err != nil {
		return err
	}
	if out.People, err = h.s.st.CountSubjects(ctx); err != nil {
		return err
	}
	if out.Events, err = h.s.st.CountEvents(ctx); err != nil {
		return err
	}

	byDay := map[string]*IngestDay{}
	for d := from; !d.After(today); d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		out.Ingest = append(out.Ingest, IngestDay{Day: k, DroppedBy: map[string]int64{}})
	}
	for i := range out.Ingest {
		byDay[out.Ingest[i].Day] = &out.Ingest[i]
	}
	if h.intake != nil {
		counts, err := h.intake.Days(ctx, from.Format(time.DateOnly), out.Today)
		if err != nil {
			return err
		}
		for _, c := range counts {
			d := byDay[c.Day]
			if d == nil {
				continue
			}
			switch c.Outcome {
			case store.OutcomeReceived:
				d.Received += c.N
			case store.OutcomeStored:
				d.Stored += c.N
			case store.OutcomeDuplicate:
				d.Duplicate += c.N
			case store.OutcomeDropped:
				d.Dropped += c.N
				d.DroppedBy[c.Reason] += c.N
			}
		}
	}
	out.IngestTotal = IngestDay{Day: from.Format(time.DateOnly), DroppedBy: map[string]int64{}}
	for _, d := range out.Ingest {
		t := &out.IngestTotal
		t.Received, t.Stored, t.Duplicate, t.Dropped = t.Received+d.Received, t.Stored+d.Stored, t.Duplicate+d.Duplicate, t.Dropped+d.Dropped
		for k, n := range d.DroppedBy {
			t.DroppedBy[k] += n
		}
	}
	out.IngestToday = out.Ingest[len(out.Ingest)-1]

	if h.console != nil {
		cs, err := h.console.ConsentChoiceCounts(ctx, from, today.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		byPurpose := map[string]*PurposeRates{}
		var keys []string
		for _, c := range cs {
			if consent.IsSignal(c.Purpose) || !h.isPurpose(c.Purpose) {
				continue // signals (personalisation off, GPC, …) are not purposes
			}
			pr := byPurpose[c.Purpose]
			if pr == nil {
				pr = &PurposeRates{Purpose: c.Purpose, Name: h.purposeName(c.Purpose, lang(r)), Days: []DayRates{}}
				byPurpose[c.Purpose] = pr
				keys = append(keys, c.Purpose)
			}
			pr.Days = append(pr.Days, DayRates{Day: c.Day, Granted: c.Granted, Withdrawn: c.Withdrawn})
			pr.Granted += c.Granted
			pr.Withdrawn += c.Withdrawn
		}
		sort.Strings(keys)
		for _, k := range keys {
			out.Consent = append(out.Consent, *byPurpose[k])
		}
	}

	if h.rights != nil {
		rs, err := h.rights.List(ctx, "")
		if err != nil {
			return err
		}
		for _, q := range rs {
			if q.State == "done" || q.State == "refused" {
				continue
			}
			out.Rights.Open++
			if q.Overdue {
				out.Rights.Overdue++
			} else if q.DueSoon {
				out.Rights.DueSoon++
			}
		}
	}

	if h.audit != nil {
		if lag, err := h.auditLag(ctx, now); err != nil {
			return err
		} else {
			out.Audit = lag
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h overviewAPI) isPurpose(key string) bool {
	if h.regime == nil {
		return true
	}
	_, ok := h.regime.Current().Purpose(key)
	return ok
}

func (h overviewAPI) purposeName(key, l string) string {
	if h.regime == nil {
		return key
	}
	return h.regime.Current().PurposeName(key, l)
}

// auditLag reads the latest checkpoint's size and the times of the acts around its edge.
func (h overviewAPI) auditLag(ctx context.Context, now time.Time) (AuditLag, error) {
	ast, ok := h.s.st.(audit.Store)
	if !ok {
		return AuditLag{}, nil
	}
	cp, err := h.audit.Latest(ctx)
	if err != nil {
		return AuditLag{}, err
	}
	size, err := ast.Size(ctx)
	if err != nil {
		return AuditLag{}, err
	}
	lag := AuditLag{Size: size, CheckpointSize: cp.Size}
	if size > cp.Size {
		lag.Unsigned = size - cp.Size
	}
	timeOf := func(i uint64) *time.Time {
		leaves, _, err := ast.ReadLeaves(ctx, i, i+1)
		if err != nil || len(leaves) == 0 {
			return nil
		}
		l, err := audit.ParseLeaf(leaves[0])
		if err != nil {
			return nil
		}
		t := l.Time.UTC()
		return &t
	}
	if cp.Size > 0 {
		lag.LastSignedAct = timeOf(cp.Size - 1)
	}
	if lag.Unsigned > 0 {
		if lag.OldestUnsigned = timeOf(cp.Size); lag.OldestUnsigned != nil {
			lag.WaitingSeconds = max(0, int64(now.Sub(*lag.OldestUnsigned).Seconds()))
		}
	}
	return lag, nil
}
