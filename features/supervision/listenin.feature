Feature: ListenIn as the others see it
  A supervisor who listens in is silent: the agent's call only shows that somebody listens, and the customer
  notices nothing (behaviour.md §4.4).

  Background:
    Given customer1, agent1 and supervisor1 are logged in
    And supervisor1 starts ListenIn on agent1

  @SUP-LISTEN-001 @inferred
  Scenario: The agent's call shows that a supervisor is listening
    The agent's call MUST show supervisorListeningIn true once the supervisor listens in.
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Established", "supervisorListeningIn": true}
      """

  @SUP-LISTEN-002 @inferred
  Scenario: A listening supervisor does not appear among the agent's participants
    The agent's call MUST NOT list a supervisor who only listens in.
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And agent1 receives no call listing supervisor1 within the quiet period

  @SUP-LISTEN-003 @inferred
  Scenario: The customer notices nothing of a listening supervisor
    The customer MUST NOT receive a participant update nor see the supervisor when a supervisor listens in.
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And customer1 receives no change to its call's participants within the quiet period
    And customer1 receives no call listing supervisor1 within the quiet period
