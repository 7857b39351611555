package restapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/engine"
	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

// go test ./simulator/internal/restapi -run TestRestAPI -update rewrites the golden /me payloads in testdata.
var updateGolden = flag.Bool("update", false, "rewrite the golden payloads in testdata")

var roleNames = []string{"customer1", "agent1", "agent2", "agent3", "supervisor1", "supervisor2", "customer2"}

func isSupervisorName(n string) bool { return n == "supervisor1" || n == "supervisor2" }

var _ = Describe("Users and devices for supervisors (SPEC §11.5)", func() {
	var st *stack
	BeforeEach(func() { st = startStack() })

	// The permission matrix: every role reads every user's user resource, devices and device. Allowed: its
	// own, and everything for a supervisor; refused: statusCode 6 (HTTP 404), the same answer as an id nobody
	// has, so that nothing tells the two apart.
	It("answers every role's read of every user's resources by the permission rule", func() {
		for _, viewer := range roleNames {
			c := st.client(viewer)
			for _, subject := range roleNames {
				u := st.user(subject)
				allowed := viewer == subject || isSupervisorName(viewer)
				for _, path := range []string{"/api/v2/users/" + u.ID + "?subresources=devices", "/api/v2/users/" + u.ID + "/devices?fields=*",
					"/api/v2/devices/" + u.Device.ID} {
					r := c.get(path)
					if allowed {
						Expect(r).To(succeed(), "%s reads %s", viewer, path)
						Expect(r.Body).To(ContainSubstring(u.Device.ID+`"`), "%s reads %s", viewer, path)
					} else {
						Expect(r).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound), "%s reads %s", viewer, path)
						Expect(r.Body).NotTo(ContainSubstring(subject+`@`), "a refusal leaks nothing of the user")
					}
				}
			}
			for _, path := range []string{"/api/v2/users", "/api/v2/devices", "/api/v2/users?fields=*", "/api/v2/devices?fields=*"} {
				r := c.get(path)
				if isSupervisorName(viewer) {
					Expect(r).To(succeed(), "%s reads %s", viewer, path)
				} else {
					Expect(r).To(haveStatus(http.StatusForbidden, restapi.StatusNoPermission), "%s reads %s", viewer, path)
				}
			}
		}
	})

	It("answers an unknown id exactly as another user's", func() {
		unknown := st.client("agent1").get("/api/v2/devices/00000000-0000-4000-8000-000000009999")
		other := st.client("agent1").get("/api/v2/devices/" + st.user("supervisor1").Device.ID)
		Expect(unknown.Status).To(Equal(other.Status))
		Expect(unknown.Code()).To(Equal(other.Code()))
		Expect(st.client("agent1").get("/api/v2/users/nobody")).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
	})

	DescribeTable("lists for a supervisor",
		func(path string, check func(map[string]any)) {
			r := st.client("supervisor1").get(path)
			Expect(r).To(succeed())
			check(r.Object())
		},
		Entry("users as uris", "/api/v2/users", func(m map[string]any) {
			Expect(m["uris"]).To(HaveLen(7))
			Expect(m["uris"]).To(ContainElement("http://127.0.0.1:8080/api/v2/users/" + st.user("agent1").ID))
		}),
		Entry("users with fields=*", "/api/v2/users?fields=*", func(m map[string]any) {
			Expect(m["users"]).To(HaveLen(7))
			Expect(at(m, "users", 1, "userName")).To(Equal("agent1"))
			Expect(at(m, "users", 1)).NotTo(HaveKey("devices"))
		}),
		Entry("users with their devices", "/api/v2/users?fields=*&subresources=devices", func(m map[string]any) {
			Expect(at(m, "users", 1, "devices", 0, "phoneNumber")).To(Equal("5001"))
		}),
		Entry("users with some fields", "/api/v2/users?fields=userName,id", func(m map[string]any) {
			Expect(at(m, "users", 0)).To(Equal(map[string]any{"userName": "customer1", "id": st.user("customer1").ID}))
		}),
		Entry("devices as uris", "/api/v2/devices", func(m map[string]any) {
			Expect(m["uris"]).To(ContainElement(st.deviceURI("agent2")))
		}),
		Entry("devices with some fields", "/api/v2/devices?fields=id,phoneNumber", func(m map[string]any) {
			Expect(m["devices"]).To(ContainElement(map[string]any{"id": st.user("agent3").Device.ID, "phoneNumber": "5003"}))
		}),
		Entry("one user with subresources=*", "/api/v2/users/"+"00000000-0000-4000-9000-000000005002?subresources=*", func(m map[string]any) {
			Expect(at(m, "user", "userName")).To(Equal("agent2"))
			Expect(at(m, "user", "devices", 0, "phoneNumber")).To(Equal("5002"))
		}),
		Entry("one device with some fields", "/api/v2/devices/00000000-0000-4000-8000-000000005002?fields=id,userState", func(m map[string]any) {
			Expect(m["device"]).To(HaveKey("userState"))
			Expect(m["device"]).To(HaveLen(2))
		}),
	)

	It("shows a supervisor's monitoring to another supervisor, and to nobody else", func() {
		Expect(st.client("supervisor1").deviceOp(op{"operationName": "ListenIn", "targetDeviceUri": st.deviceURI("agent1")})).To(succeed())
		dev := "/api/v2/devices/" + st.user("supervisor1").Device.ID
		r := st.client("supervisor2").get(dev)
		Expect(r).To(succeed())
		Expect(at(r.Object(), "device", "supervisorMonitoringState", "state")).To(Equal("ListenIn"))
		for _, n := range []string{"customer1", "agent1", "agent2"} {
			Expect(st.client(n).get(dev)).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		}
	})

	It("changes nothing when it refuses", func() {
		before := st.snapshot()
		Expect(st.client("agent1").get("/api/v2/users")).To(haveStatus(http.StatusForbidden, restapi.StatusNoPermission))
		Expect(st.client("customer1").get("/api/v2/devices/" + st.user("agent1").Device.ID)).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		Expect(st.snapshot()).To(Equal(before))
	})
})

