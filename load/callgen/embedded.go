package callgen

import (
	"bytes"
	"fmt"
)

// Generated is the environment the embedded simulator of coachsim load serves: agents customers (DNs from
// 20000), agents agents (from 30000) and supervisors supervisors (from 40000), password "password" (test
// data), as fixture YAML, and the matching users.
func Generated(agents, supervisors int) ([]byte, Users) {
	var b bytes.Buffer
	var u Users
	b.WriteString("name: load\nusers:\n")
	add := func(list *[]Account, prefix, role string, base, n int) {
		for i := range n {
			name := fmt.Sprintf("%s%d", prefix, i+1)
			fmt.Fprintf(&b, "  - {userName: %s, password: password, role: %s, device: {dn: \"%d\"}}\n", name, role, base+i)
			*list = append(*list, Account{User: name, Password: "password"})
		}
	}
	add(&u.Customers, "customer", "customer", 20000, agents)
	add(&u.Agents, "agent", "agent", 30000, agents)
	add(&u.Supervisors, "supervisor", "supervisor", 40000, supervisors)
	return b.Bytes(), u
}
