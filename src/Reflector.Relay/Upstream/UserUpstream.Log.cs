using Reflector.Relay.Events;

namespace Reflector.Relay.Upstream;

internal sealed partial class UserUpstream
{
    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "Upstream connected for user {UserId}")]
        public static partial void Connected(ILogger logger, string userId);

        [LoggerMessage(101, LogLevel.Warning, "Upstream dropped for user {UserId} (close code {CloseCode}) after {HeldFor}: {Reason}")]
        public static partial void Dropped(ILogger logger, string userId, int? closeCode, TimeSpan heldFor, string? reason);

        [LoggerMessage(102, LogLevel.Information, "Upstream reconnect {Attempt} for user {UserId} in {Delay}: {Reason}")]
        public static partial void ReconnectScheduled(ILogger logger, string userId, int attempt, TimeSpan delay, string? reason);

        [LoggerMessage(103, LogLevel.Warning, "Upstream refused the token of user {UserId} (code {Code}); waiting for a fresh token")]
        public static partial void Refused(ILogger logger, string userId, int code);

        [LoggerMessage(104, LogLevel.Information, "No unexpired, unrefused token for user {UserId}; waiting for a fresh one")]
        public static partial void NoUsableToken(ILogger logger, string userId);

        [LoggerMessage(105, LogLevel.Warning, "Dropped upstream frame for user {UserId}: event {EventName}, reason {DropReason}, field {Field}")]
        public static partial void FrameDropped(ILogger logger, string userId, string? eventName, DropReason dropReason, string? field);

        [LoggerMessage(106, LogLevel.Debug, "Dropped upstream event {EventName} for user {UserId}: not an event this relay knows")]
        public static partial void UnknownEventDropped(ILogger logger, string userId, string? eventName);

        [LoggerMessage(107, LogLevel.Error, "Sending to the connections of user {UserId} failed")]
        public static partial void RelayFailed(ILogger logger, string userId, Exception exception);

        [LoggerMessage(108, LogLevel.Information, "Upstream closed for user {UserId} (close code {CloseCode})")]
        public static partial void Closed(ILogger logger, string userId, int? closeCode);

        [LoggerMessage(109, LogLevel.Warning, "Upstream of user {UserId} did not answer the close in time; aborting it")]
        public static partial void CloseTimedOut(ILogger logger, string userId);

        [LoggerMessage(110, LogLevel.Error, "Unexpected failure in the upstream loop of user {UserId}")]
        public static partial void UnexpectedFailure(ILogger logger, string userId, Exception exception);

        [LoggerMessage(111, LogLevel.Information, "Took over the upstream of user {UserId} from another relay")]
        public static partial void TookOver(ILogger logger, string userId);

        [LoggerMessage(112, LogLevel.Information, "Another relay holds the upstream of user {UserId} now; following it")]
        public static partial void LeaseLost(ILogger logger, string userId);
    }
}
