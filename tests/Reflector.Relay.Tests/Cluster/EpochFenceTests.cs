using Reflector.Relay.Cluster;

namespace Reflector.Relay.Tests.Cluster;

public sealed class EpochFenceTests
{
    [Fact]
    public void What_comes_from_an_older_epoch_than_one_heard_is_dropped()
    {
        var fence = new EpochFence();

        Assert.True(fence.Admit(100));
        Assert.True(fence.Admit(100));
        Assert.False(fence.Admit(99));
        Assert.True(fence.Admit(101));
        Assert.False(fence.Admit(100));
        Assert.Equal(101, fence.Newest);
    }

    [Fact]
    public void Holding_under_an_epoch_fences_out_older_ones_but_never_lowers_the_fence()
    {
        var fence = new EpochFence();
        fence.Raise(200);
        fence.Raise(150);

        Assert.Equal(200, fence.Newest);
        Assert.False(fence.Admit(199));
    }

    [Fact]
    public void A_new_claim_asks_for_an_epoch_above_every_one_heard()
    {
        var fence = new EpochFence();
        Assert.Equal(1, fence.Floor);

        fence.Admit(1_700_000_000_000);

        Assert.Equal(1_700_000_000_001, fence.Floor);
    }
}
