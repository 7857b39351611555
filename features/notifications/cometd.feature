Feature: CometD notifications
  Notifications arrive over CometD at /api/v2/notifications, authenticated like REST requests; a user's
  session carries that user's notifications and nobody else's, in the order they happened (behaviour.md §2,
  §9).

  @NTF-COMETD-001 @inferred
  Scenario: A notification session needs authentication
    A CometD handshake without credentials or session cookie MUST fail with successful false.
    When an anonymous client tries to open a notification session
    Then the notification session is refused

  @NTF-COMETD-002 @inferred
  Scenario: The session cookie authenticates a notification session
    A CometD handshake carrying only the JSESSIONID cookie of an authenticated session MUST succeed.
    Given agent1 sends GET /api/v2/me with its password
    When agent1 using its session cookie only tries to open a notification session
    Then the notification session is accepted

  @NTF-COMETD-003 @inferred
  Scenario: Users receive no notifications about calls they are not part of
    A user MUST NOT receive any notification about a call between other users.
    Given customer1, customer2, agent1, agent2 and supervisor2 are logged in
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And customer2 receives no change of any kind within the quiet period
    And agent2 receives no change of any kind within the quiet period
    And supervisor2 receives no change of any kind within the quiet period

  @NTF-COMETD-004 @inferred
  Scenario: A supervisor's notifications reach only that supervisor
    Notifications about a supervision MUST reach the supervising supervisor and no other supervisor.
    Given customer1, agent1, supervisor1 and supervisor2 are logged in
    When supervisor1 starts ListenIn on agent1
    And customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And supervisor2 receives no change of any kind within the quiet period

  @NTF-COMETD-005 @documented
  Scenario: Every notification names the device of the user who receives it
    Each call notification MUST carry the receiving user's own number and device, and each device notification MUST describe only the receiver's device.
    Given customer1 and agent1 are logged in
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And customer1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And every notification customer1 has received concerns its own device
    And every notification agent1 has received concerns its own device

  @NTF-COMETD-006 @documented
  Scenario Outline: A user may subscribe to its own channels
    A subscription to /v2/me/devices, /v2/me/calls or /v2/me/* MUST be accepted.
    Given agent1 is logged in
    When agent1 tries to subscribe to "<channel>"
    Then the subscription is accepted

    Examples:
      | id      | channel         |
      | me-all  | /v2/me/*        |
      | calls   | /v2/me/calls    |
      | devices | /v2/me/devices  |

  @NTF-COMETD-007 @inferred
  Scenario Outline: A subscription that could carry other users' notifications is refused
    A subscription to a channel outside the user's own /v2/me channels MUST be refused with successful false.
    Given agent1 is logged in
    When agent1 tries to subscribe to "<channel>"
    Then the subscription is refused

    Examples:
      | id         | channel      |
      | everything | /**          |
      | all-v2     | /v2/**       |
      | users      | /v2/users/** |

  @NTF-COMETD-008 @inferred
  Scenario: A user's notifications arrive in the order they happened
    Each user MUST receive the notifications about its call in the order the call went through its states.
    Given customer1 and agent1 are logged in
    When customer1 dials agent1
    And agent1 answers
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Ringing"}
      """
    And agent1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """
    And customer1 receives a StatusChange call notification with:
      """
      {"state": "Dialing"}
      """
    And customer1 receives a StatusChange call notification with:
      """
      {"state": "Established"}
      """

  @NTF-COMETD-009 @documented
  Scenario: The /v2/me/* subscription delivers both device and call notifications
    A session subscribed to /v2/me/* MUST receive the user's device notifications and its call notifications.
    Given customer1, agent1 and supervisor1 are logged in
    When supervisor1 starts ListenIn on agent1
    And customer1 dials agent1
    And agent1 answers
    Then supervisor1 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "ListenIn"}}
      """
    And supervisor1 receives a call notification with:
      """
      {"deviceUri": "${supervisor1.deviceUri}"}
      """
