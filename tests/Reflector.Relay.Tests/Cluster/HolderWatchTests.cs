using Reflector.Relay.Cluster;

namespace Reflector.Relay.Tests.Cluster;

public sealed class HolderWatchTests
{
    private readonly HolderWatch _watch = new();

    [Fact]
    public void A_wake_completes_the_wait_taken_before_it_and_not_the_next()
    {
        var before = _watch.NextWake;

        _watch.Wake();

        Assert.True(before.IsCompletedSuccessfully);
        Assert.False(_watch.NextWake.IsCompleted);
    }

    [Fact]
    public void The_death_of_the_relay_waited_on_wakes_the_claim_and_the_death_of_another_does_not()
    {
        _watch.WaitOn("holder");
        var wake = _watch.NextWake;

        _watch.OnRelaysDied(new HashSet<string> { "bystander" });
        Assert.False(wake.IsCompleted);

        _watch.OnRelaysDied(new HashSet<string> { "holder" });
        Assert.True(wake.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_claim_that_waits_on_nobody_is_not_woken_by_deaths()
    {
        _watch.WaitOn("holder");
        _watch.WaitOn(null);
        var wake = _watch.NextWake;

        _watch.OnRelaysDied(new HashSet<string> { "holder" });

        Assert.False(wake.IsCompleted);
    }
}
