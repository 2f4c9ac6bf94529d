using Reflector.Relay.Cluster;

namespace Reflector.Relay.Tests.Cluster;

public sealed class ClaimRegistryTests
{
    private readonly ClaimRegistry _registry = new();

    [Fact]
    public void The_relays_interest_in_a_stream_begins_with_its_first_claim_there_and_ends_with_its_last()
    {
        var alice = ClusterStream.ForUser("alice");
        var first = new StubClaim(alice, "n/1");
        var second = new StubClaim(alice, "n/2");

        Assert.True(_registry.Add(first));
        Assert.False(_registry.Add(second));
        Assert.False(_registry.Remove(first));
        Assert.True(_registry.Remove(second));
        Assert.Empty(_registry.Streams());
    }

    [Fact]
    public void Streams_of_both_kinds_for_one_user_are_counted_apart()
    {
        Assert.True(_registry.Add(new StubClaim(ClusterStream.ForUser("alice"), "n/1")));
        Assert.True(_registry.Add(new StubClaim(ClusterStream.ForTranscript("alice\u001ft1"), "n/2")));

        Assert.Equal(["transcript:alice\u001ft1", "user:alice"], _registry.Streams().Select(stream => stream.Name).Order(StringComparer.Ordinal));
        Assert.Equal(2, _registry.Claims().Count);
    }

    [Fact]
    public void Only_claim_says_whether_another_claim_of_the_stream_is_here()
    {
        var alice = ClusterStream.ForUser("alice");
        Assert.True(_registry.IsOnlyClaimOn(alice));

        _registry.Add(new StubClaim(alice, "n/1"));
        Assert.True(_registry.IsOnlyClaimOn(alice));

        _registry.Add(new StubClaim(alice, "n/2"));
        Assert.False(_registry.IsOnlyClaimOn(alice));
    }

    [Fact]
    public void A_claim_leaving_keeps_the_interest_of_the_others_of_its_stream()
    {
        var alice = ClusterStream.ForUser("alice");
        var first = new StubClaim(alice, "n/1");
        _registry.Add(first);
        _registry.Add(new StubClaim(alice, "n/2"));
        _registry.Add(new StubClaim(alice, "n/3"));

        Assert.False(_registry.Remove(first));
        Assert.Single(_registry.Streams());
    }

    private sealed class StubClaim(ClusterStream stream, string holderId) : IRedisClaim
    {
        public ClusterStream Stream => stream;

        public string HolderId => holderId;

        public bool HoldsFallback => false;

        public bool IsLive => true;

        public bool RenewalDue => false;

        public void Start()
        {
        }

        public void OnRedisLost()
        {
        }

        public Task<bool> EnsureSubscribedAsync() => Task.FromResult(true);

        public void OnSubscriptionLost()
        {
        }

        public Task<bool> SettleAsync() => Task.FromResult(false);

        public Task ConfirmedAsync() => Task.CompletedTask;

        public void OnRelaysDied(IReadOnlySet<string> dead)
        {
        }

        public Task RenewKeysAsync() => Task.CompletedTask;
    }
}
