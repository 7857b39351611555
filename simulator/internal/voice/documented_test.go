package voice_test

import "github.com/coachsim/coachsim/simulator/internal/voice"

// The capability sets of the reference (gws-voice-api.md §4.3, §5.4, §3.3) and of behaviour.md §12.1, written
// out here independently of the core's table, so that the specs check the table row by row against them.

func opset(groups ...[]voice.Operation) []voice.Operation {
	var out []voice.Operation
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func opl(list ...voice.Operation) []voice.Operation { return list }

var (
	docUserData = opl(voice.OpAttachUserData, voice.OpUpdateUserData, voice.OpDeleteUserData, voice.OpDeleteUserDataPair)
	// CallsDial: Dialing.
	docDialing = opset(opl(voice.OpSendDtmf, voice.OpHangup), docUserData)
	// live 8.5.202.96: Ringing.
	docRinging = opset(opl(voice.OpAnswer, voice.OpClearCall), docUserData)
	// CallsAnswer (11) + ClearCall (live): Established.
	docEstablished = opset(opl(voice.OpSingleStepTransfer, voice.OpInitiateConference, voice.OpHold,
		voice.OpSingleStepConference, voice.OpInitiateTransfer, voice.OpSendDtmf, voice.OpHangup), docUserData,
		opl(voice.OpClearCall))
	// CallsHold: Held.
	docHeld = opset(opl(voice.OpSingleStepTransfer, voice.OpInitiateConference, voice.OpRetrieve,
		voice.OpSingleStepConference, voice.OpInitiateTransfer, voice.OpHangup), docUserData)
	// InitiateTransfer: the original Held, no Retrieve.
	docHeldAfterTransfer = opset(docUserData, opl(voice.OpSwapCalls, voice.OpInitiateConference,
		voice.OpSingleStepTransfer, voice.OpInitiateTransfer, voice.OpSingleStepConference, voice.OpHangup,
		voice.OpCompleteTransfer))
	// InitiateConference (partly readable) + behaviour.md: the original Held.
	docHeldAfterConference = opset(docHeld, opl(voice.OpSwapCalls, voice.OpCompleteConference))
	// SwapCalls: the Established call of a pair (14).
	docPairEstablished = opset(docEstablished, opl(voice.OpSwapCalls, voice.OpCompleteTransfer, voice.OpCompleteConference))
	// behaviour.md §12.1: the consultation call while it dials.
	docConsultDialingTransfer   = opset(docDialing, opl(voice.OpCompleteTransfer))
	docConsultDialingConference = opset(docDialing, opl(voice.OpCompleteConference))
	// behaviour.md §4.3: the supervisor's Ringing call.
	docSupervisorRinging = opset(opl(voice.OpAnswer), docUserData)
	// Device samples.
	docAgentDevice      = opl(voice.OpDoNotDisturbOn, voice.OpForwardCallsOn)
	docSupervisorDevice = opl(voice.OpDoNotDisturbOn, voice.OpForwardCallsOn, voice.OpListenIn, voice.OpCoach, voice.OpBargeIn)
)

// docMonitoring is the supervisor's Established monitoring call in a mode (SupervisorSwitchTo* samples, 13
// entries; Coach offers both switches, behaviour.md §4.3).
func docMonitoring(mode voice.MonitorType) []voice.Operation {
	caps := opset(docUserData, opl(voice.OpInitiateConference, voice.OpHold, voice.OpSingleStepTransfer,
		voice.OpSingleStepConference, voice.OpHangup, voice.OpSendDtmf, voice.OpInitiateTransfer,
		voice.OpRemoveParticipant))
	if mode != voice.BargeIn {
		caps = append(caps, voice.OpSwitchToBargeIn)
	}
	if mode != voice.ListenIn {
		caps = append(caps, voice.OpSwitchToListenIn)
	}
	return caps
}
