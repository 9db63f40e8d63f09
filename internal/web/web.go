package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
)

//go:embed templates/*.html static/* i18n/*.json sdk/steward.js
var embedded embed.FS

// Languages served, the first is the default.
var Languages = []string{"en", "zh-CN"}

// Config configures the UI.
type Config struct {
	// Dir, when set, serves templates, static files and catalogues from this directory
	// (laid out like this package) and re-reads them on every request: for editing.
	Dir    string
	Logger *slog.Logger
}

// UI serves the console, the privacy center and their static files.
type UI struct {
	cfg Config
	fs  fs.FS

	mu    sync.Mutex
	pages map[string]*template.Template
	cats  map[string]map[string]string
}

// New loads and checks the templates and catalogues.
func New(cfg Config) (*UI, error) {
	u := &UI{cfg: cfg, fs: embedded}
	if cfg.Dir != "" {
		u.fs = os.DirFS(cfg.Dir)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := u.load(); err != nil {
		return nil, err
	}
	return u, nil
}

// A language's catalogue is i18n/<lang>.json plus any i18n/<lang>.<part>.json (one per
// screen or capability, so each lives beside the others without sharing a file); a key
// defined twice is an error.
func (u *UI) load() error {
	cats := map[string]map[string]string{}
	for _, l := range Languages {
		parts, err := fs.Glob(u.fs, "i18n/"+l+".*.json")
		if err != nil {
			return fmt.Errorf("web: catalogue %s: %w", l, err)
		}
		m := map[string]string{}
		for _, name := range append([]string{"i18n/" + l + ".json"}, parts...) {
			b, err := fs.ReadFile(u.fs, name)
			if err != nil {
				return fmt.Errorf("web: catalogue %s: %w", l, err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return fmt.Errorf("web: catalogue %s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return fmt.Errorf("web: catalogue %s: key %q defined twice", name, k)
				}
				m[k] = v
			}
		}
		cats[l] = m
	}
	pages := map[string]*template.Template{}
	for _, p := range []string{"console", "privacy", "algorithms", "request"} {
		t, err := template.New(p).ParseFS(u.fs, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return fmt.Errorf("web: template %s: %w", p, err)
		}
		pages[p] = t
	}
	u.mu.Lock()
	u.pages, u.cats = pages, cats
	u.mu.Unlock()
	return nil
}

// page is what a template sees.
type page struct {
	Lang, OtherLang      string
	TitleKey, TaglineKey string
	Script               string
	// Screens are the page's extra scripts (static/<page>-*.js): each registers its screens
	// in window.steward.screens before the page starts.
	Screens   []string
	Catalogue template.JS // JSON of the catalogue, inside a JSON data block
	// Data is what a page rendered on the server shows (the algorithm register).
	Data any
	cat  map[string]string
}

// T looks up a catalogue string; a missing key shows the key, which the tests catch.
func (p page) T(key string) string {
	if v, ok := p.cat[key]; ok {
		return v
	}
	return key
}

// Console serves /console/.
func (u *UI) Console() http.Handler {
	return u.pageHandler("/console/", "console", "console.title", "console.tagline", "console.js")
}

// Privacy serves /privacy/ and, at /privacy/request, the request form for people without an
// account.
func (u *UI) Privacy() http.Handler {
	center := u.pageHandler("/privacy/", "privacy", "privacy.title", "privacy.tagline", "privacy.js")
	form := u.pageHandler("/privacy/request", "request", "privacy.request.title", "privacy.request.tagline", "request.js")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/privacy/request" {
			form.ServeHTTP(w, r)
			return
		}
		center.ServeHTTP(w, r)
	})
}

// Static serves /static/.
func (u *UI) Static() http.Handler {
	sub, _ := fs.Sub(u.fs, "static")
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		if u.cfg.Dir == "" {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		files.ServeHTTP(w, r)
	})
}

// PageData returns what a server-rendered page shows, in one language.
type PageData func(ctx context.Context, lang string) (any, error)

// Algorithms serves the public algorithm register at /algorithms (issue 24 item 2): a page
// rendered on the server in the visitor's language, readable without any script.
func (u *UI) Algorithms(data PageData) http.Handler {
	return u.renderPage("/algorithms", "algorithms", "algorithms.title", "algorithms.tagline", "", data)
}

func (u *UI) pageHandler(path, name, titleKey, taglineKey, script string) http.Handler {
	return u.renderPage(path, name, titleKey, taglineKey, script, nil)
}

func (u *UI) renderPage(path, name, titleKey, taglineKey, script string, data PageData) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if u.cfg.Dir != "" {
			if err := u.load(); err != nil {
				u.cfg.Logger.Error("web: reload", "err", err)
				http.Error(w, "template error", http.StatusInternalServerError)
				return
			}
		}
		lang := pickLang(w, r)
		u.mu.Lock()
		t, cat := u.pages[name], u.cats[lang]
		u.mu.Unlock()
		js, _ := json.Marshal(cat)
		var extra []string
		if script != "" {
			extra, _ = fs.Glob(u.fs, "static/"+name+"-*.js")
		}
		for i, e := range extra {
			extra[i] = strings.TrimPrefix(e, "static/")
		}
		p := page{Lang: lang, OtherLang: other(lang), TitleKey: titleKey, TaglineKey: taglineKey, Script: script, Screens: extra,
			Catalogue: template.JS(js), cat: cat}
		if data != nil {
			d, err := data(r.Context(), lang)
			if err != nil {
				u.cfg.Logger.Error("web: page data", "page", name, "err", err)
				http.Error(w, "the page is not available now", http.StatusServiceUnavailable)
				return
			}
			p.Data = d
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
			u.cfg.Logger.Error("web: render", "page", name, "err", err)
			http.Error(w, "render error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Language", lang)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Vary", "Accept-Language, Cookie")
		buf.WriteTo(w)
	})
}

// securityHeaders: no inline script, nothing framed, nothing leaked in Referer.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

const langCookie = "steward_lang"

// pickLang: ?lang=, then the remembered cookie, then Accept-Language, then English. An
// explicit choice is remembered.
func pickLang(w http.ResponseWriter, r *http.Request) string {
	if l, ok := match(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := match(c.Value); ok {
			return l
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if l, ok := match(tag); ok {
			return l
		}
	}
	return Languages[0]
}

func match(tag string) (string, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == "":
		return "", false
	case strings.HasPrefix(tag, "zh"):
		return "zh-CN", true
	case strings.HasPrefix(tag, "en"):
		return "en", true
	}
	return "", false
}

func other(lang string) string {
	if lang == "zh-CN" {
		return "en"
	}
	return "zh-CN"
}

// SDK serves /sdk/steward.js, the consent SDK shops embed in their pages (any origin).
func (u *UI) SDK() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(u.fs, "sdk/steward.js")
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(b)
	})
}
