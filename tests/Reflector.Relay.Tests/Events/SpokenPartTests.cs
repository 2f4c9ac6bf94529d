using System.Text;
using System.Text.Json;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

public sealed class SpokenPartTests
{
    [Fact]
    public void Every_field_of_a_part_is_read_whatever_its_order_and_other_keys_are_skipped()
    {
        var parts = Read("""[{"speaker":2,"x":{"text":"no"},"end":1.5,"text":" Hi","start":0.5}]""", out var problem);

        Assert.Null(problem);
        var part = Assert.Single(parts!);
        Assert.Equal(new JsonField<string?>(FieldState.Present, " Hi"), part.Text);
        Assert.Equal(new JsonField<double>(FieldState.Present, 0.5), part.Start);
        Assert.Equal(new JsonField<double>(FieldState.Present, 1.5), part.End);
        Assert.Equal(new JsonField<int>(FieldState.Present, 2), part.Speaker);
    }

    [Fact]
    public void Null_reads_as_no_array_and_no_problem()
    {
        Assert.Null(Read("null", out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("\"a\"")]
    [InlineData("3")]
    public void A_value_that_is_not_an_array_is_the_wrong_type(string json)
    {
        Assert.Null(Read(json, out var problem));
        Assert.Equal(new FieldProblem(DropReason.WrongFieldType, "parts"), problem);
    }

    [Fact]
    public void The_first_problem_is_kept_and_the_array_is_read_to_its_end()
    {
        var parts = Read("""[{"text":"a"},1,{"start":0},{"text":"b"},[{}]]""", out var problem);

        Assert.Equal(new FieldProblem(DropReason.WrongFieldType, "parts"), problem);
        Assert.Equal(["a", "b"], parts!.Select(part => part.Text.Value));
    }

    [Fact]
    public void A_part_its_rules_refuse_is_a_problem_in_their_words()
    {
        var parts = Read("""[{"text":"a"},{"start":0},{"text":null}]""", out var problem);

        Assert.Equal(new FieldProblem(DropReason.MissingField, "parts.text"), problem);
        Assert.Equal(["a"], parts!.Select(part => part.Text.Value));
    }

    // Rules that ask only for a text, to see what ReadArray does with what they refuse.
    private static bool HasText(in SpokenPart part, out SpokenPart element, out FieldProblem problem)
    {
        element = part;
        problem = FieldRules.Required(part.Text.State) is { } reason ? new FieldProblem(reason, "parts.text") : default;
        return part.Text.State == FieldState.Present;
    }

    private static List<SpokenPart>? Read(string json, out FieldProblem? problem)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes("[" + json + ",\"next\"]"));
        reader.Read();
        reader.Read();

        var parts = SpokenPart.ReadArray<SpokenPart>(ref reader, "parts", HasText, out problem);

        // The reader is left on the array's end, so the caller's next Read lands on what follows.
        Assert.True(reader.Read());
        Assert.Equal("next", reader.GetString());
        return parts;
    }
}
