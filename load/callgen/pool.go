package callgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coachsim/coachsim/load/longpoll"
	"github.com/coachsim/coachsim/steps/harness"
)

// Account is one user of the pool.
type Account struct {
	User     string `yaml:"user" json:"user"`
	Password string `yaml:"password" json:"password"`
}

// Users are the accounts a run works with. Agent i takes calls from customer i (there must be at least as
// many customers as agents); supervisors monitor agents.
type Users struct {
	Customers   []Account `yaml:"customers"`
	Agents      []Account `yaml:"agents"`
	Supervisors []Account `yaml:"supervisors"`
}

// Slice returns worker k's (1-based) share of n: every k-th agent with its customer and every k-th
// supervisor, disjoint from the other workers' shares.
func (u Users) Slice(k, n int) Users {
	if n <= 1 {
		return u
	}
	pick := func(all []Account) []Account {
		var out []Account
		for i := k - 1; i < len(all); i += n {
			out = append(out, all[i])
		}
		return out
	}
	return Users{Customers: pick(u.Customers[:min(len(u.Customers), len(u.Agents))]), Agents: pick(u.Agents),
		Supervisors: pick(u.Supervisors)}
}

// member is one logged-in user: a REST client and a long poll whose notifications go to the log of the
// call the user is on, under the role the call gave it.
type member struct {
	acct     Account
	rest     *harness.Client
	deviceID string
	dn       string
	poll     *longpoll.Client

	mu   sync.Mutex
	log  *harness.Log
	role string
}

func (m *member) attach(log *harness.Log, role string) {
	m.mu.Lock()
	m.log, m.role = log, role
	m.mu.Unlock()
}

func (m *member) detach() { m.attach(nil, "") }

// open logs the member in: reads its device and opens its CometD session on /v2/me/*.
func openMember(ctx context.Context, base string, acct Account, tr http.RoundTripper, hc *http.Client) (*member, error) {
	rest, err := harness.NewClient(base, acct.User, acct.Password, harness.ClientOptions{Transport: tr, Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	devs, err := rest.Devices(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: reading devices: %w", acct.User, err)
	}
	if len(devs) == 0 {
		return nil, fmt.Errorf("%s has no device", acct.User)
	}
	m := &member{acct: acct, rest: rest, deviceID: devs[0].ID, dn: devs[0].PhoneNumber}
	m.poll = &longpoll.Client{Endpoint: base + "/api/v2/notifications", User: acct.User, Password: acct.Password, HTTP: hc}
	if err := m.poll.Handshake(ctx); err != nil {
		return nil, err
	}
	if err := m.poll.Subscribe(ctx, "/v2/me/*"); err != nil {
		return nil, err
	}
	return m, nil
}

// listen runs the member's connect loop until ctx ends; failed receives a broken session's error.
func (m *member) listen(ctx context.Context, failed func(error)) {
	for {
		events, err := m.poll.Connect(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			failed(fmt.Errorf("%s: notification session: %w", m.acct.User, err))
			return
		}
		at := time.Now()
		m.mu.Lock()
		log, role := m.log, m.role
		m.mu.Unlock()
		if log == nil {
			continue
		}
		for _, e := range events {
			log.Append(role, e.Channel, e.Data, at)
		}
	}
}

// callID reads data.call.id of a call notification.
func callID(e harness.Entry) string {
	var v struct {
		Call struct {
			ID string `json:"id"`
		} `json:"call"`
	}
	_ = json.Unmarshal(e.Data, &v)
	return v.Call.ID
}
