namespace Reflector.Relay.Events;

/// <summary>Why an upstream frame was not relayed. Logged and counted, never fatal to the stream.</summary>
internal enum DropReason
{
    NotJson,
    NotAnObject,
    MissingEventName,
    UnknownEvent,
    MissingData,
    MissingField,
    WrongFieldType,
    InvalidFieldValue,
    BinaryFrame,
    EmptyFrame,
    TooLarge,
}
