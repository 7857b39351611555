Feature: Agent scope and Call scope
  With Call scope the supervisor stays with the call when the agent transfers it, until the call ends; with
  Agent scope the supervisor leaves together with the agent (behaviour.md §5). Consultation legs are never
  supervised.

  Background:
    Given customer1, customer2, agent1, agent2, agent3 and supervisor1 are logged in

  @SUP-SCOPE-001 @inferred
  Scenario Outline: In Call scope the supervisor stays on the call through a transfer
    With Call scope the supervisor's call MUST survive the agent's transfer and end up listing the customer and the new agent.
    Given supervisor1 starts <operation> on agent1 with scope Call
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 <how>
    Then supervisor1 receives no release of its call within the quiet period
    And supervisor1 receives a ParticipantsUpdated call notification listing exactly customer1 and agent2
    And agent1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """

    Examples:
      | id               | operation | how               |
      | listenin-single  | ListenIn  | in a single step  |
      | listenin-consult | ListenIn  | with consultation |
      | coach-single     | Coach     | in a single step  |
      | coach-consult    | Coach     | with consultation |
      | bargein-single   | BargeIn   | in a single step  |
      | bargein-consult  | BargeIn   | with consultation |

  @SUP-SCOPE-002 @inferred
  Scenario: In Call scope the supervisor first loses the agent, then gains the new one
    With Call scope and a single-step transfer, the supervisor MUST first see the agent leave and then see the new agent arrive.
    Given supervisor1 starts ListenIn on agent1 with scope Call
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 in a single step
    Then supervisor1 receives a ParticipantsUpdated call notification listing exactly customer1
    And supervisor1 receives a ParticipantsUpdated call notification listing exactly customer1 and agent2

  @SUP-SCOPE-003 @inferred
  Scenario Outline: In Call scope listening in continues on the new agent's call
    With Call scope in ListenIn, the new agent's call MUST show supervisorListeningIn true after the transfer.
    Given supervisor1 starts ListenIn on agent1 with scope Call
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 <how>
    Then agent2 receives a call notification with:
      """
      {"state": "Established", "supervisorListeningIn": true}
      """

    Examples:
      | id      | how               |
      | single  | in a single step  |
      | consult | with consultation |

  @SUP-SCOPE-004 @inferred
  Scenario Outline: In Call scope coaching reaches the new agent
    With Call scope in Coach, the new agent's call MUST list the supervisor and show supervisorListeningIn true after the transfer.
    Given supervisor1 starts Coach on agent1 with scope Call
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 <how>
    Then agent2 receives a call notification with:
      """
      {
        "state": "Established",
        "supervisorListeningIn": true,
        "participants": [{"phoneNumber": "${supervisor1.dn}"}]
      }
      """

    Examples:
      | id      | how               |
      | single  | in a single step  |
      | consult | with consultation |

  @SUP-SCOPE-005 @inferred
  Scenario Outline: In Call scope a barged-in supervisor is on the new agent's call
    With Call scope in BargeIn, the new agent's call MUST list the supervisor after the transfer.
    Given supervisor1 starts BargeIn on agent1 with scope Call
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 <how>
    Then agent2 receives a call notification with:
      """
      {"state": "Established", "participants": [{"phoneNumber": "${supervisor1.dn}"}]}
      """

    Examples:
      | id      | how               |
      | single  | in a single step  |
      | consult | with consultation |

  @SUP-SCOPE-006 @inferred
  Scenario: In Call scope the subscription still names the first agent after a transfer
    With Call scope the supervisor's subscription MUST keep the first agent as its target after the call moves to another agent.
    Given supervisor1 starts Coach on agent1 with scope Call
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 in a single step
    And supervisor1 reads its devices
    Then the reply body contains:
      """
      {"devices": [{"supervisorMonitoringState": {"state": "Coach", "scope": "Call", "targetDeviceUri": "${agent1.deviceUri}"}}]}
      """

  @SUP-SCOPE-007 @inferred
  Scenario: In Call scope the supervisor follows a second transfer
    With Call scope the supervisor MUST stay on the call through a second transfer and reach the third agent.
    Given supervisor1 starts Coach on agent1 with scope Call
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 in a single step
    And agent2 transfers the call to agent3 in a single step
    Then supervisor1 receives no release of its call within the quiet period
    And supervisor1 receives a ParticipantsUpdated call notification listing exactly customer1 and agent3
    And agent3 receives a call notification with:
      """
      {
        "state": "Established",
        "supervisorListeningIn": true,
        "participants": [{"phoneNumber": "${supervisor1.dn}"}]
      }
      """

  @SUP-SCOPE-008 @inferred
  Scenario: In Call scope the supervisor is released when the call ends
    With Call scope the supervisor's call MUST be released, with no capabilities left, once the transferred call ends.
    Given supervisor1 starts ListenIn on agent1 with scope Call
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 in a single step
    And customer1 hangs up
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released", "capabilities": []}
      """

  @SUP-SCOPE-009 @inferred
  Scenario Outline: In Agent scope the supervisor leaves with the transferring agent
    With Agent scope the supervisor's call MUST be released, with no capabilities left, when the agent transfers the call away.
    Given supervisor1 starts <operation> on agent1 with scope Agent
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 <how>
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released", "capabilities": []}
      """

    Examples:
      | id               | operation | how               |
      | listenin-single  | ListenIn  | in a single step  |
      | listenin-consult | ListenIn  | with consultation |
      | coach-single     | Coach     | in a single step  |
      | coach-consult    | Coach     | with consultation |
      | bargein-single   | BargeIn   | in a single step  |
      | bargein-consult  | BargeIn   | with consultation |

  @SUP-SCOPE-010 @inferred
  Scenario Outline: In Agent scope the new agent's call never shows the supervisor
    With Agent scope the transferred call MUST reach the new agent without the supervisor among its participants and with supervisorListeningIn false.
    Given supervisor1 starts <operation> on agent1 with scope Agent
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 <how>
    Then agent2 receives no call listing supervisor1 within the quiet period
    And agent2 receives no call showing a supervisor listening in within the quiet period
    And agent2 receives a call notification with:
      """
      {"state": "Established", "supervisorListeningIn": false}
      """

    Examples:
      | id               | operation | how               |
      | listenin-single  | ListenIn  | in a single step  |
      | listenin-consult | ListenIn  | with consultation |
      | coach-single     | Coach     | in a single step  |
      | coach-consult    | Coach     | with consultation |
      | bargein-single   | BargeIn   | in a single step  |
      | bargein-consult  | BargeIn   | with consultation |

  @SUP-SCOPE-011 @inferred
  Scenario: In Agent scope the supervisor leaves when the agent hangs up on a conference
    With Agent scope the supervisor's call MUST be released when the agent leaves a conference that goes on without it.
    Given supervisor1 starts ListenIn on agent1 with scope Agent
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 starts a conference to agent2
    And agent2 answers
    And agent1 completes the conference
    And agent1 hangs up
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released", "capabilities": []}
      """

  @SUP-SCOPE-012 @inferred
  Scenario: In Call scope the supervisor stays when the agent hangs up on a conference
    With Call scope the supervisor's call MUST NOT be released when the agent leaves a conference that goes on without it.
    Given supervisor1 starts ListenIn on agent1 with scope Call
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 starts a conference to agent2
    And agent2 answers
    And agent1 completes the conference
    And agent1 hangs up
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """
    And supervisor1 receives no release of its call within the quiet period

  @SUP-SCOPE-013 @inferred
  Scenario: In Agent scope with AllCalls the agent's next call is supervised again
    With Agent scope and AllCalls, the call the agent receives after transferring one away MUST bring the supervisor in again.
    Given supervisor1 starts ListenIn on agent1 with scope Agent
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 transfers the call to agent2 in a single step
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Released"}
      """
    When customer2 dials agent1
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """

  @SUP-SCOPE-014 @inferred
  Scenario Outline: The supervisor stays on the original call during a consultation
    While the agent consults another agent, the supervisor MUST stay on the original call, held for the agent, and MUST NOT join the consultation call.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When agent1 starts a <kind> to agent2
    And agent2 answers
    Then agent2 receives no call listing supervisor1 within the quiet period
    And supervisor1 receives no release of its call within the quiet period
    And supervisor1 receives no new call within the quiet period
    And agent1 receives a call notification with:
      """
      {"state": "Held"}
      """
    And agent2 receives a call notification with:
      """
      {"state": "Established", "supervisorListeningIn": false}
      """

    Examples:
      | id         | kind       |
      | transfer   | transfer   |
      | conference | conference |
