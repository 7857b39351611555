package interop_test

import (
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// Deadlines for the Node scripts: the script's own (it reports what it still waited for) is shorter than the
// one after which the spec kills the process, so a slow run fails with the script's explanation.
const (
	scriptDeadlineMS = "15000"
	scriptKill       = 25 * time.Second
	lineWait         = 10 * time.Second
)

// notifications returns the notification lines of one user ("" for every user).
func notifications(lines []scriptLine, user string) []scriptLine {
	var out []scriptLine
	for _, l := range lines {
		if l.Kind == "notification" && (user == "" || l.User == user) {
			out = append(out, l)
		}
	}
	return out
}

// channelAndData renders notifications as "channel data" strings with canonical data, comparable across the
// Go server's and a JavaScript client's JSON encodings.
func channelAndData(lines []scriptLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Channel + " " + canonical(l.Data)
	}
	return out
}

func publishedChannelAndData(ns []simulator.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Channel + " " + canonical(n.Data)
	}
	return out
}

var _ = Describe("Bayeux clients nobody in this project wrote, through the whole stack", func() {
	var (
		sim *simulator.Loopback
		pub *published
		api *rest
		ctx context.Context
	)

	BeforeEach(func() {
		requireNode() // fail first, with what to do, rather than after starting anything
		var err error
		sim, err = simulator.StartLoopback(fixtures.Default())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(sim.Close)
		pub = record(sim)
		api = newREST(sim.URL)
		DeferCleanup(api.close)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
		DeferCleanup(cancel)
	})

	Describe("the official CometD JavaScript client (cometd 9 + cometd-nodejs-client 2)", func() {
		// This spec proves that two official CometD clients, logged in with Basic auth as supervisor1 and
		// agent1, follow a whole coaching scenario the script drives over REST (Coach, Dial, Answer), and
		// that what they printed is exactly what the simulator published for those users, in the same order:
		// nothing lost, added, altered or reordered between the engine and a real client.
		It("follows a coaching scenario and receives exactly what the simulator published, in order", func() {
			s := startScript("cometd-follow.js", scriptKill, "--url", sim.URL, "--supervisor", "supervisor1",
				"--agent", "agent1", "--customer", "customer1", "--deadline-ms", scriptDeadlineMS)
			lines := s.succeeds(scriptKill)
			GinkgoWriter.Println(s.report())

			for _, user := range []string{"supervisor1", "agent1"} {
				Expect(count(lines, func(l scriptLine) bool { return l.User == user && l.isMeta("/meta/handshake", true) })).
					To(Equal(1), "%s handshakes\n%s", user, s.report())
				Expect(count(lines, func(l scriptLine) bool { return l.User == user && l.isMeta("/meta/subscribe", true) })).
					To(Equal(1), "%s subscribes\n%s", user, s.report())
			}
			// No meta reply may fail, the final disconnect included: a connect held when the client disconnects
			// is answered successfully with advice reconnect none, as CometD servers do.
			for _, l := range lines {
				Expect(l.Kind != "meta" || l.Successful).To(BeTrue(), "a meta reply failed: %s\n%s", l.Raw, s.report())
			}
			var ops []string
			for _, l := range lines {
				if l.Kind == "rest" {
					Expect(l.Status).To(Equal(200), "%s %s\n%s", l.User, l.Operation, s.report())
					ops = append(ops, l.User+" "+l.Operation)
				}
			}
			Expect(ops).To(Equal([]string{"supervisor1 Coach", "customer1 Dial", "agent1 Answer"}), s.report())

			// Both clients subscribed before the first operation, and the script stops reading once it has
			// seen what it needed: what each printed is a non-empty prefix of what was published for it.
			for _, user := range []string{"supervisor1", "agent1"} {
				got := channelAndData(notifications(lines, user))
				want := publishedChannelAndData(pub.of(user))
				Expect(got).NotTo(BeEmpty(), "%s received nothing\n%s", user, s.report())
				Expect(len(got)).To(BeNumerically("<=", len(want)), "%s received more than was published: %s\n%s",
					user, firstDifference(want, got), s.report())
				Expect(got).To(Equal(want[:len(got)]), "%s: %s\n%s", user, firstDifference(want, got), s.report())
			}
			Expect(notifications(lines, "customer1")).To(BeEmpty(), "nobody followed customer1")
		})

		// This spec proves that the official client recovers by itself when the server loses its session: the
		// simulator answers 402 with advice reconnect=handshake, the client handshakes again under a new
		// clientId, subscribes again, and receives the next notification over the new session.
		It("re-handshakes after the server forgets every session and receives the next notification", func() {
			recoversFromLostSessions(ctx, sim, pub, api, "cometd-rehandshake.js")
		})
	})

	Describe("Faye 1.4 (a Bayeux client written independently of CometD)", func() {
		// This spec proves that Faye, sending Basic auth as agent1 on every request and long-polling only,
		// subscribes to /v2/me/devices, receives the DeviceStateChangeMessage of a REST DoNotDisturbOn exactly
		// as the simulator published it, and disconnects cleanly.
		It("subscribes, receives an operation's notification and disconnects", func() {
			s := startScript("faye-basic.js", scriptKill, "--url", sim.URL, "--user", "agent1",
				"--channel", "/v2/me/devices", "--count", "1", "--deadline-ms", scriptDeadlineMS)
			s.waitFor("the subscribe reply", lineWait, func(ls []scriptLine) bool {
				return indexOf(ls, 0, func(l scriptLine) bool { return l.isMeta("/meta/subscribe", true) }) >= 0
			})
			Expect(api.dnd(ctx, "agent1", true)).To(Succeed())
			lines := s.succeeds(scriptKill)
			GinkgoWriter.Println(s.report())

			got := notifications(lines, "agent1")
			Expect(channelAndData(got)).To(Equal(publishedChannelAndData(pub.of("agent1"))), s.report())
			Expect(got).To(HaveLen(1), s.report())
			Expect(got[0].Channel).To(Equal("/v2/me/devices"))
			Expect(dndOf(got[0].Data)).To(Equal("On"), s.report())
			Expect(count(lines, func(l scriptLine) bool { return l.isMeta("/meta/disconnect", true) })).
				To(Equal(1), "a successful /meta/disconnect\n%s", s.report())
		})

		// Like the CometD re-handshake spec, for Faye: 402 + reconnect=handshake makes it handshake and
		// subscribe again by itself, and the next notification arrives over the new clientId.
		It("re-handshakes after the server forgets every session and receives the next notification", func() {
			recoversFromLostSessions(ctx, sim, pub, api, "faye-rehandshake.js")
		})
	})
})

