Feature: CometD session loss and recovery
  A CometD session lives while its client keeps polling. A server that no longer knows a client's session
  says so with a 402 error and the advice to handshake again; a client that does so, and subscribes again,
  goes on receiving its notifications. Only an authenticated client gets a session (SPEC.md §2, §2.2).

  @NTF-SESSION-001 @inferred
  Scenario Outline: A message naming an unknown clientId is told to handshake again
    A /meta/connect or /meta/subscribe naming a clientId the server does not know MUST be answered with successful false, an error beginning with 402 and advice reconnect "handshake".
    Given agent1 is logged in
    When agent1 sends /meta/<channel> with an unknown clientId
    Then the server answers 402 and advises a new handshake

    Examples:
      | id        | channel   |
      | connect   | connect   |
      | subscribe | subscribe |

  @NTF-SESSION-002 @inferred @slow
  Scenario: A client whose session expired handshakes again and receives the next notification
    After the server ends a client's session, the client MUST be told so with a 402 error, and after a new handshake and subscription it MUST receive the notifications of the next operation.
    Given customer1 and agent1 are logged in
    When agent1's notification session expires on the server
    Then agent1 handshakes again and resubscribes
    When customer1 dials agent1
    Then agent1 receives a StatusChange call notification with:
      """
      {"state": "Ringing"}
      """

  @NTF-SESSION-003 @inferred
  Scenario: A handshake with a wrong password is refused
    A CometD handshake whose Basic credentials are wrong, with no session cookie, MUST fail with successful false.
    When agent1 with a wrong password tries to open a notification session
    Then the notification session is refused
