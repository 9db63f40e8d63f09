package rights_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/rights"
)

var cst = time.FixedZone("CST", 8*3600)

func TestDeadlines(t *testing.T) {
	// Friday 2026-05-01 10:00.
	fri := time.Date(2026, 5, 1, 10, 0, 0, 0, cst)
	cases := []struct {
		jur    string
		typ    rights.Type
		due    string
		ext    string
		ack    string
		source string
	}{
		{"CN", rights.Access, "2026-05-31", "", "", "GB/T 35273-2020 §8.7"},
		{"CN", rights.Erasure, "2026-05-31", "", "", "§8.7"},
		// 15 working days after Friday: 3 weeks → Friday 2026-05-22.
		{"CN", rights.AccountDeletion, "2026-05-22", "", "", "§8.5"},
		{"EU", rights.Export, "2026-06-01", "2026-08-01", "", "GDPR Art. 12(3)"},
		{"US-CA", rights.Erasure, "2026-06-15", "2026-07-30", "2026-05-15", "§1798.130"},
		{"", rights.Access, "2026-05-22", "", "", "strictest"},
		// Explanation and human review of an automated decision (PIPL Art. 24(3), GDPR
		// Art. 22(3), CCPA; AD-03): each jurisdiction's clock, with the decision rule named.
		{"CN", rights.HumanReview, "2026-05-31", "", "", "PIPL Art. 24(3)"},
		{"CN", rights.Explanation, "2026-05-31", "", "", "Art. 24(3)"},
		{"EU", rights.HumanReview, "2026-06-01", "2026-08-01", "", "GDPR Art. 22(3)"},
		{"US-CA", rights.HumanReview, "2026-06-15", "2026-07-30", "2026-05-15", "§1798.130"},
		{"", rights.HumanReview, "2026-05-22", "", "", "strictest"},
	}
	for _, c := range cases {
		d := rights.DeadlineFor(c.jur, c.typ, fri, nil)
		day := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2006-01-02")
		}
		if day(d.Due) != c.due || day(d.ExtendedDue) != c.ext || day(d.Acknowledge) != c.ack || !strings.Contains(d.Source, c.source) {
			t.Errorf("%s %s: due %s ext %s ack %s (%s); want %s %s %s (%s)", c.jur, c.typ, day(d.Due), day(d.ExtendedDue), day(d.Acknowledge), d.Source, c.due, c.ext, c.ack, c.source)
		}
	}
	// A replaceable calendar: a holiday week moves the working-day deadline.
	holiday := holidays{"2026-05-04": true, "2026-05-05": true}
	if d := rights.DeadlineFor("CN", rights.AccountDeletion, fri, holiday); d.Due.Format("2006-01-02") != "2026-05-26" {
		t.Errorf("with holidays: %s", d.Due.Format("2006-01-02"))
	}
	open := rights.DeadlineFor("EU", rights.Access, fri, nil)
	if rights.DueSoon(open, rights.Received, fri, 72*time.Hour) || !rights.DueSoon(open, rights.InProgress, open.Due.Add(-24*time.Hour), 72*time.Hour) ||
		rights.DueSoon(open, rights.Done, open.Due.Add(time.Hour), 72*time.Hour) {
		t.Error("due-soon warning wrong")
	}
}

type holidays map[string]bool

func (h holidays) WorkingDay(d time.Time) bool {
	return rights.Weekdays{}.WorkingDay(d) && !h[d.Format("2006-01-02")]
}

func TestStateMachine(t *testing.T) {
	ok := [][2]rights.State{{rights.Received, rights.Verified}, {rights.Verified, rights.InProgress}, {rights.InProgress, rights.Done},
		{rights.Verified, rights.Done}, {rights.Received, rights.Refused}}
	for _, c := range ok {
		if err := rights.Step(c[0], c[1], "reason"); err != nil {
			t.Errorf("%s → %s: %v", c[0], c[1], err)
		}
	}
	bad := [][2]rights.State{{rights.Received, rights.Done}, {rights.Done, rights.InProgress}, {rights.Refused, rights.Verified}, {rights.InProgress, rights.Received}}
	for _, c := range bad {
		if err := rights.Step(c[0], c[1], "reason"); !errors.Is(err, rights.ErrTransition) {
			t.Errorf("%s → %s allowed", c[0], c[1])
		}
	}
	if err := rights.Step(rights.Verified, rights.Refused, ""); !errors.Is(err, rights.ErrTransition) {
		t.Error("refusal without a reason allowed")
	}
}
