Feature: The supervisor's call
  Once a supervised agent's received call is established, the supervisor gets its own view of that call
  (behaviour.md §4.1–4.3), in every mode. ListenIn and Coach wait for the next received call; while the
  supervisor is on a call, the agent's further calls are not supervised (behaviour.md §4.5, §4.6).

  Background:
    Given customer1, customer2, agent1 and supervisor1 are logged in

  @SUP-JOIN-001 @inferred
  Scenario Outline: The supervisor's call rings and is then established
    The supervisor MUST receive its call on its own device as Ringing and then as Established with monitoring true.
    Given supervisor1 starts <operation> on agent1
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Ringing", "deviceUri": "${supervisor1.deviceUri}"}
      """
    And supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established", "monitoring": true}
      """

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-JOIN-002 @inferred
  Scenario Outline: The supervisor's call is the agent's call
    The supervisor's call MUST have the same id, callUuid, connId and callType as the agent's call.
    Given supervisor1 starts <operation> on agent1
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And supervisor1's supervision call has the id, callUuid, connId and callType of agent1's call

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-JOIN-003 @inferred
  Scenario Outline: The supervisor's call lists the agent and the customer
    The supervisor's call MUST list every other party of the call, here the agent and the customer, and nobody else.
    Given supervisor1 starts <operation> on agent1
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification listing exactly agent1 and customer1

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-JOIN-004 @documented
  Scenario Outline: The supervisor's microphone follows the mode
    The supervisor's call MUST be muted in ListenIn and unmuted in BargeIn.
    Given supervisor1 starts <operation> on agent1
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a call notification with:
      """
      {"state": "Established", "mute": "<mute>"}
      """

    Examples:
      | id       | operation | mute |
      | listenin | ListenIn  | On   |
      | bargein  | BargeIn   | Off  |

  @SUP-JOIN-005 @inferred
  Scenario: A coaching supervisor's microphone is on
    The supervisor's call MUST be unmuted in Coach, so that the agent can hear the supervisor.
    Given supervisor1 starts Coach on agent1
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a call notification with:
      """
      {"state": "Established", "mute": "Off"}
      """

  @SUP-JOIN-006 @inferred
  Scenario Outline: The supervisor's call offers hanging up and the allowed switches, never the mute operations
    The supervisor's established call MUST offer Hangup and exactly the switches allowed from its mode, and MUST NOT list MuteMonitoredUser or UnmuteMonitoredUser.
    Given supervisor1 starts <operation> on agent1
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a call notification with:
      """
      {"state": "Established", "capabilities": ["Hangup", <switches>]}
      """
    And that notification does not offer <not offered>

    Examples:
      | id       | operation | switches                              | not offered                                           |
      | listenin | ListenIn  | "SwitchToBargeIn"                     | MuteMonitoredUser, UnmuteMonitoredUser, SwitchToListenIn or SwitchToCoach |
      | coach    | Coach     | "SwitchToListenIn", "SwitchToBargeIn" | MuteMonitoredUser, UnmuteMonitoredUser or SwitchToCoach                  |
      | bargein  | BargeIn   | "SwitchToListenIn"                    | MuteMonitoredUser, UnmuteMonitoredUser, SwitchToBargeIn or SwitchToCoach  |

  @SUP-JOIN-007 @documented
  Scenario Outline: ListenIn and Coach wait for the agent's next call
    A ListenIn or Coach request on an agent who is already talking MUST NOT join that call and MUST join the agent's next received call.
    Given customer1 is talking to agent1
    When supervisor1 starts <operation> on agent1
    Then supervisor1 receives no new call within the quiet period
    When customer1 hangs up
    And customer2 dials agent1
    And agent1 answers
    Then supervisor1 receives a call notification with:
      """
      {"deviceUri": "${supervisor1.deviceUri}"}
      """

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |

  @SUP-JOIN-008 @inferred
  Scenario: The agent's further calls are not supervised while the supervisor is on a call
    While the supervisor is on a supervision call, another call the agent receives MUST NOT bring the supervisor in.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 puts the call on hold
    And customer2 dials agent1
    And agent1 answers
    Then agent1 receives a call notification with:
      """
      {"state": "Established", "participants": [{"phoneNumber": "${customer2.dn}"}]}
      """
    And supervisor1 receives no new call within the quiet period

  @SUP-JOIN-009 @inferred
  Scenario: A call routed to the agent through the routing point is supervised
    A call the routing point delivers to the supervised agent MUST bring the supervisor in once the agent answers.
    Given agent1 starts its contact-center session
    And agent1 is Ready
    And supervisor1 starts ListenIn on agent1
    When customer1 dials the routing point
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
