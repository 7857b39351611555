package gws_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestGWS(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "gws client")
}
