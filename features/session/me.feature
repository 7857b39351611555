Feature: The current user and its subresources
  GET /api/v2/me serves every subresource a desktop asks for without refusing a name, with full feature
  objects, with or without a trailing slash (SPEC §2, §11.4).

  @SES-ME-001 @observed
  Scenario: The desktop's first read gets devices and full feature objects
    GET /api/v2/me?subresources=features,devices,channels MUST succeed with the user's devices and feature objects carrying id, displayName, description and path.
    Given agent1 is logged in
    When agent1 reads /api/v2/me?subresources=features,devices,channels
    Then the reply body contains:
      """
      {"statusCode": 0, "user": {"devices": [{"id": "${agent1.deviceId}", "phoneNumber": "${agent1.dn}"}], "features": [{"id": "api-voice", "displayName": "Voice API", "description": "API for Voice", "path": "/features/api-voice"}]}}
      """

  @SES-ME-002 @observed
  Scenario: The desktop's second read, with a trailing slash, gets devices and an empty list of calls
    GET /api/v2/me/?subresources=devices,calls,channels,interactions,chats MUST succeed with the user's devices and calls, an empty list when there is none.
    Given agent1 is logged in
    When agent1 reads /api/v2/me/?subresources=devices,calls,channels,interactions,chats
    Then the reply body contains:
      """
      {"statusCode": 0, "user": {"userName": "${agent1.userName}", "calls": [], "devices": [{"id": "${agent1.deviceId}"}]}}
      """

  @SES-ME-003 @inferred
  Scenario: An unknown subresource name is not refused
    GET /api/v2/me with a subresource name the server does not know MUST succeed.
    Given agent1 is logged in
    When agent1 reads /api/v2/me?subresources=devices,mailbox
    Then the reply body contains:
      """
      {"statusCode": 0, "user": {"devices": [{"id": "${agent1.deviceId}"}]}}
      """

  @SES-ME-004 @observed
  Scenario: A trailing slash names the same resource
    GET /api/v2/me/ MUST succeed and describe the same user as GET /api/v2/me.
    When supervisor1 reads /api/v2/me/
    Then the reply body contains:
      """
      {"statusCode": 0, "user": {"userName": "${supervisor1.userName}"}}
      """

  @SES-ME-005 @inferred
  Scenario: A supervisor has the supervisor role
    The user resource of a supervisor MUST list ROLE_AGENT and ROLE_SUPERVISOR among its roles.
    When supervisor1 reads /api/v2/me
    Then the reply body contains:
      """
      {"user": {"roles": ["ROLE_AGENT", "ROLE_SUPERVISOR"]}}
      """
