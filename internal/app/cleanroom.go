package app

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/cleanroom/room"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
)

// buildCleanRoom wires the two-party clean room (issue 22): the instance's partner identity
// (its seed derived from the keyring, so it survives restarts and key files need no new
// secret), the signed client the server provides, and the reader-backed inputs under the
// job's purpose. Its workers go on the queue's "cleanroom" queue.
func (a *App) buildCleanRoom(ws *jobs.Workers, segments room.Segments) error {
	crs, ok := a.Store.(store.CleanRoom)
	if !ok {
		return nil // this store keeps no clean room: the routes answer 503
	}
	id, err := partner.NewIdentity(keyed(a.Keyring, "steward/partner-identity"))
	if err != nil {
		return fmt.Errorf("open clean room: %w", err)
	}
	if _, err := partner.CheckURL(publicBase(a.Config)); err != nil {
		a.Log.Warn("clean room off: partners must reach this instance at an https URL (or http on loopback); set --public-url", "err", err)
		return nil
	}
	cur := a.Regime.Current
	a.CleanRoom, err = room.New(room.Config{Store: crs, Identity: id, URL: publicBase(a.Config),
		Transport: server.NewPartnerClient(partner.NewSigner(id, nil, nil)), Queue: a.Jobs, Recorder: a.Recorder,
		Inputs:          &room.ReaderInputs{Subjects: a.Store, Reader: a.Reader, Segments: segments},
		MinIntersection: a.Config.CleanRoomMinIntersection, Log: a.Log,
		Region: func() string { return cur().Home() },
		Purpose: func(purpose string) error {
			p, ok := cur().Purpose(purpose)
			switch {
			case !ok:
				return fmt.Errorf("not a purpose of the manifest in force")
			case !p.NeedsConsent() || !p.SeparateConsent:
				return fmt.Errorf("a clean-room job's purpose must rest on a separate consent (PIPL Art. 23), such as measurement.clean_room")
			}
			return nil
		}})
	if err != nil {
		return err
	}
	return a.CleanRoom.Register(ws)
}

var _ room.Segments = (*profile.CampaignFacts)(nil)

// runCleanRoom fails clean-room jobs past their deadline until ctx ends.
func (a *App) runCleanRoom(ctx context.Context) {
	if a.CleanRoom != nil {
		a.CleanRoom.Run(ctx, 30*time.Second)
	}
}
