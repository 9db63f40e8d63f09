package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/stewardhq/steward/internal/tcf"
)

// tcfDecodeRequest carries the TC string to decode.
type tcfDecodeRequest struct {
	TCString *string `json:"tc_string"`
}

// tcfDecode decodes an IAB TCF v2.2/v2.3 TC string (issue 4 item 3): the lists the string
// holds, sorted ascending, or 400 with the reason it is malformed.
func (s *Server) tcfDecode(w http.ResponseWriter, r *http.Request) error {
	var in tcfDecodeRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.TCString == nil || strings.TrimSpace(*in.TCString) == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "tc_string is required")
	}
	tc, err := tcf.Decode(*in.TCString)
	if err != nil {
		var de *tcf.DecodeError
		if errors.As(err, &de) {
			return &Error{Status: http.StatusBadRequest, Code: "malformed_tc_string", Message: de.Error()}
		}
		return Errorf(http.StatusBadRequest, "malformed_tc_string", "%v", err)
	}
	writeJSON(w, http.StatusOK, tc)
	return nil
}
