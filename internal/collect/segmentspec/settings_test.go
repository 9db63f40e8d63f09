package segmentspec_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// cdnSettings is the part of analytics-next's CDNSettings that decides where
// events go and what else gets loaded (packages/browser/src/browser/settings.ts,
// plugins/segmentio/index.ts, browser/index.ts, core/stats/remote-metrics.ts).
type cdnSettings struct {
	Integrations map[string]struct {
		APIKey             string `json:"apiKey"`
		APIHost            string `json:"apiHost"`
		Protocol           string `json:"protocol"`
		AddBundledMetadata *bool  `json:"addBundledMetadata"`
		RetryQueue         *bool  `json:"retryQueue"`
		DeliveryStrategy   any    `json:"deliveryStrategy"`
		BundlingStatus     string `json:"bundlingStatus"`
	} `json:"integrations"`
	MiddlewareSettings struct {
		RoutingRules []any `json:"routingRules"`
	} `json:"middlewareSettings"`
	EnabledMiddleware         map[string]bool `json:"enabledMiddleware"`
	RemotePlugins             []any           `json:"remotePlugins"`
	LegacyVideoPluginsEnabled bool            `json:"legacyVideoPluginsEnabled"`
	AnalyticsNextEnabled      bool            `json:"analyticsNextEnabled"`
	EdgeFunction              map[string]any  `json:"edgeFunction"`
	Metrics                   struct {
		SampleRate *float64 `json:"sampleRate"`
		Host       string   `json:"host"`
		Protocol   string   `json:"protocol"`
	} `json:"metrics"`
	Plan map[string]map[string]struct {
		Enabled bool `json:"enabled"`
	} `json:"plan"`
}

func TestBrowserSettings(t *testing.T) {
	tests := []struct {
		apiURL, host, protocol string
	}{
		{"http://127.0.0.1:8080/v1", "127.0.0.1:8080/v1", "http"},
		{"https://steward.example.cn/v1/", "steward.example.cn/v1", "https"},
		{"https://events.example.com", "events.example.com", "https"},
		{"https://[::1]:8443/collect/v1", "[::1]:8443/collect/v1", "https"},
	}
	for _, tt := range tests {
		t.Run(tt.apiURL, func(t *testing.T) {
			raw, err := segmentspec.BrowserSettings("wk_web_77aa", tt.apiURL)
			if err != nil {
				t.Fatal(err)
			}
			var s cdnSettings
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatalf("settings are not JSON: %v", err)
			}
			// One integration only: more makes analytics-next load device-mode
			// destinations from Segment's CDN.
			if len(s.Integrations) != 1 {
				t.Fatalf("integrations = %v, want Segment.io alone", s.Integrations)
			}
			sio, ok := s.Integrations["Segment.io"]
			if !ok {
				t.Fatal("no Segment.io integration")
			}
			if sio.APIKey != "wk_web_77aa" || sio.APIHost != tt.host || sio.Protocol != tt.protocol {
				t.Errorf("Segment.io = %+v, want apiKey wk_web_77aa, apiHost %s, protocol %s", sio, tt.host, tt.protocol)
			}
			if sio.AddBundledMetadata == nil || *sio.AddBundledMetadata {
				t.Error("addBundledMetadata must be false: no _metadata on events")
			}
			if sio.RetryQueue == nil || !*sio.RetryQueue {
				t.Error("retryQueue must be true: offline events are kept and resent")
			}
			if sio.DeliveryStrategy != nil {
				t.Error("deliveryStrategy set: batching in some versions ignores protocol and posts https")
			}
			if len(s.RemotePlugins) != 0 || len(s.MiddlewareSettings.RoutingRules) != 0 || s.LegacyVideoPluginsEnabled {
				t.Error("settings would load third-party code")
			}
			for name, on := range s.EnabledMiddleware {
				if on {
					t.Errorf("middleware %s enabled", name)
				}
			}
			if s.Metrics.SampleRate == nil || *s.Metrics.SampleRate != 0 || s.Metrics.Host != tt.host || s.Metrics.Protocol != tt.protocol {
				t.Errorf("metrics = %+v: analytics-next reports to api.segment.io unless sampleRate is 0", s.Metrics)
			}
			if !s.AnalyticsNextEnabled || s.EdgeFunction == nil || len(s.EdgeFunction) != 0 {
				t.Errorf("analyticsNextEnabled %v, edgeFunction %v", s.AnalyticsNextEnabled, s.EdgeFunction)
			}
			for _, kind := range []string{"track", "identify", "group"} {
				if !s.Plan[kind]["__default"].Enabled {
					t.Errorf("plan.%s.__default not enabled", kind)
				}
			}
		})
	}
}

func TestBrowserSettingsRefuses(t *testing.T) {
	tests := []struct{ name, key, apiURL string }{
		{"empty key", "", "https://e.example/v1"},
		{"key with space", "wk 1", "https://e.example/v1"},
		{"no scheme", "wk_1", "e.example/v1"},
		{"ftp", "wk_1", "ftp://e.example/v1"},
		{"no host", "wk_1", "https:///v1"},
		{"user info", "wk_1", "https://u:p@e.example/v1"},
		{"query", "wk_1", "https://e.example/v1?x=1"},
		{"fragment", "wk_1", "https://e.example/v1#x"},
		{"unparsable", "wk_1", "https://e.example/%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segmentspec.BrowserSettings(tt.key, tt.apiURL)
			if !errors.Is(err, segmentspec.ErrInvalidSettings) {
				t.Errorf("err = %v, want ErrInvalidSettings", err)
			}
		})
	}
}
