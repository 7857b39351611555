Feature: A device the switch does not see registered
  An unregistered device is Inactive, its voice channel cannot be logged in, and its agent-state requests
  fail in the back end with an ErrorMessage (SPEC §11.1, §11.2, §11.8). The scenarios need a server where
  agent3's device is not registered (tag @unregistered-device, step V65).

  Background:
    Given agent3's device is not registered
    And agent3 is logged in

  @SES-UNREG-001 @observed @unregistered-device
  Scenario: An unregistered device is Inactive
    A device the switch does not see registered MUST be listed with deviceState Inactive.
    When agent3 reads its devices
    Then the reply body contains:
      """
      {"devices": [{"id": "${agent3.deviceId}", "deviceState": "Inactive"}]}
      """

  @SES-UNREG-002 @inferred @unregistered-device
  Scenario: Voice alone cannot be logged in on an unregistered device
    StartContactCenterSession with voice alone on an unregistered device MUST fail with statusCode 4, HTTP 500 and the message that the device is not registered.
    When agent3 asks to start its contact-center session with the channels voice
    Then the request fails with statusCode 4
    And the reply has HTTP status 500
    And the reply body contains:
      """
      {"statusMessage": "Device '${agent3.dn}' is not registered."}
      """

  @SES-UNREG-003 @observed @unregistered-device
  Scenario: An agent-state request fails in the back end with an ErrorMessage
    NotReady for an unregistered device MUST fail with statusCode 4, HTTP 500 and the message that the device is not registered, and an ErrorMessage about the device MUST follow.
    When agent3 tries to request the agent state NotReady
    Then the request fails with statusCode 4
    And the reply has HTTP status 500
    And the reply body contains:
      """
      {"statusMessage": "Device '${agent3.dn}' is not registered."}
      """
    And agent3 receives an ErrorMessage about its device
