package algorithm

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kind says what an algorithm does to people.
type Kind string

// Kinds of algorithm (the CAC provisions' categories, as a shop meets them).
const (
	// Recommendation ranks or selects content and goods for a person (ARP Art. 2).
	Recommendation Kind = "recommendation"
	// Profiling derives tags or scores about a person.
	Profiling Kind = "profiling"
	// Pricing sets or adjusts the price or terms a person is offered.
	Pricing Kind = "pricing"
	// Ranking orders bids or candidates (joint bid ranking, search ranking).
	Ranking Kind = "ranking"
	// Decision decides something with a significant effect on a person (fraud blocks,
	// credit), PIPL Art. 24(3).
	Decision Kind = "decision"
)

// Kinds lists every kind.
var Kinds = []Kind{Recommendation, Profiling, Pricing, Ranking, Decision}

// Text is a string in English and Simplified Chinese: the register is read by people.
type Text struct {
	EN string `json:"en"`
	ZH string `json:"zh-CN"`
}

// In returns the text in lang ("zh-CN" or anything else for English).
func (t Text) In(lang string) string {
	if lang == "zh-CN" && t.ZH != "" {
		return t.ZH
	}
	return t.EN
}

func (t Text) complete() bool { return strings.TrimSpace(t.EN) != "" && strings.TrimSpace(t.ZH) != "" }

// Input is one main input of an algorithm: a data category and what is used of it.
type Input struct {
	Category string `json:"category"`
	What     Text   `json:"what"`
}

// Algorithm describes one algorithm that acts on people, as the public register shows it.
type Algorithm struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
	Kind Kind   `json:"kind"`
	// Purpose is the purpose key it serves (personalize.content, essential.service, …).
	Purpose string `json:"purpose"`
	// Principles are its basic principles (ARP Art. 16): what it optimises, what it never uses.
	Principles Text `json:"principles"`
	// Intent is what it is for, for the shop and for the person.
	Intent Text `json:"intent"`
	// Mechanism is its main operating mechanism, in plain words.
	Mechanism Text    `json:"mechanism"`
	Inputs    []Input `json:"inputs"`
	// OptOut says how a person turns it off or chooses otherwise (ARP Art. 17).
	OptOut Text `json:"opt_out"`
	// FilingNumber is its number in the CAC algorithm filing system (ARP Art. 24), once filed.
	FilingNumber string `json:"filing_number,omitempty"`
	// Significant marks decisions with a significant effect on a person (PIPL Art. 24(3)):
	// people may ask for an explanation and refuse a solely automated decision.
	Significant bool `json:"significant"`
	// Owner names who runs it (a package of Steward, or the operator's team).
	Owner string `json:"owner"`
}

// Errors of the register.
var (
	// ErrInvalid: a description or assessment is incomplete or malformed.
	ErrInvalid = errors.New("algorithm: invalid")
	// ErrNotFound: no algorithm with this id is registered.
	ErrNotFound = errors.New("algorithm: no such algorithm")
	// ErrDescribedByCode: the algorithm is described by the code that runs it; an operator
	// may set only its filing number.
	ErrDescribedByCode = errors.New("algorithm: described by the code that runs it; only its filing_number may be set")
)

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// Check reports the first thing missing or malformed in a description, naming the field.
func Check(a Algorithm) error {
	bad := func(field, why string) error {
		return fmt.Errorf("%w: algorithm %q: %s %s", ErrInvalid, a.ID, field, why)
	}
	if !idPattern.MatchString(a.ID) {
		return fmt.Errorf("%w: algorithm id %q must be 1-64 of a-z 0-9 _ . - starting with a letter", ErrInvalid, a.ID)
	}
	known := false
	for _, k := range Kinds {
		known = known || a.Kind == k
	}
	if !known {
		return bad("kind", fmt.Sprintf("must be one of %v", Kinds))
	}
	if strings.TrimSpace(a.Purpose) == "" {
		return bad("purpose", "names the purpose it serves")
	}
	for _, f := range []struct {
		name string
		t    Text
	}{{"name", a.Name}, {"principles", a.Principles}, {"intent", a.Intent}, {"mechanism", a.Mechanism}, {"opt_out", a.OptOut}} {
		if !f.t.complete() {
			return bad(f.name, "needs both en and zh-CN")
		}
	}
	if len(a.Inputs) == 0 {
		return bad("inputs", "lists its main inputs")
	}
	for i, in := range a.Inputs {
		if strings.TrimSpace(in.Category) == "" || !in.What.complete() {
			return bad(fmt.Sprintf("inputs[%d]", i), "needs a category and what (en and zh-CN)")
		}
	}
	if len(a.FilingNumber) > 128 || strings.ContainsAny(a.FilingNumber, "\n\r") {
		return bad("filing_number", "is one line of at most 128 characters")
	}
	if strings.TrimSpace(a.Owner) == "" {
		return bad("owner", "names who runs it")
	}
	return nil
}
