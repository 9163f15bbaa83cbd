package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"

	"skillpath/internal/apitest"
	"skillpath/internal/testdb"
	"skillpath/server"
)

// TestOpenAPIDocument checks the API's OpenAPI 3.1 document: served to
// anyone at GET /api/v1/openapi.json and cacheable, valid against the
// OpenAPI 3.1 schema, and describing exactly the routes the server
// registers: every API route documented, nothing documented that does not
// exist.
func TestOpenAPIDocument(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		e := apitest.Start(t, dialect, time.Time{})
		r := e.Anonymous().Get("/api/v1/openapi.json")
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET /api/v1/openapi.json: status %d, Content-Type %q", r.Status, r.Header.Get("Content-Type"))
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "public") || !strings.Contains(cc, "max-age=") {
			t.Errorf("Cache-Control %q, want it public with a max-age", cc)
		}
		etag := r.Header.Get("ETag")
		if again := e.Anonymous().Get("/api/v1/openapi.json", "If-None-Match", etag); etag == "" || again.Status != http.StatusNotModified {
			t.Errorf("ETag %q: a request with If-None-Match answers %d, want 304", etag, again.Status)
		}
		file, err := os.ReadFile("openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		if string(r.Body) != string(file) {
			t.Error("the served document is not server/openapi.json")
		}

		v := openAPIValidator(t)
		if ok, errs := v.ValidateDocument(); !ok {
			for _, e := range errs {
				t.Errorf("openapi.json is not a valid OpenAPI 3.1 document: %s: %s (line %d)", e.Message, e.Reason, e.SpecLine)
			}
		}

		// The validator refuses what the document does not describe.
		bad, _ := http.NewRequest("GET", e.Server.URL+"/api/v1/me", nil)
		badAnswer := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"id": 5}`)), Request: bad}
		if ok, _ := v.ValidateHttpResponse(bad, badAnswer); ok {
			t.Error(`the validator takes {"id": 5} as a user`)
		}

		routes := server.New(e.Store, testdb.Logger(t)).Routes()
		documented := documentedRoutes(t, file)
		for _, p := range routes {
			_, path, _ := strings.Cut(p, " ")
			if strings.HasPrefix(path, "/api/") && !slices.Contains(documented, p) {
				t.Errorf("route %q is not in the OpenAPI document (server/openapi.json)", p)
			}
		}
		for _, p := range documented {
			if !slices.Contains(routes, p) {
				t.Errorf("the OpenAPI document describes %q, which the server does not register", p)
			}
		}
	})
}

// documentedRoutes lists the document's operations as route patterns
// ("GET /api/v1/users/{id}"): its path parameters carry the names of the
// route table's wildcards.
func documentedRoutes(t *testing.T, doc []byte) []string {
	t.Helper()
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, item := range d.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

var (
	theValidator     validator.Validator
	theValidatorErrs []error
	validatorOnce    sync.Once
)

// openAPIValidator is a validator of requests and responses against
// server/openapi.json, built once for the package's tests.
func openAPIValidator(t *testing.T) validator.Validator {
	t.Helper()
	validatorOnce.Do(func() {
		file, err := os.ReadFile("openapi.json")
		if err != nil {
			theValidatorErrs = []error{err}
			return
		}
		doc, err := libopenapi.NewDocument(file)
		if err != nil {
			theValidatorErrs = []error{err}
			return
		}
		theValidator, theValidatorErrs = validator.NewValidator(doc, config.WithoutSecurityValidation())
	})
	if len(theValidatorErrs) > 0 {
		t.Fatalf("openapi.json: %v", theValidatorErrs)
	}
	return theValidator
}
