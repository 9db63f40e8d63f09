package server

import (
	"strconv"

	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/algorithm"
	"github.com/stewardhq/steward/internal/anonexport"
	"github.com/stewardhq/steward/internal/anonymise"
	"github.com/stewardhq/steward/internal/assessment"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/cleanroom"
	"github.com/stewardhq/steward/internal/cleanroom/room"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/equity"
	"github.com/stewardhq/steward/internal/incident"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/pricing"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/signin"
	"github.com/stewardhq/steward/internal/transfer"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/store"
)

// Error codes of the JSON envelope. They are part of the API contract.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalidJSON      = "invalid_json"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeTooLarge         = "payload_too_large"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeRateLimited      = "rate_limited"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

// Error is an error with an HTTP status and envelope code. Handlers return it for
// input problems; anything else becomes a 500 without details.
type Error struct {
	Status  int
	Code    string
	Message string
	// Details, when set, is the envelope's "details" object: what a client needs to act on
	// the error (e.g. a privacy budget's amounts).
	Details any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

type envelope struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details any    `json:"details,omitempty"`
	} `json:"error"`
}

// Error codes of the domain APIs.
const (
	CodeInvalidDefinition = "invalid_definition"
	CodeAudienceTooSmall  = "audience_too_small"
	// CodeInsufficientPoints: a purchase asks for more privacy points than the person holds.
	CodeInsufficientPoints = "insufficient_points"
	CodeInvalidManifest    = "invalid_manifest"
	// CodeModelNotMet: the privacy models of an anonymised export cannot be met within
	// its suppression limit; the message names the model.
	CodeModelNotMet = "privacy_model_not_met"
	// CodeNoOneToExport: nobody's state lets the export's purpose read them.
	CodeNoOneToExport = "no_one_to_export"
	// CodePriceRuleRefused: a price rule would treat people unfairly; the message names
	// the factor.
	CodePriceRuleRefused = "price_rule_refused"
	// CodeInvalidSpec: a report or privacy budget the dp package refuses, naming the field.
	CodeInvalidSpec = "invalid_spec"
	// CodePrivacyBudgetExhausted: the release would spend more than its budget has left;
	// details holds the amounts (cost, spent, limit, remaining).
	CodePrivacyBudgetExhausted = "privacy_budget_exhausted"
	// CodeTransferRefused: a transfer abroad without a valid mechanism, past what it
	// covers this year, or with nobody's separate consent (issue 26).
	CodeTransferRefused = "transfer_refused"
	// CodeAssessmentRequired: a manifest adds or changes a purpose that needs an approved
	// impact assessment (PIPL Art. 55); the message names the purposes and fingerprints.
	CodeAssessmentRequired = "assessment_required"
	// CodeIncomplete: an incident notice lacks what PIPL Art. 57 requires.
	CodeIncomplete = "incomplete"
	// CodeNotApproved: a clean-room protocol message for a job not approved on both sides.
	CodeNotApproved = "not_approved"
	// CodeRefusedMessage: a clean-room protocol message that does not follow the
	// transcript, comes out of order or again, or names another job.
	CodeRefusedMessage = "refused_message"
)

