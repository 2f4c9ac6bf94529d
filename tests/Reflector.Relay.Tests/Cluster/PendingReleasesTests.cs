using Reflector.Relay.Cluster;

namespace Reflector.Relay.Tests.Cluster;

public sealed class PendingReleasesTests
{
    private readonly List<ClaimRelease> _tried = [];
    private bool _redisTakesIt;
    private readonly PendingReleases _releases;

    public PendingReleasesTests() =>
        _releases = new PendingReleases(release =>
        {
            _tried.Add(release);
            return Task.FromResult(_redisTakesIt);
        });

    [Fact]
    public async Task A_release_Redis_takes_at_once_is_not_tried_again()
    {
        _redisTakesIt = true;

        await _releases.ReleaseOrRetryLaterAsync(Release("alice", "n/1|5"));
        await _releases.RetryAsync();

        Assert.Single(_tried);
        Assert.Equal(0, _releases.Count);
    }

    [Fact]
    public async Task A_release_Redis_cannot_take_is_tried_at_every_beat_until_it_does()
    {
        var release = Release("alice", "n/1|5");
        await _releases.ReleaseOrRetryLaterAsync(release);
        await _releases.RetryAsync();
        await _releases.RetryAsync();
        Assert.Equal(1, _releases.Count);

        _redisTakesIt = true;
        await _releases.RetryAsync();
        await _releases.RetryAsync();

        Assert.Equal(4, _tried.Count);
        Assert.All(_tried, tried => Assert.Equal(release, tried));
        Assert.Equal(0, _releases.Count);
    }

    [Fact]
    public async Task Each_claim_of_a_stream_is_released_on_its_own_and_the_same_one_once()
    {
        await _releases.ReleaseOrRetryLaterAsync(Release("alice", "n/1|5"));
        await _releases.ReleaseOrRetryLaterAsync(Release("alice", "n/1|5"));
        await _releases.ReleaseOrRetryLaterAsync(Release("alice", "n/2|9"));
        await _releases.ReleaseOrRetryLaterAsync(Release("bob", "n/1|5"));

        Assert.Equal(3, _releases.Count);
    }

    private static ClaimRelease Release(string userId, string holderValue) =>
        new(ClusterStream.ForUser(userId), holderValue[..holderValue.IndexOf('|', StringComparison.Ordinal)], holderValue);
}
