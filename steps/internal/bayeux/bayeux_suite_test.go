package bayeux_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestBayeux(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "bayeux client")
}
