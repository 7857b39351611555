Feature: Coach as the others see it
  A coaching supervisor talks to the agent only: the agent's call lists the supervisor, the customer's does
  not (behaviour.md §4.4).

  Background:
    Given customer1, agent1 and supervisor1 are logged in
    And supervisor1 starts Coach on agent1

  @SUP-COACH-001 @inferred
  Scenario: The coached agent sees the supervisor join its call
    The agent's call MUST list the supervisor as a participant once coaching starts.
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a ParticipantsUpdated call notification listing exactly customer1 and supervisor1

  @SUP-COACH-002 @inferred
  Scenario: The coached agent's call shows that a supervisor is listening
    The agent's call MUST show supervisorListeningIn true while the supervisor coaches.
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a call notification with:
      """
      {"state": "Established", "supervisorListeningIn": true}
      """

  @SUP-COACH-003 @inferred
  Scenario: The customer does not see a coaching supervisor
    The customer MUST NOT receive a participant update nor see the supervisor while the supervisor coaches the agent.
    When customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And customer1 receives no change to its call's participants within the quiet period
    And customer1 receives no call listing supervisor1 within the quiet period
