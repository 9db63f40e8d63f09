package consent

import "strings"

// ConsentMode derives Google Consent Mode v2 values from a state (issue 4 item 4). The
// mapping, in one place:
//
//	analytics_storage  ← analytics.reporting granted
//	ad_storage         ← any marketing.advertising.* purpose granted
//	ad_user_data       ← marketing.advertising.third_party.targeted granted (user data sent
//	                     to an ad platform), and no GPC
//	ad_personalization ← marketing.advertising.profiling or …third_party.targeted granted,
//	                     and no GPC, and personalisation not switched off
//
// GPC and "personalisation off" only ever take away. Everything absent is denied.
func ConsentMode(s State) map[string]string {
	g := func(b bool) string {
		if b {
			return "granted"
		}
		return "denied"
	}
	gpc := s.Granted(SignalGPC)
	off := s.Granted(SignalPersonalisationOff) || s.Granted(SignalObjectDirectMarketing)
	anyAds := false
	for k, e := range s {
		if e.Granted && strings.HasPrefix(k, "marketing.advertising.") {
			anyAds = true
		}
	}
	third := s.Granted("marketing.advertising.third_party.targeted")
	profiling := s.Granted("marketing.advertising.profiling")
	return map[string]string{
		"analytics_storage":  g(s.Granted("analytics.reporting")),
		"ad_storage":         g(anyAds && !off),
		"ad_user_data":       g(third && !gpc && !off),
		"ad_personalization": g((third || profiling) && !gpc && !off),
	}
}
