package server_test

import "context"

// fakeAudit answers with empty documents (the app's tests cover the real ledger).
type fakeAudit struct{}

func (fakeAudit) Checkpoint(context.Context) (any, error)     { return map[string]any{}, nil }
func (fakeAudit) MakeCheckpoint(context.Context) (any, error) { return map[string]any{}, nil }
func (fakeAudit) Leaf(context.Context, uint64) (any, error)   { return map[string]any{}, nil }
func (fakeAudit) Inclusion(context.Context, uint64, uint64) (any, error) {
	return map[string]any{}, nil
}
func (fakeAudit) Consistency(context.Context, uint64, uint64) (any, error) {
	return map[string]any{}, nil
}
func (fakeAudit) Report(context.Context, string, string) (any, error) { return map[string]any{}, nil }

func (fakeAudit) OperatorSignIn(context.Context, string) error { return nil }
