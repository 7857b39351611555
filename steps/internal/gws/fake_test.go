package gws_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// seen is one request as the fake server received it.
type seen struct {
	Method     string
	RequestURI string
	Body       []byte
	Header     http.Header
	BasicUser  string
	BasicPass  string
	HasBasic   bool
	SessionID  string // JSESSIONID cookie sent, empty if none
}

// reply is what the fake answers to one route.
type reply struct {
	status int
	body   string
	header map[string]string
}

// fakeGWS is a scripted stand-in for a GWS server: it answers canned replies by "METHOD requestURI", records
// every request, hands out a JSESSIONID to requests without one and, when csrfToken is set, issues the token on
// GET and refuses unsafe methods that do not present it. Unknown routes get a plain-text 404 like a router.
type fakeGWS struct {
	srv *httptest.Server

	mu         sync.Mutex
	routes     map[string]reply
	requests   []seen
	sessions   int
	csrfHeader string // name announced in X-CSRF-HEADER; empty means the header is not sent
	csrfToken  string
}

func newFake() *fakeGWS {
	f := &fakeGWS{routes: map[string]reply{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	DeferCleanup(f.srv.Close)
	return f
}

func (f *fakeGWS) URL() string { return f.srv.URL }

func (f *fakeGWS) on(method, requestURI string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[method+" "+requestURI] = reply{status: status, body: body}
}

func (f *fakeGWS) onWithHeader(method, requestURI string, status int, body string, header map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[method+" "+requestURI] = reply{status: status, body: body, header: header}
}

func (f *fakeGWS) enableCSRF(headerName, token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.csrfHeader, f.csrfToken = headerName, token
}

func (f *fakeGWS) seen() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.requests...)
}

func (f *fakeGWS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	user, pass, hasBasic := r.BasicAuth()
	rec := seen{Method: r.Method, RequestURI: r.RequestURI, Body: body, Header: r.Header.Clone(),
		BasicUser: user, BasicPass: pass, HasBasic: hasBasic}
	if c, err := r.Cookie("JSESSIONID"); err == nil {
		rec.SessionID = c.Value
	}

	f.mu.Lock()
	f.requests = append(f.requests, rec)
	if rec.SessionID == "" {
		f.sessions++
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "session-" + strconv.Itoa(f.sessions),
			Path: "/", HttpOnly: true})
	}
	csrfName, csrfToken := f.csrfHeader, f.csrfToken
	rep, found := f.routes[r.Method+" "+r.RequestURI]
	f.mu.Unlock()

	if csrfToken != "" {
		sendName := csrfName
		if sendName == "" {
			sendName = "X-CSRF-TOKEN"
		}
		switch r.Method {
		case http.MethodGet:
			if csrfName != "" {
				w.Header().Set("X-CSRF-HEADER", csrfName)
			}
			w.Header().Set("X-CSRF-TOKEN", csrfToken)
		default:
			if r.Header.Get(sendName) != csrfToken {
				http.Error(w, "Missing or invalid Csrf token", http.StatusForbidden)
				return
			}
		}
	}
	if !found {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

// sample reads a payload from testdata.
func sample(name string) string {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}
