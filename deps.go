//go:build tools

package tools

import (
	_ "github.com/cucumber/godog"
	_ "github.com/gorilla/mux"
	_ "github.com/onsi/ginkgo/v2"
	_ "github.com/onsi/gomega"
	_ "github.com/sigmavirus24/gobayeux/v2"
	_ "go.yaml.in/yaml/v3"
)
