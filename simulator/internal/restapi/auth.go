package restapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coachsim/coachsim/fixtures"
)

// SessionCookie is the name of the HTTP session cookie.
const SessionCookie = "JSESSIONID"

// CSRF header names (gws-voice-api.md §1.3).
const (
	csrfHeaderName  = "X-CSRF-HEADER"
	csrfTokenHeader = "X-CSRF-TOKEN"
)

// Defaults of SessionLimits.
const (
	// DefaultSessionIdleTimeout is how long an HTTP session lives without a request: the 30 minutes servlet
	// containers (and so GWS deployments that do not set it) use.
	DefaultSessionIdleTimeout = 30 * time.Minute
	// DefaultMaxSessionsPerUser caps one user's HTTP sessions; a new one beyond it ends the least recently used.
	DefaultMaxSessionsPerUser = 16
)

// SessionLimits bound the HTTP sessions. Zero fields take the defaults.
type SessionLimits struct {
	// IdleTimeout ends a session that has seen no request for this long; its cookie then gets statusCode 20.
	IdleTimeout time.Duration
	// MaxPerUser caps the sessions of one user; creating one more ends the one used least recently.
	MaxPerUser int
}

func (l SessionLimits) withDefaults() SessionLimits {
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultSessionIdleTimeout
	}
	if l.MaxPerUser <= 0 {
		l.MaxPerUser = DefaultMaxSessionsPerUser
	}
	return l
}

type credential struct {
	password string
	userID   string
}

type session struct {
	id       string
	userID   string
	csrf     string
	lastUsed time.Time
}

// sessions is the HTTP session store; it is an adapter concern, guarded by its own mutex.
//
// Requests authenticated by Basic alone (no valid cookie of that user) share one session per user, the user's
// "open" session, instead of minting one each: a client that never keeps cookies costs one session, however
// many requests it makes. A client that does keep cookies claims the open session by presenting its cookie;
// the next cookie-less request of the user then opens a new one, so clients with cookie jars keep sessions of
// their own (and CSRF tokens of their own).
type sessions struct {
	lim   SessionLimits
	now   func() time.Time
	creds map[string]credential

	mu        sync.Mutex
	byID      map[string]*session
	byUser    map[string]map[string]*session
	open      map[string]*session // userID -> the session cookie-less Basic requests share
	lastSweep time.Time
}

func newSessions(env *fixtures.Environment, lim SessionLimits, now func() time.Time) *sessions {
	if now == nil {
		now = time.Now
	}
	s := &sessions{lim: lim.withDefaults(), now: now, creds: map[string]credential{}, byID: map[string]*session{},
		byUser: map[string]map[string]*session{}, open: map[string]*session{}}
	for _, u := range env.Users {
		s.creds[u.UserName] = credential{password: u.Password, userID: u.ID}
	}
	return s
}

func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails; it aborts the program if the system source does
	return hex.EncodeToString(b[:])
}

// identity is who made a request and through which session.
type identity struct {
	userID    string
	sessionID string
	csrf      string
	setCookie bool // the reply must hand out the session cookie
}

// authenticate resolves the user of a request. A Basic header, when present, must be valid; otherwise a
// valid, unexpired session cookie is enough. With create, a request authenticated by Basic without a cookie
// of that user gets the user's open session (created when there is none) and the caller sets the cookie.
func (s *sessions) authenticate(r *http.Request, create bool) (identity, bool) {
	now := s.now()
	var fromCookie identity
	haveCookie := false
	if c, err := r.Cookie(SessionCookie); err == nil {
		s.mu.Lock()
		if sess := s.liveLocked(c.Value, now); sess != nil {
			fromCookie, haveCookie = identity{userID: sess.userID, sessionID: sess.id, csrf: sess.csrf}, true
		}
		s.mu.Unlock()
	}
	name, pass, hasBasic := r.BasicAuth()
	if !hasBasic {
		if haveCookie && create {
			s.touch(fromCookie.sessionID, now, true)
		}
		return fromCookie, haveCookie
	}
	cred, ok := s.creds[name]
	if !ok || subtle.ConstantTimeCompare([]byte(cred.password), []byte(pass)) != 1 {
		return identity{}, false
	}
	if haveCookie && fromCookie.userID == cred.userID {
		if create {
			s.touch(fromCookie.sessionID, now, true)
		}
		return fromCookie, true
	}
	id := identity{userID: cred.userID}
	if create {
		sess := s.openSession(cred.userID, now)
		id.sessionID, id.csrf, id.setCookie = sess.id, sess.csrf, true
	}
	return id, true
}

