package rights

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// Requests from people without an account (issue 18 item 4; CCPA §1798.130(a)(1): at least
// two methods, one of them not requiring an account; PIPL Art. 50: a convenient way). A
// visitor gives an email address and what they ask; a six-digit code goes to that address;
// the request is filed only when the code comes back. The flow is the same for every
// address — a customer's or a stranger's — so it tells nobody who is a customer: whether
// the address belongs to one is for an operator to find out (VerifyIdentity). The store
// keeps keyed hashes of the address and the code, never either; the address itself is
// sealed into the request under a key of its own. Codes expire after 15 minutes and die
// after five wrong tries; an address gets at most three codes an hour.

// Limits of the visitor flow.
const (
	CodeTTL         = 15 * time.Minute
	CodeAttempts    = 5
	CodesPerHour    = 3
	challengePrefix = "rc_"
)

// Errors of the visitor flow.
var (
	// ErrBadEmail: the address is not one.
	ErrBadEmail = errors.New("rights: that is not an email address")
	// ErrVisitorType: this kind of request is not filed through the public form.
	ErrVisitorType = errors.New("rights: this request type is not available without an account")
	// ErrTooManyCodes: the address asked for too many codes this hour.
	ErrTooManyCodes = errors.New("rights: too many codes were sent to this address; try again in an hour")
	// ErrWrongCode: the code does not match (attempts remain).
	ErrWrongCode = errors.New("rights: the code is wrong")
	// ErrCodeExpired: the code expired, was used, or had too many wrong tries.
	ErrCodeExpired = errors.New("rights: the code has expired or was used; ask for a new one")
	// ErrMailUnavailable: no mail could be sent (not configured, or the server refused).
	ErrMailUnavailable = errors.New("rights: the code could not be sent; try again later")
)

// visitorTypes are what the public form files: everything but a withdrawal, which names a
// purpose a signed-in person withdraws themselves in one click.
var visitorTypes = map[Type]bool{Access: true, Export: true, Correction: true, Erasure: true, Restriction: true, Objection: true,
	Explanation: true, AccountDeletion: true}

// Challenge is a code sent: its id travels back with the code.
type Challenge struct {
	ID        string    `json:"challenge"`
	ExpiresAt time.Time `json:"expires_at"`
}

// VisitorReceipt is what a visitor is told once their request is filed.
type VisitorReceipt struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	State          string    `json:"state"`
	ReceivedAt     time.Time `json:"received_at"`
	Deadline       time.Time `json:"deadline"`
	DeadlineSource string    `json:"deadline_source"`
}

// normEmail is the address as its hash sees it: trimmed, lower case.
func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// visitorMAC keys the hashes of addresses and codes (derived from the legal-hold key with a
// label of its own): without the keyring, the stored hashes say nothing.
func (s *Service) visitorMAC(parts ...string) []byte {
	k := hmac.New(sha256.New, s.cfg.HoldKey)
	k.Write([]byte("steward/rights-visitor/v1"))
	mac := hmac.New(sha256.New, k.Sum(nil))
	mac.Write([]byte(strings.Join(parts, "\x00")))
	return mac.Sum(nil)
}

// StartVisitorRequest sends a one-time code to the address for a request of typ under a
// jurisdiction ("" for the shop's home), in lang. It is recorded (naming nobody: the
// address is no one's yet).
func (s *Service) StartVisitorRequest(ctx context.Context, email, typ, jurisdiction, lang string) (Challenge, error) {
	email = normEmail(email)
	if !plainAddress(email) {
		return Challenge{}, ErrBadEmail
	}
	t, ok := ParseType(typ)
	if !ok {
		return Challenge{}, fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	if !visitorTypes[t] {
		return Challenge{}, ErrVisitorType
	}
	if jurisdiction, ok = s.visitorJurisdiction(jurisdiction); !ok {
		return Challenge{}, ErrUnknownJurisdiction
	}
	if s.cfg.Mail == nil {
		return Challenge{}, ErrMailUnavailable
	}
	now := s.cfg.Now().UTC()
	if _, err := s.cfg.Store.PurgeRightsChallenges(ctx, now.Add(-24*time.Hour)); err != nil {
		return Challenge{}, err
	}
	emailMAC := s.visitorMAC("email", email)
	n, err := s.cfg.Store.CountRightsChallenges(ctx, emailMAC, now.Add(-time.Hour))
	if err != nil {
		return Challenge{}, err
	}
	if n >= CodesPerHour {
		return Challenge{}, ErrTooManyCodes
	}
	code, err := newCode()
	if err != nil {
		return Challenge{}, err
	}
	c := store.RightsChallenge{ID: newID(challengePrefix), EmailMAC: emailMAC, Type: string(t), Jurisdiction: jurisdiction, CreatedAt: now,
		ExpiresAt: now.Add(CodeTTL)}
	c.CodeMAC = s.visitorMAC("code", c.ID, code)
	if err := s.cfg.Store.PutRightsChallenge(ctx, c); err != nil {
		return Challenge{}, err
	}
	subject, body := codeMail(lang, code, s.shopName())
	if err := s.cfg.Mail.Mail(ctx, email, subject, body); err != nil {
		// The server's answer may repeat the address: it is not passed on.
		return Challenge{}, ErrMailUnavailable
	}
	if err := s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActRightsStep, Actor: "visitor", LegalBasis: "legal_obligation",
		Detail: map[string]string{"step": "code_sent", "challenge": c.ID, "type": c.Type}}); err != nil {
		return Challenge{}, err
	}
	return Challenge{ID: c.ID, ExpiresAt: c.ExpiresAt}, nil
}

