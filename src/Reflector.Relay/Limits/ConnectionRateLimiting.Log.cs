using Reflector.Relay.Logging;

namespace Reflector.Relay.Limits;

internal static partial class ConnectionRateLimitingLog
{
    [LoggerMessage(LogEventIds.Admission.RejectedAddress, LogLevel.Warning,
        "Refused a connection start from {RemoteAddress} to {Path}: Limits:NegotiationsPerAddressPerMinute reached, retry in {RetryAfterSeconds} s")]
    public static partial void RejectedAddress(ILogger logger, string? remoteAddress, PathString path, int retryAfterSeconds);

    [LoggerMessage(LogEventIds.Admission.RejectedUser, LogLevel.Warning,
        "Refused a connection start of user {UserId} to {Path}: Limits:NegotiationsPerUserPerMinute reached, retry in {RetryAfterSeconds} s")]
    public static partial void RejectedUser(ILogger logger, string userId, PathString path, int retryAfterSeconds);
}
