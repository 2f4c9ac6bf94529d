using Reflector.Relay.Events;

namespace Reflector.Relay.Cluster;

/// <summary>A relay alone: it holds every socket its users need, and there is nobody else to tell.</summary>
internal sealed class LocalUpstreamOwnership<TMessage> : IUpstreamOwnership<TMessage>
    where TMessage : class
{
    public IUpstreamClaim<TMessage> Join(string key, IClaimObserver<TMessage> observer) => LocalClaim.Instance;

    private sealed class LocalClaim : IUpstreamClaim<TMessage>
    {
        public static LocalClaim Instance { get; } = new();

        public Task Ready => Task.CompletedTask;

        public bool OthersInterested => false;

        public bool MayDeliver => true;

        public bool HoldsFallback => false;

        public ValueTask<UpstreamLease> AcquireAsync(CancellationToken cancellationToken) => ValueTask.FromResult(UpstreamLease.Permanent);

        public void Publish(TMessage message)
        {
        }

        public void Publish(UpstreamStatus status)
        {
        }

        public ValueTask ReleaseAsync() => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
