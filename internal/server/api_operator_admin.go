package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/signin"
	"github.com/stewardhq/steward/internal/store"
)

// operatorAdminAPI serves the console's operators screen beyond the operator and token
// routes: the roles with their scopes and the token lifetimes (so the form offers only
// what a role can hold), and each operator's sign-in through the identity provider.
type operatorAdminAPI struct {
	s      *Server
	signin *signin.Service
}

// RoleList is every role with the scopes it grants, and token lifetimes in days.
type RoleList struct {
	Roles []RoleScopes `json:"roles"`
	// DefaultTokenDays is a new token's lifetime when none is asked for; MaxTokenDays the
	// longest one may ask for.
	DefaultTokenDays int `json:"default_token_days"`
	MaxTokenDays     int `json:"max_token_days"`
}

// RoleScopes is one role.
type RoleScopes struct {
	Role   string       `json:"role"`
	Scopes []auth.Scope `json:"scopes"`
}

func (h operatorAdminAPI) roles(w http.ResponseWriter, r *http.Request) error {
	out := RoleList{DefaultTokenDays: int(auth.DefaultTokenTTL / (24 * time.Hour)), MaxTokenDays: int(auth.MaxTokenTTL / (24 * time.Hour))}
	for _, role := range auth.Roles {
		out.Roles = append(out.Roles, RoleScopes{Role: string(role), Scopes: role.Scopes()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// LoginList is every operator's sign-in through the identity provider.
type LoginList struct {
	Logins []signin.Login `json:"logins"`
}

func (h operatorAdminAPI) logins(w http.ResponseWriter, r *http.Request) error {
	ls, err := h.signin.Logins(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, LoginList{Logins: ls})
	return nil
}

// LoginRequest sets how an operator signs in: Subject (with Issuer, the configured
// provider's when empty) and/or Email.
type LoginRequest struct {
	Issuer  string `json:"issuer,omitempty"`
	Subject string `json:"subject,omitempty"`
	Email   string `json:"email,omitempty"`
}

func (h operatorAdminAPI) setLogin(w http.ResponseWriter, r *http.Request) error {
	var in LoginRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := h.s.st.GetOperator(r.Context(), id); errors.Is(err, store.ErrNotFound) {
		return Errorf(http.StatusNotFound, CodeNotFound, "no operator has this id")
	} else if err != nil {
		return err
	}
	if in.Issuer == "" && in.Subject != "" && h.s.oidc != nil {
		in.Issuer = h.s.oidc.cfg.Issuer
	}
	l := signin.Login{OperatorID: id, Issuer: in.Issuer, Subject: in.Subject, Email: in.Email}
	if err := h.signin.SetLogin(r.Context(), l); err != nil {
		return err
	}
	ls, err := h.signin.Logins(r.Context())
	if err != nil {
		return err
	}
	for _, x := range ls {
		if x.OperatorID == id {
			l = x
		}
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}
