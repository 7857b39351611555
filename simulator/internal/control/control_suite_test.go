package control_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The component specs drive the control API over real HTTP against whole simulators started with
// simulator.StartLoopback: every change they make goes through /sim/v1 or the GWS REST API, and every
// outcome is read back through GET /sim/v1/state, the GWS API, sim.Observe or a long-polling CometD client
// of their own. Most simulators run on a stopped virtual clock, so that two reads of an unchanged state give
// the same bytes.
func TestControl(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "control")
}
