Feature: Users and devices for supervisors
  A supervisor finds whom it can monitor, and the targetDeviceUri to use, through the users and devices
  listings; everybody else reads only its own user and devices, and another's id is answered as if it did
  not exist (SPEC §11.5).

  @SES-DIR-001 @inferred
  Scenario: A supervisor lists the users with their devices
    GET /api/v2/users?fields=*&subresources=devices by a supervisor MUST list the agents with their devices.
    Given agent1 and supervisor1 are logged in
    When supervisor1 reads /api/v2/users?fields=*&subresources=devices
    Then the reply body contains:
      """
      {"statusCode": 0, "users": [{"userName": "${agent1.userName}", "devices": [{"id": "${agent1.deviceId}", "phoneNumber": "${agent1.dn}"}]}]}
      """

  @SES-DIR-002 @inferred
  Scenario: The device a listing gives is the target of Coach
    The device of an agent found in GET /api/v2/users?fields=*&subresources=devices MUST serve as the targetDeviceUri of Coach.
    Given agent1 and supervisor1 are logged in
    When supervisor1 reads /api/v2/users?fields=*&subresources=devices
    And supervisor1 starts Coach on the device the last reply lists for agent1
    Then supervisor1 receives a device notification with:
      """
      {"supervisorMonitoringState": {"state": "Coach", "targetDeviceUri": "${agent1.deviceUri}"}}
      """
    And supervisor1 cancels supervisor monitoring

  @SES-DIR-003 @inferred
  Scenario Outline: A supervisor reads one user, a user's devices and all devices
    A supervisor's read of another user, that user's devices or all devices MUST succeed and show the agent's device.
    Given agent1 and supervisor1 are logged in
    When supervisor1 reads <path>
    Then the reply body contains:
      """
      <body>
      """

    Examples:
      | id           | path                                                         | body                                                                               |
      | user         | /api/v2/users/${agent1.userId}?subresources=devices           | {"statusCode": 0, "user": {"userName": "${agent1.userName}", "devices": [{"id": "${agent1.deviceId}"}]}} |
      | user-devices | /api/v2/users/${agent1.userId}/devices?fields=*               | {"statusCode": 0, "devices": [{"id": "${agent1.deviceId}", "phoneNumber": "${agent1.dn}"}]} |
      | all-devices  | /api/v2/devices?fields=*                                     | {"statusCode": 0, "devices": [{"id": "${agent1.deviceId}", "phoneNumber": "${agent1.dn}"}]} |
      | one-device   | /api/v2/devices/${agent1.deviceId}                           | {"statusCode": 0, "device": {"id": "${agent1.deviceId}", "phoneNumber": "${agent1.dn}"}} |

  @SES-DIR-004 @inferred
  Scenario Outline: Another user's user or device is hidden as if it did not exist
    A read by an agent or a customer of another user's user resource or device MUST fail with statusCode 6 and HTTP 404.
    Given <reader> and <owner> are logged in
    When <reader> tries to read <path>
    Then the request fails with statusCode 6
    And the reply has HTTP status 404

    Examples:
      | id                         | reader    | owner       | path                                   |
      | customer-supervisor-device | customer1 | supervisor1 | /api/v2/devices/${supervisor1.deviceId} |
      | agent-supervisor-device    | agent1    | supervisor1 | /api/v2/devices/${supervisor1.deviceId} |
      | agent-agent-device         | agent1    | agent2      | /api/v2/devices/${agent2.deviceId}      |
      | agent-supervisor-user      | agent1    | supervisor1 | /api/v2/users/${supervisor1.userId}     |
      | customer-agent-devices     | customer1 | agent1      | /api/v2/users/${agent1.userId}/devices  |

  @SES-DIR-005 @inferred
  Scenario Outline: Only supervisors list users and devices
    GET /api/v2/users or /api/v2/devices by an agent or a customer MUST fail with statusCode 5 and HTTP 403.
    Given <reader> is logged in
    When <reader> tries to read <path>
    Then the request fails with statusCode 5
    And the reply has HTTP status 403

    Examples:
      | id               | reader    | path            |
      | agent-users      | agent1    | /api/v2/users   |
      | agent-devices    | agent1    | /api/v2/devices |
      | customer-users   | customer1 | /api/v2/users   |
      | customer-devices | customer1 | /api/v2/devices |

  @SES-DIR-006 @inferred
  Scenario Outline: Everybody reads its own user and device
    A user's read of its own user resource or device through /api/v2/users and /api/v2/devices MUST succeed.
    Given <reader> is logged in
    When <reader> reads <path>
    Then the request succeeds

    Examples:
      | id              | reader    | path                                  |
      | agent-device    | agent1    | /api/v2/devices/${agent1.deviceId}    |
      | agent-user      | agent1    | /api/v2/users/${agent1.userId}        |
      | customer-device | customer1 | /api/v2/devices/${customer1.deviceId} |
