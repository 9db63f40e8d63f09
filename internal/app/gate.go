package app

import "github.com/stewardhq/steward/internal/collect"

// newGate returns the consent gate.
func (a *App) newGate() (collect.Gate, error) { return nil, nil }
