package cli

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/stewardhq/steward/internal/app"
)

// oidcFlags are serve's flags for operators' sign-in to the console through an OpenID
// Connect provider (issue 18 item 3). Each has a STEWARD_OIDC_* variable; the client secret
// also STEWARD_OIDC_CLIENT_SECRET_FILE.
type oidcFlags struct {
	issuer, clientID, secret, redirect, name string
}

func addOIDCFlags(fs *flag.FlagSet, e *env) *oidcFlags {
	f := &oidcFlags{issuer: e.getenv("STEWARD_OIDC_ISSUER"), clientID: e.getenv("STEWARD_OIDC_CLIENT_ID"),
		secret: e.getenv("STEWARD_OIDC_CLIENT_SECRET"), redirect: e.getenv("STEWARD_OIDC_REDIRECT_URL"), name: e.getenv("STEWARD_OIDC_NAME")}
	fs.StringVar(&f.issuer, "oidc-issuer", f.issuer, "OpenID Connect provider operators sign in to the console with, e.g. https://login.example.com (empty: tokens only) [STEWARD_OIDC_ISSUER]")
	fs.StringVar(&f.clientID, "oidc-client-id", f.clientID, "the console's client id at the provider [STEWARD_OIDC_CLIENT_ID]")
	fs.StringVar(&f.secret, "oidc-client-secret", f.secret, "the console's client secret at the provider (prefer the variables) [STEWARD_OIDC_CLIENT_SECRET, STEWARD_OIDC_CLIENT_SECRET_FILE]")
	fs.StringVar(&f.redirect, "oidc-redirect-url", f.redirect, "the redirect URL registered at the provider (default: the public URL + /api/v1/signin/oidc/callback) [STEWARD_OIDC_REDIRECT_URL]")
	fs.StringVar(&f.name, "oidc-name", f.name, "the provider's name on the console's sign-in button [STEWARD_OIDC_NAME]")
	return f
}

// options turns the flags into app options: nil when no issuer is set.
func (f *oidcFlags) options(e *env) (*app.OIDC, error) {
	if f.secret == "" {
		if p := e.getenv("STEWARD_OIDC_CLIENT_SECRET_FILE"); p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("oidc: STEWARD_OIDC_CLIENT_SECRET_FILE: %w", err)
			}
			f.secret = strings.TrimSpace(string(b))
		}
	}
	if f.issuer == "" {
		if f.clientID != "" || f.secret != "" {
			return nil, fmt.Errorf("%w: --oidc-client-id and --oidc-client-secret need --oidc-issuer", errUsage)
		}
		return nil, nil
	}
	for _, u := range []struct{ name, v string }{{"--oidc-issuer", f.issuer}, {"--oidc-redirect-url", f.redirect}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, fmt.Errorf("%w: %s %q: want http(s)://host[/path]", errUsage, u.name, u.v)
		}
	}
	if f.clientID == "" {
		return nil, fmt.Errorf("%w: --oidc-issuer needs --oidc-client-id", errUsage)
	}
	return &app.OIDC{Issuer: f.issuer, ClientID: f.clientID, ClientSecret: f.secret, RedirectURL: f.redirect, Name: f.name}, nil
}
