package server_test

import (
	"context"
	"flag"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/stewardhq/steward/internal/server/apiclient"
)

var updateClient = flag.Bool("update", false, "rewrite internal/server/apiclient from the live OpenAPI document")

// clientOperations are the operations of the committed client: a read, a search with a
// required query parameter, a report with an integer one, and a create with a body.
var clientOperations = []string{"get_api_v1_whoami", "get_api_v1_subjects", "get_api_v1_overview", "post_api_v1_operators"}

func generateClient(t *testing.T, doc []byte, ops []string) string {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		t.Fatalf("the generator's loader refuses the document: %v", err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		t.Fatalf("the document does not validate: %v", err)
	}
	cfg := codegen.Configuration{PackageName: "apiclient", Generate: codegen.GenerateOptions{Models: true, Client: true},
		OutputOptions: codegen.OutputOptions{IncludeOperationIDs: ops}}
	code, err := codegen.Generate(spec, cfg)
	if err != nil {
		t.Fatalf("oapi-codegen refuses the document: %v", err)
	}
	return code
}

// The OpenAPI document generates a client (oapi-codegen, the whole document and the
// committed subset), the committed client is what the live document generates, and it
// calls the routes of a real server on 127.0.0.1: whoami, a search with its query, the
// overview with an integer parameter, an operator created from a typed body (issue 18
// item 7).
func TestOpenAPIGeneratedClient(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/api/openapi.json", "", "", nil)
	if r.status != 200 {
		t.Fatalf("openapi = %d", r.status)
	}
	full := generateClient(t, r.body, nil)
	for _, want := range []string{"func (c *Client) GetApiV1Whoami(", "func (c *Client) PostApiV1Operators(", "type GetApiV1OverviewParams struct", "Days *int"} {
		if !strings.Contains(full, want) {
			t.Errorf("the whole document's client lacks %q", want)
		}
	}
	sub := generateClient(t, r.body, clientOperations)
	const file = "apiclient/client.gen.go"
	if *updateClient {
		if err := os.WriteFile(file, []byte(sub), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if b, err := os.ReadFile(file); err != nil || string(b) != sub {
		t.Fatalf("%s is not what the live document generates (%v); run: go test ./internal/server -run TestOpenAPIGeneratedClient -update", file, err)
	}

	ctx := context.Background()
	bearer := func(token string) apiclient.ClientOption {
		return apiclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		})
	}
	c, err := apiclient.NewClientWithResponses(h.url, bearer(h.admin))
	if err != nil {
		t.Fatal(err)
	}
	who, err := c.GetApiV1WhoamiWithResponse(ctx)
	if err != nil || who.JSON200 == nil || who.JSON200.Operator.Name != "admin" || len(who.JSON200.Scopes) == 0 {
		t.Fatalf("whoami: %v %s", err, who.Body)
	}
	created, err := c.PostApiV1OperatorsWithResponse(ctx, apiclient.NewOperator{Name: "made-by-a-client", Role: "marketer"})
	if err != nil || created.JSON201 == nil || created.JSON201.Role != "marketer" || created.JSON201.Id == "" {
		t.Fatalf("create operator: %v %d %s", err, created.StatusCode(), created.Body)
	}
	h.identify("client-person")
	found, err := c.GetApiV1SubjectsWithResponse(ctx, &apiclient.GetApiV1SubjectsParams{Q: "client-person"})
	if err != nil || found.JSON200 == nil || len(found.JSON200.Subjects) != 1 || found.JSON200.Subjects[0].UserId != "client-person" {
		t.Fatalf("search: %v %s", err, found.Body)
	}
	days := 7
	ov, err := c.GetApiV1OverviewWithResponse(ctx, &apiclient.GetApiV1OverviewParams{Days: &days})
	if err != nil || ov.JSON200 == nil || ov.JSON200.Days != 7 || len(ov.JSON200.Ingest) != 7 || ov.JSON200.IngestToday.Received < 1 || !ov.JSON200.Store.Healthy {
		t.Fatalf("overview: %v %s", err, ov.Body)
	}
	// An error answer is the envelope the document declares.
	bad := 0
	ov, err = c.GetApiV1OverviewWithResponse(ctx, &apiclient.GetApiV1OverviewParams{Days: &bad})
	if err != nil || ov.StatusCode() != 400 || ov.JSONDefault == nil || ov.JSONDefault.Error.Code != "bad_request" {
		t.Fatalf("a bad parameter: %v %d %s", err, ov.StatusCode(), ov.Body)
	}
}
