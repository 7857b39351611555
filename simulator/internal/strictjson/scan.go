package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the kind of a JSON value.
type Kind uint8

// Kinds of values. The zero Kind is no value (an absent member).
const (
	KindAbsent Kind = iota
	KindObject
	KindArray
	KindString
	KindNumber
	KindBool
	KindNull
)

// Node is one value of a parsed text: its kind, its exact text (Raw, a slice of the parsed data) and, for
// objects and arrays within the depth Parse was asked to open, its members or elements.
type Node struct {
	Kind    Kind
	Raw     json.RawMessage
	Members []Member // an opened object's members, in document order
	Elems   []Node   // an opened array's elements
	plain   bool     // a string whose text between the quotes is its value (no escapes, ASCII or valid UTF-8)
}

// Member is one member of an object: its name, decoded, and its value.
type Member struct {
	Name string
	Node
}

// Get returns the member of an opened object named exactly name; a zero Node (Kind Absent) when there is none.
func (n Node) Get(name string) Node {
	for i := range n.Members {
		if n.Members[i].Name == name {
			return n.Members[i].Node
		}
	}
	return Node{}
}

// Errors of Text and Float for a value of another kind (shared: asking an absent member costs nothing).
var (
	errNotString = &Error{Err: ErrSyntax, Cause: errors.New("not a string")}
	errNotNumber = &Error{Err: ErrSyntax, Cause: errors.New("not a number")}
)

