package tcf_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/tcf"
)

func ExampleDecode() {
	// Purposes 1 and 2, special feature 1, vendor 5 consented and disclosed.
	tc, err := tcf.Decode("CQgcD4AQgcD4ADUABACSBkFIAMAAAAAAAATIACggAAAA.IACggAAA")
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(tc)
	fmt.Println(string(b))
	fmt.Println(tc.LastUpdated.Format("2006-01-02"), tc.Warnings)

	consents := tcf.Consents(tc, 5)
	fmt.Println(consents["functional.storage"], consents["marketing.advertising.frequency_capping"], consents["marketing.advertising.profiling"])
	fmt.Println(tcf.Consents(tc, 6)["functional.storage"])
	fmt.Println(tcf.CategoryOptIns(tc)["user.location.precise"])
	// Output:
	// {"cmp_id":212,"cmp_version":1,"vendor_list_version":100,"tcf_policy_version":5,"consent_language":"CS","publisher_cc":"CZ","purpose_consents":[1,2],"purpose_legitimate_interests":[],"special_feature_optins":[1],"vendor_consents":[5],"vendor_legitimate_interests":[],"vendors_disclosed":[5]}
	// 2026-03-02 []
	// true true false
	// false
	// true
}

func ExampleDecode_malformed() {
	_, err := tcf.Decode("CQgcD4AQgcD4AAqABAEN")
	var de *tcf.DecodeError
	if errors.As(err, &de) {
		fmt.Println(de.Reason, errors.Is(err, tcf.ErrTruncated))
	}
	fmt.Println(err)
	// Output:
	// truncated true
	// decode tc string: segment 0: truncated: the core header runs past the end of the segment
}
