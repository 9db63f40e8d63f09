package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/cleanroom/room"
	"github.com/stewardhq/steward/internal/partner"
)

// The clean room (issue 22): partners and jobs for operators, and the calls between
// instances (Access Partner: signed by the calling instance, verified against its pinned
// key before the handler runs).

type cleanroomAPI struct{ svc *room.Service }

// AcceptRequest accepts a partner's invite.
type AcceptRequest struct {
	Invite string `json:"invite"`
}

// PartnerCreated names the partner just paired.
type PartnerCreated struct {
	ID      string           `json:"id"`
	Partner room.PartnerView `json:"partner"`
}

// PartnerList is the partners, and this instance as they see it.
type PartnerList struct {
	Self     room.Self          `json:"self"`
	Partners []room.PartnerView `json:"partners"`
}

// JobCreated names the job just proposed.
type JobCreated struct {
	ID  string    `json:"id"`
	Job *room.Job `json:"job"`
}

// JobList is the clean-room jobs, newest first.
type JobList struct {
	Jobs []*room.Job `json:"jobs"`
}

// PairRequest is an invitee's acceptance, sent to the inviter.
type PairRequest struct {
	Acceptance string `json:"acceptance"`
}

func (h cleanroomAPI) invite(w http.ResponseWriter, r *http.Request) error {
	inv, err := h.svc.CreateInvite(r.Context(), principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, inv)
	return nil
}

func (h cleanroomAPI) accept(w http.ResponseWriter, r *http.Request) error {
	var in AcceptRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Invite == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "invite is required")
	}
	p, err := h.svc.Accept(r.Context(), in.Invite)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, PartnerCreated{ID: p.ID, Partner: p})
	return nil
}

func (h cleanroomAPI) partners(w http.ResponseWriter, r *http.Request) error {
	ps, err := h.svc.Partners(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PartnerList{Self: h.svc.Self(), Partners: ps})
	return nil
}

func (h cleanroomAPI) status(ev partner.StatusEvent) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := h.svc.SetStatus(r.Context(), r.PathValue("id"), ev, principal(r).Operator.ID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

func (h cleanroomAPI) propose(w http.ResponseWriter, r *http.Request) error {
	var in room.Proposal
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	j, err := h.svc.Propose(r.Context(), in, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, JobCreated{ID: j.ID, Job: j})
	return nil
}

func (h cleanroomAPI) jobs(w http.ResponseWriter, r *http.Request) error {
	js, err := h.svc.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, JobList{Jobs: js})
	return nil
}

func (h cleanroomAPI) job(w http.ResponseWriter, r *http.Request) error {
	j, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (h cleanroomAPI) approve(w http.ResponseWriter, r *http.Request) error {
	var in room.Approval
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	j, err := h.svc.Approve(r.Context(), r.PathValue("id"), in, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (h cleanroomAPI) refuse(w http.ResponseWriter, r *http.Request) error {
	j, err := h.svc.Refuse(r.Context(), r.PathValue("id"), principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// pair takes an invitee's acceptance (Public: it authenticates itself with the invite's
// secret and the invitee's signature).
func (h cleanroomAPI) pair(w http.ResponseWriter, r *http.Request) error {
	var in PairRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.svc.Paired(r.Context(), in.Acceptance)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, PartnerCreated{ID: p.ID, Partner: p})
	return nil
}

func (h cleanroomAPI) proposed(w http.ResponseWriter, r *http.Request) error {
	var in room.PartnerProposal
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	j, err := h.svc.Proposed(r.Context(), peerOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, JobCreated{ID: j.ID})
	return nil
}

func (h cleanroomAPI) decided(w http.ResponseWriter, r *http.Request) error {
	var in room.PartnerApproval
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := h.svc.PartnerDecided(r.Context(), peerOf(r), r.PathValue("id"), in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h cleanroomAPI) message(w http.ResponseWriter, r *http.Request) error {
	if mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(strings.ToLower(mt)) != "application/octet-stream" {
		return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type must be application/octet-stream")
	}
	body, _ := io.ReadAll(r.Body) // read whole and verified by the Partner access check already
	if err := h.svc.Message(r.Context(), peerOf(r), r.PathValue("id"), body); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h cleanroomAPI) abort(w http.ResponseWriter, r *http.Request) error {
	var in room.Abort
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.svc.Aborted(r.Context(), peerOf(r), r.PathValue("id"), in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// peerOf is the verified calling partner of a Partner route.
func peerOf(r *http.Request) partner.Peer {
	p, _ := r.Context().Value(keyPeer).(partner.Peer)
	return p
}

// verifyPartner reads a Partner route's whole body (within its limit) and checks the
// Steward-Signature header over method, path and query, and body; the handler then reads
// the same bytes.
func (s *Server) verifyPartner(r *http.Request) (*http.Request, error) {
	if s.cfg.CleanRoom == nil {
		return nil, Errorf(http.StatusServiceUnavailable, CodeUnavailable, "the clean room is not enabled on this server")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err // a MaxBytesError: 413
	}
	p, err := s.cfg.CleanRoom.Verify(r.Context(), r.Header.Get(partner.HeaderName), partner.Request{Method: r.Method, Path: r.URL.RequestURI(), Body: body})
	if err != nil {
		return nil, err
	}
	r = r.WithContext(context.WithValue(r.Context(), keyPeer, p))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r, nil
}

// PartnerClient is the clean room's Transport: it signs each call for the partner's pinned
// key and posts it. It follows no redirect (a partner's URL is pinned) and takes any 2xx.
type PartnerClient struct {
	Signer *partner.Signer
	Client *http.Client
}

// NewPartnerClient returns a client signing with signer. Calls may carry large protocol
// messages: each may take up to ten minutes.
func NewPartnerClient(signer *partner.Signer) *PartnerClient {
	return &PartnerClient{Signer: signer, Client: &http.Client{Timeout: 10 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var _ room.Transport = (*PartnerClient)(nil)

// Call implements room.Transport.
func (c *PartnerClient) Call(ctx context.Context, call room.Call) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, call.URL+call.Path, bytes.NewReader(call.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", call.ContentType)
	req.Header.Set("User-Agent", "Steward-Partner/1")
	if call.Key != nil {
		sig, err := c.Signer.Sign(call.Key, partner.Request{Method: http.MethodPost, Path: req.URL.RequestURI(), Body: call.Body})
		if err != nil {
			return err
		}
		req.Header.Set(partner.HeaderName, sig)
	}
	res, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("partner answered %d: %s", res.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
