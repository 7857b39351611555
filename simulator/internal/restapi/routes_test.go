package restapi_test

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

var _ = Describe("Routes", func() {
	var (
		st     *stack
		agent1 *client
		sup1   *client
	)

	BeforeEach(func() {
		st = startStack()
		agent1 = st.client("agent1")
		sup1 = st.client("supervisor1")
	})

	Describe("GET /api/v2/diagnostics/version", func() {
		It("answers without credentials, without a session, with the environment's version", func() {
			r := st.anonymous().get("/api/v2/diagnostics/version")
			Expect(r).To(succeed())
			Expect(r.Object()).To(Equal(map[string]any{"statusCode": 0.0, "version": "8.5.200.50"}))
			Expect(r.Header.Get("Content-Type")).To(HavePrefix("application/json"))
			Expect(r.Header.Values("Set-Cookie")).To(BeEmpty())
		})
	})

	Describe("GET /api/v2/me", func() {
		It("returns the user resource and no sub-resources unless asked", func() {
			r := agent1.get("/api/v2/me")
			Expect(r).To(succeed())
			u := st.user("agent1")
			Expect(r.Object()).To(HaveKeyWithValue("user", Equal(map[string]any{
				"id":                         u.ID,
				"userName":                   "agent1",
				"firstName":                  "Agent",
				"lastName":                   "One",
				"emailAddress":               "agent1@example.com",
				"roles":                      []any{"ROLE_AGENT"},
				"enabled":                    true,
				"changePasswordOnFirstLogin": false,
				"contactCenterId":            "0d4bf9a4-7d4c-4a7b-8f26-6b3a1c1e5a10",
				"uri":                        "http://127.0.0.1:8080/api/v2/users/" + u.ID,
				"path":                       "/users/" + u.ID,
			})))
		})

		It("gives a supervisor the supervisor role", func() {
			Expect(at(sup1.get("/api/v2/me").Object(), "user", "roles")).To(Equal([]any{"ROLE_AGENT", "ROLE_SUPERVISOR"}))
		})

		It("returns every sub-resource with subresources=*", func() {
			Expect(agent1.dial("5002")).To(succeed())
			r := sup1.get("/api/v2/me?subresources=*")
			Expect(r).To(succeed())
			user := at(r.Object(), "user")
			Expect(user).To(HaveKeyWithValue("userName", "supervisor1"))
			Expect(at(user, "features")).To(Equal([]any{
				map[string]any{"id": "api-voice", "displayName": "Voice API", "description": "API for Voice",
					"autoAssignOnContactCenterCreate": true, "uri": "http://127.0.0.1:8080/api/v2/features/api-voice",
					"path": "/features/api-voice"},
				map[string]any{"id": "api-supervisor-monitoring", "displayName": "API Supervisor Monitoring",
					"description": "API for Supervisors to Monitor Agents", "autoAssignOnContactCenterCreate": true,
					"uri":  "http://127.0.0.1:8080/api/v2/features/api-supervisor-monitoring",
					"path": "/features/api-supervisor-monitoring"},
			}))
			Expect(at(user, "devices", 0, "id")).To(Equal(st.user("supervisor1").Device.ID))
			Expect(at(user, "devices", 0, "phoneNumber")).To(Equal("5005"))
			Expect(user).NotTo(HaveKey("channels"), "no multimedia channel: left out (§11.4)")
			Expect(user).NotTo(HaveKey("settings"))
			Expect(at(user, "calls")).To(Equal([]any{}), "supervisor1 is on no call")

			calls := at(agent1.get("/api/v2/me?subresources=*").Object(), "user", "calls")
			Expect(calls).To(HaveLen(1))
			Expect(at(calls, 0, "state")).To(Equal("Dialing"))
		})

		It("returns only the listed sub-resources", func() {
			r := agent1.get("/api/v2/me?subresources=devices,channels")
			Expect(r).To(succeed())
			user := at(r.Object(), "user").(map[string]any)
			Expect(user).To(HaveKey("devices"))
			Expect(user).NotTo(HaveKey("channels"))
			Expect(user).NotTo(HaveKey("features"))
			Expect(user).NotTo(HaveKey("settings"))
			Expect(user).NotTo(HaveKey("calls"))
		})

		DescribeTable("never refuses a sub-resource name, leaving out those it has not (§11.4)",
			func(path string, present, absent []string) {
				r := agent1.get(path)
				Expect(r).To(succeed())
				user := at(r.Object(), "user").(map[string]any)
				for _, k := range present {
					Expect(user).To(HaveKey(k), "%s", path)
				}
				for _, k := range absent {
					Expect(user).NotTo(HaveKey(k), "%s", path)
				}
			},
			Entry("the desktop's first read", "/api/v2/me?subresources=features,devices,channels",
				[]string{"features", "devices"}, []string{"channels", "channelStates"}),
			Entry("the desktop's second read, with a trailing slash", "/api/v2/me/?subresources=devices,calls,channels,interactions,chats",
				[]string{"devices", "calls"}, []string{"channels", "interactions", "chats"}),
			Entry("a widget's read", "/api/v2/me?subresources=features,devices,channels,settings",
				[]string{"features", "devices"}, []string{"settings"}),
			Entry("an unknown name", "/api/v2/me?subresources=devices,mailbox", []string{"devices"}, []string{"mailbox"}),
		)
	})

	Describe("GET /api/v2/me/devices", func() {
		It("lists device uris by default", func() {
			r := agent1.get("/api/v2/me/devices")
			Expect(r).To(succeed())
			Expect(r.Object()).To(Equal(map[string]any{"statusCode": 0.0, "uris": []any{st.deviceURI("agent1")}}))
		})

		It("lists full devices with fields=*", func() {
			u := st.user("agent1")
			Expect(agent1.device()).To(Equal(map[string]any{
				"id":          u.Device.ID,
				"deviceState": "Active",
				"userState": map[string]any{
					"id": "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB", "displayName": "Offline", "state": "LoggedOut",
				},
				"phoneNumber":         "5001",
				"e164Number":          "5001",
				"telephonyNetwork":    "Private",
				"doNotDisturb":        "Off",
				"voiceEnvironmentUri": "http://127.0.0.1:8080/api/v2/voice-environments/370ef5e6-9e3c-4d91-9588-7f4dfe67e011",
				"capabilities":        []any{"DoNotDisturbOn", "ForwardCallsOn"},
			}))
			Expect(sup1.device()["capabilities"]).To(ConsistOf("DoNotDisturbOn", "ForwardCallsOn", "ListenIn", "Coach", "BargeIn"))
		})

		It("keeps only the named members with a field list", func() {
			r := agent1.get("/api/v2/me/devices?fields=id,phoneNumber")
			Expect(r).To(succeed())
			Expect(r.Object()["devices"]).To(Equal([]any{
				map[string]any{"id": st.user("agent1").Device.ID, "phoneNumber": "5001"},
			}))
		})
	})

	Describe("GET /api/v2/me/devices/{id}", func() {
		It("returns the user's own device wrapped in device", func() {
			r := agent1.get("/api/v2/me/devices/" + st.user("agent1").Device.ID)
			Expect(r).To(succeed())
			Expect(at(r.Object(), "device", "phoneNumber")).To(Equal("5001"))
		})

		It("does not show another user's device there (statusCode 6)", func() {
			r := agent1.get("/api/v2/me/devices/" + st.user("agent2").Device.ID)
			Expect(r).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		})
	})

	Describe("GET /api/v2/devices/{id}", func() {
		It("shows a user its own device, and any device to a supervisor", func() {
			r := agent1.get("/api/v2/devices/" + st.user("agent1").Device.ID)
			Expect(r).To(succeed())
			Expect(at(r.Object(), "device", "phoneNumber")).To(Equal("5001"))
			r = sup1.get("/api/v2/devices/" + st.user("supervisor2").Device.ID)
			Expect(r).To(succeed())
			Expect(at(r.Object(), "device", "phoneNumber")).To(Equal("5006"))
			Expect(at(r.Object(), "device", "capabilities")).To(ContainElement("Coach"))
		})

		It("hides another user's device from an agent as if it did not exist (statusCode 6)", func() {
			r := agent1.get("/api/v2/devices/" + st.user("supervisor1").Device.ID)
			Expect(r).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		})

		It("answers statusCode 6 for an unknown device", func() {
			r := agent1.get("/api/v2/devices/00000000-0000-4000-8000-000000009999")
			Expect(r).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		})
	})

	Describe("GET /api/v2/me/calls and /api/v2/me/calls/{id}", func() {
		It("lists no calls at first", func() {
			r := agent1.get("/api/v2/me/calls")
			Expect(r).To(succeed())
			Expect(r.Object()).To(Equal(map[string]any{"statusCode": 0.0, "uris": []any{}}))
			Expect(agent1.calls()).To(BeEmpty())
		})

		It("lists call uris, full calls with fields=*, and one call by id", func() {
			Expect(st.client("customer1").dial("5001")).To(succeed())
			id := agent1.onlyCallID()
			uri := "http://127.0.0.1:8080/api/v2/me/calls/" + id

			r := agent1.get("/api/v2/me/calls")
			Expect(r).To(succeed())
			Expect(r.Object()["uris"]).To(Equal([]any{uri}))

			call := agent1.calls()[0]
			Expect(call).To(HaveKeyWithValue("state", "Ringing"))
			Expect(call).To(HaveKeyWithValue("uri", uri))
			Expect(call).To(HaveKeyWithValue("path", "/calls/"+id))
			Expect(call).To(HaveKeyWithValue("deviceUri", st.deviceURI("agent1")))
			Expect(call).To(HaveKeyWithValue("capabilities", ContainElement("Answer")))
			Expect(participants(call)).To(Equal([]string{"5000"}))

			one := agent1.get("/api/v2/me/calls/" + id)
			Expect(one).To(succeed())
			Expect(one.Object()["call"]).To(Equal(call))

			r = agent1.get("/api/v2/me/calls?fields=id,state")
			Expect(r).To(succeed())
			Expect(r.Object()["calls"]).To(Equal([]any{map[string]any{"id": id, "state": "Ringing"}}))
		})

		It("answers statusCode 6 for a call that is not the user's", func() {
			Expect(st.client("customer1").dial("5001")).To(succeed())
			id := agent1.onlyCallID()
			r := st.client("agent2").get("/api/v2/me/calls/" + id)
			Expect(r).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		})
	})

	Describe("GET /api/v2/me/channels and /api/v2/me/channels/{channel}", func() {
		It("lists no channel: voice state is on the device, and there is no multimedia channel (§11.4)", func() {
			r := agent1.get("/api/v2/me/channels")
			Expect(r).To(succeed())
			Expect(r.Object()["channels"]).To(Equal([]any{}))
			Expect(agent1.get("/api/v2/me/channels/voice")).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		})

		It("answers statusCode 6 for an unknown channel", func() {
			Expect(agent1.get("/api/v2/me/channels/chat")).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
		})
	})

	Describe("operations", func() {
		It("POST /api/v2/me and /api/v2/me/channels/voice: session, then Ready and NotReady", func() {
			Expect(agent1.post("/api/v2/me", op{"operationName": "StartContactCenterSession", "channels": []string{"voice"}})).To(succeed())
			Expect(agent1.post("/api/v2/me/channels/voice", op{"operationName": "Ready"})).To(succeed())
			Expect(at(agent1.device(), "userState", "state")).To(Equal("Ready"))

			Expect(agent1.post("/api/v2/me/channels/voice", op{"operationName": "NotReady"})).To(succeed())
			Expect(at(agent1.device(), "userState", "state")).To(Equal("NotReady"))
		})

		It("POST /api/v2/me/devices/{id}: DoNotDisturbOn and Off swap the capability", func() {
			Expect(agent1.deviceOp(op{"operationName": "DoNotDisturbOn"})).To(succeed())
			d := agent1.device()
			Expect(d).To(HaveKeyWithValue("doNotDisturb", "On"))
			Expect(d).To(HaveKeyWithValue("capabilities", ConsistOf("DoNotDisturbOff", "ForwardCallsOn")))

			Expect(agent1.deviceOp(op{"operationName": "DoNotDisturbOff"})).To(succeed())
			Expect(agent1.device()).To(HaveKeyWithValue("doNotDisturb", "Off"))
		})

		It("POST /api/v2/me/devices/{id}: Coach and CancelSupervisorMonitoring", func() {
			Expect(sup1.deviceOp(op{"operationName": "Coach", "targetDeviceUri": st.deviceURI("agent1"),
				"supervisorMonitoringScope": "Agent", "supervisorMonitoringMode": "NextCall"})).To(succeed())
			Expect(sup1.device()).To(HaveKeyWithValue("supervisorMonitoringState", map[string]any{
				"state": "Coach", "mode": "NextCall", "scope": "Agent", "targetDeviceUri": st.deviceURI("agent1"),
			}))
			Expect(sup1.device()).To(HaveKeyWithValue("capabilities", ContainElement("CancelSupervisorMonitoring")))

			Expect(sup1.deviceOp(op{"operationName": "CancelSupervisorMonitoring"})).To(succeed())
			Expect(sup1.device()).NotTo(HaveKey("supervisorMonitoringState"))
		})

		It("accepts a targetDeviceUri naming another host, matching by device id", func() {
			other := "http://localhost:9999/api/v2/devices/" + st.user("agent2").Device.ID
			Expect(sup1.deviceOp(op{"operationName": "ListenIn", "targetDeviceUri": other})).To(succeed())
			Expect(at(sup1.device(), "supervisorMonitoringState", "targetDeviceUri")).To(Equal(st.deviceURI("agent2")))
			Expect(at(sup1.device(), "supervisorMonitoringState", "scope")).To(Equal("Call"), "default scope")
			Expect(at(sup1.device(), "supervisorMonitoringState", "mode")).To(Equal("AllCalls"), "default mode")
		})

		DescribeTable("POST /api/v2/me/devices/{id}/calls: Dial takes the destination as an object or a plain string",
			func(destination any) {
				customer := st.client("customer1")
				Expect(customer.post("/api/v2/me/devices/"+st.user("customer1").Device.ID+"/calls",
					op{"operationName": "Dial", "destination": destination})).To(succeed())
				call := customer.calls()
				Expect(call).To(HaveLen(1))
				Expect(at(call, 0, "state")).To(Equal("Dialing"))
				Expect(at(call, 0, "dnis")).To(Equal("5001"))
				Expect(at(agent1.calls(), 0, "state")).To(Equal("Ringing"))
			},
			Entry("object", op{"phoneNumber": "5001"}),
			Entry("plain string", "5001"),
		)

		It("ignores members it does not know (location, userData)", func() {
			Expect(st.client("customer1").post("/api/v2/me/devices/"+st.user("customer1").Device.ID+"/calls",
				op{"operationName": "Dial", "destination": op{"phoneNumber": "5001"}, "location": "", "userData": op{"k": "v"}},
			)).To(succeed())
			Expect(agent1.calls()).To(HaveLen(1))
		})

		It("POST /api/v2/me/calls/{id}: Answer, Hold, Retrieve, Hangup", func() {
			customer := st.client("customer1")
			Expect(customer.dial("5001")).To(succeed())
			id := agent1.onlyCallID()

			Expect(agent1.callOp(id, op{"operationName": "Answer"})).To(succeed())
			Expect(at(agent1.calls(), 0, "state")).To(Equal("Established"))
			Expect(at(customer.calls(), 0, "state")).To(Equal("Established"))

			Expect(agent1.callOp(id, op{"operationName": "Hold"})).To(succeed())
			Expect(at(agent1.calls(), 0, "state")).To(Equal("Held"))
			Expect(agent1.callOp(id, op{"operationName": "Retrieve"})).To(succeed())
			Expect(at(agent1.calls(), 0, "state")).To(Equal("Established"))

			Expect(customer.callOp(id, op{"operationName": "Hangup"})).To(succeed())
			Expect(agent1.calls()).To(BeEmpty())
			Expect(customer.calls()).To(BeEmpty())
		})

		It("acknowledges every operation with exactly {\"statusCode\":0} as JSON", func() {
			r := agent1.deviceOp(op{"operationName": "DoNotDisturbOn"})
			Expect(strings.TrimSpace(string(r.Body))).To(Equal(`{"statusCode":0}`))
			Expect(r.Header.Get("Content-Type")).To(HavePrefix("application/json"))
		})
	})

	Describe("paths and methods", func() {
		DescribeTable("an existing path answers a method it does not serve with statusCode 2 and Allow",
			func(method, path, allow string) {
				r := agent1.do(method, path, nil, nil)
				Expect(r).To(haveStatus(http.StatusBadRequest, restapi.StatusInvalidState))
				Expect(r.Message()).To(ContainSubstring(method))
				Expect(r.Header.Get("Allow")).To(Equal(allow))
			},
			Entry(nil, http.MethodDelete, "/api/v2/me/calls/x", "GET, POST"),
			Entry(nil, http.MethodPut, "/api/v2/me", "GET, POST"),
			Entry(nil, http.MethodPatch, "/api/v2/me/devices", "GET"),
			Entry(nil, http.MethodGet, "/api/v2/me/devices/x/calls", "POST"),
			Entry(nil, http.MethodPost, "/api/v2/me/calls", "GET"),
			Entry(nil, http.MethodPost, "/api/v2/devices/x", "GET"),
			Entry(nil, http.MethodDelete, "/api/v2/me/channels/voice", "GET, POST"),
			Entry(nil, http.MethodPost, "/api/v2/diagnostics/version", "GET"),
		)

		It("answers a method error on a protected path only after authentication", func() {
			r := st.anonymous().do(http.MethodDelete, "/api/v2/me/calls/x", nil, nil)
			Expect(r).To(haveStatus(http.StatusForbidden, restapi.StatusNotAuthenticated))
		})

		It("ignores a trailing slash, as the documentation writes POST /api/v2/me/", func() {
			Expect(agent1.post("/api/v2/me/", op{"operationName": "StartContactCenterSession", "channels": []string{"voice"}})).To(succeed())
			Expect(agent1.post("/api/v2/me/channels/voice/", op{"operationName": "Ready"})).To(succeed())
			r := agent1.get("/api/v2/me/devices/")
			Expect(r).To(succeed())
			Expect(r.Object()["uris"]).To(Equal([]any{st.deviceURI("agent1")}))
			Expect(at(agent1.device(), "userState", "state")).To(Equal("Ready"))
		})

		It("answers an unknown path with statusCode 6", func() {
			r := agent1.get("/api/v2/me/mailbox")
			Expect(r).To(haveStatus(http.StatusNotFound, restapi.StatusNotFound))
			Expect(r.Message()).To(ContainSubstring("/api/v2/me/mailbox"))
		})
	})
})
