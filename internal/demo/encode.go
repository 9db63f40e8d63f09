package demo

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Messages are written by hand rather than with encoding/json: the key order
// is then fixed by the code (byte-identical output per seed) and the default
// shop of ~300,000 messages renders in well under a second.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD so
// the output is always valid JSON.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendCents appends minor units as a JSON number with two decimals.
func appendCents(b []byte, cents int64) []byte {
	if cents < 0 {
		b = append(b, '-')
		cents = -cents
	}
	b = strconv.AppendInt(b, cents/100, 10)
	c := cents % 100
	return append(b, '.', byte('0'+c/10), byte('0'+c%10))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

func appendTime(b []byte, ms int64) []byte {
	b = append(b, '"')
	b = time.UnixMilli(ms).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	return append(b, '"')
}

// appendConsent appends the consent signals of st, each followed by a comma,
// for the start of a context object.
func appendConsent(b []byte, st State) []byte {
	if st.Given {
		p := st.Preferences
		b = append(b, `"consent":{"categoryPreferences":{"Analytics":`...)
		b = appendBool(b, p.Analytics)
		b = append(b, `,"Personalization":`...)
		b = appendBool(b, p.Personalization)
		b = append(b, `,"Advertising":`...)
		b = appendBool(b, p.Advertising)
		b = append(b, `,"ThirdPartySharing":`...)
		b = appendBool(b, p.ThirdPartySharing)
		b = append(b, `,"CrossBorder":`...)
		b = appendBool(b, p.CrossBorder)
		b = append(b, '}')
		if st.Guardian {
			b = append(b, `,"guardian":true`...)
		}
		if st.PersonalisationOff {
			b = append(b, `,"personalisationOff":true`...)
		}
		if st.ObjectDirectMarketing {
			b = append(b, `,"objectDirectMarketing":true`...)
		}
		b = append(b, "},"...)
	}
	if st.GPC {
		b = append(b, `"gpc":true,`...)
	}
	return b
}

// renderer turns one subject's events into Segment messages.
type renderer struct {
	seedPrefix []byte // "demo-<seed>-", the messageId prefix
	cat        *catalogTable
	s          *shopper
	idAnon     []byte // `"anonymousId":"…",`
	idKnown    []byte // `"anonymousId":"…","userId":"…",`
	ctxBefore  []byte // consent before ChangedAt
	ctxAfter   []byte // consent from ChangedAt on
	ctxTail    []byte // the rest of the context, closing brace included
	changedAt  int64  // ChangedAt in ms; 0 when never
	traits     []byte
	scratch    []byte
}

func newRenderer(seed uint64, cat *catalogTable, s *shopper) *renderer {
	r := &renderer{cat: cat, s: s}
	r.seedPrefix = append(strconv.AppendUint([]byte("demo-"), seed, 10), '-')
	r.idAnon = appendString([]byte(`"anonymousId":`), s.AnonymousID)
	r.idAnon = append(r.idAnon, ',')
	r.idKnown = append(append([]byte(nil), r.idAnon...), `"userId":`...)
	r.idKnown = appendString(r.idKnown, s.UserID)
	r.idKnown = append(r.idKnown, ',')

	before := s.FirstSeen
	r.ctxBefore = appendConsent(nil, s.Consent.State(before))
	r.ctxAfter = r.ctxBefore
	if !s.Consent.ChangedAt.IsZero() {
		r.changedAt = s.Consent.ChangedAt.UnixMilli()
		r.ctxAfter = appendConsent(nil, s.Consent.State(s.Consent.ChangedAt))
	}

	t := []byte(`"ip":`)
	t = appendString(t, s.ip)
	t = append(t, `,"library":{"name":"steward-demo","version":"1.0.0"},"locale":`...)
	t = appendString(t, s.Locale)
	t = append(t, `,"location":{"country":`...)
	t = appendString(t, s.Country)
	if s.State == "CA" {
		t = append(t, `,"region":"CA"`...)
	}
	t = append(t, `},"timezone":`...)
	t = appendString(t, s.country.tz)
	t = append(t, `,"userAgent":`...)
	t = appendString(t, s.userAgent)
	r.ctxTail = append(t, '}')

	r.traits = r.appendTraits(nil)
	return r
}

func (r *renderer) appendTraits(b []byte) []byte {
	s := r.s
	b = append(b, `"traits":{"name":`...)
	b = appendString(b, s.Name)
	b = append(b, `,"email":`...)
	b = appendString(b, s.Email)
	if s.Phone != "" {
		b = append(b, `,"phone":`...)
		b = appendString(b, s.Phone)
	}
	if s.Birthday != "" {
		b = append(b, `,"birthday":`...)
		b = appendString(b, s.Birthday)
	}
	if s.Gender != "" {
		b = append(b, `,"gender":`...)
		b = appendString(b, s.Gender)
	}
	b = append(b, `,"address":{"country":`...)
	b = appendString(b, s.Country)
	if s.State != "" {
		b = append(b, `,"state":`...)
		b = appendString(b, s.State)
	}
	b = append(b, `,"city":`...)
	b = appendString(b, s.City)
	b = append(b, `},"createdAt":`...)
	b = appendTime(b, s.createdAt.UnixMilli())
	return append(b, '}')
}

var pageTitles = map[string][2]string{ // English, Chinese
	PageHome:     {"Demo Shop", "示例商城"},
	PageSearch:   {"Search results – Demo Shop", "搜索结果 – 示例商城"},
	PageCart:     {"Cart – Demo Shop", "购物车 – 示例商城"},
	PageCheckout: {"Checkout – Demo Shop", "结算 – 示例商城"},
}

var pagePaths = map[string]string{
	PageHome: "/", PageSearch: "/search", PageCart: "/cart", PageCheckout: "/checkout",
}

// render appends message number n for e to b.
func (r *renderer) render(b []byte, n int64, e *event) []byte {
	switch e.kind {
	case kindIdentify:
		b = append(b, `{"type":"identify","messageId":"`...)
	case kindPage:
		b = append(b, `{"type":"page","messageId":"`...)
	default:
		b = append(b, `{"type":"track","messageId":"`...)
	}
	b = append(b, r.seedPrefix...)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, `",`...)
	if e.anon {
		b = append(b, r.idAnon...)
	} else {
		b = append(b, r.idKnown...)
	}
	b = append(b, `"timestamp":`...)
	b = appendTime(b, e.at)
	b = append(b, ',')

	var pageCtx []byte
	switch e.kind {
	case kindIdentify:
		b = append(b, r.traits...)
	case kindPage:
		b = append(b, `"name":`...)
		b = appendString(b, e.name)
		b = append(b, `,"properties":`...)
		r.scratch = r.appendPageProps(r.scratch[:0], e)
		pageCtx = r.scratch
		b = append(b, pageCtx...)
	default:
		b = append(b, `"event":`...)
		b = appendString(b, e.name)
		b = append(b, `,"properties":`...)
		b = r.appendTrackProps(b, e)
	}
	b = append(b, `,"context":{`...)
	if r.changedAt != 0 && e.at >= r.changedAt {
		b = append(b, r.ctxAfter...)
	} else {
		b = append(b, r.ctxBefore...)
	}
	if pageCtx != nil {
		// context.page repeats the page properties, as analytics.js sends it.
		b = append(b, `"page":`...)
		b = append(b, pageCtx...)
		b = append(b, ',')
	}
	b = append(b, r.ctxTail...)
	return append(b, '}')
}