// liveLocked returns the session named by a cookie value, ending it first when it has expired.
func (s *sessions) liveLocked(id string, now time.Time) *session {
	sess := s.byID[id]
	if sess == nil {
		return nil
	}
	if now.Sub(sess.lastUsed) >= s.lim.IdleTimeout {
		s.removeLocked(sess)
		return nil
	}
	return sess
}

// touch records a request on a session; claim (a request that presented the session's cookie) makes the
// user's open session the presenting client's own.
func (s *sessions) touch(id string, now time.Time, claim bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.byID[id]
	if sess == nil {
		return
	}
	sess.lastUsed = now
	if claim && s.open[sess.userID] == sess {
		delete(s.open, sess.userID)
	}
}

// openSession returns the user's open session, creating it (within the per-user cap) when there is none.
func (s *sessions) openSession(userID string, now time.Time) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess := s.open[userID]; sess != nil && s.liveLocked(sess.id, now) != nil {
		sess.lastUsed = now
		return sess
	}
	s.sweepLocked(now)
	perUser := s.byUser[userID]
	for len(perUser) >= s.lim.MaxPerUser {
		var oldest *session
		for _, x := range perUser {
			if oldest == nil || x.lastUsed.Before(oldest.lastUsed) {
				oldest = x
			}
		}
		s.removeLocked(oldest)
		perUser = s.byUser[userID]
	}
	sess := &session{id: randomToken(), userID: userID, csrf: randomToken(), lastUsed: now}
	s.byID[sess.id] = sess
	if perUser == nil {
		perUser = map[string]*session{}
		s.byUser[userID] = perUser
	}
	perUser[sess.id] = sess
	s.open[userID] = sess
	return sess
}

// sweepLocked ends every expired session, at most once per half idle timeout, so that sessions nobody
// presents again do not stay in memory.
func (s *sessions) sweepLocked(now time.Time) {
	if now.Sub(s.lastSweep) < s.lim.IdleTimeout/2 {
		return
	}
	s.lastSweep = now
	for _, sess := range s.byID {
		if now.Sub(sess.lastUsed) >= s.lim.IdleTimeout {
			s.removeLocked(sess)
		}
	}
}

func (s *sessions) removeLocked(sess *session) {
	delete(s.byID, sess.id)
	if perUser := s.byUser[sess.userID]; perUser != nil {
		delete(perUser, sess.id)
		if len(perUser) == 0 {
			delete(s.byUser, sess.userID)
		}
	}
	if s.open[sess.userID] == sess {
		delete(s.open, sess.userID)
	}
}

// count is the number of sessions held (expired ones not yet swept included).
func (s *sessions) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// UserOf authenticates a request without creating a session; the CometD endpoint uses it.
func (s *sessions) UserOf(r *http.Request) (string, bool) {
	id, ok := s.authenticate(r, false)
	return id.userID, ok
}

func (s *sessions) invalidate(sessionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess := s.byID[sessionID]; sess != nil {
		s.removeLocked(sess)
	}
}

// errCSRF is the refusal of a state-changing request without its session's CSRF token.
var errCSRF = errors.New("Missing or invalid Csrf token")

// csrfValid reports whether a state-changing request carries the CSRF token of its session: the session of its
// cookie, or, for a request authenticated by Basic alone, the user's open session (whose token that client
// read from a GET). A request that has no session cannot carry a valid token.
func (s *sessions) csrfValid(r *http.Request) bool {
	got := r.Header.Get(csrfTokenHeader)
	if got == "" {
		return false
	}
	id, ok := s.authenticate(r, false)
	if !ok {
		return false
	}
	want := id.csrf
	if want == "" {
		s.mu.Lock()
		if sess := s.open[id.userID]; sess != nil && s.liveLocked(sess.id, s.now()) != nil {
			want = sess.csrf
		}
		s.mu.Unlock()
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sessionCookie is the cookie handing out a session: HttpOnly and SameSite=Lax, so that scripts cannot read it
// and cross-site requests other than top-level navigations do not carry it.
func sessionCookie(id string) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}
}
