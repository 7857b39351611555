package voice_test

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator/internal/voice"
)

var _ = Describe("Reads and small values", func() {
	var w *world
	BeforeEach(func() { w = newWorld() })

	It("renders users with their roles and features", func() {
		u, ok := w.st.User(w.userID(nS))
		Expect(ok).To(BeTrue())
		Expect(u).To(Equal(voice.UserInfo{ID: w.userID(nS), UserName: nS, FirstName: "Supervisor", LastName: "One",
			EmailAddress: "supervisor1@example.com", Roles: []string{"ROLE_AGENT", "ROLE_SUPERVISOR"}, Enabled: true,
			ContactCenterID: fixtures.DefaultContactCenterID,
			URI:             fixtures.DefaultBaseURL + "/api/v2/users/" + w.userID(nS), Path: "/users/" + w.userID(nS)}))
		Expect(w.st.Features(w.userID(nS))).To(Equal([]string{fixtures.FeatureVoice, fixtures.FeatureSupervisorMonitoring}))
		Expect(w.st.Features(w.userID(nA))).To(Equal([]string{fixtures.FeatureVoice}))
		a, _ := w.st.User(w.userID(nA))
		Expect(a.Roles).To(Equal([]string{"ROLE_AGENT"}))
		Expect(w.st.BaseURL()).To(Equal(fixtures.DefaultBaseURL))
	})

	It("finds any device by id, and nothing for unknown ids", func() {
		d, ok := w.st.DeviceByID(w.deviceID(nB))
		Expect(ok).To(BeTrue())
		Expect(d.PhoneNumber).To(Equal(dB))
		Expect(d.VoiceEnvironmentURI).To(Equal(fixtures.DefaultBaseURL + "/api/v2/voice-environments/" + fixtures.DefaultVoiceEnvironmentID))
		_, ok = w.st.DeviceByID("nope")
		Expect(ok).To(BeFalse())
		_, ok = w.st.User("nope")
		Expect(ok).To(BeFalse())
		Expect(w.st.Features("nope")).To(BeNil())
		Expect(w.st.UserDevices("nope")).To(BeNil())
		Expect(w.st.UserCalls("nope", w.now)).To(BeNil())
		Expect(w.st.Channels("nope")).To(BeNil())
	})

	It("reads one call only for a user who is on it", func() {
		ids := talking(w)
		c, ok := w.st.UserCall(w.userID(nA), ids["orig"], w.now)
		Expect(ok).To(BeTrue())
		Expect(c.HasCapability(voice.OpHold)).To(BeTrue())
		Expect(c.HasCapability(voice.OpAnswer)).To(BeFalse())
		_, ok = w.st.UserCall(w.userID(nB), ids["orig"], w.now)
		Expect(ok).To(BeFalse())
		_, ok = w.st.UserCall(w.userID(nA), "nope", w.now)
		Expect(ok).To(BeFalse())
		Expect(w.st.UserCalls(w.userID(nB), w.now)).To(BeEmpty())
		Expect(w.deviceOf(nA).HasCapability(voice.OpDoNotDisturbOn)).To(BeTrue())
	})

	It("has no time-driven behaviour: Tick produces nothing and changes nothing", func() {
		talking(w)
		before := w.snapshot()
		Expect(w.st.Tick(w.now.Add(time.Hour))).To(BeEmpty())
		Expect(w.snapshot()).To(Equal(before))
	})

	It("names states", func() {
		Expect([]string{voice.Dialing.String(), voice.Ringing.String(), voice.Established.String(), voice.Held.String(),
			voice.Released.String(), voice.PartyState(0).String()}).
			To(Equal([]string{"Dialing", "Ringing", "Established", "Held", "Released", "Unknown"}))
		Expect(voice.Ready.String()).To(Equal("Ready"))
		Expect(voice.NotReady.String()).To(Equal("NotReady"))
	})

	It("words errors with the operation, the resource and the state they came from", func() {
		e := &voice.OpError{Op: "Answer", Resource: "call X", From: "Held", Detail: "not offered", Err: voice.ErrInvalidState}
		Expect(e.Error()).To(Equal("Answer on call X (Held -> Answer): not offered"))
		Expect(errors.Is(e, voice.ErrInvalidState)).To(BeTrue())
		Expect((&voice.OpError{Op: "Dial", Resource: "device 5000", Err: voice.ErrMissingParameter}).Error()).
			To(Equal("Dial on device 5000: required parameter missing"))
		Expect((&voice.OpError{Op: "Dial", Err: voice.ErrNotFound}).Error()).To(Equal("Dial: resource not found"))
	})
})
