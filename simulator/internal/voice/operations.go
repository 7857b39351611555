package voice

// Operation is an operationName of the GWS v2 Voice API. Capabilities are lists of operations; the core
// accepts an operation on a resource only when the resource offers it (capabilities.go), except the few that
// are never listed (isUnlisted).
type Operation string

func (o Operation) String() string { return string(o) }

// Operations of devices, calls, channels and the user resource.
const (
	OpDial                       Operation = "Dial"
	OpAnswer                     Operation = "Answer"
	OpHangup                     Operation = "Hangup"
	OpHold                       Operation = "Hold"
	OpRetrieve                   Operation = "Retrieve"
	OpSingleStepTransfer         Operation = "SingleStepTransfer"
	OpInitiateTransfer           Operation = "InitiateTransfer"
	OpCompleteTransfer           Operation = "CompleteTransfer"
	OpInitiateConference         Operation = "InitiateConference"
	OpCompleteConference         Operation = "CompleteConference"
	OpSingleStepConference       Operation = "SingleStepConference"
	OpRemoveParticipant          Operation = "RemoveParticipantFromConference"
	OpClearCall                  Operation = "ClearCall"
	OpSwapCalls                  Operation = "SwapCalls"
	OpSendDtmf                   Operation = "SendDtmf"
	OpAttachUserData             Operation = "AttachUserData"
	OpUpdateUserData             Operation = "UpdateUserData"
	OpDeleteUserData             Operation = "DeleteUserData"
	OpDeleteUserDataPair         Operation = "DeleteUserDataPair"
	OpStartCallRecording         Operation = "StartCallRecording"
	OpStopCallRecording          Operation = "StopCallRecording"
	OpPauseCallRecording         Operation = "PauseCallRecording"
	OpResumeCallRecording        Operation = "ResumeCallRecording"
	OpReady                      Operation = "Ready"
	OpNotReady                   Operation = "NotReady"
	OpAfterCallWork              Operation = "AfterCallWork"
	OpDoNotDisturbOn             Operation = "DoNotDisturbOn"
	OpDoNotDisturbOff            Operation = "DoNotDisturbOff"
	OpForwardCallsOn             Operation = "ForwardCallsOn"
	OpForwardCallsOff            Operation = "ForwardCallsOff"
	OpStartContactCenterSession  Operation = "StartContactCenterSession"
	OpEndContactCenterSession    Operation = "EndContactCenterSession"
	OpListenIn                   Operation = "ListenIn"
	OpCoach                      Operation = "Coach"
	OpBargeIn                    Operation = "BargeIn"
	OpCancelSupervisorMonitoring Operation = "CancelSupervisorMonitoring"
	OpSwitchToListenIn           Operation = "SwitchToListenIn"
	OpSwitchToBargeIn            Operation = "SwitchToBargeIn"
	OpMuteMonitoredUser          Operation = "MuteMonitoredUser"
	OpUnmuteMonitoredUser        Operation = "UnmuteMonitoredUser"
)

// userDataOps are the four user-data operations every call state but Released offers (behaviour.md §12.1).
var userDataOps = []Operation{OpAttachUserData, OpUpdateUserData, OpDeleteUserData, OpDeleteUserDataPair}

// recordingOps need the api-voice-recording feature (behaviour.md §12.7).
func (o Operation) isRecording() bool {
	switch o {
	case OpStartCallRecording, OpStopCallRecording, OpPauseCallRecording, OpResumeCallRecording:
		return true
	}
	return false
}

// isSupervisorCallOp: the operations on a supervisor's call that need api-supervisor-monitoring.
func (o Operation) isSupervisorCallOp() bool {
	switch o {
	case OpSwitchToListenIn, OpSwitchToBargeIn, OpMuteMonitoredUser, OpUnmuteMonitoredUser:
		return true
	}
	return false
}
