package restapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
)

// problems collects what went wrong in worker goroutines, for one assertion on the spec's goroutine.
type problems struct {
	mu   sync.Mutex
	list []string
}

func (p *problems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.list...)
}

// worker is one goroutine's client with checks that record problems instead of failing.
type worker struct {
	c    *client
	errs *problems
}

// expect sends a request and records a problem unless the reply has the HTTP status and statusCode.
func (w worker) expect(method, path string, body any, httpStatus, code int) (reply, bool) {
	r, err := w.c.send(method, path, body, nil)
	if err != nil {
		w.errs.add("%s: %v", w.c.name, err)
		return r, false
	}
	if r.Status != httpStatus || r.Code() != code {
		w.errs.add("%s: want HTTP %d statusCode %d, got %s", w.c.name, httpStatus, code, r.GomegaString())
		return r, false
	}
	return r, true
}

func (w worker) ok(method, path string, body any) (reply, bool) {
	return w.expect(method, path, body, http.StatusOK, 0)
}

// decode reads a reply body into v, recording a problem when it cannot.
func (w worker) decode(r reply, v any) bool {
	if err := json.Unmarshal(r.Body, v); err != nil {
		w.errs.add("%s: undecodable %s: %v", w.c.name, r.GomegaString(), err)
		return false
	}
	return true
}

var _ = Describe("Concurrency", func() {
	It("serves many clients doing operations and reads at once, and leaks no goroutine", func() {
		const rounds = 12
		before := gleak.Goroutines()
		st := newStack()
		var clients []*client
		newWorker := func(name string, errs *problems) worker {
			c := st.client(name)
			clients = append(clients, c)
			return worker{c: c, errs: errs}
		}
		errs := &problems{}
		var wg sync.WaitGroup

		// Two disjoint caller/agent pairs place, answer and end calls over and over.
		for _, pair := range [][2]string{{"customer1", "agent1"}, {"customer2", "agent2"}} {
			caller, agent := newWorker(pair[0], errs), newWorker(pair[1], errs)
			dialPath := "/api/v2/me/devices/" + st.user(pair[0]).Device.ID + "/calls"
			agentDN := st.user(pair[1]).Device.DN
			wg.Go(func() {
				for range rounds {
					if _, ok := caller.ok(http.MethodPost, dialPath, op{"operationName": "Dial", "destination": op{"phoneNumber": agentDN}}); !ok {
						return
					}
					r, ok := agent.ok(http.MethodGet, "/api/v2/me/calls", nil)
					var list struct{ URIs []string }
					if !ok || !agent.decode(r, &list) {
						return
					}
					if len(list.URIs) != 1 {
						errs.add("%s: want one call, got %s", agent.c.name, r.GomegaString())
						return
					}
					id := list.URIs[0][strings.LastIndex(list.URIs[0], "/")+1:]
					if _, ok := agent.ok(http.MethodPost, "/api/v2/me/calls/"+id, op{"operationName": "Answer"}); !ok {
						return
					}
					if _, ok := caller.ok(http.MethodPost, "/api/v2/me/calls/"+id, op{"operationName": "Hangup"}); !ok {
						return
					}
				}
			})
		}

		// Two users toggle DoNotDisturb and read it back; only they change it, so every read is predictable.
		for _, name := range []string{"agent3", "supervisor2"} {
			w := newWorker(name, errs)
			path := "/api/v2/me/devices/" + st.user(name).Device.ID
			wg.Go(func() {
				for i := range 2 * rounds {
					opName, want := "DoNotDisturbOn", "On"
					if i%2 == 1 {
						opName, want = "DoNotDisturbOff", "Off"
					}
					if _, ok := w.ok(http.MethodPost, path, op{"operationName": opName}); !ok {
						return
					}
					r, ok := w.ok(http.MethodGet, "/api/v2/me/devices?fields=doNotDisturb", nil)
					var got struct {
						Devices []struct{ DoNotDisturb string }
					}
					if !ok || !w.decode(r, &got) {
						return
					}
					if len(got.Devices) != 1 || got.Devices[0].DoNotDisturb != want {
						errs.add("%s: after %s want doNotDisturb %s, got %s", name, opName, want, r.GomegaString())
					}
				}
			})
		}

		// supervisor1 starts and cancels coaching agent1 while agent1's calls come and go.
		sup := newWorker("supervisor1", errs)
		supPath := "/api/v2/me/devices/" + st.user("supervisor1").Device.ID
		target := st.deviceURI("agent1")
		wg.Go(func() {
			for range rounds {
				if _, ok := sup.ok(http.MethodPost, supPath, op{"operationName": "Coach", "targetDeviceUri": target}); !ok {
					return
				}
				if _, ok := sup.ok(http.MethodGet, "/api/v2/me/calls?fields=*", nil); !ok {
					return
				}
				if _, ok := sup.ok(http.MethodPost, supPath, op{"operationName": "CancelSupervisorMonitoring"}); !ok {
					return
				}
			}
		})

		// agent3 opens and ends contact-center sessions on a client of its own; each end kills that session.
		sessions := newWorker("agent3", errs)
		wg.Go(func() {
			for range rounds {
				if _, ok := sessions.ok(http.MethodPost, "/api/v2/me", op{"operationName": "StartContactCenterSession", "channels": []string{"voice"}}); !ok {
					return
				}
				if _, ok := sessions.ok(http.MethodPost, "/api/v2/me", op{"operationName": "EndContactCenterSession"}); !ok {
					return
				}
			}
		})

		// Readers read everything they may of every user meanwhile: supervisors every device, the others their own.
		for _, name := range st.userNames() {
			w := newWorker(name, errs)
			devices := make([]string, 0, len(st.env.Users))
			for _, u := range st.env.Users {
				if u.UserName == name || strings.HasPrefix(name, "supervisor") {
					devices = append(devices, "/api/v2/devices/"+u.Device.ID)
				}
			}
			wg.Go(func() {
				for i := range rounds {
					for _, path := range []string{"/api/v2/me?subresources=*", "/api/v2/me/calls?fields=*", devices[i%len(devices)]} {
						if _, ok := w.ok(http.MethodGet, path, nil); !ok {
							return
						}
					}
				}
			})
		}

		done := make(chan struct{})
		go func() {
			wg.Wait()
			close(done)
		}()
		Eventually(done).WithTimeout(time.Minute).Should(BeClosed(), "workers still running; problems so far: %v", errs.all())
		Expect(errs.all()).To(BeEmpty())

		By("ending in the state the workers' last operations imply")
		for _, name := range st.userNames() {
			Expect(st.client(name).calls()).To(BeEmpty(), "%s has no call left", name)
		}
		Expect(st.client("agent3").device()).To(HaveKeyWithValue("doNotDisturb", "Off"))
		Expect(st.client("supervisor2").device()).To(HaveKeyWithValue("doNotDisturb", "Off"))
		Expect(st.client("supervisor1").device()).NotTo(HaveKey("supervisorMonitoringState"))

		By("leaving no goroutine behind once the server and the engine are closed")
		st.close()
		for _, c := range clients {
			c.http.CloseIdleConnections()
		}
		Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).ShouldNot(gleak.HaveLeaked(before))
	})
})
