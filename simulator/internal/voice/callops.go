package voice

// The operations on a call that change what is attached to it or sent on it, not who is on it: user data
// (behaviour.md §12.2), DTMF (§12.3) and recording (§12.7). The capability table has already allowed them.

// userDataOp performs AttachUserData, UpdateUserData, DeleteUserData and DeleteUserDataPair. The data belongs
// to the call: every party that is a user of the environment gets one AttachedDataChanged, the requester
// first, then the other members in join order, then supervisors.
func (s *State) userDataOp(p *party, r Request) error {
	c := p.call
	res := "call " + c.id
	switch r.Operation {
	case OpAttachUserData, OpUpdateUserData:
		data, err := checkUserData(r.Operation, res, r.UserData)
		if err != nil {
			return err
		}
		c.data = c.data.merge(data)
	case OpDeleteUserDataPair:
		if r.Key == "" {
			return opErr(ErrMissingParameter, r.Operation, res, "", "key is required")
		}
		if _, ok := c.data[r.Key]; !ok {
			// [S] Deleting a key the call does not have is a value error.
			return opErr(ErrInvalidValue, r.Operation, res, "", "the call's user data has no key %q", r.Key)
		}
		delete(c.data, r.Key)
		if len(c.data) == 0 {
			c.data = nil
		}
	case OpDeleteUserData:
		c.data = nil
	}
	s.emitCall(p, NotifyAttachedDataChanged)
	for _, q := range c.parties {
		if q != p && q.sup == nil {
			s.emitCall(q, NotifyAttachedDataChanged)
		}
	}
	s.onAttachedDataChanged(c, p)
	return nil
}

// sendDtmf sends digits on the call: one DtmfSent to the requester, the call otherwise unchanged.
func (s *State) sendDtmf(p *party, r Request) error {
	if r.Digits == "" {
		return opErr(ErrMissingParameter, r.Operation, "call "+p.call.id, "", "digits is required")
	}
	for _, ch := range r.Digits {
		if ch < '0' || ch > '9' {
			return opErr(ErrInvalidValue, r.Operation, "call "+p.call.id, "", "digits must be 0-9, not %q", r.Digits)
		}
	}
	s.emitCall(p, NotifyDtmfSent)
	return nil
}

// recordingOp moves the requester's recording state; one CallRecordingStateChange to the requester. Other
// parties' calls are unaffected. The capability table offers each operation only in the states it leaves.
func (s *State) recordingOp(p *party, op Operation) {
	switch op {
	case OpStartCallRecording, OpResumeCallRecording:
		p.rec = recRecording
	case OpPauseCallRecording:
		p.rec = recPaused
	case OpStopCallRecording:
		p.rec = recStopped
	}
	s.emitCall(p, NotifyRecordingState)
}
