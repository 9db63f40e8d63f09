package segmentspec

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrInvalidSettings is wrapped by BrowserSettings when its inputs cannot make
// a working document.
var ErrInvalidSettings = errors.New("invalid browser settings")

// BrowserSettings returns the source settings document that
// @segment/analytics-next (1.84.x) fetches from
// GET {cdnURL}/v1/projects/{writeKey}/settings before it sends anything.
// apiURL is the absolute URL the single-letter endpoints live under, such as
// "https://steward.example.com/v1": the browser will post to {apiURL}/t,
// {apiURL}/p and so on.
//
// The document is built from what analytics-next reads (CDNSettings in
// packages/browser/src/browser/settings.ts and the Segment.io plugin):
//
//   - integrations holds "Segment.io" alone, so no device-mode destination is
//     fetched from Segment's CDN; its apiKey is the write key, apiHost is
//     apiURL without the scheme, protocol is the scheme. addBundledMetadata
//     is false, so events carry no _metadata we would only discard.
//   - remotePlugins is empty and middlewareSettings has no routing rules, so
//     no third-party code is loaded.
//   - metrics.sampleRate is 0, and metrics.host and protocol point at us:
//     analytics-next otherwise reports usage metrics to api.segment.io, which
//     would tell a third party about our visitors.
//   - edgeFunction, plan and the remaining flags take the values Segment's own
//     CDN serves for a plain source.
func BrowserSettings(writeKey, apiURL string) ([]byte, error) {
	if writeKey == "" || !wellFormedWriteKey(writeKey) {
		return nil, fmt.Errorf("browser settings: write key is malformed: %w", ErrInvalidSettings)
	}
	u, err := url.Parse(apiURL)
	if err != nil {
		return nil, fmt.Errorf("browser settings: parse api url: %w", errors.Join(ErrInvalidSettings, err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("browser settings: api url scheme must be http or https: %w", ErrInvalidSettings)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("browser settings: api url must be scheme://host[:port][/path] only: %w", ErrInvalidSettings)
	}
	apiHost := u.Host + strings.TrimRight(u.EscapedPath(), "/")

	doc := settingsDocument{
		Integrations: map[string]segmentIOSettings{
			"Segment.io": {
				APIKey:                writeKey,
				APIHost:               apiHost,
				Protocol:              u.Scheme,
				UnbundledIntegrations: []string{},
				AddBundledMetadata:    false,
				MaybeBundledConfigIDs: map[string][]string{},
				RetryQueue:            true,
				VersionSettings:       versionSettings{ComponentTypes: []string{"browser"}},
			},
		},
		Plan: planSettings{
			Track:    map[string]planEvent{"__default": {Enabled: true, Integrations: map[string]bool{}}},
			Identify: map[string]planEvent{"__default": {Enabled: true}},
			Group:    map[string]planEvent{"__default": {Enabled: true}},
		},
		EdgeFunction:              struct{}{},
		AnalyticsNextEnabled:      true,
		MiddlewareSettings:        struct{}{},
		EnabledMiddleware:         map[string]bool{},
		Metrics:                   metricsSettings{SampleRate: 0, Host: apiHost, Protocol: u.Scheme},
		LegacyVideoPluginsEnabled: false,
		RemotePlugins:             []struct{}{},
	}
	return json.Marshal(doc)
}

type settingsDocument struct {
	Integrations              map[string]segmentIOSettings `json:"integrations"`
	Plan                      planSettings                 `json:"plan"`
	EdgeFunction              struct{}                     `json:"edgeFunction"`
	AnalyticsNextEnabled      bool                         `json:"analyticsNextEnabled"`
	MiddlewareSettings        struct{}                     `json:"middlewareSettings"`
	EnabledMiddleware         map[string]bool              `json:"enabledMiddleware"`
	Metrics                   metricsSettings              `json:"metrics"`
	LegacyVideoPluginsEnabled bool                         `json:"legacyVideoPluginsEnabled"`
	RemotePlugins             []struct{}                   `json:"remotePlugins"`
}

type segmentIOSettings struct {
	APIKey                string              `json:"apiKey"`
	APIHost               string              `json:"apiHost"`
	Protocol              string              `json:"protocol"`
	UnbundledIntegrations []string            `json:"unbundledIntegrations"`
	AddBundledMetadata    bool                `json:"addBundledMetadata"`
	MaybeBundledConfigIDs map[string][]string `json:"maybeBundledConfigIds"`
	RetryQueue            bool                `json:"retryQueue"`
	VersionSettings       versionSettings     `json:"versionSettings"`
}

type versionSettings struct {
	ComponentTypes []string `json:"componentTypes"`
}

type planSettings struct {
	Track    map[string]planEvent `json:"track"`
	Identify map[string]planEvent `json:"identify"`
	Group    map[string]planEvent `json:"group"`
}

type planEvent struct {
	Enabled      bool            `json:"enabled"`
	Integrations map[string]bool `json:"integrations,omitzero"`
}

type metricsSettings struct {
	SampleRate float64 `json:"sampleRate"`
	Host       string  `json:"host"`
	Protocol   string  `json:"protocol"`
}
