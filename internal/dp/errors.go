package dp

import (
	"errors"
	"fmt"
	"math"
)

var (
	// ErrInvalidSpec is wrapped by every SpecError: a report or budget spec the package
	// refuses (the edge answers 400).
	ErrInvalidSpec = errors.New("invalid spec")
	// ErrUnknownBudget: no budget has that name (404).
	ErrUnknownBudget = errors.New("unknown privacy budget")
	// ErrBudgetExists: a budget with that name exists already (409).
	ErrBudgetExists = errors.New("privacy budget exists")
	// ErrBudgetExhausted is wrapped by BudgetExhaustedError: the release would spend more
	// than the budget has left (409 privacy_budget_exhausted).
	ErrBudgetExhausted = errors.New("privacy budget exhausted")
	// ErrUnknownRelease: no release has that id (404).
	ErrUnknownRelease = errors.New("unknown release")
)

// SpecError names the field of a spec that is wrong and why.
type SpecError struct {
	What   string // "report" or "budget"
	Field  string // JSON name of the field, e.g. "group_by[1]"
	Reason string
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("%s spec: %s: %s", e.What, e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidSpec) true.
func (e *SpecError) Is(target error) bool { return target == ErrInvalidSpec }

func reportErr(field, format string, args ...any) error {
	return &SpecError{What: "report", Field: field, Reason: fmt.Sprintf(format, args...)}
}

func budgetErr(field, format string, args ...any) error {
	return &SpecError{What: "budget", Field: field, Reason: fmt.Sprintf(format, args...)}
}

// BudgetExhaustedError reports a release the budget cannot pay for, with the amounts: what
// the release costs, what was spent inside the budget's period, the limits, and what
// remains.
type BudgetExhaustedError struct {
	Budget    string    `json:"budget"`
	Cost      Charge    `json:"cost"`
	Spent     Spend     `json:"spent"`
	Limit     Limit     `json:"limit"`
	Remaining Remaining `json:"remaining"`
}

func (e *BudgetExhaustedError) Error() string {
	if math.IsInf(float64(e.Cost.EpsilonTotal), 1) {
		return fmt.Sprintf("report: privacy budget %q exhausted: the release needs δ (ρ=%.4g, δ=%.3g) beyond the %.3g the budget has left",
			e.Budget, e.Cost.Rho, e.Cost.Delta, max(e.Remaining.Delta, 0))
	}
	return fmt.Sprintf("report: privacy budget %q exhausted: the release costs ε=%.4g (ρ=%.4g, δ=%.3g) and %.4g of ε=%.4g (δ=%.3g) is left",
		e.Budget, float64(e.Cost.EpsilonTotal), e.Cost.Rho, e.Cost.Delta, max(e.Remaining.Epsilon, 0), e.Limit.Epsilon, e.Limit.Delta)
}

// Is makes errors.Is(err, ErrBudgetExhausted) true.
func (e *BudgetExhaustedError) Is(target error) bool { return target == ErrBudgetExhausted }