func (s *Service) visitorJurisdiction(j string) (string, bool) {
	switch j {
	case "CN", "EU", "US-CA":
		return j, true
	case "":
		return s.cfg.Regime().Jurisdiction(), true
	}
	return "", false
}

func (s *Service) shopName() string {
	if n := s.cfg.Regime().Manifest().Controller.Name; n != "" {
		return n
	}
	return "Steward"
}

// newCode is six uniformly random digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// ConfirmVisitorRequest files the request a code was sent for, when the address and the
// code match: under a subject of its own (the visitor's), received, the address sealed as
// who asked, the details as what they asked. The deadline runs from now (CCPA: from
// receipt). An operator verifies the identity next. A receipt goes to the address.
func (s *Service) ConfirmVisitorRequest(ctx context.Context, challengeID, email, code, lang string, details map[string]any) (VisitorReceipt, error) {
	email = normEmail(email)
	now := s.cfg.Now().UTC()
	if !strings.HasPrefix(challengeID, challengePrefix) || len(challengeID) > 64 {
		return VisitorReceipt{}, ErrCodeExpired
	}
	c, err := s.cfg.Store.AttemptRightsChallenge(ctx, challengeID, now, CodeAttempts)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return VisitorReceipt{}, ErrCodeExpired
	}
	if err != nil {
		return VisitorReceipt{}, err
	}
	okEmail := hmac.Equal(c.EmailMAC, s.visitorMAC("email", email))
	okCode := hmac.Equal(c.CodeMAC, s.visitorMAC("code", c.ID, strings.TrimSpace(code)))
	if !okEmail || !okCode {
		if left := CodeAttempts - c.Attempts; left > 0 {
			return VisitorReceipt{}, fmt.Errorf("%w (%d tries left)", ErrWrongCode, left)
		}
		return VisitorReceipt{}, ErrCodeExpired
	}
	if err := s.cfg.Store.UseRightsChallenge(ctx, c.ID, now); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return VisitorReceipt{}, ErrCodeExpired
		}
		return VisitorReceipt{}, err
	}
	t := Type(c.Type)
	subjectID := newID(visitorPrefix)
	dl := DeadlineFor(c.Jurisdiction, t, now, s.cfg.Calendar)
	req := store.RightsRequest{ID: newID("rr_"), SubjectID: subjectID, Type: c.Type, State: string(Received), Jurisdiction: c.Jurisdiction,
		ReceivedAt: now, DueAt: dl.Due, Source: dl.Source, UpdatedAt: now, Origin: store.OriginVisitor}
	who, _ := json.Marshal(map[string]string{"email": email})
	if req.Requester, err = s.cfg.Shredder.Seal(ctx, nil, subjectID, requesterField, who); err != nil {
		return VisitorReceipt{}, err
	}
	if len(details) > 0 {
		pt, err := json.Marshal(details)
		if err != nil {
			return VisitorReceipt{}, fmt.Errorf("%w: %v", ErrBadDetails, err)
		}
		if req.Details, err = s.cfg.Shredder.Seal(ctx, nil, subjectID, detailsField, pt); err != nil {
			return VisitorReceipt{}, err
		}
	}
	const note = "received through the public form; the email address was confirmed with a one-time code"
	if err := s.cfg.Store.CreateRightsRequest(ctx, req, store.RightsStep{State: string(Received), Actor: "visitor", Note: note, At: now}); err != nil {
		return VisitorReceipt{}, err
	}
	if err := s.step(ctx, req, Received, "visitor", note); err != nil {
		return VisitorReceipt{}, err
	}
	rc := VisitorReceipt{ID: req.ID, Type: req.Type, State: req.State, ReceivedAt: now, Deadline: dl.Due, DeadlineSource: dl.Source}
	subject, body := receiptMail(lang, rc, s.shopName())
	// The request stands whether or not the receipt arrives: the page shows the same.
	_ = s.cfg.Mail.Mail(ctx, email, subject, body)
	return rc, nil
}

func codeMail(lang, code, shop string) (subject, body string) {
	if lang == "zh-CN" {
		return "您的验证码：" + code, shop + "\n\n您的验证码是 " + code + "，15分钟内有效。\n请在隐私请求页面输入此验证码以提交您的请求。\n如果这不是您本人的操作，请忽略本邮件：未输入验证码，请求不会提交。\n"
	}
	return "Your code: " + code, shop + "\n\nYour code is " + code + ". It is valid for 15 minutes.\nEnter it on the privacy request page to file your request.\nIf you did not ask for it, ignore this email: without the code, nothing is filed.\n"
}

func receiptMail(lang string, r VisitorReceipt, shop string) (subject, body string) {
	if lang == "zh-CN" {
		return "我们已收到您的请求 " + r.ID, shop + "\n\n我们已收到您的个人信息请求（编号 " + r.ID + "）。\n核实您的身份后，我们将在 " +
			r.Deadline.Format("2006年1月2日") + " 之前答复您。\n"
	}
	return "We received your request " + r.ID, shop + "\n\nWe received your privacy request (number " + r.ID + ").\nOnce we have verified who you are, we will answer by " +
		r.Deadline.Format("2 January 2006") + ".\n"
}
