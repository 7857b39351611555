package cometd

// ExpireUser ends every session of one user, as ExpireAll does for all: held connects are answered with
// "402::Unknown client" and reconnect advice "handshake", and so are later messages naming those sessions.
// Other users' sessions are untouched. It returns how many sessions ended.
func (s *Server) ExpireUser(userID string) int {
	n := 0
	for _, sess := range s.snapshot() {
		if sess.user == userID && s.end(sess, endExpireAll, nil) {
			n++
		}
	}
	s.log.Info("cometd sessions of a user expired on request", "user", userID, "count", n)
	return n
}
