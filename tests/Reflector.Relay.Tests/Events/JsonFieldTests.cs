using System.Text;
using System.Text.Json;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

public sealed class JsonFieldTests
{
    [Theory]
    [InlineData("\"caf\\u00e9\"", nameof(FieldState.Present), "café")]
    [InlineData("\"\"", nameof(FieldState.Present), "")]
    [InlineData("null", nameof(FieldState.Null), null)]
    [InlineData("7", nameof(FieldState.WrongType), null)]
    [InlineData("[\"a\",{\"b\":1}]", nameof(FieldState.WrongType), null)]
    [InlineData("{\"a\":\"b\"}", nameof(FieldState.WrongType), null)]
    public void ReadString_says_whether_the_value_was_a_string(string json, string state, string? value)
    {
        var field = ReadThenExpectEnd(json, static (ref Utf8JsonReader reader) => JsonField.ReadString(ref reader));

        Assert.Equal(new JsonField<string?>(State(state), value), field);
    }

    [Theory]
    [InlineData("61.25", nameof(FieldState.Present), 61.25)]
    [InlineData("-0.5", nameof(FieldState.Present), -0.5)]
    [InlineData("1e999", nameof(FieldState.Present), double.PositiveInfinity)]
    [InlineData("null", nameof(FieldState.Null), 0d)]
    [InlineData("\"61\"", nameof(FieldState.WrongType), 0d)]
    [InlineData("[1]", nameof(FieldState.WrongType), 0d)]
    public void ReadNumber_reads_any_json_number_as_a_double(string json, string state, double value)
    {
        var field = ReadThenExpectEnd(json, static (ref Utf8JsonReader reader) => JsonField.ReadNumber(ref reader));

        Assert.Equal(new JsonField<double>(State(state), value), field);
    }

    [Theory]
    [InlineData("3", nameof(FieldState.Present), 3)]
    [InlineData("1.5", nameof(FieldState.WrongType), 0)]
    [InlineData("3000000000", nameof(FieldState.WrongType), 0)]
    [InlineData("null", nameof(FieldState.WrongType), 0)]
    [InlineData("{\"n\":3}", nameof(FieldState.WrongType), 0)]
    public void ReadInt32_accepts_only_whole_numbers_that_fit(string json, string state, int value)
    {
        var field = ReadThenExpectEnd(json, static (ref Utf8JsonReader reader) => JsonField.ReadInt32(ref reader));

        Assert.Equal(new JsonField<int>(State(state), value), field);
    }

    [Fact]
    public void ReadObject_copies_the_object_out_of_the_buffer()
    {
        var bytes = Encoding.UTF8.GetBytes("""[{"a":[1,{"b":null}]},0]""");
        var reader = new Utf8JsonReader(bytes);
        reader.Read();
        reader.Read();

        var field = JsonField.ReadObject(ref reader);
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.Number, reader.TokenType);
        Array.Fill(bytes, (byte)'x');

        Assert.Equal(FieldState.Present, field.State);
        Assert.Equal("""{"a":[1,{"b":null}]}""", field.Value.GetRawText());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"{}\"")]
    public void ReadObject_refuses_anything_but_an_object(string json)
    {
        var field = ReadThenExpectEnd(json, static (ref Utf8JsonReader reader) => JsonField.ReadObject(ref reader));

        Assert.Equal(FieldState.WrongType, field.State);
    }

    private delegate T Read<T>(ref Utf8JsonReader reader);

    // Each read is of one value inside an array, and must leave the reader on that value's last token, so the caller's
    // next Read lands on what follows.
    private static T ReadThenExpectEnd<T>(string json, Read<T> read)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes("[" + json + ",\"next\"]"));
        reader.Read();
        reader.Read();

        var field = read(ref reader);

        Assert.True(reader.Read());
        Assert.Equal("next", reader.GetString());
        return field;
    }

    private static FieldState State(string name) => Enum.Parse<FieldState>(name);
}
