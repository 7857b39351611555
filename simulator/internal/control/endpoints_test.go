package control_test

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

// nowOf reads the "now" member of a reply or of a state's clock.
func nowOf(v any) time.Time {
	GinkgoHelper()
	s, ok := v.(string)
	Expect(ok).To(BeTrue(), "now is not a string: %v", v)
	t, err := time.Parse(time.RFC3339Nano, s)
	Expect(err).NotTo(HaveOccurred())
	return t
}

// logIn starts the user's contact-center session and makes it Ready, through the GWS API.
func (g *gws) logIn() {
	GinkgoHelper()
	Expect(g.post("/api/v2/me", map[string]any{"operationName": "StartContactCenterSession", "channels": []string{"voice"}})).To(succeed())
	Expect(g.post("/api/v2/me/channels/voice", map[string]any{"operationName": "Ready"})).To(succeed())
}

var _ = Describe("Calls from outside", func() {
	var r *rig
	BeforeEach(func() { r = startDefault() })

	It("attaches the userData given to the new call, and refuses data that is not an object of values", func() {
		rep := r.post(callsURL, map[string]any{"from": "+14155550100", "to": "5001", "userData": map[string]any{"segment": "gold"}})
		Expect(rep).To(succeed())
		Expect(r.as("agent1").calls()[0]).To(HaveKeyWithValue("userData", map[string]any{"segment": "gold"}))
		Expect(r.post(callsURL, map[string]any{"from": "+14155550100", "to": "5002", "userData": "gold"})).
			NotTo(succeed())
		Expect(r.post(callsURL, map[string]any{"from": "+14155550100", "to": "5002", "userData": map[string]any{"vip": true}})).
			NotTo(succeed())
		Expect(r.as("agent2").calls()).To(BeEmpty())
	})

	It("rings the agent whose DN is called, and the caller's hang-up ends the answered call", func() {
		rep := r.post(callsURL, map[string]any{"from": "+14155550100", "to": "5001"})
		Expect(rep).To(succeed())
		Expect(rep.Object()).To(HaveLen(2)) // statusCode and id
		id, _ := rep.Object()["id"].(string)
		Expect(id).NotTo(BeEmpty())

		agent1 := r.as("agent1")
		calls := agent1.calls()
		Expect(calls).To(HaveLen(1))
		Expect(calls[0]).To(HaveKeyWithValue("id", id))
		Expect(calls[0]).To(HaveKeyWithValue("state", "Ringing"))
		Expect(calls[0]).To(HaveKeyWithValue("callType", "Inbound"))
		Expect(calls[0]).To(HaveKeyWithValue("ani", "+14155550100"))
		Expect(calls[0]).To(HaveKeyWithValue("dnis", "5001"))
		Expect(calls[0]["capabilities"]).To(ContainElement("Answer"))

		call := stateCalls(r.state())
		Expect(call).To(HaveLen(1))
		Expect(call[0]).To(HaveKeyWithValue("id", id))
		Expect(call[0]).To(HaveKeyWithValue("ani", "+14155550100"))
		legs := parties(call[0])
		Expect(legs).To(HaveLen(2))
		Expect(legs[0]).To(HaveKeyWithValue("number", "+14155550100"))
		Expect(legs[0]).NotTo(HaveKey("userName"))
		Expect(legs[1]).To(HaveKeyWithValue("userName", "agent1"))
		Expect(legs[1]).To(HaveKeyWithValue("state", "Ringing"))

		// Only agent1 was told: the caller has no device and nobody supervises agent1.
		agent1ID := r.user("agent1").ID
		Eventually(r.recorded).Should(HaveLen(1))
		Expect(r.recorded()[0].UserID).To(Equal(agent1ID))
		Expect(decodeData(r.recorded()[0].Data)).To(HaveKeyWithValue("messageType", "CallStateChangeMessage"))

		Expect(agent1.callOp(id, "Answer")).To(succeed())
		Expect(agent1.calls()[0]).To(HaveKeyWithValue("state", "Established"))

		rep = r.control(http.MethodDelete, callsURL+"/"+id, nil)
		Expect(rep).To(succeed())
		Expect(rep.Object()).To(Equal(map[string]any{"statusCode": 0.0}))
		Expect(agent1.calls()).To(BeEmpty())
		st := r.state()
		Expect(stateCalls(st)).To(BeEmpty())
		Expect(userSnapshot(st, "agent1")).To(HaveKeyWithValue("activeCalls", 0.0))
		Eventually(func() any {
			rec := r.recorded()
			return decodeData(rec[len(rec)-1].Data)["call"]
		}).Should(HaveKeyWithValue("state", "Released"))

		// The caller is gone: a second hang-up finds nobody.
		Expect(r.control(http.MethodDelete, callsURL+"/"+id, nil)).To(beGWSError(http.StatusNotFound, 6))
	})

	It("lets a caller abandon a call that is still ringing", func() {
		id := r.inbound("4155550100", "5002") // the plus is optional
		agent2 := r.as("agent2")
		Expect(agent2.calls()).To(HaveLen(1))
		Expect(r.control(http.MethodDelete, callsURL+"/"+id, nil)).To(succeed())
		Expect(agent2.calls()).To(BeEmpty())
		Expect(stateCalls(r.state())).To(BeEmpty())
	})

	It("queues a call to the routing point until an agent is Ready, then rings that agent", func() {
		id := r.inbound("+14155550100", "7000")
		st := r.state()
		Expect(st["routingPoints"]).To(ConsistOf(HaveKeyWithValue("queue", ConsistOf(id))))
		Expect(stateCalls(st)[0]).To(HaveKeyWithValue("queuedAt", "7000"))
		agent2 := r.as("agent2")
		Expect(agent2.calls()).To(BeEmpty())

		agent2.logIn()
		calls := agent2.calls()
		Expect(calls).To(HaveLen(1))
		Expect(calls[0]).To(HaveKeyWithValue("id", id))
		Expect(calls[0]).To(HaveKeyWithValue("state", "Ringing"))
		st = r.state()
		Expect(st["routingPoints"]).To(ConsistOf(HaveKeyWithValue("queue", BeEmpty())))
		Expect(stateCalls(st)[0]).NotTo(HaveKey("queuedAt"))
	})

	It("lets a queued caller give up, leaving the queue", func() {
		first := r.inbound("+14155550100", "7000")
		second := r.inbound("+14155550101", "7000")
		Expect(r.control(http.MethodDelete, callsURL+"/"+first, nil)).To(succeed())
		st := r.state()
		Expect(st["routingPoints"]).To(ConsistOf(HaveKeyWithValue("queue", ConsistOf(second))))
		Expect(stateCalls(st)).To(HaveLen(1))
		r.as("agent1").logIn()
		Expect(r.as("agent1").calls()[0]).To(HaveKeyWithValue("id", second))
	})

	It("ends a call to a device in DoNotDisturb at once, without telling its user", func() {
		Expect(r.as("agent3").deviceOp("DoNotDisturbOn")).To(succeed())
		Eventually(r.recorded).Should(HaveLen(1))
		id := r.inbound("+14155550100", "5003")
		Expect(id).NotTo(BeEmpty())
		Expect(r.as("agent3").calls()).To(BeEmpty())
		Expect(stateCalls(r.state())).To(BeEmpty())
		Consistently(r.recorded, 100*time.Millisecond).Should(HaveLen(1))
		Expect(r.control(http.MethodDelete, callsURL+"/"+id, nil)).To(beGWSError(http.StatusNotFound, 6))
	})

	It("gives every call its own id", func() {
		a := r.inbound("+14155550100", "5001")
		b := r.inbound("+14155550101", "5001")
		c := r.inbound("+14155550102", "7000")
		Expect([]string{a, b, c}).To(HaveLen(3))
		Expect(a).NotTo(Equal(b))
		Expect(b).NotTo(Equal(c))
		Expect(a).NotTo(Equal(c))
		Expect(r.as("agent1").calls()).To(HaveLen(2))
	})
})

