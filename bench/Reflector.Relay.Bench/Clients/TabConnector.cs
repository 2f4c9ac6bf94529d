using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Reflector.Relay.Bench.Clients;

/// <summary>Connects a batch of tabs with bounded concurrency, counting the tabs that fail rather than giving up on the batch.</summary>
internal static class TabConnector
{
    /// <summary>
    /// Runs <paramref name="connectTab"/> for every tab of <paramref name="tabs"/>, at most <paramref name="concurrency"/>
    /// at a time. A tab that throws is counted as failed; only this call's own cancellation ends the batch early.
    /// </summary>
    /// <param name="connectTab">Connects the tab with the given index, at the given position in <paramref name="tabs"/>, and keeps it.</param>
    public static async Task<ConnectTally> ConnectAllAsync(
        IEnumerable<int> tabs, int concurrency, Func<int, int, CancellationToken, Task> connectTab, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(concurrency);
        var tallyLock = new Lock();
        var failed = new List<int>();
        string? firstError = null;
        HandshakeRefusedException? refusal = null;
        var refusalPosition = int.MaxValue;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(tabs.Select(async (index, position) =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await connectTab(index, position, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                lock (tallyLock)
                {
                    failed.Add(index);
                    firstError ??= exception.GetBaseException().Message;

                    // Of several refusals, keep the earliest tab's in the batch: the one awaiting all the connects throws.
                    if (exception is HandshakeRefusedException refused && position < refusalPosition)
                    {
                        refusal = refused;
                        refusalPosition = position;
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        return new ConnectTally([.. failed], firstError, refusal, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>What connecting a batch of tabs came to.</summary>
/// <param name="FailedTabs">The indexes of the tabs that did not connect, refused ones included.</param>
/// <param name="FirstError">The first failure's message, in time.</param>
/// <param name="Refusal">A refused SignalR handshake, if any: the hub does not speak the tabs' protocol.</param>
internal sealed record ConnectTally(int[] FailedTabs, string? FirstError, HandshakeRefusedException? Refusal, double Seconds)
{
    /// <summary>What the batch of <paramref name="attempted"/> tabs came to, for the report.</summary>
    public ConnectOutcome Outcome(int attempted) => new(attempted - FailedTabs.Length, FailedTabs.Length, Seconds, FirstError);

    /// <summary>
    /// Throws the refusal, if there was one, with its own stack trace: a protocol the hub refuses is the run's
    /// answer (<c>messagepack</c> unsupported), not a tab that failed.
    /// </summary>
    public void ThrowIfRefused()
    {
        if (Refusal is { } refusal)
        {
            ExceptionDispatchInfo.Throw(refusal);
        }
    }
}

internal sealed record ConnectOutcome(int Connected, int Failed, double Seconds, string? FirstError);