// recoversFromLostSessions runs one of the *-rehandshake.js scripts as agent1: one notification over the first
// session, then every session is expired, then a second notification once the client has handshaken and
// subscribed again. It requires "done", exactly the two published notifications, the loss seen as a 402
// connect reply, and the second notification delivered after the second session's subscribe.
func recoversFromLostSessions(ctx context.Context, sim *simulator.Loopback, pub *published, api *rest, name string) {
	GinkgoHelper()
	handshook := func(l scriptLine) bool { return l.isMeta("/meta/handshake", true) }
	subscribed := func(l scriptLine) bool { return l.isMeta("/meta/subscribe", true) }
	isNote := func(l scriptLine) bool { return l.Kind == "notification" }
	// second returns the index of the second session's subscribe reply (after its handshake), or -1.
	second := func(ls []scriptLine) (hs, sub int) {
		h1 := indexOf(ls, 0, handshook)
		if h1 < 0 {
			return -1, -1
		}
		h2 := indexOf(ls, h1+1, handshook)
		if h2 < 0 {
			return -1, -1
		}
		return h2, indexOf(ls, h2+1, subscribed)
	}

	s := startScript(name, scriptKill, "--url", sim.URL, "--user", "agent1", "--channel", "/v2/me/*",
		"--count", "2", "--deadline-ms", scriptDeadlineMS)
	s.waitFor("the first subscribe reply", lineWait, func(ls []scriptLine) bool { return indexOf(ls, 0, subscribed) >= 0 })
	Expect(api.dnd(ctx, "agent1", true)).To(Succeed())
	s.waitFor("the first notification", lineWait, func(ls []scriptLine) bool { return indexOf(ls, 0, isNote) >= 0 })

	sim.ExpireNotificationSessions()
	s.waitFor("a second successful handshake followed by a successful subscribe", lineWait, func(ls []scriptLine) bool {
		_, sub := second(ls)
		return sub >= 0
	})
	Expect(api.dnd(ctx, "agent1", false)).To(Succeed())
	lines := s.succeeds(scriptKill)
	GinkgoWriter.Println(s.report())

	h1 := indexOf(lines, 0, handshook)
	h2, sub2 := second(lines)
	Expect(sub2).To(BeNumerically(">", h2), "two sessions, the second one subscribed\n%s", s.report())
	firstID, secondID := lines[h1].ClientID, lines[h2].ClientID
	Expect(firstID).NotTo(BeEmpty(), s.report())
	Expect(secondID).NotTo(BeEmpty(), s.report())
	Expect(secondID).NotTo(Equal(firstID), "the second handshake must open a new session\n%s", s.report())
	Expect(lines[sub2].ClientID).To(Equal(secondID), "the second subscribe must use the new clientId\n%s", s.report())
	Expect(count(lines, handshook)).To(Equal(2), "exactly one re-handshake\n%s", s.report())

	got := notifications(lines, "agent1")
	Expect(got).To(HaveLen(2), s.report())
	Expect(channelAndData(got)).To(Equal(publishedChannelAndData(pub.of("agent1"))), s.report())
	Expect([]string{dndOf(got[0].Data), dndOf(got[1].Data)}).To(Equal([]string{"On", "Off"}), s.report())
	firstNote := indexOf(lines, 0, isNote)
	Expect(firstNote).To(BeNumerically("<", h2), "the first notification came over the first session\n%s", s.report())
	lost := indexOf(lines, firstNote, func(l scriptLine) bool {
		return l.Kind == "meta" && !l.Successful && l.Channel == "/meta/connect" && strings.HasPrefix(l.Error, "402:")
	})
	Expect(lost).To(And(BeNumerically(">", 0), BeNumerically("<", h2)),
		"after the first notification and before the re-handshake, a /meta/connect must fail with 402\n%s", s.report())
	Expect(indexOf(lines, sub2+1, isNote)).To(BeNumerically(">", sub2),
		"the second notification must arrive after the new session's subscribe reply\n%s", s.report())
}
