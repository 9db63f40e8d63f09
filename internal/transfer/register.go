package transfer

import (
	"context"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// RecipientView is a declared recipient as the register shows it: where it is, what it
// receives, the mechanism that covers it and whether that is in force today.
type RecipientView struct {
	Name       string   `json:"name"`
	Countries  []string `json:"countries"`
	Abroad     bool     `json:"abroad"`
	Purposes   []string `json:"purposes"`
	Categories []string `json:"categories"`
	// SeparateConsent names the consent each person gives before data goes abroad.
	SeparateConsent string         `json:"separate_consent,omitempty"`
	Mechanism       *MechanismView `json:"mechanism,omitempty"`
}

// MechanismView is a transfer mechanism with its evidence and standing.
type MechanismView struct {
	Key        string   `json:"key"`
	Kind       string   `json:"kind"`
	Countries  []string `json:"countries"`
	Reference  string   `json:"reference,omitempty"`
	Filed      string   `json:"filed,omitempty"`
	ValidUntil string   `json:"valid_until,omitempty"`
	InForce    bool     `json:"in_force"`
	Why        string   `json:"why,omitempty"`
}

// Thresholds are the CAC figures the counts are held against.
type Thresholds struct {
	ExemptGeneral     int64 `json:"exempt_general"`
	ContractGeneral   int64 `json:"contract_general"`
	ContractSensitive int64 `json:"contract_sensitive"`
}

// Register is the transfer register of a calendar year.
type Register struct {
	Year       int                   `json:"year"`
	Home       string                `json:"home"`
	Recipients []RecipientView       `json:"recipients"`
	General    int64                 `json:"general_individuals"`
	Sensitive  int64                 `json:"sensitive_individuals"`
	ByCountry  []store.TransferCount `json:"by_country"`
	Thresholds Thresholds            `json:"thresholds"`
	Warnings   []Warning             `json:"warnings"`
	Entries    []Entry               `json:"entries"`
}

// Entry is one transfer in the register.
type Entry struct {
	ID          string         `json:"id"`
	At          time.Time      `json:"at"`
	Kind        string         `json:"kind"`
	Recipient   string         `json:"recipient"`
	Country     string         `json:"country"`
	Mechanism   string         `json:"mechanism"`
	Purpose     string         `json:"purpose"`
	Categories  []string       `json:"categories"`
	Sensitive   bool           `json:"sensitive"`
	Individuals int            `json:"individuals"`
	Refused     map[string]int `json:"refused"`
	Actor       string         `json:"actor"`
}

// Register returns the register of a year (0: the current one).
func (s *Service) Register(ctx context.Context, year int) (Register, error) {
	now := s.cfg.Now()
	if year == 0 {
		year = s.Year(now)
	}
	r := s.cfg.Regime()
	m := r.Manifest()
	day := now.In(s.cfg.Location).Format(time.DateOnly)
	reg := Register{Year: year, Home: m.Home, Recipients: []RecipientView{}, Thresholds: Thresholds{ExemptGeneral, ContractGeneral, ContractSensitive}}
	for _, rc := range m.Recipients {
		v := RecipientView{Name: rc.Name, Countries: rc.Countries, Purposes: rc.Purposes, Categories: categories(r, rc, firstOr(rc.Purposes))}
		for _, c := range rc.Countries {
			v.Abroad = v.Abroad || m.Abroad(c)
		}
		if v.Abroad {
			v.SeparateConsent = "cross_border_transfer"
		}
		if t, ok := m.Transfers[rc.Transfer]; ok {
			in, why := t.InForce(day)
			v.Mechanism = &MechanismView{Key: t.Key, Kind: t.Kind, Countries: t.Countries, Reference: t.Reference, Filed: t.Filed,
				ValidUntil: t.ValidUntil, InForce: in, Why: why}
			for _, c := range rc.Countries {
				if m.Abroad(c) && !t.Covers(c) {
					v.Mechanism.InForce, v.Mechanism.Why = false, "does not cover "+strings.ToUpper(c)
				}
			}
		}
		reg.Recipients = append(reg.Recipients, v)
	}
	var err error
	if reg.General, reg.Sensitive, err = s.cfg.Store.TransferTotals(ctx, year); err != nil {
		return reg, err
	}
	if reg.ByCountry, err = s.cfg.Store.TransferCounts(ctx, year); err != nil {
		return reg, err
	}
	if reg.ByCountry == nil {
		reg.ByCountry = []store.TransferCount{}
	}
	reg.Warnings = warnings(reg.General, reg.Sensitive)
	if reg.Warnings == nil {
		reg.Warnings = []Warning{}
	}
	es, err := s.cfg.Store.ListTransfers(ctx, year)
	if err != nil {
		return reg, err
	}
	reg.Entries = make([]Entry, len(es))
	for i, e := range es {
		reg.Entries[i] = Entry{ID: e.ID, At: e.At, Kind: e.Kind, Recipient: e.Recipient, Country: e.Country, Mechanism: e.Mechanism,
			Purpose: e.Purpose, Categories: e.Categories, Sensitive: e.Sensitive, Individuals: e.Individuals, Refused: e.Refused, Actor: e.Actor}
	}
	return reg, nil
}

func firstOr(ps []string) string {
	if len(ps) > 0 {
		return ps[0]
	}
	return ""
}
