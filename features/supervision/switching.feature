Feature: Switching between ListenIn, Coach and BargeIn
  On its call the supervisor may switch ListenIn to BargeIn and back, and leave Coach for ListenIn or BargeIn,
  never going back to Coach (behaviour.md §7). A switch changes the call, not the subscription.

  Background:
    Given customer1, agent1 and supervisor1 are logged in

  @SUP-SWITCH-001 @documented
  Scenario Outline: An allowed switch changes the supervisor's microphone and offers the way on
    An allowed switch MUST be confirmed by a StatusChange on the supervisor's call with the new mute state and the next allowed switch only.
    Given supervisor1 starts <from> on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 switches to <to>
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"mute": "<mute>", "capabilities": ["<offered>"]}
      """
    And that notification does not offer <not offered>

    Examples:
      | id                  | from     | to       | mute | offered          | not offered                      |
      | listenin-to-bargein | ListenIn | BargeIn  | Off  | SwitchToListenIn | SwitchToBargeIn or SwitchToCoach  |
      | bargein-to-listenin | BargeIn  | ListenIn | On   | SwitchToBargeIn  | SwitchToListenIn or SwitchToCoach |
      | coach-to-listenin   | Coach    | ListenIn | On   | SwitchToBargeIn  | SwitchToListenIn or SwitchToCoach |
      | coach-to-bargein    | Coach    | BargeIn  | Off  | SwitchToListenIn | SwitchToBargeIn or SwitchToCoach  |

  @SUP-SWITCH-002 @documented
  Scenario Outline: Switching to the mode already in use is refused
    A switch to the mode the supervisor's call is already in MUST fail with statusCode 2 and change nothing.
    Given supervisor1 starts <mode> on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 tries to switch to <mode>
    Then the request fails with statusCode 2
    And supervisor1 receives no change to its calls within the quiet period

    Examples:
      | id       | mode     |
      | listenin | ListenIn |
      | bargein  | BargeIn  |

  @SUP-SWITCH-003 @inferred
  Scenario Outline: Nothing leads back to Coach
    A request to switch to Coach MUST fail with statusCode 2 and change nothing, whatever the current mode.
    Given supervisor1 starts <from> on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 tries to switch to Coach
    Then the request fails with statusCode 2
    And supervisor1 receives no change to its calls within the quiet period

    Examples:
      | id       | from     |
      | listenin | ListenIn |
      | coach    | Coach    |
      | bargein  | BargeIn  |

  @SUP-SWITCH-004 @documented
  Scenario: After leaving Coach for ListenIn only BargeIn remains
    Once a coaching supervisor has switched to ListenIn, switching to ListenIn again MUST fail with statusCode 2 while switching to BargeIn MUST work.
    Given supervisor1 starts Coach on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 switches to ListenIn
    And supervisor1 tries to switch to ListenIn
    Then the request fails with statusCode 2
    When supervisor1 switches to BargeIn
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"mute": "Off", "capabilities": ["SwitchToListenIn"]}
      """

  @SUP-SWITCH-005 @inferred
  Scenario: Switching from ListenIn to BargeIn shows the supervisor to agent and customer
    After a switch from ListenIn to BargeIn, the agent's and the customer's calls MUST both list the supervisor.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 switches to BargeIn
    Then customer1 receives a ParticipantsUpdated call notification listing exactly agent1 and supervisor1
    And agent1 receives a ParticipantsUpdated call notification listing exactly customer1 and supervisor1

  @SUP-SWITCH-006 @inferred
  Scenario: Switching from BargeIn to ListenIn hides the supervisor again
    After a switch from BargeIn to ListenIn, neither the agent's nor the customer's call MUST list the supervisor any more.
    Given supervisor1 starts BargeIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 switches to ListenIn
    Then customer1 receives a ParticipantsUpdated call notification listing exactly agent1
    And agent1 receives a call notification listing exactly customer1

  @SUP-SWITCH-007 @inferred
  Scenario: Switching from Coach to ListenIn takes the supervisor off the agent's call
    After a switch from Coach to ListenIn, the agent's call MUST stop listing the supervisor and the customer MUST notice nothing.
    Given supervisor1 starts Coach on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 switches to ListenIn
    Then agent1 receives a ParticipantsUpdated call notification listing exactly customer1
    And customer1 receives no change to its call's participants within the quiet period

  @SUP-SWITCH-008 @inferred
  Scenario: Switching from Coach to BargeIn shows the supervisor to the customer
    After a switch from Coach to BargeIn, the customer's call MUST list the supervisor.
    Given supervisor1 starts Coach on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 switches to BargeIn
    Then customer1 receives a ParticipantsUpdated call notification listing exactly agent1 and supervisor1

  @SUP-SWITCH-009 @inferred
  Scenario: A switch changes the call, not the subscription
    A switch MUST NOT change the subscription: no device notification follows and supervisorMonitoringState keeps the subscribed type.
    Given supervisor1 starts Coach on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 switches to BargeIn
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"mute": "Off", "capabilities": ["SwitchToListenIn"]}
      """
    And supervisor1 receives no change to its subscription within the quiet period
    When supervisor1 reads its devices
    Then the reply body contains:
      """
      {"devices": [{"supervisorMonitoringState": {"state": "Coach"}}]}
      """
