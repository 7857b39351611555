Feature: Refused supervision requests
  Every invalid supervision request of behaviour.md §3 fails with its statusCode and the HTTP status of
  behaviour.md §2, and changes nothing. Only one supervisor may supervise an agent. An operation a resource
  does not offer fails with statusCode 2 (behaviour.md §6, §8).

  Background:
    Given customer1, agent1, agent2, supervisor1 and supervisor2 are logged in

  @SUP-ERR-001 @inferred
  Scenario Outline: An invalid Coach request is refused with its statusCode
    A supervision request that breaks a rule of behaviour.md §3 MUST fail with that rule's statusCode and HTTP status and change nothing.
    When <request>
    Then the request fails with statusCode <code>
    And the reply has HTTP status <http>
    And <actor> receives no change of any kind within the quiet period
    And supervisor2 receives no change of any kind within the quiet period
    And agent1 receives no change of any kind within the quiet period

    Examples:
      | id              | request                                                            | code | http | actor       |
      | no-target       | supervisor1 tries to start Coach without a target                  | 1    | 400  | supervisor1 |
      | invalid-scope   | supervisor1 tries to start Coach on agent1 with scope Everyone     | 10   | 400  | supervisor1 |
      | invalid-mode    | supervisor1 tries to start Coach on agent1 with mode Always        | 10   | 400  | supervisor1 |
      | unknown-target  | supervisor1 tries to start Coach on an unknown device              | 6    | 404  | supervisor1 |
      | own-device      | supervisor1 tries to start Coach on supervisor1                    | 3    | 403  | supervisor1 |
      | no-permission   | agent2 tries to start Coach on agent1                              | 5    | 403  | agent2      |
      | foreign-device  | supervisor1 tries to start Coach on agent1 through supervisor2's device | 6 | 404  | supervisor1 |

  @SUP-ERR-002 @inferred
  Scenario Outline: ListenIn and BargeIn check their target like Coach
    A ListenIn or BargeIn request without a valid target MUST fail with the same statusCode as Coach.
    When supervisor1 tries to start <operation> <target>
    Then the request fails with statusCode <code>
    And supervisor1 receives no change of any kind within the quiet period

    Examples:
      | id                      | operation | target               | code |
      | listenin-no-target      | ListenIn  | without a target     | 1    |
      | listenin-unknown-target | ListenIn  | on an unknown device | 6    |
      | listenin-own-device     | ListenIn  | on supervisor1       | 3    |
      | bargein-no-target       | BargeIn   | without a target     | 1    |
      | bargein-unknown-target  | BargeIn   | on an unknown device | 6    |
      | bargein-own-device      | BargeIn   | on supervisor1       | 3    |

  @SUP-ERR-003 @inferred
  Scenario Outline: Only one supervisor may supervise an agent
    A second supervisor's request on an agent who is already supervised MUST fail with statusCode 19 and leave the first subscription in place.
    Given supervisor1 starts ListenIn on agent1
    When supervisor2 tries to start <operation> on agent1
    Then the request fails with statusCode 19
    And the reply has HTTP status 409
    And supervisor2 receives no change of any kind within the quiet period
    When supervisor1 reads its devices
    Then the reply body contains:
      """
      {"devices": [{"supervisorMonitoringState": {"state": "ListenIn", "targetDeviceUri": "${agent1.deviceUri}"}}]}
      """

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-ERR-004 @inferred
  Scenario: An agent is free for another supervisor once the first one cancels
    After the first supervisor cancels its subscription, another supervisor's request on the same agent MUST succeed.
    Given supervisor1 starts ListenIn on agent1
    And supervisor1 cancels supervisor monitoring
    When supervisor2 starts Coach on agent1
    Then supervisor2 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "Coach", "targetDeviceUri": "${agent1.deviceUri}"}}
      """

  @SUP-ERR-005 @inferred @sip-cluster
  Scenario: Monitoring a routing point is refused in a SIP Cluster
    In a SIP Cluster, a supervision request naming a routing point's number MUST fail with statusCode 3.
    Given the contact center is a SIP Cluster
    When supervisor1 tries to start ListenIn on the routing point
    Then the request fails with statusCode 3
    And the reply has HTTP status 403

  @SUP-ERR-006 @inferred
  Scenario: Cancelling without a subscription is refused
    CancelSupervisorMonitoring from a supervisor without a subscription MUST fail with statusCode 2 and change nothing.
    When supervisor1 tries to cancel supervisor monitoring
    Then the request fails with statusCode 2
    And the reply has HTTP status 400
    And supervisor1 receives no change of any kind within the quiet period

  @SUP-ERR-007 @inferred
  Scenario: Cancelling twice is refused the second time
    A second CancelSupervisorMonitoring after the subscription is gone MUST fail with statusCode 2.
    Given supervisor1 starts ListenIn on agent1
    And supervisor1 cancels supervisor monitoring
    When supervisor1 tries to cancel supervisor monitoring
    Then the request fails with statusCode 2

  @SUP-ERR-008 @inferred
  Scenario Outline: An operation the call does not offer is refused and changes nothing
    An operation that is not among the call's capabilities MUST fail with statusCode 2 and change nothing.
    Given customer1 is talking to agent1
    When agent1 tries to send <operation> to its call
    Then the request fails with statusCode 2
    And the reply has HTTP status 400
    And agent1 receives no change to its calls within the quiet period
    And customer1 receives no change to its calls within the quiet period

    Examples:
      | id                | operation        |
      | answer            | Answer           |
      | retrieve          | Retrieve         |
      | complete-transfer | CompleteTransfer |

  @SUP-ERR-009 @inferred
  Scenario: A plain call offers no supervisor switch
    A switch requested on a call that is not a supervision call MUST fail with statusCode 2.
    Given customer1 is talking to supervisor1
    When supervisor1 tries to switch to BargeIn
    Then the request fails with statusCode 2
