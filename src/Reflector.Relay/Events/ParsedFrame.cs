namespace Reflector.Relay.Events;

/// <summary>The outcome of parsing one upstream frame of any stream: a message, or why the frame was dropped.</summary>
internal readonly record struct ParsedFrame<TMessage>(TMessage? Message, string? EventName, DropReason? DropReason, string? Field = null)
    where TMessage : class
{
    public static ParsedFrame<TMessage> Dropped(DropReason reason, string? eventName = null, string? field = null) =>
        new(null, eventName, reason, field);
}
