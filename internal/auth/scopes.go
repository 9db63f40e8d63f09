package auth

import (
	"fmt"
	"slices"
	"sort"
)

// Scope names one permission an API route requires.
type Scope string

// The scopes every /api/v1 route declares one of. They are grouped by capability; "read"
// scopes never change state.
const (
	ScopeOperatorsRead  Scope = "operators:read"
	ScopeOperatorsWrite Scope = "operators:write"
	ScopeTokensWrite    Scope = "tokens:write"
	ScopeSourcesRead    Scope = "sources:read"
	ScopeSourcesWrite   Scope = "sources:write"
	ScopeManifestRead   Scope = "manifest:read"
	ScopeManifestWrite  Scope = "manifest:write"
	ScopeConsentRead    Scope = "consent:read"
	ScopeConsentWrite   Scope = "consent:write"
	ScopeSubjectsRead   Scope = "subjects:read"
	// ScopeIdentitiesWrite decides held links between identified people (merges them).
	ScopeIdentitiesWrite Scope = "identities:write"
	ScopeSessionsWrite   Scope = "sessions:write"
	ScopeProfilesRead    Scope = "profiles:read"
	ScopeTagsRead        Scope = "tags:read"
	ScopeTagsWrite       Scope = "tags:write"
	ScopeSegmentsRead    Scope = "segments:read"
	ScopeSegmentsWrite   Scope = "segments:write"
	ScopeActivationWrite Scope = "activations:write"
	ScopeRightsRead      Scope = "rights:read"
	ScopeRightsWrite     Scope = "rights:write"
	ScopeAuditRead       Scope = "audit:read"
	// ScopeAuditWrite signs a checkpoint on demand (a write to the log's store).
	ScopeAuditWrite  Scope = "audit:write"
	ScopeReportsRead Scope = "reports:read"
	ScopeKeysRotate  Scope = "keys:rotate"
	// ScopeAnonymisedRead lists what an anonymised export may hold and previews one: the
	// risk report, the transformation and the utility, never a value.
	ScopeAnonymisedRead Scope = "anonymised:read"
	// ScopeAnonymisedRelease releases an anonymised export (audited): the privacy
	// officer's call, not the analyst's who asks for it (SD-01: approval for bulk export).
	ScopeAnonymisedRelease Scope = "anonymised:release"
	// ScopeCampaignsRead lists campaigns and journeys with their results; ScopeCampaignsWrite
	// defines, activates and pauses them (issue 19).
	ScopeCampaignsRead  Scope = "campaigns:read"
	ScopeCampaignsWrite Scope = "campaigns:write"
	// ScopeReportsWrite runs differentially private reports (spending a budget);
	// ScopeBudgetsWrite sets budgets: the people spending budget do not set it.
	ScopeReportsWrite Scope = "reports:write"
	ScopeBudgetsWrite Scope = "budgets:write"
	// The clean room (issue 22): cleanroom:read lists partners and jobs with their results;
	// cleanroom:write proposes a job; partners:write invites, accepts and suspends partners
	// and cleanroom:approve approves (or refuses) a job for this side — both the privacy
	// officer's call, not the proposer's (SD-01).
	ScopeCleanRoomRead    Scope = "cleanroom:read"
	ScopeCleanRoomWrite   Scope = "cleanroom:write"
	ScopeCleanRoomApprove Scope = "cleanroom:approve"
	ScopePartnersWrite    Scope = "partners:write"
)

// AllScopes lists every scope, sorted.
var AllScopes = sortedScopes(
	ScopeOperatorsRead, ScopeOperatorsWrite, ScopeTokensWrite, ScopeSourcesRead, ScopeSourcesWrite,
	ScopeManifestRead, ScopeManifestWrite, ScopeConsentRead, ScopeConsentWrite, ScopeSubjectsRead,
	ScopeSessionsWrite, ScopeProfilesRead, ScopeTagsRead, ScopeTagsWrite, ScopeSegmentsRead,
	ScopeSegmentsWrite, ScopeActivationWrite, ScopeRightsRead, ScopeRightsWrite, ScopeAuditRead,
	ScopeReportsRead, ScopeKeysRotate, ScopeIdentitiesWrite, ScopeAuditWrite, ScopeAnonymisedRead, ScopeAnonymisedRelease,
	ScopeCampaignsRead, ScopeCampaignsWrite, ScopeReportsWrite, ScopeBudgetsWrite,
	ScopeCleanRoomRead, ScopeCleanRoomWrite, ScopeCleanRoomApprove, ScopePartnersWrite,
)

