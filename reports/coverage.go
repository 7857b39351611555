package reports

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// coverageList compares what a run exercised with what the specification names.
type coverageList struct {
	Exercised    []string `json:"exercised"`    // known and seen, sorted
	NotExercised []string `json:"notExercised"` // known, never seen, sorted
	Extra        []string `json:"extra"`        // seen but not known, sorted
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
				mt, nt := typesOf(n.Data)
				if mt != "" {
					types[mt] = true
				}
				if nt != "" {
					types[nt] = true
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

// typesOf reads only the messageType and notificationType of a notification (of its data object, or of
// the "data" member of a whole Bayeux message).
func typesOf(data string) (messageType, notificationType string) {
	type head struct {
		MessageType      string `json:"messageType"`
		NotificationType string `json:"notificationType"`
	}
	var m struct {
		head
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal([]byte(data), &m) != nil {
		return "", ""
	}
	if m.MessageType == "" && m.NotificationType == "" && len(m.Data) > 0 {
		var inner head
		if json.Unmarshal(m.Data, &inner) == nil {
			return inner.MessageType, inner.NotificationType
		}
	}
	return m.MessageType, m.NotificationType
}