var _ = Describe("Which users a supervisor sees (fixture key sees)", func() {
	It("lists only those users and itself, and hides the others as unknown", func() {
		st := startStack(func(env *fixtures.Environment) {
			for i := range env.Users {
				if env.Users[i].UserName == "supervisor1" {
					env.Users[i].Sees = []string{"agent1"}
				}
			}
		})
		sup := st.client("supervisor1")
		r := sup.get("/api/v2/users?fields=userName")
		Expect(r).To(succeed())
		Expect(r.Object()["users"]).To(ConsistOf(map[string]any{"userName": "agent1"}, map[string]any{"userName": "supervisor1"}))
		Expect(sup.get("/api/v2/devices/" + st.user("agent1").Device.ID)).To(succeed())
		Expect(sup.get("/api/v2/devices/" + st.user("agent2").Device.ID)).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		Expect(sup.get("/api/v2/users/" + st.user("agent2").ID)).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		Expect(st.client("supervisor2").get("/api/v2/users")).To(succeed())
		Expect(st.client("supervisor2").get("/api/v2/users").Object()["uris"]).To(HaveLen(7), "supervisor2 sees everyone")
	})
})

var _ = Describe("GET /api/v2/me?subresources=* (golden payloads)", func() {
	DescribeTable("matches the golden payload",
		func(name string) {
			st := startStack()
			r := st.client(name).get("/api/v2/me?subresources=*")
			Expect(r).To(succeed())
			var pretty bytes.Buffer
			Expect(json.Indent(&pretty, r.Body, "", "  ")).To(Succeed())
			file := filepath.Join("testdata", "me-"+name+".json")
			if *updateGolden {
				Expect(os.WriteFile(file, pretty.Bytes(), 0o644)).To(Succeed())
			}
			want, err := os.ReadFile(file)
			Expect(err).NotTo(HaveOccurred(), "run with -update to create %s", file)
			Expect(pretty.String()).To(Equal(string(want)), "the payload changed; if on purpose, rewrite with -update")
		},
		Entry("an agent", "agent1"),
		Entry("a supervisor", "supervisor1"),
	)
})

// recorder keeps what the engine publishes, for the notifications of REST requests.
type recorder struct {
	mu  sync.Mutex
	got []engine.Published
}

func (r *recorder) sink(b []engine.Published) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, b...)
}

func (r *recorder) all() []engine.Published {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]engine.Published(nil), r.got...)
}

var _ = Describe("An unregistered device over HTTP (SPEC §11.1, §11.8)", func() {
	var (
		st  *stack
		rec *recorder
	)
	BeforeEach(func() {
		st = startStack(func(env *fixtures.Environment) {
			no := false
			env.Users[1].Device.Registered = &no // agent1
		})
		rec = &recorder{}
		DeferCleanup(st.eng.Subscribe(rec.sink))
	})

	It("is Inactive without userState", func() {
		d := st.client("agent1").device()
		Expect(d).To(HaveKeyWithValue("deviceState", "Inactive"))
		Expect(d).NotTo(HaveKey("userState"))
	})

	It("fails StartContactCenterSession with statusCode 4 and HTTP 500, and publishes nothing", func() {
		r := st.client("agent1").post("/api/v2/me", op{"operationName": "StartContactCenterSession", "channels": []string{"voice"}})
		Expect(r).To(haveStatus(http.StatusInternalServerError, restapi.StatusInternal))
		Expect(r.Message()).To(Equal("Device '5001' is not registered."), "the live text")
		Consistently(rec.all).WithTimeout(100 * time.Millisecond).Should(BeEmpty())
	})

	DescribeTable("refuses an agent-state or device request with statusCode 4 and publishes one ErrorMessage after the reply",
		func(path string, body op) {
			before := st.snapshot()
			if path == "device" {
				path = "/api/v2/me/devices/" + st.user("agent1").Device.ID
			}
			r := st.client("agent1").post(path, body)
			Expect(r).To(haveStatus(http.StatusInternalServerError, restapi.StatusInternal))
			Expect(r.Message()).To(Equal("Device '5001' is not registered."), "the live text")
			Eventually(rec.all).Should(HaveLen(1))
			p := rec.all()[0]
			Expect(p.UserID).To(Equal(st.user("agent1").ID))
			Expect(p.Channel).To(Equal("/v2/me/devices"))
			var m map[string]any
			Expect(json.Unmarshal(p.Data, &m)).To(Succeed())
			Expect(m).To(HaveKeyWithValue("messageType", "ErrorMessage"))
			Expect(m).To(HaveKeyWithValue("devicePath", "/devices/"+st.user("agent1").Device.ID))
			Expect(m).To(HaveKeyWithValue("deviceUri", st.deviceURI("agent1")))
			Expect(m).To(HaveKey("metrics"))
			Expect(m).NotTo(HaveKey("statusCode"), "the code and text are in the reply only")
			Expect(st.snapshot()).To(Equal(before))
		},
		Entry("NotReady", "/api/v2/me/channels/voice", op{"operationName": "NotReady"}),
		Entry("Ready", "/api/v2/me/channels/voice", op{"operationName": "Ready"}),
		Entry("DoNotDisturbOn", "device", op{"operationName": "DoNotDisturbOn"}),
	)
})
