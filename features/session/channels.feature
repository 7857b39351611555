Feature: The documented notification channels
  A desktop subscribes to each documented channel before it starts; each subscription is accepted
  (SPEC §11.7).

  @SES-CHAN-001 @documented
  Scenario Outline: A user may subscribe to the documented channels
    A subscription to /v2/me/channels or /notifications/services MUST be accepted.
    Given agent1 is logged in
    When agent1 tries to subscribe to "<channel>"
    Then the subscription is accepted

    Examples:
      | id       | channel                 |
      | channels | /v2/me/channels         |
      | services | /notifications/services |
