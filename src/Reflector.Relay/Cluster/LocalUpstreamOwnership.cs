using Reflector.Relay.Events;

namespace Reflector.Relay.Cluster;

/// <summary>A relay alone: it holds every socket its users need, and there is nobody else to tell.</summary>
internal sealed class LocalUpstreamOwnership : IUpstreamOwnership
{
    public IUpstreamClaim Join(string userId, IClaimObserver observer) => LocalClaim.Instance;

    private sealed class LocalClaim : IUpstreamClaim
    {
        public static LocalClaim Instance { get; } = new();

        public Task Ready => Task.CompletedTask;

        public bool OthersInterested => false;

        public bool MayDeliver => true;

        public ValueTask<UpstreamLease> AcquireAsync(CancellationToken cancellationToken) => ValueTask.FromResult(UpstreamLease.Permanent);

        public void Publish(InvalidateMessage message)
        {
        }

        public void Publish(UpstreamStatus status)
        {
        }

        public ValueTask ReleaseAsync() => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
