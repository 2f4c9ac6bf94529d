using System.Collections.Concurrent;

namespace Reflector.Relay.Cluster;

/// <summary>
/// What the heartbeat's news means for this relay's claims: Redis lost, Redis (or this relay's presence) back,
/// relays dead, and at every ordinary beat the work that waits for Redis: releases to retry, fallback sockets to
/// settle, channels to hear again, keys due a renewal.
/// </summary>
internal sealed class ClaimMaintenance(ClaimRegistry registry, ClusterCommands commands, PendingReleases releases, ILogger logger)
    : IClusterMembershipObserver
{
    // Claims settled, renewed or subscribed side by side (the client pipelines them): thousands one round trip at a
    // time could outlast this relay's own presence.
    private static readonly ParallelOptions SideBySide = new() { MaxDegreeOfParallelism = 64 };

    // The round of key renewals under way, if any: run beside the heartbeat, which must never wait on it.
    private Task _renewals = Task.CompletedTask;
    // The round of subscriptions being retried or checked, if any: beside the heartbeat too.
    private Task _subscriptions = Task.CompletedTask;

    /// <summary>The pub/sub connection dropped: the client subscribes everything again by itself, but what was published meanwhile is lost.</summary>
    public void OnSubscriptionLost(string failure)
    {
        ClaimMaintenanceLog.SubscriptionLost(logger, failure);
        foreach (var claim in registry.Claims())
        {
            claim.OnSubscriptionLost();
        }
    }

    public void OnRedisLost()
    {
        foreach (var claim in registry.Claims())
        {
            claim.OnRedisLost();
        }
    }

    public async Task<Func<Task>> OnRejoinedAsync()
    {
        foreach (var stream in registry.Streams())
        {
            commands.SayInterestAgain(stream);
        }

        var confirmed = new ConcurrentBag<IRedisClaim>();
        await Parallel.ForEachAsync(
            registry.Claims(),
            SideBySide,
            async (claim, _) =>
            {
                if (await claim.SettleAsync().ConfigureAwait(false))
                {
                    confirmed.Add(claim);
                }
            }).ConfigureAwait(false);

        return async () =>
        {
            foreach (var claim in confirmed)
            {
                await claim.ConfirmedAsync().ConfigureAwait(false);
            }
        };
    }

    public async Task OnBeatAsync()
    {
        // Beside the heartbeat, not in it: thousands of renewals waiting on a slow Redis must not delay this relay's
        // own presence. One round at a time; a claim left out of one is still due at the next.
        if (_renewals.IsCompleted)
        {
            _renewals = RenewDueKeysAsync();
        }

        // Every claim that does not hear its channel tries again now, until it does.
        if (_subscriptions.IsCompleted)
        {
            _subscriptions = SubscribeDeafClaimsAsync();
        }

        await releases.RetryAsync().ConfigureAwait(false);
        foreach (var claim in registry.Claims().Where(claim => claim.HoldsFallback))
        {
            if (await claim.SettleAsync().ConfigureAwait(false))
            {
                await claim.ConfirmedAsync().ConfigureAwait(false);
            }
        }
    }

    public void OnRelaysDied(IReadOnlySet<string> dead)
    {
        foreach (var claim in registry.Claims())
        {
            claim.OnRelaysDied(dead);
        }
    }

    /// <summary>Waits for the rounds under way (the heartbeat has stopped, so no new one starts).</summary>
    public async Task StopAsync()
    {
        await _renewals.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _subscriptions.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task SubscribeDeafClaimsAsync()
    {
        var deaf = registry.Claims().Where(claim => !claim.IsLive).ToList();
        if (deaf.Count == 0)
        {
            return;
        }

        try
        {
            await Parallel.ForEachAsync(
                deaf, SideBySide, async (claim, _) => await claim.EnsureSubscribedAsync().ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            ClaimMaintenanceLog.SubscriptionsFailed(logger, exception);
        }
    }

    private async Task RenewDueKeysAsync()
    {
        var due = registry.Claims().Where(claim => claim.RenewalDue).ToList();
        if (due.Count == 0)
        {
            return;
        }

        try
        {
            await Parallel.ForEachAsync(
                due, SideBySide, async (claim, _) => await claim.RenewKeysAsync().ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Nobody awaits a round but the next one's start and the shutdown: said here, and the claims stay due.
            ClaimMaintenanceLog.RenewalsFailed(logger, exception);
        }
    }
}