var _ = Describe("Concurrent control requests", func() {
	It("are each served whole, alongside GWS operations", func() {
		r := startDefault()
		const workers, rounds = 6, 8
		errs := make(chan error, workers*rounds*4)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range rounds {
					from := fmt.Sprintf("+1415555%02d%02d", w, i)
					for _, req := range []struct {
						method, path string
						body         any
					}{
						{http.MethodPost, callsURL, map[string]any{"from": from, "to": "7000"}},
						{http.MethodGet, stateURL, nil},
						{http.MethodPost, faultsURL, map[string]any{"delayNotificationsMs": i, "failNext": map[string]any{"user": "customer2", "statusCode": 4}}},
						{http.MethodPost, advanceURL, map[string]any{"seconds": 1}},
					} {
						rep, err := r.send(r.hc, req.method, req.path, req.body, func(q *http.Request) { q.Header.Set("Authorization", "Bearer "+token) })
						if err == nil && (rep.Status != http.StatusOK || rep.Code() != 0) {
							err = fmt.Errorf("%s", rep.GomegaString())
						}
						if err != nil {
							errs <- err
						}
					}
				}
			}()
		}
		agent1 := r.as("agent1")
		for range rounds {
			Expect(agent1.deviceOp("DoNotDisturbOn")).To(succeed())
			Expect(agent1.deviceOp("DoNotDisturbOff")).To(succeed())
		}
		wg.Wait()
		close(errs)
		Expect(errs).To(BeEmpty())
		st := r.state()
		Expect(st["routingPoints"]).To(ConsistOf(HaveKeyWithValue("queue", HaveLen(workers*rounds))))
		Expect(nowOf(st["clock"].(map[string]any)["now"])).To(Equal(epoch.Add(workers * rounds * time.Second)))
	})
})

