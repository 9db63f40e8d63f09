package segmentspec_test

import (
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// Received at 10:00:05Z in every case (now).
func TestClockSkew(t *testing.T) {
	tests := []struct {
		name     string
		endpoint segmentspec.Endpoint
		times    string // members added to a valid track message
		batchAt  string // batch-level sentAt, "" for none
		want     string // Timestamp
		wantOrig string // OriginalTimestamp, "" for zero
	}{
		{"no times: receivedAt", segmentspec.EndpointBatch, ``, "", "2024-05-01T10:00:05Z", ""},
		{"timestamp without sentAt: as sent", segmentspec.EndpointBatch,
			`"timestamp":"2024-05-01T09:00:00Z"`, "", "2024-05-01T09:00:00Z", "2024-05-01T09:00:00Z"},
		{"sentAt on the message", segmentspec.EndpointBatch,
			`"timestamp":"2024-05-01T10:00:00Z","sentAt":"2024-05-01T10:00:02Z"`, "", "2024-05-01T10:00:03Z", "2024-05-01T10:00:00Z"},
		{"sentAt on the batch", segmentspec.EndpointBatch,
			`"timestamp":"2024-05-01T10:00:00Z"`, "2024-05-01T10:00:01Z", "2024-05-01T10:00:04Z", "2024-05-01T10:00:00Z"},
		{"message sentAt beats batch sentAt", segmentspec.EndpointBatch,
			`"timestamp":"2024-05-01T10:00:00Z","sentAt":"2024-05-01T10:00:03Z"`, "2024-05-01T10:00:01Z", "2024-05-01T10:00:02Z", "2024-05-01T10:00:00Z"},
		{"originalTimestamp beats timestamp", segmentspec.EndpointBatch,
			`"timestamp":"2024-05-01T10:00:04Z","originalTimestamp":"2024-05-01T10:00:00Z","sentAt":"2024-05-01T10:00:01Z"`, "", "2024-05-01T10:00:04Z", "2024-05-01T10:00:00Z"},
		{"device clock a year behind", segmentspec.EndpointBatch,
			`"timestamp":"2023-05-01T10:00:00Z","sentAt":"2023-05-01T10:00:10Z"`, "", "2024-05-01T09:59:55Z", "2023-05-01T10:00:00Z"},
		{"device clock reset to 1970", segmentspec.EndpointBatch,
			`"timestamp":"1970-01-01T00:00:30Z","sentAt":"1970-01-01T00:01:00Z"`, "", "2024-05-01T09:59:35Z", "1970-01-01T00:00:30Z"},
		{"future without sentAt: clamped", segmentspec.EndpointBatch,
			`"timestamp":"2030-01-01T00:00:00Z"`, "", "2024-05-01T10:00:05Z", "2030-01-01T00:00:00Z"},
		{"event after its sentAt: clamped", segmentspec.EndpointBatch,
			`"timestamp":"2024-05-01T10:00:09Z","sentAt":"2024-05-01T10:00:01Z"`, "", "2024-05-01T10:00:05Z", "2024-05-01T10:00:09Z"},
		{"absurd skew: clamped to 1970", segmentspec.EndpointBatch,
			`"timestamp":"1970-01-01T00:00:00.001Z","sentAt":"9999-01-01T00:00:00Z"`, "", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.001Z"},
		{"import: no correction", segmentspec.EndpointImport,
			`"timestamp":"2023-01-01T00:00:00Z","sentAt":"2024-05-01T10:00:00Z"`, "", "2023-01-01T00:00:00Z", "2023-01-01T00:00:00Z"},
		{"import: future still clamped", segmentspec.EndpointImport,
			`"timestamp":"2030-01-01T00:00:00Z"`, "", "2024-05-01T10:00:05Z", "2030-01-01T00:00:00Z"},
		{"unix milliseconds", segmentspec.EndpointBatch,
			`"timestamp":1714557600000,"sentAt":1714557601000`, "", "2024-05-01T10:00:04Z", "2024-05-01T10:00:00Z"},
		{"zero milliseconds is absent", segmentspec.EndpointBatch,
			`"timestamp":0`, "", "2024-05-01T10:00:05Z", ""},
		{"empty string is absent", segmentspec.EndpointBatch,
			`"timestamp":""`, "", "2024-05-01T10:00:05Z", ""},
		{"offset without colon", segmentspec.EndpointBatch,
			`"timestamp":"2024-05-01T18:00:00.000+0800"`, "", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"},
		{"no zone reads as UTC", segmentspec.EndpointBatch,
			`"timestamp":"2024-05-01T10:00:00.250"`, "", "2024-05-01T10:00:00.25Z", "2024-05-01T10:00:00.25Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := `{"type":"track","event":"e","userId":"u"`
			if tt.times != "" {
				item += "," + tt.times
			}
			item += "}"
			body := `{"writeKey":"wk_1",`
			if tt.batchAt != "" {
				body += `"sentAt":"` + tt.batchAt + `",`
			}
			body += `"batch":[` + item + `]}`
			m := mustDecode(t, post("/", []byte(body)), tt.endpoint).Messages[0]
			if want := mustTime(t, tt.want); !m.Timestamp.Equal(want) {
				t.Errorf("Timestamp = %v, want %v", m.Timestamp, want)
			}
			var wantOrig time.Time
			if tt.wantOrig != "" {
				wantOrig = mustTime(t, tt.wantOrig)
			}
			if !m.OriginalTimestamp.Equal(wantOrig) {
				t.Errorf("OriginalTimestamp = %v, want %v", m.OriginalTimestamp, wantOrig)
			}
			if !m.ReceivedAt.Equal(now) || m.ReceivedAt.Location() != time.UTC {
				t.Errorf("ReceivedAt = %v, want %v in UTC", m.ReceivedAt, now)
			}
		})
	}
}

func TestReceivedAtIsUTC(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	req, err := segmentspec.Decode(post("/", []byte(keyed(okTrack))), segmentspec.EndpointTrack, now.In(shanghai), segmentspec.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if req.ReceivedAt.Location() != time.UTC || !req.ReceivedAt.Equal(now) || !req.Messages[0].Timestamp.Equal(now) {
		t.Errorf("ReceivedAt = %v", req.ReceivedAt)
	}
}
