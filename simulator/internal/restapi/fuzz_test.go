package restapi_test

import (
	"errors"
	"testing"

	"github.com/coachsim/coachsim/simulator/internal/restapi"
)

// FuzzDecodeOperation feeds the operation decoder arbitrary bodies: it never panics, refuses with statusCode
// 1 or 10 only, and what it accepts names an operation.
func FuzzDecodeOperation(f *testing.F) {
	for _, s := range []string{``, `null`, `{}`, `[]`, `{"operationName":"Dial","destination":{"phoneNumber":"5002"}}`,
		`{"operationName":"Dial","destination":"5002"}`, `{"operationName":"Coach","targetDeviceUri":"http://h/api/v2/devices/x","supervisorMonitoringScope":"Call","supervisorMonitoringMode":"NextCall"}`,
		`{"operationName":"StartContactCenterSession","channels":["voice"]}`, `{"operationName":"Ready"} x`,
		`{"operationName":"a","operationName":"b"}`, `{"OperationName":"Ready"}`, `{"operationName":5}`,
		`{"operationName":"Dial","destination":{"phoneNumber":"1","phoneNumber":"2"}}`, "\xff\xfe", `{"a":[[[[[[[]]]]]]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := restapi.DecodeOperation(data)
		if err != nil {
			var ae *restapi.APIError
			if !errors.As(err, &ae) || (ae.Code != restapi.StatusMissingParameter && ae.Code != restapi.StatusInvalidValue) || ae.Message == "" {
				t.Fatalf("refusal %#v is not statusCode 1 or 10 with a message", err)
			}
			return
		}
		if req.Operation == "" {
			t.Fatal("accepted a body without operationName")
		}
	})
}
