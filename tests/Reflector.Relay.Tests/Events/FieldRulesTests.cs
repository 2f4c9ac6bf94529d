using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

public sealed class FieldRulesTests
{
    [Theory]
    [InlineData(nameof(FieldState.Present), null)]
    [InlineData(nameof(FieldState.Missing), nameof(DropReason.MissingField))]
    [InlineData(nameof(FieldState.Null), nameof(DropReason.WrongFieldType))]
    [InlineData(nameof(FieldState.WrongType), nameof(DropReason.WrongFieldType))]
    public void Required_asks_only_for_the_value_and_its_type(string state, string? expected)
    {
        Assert.Equal(Reason(expected), FieldRules.Required(State(state)));
    }

    [Theory]
    [InlineData(nameof(FieldState.Present), "t1", null)]
    [InlineData(nameof(FieldState.Present), "", nameof(DropReason.InvalidFieldValue))]
    [InlineData(nameof(FieldState.Present), " \t", nameof(DropReason.InvalidFieldValue))]
    [InlineData(nameof(FieldState.Missing), null, nameof(DropReason.MissingField))]
    [InlineData(nameof(FieldState.Null), null, nameof(DropReason.WrongFieldType))]
    [InlineData(nameof(FieldState.WrongType), null, nameof(DropReason.WrongFieldType))]
    public void NonBlankText_refuses_blank_strings(string state, string? value, string? expected)
    {
        Assert.Equal(Reason(expected), FieldRules.NonBlankText(new JsonField<string?>(State(state), value)));
    }

    [Theory]
    [InlineData(nameof(FieldState.Present), -3.5, null)]
    [InlineData(nameof(FieldState.Present), double.PositiveInfinity, nameof(DropReason.InvalidFieldValue))]
    [InlineData(nameof(FieldState.Present), double.NaN, nameof(DropReason.InvalidFieldValue))]
    [InlineData(nameof(FieldState.Missing), 0d, nameof(DropReason.MissingField))]
    [InlineData(nameof(FieldState.Null), 0d, nameof(DropReason.WrongFieldType))]
    public void FiniteNumber_allows_any_finite_number(string state, double value, string? expected)
    {
        Assert.Equal(Reason(expected), FieldRules.FiniteNumber(new JsonField<double>(State(state), value)));
    }

    [Theory]
    [InlineData(nameof(FieldState.Present), 0d, null)]
    [InlineData(nameof(FieldState.Present), 61.25, null)]
    [InlineData(nameof(FieldState.Present), -0.5, nameof(DropReason.InvalidFieldValue))]
    [InlineData(nameof(FieldState.Present), double.PositiveInfinity, nameof(DropReason.InvalidFieldValue))]
    [InlineData(nameof(FieldState.Missing), 0d, nameof(DropReason.MissingField))]
    [InlineData(nameof(FieldState.WrongType), 0d, nameof(DropReason.WrongFieldType))]
    public void Seconds_must_be_finite_and_not_negative(string state, double value, string? expected)
    {
        Assert.Equal(Reason(expected), FieldRules.Seconds(new JsonField<double>(State(state), value)));
    }

    [Theory]
    [InlineData("idle", TranscriptStatus.Idle)]
    [InlineData("uploaded", TranscriptStatus.Uploaded)]
    [InlineData("recording", TranscriptStatus.Recording)]
    [InlineData("processing", TranscriptStatus.Processing)]
    [InlineData("error", TranscriptStatus.Error)]
    [InlineData("ended", TranscriptStatus.Ended)]
    public void Status_knows_each_of_reflectors_status_names(string value, TranscriptStatus expected)
    {
        Assert.Null(FieldRules.Status(new JsonField<string?>(FieldState.Present, value), out var status));
        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData(nameof(FieldState.Present), "PROCESSING", nameof(DropReason.InvalidFieldValue))]
    [InlineData(nameof(FieldState.Present), "exploded", nameof(DropReason.InvalidFieldValue))]
    [InlineData(nameof(FieldState.Present), "", nameof(DropReason.InvalidFieldValue))]
    [InlineData(nameof(FieldState.Missing), null, nameof(DropReason.MissingField))]
    [InlineData(nameof(FieldState.WrongType), null, nameof(DropReason.WrongFieldType))]
    public void Status_refuses_any_other_value(string state, string? value, string expected)
    {
        Assert.Equal(Reason(expected), FieldRules.Status(new JsonField<string?>(State(state), value), out _));
    }

    private static FieldState State(string name) => Enum.Parse<FieldState>(name);

    private static DropReason? Reason(string? name) => name is null ? null : Enum.Parse<DropReason>(name);
}
