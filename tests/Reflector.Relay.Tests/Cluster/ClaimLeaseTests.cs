using Reflector.Relay.Cluster;

namespace Reflector.Relay.Tests.Cluster;

public sealed class ClaimLeaseTests
{
    private readonly EpochFence _fence = new();
    private readonly ClaimLease _lease;

    public ClaimLeaseTests() => _lease = new ClaimLease(_fence);

    [Fact]
    public void A_won_claim_numbers_its_messages_from_one_under_its_epoch_and_raises_the_fence()
    {
        _lease.Grant("n1/1|500");

        Assert.True(_lease.TryNumber(out var holder, out var epoch, out var first));
        Assert.True(_lease.TryNumber(out _, out _, out var second));
        Assert.Equal(("n1/1|500", 500L, 1L, 2L), (holder, epoch, first, second));
        Assert.Equal(500, _fence.Newest);
    }

    [Fact]
    public void A_fallback_lease_delivers_to_its_own_tabs_but_speaks_for_nobody()
    {
        _lease.Grant(holderValue: null);

        Assert.True(_lease.HoldsFallback);
        Assert.True(_lease.MayDeliver(presenceLapsed: true));
        Assert.False(_lease.TryNumber(out _, out _, out _));
        Assert.Null(_lease.HolderValue);
    }

    [Fact]
    public void A_won_claim_does_not_deliver_while_this_relays_presence_has_lapsed()
    {
        _lease.Grant("n1/1|500");

        Assert.True(_lease.MayDeliver(presenceLapsed: false));
        Assert.False(_lease.MayDeliver(presenceLapsed: true));
    }

    [Fact]
    public void Settled_under_a_new_epoch_the_numbering_starts_again_at_one()
    {
        _lease.Grant("n1/1|500");
        _lease.TryNumber(out _, out _, out _);

        Assert.Equal(SettleOutcome.Held, _lease.Settle(new ClaimResult(true, "n1/1|900", false), hearsHolder: true, out _));

        Assert.True(_lease.TryNumber(out _, out var epoch, out var sequence));
        Assert.Equal((900L, 1L), (epoch, sequence));
        Assert.Equal(900, _fence.Newest);
    }

    [Fact]
    public void Settled_under_the_same_epoch_the_numbering_goes_on()
    {
        _lease.Grant("n1/1|500");
        _lease.TryNumber(out _, out _, out _);

        _lease.Settle(new ClaimResult(true, "n1/1|500", false), hearsHolder: true, out _);

        Assert.True(_lease.TryNumber(out _, out _, out var sequence));
        Assert.Equal(2, sequence);
    }

    [Fact]
    public void A_fallback_that_wins_its_claim_speaks_for_the_stream()
    {
        _lease.Grant(holderValue: null);

        Assert.Equal(SettleOutcome.Held, _lease.Settle(new ClaimResult(true, "n1/1|700", false), hearsHolder: true, out _));

        Assert.False(_lease.HoldsFallback);
        Assert.Equal("n1/1|700", _lease.HolderValue);
    }

    [Fact]
    public void Lost_to_another_relay_the_lease_is_cancelled_by_its_owner()
    {
        var token = _lease.Grant("n1/1|500");

        Assert.Equal(SettleOutcome.Lost, _lease.Settle(new ClaimResult(false, "n2/4|600", false), hearsHolder: true, out var lost));

        Assert.NotNull(lost);
        Assert.Equal(token, lost.Token);
        Assert.False(_lease.IsHolding);
    }

    [Fact]
    public void Lost_while_the_holder_cannot_be_heard_the_socket_stays_as_a_fallback()
    {
        _lease.Grant("n1/1|500");

        Assert.Equal(SettleOutcome.KeptAsFallback, _lease.Settle(new ClaimResult(false, "n2/4|600", false), hearsHolder: false, out var lost));

        Assert.Null(lost);
        Assert.True(_lease.HoldsFallback);
    }

    [Fact]
    public void Released_while_settling_the_win_is_to_be_released_too()
    {
        _lease.Grant("n1/1|500");
        var (lease, holderValue) = _lease.Take();

        Assert.Equal(SettleOutcome.ReleasedMeanwhile, _lease.Settle(new ClaimResult(true, "n1/1|500", false), hearsHolder: true, out _));
        Assert.NotNull(lease);
        Assert.Equal("n1/1|500", holderValue);
        Assert.False(_lease.IsHolding);
    }

    [Fact]
    public void Still_holds_only_the_value_it_was_granted_or_settled_under()
    {
        _lease.Grant("n1/1|500");
        Assert.True(_lease.StillHolds("n1/1|500"));

        _lease.Settle(new ClaimResult(true, "n1/1|900", false), hearsHolder: true, out _);
        Assert.False(_lease.StillHolds("n1/1|500"));

        _lease.Take();
        Assert.False(_lease.StillHolds("n1/1|900"));
    }
}
