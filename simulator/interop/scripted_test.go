package interop_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/fixtures"
	"github.com/coachsim/coachsim/simulator"
)

// A person starts `coachsim serve --fixture fixtures/busy-center.yaml`, logs in as supervisor1 with the
// official CometD client and watches supervised calls come and go with no other action. This spec is that
// person, on a virtual clock running 300 times real time: cometd-watch.js performs no operation at all, so
// every supervision call it sees was made by the fixture's script (customers calling, agent1 answering,
// supervisor1's standing coaching), and each must be one the simulator published for supervisor1.
var _ = Describe("A scripted contact center watched with the official CometD client", func() {
	It("shows supervisor1 supervised calls coming and going, with no action of its own", func() {
		requireNode()
		env, err := fixtures.Load("../../fixtures/busy-center.yaml")
		Expect(err).NotTo(HaveOccurred())
		vc, err := simulator.NewVirtualClock(300)
		Expect(err).NotTo(HaveOccurred())
		sim, err := simulator.StartLoopback(env, simulator.WithClock(vc))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(sim.Close)
		pub := record(sim)

		s := startScript("cometd-watch.js", scriptKill, "--url", sim.URL, "--user", "supervisor1", "--calls", "2",
			"--deadline-ms", scriptDeadlineMS)
		lines := s.succeeds(scriptKill)
		GinkgoWriter.Println(s.report())

		var supervised, released []string
		for _, l := range lines {
			Expect(l.Kind != "meta" || l.Successful).To(BeTrue(), "a meta reply failed: %s\n%s", l.Raw, s.report())
			var c struct {
				Call string `json:"call"`
			}
			switch l.Kind {
			case "supervised":
				Expect(json.Unmarshal([]byte(l.Raw), &c)).To(Succeed())
				supervised = append(supervised, c.Call)
			case "released":
				Expect(json.Unmarshal([]byte(l.Raw), &c)).To(Succeed())
				released = append(released, c.Call)
			}
		}
		Expect(len(released)).To(BeNumerically(">=", 2), s.report())

		// Every supervision call the client saw is one the simulator published for supervisor1, as a
		// monitoring call that went Established and later Released.
		states := map[string][]string{}
		for _, n := range pub.of("supervisor1") {
			var m struct {
				Call struct {
					ID         string `json:"id"`
					State      string `json:"state"`
					Monitoring bool   `json:"monitoring"`
				} `json:"call"`
			}
			Expect(json.Unmarshal(n.Data, &m)).To(Succeed())
			if m.Call.Monitoring {
				states[m.Call.ID] = append(states[m.Call.ID], m.Call.State)
			}
		}
		for _, id := range released {
			Expect(supervised).To(ContainElement(id))
			Expect(states[id]).To(ContainElements("Established", "Released"), "published for supervisor1 on call %s", id)
		}
	})
})
