namespace Reflector.Relay.Logging;

/// <summary>
/// Every event id the relay logs with, in one place: ids stay stable across releases (log queries and alerts key on
/// them) and no two events share one. Each folder has its range; a new event takes the next free id of its folder.
/// </summary>
internal static class LogEventIds
{
    /// <summary>Start-up (1–99).</summary>
    public static class Hosting
    {
        public const int SimulatedReflectorStarted = 1;
    }

    /// <summary>Upstream sockets: one stream (100–199), the streams of a kind and their lifetimes (200–299).</summary>
    public static class Streams
    {
        public const int Connected = 100;
        public const int Dropped = 101;
        public const int ReconnectScheduled = 102;
        public const int Refused = 103;
        public const int NoUsableToken = 104;
        public const int FrameDropped = 105;
        public const int UnknownEventDropped = 106;
        public const int RelayFailed = 107;
        public const int Closed = 108;
        public const int CloseTimedOut = 109;
        public const int UnexpectedFailure = 110;
        public const int TookOver = 111;
        public const int LeaseLost = 112;
        public const int RefusedForGood = 113;
        public const int LingerStarted = 200;
        public const int LingerCancelled = 201;
        public const int Closing = 202;
        public const int ShuttingDown = 203;
        public const int ShutdownTimedOut = 204;
        public const int KeptForOtherRelays = 205;
        public const int ClosingRefused = 206;
    }

    /// <summary>Who may connect: origins and rate limits (300–399).</summary>
    public static class Admission
    {
        public const int Refused = 300;
        public const int RejectedAddress = 301;
        public const int RejectedUser = 303;
    }

    /// <summary>The SignalR edge: connection bindings (300s), outboxes (400–499), hub methods (700–709).</summary>
    public static class Hubs
    {
        public const int ForeignUse = 302;
        public const int Overflowed = 400;
        public const int Stalled = 401;
        public const int InvalidTranscriptId = 701;
    }

    /// <summary>Relays sharing one Redis (500–599).</summary>
    public static class Cluster
    {
        public const int Started = 500;
        public const int RedisLost = 501;
        public const int Rejoined = 502;
        public const int RelaysDied = 503;
        public const int PublishFailed = 504;
        public const int BeatFailed = 505;
        public const int RenewalsFailed = 506;
        public const int SubscriptionLost = 507;
        public const int SubscriptionsFailed = 508;
        public const int ClaimWon = 510;
        public const int ClaimLost = 511;
        public const int SettleFailed = 512;
        public const int SubscribeFailed = 513;
        public const int RenewFailed = 514;
        public const int RenewFoundClaimChanged = 515;
        public const int Resync = 516;
        public const int EnvelopeDropped = 517;
        public const int SubscribePending = 518;
    }

    /// <summary>Transcript streams (710–799).</summary>
    public static class Transcripts
    {
        public const int StreamLimitReached = 711;
    }
}
