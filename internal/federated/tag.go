package federated

import (
	"fmt"

	"github.com/stewardhq/steward/internal/manifest"
)

// ModelTag returns the manifest model tag that applies a joint model's scores: one
// feature, trait(trait), weight 1, intercept 0, so the profile engine's score
// 1/(1+e^−trait) is the joint model's probability when the trait holds the logit that
// Guest.Score returned. The tag's purpose and categories are the run's: what the joint
// model was trained and scored for, and what it infers.
func ModelTag(name, trait, purpose string, categories []string, threshold float64) manifest.Tag {
	return manifest.Tag{Name: name, Kind: manifest.TagModel, Purpose: purpose, Categories: categories,
		Model: &manifest.Model{Features: []manifest.Feature{{Term: fmt.Sprintf("trait(%q)", trait), Weight: 1}}, Threshold: threshold},
		TTL:   "30d", Refresh: "1d", UserVisible: true, Deletable: true,
		Explain: map[string]string{"en": "Scored by a model trained jointly with a partner; neither saw the other's data."}}
}
