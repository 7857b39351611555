package simulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
)

var _ = Describe("The quiescence probe of the control API", func() {
	const token = "t"
	var (
		sim  *Simulator
		call func(method, path, body, auth string) *httptest.ResponseRecorder
	)
	agent1 := "Basic " + base64.StdEncoding.EncodeToString([]byte("agent1:password"))
	quiescent := func(waitMs string) bool {
		rec := call(http.MethodGet, "/sim/v1/quiescence?waitMs="+waitMs, "", "Bearer "+token)
		Expect(rec.Code).To(Equal(http.StatusOK), rec.Body.String())
		var body struct {
			StatusCode int  `json:"statusCode"`
			Quiescent  bool `json:"quiescent"`
		}
		Expect(json.Unmarshal(rec.Body.Bytes(), &body)).To(Succeed())
		Expect(body.StatusCode).To(Equal(0))
		return body.Quiescent
	}
	BeforeEach(func() {
		sim = New(fixtures.Default(), WithControl(token))
		DeferCleanup(sim.Close)
		call = func(method, path, body, auth string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", auth)
			sim.Handler().ServeHTTP(rec, req)
			return rec
		}
	})

	It("is quiescent at rest", func() {
		Expect(quiescent("0")).To(BeTrue())
	})

	It("is not quiescent while an operation's notifications are held back, and is once they are out", func() {
		Expect(call(http.MethodPost, "/sim/v1/faults", `{"delayNotificationsMs":200}`, "Bearer "+token).Code).To(Equal(http.StatusOK))
		rec := call(http.MethodPost, "/api/v2/me/devices/00000000-0000-4000-8000-000000005001", `{"operationName":"DoNotDisturbOn"}`, agent1)
		Expect(rec.Code).To(Equal(http.StatusOK), rec.Body.String())
		Expect(quiescent("0")).To(BeFalse())
		Expect(quiescent("5000")).To(BeTrue(), "the held batch went out within the wait")
	})

	It("is not quiescent while a CometD session's client is not polling", func() {
		rec := call(http.MethodPost, "/api/v2/notifications/handshake",
			`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]`, agent1)
		Expect(rec.Code).To(Equal(http.StatusOK), rec.Body.String())
		Expect(quiescent("20")).To(BeFalse())
	})

	It("refuses a malformed wait", func() {
		rec := call(http.MethodGet, "/sim/v1/quiescence?waitMs=soon", "", "Bearer "+token)
		Expect(rec.Code).To(Equal(http.StatusBadRequest))
		Expect(rec.Body.String()).To(ContainSubstring(`"statusCode":10`))
	})
})
