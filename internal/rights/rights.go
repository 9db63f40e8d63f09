package rights

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Type is a kind of request.
type Type string

// Request types.
const (
	Access          Type = "access"
	Export          Type = "export" // copy and portability (machine-readable)
	Correction      Type = "correction"
	Erasure         Type = "erasure"
	Restriction     Type = "restriction"
	Objection       Type = "objection" // includes the absolute objection to direct marketing
	Withdrawal      Type = "withdrawal"
	Explanation     Type = "explanation" // of an automated decision
	AccountDeletion Type = "account_deletion"
	// HumanReview: a person asks that a person, not only an algorithm, decide (PIPL Art.
	// 24(3): to refuse a decision made solely by automated means; GDPR Art. 22(3); AD-03).
	HumanReview Type = "human_review"
)

// Types lists every request type.
var Types = []Type{Access, Export, Correction, Erasure, Restriction, Objection, Withdrawal, Explanation, AccountDeletion, HumanReview}

// AboutDecision reports whether a request type concerns one automated decision, which the
// request must name (details.decision).
func (t Type) AboutDecision() bool { return t == Explanation || t == HumanReview }

// ParseType returns the type named s.
func ParseType(s string) (Type, bool) {
	for _, t := range Types {
		if string(t) == s {
			return t, true
		}
	}
	return "", false
}

// State is where a request stands.
type State string

// States.
const (
	Received   State = "received"
	Verified   State = "verified"
	InProgress State = "in_progress"
	Done       State = "done"
	Refused    State = "refused"
)

// ErrTransition is a state change the machine does not allow.
var ErrTransition = errors.New("rights: transition not allowed")

// ErrReasonRequired: a refusal states its reason and the remedy (PIPL Art. 50, RR-05); a
// request without one is bad input, not a conflict.
// It is still a transition the machine does not allow (errors.Is ErrTransition).
var ErrReasonRequired = fmt.Errorf("%w: a refusal states its reason", ErrTransition)

// next lists the allowed transitions. Done and refused are final.
var next = map[State][]State{
	Received:   {Verified, Refused},
	Verified:   {InProgress, Done, Refused},
	InProgress: {Done, Refused},
}

// Step checks a transition; refusing needs a stated reason.
func Step(from, to State, reason string) error {
	if to == Refused && strings.TrimSpace(reason) == "" {
		return ErrReasonRequired
	}
	for _, s := range next[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("%w: %s → %s", ErrTransition, from, to)
}

// Calendar tells working days apart. The default counts Monday to Friday; a deployment in
// China replaces it with the State Council's published holiday and make-up-day schedule.
type Calendar interface {
	WorkingDay(day time.Time) bool
}

// Weekdays is the default calendar: Monday to Friday are working days.
type Weekdays struct{}

// WorkingDay implements Calendar.
func (Weekdays) WorkingDay(d time.Time) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// addWorkingDays returns the end of the n-th working day after t (t's own day not counted).
func addWorkingDays(t time.Time, n int, cal Calendar) time.Time {
	d := t
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if cal.WorkingDay(d) {
			n--
		}
	}
	return endOfDay(d)
}

func endOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, t.Location())
}

// Deadline is when a request must be answered, why, and how far it may be extended.
type Deadline struct {
	Due time.Time `json:"due"`
	// Acknowledge is when receipt must be confirmed (zero when the law sets no separate step).
	Acknowledge time.Time `json:"acknowledge,omitempty"`
	// ExtendedDue is the latest due date after a permitted extension (zero: none allowed).
	ExtendedDue time.Time `json:"extended_due,omitempty"`
	Source      string    `json:"source"`
}

// DeadlineFor computes the deadline of a request received at t under a jurisdiction:
// "CN" (PIPL + GB/T 35273-2020), "EU" (GDPR), "US-CA" (CCPA/CPRA); anything else gets the
// strictest of them, 15 working days.
func DeadlineFor(jurisdiction string, typ Type, t time.Time, cal Calendar) Deadline {
	if cal == nil {
		cal = Weekdays{}
	}
	switch jurisdiction {
	case "CN":
		if typ == AccountDeletion {
			// GB/T 35273-2020 §8.5: account cancellation completed within 15 working days.
			return Deadline{Due: addWorkingDays(t, 15, cal), Source: "PIPL Art. 50 (timely); GB/T 35273-2020 §8.5: account cancellation within 15 working days"}
		}
		if typ.AboutDecision() {
			return Deadline{Due: endOfDay(t.AddDate(0, 0, 30)), Source: "PIPL Art. 24(3) (explanation, refusal of a solely automated decision); GB/T 35273-2020 §7.7, §8.7: within 30 days"}
		}
		// PIPL Art. 50 requires a timely answer; GB/T 35273-2020 §8.7 sets 30 days.
		return Deadline{Due: endOfDay(t.AddDate(0, 0, 30)), Source: "PIPL Art. 50 (timely); GB/T 35273-2020 §8.7: within 30 days"}
	case "EU":
		if typ.AboutDecision() {
			return Deadline{Due: endOfDay(t.AddDate(0, 1, 0)), ExtendedDue: endOfDay(t.AddDate(0, 3, 0)),
				Source: "GDPR Art. 22(3) (human intervention, explanation), Art. 12(3): one month, extendable by two months"}
		}
		// GDPR Art. 12(3): one month, extendable by two further months.
		return Deadline{Due: endOfDay(t.AddDate(0, 1, 0)), ExtendedDue: endOfDay(t.AddDate(0, 3, 0)),
			Source: "GDPR Art. 12(3): one month, extendable by two months"}
	case "US-CA":
		// Cal. Civ. Code §1798.130(a)(2): 45 days, extendable once by 45; CCPA Regulations
		// §7021(a): confirm receipt within 10 business days.
		return Deadline{Due: endOfDay(t.AddDate(0, 0, 45)), ExtendedDue: endOfDay(t.AddDate(0, 0, 90)),
			Acknowledge: addWorkingDays(t, 10, cal), Source: "CCPA §1798.130(a)(2): 45 days, extendable by 45; Regs §7021(a): confirm within 10 business days"}
	}
	return Deadline{Due: addWorkingDays(t, 15, cal), Source: "no jurisdiction recorded: the strictest deadline Steward knows (15 working days)"}
}

// DueSoon reports whether an open request is within warn of its deadline (or past it):
// operators are warned before a deadline, not after.
func DueSoon(d Deadline, state State, now time.Time, warn time.Duration) bool {
	if state == Done || state == Refused {
		return false
	}
	return !now.Before(d.Due.Add(-warn))
}
