Feature: Contact-center sessions and agent states
  Before StartContactCenterSession a device is Offline; the session passes through LoggedIn; every agent
  state has its documented userState, and asking for the state an agent has sends the device again
  (SPEC §11.1–§11.3). Each scenario starts with agent1 logged out of voice (Offline, which a server answers
  with statusCode 2 when there is no session to end), so that a shared server left in a session by an
  earlier scenario starts from the same place; Offline keeps the HTTP session and its CometD session.

  Background:
    Given agent1 is logged in
    And agent1 tries to request the agent state Offline

  @SES-STATE-001 @observed
  Scenario: Before the session the device is Active and Offline
    A device whose user has no contact-center session MUST be Active with the Offline userState in state LoggedOut.
    When agent1 reads its devices
    Then the reply body contains:
      """
      {"devices": [{"deviceState": "Active", "userState": {"id": "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB", "displayName": "Offline", "state": "LoggedOut"}}]}
      """

  @SES-STATE-002 @observed
  Scenario: An agent device offers DoNotDisturbOn and ForwardCallsOn before the session
    An agent device with DND and forwarding off MUST offer DoNotDisturbOn and ForwardCallsOn before the session.
    When agent1 reads its devices
    Then the reply body contains:
      """
      {"devices": [{"capabilities": ["DoNotDisturbOn", "ForwardCallsOn"]}]}
      """

  @SES-STATE-003 @observed
  Scenario: The session passes through LoggedIn
    After StartContactCenterSession the device MUST be notified with the userState LoggedIn.
    When agent1 starts its contact-center session
    Then agent1 receives a device notification with:
      """
      {"userState": {"state": "LoggedIn"}}
      """

  @SES-STATE-004 @inferred
  Scenario: The session starts NotReady
    After the LoggedIn step the device MUST be notified NotReady with the documented Not Ready userState.
    When agent1 starts its contact-center session
    Then agent1 receives a device notification with:
      """
      {"userState": {"state": "LoggedIn"}}
      """
    And agent1 receives a device notification with:
      """
      {"userState": {"id": "900D55CC-2BB0-431F-8BF9-D3525B383BE6", "displayName": "Not Ready", "state": "NotReady"}}
      """

  @SES-STATE-005 @documented
  Scenario Outline: Each agent state has its documented userState
    An agent-state operation MUST succeed and notify the device with the documented userState of that state.
    Given agent1 starts its contact-center session
    And agent1 is Ready
    When agent1 requests the agent state <state>
    Then agent1 receives a device notification with:
      """
      {"userState": <userState>}
      """

    Examples:
      | id            | state         | userState                                                                                                                |
      | notready      | NotReady      | {"id": "900D55CC-2BB0-431F-8BF9-D3525B383BE6", "displayName": "Not Ready", "state": "NotReady"}                          |
      | aftercallwork | AfterCallWork | {"id": "D3663509-3D82-4DD3-A82E-2EA8EFA02AEF", "displayName": "AfterCallWork", "state": "NotReady", "workMode": "AfterCallWork"} |
      | auxwork       | AuxWork       | {"id": "2B36138D-C564-4562-A8CB-3C32D564F296", "displayName": "AuxWork", "state": "NotReady", "workMode": "AuxWork"}     |

  @SES-STATE-006 @documented
  Scenario: Ready has its documented userState
    Ready MUST succeed and notify the device with the documented Ready userState.
    Given agent1 starts its contact-center session
    And agent1 is NotReady
    When agent1 requests the agent state Ready
    Then agent1 receives a device notification with:
      """
      {"userState": {"id": "9430250E-0A1B-421F-B372-F29E69366DED", "displayName": "Ready", "state": "Ready"}}
      """

  @SES-STATE-007 @inferred
  Scenario: NotReady carries the reason and reason code it was given
    NotReady with a reason and a reasonCode MUST notify the device NotReady with those reason and reasonCode members.
    Given agent1 starts its contact-center session
    And agent1 is Ready
    When agent1 requests the agent state NotReady with reason "Lunch" and reason code "7"
    Then agent1 receives a device notification with:
      """
      {"userState": {"state": "NotReady", "reason": "Lunch", "reasonCode": "7"}}
      """

  @SES-STATE-008 @observed
  Scenario: Asking for the state the agent has sends the device again
    A request for the agent state the agent already has MUST succeed and notify the unchanged device again.
    Given agent1 starts its contact-center session
    And agent1 is Ready
    And agent1 is NotReady
    When agent1 requests the agent state NotReady
    Then agent1 receives a device notification with:
      """
      {"userState": {"state": "NotReady"}}
      """

  @SES-STATE-009 @inferred
  Scenario: Offline logs the agent out of voice
    Offline MUST notify the device with the Offline userState, after which Ready needs a new session (statusCode 2).
    Given agent1 starts its contact-center session
    And agent1 is Ready
    When agent1 requests the agent state Offline
    Then agent1 receives a device notification with:
      """
      {"userState": {"id": "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB", "displayName": "Offline", "state": "LoggedOut"}}
      """
    When agent1 tries to request the agent state Ready
    Then the request fails with statusCode 2

  @SES-STATE-010 @inferred
  Scenario Outline: Agent states need a contact-center session
    An agent-state operation before StartContactCenterSession MUST fail with statusCode 2.
    When agent1 tries to request the agent state <state>
    Then the request fails with statusCode 2
    And the reply has HTTP status 400

    Examples:
      | id       | state    |
      | ready    | Ready    |
      | notready | NotReady |
      | auxwork  | AuxWork  |

  @SES-STATE-011 @observed
  Scenario: Voice and chat together are a partial success
    StartContactCenterSession with voice and chat MUST answer HTTP 200 with statusCode 7, voice among the succeeded and the multimedia channel among the failed.
    When agent1 asks to start its contact-center session with the channels voice, chat
    Then the reply has HTTP status 200
    And the reply body contains:
      """
      {"statusCode": 7, "succeeded": [{"statusCode": 0, "channel": "voice"}], "failed": [{"statusCode": 4, "channel": "multimedia"}]}
      """
    And agent1 receives a device notification with:
      """
      {"userState": {"state": "LoggedIn"}}
      """

  @SES-STATE-012 @inferred
  Scenario: EndContactCenterSession puts the device back to Offline
    EndContactCenterSession MUST notify the device with the Offline userState in state LoggedOut.
    Given agent1 starts its contact-center session
    And agent1 is Ready
    When agent1 ends its contact-center session
    Then agent1 receives a device notification with:
      """
      {"userState": {"id": "0F7F5003-EF26-4D13-A6Ef-D0C7EC819BEB", "displayName": "Offline", "state": "LoggedOut"}}
      """
