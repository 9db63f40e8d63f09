package server

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// lang picks en or zh-CN from ?lang= then Accept-Language.
func lang(r *http.Request) string {
	for _, v := range []string{r.URL.Query().Get("lang"), r.Header.Get("Accept-Language")} {
		v = strings.ToLower(v)
		switch {
		case strings.HasPrefix(v, "zh"):
			return "zh-CN"
		case strings.HasPrefix(v, "en"):
			return "en"
		}
	}
	return "en"
}

func uintParam(r *http.Request, name string, fromPath bool) (uint64, error) {
	v := r.URL.Query().Get(name)
	if fromPath {
		v = r.PathValue(name)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, Errorf(http.StatusBadRequest, CodeBadRequest, "%s is a whole number", name)
	}
	return n, nil
}

// seqParam reads the {seq} path value.
func seqParam(r *http.Request) (int64, error) {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq <= 0 {
		return 0, Errorf(http.StatusBadRequest, CodeBadRequest, "the version is a positive number")
	}
	return seq, nil
}

func hasMediaType(ct, want string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == want
}

// decodeDefinition reads a tag or segment definition strictly (unknown fields and trailing
// data refused): a definition that does not decode is refused like one that does not check.
func decodeDefinition(r *http.Request, dst any) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type must be application/json, got %q", mt)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return jsonError(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return Errorf(http.StatusBadRequest, CodeInvalidDefinition, "definition: %v", err)
	}
	return checkBodyText(dst)
}

// optionalJSON decodes a body when there is one.
func optionalJSON(r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(r, dst)
}
