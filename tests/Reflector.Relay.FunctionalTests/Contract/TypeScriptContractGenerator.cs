using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reflector.Relay.FunctionalTests.Contract;

/// <summary>A polymorphic base written as a TypeScript union; <paramref name="CasePrefix"/> keeps its case names apart from other unions'.</summary>
internal sealed record TypeScriptUnion(Type Base, string Name, string CasePrefix = "");

/// <summary>
/// Writes the TypeScript form of the C# contract: one interface per [JsonDerivedType] of a polymorphic base,
/// with the discriminator as a string literal, the union of them all, and enums as unions of their wire names.
/// Anything it cannot map exactly is an error, so the TypeScript never silently loosens a type.
/// </summary>
internal sealed class TypeScriptContractGenerator
{
    private readonly StringBuilder _body = new();
    private readonly List<Type> _enums = [];
    private readonly HashSet<string> _names = [];
    private readonly HashSet<Type> _records;
    private readonly NullabilityInfoContext _nullability = new();

    private TypeScriptContractGenerator(IEnumerable<Type> records) => _records = [.. records];

    public static string Generate(Type union, string unionName, params Type[] records) =>
        Generate([new TypeScriptUnion(union, unionName)], records);

    /// <param name="records">Plain records written as interfaces of their own name, which properties may refer to.</param>
    public static string Generate(IReadOnlyList<TypeScriptUnion> unions, params Type[] records)
    {
        var generator = new TypeScriptContractGenerator(records);
        foreach (var union in unions)
        {
            generator.WriteUnion(union.Base, union.Name, union.CasePrefix);
        }

        foreach (var record in records)
        {
            generator.WriteInterface(record.Name, record, discriminator: null);
        }

        var text = new StringBuilder()
            .Append("// Generated from the C# contract (src/Reflector.Relay/Events) by the relay's tests; do not edit.\n")
            .Append("// After changing the C# records: REFLECTOR_UPDATE_GENERATED=1 dotnet test --filter TypeScriptContract\n");
        foreach (var enumType in generator._enums)
        {
            var members = enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(field => Quote(field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name));
            text.Append('\n').Append(CultureInfo.InvariantCulture, $"export type {enumType.Name} = {string.Join(" | ", members)};\n");
            text.Append(CultureInfo.InvariantCulture, $"export const {ConstantName(enumType.Name)}_VALUES = [{string.Join(", ", members)}] as const;\n");
        }

        return text.Append(generator._body).ToString();
    }

    private void WriteUnion(Type union, string unionName, string casePrefix)
    {
        var polymorphic = union.GetCustomAttribute<JsonPolymorphicAttribute>()
            ?? throw new InvalidOperationException($"{union} has no [JsonPolymorphic].");
        var discriminatorName = polymorphic.TypeDiscriminatorPropertyName ?? "$type";
        var cases = union.GetCustomAttributes<JsonDerivedTypeAttribute>()
            .Select(derived => (derived.DerivedType, Discriminator: derived.TypeDiscriminator as string
                ?? throw new InvalidOperationException($"{derived.DerivedType} needs a string discriminator.")))
            .ToList();

        foreach (var (type, discriminator) in cases)
        {
            WriteInterface(casePrefix + type.Name, type, (discriminatorName, discriminator));
        }

        Declare(unionName);
        _body.Append('\n').Append(CultureInfo.InvariantCulture, $"export type {unionName} =\n");
        foreach (var (type, _) in cases)
        {
            _body.Append(CultureInfo.InvariantCulture, $"  | {casePrefix}{type.Name}\n");
        }

        _body.Length--;
        _body.Append(";\n");
        _body.Append('\n').Append(CultureInfo.InvariantCulture, $"export const {ConstantName(unionName)}_TYPES = [{string.Join(", ", cases.Select(c => Quote(c.Discriminator)))}] as const;\n");
    }

    private void WriteInterface(string name, Type type, (string Name, string Value)? discriminator)
    {
        Declare(name);
        _body.Append('\n').Append(CultureInfo.InvariantCulture, $"export interface {name} {{\n");
        if (discriminator is { } tag)
        {
            _body.Append(CultureInfo.InvariantCulture, $"  {tag.Name}: {Quote(tag.Value)};\n");
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always })
            {
                continue;
            }

            var wireName = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var underlying = Nullable.GetUnderlyingType(property.PropertyType);
            var nullable = underlying is not null ||
                (!property.PropertyType.IsValueType && _nullability.Create(property).ReadState == NullabilityState.Nullable);
            var typeName = TypeName(underlying ?? property.PropertyType, property);
            // A null is written as null unless the property says to leave it out, and then the field is absent.
            var omittedWhenNull = property.GetCustomAttribute<JsonIgnoreAttribute>() is
                { Condition: JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault };
            var field = (nullable, omittedWhenNull) switch
            {
                (false, _) => $"{wireName}: {typeName}",
                (true, true) => $"{wireName}?: {typeName}",
                (true, false) => $"{wireName}: {typeName} | null",
            };
            _body.Append(CultureInfo.InvariantCulture, $"  {field};\n");
        }

        _body.Append("}\n");
    }

    private string TypeName(Type type, PropertyInfo property)
    {
        if (type == typeof(string))
        {
            return "string";
        }

        if (type == typeof(bool))
        {
            return "boolean";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "number";
        }

        if (type.IsEnum && type.GetCustomAttribute<JsonConverterAttribute>() is not null)
        {
            if (!_enums.Contains(type))
            {
                _enums.Add(type);
            }

            return type.Name;
        }

        if (type == typeof(JsonElement))
        {
            // The contract carries JsonElement only for objects Reflector does not type (its action items), and the
            // parser refuses anything but an object there.
            return "Record<string, unknown>";
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            if (_nullability.Create(property).GenericTypeArguments[0].ReadState == NullabilityState.Nullable)
            {
                throw new NotSupportedException($"{property.DeclaringType?.Name}.{property.Name}: no TypeScript mapping for a list of nullable items.");
            }

            return TypeName(type.GetGenericArguments()[0], property) + "[]";
        }

        if (_records.Contains(type))
        {
            return type.Name;
        }

        throw new NotSupportedException($"{property.DeclaringType?.Name}.{property.Name}: no TypeScript mapping for {type}.");
    }

    private void Declare(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"Two TypeScript declarations would be named {name}; give one union a case prefix.");
        }
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string ConstantName(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));
}