func (r *renderer) productName(p *Product) string {
	if r.s.zh {
		return p.NameZH
	}
	return p.Name
}

func (r *renderer) appendPageProps(b []byte, e *event) []byte {
	lang := 0
	if r.s.zh {
		lang = 1
	}
	var path, url, title, search string
	switch e.name {
	case PageProduct:
		p := &r.cat.products[e.product]
		url = r.cat.url[e.product]
		path = url[len(shopURL):]
		title = r.productName(p) + " – " + pageTitles[PageHome][lang]
	case PageSearch:
		url = r.cat.queryURL[e.query]
		path = pagePaths[PageSearch]
		search = url[len(shopURL)+len(path):]
		title = pageTitles[PageSearch][lang]
	default:
		path = pagePaths[e.name]
		url = shopURL + path
		title = pageTitles[e.name][lang]
	}
	b = append(b, `{"path":`...)
	b = appendString(b, path)
	b = append(b, `,"referrer":`...)
	b = appendString(b, e.ref)
	b = append(b, `,"search":`...)
	b = appendString(b, search)
	b = append(b, `,"title":`...)
	b = appendString(b, title)
	b = append(b, `,"url":`...)
	b = appendString(b, url)
	return append(b, '}')
}

func (r *renderer) appendProduct(b []byte, p int32, qty int32, full bool) []byte {
	pr := &r.cat.products[p]
	b = append(b, `"product_id":`...)
	b = appendString(b, pr.ID)
	b = append(b, `,"sku":`...)
	b = appendString(b, pr.SKU)
	b = append(b, `,"category":`...)
	b = appendString(b, pr.Category)
	b = append(b, `,"name":`...)
	b = appendString(b, r.productName(pr))
	if full {
		b = append(b, `,"brand":`...)
		b = appendString(b, pr.Brand)
		if pr.Variant != "" {
			b = append(b, `,"variant":`...)
			b = appendString(b, pr.Variant)
		}
	}
	b = append(b, `,"price":`...)
	b = appendCents(b, pr.Price(r.s.currency))
	if full {
		b = append(b, `,"currency":`...)
		b = appendString(b, r.s.currency)
	}
	if qty > 0 {
		b = append(b, `,"quantity":`...)
		b = strconv.AppendInt(b, int64(qty), 10)
	}
	if full {
		b = append(b, `,"url":`...)
		b = appendString(b, r.cat.url[p])
	}
	return b
}

