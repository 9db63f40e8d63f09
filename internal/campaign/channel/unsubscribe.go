package channel

import (
	"context"
	"errors"
	"html/template"
	"net/http"
)

// ErrRejectedToken is what an unsubscribe function returns for a token it does not
// accept; the handler answers 400 then.
var ErrRejectedToken = errors.New("unsubscribe: token rejected")

var confirmPage = template.Must(template.New("").Parse(`<!doctype html><meta charset="utf-8"><title>Unsubscribe 退订</title>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<p>Stop all marketing messages? 不再接收任何营销信息？</p><button>Unsubscribe 退订</button></form>`))

var donePage = `<!doctype html><meta charset="utf-8"><title>Unsubscribed 已退订</title>
<p>You will get no more marketing messages. 您将不再收到营销信息。</p>`

// UnsubscribeHandler serves one-click unsubscribe links (RFC 8058) with the token in the
// query parameter "t". POST (what mail clients send, with the body
// "List-Unsubscribe=One-Click", and what the confirmation form sends) calls unsubscribe;
// GET only shows a confirmation form, because link scanners fetch URLs in mail and must
// not unsubscribe anyone. No cookie or sign-in is needed: the token is the authority.
func UnsubscribeHandler(unsubscribe func(ctx context.Context, token string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		tok := r.URL.Query().Get("t")
		if tok == "" {
			http.Error(w, "missing token", http.StatusBadRequest)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			confirmPage.Execute(w, nil)
		case http.MethodPost:
			r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
			if err := unsubscribe(r.Context(), tok); err != nil {
				if errors.Is(err, ErrRejectedToken) {
					http.Error(w, "invalid or expired link", http.StatusBadRequest)
					return
				}
				http.Error(w, "could not unsubscribe now; try again", http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(donePage))
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}