var _ = Describe("Advancing the clock", func() {
	var r *rig
	BeforeEach(func() { r = startDefault() })

	It("moves a stopped virtual clock forward by the seconds given, fractions included", func() {
		rep := r.post(advanceURL, map[string]any{"seconds": 90})
		Expect(rep).To(succeed())
		body := rep.Object()
		Expect(nowOf(body["now"])).To(Equal(epoch.Add(90 * time.Second)))
		Expect(body).To(HaveKeyWithValue("actions", 0.0)) // no script
		Expect(nowOf(r.state()["clock"].(map[string]any)["now"])).To(Equal(epoch.Add(90 * time.Second)))

		Expect(r.post(advanceURL, `{"seconds":0.25}`)).To(succeed())
		Expect(nowOf(r.state()["clock"].(map[string]any)["now"])).To(Equal(epoch.Add(90250 * time.Millisecond)))
	})

	It("accepts exactly a week, and a body of exactly 1 MiB", func() {
		Expect(r.post(advanceURL, map[string]any{"seconds": 604800})).To(succeed())
		Expect(r.post(advanceURL, padded(`{"seconds":`, `1}`, restapi.MaxBodyBytes))).To(succeed())
		Expect(nowOf(r.state()["clock"].(map[string]any)["now"])).To(Equal(epoch.Add(7*24*time.Hour + time.Second)))
	})

	It("ages what the state reports: call legs (idle time is reported for Ready agents only)", func() {
		id := r.inbound("+14155550100", "5001")
		Expect(r.as("agent1").callOp(id, "Answer")).To(succeed())
		Expect(r.post(advanceURL, map[string]any{"seconds": 42})).To(succeed())
		st := r.state()
		for _, leg := range parties(stateCalls(st)[0]) {
			Expect(leg).To(HaveKeyWithValue("seconds", 42.0))
		}
		Expect(userSnapshot(st, "agent2")).NotTo(HaveKey("idleSeconds"), "agent2 has no session, so it is not waiting for calls")
		Expect(r.as("agent1").calls()[0]).To(HaveKeyWithValue("duration", "42"))
	})
})