func (r *renderer) appendLines(b []byte, lines []line) []byte {
	b = append(b, `"products":[`...)
	for k, l := range lines {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = r.appendProduct(b, l.product, l.qty, false)
		b = append(b, '}')
	}
	return append(b, ']')
}

func (r *renderer) appendTrackProps(b []byte, e *event) []byte {
	b = append(b, '{')
	switch e.name {
	case EventProductsSearched:
		b = append(b, `"query":`...)
		b = appendString(b, e.query)
	case EventProductViewed:
		b = r.appendProduct(b, e.product, 0, true)
	case EventProductAdded, EventProductRemoved:
		b = append(b, `"cart_id":`...)
		b = appendString(b, e.cartID)
		b = append(b, ',')
		b = r.appendProduct(b, e.product, e.qty, true)
	case EventCartViewed:
		b = append(b, `"cart_id":`...)
		b = appendString(b, e.cartID)
		b = append(b, ',')
		b = r.appendLines(b, e.lines)
	case EventCheckoutStarted:
		o := e.order
		b = append(b, `"order_id":`...)
		b = appendString(b, o.id)
		b = append(b, `,"value":`...)
		b = appendCents(b, o.subtotal+o.shipping)
		b = append(b, `,"revenue":`...)
		b = appendCents(b, o.subtotal)
		b = append(b, `,"shipping":`...)
		b = appendCents(b, o.shipping)
		b = append(b, `,"currency":`...)
		b = appendString(b, r.s.currency)
		b = append(b, ',')
		b = r.appendLines(b, e.lines)
	case EventOrderCompleted:
		o := e.order
		b = append(b, `"order_id":`...)
		b = appendString(b, o.id)
		b = append(b, `,"total":`...)
		b = appendCents(b, o.subtotal+o.shipping)
		b = append(b, `,"revenue":`...)
		b = appendCents(b, o.subtotal)
		b = append(b, `,"shipping":`...)
		b = appendCents(b, o.shipping)
		b = append(b, `,"currency":`...)
		b = appendString(b, r.s.currency)
		b = append(b, ',')
		b = r.appendLines(b, e.lines)
	case EventOrderRefunded:
		o := e.order
		b = append(b, `"order_id":`...)
		b = appendString(b, o.id)
		b = append(b, `,"total":`...)
		b = appendCents(b, o.subtotal+o.shipping)
		b = append(b, `,"currency":`...)
		b = appendString(b, r.s.currency)
	}
	return append(b, '}')
}
