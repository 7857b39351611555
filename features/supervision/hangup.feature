Feature: The supervisor hangs up
  A supervisor who hangs up leaves the call; agent and customer stay connected, the agent's call stops
  showing the supervisor, and an AllCalls subscription stays in place (behaviour.md §7, §6).

  Background:
    Given customer1, customer2, agent1 and supervisor1 are logged in

  @SUP-HANG-001 @inferred
  Scenario Outline: The supervisor hanging up releases only the supervisor's call
    A supervisor's Hangup MUST release the supervisor's call, with no capabilities left, while customer and agent stay connected.
    Given supervisor1 starts <operation> on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 hangs up
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released", "capabilities": []}
      """
    And customer1 receives no release of its call within the quiet period
    And agent1 receives no release of its call within the quiet period

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-HANG-002 @inferred
  Scenario Outline: The agent's call stops showing a supervisor who hung up
    After the supervisor hangs up, the agent MUST receive a StatusChange with supervisorListeningIn false.
    Given supervisor1 starts <operation> on agent1
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a call notification with:
      """
      {"supervisorListeningIn": true}
      """
    And supervisor1 is supervising the call
    When supervisor1 hangs up
    Then agent1 receives a StatusChange call notification with:
      """
      {"supervisorListeningIn": false}
      """

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |

  @SUP-HANG-003 @inferred
  Scenario Outline: A supervisor who hangs up leaves the agent's participants
    After a coaching or barged-in supervisor hangs up, the agent's call MUST list the customer only.
    Given supervisor1 starts <operation> on agent1
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a call notification listing exactly customer1 and supervisor1
    When supervisor1 hangs up
    Then agent1 receives a call notification listing exactly customer1

    Examples:
      | id      | operation |
      | coach   | Coach     |
      | bargein | BargeIn   |

  @SUP-HANG-004 @inferred
  Scenario Outline: After hanging up, an AllCalls supervisor joins the agent's next call
    A supervisor's Hangup MUST leave an AllCalls subscription in place, so the agent's next received call brings the supervisor in again.
    Given supervisor1 starts <operation> on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 hangs up
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """
    And supervisor1 receives no change to its subscription within the quiet period
    When customer1 hangs up
    And customer2 dials agent1
    And agent1 answers
    Then supervisor1 receives a call notification with:
      """
      {"state": "Established", "participants": [{"phoneNumber": "${customer2.dn}"}]}
      """

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |
