Feature: Authentication and the HTTP session
  Requests authenticate with HTTP Basic, then with the JSESSIONID cookie; without either the server answers
  "Access denied". The version endpoint is open to everybody (behaviour.md §2).

  @SES-AUTH-001 @documented
  Scenario Outline: A request without credentials is refused with Access denied
    A request carrying neither Basic credentials nor a session cookie MUST be answered with statusCode 20 and the message "Access denied".
    When an anonymous client sends <method> <path>
    Then the reply body contains:
      """
      {"statusCode": 20, "statusMessage": "Access denied"}
      """

    Examples:
      | id                 | method | path                      |
      | get-me             | GET    | /api/v2/me                |
      | get-devices        | GET    | /api/v2/me/devices        |
      | get-calls          | GET    | /api/v2/me/calls          |
      | post-me            | POST   | /api/v2/me                |
      | post-voice-channel | POST   | /api/v2/me/channels/voice |

  @SES-AUTH-002 @observed
  Scenario Outline: A request without credentials gets HTTP 403
    A request carrying neither Basic credentials nor a session cookie MUST get HTTP status 403.
    When an anonymous client sends <method> <path>
    Then the reply has HTTP status 403

    Examples:
      | id      | method | path       |
      | get-me  | GET    | /api/v2/me |
      | post-me | POST   | /api/v2/me |

  @SES-AUTH-003 @inferred
  Scenario: A wrong password is refused like missing credentials
    A request with a wrong password MUST get HTTP status 403 with statusCode 20 and "Access denied".
    When agent1 sends GET /api/v2/me with a wrong password
    Then the reply has HTTP status 403
    And the reply body contains:
      """
      {"statusCode": 20, "statusMessage": "Access denied"}
      """

  @SES-AUTH-004 @documented
  Scenario: The version endpoint needs no credentials
    GET /api/v2/diagnostics/version without credentials MUST succeed and report a version.
    When an anonymous client sends GET /api/v2/diagnostics/version
    Then the request succeeds
    And the reply body has a non-empty "version"

  @SES-AUTH-005 @documented
  Scenario: The first authenticated request opens an HTTP session
    A request authenticated with Basic credentials MUST be answered with a JSESSIONID session cookie.
    When agent1 sends GET /api/v2/me with its password
    Then the request succeeds
    And the reply sets the JSESSIONID cookie

  @SES-AUTH-006 @documented
  Scenario: The session cookie alone authenticates later requests
    A request carrying only the JSESSIONID cookie of an authenticated session MUST be served as that user.
    Given agent1 sends GET /api/v2/me with its password
    When agent1 sends GET /api/v2/me with its session cookie only
    Then the request succeeds
    And the reply body contains:
      """
      {"user": {"userName": "${agent1.userName}"}}
      """

  @SES-AUTH-007 @documented
  Scenario: The current user is the one who authenticated
    GET /api/v2/me MUST describe the user whose credentials were sent.
    When supervisor1 sends GET /api/v2/me with its password
    Then the reply body contains:
      """
      {"statusCode": 0, "user": {"userName": "${supervisor1.userName}"}}
      """

  @SES-AUTH-008 @inferred
  Scenario: The refusal carries no login challenge
    A request without credentials MUST be refused without a WWW-Authenticate header, so that a browser opens no login dialog.
    When an anonymous client sends GET /api/v2/me
    Then the reply has HTTP status 403
    And the reply has no "WWW-Authenticate" header
