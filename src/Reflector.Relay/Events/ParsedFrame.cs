namespace Reflector.Relay.Events;

/// <summary>The outcome of parsing one upstream frame of any stream: a message, or why the frame was dropped.</summary>
internal readonly record struct ParsedFrame<TMessage>(TMessage? Message, string? EventName, DropReason? DropReason, string? Field = null)
    where TMessage : class
{
    public static ParsedFrame<TMessage> Parsed(TMessage message, string eventName) => new(message, eventName, null);

    public static ParsedFrame<TMessage> Dropped(DropReason reason, string? eventName = null, string? field = null) =>
        new(null, eventName, reason, field);

    public static ParsedFrame<TMessage> Dropped(FieldProblem problem, string eventName) =>
        new(null, eventName, problem.Reason, problem.Field);
}
