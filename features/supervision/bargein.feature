Feature: BargeIn as the others see it
  A supervisor who barges in joins the conversation: agent and customer both see the supervisor (behaviour.md
  §4.4). BargeIn on an agent who is already talking joins that call at once (behaviour.md §4.5).

  Background:
    Given customer1, agent1 and supervisor1 are logged in

  @SUP-BARGE-001 @documented
  Scenario: BargeIn joins a call the agent is already on
    A BargeIn request on an agent who is already talking MUST bring the supervisor into that call at once.
    Given customer1 is talking to agent1
    When supervisor1 starts BargeIn on agent1
    Then supervisor1 receives a call notification with:
      """
      {"participants": [{"phoneNumber": "${agent1.dn}"}, {"phoneNumber": "${customer1.dn}"}]}
      """

  @SUP-BARGE-002 @inferred
  Scenario: A supervisor barging into a call in progress gets that very call
    The supervisor's call MUST have the id, callUuid, connId and callType of the call it barged into, with the microphone on.
    Given customer1 is talking to agent1
    When supervisor1 starts BargeIn on agent1
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established", "mute": "Off"}
      """
    And supervisor1's supervision call has the id, callUuid, connId and callType of agent1's call

  @SUP-BARGE-003 @inferred
  Scenario: Agent and customer both see a supervisor barge into their call
    The agent's and the customer's calls MUST both list the supervisor once it barges into their call.
    Given customer1 is talking to agent1
    When supervisor1 starts BargeIn on agent1
    Then agent1 receives a ParticipantsUpdated call notification listing exactly customer1 and supervisor1
    And customer1 receives a ParticipantsUpdated call notification listing exactly agent1 and supervisor1

  @SUP-BARGE-004 @inferred
  Scenario: The agent sees a barging supervisor join its next call
    The agent's next received call MUST list the supervisor who subscribed with BargeIn.
    Given supervisor1 starts BargeIn on agent1
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a ParticipantsUpdated call notification listing exactly customer1 and supervisor1

  @SUP-BARGE-005 @inferred
  Scenario: The customer sees a barging supervisor join the call
    The customer's call MUST list the supervisor who barges into the agent's next call.
    Given supervisor1 starts BargeIn on agent1
    When customer1 dials agent1
    And agent1 answers
    Then customer1 receives a ParticipantsUpdated call notification listing exactly agent1 and supervisor1