// Text returns a string value, decoded.
func (n Node) Text() (string, error) {
	if n.Kind != KindString {
		return "", errNotString
	}
	if n.plain {
		return intern(n.Raw[1 : len(n.Raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(n.Raw, &s); err != nil {
		return "", &Error{Err: ErrSyntax, Cause: err}
	}
	return s, nil
}

// Float returns a number value as a float64; an error for another kind or a number out of range.
func (n Node) Float() (float64, error) {
	if n.Kind != KindNumber {
		return 0, errNotNumber
	}
	return strconv.ParseFloat(string(n.Raw), 64)
}

// MaxDepth is how deeply arrays and objects may nest; deeper text is a syntax error (as for encoding/json).
const MaxDepth = 10000

// Parse checks data in one pass, as Check does, and returns its value with the objects and arrays of the top
// depth levels opened: depth 0 opens nothing, 1 the top value, 2 also its members or elements, and so on.
// Every Raw is a slice of data: data must not change while the nodes are in use.
func Parse(data []byte, depth int) (Node, error) {
	sc := scanner{data: data, open: depth, keys: make([][]byte, 0, 16), path: make([]pathStep, 0, 8)}
	sc.space()
	n, err := sc.value(0)
	if err != nil {
		return Node{}, err
	}
	sc.space()
	if sc.pos < len(data) {
		return Node{}, &Error{Err: ErrTrailing}
	}
	return n, nil
}

// scanner reads one JSON text. keys holds the names of the members of the objects being read, innermost last
// (dup checks compare bytes, without building strings); path says where the scanner is, for errors.
type scanner struct {
	data []byte
	pos  int
	open int
	keys [][]byte
	path []pathStep
	mems []Member // members of the opened objects being read, innermost last
}

type pathStep struct {
	elem  bool   // an array element (index), else a member (key)
	key   []byte // member name
	index int
}

// where renders the current path as "a.b[2].c".
func (sc *scanner) where() string {
	out := ""
	for _, st := range sc.path {
		if st.elem {
			out += "[" + strconv.Itoa(st.index) + "]"
			continue
		}
		if out != "" {
			out += "."
		}
		out += string(st.key)
	}
	return out
}

func (sc *scanner) syntax(format string, args ...any) error {
	return &Error{Err: ErrSyntax, Path: sc.where(), Cause: fmt.Errorf(format+" (offset %d)", append(args, sc.pos)...)}
}

func (sc *scanner) unexpected(context string) error {
	if sc.pos >= len(sc.data) {
		return sc.syntax("unexpected EOF")
	}
	return sc.syntax("invalid character %q %s", sc.data[sc.pos], context)
}

func (sc *scanner) space() {
	for sc.pos < len(sc.data) {
		switch sc.data[sc.pos] {
		case ' ', '\t', '\n', '\r':
			sc.pos++
		default:
			return
		}
	}
}

func (sc *scanner) value(depth int) (Node, error) {
	if sc.pos >= len(sc.data) {
		return Node{}, sc.unexpected("")
	}
	start := sc.pos
	switch c := sc.data[sc.pos]; {
	case c == '{':
		return sc.object(depth)
	case c == '[':
		return sc.array(depth)
	case c == '"':
		plain, err := sc.str()
		if err != nil {
			return Node{}, err
		}
		return Node{Kind: KindString, Raw: sc.data[start:sc.pos], plain: plain}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		if err := sc.number(); err != nil {
			return Node{}, err
		}
		return Node{Kind: KindNumber, Raw: sc.data[start:sc.pos]}, nil
	case c == 't':
		return sc.literal("true", KindBool)
	case c == 'f':
		return sc.literal("false", KindBool)
	case c == 'n':
		return sc.literal("null", KindNull)
	}
	return Node{}, sc.unexpected("looking for beginning of value")
}

func (sc *scanner) literal(word string, kind Kind) (Node, error) {
	start := sc.pos
	for i := 0; i < len(word); i++ {
		if sc.pos >= len(sc.data) || sc.data[sc.pos] != word[i] {
			return Node{}, sc.unexpected("in literal " + word)
		}
		sc.pos++
	}
	return Node{Kind: kind, Raw: sc.data[start:sc.pos]}, nil
}

// str reads a string; plain reports that the text between the quotes is the value itself.
func (sc *scanner) str() (plain bool, err error) {
	sc.pos++ // the opening quote
	plain, ascii := true, true
	start := sc.pos
	for sc.pos < len(sc.data) {
		c := sc.data[sc.pos]
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(sc.data[start:sc.pos]) {
				plain = false // decoding replaces the invalid bytes
			}
			sc.pos++
			return plain, nil
		case c == '\\':
			plain = false
			sc.pos++
			if sc.pos >= len(sc.data) {
				return false, sc.unexpected("")
			}
			switch sc.data[sc.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				sc.pos++
			case 'u':
				sc.pos++
				for range 4 {
					if sc.pos >= len(sc.data) || !isHex(sc.data[sc.pos]) {
						return false, sc.unexpected("in \\u hexadecimal character escape")
					}
					sc.pos++
				}
			default:
				return false, sc.unexpected("in string escape code")
			}
		case c < 0x20:
			return false, sc.unexpected("in string literal")
		default:
			if c >= 0x80 {
				ascii = false
			}
			sc.pos++
		}
	}
	return false, sc.unexpected("")
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func (sc *scanner) digits() int {
	n := 0
	for sc.pos < len(sc.data) && sc.data[sc.pos] >= '0' && sc.data[sc.pos] <= '9' {
		sc.pos++
		n++
	}
	return n
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (sc *scanner) number() error {
	if sc.data[sc.pos] == '-' {
		sc.pos++
	}
	switch {
	case sc.pos < len(sc.data) && sc.data[sc.pos] == '0':
		sc.pos++
	case sc.digits() == 0:
		return sc.unexpected("in numeric literal")
	}
	if sc.pos < len(sc.data) && sc.data[sc.pos] == '.' {
		sc.pos++
		if sc.digits() == 0 {
			return sc.unexpected("after decimal point in numeric literal")
		}
	}
	if sc.pos < len(sc.data) && (sc.data[sc.pos] == 'e' || sc.data[sc.pos] == 'E') {
		sc.pos++
		if sc.pos < len(sc.data) && (sc.data[sc.pos] == '+' || sc.data[sc.pos] == '-') {
			sc.pos++
		}
		if sc.digits() == 0 {
			return sc.unexpected("in exponent of numeric literal")
		}
	}
	return nil
}

// dupMapAfter is the number of members after which an object's names are checked through a map rather than
// one by one, so that a hostile object of many members costs linear time.
const dupMapAfter = 16

func (sc *scanner) object(depth int) (Node, error) {
	if depth >= MaxDepth {
		return Node{}, sc.syntax("exceeded max depth")
	}
	start := sc.pos
	sc.pos++
	opened := depth < sc.open
	firstKey, firstMem := len(sc.keys), len(sc.mems)
	defer func() { sc.keys, sc.mems = sc.keys[:firstKey], sc.mems[:firstMem] }()
	done := func() Node {
		n := Node{Kind: KindObject, Raw: sc.data[start:sc.pos]}
		if len(sc.mems) > firstMem {
			n.Members = slices.Clone(sc.mems[firstMem:])
		}
		return n
	}
	var seen map[string]struct{}
	sc.space()
	if sc.pos < len(sc.data) && sc.data[sc.pos] == '}' {
		sc.pos++
		return done(), nil
	}
	for {
		if sc.pos >= len(sc.data) || sc.data[sc.pos] != '"' {
			return Node{}, sc.unexpected("looking for beginning of object key string")
		}
		ks := sc.pos
		plain, err := sc.str()
		if err != nil {
			return Node{}, err
		}
		name := sc.data[ks+1 : sc.pos-1]
		if !plain {
			var s string
			if err := json.Unmarshal(sc.data[ks:sc.pos], &s); err != nil {
				return Node{}, sc.syntax("%v", err)
			}
			name = []byte(s)
		}
		sc.path = append(sc.path, pathStep{key: name})
		if seen == nil {
			for _, k := range sc.keys[firstKey:] {
				if string(k) == string(name) {
					return Node{}, sc.duplicate()
				}
			}
			sc.keys = append(sc.keys, name)
			if len(sc.keys)-firstKey > dupMapAfter {
				seen = make(map[string]struct{}, 2*dupMapAfter)
				for _, k := range sc.keys[firstKey:] {
					seen[string(k)] = struct{}{}
				}
			}
		} else {
			if _, dup := seen[string(name)]; dup {
				return Node{}, sc.duplicate()
			}
			seen[string(name)] = struct{}{}
		}
		sc.space()
		if sc.pos >= len(sc.data) || sc.data[sc.pos] != ':' {
			return Node{}, sc.unexpected("after object key")
		}
		sc.pos++
		sc.space()
		child, err := sc.value(depth + 1)
		if err != nil {
			return Node{}, err
		}
		sc.path = sc.path[:len(sc.path)-1]
		if opened {
			sc.mems = append(sc.mems, Member{Name: intern(name), Node: child})
		}
		sc.space()
		if sc.pos < len(sc.data) && sc.data[sc.pos] == ',' {
			sc.pos++
			sc.space()
			continue
		}
		if sc.pos < len(sc.data) && sc.data[sc.pos] == '}' {
			sc.pos++
			return done(), nil
		}
		return Node{}, sc.unexpected("after object key:value pair")
	}
}

// commonNames are member names and values of the simulator's requests (Bayeux meta channels, the connection
// type), shared instead of copied out of every request.
var commonNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range strings.Fields(`channel clientId id connectionType advice timeout interval reconnect ext ack
		subscription supportedConnectionTypes version minimumVersion data enabled operationName destination
		phoneNumber userData key digits participant otherCallUri targetDeviceUri supervisorMonitoringScope
		supervisorMonitoringMode consultCallUri channels /meta/connect /meta/handshake /meta/subscribe
		/meta/unsubscribe /meta/disconnect long-polling /v2/me/* /v2/me/calls /v2/me/devices /v2/me/channels`) {
		m[n] = n
	}
	return m
}()

func intern(name []byte) string {
	if s, ok := commonNames[string(name)]; ok {
		return s
	}
	return string(name)
}

func (sc *scanner) duplicate() error {
	return &Error{Err: ErrDuplicate, Path: sc.where()}
}

func (sc *scanner) array(depth int) (Node, error) {
	if depth >= MaxDepth {
		return Node{}, sc.syntax("exceeded max depth")
	}
	start := sc.pos
	sc.pos++
	opened := depth < sc.open
	var elems []Node
	sc.space()
	if sc.pos < len(sc.data) && sc.data[sc.pos] == ']' {
		sc.pos++
		return Node{Kind: KindArray, Raw: sc.data[start:sc.pos], Elems: elems}, nil
	}
	for i := 0; ; i++ {
		sc.path = append(sc.path, pathStep{elem: true, index: i})
		child, err := sc.value(depth + 1)
		if err != nil {
			return Node{}, err
		}
		sc.path = sc.path[:len(sc.path)-1]
		if opened {
			elems = append(elems, child)
		}
		sc.space()
		if sc.pos < len(sc.data) && sc.data[sc.pos] == ',' {
			sc.pos++
			sc.space()
			continue
		}
		if sc.pos < len(sc.data) && sc.data[sc.pos] == ']' {
			sc.pos++
			return Node{Kind: KindArray, Raw: sc.data[start:sc.pos], Elems: elems}, nil
		}
		return Node{}, sc.unexpected("after array element")
	}
}
