using Polly;
using Polly.Retry;

namespace Reflector.Relay.Streams;

/// <summary>Told by the reconnect pipeline before it waits for the next attempt.</summary>
internal interface IReconnectObserver
{
    ValueTask OnReconnectScheduledAsync(TimeSpan delay, int attempt, Exception? cause);
}

/// <summary>The backoff every upstream stream reconnects with: one pipeline, shared, whatever the stream's kind.</summary>
internal static class ReconnectPipeline
{
    public static ResiliencePropertyKey<IReconnectObserver> ObserverKey { get; } = new("Reflector.Relay.UpstreamStream");

    public static ResiliencePipeline Create(UpstreamOptions options, TimeProvider timeProvider) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                // Every failure is worth another try; only our own cancellation means the stream is closing.
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e &&
                    !(e is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectDelay,
                MaxDelay = options.MaxReconnectDelay,
                OnRetry = static args => args.Context.Properties.TryGetValue(ObserverKey, out var observer)
                    ? observer.OnReconnectScheduledAsync(args.RetryDelay, args.AttemptNumber + 1, args.Outcome.Exception)
                    : ValueTask.CompletedTask,
            })
            .Build();
}
