package restapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"

	"github.com/coachsim/coachsim/fixtures"
)

// SessionCookie is the name of the HTTP session cookie.
const SessionCookie = "JSESSIONID"

// CSRF header names (gws-voice-api.md §1.3).
const (
	csrfHeaderName  = "X-CSRF-HEADER"
	csrfTokenHeader = "X-CSRF-TOKEN"
)

type credential struct {
	password string
	userID   string
}

type session struct {
	userID string
	csrf   string
}

// sessions is the HTTP session store; it is an adapter concern, guarded by its own mutex.
type sessions struct {
	mu    sync.Mutex
	byID  map[string]session
	creds map[string]credential
}

func newSessions(env *fixtures.Environment) *sessions {
	s := &sessions{byID: map[string]session{}, creds: map[string]credential{}}
	for _, u := range env.Users {
		s.creds[u.UserName] = credential{password: u.Password, userID: u.ID}
	}
	return s
}

func randomToken() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("restapi: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// identity is who made a request and through which session.
type identity struct {
	userID    string
	sessionID string
	csrf      string
	created   bool // a session was created by this request
}

// authenticate resolves the user of a request. A Basic header, when present, must be valid; otherwise a
// valid session cookie is enough. A request authenticated by Basic without a session for that user gets a
// new session (and the caller sets the cookie).
func (s *sessions) authenticate(r *http.Request, create bool) (identity, bool) {
	var fromCookie identity
	haveCookie := false
	if c, err := r.Cookie(SessionCookie); err == nil {
		s.mu.Lock()
		if sess, ok := s.byID[c.Value]; ok {
			fromCookie, haveCookie = identity{userID: sess.userID, sessionID: c.Value, csrf: sess.csrf}, true
		}
		s.mu.Unlock()
	}
	name, pass, hasBasic := r.BasicAuth()
	if !hasBasic {
		return fromCookie, haveCookie
	}
	cred, ok := s.creds[name]
	if !ok || subtle.ConstantTimeCompare([]byte(cred.password), []byte(pass)) != 1 {
		return identity{}, false
	}
	if haveCookie && fromCookie.userID == cred.userID {
		return fromCookie, true
	}
	id := identity{userID: cred.userID}
	if create {
		id.sessionID, id.csrf, id.created = randomToken(), randomToken(), true
		s.mu.Lock()
		s.byID[id.sessionID] = session{userID: id.userID, csrf: id.csrf}
		s.mu.Unlock()
	}
	return id, true
}

// UserOf authenticates a request without creating a session; the CometD endpoint uses it.
func (s *sessions) UserOf(r *http.Request) (string, bool) {
	id, ok := s.authenticate(r, false)
	return id.userID, ok
}

func (s *sessions) invalidate(sessionID string) {
	s.mu.Lock()
	delete(s.byID, sessionID)
	s.mu.Unlock()
}
