namespace NasiOnnx.Models.Darts;

/// <summary>
/// A DARTS architecture: the normal cell and the reduction cell. Immutable; equal when both cells are. Its identity is
/// the notation DARTS's code made common (<see cref="Parse"/>, <see cref="ToString"/>):
/// <c>Genotype(normal=[('sep_conv_3x3', 0), …], normal_concat=[2, 3, 4, 5], reduce=[…], reduce_concat=[2, 3, 4, 5])</c>.
/// </summary>
public sealed class DartsGenotype : IEquatable<DartsGenotype>
{
    public DartsGenotype(DartsCell normal, DartsCell reduce)
    {
        ArgumentNullException.ThrowIfNull(normal);
        ArgumentNullException.ThrowIfNull(reduce);
        Normal = normal;
        Reduce = reduce;
    }

    public DartsCell Normal { get; }

    public DartsCell Reduce { get; }

    /// <summary>The cell of the given type.</summary>
    public DartsCell Cell(bool reduction) => reduction ? Reduce : Normal;

    /// <summary>
    /// Parses the notation (lists or <c>range(a, b)</c> for the concats, any whitespace and quotes); throws
    /// <see cref="DartsGenotypeFormatException"/> naming the problem and its position.
    /// </summary>
    public static DartsGenotype Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return DartsGenotypeParser.Parse(text, out var error) ?? throw error!;
    }

    /// <summary>Parses the notation; on failure <paramref name="error"/> says what is wrong and where.</summary>
    public static bool TryParse(string? text, out DartsGenotype? genotype, out string error)
    {
        if (text is null)
        {
            genotype = null;
            error = "Invalid DARTS genotype: no string given.";
            return false;
        }
        genotype = DartsGenotypeParser.Parse(text, out var failure);
        error = failure?.Message ?? "";
        return genotype is not null;
    }

    /// <summary>The canonical one-line notation, concats as lists, single quotes, as Python prints the namedtuple.</summary>
    public override string ToString() =>
        $"Genotype(normal={Normal.EdgesToString()}, normal_concat={Normal.ConcatToString()}, " +
        $"reduce={Reduce.EdgesToString()}, reduce_concat={Reduce.ConcatToString()})";

    public bool Equals(DartsGenotype? other) => other is not null && Normal.Equals(other.Normal) && Reduce.Equals(other.Reduce);

    public override bool Equals(object? obj) => Equals(obj as DartsGenotype);

    public override int GetHashCode() => HashCode.Combine(Normal, Reduce);

    public static bool operator ==(DartsGenotype? a, DartsGenotype? b) => a?.Equals(b) ?? b is null;

    public static bool operator !=(DartsGenotype? a, DartsGenotype? b) => !(a == b);
}