// Role is an operator's job; it bounds the scopes of the operator's tokens.
type Role string

// The operator roles. Duties are separated (SD-01): marketers build audiences but cannot
// read identities or audit trails; privacy officers handle rights and the manifest; auditors
// only read.
const (
	RoleAdmin          Role = "admin"
	RoleMarketer       Role = "marketer"
	RoleAnalyst        Role = "analyst"
	RolePrivacyOfficer Role = "privacy_officer"
	RoleAuditor        Role = "auditor"
)

// Roles lists the roles in display order.
var Roles = []Role{RoleAdmin, RoleMarketer, RoleAnalyst, RolePrivacyOfficer, RoleAuditor}

// Differentially private reports: reports:read sees budgets and releases (every role),
// reports:write spends a budget on a new release (analysts, marketers), budgets:write sets
// how much may be spent at all — the privacy officer's call, not the spender's (SD-01).
var roleScopes = map[Role][]Scope{
	RoleAdmin: AllScopes,
	RoleMarketer: sortedScopes(ScopeSourcesRead, ScopeManifestRead, ScopeConsentRead, ScopeProfilesRead,
		ScopeTagsRead, ScopeTagsWrite, ScopeSegmentsRead, ScopeSegmentsWrite, ScopeActivationWrite, ScopeReportsRead,
		ScopeCampaignsRead, ScopeCampaignsWrite, ScopeReportsWrite, ScopeCleanRoomRead, ScopeCleanRoomWrite),
	RoleAnalyst: sortedScopes(ScopeManifestRead, ScopeConsentRead, ScopeTagsRead, ScopeSegmentsRead, ScopeReportsRead,
		ScopeAnonymisedRead, ScopeReportsWrite, ScopeCleanRoomRead, ScopeCleanRoomWrite),
	RolePrivacyOfficer: sortedScopes(ScopeOperatorsRead, ScopeManifestRead, ScopeManifestWrite, ScopeConsentRead,
		ScopeConsentWrite, ScopeSubjectsRead, ScopeIdentitiesWrite, ScopeSessionsWrite, ScopeRightsRead, ScopeRightsWrite, ScopeAuditRead,
		ScopeAuditWrite, ScopeReportsRead, ScopeTagsRead, ScopeSegmentsRead, ScopeAnonymisedRead, ScopeAnonymisedRelease, ScopeBudgetsWrite,
		ScopeCleanRoomRead, ScopeCleanRoomApprove, ScopePartnersWrite),
	RoleAuditor: sortedScopes(ScopeOperatorsRead, ScopeManifestRead, ScopeConsentRead, ScopeRightsRead,
		ScopeAuditRead, ScopeReportsRead, ScopeCleanRoomRead),
}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if _, ok := roleScopes[r]; !ok {
		return "", fmt.Errorf("parse role: unknown role %q (want one of admin, marketer, analyst, privacy_officer, auditor)", s)
	}
	return r, nil
}

// Scopes returns the scopes a role grants, sorted. The slice must not be modified.
func (r Role) Scopes() []Scope { return roleScopes[r] }

// Grants reports whether the role includes scope s.
func (r Role) Grants(s Scope) bool {
	_, ok := slices.BinarySearch(roleScopes[r], s)
	return ok
}

// ParseScopes validates scope names.
func ParseScopes(names []string) ([]Scope, error) {
	out := make([]Scope, 0, len(names))
	for _, n := range names {
		s := Scope(n)
		if _, ok := slices.BinarySearch(AllScopes, s); !ok {
			return nil, fmt.Errorf("parse scopes: unknown scope %q", n)
		}
		out = append(out, s)
	}
	return sortedScopes(out...), nil
}

func sortedScopes(s ...Scope) []Scope {
	out := slices.Clone(s)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return slices.Compact(out)
}
