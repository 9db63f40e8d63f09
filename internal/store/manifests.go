package store

import (
	"context"
	"time"
)

// ManifestVersion is one stored version of the privacy manifest.
type ManifestVersion struct {
	Seq       int64
	Hash      string
	YAML      []byte
	Actor     string
	CreatedAt time.Time
}

// Manifests keeps every manifest version; the highest Seq is in force.
type Manifests interface {
	// AddManifestVersion stores a version and returns its Seq.
	AddManifestVersion(ctx context.Context, v ManifestVersion) (int64, error)
	// ManifestVersions lists versions newest first, without their YAML.
	ManifestVersions(ctx context.Context) ([]ManifestVersion, error)
	// ManifestVersion returns one version with its YAML (ErrNotFound if none).
	ManifestVersion(ctx context.Context, seq int64) (ManifestVersion, error)
	// LatestManifestVersion returns the version in force (ErrNotFound if none yet).
	LatestManifestVersion(ctx context.Context) (ManifestVersion, error)
}
