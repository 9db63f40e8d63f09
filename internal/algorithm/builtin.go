package algorithm

import (
	"fmt"
	"strings"

	"github.com/stewardhq/steward/internal/manifest"
)

// ProfileTags describes the profile engine's model and statistical tags, one algorithm
// each (rule tags are plain conditions a person can read in their explanation). The
// manifest or the operator who defined a tag wrote its label and explanation; the rest
// follows from its definition.
func ProfileTags(tags []manifest.Tag) []Algorithm {
	var out []Algorithm
	for _, t := range tags {
		if t.Kind != manifest.TagModel && t.Kind != manifest.TagStatistical {
			continue
		}
		a := Algorithm{ID: "tag." + strings.ToLower(t.Name), Kind: Profiling, Purpose: t.Purpose, Owner: "steward/profile",
			Name:   Text{EN: "Tag: " + or(t.Label["en"], t.Name), ZH: "标签：" + or(t.Label["zh-CN"], t.Name)},
			Intent: Text{EN: or(t.Explain["en"], "Tags people for "+t.Purpose+"."), ZH: or(t.Explain["zh-CN"], "为"+t.Purpose+"给顾客打标签。")},
			OptOut: Text{
				EN: "See this tag and delete it in the privacy center (it is never computed for you again), withdraw consent to its purpose, or turn personalisation off.",
				ZH: "您可以在隐私中心查看并删除此标签（之后不会再为您计算），撤回对其用途的同意，或关闭个性化。"},
		}
		switch t.Kind {
		case manifest.TagModel:
			var terms []string
			for _, f := range t.Model.Features {
				terms = append(terms, fmt.Sprintf("%s × %g", f.Term, f.Weight))
			}
			a.Mechanism = Text{
				EN: fmt.Sprintf("A logistic scoring model: score = 1/(1+e^-(%g + %s)); the tag applies from a score of %g. Recomputed every %s; a value lives %s.",
					t.Model.Intercept, strings.Join(terms, " + "), t.Model.Threshold, t.Refresh, t.TTL),
				ZH: fmt.Sprintf("逻辑回归评分模型：得分 = 1/(1+e^-(%g + %s))；得分达到 %g 时打上此标签。每 %s 重新计算一次，结果保留 %s。",
					t.Model.Intercept, strings.Join(terms, " + "), t.Model.Threshold, t.Refresh, t.TTL)}
			a.Principles = Text{
				EN: "Declared weights anyone can review; only the counts listed as inputs; never sensitive categories; a person may delete the tag and it stays deleted.",
				ZH: "权重公开可审查；只使用列出的计数；从不使用敏感个人信息；个人可以删除此标签，删除后不再恢复。"}
		default:
			a.Mechanism = Text{
				EN: fmt.Sprintf("People whose %s is at or above the %g quantile among those for whom it is positive. Recomputed every %s; a value lives %s.", t.Measure, t.Quantile, t.Refresh, t.TTL),
				ZH: fmt.Sprintf("在 %s 大于零的顾客中，位于 %g 分位及以上的顾客。每 %s 重新计算一次，结果保留 %s。", t.Measure, t.Quantile, t.Refresh, t.TTL)}
			a.Principles = Text{
				EN: "A rank among all customers, not a judgement of one; only the measure listed; never sensitive categories; a person may delete the tag and it stays deleted.",
				ZH: "在全部顾客中的排名，而非对个人的评判；只使用列出的度量；从不使用敏感个人信息；个人可以删除此标签，删除后不再恢复。"}
		}
		for _, c := range t.Categories {
			a.Inputs = append(a.Inputs, Input{Category: c, What: Text{EN: "counts and sums over time windows, as the definition says", ZH: "按定义在时间窗口内的次数和金额"}})
		}
		out = append(out, a)
	}
	return out
}

func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
