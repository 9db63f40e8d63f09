package server

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/store"
)

func withPrincipal(ctx context.Context, p auth.Principal) context.Context {
	return context.WithValue(ctx, keyPrincipal, p)
}

type operatorJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

func toOperatorJSON(op store.Operator) operatorJSON {
	return operatorJSON{ID: op.ID, Name: op.Name, Role: op.Role, CreatedAt: op.CreatedAt}
}

// capabilities maps console sections to the scope that unlocks them; whoami reports the
// ones this operator may open, so the console shows no dead navigation.
var capabilities = []struct {
	name  string
	scope auth.Scope
}{
	{"overview", ""},
	{"sources", auth.ScopeSourcesRead},
	{"operators", auth.ScopeOperatorsRead},
	{"privacy_manifest", auth.ScopeManifestRead},
	{"consent", auth.ScopeConsentRead},
	{"rights", auth.ScopeRightsRead},
	{"tags", auth.ScopeTagsRead},
	{"segments", auth.ScopeSegmentsRead},
	{"anonymise", auth.ScopeAnonymisedRead},
	{"algorithms", auth.ScopeManifestRead},
	{"pricing", auth.ScopeReportsRead},
	{"people", auth.ScopeSubjectsRead}, {"people", auth.ScopeProfilesRead}, // either opens it
	{"campaigns", auth.ScopeCampaignsRead},
	{"dp", auth.ScopeReportsRead},
	{"compliance", auth.ScopeAuditRead},
	{"cleanroom", auth.ScopeCleanRoomRead},
}

type whoamiDoc struct {
	Operator     operatorJSON `json:"operator"`
	Scopes       []auth.Scope `json:"scopes"`
	Capabilities []string     `json:"capabilities"`
}

type operatorList struct {
	Operators []operatorJSON `json:"operators"`
}

type newOperator struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

type newToken struct {
	Name       string   `json:"name"`
	Scopes     []string `json:"scopes,omitempty"`
	TTLSeconds int64    `json:"ttl_seconds,omitempty"`
}

type issuedToken struct {
	ID        string     `json:"id"`
	Token     string     `json:"token"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
}

type tokenJSON struct {
	ID         string     `json:"id"`
	OperatorID string     `json:"operator_id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

type tokenList struct {
	Tokens []tokenJSON `json:"tokens"`
}

type sourceList struct {
	Sources []sourceJSON `json:"sources"`
}

type newSource struct {
	Name string `json:"name"`
	// ServerSide: the write key is used only by the shop's servers, never shipped to a
	// browser or app; its calls may merge identified customers.
	ServerSide bool `json:"server_side,omitempty"`
}

// signin is the audited sign-in: the console posts it when an operator opens it. A GET
// never changes state, so whoami records nothing.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.SignedIn(r.Context(), principal(r).Operator.ID); err != nil {
		return err
	}
	return s.whoami(w, r)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	caps := []string{}
	for _, c := range capabilities {
		if (c.scope == "" || p.Has(c.scope)) && !slices.Contains(caps, c.name) {
			caps = append(caps, c.name)
		}
	}
	writeJSON(w, http.StatusOK, whoamiDoc{Operator: toOperatorJSON(p.Operator), Scopes: p.Scopes, Capabilities: caps})
	return nil
}

func (s *Server) listOperators(w http.ResponseWriter, r *http.Request) error {
	ops, err := s.st.ListOperators(r.Context())
	if err != nil {
		return err
	}
	out := make([]operatorJSON, 0, len(ops))
	for _, op := range ops {
		out = append(out, toOperatorJSON(op))
	}
	writeJSON(w, http.StatusOK, operatorList{Operators: out})
	return nil
}

func (s *Server) createOperator(w http.ResponseWriter, r *http.Request) error {
	var in newOperator
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	role, err := auth.ParseRole(in.Role)
	if err != nil {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "%s", err.Error())
	}
	op, err := s.auth.CreateOperator(r.Context(), in.Name, role)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toOperatorJSON(op))
	return nil
}

func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) error {
	var in newToken
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var scopes []auth.Scope
	if in.Scopes != nil {
		var err error
		if scopes, err = auth.ParseScopes(in.Scopes); err != nil {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "%s", err.Error())
		}
	}
	// ttl_seconds is checked before it becomes a Duration: a huge value must not wrap
	// around into "no expiry".
	if in.TTLSeconds < 0 || in.TTLSeconds > int64(auth.MaxTokenTTL/time.Second) {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "ttl_seconds must be between 1 and %d (0 or absent: %d days)",
			int64(auth.MaxTokenTTL/time.Second), int(auth.DefaultTokenTTL/(24*time.Hour)))
	}
	// A token cannot mint a token stronger than itself (auth owns the rule).
	secret, t, err := s.auth.IssueTokenAs(r.Context(), principal(r), r.PathValue("id"), in.Name, scopes, time.Duration(in.TTLSeconds)*time.Second)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, issuedToken{ID: t.ID, Token: secret, Scopes: t.Scopes, ExpiresAt: t.ExpiresAt})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.st.ListTokens(r.Context(), r.URL.Query().Get("operator_id"))
	if err != nil {
		return err
	}
	out := make([]tokenJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenJSON{t.ID, t.OperatorID, t.Name, t.Scopes, t.CreatedAt, t.ExpiresAt, t.RevokedAt})
	}
	writeJSON(w, http.StatusOK, tokenList{Tokens: out})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.RevokeTokenAs(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type sourceJSON struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	ServerSide bool      `json:"server_side"`
	CreatedAt  time.Time `json:"created_at"`
	WriteKey   string    `json:"write_key,omitempty"`
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.st.ListSources(r.Context())
	if err != nil {
		return err
	}
	out := make([]sourceJSON, 0, len(srcs))
	for _, src := range srcs {
		out = append(out, sourceJSON{ID: src.ID, Name: src.Name, ServerSide: src.ServerSide, CreatedAt: src.CreatedAt})
	}
	writeJSON(w, http.StatusOK, sourceList{Sources: out})
	return nil
}

func (s *Server) createSource(w http.ResponseWriter, r *http.Request) error {
	var in newSource
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	key, src, err := s.auth.CreateSource(r.Context(), in.Name, in.ServerSide)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sourceJSON{ID: src.ID, Name: src.Name, ServerSide: src.ServerSide, CreatedAt: src.CreatedAt, WriteKey: key})
	return nil
}
