package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/web"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	keys := map[string][]string{}
	for _, l := range web.Languages {
		// A language's catalogue is its base file and its per-screen parts.
		parts, _ := filepath.Glob("i18n/" + l + ".*.json")
		m := map[string]string{}
		for _, name := range append([]string{"i18n/" + l + ".json"}, parts...) {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", l, k)
			}
			keys[l] = append(keys[l], k)
		}
		sort.Strings(keys[l])
	}
	if strings.Join(keys["en"], ",") != strings.Join(keys["zh-CN"], ",") {
		t.Fatalf("catalogues differ:\nen:    %v\nzh-CN: %v", keys["en"], keys["zh-CN"])
	}
	// Every key a template or script uses exists.
	used := map[string]bool{}
	for _, dir := range []string{"templates", "static"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, _ := os.ReadFile(dir + "/" + e.Name())
			for _, part := range strings.Split(string(b), `"`) {
				if strings.HasPrefix(part, "console.") || strings.HasPrefix(part, "privacy.") || strings.HasPrefix(part, "lang.") {
					if !strings.ContainsAny(part, " /+") && !strings.HasSuffix(part, ".") && !strings.HasSuffix(part, ".js") {
						used[part] = true
					}
				}
			}
		}
	}
	have := map[string]bool{}
	for _, k := range keys["en"] {
		have[k] = true
	}
	for k := range used {
		if !have[k] {
			t.Errorf("%s is used but not in the catalogues", k)
		}
	}
}

func TestPagesLanguagesAndHeaders(t *testing.T) {
	ui, err := web.New(web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", ui.Console())
	mux.Handle("/privacy/", ui.Privacy())
	mux.Handle("/static/", ui.Static())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path, acceptLang string, cookie *http.Cookie) (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if acceptLang != "" {
			req.Header.Set("Accept-Language", acceptLang)
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, body := get("/console/", "zh-CN,zh;q=0.9,en;q=0.5", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "<h1 id=\"title\">Steward 控制台</h1>") || !strings.Contains(body, `lang="zh-CN"`) {
		t.Fatalf("zh console: %d\n%s", res.StatusCode, body)
	}
	if strings.Contains(body, "Sign in") {
		t.Fatal("mixed-language page: English string on the Chinese console")
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers: %v", res.Header)
	}
	res, body = get("/privacy/?lang=en", "zh-CN", nil)
	if !strings.Contains(body, "<h1 id=\"title\">My privacy</h1>") || strings.Contains(body, "我的隐私") {
		t.Fatalf("?lang=en privacy: %s", body)
	}
	var remembered *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "steward_lang" {
			remembered = c
		}
	}
	if remembered == nil || remembered.Value != "en" {
		t.Fatalf("choice not remembered: %v", res.Cookies())
	}
	if _, body = get("/privacy/", "zh-CN", remembered); !strings.Contains(body, "My privacy") {
		t.Fatal("remembered language ignored")
	}
	if res, _ := get("/console/nope", "", nil); res.StatusCode != 404 {
		t.Fatalf("unknown page: %d", res.StatusCode)
	}
	if res, body := get("/static/console.js", "", nil); res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "javascript") || !strings.Contains(body, "whoami") {
		t.Fatalf("static: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := get("/static/", "", nil); res.StatusCode != 404 {
		t.Fatalf("static listing: %d", res.StatusCode)
	}
}

// The console builds some keys from the server's vocabulary (exclusion reasons); each must
// be in both catalogues, or the page would show a raw key.
func TestServerVocabularyIsTranslated(t *testing.T) {
	for _, l := range web.Languages {
		// A language's catalogue is its base file and its per-screen parts.
		parts, _ := filepath.Glob("i18n/" + l + ".*.json")
		m := map[string]string{}
		for _, name := range append([]string{"i18n/" + l + ".json"}, parts...) {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range []string{segment.ReasonPersonalisationOff, segment.ReasonObjection, segment.ReasonMinor, segment.ReasonNotAllowed} {
			if m["console.segments.reason."+r] == "" {
				t.Errorf("%s: no text for exclusion reason %q", l, r)
			}
		}
	}
}
