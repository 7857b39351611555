package cometd

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestCometD(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "CometD server")
}
