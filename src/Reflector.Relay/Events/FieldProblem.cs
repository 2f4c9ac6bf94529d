namespace Reflector.Relay.Events;

/// <summary>Why a field deep in a frame (an element of a topic's <c>segments</c> or <c>words</c>) made it unusable, and which.</summary>
internal readonly record struct FieldProblem(DropReason Reason, string Field);