var _ = Describe("The state", func() {
	It("reports the environment, a stopped virtual clock, every user, the routing points, and no seed without a script", func() {
		r := startDefault()
		st := r.state()
		Expect(st).To(HaveKeyWithValue("environment", r.Environment().Name))
		Expect(st["clock"]).To(Equal(map[string]any{"kind": "virtual", "speed": 0.0, "now": epoch.Format(time.RFC3339)}))
		Expect(st).NotTo(HaveKey("seed"))
		Expect(st["calls"]).To(BeEmpty())
		Expect(st["supervision"]).To(BeEmpty())
		Expect(st["routingPoints"]).To(Equal([]any{map[string]any{"dn": "7000",
			"agents": []any{"agent1", "agent2", "agent3"}, "queue": []any{}}}))
		users, _ := st["users"].([]any)
		Expect(users).To(HaveLen(len(r.Environment().Users)))
		for _, u := range r.Environment().Users {
			snap := userSnapshot(st, u.UserName)
			Expect(snap).To(HaveKeyWithValue("id", u.ID))
			Expect(snap).To(HaveKeyWithValue("deviceId", u.Device.ID))
			Expect(snap).To(HaveKeyWithValue("dn", u.Device.DN))
			Expect(snap).To(HaveKeyWithValue("role", string(u.Role)))
			Expect(snap).To(HaveKeyWithValue("contactCenterSession", false))
			Expect(snap).To(HaveKeyWithValue("doNotDisturb", false))
			Expect(snap).To(HaveKeyWithValue("activeCalls", 0.0))
		}
	})

	It("reports the real clock as such, without a speed", func() {
		r := startRig(fixtures.Default())
		before := time.Now()
		clk, _ := r.state()["clock"].(map[string]any)
		Expect(clk).To(HaveKeyWithValue("kind", "real"))
		Expect(clk).NotTo(HaveKey("speed"))
		Expect(nowOf(clk["now"])).To(BeTemporally("~", before, 5*time.Second))
	})

	It("reports a running virtual clock with its speed", func() {
		vc, err := simulator.NewVirtualClock(2.5)
		Expect(err).NotTo(HaveOccurred())
		r := startRig(fixtures.Default(), simulator.WithClock(vc))
		clk, _ := r.state()["clock"].(map[string]any)
		Expect(clk).To(HaveKeyWithValue("kind", "virtual"))
		Expect(clk).To(HaveKeyWithValue("speed", 2.5))
		Expect(nowOf(clk["now"])).To(BeTemporally(">=", epoch))
	})

	It("reports the seed of a scripted environment: the script's own, or the one given", func() {
		env, err := fixtures.Load("../../../fixtures/busy-center.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(startRig(env, stoppedClock()).state()).To(HaveKeyWithValue("seed", 2026.0))
		Expect(startRig(env, stoppedClock(), simulator.WithSeed(7)).state()).To(HaveKeyWithValue("seed", 7.0))

		noSeed, err := fixtures.Parse("inline", []byte(`
users:
  - {userName: agent1, password: password, role: agent, device: {dn: "5001"}}
script:
  agents:
    - {users: [agent1], talk: 30s}
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(startRig(noSeed, stoppedClock()).state()).To(HaveKeyWithValue("seed", 1.0))
	})

	It("shows standing supervision and who is supervised", func() {
		r := startDefault()
		Expect(r.as("supervisor1").deviceOp("ListenIn", "targetDeviceUri", r.URL+"/api/v2/devices/"+r.user("agent2").Device.ID,
			"supervisorMonitoringScope", "Agent", "supervisorMonitoringMode", "NextCall")).To(succeed())
		st := r.state()
		Expect(st["supervision"]).To(Equal([]any{map[string]any{"supervisor": "supervisor1", "state": "ListenIn",
			"scope": "Agent", "mode": "NextCall", "target": "agent2"}}))
		Expect(userSnapshot(st, "agent2")).To(HaveKeyWithValue("supervisedBy", "supervisor1"))
		Expect(userSnapshot(st, "agent1")).NotTo(HaveKey("supervisedBy"))
	})
})

var _ = Describe("The faults resource", func() {
	var r *rig
	BeforeEach(func() { r = startDefault() })

	none := map[string]any{"delayNotificationsMs": 0.0, "failNext": map[string]any{}}

	It("starts empty, adds what each POST gives, and is emptied by DELETE", func() {
		Expect(r.faults()).To(Equal(none))

		rep := r.post(faultsURL, map[string]any{"delayNotificationsMs": 150,
			"failNext": map[string]any{"user": "agent1", "statusCode": 3}})
		Expect(rep).To(succeed())
		want := map[string]any{"delayNotificationsMs": 150.0, "failNext": map[string]any{"agent1": 3.0}}
		Expect(rep.Object()).To(Equal(map[string]any{"statusCode": 0.0, "faults": want}))
		Expect(r.faults()).To(Equal(want))

		// A failure for another user joins the first; the delay stays as it was.
		Expect(r.post(faultsURL, fail("supervisor2", 19))).To(succeed())
		want = map[string]any{"delayNotificationsMs": 150.0, "failNext": map[string]any{"agent1": 3.0, "supervisor2": 19.0}}
		Expect(r.faults()).To(Equal(want))

		// A second failure for the same user replaces the first; a new delay replaces the old one.
		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": 0, "failNext": map[string]any{"user": "agent1", "statusCode": 18}})).To(succeed())
		want = map[string]any{"delayNotificationsMs": 0.0, "failNext": map[string]any{"agent1": 18.0, "supervisor2": 19.0}}
		Expect(r.faults()).To(Equal(want))

		// Expiring sessions is an act, not a standing fault.
		rep = r.post(faultsURL, map[string]any{"expireSessions": true})
		Expect(rep).To(succeed())
		Expect(rep.Object()["faults"]).To(Equal(want))

		rep = r.control(http.MethodDelete, faultsURL, nil)
		Expect(rep).To(succeed())
		Expect(rep.Object()).To(Equal(map[string]any{"statusCode": 0.0, "faults": none}))
		Expect(r.faults()).To(Equal(none))
	})

	It("accepts every documented failure code but 0 and 7, for every user of the environment", func() {
		for _, u := range r.Environment().Users {
			for code := 1; code <= 20; code++ {
				rep := r.post(faultsURL, fail(u.UserName, code))
				if code == 7 {
					Expect(rep).To(beGWSError(http.StatusBadRequest, 10))
					continue
				}
				Expect(rep).To(succeed())
				Expect(r.faults()["failNext"]).To(HaveKeyWithValue(u.UserName, float64(code)))
			}
		}
	})
})

var _ = Describe("Reset", func() {
	var (
		r       *rig
		initial map[string]any
	)
	BeforeEach(func() {
		r = startDefault()
		initial = r.state()
	})

	// busy changes about everything a reset must undo.
	busy := func() {
		GinkgoHelper()
		Expect(r.as("agent3").deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(r.as("supervisor1").deviceOp("Coach", "targetDeviceUri", r.URL+"/api/v2/devices/"+r.user("agent1").Device.ID)).To(succeed())
		agent1 := r.as("agent1")
		agent1.logIn()
		id := r.inbound("+14155550100", "7000")
		Expect(agent1.callOp(id, "Answer")).To(succeed())
		Expect(r.as("supervisor1").calls()).To(HaveLen(1), "supervisor1 joined agent1's call")
		Expect(r.as("customer1").post("/api/v2/me/devices/"+r.user("customer1").Device.ID+"/calls",
			map[string]any{"operationName": "Dial", "destination": map[string]any{"phoneNumber": "5002"}})).To(succeed())
		r.inbound("+14155550101", "7000") // queued: nobody else is Ready
		Expect(r.post(faultsURL, map[string]any{"delayNotificationsMs": 20, "failNext": map[string]any{"user": "agent2", "statusCode": 4}})).To(succeed())
		Expect(r.state()).NotTo(Equal(initial))
	}

	It("puts the fixture's initial state back and clears the faults", func() {
		busy()
		rep := r.post(resetURL, nil)
		Expect(rep).To(succeed())
		Expect(nowOf(rep.Object()["now"])).To(Equal(epoch))
		Expect(r.state()).To(Equal(initial))
		Expect(r.faults()).To(Equal(map[string]any{"delayNotificationsMs": 0.0, "failNext": map[string]any{}}))

		// Through the GWS API too: no calls, no DoNotDisturb, no supervision, and agent2's failure is gone.
		for _, name := range []string{"agent1", "supervisor1", "customer1", "agent2"} {
			Expect(r.as(name).calls()).To(BeEmpty(), name)
		}
		Expect(r.as("agent2").deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(userSnapshot(r.state(), "agent2")).To(HaveKeyWithValue("doNotDisturb", true))

		// Calls are numbered afresh, as in a new simulator.
		Expect(r.inbound("+14155550100", "5001")).To(Equal("01CS0000000000000000000000000001"))
	})

	It("accepts an empty object as its body, and may be repeated", func() {
		Expect(r.post(resetURL, `{}`)).To(succeed())
		busy()
		Expect(r.post(resetURL, " \n")).To(succeed())
		Expect(r.post(resetURL, nil)).To(succeed())
		Expect(r.state()).To(Equal(initial))
	})

	It("does not rewind the clock", func() {
		Expect(r.post(advanceURL, map[string]any{"seconds": 60})).To(succeed())
		busy()
		rep := r.post(resetURL, nil)
		Expect(rep).To(succeed())
		Expect(nowOf(rep.Object()["now"])).To(Equal(epoch.Add(time.Minute)))
		st := r.state()
		Expect(nowOf(st["clock"].(map[string]any)["now"])).To(Equal(epoch.Add(time.Minute)))
		Expect(withoutNow(st)).To(Equal(withoutNow(initial)))
	})

	It("keeps HTTP sessions valid", func() {
		agent1 := r.as("agent1")
		Expect(agent1.get("/api/v2/me")).To(succeed()) // Basic: the jar gets a session cookie
		Expect(r.post(resetURL, nil)).To(succeed())
		Expect(agent1.do(http.MethodGet, "/api/v2/me", nil, false)).To(succeed())
		Expect(agent1.do(http.MethodPost, "/api/v2/me/devices/"+r.user("agent1").Device.ID,
			map[string]any{"operationName": "DoNotDisturbOn"}, false)).To(succeed())
	})

	It("ends every CometD session: held connects and later ones get 402", func() {
		held := r.bayeux("agent1").open().listen()
		idle := r.bayeux("agent2").open()
		Expect(r.post(resetURL, nil)).To(succeed())

		var ended bmsg
		Eventually(held.ended).WithTimeout(requestTimeout).Should(Receive(&ended))
		Expect(ended.Error).To(HavePrefix("402"))
		Expect(ended.Advice).To(HaveKeyWithValue("reconnect", "handshake"))

		rep, events := idle.connectNow()
		Expect(rep.Successful).To(BeFalse())
		Expect(rep.Error).To(HavePrefix("402"))
		Expect(events).To(BeEmpty())

		// A new session works.
		fresh := r.bayeux("agent2").open().listen()
		Expect(r.as("agent2").deviceOp("DoNotDisturbOn")).To(succeed())
		Expect(fresh.next(requestTimeout).Channel).To(Equal("/v2/me/devices"))
	})
})
