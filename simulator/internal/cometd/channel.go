package cometd

import "strings"

// Channels a client may subscribe to. Everything a user receives is published on one of the first two.
const (
	ChannelDevices = "/v2/me/devices"
	ChannelCalls   = "/v2/me/calls"
	// ChannelAll is the wildcard clients use to receive both.
	ChannelAll = "/v2/me/*"
	// ChannelChannels and ChannelServices are documented too; nothing is published on them (SPEC §11.7).
	ChannelChannels = "/v2/me/channels"
	ChannelServices = "/notifications/services"
)

// subscribable reports whether clients may subscribe to channel: the documented channels, and any other
// channel without wildcards under /v2/me/ or /notifications/ (a desktop subscribes to each of its channels
// before it starts; SPEC §11.7). Other wildcards and other trees stay refused.
func subscribable(channel string) bool {
	switch channel {
	case ChannelDevices, ChannelCalls, ChannelAll, ChannelChannels, ChannelServices:
		return true
	}
	if strings.Contains(channel, "*") || !validChannelName(channel) {
		return false
	}
	for _, tree := range []string{"/v2/me/", "/notifications/"} {
		if rest, ok := strings.CutPrefix(channel, tree); ok && rest != "" {
			return true
		}
	}
	return false
}

// validChannelName reports whether name is a plausible channel or pattern: it starts with "/", has no empty
// segment, and a wildcard segment ("*" or "**") may only come last.
func validChannelName(name string) bool {
	if len(name) < 2 || name[0] != '/' {
		return false
	}
	segs := strings.Split(name[1:], "/")
	for i, s := range segs {
		if s == "" {
			return false
		}
		if (s == "*" || s == "**") && i != len(segs)-1 {
			return false
		}
	}
	return true
}

// matches reports whether a subscription pattern covers a concrete channel: equal names, "/a/*" for exactly one
// more segment, "/a/**" for one or more.
func matches(pattern, channel string) bool {
	if pattern == channel {
		return true
	}
	switch {
	case strings.HasSuffix(pattern, "/**"):
		prefix := pattern[:len(pattern)-2]
		return strings.HasPrefix(channel, prefix) && len(channel) > len(prefix)
	case strings.HasSuffix(pattern, "/*"):
		prefix := pattern[:len(pattern)-1]
		rest, ok := strings.CutPrefix(channel, prefix)
		return ok && rest != "" && !strings.Contains(rest, "/")
	}
	return false
}
