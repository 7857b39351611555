package restapi_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The component specs drive the REST adapter through real HTTP (net/http/httptest, one cookie jar per
// client) in front of a real engine and voice core built from the default environment. They reach the
// package only through its exported API.
func TestRestapi(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "restapi")
}
