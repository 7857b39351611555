package voice_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestVoice(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Voice core")
}
