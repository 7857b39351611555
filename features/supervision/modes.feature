Feature: NextCall, AllCalls and cancelling
  A NextCall subscription serves one call and ends when the supervisor's call for it is released; an AllCalls
  subscription lasts until it is cancelled or a contact-center session ends (behaviour.md §6).

  Background:
    Given customer1, customer2, agent1, agent2 and supervisor1 are logged in

  @SUP-MODE-001 @inferred
  Scenario Outline: A NextCall subscription ends when the supervision call is released
    A NextCall subscription MUST end, announced by a device notification without supervisorMonitoringState, as soon as the supervisor's call is released, however it ends.
    Given supervisor1 starts ListenIn on agent1 with scope <scope> and mode NextCall
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When <ending>
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """
    And supervisor1 receives a device notification without a monitoring subscription

    Examples:
      | id                   | scope | ending                                              |
      | customer-hangs-up    | Call  | customer1 hangs up                                  |
      | agent-hangs-up       | Call  | agent1 hangs up                                     |
      | supervisor-hangs-up  | Call  | supervisor1 hangs up                                |
      | agent-scope-transfer | Agent | agent1 transfers the call to agent2 in a single step |

  @SUP-MODE-002 @inferred
  Scenario: After a NextCall subscription ends the agent's calls are not supervised
    Once a NextCall subscription has ended, a later call the agent receives MUST NOT bring the supervisor in.
    Given supervisor1 starts ListenIn on agent1 with mode NextCall
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When customer1 hangs up
    Then supervisor1 receives a device notification without a monitoring subscription
    When customer2 dials agent1
    And agent1 answers
    Then agent1 receives a call notification with:
      """
      {"state": "Established", "participants": [{"phoneNumber": "${customer2.dn}"}]}
      """
    And supervisor1 receives no new call within the quiet period

  @SUP-MODE-003 @inferred
  Scenario: A call that is never answered does not use up a NextCall subscription
    A call that rings on the agent and is hung up by the caller before it is answered MUST NOT consume a NextCall subscription.
    Given supervisor1 starts ListenIn on agent1 with mode NextCall
    And supervisor1 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "ListenIn", "mode": "NextCall"}}
      """
    When customer1 dials agent1
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Ringing"}
      """
    When customer1 hangs up
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """
    And supervisor1 receives no change to its subscription within the quiet period
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """

  @SUP-MODE-004 @documented
  Scenario Outline: An AllCalls subscription survives the end of a call
    An AllCalls subscription MUST stay in place when a supervised call ends and MUST bring the supervisor into the agent's next call.
    Given supervisor1 starts <operation> on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When customer1 hangs up
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """
    And supervisor1 receives no change to its subscription within the quiet period
    When customer2 dials agent1
    And agent1 answers
    Then supervisor1 receives a call notification with:
      """
      {"participants": [{"phoneNumber": "${customer2.dn}"}]}
      """

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-MODE-005 @documented
  Scenario Outline: Cancelling a subscription is confirmed to the supervisor
    CancelSupervisorMonitoring MUST be answered by a device notification without supervisorMonitoringState and without CancelSupervisorMonitoring.
    Given supervisor1 starts <operation> on agent1
    And supervisor1 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "<operation>"}}
      """
    When supervisor1 cancels supervisor monitoring
    Then supervisor1 receives a device notification without a monitoring subscription

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-MODE-006 @inferred
  Scenario: After cancelling, the agent's calls are not supervised
    Once the supervisor has cancelled its subscription, a call the agent receives MUST NOT bring the supervisor in.
    Given supervisor1 starts ListenIn on agent1
    And supervisor1 cancels supervisor monitoring
    And supervisor1 receives a device notification without a monitoring subscription
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And supervisor1 receives no new call within the quiet period

  @SUP-MODE-007 @inferred
  Scenario: Cancelling during a supervision call leaves that call up until the supervisor hangs up
    CancelSupervisorMonitoring during a supervision call MUST end the subscription at once and MUST leave the call up until the supervisor hangs up.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 cancels supervisor monitoring
    Then supervisor1 receives a device notification without a monitoring subscription
    And supervisor1 receives no release of its call within the quiet period
    When supervisor1 hangs up
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """

  @SUP-MODE-008 @inferred
  Scenario: A supervision call kept after cancelling ends with the call and nothing follows
    A supervision call kept after CancelSupervisorMonitoring MUST end with the call, and the agent's next call MUST NOT bring the supervisor in.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 cancels supervisor monitoring
    Then supervisor1 receives a device notification without a monitoring subscription
    When customer1 hangs up
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """
    When customer2 dials agent1
    And agent1 answers
    Then supervisor1 receives no new call within the quiet period

  @SUP-MODE-009 @inferred
  Scenario: The agent ending its contact-center session ends the subscription
    The subscription MUST end, and the supervisor MUST be told, when the monitored agent ends its contact-center session.
    Given agent1 starts its contact-center session
    And supervisor1 starts ListenIn on agent1
    And supervisor1 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "ListenIn"}}
      """
    When agent1 ends its contact-center session
    Then supervisor1 receives a device notification without a monitoring subscription

  @SUP-MODE-010 @inferred
  Scenario: The supervisor ending its contact-center session ends the subscription
    Once the supervisor has ended its contact-center session, a call the agent receives MUST NOT be supervised.
    Given supervisor1 starts its contact-center session
    And supervisor1 starts ListenIn on agent1
    When supervisor1 ends its contact-center session
    And customer1 dials agent1
    And agent1 answers
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And agent1 receives no call showing a supervisor listening in within the quiet period
    And supervisor1 receives no new call within the quiet period

  @SUP-MODE-011 @inferred
  Scenario: A NextCall subscription in Call scope outlives a transfer and ends with the call
    A NextCall subscription in Call scope MUST survive the agent's transfer and MUST end when the transferred call ends.
    Given supervisor1 starts ListenIn on agent1 with scope Call and mode NextCall
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 in a single step
    Then supervisor1 receives no change to its subscription within the quiet period
    When customer1 hangs up
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """
    And supervisor1 receives a device notification without a monitoring subscription
