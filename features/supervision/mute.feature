Feature: Muting the monitored agent
  On its call the supervisor may mute the monitored agent, to take over the conversation, and unmute it
  again (behaviour.md §7).

  Background:
    Given customer1, agent1 and supervisor1 are logged in

  @SUP-MUTE-001 @documented
  Scenario Outline: Muting the monitored agent is confirmed on the supervisor's call
    MuteMonitoredUser MUST be confirmed by a MonitoredUserMutedStateChange on the supervisor's call with monitoredUserMuted true.
    Given supervisor1 starts <operation> on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 mutes the monitored user
    Then supervisor1 receives a MonitoredUserMutedStateChange call notification with:
      """
      {"monitoredUserMuted": true}
      """

    Examples:
      | id       | operation |
      | listenin | ListenIn  |
      | coach    | Coach     |
      | bargein  | BargeIn   |

  @SUP-MUTE-002 @documented
  Scenario: Unmuting the monitored agent is confirmed on the supervisor's call
    UnmuteMonitoredUser MUST be confirmed by a MonitoredUserMutedStateChange on the supervisor's call with monitoredUserMuted false.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 mutes the monitored user
    Then supervisor1 receives a MonitoredUserMutedStateChange call notification with:
      """
      {"monitoredUserMuted": true}
      """
    When supervisor1 unmutes the monitored user
    Then supervisor1 receives a MonitoredUserMutedStateChange call notification with:
      """
      {"monitoredUserMuted": false}
      """

  @SUP-MUTE-003 @inferred
  Scenario: The agent's call shows that the agent is muted and unmuted
    The agent's call MUST mirror monitoredUserMuted, true after MuteMonitoredUser and false after UnmuteMonitoredUser.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 mutes the monitored user
    Then agent1 receives a MonitoredUserMutedStateChange call notification with:
      """
      {"monitoredUserMuted": true}
      """
    When supervisor1 unmutes the monitored user
    Then agent1 receives a MonitoredUserMutedStateChange call notification with:
      """
      {"monitoredUserMuted": false}
      """

  @SUP-MUTE-004 @inferred
  Scenario: Muting lists neither mute operation on the supervisor's call
    After MuteMonitoredUser the supervisor's call MUST list neither MuteMonitoredUser nor UnmuteMonitoredUser, and UnmuteMonitoredUser MUST still be accepted.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 mutes the monitored user
    Then supervisor1 receives a MonitoredUserMutedStateChange call notification with:
      """
      {"monitoredUserMuted": true}
      """
    And that notification does not offer MuteMonitoredUser or UnmuteMonitoredUser
    When supervisor1 unmutes the monitored user
    Then supervisor1 receives a MonitoredUserMutedStateChange call notification with:
      """
      {"monitoredUserMuted": false}
      """

  @SUP-MUTE-005 @inferred
  Scenario: Unmuting an agent who is not muted is refused
    UnmuteMonitoredUser on a supervisor's call whose agent is not muted MUST fail with statusCode 2 and change nothing.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 tries to unmute the monitored user
    Then the request fails with statusCode 2
    And supervisor1 receives no change to its calls within the quiet period

  @SUP-MUTE-006 @inferred
  Scenario: Muting an agent twice is refused the second time
    MuteMonitoredUser on a supervisor's call whose agent is already muted MUST fail with statusCode 2.
    Given supervisor1 starts ListenIn on agent1
    And customer1 is talking to agent1
    And supervisor1 is supervising the call
    When supervisor1 mutes the monitored user
    Then supervisor1 receives a MonitoredUserMutedStateChange call notification with:
      """
      {"monitoredUserMuted": true}
      """
    When supervisor1 tries to mute the monitored user
    Then the request fails with statusCode 2
