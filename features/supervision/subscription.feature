Feature: Starting supervision
  A supervisor subscribes to an agent with ListenIn, Coach or BargeIn (behaviour.md §3). The subscription is
  confirmed to the supervisor alone; it brings the supervisor into calls the agent receives, and only those
  (behaviour.md §4).

  Background:
    Given customer1, agent1, agent2 and supervisor1 are logged in

  @SUP-SUB-001 @documented
  Scenario Outline: A valid supervision request is confirmed to the supervisor
    The supervisor MUST receive a device notification showing the new subscription with its defaults and the CancelSupervisorMonitoring capability.
    When supervisor1 starts <operation> on agent1
    Then supervisor1 receives a device notification with:
      """
      {
        "id": "${supervisor1.deviceId}",
        "supervisorMonitoringState": {
          "state": "<operation>",
          "mode": "AllCalls",
          "scope": "Call",
          "targetDeviceUri": "${agent1.deviceUri}"
        },
        "capabilities": ["CancelSupervisorMonitoring"]
      }
      """

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-SUB-002 @documented
  Scenario Outline: The requested scope and mode are kept in the subscription
    The subscription MUST carry the scope and the mode the supervisor asked for.
    When supervisor1 starts Coach on agent1 with scope <scope> and mode <mode>
    Then supervisor1 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "Coach", "scope": "<scope>", "mode": "<mode>"}}
      """

    Examples:
      | id             | scope | mode     |
      | agent-nextcall | Agent | NextCall |
      | agent-allcalls | Agent | AllCalls |
      | call-nextcall  | Call  | NextCall |
      | call-allcalls  | Call  | AllCalls |

  @SUP-SUB-003 @inferred
  Scenario: A new request replaces the supervisor's subscription
    A supervisor who already supervises an agent MUST have that subscription replaced by a new request, announced by a device notification with no other change of the subscription.
    Given supervisor1 starts ListenIn on agent1
    And supervisor1 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "ListenIn", "targetDeviceUri": "${agent1.deviceUri}"}}
      """
    When supervisor1 starts Coach on agent2
    Then supervisor1 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "Coach", "targetDeviceUri": "${agent2.deviceUri}"}}
      """
    And supervisor1 receives no change to its subscription within the quiet period

  @SUP-SUB-004 @inferred
  Scenario: A replaced subscription no longer supervises the first agent
    After a replacement, a call the first agent receives MUST NOT bring the supervisor in.
    Given supervisor1 starts ListenIn on agent1
    And supervisor1 starts Coach on agent2
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And supervisor1 receives no new call within the quiet period

  @SUP-SUB-005 @inferred
  Scenario: The monitored agent is not told about the subscription
    A supervision request MUST NOT change anything for the target agent: no call and no change of its device.
    When supervisor1 starts Coach on agent1
    Then supervisor1 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "Coach"}}
      """
    And agent1 receives no change of any kind within the quiet period

  @SUP-SUB-006 @inferred
  Scenario: Monitoring the routing point by its number is accepted outside a SIP Cluster
    Outside a SIP Cluster, a ListenIn request naming only the routing point's number MUST be acknowledged with statusCode 0.
    Given the contact center is not a SIP Cluster
    When supervisor1 tries to start ListenIn on the routing point
    Then the request succeeds

  @SUP-SUB-007 @inferred
  Scenario Outline: A call the agent dials is not supervised
    A call the supervised agent places itself MUST NOT bring the supervisor in.
    Given supervisor1 starts <operation> on agent1
    When agent1 dials customer1
    And customer1 answers
    Then customer1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And supervisor1 receives no new call within the quiet period

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-SUB-008 @inferred
  Scenario: A consultation call to the agent is not supervised
    A consultation call that another agent places to the supervised agent MUST NOT bring the supervisor in.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent2
    When agent2 starts a transfer to agent1
    And agent1 answers
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And supervisor1 receives no new call within the quiet period

  @SUP-SUB-009 @inferred
  Scenario Outline: A call transferred to the agent is supervised
    A call that reaches the supervised agent by a transfer MUST bring the supervisor into that call.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent2
    When agent2 transfers the call to agent1 <how>
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And supervisor1's supervision call has the id, callUuid, connId and callType of agent1's call

    Examples:
      | id      | how               |
      | single  | in a single step  |
      | consult | with consultation |

  @SUP-SUB-010 @inferred
  Scenario: A call that reaches the agent by a completed conference is supervised
    The supervisor MUST be brought into a call that reaches the agent by a completed conference.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent2
    When agent2 starts a conference to agent1
    And agent1 answers
    And agent2 completes the conference
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """

  @SUP-SUB-011 @inferred
  Scenario: A call that only rings does not bring the supervisor in
    The supervisor MUST NOT be brought into a call that rings on the agent's device and is not answered.
    Given supervisor1 starts ListenIn on agent1
    When customer1 dials agent1
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Ringing"}
      """
    And supervisor1 receives no new call within the quiet period
