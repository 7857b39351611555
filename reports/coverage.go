package reports

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// coverageList compares what a run exercised with what the specification names.
type coverageList struct {
	Exercised    []string `json:"exercised"`     // known and seen, sorted
	NotExercised []string `json:"notExercised"` // known, never seen, sorted
	Extra        []string `json:"extra"`         // seen but not known, sorted
}

type coverage struct {
	Operations        coverageList `json:"operations"`
	NotificationTypes coverageList `json:"notificationTypes"`
}

// coverageOf collects the operationName of every REST request body (a POST to a device's calls collection
// without one counts as Dial) and the messageType and notificationType of every notification, and sets
// them against the run's known lists.
func coverageOf(run Run) coverage {
	ops := map[string]bool{}
	types := map[string]bool{}
	for _, f := range run.Features {
		for _, s := range f.Scenarios {
			for _, ex := range s.Exchanges {
				if op := operationOf(ex); op != "" {
					ops[op] = true
				}
			}
			for _, n := range s.Notifications {
				h := headOf(n.Data)
				if h.MessageType != "" {
					types[h.MessageType] = true
				}
				if h.NotificationType != "" {
					types[h.NotificationType] = true
				}
			}
		}
	}
	return coverage{Operations: compare(run.KnownOperations, ops), NotificationTypes: compare(run.KnownNotificationTypes, types)}
}

func compare(known []string, seen map[string]bool) coverageList {
	l := coverageList{Exercised: []string{}, NotExercised: []string{}, Extra: []string{}}
	isKnown := map[string]bool{}
	for _, k := range known {
		if isKnown[k] {
			continue
		}
		isKnown[k] = true
		if seen[k] {
			l.Exercised = append(l.Exercised, k)
		} else {
			l.NotExercised = append(l.NotExercised, k)
		}
	}
	for k := range seen {
		if !isKnown[k] {
			l.Extra = append(l.Extra, k)
		}
	}
	slices.Sort(l.Exercised)
	slices.Sort(l.NotExercised)
	slices.Sort(l.Extra)
	return l
}

// operationOf is the operation a REST request performed: its body's operationName, or Dial for a POST to
// a device's calls collection that names none; "" for reads and bodies that are not JSON objects.
func operationOf(ex Exchange) string {
	var body struct {
		OperationName string `json:"operationName"`
	}
	if strings.HasPrefix(strings.TrimSpace(ex.RequestBody), "{") && json.Unmarshal([]byte(ex.RequestBody), &body) == nil &&
		body.OperationName != "" {
		return body.OperationName
	}
	if strings.EqualFold(ex.Method, http.MethodPost) {
		p, _, _ := strings.Cut(ex.Path, "?")
		p = strings.TrimSuffix(p, "/")
		if strings.Contains(p, "/devices/") && strings.HasSuffix(p, "/calls") {
			return "Dial"
		}
	}
	return ""
}

// notificationHead is what a notification's data says about itself. The fields are read from the data
// object, or from its "data" member when the whole Bayeux message was recorded.
type notificationHead struct {
	MessageType      string
	NotificationType string
	raw              map[string]any // the data object, nil when Data is not a JSON object
}

func headOf(data string) notificationHead {
	var m map[string]any
	if json.Unmarshal([]byte(data), &m) != nil {
		return notificationHead{}
	}
	if inner, ok := m["data"].(map[string]any); ok && m["messageType"] == nil {
		m = inner
	}
	h := notificationHead{raw: m}
	h.MessageType, _ = m["messageType"].(string)
	h.NotificationType, _ = m["notificationType"].(string)
	return h
}
