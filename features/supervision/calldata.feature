Feature: Call data and call operations as the supervisor sees them
  The supervisor's monitoring call offers the documented operations (behaviour.md §4.3), shows the data
  attached to the call it monitors (§12.2), and follows ClearCall, SingleStepConference and
  RemoveParticipantFromConference (§12.4). Scenarios check only the capabilities a rule is about.

  Background:
    Given customer1, agent1, agent2 and supervisor1 are logged in

  @SUP-DATA-001 @documented
  Scenario Outline: The supervisor's monitoring call offers the documented operations
    The supervisor's established call MUST offer the user-data operations, SendDtmf, Hold, the transfer and conference operations, Hangup, RemoveParticipantFromConference and the switch allowed from its mode.
    Given supervisor1 starts <operation> on agent1
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a call notification with:
      """
      {"state": "Established", "capabilities": ["AttachUserData", "UpdateUserData", "DeleteUserData",
        "DeleteUserDataPair", "SendDtmf", "Hold", "SingleStepTransfer", "InitiateTransfer", "InitiateConference",
        "SingleStepConference", "Hangup", "RemoveParticipantFromConference", "<switch>"]}
      """

    Examples:
      | id       | operation | switch           |
      | listenin | ListenIn  | SwitchToBargeIn  |
      | bargein  | BargeIn   | SwitchToListenIn |

  @SUP-DATA-002 @documented
  Scenario: The monitored agent's established call offers the documented operations
    The agent's established call MUST offer Hangup, Hold, SendDtmf, the transfer and conference operations and the user-data operations.
    Given supervisor1 starts ListenIn on agent1
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a call notification with:
      """
      {"state": "Established", "capabilities": ["Hangup", "Hold", "SendDtmf", "SingleStepTransfer",
        "InitiateTransfer", "SingleStepConference", "InitiateConference", "AttachUserData", "UpdateUserData",
        "DeleteUserData", "DeleteUserDataPair"]}
      """

  @SUP-DATA-003 @inferred
  Scenario: The supervisor's call shows the user data the call was dialled with
    The userData given on Dial MUST be on the agent's ringing call and on the coaching supervisor's call.
    Given supervisor1 starts Coach on agent1
    When customer1 dials agent1 with user data:
      """
      {"segment": "gold"}
      """
    Then agent1 receives a call notification with:
      """
      {"state": "Ringing", "userData": {"segment": "gold"}}
      """
    When agent1 answers
    Then supervisor1 receives a call notification with:
      """
      {"state": "Established", "userData": {"segment": "gold"}}
      """

  @SUP-DATA-004 @inferred
  Scenario: Data the agent attaches reaches the supervisor
    AttachUserData on the agent's call MUST send the supervisor an AttachedDataChanged with the new data.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 attaches user data on its call:
      """
      {"note": "VIP"}
      """
    Then supervisor1 receives an AttachedDataChanged call notification with:
      """
      {"userData": {"note": "VIP"}}
      """
    And customer1 receives an AttachedDataChanged call notification with:
      """
      {"userData": {"note": "VIP"}}
      """

  @SUP-DATA-005 @inferred
  Scenario: ClearCall releases the supervisor's call and ends a NextCall subscription
    ClearCall by the agent MUST release the supervisor's call too, which ends a NextCall subscription.
    Given supervisor1 starts ListenIn on agent1 with mode NextCall
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 clears the call
    Then supervisor1 receives a call notification with:
      """
      {"state": "Released"}
      """
    And supervisor1 receives a device notification without a monitoring subscription
    And customer1 receives a call notification with:
      """
      {"state": "Released"}
      """

  @SUP-DATA-006 @inferred
  Scenario: A party added in a single step sees the barged-in supervisor, who sees it join
    After SingleStepConference the supervisor MUST see the new party join, and the new party MUST list the barged-in supervisor.
    Given supervisor1 starts BargeIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 adds agent2 to the call in a single step
    And agent2 answers
    Then supervisor1 receives a ParticipantsUpdated call notification listing exactly customer1, agent1 and agent2
    And agent2 receives a call notification listing exactly customer1, agent1 and supervisor1

  @SUP-DATA-007 @inferred
  Scenario: The owner removing a party from a supervised conference updates the supervisor
    After the conference owner removes a party, the supervisor's call MUST list the remaining parties only.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 adds agent2 to the call in a single step
    And agent2 answers
    And supervisor1 receives a ParticipantsUpdated call notification listing exactly customer1, agent1 and agent2
    And agent1 removes agent2 from the conference
    Then agent2 receives a call notification with:
      """
      {"state": "Released"}
      """
    And supervisor1 receives a ParticipantsUpdated call notification listing exactly customer1 and agent1

  @SUP-DATA-008 @inferred
  Scenario: A supervisor who removes the monitored agent leaves with it in Agent scope
    RemoveParticipantFromConference of the monitored agent by the supervisor MUST count as the agent leaving: in Agent scope the supervisor's call is released while the others stay connected.
    Given supervisor1 starts ListenIn on agent1 with scope Agent
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 adds agent2 to the call in a single step
    And agent2 answers
    And supervisor1 receives a ParticipantsUpdated call notification listing exactly customer1, agent1 and agent2
    And supervisor1 removes agent1 from the conference
    Then agent1 receives a call notification with:
      """
      {"state": "Released"}
      """
    And supervisor1 receives a call notification with:
      """
      {"state": "Released"}
      """
    And customer1 receives a call notification listing exactly agent2