// domainErrors maps the domain packages' sentinel errors to statuses and envelope codes:
// the one place where domain errors meet HTTP. The message is the error's own text (domain
// messages name the operation and never carry personal data).
var domainErrors = []struct {
	err    error
	status int
	code   string
}{
	{auth.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{auth.ErrScopeNotAllowed, http.StatusBadRequest, CodeBadRequest},
	{auth.ErrBeyondIssuer, http.StatusForbidden, CodeForbidden},
	{collect.ErrDecided, http.StatusConflict, CodeConflict},
	{collect.ErrLinkGone, http.StatusConflict, CodeConflict},
	{store.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{regime.ErrUnknownMoment, http.StatusBadRequest, CodeBadRequest},
	{consent.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{consent.ErrUnknownPurpose, http.StatusBadRequest, CodeBadRequest},
	{consent.ErrNotConsentBased, http.StatusBadRequest, CodeBadRequest},
	{consent.ErrSeparateConsent, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrUnknownType, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrUnknownJurisdiction, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrBadDetails, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrReasonRequired, http.StatusBadRequest, CodeBadRequest}, // before ErrTransition, which it wraps
	{rights.ErrTransition, http.StatusConflict, CodeConflict},
	{rights.ErrMovedMeanwhile, http.StatusConflict, CodeConflict},
	{rights.ErrUnknownOperator, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrNoExtension, http.StatusConflict, CodeConflict},
	{rights.ErrExtensionLate, http.StatusConflict, CodeConflict},
	{rights.ErrAlreadyExtended, http.StatusConflict, CodeConflict},
	{rights.ErrExtensionReason, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrClosed, http.StatusConflict, CodeConflict},
	{rights.ErrBadNote, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrNotVisitor, http.StatusConflict, CodeConflict},
	{rights.ErrVerifyMethod, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrNoCustomer, http.StatusNotFound, CodeNotFound},
	{rights.ErrBadEmail, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrVisitorType, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrTooManyCodes, http.StatusTooManyRequests, CodeRateLimited},
	{rights.ErrWrongCode, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrCodeExpired, http.StatusBadRequest, CodeBadRequest},
	{rights.ErrMailUnavailable, http.StatusServiceUnavailable, CodeUnavailable},
	{rights.ErrNoReport, http.StatusServiceUnavailable, CodeUnavailable},
	{profile.ErrNotReady, http.StatusServiceUnavailable, CodeUnavailable},
	{profile.ErrUnknownPurpose, http.StatusBadRequest, CodeBadRequest},
	{profile.ErrNotPermitted, http.StatusForbidden, CodeForbidden},
	{profile.ErrNoSuchPerson, http.StatusNotFound, CodeNotFound},
	{profile.ErrNoSuchSegment, http.StatusNotFound, CodeNotFound},
	{profile.ErrNotCarried, http.StatusNotFound, CodeNotFound},
	{profile.ErrNotDeletable, http.StatusConflict, CodeConflict},
	{segment.ErrAudienceTooSmall, http.StatusUnprocessableEntity, CodeAudienceTooSmall},
	{segment.ErrBelowFloor, http.StatusBadRequest, CodeBadRequest},
	{audit.ErrNoLeaf, http.StatusNotFound, CodeNotFound},
	{audit.ErrBeyondLog, http.StatusBadRequest, CodeBadRequest},
	{access.ErrDenied, http.StatusForbidden, CodeForbidden},
	{equity.ErrNoTiers, http.StatusNotFound, CodeNotFound},
	{equity.ErrNoSubscription, http.StatusNotFound, CodeNotFound},
	{equity.ErrUnknownTier, http.StatusBadRequest, CodeBadRequest},
	{equity.ErrMonths, http.StatusBadRequest, CodeBadRequest},
	{equity.ErrPaymentRef, http.StatusBadRequest, CodeBadRequest},
	{equity.ErrInsufficientPoints, http.StatusConflict, CodeInsufficientPoints},
	{anonexport.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{anonexport.ErrPurpose, http.StatusForbidden, CodeForbidden},
	{anonexport.ErrNoPeople, http.StatusUnprocessableEntity, CodeNoOneToExport},
	{anonexport.ErrChanged, http.StatusConflict, CodeConflict},
	{anonymise.ErrUnsatisfiable, http.StatusUnprocessableEntity, CodeModelNotMet},
	{anonymise.ErrTooLarge, http.StatusBadRequest, CodeBadRequest},
	{anonymise.ErrHierarchy, http.StatusBadRequest, CodeBadRequest},
	{anonymise.ErrConfig, http.StatusBadRequest, CodeBadRequest},
	{pricing.ErrUnfair, http.StatusBadRequest, CodePriceRuleRefused},
	{pricing.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{pricing.ErrNoSuchRule, http.StatusNotFound, CodeNotFound},
	{algorithm.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{algorithm.ErrDescribedByCode, http.StatusConflict, CodeConflict},
	{algorithm.ErrNotFound, http.StatusNotFound, CodeNotFound},
	{signin.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{signin.ErrUnknownOperator, http.StatusForbidden, CodeForbidden},
	{campaign.ErrNotFound, http.StatusNotFound, CodeNotFound},
	{campaign.ErrNoChannel, http.StatusConflict, CodeConflict},
	{campaign.ErrNotActive, http.StatusConflict, CodeConflict},
	{campaign.ErrNoDP, http.StatusServiceUnavailable, CodeUnavailable},
	{dp.ErrBudgetExhausted, http.StatusConflict, CodePrivacyBudgetExhausted},
	{dp.ErrInvalidSpec, http.StatusBadRequest, CodeInvalidSpec},
	{dp.ErrUnknownBudget, http.StatusNotFound, CodeNotFound},
	{dp.ErrBudgetExists, http.StatusConflict, CodeConflict},
	{dp.ErrUnknownRelease, http.StatusNotFound, CodeNotFound},
	{dp.ErrSourceUnavailable, http.StatusServiceUnavailable, CodeUnavailable},
	{anonexport.ErrNoTransferCheck, http.StatusServiceUnavailable, CodeUnavailable},
	{profile.ErrNoTransferCheck, http.StatusServiceUnavailable, CodeUnavailable},
	{transfer.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{transfer.ErrUnknownRecipient, http.StatusBadRequest, CodeBadRequest},
	{transfer.ErrNoMechanism, http.StatusForbidden, CodeTransferRefused},
	{transfer.ErrThreshold, http.StatusForbidden, CodeTransferRefused},
	{transfer.ErrNoConsent, http.StatusForbidden, CodeTransferRefused},
	{assessment.ErrRequired, http.StatusConflict, CodeAssessmentRequired},
	{assessment.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{assessment.ErrStep, http.StatusConflict, CodeConflict},
	{assessment.ErrSamePerson, http.StatusForbidden, CodeForbidden},
	{incident.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{incident.ErrIncomplete, http.StatusUnprocessableEntity, CodeIncomplete},
	// The clean room (issue 22). Partner calls: authentication first (a malformed header is
	// an unauthenticated call, not a bad request), then the jobs' own refusals.
	{room.ErrUnauthenticated, http.StatusUnauthorized, CodeUnauthorized},
	{room.ErrForbidden, http.StatusForbidden, CodeForbidden},
	{room.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
	{room.ErrUnknownPartner, http.StatusNotFound, CodeNotFound},
	{room.ErrUnknownJob, http.StatusNotFound, CodeNotFound},
	{room.ErrPartnerInactive, http.StatusConflict, CodeConflict},
	{room.ErrUnreachable, http.StatusBadGateway, CodeUnavailable},
	{room.ErrNotApproved, http.StatusConflict, CodeNotApproved},
	{room.ErrNotRunning, http.StatusConflict, CodeConflict},
	{room.ErrNoSegments, http.StatusServiceUnavailable, CodeUnavailable},
	{cleanroom.ErrTransition, http.StatusConflict, CodeConflict},
	{cleanroom.ErrTranscript, http.StatusConflict, CodeRefusedMessage},
	{cleanroom.ErrUnexpected, http.StatusConflict, CodeRefusedMessage},
	{cleanroom.ErrWrongJob, http.StatusConflict, CodeRefusedMessage},
	{cleanroom.ErrMalformed, http.StatusBadRequest, CodeBadRequest},
	{cleanroom.ErrConfig, http.StatusBadRequest, CodeBadRequest},
	{partner.ErrMalformed, http.StatusBadRequest, CodeBadRequest},
	{partner.ErrURL, http.StatusBadRequest, CodeBadRequest},
	{partner.ErrExpired, http.StatusBadRequest, CodeBadRequest},
	{partner.ErrSelfPairing, http.StatusBadRequest, CodeBadRequest},
	{partner.ErrStale, http.StatusForbidden, CodeForbidden},
	{partner.ErrBadAcceptance, http.StatusForbidden, CodeForbidden},
	{partner.ErrStatus, http.StatusConflict, CodeConflict},
}

// locatedError is one manifest (or definition) mistake with its place.
type locatedError struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
	// Pointer is the JSON pointer of a definition's mistake (campaigns and journeys).
	Pointer string `json:"pointer,omitempty"`
}

// writeError maps err to a status and writes the envelope. It is the only place where
// domain errors meet HTTP statuses.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	var mbe *http.MaxBytesError
	var el *manifest.ErrorList
	var de *profile.DefinitionError
	var se *campaign.SpecError
	var ex *dp.BudgetExhaustedError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &ex):
		e = exhausted(ex)
	case errors.As(err, &mbe):
		e = Errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body exceeds %d bytes", mbe.Limit)
	case errors.Is(err, auth.ErrUnauthenticated):
		e = Errorf(http.StatusUnauthorized, CodeUnauthorized, "missing, unknown, expired or revoked credentials")
	case errors.As(err, &el):
		// A refused manifest lists every mistake with its place; nothing was changed.
		env := struct {
			Error struct {
				Code    string         `json:"code"`
				Message string         `json:"message"`
				Errors  []locatedError `json:"errors"`
			} `json:"error"`
		}{}
		env.Error.Code = CodeInvalidManifest
		env.Error.Message = strconv.Itoa(len(el.Errors)) + " errors in the manifest; nothing was changed"
		for _, me := range el.Errors {
			env.Error.Errors = append(env.Error.Errors, locatedError{Line: me.Line, Column: me.Col, Message: me.Msg})
		}
		writeJSON(w, http.StatusBadRequest, env)
		return
	case errors.As(err, &de):
		e = Errorf(http.StatusBadRequest, CodeInvalidDefinition, "%s", de.Error())
	case errors.As(err, &se):
		// A refused campaign or journey definition: where (line:column when the JSON itself
		// is at fault, and the JSON pointer) and what is wrong.
		env := struct {
			Error struct {
				Code    string         `json:"code"`
				Message string         `json:"message"`
				Errors  []locatedError `json:"errors"`
			} `json:"error"`
		}{}
		env.Error.Code, env.Error.Message = CodeInvalidDefinition, se.Error()
		ptr := se.Pointer
		if ptr == "" {
			ptr = "/"
		}
		env.Error.Errors = []locatedError{{Line: se.Line, Column: se.Column, Message: se.Reason, Pointer: ptr}}
		writeJSON(w, http.StatusBadRequest, env)
		return
	case errors.Is(err, store.ErrNotFound):
		e = Errorf(http.StatusNotFound, CodeNotFound, "no such resource")
	case errors.Is(err, store.ErrConflict):
		e = Errorf(http.StatusConflict, CodeConflict, "a resource with the same unique name already exists")
	default:
		for _, d := range domainErrors {
			if errors.Is(err, d.err) {
				e = Errorf(d.status, d.code, "%s", err.Error())
				break
			}
		}
		if e == nil {
			logger(r).Error("request failed", "err", err)
			e = Errorf(http.StatusInternalServerError, CodeInternal, "internal error; see the server log for request id %s", requestID(r))
		}
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="steward"`)
	}
	var env envelope
	env.Error.Code, env.Error.Message, env.Error.Details = e.Code, e.Message, e.Details
	writeJSON(w, e.Status, env)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decodeJSON reads one JSON object from the body into dst. It insists on a JSON content
// type (415 otherwise), rejects unknown fields and trailing data (400), and relies on the
// route's MaxBytesReader for size (413).
func decodeJSON(r *http.Request, dst any) error {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	if mt = strings.TrimSpace(strings.ToLower(mt)); mt != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type must be application/json, got %q", mt)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "body must hold exactly one JSON object")
	}
	return checkBodyText(dst)
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a value"
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &syn):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		// JSON's names for types, never Go's (they would leak the server's internals).
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "field %q must be %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "body is empty or truncated")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "%s", strings.TrimPrefix(err.Error(), "json: "))
	default:
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "invalid JSON body")
	}
}
